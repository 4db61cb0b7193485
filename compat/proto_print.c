/* SPDX-License-Identifier: Apache-2.0 */
/* proto_print.c — prints a linked FileDescriptorProto as .proto text: the canonical form
 * the registry stores, for text and binary input alike. Type names are printed fully
 * qualified (".pkg.Msg") so the text means the same wherever it is re-parsed, and nested
 * declarations are placed so that re-parsing rebuilds the same descriptor (map entries and
 * groups keep their position among nested types). Custom options, kept by the parser as
 * unknown fields of the options messages, are decoded against their extension's type. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_link_internal.h"

typedef Google__Protobuf__FieldDescriptorProto__Type ftype_t;
#define FT(x) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##x
#define LABEL(x) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_##x

struct printer {
    const struct proto_pool *pool;
    const Google__Protobuf__FileDescriptorProto *file;
    bool normalize;
    enum { P_PROTO2, P_PROTO3, P_EDITIONS } syntax;
    struct sr_buf *out;
    struct proto_map extensions; /* "extendee#number" -> index into pool->syms */
    char **ext_keys;             /* owned keys of `extensions` */
    size_t n_ext_keys;
};

static void indent(struct printer *pr, int level)
{
    for (int i = 0; i < level; i++)
        sr_buf_puts(pr->out, "  ");
}

static void put_quoted(struct sr_buf *b, const char *s, size_t len, bool bytes)
{
    sr_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n':
            sr_buf_puts(b, "\\n");
            break;
        case '\r':
            sr_buf_puts(b, "\\r");
            break;
        case '\t':
            sr_buf_puts(b, "\\t");
            break;
        case '"':
            sr_buf_puts(b, "\\\"");
            break;
        case '\\':
            sr_buf_puts(b, "\\\\");
            break;
        default:
            if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80))
                sr_buf_printf(b, "\\%03o", c);
            else
                sr_buf_putc(b, (char)c);
        }
    }
    sr_buf_putc(b, '"');
}

static void put_double(struct sr_buf *b, double d, bool is_float)
{
    if (isinf(d)) {
        sr_buf_puts(b, d > 0 ? "inf" : "-inf");
    } else if (isnan(d)) {
        sr_buf_puts(b, "nan");
    } else {
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%.*g", is_float ? 9 : 17, d);
        sr_buf_puts(b, tmp);
    }
}

/* ---- wire decoding for custom options -------------------------------------------------- */

struct wire {
    const uint8_t *p;
    size_t len, pos;
};

