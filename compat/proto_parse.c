/* SPDX-License-Identifier: Apache-2.0 */
/* proto_parse.c — the .proto text parser (proto2, proto3, editions) that builds a
 * google.protobuf.FileDescriptorProto the way protoc does (protoc --descriptor_set_out is the
 * oracle in tests): map entries, groups, synthetic oneofs, json_name, defaults, standard
 * options set in place and custom options encoded as unknown fields of the options message.
 * Names and custom options are resolved after the whole file is read (proto_link.c does the
 * symbol work). Every nesting is bounded by COMPAT_MAX_DEPTH. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_link_internal.h"

/* ---- lexer ---------------------------------------------------------------------------- */

void proto_lex_init(struct proto_lexer *lx, const char *src, size_t len, int line, int col)
{
    memset(lx, 0, sizeof(*lx));
    lx->src = src;
    lx->len = len;
    lx->line = line;
    lx->col = col;
}

static int lex_fail(struct proto_lexer *lx, int line, int col, const char *fmt, ...) SR_PRINTF(4, 5);
static int lex_fail(struct proto_lexer *lx, int line, int col, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!lx->failed)
        sr_error_set(lx->err, SR_ERR_INVALID_SCHEMA, "%d:%d: %s", line, col, msg);
    lx->failed = true;
    return -1;
}

