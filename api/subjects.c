/* SPDX-License-Identifier: Apache-2.0 */
/* subjects.c — the /subjects endpoints except registration (register.c): listing, lookup,
 * versions, metadata search, referencedby and the soft/permanent deletes of spec 5.2/5.3
 * with their error codes in the documented order. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "cache.h"

/* Subject from a path parameter, with its alias applied (spec 2.7). */
static void path_subject(struct store *st, const char *raw, struct api_subject *s)
{
    api_subject_parse(raw, s);
    api_subject_apply_alias(st, s);
}

static int readonly_error(struct sr_error *err, const char *subject)
{
    return sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode", subject);
}

API_HANDLER(get_subjects)
{
    (void)resp;
    int64_t offset, limit;
    if (api_pagination(req, 0, &offset, &limit, err) != 0)
        return -1;
    const char *prefix_raw = api_query(req, "subjectPrefix");
    struct api_subject prefix;
    api_subject_parse(prefix_raw ? prefix_raw : ":*:", &prefix);
    bool deleted = api_query_bool(req, "deleted"), deleted_only = api_query_bool(req, "deletedOnly");
    json_t *arr = json_array();
    store_read_begin(ctx->st);
    const char *const *subjects;
    size_t n = store_subjects(ctx->st, &subjects), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!api_subject_matches_prefix(subjects[i], &prefix))
            continue;
        bool live = api_subject_has_live(ctx->st, subjects[i]);
        bool include = deleted_only ? !live : (live || deleted);
        if (include && api_in_page(k++, offset, limit))
            json_array_append_new(arr, json_string(subjects[i]));
    }
    store_read_end(ctx->st);
    api_subject_free(&prefix);
    resp->body = arr;
    return 0;
}

API_HANDLER(post_subjects_subject)
{
    struct api_schema_req r;
    struct api_subject s = {0};
    json_t *cfg = NULL;
    int rc = -1;
    bool locked = false;
    if (api_schema_req_parse(req->body, &r, err) != 0)
        goto out;
    bool deleted = api_query_bool(req, "deleted");
    store_read_begin(ctx->st);
    locked = true;
    path_subject(ctx->st, req->params[0], &s);
    cfg = api_config_effective(ctx->st, s.qualified, s.context);
    bool normalize = api_query_bool(req, "normalize") || json_is_true(json_object_get(cfg, "normalize"));
    const struct store_version *found = NULL;
    int lr =
        api_lookup_in_subject(ctx->st, s.qualified, s.context, &r, normalize, deleted, false, &found, err);
    if (lr < 0)
        goto out;
    if (lr == 0 && !s.explicit_ctx) {
        /* Step 5: an unqualified subject falls back to the same name in other contexts. */
        const char *const *ctxs;
        size_t nc = store_contexts(ctx->st, &ctxs);
        for (size_t i = 0; i < nc && found == NULL; i++) {
            if (strcmp(ctxs[i], ".") == 0)
                continue;
            char *q = api_qualify(ctxs[i], s.name);
            lr = api_lookup_in_subject(ctx->st, q, ctxs[i], &r, normalize, deleted, false, &found, err);
            free(q);
            if (lr < 0)
                goto out;
        }
    }
    if (found == NULL) {
        const struct store_version *const *vs;
        size_t n = store_subject_versions(ctx->st, s.qualified, &vs);
        bool exists = deleted ? n > 0 : api_latest_live(vs, n) != NULL;
        if (!exists)
            sr_err_subject_not_found(err, s.qualified);
        else
            sr_err_schema_not_found(err);
        goto out;
    }
    resp->body = api_version_json(ctx->st, found, api_query(req, "format"), API_JSON_SUBJECT, err);
    rc = resp->body ? 0 : -1;
out:
    if (locked)
        store_read_end(ctx->st);
    json_decref(cfg);
    api_subject_free(&s);
    api_schema_req_free(&r);
    return rc;
}

/* 42206 check of spec 6.2: is (subject, version) referenced by a schema version outside
 * `subject` (or anywhere, when same_subject_counts)? Only live referrers when live_only. */
static bool is_referenced(struct store *st, const char *subject, int32_t version, bool live_only,
                          bool same_subject_counts)
{
    const struct store_schema *const *refs;
    size_t n = store_referrers(st, subject, version, &refs);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < refs[i]->nversions; j++) {
            const struct store_version *v = refs[i]->versions[j];
            if (live_only && v->deleted)
                continue;
            if (!same_subject_counts && strcmp(v->subject, subject) == 0)
                continue;
            return true;
        }
    }
    return false;
}