static bool get_varint(struct wire *w, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (w->pos >= w->len)
            return false;
        uint8_t b = w->p[w->pos++];
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* One field of a message on the wire: number, wire type and its payload span. */
static bool get_field(struct wire *w, uint32_t *num, int *wt, const uint8_t **data, size_t *len)
{
    uint64_t key;
    if (!get_varint(w, &key))
        return false;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    size_t start = w->pos;
    uint64_t v;
    switch (*wt) {
    case 0:
        if (!get_varint(w, &v))
            return false;
        break;
    case 1:
        if (w->len - w->pos < 8)
            return false;
        w->pos += 8;
        break;
    case 5:
        if (w->len - w->pos < 4)
            return false;
        w->pos += 4;
        break;
    case 2:
        if (!get_varint(w, &v) || v > w->len - w->pos)
            return false;
        start = w->pos;
        w->pos += (size_t)v;
        break;
    default:
        return false; /* groups are not printed */
    }
    *data = w->p + start;
    *len = w->pos - start;
    return true;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void print_text_message(struct printer *pr, const Google__Protobuf__DescriptorProto *md,
                               const uint8_t *data, size_t len, int depth);

/* Prints one scalar value of type fd->type from its wire payload. */
static void print_scalar(struct printer *pr, const Google__Protobuf__FieldDescriptorProto *fd, int wt,
                         const uint8_t *data, size_t len)
{
    struct sr_buf *b = pr->out;
    struct wire w = {data, len, 0};
    uint64_t v = 0;
    if (wt == 0)
        (void)get_varint(&w, &v);
    else if (wt == 1 && len == 8)
        v = le(data, 8);
    else if (wt == 5 && len == 4)
        v = le(data, 4);
    switch (fd->type) {
    case FT(STRING):
    case FT(BYTES):
        put_quoted(b, (const char *)data, len, fd->type == FT(BYTES));
        break;
    case FT(BOOL):
        sr_buf_puts(b, v ? "true" : "false");
        break;
    case FT(ENUM): {
        const Google__Protobuf__EnumDescriptorProto *e = proto_pool_enum(pr->pool, fd->type_name);
        const char *name = NULL;
        for (size_t i = 0; e && i < e->n_value && !name; i++)
            if (e->value[i]->number == (int32_t)v)
                name = e->value[i]->name;
        if (name)
            sr_buf_puts(b, name);
        else
            sr_buf_printf(b, "%" PRId32, (int32_t)v);
        break;
    }
    case FT(FLOAT): {
        uint32_t u = (uint32_t)v;
        float f;
        memcpy(&f, &u, 4);
        put_double(b, f, true);
        break;
    }
    case FT(DOUBLE): {
        double d;
        memcpy(&d, &v, 8);
        put_double(b, d, false);
        break;
    }
    case FT(SINT32):
    case FT(SINT64):
        sr_buf_printf(b, "%" PRId64, (int64_t)((v >> 1) ^ (0 - (v & 1))));
        break;
    case FT(INT32):
    case FT(SFIXED32):
        sr_buf_printf(b, "%" PRId32, (int32_t)v);
        break;
    case FT(INT64):
    case FT(SFIXED64):
        sr_buf_printf(b, "%" PRId64, (int64_t)v);
        break;
    default:
        sr_buf_printf(b, "%" PRIu64, v);
    }
}

static void print_text_value(struct printer *pr, const Google__Protobuf__FieldDescriptorProto *fd, int wt,
                             const uint8_t *data, size_t len, int depth)
{
    if (fd->type == FT(MESSAGE)) {
        const Google__Protobuf__DescriptorProto *sub = proto_pool_message(pr->pool, fd->type_name, NULL);
        sr_buf_puts(pr->out, "{ ");
        if (sub)
            print_text_message(pr, sub, data, len, depth + 1);
        sr_buf_putc(pr->out, '}');
    } else {
        print_scalar(pr, fd, wt, data, len);
    }
}

static void print_text_message(struct printer *pr, const Google__Protobuf__DescriptorProto *md,
                               const uint8_t *data, size_t len, int depth)
{
    if (depth > COMPAT_MAX_DEPTH)
        return;
    struct wire w = {data, len, 0};
    uint32_t num;
    int wt;
    const uint8_t *fdata;
    size_t flen;
    while (w.pos < w.len && get_field(&w, &num, &wt, &fdata, &flen)) {
        const Google__Protobuf__FieldDescriptorProto *fd = NULL;
        for (size_t i = 0; i < md->n_field && !fd; i++)
            if (md->field[i]->number == (int32_t)num)
                fd = md->field[i];
        if (!fd)
            continue; /* unknown to the type: cannot be written back as text */
        bool packed = wt == 2 && fd->type != FT(STRING) && fd->type != FT(BYTES) && fd->type != FT(MESSAGE) &&
                      fd->type != FT(GROUP);
        if (packed) {
            struct wire pw = {fdata, flen, 0};
            int ewt = (fd->type == FT(DOUBLE) || fd->type == FT(FIXED64) || fd->type == FT(SFIXED64))  ? 1
                      : (fd->type == FT(FLOAT) || fd->type == FT(FIXED32) || fd->type == FT(SFIXED32)) ? 5
                                                                                                       : 0;
            while (pw.pos < pw.len) {
                size_t start = pw.pos;
                uint64_t v;
                if (ewt == 0) {
                    if (!get_varint(&pw, &v))
                        break;
                } else {
                    size_t n = ewt == 1 ? 8 : 4;
                    if (pw.len - pw.pos < n)
                        break;
                    pw.pos += n;
                }
                sr_buf_printf(pr->out, "%s: ", fd->name);
                print_scalar(pr, fd, ewt, fdata + start, pw.pos - start);
                sr_buf_putc(pr->out, ' ');
            }
            continue;
        }
        if (fd->type == FT(MESSAGE))
            sr_buf_printf(pr->out, "%s ", fd->name);
        else
            sr_buf_printf(pr->out, "%s: ", fd->name);
        print_text_value(pr, fd, wt, fdata, flen, depth);
        sr_buf_putc(pr->out, ' ');
    }
}

/* Finds the extension of `extendee` (e.g. "google.protobuf.FieldOptions") with a number. */
static char *extension_key(const char *extendee, uint32_t number)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_printf(&b, "%s#%u", extendee, number);
    return sr_buf_steal(&b, NULL);
}

/* Indexes the pool's extensions by "extendee#number" (extendee without the leading dot). */
static void index_extensions(struct printer *pr)
{
    for (size_t i = 0; i < pr->pool->nsyms; i++) {
        const struct proto_sym *s = &pr->pool->syms[i];
        const Google__Protobuf__FieldDescriptorProto *f = s->desc;
        if (s->kind != PROTO_SYM_EXTENSION || !f->extendee || f->extendee[0] != '.')
            continue;
        char *key = extension_key(f->extendee + 1, (uint32_t)f->number);
        pr->ext_keys = sr_xrealloc(pr->ext_keys, (pr->n_ext_keys + 1) * sizeof(*pr->ext_keys));
        pr->ext_keys[pr->n_ext_keys++] = key;
        proto_map_put(&pr->extensions, key, i);
    }
}

static const struct proto_sym *find_extension(const struct printer *pr, const char *extendee, uint32_t number)
{
    char *key = extension_key(extendee, number);
    size_t i;
    bool found = proto_map_get(&pr->extensions, key, &i);
    free(key);
    return found ? &pr->pool->syms[i] : NULL;
}

/* Appends "name = value" items for every option set in `opts` to the list printer `emit`. */
struct opt_list {
    char **items;
    size_t n;
};

static void opt_add(struct opt_list *l, char *item)
{
    l->items = sr_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
    l->items[l->n++] = item;
}

static void opt_list_free(struct opt_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
}

static int cmp_uf(const void *a, const void *b)
{
    const ProtobufCMessageUnknownField *x = *(ProtobufCMessageUnknownField *const *)a;
    const ProtobufCMessageUnknownField *y = *(ProtobufCMessageUnknownField *const *)b;
    return x->tag < y->tag ? -1 : x->tag > y->tag;
}

static void collect_options(struct printer *pr, const ProtobufCMessage *opts, bool skip_map_entry,
                            struct opt_list *l)
{
    if (!opts)
        return;
    const ProtobufCMessageDescriptor *d = opts->descriptor;
    const char *base = (const char *)opts;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->label == PROTOBUF_C_LABEL_REPEATED || fd->type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (skip_map_entry && strcmp(fd->name, "map_entry") == 0)
            continue;
        const void *slot = base + fd->offset;
        if (fd->type == PROTOBUF_C_TYPE_STRING) {
            const char *s = *(char *const *)slot;
            if (!s || s == fd->default_value)
                continue;
        } else if (fd->quantifier_offset && !*(const protobuf_c_boolean *)(base + fd->quantifier_offset)) {
            continue;
        }
        struct sr_buf b = SR_BUF_INIT;
        sr_buf_printf(&b, "%s = ", fd->name);
        switch (fd->type) {
        case PROTOBUF_C_TYPE_STRING: {
            const char *s = *(char *const *)slot;
            put_quoted(&b, s, strlen(s), false);
            break;
        }
        case PROTOBUF_C_TYPE_BOOL:
            sr_buf_puts(&b, *(const protobuf_c_boolean *)slot ? "true" : "false");
            break;
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumValue *ev =
                protobuf_c_enum_descriptor_get_value(fd->descriptor, *(const int *)slot);
            if (ev)
                sr_buf_puts(&b, ev->name);
            else
                sr_buf_printf(&b, "%d", *(const int *)slot);
            break;
        }
        case PROTOBUF_C_TYPE_INT32:
            sr_buf_printf(&b, "%" PRId32, *(const int32_t *)slot);
            break;
        case PROTOBUF_C_TYPE_INT64:
            sr_buf_printf(&b, "%" PRId64, *(const int64_t *)slot);
            break;
        case PROTOBUF_C_TYPE_UINT64:
            sr_buf_printf(&b, "%" PRIu64, *(const uint64_t *)slot);
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            put_double(&b, *(const double *)slot, false);
            break;
        default:
            sr_buf_free(&b);
            continue;
        }
        opt_add(l, sr_buf_steal(&b, NULL));
    }
    /* custom options: protoc keeps them in declaration order; normalized output sorts them */
    const ProtobufCMessageUnknownField **ufs = sr_xcalloc(opts->n_unknown_fields, sizeof(*ufs));
    for (unsigned i = 0; i < opts->n_unknown_fields; i++)
        ufs[i] = &opts->unknown_fields[i];
    if (pr->normalize && opts->n_unknown_fields > 1)
        qsort(ufs, opts->n_unknown_fields, sizeof(*ufs), cmp_uf);
    for (unsigned i = 0; i < opts->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *uf = ufs[i];
        const struct proto_sym *ext = find_extension(pr, d->name, uf->tag);
        Google__Protobuf__FieldDescriptorProto features = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT;
        const Google__Protobuf__FieldDescriptorProto *fd;
        const char *name;
        if (ext) {
            fd = ext->desc;
            name = ext->name;
        } else if (uf->tag == (uint32_t)proto_features_number(d) && pr->syntax == P_EDITIONS &&
                   uf->wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
            features.name = "features";
            features.type = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE;
            features.type_name = PROTO_FEATURES_TYPE;
            fd = &features;
            name = NULL;
        } else {
            continue; /* its definition is not visible: nothing to print it with */
        }
        const uint8_t *data = uf->data;
        size_t len = uf->len;
        if (uf->wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
            struct wire w = {uf->data, uf->len, 0};
            uint64_t plen;
            if (!get_varint(&w, &plen) || plen != uf->len - w.pos)
                continue;
            data = uf->data + w.pos;
            len = (size_t)plen;
        }
        struct sr_buf *saved = pr->out;
        struct sr_buf b = SR_BUF_INIT;
        pr->out = &b;
        if (name)
            sr_buf_printf(&b, "(.%s) = ", name);
        else
            sr_buf_puts(&b, "features = ");
        print_text_value(pr, fd, (int)uf->wire_type, data, len, 0);
        pr->out = saved;
        opt_add(l, sr_buf_steal(&b, NULL));
    }
    free(ufs);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_option_stmts(struct printer *pr, const ProtobufCMessage *opts, int level,
                               bool skip_map_entry)
{
    struct opt_list l = {0};
    collect_options(pr, opts, skip_map_entry, &l);
    for (size_t i = 0; i < l.n; i++) {
        indent(pr, level);
        sr_buf_printf(pr->out, "option %s;\n", l.items[i]);
    }
    opt_list_free(&l);
}

