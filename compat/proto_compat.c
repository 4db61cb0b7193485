/* SPDX-License-Identifier: Apache-2.0 */
/* proto_compat.c — Confluent's Protobuf compatibility rules (its protobuf-provider
 * SchemaDiff): the writer's file is the "original", the reader's the "update", every
 * difference gets a kind and a path ("#/Message/oneof/tag"), and the reader can read the
 * writer's data when every kind found is in Confluent's compatible set. We work on linked
 * descriptors, so the parts of Confluent's diff that exist only because it works on
 * unresolved text (name qualification, map-entry bookkeeping) reduce to lookups here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_link_internal.h"

typedef Google__Protobuf__FieldDescriptorProto__Type ftype_t;
#define FT(x) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##x
#define LABEL(x) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_##x

/* Message comparisons one compatibility check may make (see ctx.budget). */
#define PROTO_COMPARE_BUDGET 100000

enum diff_kind {
    PACKAGE_CHANGED,
    MESSAGE_ADDED,
    MESSAGE_REMOVED,
    MESSAGE_MOVED,
    ENUM_ADDED,
    ENUM_REMOVED,
    ENUM_CONST_ADDED,
    ENUM_CONST_CHANGED,
    ENUM_CONST_REMOVED,
    FIELD_ADDED,
    FIELD_REMOVED,
    FIELD_NAME_CHANGED,
    FIELD_KIND_CHANGED,
    FIELD_SCALAR_KIND_CHANGED,
    FIELD_NAMED_TYPE_CHANGED,
    FIELD_NUMERIC_LABEL_CHANGED,
    FIELD_STRING_OR_BYTES_LABEL_CHANGED,
    REQUIRED_FIELD_ADDED,
    REQUIRED_FIELD_REMOVED,
    ONEOF_ADDED,
    ONEOF_REMOVED,
    ONEOF_FIELD_ADDED,
    ONEOF_FIELD_REMOVED,
    ONEOF_FIELD_MOVED_TO_TOP_LEVEL,
    MULTIPLE_FIELDS_MOVED_TO_ONEOF,
    FIELD_MOVED_TO_EXISTING_ONEOF,
};

static const struct kind_info {
    const char *name;
    bool compatible;
    const char *what; /* "%s" stands for the path */
} kinds[] = {
    [PACKAGE_CHANGED] = {"PACKAGE_CHANGED", false,
                         "the package at '%s' differs between the writer and reader schemas"},
    [MESSAGE_ADDED] = {"MESSAGE_ADDED", true, "message '%s' added"},
    [MESSAGE_REMOVED] = {"MESSAGE_REMOVED", false,
                         "the reader schema lacks the message at '%s' of the writer schema"},
    [MESSAGE_MOVED] = {"MESSAGE_MOVED", true, "message '%s' moved"},
    [ENUM_ADDED] = {"ENUM_ADDED", true, "enum '%s' added"},
    [ENUM_REMOVED] = {"ENUM_REMOVED", true, "enum '%s' removed"},
    [ENUM_CONST_ADDED] = {"ENUM_CONST_ADDED", true, "enum constant '%s' added"},
    [ENUM_CONST_CHANGED] = {"ENUM_CONST_CHANGED", true, "enum constant '%s' renamed"},
    [ENUM_CONST_REMOVED] = {"ENUM_CONST_REMOVED", true, "enum constant '%s' removed"},
    [FIELD_ADDED] = {"FIELD_ADDED", true, "field '%s' added"},
    [FIELD_REMOVED] = {"FIELD_REMOVED", true, "field '%s' removed"},
    [FIELD_NAME_CHANGED] = {"FIELD_NAME_CHANGED", true, "field '%s' renamed"},
    [FIELD_KIND_CHANGED] = {"FIELD_KIND_CHANGED", false,
                            "the field at '%s' changed between scalar, message and map in the reader schema"},
    [FIELD_SCALAR_KIND_CHANGED] =
        {"FIELD_SCALAR_KIND_CHANGED", false,
         "the scalar field at '%s' has a wire-incompatible type in the reader schema"},
    [FIELD_NAMED_TYPE_CHANGED] =
        {"FIELD_NAMED_TYPE_CHANGED", false,
         "the message field at '%s' has an incompatible message type in the reader schema"},
    [FIELD_NUMERIC_LABEL_CHANGED] = {"FIELD_NUMERIC_LABEL_CHANGED", false,
                                     "the numeric field at '%s' changed its label in the reader schema"},
    [FIELD_STRING_OR_BYTES_LABEL_CHANGED] = {"FIELD_STRING_OR_BYTES_LABEL_CHANGED", true,
                                             "the string or bytes field at '%s' changed its label"},
    [REQUIRED_FIELD_ADDED] = {"REQUIRED_FIELD_ADDED", false,
                              "the reader schema requires the field at '%s', which the writer schema lacks"},
    [REQUIRED_FIELD_REMOVED] = {"REQUIRED_FIELD_REMOVED", false,
                                "the reader schema lacks the required field at '%s' of the writer schema"},
    [ONEOF_ADDED] = {"ONEOF_ADDED", true, "oneof '%s' added"},
    [ONEOF_REMOVED] = {"ONEOF_REMOVED", true, "oneof '%s' removed"},
    [ONEOF_FIELD_ADDED] = {"ONEOF_FIELD_ADDED", true, "oneof field '%s' added"},
    [ONEOF_FIELD_REMOVED] = {"ONEOF_FIELD_REMOVED", false,
                             "the reader schema lacks the oneof field at '%s' of the writer schema"},
    [ONEOF_FIELD_MOVED_TO_TOP_LEVEL] = {"ONEOF_FIELD_MOVED_TO_TOP_LEVEL", true,
                                        "oneof field '%s' moved to top level"},
    [MULTIPLE_FIELDS_MOVED_TO_ONEOF] =
        {"MULTIPLE_FIELDS_MOVED_TO_ONEOF", false,
         "the oneof at '%s' in the reader schema holds several fields that are "
         "independent in the writer schema"},
    [FIELD_MOVED_TO_EXISTING_ONEOF] =
        {"FIELD_MOVED_TO_EXISTING_ONEOF", false,
         "the oneof at '%s' in the reader schema holds a field that is outside that "
         "oneof in the writer schema"},
};