static void adv(struct proto_lexer *lx)
{
    if (lx->pos >= lx->len)
        return;
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

static int peekc(const struct proto_lexer *lx, size_t ahead)
{
    return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

/* Reads the next token into lx->tok. Returns 0 or -1 (error recorded). */
int proto_lex_next(struct proto_lexer *lx)
{
    struct proto_tok *t = &lx->tok;
    if (lx->failed)
        return -1;
    for (;;) {
        int c = peekc(lx, 0);
        if (c == -1)
            break;
        if (isspace(c)) {
            adv(lx);
        } else if (c == '/' && peekc(lx, 1) == '/') {
            while (peekc(lx, 0) != -1 && peekc(lx, 0) != '\n')
                adv(lx);
        } else if (c == '/' && peekc(lx, 1) == '*') {
            int l = lx->line, co = lx->col;
            adv(lx);
            adv(lx);
            while (!(peekc(lx, 0) == '*' && peekc(lx, 1) == '/')) {
                if (peekc(lx, 0) == -1)
                    return lex_fail(lx, l, co, "End-of-file inside block comment.");
                adv(lx);
            }
            adv(lx);
            adv(lx);
        } else if (c == '#' && lx->allow_hash_comments) {
            while (peekc(lx, 0) != -1 && peekc(lx, 0) != '\n')
                adv(lx);
        } else {
            break;
        }
    }
    t->line = lx->line;
    t->col = lx->col;
    t->start = lx->src + lx->pos;
    t->len = 0;
    int c = peekc(lx, 0);
    if (c == -1) {
        t->kind = PROTO_TOK_EOF;
        return 0;
    }
    size_t start = lx->pos;
    if (isalpha(c) || c == '_') {
        while (peekc(lx, 0) != -1 && (isalnum(peekc(lx, 0)) || peekc(lx, 0) == '_'))
            adv(lx);
        t->kind = PROTO_TOK_IDENT;
    } else if (isdigit(c) || (c == '.' && peekc(lx, 1) != -1 && isdigit(peekc(lx, 1)))) {
        bool is_float = false;
        if (c == '0' && (peekc(lx, 1) == 'x' || peekc(lx, 1) == 'X')) {
            adv(lx);
            adv(lx);
            if (!isxdigit(peekc(lx, 0)))
                return lex_fail(lx, t->line, t->col, "\"0x\" must be followed by hex digits.");
            while (isxdigit(peekc(lx, 0)))
                adv(lx);
        } else {
            while (isdigit(peekc(lx, 0)))
                adv(lx);
            if (peekc(lx, 0) == '.') {
                is_float = true;
                adv(lx);
                while (isdigit(peekc(lx, 0)))
                    adv(lx);
            }
            if (peekc(lx, 0) == 'e' || peekc(lx, 0) == 'E') {
                is_float = true;
                adv(lx);
                if (peekc(lx, 0) == '+' || peekc(lx, 0) == '-')
                    adv(lx);
                if (!isdigit(peekc(lx, 0)))
                    return lex_fail(lx, lx->line, lx->col, "\"e\" must be followed by exponent.");
                while (isdigit(peekc(lx, 0)))
                    adv(lx);
            }
            if (is_float && (peekc(lx, 0) == 'f' || peekc(lx, 0) == 'F'))
                adv(lx);
        }
        if (peekc(lx, 0) != -1 && (isalpha(peekc(lx, 0)) || peekc(lx, 0) == '_'))
            return lex_fail(lx, lx->line, lx->col, "Need space between number and identifier.");
        t->kind = is_float ? PROTO_TOK_FLOAT : PROTO_TOK_INT;
    } else if (c == '"' || c == '\'') {
        adv(lx);
        for (;;) {
            int d = peekc(lx, 0);
            if (d == -1 || d == '\n')
                return lex_fail(lx, t->line, t->col, "Unexpected end of string.");
            if (d == '\\') {
                adv(lx);
                if (peekc(lx, 0) == -1)
                    return lex_fail(lx, t->line, t->col, "Unexpected end of string.");
                adv(lx);
                continue;
            }
            adv(lx);
            if (d == c)
                break;
        }
        t->kind = PROTO_TOK_STRING;
    } else {
        adv(lx);
        t->kind = PROTO_TOK_SYMBOL;
    }
    t->len = lx->pos - start;
    return 0;
}

bool proto_tok_is(const struct proto_tok *t, const char *s)
{
    size_t n = strlen(s);
    return (t->kind == PROTO_TOK_IDENT || t->kind == PROTO_TOK_SYMBOL) && t->len == n &&
           memcmp(t->start, s, n) == 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return (tolower(c) - 'a') + 10;
}

static void put_utf8(struct sr_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sr_buf_append(b, u, n);
}

/* Appends the unescaped contents of a string token (quotes stripped). */
void proto_tok_unescape(const struct proto_tok *t, struct sr_buf *b)
{
    const char *s = t->start + 1, *e = t->start + t->len - 1;
    while (s < e) {
        if (*s != '\\') {
            sr_buf_putc(b, *s++);
            continue;
        }
        s++;
        char c = *s++;
        switch (c) {
        case 'a':
            sr_buf_putc(b, '\a');
            break;
        case 'b':
            sr_buf_putc(b, '\b');
            break;
        case 'f':
            sr_buf_putc(b, '\f');
            break;
        case 'n':
            sr_buf_putc(b, '\n');
            break;
        case 'r':
            sr_buf_putc(b, '\r');
            break;
        case 't':
            sr_buf_putc(b, '\t');
            break;
        case 'v':
            sr_buf_putc(b, '\v');
            break;
        case 'x':
        case 'X': {
            int v = 0, n = 0;
            while (n < 2 && s < e && isxdigit((unsigned char)*s)) {
                v = v * 16 + hexval((unsigned char)*s++);
                n++;
            }
            sr_buf_putc(b, (char)v);
            break;
        }
        case 'u':
        case 'U': {
            int want = c == 'u' ? 4 : 8, n = 0;
            unsigned long cp = 0;
            while (n < want && s < e && isxdigit((unsigned char)*s)) {
                cp = cp * 16 + (unsigned long)hexval((unsigned char)*s++);
                n++;
            }
            put_utf8(b, cp);
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', n = 1;
                while (n < 3 && s < e && *s >= '0' && *s <= '7') {
                    v = v * 8 + (*s++ - '0');
                    n++;
                }
                sr_buf_putc(b, (char)v);
            } else {
                sr_buf_putc(b, c); /* \\ \' \" \? */
            }
        }
    }
}

/* Parses an integer token (decimal, 0x hex, 0 octal). Returns 0, or -1 on overflow. */
int proto_tok_uint(const struct proto_tok *t, uint64_t *out)
{
    char tmp[64];
    if (t->len >= sizeof(tmp))
        return -1;
    memcpy(tmp, t->start, t->len);
    tmp[t->len] = '\0';
    errno = 0;
    char *end;
    unsigned long long v = strtoull(tmp, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

double proto_tok_double(const struct proto_tok *t)
{
    char tmp[128];
    size_t n = t->len < sizeof(tmp) - 1 ? t->len : sizeof(tmp) - 1;
    memcpy(tmp, t->start, n);
    tmp[n] = '\0';
    if (n && (tmp[n - 1] == 'f' || tmp[n - 1] == 'F'))
        tmp[n - 1] = '\0';
    if (t->kind == PROTO_TOK_INT) {
        uint64_t u;
        if (proto_tok_uint(t, &u) == 0)
            return (double)u;
    }
    return strtod(tmp, NULL);
}

/* ---- parser ---------------------------------------------------------------------------- */

struct parser {
    struct proto_lexer lx;
    struct proto_link *link;
    Google__Protobuf__FileDescriptorProto *file;
    enum { SYN_PROTO2, SYN_PROTO3, SYN_EDITIONS } syntax;
    int depth;
};

#define TOK (&p->lx.tok)

static int fail(struct parser *p, const char *fmt, ...) SR_PRINTF(2, 3);
static int fail(struct parser *p, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return lex_fail(&p->lx, TOK->line, TOK->col, "%s", msg);
}

static int next(struct parser *p)
{
    return proto_lex_next(&p->lx);
}

static bool at(struct parser *p, const char *s)
{
    return proto_tok_is(TOK, s);
}

static bool accept(struct parser *p, const char *s)
{
    if (!at(p, s))
        return false;
    return next(p) == 0;
}

static int expect(struct parser *p, const char *s)
{
    if (!at(p, s))
        return fail(p, "Expected \"%s\".", s);
    return next(p);
}

/* Peeks at the token after the current one without consuming anything. */
static struct proto_tok peek2(struct parser *p)
{
    struct proto_lexer save = p->lx;
    struct sr_error scratch;
    save.err = &scratch;
    struct proto_tok t = {0};
    if (proto_lex_next(&save) == 0)
        t = save.tok;
    else
        t.kind = PROTO_TOK_EOF;
    return t;
}

/* Keywords such as "stream" and "extend" are also valid type and field names: they act
 * as keywords only when a (possibly dotted) name follows. */
static bool name_follows(struct parser *p)
{
    struct proto_tok t2 = peek2(p);
    return t2.kind == PROTO_TOK_IDENT || proto_tok_is(&t2, ".");
}

static char *tok_dup(const struct proto_tok *t)
{
    return sr_xstrndup(t->start, t->len);
}

static int parse_ident(struct parser *p, char **out)
{
    if (TOK->kind != PROTO_TOK_IDENT)
        return fail(p, "Expected identifier.");
    *out = tok_dup(TOK);
    return next(p);
}

/* A possibly dotted, possibly leading-dot name: ".a.b", "a.b". */
static int parse_dotted(struct parser *p, char **out)
{
    struct sr_buf b = SR_BUF_INIT;
    if (at(p, ".")) {
        sr_buf_putc(&b, '.');
        if (next(p))
            goto err;
    }
    for (;;) {
        if (TOK->kind != PROTO_TOK_IDENT) {
            fail(p, "Expected identifier.");
            goto err;
        }
        sr_buf_append(&b, TOK->start, TOK->len);
        if (next(p))
            goto err;
        if (!at(p, "."))
            break;
        sr_buf_putc(&b, '.');
        if (next(p))
            goto err;
    }
    *out = sr_buf_steal(&b, NULL);
    return 0;
err:
    sr_buf_free(&b);
    return -1;
}

/* One or more adjacent string literals, concatenated and unescaped. */
static int parse_string(struct parser *p, char **out, size_t *len)
{
    if (TOK->kind != PROTO_TOK_STRING)
        return fail(p, "Expected string.");
    struct sr_buf b = SR_BUF_INIT;
    while (TOK->kind == PROTO_TOK_STRING) {
        proto_tok_unescape(TOK, &b);
        if (next(p)) {
            sr_buf_free(&b);
            return -1;
        }
    }
    *out = sr_buf_steal(&b, len);
    return 0;
}

static int parse_int(struct parser *p, int64_t lo, int64_t hi, int64_t *out)
{
    bool neg = false;
    if (at(p, "-")) {
        neg = true;
        if (next(p))
            return -1;
    }
    if (TOK->kind != PROTO_TOK_INT)
        return fail(p, "Expected integer.");
    uint64_t u;
    if (proto_tok_uint(TOK, &u) || u > (uint64_t)INT64_MAX)
        return fail(p, "Integer out of range.");
    int64_t v = neg ? -(int64_t)u : (int64_t)u;
    if (v < lo || v > hi)
        return fail(p, "Integer out of range.");
    *out = v;
    return next(p);
}

/* Option value as written: scalar token(s) or an aggregate's source span. */
static int parse_opt_value(struct parser *p, struct proto_opt_value *v)
{
    memset(v, 0, sizeof(*v));
    v->line = TOK->line;
    v->col = TOK->col;
    if (at(p, "{")) {
        v->kind = PROTO_VAL_AGGREGATE;
        v->agg_start = (size_t)(TOK->start - p->lx.src) + 1;
        int depth = 0;
        for (;;) {
            if (TOK->kind == PROTO_TOK_EOF)
                return fail(p, "Unexpected end of stream while parsing aggregate value.");
            if (at(p, "{") || at(p, "<") || at(p, "["))
                depth++;
            else if (at(p, "}") || at(p, ">") || at(p, "]"))
                depth--;
            if (depth > COMPAT_MAX_DEPTH)
                return fail(p, "Aggregate value nested too deeply.");
            if (depth == 0) {
                v->agg_end = (size_t)(TOK->start - p->lx.src);
                return next(p);
            }
            if (next(p))
                return -1;
        }
    }
    if (at(p, "-")) {
        v->neg = true;
        if (next(p))
            return -1;
    }
    switch (TOK->kind) {
    case PROTO_TOK_IDENT:
        v->kind = PROTO_VAL_IDENT;
        v->str = tok_dup(TOK);
        v->str_len = TOK->len;
        return next(p);
    case PROTO_TOK_INT:
        /* integers beyond uint64 are kept as floating point, as protoc does */
        v->kind = proto_tok_uint(TOK, &v->u) ? PROTO_VAL_FLOAT : PROTO_VAL_INT;
        v->d = proto_tok_double(TOK);
        v->str = tok_dup(TOK);
        return next(p);
    case PROTO_TOK_FLOAT:
        v->kind = PROTO_VAL_FLOAT;
        v->d = proto_tok_double(TOK);
        v->str = tok_dup(TOK);
        return next(p);
    case PROTO_TOK_STRING:
        if (v->neg)
            return fail(p, "Expected number.");
        v->kind = PROTO_VAL_STRING;
        return parse_string(p, &v->str, &v->str_len);
    default:
        return fail(p, "Expected option value.");
    }
}

/* Option name: ident | "(" dotted ")" then ("." ident | "." "(" dotted ")")*. */
static int parse_opt_name(struct parser *p, struct proto_opt_name *n)
{
    memset(n, 0, sizeof(*n));
    for (;;) {
        struct proto_opt_part part = {0};
        if (at(p, "(")) {
            if (next(p) || parse_dotted(p, &part.name))
                goto err_part;
            part.ext = true;
            if (expect(p, ")"))
                goto err_part;
        } else {
            if (TOK->kind != PROTO_TOK_IDENT) {
                fail(p, "Expected identifier.");
                goto err_part;
            }
            part.name = tok_dup(TOK);
            if (next(p))
                goto err_part;
        }
        PROTO_PUSH(n->parts, n->nparts, part);
        if (!at(p, "."))
            return 0;
        if (next(p))
            return -1;
        continue;
    err_part:
        free(part.name);
        return -1;
    }
}

static ProtobufCMessage **opts_slot_init(ProtobufCMessage **slot, const ProtobufCMessageDescriptor *desc)
{
    if (!*slot)
        *slot = proto_new_msg(desc);
    return slot;
}

/* Sets a standard (descriptor.proto) option directly, or queues a custom one for linking. */
static int add_option(struct parser *p, ProtobufCMessage **slot, const ProtobufCMessageDescriptor *desc,
                      const char *scope, struct proto_opt_name *name, struct proto_opt_value *val, int line,
                      int col)
{
    opts_slot_init(slot, desc);
    bool features = !name->parts[0].ext && strcmp(name->parts[0].name, "features") == 0 &&
                    !protobuf_c_message_descriptor_get_field_by_name(desc, "features") &&
                    proto_features_number(desc);
    if (features && p->syntax != SYN_EDITIONS) {
        int rc = lex_fail(&p->lx, line, col, "Features are only valid under editions.");
        proto_opt_name_free(name);
        proto_opt_value_free(val);
        return rc;
    }
    if (!name->parts[0].ext && !features) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(desc, name->parts[0].name);
        if (!fd || fd->label == PROTOBUF_C_LABEL_REPEATED || fd->type == PROTOBUF_C_TYPE_MESSAGE ||
            name->nparts != 1) {
            int rc = lex_fail(&p->lx, line, col, "Option \"%s\" unknown.", name->parts[0].name);
            proto_opt_name_free(name);
            proto_opt_value_free(val);
            return rc;
        }
        int rc = proto_set_std_option(&p->lx, *slot, fd, val);
        proto_opt_name_free(name);
        proto_opt_value_free(val);
        return rc;
    }
    struct proto_pending_opt po = {
        .slot = slot,
        .desc = desc,
        .scope = sr_xstrdup(scope),
        .name = *name,
        .val = *val,
        .line = line,
        .col = col,
        .src = p->lx.src,
        .src_len = p->lx.len,
    };
    PROTO_PUSH(p->link->opts, p->link->nopts, po);
    return 0;
}

/* "option" name "=" value ";" — the keyword already consumed. */
static int parse_option_stmt(struct parser *p, ProtobufCMessage **slot,
                             const ProtobufCMessageDescriptor *desc, const char *scope)
{
    int line = TOK->line, col = TOK->col;
    struct proto_opt_name name;
    struct proto_opt_value val = {0};
    if (parse_opt_name(p, &name)) {
        proto_opt_name_free(&name);
        return -1;
    }
    if (expect(p, "=") || parse_opt_value(p, &val)) {
        proto_opt_name_free(&name);
        proto_opt_value_free(&val);
        return -1;
    }
    if (add_option(p, slot, desc, scope, &name, &val, line, col))
        return -1;
    return expect(p, ";");
}

/* ".a.b.C" from "a.b.C": synthesized type names are already fully qualified. */
static char *absname(const char *fqn)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_putc(&b, '.');
    sr_buf_puts(&b, fqn);
    return sr_buf_steal(&b, NULL);
}

static const struct {
    const char *name;
    Google__Protobuf__FieldDescriptorProto__Type type;
} scalar_types[] = {
    {"double", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_DOUBLE},
    {"float", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FLOAT},
    {"int64", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT64},
    {"uint64", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT64},
    {"int32", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT32},
    {"fixed64", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED64},
    {"fixed32", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED32},
    {"bool", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BOOL},
    {"string", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING},
    {"bytes", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BYTES},
    {"uint32", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT32},
    {"sfixed32", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED32},
    {"sfixed64", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED64},
    {"sint32", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT32},
    {"sint64", GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT64},
};

bool proto_scalar_type(const char *name, Google__Protobuf__FieldDescriptorProto__Type *out)
{
    for (size_t i = 0; i < sizeof(scalar_types) / sizeof(scalar_types[0]); i++)
        if (strcmp(scalar_types[i].name, name) == 0) {
            *out = scalar_types[i].type;
            return true;
        }
    return false;
}

const char *proto_scalar_name(Google__Protobuf__FieldDescriptorProto__Type t)
{
    for (size_t i = 0; i < sizeof(scalar_types) / sizeof(scalar_types[0]); i++)
        if (scalar_types[i].type == t)
            return scalar_types[i].name;
    return NULL;
}

/* Sets a field's type from a written type name: scalar now, named types at link time. */
static void set_field_type(struct parser *p, Google__Protobuf__FieldDescriptorProto *f, char *tname,
                           const char *scope, int line, int col)
{
    Google__Protobuf__FieldDescriptorProto__Type st;
    if (proto_scalar_type(tname, &st)) {
        f->has_type = 1;
        f->type = st;
        free(tname);
        return;
    }
    f->type_name = tname;
    proto_link_queue_type(p->link, &f->type_name, &f->type, &f->has_type, scope, line, col, PROTO_WANT_TYPE);
}

static int parse_message_body(struct parser *p, Google__Protobuf__DescriptorProto *m, const char *fqn);

/* protoc's map entry name: "my_map" -> "MyMapEntry", the default json_name capitalised. */
static char *map_entry_name(const char *field)
{
    char *camel = proto_json_name(field);
    camel[0] = (char)toupper((unsigned char)camel[0]);
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_puts(&b, camel);
    sr_buf_puts(&b, "Entry");
    free(camel);
    return sr_buf_steal(&b, NULL);
}

/* protoc's C-style escaping of a bytes default value. */
static char *c_escape(const char *s, size_t len)
{
    struct sr_buf b = SR_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n':
            sr_buf_puts(&b, "\\n");
            break;
        case '\r':
            sr_buf_puts(&b, "\\r");
            break;
        case '\t':
            sr_buf_puts(&b, "\\t");
            break;
        case '\"':
            sr_buf_puts(&b, "\\\"");
            break;
        case '\'':
            sr_buf_puts(&b, "\\\'");
            break;
        case '\\':
            sr_buf_puts(&b, "\\\\");
            break;
        default:
            if (c < 0x20 || c >= 0x7f)
                sr_buf_printf(&b, "\\%03o", c);
            else
                sr_buf_putc(&b, (char)c);
        }
    }
    return sr_buf_steal(&b, NULL);
}