static void print_bracket(struct printer *pr, struct opt_list *l)
{
    if (!l->n)
        return;
    sr_buf_puts(pr->out, " [");
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            sr_buf_puts(pr->out, ", ");
        sr_buf_puts(pr->out, l->items[i]);
    }
    sr_buf_putc(pr->out, ']');
}

/* ---- declarations ---------------------------------------------------------------------- */

static void print_message(struct printer *pr, const Google__Protobuf__DescriptorProto *m, const char *parent,
                          int level, int depth);
static void print_body(struct printer *pr, const Google__Protobuf__DescriptorProto *m, const char *fqn,
                       int level, int depth);

static const char *type_text(const Google__Protobuf__FieldDescriptorProto *f)
{
    if (f->type_name)
        return f->type_name;
    const char *s = proto_scalar_name(f->type);
    return s ? s : "bytes";
}

/* The nested types a field or extension may own (map entries, groups): those of the
 * message it is declared in, or the file's top-level messages for file-level extensions. */
struct nest {
    Google__Protobuf__DescriptorProto *const *v;
    size_t n;
    const char *fqn;        /* the message's full name, or the package */
    struct proto_map names; /* nested type name -> position */
};

static void nest_init(struct nest *ns, Google__Protobuf__DescriptorProto *const *v, size_t n, const char *fqn)
{
    *ns = (struct nest){.v = v, .n = n, .fqn = fqn};
    for (size_t i = 0; i < n; i++)
        if (v[i]->name)
            proto_map_put(&ns->names, v[i]->name, i);
}