struct diff {
    enum diff_kind kind;
    char *path;
};

struct side {
    const struct proto_pool *pool;
    size_t main;
};

struct ctx {
    struct side orig, upd; /* orig = writer, upd = reader */
    char *path[COMPAT_MAX_DEPTH * 4 + 8];
    size_t npath;
    struct diff *diffs;
    size_t ndiffs;
    /* original messages being compared (Confluent's SchemaScope): cuts recursive types */
    const void *schemas[COMPAT_MAX_DEPTH + 1];
    size_t nschemas;
    int depth;
    bool too_deep;
    /* message comparisons left, shared with subcontexts: imported types that refer to each
     * other make the walk grow with the number of paths, so it is capped */
    size_t *budget;
    /* verdicts of imported message pairs already compared, shared with subcontexts */
    struct memo *memo;
};

struct memo {
    struct memo_entry {
        const void *orig, *upd;
        bool incompatible;
    } * v;
    size_t n;
};

static int push(struct ctx *c, const char *seg)
{
    if (c->npath >= sizeof(c->path) / sizeof(c->path[0])) {
        c->too_deep = true;
        return -1;
    }
    c->path[c->npath++] = sr_xstrdup(seg);
    return 0;
}

static int push_int(struct ctx *c, int32_t n)
{
    char tmp[16];
    snprintf(tmp, sizeof(tmp), "%d", n);
    return push(c, tmp);
}

static void pop(struct ctx *c)
{
    free(c->path[--c->npath]);
}

static void add(struct ctx *c, enum diff_kind k)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_puts(&b, "#/");
    for (size_t i = 0; i < c->npath; i++) {
        if (i)
            sr_buf_putc(&b, '/');
        sr_buf_puts(&b, c->path[i]);
    }
    c->diffs = sr_xrealloc(c->diffs, (c->ndiffs + 1) * sizeof(*c->diffs));
    c->diffs[c->ndiffs++] = (struct diff){k, sr_buf_steal(&b, NULL)};
}

static void add_at(struct ctx *c, const char *seg, enum diff_kind k)
{
    if (push(c, seg) == 0) {
        add(c, k);
        pop(c);
    }
}

static void add_at_int(struct ctx *c, int32_t n, enum diff_kind k)
{
    if (push_int(c, n) == 0) {
        add(c, k);
        pop(c);
    }
}

static bool is_map_entry(const Google__Protobuf__DescriptorProto *m)
{
    return m->options && m->options->has_map_entry && m->options->map_entry;
}

/* A message prepared for comparison: fields by tag, which oneofs are real (a proto3
 * "optional" makes a synthetic one that Confluent, reading the .proto, never sees) and the
 * real oneofs by name. Large messages must not make the comparison quadratic. */
struct mview {
    const Google__Protobuf__DescriptorProto *m;
    const Google__Protobuf__FieldDescriptorProto **by_tag;
    bool *synthetic; /* per oneof_decl */
    struct proto_map oneofs;
};

