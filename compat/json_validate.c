/* SPDX-License-Identifier: Apache-2.0 */
/* json_validate.c — validates a JSON instance against a JSON Schema (drafts 4, 6, 7, 2019-09,
 * 2020-12), collecting every violation with the instance's JSON Pointer, the failing keyword's
 * location and a reason. Evaluation reads the registry's documents in place: nothing is
 * compiled ahead, so a schema costs nothing until an instance is checked. */
#include "json_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

/* In-place applicator nesting ($ref chains, allOf in allOf...) plus instance depth. A schema
 * that recurses without consuming the instance ({"$ref": "#"}) hits this and is reported as
 * an evaluation error rather than overflowing the stack. */
#define EVAL_MAX_DEPTH 1024
/* Keyword evaluations per validation: bounds exponential anyOf/oneOf nesting. */
#define EVAL_MAX_STEPS 20000000UL

/* A JSON Pointer under construction: a linked list on the C stack, innermost first. */
struct seg {
    const struct seg *up;
    const char *key; /* NULL for an array index */
    size_t idx;
};

/* The dynamic scope: schema resources entered so far, innermost first. */
struct scope {
    const struct scope *up;
    const char *base;
};

/* Annotations that unevaluatedItems / unevaluatedProperties read. Property names are the
 * instance object's own key pointers (stable while the instance lives), kept in a pointer
 * hash set so that a 100,000-member object is not a quadratic walk. */
struct annot {
    size_t items_upto;
    bool items_all;
    unsigned char *contains; /* one byte per array element, or NULL */
    size_t ncontains;
    const char **props; /* open addressing; NULL = empty slot */
    size_t nprops, cap;
};

struct vctx {
    struct json_reg *reg;
    unsigned flags;
    struct compat_json_result *res;
    int depth;
    unsigned long steps;
    bool hard;  /* evaluation error: err is set */
    bool limit; /* depth, stack or step budget exhausted */
    const void *stack_base;
    struct sr_error *err;
};

/* ---- helpers ----------------------------------------------------------------------------------- */

static void annot_free(struct annot *a)
{
    free(a->contains);
    free(a->props);
    memset(a, 0, sizeof *a);
}

static size_t prop_slot(const char *const *slots, size_t cap, const char *key)
{
    size_t h = (size_t)((uintptr_t)key * 0x9E3779B97F4A7C15ULL >> 7);
    size_t i = h & (cap - 1);
    while (slots[i] && slots[i] != key)
        i = (i + 1) & (cap - 1);
    return i;
}

static bool annot_has_prop(const struct annot *a, const char *key)
{
    return a->cap && a->props[prop_slot(a->props, a->cap, key)] == key;
}

static void annot_add_prop(struct annot *a, const char *key)
{
    if ((a->nprops + 1) * 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        const char **slots = sr_xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < a->cap; i++)
            if (a->props[i])
                slots[prop_slot(slots, cap, a->props[i])] = a->props[i];
        free(a->props);
        a->props = slots;
        a->cap = cap;
    }
    size_t i = prop_slot(a->props, a->cap, key);
    if (!a->props[i]) {
        a->props[i] = key;
        a->nprops++;
    }
}

static void annot_set_contains(struct annot *a, size_t n, size_t i)
{
    if (!a->contains) {
        a->contains = sr_xcalloc(n ? n : 1, 1);
        a->ncontains = n;
    }
    if (i < a->ncontains)
        a->contains[i] = 1;
}

static void annot_merge(struct annot *into, const struct annot *from)
{
    if (!into)
        return;
    if (from->items_upto > into->items_upto)
        into->items_upto = from->items_upto;
    into->items_all |= from->items_all;
    for (size_t i = 0; i < from->ncontains; i++)
        if (from->contains[i])
            annot_set_contains(into, from->ncontains, i);
    for (size_t i = 0; i < from->cap; i++)
        if (from->props[i])
            annot_add_prop(into, from->props[i]);
}

static void put_pointer(struct sr_buf *b, const struct seg *s)
{
    size_t n = 0;
    for (const struct seg *p = s; p; p = p->up)
        n++;
    const struct seg **v = sr_xcalloc(n ? n : 1, sizeof *v);
    size_t i = n;
    for (const struct seg *p = s; p; p = p->up)
        v[--i] = p;
    sr_buf_puts(b, "");
    for (i = 0; i < n; i++) {
        sr_buf_putc(b, '/');
        if (v[i]->key) {
            for (const char *c = v[i]->key; *c; c++) {
                if (*c == '~')
                    sr_buf_puts(b, "~0");
                else if (*c == '/')
                    sr_buf_puts(b, "~1");
                else
                    sr_buf_putc(b, *c);
            }
        } else {
            sr_buf_printf(b, "%zu", v[i]->idx);
        }
    }
    free(v);
}

