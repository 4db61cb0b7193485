/* SPDX-License-Identifier: Apache-2.0 */
/* api_internal.h — what the API's files share: the parsed request handed to handlers, the
 * response they fill, request-parameter helpers (request.c) and the registry domain logic
 * (registry.c). Nothing here knows about libevent; handlers report client mistakes through
 * struct sr_error and the dispatcher in routes.c turns them into Confluent error bodies. */
#ifndef API_INTERNAL_H
#define API_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "compat.h"
#include "sr_buf.h"
#include "sr_error.h"
#include "store.h"

/* Pagination defaults of spec 1.3. */
#define API_SCHEMAS_LIMIT 1000
/* Reference closure budget: a registry cannot hold a sane schema with more dependencies. */
#define API_MAX_REFS 1024

#define API_CT_V1 "application/vnd.schemaregistry.v1+json"
#define API_CT_GENERIC "application/vnd.schemaregistry+json"
#define API_CT_JSON "application/json"

struct api_param {
    char *name;  /* decoded, owned */
    char *value; /* decoded, owned; "" for "?flag" */
};

#define API_MAX_PATH_SEGS 8

/* A request after routing: everything decoded, nothing borrowed from libevent. */
struct api_req {
    enum api_method method;
    char *seg[API_MAX_PATH_SEGS]; /* decoded path segments, owned */
    size_t nseg;
    const char *params[4]; /* borrowed from seg: the {…} placeholders of the route, in order */
    size_t nparams;
    struct api_param *query; /* owned */
    size_t nquery;
    json_t *body; /* parsed JSON body (new reference) or NULL when absent */
    /* The request as server/ handed it over (borrowed): for routes that read the raw body
     * or headers themselves (POST /cloudevents/validate). */
    const struct api_request *raw;
    /* Non-NULL when the reply may wait for the disk without blocking (api_handle_async()):
     * see api_end_grouped(). */
    struct api_defer *defer;
};

/* What a handler fills. Exactly one of body (JSON) and raw (schema text) is set, or neither
 * for 204. */
struct api_resp {
    int status;   /* 0 means 200 */
    json_t *body; /* new reference owned by the response */
    char *raw;    /* owned, for the .../schema endpoints */
    size_t raw_len;
    /* On failure: the full error message when it outgrows sr_error's fixed buffer (the 409
     * details list); owned. The dispatcher prefers it to err->message. */
    char *error_message;
};

/* Routes and runs one request (api_handle() with r zeroed); resp is filled when this
 * returns. If r->defer was set and a handler armed it (api_end_grouped()), the reply still
 * waits for the store: see async.c. */
void api_dispatch(const struct api_ctx *ctx, const struct api_request *req, struct api_req *r,
                  struct api_response *resp);

/* Ends a grouped write section (store_write_begin_grouped()). With req->defer the caller's
 * reply is held back until the section's writes are durable, and this returns 0 at once;
 * otherwise it waits, and returns -1 with err set if the commit failed. */
SR_MUST_CHECK int api_end_grouped(const struct api_ctx *ctx, const struct api_req *req, struct sr_error *err);

typedef int (*api_handler_fn)(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                              struct sr_error *err);

/* ---- request.c ---- */

/* Percent-decodes s[0..len) ('+' kept as is unless plus_is_space). Returns a new string;
 * caller frees with free(). Malformed escapes are kept literally; %00 decodes to DEL. */
char *api_percent_decode(const char *s, size_t len, bool plus_is_space);
/* Decodes one strictly valid UTF-8 sequence (no overlong forms, surrogates or values above
 * U+10FFFF) at p[0..len), len > 0. Returns its length (1-4) and sets *cp, or 0 when the
 * bytes there are not one. */
size_t api_utf8_decode(const unsigned char *p, size_t len, unsigned *cp);
/* Parses a query string (without '?') into *out and *n (form decoding). Caller frees with
 * api_query_free(). */
void api_query_parse(const char *qs, struct api_param **out, size_t *n);
void api_query_free(struct api_param *q, size_t n);
/* Sets (replacing every earlier occurrence) a query parameter on req. */
void api_query_set(struct api_req *req, const char *name, const char *value);
/* First value of a query parameter, borrowed from req, or NULL. */
const char *api_query(const struct api_req *req, const char *name);
/* Spec 1.3: only a case-insensitive "true" is true. */
bool api_query_bool(const struct api_req *req, const char *name);
/* Integer query parameter; absent -> def. Unparsable -> -1 with err 404 (framework rule). */
SR_MUST_CHECK int api_query_int(const struct api_req *req, const char *name, int64_t def, int64_t *out,
                                struct sr_error *err);
