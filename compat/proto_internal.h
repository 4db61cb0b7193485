/* SPDX-License-Identifier: Apache-2.0 */
/* proto_internal.h — Protobuf support shared by proto*.c: a pool of linked
 * google.protobuf.FileDescriptorProto messages (protobuf-c, generated from Debian's
 * descriptor.proto at build time), the .proto text parser that fills it, the printer that
 * turns a descriptor back into text, and Confluent's compatibility rules over two pools.
 * Everything here works on untrusted input: errors are 42201 with line:column. */
#ifndef PROTO_INTERNAL_H
#define PROTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "compat_internal.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "sr_buf.h"
#include "sr_error.h"

/* The main schema's file name inside its pool (Confluent's ProtobufSchema uses the same). */
#define PROTO_MAIN_FILE_NAME "default"

enum proto_sym_kind {
    PROTO_SYM_PACKAGE,
    PROTO_SYM_MESSAGE,
    PROTO_SYM_ENUM,
    PROTO_SYM_ENUM_VALUE,
    PROTO_SYM_FIELD,
    PROTO_SYM_ONEOF,
    PROTO_SYM_EXTENSION,
    PROTO_SYM_SERVICE,
    PROTO_SYM_METHOD,
};

/* One fully-qualified name (no leading dot) defined by a file of the pool. */
struct proto_sym {
    char *name;
    enum proto_sym_kind kind;
    const void *desc; /* Google__Protobuf__DescriptorProto, ...EnumDescriptorProto, ... */
    size_t file;      /* index into proto_pool.files */
};

/* A string -> index hash map; keys are borrowed and must outlive the map. Schemas may be
 * megabytes of declarations, so every by-name lookup goes through one of these. */
struct proto_map {
    struct proto_map_slot {
        const char *key;
        size_t val;
    } * slots;
    size_t n, cap;
};

void proto_map_put(struct proto_map *m, const char *key, size_t val);
/* Returns true and sets *val when key is present. */
bool proto_map_get(const struct proto_map *m, const char *key, size_t *val);
void proto_map_free(struct proto_map *m);

/* The files one schema can see: itself, its references and the built-in imports it used.
 * Files are added after their imports, so files[nfiles - 1] is the last one loaded. */
struct proto_pool {
    Google__Protobuf__FileDescriptorProto **files; /* owned */
    size_t nfiles;
    struct proto_sym *syms; /* owned */
    size_t nsyms, capsyms;
    struct proto_map sym_index; /* name -> index into syms */
    /* Where imports come from while loading; borrowed, only used during parsing. */
    const struct compat_ref *refs;
    size_t nrefs;
    const char *loading[COMPAT_MAX_DEPTH + 1]; /* import stack, for cycle detection */
    size_t nloading;
};

/* A built-in importable file: Google's well-known types, the google/type and confluent files. */
struct proto_builtin {
    const char *path;
    const char *text;
};

/* Returns the built-in file with this import path, or NULL. */
const struct proto_builtin *proto_builtin_find(const char *path);
/* All built-ins (for tests): sets *count. */
const struct proto_builtin *proto_builtin_generated(size_t *count);
const struct proto_builtin *proto_builtin_handwritten(size_t *count);

void proto_pool_init(struct proto_pool *pool, const struct compat_ref *refs, size_t nrefs);
void proto_pool_free(struct proto_pool *pool);
/* Finds a symbol by full name (no leading dot). Borrowed, valid while the pool lives. */
const struct proto_sym *proto_pool_find(const struct proto_pool *pool, const char *name);
/* The symbol a type name of a descriptor refers to (".pkg.Msg"; the leading dot is optional).
 * Returns NULL when type_name is NULL or unknown; borrowed, valid while the pool lives. */
const struct proto_sym *proto_pool_find_type(const struct proto_pool *pool, const char *type_name);
/* The message a type name refers to, or NULL (also when it names an enum); sets *file, when
 * not NULL, to the index of the file that defines it. Borrowed, valid while the pool lives. */
const Google__Protobuf__DescriptorProto *proto_pool_message(const struct proto_pool *pool,
                                                            const char *type_name, size_t *file);
