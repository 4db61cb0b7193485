/* SPDX-License-Identifier: Apache-2.0 */
/* config.c — /config and /mode (spec 5.6, 5.7). Config is stored per scope as compact JSON
 * in GET shape ("compatibilityLevel"); PUT takes and echoes the "compatibility" key, which
 * clients depend on. Scopes: "" global, ":.ctx:" a context, ":.__GLOBAL:", or a subject. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"

static const char *const bool_keys[] = {"normalize", "validateFields", "validateNewSchemas", "validateRules"};
static const char *const string_keys[] = {"alias", "compatibilityGroup", "compatibilityPolicy",
                                          "aliasForDeks"};
static const char *const metadata_keys[] = {"defaultMetadata", "overrideMetadata"};
static const char *const ruleset_keys[] = {"defaultRuleSet", "overrideRuleSet"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The scope named by a {subject} path parameter. */
static void param_scope(const char *raw, struct api_subject *s, char **scope)
{
    api_subject_parse(raw, s);
    *scope = api_scope_of(s);
}

/* A stored config in GET shape with the level always present (spec 2.7). Takes cfg. */
static json_t *get_shape(json_t *cfg)
{
    json_t *out = json_object();
    const char *level = json_string_value(json_object_get(cfg, "compatibilityLevel"));
    json_object_set_new(out, "compatibilityLevel", json_string(level ? level : "BACKWARD"));
    const char *key;
    json_t *val;
    json_object_foreach(cfg, key, val)
    {
        if (strcmp(key, "compatibilityLevel") != 0)
            json_object_set(out, key, val);
    }
    json_decref(cfg);
    return out;
}

/* The PUT shape: "compatibility" instead of "compatibilityLevel", omitted if never set. */
static json_t *put_shape(const json_t *cfg)
{
    json_t *out = json_object();
    const char *key;
    json_t *val;
    const json_t *level = json_object_get(cfg, "compatibilityLevel");
    if (level != NULL)
        json_object_set(out, "compatibility", (json_t *)level);
    json_object_foreach((json_t *)cfg, key, val)
    {
        if (strcmp(key, "compatibilityLevel") != 0)
            json_object_set(out, key, val);
    }
    return out;
}

static int validate_update(const json_t *body, struct sr_error *err)
{
    const json_t *lvl = json_object_get(body, "compatibility");
    if (lvl == NULL || json_is_null(lvl))
        lvl = json_object_get(body, "compatibilityLevel");
    if (lvl != NULL && !json_is_null(lvl)) {
        enum compat_level l;
        if (!json_is_string(lvl) || compat_level_parse(json_string_value(lvl), &l) != 0)
            return sr_err_invalid_compatibility(err, json_is_string(lvl) ? json_string_value(lvl)
                                                                         : "(not a string)");
    }
    for (size_t i = 0; i < COUNT(bool_keys); i++) {
        const json_t *v = json_object_get(body, bool_keys[i]);
        if (v != NULL && !json_is_null(v) && !json_is_boolean(v))
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field '%s'", bool_keys[i]);
    }
    for (size_t i = 0; i < COUNT(string_keys); i++) {
        const json_t *v = json_object_get(body, string_keys[i]);
        if (v != NULL && !json_is_null(v) && !json_is_string(v))
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field '%s'", string_keys[i]);
    }
    for (size_t i = 0; i < COUNT(metadata_keys); i++) {
        const json_t *v = json_object_get(body, metadata_keys[i]);
        if (v != NULL && !json_is_null(v) && !json_is_object(v))
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field '%s'", metadata_keys[i]);
    }
    for (size_t i = 0; i < COUNT(ruleset_keys); i++) {
        const json_t *v = json_object_get(body, ruleset_keys[i]);
        if (v != NULL && !json_is_null(v) && !json_is_object(v))
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field '%s'", ruleset_keys[i]);
        if (api_ruleset_validate(v, err) != 0)
            return -1;
    }
    return 0;
}

/* Merge semantics of spec 5.6: present fields replace, explicit null clears, absent kept. */
static void apply_field(json_t *stored, const json_t *body, const char *key)
{
    const json_t *v = json_object_get(body, key);
    if (v == NULL)
        return;
    if (json_is_null(v))
        json_object_del(stored, key);
    else
        json_object_set(stored, key, (json_t *)v);
}