/* Parses a decimal int64 path parameter; -1 with err 404 when it is not one. */
SR_MUST_CHECK int api_parse_int_param(const char *s, int64_t *out, struct sr_error *err);
/* Offset/limit per spec 1.3; def_limit 0 = unlimited. Fills *offset and *limit (0 = no limit). */
SR_MUST_CHECK int api_pagination(const struct api_req *req, int64_t def_limit, int64_t *offset,
                                 int64_t *limit, struct sr_error *err);
/* Is index i (0-based, of an already filtered list) inside the page? */
bool api_in_page(size_t i, int64_t offset, int64_t limit);

/* Version selector of spec 2.2: a positive int, -1 or "latest" (trimmed, any case).
 * *out = -1 for latest. Returns -1 with 42202 otherwise. */
SR_MUST_CHECK int api_parse_version(const char *s, int64_t *out, struct sr_error *err);

/* ---- registry.c: subjects and contexts ---- */

/* A subject name split per spec 2.1. */
struct api_subject {
    char *context;     /* "." or ".ctx"; "*" for the ":*:" wildcard; owned */
    char *name;        /* the unqualified part, may be ""; owned */
    char *qualified;   /* normal form: "name" in ".", ":.ctx:name" elsewhere; owned */
    bool explicit_ctx; /* the input named a context (":x:..."), so no context fallback */
};

/* Splits and normalises a (decoded) subject or prefix. Never fails. */
void api_subject_parse(const char *raw, struct api_subject *out);
/* Qualifies a reference subject relative to the referencing subject's context. */
void api_subject_parse_in(const char *raw, const char *context, struct api_subject *out);
void api_subject_free(struct api_subject *s);
/* Builds the normal form of name in context. Returns a new string; caller frees with free(). */
char *api_qualify(const char *context, const char *name);
/* 42208 checks of spec 2.1 (control characters, reserved names). for_register also refuses
 * the :.__GLOBAL: pseudo-context. */
SR_MUST_CHECK int api_subject_validate(const char *raw, bool for_register, struct sr_error *err);
/* Rewrites *s to its alias target when s has an `alias` in its own config (spec 2.7). */
void api_subject_apply_alias(struct store *st, struct api_subject *s);
/* Does a stored (qualified) subject belong to context ctx ("." or ".x")? On success *name
 * (if not NULL) gets the unqualified part, borrowed from subject. */
bool api_subject_in_context(const char *subject, const char *ctx, const char **name);
/* Does a stored subject match a subjectPrefix (spec 5.2/5.4)? */
bool api_subject_matches_prefix(const char *subject, const struct api_subject *prefix);
/* Normalises a context name from the /contexts/{ctx} URL prefix or DELETE /contexts/{ctx}
 * ("ctx", ".ctx", ":.ctx:") to ".ctx". Returns a new string, or NULL for a bad name. */
char *api_context_normalize(const char *raw);

/* ---- registry.c: config and mode (spec 2.6, 2.7) ---- */

#define API_GLOBAL_SCOPE ":.__GLOBAL:"

/* The config/mode scope a subject path parameter names: "" (global), ":.ctx:", the
 * pseudo-context ":.__GLOBAL:", or a qualified subject. Returns a new string. */
char *api_scope_of(const struct api_subject *s);
/* Stored config of a scope as a new JSON object (GET shape), or NULL. */
json_t *api_config_stored(struct store *st, const char *scope);
/* Effective config per spec 2.7 for scope (context: the subject's context). Returns a new
 * object in GET shape; compatibilityLevel is always present. */
json_t *api_config_effective(struct store *st, const char *scope, const char *context);
enum compat_level api_config_level(const json_t *cfg);
/* Effective mode name per spec 2.6 (static string). */
const char *api_mode_effective(struct store *st, const char *scope, const char *context);
bool api_mode_is_readonly(const char *mode);

/* ---- registry.c: register requests, references, identity ---- */

struct api_req_ref {
    const char *name;    /* borrowed from the request body */
    const char *subject; /* as sent */
    int64_t version;     /* -1 = latest */
    /* subject is a stored (normal-form) name, copied from a stored version: it is not
     * relative to the referencing subject's context. */
    bool stored_form;
};

/* A register/lookup/compatibility request body (spec 3.3), fields borrowed from the JSON. */
struct api_schema_req {
    const char *schema; /* NULL when absent or null */
    size_t schema_len;
    enum sr_schema_type type;
    struct api_req_ref *refs; /* owned */
    size_t nrefs;
    json_t *metadata; /* borrowed; NULL when absent or null */
    json_t *rule_set; /* borrowed; NULL when absent or null */
    bool has_id;
    int64_t id;
    bool has_version;
    int64_t version;
    bool tags_change; /* schemaTagsToAdd / schemaTagsToRemove present */
};

