/* SPDX-License-Identifier: Apache-2.0 */
/* register.c — POST /subjects/{s}/versions, the registration algorithm of spec 5.3 in its
 * documented order. Several client-visible results depend on that order (an identical
 * schema is answered before the mode gate; ids are reused across subjects of a context), so
 * each step is labelled with its number. The whole read-decide-write sequence runs inside one
 * store write section, which makes a registration atomic. The one exception only reads: a
 * repeated registration whose step-2 answer is certain from cached facts (the exact body or
 * text seen before) is answered under the read lock, so producers starting together are not
 * serialised behind each other or behind real registrations. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "cache.h"

static bool config_has_merge_layers(const json_t *cfg)
{
    static const char *const keys[] = {"defaultMetadata", "overrideMetadata", "defaultRuleSet",
                                       "overrideRuleSet"};
    for (size_t i = 0; i < 4; i++) {
        const json_t *v = json_object_get(cfg, keys[i]);
        if (v != NULL && !json_is_null(v))
            return true;
    }
    return false;
}

static json_t *json_from_text(const char *text)
{
    return text ? json_loads(text, 0, NULL) : NULL;
}

/* The 409 message: one fixed sentence, then the checker's items and the compared version.
 * The whole text goes to resp->error_message (sr_error would cut it at 255 bytes). */
static void incompatible_error(struct sr_error *err, struct api_resp *resp, const char *subject,
                               const struct compat_result *res, const struct store_version *failed,
                               enum compat_level level)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_printf(
        &b, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [",
        subject);
    for (size_t i = 0; i < res->count; i++)
        sr_buf_printf(&b, "%s, ", res->messages[i]);
    if (failed != NULL)
        sr_buf_printf(&b, "{oldSchemaVersion: %d}, {oldSchema: '%s'}, ", (int)failed->version,
                      failed->schema->text);
    sr_buf_printf(&b, "{validateFields: 'false', compatibility: '%s'}]", compat_level_name(level));
    sr_error_set(err, SR_ERR_INCOMPATIBLE, "%s", b.data);
    resp->error_message = sr_buf_steal(&b, NULL);
}

/* The register response (spec 3.6): the schema-version object without "subject". */
static int respond(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                   const struct store_version *v, struct sr_error *err)
{
    return api_render_version(ctx, v, api_query(req, "format"), 0, resp, err);
}

/* Rewrites metadata.properties["confluent:version"] to the new version when present
 * (spec 2.7). Returns true when the text changed. */
static bool rewrite_confluent_version(struct api_prepared *p, int32_t version)
{
    if (p->metadata == NULL)
        return false;
    json_t *md = json_loads(p->metadata, 0, NULL);
    json_t *props = json_object_get(md, "properties");
    bool changed = false;
    if (json_object_get(props, "confluent:version") != NULL) {
        char num[16];
        snprintf(num, sizeof num, "%d", (int)version);
        const char *cur = json_string_value(json_object_get(props, "confluent:version"));
        if (cur == NULL || strcmp(cur, num) != 0) {
            json_object_set_new(props, "confluent:version", json_string(num));
            free(p->metadata);
            p->metadata = json_dumps(md, JSON_COMPACT);
            changed = true;
        }
    }
    json_decref(md);
    return changed;
}

/* Key of the exact-text cache: every input of the identity hash that the early lookup
 * (step 2) computes for a request without references: type, normalize, metadata and ruleSet
 * as api_prepare() serialises them, and the text. Lengths make it unambiguous. */
