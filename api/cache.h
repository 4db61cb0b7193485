/* SPDX-License-Identifier: Apache-2.0 */
/* cache.h — memoised results of the API's hot paths, shared by all worker threads: a
 * bounded map from byte strings to byte strings (rendered response fragments, exact request
 * texts -> identity hashes) and a bounded map from stored schemas to their parsed form
 * (cache.c), and the response renderers that use them (render.c).
 * Everything kept is a pure function of its key, so an entry is never stale; the bounds only
 * cost a recomputation. A NULL cache is valid everywhere and caches nothing. */
#ifndef API_CACHE_H
#define API_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "api_internal.h"
#include "compat.h"
#include "sr_buf.h"
#include "store.h"

/* api_cache_new() with other bounds (bytes: rendered fragments and keys; parsed: an
 * estimate of parsed schemas' memory), for tests of the eviction paths. */
struct api_cache *api_cache_new_sized(size_t bytes_budget, size_t parsed_budget);

/* Appends the value stored under key to out and returns true, or returns false (out
 * untouched) on a miss or when cache is NULL. */
bool api_cache_get(struct api_cache *cache, const void *key, size_t key_len, struct sr_buf *out);
/* Stores a copy of value under a copy of key (replacing an earlier value). A value larger
 * than the cache's share for it is not kept. */
void api_cache_put(struct api_cache *cache, const void *key, size_t key_len, const void *value,
                   size_t value_len);

/* A pinned parsed schema (see api_cache_parsed()). */
struct api_parsed;

/* The parsed form of a stored schema (as api_parse_stored() gives it), shared between
 * threads: *out gets it, valid until the returned pin is released with api_cache_unpin()
 * (never compat_schema_free() it). Returns NULL with err set (and *out NULL) when the schema
 * does not parse. With a NULL cache (or a schema with references), parses privately.
 * Inside a read or write section. */
struct api_parsed *api_cache_parsed(struct api_cache *cache, struct store *st, const struct store_schema *s,
                                    const struct compat_schema **out, struct sr_error *err);
/* Releases a pin; NULL is fine. */
void api_cache_unpin(struct api_cache *cache, struct api_parsed *pin);

/* ---- render.c: responses served from pre-rendered bytes ---- */

/* The schema-version object of spec 3.4 (api_version_json() with the same arguments),
 * serialised into resp->raw byte for byte as the JSON path would give it. The immutable part
 * (guid ... schema) comes from the cache; subject, version, id, ts and deleted are written per
 * request, so a soft delete needs no invalidation. 0, or -1 with err set. */
SR_MUST_CHECK int api_render_version(const struct api_ctx *ctx, const struct store_version *v,
                                     const char *format, unsigned flags, struct api_resp *resp,
                                     struct sr_error *err);
/* The GET /schemas/ids/{id} body: the schema fields, then (hint != NULL) subject, version and
 * ts, then (max_id >= 0) maxId, serialised into resp->raw. 0, or -1 with err set. */
SR_MUST_CHECK int api_render_schema(const struct api_ctx *ctx, const struct store_schema *s,
                                    const char *format, unsigned flags, const struct store_version *hint,
                                    int64_t max_id, struct api_resp *resp, struct sr_error *err);

/* ---- register.c: re-registration from the raw body ---- */

/* POST /subjects/{s}/versions answered before its body is parsed: when the exact body bytes
 * were seen before (by a registration whose step 2 computed their schema's hash) and spec
 * 5.3 step 2 finds the schema in the subject, fills resp like the full handler would and
 * returns 1 (or -1 with err set if rendering failed). Returns 0 when the request needs the
 * full path; a body never seen costs one cache lookup. req has no body yet. */
SR_MUST_CHECK int api_register_from_body(const struct api_ctx *ctx, const struct api_req *req,
                                         const char *body, size_t len, struct api_resp *resp,
                                         struct sr_error *err);

/* ---- registry.c ---- */

/* api_lookup_in_subject(), also giving (hash != NULL) the identity hash of the request
 * schema as first prepared (before any step-4 inheritance). With parsed != NULL (r has no
 * references), *parsed may come in as r's text already parsed with the same type and
 * normalize flag, which is then used instead of parsing again (ownership passes in); on
 * return *parsed holds the parse, which the caller frees with compat_schema_free(), unless
 * -1 is returned. */
SR_MUST_CHECK int api_lookup_in_subject_hash(struct store *st, const char *subject, const char *context,
                                             const struct api_schema_req *r, bool normalize, bool deleted,
                                             bool latest_only, const struct store_version **out,
                                             unsigned char *hash, struct compat_schema **parsed,
                                             struct sr_error *err);

/* What api_prepare() gives for a schema without references whose parse (with the same
 * type, text and parse flags) is already at hand: takes ownership of parsed. */
void api_prepare_from_parsed(struct compat_schema *parsed, enum sr_schema_type type, const json_t *metadata,
                             const json_t *rule_set, bool normalized, struct api_prepared *out);

/* ---- compatibility with cached parses ---- */

/* api_compat_against(), taking the earlier versions' parsed forms from the cache. */
SR_MUST_CHECK int api_compat_against_cached(struct api_cache *cache, struct store *st,
                                            enum compat_level level, const struct compat_schema *cand,
                                            const struct store_version *const *prev, size_t n,
                                            struct compat_result *res, struct sr_error *err);

#endif
