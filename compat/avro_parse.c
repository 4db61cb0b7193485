/* SPDX-License-Identifier: Apache-2.0 */
/* avro_parse.c — our own Avro schema parser on jansson. avro-c's parser drops field
 * defaults, aliases, docs and custom properties, which the registry must store and compare,
 * so it cannot be the basis. Validation follows the Avro specification and, where the
 * specification is silent, Apache Avro Java's Schema.Parser (what Confluent runs). Every
 * recursion is bounded by COMPAT_MAX_DEPTH; jansson caps JSON nesting at 2048 before us. */
#include "avro_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sr_buf.h"

/* Default values are JSON, nested at most as deep as jansson accepts (2048); this bound
 * only makes the recursion's limit explicit. */
#define AVRO_MAX_JSON_DEPTH 4096

struct parse_ctx {
    struct avro_schema *schema;
    bool validate_defaults;
    bool in_reference;
    struct sr_error *err;
};

static const char *const primitive_names[] = {"null",  "boolean", "int",   "long",
                                              "float", "double",  "bytes", "string"};

const char *avro_type_name(enum avro_type type)
{
    static const char *const names[] = {"null",   "boolean", "int",  "long",  "float", "double", "bytes",
                                        "string", "record",  "enum", "fixed", "array", "map",    "union"};
    return names[type];
}

bool avro_is_named(enum avro_type type)
{
    return type == AVRO_RECORD || type == AVRO_ENUM || type == AVRO_FIXED;
}

static int primitive_type(const char *name)
{
    for (size_t i = 0; i < sizeof primitive_names / sizeof primitive_names[0]; i++)
        if (strcmp(name, primitive_names[i]) == 0)
            return (int)i; /* enum avro_type lists the primitives first, in this order */
    return -1;
}

static int fail(struct parse_ctx *ctx, const char *fmt, ...) SR_PRINTF(2, 3);
static int fail(struct parse_ctx *ctx, const char *fmt, ...)
{
    char detail[224];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return sr_error_set(ctx->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: %s%s",
                        ctx->in_reference ? "in a reference: " : "", detail);
}

static struct avro_node *new_node(struct parse_ctx *ctx, enum avro_type type)
{
    struct avro_schema *s = ctx->schema;
    if (s->nnodes == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->nodes = sr_xrealloc(s->nodes, s->cap * sizeof *s->nodes);
    }
    struct avro_node *n = sr_xcalloc(1, sizeof *n);
    n->type = type;
    n->id = s->nnodes;
    s->nodes[s->nnodes++] = n;
    return n;
}

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Stores key -> pos in a table with room for it and without key. */
static void index_insert(struct avro_index *ix, const char *key, size_t pos)
{
    size_t h = hash_str(key) & (ix->size - 1);
    while (ix->slots[h].key)
        h = (h + 1) & (ix->size - 1);
    ix->slots[h] = (struct avro_slot){key, pos};
    ix->used++;
}

bool avro_index_put(struct avro_index *ix, const char *key, size_t pos)
{
    if (avro_index_get(ix, key) >= 0)
        return false;
    if ((ix->used + 1) * 2 > ix->size) {
        struct avro_index grown = {.size = ix->size ? ix->size * 2 : 16};
        grown.slots = sr_xcalloc(grown.size, sizeof *grown.slots);
        for (size_t i = 0; i < ix->size; i++)
            if (ix->slots[i].key)
                index_insert(&grown, ix->slots[i].key, ix->slots[i].pos);
        free(ix->slots);
        *ix = grown;
    }
    index_insert(ix, key, pos);
    return true;
}

long avro_index_get(const struct avro_index *ix, const char *key)
{
    if (!ix->size)
        return -1;
    for (size_t h = hash_str(key) & (ix->size - 1); ix->slots[h].key; h = (h + 1) & (ix->size - 1))
        if (strcmp(ix->slots[h].key, key) == 0)
            return (long)ix->slots[h].pos;
    return -1;
}

void avro_index_free(struct avro_index *ix)
{
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
}

static void props_free(struct avro_props *props)
{
    for (size_t i = 0; i < props->count; i++) {
        free(props->items[i].key);
        json_decref(props->items[i].value);
    }
    free(props->items);
}