static void text_key(const struct api_schema_req *r, bool normalize, struct sr_buf *key)
{
    char *md = r->metadata ? json_dumps(r->metadata, JSON_COMPACT) : NULL;
    char *rs = r->rule_set ? json_dumps(r->rule_set, JSON_COMPACT) : NULL;
    uint64_t lens[3] = {md ? strlen(md) : 0, rs ? strlen(rs) : 0, r->schema_len};
    sr_buf_putc(key, 'T');
    sr_buf_putc(key, (char)r->type);
    sr_buf_putc(key, normalize ? 'n' : '-');
    sr_buf_putc(key, md ? 'm' : '-');
    sr_buf_putc(key, rs ? 'r' : '-');
    sr_buf_append(key, lens, sizeof lens);
    if (md)
        sr_buf_append(key, md, lens[0]);
    if (rs)
        sr_buf_append(key, rs, lens[1]);
    sr_buf_append(key, r->schema, r->schema_len);
    free(md);
    free(rs);
}

/* Does the step-2 match m answer the request? */
static bool early_match_ok(const struct api_schema_req *r, const struct store_version *m)
{
    return (!r->has_version && (!r->has_id || r->id == m->schema->id)) ||
           (r->has_id && r->has_version && r->id == m->schema->id && r->version == m->version);
}

/* The subject-dependent half of step 1 and the step-2 preconditions, under the read lock:
 * fills *s, *normalize; false when step 2 does not apply (or a check fails, which the full
 * path then reports in its own words). */
static bool early_subject(const struct api_ctx *ctx, const struct api_req *req, const char *raw_subject,
                          struct api_subject *s, bool *normalize)
{
    struct sr_error verr = {0};
    struct store *st = ctx->st;
    const struct store_version *const *vs;
    if (api_subject_validate(raw_subject, true, &verr) != 0)
        return false;
    api_subject_parse(raw_subject, s);
    api_subject_apply_alias(st, s);
    if (api_subject_validate(s->qualified, true, &verr) != 0)
        return false;
    json_t *cfg = api_config_effective(st, s->qualified, s->context);
    *normalize = api_query_bool(req, "normalize") || json_is_true(json_object_get(cfg, "normalize"));
    bool ok = !config_has_merge_layers(cfg) && store_subject_versions(st, s->qualified, &vs) > 0;
    json_decref(cfg);
    return ok;
}

/* ---- the exact-body cache: re-registration without parsing the request JSON ----
 *
 * Parsing the request body was the largest cost left in a re-registration. Everything
 * step 2 takes from the body is a function of its bytes and of normalize: whether it parses
 * and validates, the identity hash, id, version and the schema size. So the bytes of a body
 * whose step-2 hash is known map to those facts; what depends on the store or the subject
 * (alias, subject checks, config, the identity match itself) is decided afresh on every
 * request, exactly as early_dedup_read() does. normalize is kept in the value rather than
 * the key, so that a body never seen costs one lookup and no lock. */

struct body_facts {
    unsigned char hash[16];
    int64_t id;
    int64_t version;
    uint64_t schema_len;
    unsigned char has_id, has_version, normalize;
};

static void body_key(const char *body, size_t len, struct sr_buf *key)
{
    sr_buf_putc(key, 'B');
    sr_buf_append(key, body, len);
}

/* Records the facts of the request body (when r was parsed from it: from_body) once its
 * step-2 hash is known. Only called where step 2 applies to r (no references, a schema). */
static void remember_body(const struct api_ctx *ctx, const struct api_req *req, bool from_body,
                          const struct api_schema_req *r, bool normalize, const unsigned char hash[16])
{
    if (!from_body || ctx->cache == NULL || req->raw == NULL || req->raw->body == NULL ||
        req->raw->body_len == 0)
        return;
    struct body_facts bf;
    struct sr_buf key = SR_BUF_INIT;
    memset(&bf, 0, sizeof bf);
    memcpy(bf.hash, hash, sizeof bf.hash);
    bf.id = r->id;
    bf.version = r->version;
    bf.schema_len = r->schema_len;
    bf.has_id = r->has_id;
    bf.has_version = r->has_version;
    bf.normalize = normalize;
    body_key(req->raw->body, req->raw->body_len, &key);
    api_cache_put(ctx->cache, key.data, key.len, &bf, sizeof bf);
    sr_buf_free(&key);
}