/* protoc's SimpleDtoa / SimpleFtoa: shortest of %.15g/%.17g (%.6g/%.9g) that round-trips. */
static char *format_double(double d, bool is_float)
{
    char buf[64];
    if (isinf(d))
        return sr_xstrdup(d > 0 ? "inf" : "-inf");
    if (isnan(d))
        return sr_xstrdup("nan");
    if (is_float) {
        float f = (float)d;
        snprintf(buf, sizeof(buf), "%.*g", 6, (double)f);
        if (strtof(buf, NULL) != f)
            snprintf(buf, sizeof(buf), "%.*g", 9, (double)f);
    } else {
        snprintf(buf, sizeof(buf), "%.*g", 15, d);
        if (strtod(buf, NULL) != d)
            snprintf(buf, sizeof(buf), "%.*g", 17, d);
    }
    return sr_xstrdup(buf);
}

/* The "default" pseudo-option: stored as text the way protoc writes default_value. Named
 * (enum) types are checked at link time. */
static int set_default(struct parser *p, Google__Protobuf__FieldDescriptorProto *f, struct proto_opt_value *v)
{
    if (p->syntax == SYN_PROTO3)
        return lex_fail(&p->lx, v->line, v->col, "Explicit default values are not allowed in proto3.");
    if (f->has_label && f->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
        return lex_fail(&p->lx, v->line, v->col, "Repeated fields can't have default values.");
    char buf[64];
    switch (f->has_type ? f->type : GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM) {
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING:
        if (v->kind != PROTO_VAL_STRING)
            goto bad;
        f->default_value = sr_xstrndup(v->str, v->str_len);
        return 0;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BYTES:
        if (v->kind != PROTO_VAL_STRING)
            goto bad;
        f->default_value = c_escape(v->str, v->str_len);
        return 0;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BOOL:
        if (v->kind != PROTO_VAL_IDENT || v->neg || (strcmp(v->str, "true") && strcmp(v->str, "false")))
            goto bad;
        f->default_value = sr_xstrdup(v->str);
        return 0;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FLOAT:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_DOUBLE: {
        double d;
        if (v->kind == PROTO_VAL_IDENT && (strcmp(v->str, "inf") == 0 || strcmp(v->str, "infinity") == 0))
            d = INFINITY;
        else if (v->kind == PROTO_VAL_IDENT && strcmp(v->str, "nan") == 0)
            d = NAN;
        else if (v->kind == PROTO_VAL_INT || v->kind == PROTO_VAL_FLOAT)
            d = v->d;
        else
            goto bad;
        if (v->neg)
            d = -d;
        f->default_value =
            format_double(d, f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FLOAT);
        return 0;
    }
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_GROUP:
        return lex_fail(&p->lx, v->line, v->col, "Messages can't have default values.");
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM:
        if (v->kind != PROTO_VAL_IDENT || v->neg)
            goto bad;
        f->default_value = sr_xstrdup(v->str);
        return 0;
    default: {
        /* integers: range-checked against the field's type, printed in decimal */
        if (v->kind != PROTO_VAL_INT)
            goto bad;
        bool is_unsigned = f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT32 ||
                           f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT64 ||
                           f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED32 ||
                           f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED64;
        bool is32 = f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT32 ||
                    f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT32 ||
                    f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED32 ||
                    f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT32 ||
                    f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED32;
        if (is_unsigned && v->neg)
            goto bad;
        uint64_t max = is_unsigned ? (is32 ? UINT32_MAX : UINT64_MAX)
                                   : (is32 ? (uint64_t)INT32_MAX + v->neg : (uint64_t)INT64_MAX + v->neg);
        if (v->u > max)
            return lex_fail(&p->lx, v->line, v->col, "Integer out of range.");
        snprintf(buf, sizeof(buf), "%s%llu", v->neg && v->u ? "-" : "", (unsigned long long)v->u);
        f->default_value = sr_xstrdup(buf);
        return 0;
    }
    }
bad:
    return lex_fail(&p->lx, v->line, v->col, "Invalid default value for field \"%s\".", f->name);
}

/* "[" option ("," option)* "]" after a field, enum value or extension range. */
static int parse_bracket_options(struct parser *p, ProtobufCMessage **slot,
                                 const ProtobufCMessageDescriptor *desc, const char *scope,
                                 Google__Protobuf__FieldDescriptorProto *field)
{
    if (!at(p, "["))
        return 0;
    if (next(p))
        return -1;
    for (;;) {
        int line = TOK->line, col = TOK->col;
        struct proto_opt_name name;
        struct proto_opt_value val = {0};
        if (parse_opt_name(p, &name) || expect(p, "=") || parse_opt_value(p, &val)) {
            proto_opt_name_free(&name);
            proto_opt_value_free(&val);
            return -1;
        }
        if (field && name.nparts == 1 && !name.parts[0].ext && strcmp(name.parts[0].name, "default") == 0) {
            int rc = field->default_value ? lex_fail(&p->lx, line, col, "Already set option \"default\".")
                                          : set_default(p, field, &val);
            proto_opt_name_free(&name);
            proto_opt_value_free(&val);
            if (rc)
                return -1;
        } else if (field && name.nparts == 1 && !name.parts[0].ext &&
                   strcmp(name.parts[0].name, "json_name") == 0) {
            int rc = 0;
            if (val.kind != PROTO_VAL_STRING)
                rc = lex_fail(&p->lx, val.line, val.col, "Expected string for json_name.");
            else if (field->extendee)
                rc = lex_fail(&p->lx, line, col, "option json_name is not allowed on extension fields.");
            else {
                free(field->json_name);
                field->json_name = sr_xstrndup(val.str, val.str_len);
            }
            proto_opt_name_free(&name);
            proto_opt_value_free(&val);
            if (rc)
                return -1;
        } else if (add_option(p, slot, desc, scope, &name, &val, line, col)) {
            return -1;
        }
        if (accept(p, ","))
            continue;
        return expect(p, "]");
    }
}

static Google__Protobuf__DescriptorProto *new_message(const char *name)
{
    Google__Protobuf__DescriptorProto *m = proto_new_msg(&google__protobuf__descriptor_proto__descriptor);
    m->name = sr_xstrdup(name);
    return m;
}

static Google__Protobuf__FieldDescriptorProto *new_field(void)
{
    return proto_new_msg(&google__protobuf__field_descriptor_proto__descriptor);
}

static void set_label(Google__Protobuf__FieldDescriptorProto *f,
                      Google__Protobuf__FieldDescriptorProto__Label l)
{
    f->has_label = 1;
    f->label = l;
}

/* Where a parsed field goes: a message (fields, nested types, oneofs) or an extend block. */
struct field_ctx {
    Google__Protobuf__DescriptorProto *msg; /* owner of nested types (map entries, groups) */
    const char *msg_fqn;                    /* scope for names */
    Google__Protobuf__FieldDescriptorProto ***fields;
    size_t *nfields;
    const char *extendee; /* written extendee, for extend blocks */
    int oneof_index;      /* -1 outside a oneof */
    int extendee_line, extendee_col;
    /* file-level extend: nested group types go to the file */
    Google__Protobuf__FileDescriptorProto *file;
};

static void add_nested(struct field_ctx *fc, Google__Protobuf__DescriptorProto *nested)
{
    if (fc->msg)
        PROTO_PUSH(fc->msg->nested_type, fc->msg->n_nested_type, nested);
    else
        PROTO_PUSH(fc->file->message_type, fc->file->n_message_type, nested);
}

/* One field, map field or group. The label (if any) is the current token. */
static int parse_field(struct parser *p, struct field_ctx *fc)
{
    Google__Protobuf__FieldDescriptorProto *f = new_field();
    PROTO_PUSH(*fc->fields, *fc->nfields, f);
    bool has_label = false, is_proto3_optional = false;
    int line = TOK->line, col = TOK->col;
    if (fc->oneof_index < 0) {
        if (at(p, "optional")) {
            set_label(f, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL);
            has_label = true;
            is_proto3_optional = p->syntax == SYN_PROTO3;
        } else if (at(p, "required")) {
            if (p->syntax == SYN_PROTO3)
                return fail(p, "Required fields are not allowed in proto3.");
            set_label(f, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REQUIRED);
            has_label = true;
        } else if (at(p, "repeated")) {
            set_label(f, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED);
            has_label = true;
        }
        if (has_label && next(p))
            return -1;
    } else if (at(p, "optional") || at(p, "required") || at(p, "repeated")) {
        return fail(p, "Fields in oneofs must not have labels (required / optional / repeated).");
    }
    bool is_map = false, is_group = false;
    char *key_type = NULL, *value_type = NULL;
    int vline = 0, vcol = 0;
    if (at(p, "map")) {
        struct proto_tok t2 = peek2(p);
        is_map = proto_tok_is(&t2, "<");
    }
    if (at(p, "group")) {
        struct proto_tok t2 = peek2(p);
        is_group = t2.kind == PROTO_TOK_IDENT;
    }
    if (is_map) {
        if (has_label)
            return fail(p, "Field labels (required/optional/repeated) are not allowed on map fields.");
        if (next(p) || expect(p, "<"))
            return -1;
        if (parse_dotted(p, &key_type))
            return -1;
        if (expect(p, ",")) {
            free(key_type);
            return -1;
        }
        vline = TOK->line;
        vcol = TOK->col;
        if (parse_dotted(p, &value_type) || expect(p, ">")) {
            free(key_type);
            free(value_type);
            return -1;
        }
        set_label(f, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED);
    } else if (is_group) {
        if (p->syntax != SYN_PROTO2)
            return fail(p, "Group syntax is no longer supported in proto3.");
        if (next(p))
            return -1;
    } else {
        if (!has_label) {
            if (p->syntax == SYN_PROTO2 && fc->oneof_index < 0)
                return fail(p, "Expected \"required\", \"optional\", or \"repeated\".");
            set_label(f, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL);
        }
        int tline = TOK->line, tcol = TOK->col;
        char *tname;
        if (parse_dotted(p, &tname))
            return -1;
        set_field_type(p, f, tname, fc->msg_fqn, tline, tcol);
    }
    if (!has_label && (is_group))
        set_label(f, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL);
    if (!has_label && is_group && p->syntax == SYN_PROTO2 && fc->oneof_index < 0) {
        free(key_type);
        free(value_type);
        return lex_fail(&p->lx, line, col, "Expected \"required\", \"optional\", or \"repeated\".");
    }
    if (TOK->kind != PROTO_TOK_IDENT) {
        free(key_type);
        free(value_type);
        return fail(p, "Expected field name.");
    }
    f->name = tok_dup(TOK);
    char *group_name = NULL;
    if (is_group) {
        if (!isupper((unsigned char)f->name[0]))
            return fail(p, "Group names must start with a capital letter.");
        group_name = sr_xstrdup(f->name);
        for (char *s = f->name; *s; s++)
            *s = (char)tolower((unsigned char)*s);
    }
    /* from here on, every early return frees these three */
#define FIELD_FAIL()                                                                                         \
    do {                                                                                                     \
        free(key_type);                                                                                      \
        free(value_type);                                                                                    \
        free(group_name);                                                                                    \
        return -1;                                                                                           \
    } while (0)
    if (next(p) || expect(p, "="))
        FIELD_FAIL();
    int64_t num;
    if (TOK->kind != PROTO_TOK_INT) {
        fail(p, "Expected field number.");
        FIELD_FAIL();
    }
    int nline = TOK->line, ncol = TOK->col;
    if (parse_int(p, 1, 536870911, &num))
        FIELD_FAIL();
    if (num >= 19000 && num <= 19999) {
        lex_fail(
            &p->lx, nline, ncol,
            "Field numbers 19000 through 19999 are reserved for the protocol buffer library implementation.");
        FIELD_FAIL();
    }
    f->has_number = 1;
    f->number = (int32_t)num;
    f->json_name = proto_json_name(f->name);
    if (fc->extendee) {
        f->extendee = sr_xstrdup(fc->extendee);
        proto_link_queue_type(p->link, &f->extendee, NULL, NULL, fc->msg_fqn, fc->extendee_line,
                              fc->extendee_col, PROTO_WANT_MESSAGE);
    }
    if (fc->oneof_index >= 0) {
        f->has_oneof_index = 1;
        f->oneof_index = fc->oneof_index;
    }
    if (is_proto3_optional) {
        f->has_proto3_optional = 1;
        f->proto3_optional = 1;
    }
    if (parse_bracket_options(p, (ProtobufCMessage **)&f->options,
                              &google__protobuf__field_options__descriptor, fc->msg_fqn, f))
        FIELD_FAIL();
#undef FIELD_FAIL
    if (is_map) {
        char *ename = map_entry_name(f->name);
        Google__Protobuf__DescriptorProto *entry = new_message(ename);
        add_nested(fc, entry);
        char *efqn = proto_join_name(fc->msg_fqn, ename);
        Google__Protobuf__FieldDescriptorProto *k = new_field(), *v = new_field();
        k->name = sr_xstrdup("key");
        k->json_name = sr_xstrdup("key");
        k->has_number = 1;
        k->number = 1;
        set_label(k, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL);
        v->name = sr_xstrdup("value");
        v->json_name = sr_xstrdup("value");
        v->has_number = 1;
        v->number = 2;
        set_label(v, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL);
        PROTO_PUSH(entry->field, entry->n_field, k);
        PROTO_PUSH(entry->field, entry->n_field, v);
        Google__Protobuf__FieldDescriptorProto__Type kt;
        if (!proto_scalar_type(key_type, &kt) ||
            kt == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_DOUBLE ||
            kt == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FLOAT ||
            kt == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BYTES) {
            free(efqn);
            free(ename);
            free(key_type);
            free(value_type);
            return lex_fail(&p->lx, line, col,
                            "Key in map fields cannot be float/double, bytes or message types.");
        }
        set_field_type(p, k, key_type, fc->msg_fqn, line, col);
        set_field_type(p, v, value_type, fc->msg_fqn, vline, vcol);
        entry->options = proto_new_msg(&google__protobuf__message_options__descriptor);
        entry->options->has_map_entry = 1;
        entry->options->map_entry = 1;
        f->has_type = 1;
        f->type = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE;
        f->type_name = absname(efqn);
        proto_link_queue_type(p->link, &f->type_name, NULL, NULL, "", line, col, PROTO_WANT_MESSAGE);
        free(efqn);
        free(ename);
        return expect(p, ";");
    }
    if (is_group) {
        /* The group's message keeps the written name; the field is its lower-cased form. */
        Google__Protobuf__DescriptorProto *g = new_message(group_name);
        add_nested(fc, g);
        char *gfqn = proto_join_name(fc->msg_fqn, group_name);
        f->has_type = 1;
        f->type = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_GROUP;
        f->type_name = absname(gfqn);
        proto_link_queue_type(p->link, &f->type_name, NULL, NULL, "", line, col, PROTO_WANT_MESSAGE);
        free(group_name);
        int grc = parse_message_body(p, g, gfqn);
        free(gfqn);
        return grc;
    }
    return expect(p, ";");
}

/* "reserved" ranges or names; end exclusive for messages, inclusive for enums. */
static int parse_reserved(struct parser *p, bool is_enum, void *owner)
{
    Google__Protobuf__DescriptorProto *m = is_enum ? NULL : owner;
    Google__Protobuf__EnumDescriptorProto *e = is_enum ? owner : NULL;
    if (TOK->kind == PROTO_TOK_STRING || TOK->kind == PROTO_TOK_IDENT) {
        for (;;) {
            char *name;
            size_t len;
            if (TOK->kind == PROTO_TOK_IDENT) {
                if (p->syntax != SYN_EDITIONS)
                    return fail(p, "Expected field name or number range.");
                name = tok_dup(TOK);
                if (next(p)) {
                    free(name);
                    return -1;
                }
            } else if (parse_string(p, &name, &len)) {
                return -1;
            }
            if (m)
                PROTO_PUSH(m->reserved_name, m->n_reserved_name, name);
            else
                PROTO_PUSH(e->reserved_name, e->n_reserved_name, name);
            if (!accept(p, ","))
                break;
        }
        return expect(p, ";");
    }
    for (;;) {
        int64_t lo = is_enum ? INT32_MIN : 1, hi = is_enum ? INT32_MAX : 536870911;
        int64_t start, end;
        if (parse_int(p, lo, hi, &start))
            return -1;
        end = start;
        if (accept(p, "to")) {
            if (at(p, "max")) {
                end = hi;
                if (next(p))
                    return -1;
            } else if (parse_int(p, lo, hi, &end)) {
                return -1;
            }
        }
        if (end < start)
            return fail(p, "Reserved range end number must be greater than start number.");
        if (m) {
            Google__Protobuf__DescriptorProto__ReservedRange *r =
                proto_new_msg(&google__protobuf__descriptor_proto__reserved_range__descriptor);
            r->has_start = r->has_end = 1;
            r->start = (int32_t)start;
            r->end = (int32_t)end + 1;
            PROTO_PUSH(m->reserved_range, m->n_reserved_range, r);
        } else {
            Google__Protobuf__EnumDescriptorProto__EnumReservedRange *r =
                proto_new_msg(&google__protobuf__enum_descriptor_proto__enum_reserved_range__descriptor);
            r->has_start = r->has_end = 1;
            r->start = (int32_t)start;
            r->end = (int32_t)end;
            PROTO_PUSH(e->reserved_range, e->n_reserved_range, r);
        }
        if (!accept(p, ","))
            break;
    }
    return expect(p, ";");
}

static int parse_extensions(struct parser *p, Google__Protobuf__DescriptorProto *m, const char *fqn)
{
    size_t first = m->n_extension_range;
    for (;;) {
        int64_t start, end;
        if (parse_int(p, 1, 536870911, &start))
            return -1;
        end = start;
        if (accept(p, "to")) {
            if (at(p, "max")) {
                end = 536870911;
                if (next(p))
                    return -1;
            } else if (parse_int(p, 1, 536870911, &end)) {
                return -1;
            }
        }
        if (end < start)
            return fail(p, "Extension range end number must be greater than start number.");
        Google__Protobuf__DescriptorProto__ExtensionRange *r =
            proto_new_msg(&google__protobuf__descriptor_proto__extension_range__descriptor);
        r->has_start = r->has_end = 1;
        r->start = (int32_t)start;
        r->end = (int32_t)end + 1;
        PROTO_PUSH(m->extension_range, m->n_extension_range, r);
        if (!accept(p, ","))
            break;
    }
    if (at(p, "[")) {
        /* protoc applies the bracket options to every range of the statement */
        if (parse_bracket_options(p, (ProtobufCMessage **)&m->extension_range[first]->options,
                                  &google__protobuf__extension_range_options__descriptor, fqn, NULL))
            return -1;
        for (size_t i = first + 1; i < m->n_extension_range; i++) {
            ProtobufCMessage *src = (ProtobufCMessage *)m->extension_range[first]->options;
            size_t n = protobuf_c_message_get_packed_size(src);
            uint8_t *buf = sr_xmalloc(n);
            protobuf_c_message_pack(src, buf);
            m->extension_range[i]->options =
                (Google__Protobuf__ExtensionRangeOptions *)protobuf_c_message_unpack(
                    &google__protobuf__extension_range_options__descriptor, NULL, n, buf);
            free(buf);
        }
    }
    return expect(p, ";");
}

static int parse_enum(struct parser *p, Google__Protobuf__EnumDescriptorProto **out, const char *scope)
{
    Google__Protobuf__EnumDescriptorProto *e =
        proto_new_msg(&google__protobuf__enum_descriptor_proto__descriptor);
    *out = e;
    if (parse_ident(p, &e->name))
        return -1;
    char *fqn = proto_join_name(scope, e->name);
    int rc = -1;
    if (expect(p, "{"))
        goto out;
    while (!at(p, "}")) {
        if (TOK->kind == PROTO_TOK_EOF) {
            fail(p, "Reached end of input in enum definition (missing '}').");
            goto out;
        }
        if (accept(p, ";"))
            continue;
        if (at(p, "option")) {
            if (next(p) || parse_option_stmt(p, (ProtobufCMessage **)&e->options,
                                             &google__protobuf__enum_options__descriptor, fqn))
                goto out;
            continue;
        }
        if (at(p, "reserved")) {
            if (next(p) || parse_reserved(p, true, e))
                goto out;
            continue;
        }
        Google__Protobuf__EnumValueDescriptorProto *v =
            proto_new_msg(&google__protobuf__enum_value_descriptor_proto__descriptor);
        PROTO_PUSH(e->value, e->n_value, v);
        if (parse_ident(p, &v->name) || expect(p, "="))
            goto out;
        int64_t num;
        if (parse_int(p, INT32_MIN, INT32_MAX, &num))
            goto out;
        v->has_number = 1;
        v->number = (int32_t)num;
        if (parse_bracket_options(p, (ProtobufCMessage **)&v->options,
                                  &google__protobuf__enum_value_options__descriptor, fqn, NULL) ||
            expect(p, ";"))
            goto out;
    }
    if (p->syntax == SYN_PROTO3 && (e->n_value == 0 || e->value[0]->number != 0)) {
        fail(p, "The first enum value must be zero in proto3.");
        goto out;
    }
    rc = next(p);
out:
    free(fqn);
    return rc;
}

/* "extend" Type "{" fields "}" — the keyword already consumed. */
static int parse_extend(struct parser *p, Google__Protobuf__DescriptorProto *m, const char *scope)
{
    int line = TOK->line, col = TOK->col;
    char *extendee;
    if (parse_dotted(p, &extendee))
        return -1;
    struct field_ctx fc = {
        .msg = m,
        .msg_fqn = scope,
        .extendee = extendee,
        .oneof_index = -1,
        .extendee_line = line,
        .extendee_col = col,
        .file = p->file,
    };
    if (m) {
        fc.fields = &m->extension;
        fc.nfields = &m->n_extension;
    } else {
        fc.fields = &p->file->extension;
        fc.nfields = &p->file->n_extension;
    }
    int rc = -1;
    if (expect(p, "{"))
        goto out;
    while (!at(p, "}")) {
        if (TOK->kind == PROTO_TOK_EOF) {
            fail(p, "Reached end of input in extend definition (missing '}').");
            goto out;
        }
        if (accept(p, ";"))
            continue;
        if (parse_field(p, &fc))
            goto out;
    }
    rc = next(p);
out:
    free(extendee);
    return rc;
}

static int parse_oneof(struct parser *p, Google__Protobuf__DescriptorProto *m, const char *fqn)
{
    Google__Protobuf__OneofDescriptorProto *o =
        proto_new_msg(&google__protobuf__oneof_descriptor_proto__descriptor);
    PROTO_PUSH(m->oneof_decl, m->n_oneof_decl, o);
    if (parse_ident(p, &o->name) || expect(p, "{"))
        return -1;
    struct field_ctx fc = {
        .msg = m,
        .msg_fqn = fqn,
        .fields = &m->field,
        .nfields = &m->n_field,
        .oneof_index = (int)m->n_oneof_decl - 1,
        .file = p->file,
    };
    size_t before = m->n_field;
    while (!at(p, "}")) {
        if (TOK->kind == PROTO_TOK_EOF)
            return fail(p, "Reached end of input in oneof definition (missing '}').");
        if (accept(p, ";"))
            continue;
        if (at(p, "option")) {
            if (next(p) || parse_option_stmt(p, (ProtobufCMessage **)&o->options,
                                             &google__protobuf__oneof_options__descriptor, fqn))
                return -1;
            continue;
        }
        if (parse_field(p, &fc))
            return -1;
    }
    if (m->n_field == before)
        return fail(p, "Oneof must have at least one field.");
    return next(p);
}

static int parse_message(struct parser *p, Google__Protobuf__DescriptorProto **out, const char *scope)
{
    Google__Protobuf__DescriptorProto *m = proto_new_msg(&google__protobuf__descriptor_proto__descriptor);
    *out = m;
    if (parse_ident(p, &m->name))
        return -1;
    char *fqn = proto_join_name(scope, m->name);
    int rc = parse_message_body(p, m, fqn);
    free(fqn);
    return rc;
}

static int parse_message_body(struct parser *p, Google__Protobuf__DescriptorProto *m, const char *fqn)
{
    if (++p->depth > COMPAT_MAX_DEPTH)
        return fail(p, "Messages nested too deeply (limit %d).", COMPAT_MAX_DEPTH);
    if (expect(p, "{"))
        return -1;
    struct field_ctx fc = {
        .msg = m,
        .msg_fqn = fqn,
        .fields = &m->field,
        .nfields = &m->n_field,
        .oneof_index = -1,
        .file = p->file,
    };
    while (!at(p, "}")) {
        if (TOK->kind == PROTO_TOK_EOF)
            return fail(p, "Reached end of input in message definition (missing '}').");
        if (accept(p, ";"))
            continue;
        int rc;
        if (at(p, "message") && peek2(p).kind == PROTO_TOK_IDENT) {
            Google__Protobuf__DescriptorProto *n = NULL;
            if (next(p))
                return -1;
            rc = parse_message(p, &n, fqn);
            if (n)
                PROTO_PUSH(m->nested_type, m->n_nested_type, n);
        } else if (at(p, "enum") && peek2(p).kind == PROTO_TOK_IDENT) {
            Google__Protobuf__EnumDescriptorProto *e = NULL;
            if (next(p))
                return -1;
            rc = parse_enum(p, &e, fqn);
            if (e)
                PROTO_PUSH(m->enum_type, m->n_enum_type, e);
        } else if (at(p, "oneof") && peek2(p).kind == PROTO_TOK_IDENT) {
            rc = next(p) || parse_oneof(p, m, fqn);
        } else if (at(p, "option")) {
            struct proto_tok t2 = peek2(p);
            if (t2.kind == PROTO_TOK_IDENT || proto_tok_is(&t2, "(")) {
                rc = next(p) || parse_option_stmt(p, (ProtobufCMessage **)&m->options,
                                                  &google__protobuf__message_options__descriptor, fqn);
            } else {
                rc = parse_field(p, &fc);
            }
        } else if (at(p, "reserved") && peek2(p).kind != PROTO_TOK_SYMBOL) {
            rc = next(p) || parse_reserved(p, false, m);
        } else if (at(p, "extensions") && peek2(p).kind == PROTO_TOK_INT) {
            rc = next(p) || parse_extensions(p, m, fqn);
        } else if (at(p, "extend") && name_follows(p)) {
            rc = next(p) || parse_extend(p, m, fqn);
        } else {
            rc = parse_field(p, &fc);
        }
        if (rc)
            return -1;
    }
    p->depth--;
    return next(p);
}

static int parse_service(struct parser *p, const char *pkg)
{
    Google__Protobuf__ServiceDescriptorProto *s =
        proto_new_msg(&google__protobuf__service_descriptor_proto__descriptor);
    PROTO_PUSH(p->file->service, p->file->n_service, s);
    if (parse_ident(p, &s->name) || expect(p, "{"))
        return -1;
    char *fqn = proto_join_name(pkg, s->name);
    int rc = -1;
    while (!at(p, "}")) {
        if (TOK->kind == PROTO_TOK_EOF) {
            fail(p, "Reached end of input in service definition (missing '}').");
            goto out;
        }
        if (accept(p, ";"))
            continue;
        if (at(p, "option")) {
            if (next(p) || parse_option_stmt(p, (ProtobufCMessage **)&s->options,
                                             &google__protobuf__service_options__descriptor, fqn))
                goto out;
            continue;
        }
        if (expect(p, "rpc"))
            goto out;
        Google__Protobuf__MethodDescriptorProto *md =
            proto_new_msg(&google__protobuf__method_descriptor_proto__descriptor);
        PROTO_PUSH(s->method, s->n_method, md);
        if (parse_ident(p, &md->name) || expect(p, "("))
            goto out;
        if (at(p, "stream") && name_follows(p)) {
            md->has_client_streaming = md->client_streaming = 1;
            if (next(p))
                goto out;
        }
        int line = TOK->line, col = TOK->col;
        if (parse_dotted(p, &md->input_type))
            goto out;
        proto_link_queue_type(p->link, &md->input_type, NULL, NULL, pkg, line, col, PROTO_WANT_MESSAGE);
        if (expect(p, ")") || expect(p, "returns") || expect(p, "("))
            goto out;
        if (at(p, "stream") && name_follows(p)) {
            md->has_server_streaming = md->server_streaming = 1;
            if (next(p))
                goto out;
        }
        line = TOK->line;
        col = TOK->col;
        if (parse_dotted(p, &md->output_type))
            goto out;
        proto_link_queue_type(p->link, &md->output_type, NULL, NULL, pkg, line, col, PROTO_WANT_MESSAGE);
        if (expect(p, ")"))
            goto out;
        if (accept(p, "{")) {
            char *mfqn = proto_join_name(fqn, md->name);
            while (!at(p, "}")) {
                if (TOK->kind == PROTO_TOK_EOF) {
                    fail(p, "Reached end of input in method options (missing '}').");
                    free(mfqn);
                    goto out;
                }
                if (accept(p, ";"))
                    continue;
                if (expect(p, "option") ||
                    parse_option_stmt(p, (ProtobufCMessage **)&md->options,
                                      &google__protobuf__method_options__descriptor, mfqn)) {
                    free(mfqn);
                    goto out;
                }
            }
            free(mfqn);
            if (next(p))
                goto out;
            accept(p, ";");
        } else if (expect(p, ";")) {
            goto out;
        }
    }
    rc = next(p);
out:
    free(fqn);
    return rc;
}

static int parse_file(struct parser *p)
{
    Google__Protobuf__FileDescriptorProto *f = p->file;
    if (next(p))
        return -1;
    p->syntax = SYN_PROTO2;
    if (at(p, "syntax") || at(p, "edition")) {
        bool edition = at(p, "edition");
        if (next(p) || expect(p, "="))
            return -1;
        int line = TOK->line, col = TOK->col;
        char *val;
        size_t len;
        if (parse_string(p, &val, &len))
            return -1;
        if (!edition && strcmp(val, "proto3") == 0) {
            p->syntax = SYN_PROTO3;
            f->syntax = val;
        } else if (!edition && strcmp(val, "proto2") == 0) {
            free(val); /* protoc leaves syntax unset for proto2 */
        } else if (edition && strcmp(val, "2023") == 0) {
            p->syntax = SYN_EDITIONS;
            f->syntax = sr_xstrdup("editions");
            free(val);
            /* descriptor.proto 3.21 predates FileDescriptorProto.edition (field 14, enum
             * EDITION_2023 = 1000): keep it as that unknown field so it survives. */
            struct sr_error ferr;
            if (proto_pool_import(p->link->pool, PROTO_FEATURES_FILE, p->link->depth + 1, &ferr))
                return lex_fail(&p->lx, line, col, "%s", ferr.message);
            ProtobufCMessageUnknownField uf = {.tag = 14, .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT};
            uf.data = sr_xmalloc(2);
            uf.data[0] = 0xE8;
            uf.data[1] = 0x07;
            uf.len = 2;
            PROTO_PUSH(f->base.unknown_fields, f->base.n_unknown_fields, uf);
        } else {
            int rc = lex_fail(&p->lx, line, col, "Unrecognized %s \"%s\".",
                              edition ? "edition" : "syntax identifier", val);
            free(val);
            return rc;
        }
        if (expect(p, ";"))
            return -1;
    }
    while (TOK->kind != PROTO_TOK_EOF) {
        if (accept(p, ";"))
            continue;
        if (at(p, "package")) {
            if (f->package)
                return fail(p, "Multiple package definitions.");
            if (next(p) || parse_dotted(p, &f->package))
                return -1;
            if (f->package[0] == '.')
                return fail(p, "Expected identifier.");
            if (expect(p, ";"))
                return -1;
        } else if (at(p, "import")) {
            if (next(p))
                return -1;
            bool is_public = false, is_weak = false;
            if (at(p, "public")) {
                is_public = true;
            } else if (at(p, "weak")) {
                is_weak = true;
            }
            if ((is_public || is_weak) && next(p))
                return -1;
            int line = TOK->line, col = TOK->col;
            char *path;
            size_t len;
            if (parse_string(p, &path, &len))
                return -1;
            for (size_t i = 0; i < f->n_dependency; i++)
                if (strcmp(f->dependency[i], path) == 0) {
                    int rc = lex_fail(&p->lx, line, col, "Import \"%s\" was listed twice.", path);
                    free(path);
                    return rc;
                }
            if (is_public)
                PROTO_PUSH(f->public_dependency, f->n_public_dependency, (int32_t)f->n_dependency);
            if (is_weak)
                PROTO_PUSH(f->weak_dependency, f->n_weak_dependency, (int32_t)f->n_dependency);
            PROTO_PUSH(f->dependency, f->n_dependency, path);
            struct sr_error ierr;
            if (proto_pool_import(p->link->pool, path, p->link->depth + 1, &ierr)) {
                if (ierr.message[0] >= '0' && ierr.message[0] <= '9')
                    return lex_fail(&p->lx, line, col, "in import \"%s\": %s", path, ierr.message);
                return lex_fail(&p->lx, line, col, "%s", ierr.message);
            }
            if (expect(p, ";"))
                return -1;
        } else if (at(p, "option")) {
            if (next(p) ||
                parse_option_stmt(p, (ProtobufCMessage **)&f->options,
                                  &google__protobuf__file_options__descriptor, f->package ? f->package : ""))
                return -1;
        } else if (at(p, "message")) {
            Google__Protobuf__DescriptorProto *m = NULL;
            if (next(p))
                return -1;
            int rc = parse_message(p, &m, f->package ? f->package : "");
            if (m)
                PROTO_PUSH(f->message_type, f->n_message_type, m);
            if (rc)
                return -1;
        } else if (at(p, "enum")) {
            Google__Protobuf__EnumDescriptorProto *e = NULL;
            if (next(p))
                return -1;
            int rc = parse_enum(p, &e, f->package ? f->package : "");
            if (e)
                PROTO_PUSH(f->enum_type, f->n_enum_type, e);
            if (rc)
                return -1;
        } else if (at(p, "service")) {
            if (next(p) || parse_service(p, f->package ? f->package : ""))
                return -1;
        } else if (at(p, "extend")) {
            if (next(p) || parse_extend(p, NULL, f->package ? f->package : ""))
                return -1;
        } else if (at(p, "syntax") || at(p, "edition")) {
            return fail(p, "Syntax must be the first statement of the file.");
        } else {
            return fail(p, "Expected top-level statement (e.g. \"message\").");
        }
    }
    return 0;
}

/* proto3 "optional" fields get a synthetic oneof "_name", after all real oneofs. */
static void add_synthetic_oneofs(Google__Protobuf__DescriptorProto *m)
{
    /* protoc: "_" + name (unless it already starts with "_"), then "X" prefixes until it
     * clashes with no field or oneof name, the new ones included */
    struct proto_map names = {0};
    for (size_t j = 0; j < m->n_field; j++)
        proto_map_put(&names, m->field[j]->name, j);
    for (size_t j = 0; j < m->n_oneof_decl; j++)
        proto_map_put(&names, m->oneof_decl[j]->name, j);
    for (size_t i = 0; i < m->n_field; i++) {
        Google__Protobuf__FieldDescriptorProto *f = m->field[i];
        if (!f->proto3_optional)
            continue;
        struct sr_buf b = SR_BUF_INIT;
        if (f->name[0] != '_')
            sr_buf_putc(&b, '_');
        sr_buf_puts(&b, f->name);
        size_t ignored;
        while (proto_map_get(&names, b.data, &ignored)) {
            char *old = sr_buf_steal(&b, NULL);
            sr_buf_putc(&b, 'X');
            sr_buf_puts(&b, old);
            free(old);
        }
        Google__Protobuf__OneofDescriptorProto *o =
            proto_new_msg(&google__protobuf__oneof_descriptor_proto__descriptor);
        o->name = sr_buf_steal(&b, NULL);
        PROTO_PUSH(m->oneof_decl, m->n_oneof_decl, o);
        proto_map_put(&names, o->name, m->n_oneof_decl - 1);
        f->has_oneof_index = 1;
        f->oneof_index = (int32_t)m->n_oneof_decl - 1;
    }
    proto_map_free(&names);
    for (size_t i = 0; i < m->n_nested_type; i++)
        add_synthetic_oneofs(m->nested_type[i]);
}

int proto_parse_text(struct proto_pool *pool, const char *name, const char *text, size_t len, int depth,
                     size_t *index, struct sr_error *err)
{
    if (depth > COMPAT_MAX_DEPTH)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "imports nested too deeply (limit %d)",
                            COMPAT_MAX_DEPTH);
    struct proto_link link;
    proto_link_init(&link, pool, depth);
    struct parser p = {.link = &link};
    proto_lex_init(&p.lx, text, len, 1, 1);
    p.lx.err = err;
    p.file = proto_new_msg(&google__protobuf__file_descriptor_proto__descriptor);
    p.file->name = sr_xstrdup(name);
    int rc = parse_file(&p);
    for (size_t i = 0; rc == 0 && i < p.file->n_message_type; i++)
        add_synthetic_oneofs(p.file->message_type[i]);
    /* The pool owns the file from here, even when linking fails. */
    PROTO_PUSH(pool->files, pool->nfiles, p.file);
    if (rc == 0)
        rc = proto_link_file(&link, pool->nfiles - 1, err);
    proto_link_free(&link);
    if (rc == 0)
        *index = pool->nfiles - 1;
    return rc;
}
