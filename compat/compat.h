/* SPDX-License-Identifier: Apache-2.0 */
/* compat.h — schema parsing, canonical forms and compatibility, for every schema type.
 * One signature per question; the per-type work lives in avro.c, proto*.c, json*.c behind
 * struct compat_type_ops (compat_internal.h). No HTTP and no SQLite here. */
#ifndef COMPAT_H
#define COMPAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "sr_error.h"
#include "sr_schema_type.h"

/* Every recursive walk over an untrusted schema stops here with 42201. */
#define COMPAT_MAX_DEPTH 256

enum compat_level {
    COMPAT_NONE = 0,
    COMPAT_BACKWARD,
    COMPAT_BACKWARD_TRANSITIVE,
    COMPAT_FORWARD,
    COMPAT_FORWARD_TRANSITIVE,
    COMPAT_FULL,
    COMPAT_FULL_TRANSITIVE,
};

/* "NONE", "BACKWARD", ... */
const char *compat_level_name(enum compat_level level);
/* Case-insensitive parse of a level name. Returns 0, or -1 if unknown. */
int compat_level_parse(const char *name, enum compat_level *out);

/* A schema the parsed one refers to, already resolved by the caller (api/).
 * Callers pass the transitive closure, each schema after the ones it depends on. */
struct compat_ref {
    const char *name; /* Avro: full type name; Protobuf: import path; JSON: the $ref URL */
    enum sr_schema_type type;
    const char *schema; /* the referenced schema's stored text */
    size_t schema_len;
};

enum compat_parse_flags {
    COMPAT_PARSE_DEFAULT = 0,
    /* The canonical text becomes the type's normalized form (spec 2.4, normalize=true). */
    COMPAT_PARSE_NORMALIZE = 1 << 0,
    /* IMPORT mode: syntax must parse, semantic validation (e.g. Avro defaults) is skipped. */
    COMPAT_PARSE_LENIENT = 1 << 1,
};

struct compat_schema;

/* Parses and validates text of the given type. Returns a new schema; caller frees with
 * compat_schema_free(). On failure returns NULL with err set (42201 for an invalid schema).
 * refs are only read during the call. */
SR_MUST_CHECK struct compat_schema *compat_schema_parse(enum sr_schema_type type, const char *text,
                                                        size_t len, const struct compat_ref *refs,
                                                        size_t nrefs, unsigned flags, struct sr_error *err);
void compat_schema_free(struct compat_schema *schema);

enum sr_schema_type compat_schema_type(const struct compat_schema *schema);
/* The canonical text the registry stores and returns (spec 2.4). Borrowed, valid until
 * compat_schema_free(). NUL-terminated; *len (if not NULL) gets its length. */
const char *compat_schema_canonical(const struct compat_schema *schema, size_t *len);

/* The schema in an output `format` (Avro "resolved", Protobuf "serialized", ...).
 * Returns a new string (caller frees with free()), or NULL with err->code == 0 when the
 * format does not apply to this type (the caller then uses the canonical text), or NULL with
 * err set when the conversion failed. */
char *compat_schema_format(const struct compat_schema *schema, const char *format, size_t *len,
                           struct sr_error *err);

/* Is this type compiled in? (GET /schemas/types) */
bool compat_type_supported(enum sr_schema_type type);

/* The outcome of a check. An incompatibility is a result, not an error. */
struct compat_result {
    bool compatible;
    char **messages; /* each a new string owned by the result */
    size_t count;
    size_t cap;
    /* compat_check(): index into `previous` of the version that failed, or -1. */
    long failed_previous;
};

void compat_result_init(struct compat_result *res);
void compat_result_free(struct compat_result *res);
/* Records one break (and marks the result incompatible). */
void compat_result_add(struct compat_result *res, const char *fmt, ...) SR_PRINTF(2, 3);

/* Can a consumer using `reader` read data written with `writer`? Adds one message per break
 * (naming the path in the schema and the kind of break). Returns 0 when decided (see
 * res->compatible), -1 with err set when it could not decide. Different types: incompatible. */
SR_MUST_CHECK int compat_can_read(const struct compat_schema *reader, const struct compat_schema *writer,
                                  struct compat_result *res, struct sr_error *err);

/* The registry's question: may `candidate` follow `previous` (oldest first) at `level`?
 * Non-transitive levels look at the last element only, *_TRANSITIVE at all of them (newest
 * first, stopping at the first failure), NONE at none. */