int api_register_from_body(const struct api_ctx *ctx, const struct api_req *req, const char *body, size_t len,
                           struct api_resp *resp, struct sr_error *err)
{
    if (ctx->cache == NULL || body == NULL || len == 0 || req->nparams < 1)
        return 0;
    struct store *st = ctx->st;
    struct api_subject s = {0};
    struct sr_buf key = SR_BUF_INIT, val = SR_BUF_INIT;
    struct body_facts bf;
    bool normalize = false;
    int answered = 0;
    body_key(body, len, &key);
    bool known = api_cache_get(ctx->cache, key.data, key.len, &val) && val.len == sizeof bf;
    sr_buf_free(&key);
    if (!known) {
        sr_buf_free(&val);
        return 0;
    }
    memcpy(&bf, val.data, sizeof bf);
    sr_buf_free(&val);
    if (ctx->cfg != NULL && ctx->cfg->max_schema_bytes > 0 && bf.schema_len > ctx->cfg->max_schema_bytes)
        return 0;
    store_read_begin(st);
    if (!early_subject(ctx, req, req->params[0], &s, &normalize) || normalize != (bf.normalize != 0))
        goto out;
    struct api_schema_req r;
    memset(&r, 0, sizeof r);
    r.has_id = bf.has_id;
    r.id = bf.id;
    r.has_version = bf.has_version;
    r.version = bf.version;
    const struct store_version *m =
        api_identity_match(st, s.qualified, s.context, bf.hash, false, r.version == -1);
    if (m != NULL && early_match_ok(&r, m))
        answered = respond(ctx, req, resp, m, err) == 0 ? 1 : -1;
out:
    store_read_end(st);
    api_subject_free(&s);
    return answered;
}

/* Step 2 under the read lock, for the producer-startup case (the same schema registered
 * again): when an earlier request with exactly this text parsed to a hash that this subject
 * already holds, the full lookup would answer with that very version (its identity match
 * comes first), so it is answered without parsing and without excluding other
 * registrations. Anything else (no cached hash, no identity match, the conditions under
 * which step 2 is skipped) falls through to the write section, which decides afresh.
 * Returns 1 when answered (*rc set), 0 otherwise. */
static int early_dedup_read(const struct api_ctx *ctx, const struct api_req *req, const char *raw_subject,
                            bool from_body, const struct api_schema_req *r, struct api_resp *resp, int *rc,
                            struct sr_error *err)
{
    if (ctx->cache == NULL || r->tags_change || r->schema == NULL || r->schema_len == 0 || r->nrefs > 0)
        return 0;
    struct store *st = ctx->st;
    struct api_subject s = {0};
    struct sr_buf key = SR_BUF_INIT, hash = SR_BUF_INIT;
    bool normalize = false;
    int answered = 0;
    store_read_begin(st);
    if (!early_subject(ctx, req, raw_subject, &s, &normalize))
        goto out;
    text_key(r, normalize, &key);
    if (!api_cache_get(ctx->cache, key.data, key.len, &hash) || hash.len != 16)
        goto out;
    const struct store_version *m = api_identity_match(
        st, s.qualified, s.context, (const unsigned char *)hash.data, false, r->version == -1);
    if (m != NULL && early_match_ok(r, m)) {
        remember_body(ctx, req, from_body, r, normalize, (const unsigned char *)hash.data);
        *rc = respond(ctx, req, resp, m, err);
        answered = 1;
    }
out:
    store_read_end(st);
    sr_buf_free(&key);
    sr_buf_free(&hash);
    api_subject_free(&s);
    return answered;
}

/* Registers r under the subject path parameter (raw_subject), steps 1-12 of spec 5.3. req
 * only supplies query parameters. r stays owned by the caller. */
