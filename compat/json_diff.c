/* SPDX-License-Identifier: Apache-2.0 */
/* json_diff.c — Confluent's JSON Schema compatibility rules. Both schemas are first read into
 * the model Confluent's differ sees (string, number, object, array, combined, not, enum, const,
 * reference... schemas, the way its schema loader splits keywords into them), then compared
 * keyword by keyword into a list of change kinds with JSON Pointer paths. A change is an
 * incompatibility unless its kind is in the STRICT allowed set (conformance/README.md lists
 * every kind). Recursive schemas: pairs being compared are memoised by identity; a pair met
 * again while in progress is assumed compatible, and passes repeat until the set of
 * incompatible pairs stops growing, so a break behind a cycle is still found. */
#include "json_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

/* ---- change kinds ---------------------------------------------------------------------- */

/* X(name, allowed under STRICT, message class) */
#define DIFF_KINDS(X)                                                                                        \
    X(ID_CHANGED, 1, M_OTHER)                                                                                \
    X(DESCRIPTION_CHANGED, 1, M_OTHER)                                                                       \
    X(TITLE_CHANGED, 1, M_OTHER)                                                                             \
    X(DEFAULT_CHANGED, 1, M_OTHER)                                                                           \
    X(SCHEMA_ADDED, 0, M_OTHER)                                                                              \
    X(SCHEMA_REMOVED, 1, M_OTHER)                                                                            \
    X(TYPE_EXTENDED, 1, M_OTHER)                                                                             \
    X(TYPE_NARROWED, 0, M_TYPE_CHANGED)                                                                      \
    X(TYPE_CHANGED, 0, M_TYPE_CHANGED)                                                                       \
    X(MAX_LENGTH_ADDED, 0, M_KEYWORD)                                                                        \
    X(MAX_LENGTH_REMOVED, 1, M_OTHER)                                                                        \
    X(MAX_LENGTH_INCREASED, 1, M_OTHER)                                                                      \
    X(MAX_LENGTH_DECREASED, 0, M_DECREASED)                                                                  \
    X(MIN_LENGTH_ADDED, 0, M_KEYWORD)                                                                        \
    X(MIN_LENGTH_REMOVED, 1, M_OTHER)                                                                        \
    X(MIN_LENGTH_INCREASED, 0, M_INCREASED)                                                                  \
    X(MIN_LENGTH_DECREASED, 1, M_OTHER)                                                                      \
    X(PATTERN_ADDED, 0, M_KEYWORD)                                                                           \
    X(PATTERN_REMOVED, 1, M_OTHER)                                                                           \
    X(PATTERN_CHANGED, 0, M_VALUE_CHANGED)                                                                   \
    X(MAXIMUM_ADDED, 0, M_KEYWORD)                                                                           \
    X(MAXIMUM_REMOVED, 1, M_OTHER)                                                                           \
    X(MAXIMUM_INCREASED, 1, M_OTHER)                                                                         \
    X(MAXIMUM_DECREASED, 0, M_DECREASED)                                                                     \
    X(MINIMUM_ADDED, 0, M_KEYWORD)                                                                           \
    X(MINIMUM_REMOVED, 1, M_OTHER)                                                                           \
    X(MINIMUM_INCREASED, 0, M_INCREASED)                                                                     \
    X(MINIMUM_DECREASED, 1, M_OTHER)                                                                         \
    X(EXCLUSIVE_MAXIMUM_ADDED, 0, M_KEYWORD)                                                                 \
    X(EXCLUSIVE_MAXIMUM_REMOVED, 1, M_OTHER)                                                                 \
    X(EXCLUSIVE_MAXIMUM_INCREASED, 1, M_OTHER)                                                               \
    X(EXCLUSIVE_MAXIMUM_DECREASED, 0, M_DECREASED)                                                           \
    X(EXCLUSIVE_MINIMUM_ADDED, 0, M_KEYWORD)                                                                 \
    X(EXCLUSIVE_MINIMUM_REMOVED, 1, M_OTHER)                                                                 \
    X(EXCLUSIVE_MINIMUM_INCREASED, 0, M_INCREASED)                                                           \
    X(EXCLUSIVE_MINIMUM_DECREASED, 1, M_OTHER)                                                               \
    X(MULTIPLE_OF_ADDED, 0, M_KEYWORD)                                                                       \
    X(MULTIPLE_OF_REMOVED, 1, M_OTHER)                                                                       \
    X(MULTIPLE_OF_EXPANDED, 0, M_INCREASED)                                                                  \
    X(MULTIPLE_OF_REDUCED, 1, M_OTHER)                                                                       \
    X(MULTIPLE_OF_CHANGED, 0, M_VALUE_CHANGED)                                                               \
    X(REQUIRED_ATTRIBUTE_ADDED, 0, M_KEYWORD)                                                                \
    X(REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED, 1, M_OTHER)                                                     \
    X(REQUIRED_ATTRIBUTE_REMOVED, 1, M_OTHER)                                                                \
    X(MAX_PROPERTIES_ADDED, 0, M_KEYWORD)                                                                    \
    X(MAX_PROPERTIES_REMOVED, 1, M_OTHER)                                                                    \
    X(MAX_PROPERTIES_INCREASED, 1, M_OTHER)                                                                  \
    X(MAX_PROPERTIES_DECREASED, 0, M_DECREASED)                                                              \
    X(MIN_PROPERTIES_ADDED, 0, M_KEYWORD)                                                                    \
    X(MIN_PROPERTIES_REMOVED, 1, M_OTHER)                                                                    \
    X(MIN_PROPERTIES_INCREASED, 0, M_INCREASED)                                                              \
    X(MIN_PROPERTIES_DECREASED, 1, M_OTHER)                                                                  \
    X(ADDITIONAL_PROPERTIES_ADDED, 1, M_OTHER)                                                               \
    X(ADDITIONAL_PROPERTIES_REMOVED, 0, M_KEYWORD)                                                           \
    X(ADDITIONAL_PROPERTIES_EXTENDED, 1, M_OTHER)                                                            \
    X(ADDITIONAL_PROPERTIES_NARROWED, 0, M_NARROWED)                                                         \
    X(DEPENDENCY_ARRAY_ADDED, 0, M_KEYWORD)                                                                  \
    X(DEPENDENCY_ARRAY_REMOVED, 1, M_OTHER)                                                                  \
    X(DEPENDENCY_ARRAY_EXTENDED, 0, M_EXTENDED)                                                              \
    X(DEPENDENCY_ARRAY_NARROWED, 1, M_OTHER)                                                                 \
    X(DEPENDENCY_ARRAY_CHANGED, 0, M_VALUE_CHANGED)                                                          \
    X(DEPENDENCY_SCHEMA_ADDED, 0, M_KEYWORD)                                                                 \
    X(DEPENDENCY_SCHEMA_REMOVED, 1, M_OTHER)                                                                 \
    X(REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, 0, M_ADDED_TO_OPEN)                                     \
    X(REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL, 0, M_ADDED_TO_OPEN)                        \
    X(OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, 0, M_ADDED_TO_OPEN)                                     \
    X(PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, 1, M_OTHER)                                    \
    X(REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, 0, M_REQUIRED_TO_UNOPEN)                              \
    X(REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL, 1, M_OTHER)                              \
    X(OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, 1, M_OTHER)                                           \
    X(PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL, 1, M_OTHER)                                                  \
    X(PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, 1, M_OTHER)                                     \
    X(PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL, 0, M_REMOVED_FROM_CLOSED)                                  \
    X(PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, M_OTHER)                               \
    X(PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, M_REMOVED_NOT_COVERED)                \
    X(PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, M_OTHER)                                 \
    X(PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, M_ADDED_NOT_COVERED)                    \
    X(UNEVALUATED_PROPERTIES_ADDED, 1, M_OTHER)                                                              \
    X(UNEVALUATED_PROPERTIES_REMOVED, 0, M_KEYWORD)                                                          \
    X(UNEVALUATED_PROPERTIES_EXTENDED, 1, M_OTHER)                                                           \
    X(UNEVALUATED_PROPERTIES_NARROWED, 0, M_NARROWED)                                                        \
    X(MAX_ITEMS_ADDED, 0, M_KEYWORD)                                                                         \
    X(MAX_ITEMS_REMOVED, 1, M_OTHER)                                                                         \
    X(MAX_ITEMS_INCREASED, 1, M_OTHER)                                                                       \
    X(MAX_ITEMS_DECREASED, 0, M_DECREASED)                                                                   \
    X(MIN_ITEMS_ADDED, 0, M_KEYWORD)                                                                         \
    X(MIN_ITEMS_REMOVED, 1, M_OTHER)                                                                         \
    X(MIN_ITEMS_INCREASED, 0, M_INCREASED)                                                                   \
    X(MIN_ITEMS_DECREASED, 1, M_OTHER)                                                                       \
    X(MAX_CONTAINS_ADDED, 0, M_KEYWORD)                                                                      \
    X(MAX_CONTAINS_REMOVED, 1, M_OTHER)                                                                      \
    X(MAX_CONTAINS_INCREASED, 1, M_OTHER)                                                                    \
    X(MAX_CONTAINS_DECREASED, 0, M_DECREASED)                                                                \
    X(MIN_CONTAINS_ADDED, 0, M_KEYWORD)                                                                      \
    X(MIN_CONTAINS_REMOVED, 1, M_OTHER)                                                                      \
    X(MIN_CONTAINS_INCREASED, 0, M_INCREASED)                                                                \
    X(MIN_CONTAINS_DECREASED, 1, M_OTHER)                                                                    \
    X(UNIQUE_ITEMS_ADDED, 0, M_KEYWORD)                                                                      \
    X(UNIQUE_ITEMS_REMOVED, 1, M_OTHER)                                                                      \
    X(ADDITIONAL_ITEMS_ADDED, 1, M_OTHER)                                                                    \
    X(ADDITIONAL_ITEMS_REMOVED, 0, M_KEYWORD)                                                                \
    X(ADDITIONAL_ITEMS_EXTENDED, 1, M_OTHER)                                                                 \
    X(ADDITIONAL_ITEMS_NARROWED, 0, M_NARROWED)                                                              \
    X(UNEVALUATED_ITEMS_ADDED, 1, M_OTHER)                                                                   \
    X(UNEVALUATED_ITEMS_REMOVED, 0, M_KEYWORD)                                                               \
    X(UNEVALUATED_ITEMS_EXTENDED, 1, M_OTHER)                                                                \
    X(UNEVALUATED_ITEMS_NARROWED, 0, M_NARROWED)                                                             \
    X(ITEM_ADDED_TO_OPEN_CONTENT_MODEL, 0, M_ADDED_TO_OPEN)                                                  \
    X(ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, 1, M_OTHER)                                        \
    X(ITEM_ADDED_TO_CLOSED_CONTENT_MODEL, 1, M_OTHER)                                                        \
    X(ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL, 1, M_OTHER)                                                      \
    X(ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, 1, M_OTHER)                                         \
    X(ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL, 0, M_REMOVED_FROM_CLOSED)                                      \
    X(ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, M_OTHER)                                   \
    X(ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, M_REMOVED_NOT_COVERED)                    \
    X(ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 1, M_OTHER)                                     \
    X(ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, 0, M_ADDED_NOT_COVERED)                        \
    X(ENUM_ARRAY_EXTENDED, 1, M_OTHER)                                                                       \
    X(ENUM_ARRAY_NARROWED, 0, M_NARROWED)                                                                    \
    X(ENUM_ARRAY_CHANGED, 0, M_TYPE_CHANGED)                                                                 \
    X(COMBINED_TYPE_EXTENDED, 1, M_OTHER)                                                                    \
    X(COMBINED_TYPE_CHANGED, 0, M_TYPE_CHANGED)                                                              \
    X(PRODUCT_TYPE_EXTENDED, 0, M_EXTENDED)                                                                  \
    X(PRODUCT_TYPE_NARROWED, 1, M_OTHER)                                                                     \
    X(SUM_TYPE_EXTENDED, 1, M_OTHER)                                                                         \
    X(SUM_TYPE_NARROWED, 0, M_NARROWED)                                                                      \
    X(COMBINED_TYPE_SUBSCHEMAS_CHANGED, 0, M_TYPE_CHANGED)                                                   \
    X(NOT_TYPE_EXTENDED, 0, M_EXTENDED)                                                                      \
    X(NOT_TYPE_NARROWED, 1, M_OTHER)

