/* SPDX-License-Identifier: Apache-2.0 */
/* routes.c — the REST route table and the dispatcher: splits the raw path, percent-decodes
 * each segment after splitting (so %2F stays inside a subject), rewrites the /contexts/{ctx}
 * URL prefix (spec 2.1), matches the table, applies the generic checks once (405, 415, 400,
 * 422), negotiates the response type (spec 1.1, never 406) and serialises the response. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"
#include "cache.h"

enum route_flags {
    ROUTE_BODY = 1 << 0,          /* the route reads a JSON body */
    ROUTE_BODY_REQUIRED = 1 << 1, /* a missing or null body is 422 */
};

struct api_route {
    enum api_method method;
    const char *pattern; /* literal segments and {placeholders} */
    api_handler_fn handler;
    unsigned flags;
};

#define BODY (ROUTE_BODY | ROUTE_BODY_REQUIRED)

static const struct api_route routes[] = {
    {API_GET, "/", get_root, 0},
    {API_POST, "/", post_root, ROUTE_BODY},
    {API_GET, "/subjects", get_subjects, 0},
    {API_POST, "/subjects/{subject}", post_subjects_subject, BODY},
    {API_DELETE, "/subjects/{subject}", delete_subjects_subject, 0},
    {API_GET, "/subjects/{subject}/metadata", get_subjects_subject_metadata, 0},
    {API_GET, "/subjects/{subject}/versions", get_subjects_subject_versions, 0},
    {API_POST, "/subjects/{subject}/versions", post_subjects_subject_versions, BODY},
    {API_GET, "/subjects/{subject}/versions/{version}", get_subjects_subject_versions_version, 0},
    {API_DELETE, "/subjects/{subject}/versions/{version}", delete_subjects_subject_versions_version, 0},
    {API_GET, "/subjects/{subject}/versions/{version}/schema", get_subjects_subject_versions_version_schema,
     0},
    {API_GET, "/subjects/{subject}/versions/{version}/referencedby",
     get_subjects_subject_versions_version_referencedby, 0},
    {API_POST, "/subjects/{subject}/versions/{version}/tags", post_subjects_subject_versions_version_tags,
     BODY},
    {API_GET, "/schemas", get_schemas, 0},
    {API_GET, "/schemas/types", get_schemas_types, 0},
    {API_GET, "/schemas/ids/{id}", get_schemas_ids_id, 0},
    {API_GET, "/schemas/ids/{id}/schema", get_schemas_ids_id_schema, 0},
    {API_GET, "/schemas/ids/{id}/subjects", get_schemas_ids_id_subjects, 0},
    {API_GET, "/schemas/ids/{id}/versions", get_schemas_ids_id_versions, 0},
    {API_GET, "/schemas/guids/{guid}", get_schemas_guids_guid, 0},
    {API_GET, "/schemas/guids/{guid}/ids", get_schemas_guids_guid_ids, 0},
    {API_POST, "/compatibility/subjects/{subject}/versions", post_compatibility_subjects_subject_versions,
     BODY},
    {API_POST, "/compatibility/subjects/{subject}/versions/{version}",
     post_compatibility_subjects_subject_versions_version, BODY},
    {API_GET, "/config", get_config, 0},
    {API_PUT, "/config", put_config, BODY},
    {API_DELETE, "/config", delete_config, 0},
    {API_GET, "/config/{subject}", get_config_subject, 0},
    {API_PUT, "/config/{subject}", put_config_subject, BODY},
    {API_DELETE, "/config/{subject}", delete_config_subject, 0},
    {API_GET, "/mode", get_mode, 0},
    {API_PUT, "/mode", put_mode, BODY},
    {API_DELETE, "/mode", delete_mode, 0},
    {API_GET, "/mode/{subject}", get_mode_subject, 0},
    {API_PUT, "/mode/{subject}", put_mode_subject, BODY},
    {API_DELETE, "/mode/{subject}", delete_mode_subject, 0},
    {API_GET, "/contexts", get_contexts, 0},
    {API_DELETE, "/contexts/{context}", delete_contexts_context, 0},
    {API_GET, "/v1/metadata/id", get_v1_metadata_id, 0},
    {API_GET, "/v1/metadata/version", get_v1_metadata_version, 0},
    {API_GET, "/v1/metadata/deployment", get_v1_metadata_deployment, 0},
    {API_POST, "/cloudevents/validate", post_cloudevents_validate, 0}, /* reads req->raw itself */
};

