/* SPDX-License-Identifier: Apache-2.0 */
/* avro_print.c — Avro schema text as the registry stores and returns it.
 * Canonical: byte-for-byte what Apache Avro Java's Schema.toString() prints (Confluent's
 * AvroSchema.canonicalString()): fixed member order, a named type printed in full once and
 * then by its shortest name relative to the enclosing namespace, props in input order,
 * JSON values printed as Jackson prints a tree. Resolved: the same with the types that came
 * from references inlined at first use. Normalized: see print_normalized_node(). */
#include "avro_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

/* Printing follows the parsed graph, whose nesting parse bounded per schema text; inlining
 * references (resolved format) can stack a few of those, hence the larger bound. */
#define AVRO_PRINT_MAX_DEPTH (COMPAT_MAX_DEPTH * 16)

struct print_ctx {
    const struct avro_schema *schema;
    enum avro_print_mode mode;
    struct sr_buf *out;
    unsigned char *seen; /* by node id: named type already printed in full */
    struct sr_error *err;
};

void avro_print_string(struct sr_buf *out, const char *s)
{
    /* Jackson escapes '"', '\\' and control characters (short forms for \b \t \n \f \r,
     * else \u00XX in upper-case hex) and writes everything else, non-ASCII included, as is. */
    static const char hex[] = "0123456789ABCDEF";
    const char *run = s;
    sr_buf_putc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = NULL;
        char ubuf[7];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            if (c < 0x20) {
                snprintf(ubuf, sizeof ubuf, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
                esc = ubuf;
            }
        }
        if (esc) {
            sr_buf_append(out, run, (size_t)(s - run));
            sr_buf_puts(out, esc);
            run = s + 1;
        }
    }
    sr_buf_append(out, run, (size_t)(s - run));
    sr_buf_putc(out, '"');
}

/* Java's Double.toString() / Float.toString() as specified since JDK 19: the shortest
 * digits that read back as the value (as a float when is_float); plain notation with at
 * least one fractional digit for 1e-3 <= |d| < 1e7, else d.dddE<exp>. (JDK 17's older
 * algorithm occasionally printed one digit more; that is not reproduced.) Jackson quotes
 * the non-finite values (QUOTE_NON_NUMERIC_NUMBERS is on by default). */
static void print_java_decimal(struct sr_buf *out, double d, bool is_float)
{
    char buf[40], digits[24];
    int prec, exp10, nd = 0;
    if (isnan(d)) {
        sr_buf_puts(out, "\"NaN\"");
        return;
    }
    if (isinf(d)) {
        sr_buf_puts(out, d < 0 ? "\"-Infinity\"" : "\"Infinity\"");
        return;
    }
    if (d == 0) {
        sr_buf_puts(out, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    /* At least two significant digits: when one digit would do, Java prints the two-digit
     * decimal closest to d, e.g. 4.9E-324 rather than 5.0E-324. */
    for (prec = 1; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec, d);
        if (is_float ? (float)strtod(buf, NULL) == (float)d : strtod(buf, NULL) == d)
            break;
    }
    /* buf is [-]D[.DDD]e[+-]XX */
    const char *p = buf;
    if (*p == '-') {
        sr_buf_putc(out, '-');
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    double mag = fabs(d);
    if (mag >= 1e-3 && mag < 1e7) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                sr_buf_putc(out, i < nd ? digits[i] : '0');
            sr_buf_putc(out, '.');
            if (exp10 + 1 < nd)
                sr_buf_puts(out, digits + exp10 + 1);
            else
                sr_buf_putc(out, '0');
        } else {
            sr_buf_puts(out, "0.");
            for (int i = 0; i < -exp10 - 1; i++)
                sr_buf_putc(out, '0');
            sr_buf_puts(out, digits);
        }
    } else {
        sr_buf_putc(out, digits[0]);
        sr_buf_putc(out, '.');
        sr_buf_puts(out, nd > 1 ? digits + 1 : "0");
        sr_buf_printf(out, "E%d", exp10);
    }
}

void avro_print_double(struct sr_buf *out, double d)
{
    print_java_decimal(out, d, false);
}