static int cmp_field_number(const void *a, const void *b)
{
    int32_t x = (*(const Google__Protobuf__FieldDescriptorProto *const *)a)->number;
    int32_t y = (*(const Google__Protobuf__FieldDescriptorProto *const *)b)->number;
    return x < y ? -1 : x > y;
}

static void mview_init(struct mview *v, const Google__Protobuf__DescriptorProto *m)
{
    memset(v, 0, sizeof(*v));
    v->m = m;
    v->by_tag = sr_xcalloc(m->n_field + 1, sizeof(*v->by_tag));
    for (size_t i = 0; i < m->n_field; i++)
        v->by_tag[i] = m->field[i];
    qsort(v->by_tag, m->n_field, sizeof(*v->by_tag), cmp_field_number);
    size_t *members = sr_xcalloc(m->n_oneof_decl + 1, sizeof(size_t));
    bool *optional = sr_xcalloc(m->n_oneof_decl + 1, sizeof(bool));
    for (size_t i = 0; i < m->n_field; i++) {
        const Google__Protobuf__FieldDescriptorProto *f = m->field[i];
        if (f->has_oneof_index && f->oneof_index >= 0 && (size_t)f->oneof_index < m->n_oneof_decl) {
            members[f->oneof_index]++;
            optional[f->oneof_index] = f->proto3_optional;
        }
    }
    v->synthetic = sr_xcalloc(m->n_oneof_decl + 1, sizeof(bool));
    for (size_t i = 0; i < m->n_oneof_decl; i++) {
        v->synthetic[i] = members[i] == 1 && optional[i];
        if (!v->synthetic[i])
            proto_map_put(&v->oneofs, m->oneof_decl[i]->name, i);
    }
    free(members);
    free(optional);
}

static void mview_free(struct mview *v)
{
    free(v->by_tag);
    free(v->synthetic);
    proto_map_free(&v->oneofs);
}

static const Google__Protobuf__FieldDescriptorProto *field_by_tag(const struct mview *v, int32_t tag)
{
    Google__Protobuf__FieldDescriptorProto key = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT;
    key.number = tag;
    const Google__Protobuf__FieldDescriptorProto *kp = &key;
    const Google__Protobuf__FieldDescriptorProto **hit =
        bsearch(&kp, v->by_tag, v->m->n_field, sizeof(*v->by_tag), cmp_field_number);
    return hit ? *hit : NULL;
}

/* The real oneof a field belongs to (NULL outside one or in a proto3-optional one). */
static const char *oneof_of(const struct mview *v, const Google__Protobuf__FieldDescriptorProto *f)
{
    if (!v || !f->has_oneof_index || f->oneof_index < 0 || (size_t)f->oneof_index >= v->m->n_oneof_decl ||
        v->synthetic[f->oneof_index])
        return NULL;
    return v->m->oneof_decl[f->oneof_index]->name;
}

static bool has_oneof(const struct mview *v, const char *name)
{
    size_t i;
    return proto_map_get(&v->oneofs, name, &i);
}

/* ---- fields ---------------------------------------------------------------------------- */

enum kind { K_SCALAR, K_MAP, K_MESSAGE };
enum label { L_NONE, L_OPTIONAL, L_REQUIRED, L_REPEATED };
enum scalar { S_GENERAL, S_SIGNED, S_STRING_OR_BYTES, S_FIXED32, S_FIXED64, S_FLOAT, S_DOUBLE };

/* A field's type as Confluent sees it: type, the map entry (for maps) and its label as
 * written in the .proto (proto3 fields without "optional" have none). */
struct ftype {
    ftype_t type;
    const char *type_name;
    const Google__Protobuf__DescriptorProto *entry;
    enum label label;
};

static struct ftype ftype_of(const struct side *s, const struct mview *owner,
                             const Google__Protobuf__FieldDescriptorProto *f, size_t file)
{
    struct ftype t = {.type = f->type, .type_name = f->type_name};
    const struct proto_sym *sym = f->type == FT(MESSAGE) ? proto_pool_find_type(s->pool, f->type_name) : NULL;
    if (sym && sym->kind == PROTO_SYM_MESSAGE && is_map_entry(sym->desc) && f->label == LABEL(REPEATED))
        t.entry = sym->desc;
    const char *syn = s->pool->files[file]->syntax;
    bool proto3 = syn && strcmp(syn, "proto3") == 0, editions = syn && strcmp(syn, "editions") == 0;
    if (t.entry || (owner && oneof_of(owner, f)))
        t.label = L_NONE;
    else if (f->label == LABEL(REPEATED))
        t.label = L_REPEATED;
    else if (f->label == LABEL(REQUIRED))
        t.label = L_REQUIRED;
    else if (proto3)
        t.label = f->proto3_optional ? L_OPTIONAL : L_NONE;
    else if (editions)
        t.label = L_NONE;
    else
        t.label = L_OPTIONAL;
    return t;
}