/* The enum a type name refers to, or NULL. Borrowed, valid while the pool lives. */
const Google__Protobuf__EnumDescriptorProto *proto_pool_enum(const struct proto_pool *pool,
                                                             const char *type_name);
/* Index of the file with this name, or -1. */
long proto_pool_file_index(const struct proto_pool *pool, const char *name);

/* Loads a file from text or base64 FileDescriptorProto, with its imports, and links it.
 * On success *index gets its position in pool->files. Returns 0, or -1 with err set. */
SR_MUST_CHECK int proto_pool_load(struct proto_pool *pool, const char *name, const char *src, size_t len,
                                  int depth, size_t *index, struct sr_error *err);
/* Makes sure the file `path` is in the pool: already loaded, one of the refs, or a built-in. */
SR_MUST_CHECK int proto_pool_import(struct proto_pool *pool, const char *path, int depth,
                                    struct sr_error *err);

/* Parses .proto text into a new descriptor, loads its imports into the pool, appends it to
 * the pool and links it (type names become fully qualified, custom options encoded).
 * Returns the pool index via *index; 0 or -1 with err set ("line:col: message"). */
SR_MUST_CHECK int proto_parse_text(struct proto_pool *pool, const char *name, const char *text, size_t len,
                                   int depth, size_t *index, struct sr_error *err);
/* Links a descriptor that arrived in binary form: takes ownership of fdp (appended to the
 * pool even on failure, so the pool frees it), resolves and validates every type name. */
SR_MUST_CHECK int proto_link_binary(struct proto_pool *pool, Google__Protobuf__FileDescriptorProto *fdp,
                                    int depth, size_t *index, struct sr_error *err);

/* Prints files[index] as .proto text in the registry's layout. With normalize, imports are
 * sorted and fields, enum values and reserved ranges follow tag order. */
void proto_print(const struct proto_pool *pool, size_t index, bool normalize, struct sr_buf *out);

/* Confluent's SchemaDiff: can `reader` (main file rpool->files[rmain]) read data written with
 * `writer`? Adds one message per incompatible difference. Returns 0, or -1 with err set. */
SR_MUST_CHECK int proto_can_read(const struct proto_pool *rpool, size_t rmain, const struct proto_pool *wpool,
                                 size_t wmain, struct compat_result *res, struct sr_error *err);
/* The same comparison's every difference, allowed or not, as "KIND path" messages, for
 * schema-compat diff (compat.c). Returns 0, or -1 with err set. */
SR_MUST_CHECK int proto_changes(const struct proto_pool *rpool, size_t rmain, const struct proto_pool *wpool,
                                size_t wmain, struct compat_result *changes, struct sr_error *err);

/* Base64 (RFC 4648, padding optional on input). decode returns a new buffer (caller frees)
 * or NULL if the text is not base64. */
unsigned char *proto_base64_decode(const char *text, size_t len, size_t *out_len);
char *proto_base64_encode(const unsigned char *data, size_t len, size_t *out_len);

/* Editions "features": descriptor.proto 3.21 predates FeatureSet, so a built-in file
 * (PROTO_FEATURES_FILE) defines google.protobuf.FeatureSet and every options message
 * carries it as the unknown field of its newer descriptor.proto number. */
#define PROTO_FEATURES_FILE "google/protobuf/sr_feature_set.proto"
#define PROTO_FEATURES_TYPE ".google.protobuf.FeatureSet"
/* The field number of `features` in an options message (e.g. 21 in FieldOptions), or 0. */
int proto_features_number(const ProtobufCMessageDescriptor *options_desc);

/* Shared helpers. */
void *proto_new_msg(const ProtobufCMessageDescriptor *desc);
/* "scope.name", or just name when scope is NULL or empty: a full name one level down.
 * Returns a new string; caller frees. */
char *proto_join_name(const char *scope, const char *name);
/* protoc's default json_name: underscores removed, the letter after one upper-cased. */
char *proto_json_name(const char *field_name);
/* Looks an enum value up by name in an enum descriptor of the pool. */
const Google__Protobuf__EnumValueDescriptorProto *
proto_enum_value_by_name(const Google__Protobuf__EnumDescriptorProto *e, const char *name);

#endif
