/* SPDX-License-Identifier: Apache-2.0 */
/* compatibility.c — POST /compatibility/subjects/{s}/versions[/{v}] (spec 5.5) and the
 * candidate selection shared with registration: only live versions take part, filtered by
 * the config's compatibilityGroup. The level logic itself lives in compat/. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "cache.h"

/* The value of metadata.properties[group] in a metadata JSON text, or NULL. */
static char *group_value(const char *metadata, const char *group)
{
    if (metadata == NULL)
        return NULL;
    json_t *md = json_loads(metadata, 0, NULL);
    const char *v = json_string_value(json_object_get(json_object_get(md, "properties"), group));
    char *res = v ? sr_xstrdup(v) : NULL;
    json_decref(md);
    return res;
}

const struct store_version **api_compat_candidates(struct store *st, const char *subject, const json_t *cfg,
                                                   const char *new_metadata, size_t *n)
{
    const struct store_version *const *vs;
    size_t nv = store_subject_versions(st, subject, &vs);
    const struct store_version **out = sr_xcalloc(nv + 1, sizeof *out);
    const char *group = json_string_value(json_object_get(cfg, "compatibilityGroup"));
    char *want = group ? group_value(new_metadata, group) : NULL;
    *n = 0;
    for (size_t i = 0; i < nv; i++) {
        if (vs[i]->deleted)
            continue;
        if (group != NULL && group[0] != '\0') {
            /* An absent property is a value too (null): it only matches another absent one. */
            char *have = group_value(vs[i]->schema->metadata, group);
            bool same = (have == NULL && want == NULL) || (have && want && strcmp(have, want) == 0);
            free(have);
            if (!same)
                continue;
        }
        out[(*n)++] = vs[i];
    }
    free(want);
    return out;
}

int api_compat_against(struct store *st, enum compat_level level, const struct compat_schema *cand,
                       const struct store_version *const *prev, size_t n, struct compat_result *res,
                       struct sr_error *err)
{
    return api_compat_against_cached(NULL, st, level, cand, prev, n, res, err);
}

int api_compat_against_cached(struct api_cache *cache, struct store *st, enum compat_level level,
                              const struct compat_schema *cand, const struct store_version *const *prev,
                              size_t n, struct compat_result *res, struct sr_error *err)
{
    /* Re-parsing every stored version was three quarters of a check on a long history; the
     * parsed forms are immutable, so they are shared through the cache. */
    const struct compat_schema **parsed = sr_xcalloc(n + 1, sizeof *parsed);
    struct api_parsed **pins = sr_xcalloc(n + 1, sizeof *pins);
    int rc = -1;
    /* Only the versions the level looks at are parsed: the latest for non-transitive levels. */
    bool transitive = level == COMPAT_BACKWARD_TRANSITIVE || level == COMPAT_FORWARD_TRANSITIVE ||
                      level == COMPAT_FULL_TRANSITIVE;
    size_t first = (transitive || n == 0) ? 0 : n - 1;
    if (level == COMPAT_NONE)
        first = n;
    for (size_t i = first; i < n; i++) {
        pins[i] = api_cache_parsed(cache, st, prev[i]->schema, &parsed[i], err);
        if (pins[i] == NULL)
            goto out;
    }
    if (level == COMPAT_NONE || n == 0) {
        res->compatible = true;
        rc = 0;
        goto out;
    }
    rc = compat_check(level, cand, parsed + first, n - first, res, err);
    if (rc == 0 && res->failed_previous >= 0)
        res->failed_previous += (long)first;
out:
    for (size_t i = 0; i < n; i++)
        api_cache_unpin(cache, pins[i]);
    free(pins);
    free(parsed);
    return rc;
}

/* Parses the request schema like registration would (references may be soft-deleted). With
 * verbose, a parse failure becomes a 200 {"is_compatible":false,"messages":[...]}. Returns 1
 * when the response is already filled. */
