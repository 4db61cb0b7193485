/* SPDX-License-Identifier: Apache-2.0 */
/* proto_link_internal.h — what the .proto parser hands to the linker: the lexer (shared
 * with the option-value parser), type names to resolve and custom options to encode once
 * every symbol of the file is known. Only proto_parse.c and proto_link.c include this. */
#ifndef PROTO_LINK_INTERNAL_H
#define PROTO_LINK_INTERNAL_H

#include "proto_internal.h"

/* Appends val to the array arr of n elements (both lvalues; n is incremented). */
#define PROTO_PUSH(arr, n, val)                                                                              \
    do {                                                                                                     \
        (arr) = sr_xrealloc((arr), ((n) + 1) * sizeof(*(arr)));                                              \
        (arr)[(n)++] = (val);                                                                                \
    } while (0)

enum proto_tok_kind {
    PROTO_TOK_EOF,
    PROTO_TOK_IDENT,
    PROTO_TOK_INT,
    PROTO_TOK_FLOAT,
    PROTO_TOK_STRING,
    PROTO_TOK_SYMBOL,
};

struct proto_tok {
    enum proto_tok_kind kind;
    const char *start; /* into the source; string tokens include their quotes */
    size_t len;
    int line, col; /* 1-based */
};

struct proto_lexer {
    const char *src;
    size_t len, pos;
    int line, col;
    struct proto_tok tok;     /* current token */
    bool allow_hash_comments; /* text format allows "#" comments */
    bool failed;
    struct sr_error *err;
};

void proto_lex_init(struct proto_lexer *lx, const char *src, size_t len, int line, int col);
int proto_lex_next(struct proto_lexer *lx);
bool proto_tok_is(const struct proto_tok *t, const char *s);
void proto_tok_unescape(const struct proto_tok *t, struct sr_buf *b);
int proto_tok_uint(const struct proto_tok *t, uint64_t *out);
double proto_tok_double(const struct proto_tok *t);

bool proto_scalar_type(const char *name, Google__Protobuf__FieldDescriptorProto__Type *out);
const char *proto_scalar_name(Google__Protobuf__FieldDescriptorProto__Type t);

enum proto_val_kind {
    PROTO_VAL_IDENT,
    PROTO_VAL_INT,
    PROTO_VAL_FLOAT,
    PROTO_VAL_STRING,
    PROTO_VAL_AGGREGATE,
};

/* An option value as written. */
struct proto_opt_value {
    enum proto_val_kind kind;
    bool neg;
    char *str; /* IDENT/STRING (unescaped)/number text; owned */
    size_t str_len;
    uint64_t u;
    double d;
    size_t agg_start, agg_end; /* AGGREGATE: source span between the braces */
    int line, col;
};

struct proto_opt_part {
    char *name; /* owned */
    bool ext;   /* written in parentheses */
};

struct proto_opt_name {
    struct proto_opt_part *parts;
    size_t nparts;
};

void proto_opt_name_free(struct proto_opt_name *n);
void proto_opt_value_free(struct proto_opt_value *v);
/* Sets a descriptor.proto option field from a written value. Returns 0 or -1 (lexer error). */
int proto_set_std_option(struct proto_lexer *lx, ProtobufCMessage *opts, const ProtobufCFieldDescriptor *fd,
                         const struct proto_opt_value *v);

enum proto_want {
    PROTO_WANT_TYPE,    /* message or enum */
    PROTO_WANT_MESSAGE, /* message only (extendee, rpc types, map entries, groups) */
};

struct proto_pending_type {
    char **name_slot;                                        /* written name; replaced by ".full.Name" */
    Google__Protobuf__FieldDescriptorProto__Type *type_slot; /* set to MESSAGE/ENUM, or NULL */
    protobuf_c_boolean *has_type;
    char *scope; /* owned */
    int line, col;
    enum proto_want want;
};

struct proto_pending_opt {
    ProtobufCMessage **slot; /* the options message it goes into */
    const ProtobufCMessageDescriptor *desc;
    char *scope; /* owned */
    struct proto_opt_name name;
    struct proto_opt_value val;
    int line, col;
    const char *src; /* the file's text, for aggregate values */
    size_t src_len;
};

struct proto_link {
    struct proto_pool *pool;
    int depth;
    struct proto_pending_type *types;
    size_t ntypes;
    struct proto_pending_opt *opts;
    size_t nopts;
};

void proto_link_init(struct proto_link *link, struct proto_pool *pool, int depth);
/* Queues *name_slot (a type name as written, inside `scope`) to be resolved by
 * proto_link_file; line 0 means the name has no source position (binary input). */
void proto_link_queue_type(struct proto_link *link, char **name_slot,
                           Google__Protobuf__FieldDescriptorProto__Type *type_slot,
                           protobuf_c_boolean *has_type, const char *scope, int line, int col,
                           enum proto_want want);
void proto_link_free(struct proto_link *link);
/* Registers files[index]'s symbols, resolves the queued names, encodes the queued options
 * and validates the file. Returns 0 or -1 with err set. */
int proto_link_file(struct proto_link *link, size_t index, struct sr_error *err);

#endif