static int register_schema(const struct api_ctx *ctx, const struct api_req *req, const char *raw_subject,
                           bool from_body, const struct api_schema_req *req_schema, struct api_resp *resp,
                           struct sr_error *err)
{
    const struct api_schema_req r = *req_schema;
    struct api_subject s = {0};
    struct api_prepared p = {0};
    struct api_req_ref *copied_refs = NULL;
    json_t *cfg = NULL, *md = NULL, *rs = NULL, *lmd = NULL, *lrs = NULL;
    const struct store_version **prev = NULL;
    int32_t *purge = NULL;
    struct compat_result res;
    compat_result_init(&res);
    /* r.schema parsed with the effective normalize flag (only without references), by the
     * pre-parse below or by step 2, for steps 2 and 6 */
    struct compat_schema *text_parsed = NULL;
    int rc = -1;
    bool locked = false;

    /* Step 1: ruleSet, subject name, size. */
    if (api_ruleset_validate(r.rule_set, err) != 0)
        goto out;
    if (api_subject_validate(raw_subject, true, err) != 0)
        goto out;
    if (ctx->cfg != NULL && ctx->cfg->max_schema_bytes > 0 && r.schema_len > ctx->cfg->max_schema_bytes) {
        sr_error_set(err, SR_ERR_SCHEMA_TOO_LARGE, "Schema too large: %zu bytes, the limit is %zu",
                     r.schema_len, ctx->cfg->max_schema_bytes);
        goto out;
    }
    if (early_dedup_read(ctx, req, raw_subject, from_body, &r, resp, &rc, err))
        goto out;
    struct store *st = ctx->st;
    /* A reference-free schema is parsed before the writer section, so that concurrent
     * registrations do not queue behind each other's parse (the section is serial). Steps 2
     * and 6 reuse it when the effective normalize flag matches; a parse failure is left for
     * the steps below to report in their order. */
    bool pre_normalize = api_query_bool(req, "normalize");
    if (r.nrefs == 0 && r.schema != NULL && r.schema_len > 0 && !r.tags_change) {
        struct api_prepared pre;
        struct sr_error perr = {0};
        if (api_prepare(st, ".", r.schema, r.schema_len, r.type, NULL, 0, NULL, NULL,
                        pre_normalize ? API_PREP_NORMALIZE : 0, &pre, &perr) == 0) {
            text_parsed = pre.parsed;
            pre.parsed = NULL;
        }
        api_prepared_free(&pre);
    }
    /* Grouped: concurrent registrations share one durable commit (storage/store.h). */
    store_write_begin_grouped(st);
    locked = true;
    api_subject_parse(raw_subject, &s);
    api_subject_apply_alias(st, &s);
    /* An alias may name a subject that could not be registered directly. */
    if (api_subject_validate(s.qualified, true, err) != 0)
        goto out;
    cfg = api_config_effective(st, s.qualified, s.context);
    bool normalize = pre_normalize || json_is_true(json_object_get(cfg, "normalize"));
    bool force = api_query_bool(req, "force");
    if (normalize != pre_normalize) {
        compat_schema_free(text_parsed);
        text_parsed = NULL;
    }

    /* Step 2: early dedup, before any mode check. (A subject without versions cannot match,
     * and skipping saves a second parse of every first registration.) */
    const struct store_version *const *early_vs;
    if (!config_has_merge_layers(cfg) && !r.tags_change && r.schema != NULL && r.schema_len > 0 &&
        store_subject_versions(st, s.qualified, &early_vs) > 0) {
        struct sr_error lerr = {0};
        const struct store_version *m = NULL;
        unsigned char hash[16];
        int lr = api_lookup_in_subject_hash(st, s.qualified, s.context, &r, normalize, false, r.version == -1,
                                            &m, hash, r.nrefs == 0 ? &text_parsed : NULL, &lerr);
        if (lr >= 0 && r.nrefs == 0 && ctx->cache != NULL) {
            /* remembered for early_dedup_read() and api_register_from_body(): the hash is a
             * function of the key alone */
            struct sr_buf key = SR_BUF_INIT;
            text_key(&r, normalize, &key);
            api_cache_put(ctx->cache, key.data, key.len, hash, sizeof hash);
            sr_buf_free(&key);
            remember_body(ctx, req, from_body, &r, normalize, hash);
        }
        if (lr == 1 && early_match_ok(&r, m)) {
            rc = respond(ctx, req, resp, m, err);
            goto out;
        }
    }