static enum kind kind_of(const struct ftype *t)
{
    if (t->entry)
        return K_MAP;
    if (t->type == FT(MESSAGE) || t->type == FT(GROUP))
        return K_MESSAGE;
    return K_SCALAR; /* enums count as scalars */
}

static enum scalar scalar_of(ftype_t t)
{
    switch (t) {
    case FT(SINT32):
    case FT(SINT64):
        return S_SIGNED;
    case FT(STRING):
    case FT(BYTES):
        return S_STRING_OR_BYTES;
    case FT(FIXED32):
    case FT(SFIXED32):
        return S_FIXED32;
    case FT(FIXED64):
    case FT(SFIXED64):
        return S_FIXED64;
    case FT(FLOAT):
        return S_FLOAT;
    case FT(DOUBLE):
        return S_DOUBLE;
    default:
        return S_GENERAL; /* int32, int64, uint32, uint64, bool, enum */
    }
}

static void compare_message(struct ctx *c, const Google__Protobuf__DescriptorProto *o, size_t ofile,
                            const Google__Protobuf__DescriptorProto *u, size_t ufile);

static void compare_types(struct ctx *c, const struct ftype *o, size_t ofile, const struct ftype *u,
                          size_t ufile);

static const char *local_name(const struct side *s, const struct proto_sym *sym)
{
    const char *pkg = s->pool->files[sym->file]->package;
    size_t pl = pkg ? strlen(pkg) : 0;
    if (pl && strncmp(sym->name, pkg, pl) == 0 && sym->name[pl] == '.')
        return sym->name + pl + 1;
    return sym->name;
}

static void compare_message_types(struct ctx *c, const struct ftype *o, const struct ftype *u)
{
    const struct proto_sym *os = proto_pool_find_type(c->orig.pool, o->type_name),
                           *us = proto_pool_find_type(c->upd.pool, u->type_name);
    if (!os || !us) {
        if (!o->type_name || !u->type_name || strcmp(o->type_name, u->type_name) != 0)
            add(c, FIELD_NAMED_TYPE_CHANGED);
        return;
    }
    const char *ol = local_name(&c->orig, os), *ul = local_name(&c->upd, us);
    if (strcmp(ol, ul) != 0) {
        add(c, FIELD_NAMED_TYPE_CHANGED);
        return;
    }
    /* Types of the schemas' own files are compared where they are declared; imported ones
     * are compared here, at the path of their local name (Confluent's subcontext). */
    if (os->file == c->orig.main && us->file == c->upd.main)
        return;
    /* A pair seen before keeps its verdict: its differences are already listed once, and
     * types that refer to each other would otherwise be walked once per path. */
    for (size_t i = 0; i < c->memo->n; i++)
        if (c->memo->v[i].orig == os->desc && c->memo->v[i].upd == us->desc) {
            if (c->memo->v[i].incompatible)
                add(c, FIELD_NAMED_TYPE_CHANGED);
            return;
        }
    if (c->depth + 1 > COMPAT_MAX_DEPTH) {
        c->too_deep = true;
        return;
    }
    /* on the heap: this recursion follows imports, and a context is a few kilobytes */
    struct ctx *sub = sr_xcalloc(1, sizeof(*sub));
    *sub = (struct ctx){
        .orig = c->orig, .upd = c->upd, .depth = c->depth + 1, .budget = c->budget, .memo = c->memo};
    memcpy(sub->schemas, c->schemas, c->nschemas * sizeof(c->schemas[0]));
    sub->nschemas = c->nschemas;
    const char *s = ol;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        char *seg = sr_xstrndup(s, n);
        int rc = push(sub, seg);
        free(seg);
        if (rc)
            break;
        s += n + (dot ? 1 : 0);
    }
    compare_message(sub, os->desc, os->file, us->desc, us->file);
    bool incompatible = false;
    for (size_t i = 0; i < sub->ndiffs; i++) {
        c->diffs = sr_xrealloc(c->diffs, (c->ndiffs + 1) * sizeof(*c->diffs));
        c->diffs[c->ndiffs++] = sub->diffs[i];
        incompatible |= !kinds[sub->diffs[i].kind].compatible;
    }
    free(sub->diffs);
    while (sub->npath)
        pop(sub);
    c->too_deep |= sub->too_deep;
    free(sub);
    c->memo->v = sr_xrealloc(c->memo->v, (c->memo->n + 1) * sizeof(*c->memo->v));
    c->memo->v[c->memo->n++] = (struct memo_entry){os->desc, us->desc, incompatible};
    if (incompatible)
        add(c, FIELD_NAMED_TYPE_CHANGED);
}