static void print_json(struct sr_buf *out, const json_t *v, int depth)
{
    /* jansson refuses input nested deeper than 2048, so depth is bounded by the parser. */
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        const json_t *m;
        bool first = true;
        sr_buf_putc(out, '{');
        json_object_foreach((json_t *)v, k, m)
        {
            if (!first)
                sr_buf_putc(out, ',');
            first = false;
            avro_print_string(out, k);
            sr_buf_putc(out, ':');
            print_json(out, m, depth + 1);
        }
        sr_buf_putc(out, '}');
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        const json_t *m;
        sr_buf_putc(out, '[');
        json_array_foreach(v, i, m)
        {
            if (i)
                sr_buf_putc(out, ',');
            print_json(out, m, depth + 1);
        }
        sr_buf_putc(out, ']');
        break;
    }
    case JSON_STRING:
        avro_print_string(out, json_string_value(v));
        break;
    case JSON_INTEGER:
        sr_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        avro_print_double(out, json_real_value(v));
        break;
    case JSON_TRUE:
        sr_buf_puts(out, "true");
        break;
    case JSON_FALSE:
        sr_buf_puts(out, "false");
        break;
    case JSON_NULL:
        sr_buf_puts(out, "null");
        break;
    }
}

void avro_print_json(struct sr_buf *out, const json_t *value)
{
    print_json(out, value, 0);
}

static void key(struct sr_buf *out, bool *first, const char *k)
{
    if (!*first)
        sr_buf_putc(out, ',');
    *first = false;
    avro_print_string(out, k);
    sr_buf_putc(out, ':');
}

static void key_string(struct sr_buf *out, bool *first, const char *k, const char *v)
{
    key(out, first, k);
    avro_print_string(out, v);
}

static void print_props(struct sr_buf *out, bool *first, const struct avro_props *props)
{
    for (size_t i = 0; i < props->count; i++) {
        key(out, first, props->items[i].key);
        print_json(out, props->items[i].value, 0);
    }
}

static bool streq_null(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Java's Name.getQualified() (Avro 1.12): the simple name when the type lives in the
 * current default namespace, unless that simple name is also a type keyword ("record",
 * "int", ...), which would read back as the keyword; otherwise the full name (which is the
 * simple name for the null namespace). */
static const char *qualified(const char *space, const char *name, const char *full, const char *cur_space)
{
    if (!streq_null(space, cur_space))
        return full;
    for (int t = AVRO_NULL; t <= AVRO_UNION; t++) /* the keywords are the type names */
        if (strcmp(name, avro_type_name((enum avro_type)t)) == 0)
            return full;
    return name;
}

static void print_named_aliases(struct sr_buf *out, bool *first, const struct avro_node *n)
{
    if (!n->naliases)
        return;
    key(out, first, "aliases");
    sr_buf_putc(out, '[');
    for (size_t i = 0; i < n->naliases; i++) {
        const char *alias = n->aliases[i];
        const char *dot = strrchr(alias, '.');
        if (i)
            sr_buf_putc(out, ',');
        if (!dot) {
            avro_print_string(out, alias);
        } else {
            char *space = sr_xstrndup(alias, (size_t)(dot - alias));
            avro_print_string(out, qualified(space, dot + 1, alias, n->space));
            free(space);
        }
    }
    sr_buf_putc(out, ']');
}

static void print_strv(struct sr_buf *out, char *const *v, size_t n)
{
    sr_buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sr_buf_putc(out, ',');
        avro_print_string(out, v[i]);
    }
    sr_buf_putc(out, ']');
}

static const char *order_name(enum avro_order order)
{
    return order == AVRO_ORDER_DESCENDING ? "descending"
           : order == AVRO_ORDER_IGNORE   ? "ignore"
                                          : "ascending";
}

static int print_node(struct print_ctx *ctx, const struct avro_node *n, const char *cur_space, int depth);
static int print_fields(struct print_ctx *ctx, const struct avro_node *n, int depth);

/* A named type printed before (or, except in the resolved format, defined by a
 * reference) is written as a name; returns true when it did so. */
static bool print_name_ref(struct print_ctx *ctx, const struct avro_node *n, const char *cur_space)
{
    bool known = ctx->seen[n->id] || (n->from_reference && ctx->mode != AVRO_PRINT_RESOLVED);
    if (!known) {
        ctx->seen[n->id] = 1;
        return false;
    }
    if (ctx->mode == AVRO_PRINT_NORMALIZED)
        avro_print_string(ctx->out, n->fullname);
    else
        avro_print_string(ctx->out, qualified(n->space, n->name, n->fullname, cur_space));
    return true;
}