    /* Step 3: mode gate. */
    const char *mode = api_mode_effective(st, s.qualified, s.context);
    bool import = strcmp(mode, "IMPORT") == 0;
    if (api_mode_is_readonly(mode)) {
        sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode", s.qualified);
        goto out;
    }
    if (r.has_id && !import) {
        sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED,
                     "Subject %s is not in import mode: a schema id may only be given in IMPORT mode",
                     s.qualified);
        goto out;
    }
    if (!r.has_id && strcmp(mode, "READWRITE") != 0) {
        sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in %s mode: a schema id is required",
                     s.qualified, mode);
        goto out;
    }

    /* Step 4: next version number, counting soft-deleted versions (spec 2.2). */
    const struct store_version *const *vs;
    size_t n = store_subject_versions(st, s.qualified, &vs);
    int32_t next = n ? vs[n - 1]->version + 1 : 1;
    const struct store_version *latest = api_latest_live(vs, n);

    /* Step 5: empty schema copies the latest live version; metadata/ruleSet merge. */
    const char *text = r.schema;
    size_t text_len = r.schema_len;
    enum sr_schema_type type = r.type;
    const struct api_req_ref *refs = r.refs;
    size_t nrefs = r.nrefs;
    if (text == NULL || text_len == 0) {
        if (import || latest == NULL) {
            sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Empty schema");
            goto out;
        }
        text = latest->schema->text;
        text_len = latest->schema->text_len;
        type = latest->schema->type;
        copied_refs = sr_xcalloc(latest->schema->nrefs + 1, sizeof *copied_refs);
        for (size_t i = 0; i < latest->schema->nrefs; i++) {
            copied_refs[i].name = latest->schema->refs[i].name;
            copied_refs[i].subject = latest->schema->refs[i].subject;
            copied_refs[i].version = latest->schema->refs[i].version;
            copied_refs[i].stored_form = true;
        }
        refs = copied_refs;
        nrefs = latest->schema->nrefs;
    }
    if (import) {
        md = r.metadata ? json_incref(r.metadata) : NULL;
        rs = r.rule_set ? json_incref(r.rule_set) : NULL;
    } else {
        lmd = latest ? json_from_text(latest->schema->metadata) : NULL;
        lrs = latest ? json_from_text(latest->schema->rule_set) : NULL;
        md = api_merge_metadata(json_object_get(cfg, "defaultMetadata"), r.metadata ? r.metadata : lmd,
                                json_object_get(cfg, "overrideMetadata"));
        rs = api_merge_ruleset(json_object_get(cfg, "defaultRuleSet"), r.rule_set ? r.rule_set : lrs,
                               json_object_get(cfg, "overrideRuleSet"));
        if (api_ruleset_validate(rs, err) != 0)
            goto out;
    }

    /* Step 6: parse; outside IMPORT validate, normalise if asked, referenced versions live. */
    unsigned pflags =
        import ? (API_PREP_LENIENT | API_PREP_ALLOW_DELETED) : (normalize ? API_PREP_NORMALIZE : 0);
    if (text_parsed != NULL && !import && text == r.schema && type == r.type && nrefs == 0) {
        /* This very text was parsed with the same flags (references and IMPORT's lenient
         * parse excluded); only metadata and ruleSet, which the parse does not see, may have
         * been merged since. */
        api_prepare_from_parsed(text_parsed, type, md, rs, normalize, &p);
        text_parsed = NULL;
    } else if (api_prepare(st, s.context, text, text_len, type, refs, nrefs, md, rs, pflags, &p, err) != 0) {
        goto out;
    }

    /* Step 7: identity dedup within the context. */
    int64_t reuse_id = 0;
    const struct store_schema *existing = store_schema_by_hash(st, s.context, p.hash);
    if (existing != NULL && (!r.has_id || r.id == existing->id)) {
        const struct store_version *held =
            api_identity_match(st, s.qualified, s.context, p.hash, false, false);
        if (!r.has_version && held != NULL) {
            rc = respond(ctx, req, resp, held, err);
            goto out;
        }
        reuse_id = existing->id;
    }

    /* Step 8: equivalence scan of the live versions. */
    if (!r.has_version) {
        const struct store_version *m = api_match_prepared(st, s.qualified, s.context, &p, false, false);
        if (m != NULL && (!r.has_id || r.id == m->schema->id)) {
            rc = respond(ctx, req, resp, m, err);
            goto out;
        }
    }

    /* Step 9: compatibility against live versions, per the effective level. */
    if (!import && !force) {
        enum compat_level level = api_config_level(cfg);
        size_t nprev = 0;
        prev = api_compat_candidates(st, s.qualified, cfg, p.metadata, &nprev);
        if (api_compat_against_cached(ctx->cache, st, level, p.parsed,
                                      (const struct store_version *const *)prev, nprev, &res, err) != 0)
            goto out;
        if (!res.compatible) {
            const struct store_version *failed = NULL;
            if (res.failed_previous >= 0 && (size_t)res.failed_previous < nprev)
                failed = prev[res.failed_previous];
            else if (nprev > 0)
                failed = prev[nprev - 1];
            incompatible_error(err, resp, s.qualified, &res, failed, level);
            goto out;
        }
    }

    /* Step 10: the version number. */
    int32_t version = next;
    if (r.has_version) {
        if (!import && r.version != next) {
            sr_error_set(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema: version %lld is not the next version %d of subject %s",
                         (long long)r.version, (int)next, s.qualified);
            goto out;
        }
        if (r.version < 1 || r.version > INT32_MAX) {
            sr_err_invalid_version(err, "version");
            goto out;
        }
        if (api_find_version(vs, n, r.version) != NULL) {
            sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED,
                         "Overwrite of version %lld of subject %s is not permitted", (long long)r.version,
                         s.qualified);
            goto out;
        }
        version = (int32_t)r.version;
    }
    if (!import && rewrite_confluent_version(&p, version)) {
        api_prepared_rehash(&p);
        existing = store_schema_by_hash(st, s.context, p.hash);
        reuse_id = existing ? existing->id : 0;
    }

    /* Step 11: the id. */
    int64_t id = reuse_id;
    if (r.has_id) {
        const struct store_schema *by_id = store_schema_by_id(st, s.context, r.id);
        if (by_id != NULL && memcmp(by_id->hash, p.hash, sizeof p.hash) != 0) {
            sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED,
                         "Overwrite new schema with id %lld is not permitted.", (long long)r.id);
            goto out;
        }
        if (r.id == 0) {
            sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Schema id 0 is not permitted");
            goto out;
        }
        id = r.id;
    }

    /* Step 12: drop this subject's older soft-deleted versions carrying the same id. */
    size_t npurge = 0;
    purge = sr_xcalloc(n + 1, sizeof *purge);
    for (size_t i = 0; i < n && id > 0; i++) {
        const struct store_version *v = vs[i];
        const struct store_schema *const *referrers;
        if (v->deleted && v->schema->id == id && v->version < version &&
            store_referrers(st, v->subject, v->version, &referrers) == 0)
            purge[npurge++] = v->version;
    }
    size_t clen;
    const char *canon = compat_schema_canonical(p.parsed, &clen);
    struct store_new_version nv = {
        .subject = s.qualified,
        .context = s.context,
        .version = version,
        .id = id,
        .type = p.type,
        .text = canon,
        .text_len = clen,
        .refs = p.refs.refs,
        .nrefs = p.refs.nrefs,
        .metadata = p.metadata,
        .rule_set = p.rule_set,
        .ts_ms = api_now_ms(),
        .purge_versions = purge,
        .npurge = npurge,
    };
    memcpy(nv.hash, p.hash, sizeof nv.hash);
    if (store_register(st, &nv, NULL, err) != 0)
        goto out;
    n = store_subject_versions(st, s.qualified, &vs);
    const struct store_version *created = api_find_version(vs, n, version);
    if (created == NULL) {
        sr_err_store(err, "registered version not found");
        goto out;
    }
    rc = respond(ctx, req, resp, created, err);