enum msg_class {
    M_OTHER,
    M_KEYWORD,
    M_INCREASED,
    M_DECREASED,
    M_VALUE_CHANGED,
    M_NARROWED,
    M_EXTENDED,
    M_TYPE_CHANGED,
    M_ADDED_TO_OPEN,
    M_REQUIRED_TO_UNOPEN,
    M_REMOVED_FROM_CLOSED,
    M_REMOVED_NOT_COVERED,
    M_ADDED_NOT_COVERED,
};

#define X_ENUM(name, ok, cls) name,
enum diff_kind { DIFF_KINDS(X_ENUM) DIFF_KIND_COUNT };
#undef X_ENUM

static const struct {
    const char *name;
    bool allowed;
    enum msg_class cls;
} kinds[] = {
#define X_INFO(name, ok, cls) {#name, ok, cls},
    DIFF_KINDS(X_INFO)
#undef X_INFO
};

/* ---- a pointer-pair hash index (slot -> position in a caller's array + 1) ---------------- */

struct ptr_index {
    const void **a, **b;
    size_t *pos; /* 0 = empty */
    size_t cap;  /* power of two */
    size_t len;
};

static size_t ptr_hash(const void *a, const void *b)
{
    uint64_t h = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ULL;
    h ^= (uint64_t)(uintptr_t)b + 0x7F4A7C159E3779B9ULL + (h << 6) + (h >> 2);
    return (size_t)(h ^ (h >> 31));
}

/* Returns the stored position for (a, b), or 0. */
static size_t ptr_index_get(const struct ptr_index *ix, const void *a, const void *b)
{
    if (ix->cap == 0)
        return 0;
    for (size_t i = ptr_hash(a, b) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
        if (ix->pos[i] == 0)
            return 0;
        if (ix->a[i] == a && ix->b[i] == b)
            return ix->pos[i];
    }
}

static void ptr_index_put(struct ptr_index *ix, const void *a, const void *b, size_t pos)
{
    if ((ix->len + 1) * 2 > ix->cap) {
        struct ptr_index big = {0};
        big.cap = ix->cap ? ix->cap * 2 : 64;
        big.a = sr_xcalloc(big.cap, sizeof *big.a);
        big.b = sr_xcalloc(big.cap, sizeof *big.b);
        big.pos = sr_xcalloc(big.cap, sizeof *big.pos);
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->pos[i])
                ptr_index_put(&big, ix->a[i], ix->b[i], ix->pos[i]);
        free(ix->a);
        free(ix->b);
        free(ix->pos);
        *ix = big;
    }
    size_t i = ptr_hash(a, b) & (ix->cap - 1);
    while (ix->pos[i] != 0)
        i = (i + 1) & (ix->cap - 1);
    ix->a[i] = a;
    ix->b[i] = b;
    ix->pos[i] = pos;
    ix->len++;
}

static void ptr_index_free(struct ptr_index *ix)
{
    free(ix->a);
    free(ix->b);
    free(ix->pos);
    memset(ix, 0, sizeof *ix);
}

/* ---- the schema model ------------------------------------------------------------------------ */

enum dkind {
    DK_EMPTY,
    DK_TRUE,
    DK_FALSE,
    DK_STRING,
    DK_NUMBER,
    DK_BOOLEAN,
    DK_NULL,
    DK_OBJECT,
    DK_ARRAY,
    DK_COMBINED,
    DK_NOT,
    DK_CONST,
    DK_ENUM,
    DK_REF,
    DK_COND
};

enum crit { CRIT_ALL, CRIT_ANY, CRIT_ONE };

struct dnode;

struct named {
    const char *name;
    struct dnode *node;
    const json_t *value; /* property dependencies: the array */
};

struct dnode {
    enum dkind kind;
    const json_t *src; /* schema JSON this node stands for; NULL for synthetic parts */
    /* common */
    const json_t *id, *title, *description, *dflt, *connect_type;
    /* string */
    const json_t *max_length, *min_length, *pattern;
    /* number */
    const json_t *maximum, *minimum, *excl_max, *excl_min, *multiple_of;
    bool requires_integer;
    /* object */
    struct named *props;
    size_t nprops;
    const struct named **props_sorted; /* props by name, for lookups */
    const json_t *required;
    struct named *pattern_props;
    size_t npattern_props;
    bool permits_additional;
    struct dnode *additional;
    struct named *dep_arrays;
    size_t ndep_arrays;
    struct named *dep_schemas;
    size_t ndep_schemas;
    const json_t *max_props, *min_props;
    struct dnode *uneval_props;
    /* array */
    struct dnode *all_items;
    struct dnode **item_schemas;
    size_t nitem_schemas;
    bool permits_additional_items;
    struct dnode *additional_items;
    const json_t *max_items, *min_items, *max_contains, *min_contains;
    bool unique;
    struct dnode *uneval_items;
    /* combined */
    enum crit crit;
    struct dnode **subs;
    size_t nsubs;
    /* not */
    struct dnode *not_schema;
    /* const / enum */
    const json_t *value;
    /* ref */
    struct dnode *referred;
};

/* Builds the model of one schema document; nodes live until model_free. */
struct model {
    struct json_reg *reg;
    struct dnode **all;
    size_t nall, capall;
    struct dnode **cached; /* built nodes, indexed by schema JSON identity in `index` */
    size_t ncached, capcached;
    struct ptr_index index;
    struct sr_error *err;
    bool failed;
    json_t *one; /* the integer 1, for defaulted minContains */
    const void *stack_base;
};

static struct dnode *new_node(struct model *m, enum dkind k, const json_t *src)
{
    struct dnode *n = sr_xcalloc(1, sizeof *n);
    n->kind = k;
    n->src = src;
    n->permits_additional = true;
    n->permits_additional_items = true;
    if (m->nall == m->capall) {
        m->capall = m->capall ? m->capall * 2 : 64;
        m->all = sr_xrealloc(m->all, m->capall * sizeof *m->all);
    }
    m->all[m->nall++] = n;
    return n;
}

static void free_node(struct dnode *n)
{
    free(n->props);
    free(n->props_sorted);
    free(n->pattern_props);
    free(n->dep_arrays);
    free(n->dep_schemas);
    free(n->item_schemas);
    free(n->subs);
    free(n);
}

static void model_free(struct model *m)
{
    for (size_t i = 0; i < m->nall; i++)
        free_node(m->all[i]);
    free(m->all);
    free(m->cached);
    ptr_index_free(&m->index);
    json_decref(m->one);
}

/* Built nodes by schema JSON identity, so that a $ref cycle comes back to the same node. */
static struct dnode *cache_get(struct model *m, const json_t *s)
{
    size_t pos = ptr_index_get(&m->index, s, NULL);
    return pos ? m->cached[pos - 1] : NULL;
}

