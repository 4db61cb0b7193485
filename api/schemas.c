/* SPDX-License-Identifier: Apache-2.0 */
/* schemas.c — the /schemas endpoints (spec 5.4): listing with filters and pagination,
 * lookups by id (the ?subject= parameter selects a context and is a hint that never causes a
 * miss) and by guid, and the list of schema types this build supports. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "cache.h"

API_HANDLER(get_schemas_types)
{
    (void)ctx;
    (void)req;
    (void)err;
    json_t *arr = json_array();
    for (int t = 0; t < SR_SCHEMA_TYPE_COUNT; t++)
        if (compat_type_supported((enum sr_schema_type)t))
            json_array_append_new(arr, json_string(sr_schema_type_name((enum sr_schema_type)t)));
    resp->body = arr;
    return 0;
}

static bool has_rule_type(const char *rule_set, const char *type)
{
    if (rule_set == NULL)
        return false;
    json_t *rs = json_loads(rule_set, 0, NULL);
    static const char *const kinds[] = {"migrationRules", "domainRules", "encodingRules"};
    bool found = false;
    for (size_t k = 0; k < 3 && !found; k++) {
        size_t i;
        json_t *rule;
        json_array_foreach(json_object_get(rs, kinds[k]), i, rule)
        {
            const char *t = json_string_value(json_object_get(rule, "type"));
            if (t != NULL && strcmp(t, type) == 0)
                found = true;
        }
    }
    json_decref(rs);
    return found;
}

API_HANDLER(get_schemas)
{
    int64_t offset, limit;
    if (api_pagination(req, API_SCHEMAS_LIMIT, &offset, &limit, err) != 0)
        return -1;
    const char *prefix_raw = api_query(req, "subjectPrefix");
    struct api_subject prefix;
    api_subject_parse(prefix_raw ? prefix_raw : "", &prefix);
    bool deleted = api_query_bool(req, "deleted"), latest_only = api_query_bool(req, "latestOnly");
    const char *rule_type = api_query(req, "ruleType");
    if (rule_type != NULL && rule_type[0] == '\0')
        rule_type = NULL;
    const char *format = api_query(req, "format");
    json_t *arr = json_array();
    int rc = 0;
    store_read_begin(ctx->st);
    const char *const *subjects;
    size_t ns = store_subjects(ctx->st, &subjects), k = 0;
    for (size_t i = 0; i < ns && rc == 0; i++) {
        if (!api_subject_matches_prefix(subjects[i], &prefix))
            continue;
        const struct store_version *const *vs;
        size_t nv = store_subject_versions(ctx->st, subjects[i], &vs);
        const struct store_version *latest = NULL;
        for (size_t j = nv; j > 0 && latest == NULL; j--)
            if (deleted || !vs[j - 1]->deleted)
                latest = vs[j - 1];
        for (size_t j = 0; j < nv; j++) {
            const struct store_version *v = vs[j];
            if ((v->deleted && !deleted) || (latest_only && v != latest))
                continue;
            if (rule_type != NULL && !has_rule_type(v->schema->rule_set, rule_type))
                continue;
            if (!api_in_page(k++, offset, limit))
                continue;
            json_t *obj = api_version_json(ctx->st, v, format, API_JSON_SUBJECT, err);
            if (obj == NULL) {
                rc = -1;
                break;
            }
            json_array_append_new(arr, obj);
        }
    }
    store_read_end(ctx->st);
    api_subject_free(&prefix);
    if (rc != 0) {
        json_decref(arr);
        return -1;
    }
    resp->body = arr;
    return 0;
}

/* The version of s held by subject: live preferred, else the highest soft-deleted one. */
static const struct store_version *held_by(const struct store_schema *s, const char *subject)
{
    const struct store_version *best = NULL;
    for (size_t i = 0; i < s->nversions; i++) {
        const struct store_version *v = s->versions[i];
        if (strcmp(v->subject, subject) != 0)
            continue;
        if (best == NULL || (best->deleted && !v->deleted) ||
            (best->deleted == v->deleted && v->version > best->version))
            best = v;
    }
    return best;
}

/* Resolves /schemas/ids/{id}?subject=... per spec 5.4. *hint gets the subject-version to
 * report (or NULL). Inside a read section. */
static const struct store_schema *schema_for_id(const struct api_ctx *ctx, const struct api_req *req,
                                                int64_t id, const struct store_version **hint,
                                                bool *with_subject)
{
    const char *subject = api_query(req, "subject");
    *hint = NULL;
    *with_subject = subject != NULL && subject[0] != '\0';
    if (!*with_subject)
        return store_schema_by_id(ctx->st, ".", id);
    struct api_subject s;
    api_subject_parse(subject, &s);
    api_subject_apply_alias(ctx->st, &s);
    const struct store_schema *sch =
        strcmp(s.context, "*") == 0 ? NULL : store_schema_by_id(ctx->st, s.context, id);
    if (s.name[0] != '\0') {
        if (sch != NULL)
            *hint = held_by(sch, s.qualified);
        if (*hint == NULL && !s.explicit_ctx) {
            const char *const *ctxs;
            size_t nc = store_contexts(ctx->st, &ctxs);
            for (size_t i = 0; i < nc && *hint == NULL; i++) {
                if (strcmp(ctxs[i], ".") == 0)
                    continue;
                const struct store_schema *other = store_schema_by_id(ctx->st, ctxs[i], id);
                if (other == NULL)
                    continue;
                char *q = api_qualify(ctxs[i], s.name);
                *hint = held_by(other, q);
                free(q);
                if (*hint != NULL)
                    sch = other;
            }
        }
    }
    if (sch != NULL && *hint == NULL) {
        /* The hint never causes a miss: report any subject holding the id, live first. */
        for (size_t i = 0; i < sch->nversions && *hint == NULL; i++)
            if (!sch->versions[i]->deleted)
                *hint = sch->versions[i];
        if (*hint == NULL && sch->nversions > 0)
            *hint = sch->versions[0];
    }
    api_subject_free(&s);
    return sch;
}