/* The nested type that ".fqn.Name" names, or NULL. */
static const Google__Protobuf__DescriptorProto *nested_named(const struct nest *ns, const char *type_name,
                                                             size_t *index)
{
    size_t ml = strlen(ns->fqn), i;
    if (type_name[0] != '.')
        return NULL;
    const char *rest = type_name + 1;
    if (ml) {
        if (strncmp(rest, ns->fqn, ml) != 0 || rest[ml] != '.')
            return NULL;
        rest += ml + 1;
    }
    if (!proto_map_get(&ns->names, rest, &i))
        return NULL;
    if (index)
        *index = i;
    return ns->v[i];
}

/* The nested map-entry type a map field uses. */
static const Google__Protobuf__DescriptorProto *
map_entry_of(const struct nest *ns, const Google__Protobuf__FieldDescriptorProto *f, size_t *index)
{
    if (f->label != LABEL(REPEATED) || f->type != FT(MESSAGE) || !f->type_name)
        return NULL;
    const Google__Protobuf__DescriptorProto *n = nested_named(ns, f->type_name, index);
    return n && n->options && n->options->map_entry ? n : NULL;
}

static const Google__Protobuf__DescriptorProto *
group_of(const struct nest *ns, const Google__Protobuf__FieldDescriptorProto *f, size_t *index)
{
    if (f->type != FT(GROUP) || !f->type_name)
        return NULL;
    return nested_named(ns, f->type_name, index);
}

static void print_field(struct printer *pr, const struct nest *ns,
                        const Google__Protobuf__FieldDescriptorProto *f, int level, bool in_oneof, int depth)
{
    indent(pr, level);
    const Google__Protobuf__DescriptorProto *entry = map_entry_of(ns, f, NULL);
    const Google__Protobuf__DescriptorProto *group = group_of(ns, f, NULL);
    if (entry && entry->n_field == 2) {
        sr_buf_printf(pr->out, "map<%s, %s> %s = %d", type_text(entry->field[0]), type_text(entry->field[1]),
                      f->name, f->number);
    } else {
        if (!in_oneof) {
            if (f->label == LABEL(REPEATED))
                sr_buf_puts(pr->out, "repeated ");
            else if (f->label == LABEL(REQUIRED))
                sr_buf_puts(pr->out, "required ");
            else if (pr->syntax == P_PROTO2 || f->proto3_optional)
                sr_buf_puts(pr->out, "optional ");
        }
        if (group) {
            sr_buf_printf(pr->out, "group %s = %d", group->name, f->number);
        } else {
            sr_buf_printf(pr->out, "%s %s = %d", type_text(f), f->name, f->number);
        }
    }
    struct opt_list l = {0};
    if (f->json_name && !f->extendee) {
        char *def = proto_json_name(f->name);
        if (strcmp(def, f->json_name) != 0) {
            struct sr_buf b = SR_BUF_INIT;
            sr_buf_puts(&b, "json_name = ");
            put_quoted(&b, f->json_name, strlen(f->json_name), false);
            opt_add(&l, sr_buf_steal(&b, NULL));
        }
        free(def);
    }
    if (f->default_value) {
        struct sr_buf b = SR_BUF_INIT;
        sr_buf_puts(&b, "default = ");
        if (f->type == FT(STRING))
            put_quoted(&b, f->default_value, strlen(f->default_value), false);
        else if (f->type == FT(BYTES))
            sr_buf_printf(&b, "\"%s\"", f->default_value); /* already C-escaped */
        else
            sr_buf_puts(&b, f->default_value);
        opt_add(&l, sr_buf_steal(&b, NULL));
    }
    collect_options(pr, (const ProtobufCMessage *)f->options, false, &l);
    print_bracket(pr, &l);
    opt_list_free(&l);
    if (group) {
        sr_buf_puts(pr->out, " {\n");
        char *gfqn = proto_join_name(ns->fqn, group->name);
        print_body(pr, group, gfqn, level + 1, depth + 1);
        free(gfqn);
        indent(pr, level);
        sr_buf_puts(pr->out, "}\n");
    } else {
        sr_buf_puts(pr->out, ";\n");
    }
}