static void cache_put(struct model *m, const json_t *s, struct dnode *n)
{
    if (m->ncached == m->capcached) {
        m->capcached = m->capcached ? m->capcached * 2 : 64;
        m->cached = sr_xrealloc(m->cached, m->capcached * sizeof *m->cached);
    }
    m->cached[m->ncached++] = n;
    ptr_index_put(&m->index, s, NULL, m->ncached);
}

static struct dnode *build(struct model *m, const struct json_loc *loc, int depth);

static struct dnode *build_child(struct model *m, const struct json_loc *parent, const json_t *s, int depth)
{
    struct json_loc l = json_loc_child(m->reg, parent, s);
    return build(m, &l, depth + 1);
}

static bool has_any(const json_t *s, const char *const *kws)
{
    for (; *kws; kws++)
        if (json_object_get(s, *kws))
            return true;
    return false;
}

/* Confluent reads 2019-09 and 2020-12 schemas with a different loader, then translates them
 * keyword by keyword: a keyword that holds no subschema at all ("properties": {}) yields no
 * object schema there, so it must not make one here either. */
static bool has_any_effective(const json_t *s, const char *const *kws, enum json_draft d)
{
    if (d < JSON_DRAFT2019)
        return has_any(s, kws);
    for (; *kws; kws++) {
        const json_t *v = json_object_get(s, *kws);
        if (!v)
            continue;
        if ((json_is_object(v) && json_object_size(v) == 0 &&
             (strcmp(*kws, "properties") == 0 || strcmp(*kws, "patternProperties") == 0)))
            continue;
        return true;
    }
    return false;
}

static const char *const number_kws[] = {"minimum",          "maximum",    "exclusiveMinimum",
                                         "exclusiveMaximum", "multipleOf", NULL};
static const char *const string_kws[] = {"minLength", "maxLength", "pattern", "format", NULL};
static const char *const object_kws4[] = {
    "properties",   "required",          "minProperties",        "maxProperties",
    "dependencies", "patternProperties", "additionalProperties", NULL};
static const char *const object_kws6[] = {"properties",           "required",      "minProperties",
                                          "maxProperties",        "dependencies",  "patternProperties",
                                          "additionalProperties", "propertyNames", NULL};
static const char *const object_kws2019[] = {
    "properties",           "required",         "minProperties",
    "maxProperties",        "dependencies",     "patternProperties",
    "additionalProperties", "propertyNames",    "unevaluatedProperties",
    "dependentRequired",    "dependentSchemas", NULL};
static const char *const array_kws4[] = {"items",    "additionalItems", "minItems",
                                         "maxItems", "uniqueItems",     NULL};
static const char *const array_kws6[] = {"items",       "additionalItems", "minItems", "maxItems",
                                         "uniqueItems", "contains",        NULL};
static const char *const array_kws2019[] = {
    "items",       "additionalItems",  "minItems",    "maxItems",    "uniqueItems", "contains",
    "prefixItems", "unevaluatedItems", "minContains", "maxContains", NULL};

static const json_t *num_or_null(const json_t *s, const char *kw)
{
    const json_t *v = json_object_get(s, kw);
    return json_is_number(v) ? v : NULL;
}

static void fill_string(struct dnode *n, const json_t *s)
{
    n->max_length = num_or_null(s, "maxLength");
    n->min_length = num_or_null(s, "minLength");
    n->pattern = json_is_string(json_object_get(s, "pattern")) ? json_object_get(s, "pattern") : NULL;
}

static void fill_number(struct dnode *n, const json_t *s, enum json_draft d)
{
    n->maximum = num_or_null(s, "maximum");
    n->minimum = num_or_null(s, "minimum");
    n->multiple_of = num_or_null(s, "multipleOf");
    if (d != JSON_DRAFT4) {
        n->excl_max = num_or_null(s, "exclusiveMaximum");
        n->excl_min = num_or_null(s, "exclusiveMinimum");
    }
}

/* Appends p (when not NULL) to a node array. */
static void push_part(struct dnode ***parts, size_t *n, struct dnode *p)
{
    if (!p)
        return;
    *parts = sr_xrealloc(*parts, (*n + 1) * sizeof **parts);
    (*parts)[(*n)++] = p;
}

static void add_named(struct named **arr, size_t *n, const char *name, struct dnode *node,
                      const json_t *value)
{
    *arr = sr_xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[*n].name = name;
    (*arr)[*n].node = node;
    (*arr)[*n].value = value;
    (*n)++;
}

static int cmp_named(const void *a, const void *b)
{
    return strcmp((*(const struct named *const *)a)->name, (*(const struct named *const *)b)->name);
}

static void fill_object(struct model *m, struct dnode *n, const struct json_loc *loc, int depth)
{
    const json_t *s = loc->schema;
    const char *key;
    json_t *v;
    const json_t *props = json_object_get(s, "properties");
    if (json_is_object(props))
        json_object_foreach((json_t *)props, key, v)
            add_named(&n->props, &n->nprops, key, build_child(m, loc, v, depth), NULL);
    if (n->nprops) {
        n->props_sorted = sr_xcalloc(n->nprops, sizeof *n->props_sorted);
        for (size_t i = 0; i < n->nprops; i++)
            n->props_sorted[i] = &n->props[i];
        qsort(n->props_sorted, n->nprops, sizeof *n->props_sorted, cmp_named);
    }
    n->required = json_is_array(json_object_get(s, "required")) ? json_object_get(s, "required") : NULL;
    const json_t *pp = json_object_get(s, "patternProperties");
    if (json_is_object(pp))
        json_object_foreach((json_t *)pp, key, v)
            add_named(&n->pattern_props, &n->npattern_props, key, build_child(m, loc, v, depth), NULL);
    const json_t *ap = json_object_get(s, "additionalProperties");
    if (json_is_false(ap)) {
        n->permits_additional = false;
    } else if (ap && !json_is_true(ap)) {
        n->additional = build_child(m, loc, ap, depth);
    }
    const json_t *deps = json_object_get(s, "dependencies");
    if (json_is_object(deps)) {
        json_object_foreach((json_t *)deps, key, v)
        {
            if (json_is_array(v))
                add_named(&n->dep_arrays, &n->ndep_arrays, key, NULL, v);
            else
                add_named(&n->dep_schemas, &n->ndep_schemas, key, build_child(m, loc, v, depth), NULL);
        }
    }
    if (loc->draft >= JSON_DRAFT2019) {
        const json_t *dr = json_object_get(s, "dependentRequired");
        if (json_is_object(dr))
            json_object_foreach((json_t *)dr, key, v) if (json_is_array(v))
                add_named(&n->dep_arrays, &n->ndep_arrays, key, NULL, v);
        const json_t *ds = json_object_get(s, "dependentSchemas");
        if (json_is_object(ds))
            json_object_foreach((json_t *)ds, key, v)
                add_named(&n->dep_schemas, &n->ndep_schemas, key, build_child(m, loc, v, depth), NULL);
    }
    n->max_props = num_or_null(s, "maxProperties");
    n->min_props = num_or_null(s, "minProperties");
    const json_t *up = json_object_get(s, "unevaluatedProperties");
    if (up)
        n->uneval_props = build_child(m, loc, up, depth);
}

static void fill_array(struct model *m, struct dnode *n, const struct json_loc *loc, int depth)
{
    const json_t *s = loc->schema;
    const json_t *items = json_object_get(s, "items");
    size_t i;
    json_t *v;
    if (loc->draft >= JSON_DRAFT2020) {
        const json_t *prefix = json_object_get(s, "prefixItems");
        if (json_is_array(prefix)) {
            json_array_foreach(prefix, i, v)
            {
                push_part(&n->item_schemas, &n->nitem_schemas, build_child(m, loc, v, depth));
            }
        }
        /* Confluent's 2020-12 translation: items=false closes, items=true is nothing, a schema
         * is the items schema (or, after prefixItems, the schema of the remaining items) */
        if (json_is_false(items)) {
            n->permits_additional_items = false;
        } else if (items && !json_is_true(items)) {
            if (n->nitem_schemas == 0)
                n->all_items = build_child(m, loc, items, depth);
            else
                n->additional_items = build_child(m, loc, items, depth);
        }
    } else {
        if (json_is_array(items)) {
            json_array_foreach(items, i, v)
            {
                push_part(&n->item_schemas, &n->nitem_schemas, build_child(m, loc, v, depth));
            }
        } else if (items) {
            n->all_items = build_child(m, loc, items, depth);
        }
        const json_t *ai = json_object_get(s, "additionalItems");
        if (json_is_false(ai))
            n->permits_additional_items = false;
        else if (ai && !json_is_true(ai))
            n->additional_items = build_child(m, loc, ai, depth);
    }
    n->max_items = num_or_null(s, "maxItems");
    n->min_items = num_or_null(s, "minItems");
    n->unique = json_is_true(json_object_get(s, "uniqueItems"));
    n->max_contains = num_or_null(s, "maxContains");
    n->min_contains = num_or_null(s, "minContains");
    /* The 2019+ loader gives `contains` a minContains of 1 when none is written, so removing
     * an explicit "minContains": 1 is no change there. */
    if (loc->draft >= JSON_DRAFT2019 && json_object_get(s, "contains") && !n->min_contains)
        n->min_contains = m->one;
    const json_t *ui = json_object_get(s, "unevaluatedItems");
    if (ui)
        n->uneval_items = build_child(m, loc, ui, depth);
}