/* Parses body into *out: wrong JSON types -> 400, unknown schemaType or incomplete reference
 * -> 42201. Caller frees with api_schema_req_free(). */
SR_MUST_CHECK int api_schema_req_parse(const json_t *body, struct api_schema_req *out, struct sr_error *err);
void api_schema_req_free(struct api_schema_req *r);

/* References resolved against the store. */
struct api_refs {
    struct store_ref *refs; /* the direct references, concrete versions; strings owned */
    size_t nrefs;
    struct compat_ref *closure;       /* transitive closure, dependencies first; borrowed texts */
    const struct store_schema **srcs; /* the stored schema behind each closure entry */
    size_t nclosure;
};
void api_refs_free(struct api_refs *r);

/* A request schema after merge, reference resolution and parsing. */
struct api_prepared {
    struct compat_schema *parsed; /* owned */
    struct api_refs refs;
    char *metadata; /* compact JSON as given, owned, or NULL */
    char *rule_set;
    unsigned char hash[16];
    enum sr_schema_type type;
    bool normalized; /* parsed with API_PREP_NORMALIZE */
};

enum api_prepare_flags {
    API_PREP_DEFAULT = 0,
    API_PREP_NORMALIZE = 1 << 0,
    API_PREP_LENIENT = 1 << 1,       /* IMPORT: syntax only */
    API_PREP_ALLOW_DELETED = 1 << 2, /* references may name soft-deleted versions */
};

/* Resolves r's references in context, parses the schema (metadata/ruleSet given separately
 * as the already-merged values, may be NULL) and computes the identity hash. 42201 on any
 * failure. Caller frees with api_prepared_free(). Inside a read or write section. */
SR_MUST_CHECK int api_prepare(struct store *st, const char *context, const char *text, size_t text_len,
                              enum sr_schema_type type, const struct api_req_ref *refs, size_t nrefs,
                              const json_t *metadata, const json_t *rule_set, unsigned flags,
                              struct api_prepared *out, struct sr_error *err);
void api_prepared_free(struct api_prepared *p);
/* Recomputes p->hash (after p->metadata changed). */
void api_prepared_rehash(struct api_prepared *p);

/* Parses a stored schema again (leniently; references may be soft-deleted). Returns a new
 * schema (caller frees with compat_schema_free()) or NULL with err set. */
struct compat_schema *api_parse_stored(struct store *st, const struct store_schema *s, struct sr_error *err);

/* Spec 3.2 validation of a ruleSet object -> 42210. NULL is valid. */
SR_MUST_CHECK int api_ruleset_validate(const json_t *rs, struct sr_error *err);
/* Spec 2.7 merge: default, then own, then override (each may be NULL). Returns a new object
 * or NULL when all are NULL. */
json_t *api_merge_metadata(const json_t *def, const json_t *own, const json_t *over);
json_t *api_merge_ruleset(const json_t *def, const json_t *own, const json_t *over);

/* ---- registry.c: versions ---- */

/* The highest live version in the list, or NULL. */
const struct store_version *api_latest_live(const struct store_version *const *v, size_t n);
/* Version of a subject by number (soft-deleted included), or NULL. */
const struct store_version *api_find_version(const struct store_version *const *v, size_t n, int64_t version);
bool api_subject_has_live(struct store *st, const char *subject);

/* Lookup of spec 5.2 in one subject (steps 2-4). Returns 1 and *out when found, 0 when not,
 * -1 with err set (42201) when the request schema does not parse. */
SR_MUST_CHECK int api_lookup_in_subject(struct store *st, const char *subject, const char *context,
                                        const struct api_schema_req *r, bool normalize, bool deleted,
                                        bool latest_only, const struct store_version **out,
                                        struct sr_error *err);

/* Identity match (lookup step 2): the highest version of subject holding the schema with
 * this hash in context; soft-deleted ones only with deleted, and with latest_only only the
 * latest live version. Returns a borrowed version or NULL. */
const struct store_version *api_identity_match(struct store *st, const char *subject, const char *context,
                                               const unsigned char hash[16], bool deleted, bool latest_only);
/* Steps 2-3 of lookup with an already prepared schema: identity match, then the
 * equivalence scan (newest first). Returns a borrowed version or NULL. */
const struct store_version *api_match_prepared(struct store *st, const char *subject, const char *context,
                                               const struct api_prepared *p, bool deleted, bool latest_only);
/* Spec 2.1 read fallback: an unqualified subject with no versions in the default context is
 * looked up under the same name in the other contexts (context order). Rewrites *s. */
void api_subject_fallback(struct store *st, struct api_subject *s);

/* ---- compatibility.c ---- */

/* The live versions of subject (oldest first) that take part in a compatibility check,
 * filtered by the config's compatibilityGroup against new_metadata (JSON text or NULL).
 * Returns a new array (caller frees with free()); *n gets its length. */