/* Positions 0..n-1, stably sorted by keys when `sort` (a merge sort: n may be large). */
static void merge_by_key(size_t *v, size_t *tmp, size_t n, const int32_t *keys)
{
    if (n < 2)
        return;
    size_t h = n / 2, a = 0, b = h, k = 0;
    merge_by_key(v, tmp, h, keys);
    merge_by_key(v + h, tmp, n - h, keys);
    while (a < h || b < n)
        tmp[k++] = (b >= n || (a < h && keys[v[a]] <= keys[v[b]])) ? v[a++] : v[b++];
    memcpy(v, tmp, n * sizeof(*v));
}

static size_t *ordering(const int32_t *keys, size_t n, bool sort)
{
    size_t *order = sr_xcalloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (sort) {
        size_t *tmp = sr_xcalloc(n + 1, sizeof(size_t));
        merge_by_key(order, tmp, n, keys);
        free(tmp);
    }
    return order;
}

/* "reserved" statements: inclusive ranges [lo, hi] (hi == max prints "max"), then names;
 * normalized output orders ranges by start and names alphabetically. */
static void print_reserved(struct printer *pr, int level, const int32_t *lo, const int32_t *hi, size_t n,
                           int32_t max, char *const *names, size_t nnames)
{
    size_t *order = ordering(lo, n, pr->normalize);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        indent(pr, level);
        if (lo[i] == hi[i])
            sr_buf_printf(pr->out, "reserved %d;\n", lo[i]);
        else if (hi[i] == max)
            sr_buf_printf(pr->out, "reserved %d to max;\n", lo[i]);
        else
            sr_buf_printf(pr->out, "reserved %d to %d;\n", lo[i], hi[i]);
    }
    free(order);
    char **sorted = sr_xcalloc(nnames + 1, sizeof(char *));
    for (size_t i = 0; i < nnames; i++)
        sorted[i] = names[i];
    if (pr->normalize && nnames > 1)
        qsort(sorted, nnames, sizeof(*sorted), cmp_name);
    for (size_t i = 0; i < nnames; i++) {
        indent(pr, level);
        sr_buf_puts(pr->out, "reserved ");
        put_quoted(pr->out, sorted[i], strlen(sorted[i]), false);
        sr_buf_puts(pr->out, ";\n");
    }
    free(sorted);
}

static void print_enum(struct printer *pr, const Google__Protobuf__EnumDescriptorProto *e, int level)
{
    indent(pr, level);
    sr_buf_printf(pr->out, "enum %s {\n", e->name);
    print_option_stmts(pr, (const ProtobufCMessage *)e->options, level + 1, false);
    int32_t *keys = sr_xcalloc(e->n_value + 1, sizeof(int32_t));
    for (size_t i = 0; i < e->n_value; i++)
        keys[i] = e->value[i]->number;
    size_t *order = ordering(keys, e->n_value, pr->normalize);
    free(keys);
    for (size_t k = 0; k < e->n_value; k++) {
        const Google__Protobuf__EnumValueDescriptorProto *v = e->value[order[k]];
        indent(pr, level + 1);
        sr_buf_printf(pr->out, "%s = %d", v->name, v->number);
        struct opt_list l = {0};
        collect_options(pr, (const ProtobufCMessage *)v->options, false, &l);
        print_bracket(pr, &l);
        opt_list_free(&l);
        sr_buf_puts(pr->out, ";\n");
    }
    free(order);
    size_t nr = e->n_reserved_range;
    int32_t *lo = sr_xcalloc(nr + 1, sizeof(int32_t)), *hi = sr_xcalloc(nr + 1, sizeof(int32_t));
    for (size_t i = 0; i < nr; i++) {
        lo[i] = e->reserved_range[i]->start;
        hi[i] = e->reserved_range[i]->end; /* inclusive for enums */
    }
    print_reserved(pr, level + 1, lo, hi, nr, INT32_MAX, e->reserved_name, e->n_reserved_name);
    free(lo);
    free(hi);
    indent(pr, level);
    sr_buf_puts(pr->out, "}\n");
}