/* Messages quote request data (possibly invalid UTF-8) and are truncated to a fixed size
 * (possibly mid-character); every invalid byte becomes '?' so the body is valid JSON. */
static char *utf8_sanitize(const char *s)
{
    size_t len = strlen(s);
    char *out = sr_xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = api_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0) {
            out[o++] = '?';
            i++;
            continue;
        }
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return out;
}

void api_error_response(struct api_response *resp, int code, const char *message)
{
    json_t *j = json_object();
    json_object_set_new(j, "error_code", json_integer(code));
    char *clean = utf8_sanitize(message ? message : "");
    json_t *msg = json_string(clean);
    json_object_set_new(j, "message", msg ? msg : json_string("Invalid request"));
    free(clean);
    resp->status = sr_error_http_status(code);
    resp->content_type = API_CT_V1;
    resp->body = json_dumps(j, JSON_COMPACT);
    resp->body_len = strlen(resp->body);
    json_decref(j);
}

void api_response_free(struct api_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
}

/* Spec 1.1: server weights v1+json 1.0 > schemaregistry+json 0.9 > json 0.5; wildcards
 * mean v1+json; no match falls back to v1+json instead of 406. */
static const char *negotiate(const char *accept)
{
    if (accept == NULL)
        return API_CT_V1;
    const char *best = API_CT_V1;
    double best_score = 0;
    const char *p = accept;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *semi = memchr(p, ';', len);
        size_t mlen = semi ? (size_t)(semi - p) : len;
        const char *m = p;
        while (mlen > 0 && isspace((unsigned char)*m)) {
            m++;
            mlen--;
        }
        while (mlen > 0 && isspace((unsigned char)m[mlen - 1]))
            mlen--;
        double q = 1.0;
        if (semi != NULL) {
            const char *qp = semi;
            while (qp < p + len) {
                while (qp < p + len && (*qp == ';' || isspace((unsigned char)*qp)))
                    qp++;
                if (qp + 1 < p + len && (qp[0] == 'q' || qp[0] == 'Q') && qp[1] == '=') {
                    q = strtod(qp + 2, NULL);
                    break;
                }
                while (qp < p + len && *qp != ';')
                    qp++;
            }
        }
        const char *type = NULL;
        double weight = 0;
        if (mlen == strlen(API_CT_V1) && strncasecmp(m, API_CT_V1, mlen) == 0) {
            type = API_CT_V1;
            weight = 1.0;
        } else if (mlen == strlen(API_CT_GENERIC) && strncasecmp(m, API_CT_GENERIC, mlen) == 0) {
            type = API_CT_GENERIC;
            weight = 0.9;
        } else if (mlen == strlen(API_CT_JSON) && strncasecmp(m, API_CT_JSON, mlen) == 0) {
            type = API_CT_JSON;
            weight = 0.5;
        } else if ((mlen == 3 && strncmp(m, "*/*", 3) == 0) || (mlen == 1 && m[0] == '*') ||
                   (mlen == 13 && strncasecmp(m, "application/*", 13) == 0)) {
            type = API_CT_V1;
            weight = 1.0;
        }
        if (type != NULL && q * weight > best_score) {
            best = type;
            best_score = q * weight;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return best;
}

static bool content_type_ok(const char *ct)
{
    static const char *const ok[] = {API_CT_V1, API_CT_GENERIC, API_CT_JSON, "application/octet-stream"};
    if (ct == NULL)
        return true;
    while (isspace((unsigned char)*ct))
        ct++;
    size_t len = strcspn(ct, ";");
    while (len > 0 && isspace((unsigned char)ct[len - 1]))
        len--;
    if (len == 0)
        return true;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i]) == len && strncasecmp(ct, ok[i], len) == 0)
            return true;
    return false;
}

static void req_free(struct api_req *r)
{
    for (size_t i = 0; i < r->nseg; i++)
        free(r->seg[i]);
    api_query_free(r->query, r->nquery);
    json_decref(r->body);
}