static int config_put(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                      const char *scope, const char *context, struct sr_error *err)
{
    if (validate_update(req->body, err) != 0)
        return -1;
    int rc = -1;
    json_t *stored = NULL;
    char *text = NULL;
    store_write_begin(ctx->st);
    if (api_mode_is_readonly(api_mode_effective(ctx->st, scope, context))) {
        sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
                     scope[0] ? scope : "(global)");
        goto out;
    }
    stored = api_config_stored(ctx->st, scope);
    if (stored == NULL)
        stored = json_object();
    const json_t *lvl = json_object_get(req->body, "compatibility");
    if (lvl == NULL)
        lvl = json_object_get(req->body, "compatibilityLevel");
    if (lvl != NULL && json_is_null(lvl)) {
        json_object_del(stored, "compatibilityLevel");
    } else if (lvl != NULL) {
        enum compat_level l = COMPAT_BACKWARD;
        if (compat_level_parse(json_string_value(lvl), &l) != 0) {
            sr_err_invalid_compatibility(err, json_string_value(lvl));
            goto out;
        }
        json_object_set_new(stored, "compatibilityLevel", json_string(compat_level_name(l)));
    }
    for (size_t i = 0; i < COUNT(bool_keys); i++)
        apply_field(stored, req->body, bool_keys[i]);
    for (size_t i = 0; i < COUNT(string_keys); i++)
        apply_field(stored, req->body, string_keys[i]);
    for (size_t i = 0; i < COUNT(metadata_keys); i++)
        apply_field(stored, req->body, metadata_keys[i]);
    for (size_t i = 0; i < COUNT(ruleset_keys); i++)
        apply_field(stored, req->body, ruleset_keys[i]);
    text = json_dumps(stored, JSON_COMPACT);
    if (store_config_set(ctx->st, scope, text, err) != 0)
        goto out;
    resp->body = put_shape(stored);
    rc = 0;
out:
    store_write_end(ctx->st);
    free(text);
    json_decref(stored);
    return rc;
}

static int config_delete(const struct api_ctx *ctx, struct api_resp *resp, const char *scope,
                         const char *context, bool must_exist, const char *subject_name, struct sr_error *err)
{
    int rc = -1;
    store_write_begin(ctx->st);
    json_t *prev = api_config_stored(ctx->st, scope);
    if (prev == NULL && must_exist) {
        sr_err_subject_not_found(err, subject_name);
        goto out;
    }
    if (api_mode_is_readonly(api_mode_effective(ctx->st, scope, context))) {
        sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Subject %s is in read-only mode",
                     scope[0] ? scope : "(global)");
        goto out;
    }
    if (prev != NULL && store_config_set(ctx->st, scope, NULL, err) != 0)
        goto out;
    resp->body = get_shape(prev);
    prev = NULL;
    rc = 0;
out:
    store_write_end(ctx->st);
    json_decref(prev);
    return rc;
}

API_HANDLER(get_config)
{
    (void)err;
    store_read_begin(ctx->st);
    if (api_query_bool(req, "defaultToGlobal"))
        resp->body = api_config_effective(ctx->st, "", ".");
    else
        resp->body = get_shape(api_config_stored(ctx->st, ""));
    store_read_end(ctx->st);
    return 0;
}

API_HANDLER(put_config)
{
    return config_put(ctx, req, resp, "", ".", err);
}

API_HANDLER(delete_config)
{
    (void)req;
    return config_delete(ctx, resp, "", ".", false, "", err);
}