const json_t *avro_prop_get(const struct avro_props *props, const char *key)
{
    for (size_t i = 0; i < props->count; i++)
        if (strcmp(props->items[i].key, key) == 0)
            return props->items[i].value;
    return NULL;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void node_free(struct avro_node *n)
{
    props_free(&n->props);
    free(n->name);
    free(n->space);
    free(n->fullname);
    free(n->doc);
    strv_free(n->aliases, n->naliases);
    for (size_t i = 0; i < n->nfields; i++) {
        struct avro_field *f = &n->fields[i];
        free(f->name);
        free(f->doc);
        json_decref(f->def);
        strv_free(f->aliases, f->naliases);
        props_free(&f->props);
    }
    free(n->fields);
    avro_index_free(&n->field_index);
    strv_free(n->symbols, n->nsymbols);
    avro_index_free(&n->symbol_index);
    free(n->enum_default);
    free(n->branches);
    free(n);
}

void avro_schema_free(struct avro_schema *schema)
{
    if (!schema)
        return;
    for (size_t i = 0; i < schema->nnodes; i++)
        node_free(schema->nodes[i]);
    free(schema->nodes);
    free(schema->named);
    avro_index_free(&schema->named_index);
    free(schema);
}

/* Avro names: [A-Za-z_][A-Za-z0-9_]* (ASCII only, per the specification). */
static bool valid_name(const char *s, size_t len)
{
    if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return false;
    return true;
}

static struct avro_node *find_named(const struct avro_schema *s, const char *fullname)
{
    long i = avro_index_get(&s->named_index, fullname);
    return i < 0 ? NULL : s->named[i];
}

static char *join_name(const char *space, const char *name)
{
    if (!space || !*space)
        return sr_xstrdup(name);
    size_t ls = strlen(space), ln = strlen(name);
    char *full = sr_xmalloc(ls + 1 + ln + 1);
    memcpy(full, space, ls);
    full[ls] = '.';
    memcpy(full + ls + 1, name, ln + 1);
    return full;
}

/* Resolves a type written as a string: a primitive, or a name looked up in the enclosing
 * namespace first and then as written (Java's Names.get does the same). Returns a borrowed
 * node, a new primitive node, or NULL with err set. */
static struct avro_node *resolve_name(struct parse_ctx *ctx, const char *name, const char *space)
{
    int prim = primitive_type(name);
    if (prim >= 0)
        return new_node(ctx, (enum avro_type)prim);
    struct avro_node *n = NULL;
    if (!strchr(name, '.') && space) {
        char *full = join_name(space, name);
        n = find_named(ctx->schema, full);
        free(full);
    }
    if (!n)
        n = find_named(ctx->schema, name);
    if (!n) {
        fail(ctx, "Undefined name: \"%s\"", name);
        return NULL;
    }
    return n;
}

static bool is_reserved(const char *key, const char *const *reserved)
{
    for (; *reserved; reserved++)
        if (strcmp(key, *reserved) == 0)
            return true;
    return false;
}

/* Copies every member not in `reserved` into props, in input order. */
static void collect_props(const json_t *obj, const char *const *reserved, struct avro_props *props)
{
    const char *key;
    json_t *value;
    size_t n = 0;
    json_object_foreach((json_t *)obj, key, value)
    {
        if (!is_reserved(key, reserved))
            n++;
    }
    if (!n)
        return;
    props->items = sr_xcalloc(n, sizeof *props->items);
    json_object_foreach((json_t *)obj, key, value)
    {
        if (is_reserved(key, reserved))
            continue;
        props->items[props->count].key = sr_xstrdup(key);
        props->items[props->count].value = json_incref(value);
        props->count++;
    }
}

/* Java's getOptionalText: a non-string value counts as absent. */
static const char *optional_text(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Parses "aliases" (absent, or an array of strings; duplicates collapse as in Java's
 * LinkedHashSet). With space_of_type set, each alias is resolved to a full name. */
static int parse_aliases(struct parse_ctx *ctx, const json_t *obj, bool named, const char *space, char ***out,
                         size_t *nout)
{
    const json_t *arr = json_object_get(obj, "aliases");
    size_t i;
    const json_t *a;
    struct avro_index seen = {0};
    int rc = 0;
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return fail(ctx, "aliases not an array");
    *out = sr_xcalloc(json_array_size(arr), sizeof **out);
    json_array_foreach(arr, i, a)
    {
        const char *alias = json_string_value(a);
        if (!alias) {
            rc = fail(ctx, "alias not a string");
            break;
        }
        char *full;
        if (named) {
            const char *dot = strrchr(alias, '.');
            const char *simple = dot ? dot + 1 : alias;
            if (!valid_name(simple, strlen(simple))) {
                rc = fail(ctx, "Illegal alias name: \"%s\"", alias);
                break;
            }
            full = dot ? sr_xstrdup(alias) : join_name(space, alias);
        } else {
            full = sr_xstrdup(alias);
        }
        if (!avro_index_put(&seen, full, *nout)) {
            free(full);
            continue;
        }
        (*out)[(*nout)++] = full;
    }
    avro_index_free(&seen);
    return rc;
}

static int parse_schema(struct parse_ctx *ctx, const json_t *j, const char *space, int depth,
                        struct avro_node **out);

/* Is `value` a valid default for `type`? As Apache Avro Java 1.12's Schema.isValidDefault,
 * which Confluent's server runs: a union default may match ANY branch (the specification
 * says the first, Java relaxed it and Confluent users rely on that); bytes, fixed and enum
 * defaults are any string (Java does not look the symbol up); float/double accept integers. */
static bool valid_default(const struct avro_node *type, const json_t *value, int depth)
{
    if (depth > AVRO_MAX_JSON_DEPTH)
        return false;
    switch (type->type) {
    case AVRO_NULL:
        return json_is_null(value);
    case AVRO_BOOLEAN:
        return json_is_boolean(value);
    case AVRO_INT:
        return json_is_integer(value) && json_integer_value(value) >= INT32_MIN &&
               json_integer_value(value) <= INT32_MAX;
    case AVRO_LONG:
        return json_is_integer(value);
    case AVRO_FLOAT:
    case AVRO_DOUBLE:
        return json_is_number(value);
    case AVRO_BYTES:
    case AVRO_STRING:
    case AVRO_FIXED:
    case AVRO_ENUM:
        return json_is_string(value);
    case AVRO_ARRAY: {
        size_t i;
        const json_t *v;
        if (!json_is_array(value))
            return false;
        json_array_foreach(value, i, v)
        {
            if (!valid_default(type->items, v, depth + 1))
                return false;
        }
        return true;
    }
    case AVRO_MAP: {
        const char *k;
        const json_t *v;
        if (!json_is_object(value))
            return false;
        json_object_foreach((json_t *)value, k, v)
        {
            if (!valid_default(type->items, v, depth + 1))
                return false;
        }
        return true;
    }
    case AVRO_UNION:
        for (size_t i = 0; i < type->nbranches; i++)
            if (valid_default(type->branches[i], value, depth + 1))
                return true;
        return false;
    case AVRO_RECORD:
        /* A record whose fields are still being parsed cannot be checked (Java fails the
         * same way: "Schema fields not set yet"). */
        if (!json_is_object(value) || !type->fields_set)
            return false;
        for (size_t i = 0; i < type->nfields; i++) {
            const struct avro_field *f = &type->fields[i];
            const json_t *v = json_object_get(value, f->name);
            if (v) {
                if (!valid_default(f->type, v, depth + 1))
                    return false;
            } else if (!f->def) {
                return false; /* the field's own default was validated when it was parsed */
            }
        }
        return true;
    }
    return false;
}

/* Java converts a string default of a float/double field with Double.parseDouble(). Returns a
 * new JSON value (a real, or for NaN/Infinity the string Jackson prints for them), or NULL
 * when Java would throw NumberFormatException. */
static json_t *java_double_default(const char *text)
{
    size_t len = strlen(text);
    while (len && (unsigned char)text[len - 1] <= ' ')
        len--;
    while (len && (unsigned char)*text <= ' ') {
        text++;
        len--;
    }
    char *s = sr_xstrndup(text, len);
    json_t *out = NULL;
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (strcmp(p, "NaN") == 0) {
        out = json_string("NaN");
    } else if (strcmp(p, "Infinity") == 0) {
        out = json_string(neg ? "-Infinity" : "Infinity");
    } else if (isdigit((unsigned char)*p) || *p == '.') {
        size_t l = strlen(s);
        if (l && strchr("fFdD", s[l - 1]))
            s[l - 1] = '\0';
        if (!(p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))) {
            char *end;
            double d = strtod(s, &end);
            /* Out of range reads as Infinity in Java too. */
            if (*end == '\0' && end != s)
                out = isinf(d) ? json_string(d < 0 ? "-Infinity" : "Infinity") : json_real(d);
        }
    }
    free(s);
    return out;
}

static int parse_fields(struct parse_ctx *ctx, struct avro_node *rec, const json_t *obj, int depth)
{
    static const char *const field_reserved[] = {"default", "doc", "name", "order", "type", "aliases", NULL};
    const json_t *fields = json_object_get(obj, "fields");
    size_t i;
    const json_t *fj;
    if (!json_is_array(fields))
        return fail(ctx, "Record has no fields: %s", rec->fullname);
    rec->fields = sr_xcalloc(json_array_size(fields), sizeof *rec->fields);
    json_array_foreach(fields, i, fj)
    {
        struct avro_field *f = &rec->fields[rec->nfields];
        const char *name = json_is_object(fj) ? optional_text(fj, "name") : NULL;
        if (!name)
            return fail(ctx, "No field name in record %s", rec->fullname);
        if (!valid_name(name, strlen(name)))
            return fail(ctx, "Illegal field name: \"%s\" in record %s", name, rec->fullname);
        /* Counted from here on so that node_free releases what we attach. */
        rec->nfields++;
        f->name = sr_xstrdup(name);
        if (!avro_index_put(&rec->field_index, f->name, rec->nfields - 1))
            return fail(ctx, "Duplicate field %s in record %s", name, rec->fullname);
        const char *doc = optional_text(fj, "doc");
        if (doc)
            f->doc = sr_xstrdup(doc);
        const json_t *type = json_object_get(fj, "type");
        if (!type)
            return fail(ctx, "No field type: %s in record %s", name, rec->fullname);
        if (parse_schema(ctx, type, rec->space, depth + 1, &f->type) < 0)
            return -1;
        const json_t *order = json_object_get(fj, "order");
        f->order = AVRO_ORDER_ASCENDING;
        if (order) {
            const char *o = json_string_value(order);
            if (o && strcasecmp(o, "ascending") == 0)
                f->order = AVRO_ORDER_ASCENDING;
            else if (o && strcasecmp(o, "descending") == 0)
                f->order = AVRO_ORDER_DESCENDING;
            else if (o && strcasecmp(o, "ignore") == 0)
                f->order = AVRO_ORDER_IGNORE;
            else
                return fail(ctx, "Invalid order for field %s", name);
        }
        const json_t *def = json_object_get(fj, "default");
        if (def) {
            if ((f->type->type == AVRO_FLOAT || f->type->type == AVRO_DOUBLE) && json_is_string(def)) {
                f->def = java_double_default(json_string_value(def));
                if (!f->def)
                    return fail(ctx, "Invalid default for field %s: %s is not a number", name,
                                json_string_value(def));
            } else {
                f->def = json_incref((json_t *)def);
                if (ctx->validate_defaults && !valid_default(f->type, def, 0)) {
                    char *txt = json_dumps(def, JSON_COMPACT | JSON_ENCODE_ANY);
                    fail(ctx, "Invalid default for field %s: %.80s not a %s", name, txt ? txt : "?",
                         avro_type_name(f->type->type));
                    free(txt);
                    return -1;
                }
            }
        }
        if (parse_aliases(ctx, fj, false, NULL, &f->aliases, &f->naliases) < 0)
            return -1;
        collect_props(fj, field_reserved, &f->props);
    }
    rec->fields_set = true;
    return 0;
}

static int parse_enum(struct parse_ctx *ctx, struct avro_node *n, const json_t *obj)
{
    const json_t *symbols = json_object_get(obj, "symbols");
    size_t i;
    const json_t *sj;
    if (!json_is_array(symbols))
        return fail(ctx, "Enum has no symbols: %s", n->fullname);
    n->symbols = sr_xcalloc(json_array_size(symbols), sizeof *n->symbols);
    json_array_foreach(symbols, i, sj)
    {
        const char *sym = json_string_value(sj);
        if (!sym || !valid_name(sym, strlen(sym)))
            return fail(ctx, "Illegal enum symbol in %s", n->fullname);
        char *copy = n->symbols[n->nsymbols++] = sr_xstrdup(sym);
        if (!avro_index_put(&n->symbol_index, copy, n->nsymbols - 1))
            return fail(ctx, "Duplicate enum symbol: %s", sym);
    }
    /* Java 1.12 reads the enum default with textValue(): a default that is not a string is
     * ignored (no default, and "default" is reserved, so not a property either); a string
     * must be one of the symbols. */
    const char *d = json_string_value(json_object_get(obj, "default"));
    if (d) {
        if (avro_index_get(&n->symbol_index, d) < 0)
            return fail(ctx, "The Enum Default: %s is not in the enum symbol set of %s", d, n->fullname);
        n->enum_default = sr_xstrdup(d);
    }
    return 0;
}

static int parse_union(struct parse_ctx *ctx, const json_t *arr, const char *space, int depth,
                       struct avro_node **out)
{
    struct avro_node *u = new_node(ctx, AVRO_UNION);
    struct avro_index seen = {0};
    size_t i;
    const json_t *bj;
    int rc = 0;
    *out = u;
    u->branches = sr_xcalloc(json_array_size(arr), sizeof *u->branches);
    json_array_foreach(arr, i, bj)
    {
        struct avro_node *b;
        if (parse_schema(ctx, bj, space, depth + 1, &b) < 0) {
            rc = -1;
            break;
        }
        if (b->type == AVRO_UNION) {
            rc = fail(ctx, "Unions may not immediately contain other unions");
            break;
        }
        /* Branches are unique by full name for named types, by type name otherwise. */
        const char *key = avro_is_named(b->type) ? b->fullname : avro_type_name(b->type);
        if (!avro_index_put(&seen, key, u->nbranches)) {
            rc = fail(ctx, "Duplicate in union: %s", key);
            break;
        }
        u->branches[u->nbranches++] = b;
    }
    avro_index_free(&seen);
    return rc;
}

/* Records being compared, to stop on recursive types (Java's SEEN_EQUALS). */
struct pair_stack {
    const struct avro_node **pairs; /* 2 per entry */
    size_t count;
    size_t cap;
};

static bool props_equal(const struct avro_props *a, const struct avro_props *b)
{
    /* Java compares props as maps: order does not matter. */
    struct avro_index keys = {0};
    bool same = a->count == b->count;
    for (size_t i = 0; same && i < b->count; i++)
        avro_index_put(&keys, b->items[i].key, i);
    for (size_t i = 0; same && i < a->count; i++) {
        long k = avro_index_get(&keys, a->items[i].key);
        same = k >= 0 && json_equal(a->items[i].value, b->items[k].value);
    }
    avro_index_free(&keys);
    return same;
}

/* Java's Schema.equals(): kind, full name, props, and the structure (fields with their
 * names, types, defaults, order and props; symbols; size; items; branches). Docs, aliases
 * and enum defaults do not take part, as in Java. */
static bool nodes_equal(const struct avro_node *a, const struct avro_node *b, struct pair_stack *seen,
                        int depth)
{
    if (a == b)
        return true;
    if (depth > AVRO_MAX_JSON_DEPTH || a->type != b->type || !props_equal(&a->props, &b->props))
        return false;
    if (avro_is_named(a->type) && strcmp(a->fullname, b->fullname) != 0)
        return false;
    switch (a->type) {
    case AVRO_RECORD: {
        if (!a->fields_set || !b->fields_set || a->nfields != b->nfields)
            return false;
        for (size_t i = 0; i < seen->count; i++)
            if (seen->pairs[2 * i] == a && seen->pairs[2 * i + 1] == b)
                return true; /* already being compared further up */
        if (seen->count == seen->cap) {
            seen->cap = seen->cap ? seen->cap * 2 : 8;
            seen->pairs = sr_xrealloc(seen->pairs, 2 * seen->cap * sizeof *seen->pairs);
        }
        seen->pairs[2 * seen->count] = a;
        seen->pairs[2 * seen->count + 1] = b;
        seen->count++;
        bool same = true;
        for (size_t i = 0; i < a->nfields && same; i++) {
            const struct avro_field *fa = &a->fields[i], *fb = &b->fields[i];
            same = strcmp(fa->name, fb->name) == 0 && fa->order == fb->order && !fa->def == !fb->def &&
                   (!fa->def || json_equal(fa->def, fb->def)) && props_equal(&fa->props, &fb->props) &&
                   nodes_equal(fa->type, fb->type, seen, depth + 1);
        }
        seen->count--;
        return same;
    }
    case AVRO_ENUM:
        if (a->nsymbols != b->nsymbols)
            return false;
        for (size_t i = 0; i < a->nsymbols; i++)
            if (strcmp(a->symbols[i], b->symbols[i]) != 0)
                return false;
        return true;
    case AVRO_FIXED:
        return a->size == b->size;
    case AVRO_ARRAY:
    case AVRO_MAP:
        return nodes_equal(a->items, b->items, seen, depth + 1);
    case AVRO_UNION:
        if (a->nbranches != b->nbranches)
            return false;
        for (size_t i = 0; i < a->nbranches; i++)
            if (!nodes_equal(a->branches[i], b->branches[i], seen, depth + 1))
                return false;
        return true;
    default:
        return true;
    }
}

/* Defines a named type: name and namespace resolution (a dotted name carries its own
 * namespace; otherwise "namespace", else the enclosing one), validation, registration. */
static int define_named(struct parse_ctx *ctx, struct avro_node *n, const json_t *obj, const char *space)
{
    const char *name = optional_text(obj, "name");
    const char *ns = optional_text(obj, "namespace");
    if (!name)
        return fail(ctx, "No name in schema of type %s", avro_type_name(n->type));
    const char *dot = strrchr(name, '.');
    if (dot) {
        n->space = sr_xstrndup(name, (size_t)(dot - name));
        n->name = sr_xstrdup(dot + 1);
    } else {
        n->name = sr_xstrdup(name);
        const char *sp = ns ? ns : space;
        if (sp)
            n->space = sr_xstrdup(sp);
    }
    if (n->space && !*n->space) {
        free(n->space);
        n->space = NULL;
    }
    /* Only the simple name is validated: Java's Name does not check the namespace, and
     * refusing namespaces Confluent accepts (e.g. "com.my-company") would break clients. */
    if (!valid_name(n->name, strlen(n->name)))
        return fail(ctx, "Illegal name: \"%s\"", name);
    n->fullname = join_name(n->space, n->name);
    if (primitive_type(n->fullname) >= 0)
        return fail(ctx, "Schemas may not be named after primitives: %s", n->fullname);
    struct avro_node *existing = find_named(ctx->schema, n->fullname);
    if (existing) {
        /* Java (Avro 1.12) accepts a redefinition equal to the first one; Java clients rely
         * on it when a referenced record's nested types are written out again by
         * Schema.toString(). parse_object() compares once the body is parsed. */
        n->shadow_of = existing;
        return 0;
    }
    const char *doc = optional_text(obj, "doc");
    if (doc)
        n->doc = sr_xstrdup(doc);
    n->from_reference = ctx->in_reference;
    struct avro_schema *s = ctx->schema;
    if (s->nnamed == s->named_cap) {
        s->named_cap = s->named_cap ? s->named_cap * 2 : 8;
        s->named = sr_xrealloc(s->named, s->named_cap * sizeof *s->named);
    }
    /* Registered before the body is parsed, so a record can refer to itself. */
    avro_index_put(&s->named_index, n->fullname, s->nnamed);
    s->named[s->nnamed++] = n;
    return 0;
}

static int parse_object(struct parse_ctx *ctx, const json_t *obj, const char *space, int depth,
                        struct avro_node **out)
{
    static const char *const schema_reserved[] = {
        "doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases", NULL};
    static const char *const enum_reserved[] = {"doc",     "fields", "items", "name",    "namespace", "size",
                                                "symbols", "values", "type",  "aliases", "default",   NULL};
    const char *type = optional_text(obj, "type");
    struct avro_node *n;
    if (!type)
        return fail(ctx, "No type");
    int prim = primitive_type(type);
    if (prim >= 0) {
        n = new_node(ctx, (enum avro_type)prim);
    } else if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        n = new_node(ctx, AVRO_RECORD);
        n->is_error = type[0] == 'e';
        if (define_named(ctx, n, obj, space) < 0 || parse_fields(ctx, n, obj, depth) < 0)
            return -1;
    } else if (strcmp(type, "enum") == 0) {
        n = new_node(ctx, AVRO_ENUM);
        if (define_named(ctx, n, obj, space) < 0 || parse_enum(ctx, n, obj) < 0)
            return -1;
    } else if (strcmp(type, "fixed") == 0) {
        n = new_node(ctx, AVRO_FIXED);
        if (define_named(ctx, n, obj, space) < 0)
            return -1;
        const json_t *size = json_object_get(obj, "size");
        if (!json_is_integer(size) || json_integer_value(size) < 0 || json_integer_value(size) > INT32_MAX)
            return fail(ctx, "Invalid or no size: fixed %s", n->fullname);
        n->size = json_integer_value(size);
    } else if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
        bool is_array = type[0] == 'a';
        const json_t *inner = json_object_get(obj, is_array ? "items" : "values");
        if (!inner)
            return fail(ctx, is_array ? "Array has no items type" : "Map has no values type");
        n = new_node(ctx, is_array ? AVRO_ARRAY : AVRO_MAP);
        if (parse_schema(ctx, inner, space, depth + 1, &n->items) < 0)
            return -1;
    } else {
        /* {"type": "SomeName"}: a reference to a named type; its other members are dropped,
         * as Java does ("For unions with self reference"). */
        n = resolve_name(ctx, type, space);
        if (!n)
            return -1;
        *out = n;
        return 0;
    }
    if (avro_is_named(n->type) && parse_aliases(ctx, obj, true, n->space, &n->aliases, &n->naliases) < 0)
        return -1;
    collect_props(obj, n->type == AVRO_ENUM ? enum_reserved : schema_reserved, &n->props);
    if (n->shadow_of) {
        struct pair_stack seen = {0};
        bool same = nodes_equal(n, n->shadow_of, &seen, 0);
        free(seen.pairs);
        if (!same)
            return fail(ctx, "Can't redefine: %s", n->fullname);
        n = n->shadow_of; /* the shadow stays in the node list, to be freed with it */
    }
    *out = n;
    return 0;
}