static struct dnode *typed_node(struct model *m, const char *type, const struct json_loc *loc, int depth)
{
    const json_t *s = loc->schema;
    struct dnode *n = NULL;
    if (strcmp(type, "string") == 0) {
        n = new_node(m, DK_STRING, NULL);
        fill_string(n, s);
    } else if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0) {
        n = new_node(m, DK_NUMBER, NULL);
        fill_number(n, s, loc->draft);
        n->requires_integer = type[0] == 'i';
    } else if (strcmp(type, "boolean") == 0) {
        n = new_node(m, DK_BOOLEAN, NULL);
    } else if (strcmp(type, "null") == 0) {
        n = new_node(m, DK_NULL, NULL);
    } else if (strcmp(type, "object") == 0) {
        n = new_node(m, DK_OBJECT, NULL);
        fill_object(m, n, loc, depth);
    } else if (strcmp(type, "array") == 0) {
        n = new_node(m, DK_ARRAY, NULL);
        fill_array(m, n, loc, depth);
    }
    return n;
}

static struct dnode *ref_node(struct model *m, const struct json_loc *loc, const char *ref, int depth)
{
    struct dnode *n = new_node(m, DK_REF, NULL);
    char *uri = json_uri_resolve(loc->base, ref);
    struct json_loc target;
    if (json_reg_resolve(m->reg, uri, &target) != 0) {
        if (!m->failed)
            sr_error_set(m->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: unresolved $ref '%.200s'", ref);
        m->failed = true;
    } else {
        n->referred = build(m, &target, depth + 1);
    }
    free(uri);
    return n;
}

/* The model of one schema: the parts its keywords make, as Confluent's loader forms them. */
static struct dnode *build(struct model *m, const struct json_loc *loc, int depth)
{
    const json_t *s = loc->schema;
    struct dnode *cached = cache_get(m, s);
    if (cached)
        return cached;
    if (depth > COMPAT_MAX_DEPTH * 4 || m->failed || json_stack_used(m->stack_base) > JSON_MAX_STACK_BYTES) {
        if (!m->failed)
            sr_error_set(m->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: nesting deeper than %d levels",
                         COMPAT_MAX_DEPTH * 4);
        m->failed = true;
        return new_node(m, DK_EMPTY, s);
    }
    if (!json_is_object(s)) {
        struct dnode *n = new_node(m, json_is_false(s) ? DK_FALSE : DK_TRUE, s);
        cache_put(m, s, n);
        return n;
    }
    const enum json_draft d = loc->draft;
    /* Registered before its parts are built, so that a $ref cycle comes back to it; the node
     * is turned into the right kind once the parts are known. */
    struct dnode *self = new_node(m, DK_EMPTY, s);
    cache_put(m, s, self);

    struct dnode **parts = NULL;
    size_t nparts = 0;
    const json_t *ref = json_object_get(s, "$ref");
    if (json_is_string(ref) && d <= JSON_DRAFT7) {
        push_part(&parts, &nparts, ref_node(m, loc, json_string_value(ref), depth));
    } else {
        if (json_is_string(ref))
            push_part(&parts, &nparts, ref_node(m, loc, json_string_value(ref), depth));
        const json_t *dref = d >= JSON_DRAFT2020   ? json_object_get(s, "$dynamicRef")
                             : d == JSON_DRAFT2019 ? json_object_get(s, "$recursiveRef")
                                                   : NULL;
        if (json_is_string(dref))
            push_part(&parts, &nparts, ref_node(m, loc, json_string_value(dref), depth));
        const json_t *en = json_object_get(s, "enum");
        if (json_is_array(en)) {
            struct dnode *p = new_node(m, DK_ENUM, NULL);
            p->value = en;
            push_part(&parts, &nparts, p);
        }
        static const char *const combiners[] = {"allOf", "anyOf", "oneOf"};
        for (int i = 0; i < 3; i++) {
            const json_t *arr = json_object_get(s, combiners[i]);
            if (!json_is_array(arr))
                continue;
            struct dnode *p = new_node(m, DK_COMBINED, arr);
            p->crit = (enum crit)i;
            size_t k;
            json_t *sub;
            json_array_foreach(arr, k, sub)
            {
                push_part(&p->subs, &p->nsubs, build_child(m, loc, sub, depth));
            }
            push_part(&parts, &nparts, p);
        }
        const json_t *nt = json_object_get(s, "not");
        if (nt) {
            struct dnode *p = new_node(m, DK_NOT, NULL);
            p->not_schema = build_child(m, loc, nt, depth);
            push_part(&parts, &nparts, p);
        }
        const json_t *cn = d != JSON_DRAFT4 ? json_object_get(s, "const") : NULL;
        if (cn) {
            struct dnode *p = new_node(m, DK_CONST, NULL);
            p->value = cn;
            push_part(&parts, &nparts, p);
        }
        bool took_string = false, took_number = false, took_object = false, took_array = false;
        const json_t *type = json_object_get(s, "type");
        if (json_is_string(type)) {
            const char *t = json_string_value(type);
            push_part(&parts, &nparts, typed_node(m, t, loc, depth));
            took_string = strcmp(t, "string") == 0;
            took_number = strcmp(t, "number") == 0 || strcmp(t, "integer") == 0;
            took_object = strcmp(t, "object") == 0;
            took_array = strcmp(t, "array") == 0;
        } else if (json_is_array(type)) {
            struct dnode *p = new_node(m, DK_COMBINED, NULL);
            p->crit = CRIT_ANY;
            size_t k;
            json_t *t;
            json_array_foreach(type, k, t)
            {
                const char *tn = json_string_value(t);
                if (!tn)
                    continue;
                struct dnode *tnode = typed_node(m, tn, loc, depth);
                if (!tnode)
                    continue;
                push_part(&p->subs, &p->nsubs, tnode);
                took_string |= strcmp(tn, "string") == 0;
                took_number |= strcmp(tn, "number") == 0 || strcmp(tn, "integer") == 0;
                took_object |= strcmp(tn, "object") == 0;
                took_array |= strcmp(tn, "array") == 0;
            }
            push_part(&parts, &nparts, p);
        }
        const char *const *akws = d == JSON_DRAFT4   ? array_kws4
                                  : d <= JSON_DRAFT7 ? array_kws6
                                                     : array_kws2019;
        const char *const *okws = d == JSON_DRAFT4   ? object_kws4
                                  : d <= JSON_DRAFT7 ? object_kws6
                                                     : object_kws2019;
        if (!took_array && has_any(s, akws))
            push_part(&parts, &nparts, typed_node(m, "array", loc, depth));
        if (!took_object && has_any_effective(s, okws, d))
            push_part(&parts, &nparts, typed_node(m, "object", loc, depth));
        if (!took_number && has_any(s, number_kws)) {
            struct dnode *p = typed_node(m, "number", loc, depth);
            push_part(&parts, &nparts, p);
        }
        if (!took_string && has_any(s, string_kws))
            push_part(&parts, &nparts, typed_node(m, "string", loc, depth));
        if (d >= JSON_DRAFT7 &&
            (json_object_get(s, "if") || json_object_get(s, "then") || json_object_get(s, "else")))
            push_part(&parts, &nparts, new_node(m, DK_COND, NULL));
    }

    if (nparts == 1) {
        /* become the single part (keeping our identity for the cache) */
        struct dnode *p = parts[0];
        const json_t *src = self->src;
        *self = *p;
        self->src = src;
        memset(p, 0, sizeof *p); /* ownership of its arrays moved to self */
        p->kind = DK_EMPTY;
    } else if (nparts > 1) {
        self->kind = DK_COMBINED;
        self->crit = CRIT_ALL;
        self->subs = parts;
        self->nsubs = nparts;
        parts = NULL;
    }
    free(parts);
    /* The 2019+ loader treats $id as the resource's URI, not as a compared attribute. */
    self->id = d >= JSON_DRAFT2019 ? NULL : json_object_get(s, d == JSON_DRAFT4 ? "id" : "$id");
    self->title = json_object_get(s, "title");
    self->description = json_object_get(s, "description");
    self->dflt = json_object_get(s, "default");
    self->connect_type = json_object_get(s, "connect.type");
    return self;
}

/* ---- the comparison -------------------------------------------------------------------------- */

struct diff {
    enum diff_kind kind;
    char *path;
};

struct dlist {
    struct diff *v;
    size_t n, cap;
};

static void dlist_add(struct dlist *l, enum diff_kind k, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = sr_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n].kind = k;
    l->v[l->n].path = sr_xstrdup(path);
    l->n++;
}