/* Prints `extend` blocks for extensions [from, to), one block per run of extendee. */
static void print_extends(struct printer *pr, Google__Protobuf__FieldDescriptorProto *const *ext, size_t from,
                          size_t to, const struct nest *ns, int level, int depth)
{
    for (size_t i = from; i < to;) {
        const char *extendee = ext[i]->extendee ? ext[i]->extendee : "";
        indent(pr, level);
        sr_buf_printf(pr->out, "extend %s {\n", extendee);
        size_t j = i;
        for (; j < to && strcmp(ext[j]->extendee ? ext[j]->extendee : "", extendee) == 0; j++)
            print_field(pr, ns, ext[j], level + 1, false, depth);
        indent(pr, level);
        sr_buf_puts(pr->out, "}\n");
        i = j;
    }
}

/* Emits nested (or top-level) message declarations in their descriptor order. A type
 * owned by a field is printed with the field; one owned by an extension group makes the
 * extend blocks up to that extension come out at that point, so re-parsing rebuilds both
 * lists in their original order. */
struct emitter {
    const struct nest *ns;
    Google__Protobuf__FieldDescriptorProto *const *ext;
    size_t n_ext, next_ext;
    bool *done;      /* per nested type */
    long *ext_group; /* per nested type: index of the extension whose group it is, or -1 */
    int level, depth;
};

static void emitter_init(struct emitter *e, const struct nest *ns,
                         Google__Protobuf__FieldDescriptorProto *const *ext, size_t n_ext, int level,
                         int depth)
{
    *e = (struct emitter){.ns = ns, .ext = ext, .n_ext = n_ext, .level = level, .depth = depth};
    e->done = sr_xcalloc(ns->n + 1, sizeof(bool));
    e->ext_group = sr_xcalloc(ns->n + 1, sizeof(long));
    for (size_t k = 0; k < ns->n; k++)
        e->ext_group[k] = -1;
    for (size_t j = 0; j < n_ext; j++) {
        size_t k;
        if (group_of(ns, ext[j], &k))
            e->ext_group[k] = (long)j;
    }
}

static void emitter_free(struct emitter *e)
{
    free(e->done);
    free(e->ext_group);
}

static void emit_extends_upto(struct printer *pr, struct emitter *e, size_t to)
{
    if (to <= e->next_ext)
        return;
    if (e->level == 0)
        sr_buf_putc(pr->out, '\n');
    print_extends(pr, e->ext, e->next_ext, to, e->ns, e->level, e->depth);
    for (size_t k = 0; k < e->ns->n; k++)
        if (e->ext_group[k] >= (long)e->next_ext && e->ext_group[k] < (long)to)
            e->done[k] = true;
    e->next_ext = to;
}

static void emit_nested(struct printer *pr, struct emitter *e, size_t k)
{
    if (e->done[k])
        return;
    if (e->ext_group[k] >= 0) {
        emit_extends_upto(pr, e, (size_t)e->ext_group[k] + 1);
        return;
    }
    if (e->level == 0)
        sr_buf_putc(pr->out, '\n');
    print_message(pr, e->ns->v[k], e->ns->fqn, e->level, e->depth + 1);
    e->done[k] = true;
}

/* Field order for printing (declaration order, or by number when normalizing) and each
 * oneof's members in that order; a oneof with a single proto3 "optional" member is
 * synthetic and printed as that field's label. */
struct layout {
    size_t *order;
    size_t *member_start, *members; /* members of oneof k: members[member_start[k] .. member_start[k + 1]) */
    bool *synthetic;
};

static void layout_init(struct layout *l, const Google__Protobuf__DescriptorProto *m, bool normalize)
{
    size_t nf = m->n_field, no = m->n_oneof_decl;
    int32_t *keys = sr_xcalloc(nf + 1, sizeof(int32_t));
    for (size_t i = 0; i < nf; i++)
        keys[i] = m->field[i]->number;
    l->order = ordering(keys, nf, normalize);
    free(keys);
    l->member_start = sr_xcalloc(no + 2, sizeof(size_t));
    l->members = sr_xcalloc(nf + 1, sizeof(size_t));
    l->synthetic = sr_xcalloc(no + 1, sizeof(bool));
    bool *optional = sr_xcalloc(no + 1, sizeof(bool));
    for (size_t i = 0; i < nf; i++) {
        const Google__Protobuf__FieldDescriptorProto *f = m->field[i];
        if (f->has_oneof_index && f->oneof_index >= 0 && (size_t)f->oneof_index < no) {
            l->member_start[f->oneof_index + 1]++;
            optional[f->oneof_index] = f->proto3_optional;
        }
    }
    for (size_t k = 0; k < no; k++) {
        l->synthetic[k] = l->member_start[k + 1] == 1 && optional[k];
        l->member_start[k + 1] += l->member_start[k];
    }
    size_t *fill = sr_xcalloc(no + 1, sizeof(size_t));
    for (size_t oi = 0; oi < nf; oi++) {
        const Google__Protobuf__FieldDescriptorProto *f = m->field[l->order[oi]];
        if (f->has_oneof_index && f->oneof_index >= 0 && (size_t)f->oneof_index < no)
            l->members[l->member_start[f->oneof_index] + fill[f->oneof_index]++] = l->order[oi];
    }
    free(fill);
    free(optional);
}