out:
    /* The registration is durable, and the reply may be sent, only once its batch is
     * committed; if that failed, so does this request (nothing of it was kept). Under
     * api_handle_async() the reply is held back rather than waited for. */
    if (locked) {
        struct sr_error gerr = {0};
        if (api_end_grouped(ctx, req, &gerr) != 0 && rc == 0) {
            json_decref(resp->body);
            resp->body = NULL;
            free(resp->raw);
            resp->raw = NULL;
            resp->raw_len = 0;
            *err = gerr;
            rc = -1;
        }
    }
    compat_result_free(&res);
    free(prev);
    free(purge);
    free(copied_refs);
    json_decref(md);
    json_decref(rs);
    json_decref(lmd);
    json_decref(lrs);
    json_decref(cfg);
    api_prepared_free(&p);
    compat_schema_free(text_parsed);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(post_subjects_subject_versions)
{
    struct api_schema_req r;
    int rc = -1;
    if (api_schema_req_parse(req->body, &r, err) == 0)
        rc = register_schema(ctx, req, req->params[0], true, &r, resp, err);
    api_schema_req_free(&r);
    return rc;
}

/* Removes the rules named in `names` (an array of strings) from every list of rs. */
static void remove_rules(json_t *rs, const json_t *names)
{
    static const char *const kinds[] = {"migrationRules", "domainRules", "encodingRules"};
    for (size_t k = 0; k < 3; k++) {
        json_t *rules = json_object_get(rs, kinds[k]);
        for (size_t i = json_array_size(rules); i > 0; i--) {
            const char *name = json_string_value(json_object_get(json_array_get(rules, i - 1), "name"));
            size_t j;
            json_t *n;
            json_array_foreach(names, j, n)
            {
                if (name != NULL && json_is_string(n) && strcmp(name, json_string_value(n)) == 0) {
                    json_array_remove(rules, i - 1);
                    break;
                }
            }
        }
    }
}