static void compare_types(struct ctx *c, const struct ftype *o, size_t ofile, const struct ftype *u,
                          size_t ufile)
{
    enum kind ok = kind_of(o), uk = kind_of(u);
    if (ok != uk) {
        add(c, FIELD_KIND_CHANGED);
        return;
    }
    if (ok == K_SCALAR) {
        enum scalar os = scalar_of(o->type), us = scalar_of(u->type);
        if (os != us) {
            add(c, FIELD_SCALAR_KIND_CHANGED);
        } else if (o->label != L_NONE && u->label != L_NONE && o->label != u->label) {
            add(c,
                os == S_STRING_OR_BYTES ? FIELD_STRING_OR_BYTES_LABEL_CHANGED : FIELD_NUMERIC_LABEL_CHANGED);
        }
    } else if (ok == K_MESSAGE) {
        compare_message_types(c, o, u);
    } else if (o->entry->n_field == 2 && u->entry->n_field == 2) {
        /* map<K, V>: keys then values, without labels */
        for (size_t i = 0; i < 2; i++) {
            struct ftype ot = ftype_of(&c->orig, NULL, o->entry->field[i], ofile);
            struct ftype ut = ftype_of(&c->upd, NULL, u->entry->field[i], ufile);
            ot.label = ut.label = L_NONE;
            compare_types(c, &ot, ofile, &ut, ufile);
        }
    }
}

static void compare_field(struct ctx *c, const struct mview *om,
                          const Google__Protobuf__FieldDescriptorProto *of, size_t ofile,
                          const struct mview *um, const Google__Protobuf__FieldDescriptorProto *uf,
                          size_t ufile)
{
    if (strcmp(of->name, uf->name) != 0)
        add(c, FIELD_NAME_CHANGED);
    struct ftype ot = ftype_of(&c->orig, om, of, ofile), ut = ftype_of(&c->upd, um, uf, ufile);
    compare_types(c, &ot, ofile, &ut, ufile);
}

/* ---- messages -------------------------------------------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void compare_nested(struct ctx *c, Google__Protobuf__DescriptorProto *const *om, size_t nom,
                           Google__Protobuf__EnumDescriptorProto *const *oe, size_t noe, size_t ofile,
                           Google__Protobuf__DescriptorProto *const *um, size_t num,
                           Google__Protobuf__EnumDescriptorProto *const *ue, size_t nue, size_t ufile);

/* Confluent's MessageSchemaDiff: fields by tag across the whole message, oneof membership
 * compared separately, then the nested types. */