static void layout_free(struct layout *l)
{
    free(l->order);
    free(l->member_start);
    free(l->members);
    free(l->synthetic);
}

/* The message body (between the braces) at `level`; print_message_decl adds the header. */
static void print_body(struct printer *pr, const Google__Protobuf__DescriptorProto *m, const char *fqn,
                       int level, int depth)
{
    if (depth > COMPAT_MAX_DEPTH)
        return;
    print_option_stmts(pr, (const ProtobufCMessage *)m->options, level, true);
    struct nest ns;
    nest_init(&ns, m->nested_type, m->n_nested_type, fqn);
    struct emitter em;
    emitter_init(&em, &ns, m->extension, m->n_extension, level, depth);
    /* nested types owned by a field (map entries, groups) are printed with that field */
    for (size_t i = 0; i < m->n_field; i++) {
        size_t k;
        if (map_entry_of(&ns, m->field[i], &k) || group_of(&ns, m->field[i], &k))
            em.done[k] = true;
    }
    bool *printed = sr_xcalloc(m->n_field + 1, sizeof(bool));
    struct layout lay;
    layout_init(&lay, m, pr->normalize);
    const size_t *order = lay.order;
    size_t next_nested = 0;
    for (size_t oi = 0; oi < m->n_field; oi++) {
        size_t i = order[oi];
        if (printed[i])
            continue;
        const Google__Protobuf__FieldDescriptorProto *f = m->field[i];
        size_t k;
        if (!pr->normalize && (map_entry_of(&ns, f, &k) || group_of(&ns, f, &k))) {
            /* keep the nested-type order: declare the plain nested types that came before */
            for (; next_nested < k; next_nested++)
                emit_nested(pr, &em, next_nested);
            next_nested = k + 1;
        }
        if (f->has_oneof_index && f->oneof_index >= 0 && (size_t)f->oneof_index < m->n_oneof_decl &&
            !lay.synthetic[f->oneof_index]) {
            const Google__Protobuf__OneofDescriptorProto *o = m->oneof_decl[f->oneof_index];
            indent(pr, level);
            sr_buf_printf(pr->out, "oneof %s {\n", o->name);
            print_option_stmts(pr, (const ProtobufCMessage *)o->options, level + 1, false);
            for (size_t k2 = lay.member_start[f->oneof_index]; k2 < lay.member_start[f->oneof_index + 1];
                 k2++) {
                size_t j = lay.members[k2];
                if (!printed[j]) {
                    print_field(pr, &ns, m->field[j], level + 1, true, depth);
                    printed[j] = true;
                }
            }
            indent(pr, level);
            sr_buf_puts(pr->out, "}\n");
            continue;
        }
        print_field(pr, &ns, f, level, false, depth);
        printed[i] = true;
    }
    for (size_t k = 0; k < m->n_nested_type; k++)
        emit_nested(pr, &em, k);
    for (size_t k = 0; k < m->n_enum_type; k++)
        print_enum(pr, m->enum_type[k], level);
    emit_extends_upto(pr, &em, m->n_extension);
    emitter_free(&em);
    for (size_t i = 0; i < m->n_extension_range; i++) {
        const Google__Protobuf__DescriptorProto__ExtensionRange *r = m->extension_range[i];
        indent(pr, level);
        if (r->end - 1 == r->start)
            sr_buf_printf(pr->out, "extensions %d", r->start);
        else if (r->end - 1 == 536870911)
            sr_buf_printf(pr->out, "extensions %d to max", r->start);
        else
            sr_buf_printf(pr->out, "extensions %d to %d", r->start, r->end - 1);
        struct opt_list l = {0};
        collect_options(pr, (const ProtobufCMessage *)r->options, false, &l);
        print_bracket(pr, &l);
        opt_list_free(&l);
        sr_buf_puts(pr->out, ";\n");
    }
    size_t nr = m->n_reserved_range;
    int32_t *lo = sr_xcalloc(nr + 1, sizeof(int32_t)), *hi = sr_xcalloc(nr + 1, sizeof(int32_t));
    for (size_t i = 0; i < nr; i++) {
        lo[i] = m->reserved_range[i]->start;
        hi[i] = m->reserved_range[i]->end - 1; /* exclusive for messages */
    }
    print_reserved(pr, level, lo, hi, nr, 536870911, m->reserved_name, m->n_reserved_name);
    free(lo);
    free(hi);
    free(printed);
    layout_free(&lay);
    proto_map_free(&ns.names);
}

static void print_message(struct printer *pr, const Google__Protobuf__DescriptorProto *m, const char *parent,
                          int level, int depth)
{
    if (depth > COMPAT_MAX_DEPTH)
        return;
    char *fqn = proto_join_name(parent, m->name);
    indent(pr, level);
    sr_buf_printf(pr->out, "message %s {\n", m->name);
    print_body(pr, m, fqn, level + 1, depth);
    indent(pr, level);
    sr_buf_puts(pr->out, "}\n");
    free(fqn);
}