static void dlist_free(struct dlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool dlist_compatible(const struct dlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (!kinds[l->v[i].kind].allowed)
            return false;
    return true;
}

static void dlist_copy(struct dlist *to, const struct dlist *from)
{
    for (size_t i = 0; i < from->n; i++)
        dlist_add(to, from->v[i].kind, from->v[i].path);
}

/* Memo entry for one (original, update) pair. */
struct pair {
    const struct dnode *a, *b;
    int state;          /* 0 unknown, 1 in progress, 2 done */
    struct dlist diffs; /* relative to the pair */
    bool seeded;        /* incompatible in an earlier pass */
    struct dlist seed;
};

struct shared {
    struct pair *pairs;
    size_t npairs, cap;
    bool optimism;
    unsigned long steps;
    bool budget_exceeded;
    struct json_reg *reg;   /* compiles patternProperties keys for the content-model checks */
    struct ptr_index index; /* (a, b) -> position in pairs */
    const void *stack_base;
};

/* Budget on pair comparisons: oneOf-in-oneOf cross products stay bounded. */
#define DIFF_MAX_STEPS 2000000UL

struct dctx {
    struct shared *sh;
    struct sr_buf path; /* "a/b/c" under "#/" */
    struct dlist diffs;
    int depth;
};

static void ctx_init(struct dctx *c, struct shared *sh, const struct dctx *parent)
{
    memset(c, 0, sizeof *c);
    c->sh = sh;
    sr_buf_puts(&c->path, "");
    if (parent) {
        sr_buf_append(&c->path, parent->path.data, parent->path.len);
        c->depth = parent->depth;
    }
}

static void ctx_free(struct dctx *c)
{
    sr_buf_free(&c->path);
    dlist_free(&c->diffs);
}

static size_t enter(struct dctx *c, const char *seg)
{
    size_t mark = c->path.len;
    if (c->path.len)
        sr_buf_putc(&c->path, '/');
    sr_buf_puts(&c->path, seg);
    return mark;
}

static void leave(struct dctx *c, size_t mark)
{
    c->path.len = mark;
    c->path.data[mark] = '\0';
}

static void add(struct dctx *c, enum diff_kind k)
{
    char *p = sr_xmalloc(c->path.len + 3);
    sprintf(p, "#/%s", c->path.data);
    dlist_add(&c->diffs, k, p);
    free(p);
}

static void add_at(struct dctx *c, const char *seg, enum diff_kind k)
{
    size_t mark = enter(c, seg);
    add(c, k);
    leave(c, mark);
}

static size_t get_pair(struct shared *sh, const struct dnode *a, const struct dnode *b)
{
    size_t pos = ptr_index_get(&sh->index, a, b);
    if (pos)
        return pos - 1;
    if (sh->npairs == sh->cap) {
        sh->cap = sh->cap ? sh->cap * 2 : 64;
        sh->pairs = sr_xrealloc(sh->pairs, sh->cap * sizeof *sh->pairs);
    }
    memset(&sh->pairs[sh->npairs], 0, sizeof sh->pairs[0]);
    sh->pairs[sh->npairs].a = a;
    sh->pairs[sh->npairs].b = b;
    ptr_index_put(&sh->index, a, b, sh->npairs + 1);
    return sh->npairs++;
}

static void compare(struct dctx *c, const struct dnode *orig, const struct dnode *upd);

static const struct dnode *normalize(const struct dnode *n)
{
    for (int i = 0; n && n->kind == DK_REF && i < 64; i++)
        n = n->referred;
    return n;
}

static bool is_empty(const struct dnode *n)
{
    return n && (n->kind == DK_EMPTY || n->kind == DK_TRUE);
}

static bool types_equal(const struct dnode *a, const struct dnode *b)
{
    return a->kind == b->kind;
}

static bool json_eq_opt(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return a == b;
    return json_value_equal(a, b);
}

static int cmp_numbers(const json_t *a, const json_t *b)
{
    double x = json_number_value(a), y = json_number_value(b);
    return x < y ? -1 : x > y;
}

/* minLength-style attribute: added / removed / increased / decreased */
static void compare_limit(struct dctx *c, const char *kw, const json_t *o, const json_t *u,
                          enum diff_kind added, enum diff_kind removed, enum diff_kind increased,
                          enum diff_kind decreased)
{
    if (!o && !u)
        return;
    if (!o) {
        add_at(c, kw, added);
    } else if (!u) {
        add_at(c, kw, removed);
    } else {
        int r = cmp_numbers(o, u);
        if (r < 0)
            add_at(c, kw, increased);
        else if (r > 0)
            add_at(c, kw, decreased);
    }
}

static bool in_required(const json_t *req, const char *name)
{
    for (size_t i = 0; req && i < json_array_size(req); i++) {
        const char *r = json_string_value(json_array_get(req, i));
        if (r && strcmp(r, name) == 0)
            return true;
    }
    return false;
}

static const struct named *find_named(const struct named *arr, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arr[i].name, name) == 0)
            return &arr[i];
    return NULL;
}