API_HANDLER(delete_subjects_subject)
{
    struct api_subject s = {0};
    int32_t *list = NULL;
    json_t *arr = NULL;
    int rc = -1;
    bool permanent = api_query_bool(req, "permanent");
    store_write_begin(ctx->st);
    path_subject(ctx->st, req->params[0], &s);
    const struct store_version *const *vs;
    size_t n = store_subject_versions(ctx->st, s.qualified, &vs), nl = 0;
    if (n == 0) {
        sr_err_subject_not_found(err, s.qualified);
        goto out;
    }
    bool any_live = api_latest_live(vs, n) != NULL;
    if (!permanent && !any_live) {
        sr_err_subject_soft_deleted(err, s.qualified);
        goto out;
    }
    if (api_mode_is_readonly(api_mode_effective(ctx->st, s.qualified, s.context))) {
        readonly_error(err, s.qualified);
        goto out;
    }
    list = sr_xcalloc(n, sizeof *list);
    for (size_t i = 0; i < n; i++) {
        if (!permanent && vs[i]->deleted)
            continue;
        if (is_referenced(ctx->st, s.qualified, vs[i]->version, !permanent, false)) {
            sr_err_reference_exists(err, s.qualified, vs[i]->version);
            goto out;
        }
    }
    if (permanent && any_live) {
        sr_err_subject_not_soft_deleted(err, s.qualified);
        goto out;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!permanent && vs[i]->deleted)
            continue;
        json_array_append_new(arr, json_integer(vs[i]->version));
    }
    /* Permanent delete removes versions highest-first (spec 6.2). */
    if (permanent) {
        for (size_t i = n; i > 0; i--)
            list[nl++] = vs[i - 1]->version;
    } else {
        for (size_t i = 0; i < n; i++)
            if (!vs[i]->deleted)
                list[nl++] = vs[i]->version;
    }
    if ((permanent ? store_hard_delete(ctx->st, s.qualified, list, nl, err)
                   : store_soft_delete(ctx->st, s.qualified, list, nl, err)) != 0)
        goto out;
    resp->body = arr;
    arr = NULL;
    rc = 0;
out:
    store_write_end(ctx->st);
    json_decref(arr);
    free(list);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(get_subjects_subject_metadata)
{
    struct api_subject s = {0};
    const char **keys = sr_xcalloc(req->nquery + 1, sizeof *keys),
               **vals = sr_xcalloc(req->nquery + 1, sizeof *vals);
    size_t nk = 0, nv = 0;
    int rc = -1;
    for (size_t i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].name, "key") == 0)
            keys[nk++] = req->query[i].value;
        else if (strcmp(req->query[i].name, "value") == 0)
            vals[nv++] = req->query[i].value;
    }
    bool deleted = api_query_bool(req, "deleted");
    store_read_begin(ctx->st);
    path_subject(ctx->st, req->params[0], &s);
    const struct store_version *const *vs;
    size_t n = store_subject_versions(ctx->st, s.qualified, &vs);
    if (n == 0) {
        sr_err_subject_not_found(err, s.qualified);
        goto out;
    }
    for (size_t i = n; i > 0; i--) {
        const struct store_version *v = vs[i - 1];
        if (v->deleted && !deleted)
            continue;
        json_t *md = v->schema->metadata ? json_loads(v->schema->metadata, 0, NULL) : NULL;
        const json_t *props = json_object_get(md, "properties");
        bool all = true;
        for (size_t k = 0; k < nk && all; k++) {
            const char *pv = json_string_value(json_object_get(props, keys[k]));
            all = pv != NULL && (k >= nv || strcmp(pv, vals[k]) == 0);
        }
        json_decref(md);
        if (all) {
            resp->body = api_version_json(ctx->st, v, api_query(req, "format"), API_JSON_SUBJECT, err);
            rc = resp->body ? 0 : -1;
            goto out;
        }
    }
    sr_err_schema_not_found(err);
out:
    store_read_end(ctx->st);
    api_subject_free(&s);
    free(keys);
    free(vals);
    return rc;
}

API_HANDLER(get_subjects_subject_versions)
{
    struct api_subject s = {0};
    int64_t offset, limit;
    if (api_pagination(req, 0, &offset, &limit, err) != 0)
        return -1;
    bool dan = api_query_bool(req, "deletedAsNegative"), deleted_only = api_query_bool(req, "deletedOnly"),
         deleted = api_query_bool(req, "deleted");
    int rc = -1;
    store_read_begin(ctx->st);
    path_subject(ctx->st, req->params[0], &s);
    const struct store_version *const *vs;
    size_t n = store_subject_versions(ctx->st, s.qualified, &vs), k = 0;
    bool exists = (dan || deleted_only || deleted) ? n > 0 : api_latest_live(vs, n) != NULL;
    if (!exists) {
        sr_err_subject_not_found(err, s.qualified);
        goto out;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct store_version *v = vs[i];
        bool include;
        if (dan)
            include = true;
        else if (deleted_only)
            include = v->deleted;
        else
            include = deleted || !v->deleted;
        if (include && api_in_page(k++, offset, limit))
            json_array_append_new(arr,
                                  json_integer(dan && v->deleted ? -(json_int_t)v->version : v->version));
    }
    resp->body = arr;
    rc = 0;
out:
    store_read_end(ctx->st);
    api_subject_free(&s);
    return rc;
}