static void report(struct vctx *c, const struct seg *ip, const struct seg *kp, const char *kw,
                   const char *fmt, ...) SR_PRINTF(5, 6);

static void report(struct vctx *c, const struct seg *ip, const struct seg *kp, const char *kw,
                   const char *fmt, ...)
{
    struct compat_json_result *r = c->res;
    if (!r)
        return;
    r->valid = false;
    if (r->count >= COMPAT_JSON_MAX_VIOLATIONS) {
        r->truncated = true;
        return;
    }
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->items = sr_xrealloc(r->items, r->cap * sizeof *r->items);
    }
    struct compat_json_violation *v = &r->items[r->count++];
    struct sr_buf b = SR_BUF_INIT;
    put_pointer(&b, ip);
    v->instance_path = sr_buf_steal(&b, NULL);
    struct seg k = {kp, kw, 0};
    put_pointer(&b, kw ? &k : kp);
    v->schema_path = sr_buf_steal(&b, NULL);
    va_list ap;
    va_start(ap, fmt);
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    v->message = sr_xstrdup(msg);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static bool is_integer_value(const json_t *v, enum json_draft d)
{
    if (json_is_integer(v))
        return true;
    if (json_is_real(v) && d != JSON_DRAFT4) {
        double x = json_real_value(v);
        return isfinite(x) && x == floor(x);
    }
    return false;
}

static bool type_matches(const char *t, const json_t *v, enum json_draft d)
{
    if (strcmp(t, "integer") == 0)
        return is_integer_value(v, d);
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(t, "null") == 0)
        return json_is_null(v);
    return strcmp(t, type_name(v)) == 0;
}

/* -1, 0, 1; exact for two integers. */
static int num_cmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    double x = json_number_value(a), y = json_number_value(b);
    return x < y ? -1 : x > y;
}

static bool multiple_of(const json_t *v, const json_t *m)
{
    if (json_is_integer(v) && json_is_integer(m)) {
        json_int_t d = json_integer_value(m);
        return d != 0 && json_integer_value(v) % d == 0;
    }
    double x = json_number_value(v), d = json_number_value(m);
    if (d == 0)
        return false;
    double q = x / d;
    if (!isfinite(q))
        return fmod(x, d) == 0; /* the quotient overflows; the remainder does not */
    double r = nearbyint(q);
    return fabs(q - r) <= 1e-9 * (fabs(q) > 1 ? fabs(q) : 1);
}

static size_t utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

static bool get_count(const json_t *s, const char *kw, size_t *out)
{
    const json_t *v = json_object_get(s, kw);
    if (!v)
        return false;
    double d = json_number_value(v);
    if (!json_is_number(v) || d < 0)
        return false;
    *out = d > 1e18 ? (size_t)-1 : (size_t)d;
    return true;
}

static char *jdump(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s && strlen(s) > 80) {
        strcpy(s + 72, "...");
    }
    return s ? s : sr_xstrdup("?");
}

static bool eval(struct vctx *c, const struct json_loc *loc, const json_t *inst, const struct seg *ip,
                 const struct seg *kp, const struct scope *sc, bool record, struct annot *an);

/* Evaluates a subschema of the current schema object (same resource, same draft). */
static bool eval_sub(struct vctx *c, const struct json_loc *parent, const json_t *sub, const json_t *inst,
                     const struct seg *ip, const struct seg *kp, const struct scope *sc, bool record,
                     struct annot *an)
{
    struct json_loc l = json_loc_child(c->reg, parent, sub);
    return eval(c, &l, inst, ip, kp, sc, record, an);
}

enum ref_kind { REF_STATIC, REF_RECURSIVE, REF_DYNAMIC };
static const char *const ref_keywords[] = {"$ref", "$recursiveRef", "$dynamicRef"};

/* Where a reference keyword of loc's schema leads. $ref goes to its target; $recursiveRef
 * (2019-09) and $dynamicRef (2020-12) go on to the outermost resource of the dynamic scope that
 * carries the same recursive or dynamic anchor. Returns false, with the evaluation error set,
 * when the reference does not resolve. */
