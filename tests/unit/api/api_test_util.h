/* SPDX-License-Identifier: Apache-2.0 */
/* api_test_util.h — shared fixture of the API tests: a real store on a scratch file, an
 * api_ctx, and a compact way to drive api_handle() and read the JSON it answers.
 * Header-only so each test binary stays one file plus this. */
#ifndef API_TEST_UTIL_H
#define API_TEST_UTIL_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "store.h"

#define T_CT "application/vnd.schemaregistry.v1+json"

struct fx {
    char dir[64];
    char path[128];
    struct store *st;
    struct api_config cfg;
    struct api_ctx ctx;
    /* The last response. */
    int status;
    json_t *json;      /* parsed body (any JSON value), or NULL */
    char *raw;         /* body as text */
    const char *ctype; /* response content type */
};

static inline int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sr-api-test-XXXXXX");
    if (f == NULL || mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/registry.db", f->dir);
    struct sr_error err = {0};
    if (store_open(f->path, &f->st, &err) != 0) {
        fprintf(stderr, "store_open: %s\n", err.message);
        return -1;
    }
    f->cfg.max_schema_bytes = 64 * 1024;
    f->cfg.server_version = "8.1.0";
    f->cfg.commit_id = "abc123";
    f->cfg.cluster_id = "cluster-1";
    f->cfg.mode_mutability = true;
    f->ctx.st = f->st;
    f->ctx.cfg = &f->cfg;
    /* as the server runs: every test also exercises the rendered-response and parse caches */
    f->ctx.cache = api_cache_new();
    *state = f;
    return 0;
}

static inline int fx_teardown(void **state)
{
    struct fx *f = *state;
    api_cache_free(f->ctx.cache);
    store_close(f->st);
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    json_decref(f->json);
    free(f->raw);
    free(f);
    return 0;
}

/* Sends one request with full control over headers; returns the HTTP status. */
static inline int fx_req(struct fx *f, enum api_method m, const char *uri, const char *body,
                         const char *ctype, const char *accept)
{
    struct api_request req = {.method = m,
                              .uri = uri,
                              .content_type = ctype,
                              .accept = accept,
                              .body = body,
                              .body_len = body ? strlen(body) : 0};
    struct api_response resp;
    api_handle(&f->ctx, &req, &resp);
    json_decref(f->json);
    free(f->raw);
    f->status = resp.status;
    f->ctype = resp.content_type;
    f->raw = malloc(resp.body_len + 1);
    if (resp.body_len)
        memcpy(f->raw, resp.body, resp.body_len);
    f->raw[resp.body_len] = '\0';
    f->json = resp.body_len ? json_loadb(resp.body, resp.body_len, JSON_DECODE_ANY, NULL) : NULL;
    api_response_free(&resp);
    return f->status;
}

static inline int fx_call(struct fx *f, enum api_method m, const char *uri, const char *body)
{
    return fx_req(f, m, uri, body, T_CT, NULL);
}

/* error_code of the last response (0 if none). */
static inline int fx_code(struct fx *f)
{
    return (int)json_integer_value(json_object_get(f->json, "error_code"));
}

static inline json_int_t fx_int(struct fx *f, const char *key)
{
    return json_integer_value(json_object_get(f->json, key));
}

static inline const char *fx_str(struct fx *f, const char *key)
{
    return json_string_value(json_object_get(f->json, key));
}

/* A register/lookup body for an Avro schema text; extra is a JSON object text merged in
 * (may be NULL). Returns a new string; caller frees. */
static inline char *fx_body(const char *schema, const char *extra)
{
    json_t *o = extra ? json_loads(extra, 0, NULL) : json_object();
    if (schema != NULL)
        json_object_set_new(o, "schema", json_string(schema));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* POST /subjects/{subject_enc}/versions; returns the status. */
static inline int fx_register(struct fx *f, const char *subject_enc, const char *schema, const char *extra)
{
    char uri[512];
    snprintf(uri, sizeof uri, "/subjects/%s/versions", subject_enc);
    char *body = fx_body(schema, extra);
    int st = fx_call(f, API_POST, uri, body);
    free(body);
    return st;
}

/* Registers and asserts success; returns the id. */
static inline json_int_t fx_register_ok(struct fx *f, const char *subject_enc, const char *schema)
{
    int st = fx_register(f, subject_enc, schema, NULL);
    if (st != 200)
        fprintf(stderr, "register %s: %d %s\n", subject_enc, st, f->raw);
    assert_int_equal(st, 200);
    return fx_int(f, "id");
}

/* Does the last response (a JSON array) equal the JSON text expected? */
static inline void fx_assert_json(struct fx *f, const char *expected)
{
    json_t *e = json_loads(expected, JSON_DECODE_ANY, NULL);
    assert_non_null(e);
    if (!json_equal(e, f->json))
        fprintf(stderr, "expected %s, got %s\n", expected, f->raw);
    assert_true(json_equal(e, f->json));
    json_decref(e);
}

/* Schemas used throughout. */
#define AVRO_V1 "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}"
/* Adds an optional field: BACKWARD compatible with V1. */
#define AVRO_V2                                                                                              \
    "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":"     \
    "\"note\",\"type\":\"string\",\"default\":\"\"}]}"
/* Adds a field without default: not BACKWARD compatible with V1. */
#define AVRO_BAD                                                                                             \
    "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":"     \
    "\"qty\",\"type\":\"int\"}]}"

#endif