/* Resolves {subject}/{version} for the GET endpoints (spec 5.3). Inside a read section. */
static const struct store_version *get_version(const struct api_ctx *ctx, const struct api_req *req,
                                               struct api_subject *s, bool allow_deleted,
                                               struct sr_error *err)
{
    int64_t sel;
    if (api_parse_version(req->params[1], &sel, err) != 0)
        return NULL;
    path_subject(ctx->st, req->params[0], s);
    api_subject_fallback(ctx->st, s);
    const struct store_version *const *vs;
    size_t n = store_subject_versions(ctx->st, s->qualified, &vs);
    const struct store_version *v = sel == -1 ? api_latest_live(vs, n) : api_find_version(vs, n, sel);
    if (v != NULL && v->deleted && !allow_deleted)
        v = NULL;
    if (v == NULL) {
        bool exists = allow_deleted ? n > 0 : api_latest_live(vs, n) != NULL;
        if (!exists)
            sr_err_subject_not_found(err, s->qualified);
        else
            sr_err_version_not_found(err, s->qualified, sel);
    }
    return v;
}

API_HANDLER(get_subjects_subject_versions_version)
{
    struct api_subject s = {0};
    int rc = -1;
    store_read_begin(ctx->st);
    const struct store_version *v = get_version(ctx, req, &s, api_query_bool(req, "deleted"), err);
    if (v != NULL) {
        const char *rf = api_query(req, "referenceFormat");
        unsigned flags =
            API_JSON_SUBJECT | (rf && strcmp(rf, "qualified") == 0 ? API_JSON_QUALIFIED_REFS : 0);
        rc = api_render_version(ctx, v, api_query(req, "format"), flags, resp, err);
    }
    store_read_end(ctx->st);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(get_subjects_subject_versions_version_schema)
{
    struct api_subject s = {0};
    int rc = -1;
    store_read_begin(ctx->st);
    const struct store_version *v = get_version(ctx, req, &s, api_query_bool(req, "deleted"), err);
    if (v != NULL) {
        resp->raw = api_schema_text(ctx->st, v->schema, api_query(req, "format"), &resp->raw_len, err);
        rc = resp->raw ? 0 : -1;
    }
    store_read_end(ctx->st);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(get_subjects_subject_versions_version_referencedby)
{
    struct api_subject s = {0};
    int64_t offset, limit;
    if (api_pagination(req, API_SCHEMAS_LIMIT, &offset, &limit, err) != 0)
        return -1;
    bool deleted = api_query_bool(req, "deleted");
    int rc = -1;
    store_read_begin(ctx->st);
    /* The target itself is resolved including soft-deleted versions. */
    const struct store_version *v = get_version(ctx, req, &s, true, err);
    if (v != NULL) {
        const struct store_schema *const *refs;
        size_t n = store_referrers(ctx->st, v->subject, v->version, &refs), k = 0;
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            bool live = false;
            for (size_t j = 0; j < refs[i]->nversions && !live; j++)
                live = !refs[i]->versions[j]->deleted;
            if ((live || deleted) && api_in_page(k++, offset, limit))
                json_array_append_new(arr, json_integer(refs[i]->id));
        }
        resp->body = arr;
        rc = 0;
    }
    store_read_end(ctx->st);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(delete_subjects_subject_versions_version)
{
    struct api_subject s = {0};
    int64_t sel;
    int rc = -1;
    if (api_parse_version(req->params[1], &sel, err) != 0)
        return -1;
    bool permanent = api_query_bool(req, "permanent");
    store_write_begin(ctx->st);
    path_subject(ctx->st, req->params[0], &s);
    const struct store_version *const *vs;
    size_t n = store_subject_versions(ctx->st, s.qualified, &vs);
    const struct store_version *v = sel == -1 ? api_latest_live(vs, n) : api_find_version(vs, n, sel);
    if (v != NULL && v->deleted && !permanent) {
        sr_err_version_soft_deleted(err, s.qualified, v->version);
        goto out;
    }
    if (v == NULL) {
        if (n == 0)
            sr_err_subject_not_found(err, s.qualified);
        else
            sr_err_version_not_found(err, s.qualified, sel);
        goto out;
    }
    if (api_mode_is_readonly(api_mode_effective(ctx->st, s.qualified, s.context))) {
        readonly_error(err, s.qualified);
        goto out;
    }
    if (is_referenced(ctx->st, s.qualified, v->version, !permanent, true)) {
        sr_err_reference_exists(err, s.qualified, v->version);
        goto out;
    }
    if (permanent && !v->deleted) {
        sr_err_version_not_soft_deleted(err, s.qualified, v->version);
        goto out;
    }
    int32_t version = v->version;
    if ((permanent ? store_hard_delete(ctx->st, s.qualified, &version, 1, err)
                   : store_soft_delete(ctx->st, s.qualified, &version, 1, err)) != 0)
        goto out;
    resp->body = json_integer(version);
    rc = 0;
out:
    store_write_end(ctx->st);
    api_subject_free(&s);
    return rc;
}