static bool ref_target(struct vctx *c, const struct json_loc *loc, enum ref_kind kind, const char *ref,
                       const struct scope *scope, struct json_loc *target)
{
    char *uri = json_uri_resolve(loc->base, ref);
    bool found = json_reg_resolve(c->reg, uri, target) == 0;
    if (!found) {
        c->hard = true;
        sr_error_set(c->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: unresolvable reference '%s'", uri);
    } else if (kind == REF_RECURSIVE && json_is_true(json_object_get(target->schema, "$recursiveAnchor"))) {
        for (const struct scope *p = scope; p; p = p->up) {
            struct json_loc r;
            if (json_reg_resource(c->reg, p->base, &r) == 0 &&
                json_is_true(json_object_get(r.schema, "$recursiveAnchor")))
                *target = r; /* keeps the outermost */
        }
    } else if (kind == REF_DYNAMIC) {
        const char *frag = strchr(uri, '#');
        if (frag && frag[1] && frag[1] != '/') {
            const char *name = frag + 1;
            const char *anchor = json_string_value(json_object_get(target->schema, "$dynamicAnchor"));
            if (anchor && strcmp(anchor, name) == 0) {
                for (const struct scope *p = scope; p; p = p->up) {
                    struct json_loc r;
                    if (json_reg_dynamic_anchor(c->reg, p->base, name, &r) == 0)
                        *target = r; /* keeps the outermost */
                }
            }
        }
    }
    free(uri);
    return found;
}

/* ---- the evaluator ------------------------------------------------------------------------------ */

/* Why no branch of an anyOf/oneOf matched: the first violation of each of the first few
 * branches, as " (0: ...; 1: ...)". Only computed on the reporting path. Returns a new string. */
static char *branch_reasons(struct vctx *c, const struct json_loc *loc, const json_t *branches,
                            const char *kw, const json_t *inst, const struct seg *ip, const struct seg *kp,
                            const struct scope *sc)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_puts(&b, "");
    struct compat_json_result *saved = c->res;
    struct seg k0 = {kp, kw, 0};
    size_t n = json_array_size(branches);
    struct sr_buf here = SR_BUF_INIT;
    put_pointer(&here, ip);
    for (size_t i = 0; i < n && i < 3; i++) {
        struct compat_json_result sub;
        compat_json_result_init(&sub);
        c->res = &sub;
        struct seg k = {&k0, NULL, i};
        eval_sub(c, loc, json_array_get(branches, i), inst, ip, &k, sc, true, NULL);
        c->res = saved;
        if (sub.count > 0) {
            sr_buf_puts(&b, i == 0 ? " (" : "; ");
            /* the branch's own path only when it points deeper than the value at hand */
            const char *deeper = sub.items[0].instance_path + here.len;
            if (strncmp(sub.items[0].instance_path, here.data, here.len) != 0)
                deeper = sub.items[0].instance_path;
            sr_buf_printf(&b, "%zu: %s%s%.120s", i, deeper, deeper[0] ? " " : "", sub.items[0].message);
        }
        compat_json_result_free(&sub);
        if (c->hard)
            break;
    }
    if (b.len)
        sr_buf_puts(&b, n > 3 ? "; ...)" : ")");
    sr_buf_free(&here);
    return sr_buf_steal(&b, NULL);
}

#define FAIL(kw, ...)                                                                                        \
    do {                                                                                                     \
        ok = false;                                                                                          \
        if (!record)                                                                                         \
            goto out;                                                                                        \
        report(c, ip, kp, kw, __VA_ARGS__);                                                                  \
    } while (0)

/* A subschema failed and has reported its own violations: the verdict is known unless every
 * violation is being recorded. */
#define FAIL_SUB()                                                                                           \
    do {                                                                                                     \
        ok = false;                                                                                          \
        if (!record || c->hard)                                                                              \
            goto out;                                                                                        \
    } while (0)

/* Evaluates the schema at target against the same instance (an in-place applicator) with its
 * own annotations, merged into A on success. */
static bool apply_at(struct vctx *c, const struct json_loc *target, const json_t *inst, const struct seg *ip,
                     const struct seg *kp, const struct scope *sc, bool record, struct annot *A)
{
    struct annot child = {0};
    bool r = eval(c, target, inst, ip, kp, sc, record, A ? &child : NULL);
    if (r && A)
        annot_merge(A, &child);
    annot_free(&child);
    return r;
}

/* apply_at for sub, a subschema of loc's schema object. */
static bool apply_inplace(struct vctx *c, const struct json_loc *loc, const json_t *sub, const json_t *inst,
                          const struct seg *ip, const struct seg *kp, const struct scope *sc, bool record,
                          struct annot *A)
{
    struct json_loc l = json_loc_child(c->reg, loc, sub);
    return apply_at(c, &l, inst, ip, kp, sc, record, A);
}