/* A field's members after "name" and "type", in Java's order. */
static void print_field_members(struct sr_buf *out, bool *first, const struct avro_field *f)
{
    if (f->doc)
        key_string(out, first, "doc", f->doc);
    if (f->def) {
        key(out, first, "default");
        print_json(out, f->def, 0);
    }
    if (f->order != AVRO_ORDER_ASCENDING)
        key_string(out, first, "order", order_name(f->order));
    if (f->naliases) {
        key(out, first, "aliases");
        print_strv(out, f->aliases, f->naliases);
    }
    print_props(out, first, &f->props);
}

/* What a named type holds, the same in every mode: "fields", "symbols" or "size". */
static int print_named_body(struct print_ctx *ctx, const struct avro_node *n, bool *first, int depth)
{
    switch (n->type) {
    case AVRO_RECORD:
        key(ctx->out, first, "fields");
        return print_fields(ctx, n, depth);
    case AVRO_ENUM:
        key(ctx->out, first, "symbols");
        print_strv(ctx->out, n->symbols, n->nsymbols);
        return 0;
    default: /* fixed */
        key(ctx->out, first, "size");
        sr_buf_printf(ctx->out, "%lld", (long long)n->size);
        return 0;
    }
}

/* Java Name.writeName(): "namespace" only when it differs from the enclosing default; a
 * type in the null namespace inside a namespaced one gets "namespace":"". */
static void print_namespace(struct sr_buf *out, bool *first, const struct avro_node *n, const char *cur_space)
{
    if (n->space) {
        if (!streq_null(n->space, cur_space))
            key_string(out, first, "namespace", n->space);
    } else if (cur_space) {
        key_string(out, first, "namespace", "");
    }
}

static int print_canonical_node(struct print_ctx *ctx, const struct avro_node *n, const char *cur_space,
                                int depth)
{
    struct sr_buf *out = ctx->out;
    bool first = true;
    switch (n->type) {
    case AVRO_RECORD:
    case AVRO_ENUM:
    case AVRO_FIXED:
        sr_buf_putc(out, '{');
        key_string(out, &first, "type", n->is_error ? "error" : avro_type_name(n->type));
        key_string(out, &first, "name", n->name);
        print_namespace(out, &first, n, cur_space);
        if (n->doc)
            key_string(out, &first, "doc", n->doc);
        if (print_named_body(ctx, n, &first, depth) < 0)
            return -1;
        if (n->enum_default)
            key_string(out, &first, "default", n->enum_default);
        print_props(out, &first, &n->props);
        print_named_aliases(out, &first, n);
        sr_buf_putc(out, '}');
        return 0;
    case AVRO_ARRAY:
    case AVRO_MAP:
        sr_buf_putc(out, '{');
        key_string(out, &first, "type", n->type == AVRO_ARRAY ? "array" : "map");
        key(out, &first, n->type == AVRO_ARRAY ? "items" : "values");
        if (print_node(ctx, n->items, cur_space, depth + 1) < 0)
            return -1;
        print_props(out, &first, &n->props);
        sr_buf_putc(out, '}');
        return 0;
    default: /* primitives */
        if (!n->props.count) {
            avro_print_string(out, avro_type_name(n->type));
            return 0;
        }
        sr_buf_putc(out, '{');
        key_string(out, &first, "type", avro_type_name(n->type));
        print_props(out, &first, &n->props);
        sr_buf_putc(out, '}');
        return 0;
    }
}

/* ---- Normalized form ----
 * Confluent's AvroSchema.normalize() (AvroSchemaUtils.toNormalizedString) rebuilds the
 * schema in a form adapted from Avro's Parsing Canonical Form, and so do we: every named
 * type is written with its full name and no "namespace" (except "" for a null-namespace type
 * nested in a namespaced one, which would otherwise read back in the wrong namespace);
 * members come as name, type, fields|symbols|size, logical-type attributes, then doc,
 * aliases (sorted full names), enum default, then the remaining props sorted by key; fields
 * as name, type, order (only if not ascending), doc, aliases (sorted), default, sorted props.
 * Prop values and defaults are written with object keys sorted, and defaults are converted
 * to the field's type as Java's JacksonUtils.toObject does (1 for a double prints 1.0, a
 * float keeps float precision, a value that does not fit the type is dropped). Unlike
 * Confluent, the logical attributes are not written twice and "order":"ASCENDING" is not
 * written for every field. */

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_prop_key(const void *a, const void *b)
{
    return strcmp((*(const struct avro_prop *const *)a)->key, (*(const struct avro_prop *const *)b)->key);
}