const struct store_version **api_compat_candidates(struct store *st, const char *subject, const json_t *cfg,
                                                   const char *new_metadata, size_t *n);
/* Checks cand against prev (oldest first) at level. 0 with *res filled, -1 with err. */
SR_MUST_CHECK int api_compat_against(struct store *st, enum compat_level level,
                                     const struct compat_schema *cand,
                                     const struct store_version *const *prev, size_t n,
                                     struct compat_result *res, struct sr_error *err);

/* ---- registry.c: JSON ---- */

enum api_json_flags {
    API_JSON_SUBJECT = 1 << 0,        /* include "subject" */
    API_JSON_QUALIFIED_REFS = 1 << 1, /* referenceFormat=qualified */
};

/* The schema text in `format` (or canonical when format is NULL or does not apply).
 * Returns a new string (caller frees with free()) or NULL with err set (42201). */
char *api_schema_text(struct store *st, const struct store_schema *s, const char *format, size_t *len,
                      struct sr_error *err);
/* Adds schemaType, schema, references, metadata, ruleSet, guid to obj. -1 on format failure. */
SR_MUST_CHECK int api_schema_fields(struct store *st, json_t *obj, const struct store_schema *s,
                                    const char *format, unsigned flags, struct sr_error *err);
/* The schema-version object of spec 3.4. Returns a new object or NULL with err set. */
json_t *api_version_json(struct store *st, const struct store_version *v, const char *format, unsigned flags,
                         struct sr_error *err);
/* Formats a hash as a guid. */
void api_guid(const unsigned char hash[16], char out[37]);
/* Parses a guid back to a hash. Returns 0, or -1 if malformed. */
int api_guid_parse(const char *guid, unsigned char hash[16]);
int64_t api_now_ms(void);

/* ---- cloudevents.c ---- */

/* The reference name under which every JSON schema can $ref the built-in CloudEvents 1.0
 * envelope schema without registering it (docs/cloudevents.md). */
#define API_CLOUDEVENTS_SCHEMA_URL "https://cloudevents.io/schemas/cloudevent.json"
/* The built-in envelope as a closure entry named API_CLOUDEVENTS_SCHEMA_URL, when the JSON
 * schema `text` may refer to it (it mentions the file name) and `closure` does not already
 * bind that name; else NULL. Returns a pointer to static data. */
const struct compat_ref *api_cloudevents_builtin_ref(enum sr_schema_type type, const char *text, size_t len,
                                                     const struct compat_ref *closure, size_t n);

/* ---- handlers (routes.c table) ---- */

#define API_HANDLER(name)                                                                                    \
    int name(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,                    \
             struct sr_error *err)

API_HANDLER(get_root);
API_HANDLER(post_root);
API_HANDLER(get_subjects);
API_HANDLER(post_subjects_subject);
API_HANDLER(delete_subjects_subject);
API_HANDLER(get_subjects_subject_metadata);
API_HANDLER(get_subjects_subject_versions);
API_HANDLER(post_subjects_subject_versions);
API_HANDLER(get_subjects_subject_versions_version);
API_HANDLER(get_subjects_subject_versions_version_schema);
API_HANDLER(get_subjects_subject_versions_version_referencedby);
API_HANDLER(delete_subjects_subject_versions_version);
API_HANDLER(post_subjects_subject_versions_version_tags);
API_HANDLER(get_schemas);
API_HANDLER(get_schemas_types);
API_HANDLER(get_schemas_ids_id);
API_HANDLER(get_schemas_ids_id_schema);
API_HANDLER(get_schemas_ids_id_subjects);
API_HANDLER(get_schemas_ids_id_versions);
API_HANDLER(get_schemas_guids_guid);
API_HANDLER(get_schemas_guids_guid_ids);
API_HANDLER(post_compatibility_subjects_subject_versions);
API_HANDLER(post_compatibility_subjects_subject_versions_version);
API_HANDLER(get_config);
API_HANDLER(put_config);
API_HANDLER(delete_config);
API_HANDLER(get_config_subject);
API_HANDLER(put_config_subject);
API_HANDLER(delete_config_subject);
API_HANDLER(get_mode);
API_HANDLER(put_mode);
API_HANDLER(delete_mode);
API_HANDLER(get_mode_subject);
API_HANDLER(put_mode_subject);
API_HANDLER(delete_mode_subject);
API_HANDLER(get_contexts);
API_HANDLER(delete_contexts_context);
API_HANDLER(get_v1_metadata_id);
API_HANDLER(get_v1_metadata_version);
API_HANDLER(get_v1_metadata_deployment);
API_HANDLER(post_cloudevents_validate);

#endif