SR_MUST_CHECK int compat_check(enum compat_level level, const struct compat_schema *candidate,
                               const struct compat_schema *const *previous, size_t nprevious,
                               struct compat_result *res, struct sr_error *err);

/* Every change between two versions of a schema (schema-compat diff). Each change
 * has a kind (per type: see compat/avro_diff.c for Avro's; Confluent's Difference kinds
 * for JSON Schema and Protobuf), a path in the schema, a description, and whether it breaks BACKWARD
 * (the new schema cannot read data written with the old one because of it) and FORWARD
 * (the old schema cannot read data written with the new one). */
enum compat_change_breaks {
    COMPAT_BREAKS_NONE = 0,
    COMPAT_BREAKS_BACKWARD = 1 << 0,
    COMPAT_BREAKS_FORWARD = 1 << 1,
};

struct compat_change {
    char *kind;        /* "FIELD_ADDED", ... */
    char *path;        /* where, in the new schema (the old one for removals) */
    char *description; /* one sentence */
    unsigned breaks;   /* enum compat_change_breaks flags */
};

struct compat_changes {
    /* false when the schema type has no change list in this build (only verdicts exist) */
    bool supported;
    struct compat_change *items; /* owned by the list */
    size_t count;
    size_t cap;
};

void compat_changes_init(struct compat_changes *changes);
/* Frees every change the list owns and leaves it empty; NULL is fine. */
void compat_changes_free(struct compat_changes *changes);
/* Appends one change (strings copied). */
void compat_changes_add(struct compat_changes *changes, const char *kind, const char *path, unsigned breaks,
                        const char *fmt, ...) SR_PRINTF(5, 6);
/* The same with the description's arguments in a va_list (a differ's own printf-like helper). */
void compat_changes_addv(struct compat_changes *changes, const char *kind, const char *path, unsigned breaks,
                         const char *fmt, va_list ap) SR_PRINTF(5, 0);

/* Lists every change from `old` to `new` into `out` (initialised by the caller), in schema
 * order. Schemas of different types give one SCHEMA_TYPE_CHANGED change that breaks both
 * directions. When the type has no differ, returns 0 with out->supported false and no
 * changes. Returns -1 with err set when it could not decide (42201, e.g. too deep). */
SR_MUST_CHECK int compat_diff(const struct compat_schema *old, const struct compat_schema *new,
                              struct compat_changes *out, struct sr_error *err);

/* JSON Schema instance validation (JSON schemas only): does a JSON value satisfy a parsed
 * schema? Used for event payloads (CloudEvents data) and any other "is this document valid"
 * question. Implemented in json.c. */
struct json_t;

struct compat_json_violation {
    char *instance_path; /* JSON Pointer into the instance, "" for the whole instance */
    char *schema_path;   /* JSON Pointer of the failing keyword, from the schema's root */
    char *message;       /* why it failed */
};

struct compat_json_result {
    bool valid;
    struct compat_json_violation *items; /* owned by the result */
    size_t count;
    size_t cap;
    bool truncated; /* more violations than COMPAT_JSON_MAX_VIOLATIONS; the rest were dropped */
};

#define COMPAT_JSON_MAX_VIOLATIONS 1000

enum compat_json_validate_flags {
    COMPAT_JSON_VALIDATE_DEFAULT = 0,
    /* `format` keywords assert (date-time, email, uuid, ...) instead of only annotating. */
    COMPAT_JSON_ASSERT_FORMAT = 1 << 0,
};

/* Prepares an empty result (valid, no violations). */
void compat_json_result_init(struct compat_json_result *res);
/* Frees the violations the result owns and leaves it empty; NULL is fine. */
void compat_json_result_free(struct compat_json_result *res);

/* Validates `instance` (borrowed) against `schema`, which must be of type SR_SCHEMA_JSON.
 * Fills res (initialised by the caller) with the verdict and every violation. Returns 0 when
 * decided, or -1 with err set (42201 if the schema is not JSON or cannot be evaluated, e.g.
 * an unresolvable $ref in a schema imported leniently). Safe to call from several threads on
 * the same schema: its lazily filled caches (compiled patterns, resolved URIs) are locked. */
SR_MUST_CHECK int compat_json_validate(const struct compat_schema *schema, const struct json_t *instance,
                                       unsigned flags, struct compat_json_result *res, struct sr_error *err);

#endif