/* Writes `value` converted to `type` (NULL: untyped). Returns false, writing nothing, when
 * Java's conversion yields null (the value does not fit the type). */
static bool print_typed_json(struct sr_buf *out, const json_t *value, const struct avro_node *type)
{
    if (type && type->type == AVRO_UNION)
        type = type->nbranches ? type->branches[0] : NULL; /* the first branch, as Java */
    enum avro_type t = type ? type->type : AVRO_UNION;     /* AVRO_UNION here: untyped */
    switch (json_typeof(value)) {
    case JSON_NULL:
        sr_buf_puts(out, "null");
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
        sr_buf_puts(out, json_is_true(value) ? "true" : "false");
        return true;
    case JSON_INTEGER:
        if (t == AVRO_FLOAT || t == AVRO_DOUBLE) {
            print_java_decimal(out, (double)json_integer_value(value), t == AVRO_FLOAT);
            return true;
        }
        if (t != AVRO_UNION && t != AVRO_INT && t != AVRO_LONG)
            return false;
        sr_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return true;
    case JSON_REAL:
        if (t != AVRO_UNION && t != AVRO_FLOAT && t != AVRO_DOUBLE)
            return false;
        print_java_decimal(out, json_real_value(value), t == AVRO_FLOAT);
        return true;
    case JSON_STRING: {
        const char *sv = json_string_value(value);
        /* NaN and the infinities of float/double defaults are kept as the strings Jackson
         * writes for them. */
        bool special =
            (t == AVRO_FLOAT || t == AVRO_DOUBLE) &&
            (strcmp(sv, "NaN") == 0 || strcmp(sv, "Infinity") == 0 || strcmp(sv, "-Infinity") == 0);
        if (!special && t != AVRO_UNION && t != AVRO_STRING && t != AVRO_ENUM && t != AVRO_BYTES &&
            t != AVRO_FIXED)
            return false;
        avro_print_string(out, sv);
        return true;
    }
    case JSON_ARRAY: {
        size_t i;
        const json_t *m;
        const struct avro_node *items = t == AVRO_ARRAY ? type->items : NULL;
        sr_buf_putc(out, '[');
        json_array_foreach(value, i, m)
        {
            if (i)
                sr_buf_putc(out, ',');
            if (!print_typed_json(out, m, items))
                sr_buf_puts(out, "null");
        }
        sr_buf_putc(out, ']');
        return true;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(value), k = 0;
        const char **keys = sr_xcalloc(n ? n : 1, sizeof *keys);
        const char *key_name;
        const json_t *m;
        json_object_foreach((json_t *)value, key_name, m)
        {
            keys[k++] = key_name;
        }
        qsort(keys, n, sizeof *keys, cmp_str_ptr);
        sr_buf_putc(out, '{');
        for (k = 0; k < n; k++) {
            const struct avro_node *vt = NULL;
            if (t == AVRO_MAP) {
                vt = type->items;
            } else if (t == AVRO_RECORD) {
                long pos = avro_index_get(&type->field_index, keys[k]);
                vt = pos >= 0 ? type->fields[pos].type : NULL;
            }
            if (k)
                sr_buf_putc(out, ',');
            avro_print_string(out, keys[k]);
            sr_buf_putc(out, ':');
            if (!print_typed_json(out, json_object_get(value, keys[k]), vt))
                sr_buf_puts(out, "null");
        }
        sr_buf_putc(out, '}');
        free(keys);
        return true;
    }
    }
    return false;
}

/* The props sorted by key, skipping those already written (NULL-terminated `skip`). */
static void print_sorted_props(struct sr_buf *out, bool *first, const struct avro_props *props,
                               const char *const *skip)
{
    const struct avro_prop **sorted = sr_xcalloc(props->count ? props->count : 1, sizeof *sorted);
    for (size_t i = 0; i < props->count; i++)
        sorted[i] = &props->items[i];
    qsort(sorted, props->count, sizeof *sorted, cmp_prop_key);
    for (size_t i = 0; i < props->count; i++) {
        bool skipped = false;
        for (const char *const *s = skip; s && *s && !skipped; s++)
            skipped = strcmp(*s, sorted[i]->key) == 0;
        if (skipped)
            continue;
        key(out, first, sorted[i]->key);
        print_typed_json(out, sorted[i]->value, NULL);
    }
    free(sorted);
}

static bool prop_int(const struct avro_props *props, const char *k, long long *out)
{
    const json_t *v = avro_prop_get(props, k);
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN || json_integer_value(v) > INT32_MAX)
        return false;
    *out = json_integer_value(v);
    return true;
}