API_HANDLER(get_config_subject)
{
    struct api_subject s;
    char *scope;
    param_scope(req->params[0], &s, &scope);
    int rc = 0;
    store_read_begin(ctx->st);
    if (api_query_bool(req, "defaultToGlobal")) {
        resp->body = api_config_effective(ctx->st, scope, s.context);
    } else {
        json_t *cfg = api_config_stored(ctx->st, scope);
        if (cfg == NULL && scope[0] != '\0')
            rc = sr_err_subject_config_not_found(err, s.qualified);
        else
            resp->body = get_shape(cfg);
    }
    store_read_end(ctx->st);
    free(scope);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(put_config_subject)
{
    if (api_subject_validate(req->params[0], false, err) != 0)
        return -1;
    struct api_subject s;
    char *scope;
    param_scope(req->params[0], &s, &scope);
    int rc = config_put(ctx, req, resp, scope, s.context, err);
    free(scope);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(delete_config_subject)
{
    struct api_subject s;
    char *scope;
    param_scope(req->params[0], &s, &scope);
    int rc = config_delete(ctx, resp, scope, s.context, scope[0] != '\0', s.qualified, err);
    free(scope);
    api_subject_free(&s);
    return rc;
}

/* ---- mode ---- */

static const char *parse_mode(const json_t *body, const char *scope, const char **sent, struct sr_error *err)
{
    static const char *const modes[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT", "FORWARD"};
    const json_t *m = json_object_get(body, "mode");
    if (m != NULL && !json_is_null(m) && !json_is_string(m)) {
        sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field 'mode'");
        return NULL;
    }
    const char *v = json_string_value(m);
    *sent = v;
    for (size_t i = 0; v != NULL && i < COUNT(modes); i++) {
        if (strcasecmp(v, modes[i]) != 0)
            continue;
        /* FORWARD is an internal mode only settable on the :.__GLOBAL: pseudo-context. */
        if (strcmp(modes[i], "FORWARD") == 0 && strcmp(scope, API_GLOBAL_SCOPE) != 0)
            break;
        return modes[i];
    }
    sr_err_invalid_mode(err, v ? v : "null");
    return NULL;
}

/* Subjects (with at least one stored version) that a mode scope covers. */
static bool scope_covers(const char *scope, const char *subject)
{
    if (strcmp(scope, API_GLOBAL_SCOPE) == 0)
        return true;
    if (scope[0] == '\0')
        return api_subject_in_context(subject, ".", NULL);
    size_t len = strlen(scope);
    if (scope[0] == ':' && scope[len - 1] == ':' && strchr(scope + 1, ':') == scope + len - 1)
        return strncmp(subject, scope, len) == 0;
    return strcmp(scope, subject) == 0;
}

/* Spec 2.6: switching to IMPORT needs a scope without live subjects (unless force) and,
 * without force, first removes the soft-deleted leftovers. Inside a write section. */
static int prepare_import(struct store *st, const char *scope, bool force, struct sr_error *err)
{
    const char *const *subjects;
    size_t n = store_subjects(st, &subjects);
    if (force)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (scope_covers(scope, subjects[i]) && api_subject_has_live(st, subjects[i]))
            return sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED,
                                "Cannot import since found existing subjects");
    /* Copy the names first: hard deletes change the store's subject list. */
    char **todo = sr_xcalloc(n + 1, sizeof *todo);
    size_t nt = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (scope_covers(scope, subjects[i]))
            todo[nt++] = sr_xstrdup(subjects[i]);
    for (size_t i = 0; i < nt && rc == 0; i++) {
        const struct store_version *const *vs;
        size_t nv = store_subject_versions(st, todo[i], &vs);
        for (size_t j = 0; j < nv && rc == 0; j++) {
            const struct store_schema *const *refs;
            if (store_referrers(st, todo[i], vs[j]->version, &refs) > 0)
                rc = sr_err_reference_exists(err, todo[i], vs[j]->version);
        }
    }
    for (size_t i = 0; i < nt && rc == 0; i++) {
        const struct store_version *const *vs;
        size_t nv = store_subject_versions(st, todo[i], &vs);
        int32_t *list = sr_xcalloc(nv + 1, sizeof *list);
        for (size_t j = 0; j < nv; j++)
            list[j] = vs[nv - 1 - j]->version;
        if (nv > 0 && store_hard_delete(st, todo[i], list, nv, err) != 0)
            rc = -1;
        free(list);
    }
    for (size_t i = 0; i < nt; i++)
        free(todo[i]);
    free(todo);
    return rc;
}

static int mode_put(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                    const char *scope, struct sr_error *err)
{
    if (ctx->cfg != NULL && !ctx->cfg->mode_mutability)
        return sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Mode changes are not allowed");
    const char *sent = NULL;
    const char *mode = parse_mode(req->body, scope, &sent, err);
    if (mode == NULL)
        return -1;
    int rc = -1;
    store_write_begin(ctx->st);
    if (strcmp(mode, "IMPORT") == 0 && prepare_import(ctx->st, scope, api_query_bool(req, "force"), err) != 0)
        goto out;
    if (store_mode_set(ctx->st, scope, mode, err) != 0)
        goto out;
    resp->body = json_pack("{s:s}", "mode", sent);
    rc = 0;
out:
    store_write_end(ctx->st);
    return rc;
}

/* Removes the modes of the subjects inside a context scope ("" = default context). */
static int delete_subject_modes(struct store *st, const char *scope, struct sr_error *err)
{
    const char *const *scopes;
    size_t n = store_mode_scopes(st, &scopes);
    char **todo = sr_xcalloc(n + 1, sizeof *todo);
    size_t nt = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *sc = scopes[i];
        if (sc[0] == '\0' || strcmp(sc, scope) == 0 || strcmp(sc, API_GLOBAL_SCOPE) == 0)
            continue;
        bool inside =
            scope[0] == '\0' ? api_subject_in_context(sc, ".", NULL) : strncmp(sc, scope, strlen(scope)) == 0;
        if (inside)
            todo[nt++] = sr_xstrdup(sc);
    }
    for (size_t i = 0; i < nt; i++) {
        if (rc == 0 && store_mode_set(st, todo[i], NULL, err) != 0)
            rc = -1;
        free(todo[i]);
    }
    free(todo);
    return rc;
}

static int mode_delete(const struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                       const char *scope, const char *subject_name, struct sr_error *err)
{
    if (ctx->cfg != NULL && !ctx->cfg->mode_mutability)
        return sr_error_set(err, SR_ERR_OPERATION_NOT_PERMITTED, "Mode changes are not allowed");
    bool recursive = api_query_bool(req, "recursive");
    bool global = scope[0] == '\0';
    bool context_scope = global || (scope[0] == ':' && strchr(scope + 1, ':') == scope + strlen(scope) - 1);
    int rc = -1;
    store_write_begin(ctx->st);
    const char *prev = store_mode_get(ctx->st, scope);
    char *prev_copy = prev ? sr_xstrdup(prev) : NULL;
    if (prev == NULL && !global && !recursive) {
        sr_err_subject_not_found(err, subject_name);
        goto out;
    }
    if (prev != NULL && store_mode_set(ctx->st, scope, NULL, err) != 0)
        goto out;
    if (recursive && context_scope && delete_subject_modes(ctx->st, scope, err) != 0)
        goto out;
    if (prev_copy != NULL || global)
        resp->body = json_pack("{s:s}", "mode", prev_copy ? prev_copy : "READWRITE");
    else
        resp->body = json_object();
    rc = 0;
out:
    store_write_end(ctx->st);
    free(prev_copy);
    return rc;
}

API_HANDLER(get_mode)
{
    (void)err;
    store_read_begin(ctx->st);
    const char *m;
    if (api_query_bool(req, "defaultToGlobal")) {
        m = api_mode_effective(ctx->st, "", ".");
    } else {
        m = store_mode_get(ctx->st, "");
        if (m == NULL)
            m = "READWRITE";
    }
    resp->body = json_pack("{s:s}", "mode", m);
    store_read_end(ctx->st);
    return 0;
}

API_HANDLER(put_mode)
{
    return mode_put(ctx, req, resp, "", err);
}

API_HANDLER(delete_mode)
{
    return mode_delete(ctx, req, resp, "", "", err);
}

API_HANDLER(get_mode_subject)
{
    struct api_subject s;
    char *scope;
    param_scope(req->params[0], &s, &scope);
    int rc = 0;
    store_read_begin(ctx->st);
    const char *m = store_mode_get(ctx->st, scope);
    if (m == NULL && api_query_bool(req, "defaultToGlobal"))
        m = api_mode_effective(ctx->st, scope, s.context);
    if (m == NULL && scope[0] == '\0')
        m = "READWRITE";
    if (m == NULL)
        rc = sr_err_subject_mode_not_found(err, s.qualified);
    else
        resp->body = json_pack("{s:s}", "mode", m);
    store_read_end(ctx->st);
    free(scope);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(put_mode_subject)
{
    if (api_subject_validate(req->params[0], false, err) != 0)
        return -1;
    struct api_subject s;
    char *scope;
    param_scope(req->params[0], &s, &scope);
    int rc = mode_put(ctx, req, resp, scope, err);
    free(scope);
    api_subject_free(&s);
    return rc;
}

API_HANDLER(delete_mode_subject)
{
    struct api_subject s;
    char *scope;
    param_scope(req->params[0], &s, &scope);
    int rc = mode_delete(ctx, req, resp, scope, s.qualified, err);
    free(scope);
    api_subject_free(&s);
    return rc;
}