static void print_service(struct printer *pr, const Google__Protobuf__ServiceDescriptorProto *s)
{
    sr_buf_printf(pr->out, "service %s {\n", s->name);
    print_option_stmts(pr, (const ProtobufCMessage *)s->options, 1, false);
    for (size_t i = 0; i < s->n_method; i++) {
        const Google__Protobuf__MethodDescriptorProto *md = s->method[i];
        sr_buf_printf(pr->out, "  rpc %s (%s%s) returns (%s%s)", md->name,
                      md->client_streaming ? "stream " : "", md->input_type,
                      md->server_streaming ? "stream " : "", md->output_type);
        struct opt_list l = {0};
        collect_options(pr, (const ProtobufCMessage *)md->options, false, &l);
        if (l.n) {
            sr_buf_puts(pr->out, " {\n");
            for (size_t k = 0; k < l.n; k++)
                sr_buf_printf(pr->out, "    option %s;\n", l.items[k]);
            sr_buf_puts(pr->out, "  }\n");
        } else {
            sr_buf_puts(pr->out, ";\n");
        }
        opt_list_free(&l);
    }
    sr_buf_puts(pr->out, "}\n");
}

void proto_print(const struct proto_pool *pool, size_t index, bool normalize, struct sr_buf *out)
{
    const Google__Protobuf__FileDescriptorProto *f = pool->files[index];
    struct printer pr = {.pool = pool, .file = f, .normalize = normalize, .out = out};
    index_extensions(&pr);
    if (f->syntax && strcmp(f->syntax, "proto3") == 0) {
        pr.syntax = P_PROTO3;
        sr_buf_puts(out, "syntax = \"proto3\";\n");
    } else if (f->syntax && strcmp(f->syntax, "editions") == 0) {
        pr.syntax = P_EDITIONS;
        sr_buf_puts(out, "edition = \"2023\";\n");
    } else {
        pr.syntax = P_PROTO2;
        sr_buf_puts(out, "syntax = \"proto2\";\n");
    }
    const char *pkg = f->package ? f->package : "";
    if (*pkg)
        sr_buf_printf(out, "package %s;\n", pkg);
    if (f->n_dependency) {
        sr_buf_putc(out, '\n');
        char **lines = sr_xcalloc(f->n_dependency, sizeof(*lines));
        for (size_t i = 0; i < f->n_dependency; i++) {
            const char *kind = "";
            for (size_t j = 0; j < f->n_public_dependency; j++)
                if ((size_t)f->public_dependency[j] == i)
                    kind = "public ";
            for (size_t j = 0; j < f->n_weak_dependency; j++)
                if ((size_t)f->weak_dependency[j] == i)
                    kind = "weak ";
            struct sr_buf b = SR_BUF_INIT;
            sr_buf_printf(&b, "import %s", kind);
            put_quoted(&b, f->dependency[i], strlen(f->dependency[i]), false);
            sr_buf_puts(&b, ";\n");
            lines[i] = sr_buf_steal(&b, NULL);
        }
        if (normalize)
            qsort(lines, f->n_dependency, sizeof(*lines), cmp_name);
        for (size_t i = 0; i < f->n_dependency; i++)
            if (!(normalize && i && strcmp(lines[i], lines[i - 1]) == 0))
                sr_buf_puts(out, lines[i]);
        for (size_t i = 0; i < f->n_dependency; i++)
            free(lines[i]);
        free(lines);
    }
    if (f->options) {
        struct sr_buf opts = SR_BUF_INIT;
        pr.out = &opts;
        print_option_stmts(&pr, (const ProtobufCMessage *)f->options, 0, false);
        pr.out = out;
        if (opts.len) {
            sr_buf_putc(out, '\n');
            sr_buf_append(out, opts.data, opts.len);
        }
        sr_buf_free(&opts);
    }
    struct nest ns;
    nest_init(&ns, f->message_type, f->n_message_type, pkg);
    struct emitter em;
    emitter_init(&em, &ns, f->extension, f->n_extension, 0, 0);
    for (size_t i = 0; i < f->n_message_type; i++)
        emit_nested(&pr, &em, i);
    for (size_t i = 0; i < f->n_enum_type; i++) {
        sr_buf_putc(out, '\n');
        print_enum(&pr, f->enum_type[i], 0);
    }
    emit_extends_upto(&pr, &em, f->n_extension);
    emitter_free(&em);
    proto_map_free(&ns.names);
    for (size_t i = 0; i < f->n_service; i++) {
        sr_buf_putc(out, '\n');
        print_service(&pr, f->service[i]);
    }
    proto_map_free(&pr.extensions);
    for (size_t i = 0; i < pr.n_ext_keys; i++)
        free(pr.ext_keys[i]);
    free(pr.ext_keys);
}