/* A property of an object node, by name (binary search). */
static const struct named *find_prop(const struct dnode *n, const char *name)
{
    size_t lo = 0, hi = n->nprops;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(n->props_sorted[mid]->name, name);
        if (r == 0)
            return n->props_sorted[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool has_default(const struct dnode *n)
{
    return n && n->dflt != NULL;
}

/* ---- strings, numbers ---- */

static void compare_string(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    compare_limit(c, "maxLength", o->max_length, u->max_length, MAX_LENGTH_ADDED, MAX_LENGTH_REMOVED,
                  MAX_LENGTH_INCREASED, MAX_LENGTH_DECREASED);
    compare_limit(c, "minLength", o->min_length, u->min_length, MIN_LENGTH_ADDED, MIN_LENGTH_REMOVED,
                  MIN_LENGTH_INCREASED, MIN_LENGTH_DECREASED);
    if (!o->pattern && u->pattern)
        add_at(c, "pattern", PATTERN_ADDED);
    else if (o->pattern && !u->pattern)
        add_at(c, "pattern", PATTERN_REMOVED);
    else if (o->pattern && u->pattern &&
             strcmp(json_string_value(o->pattern), json_string_value(u->pattern)) != 0)
        add_at(c, "pattern", PATTERN_CHANGED);
}

/* Is a an integer multiple of b? Decimal-exact for the values schemas use (Confluent compares
 * BigDecimals): scale both to integers by a common power of ten. */
static bool is_multiple(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(b) != 0 && json_integer_value(a) % json_integer_value(b) == 0;
    double x = json_number_value(a), y = json_number_value(b);
    if (y == 0)
        return false;
    for (int scale = 0; scale <= 15; scale++) {
        double p = pow(10, scale);
        double xs = x * p, ys = y * p;
        if (fabs(xs - nearbyint(xs)) < 1e-9 && fabs(ys - nearbyint(ys)) < 1e-9) {
            long long xi = llround(xs), yi = llround(ys);
            return yi != 0 && xi % yi == 0;
        }
    }
    double q = x / y;
    return fabs(q - nearbyint(q)) < 1e-9;
}

static void compare_number(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    compare_limit(c, "maximum", o->maximum, u->maximum, MAXIMUM_ADDED, MAXIMUM_REMOVED, MAXIMUM_INCREASED,
                  MAXIMUM_DECREASED);
    compare_limit(c, "minimum", o->minimum, u->minimum, MINIMUM_ADDED, MINIMUM_REMOVED, MINIMUM_INCREASED,
                  MINIMUM_DECREASED);
    compare_limit(c, "exclusiveMaximum", o->excl_max, u->excl_max, EXCLUSIVE_MAXIMUM_ADDED,
                  EXCLUSIVE_MAXIMUM_REMOVED, EXCLUSIVE_MAXIMUM_INCREASED, EXCLUSIVE_MAXIMUM_DECREASED);
    compare_limit(c, "exclusiveMinimum", o->excl_min, u->excl_min, EXCLUSIVE_MINIMUM_ADDED,
                  EXCLUSIVE_MINIMUM_REMOVED, EXCLUSIVE_MINIMUM_INCREASED, EXCLUSIVE_MINIMUM_DECREASED);
    const json_t *om = o->multiple_of, *um = u->multiple_of;
    bool equal = (!om && !um) || (om && um && cmp_numbers(om, um) == 0);
    if (!equal) {
        if (!om)
            add_at(c, "multipleOf", MULTIPLE_OF_ADDED);
        else if (!um)
            add_at(c, "multipleOf", MULTIPLE_OF_REMOVED);
        else if (json_number_value(om) != 0 && is_multiple(um, om))
            add_at(c, "multipleOf", MULTIPLE_OF_EXPANDED);
        else if (json_number_value(um) != 0 && is_multiple(om, um))
            add_at(c, "multipleOf", MULTIPLE_OF_REDUCED);
        else
            add_at(c, "multipleOf", MULTIPLE_OF_CHANGED);
    }
    if (o->requires_integer != u->requires_integer)
        add(c, o->requires_integer ? TYPE_EXTENDED : TYPE_NARROWED);
}

/* ---- enum, const, not ---- */

/* Does every element of small occur in big (JSON Schema equality)? n log n. */
static bool contains_all(const json_t *big, const json_t *small)
{
    size_t nb, ns;
    struct json_value_keyed *kb = json_array_keys(big, &nb);
    struct json_value_keyed *ks = json_array_keys(small, &ns);
    bool all = true;
    for (size_t i = 0; i < ns && all; i++)
        all = json_keys_contain(kb, nb, ks[i].key, ks[i].len);
    json_array_keys_free(kb, nb);
    json_array_keys_free(ks, ns);
    return all;
}

static void compare_enum(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    bool same = contains_all(o->value, u->value) && contains_all(u->value, o->value);
    if (same)
        return;
    if (contains_all(u->value, o->value))
        add_at(c, "enum", ENUM_ARRAY_EXTENDED);
    else if (contains_all(o->value, u->value))
        add_at(c, "enum", ENUM_ARRAY_NARROWED);
    else
        add_at(c, "enum", ENUM_ARRAY_CHANGED);
}

static void compare_not(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    size_t mark = enter(c, "not");
    struct dctx sub;
    ctx_init(&sub, c->sh, c);
    /* reversed: the update's forbidden set must be contained in the original's */
    compare(&sub, u->not_schema, o->not_schema);
    add(c, dlist_compatible(&sub.diffs) ? NOT_TYPE_NARROWED : NOT_TYPE_EXTENDED);
    ctx_free(&sub);
    leave(c, mark);
}

/* ---- combined ---- */

static const char *crit_name(enum crit k)
{
    return k == CRIT_ALL ? "allOf" : k == CRIT_ANY ? "anyOf" : "oneOf";
}

static bool same_schema(const struct dnode *a, const struct dnode *b)
{
    if (a == b)
        return true;
    return a->src && b->src && json_value_equal(a->src, b->src);
}

/* Drops later duplicates (Confluent collects subschemas in a set). Returns a new array. */
static const struct dnode **unique_subs(const struct dnode *n, size_t *count)
{
    const struct dnode **v = sr_xcalloc(n->nsubs ? n->nsubs : 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n->nsubs; i++) {
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = same_schema(v[j], n->subs[i]);
        if (!dup)
            v[k++] = n->subs[i];
    }
    *count = k;
    return v;
}

/* Kuhn's augmenting paths over the compatible edges. */
static bool augment(size_t u, const bool *edge, size_t nb, bool *seen, long *match_b)
{
    for (size_t v = 0; v < nb; v++) {
        if (!edge[u * nb + v] || seen[v])
            continue;
        seen[v] = true;
        if (match_b[v] < 0 || augment((size_t)match_b[v], edge, nb, seen, match_b)) {
            match_b[v] = (long)u;
            return true;
        }
    }
    return false;
}

static void compare_combined(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    bool so = o->nsubs == 1, su = u->nsubs == 1;
    if (o->crit != u->crit) {
        if (u->crit == CRIT_ANY || (so && su) || (so && u->crit == CRIT_ONE) || (su && o->crit == CRIT_ALL)) {
            add(c, COMBINED_TYPE_EXTENDED);
        } else {
            add(c, COMBINED_TYPE_CHANGED);
            return;
        }
    }
    size_t na, nb;
    const struct dnode **as = unique_subs(o, &na);
    const struct dnode **bs = unique_subs(u, &nb);
    if (na < nb)
        add(c, u->crit == CRIT_ALL ? PRODUCT_TYPE_EXTENDED : SUM_TYPE_EXTENDED);
    else if (na > nb)
        add(c, o->crit != CRIT_ALL ? SUM_TYPE_NARROWED : PRODUCT_TYPE_NARROWED);

    bool *edge = sr_xcalloc(na * nb + 1, sizeof *edge);
    struct dlist *edge_diffs = sr_xcalloc(na * nb + 1, sizeof *edge_diffs);
    for (size_t i = 0; i < na; i++) {
        char seg[64];
        snprintf(seg, sizeof seg, "%s/%zu", crit_name(o->crit), i);
        size_t mark = enter(c, seg);
        for (size_t j = 0; j < nb; j++) {
            struct dctx sub;
            ctx_init(&sub, c->sh, c);
            compare(&sub, as[i], bs[j]);
            if (dlist_compatible(&sub.diffs)) {
                edge[i * nb + j] = true;
                dlist_copy(&edge_diffs[i * nb + j], &sub.diffs);
            }
            ctx_free(&sub);
        }
        leave(c, mark);
    }
    long *match_b = sr_xmalloc((nb ? nb : 1) * sizeof *match_b);
    for (size_t j = 0; j < nb; j++)
        match_b[j] = -1;
    bool *seen = sr_xcalloc(nb ? nb : 1, sizeof *seen);
    size_t matched = 0;
    for (size_t i = 0; i < na; i++) {
        memset(seen, 0, (nb ? nb : 1) * sizeof *seen);
        if (augment(i, edge, nb, seen, match_b))
            matched++;
    }
    for (size_t j = 0; j < nb; j++)
        if (match_b[j] >= 0)
            dlist_copy(&c->diffs, &edge_diffs[(size_t)match_b[j] * nb + j]);
    if (matched < (na < nb ? na : nb))
        add(c, COMBINED_TYPE_SUBSCHEMAS_CHANGED);
    for (size_t k = 0; k < na * nb; k++)
        dlist_free(&edge_diffs[k]);
    free(edge_diffs);
    free(edge);
    free(match_b);
    free(seen);
    free(as);
    free(bs);
}

/* ---- objects ---- */

static bool object_open(const struct dnode *n)
{
    if (!n->permits_additional || n->additional || n->npattern_props)
        return false;
    return !n->uneval_props || is_empty(n->uneval_props);
}

static const struct dnode *object_partial(struct json_reg *reg, const struct dnode *n, const char *name)
{
    for (size_t i = 0; i < n->npattern_props; i++) {
        const void *re = json_reg_regex(reg, n->pattern_props[i].name);
        if (re && json_regex_search(re, name, strlen(name)))
            return n->pattern_props[i].node;
    }
    if (n->additional)
        return n->additional;
    if (n->permits_additional && !n->additional && n->uneval_props && n->uneval_props->kind != DK_FALSE &&
        !is_empty(n->uneval_props))
        return n->uneval_props;
    return NULL;
}

static void compare_object(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    /* required */
    size_t mark = enter(c, "required");
    for (size_t i = 0; i < o->nprops; i++) {
        const char *name = o->props[i].name;
        const struct named *un = find_prop(u, name);
        if (!un)
            continue;
        bool oreq = in_required(o->required, name), ureq = in_required(u->required, name);
        if (oreq && !ureq)
            add_at(c, name, REQUIRED_ATTRIBUTE_REMOVED);
        else if (!oreq && ureq)
            add_at(c, name,
                   has_default(un->node) ? REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED : REQUIRED_ATTRIBUTE_ADDED);
    }
    leave(c, mark);

    /* properties: the original's, then the ones only the update has */
    mark = enter(c, "properties");
    for (size_t pass = 0; pass < 2; pass++) {
        const struct dnode *side = pass == 0 ? o : u;
        for (size_t i = 0; i < side->nprops; i++) {
            const char *name = side->props[i].name;
            const struct named *on = find_prop(o, name);
            const struct named *un = find_prop(u, name);
            if (pass == 1 && on)
                continue;
            size_t m2 = enter(c, name);
            if (!un) {
                if (object_open(u)) {
                    add(c, PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL);
                } else {
                    const struct dnode *partial = object_partial(c->sh->reg, u, name);
                    if (partial) {
                        struct dctx sub;
                        ctx_init(&sub, c->sh, c);
                        compare(&sub, on->node, partial);
                        dlist_copy(&c->diffs, &sub.diffs);
                        add(c, dlist_compatible(&sub.diffs)
                                   ? PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
                                   : PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL);
                        ctx_free(&sub);
                    } else {
                        add(c, normalize(on->node) && normalize(on->node)->kind == DK_FALSE
                                   ? PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
                                   : PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL);
                    }
                }
            } else if (!on) {
                bool req = in_required(u->required, name);
                if (object_open(o)) {
                    if (is_empty(un->node))
                        add(c, PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL);
                    else if (req)
                        add(c, has_default(un->node)
                                   ? REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL
                                   : REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL);
                    else
                        add(c, OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL);
                } else {
                    const struct dnode *partial = object_partial(c->sh->reg, o, name);
                    if (partial) {
                        struct dctx sub;
                        ctx_init(&sub, c->sh, c);
                        compare(&sub, partial, un->node);
                        dlist_copy(&c->diffs, &sub.diffs);
                        add(c, dlist_compatible(&sub.diffs)
                                   ? PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
                                   : PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL);
                        ctx_free(&sub);
                    }
                    if (req)
                        add(c, has_default(un->node)
                                   ? REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL
                                   : REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL);
                    else
                        add(c, OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL);
                }
            } else {
                compare(c, on->node, un->node);
            }
            leave(c, m2);
        }
    }
    leave(c, mark);

    /* dependencies */
    mark = enter(c, "dependencies");
    for (size_t pass = 0; pass < 2; pass++) {
        const struct dnode *side = pass == 0 ? o : u;
        for (size_t i = 0; i < side->ndep_arrays; i++) {
            const char *name = side->dep_arrays[i].name;
            const struct named *od = find_named(o->dep_arrays, o->ndep_arrays, name);
            const struct named *ud = find_named(u->dep_arrays, u->ndep_arrays, name);
            if (pass == 1 && od)
                continue;
            if (!ud) {
                add_at(c, name, DEPENDENCY_ARRAY_REMOVED);
            } else if (!od) {
                add_at(c, name, DEPENDENCY_ARRAY_ADDED);
            } else {
                bool u_has_o = contains_all(ud->value, od->value),
                     o_has_u = contains_all(od->value, ud->value);
                if (!(u_has_o && o_has_u)) {
                    if (u_has_o)
                        add_at(c, name, DEPENDENCY_ARRAY_EXTENDED);
                    else if (o_has_u)
                        add_at(c, name, DEPENDENCY_ARRAY_NARROWED);
                    else
                        add_at(c, name, DEPENDENCY_ARRAY_CHANGED);
                }
            }
        }
    }
    for (size_t pass = 0; pass < 2; pass++) {
        const struct dnode *side = pass == 0 ? o : u;
        for (size_t i = 0; i < side->ndep_schemas; i++) {
            const char *name = side->dep_schemas[i].name;
            const struct named *od = find_named(o->dep_schemas, o->ndep_schemas, name);
            const struct named *ud = find_named(u->dep_schemas, u->ndep_schemas, name);
            if (pass == 1 && od)
                continue;
            if (!ud) {
                add_at(c, name, DEPENDENCY_SCHEMA_REMOVED);
            } else if (!od) {
                add_at(c, name, DEPENDENCY_SCHEMA_ADDED);
            } else {
                size_t m2 = enter(c, name);
                compare(c, od->node, ud->node);
                leave(c, m2);
            }
        }
    }
    leave(c, mark);

    /* additionalProperties */
    mark = enter(c, "additionalProperties");
    if (o->permits_additional != u->permits_additional)
        add(c, u->permits_additional ? ADDITIONAL_PROPERTIES_ADDED : ADDITIONAL_PROPERTIES_REMOVED);
    else if (!o->additional && u->additional)
        add(c, ADDITIONAL_PROPERTIES_NARROWED);
    else if (o->additional && !u->additional)
        add(c, ADDITIONAL_PROPERTIES_EXTENDED);
    else
        compare(c, o->additional, u->additional);
    leave(c, mark);

    /* unevaluatedProperties */
    const struct dnode *ou = o->uneval_props, *uu = u->uneval_props;
    if (ou || uu) {
        mark = enter(c, "unevaluatedProperties");
        if (!ou)
            add(c, uu->kind == DK_FALSE ? UNEVALUATED_PROPERTIES_REMOVED : UNEVALUATED_PROPERTIES_NARROWED);
        else if (!uu)
            add(c, ou->kind == DK_FALSE ? UNEVALUATED_PROPERTIES_ADDED : UNEVALUATED_PROPERTIES_EXTENDED);
        else if (ou->kind == DK_FALSE && uu->kind != DK_FALSE)
            add(c, UNEVALUATED_PROPERTIES_ADDED);
        else if (ou->kind != DK_FALSE && uu->kind == DK_FALSE)
            add(c, UNEVALUATED_PROPERTIES_REMOVED);
        else if (is_empty(ou) && !is_empty(uu))
            add(c, UNEVALUATED_PROPERTIES_NARROWED);
        else if (!is_empty(ou) && is_empty(uu))
            add(c, UNEVALUATED_PROPERTIES_EXTENDED);
        else
            compare(c, ou, uu);
        leave(c, mark);
    }

    compare_limit(c, "maxProperties", o->max_props, u->max_props, MAX_PROPERTIES_ADDED,
                  MAX_PROPERTIES_REMOVED, MAX_PROPERTIES_INCREASED, MAX_PROPERTIES_DECREASED);
    compare_limit(c, "minProperties", o->min_props, u->min_props, MIN_PROPERTIES_ADDED,
                  MIN_PROPERTIES_REMOVED, MIN_PROPERTIES_INCREASED, MIN_PROPERTIES_DECREASED);
}

/* ---- arrays ---- */

static bool array_open(const struct dnode *n)
{
    if (!n->permits_additional_items || n->additional_items)
        return false;
    return !n->uneval_items || is_empty(n->uneval_items);
}

static const struct dnode *array_partial(const struct dnode *n)
{
    if (n->additional_items)
        return n->additional_items;
    if (n->permits_additional_items && n->uneval_items && n->uneval_items->kind != DK_FALSE &&
        !is_empty(n->uneval_items))
        return n->uneval_items;
    return NULL;
}

static void compare_array(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    size_t mark = enter(c, "items");
    compare(c, o->all_items, u->all_items);
    leave(c, mark);

    size_t na = o->nitem_schemas, nb = u->nitem_schemas, nmin = na < nb ? na : nb;
    for (size_t i = 0; i < na || i < nb; i++) {
        char seg[48];
        snprintf(seg, sizeof seg, "items/%zu", i);
        mark = enter(c, seg);
        if (i < nmin) {
            compare(c, o->item_schemas[i], u->item_schemas[i]);
        } else if (i < na) {
            if (array_open(u)) {
                add(c, ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL);
            } else {
                const struct dnode *partial = array_partial(u);
                if (partial) {
                    struct dctx sub;
                    ctx_init(&sub, c->sh, c);
                    compare(&sub, o->item_schemas[i], partial);
                    dlist_copy(&c->diffs, &sub.diffs);
                    add(c, dlist_compatible(&sub.diffs)
                               ? ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
                               : ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL);
                    ctx_free(&sub);
                } else {
                    const struct dnode *gone = normalize(o->item_schemas[i]);
                    add(c, gone && gone->kind == DK_FALSE ? ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
                                                          : ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL);
                }
            }
        } else {
            if (array_open(o)) {
                add(c, is_empty(u->item_schemas[i]) ? ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
                                                    : ITEM_ADDED_TO_OPEN_CONTENT_MODEL);
            } else {
                const struct dnode *partial = array_partial(o);
                if (partial) {
                    struct dctx sub;
                    ctx_init(&sub, c->sh, c);
                    compare(&sub, partial, u->item_schemas[i]);
                    dlist_copy(&c->diffs, &sub.diffs);
                    add(c, dlist_compatible(&sub.diffs)
                               ? ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
                               : ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL);
                    ctx_free(&sub);
                } else {
                    add(c, ITEM_ADDED_TO_CLOSED_CONTENT_MODEL);
                }
            }
        }
        leave(c, mark);
    }

    mark = enter(c, "additionalItems");
    if (o->permits_additional_items != u->permits_additional_items)
        add(c, o->permits_additional_items ? ADDITIONAL_ITEMS_REMOVED : ADDITIONAL_ITEMS_ADDED);
    else if (!o->additional_items && u->additional_items)
        add(c, ADDITIONAL_ITEMS_NARROWED);
    else if (o->additional_items && !u->additional_items)
        add(c, ADDITIONAL_ITEMS_EXTENDED);
    else
        compare(c, o->additional_items, u->additional_items);
    leave(c, mark);

    const struct dnode *ou = o->uneval_items, *uu = u->uneval_items;
    if (ou || uu) {
        mark = enter(c, "unevaluatedItems");
        if (!ou)
            add(c, uu->kind == DK_FALSE ? UNEVALUATED_ITEMS_REMOVED : UNEVALUATED_ITEMS_NARROWED);
        else if (!uu)
            add(c, ou->kind == DK_FALSE ? UNEVALUATED_ITEMS_ADDED : UNEVALUATED_ITEMS_EXTENDED);
        else if (ou->kind == DK_FALSE && uu->kind != DK_FALSE)
            add(c, UNEVALUATED_ITEMS_ADDED);
        else if (ou->kind != DK_FALSE && uu->kind == DK_FALSE)
            add(c, UNEVALUATED_ITEMS_REMOVED);
        else if (is_empty(ou) && !is_empty(uu))
            add(c, UNEVALUATED_ITEMS_NARROWED);
        else if (!is_empty(ou) && is_empty(uu))
            add(c, UNEVALUATED_ITEMS_EXTENDED);
        else
            compare(c, ou, uu);
        leave(c, mark);
    }

    compare_limit(c, "maxItems", o->max_items, u->max_items, MAX_ITEMS_ADDED, MAX_ITEMS_REMOVED,
                  MAX_ITEMS_INCREASED, MAX_ITEMS_DECREASED);
    compare_limit(c, "minItems", o->min_items, u->min_items, MIN_ITEMS_ADDED, MIN_ITEMS_REMOVED,
                  MIN_ITEMS_INCREASED, MIN_ITEMS_DECREASED);
    if (o->unique != u->unique)
        add_at(c, "uniqueItems", o->unique ? UNIQUE_ITEMS_REMOVED : UNIQUE_ITEMS_ADDED);
    compare_limit(c, "maxContains", o->max_contains, u->max_contains, MAX_CONTAINS_ADDED,
                  MAX_CONTAINS_REMOVED, MAX_CONTAINS_INCREASED, MAX_CONTAINS_DECREASED);
    compare_limit(c, "minContains", o->min_contains, u->min_contains, MIN_CONTAINS_ADDED,
                  MIN_CONTAINS_REMOVED, MIN_CONTAINS_INCREASED, MIN_CONTAINS_DECREASED);
}

/* ---- dispatch ---- */

/* Tries to compare the sub-pair in a scratch context; on success its differences are kept. */
static bool try_compare(struct dctx *c, const struct dnode *o, const struct dnode *u, enum diff_kind extra,
                        bool add_extra)
{
    struct dctx sub;
    ctx_init(&sub, c->sh, c);
    compare(&sub, o, u);
    bool ok = dlist_compatible(&sub.diffs);
    if (ok) {
        dlist_copy(&c->diffs, &sub.diffs);
        if (add_extra)
            add(c, extra);
    }
    ctx_free(&sub);
    return ok;
}

static void compare_types(struct dctx *c, const struct dnode *o, const struct dnode *u)
{
    if (o->kind != DK_COMBINED && u->kind == DK_COMBINED) {
        if (u->nsubs == 1) {
            if (try_compare(c, o, u->subs[0], SUM_TYPE_EXTENDED, false))
                return;
        } else if (u->crit == CRIT_ANY || u->crit == CRIT_ONE) {
            for (size_t i = 0; i < u->nsubs; i++)
                if (try_compare(c, o, u->subs[i], SUM_TYPE_EXTENDED, true))
                    return;
        }
    } else if (o->kind == DK_COMBINED && u->kind != DK_COMBINED) {
        if (o->nsubs == 1) {
            if (try_compare(c, o->subs[0], u, PRODUCT_TYPE_NARROWED, false))
                return;
        } else if (o->crit == CRIT_ALL) {
            for (size_t i = 0; i < o->nsubs; i++)
                if (try_compare(c, o->subs[i], u, PRODUCT_TYPE_NARROWED, true))
                    return;
        }
    }
    if (!types_equal(o, u)) {
        if (o->kind == DK_FALSE || is_empty(u))
            return;
        const char *oc = json_string_value(o->connect_type), *uc = json_string_value(u->connect_type);
        if (oc && uc && strcmp(oc, "bytes") == 0 && strcmp(uc, "bytes") == 0)
            return;
        add(c, TYPE_CHANGED);
        return;
    }
    if (!json_eq_opt(o->id, u->id))
        add(c, ID_CHANGED);
    if (!json_eq_opt(o->title, u->title))
        add(c, TITLE_CHANGED);
    if (!json_eq_opt(o->description, u->description))
        add(c, DESCRIPTION_CHANGED);
    if (!json_eq_opt(o->dflt, u->dflt))
        add(c, DEFAULT_CHANGED);
    switch (o->kind) {
    case DK_STRING:
        compare_string(c, o, u);
        break;
    case DK_NUMBER:
        compare_number(c, o, u);
        break;
    case DK_CONST:
        if (!json_value_equal(o->value, u->value))
            add_at(c, "const", ENUM_ARRAY_CHANGED);
        break;
    case DK_ENUM:
        compare_enum(c, o, u);
        break;
    case DK_COMBINED:
        compare_combined(c, o, u);
        break;
    case DK_NOT:
        compare_not(c, o, u);
        break;
    case DK_OBJECT:
        compare_object(c, o, u);
        break;
    case DK_ARRAY:
        compare_array(c, o, u);
        break;
    default:
        break;
    }
}

/* Appends diffs (relative to a pair) to c, rebased on c's current path. */
static void add_rebased(struct dctx *c, const struct dlist *rel)
{
    for (size_t i = 0; i < rel->n; i++) {
        const char *r = rel->v[i].path; /* "#/..." */
        if (c->path.len == 0) {
            dlist_add(&c->diffs, rel->v[i].kind, r);
            continue;
        }
        struct sr_buf b = SR_BUF_INIT;
        sr_buf_printf(&b, "#/%s", c->path.data);
        if (strlen(r) > 2)
            sr_buf_printf(&b, "/%s", r + 2);
        dlist_add(&c->diffs, rel->v[i].kind, b.data);
        sr_buf_free(&b);
    }
}

static void compare(struct dctx *c, const struct dnode *orig, const struct dnode *upd)
{
    if (!orig && !upd)
        return;
    if (!orig) {
        add(c, SCHEMA_ADDED);
        return;
    }
    if (!upd) {
        add(c, SCHEMA_REMOVED);
        return;
    }
    const struct dnode *o = normalize(orig), *u = normalize(upd);
    if (!o || !u)
        return; /* unresolvable: the parser rejected such schemas already */
    if (++c->sh->steps > DIFF_MAX_STEPS || c->depth > COMPAT_MAX_DEPTH * 4 ||
        json_stack_used(c->sh->stack_base) > JSON_MAX_STACK_BYTES) {
        c->sh->budget_exceeded = true;
        return;
    }
    size_t idx = get_pair(c->sh, o, u);
    struct pair *p = &c->sh->pairs[idx];
    if (p->state == 2) {
        add_rebased(c, &p->diffs);
        return;
    }
    if (p->state == 1) {
        if (p->seeded) {
            add_rebased(c, &p->seed);
        } else {
            c->sh->optimism = true; /* assume the cycle compatible for this pass */
        }
        return;
    }
    p->state = 1;
    struct dctx sub;
    ctx_init(&sub, c->sh, NULL);
    sub.depth = c->depth + 1;
    compare_types(&sub, o, u);
    p = &c->sh->pairs[idx]; /* the array may have moved */
    p->state = 2;
    dlist_copy(&p->diffs, &sub.diffs);
    add_rebased(c, &sub.diffs);
    ctx_free(&sub);
}

static void shared_reset(struct shared *sh)
{
    for (size_t i = 0; i < sh->npairs; i++) {
        dlist_free(&sh->pairs[i].diffs);
        sh->pairs[i].state = 0;
    }
    sh->optimism = false;
    sh->steps = 0;
}

static void shared_free(struct shared *sh)
{
    for (size_t i = 0; i < sh->npairs; i++) {
        dlist_free(&sh->pairs[i].diffs);
        dlist_free(&sh->pairs[i].seed);
    }
    free(sh->pairs);
    ptr_index_free(&sh->index);
}

static void describe(struct sr_buf *b, const struct diff *d)
{
    const char *p = d->path;
    sr_buf_printf(b, "{errorType:\"%s\", description:\"", kinds[d->kind].name);
    switch (kinds[d->kind].cls) {
    case M_KEYWORD:
        sr_buf_printf(b, "The keyword at path '%s' in the new schema is not present in the old schema", p);
        break;
    case M_INCREASED:
        sr_buf_printf(b, "The value at path '%s' in the new schema is more than its value in the old schema",
                      p);
        break;
    case M_DECREASED:
        sr_buf_printf(b, "The value at path '%s' in the new schema is less than its value in the old schema",
                      p);
        break;
    case M_VALUE_CHANGED:
        sr_buf_printf(b, "The value at path '%s' is different between the new schema and the old schema", p);
        break;
    case M_NARROWED:
        sr_buf_printf(
            b,
            "An array or combined type at path '%s' has fewer elements in the new schema than the old "
            "schema",
            p);
        break;
    case M_EXTENDED:
        sr_buf_printf(
            b,
            "An array or combined type at path '%s' has more elements in the new schema than the old "
            "schema",
            p);
        break;
    case M_TYPE_CHANGED:
        sr_buf_printf(b, "A type at path '%s' is different between the new schema and the old schema", p);
        break;
    case M_ADDED_TO_OPEN:
        sr_buf_printf(
            b,
            "The old schema has an open content model and has a property or item at path '%s' which "
            "is missing in the new schema",
            p);
        break;
    case M_REQUIRED_TO_UNOPEN:
        sr_buf_printf(b,
                      "The new schema has an unopen content model and has a required property at path '%s' "
                      "which is missing in the old schema",
                      p);
        break;
    case M_REMOVED_FROM_CLOSED:
        sr_buf_printf(
            b,
            "The new schema has a closed content model and is missing a property or item present at "
            "path '%s' in the old schema",
            p);
        break;
    case M_REMOVED_NOT_COVERED:
        sr_buf_printf(b,
                      "A property or item is missing in the new schema but present at path '%s' in the old "
                      "schema and is not covered by its partially open content model",
                      p);
        break;
    case M_ADDED_NOT_COVERED:
        sr_buf_printf(b,
                      "The new schema has a property or item at path '%s' which is missing in the old schema "
                      "and is not covered by its partially open content model",
                      p);
        break;
    default:
        sr_buf_printf(b, "Change at path '%s'", p);
        break;
    }
    sr_buf_puts(b, "\"}");
}

/* Runs the comparison; on success *out holds every change (allowed or not), top level. */
static int diff_run(const struct json_schema_impl *reader, const struct json_schema_impl *writer,
                    struct dlist *out, struct sr_error *err)
{
    char base;
    struct model mw = {0}, mr = {0};
    mw.stack_base = mr.stack_base = &base;
    mw.reg = writer->reg;
    mw.err = err;
    mw.one = json_integer(1);
    mr.reg = reader->reg;
    mr.err = err;
    mr.one = json_integer(1);
    int rc = -1;
    struct shared sh = {0};
    sh.stack_base = &base;
    const struct dnode *orig = build(&mw, &writer->root, 0);
    const struct dnode *upd = build(&mr, &reader->root, 0);
    if (mw.failed || mr.failed)
        goto out;
    sh.reg = reader->reg;
    /* Fixpoint over optimistic cycle truncation (see the file comment). */
    struct dctx top;
    for (int pass = 0;; pass++) {
        ctx_init(&top, &sh, NULL);
        compare(&top, orig, upd);
        if (sh.budget_exceeded) {
            ctx_free(&top);
            sr_error_set(
                err, SR_ERR_INVALID_SCHEMA,
                "Invalid schema: the compatibility check exceeds its budget (schemas too deeply combined)");
            goto out;
        }
        bool grew = false;
        for (size_t i = 0; i < sh.npairs; i++) {
            struct pair *p = &sh.pairs[i];
            if (p->state == 2 && !dlist_compatible(&p->diffs) && !p->seeded) {
                p->seeded = true;
                dlist_copy(&p->seed, &p->diffs);
                grew = true;
            }
        }
        if (!sh.optimism || !grew || pass >= 64)
            break;
        ctx_free(&top);
        shared_reset(&sh);
    }
    *out = top.diffs;
    memset(&top.diffs, 0, sizeof top.diffs);
    ctx_free(&top);
    rc = 0;
out:
    shared_free(&sh);
    model_free(&mw);
    model_free(&mr);
    return rc;
}

int json_diff_can_read(const struct json_schema_impl *reader, const struct json_schema_impl *writer,
                       struct compat_result *res, struct sr_error *err)
{
    struct dlist diffs = {0};
    if (diff_run(reader, writer, &diffs, err) != 0)
        return -1;
    for (size_t i = 0; i < diffs.n; i++) {
        if (kinds[diffs.v[i].kind].allowed)
            continue;
        struct sr_buf b = SR_BUF_INIT;
        describe(&b, &diffs.v[i]);
        compat_result_add(res, "%s", b.data);
        sr_buf_free(&b);
    }
    dlist_free(&diffs);
    return 0;
}

int json_diff_changes(const struct json_schema_impl *reader, const struct json_schema_impl *writer,
                      struct compat_result *changes, struct sr_error *err)
{
    struct dlist diffs = {0};
    if (diff_run(reader, writer, &diffs, err) != 0)
        return -1;
    for (size_t i = 0; i < diffs.n; i++)
        compat_result_add(changes, "%s %s", kinds[diffs.v[i].kind].name, diffs.v[i].path);
    dlist_free(&diffs);
    return 0;
}