/* Java's LogicalTypes.fromSchemaIgnoreInvalid(): the logical type only counts when it is
 * known and valid for the type it annotates; otherwise it is an ordinary prop. */
static const char *valid_logical_type(const struct avro_node *n, long long *precision, long long *scale)
{
    static const struct {
        const char *name;
        enum avro_type type;
    } simple[] = {
        {"uuid", AVRO_STRING},
        {"date", AVRO_INT},
        {"time-millis", AVRO_INT},
        {"time-micros", AVRO_LONG},
        {"timestamp-millis", AVRO_LONG},
        {"timestamp-micros", AVRO_LONG},
        {"timestamp-nanos", AVRO_LONG},
        {"local-timestamp-millis", AVRO_LONG},
        {"local-timestamp-micros", AVRO_LONG},
        {"local-timestamp-nanos", AVRO_LONG},
        {"big-decimal", AVRO_BYTES},
    };
    const char *lt = json_string_value(avro_prop_get(&n->props, "logicalType"));
    if (!lt)
        return NULL;
    if (strcmp(lt, "decimal") == 0) {
        if (n->type != AVRO_BYTES && n->type != AVRO_FIXED)
            return NULL;
        if (!prop_int(&n->props, "precision", precision) || *precision <= 0)
            return NULL;
        *scale = 0;
        if (avro_prop_get(&n->props, "scale") && !prop_int(&n->props, "scale", scale))
            return NULL;
        if (*scale < 0 || *scale > *precision)
            return NULL;
        /* A fixed of `size` bytes holds at most floor(log10(2^(8 * size - 1) - 1)) digits. */
        if (n->type == AVRO_FIXED && n->size < 128 &&
            (double)*precision > floor(log10(pow(2.0, 8.0 * (double)n->size - 1.0) - 1.0)))
            return NULL;
        return lt;
    }
    if (strcmp(lt, "duration") == 0)
        return n->type == AVRO_FIXED && n->size == 12 ? lt : NULL;
    if (strcmp(lt, "uuid") == 0 && n->type == AVRO_FIXED && n->size == 16)
        return lt;
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcmp(lt, simple[i].name) == 0)
            return n->type == simple[i].type ? lt : NULL;
    return NULL;
}

/* Writes a valid logical type's attributes, then the other props sorted. */
static void print_logical_and_props(struct sr_buf *out, bool *first, const struct avro_node *n)
{
    static const char *const logical_keys[] = {"logicalType", "precision", "scale", NULL};
    long long precision = 0, scale = 0;
    const char *lt = valid_logical_type(n, &precision, &scale);
    if (!lt) {
        print_sorted_props(out, first, &n->props, NULL);
        return;
    }
    key_string(out, first, "logicalType", lt);
    if (strcmp(lt, "decimal") == 0) {
        key(out, first, "precision");
        sr_buf_printf(out, "%lld", precision);
        if (scale != 0) {
            key(out, first, "scale");
            sr_buf_printf(out, "%lld", scale);
        }
    }
    /* A decimal's "scale":0 is not a logical attribute in Java: it stays a sorted prop. */
    print_sorted_props(out, first, &n->props,
                       strcmp(lt, "decimal") == 0 && scale == 0
                           ? (const char *const[]){"logicalType", "precision", NULL}
                           : logical_keys);
}

static void print_sorted_strv(struct sr_buf *out, char *const *v, size_t n)
{
    const char **sorted = sr_xcalloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = v[i];
    qsort(sorted, n, sizeof *sorted, cmp_str_ptr);
    print_strv(out, (char *const *)sorted, n);
    free(sorted);
}

/* A field's members after "name" and "type", in the normalized order. */
static void print_field_members_normalized(struct sr_buf *out, bool *first, const struct avro_field *f)
{
    if (f->order != AVRO_ORDER_ASCENDING)
        key_string(out, first, "order", order_name(f->order));
    if (f->doc)
        key_string(out, first, "doc", f->doc);
    if (f->naliases) {
        key(out, first, "aliases");
        print_sorted_strv(out, f->aliases, f->naliases);
    }
    if (f->def) {
        /* Written to a side buffer first: a default Java cannot convert is dropped. */
        struct sr_buf def = SR_BUF_INIT;
        if (print_typed_json(&def, f->def, f->type)) {
            key(out, first, "default");
            sr_buf_append(out, def.data, def.len);
        }
        sr_buf_free(&def);
    }
    print_sorted_props(out, first, &f->props, NULL);
}