/* Splits the raw path into decoded segments. Returns -1 when there are too many. */
static int split_path(const char *path, size_t plen, struct api_req *r)
{
    size_t i = 1; /* past the leading '/' */
    while (i < plen) {
        const char *slash = memchr(path + i, '/', plen - i);
        size_t end = slash ? (size_t)(slash - path) : plen;
        if (r->nseg == API_MAX_PATH_SEGS)
            return -1;
        r->seg[r->nseg++] = api_percent_decode(path + i, end - i, false);
        if (slash == NULL)
            break;
        i = end + 1;
        /* A trailing slash is tolerated (spec 1.3): "/a/" is "/a". */
    }
    return 0;
}

static void set_seg(struct api_req *r, size_t i, char *value)
{
    free(r->seg[i]);
    r->seg[i] = value;
}

static char *concat(const char *a, const char *b)
{
    struct sr_buf buf = SR_BUF_INIT;
    sr_buf_puts(&buf, a);
    sr_buf_puts(&buf, b);
    return sr_buf_steal(&buf, NULL);
}

static bool already_qualified(const char *s)
{
    return strncmp(s, ":.", 2) == 0 || strncmp(s, ":*:", 3) == 0;
}

/* Spec 2.1: /contexts/{ctx}/<rest> is rewritten before routing. */
static int rewrite_context_prefix(struct api_req *r, struct sr_error *err)
{
    if (r->nseg < 3 || strcmp(r->seg[0], "contexts") != 0)
        return 0;
    char *ctx = api_context_normalize(r->seg[1]);
    if (ctx == NULL)
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid context name: %s", r->seg[1]);
    char *qual = api_qualify(ctx, ""); /* "" for the default context */
    free(ctx);
    free(r->seg[0]);
    free(r->seg[1]);
    memmove(r->seg, r->seg + 2, (r->nseg - 2) * sizeof r->seg[0]);
    r->nseg -= 2;
    const char *head = r->seg[0];
    if (strcmp(head, "subjects") == 0 || strcmp(head, "schemas") == 0) {
        if (r->nseg >= 2 && strcmp(head, "subjects") == 0) {
            if (!already_qualified(r->seg[1]))
                set_seg(r, 1, concat(qual, r->seg[1]));
        } else if (r->nseg == 1) {
            const char *given = api_query(r, "subjectPrefix");
            char *prefix = concat(qual, given ? given : "");
            api_query_set(r, "subjectPrefix", prefix);
            free(prefix);
        } else if (r->nseg >= 3 && strcmp(r->seg[1], "ids") == 0) {
            const char *given = api_query(r, "subject");
            if (given == NULL || !already_qualified(given)) {
                char *subject = concat(qual, given ? given : "");
                api_query_set(r, "subject", subject);
                free(subject);
            }
        }
    } else if (strcmp(head, "config") == 0 || strcmp(head, "mode") == 0) {
        if (r->nseg == 1) {
            if (qual[0] != '\0')
                r->seg[r->nseg++] = sr_xstrdup(qual);
        } else if (!already_qualified(r->seg[1])) {
            set_seg(r, 1, concat(qual, r->seg[1]));
        }
    } else if (strcmp(head, "compatibility") == 0 && r->nseg >= 3 && strcmp(r->seg[1], "subjects") == 0) {
        if (!already_qualified(r->seg[2]))
            set_seg(r, 2, concat(qual, r->seg[2]));
    }
    free(qual);
    return 0;
}

/* Does the route's pattern match r's segments? Fills r->params on success. */
static bool pattern_match(const char *pattern, struct api_req *r)
{
    size_t k = 0;
    size_t np = 0;
    const char *p = pattern + 1;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (k >= r->nseg)
            return false;
        if (p[0] == '{') {
            if (np < sizeof r->params / sizeof r->params[0])
                r->params[np++] = r->seg[k];
        } else if (strlen(r->seg[k]) != len || strncmp(r->seg[k], p, len) != 0) {
            return false;
        }
        k++;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    if (k != r->nseg)
        return false;
    r->nparams = np;
    return true;
}

static void fill_json(struct api_response *resp, json_t *body)
{
    resp->body = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    if (resp->body == NULL)
        resp->body = sr_xstrdup("null");
    resp->body_len = strlen(resp->body);
}