static void compare_fields(struct ctx *c, const struct mview *ov, size_t ofile, const struct mview *uv,
                           size_t ufile)
{
    const Google__Protobuf__DescriptorProto *o = ov->m, *u = uv->m;
    /* removed oneofs none of whose members survive anywhere: a clean deletion */
    bool *survives = sr_xcalloc(o->n_oneof_decl + 1, sizeof(bool));
    for (size_t j = 0; j < o->n_field; j++)
        if (oneof_of(ov, o->field[j]) && field_by_tag(uv, o->field[j]->number))
            survives[o->field[j]->oneof_index] = true;
    /* oneofs of the reader that gather fields which were independent in the writer: each
     * earlier oneof is one group, each earlier top-level field its own, new fields none */
    const char **first = sr_xcalloc(u->n_oneof_decl + 1, sizeof(char *));
    bool *several = sr_xcalloc(u->n_oneof_decl + 1, sizeof(bool));
    size_t *top = sr_xcalloc(u->n_oneof_decl + 1, sizeof(size_t));
    for (size_t j = 0; j < u->n_field; j++) {
        const Google__Protobuf__FieldDescriptorProto *uf = u->field[j];
        const Google__Protobuf__FieldDescriptorProto *of =
            oneof_of(uv, uf) ? field_by_tag(ov, uf->number) : NULL;
        if (!of)
            continue;
        const char *oo = oneof_of(ov, of);
        int32_t i = uf->oneof_index;
        if (!oo)
            top[i]++;
        else if (!first[i])
            first[i] = oo;
        else if (strcmp(first[i], oo) != 0)
            several[i] = true;
    }
    for (size_t i = 0; i < u->n_oneof_decl; i++) {
        size_t groups = (first[i] ? 1 : 0) + (several[i] ? 1 : 0) + top[i];
        if (!uv->synthetic[i] && groups > 1)
            add_at(c, u->oneof_decl[i]->name,
                   top[i] > 1 ? MULTIPLE_FIELDS_MOVED_TO_ONEOF : FIELD_MOVED_TO_EXISTING_ONEOF);
    }
    free(first);
    free(several);
    free(top);
    /* oneof containers added/removed, in name order */
    const char **names = sr_xcalloc(o->n_oneof_decl + u->n_oneof_decl + 1, sizeof(char *));
    size_t nnames = 0;
    for (size_t i = 0; i < o->n_oneof_decl; i++)
        if (!ov->synthetic[i])
            names[nnames++] = o->oneof_decl[i]->name;
    for (size_t i = 0; i < u->n_oneof_decl; i++)
        if (!uv->synthetic[i] && !has_oneof(ov, u->oneof_decl[i]->name))
            names[nnames++] = u->oneof_decl[i]->name;
    qsort(names, nnames, sizeof(*names), cmp_cstr);
    for (size_t i = 0; i < nnames; i++) {
        if (i && strcmp(names[i], names[i - 1]) == 0)
            continue;
        if (!has_oneof(uv, names[i]))
            add_at(c, names[i], ONEOF_REMOVED);
        else if (!has_oneof(ov, names[i]))
            add_at(c, names[i], ONEOF_ADDED);
    }
    free(names);
    /* every field by tag, in tag order: a merge of the two sorted lists */
    size_t a = 0, b = 0;
    while (a < o->n_field || b < u->n_field) {
        const Google__Protobuf__FieldDescriptorProto *of = a < o->n_field ? ov->by_tag[a] : NULL;
        const Google__Protobuf__FieldDescriptorProto *uf = b < u->n_field ? uv->by_tag[b] : NULL;
        if (of && uf && of->number != uf->number) {
            if (of->number < uf->number)
                uf = NULL;
            else
                of = NULL;
        }
        a += of != NULL;
        b += uf != NULL;
        int32_t tag = of ? of->number : uf->number;
        const char *oo = of ? oneof_of(ov, of) : NULL, *uo = uf ? oneof_of(uv, uf) : NULL;
        if (!uf) {
            if (oo) {
                if ((has_oneof(uv, oo) || survives[of->oneof_index]) && push(c, oo) == 0) {
                    add_at_int(c, tag, ONEOF_FIELD_REMOVED);
                    pop(c);
                }
            } else {
                add_at_int(c, tag, of->label == LABEL(REQUIRED) ? REQUIRED_FIELD_REMOVED : FIELD_REMOVED);
            }
        } else if (!of) {
            if (uo) {
                if (push(c, uo) == 0) {
                    add_at_int(c, tag, ONEOF_FIELD_ADDED);
                    pop(c);
                }
            } else {
                add_at_int(c, tag, uf->label == LABEL(REQUIRED) ? REQUIRED_FIELD_ADDED : FIELD_ADDED);
            }
        } else {
            if (oo && !uo)
                add_at_int(c, tag, ONEOF_FIELD_MOVED_TO_TOP_LEVEL);
            size_t pushed = 0;
            if (uo && push(c, uo) == 0)
                pushed++;
            if (push_int(c, tag) == 0)
                pushed++;
            compare_field(c, ov, of, ofile, uv, uf, ufile);
            while (pushed--)
                pop(c);
        }
    }
    free(survives);
}

static void compare_message(struct ctx *c, const Google__Protobuf__DescriptorProto *o, size_t ofile,
                            const Google__Protobuf__DescriptorProto *u, size_t ufile)
{
    if (*c->budget == 0 || c->depth + 1 > COMPAT_MAX_DEPTH) {
        c->too_deep = true;
        return;
    }
    (*c->budget)--;
    c->depth++;
    bool seen = false;
    for (size_t i = 0; i < c->nschemas; i++)
        seen |= c->schemas[i] == o;
    if (!seen && c->nschemas < COMPAT_MAX_DEPTH) {
        c->schemas[c->nschemas++] = o;
        struct mview ov, uv;
        mview_init(&ov, o);
        mview_init(&uv, u);
        compare_fields(c, &ov, ofile, &uv, ufile);
        mview_free(&ov);
        mview_free(&uv);
        c->nschemas--;
    }
    compare_nested(c, o->nested_type, o->n_nested_type, o->enum_type, o->n_enum_type, ofile, u->nested_type,
                   u->n_nested_type, u->enum_type, u->n_enum_type, ufile);
    c->depth--;
}