static bool nonempty_array(const json_t *v)
{
    return json_array_size(v) > 0;
}

/* POST /subjects/{s}/versions/{v}/tags (spec 5.3, 8.x data contracts): a new version of the
 * subject carrying version v's schema with replaced metadata/ruleSet, or rules merged into or
 * removed from its ruleSet. Inline schema tags (tagsToAdd/tagsToRemove) would need per-type
 * schema rewriting that compat/ does not offer, so a request with any is refused (42201). */
API_HANDLER(post_subjects_subject_versions_version_tags)
{
    const json_t *body = req->body;
    struct api_schema_req r;
    struct api_subject s = {0};
    struct api_req_ref *refs = NULL;
    char *text = NULL;
    json_t *md = NULL, *rs = NULL;
    size_t nrefs = 0;
    int rc = -1;
    bool locked = false;
    memset(&r, 0, sizeof r);

    static const char *const array_keys[] = {"tagsToAdd", "tagsToRemove", "rulesToRemove"};
    static const char *const object_keys[] = {"metadata", "ruleSet", "rulesToMerge"};
    for (size_t i = 0; i < 3; i++) {
        const json_t *a = json_object_get(body, array_keys[i]), *o = json_object_get(body, object_keys[i]);
        if (a != NULL && !json_is_null(a) && !json_is_array(a))
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field '%s'", array_keys[i]);
        if (o != NULL && !json_is_null(o) && !json_is_object(o))
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field '%s'", object_keys[i]);
    }
    const json_t *nv = json_object_get(body, "newVersion");
    if (nv != NULL && !json_is_null(nv) && !json_is_integer(nv))
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field 'newVersion'");
    const json_t *b_md = json_object_get(body, "metadata"), *b_rs = json_object_get(body, "ruleSet");
    const json_t *merge = json_object_get(body, "rulesToMerge"),
                 *drop = json_object_get(body, "rulesToRemove");
    if (json_is_object(b_rs) && (json_is_object(merge) || json_is_array(drop)))
        return sr_error_set(err, SR_ERR_INVALID_RULESET,
                            "ruleSet cannot be combined with rulesToMerge or rulesToRemove");
    if (api_ruleset_validate(json_is_object(b_rs) ? b_rs : NULL, err) != 0 ||
        api_ruleset_validate(json_is_object(merge) ? merge : NULL, err) != 0)
        return -1;
    if (nonempty_array(json_object_get(body, "tagsToAdd")) ||
        nonempty_array(json_object_get(body, "tagsToRemove")))
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA,
                            "Inline schema tags are not supported by this registry");
    int64_t sel;
    if (api_parse_version(req->params[1], &sel, err) != 0)
        return -1;

    /* Copy what the new version takes over from version v, then register it like any other. */
    store_read_begin(ctx->st);
    locked = true;
    api_subject_parse(req->params[0], &s);
    api_subject_apply_alias(ctx->st, &s);
    const struct store_version *const *vs;
    size_t n = store_subject_versions(ctx->st, s.qualified, &vs);
    const struct store_version *v = sel == -1 ? api_latest_live(vs, n) : api_find_version(vs, n, sel);
    if (v == NULL || v->deleted) {
        if (api_latest_live(vs, n) == NULL)
            sr_err_subject_not_found(err, s.qualified);
        else
            sr_err_version_not_found(err, s.qualified, sel);
        goto out;
    }
    const struct store_schema *sch = v->schema;
    text = sr_xstrndup(sch->text, sch->text_len);
    nrefs = sch->nrefs;
    refs = sr_xcalloc(nrefs + 1, sizeof *refs);
    for (size_t i = 0; i < nrefs; i++) {
        refs[i].name = sr_xstrdup(sch->refs[i].name);
        refs[i].subject = sr_xstrdup(sch->refs[i].subject);
        refs[i].version = sch->refs[i].version;
        refs[i].stored_form = true;
    }
    r.type = sch->type;
    md = json_is_object(b_md) ? json_deep_copy(b_md) : json_from_text(sch->metadata);
    rs = json_is_object(b_rs) ? json_deep_copy(b_rs) : json_from_text(sch->rule_set);
    store_read_end(ctx->st);
    locked = false;

    if (json_is_object(merge)) {
        json_t *merged = api_merge_ruleset(NULL, rs, merge);
        json_decref(rs);
        rs = merged;
    }
    if (json_is_array(drop) && rs != NULL)
        remove_rules(rs, drop);
    r.schema = text;
    r.schema_len = strlen(text);
    r.refs = refs;
    r.nrefs = nrefs;
    r.metadata = md;
    r.rule_set = rs;
    if (json_is_integer(nv)) {
        r.version = json_integer_value(nv);
        r.has_version = r.version != 0 && r.version != -1;
    }
    rc = register_schema(ctx, req, req->params[0], false, &r, resp, err);
out:
    if (locked)
        store_read_end(ctx->st);
    for (size_t i = 0; i < nrefs; i++) {
        free((char *)refs[i].name);
        free((char *)refs[i].subject);
    }
    free(refs);
    free(text);
    json_decref(md);
    json_decref(rs);
    api_subject_free(&s);
    return rc;
}