static int print_normalized_node(struct print_ctx *ctx, const struct avro_node *n, const char *cur_space,
                                 int depth)
{
    struct sr_buf *out = ctx->out;
    bool first = true;
    switch (n->type) {
    case AVRO_RECORD:
    case AVRO_ENUM:
    case AVRO_FIXED:
        sr_buf_putc(out, '{');
        key_string(out, &first, "name", n->fullname);
        if (!n->space && cur_space)
            key_string(out, &first, "namespace", "");
        key_string(out, &first, "type", n->is_error ? "error" : avro_type_name(n->type));
        if (print_named_body(ctx, n, &first, depth) < 0)
            return -1;
        if (n->doc && *n->doc)
            key_string(out, &first, "doc", n->doc);
        if (n->naliases) {
            key(out, &first, "aliases");
            print_sorted_strv(out, n->aliases, n->naliases);
        }
        if (n->enum_default)
            key_string(out, &first, "default", n->enum_default);
        if (n->type == AVRO_FIXED)
            print_logical_and_props(out, &first, n);
        else
            print_sorted_props(out, &first, &n->props, NULL);
        sr_buf_putc(out, '}');
        return 0;
    case AVRO_ARRAY:
    case AVRO_MAP:
        sr_buf_putc(out, '{');
        key_string(out, &first, "type", n->type == AVRO_ARRAY ? "array" : "map");
        key(out, &first, n->type == AVRO_ARRAY ? "items" : "values");
        if (print_node(ctx, n->items, cur_space, depth + 1) < 0)
            return -1;
        print_sorted_props(out, &first, &n->props, NULL);
        sr_buf_putc(out, '}');
        return 0;
    default:
        if (!n->props.count) {
            avro_print_string(out, avro_type_name(n->type));
            return 0;
        }
        sr_buf_putc(out, '{');
        key_string(out, &first, "type", avro_type_name(n->type));
        print_logical_and_props(out, &first, n);
        sr_buf_putc(out, '}');
        return 0;
    }
}

/* A record's fields: "name" and "type" first in every mode, then the mode's order. */
static int print_fields(struct print_ctx *ctx, const struct avro_node *n, int depth)
{
    struct sr_buf *out = ctx->out;
    sr_buf_putc(out, '[');
    for (size_t i = 0; i < n->nfields; i++) {
        const struct avro_field *f = &n->fields[i];
        bool first = true;
        if (i)
            sr_buf_putc(out, ',');
        sr_buf_putc(out, '{');
        key_string(out, &first, "name", f->name);
        key(out, &first, "type");
        if (print_node(ctx, f->type, n->space, depth + 1) < 0)
            return -1;
        if (ctx->mode == AVRO_PRINT_NORMALIZED)
            print_field_members_normalized(out, &first, f);
        else
            print_field_members(out, &first, f);
        sr_buf_putc(out, '}');
    }
    sr_buf_putc(out, ']');
    return 0;
}

static int print_node(struct print_ctx *ctx, const struct avro_node *n, const char *cur_space, int depth)
{
    if (depth > AVRO_PRINT_MAX_DEPTH)
        return sr_error_set(ctx->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: nested too deeply to print");
    if (avro_is_named(n->type) && print_name_ref(ctx, n, cur_space))
        return 0;
    if (n->type == AVRO_UNION) {
        sr_buf_putc(ctx->out, '[');
        for (size_t i = 0; i < n->nbranches; i++) {
            if (i)
                sr_buf_putc(ctx->out, ',');
            if (print_node(ctx, n->branches[i], cur_space, depth + 1) < 0)
                return -1;
        }
        sr_buf_putc(ctx->out, ']');
        return 0;
    }
    if (ctx->mode == AVRO_PRINT_NORMALIZED)
        return print_normalized_node(ctx, n, cur_space, depth);
    return print_canonical_node(ctx, n, cur_space, depth);
}

int avro_print(const struct avro_schema *schema, enum avro_print_mode mode, struct sr_buf *out,
               struct sr_error *err)
{
    struct print_ctx ctx = {
        .schema = schema,
        .mode = mode,
        .out = out,
        .seen = sr_xcalloc(schema->nnodes ? schema->nnodes : 1, 1),
        .err = err,
    };
    int rc = print_node(&ctx, schema->root, NULL, 0);
    free(ctx.seen);
    return rc;
}