static int parse_schema(struct parse_ctx *ctx, const json_t *j, const char *space, int depth,
                        struct avro_node **out)
{
    if (depth > COMPAT_MAX_DEPTH)
        return fail(ctx, "schema nested deeper than %d levels", COMPAT_MAX_DEPTH);
    if (json_is_string(j)) {
        *out = resolve_name(ctx, json_string_value(j), space);
        return *out ? 0 : -1;
    }
    if (json_is_object(j))
        return parse_object(ctx, j, space, depth, out);
    if (json_is_array(j))
        return parse_union(ctx, j, space, depth, out);
    return fail(ctx, "a schema must be a type name, an object or an array (union)");
}

static int parse_text(struct parse_ctx *ctx, const char *text, size_t len, struct avro_node **out)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (!doc)
        return fail(ctx, "%s at line %d column %d", jerr.text, jerr.line, jerr.column);
    int rc = parse_schema(ctx, doc, NULL, 0, out);
    json_decref(doc);
    return rc;
}

struct avro_schema *avro_schema_parse(const char *text, size_t len, const struct compat_ref *refs,
                                      size_t nrefs, unsigned flags, struct sr_error *err)
{
    struct avro_schema *schema = sr_xcalloc(1, sizeof *schema);
    struct parse_ctx ctx = {
        .schema = schema,
        .validate_defaults = !(flags & COMPAT_PARSE_LENIENT),
        .in_reference = true,
        .err = err,
    };
    for (size_t i = 0; i < nrefs; i++) {
        struct avro_node *ignored;
        if (refs[i].type != SR_SCHEMA_AVRO) {
            sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: reference %s is not an Avro schema",
                         refs[i].name ? refs[i].name : "(unnamed)");
            goto fail;
        }
        if (parse_text(&ctx, refs[i].schema, refs[i].schema_len, &ignored) < 0)
            goto fail;
    }
    ctx.in_reference = false;
    if (parse_text(&ctx, text, len, &schema->root) < 0)
        goto fail;
    return schema;
fail:
    avro_schema_free(schema);
    return NULL;
}