void api_dispatch(const struct api_ctx *ctx, const struct api_request *req, struct api_req *r,
                  struct api_response *resp)
{
    struct api_resp out;
    struct sr_error err = {0};
    memset(&out, 0, sizeof out);
    memset(resp, 0, sizeof *resp);
    const char *ctype = negotiate(req->accept);
    const struct api_route *route = NULL;
    bool path_known = false;

    r->method = req->method == API_HEAD ? API_GET : req->method;
    r->raw = req;
    const char *uri = req->uri ? req->uri : "/";
    const char *q = strchr(uri, '?');
    size_t plen = q ? (size_t)(q - uri) : strlen(uri);
    const char *hash = memchr(uri, '#', plen);
    if (hash != NULL)
        plen = (size_t)(hash - uri);
    if (q != NULL) {
        char *qs = sr_xstrdup(q + 1);
        char *frag = strchr(qs, '#');
        if (frag)
            *frag = '\0';
        api_query_parse(qs, &r->query, &r->nquery);
        free(qs);
    }
    if (plen == 0 || uri[0] != '/' || split_path(uri, plen, r) != 0) {
        sr_error_set(&err, SR_ERR_NOT_FOUND, "HTTP 404 Not Found");
        goto fail;
    }
    if (rewrite_context_prefix(r, &err) != 0)
        goto fail;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!pattern_match(routes[i].pattern, r))
            continue;
        path_known = true;
        if (routes[i].method == r->method) {
            route = &routes[i];
            break;
        }
    }
    if (route == NULL) {
        if (path_known)
            sr_error_set(&err, SR_ERR_METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed");
        else
            sr_error_set(&err, SR_ERR_NOT_FOUND, "HTTP 404 Not Found");
        goto fail;
    }
    /* r->params are route's: its pattern was the last one matched */
    if ((route->flags & ROUTE_BODY) && req->body != NULL && req->body_len > 0) {
        if (!content_type_ok(req->content_type)) {
            sr_error_set(&err, SR_ERR_UNSUPPORTED_MEDIA_TYPE, "HTTP 415 Unsupported Media Type");
            goto fail;
        }
        /* the producer-startup case: the same registration again, known by its bytes */
        if (route->handler == post_subjects_subject_versions) {
            int fast = api_register_from_body(ctx, r, req->body, req->body_len, &out, &err);
            if (fast < 0)
                goto fail;
            if (fast == 1)
                goto done;
        }
        json_error_t jerr;
        r->body = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, &jerr);
        if (r->body == NULL) {
            sr_error_set(&err, SR_ERR_BAD_REQUEST, "Unrecognized JSON: %s", jerr.text);
            goto fail;
        }
    }
    if ((route->flags & ROUTE_BODY_REQUIRED) && (r->body == NULL || json_is_null(r->body))) {
        sr_error_set(&err, SR_ERR_UNPROCESSABLE, "Request body is missing or null");
        goto fail;
    }
    if (r->body != NULL && !json_is_object(r->body) && !json_is_null(r->body)) {
        sr_error_set(&err, SR_ERR_BAD_REQUEST, "Request body must be a JSON object");
        goto fail;
    }
    if (route->handler(ctx, r, &out, &err) != 0) {
        if (err.code == 0)
            sr_error_set(&err, SR_ERR_INTERNAL, "Internal Server Error");
        goto fail;
    }
done:
    resp->status = out.status ? out.status : 200;
    resp->content_type = ctype;
    if (out.raw != NULL) {
        resp->body = out.raw;
        resp->body_len = out.raw_len;
        out.raw = NULL;
    } else if (out.body != NULL) {
        fill_json(resp, out.body);
    }
    json_decref(out.body);
    free(out.error_message);
    req_free(r);
    return;
fail:
    json_decref(out.body);
    free(out.raw);
    req_free(r);
    api_error_response(resp, err.code, out.error_message ? out.error_message : err.message);
    free(out.error_message);
    resp->content_type = ctype;
}

void api_handle(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp)
{
    struct api_req r;
    memset(&r, 0, sizeof r);
    api_dispatch(ctx, req, &r, resp);
}
