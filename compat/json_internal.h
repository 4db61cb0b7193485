/* SPDX-License-Identifier: Apache-2.0 */
/* json_internal.h — the parts of JSON Schema support shared by json*.c: the document registry
 * ($id / anchor / JSON Pointer resolution across drafts 4 to 2020-12), the instance validator,
 * format checks, and the compatibility differ. Nothing here knows about HTTP or SQLite. */
#ifndef JSON_INTERNAL_H
#define JSON_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "sr_buf.h"

enum json_draft {
    JSON_DRAFT_UNKNOWN = 0,
    JSON_DRAFT4 = 4,
    JSON_DRAFT6 = 6,
    JSON_DRAFT7 = 7,
    JSON_DRAFT2019 = 2019,
    JSON_DRAFT2020 = 2020,
};

/* Confluent's server reads a schema without (or with an unknown) $schema as draft-07. */
#define JSON_DEFAULT_DRAFT JSON_DRAFT7

/* Vocabularies in effect for a 2019-09/2020-12 schema (its metaschema's $vocabulary). */
enum json_vocab {
    JSON_VOCAB_APPLICATOR = 1 << 0,
    JSON_VOCAB_VALIDATION = 1 << 1,
    JSON_VOCAB_FORMAT_ASSERT = 1 << 2,
    JSON_VOCAB_UNEVALUATED = 1 << 3,
    JSON_VOCAB_DEFAULT = JSON_VOCAB_APPLICATOR | JSON_VOCAB_VALIDATION | JSON_VOCAB_UNEVALUATED,
};

/* A built-in document (metaschemas), json_meta.c. */
struct json_builtin {
    const char *uri;
    const char *text;
};
/* Returns a borrowed pointer to the built-in document for uri (fragment "#" and http/https
 * variants accepted), or NULL. */
const struct json_builtin *json_builtin_find(const char *uri);

/* Recursion over untrusted schemas and instances is bounded by depth counters and, because
 * frame sizes vary (sanitizers multiply them), also by the stack actually used since the
 * walk began: past this many bytes a walk stops as if its depth budget were spent. */
#define JSON_MAX_STACK_BYTES ((size_t)1 << 20)

/* Bytes of stack between `base` (the address of a local in an outer frame) and here. */
static inline size_t json_stack_used(const void *base)
{
    char here;
    uintptr_t a = (uintptr_t)(const void *)&here, b = (uintptr_t)base;
    return a > b ? a - b : b - a;
}

/* Draft named by a $schema URI, or JSON_DRAFT_UNKNOWN. */
enum json_draft json_draft_from_uri(const char *uri);

/* RFC 3986 reference resolution. Returns a new string; caller frees with free(). A base
 * without a scheme is handled as a relative path. */
char *json_uri_resolve(const char *base, const char *ref);

/* Loads a document: the retriever returns a new reference, or NULL when the URI is unknown
 * (the registry then fails closed). */
typedef json_t *(*json_retriever)(void *ud, const char *uri);

struct json_reg;

/* Where a schema sits: the schema node (borrowed from a registry document), the base URI in
 * effect there (interned, valid until json_reg_free), its draft and vocabularies. */
struct json_loc {
    const json_t *schema;
    const char *base;
    enum json_draft draft;
    unsigned vocab;
};

/* Returns a new registry; caller frees with json_reg_free(). retriever may be NULL. */
struct json_reg *json_reg_new(json_retriever retriever, void *ud);
void json_reg_free(struct json_reg *reg);
/* Adds a document under uri (absolute; NULL or "" for an anonymous one) and every $id and
 * anchor inside it. The registry takes a new reference to doc. draft is the default dialect
 * when the document has no (known) $schema. Returns 0, or -1 with err set (42201). On success
 * *root (if not NULL) describes the document's root schema. */
int json_reg_add(struct json_reg *reg, json_t *doc, const char *uri, enum json_draft draft,
                 struct json_loc *root, struct sr_error *err);
/* Resolves an absolute URI with an optional fragment (JSON Pointer or anchor). Loads
 * built-in or retrievable documents on demand. Returns 0, or -1 when it does not resolve. */
int json_reg_resolve(struct json_reg *reg, const char *uri, struct json_loc *out);
/* Looks up a $dynamicAnchor name in the resource `base`. Returns 0 or -1. */
int json_reg_dynamic_anchor(struct json_reg *reg, const char *base, const char *name, struct json_loc *out);
/* Checks a registered document beyond its metaschema: every $ref resolves, every pattern
 * compiles, and no in-place cycle ($ref / allOf / anyOf / oneOf / not / if chains that come
 * back to a schema without descending into the instance) exists. Returns 0, or -1 with err
 * set (42201). */