static int cmp_value_number(const void *a, const void *b)
{
    int32_t x = (*(const Google__Protobuf__EnumValueDescriptorProto *const *)a)->number;
    int32_t y = (*(const Google__Protobuf__EnumValueDescriptorProto *const *)b)->number;
    return x < y ? -1 : x > y;
}

/* Values sorted by number; with aliases the last declared name of a number counts. */
static size_t sorted_values(const Google__Protobuf__EnumDescriptorProto *e,
                            const Google__Protobuf__EnumValueDescriptorProto ***out)
{
    const Google__Protobuf__EnumValueDescriptorProto **v = sr_xcalloc(e->n_value + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < e->n_value; i++)
        v[i] = e->value[i];
    /* insertion into a stable sort keeps declaration order within a number */
    for (size_t i = 0; i < e->n_value; i++) {
        const Google__Protobuf__EnumValueDescriptorProto *x = e->value[i];
        size_t j = i;
        while (j > 0 && cmp_value_number(&v[j - 1], &x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    for (size_t i = 0; i < e->n_value; i++) {
        if (n && v[n - 1]->number == v[i]->number)
            v[n - 1] = v[i];
        else
            v[n++] = v[i];
    }
    *out = v;
    return n;
}

static void compare_enum(struct ctx *c, const Google__Protobuf__EnumDescriptorProto *o,
                         const Google__Protobuf__EnumDescriptorProto *u)
{
    const Google__Protobuf__EnumValueDescriptorProto **ov, **uv;
    size_t on = sorted_values(o, &ov), un = sorted_values(u, &uv), a = 0, b = 0;
    while (a < on || b < un) {
        if (b >= un || (a < on && ov[a]->number < uv[b]->number)) {
            add_at_int(c, ov[a]->number, ENUM_CONST_REMOVED);
            a++;
        } else if (a >= on || uv[b]->number < ov[a]->number) {
            add_at_int(c, uv[b]->number, ENUM_CONST_ADDED);
            b++;
        } else {
            if (strcmp(ov[a]->name, uv[b]->name) != 0)
                add_at_int(c, ov[a]->number, ENUM_CONST_CHANGED);
            a++;
            b++;
        }
    }
    free(ov);
    free(uv);
}

/* Messages (without map entries, which Confluent's .proto view does not have) and enums of
 * one scope, by name; a message's value is its position among the messages. */
struct scope_index {
    struct proto_map messages, enums;
    long *msg_index; /* per nested_type position: index among messages, -1 for map entries */
};

static void scope_index_init(struct scope_index *x, Google__Protobuf__DescriptorProto *const *ms, size_t nm,
                             Google__Protobuf__EnumDescriptorProto *const *es, size_t ne)
{
    memset(x, 0, sizeof(*x));
    x->msg_index = sr_xcalloc(nm + 1, sizeof(long));
    long idx = 0;
    for (size_t i = 0; i < nm; i++) {
        x->msg_index[i] = is_map_entry(ms[i]) ? -1 : idx++;
        if (x->msg_index[i] >= 0)
            proto_map_put(&x->messages, ms[i]->name, i);
    }
    for (size_t i = 0; i < ne; i++)
        proto_map_put(&x->enums, es[i]->name, i);
}

static void scope_index_free(struct scope_index *x)
{
    proto_map_free(&x->messages);
    proto_map_free(&x->enums);
    free(x->msg_index);
}

static void compare_nested(struct ctx *c, Google__Protobuf__DescriptorProto *const *om, size_t nom,
                           Google__Protobuf__EnumDescriptorProto *const *oe, size_t noe, size_t ofile,
                           Google__Protobuf__DescriptorProto *const *um, size_t num,
                           Google__Protobuf__EnumDescriptorProto *const *ue, size_t nue, size_t ufile)
{
    struct scope_index ox, ux;
    scope_index_init(&ox, om, nom, oe, noe);
    scope_index_init(&ux, um, num, ue, nue);
    for (size_t i = 0; i < nom && !c->too_deep; i++) {
        if (ox.msg_index[i] < 0)
            continue;
        size_t k;
        bool found = proto_map_get(&ux.messages, om[i]->name, &k);
        if (push(c, om[i]->name))
            break;
        if (!found) {
            add(c, MESSAGE_REMOVED);
        } else {
            compare_message(c, om[i], ofile, um[k], ufile);
            if (ox.msg_index[i] != ux.msg_index[k])
                add(c, MESSAGE_MOVED);
        }
        pop(c);
    }
    for (size_t i = 0; i < num; i++) {
        size_t k;
        if (ux.msg_index[i] >= 0 && !proto_map_get(&ox.messages, um[i]->name, &k))
            add_at(c, um[i]->name, MESSAGE_ADDED);
    }
    for (size_t i = 0; i < noe; i++) {
        size_t k;
        if (push(c, oe[i]->name))
            break;
        if (!proto_map_get(&ux.enums, oe[i]->name, &k))
            add(c, ENUM_REMOVED);
        else
            compare_enum(c, oe[i], ue[k]);
        pop(c);
    }
    for (size_t j = 0; j < nue; j++) {
        size_t k;
        if (!proto_map_get(&ox.enums, ue[j]->name, &k))
            add_at(c, ue[j]->name, ENUM_ADDED);
    }
    scope_index_free(&ox);
    scope_index_free(&ux);
}

/* What compare_files() reports into its result. */
enum report_mode {
    REPORT_BREAKS,  /* incompatible changes, as Confluent-style messages (compat_can_read) */
    REPORT_CHANGES, /* every change as "KIND path" (compat_diff) */
};

/* Compares the writer's main file (the original) with the reader's (the update) and reports
 * the differences found into res as mode says. */
static int compare_files(const struct proto_pool *rpool, size_t rmain, const struct proto_pool *wpool,
                         size_t wmain, enum report_mode mode, struct compat_result *res, struct sr_error *err)
{
    /* every message of either side is compared about once; the fixed part covers imported
     * types compared through fields */
    size_t budget = PROTO_COMPARE_BUDGET;
    for (size_t i = 0; i < rpool->nsyms; i++)
        budget += rpool->syms[i].kind == PROTO_SYM_MESSAGE;
    for (size_t i = 0; i < wpool->nsyms; i++)
        budget += wpool->syms[i].kind == PROTO_SYM_MESSAGE;
    struct memo memo = {0};
    struct ctx *c = sr_xcalloc(1, sizeof(*c));
    *c = (struct ctx){.orig = {wpool, wmain}, .upd = {rpool, rmain}, .budget = &budget, .memo = &memo};
    const Google__Protobuf__FileDescriptorProto *o = wpool->files[wmain], *u = rpool->files[rmain];
    const char *op = o->package ? o->package : "", *up = u->package ? u->package : "";
    if (strcmp(op, up) != 0)
        add(c, PACKAGE_CHANGED);
    compare_nested(c, o->message_type, o->n_message_type, o->enum_type, o->n_enum_type, wmain,
                   u->message_type, u->n_message_type, u->enum_type, u->n_enum_type, rmain);
    int rc = 0;
    if (c->too_deep) {
        rc = sr_error_set(
            err, SR_ERR_INVALID_SCHEMA,
            "Protobuf schemas nested too deeply or too interlinked to compare (limits: depth %d, "
            "%d message comparisons)",
            COMPAT_MAX_DEPTH, PROTO_COMPARE_BUDGET);
    } else {
        for (size_t i = 0; i < c->ndiffs; i++) {
            const struct kind_info *k = &kinds[c->diffs[i].kind];
            if (mode == REPORT_CHANGES) {
                compat_result_add(res, "%s %s", k->name, c->diffs[i].path);
            } else if (!k->compatible) {
                /* the table's descriptions hold one "%s" for the path */
                const char *at = strstr(k->what, "%s");
                compat_result_add(res, "{errorType:\"%s\", description:\"%.*s%s%s\"}", k->name,
                                  (int)(at - k->what), k->what, c->diffs[i].path, at + 2);
            }
        }
    }
    for (size_t i = 0; i < c->ndiffs; i++)
        free(c->diffs[i].path);
    free(c->diffs);
    while (c->npath)
        pop(c);
    free(c);
    free(memo.v);
    return rc;
}

int proto_can_read(const struct proto_pool *rpool, size_t rmain, const struct proto_pool *wpool, size_t wmain,
                   struct compat_result *res, struct sr_error *err)
{
    return compare_files(rpool, rmain, wpool, wmain, REPORT_BREAKS, res, err);
}

/* Every difference, compatible or not, as "KIND path" messages (res->compatible means
 * nothing here): the change list of schema-compat diff (compat_diff() in compat.c). */
int proto_changes(const struct proto_pool *rpool, size_t rmain, const struct proto_pool *wpool, size_t wmain,
                  struct compat_result *changes, struct sr_error *err)
{
    return compare_files(rpool, rmain, wpool, wmain, REPORT_CHANGES, changes, err);
}
