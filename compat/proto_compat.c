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

static const struct {
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

static const struct proto_sym *lookup(const struct side *s, const char *type_name)
{
    if (!type_name)
        return NULL;
    return proto_pool_find(s->pool, type_name[0] == '.' ? type_name + 1 : type_name);
}

static bool is_map_entry(const Google__Protobuf__DescriptorProto *m)
{
    return m->options && m->options->has_map_entry && m->options->map_entry;
}

static bool is_synthetic(const Google__Protobuf__DescriptorProto *m, int32_t oneof)
{
    size_t n = 0;
    bool opt = false;
    for (size_t i = 0; i < m->n_field; i++)
        if (m->field[i]->has_oneof_index && m->field[i]->oneof_index == oneof) {
            n++;
            opt = m->field[i]->proto3_optional;
        }
    return n == 1 && opt;
}

/* The real oneof a field belongs to (NULL outside one or in a proto3-optional one). */
static const char *oneof_of(const Google__Protobuf__DescriptorProto *m,
                            const Google__Protobuf__FieldDescriptorProto *f)
{
    if (!f->has_oneof_index || f->oneof_index < 0 || (size_t)f->oneof_index >= m->n_oneof_decl ||
        is_synthetic(m, f->oneof_index))
        return NULL;
    return m->oneof_decl[f->oneof_index]->name;
}

static const Google__Protobuf__FieldDescriptorProto *field_by_tag(const Google__Protobuf__DescriptorProto *m,
                                                                  int32_t tag)
{
    for (size_t i = 0; i < m->n_field; i++)
        if (m->field[i]->number == tag)
            return m->field[i];
    return NULL;
}

static bool has_oneof(const Google__Protobuf__DescriptorProto *m, const char *name)
{
    for (size_t i = 0; i < m->n_oneof_decl; i++)
        if (!is_synthetic(m, (int32_t)i) && strcmp(m->oneof_decl[i]->name, name) == 0)
            return true;
    return false;
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

static struct ftype ftype_of(const struct side *s, const Google__Protobuf__DescriptorProto *owner,
                             const Google__Protobuf__FieldDescriptorProto *f, size_t file)
{
    struct ftype t = {.type = f->type, .type_name = f->type_name};
    const struct proto_sym *sym = f->type == FT(MESSAGE) ? lookup(s, f->type_name) : NULL;
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
    const struct proto_sym *os = lookup(&c->orig, o->type_name), *us = lookup(&c->upd, u->type_name);
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

static void compare_field(struct ctx *c, const Google__Protobuf__DescriptorProto *om,
                          const Google__Protobuf__FieldDescriptorProto *of, size_t ofile,
                          const Google__Protobuf__DescriptorProto *um,
                          const Google__Protobuf__FieldDescriptorProto *uf, size_t ufile)
{
    if (strcmp(of->name, uf->name) != 0)
        add(c, FIELD_NAME_CHANGED);
    struct ftype ot = ftype_of(&c->orig, om, of, ofile), ut = ftype_of(&c->upd, um, uf, ufile);
    compare_types(c, &ot, ofile, &ut, ufile);
}

/* ---- messages -------------------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void compare_nested(struct ctx *c, Google__Protobuf__DescriptorProto *const *om, size_t nom,
                           Google__Protobuf__EnumDescriptorProto *const *oe, size_t noe, size_t ofile,
                           Google__Protobuf__DescriptorProto *const *um, size_t num,
                           Google__Protobuf__EnumDescriptorProto *const *ue, size_t nue, size_t ufile);

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
        /* removed oneofs none of whose members survive anywhere: a clean deletion */
        bool *deleted = sr_xcalloc(o->n_oneof_decl + 1, sizeof(bool));
        for (size_t i = 0; i < o->n_oneof_decl; i++) {
            if (is_synthetic(o, (int32_t)i) || has_oneof(u, o->oneof_decl[i]->name))
                continue;
            bool survives = false;
            for (size_t j = 0; j < o->n_field; j++)
                if (o->field[j]->has_oneof_index && o->field[j]->oneof_index == (int32_t)i &&
                    field_by_tag(u, o->field[j]->number))
                    survives = true;
            deleted[i] = !survives;
        }
        /* oneofs of the reader that gather fields which were independent in the writer */
        for (size_t i = 0; i < u->n_oneof_decl; i++) {
            if (is_synthetic(u, (int32_t)i))
                continue;
            const char **groups = sr_xcalloc(u->n_field + 1, sizeof(char *));
            int32_t *top = sr_xcalloc(u->n_field + 1, sizeof(int32_t));
            size_t ngroups = 0, ntop = 0;
            for (size_t j = 0; j < u->n_field; j++) {
                const Google__Protobuf__FieldDescriptorProto *uf = u->field[j];
                if (!uf->has_oneof_index || uf->oneof_index != (int32_t)i)
                    continue;
                const Google__Protobuf__FieldDescriptorProto *of = field_by_tag(o, uf->number);
                if (!of)
                    continue; /* new field: old data never set it */
                const char *oo = oneof_of(o, of);
                if (oo) {
                    bool dup = false;
                    for (size_t k = 0; k < ngroups; k++)
                        dup |= groups[k] && strcmp(groups[k], oo) == 0;
                    if (!dup)
                        groups[ngroups++] = oo;
                } else {
                    top[ntop++] = uf->number;
                }
            }
            if (ngroups + ntop > 1)
                add_at(c, u->oneof_decl[i]->name,
                       ntop > 1 ? MULTIPLE_FIELDS_MOVED_TO_ONEOF : FIELD_MOVED_TO_EXISTING_ONEOF);
            free(groups);
            free(top);
        }
        /* oneof containers added/removed, in name order */
        const char **names = sr_xcalloc(o->n_oneof_decl + u->n_oneof_decl + 1, sizeof(char *));
        size_t nnames = 0;
        for (size_t i = 0; i < o->n_oneof_decl; i++)
            if (!is_synthetic(o, (int32_t)i))
                names[nnames++] = o->oneof_decl[i]->name;
        for (size_t i = 0; i < u->n_oneof_decl; i++)
            if (!is_synthetic(u, (int32_t)i) && !has_oneof(o, u->oneof_decl[i]->name))
                names[nnames++] = u->oneof_decl[i]->name;
        qsort(names, nnames, sizeof(*names), cmp_cstr);
        for (size_t i = 0; i < nnames; i++) {
            if (i && strcmp(names[i], names[i - 1]) == 0)
                continue;
            if (!has_oneof(u, names[i]))
                add_at(c, names[i], ONEOF_REMOVED);
            else if (!has_oneof(o, names[i]))
                add_at(c, names[i], ONEOF_ADDED);
        }
        free(names);
        /* every field by tag, in tag order */
        int32_t *tags = sr_xcalloc(o->n_field + u->n_field + 1, sizeof(int32_t));
        size_t ntags = 0;
        for (size_t i = 0; i < o->n_field; i++)
            tags[ntags++] = o->field[i]->number;
        for (size_t i = 0; i < u->n_field; i++)
            if (!field_by_tag(o, u->field[i]->number))
                tags[ntags++] = u->field[i]->number;
        qsort(tags, ntags, sizeof(*tags), cmp_int);
        for (size_t i = 0; i < ntags; i++) {
            if (i && tags[i] == tags[i - 1])
                continue;
            int32_t tag = tags[i];
            const Google__Protobuf__FieldDescriptorProto *of = field_by_tag(o, tag),
                                                         *uf = field_by_tag(u, tag);
            const char *oo = of ? oneof_of(o, of) : NULL, *uo = uf ? oneof_of(u, uf) : NULL;
            if (!uf) {
                if (oo) {
                    if (!deleted[of->oneof_index] && push(c, oo) == 0) {
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
                compare_field(c, o, of, ofile, u, uf, ufile);
                while (pushed--)
                    pop(c);
            }
        }
        free(tags);
        free(deleted);
        c->nschemas--;
    }
    compare_nested(c, o->nested_type, o->n_nested_type, o->enum_type, o->n_enum_type, ofile, u->nested_type,
                   u->n_nested_type, u->enum_type, u->n_enum_type, ufile);
    c->depth--;
}

static void compare_enum(struct ctx *c, const Google__Protobuf__EnumDescriptorProto *o,
                         const Google__Protobuf__EnumDescriptorProto *u)
{
    for (size_t i = 0; i < o->n_value; i++) {
        const Google__Protobuf__EnumValueDescriptorProto *ov = o->value[i], *uv = NULL;
        for (size_t j = 0; j < u->n_value && !uv; j++)
            if (u->value[j]->number == ov->number)
                uv = u->value[j];
        if (!uv)
            add_at_int(c, ov->number, ENUM_CONST_REMOVED);
        else if (strcmp(ov->name, uv->name) != 0)
            add_at_int(c, ov->number, ENUM_CONST_CHANGED);
    }
    for (size_t j = 0; j < u->n_value; j++) {
        bool found = false;
        for (size_t i = 0; i < o->n_value && !found; i++)
            found = o->value[i]->number == u->value[j]->number;
        if (!found)
            add_at_int(c, u->value[j]->number, ENUM_CONST_ADDED);
    }
}

/* Index of message `name` among the non-map-entry messages of a list, or -1. */
static long message_index(Google__Protobuf__DescriptorProto *const *ms, size_t n, const char *name,
                          const Google__Protobuf__DescriptorProto **out)
{
    long idx = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_map_entry(ms[i]))
            continue;
        if (strcmp(ms[i]->name, name) == 0) {
            *out = ms[i];
            return idx;
        }
        idx++;
    }
    *out = NULL;
    return -1;
}

static void compare_nested(struct ctx *c, Google__Protobuf__DescriptorProto *const *om, size_t nom,
                           Google__Protobuf__EnumDescriptorProto *const *oe, size_t noe, size_t ofile,
                           Google__Protobuf__DescriptorProto *const *um, size_t num,
                           Google__Protobuf__EnumDescriptorProto *const *ue, size_t nue, size_t ufile)
{
    for (size_t i = 0; i < nom; i++) {
        if (is_map_entry(om[i]))
            continue;
        const Google__Protobuf__DescriptorProto *o, *u;
        long oi = message_index(om, nom, om[i]->name, &o);
        long ui = message_index(um, num, om[i]->name, &u);
        if (push(c, om[i]->name))
            return;
        if (!u) {
            add(c, MESSAGE_REMOVED);
        } else {
            compare_message(c, o, ofile, u, ufile);
            if (oi != ui)
                add(c, MESSAGE_MOVED);
        }
        pop(c);
    }
    for (size_t i = 0; i < num; i++) {
        const Google__Protobuf__DescriptorProto *o;
        if (is_map_entry(um[i]) || message_index(om, nom, um[i]->name, &o) >= 0)
            continue;
        add_at(c, um[i]->name, MESSAGE_ADDED);
    }
    for (size_t i = 0; i < noe; i++) {
        const Google__Protobuf__EnumDescriptorProto *u = NULL;
        for (size_t j = 0; j < nue && !u; j++)
            if (strcmp(ue[j]->name, oe[i]->name) == 0)
                u = ue[j];
        if (push(c, oe[i]->name))
            return;
        if (!u)
            add(c, ENUM_REMOVED);
        else
            compare_enum(c, oe[i], u);
        pop(c);
    }
    for (size_t j = 0; j < nue; j++) {
        bool found = false;
        for (size_t i = 0; i < noe && !found; i++)
            found = strcmp(ue[j]->name, oe[i]->name) == 0;
        if (!found)
            add_at(c, ue[j]->name, ENUM_ADDED);
    }
}

int proto_can_read(const struct proto_pool *rpool, size_t rmain, const struct proto_pool *wpool, size_t wmain,
                   struct compat_result *res, struct sr_error *err)
{
    size_t budget = PROTO_COMPARE_BUDGET;
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
        for (size_t i = 0; i < c->ndiffs; i++)
            if (!kinds[c->diffs[i].kind].compatible) {
                /* the table's descriptions hold one "%s" for the path */
                const char *what = kinds[c->diffs[i].kind].what, *at = strstr(what, "%s");
                compat_result_add(res, "{errorType:\"%s\", description:\"%.*s%s%s\"}",
                                  kinds[c->diffs[i].kind].name, (int)(at - what), what, c->diffs[i].path,
                                  at + 2);
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