static bool eval(struct vctx *c, const struct json_loc *loc, const json_t *inst, const struct seg *ip,
                 const struct seg *kp, const struct scope *sc, bool record, struct annot *an)
{
    const json_t *s = loc->schema;
    if (c->hard)
        return false;
    if (json_is_true(s))
        return true;
    if (json_is_false(s)) {
        if (record)
            report(c, ip, kp, NULL, "no value is allowed here (false schema)");
        return false;
    }
    if (!json_is_object(s))
        return true; /* not a schema: nothing to assert (the metaschema check catches it) */
    if (c->limit || ++c->steps > EVAL_MAX_STEPS || c->depth >= EVAL_MAX_DEPTH ||
        json_stack_used(c->stack_base) > JSON_MAX_STACK_BYTES) {
        /* Too deep (a deeply nested instance) or too costly: the answer is "not valid", said
         * once at the top by json_validate, never a crash or an endless walk. */
        c->limit = true;
        return false;
    }
    c->depth++;

    const enum json_draft d = loc->draft;
    bool ok = true;
    struct annot local = {0};
    struct annot *A = an;
    struct json_loc here = *loc;
    struct scope inner;
    const struct scope *scope = sc;

    if (!sc || sc->base != here.base) {
        inner.up = sc;
        inner.base = here.base;
        scope = &inner;
    }
    loc = &here;

    const unsigned vocab = d >= JSON_DRAFT2019 ? loc->vocab : JSON_VOCAB_DEFAULT;
    const bool applicators = (vocab & JSON_VOCAB_APPLICATOR) != 0;
    const bool validation = (vocab & JSON_VOCAB_VALIDATION) != 0;
    const json_t *uneval_items = d >= JSON_DRAFT2019 && (vocab & JSON_VOCAB_UNEVALUATED)
                                     ? json_object_get(s, "unevaluatedItems")
                                     : NULL;
    const json_t *uneval_props = d >= JSON_DRAFT2019 && (vocab & JSON_VOCAB_UNEVALUATED)
                                     ? json_object_get(s, "unevaluatedProperties")
                                     : NULL;
    if (!A && (uneval_items || uneval_props))
        A = &local;

    /* $ref, then the dynamic references of 2019-09 and 2020-12 */
    for (enum ref_kind kind = REF_STATIC; kind <= REF_DYNAMIC; kind++) {
        if ((kind == REF_RECURSIVE && d != JSON_DRAFT2019) || (kind == REF_DYNAMIC && d < JSON_DRAFT2020))
            continue;
        const json_t *ref = json_object_get(s, ref_keywords[kind]);
        if (!json_is_string(ref))
            continue;
        struct json_loc target;
        struct seg k = {kp, ref_keywords[kind], 0};
        if (!ref_target(c, loc, kind, json_string_value(ref), scope, &target)) {
            ok = false;
            goto out;
        }
        if (!apply_at(c, &target, inst, ip, &k, scope, record, A))
            FAIL_SUB();
        if (kind == REF_STATIC && d <= JSON_DRAFT7)
            goto out; /* drafts up to 7: $ref replaces its siblings */
    }

    if (validation) {
        /* type */
        const json_t *type = json_object_get(s, "type");
        if (json_is_string(type)) {
            if (!type_matches(json_string_value(type), inst, d))
                FAIL("type", "expected %s, found %s", json_string_value(type), type_name(inst));
        } else if (json_is_array(type)) {
            bool any = false;
            size_t i;
            json_t *t;
            json_array_foreach(type, i, t) if (json_is_string(t) &&
                                               type_matches(json_string_value(t), inst, d)) any = true;
            if (!any) {
                ok = false;
                if (!record)
                    goto out;
                char *want = jdump(type);
                report(c, ip, kp, "type", "expected one of %s, found %s", want, type_name(inst));
                free(want);
            }
        }
        const json_t *en = json_object_get(s, "enum");
        if (json_is_array(en)) {
            bool any = false;
            for (size_t i = 0; i < json_array_size(en) && !any; i++)
                any = json_value_equal(json_array_get(en, i), inst);
            if (!any) {
                ok = false;
                if (!record)
                    goto out;
                char *v = jdump(inst);
                report(c, ip, kp, "enum", "value %s is not one of the allowed values", v);
                free(v);
            }
        }
        const json_t *cn = d >= JSON_DRAFT6 ? json_object_get(s, "const") : NULL;
        if (cn && !json_value_equal(cn, inst)) {
            ok = false;
            if (!record)
                goto out;
            char *v = jdump(cn);
            report(c, ip, kp, "const", "value must be %s", v);
            free(v);
        }
        if (json_is_number(inst)) {
            const json_t *mx = json_object_get(s, "maximum");
            const json_t *mn = json_object_get(s, "minimum");
            const json_t *emx = json_object_get(s, "exclusiveMaximum");
            const json_t *emn = json_object_get(s, "exclusiveMinimum");
            const json_t *mo = json_object_get(s, "multipleOf");
            if (json_is_number(mx)) {
                bool excl = d == JSON_DRAFT4 && json_is_true(emx);
                int cmp = num_cmp(inst, mx);
                if (cmp > 0 || (excl && cmp == 0))
                    FAIL("maximum", "%g is greater than %s%g", json_number_value(inst),
                         excl ? "or equal to " : "", json_number_value(mx));
            }
            if (json_is_number(mn)) {
                bool excl = d == JSON_DRAFT4 && json_is_true(emn);
                int cmp = num_cmp(inst, mn);
                if (cmp < 0 || (excl && cmp == 0))
                    FAIL("minimum", "%g is less than %s%g", json_number_value(inst),
                         excl ? "or equal to " : "", json_number_value(mn));
            }
            if (d != JSON_DRAFT4 && json_is_number(emx) && num_cmp(inst, emx) >= 0)
                FAIL("exclusiveMaximum", "%g is not less than %g", json_number_value(inst),
                     json_number_value(emx));
            if (d != JSON_DRAFT4 && json_is_number(emn) && num_cmp(inst, emn) <= 0)
                FAIL("exclusiveMinimum", "%g is not greater than %g", json_number_value(inst),
                     json_number_value(emn));
            if (json_is_number(mo) && !multiple_of(inst, mo))
                FAIL("multipleOf", "%g is not a multiple of %g", json_number_value(inst),
                     json_number_value(mo));
        }
        if (json_is_string(inst)) {
            size_t n;
            size_t len = 0;
            bool counted = false;
            if (get_count(s, "maxLength", &n)) {
                len = utf8_length(json_string_value(inst), json_string_length(inst));
                counted = true;
                if (len > n)
                    FAIL("maxLength", "string is longer than %zu characters", n);
            }
            if (get_count(s, "minLength", &n)) {
                if (!counted)
                    len = utf8_length(json_string_value(inst), json_string_length(inst));
                if (len < n)
                    FAIL("minLength", "string is shorter than %zu characters", n);
            }
            const json_t *pat = json_object_get(s, "pattern");
            if (json_is_string(pat)) {
                const void *re = json_reg_regex(c->reg, json_string_value(pat));
                if (!re) {
                    c->hard = true;
                    sr_error_set(c->err, SR_ERR_INVALID_SCHEMA,
                                 "Invalid schema: pattern '%.100s' does not compile", json_string_value(pat));
                    ok = false;
                    goto out;
                }
                if (!json_regex_search(re, json_string_value(inst), json_string_length(inst)))
                    FAIL("pattern", "string does not match pattern '%.100s'", json_string_value(pat));
            }
        }
        if (json_is_array(inst)) {
            size_t n, len = json_array_size(inst);
            if (get_count(s, "maxItems", &n) && len > n)
                FAIL("maxItems", "array has more than %zu items", n);
            if (get_count(s, "minItems", &n) && len < n)
                FAIL("minItems", "array has fewer than %zu items", n);
            if (json_is_true(json_object_get(s, "uniqueItems")) && len > 1) {
                size_t nk;
                struct json_value_keyed *keys = json_array_keys(inst, &nk);
                size_t dup = nk;
                for (size_t i = 1; i < nk && dup == nk; i++)
                    if (keys[i].len == keys[i - 1].len &&
                        memcmp(keys[i].key, keys[i - 1].key, keys[i].len) == 0)
                        dup = i;
                size_t first = dup < nk ? keys[dup - 1].idx : 0, second = dup < nk ? keys[dup].idx : 0;
                json_array_keys_free(keys, nk);
                if (dup < nk)
                    FAIL("uniqueItems", "items %zu and %zu are equal", first, second);
            }
        }
        if (json_is_object(inst)) {
            size_t n, len = json_object_size(inst);
            if (get_count(s, "maxProperties", &n) && len > n)
                FAIL("maxProperties", "object has more than %zu properties", n);
            if (get_count(s, "minProperties", &n) && len < n)
                FAIL("minProperties", "object has fewer than %zu properties", n);
            const json_t *req = json_object_get(s, "required");
            if (json_is_array(req)) {
                size_t i;
                json_t *r;
                json_array_foreach(req, i, r)
                {
                    if (json_is_string(r) && !json_object_get(inst, json_string_value(r)))
                        FAIL("required", "required property '%s' is missing", json_string_value(r));
                }
            }
            const json_t *dr = d >= JSON_DRAFT2019 ? json_object_get(s, "dependentRequired") : NULL;
            if (json_is_object(dr)) {
                const char *key;
                json_t *arr;
                json_object_foreach((json_t *)dr, key, arr)
                {
                    if (!json_object_get(inst, key) || !json_is_array(arr))
                        continue;
                    size_t i;
                    json_t *r;
                    json_array_foreach(arr, i, r)
                    {
                        if (json_is_string(r) && !json_object_get(inst, json_string_value(r)))
                            FAIL("dependentRequired", "property '%s' requires property '%s'", key,
                                 json_string_value(r));
                    }
                }
            }
        }
    }
    /* format: an annotation unless asked to assert */
    if (json_is_string(inst)) {
        const json_t *fmt = json_object_get(s, "format");
        bool assert_format = (c->flags & JSON_VALIDATE_FORMAT) ||
                             (d >= JSON_DRAFT2020 && (loc->vocab & JSON_VOCAB_FORMAT_ASSERT));
        if (json_is_string(fmt) && assert_format &&
            !json_format_valid(json_string_value(fmt), json_string_value(inst), json_string_length(inst), d))
            FAIL("format", "string is not a valid %s", json_string_value(fmt));
    }

    /* Draft 7 lets contentEncoding / contentMediaType assert (later drafts made them
     * annotations): base64 must decode, application/json must parse. */
    if (d == JSON_DRAFT7 && json_is_string(inst)) {
        const char *enc = json_string_value(json_object_get(s, "contentEncoding"));
        const char *media = json_string_value(json_object_get(s, "contentMediaType"));
        const char *text = json_string_value(inst);
        size_t tlen = json_string_length(inst);
        char *decoded = NULL;
        bool content_ok = true;
        if (enc && strcmp(enc, "base64") == 0) {
            decoded = json_base64_decode(text, tlen, &tlen);
            if (!decoded) {
                content_ok = false;
                FAIL("contentEncoding", "string is not valid base64");
            } else {
                text = decoded;
            }
        }
        if (content_ok && media && strcmp(media, "application/json") == 0) {
            json_t *doc = json_loadb(text, tlen, JSON_DECODE_ANY, NULL);
            if (!doc) {
                free(decoded);
                FAIL("contentMediaType", "content is not valid JSON");
                decoded = NULL;
            }
            json_decref(doc);
        }
        free(decoded);
    }

    if (applicators) {
        const json_t *v;
        size_t i;
        json_t *sub;
        if (json_is_array(v = json_object_get(s, "allOf"))) {
            struct seg k0 = {kp, "allOf", 0};
            json_array_foreach(v, i, sub)
            {
                struct seg k = {&k0, NULL, i};
                if (!apply_inplace(c, loc, sub, inst, ip, &k, scope, record, A))
                    FAIL_SUB();
            }
        }
        if (json_is_array(v = json_object_get(s, "anyOf"))) {
            struct seg k0 = {kp, "anyOf", 0};
            bool any = false;
            json_array_foreach(v, i, sub)
            {
                struct seg k = {&k0, NULL, i};
                if (apply_inplace(c, loc, sub, inst, ip, &k, scope, false, A)) {
                    any = true;
                    if (!A)
                        break; /* no annotations to collect from the other branches */
                }
                if (c->hard)
                    goto fail_hard;
            }
            if (!any) {
                ok = false;
                if (!record)
                    goto out;
                char *why = branch_reasons(c, loc, v, "anyOf", inst, ip, kp, scope);
                report(c, ip, kp, "anyOf", "value does not match any of the %zu subschemas%s",
                       json_array_size(v), why);
                free(why);
            }
        }
        if (json_is_array(v = json_object_get(s, "oneOf"))) {
            struct seg k0 = {kp, "oneOf", 0};
            size_t matched = 0, first = 0, second = 0;
            json_array_foreach(v, i, sub)
            {
                struct seg k = {&k0, NULL, i};
                struct annot child = {0};
                if (eval_sub(c, loc, sub, inst, ip, &k, scope, false, A ? &child : NULL)) {
                    if (matched == 0) {
                        first = i;
                        if (A)
                            annot_merge(A, &child);
                    } else if (matched == 1) {
                        second = i;
                    }
                    matched++;
                }
                annot_free(&child);
                if (c->hard)
                    goto fail_hard;
            }
            if (matched == 0) {
                ok = false;
                if (!record)
                    goto out;
                char *why = branch_reasons(c, loc, v, "oneOf", inst, ip, kp, scope);
                report(c, ip, kp, "oneOf", "value does not match any of the %zu subschemas%s",
                       json_array_size(v), why);
                free(why);
            } else if (matched > 1)
                FAIL("oneOf", "value matches more than one subschema (%zu and %zu)", first, second);
        }
        if ((v = json_object_get(s, "not"))) {
            struct seg k = {kp, "not", 0};
            if (eval_sub(c, loc, v, inst, ip, &k, scope, false, NULL))
                FAIL("not", "value must not match the subschema");
            if (c->hard)
                goto fail_hard;
        }
        const json_t *iff = d >= JSON_DRAFT7 ? json_object_get(s, "if") : NULL;
        if (iff) {
            struct seg kif = {kp, "if", 0};
            struct annot child = {0};
            bool cond = eval_sub(c, loc, iff, inst, ip, &kif, scope, false, A ? &child : NULL);
            if (c->hard) {
                annot_free(&child);
                goto fail_hard;
            }
            if (cond && A)
                annot_merge(A, &child);
            annot_free(&child);
            const char *branch = cond ? "then" : "else";
            const json_t *b = json_object_get(s, branch);
            if (b) {
                struct seg kb = {kp, branch, 0};
                if (!apply_inplace(c, loc, b, inst, ip, &kb, scope, record, A))
                    FAIL_SUB();
            }
        }

        if (json_is_array(inst)) {
            size_t len = json_array_size(inst);
            const json_t *items = json_object_get(s, "items");
            const json_t *prefix = d >= JSON_DRAFT2020 ? json_object_get(s, "prefixItems") : NULL;
            size_t start = 0;
            const json_t *tuple = NULL;
            const char *tuple_kw = NULL;
            const json_t *rest = NULL;
            const char *rest_kw = NULL;
            if (d >= JSON_DRAFT2020) {
                if (json_is_array(prefix)) {
                    tuple = prefix;
                    tuple_kw = "prefixItems";
                }
                if (items && !json_is_array(items)) {
                    rest = items;
                    rest_kw = "items";
                }
            } else if (json_is_array(items)) {
                tuple = items;
                tuple_kw = "items";
                rest = json_object_get(s, "additionalItems");
                rest_kw = "additionalItems";
            } else if (items) {
                rest = items;
                rest_kw = "items";
            }
            if (tuple) {
                struct seg k0 = {kp, tuple_kw, 0};
                size_t n = json_array_size(tuple);
                for (i = 0; i < n && i < len; i++) {
                    struct seg k = {&k0, NULL, i};
                    struct seg ii = {ip, NULL, i};
                    if (!eval_sub(c, loc, json_array_get(tuple, i), json_array_get(inst, i), &ii, &k, scope,
                                  record, NULL))
                        FAIL_SUB();
                }
                start = n < len ? n : len;
                if (A && start > A->items_upto)
                    A->items_upto = start;
            }
            if (rest) {
                struct seg k = {kp, rest_kw, 0};
                for (i = start; i < len; i++) {
                    struct seg ii = {ip, NULL, i};
                    if (!eval_sub(c, loc, rest, json_array_get(inst, i), &ii, &k, scope, record, NULL))
                        FAIL_SUB();
                }
                if (A)
                    A->items_all = true;
            }
            const json_t *contains = d >= JSON_DRAFT6 ? json_object_get(s, "contains") : NULL;
            if (contains) {
                struct seg k = {kp, "contains", 0};
                size_t matches = 0;
                for (i = 0; i < len; i++) {
                    struct seg ii = {ip, NULL, i};
                    if (eval_sub(c, loc, contains, json_array_get(inst, i), &ii, &k, scope, false, NULL)) {
                        matches++;
                        if (A && d >= JSON_DRAFT2020)
                            annot_set_contains(A, len, i);
                    }
                    if (c->hard)
                        goto fail_hard;
                }
                size_t minc = 1, maxc = (size_t)-1;
                if (d >= JSON_DRAFT2019 && validation) {
                    get_count(s, "minContains", &minc);
                    get_count(s, "maxContains", &maxc);
                }
                if (matches < minc)
                    FAIL("contains", "array contains %zu matching items, fewer than %zu", matches, minc);
                if (matches > maxc)
                    FAIL("maxContains", "array contains %zu matching items, more than %zu", matches, maxc);
            }
        }
        if (json_is_object(inst)) {
            const json_t *props = json_object_get(s, "properties");
            const json_t *pprops = json_object_get(s, "patternProperties");
            const json_t *addl = json_object_get(s, "additionalProperties");
            const char *key;
            json_t *val;
            json_object_foreach((json_t *)inst, key, val)
            {
                struct seg ii = {ip, key, 0};
                bool matched = false;
                const json_t *ps = json_is_object(props) ? json_object_get(props, key) : NULL;
                if (ps) {
                    struct seg k0 = {kp, "properties", 0};
                    struct seg k = {&k0, key, 0};
                    matched = true;
                    if (!eval_sub(c, loc, ps, val, &ii, &k, scope, record, NULL))
                        FAIL_SUB();
                }
                if (json_is_object(pprops)) {
                    const char *pat;
                    json_t *psub;
                    json_object_foreach((json_t *)pprops, pat, psub)
                    {
                        const void *re = json_reg_regex(c->reg, pat);
                        if (!re) {
                            c->hard = true;
                            sr_error_set(c->err, SR_ERR_INVALID_SCHEMA,
                                         "Invalid schema: pattern '%.100s' does not compile", pat);
                            goto fail_hard;
                        }
                        if (!json_regex_search(re, key, strlen(key)))
                            continue;
                        matched = true;
                        struct seg k0 = {kp, "patternProperties", 0};
                        struct seg k = {&k0, pat, 0};
                        if (!eval_sub(c, loc, psub, val, &ii, &k, scope, record, NULL))
                            FAIL_SUB();
                    }
                }
                if (!matched && addl) {
                    matched = true;
                    struct seg k = {kp, "additionalProperties", 0};
                    if (json_is_false(addl)) {
                        FAIL("additionalProperties", "property '%s' is not allowed", key);
                    } else if (!eval_sub(c, loc, addl, val, &ii, &k, scope, record, NULL)) {
                        FAIL_SUB();
                    }
                }
                if (matched && A)
                    annot_add_prop(A, key);
            }
            const json_t *pn = d >= JSON_DRAFT6 ? json_object_get(s, "propertyNames") : NULL;
            if (pn) {
                struct seg k = {kp, "propertyNames", 0};
                json_object_foreach((json_t *)inst, key, val)
                {
                    json_t *name = json_string(key);
                    struct seg ii = {ip, key, 0};
                    bool r = eval_sub(c, loc, pn, name, &ii, &k, scope, false, NULL);
                    json_decref(name);
                    if (c->hard)
                        goto fail_hard;
                    if (!r)
                        FAIL("propertyNames", "property name '%s' is not valid", key);
                }
            }
            const json_t *deps = json_object_get(s, "dependencies");
            const json_t *dschemas = d >= JSON_DRAFT2019 ? json_object_get(s, "dependentSchemas") : NULL;
            if (json_is_object(deps)) {
                json_object_foreach((json_t *)deps, key, val)
                {
                    if (!json_object_get(inst, key))
                        continue;
                    if (json_is_array(val)) {
                        if (!validation)
                            continue;
                        json_t *r;
                        json_array_foreach(val, i, r)
                        {
                            if (json_is_string(r) && !json_object_get(inst, json_string_value(r)))
                                FAIL("dependencies", "property '%s' requires property '%s'", key,
                                     json_string_value(r));
                        }
                    } else {
                        struct seg k0 = {kp, "dependencies", 0};
                        struct seg k = {&k0, key, 0};
                        if (!apply_inplace(c, loc, val, inst, ip, &k, scope, record, A))
                            FAIL_SUB();
                    }
                }
            }
            if (json_is_object(dschemas)) {
                json_object_foreach((json_t *)dschemas, key, val)
                {
                    if (!json_object_get(inst, key))
                        continue;
                    struct seg k0 = {kp, "dependentSchemas", 0};
                    struct seg k = {&k0, key, 0};
                    if (!apply_inplace(c, loc, val, inst, ip, &k, scope, record, A))
                        FAIL_SUB();
                }
            }
        }
    }

    /* unevaluated*: after every other keyword of this schema object */
    if (uneval_items && json_is_array(inst) && A) {
        struct seg k = {kp, "unevaluatedItems", 0};
        size_t len = json_array_size(inst);
        for (size_t i = 0; i < len && !A->items_all; i++) {
            if (i < A->items_upto || (A->contains && i < A->ncontains && A->contains[i]))
                continue;
            struct seg ii = {ip, NULL, i};
            if (!eval_sub(c, loc, uneval_items, json_array_get(inst, i), &ii, &k, scope, record, NULL))
                FAIL_SUB();
        }
        A->items_all = true;
    }
    if (uneval_props && json_is_object(inst) && A) {
        struct seg k = {kp, "unevaluatedProperties", 0};
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)inst, key, val)
        {
            if (annot_has_prop(A, key))
                continue;
            struct seg ii = {ip, key, 0};
            if (!eval_sub(c, loc, uneval_props, val, &ii, &k, scope, record, NULL))
                FAIL_SUB();
        }
        json_object_foreach((json_t *)inst, key, val) annot_add_prop(A, key);
    }
    goto out;

fail_hard:
    ok = false;
out:
    if (A == &local)
        annot_free(&local);
    c->depth--;
    return ok && !c->hard && !c->limit;
}

int json_validate(struct json_reg *reg, const struct json_loc *root, const json_t *inst, unsigned flags,
                  struct compat_json_result *res, bool *valid, struct sr_error *err)
{
    char base;
    struct vctx c = {reg, flags, res, 0, 0, false, false, &base, err};
    if (res)
        res->valid = true;
    bool ok = eval(&c, root, inst, NULL, NULL, NULL, res != NULL, NULL);
    if (c.hard)
        return -1;
    if (c.limit) {
        ok = false;
        report(&c, NULL, NULL, NULL,
               "validation stopped: evaluation went deeper or longer than its budget (a value nested too "
               "deeply, or a schema that loops)");
    }
    *valid = ok;
    if (res)
        res->valid = ok;
    return 0;
}