API_HANDLER(get_schemas_ids_id)
{
    int64_t id;
    if (api_parse_int_param(req->params[0], &id, err) != 0)
        return -1;
    int rc = -1;
    store_read_begin(ctx->st);
    const struct store_version *hint;
    bool with_subject;
    const struct store_schema *s = schema_for_id(ctx, req, id, &hint, &with_subject);
    if (s == NULL) {
        sr_err_schema_id_not_found(err, id);
        goto out;
    }
    const char *rf = api_query(req, "referenceFormat");
    int64_t max_id = api_query_bool(req, "fetchMaxId") ? store_max_id(ctx->st, s->context) : -1;
    rc = api_render_schema(ctx, s, api_query(req, "format"),
                           rf && strcmp(rf, "qualified") == 0 ? API_JSON_QUALIFIED_REFS : 0,
                           with_subject ? hint : NULL, max_id, resp, err);
out:
    store_read_end(ctx->st);
    return rc;
}

API_HANDLER(get_schemas_ids_id_schema)
{
    int64_t id;
    if (api_parse_int_param(req->params[0], &id, err) != 0)
        return -1;
    int rc = -1;
    store_read_begin(ctx->st);
    const struct store_version *hint;
    bool with_subject;
    const struct store_schema *s = schema_for_id(ctx, req, id, &hint, &with_subject);
    if (s == NULL) {
        sr_err_schema_id_not_found(err, id);
    } else {
        resp->raw = api_schema_text(ctx->st, s, api_query(req, "format"), &resp->raw_len, err);
        rc = resp->raw ? 0 : -1;
    }
    store_read_end(ctx->st);
    return rc;
}

/* Shared body of /schemas/ids/{id}/subjects and /versions. */
static int id_listing(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                      bool versions, struct sr_error *err)
{
    int64_t id, offset, limit;
    if (api_parse_int_param(req->params[0], &id, err) != 0 ||
        api_pagination(req, 0, &offset, &limit, err) != 0)
        return -1;
    bool deleted = api_query_bool(req, "deleted");
    const char *subject = api_query(req, "subject");
    struct api_subject s;
    api_subject_parse(subject ? subject : "", &s);
    int rc = -1;
    store_read_begin(ctx->st);
    const struct store_schema *sch = store_schema_by_id(ctx->st, s.context, id);
    if (sch == NULL) {
        sr_err_schema_id_not_found(err, id);
        goto out;
    }
    json_t *arr = json_array();
    size_t k = 0;
    for (size_t i = 0; i < sch->nversions; i++) {
        const struct store_version *v = sch->versions[i];
        if (v->deleted && !deleted)
            continue;
        if (!versions) {
            /* One entry per subject even if it holds the id at several versions. */
            bool dup = false;
            for (size_t j = 0; j < i && !dup; j++)
                dup = strcmp(sch->versions[j]->subject, v->subject) == 0 &&
                      (deleted || !sch->versions[j]->deleted);
            if (dup)
                continue;
        }
        if (!api_in_page(k++, offset, limit))
            continue;
        if (versions)
            json_array_append_new(arr,
                                  json_pack("{s:s, s:i}", "subject", v->subject, "version", (int)v->version));
        else
            json_array_append_new(arr, json_string(v->subject));
    }
    resp->body = arr;
    rc = 0;
out:
    store_read_end(ctx->st);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(get_schemas_ids_id_subjects)
{
    return id_listing(ctx, req, resp, false, err);
}

API_HANDLER(get_schemas_ids_id_versions)
{
    return id_listing(ctx, req, resp, true, err);
}

API_HANDLER(get_schemas_guids_guid)
{
    unsigned char hash[16];
    if (api_guid_parse(req->params[0], hash) != 0)
        return sr_error_set(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %s not found", req->params[0]);
    int rc = -1;
    store_read_begin(ctx->st);
    const struct store_schema *const *list;
    size_t n = store_schemas_by_hash(ctx->st, hash, &list);
    if (n == 0) {
        sr_error_set(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %s not found", req->params[0]);
    } else {
        /* The default context sorts first, then every other context. */
        json_t *obj = json_object();
        if (api_schema_fields(ctx->st, obj, list[0], api_query(req, "format"), 0, err) == 0) {
            resp->body = obj;
            rc = 0;
        } else {
            json_decref(obj);
        }
    }
    store_read_end(ctx->st);
    return rc;
}

API_HANDLER(get_schemas_guids_guid_ids)
{
    (void)err;
    json_t *arr = json_array();
    unsigned char hash[16];
    if (api_guid_parse(req->params[0], hash) == 0) {
        store_read_begin(ctx->st);
        const struct store_schema *const *list;
        size_t n = store_schemas_by_hash(ctx->st, hash, &list);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                arr, json_pack("{s:s, s:I}", "context", list[i]->context, "id", (json_int_t)list[i]->id));
        store_read_end(ctx->st);
    }
    resp->body = arr;
    return 0;
}