static int prepare_candidate(const struct api_ctx *ctx, const struct api_req *req,
                             const struct api_subject *s, const struct api_schema_req *r, const json_t *cfg,
                             struct api_prepared *p, struct api_resp *resp, struct sr_error *err)
{
    bool normalize = api_query_bool(req, "normalize") || json_is_true(json_object_get(cfg, "normalize"));
    unsigned flags = API_PREP_ALLOW_DELETED | (normalize ? API_PREP_NORMALIZE : 0);
    if (api_ruleset_validate(r->rule_set, err) != 0)
        return -1;
    if (api_prepare(ctx->st, s->context, r->schema, r->schema_len, r->type, r->refs, r->nrefs, r->metadata,
                    r->rule_set, flags, p, err) == 0)
        return 0;
    if (!api_query_bool(req, "verbose"))
        return -1;
    resp->body = json_pack("{s:b, s:[s]}", "is_compatible", 0, "messages", err->message);
    sr_error_clear(err);
    return 1;
}

static json_t *result_json(const struct api_req *req, const struct compat_result *res)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "is_compatible", json_boolean(res->compatible));
    if (api_query_bool(req, "verbose")) {
        json_t *msgs = json_array();
        for (size_t i = 0; i < res->count; i++) {
            json_t *m = json_string(res->messages[i]);
            if (m != NULL)
                json_array_append_new(msgs, m);
        }
        json_object_set_new(obj, "messages", msgs);
    }
    return obj;
}

static int check(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                 bool one_version, struct sr_error *err)
{
    struct api_schema_req r;
    struct api_subject s = {0};
    struct api_prepared p = {0};
    json_t *cfg = NULL;
    const struct store_version **prev = NULL;
    struct compat_result res;
    compat_result_init(&res);
    int rc = -1;
    int64_t sel = -1;
    if (one_version && api_parse_version(req->params[1], &sel, err) != 0)
        return -1;
    if (api_schema_req_parse(req->body, &r, err) != 0) {
        api_schema_req_free(&r);
        return -1;
    }
    store_read_begin(ctx->st);
    api_subject_parse(req->params[0], &s);
    api_subject_apply_alias(ctx->st, &s);
    cfg = api_config_effective(ctx->st, s.qualified, s.context);
    const struct store_version *const *vs;
    size_t n = store_subject_versions(ctx->st, s.qualified, &vs), nprev = 0;
    const struct store_version *target = NULL;
    if (one_version) {
        target = sel == -1 ? api_latest_live(vs, n) : api_find_version(vs, n, sel);
        if (target != NULL && target->deleted)
            target = NULL;
        if (target == NULL && sel != -1) {
            sr_err_version_not_found(err, s.qualified, sel);
            goto out;
        }
    }
    int pr = prepare_candidate(ctx, req, &s, &r, cfg, &p, resp, err);
    if (pr != 0) {
        rc = pr > 0 ? 0 : -1;
        goto out;
    }
    if (one_version) {
        if (target != NULL) {
            prev = sr_xcalloc(1, sizeof *prev);
            prev[0] = target;
            nprev = 1;
        }
    } else {
        prev = api_compat_candidates(ctx->st, s.qualified, cfg, p.metadata, &nprev);
    }
    if (api_compat_against_cached(ctx->cache, ctx->st, api_config_level(cfg), p.parsed,
                                  (const struct store_version *const *)prev, nprev, &res, err) != 0)
        goto out;
    resp->body = result_json(req, &res);
    rc = 0;
out:
    store_read_end(ctx->st);
    compat_result_free(&res);
    free(prev);
    json_decref(cfg);
    api_prepared_free(&p);
    api_subject_free(&s);
    api_schema_req_free(&r);
    return rc;
}

API_HANDLER(post_compatibility_subjects_subject_versions)
{
    return check(ctx, req, resp, false, err);
}

API_HANDLER(post_compatibility_subjects_subject_versions_version)
{
    return check(ctx, req, resp, true, err);
}