int json_reg_check(struct json_reg *reg, const struct json_loc *root, struct sr_error *err);
/* The location of sub, a subschema written inside parent's schema object: same document, draft
 * and vocabularies, with the base URI moved by sub's own $id where the draft honours it (not
 * next to a draft-7-or-earlier $ref, not a plain-name "#anchor" id). The base is interned. */
struct json_loc json_loc_child(struct json_reg *reg, const struct json_loc *parent, const json_t *sub);
/* Returns the resource whose base URI is exactly `base` (used for $recursiveAnchor). */
int json_reg_resource(struct json_reg *reg, const char *base, struct json_loc *out);
/* Interns s: returns a borrowed copy valid until json_reg_free(). */
const char *json_reg_intern(struct json_reg *reg, const char *s);
/* The compiled form of an ECMA-262-style pattern (PCRE2 underneath), cached per registry:
 * a borrowed, opaque pointer valid until json_reg_free(), or NULL when it does not compile. */
const void *json_reg_regex(struct json_reg *reg, const char *pattern);
/* Does the compiled pattern match anywhere in s (len bytes of UTF-8)? Thread-safe. */
bool json_regex_search(const void *re, const char *s, size_t len);
/* Does s (UTF-8) match a PCRE2 pattern such as "^\\p{M}$"? For Unicode property lookups where
 * no table of our own exists (IDNA contextual rules); compiles on every call. */
bool json_unicode_class(const char *pattern, const char *s, size_t len);
/* Does the pattern compile as an ECMA-262 regular expression (as far as PCRE2 tells)? */
bool json_regex_valid(const char *pattern);

enum json_validate_flags {
    JSON_VALIDATE_DEFAULT = 0,
    /* `format` asserts (the optional/format tests; a registry-wide choice for events). */
    JSON_VALIDATE_FORMAT = 1 << 0,
};

/* Validates inst against the schema at root. Sets *valid; appends every violation to res when
 * res is not NULL. An instance nested too deeply for the evaluation budget is a violation.
 * Returns 0, or -1 with err set when a $ref cannot be resolved or a pattern does not compile
 * (the schema, not the instance, is at fault). */
int json_validate(struct json_reg *reg, const struct json_loc *root, const json_t *inst, unsigned flags,
                  struct compat_json_result *res, bool *valid, struct sr_error *err);

/* Format assertion for a string instance. Unknown formats pass. */
bool json_format_valid(const char *format, const char *s, size_t len, enum json_draft draft);

/* Decodes standard base64 (padding required). Returns a new buffer (caller frees with free()),
 * or NULL when s is not base64. */
char *json_base64_decode(const char *s, size_t len, size_t *outlen);

/* Structural equality as JSON Schema defines it (1 == 1.0, member order irrelevant). */
bool json_value_equal(const json_t *a, const json_t *b);

/* Equality keys: json_value_key appends a string that is equal for two values exactly when
 * they are equal as JSON Schema defines it (bar integers beyond 2^53 compared with reals).
 * json_array_keys returns a new array of the keys of arr's elements, sorted (ties by index);
 * free it with json_array_keys_free. Sorting keys turns enum and uniqueItems checks from
 * quadratic into n log n, so a 100,000-element array cannot stall the registry. */
struct json_value_keyed {
    char *key;
    size_t len;
    size_t idx; /* position in the array */
};
void json_value_key(struct sr_buf *out, const json_t *v);
struct json_value_keyed *json_array_keys(const json_t *arr, size_t *n);
bool json_keys_contain(const struct json_value_keyed *keys, size_t n, const char *key, size_t len);
void json_array_keys_free(struct json_value_keyed *keys, size_t n);

/* Appends the compact serialisation of v (member order kept, or sorted with sort_keys) with
 * shortest round-trip reals. */
void json_canonical_print(struct sr_buf *out, const json_t *v, bool sort_keys);

/* The compatibility differ (json_diff.c): can a reader of `reader` read what `writer` wrote?
 * Both are the parsed impls of json.c. */
struct json_schema_impl;
int json_diff_can_read(const struct json_schema_impl *reader, const struct json_schema_impl *writer,
                       struct compat_result *res, struct sr_error *err);

/* Every change the differ finds between writer (original) and reader (update), allowed or
 * not, as "KIND #/path" messages in Confluent's vocabulary (res->compatible means nothing
 * here). For tests that hold the differ to the reference's change lists. */
int json_diff_changes(const struct json_schema_impl *reader, const struct json_schema_impl *writer,
                      struct compat_result *changes, struct sr_error *err);

/* The parsed form behind a compat_schema of type JSON (json.c). */
struct json_schema_impl {
    json_t *doc;          /* the parsed document */
    struct json_reg *reg; /* documents: this one, its references, metaschemas */
    struct json_loc root;
};

#endif
