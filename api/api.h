/* SPDX-License-Identifier: Apache-2.0 */
/* api.h — the Confluent Schema Registry REST API as a pure function of a request.
 * server/ turns libevent requests into struct api_request and sends struct api_response;
 * nothing here knows about sockets or libevent. */
#ifndef API_H
#define API_H

#include <stdbool.h>
#include <stddef.h>

struct store;
struct api_cache;

struct api_config {
    size_t max_schema_bytes;    /* a schema text above this gets 42209 */
    const char *server_version; /* GET /v1/metadata/version */
    const char *commit_id;
    const char *cluster_id; /* GET /v1/metadata/id: kafka-cluster */
    bool mode_mutability;   /* false: every mode change gets 42205 */
};

/* Everything a handler may use; shared by all worker threads, read-only. */
struct api_ctx {
    struct store *st;
    const struct api_config *cfg;
    /* Shared memo of rendered responses and parsed schemas (api_cache_new()), or NULL to
     * compute everything per request. Internally locked. */
    struct api_cache *cache;
};

/* A new, empty cache for api_ctx.cache; caller frees with api_cache_free() after the last
 * request has been handled. */
struct api_cache *api_cache_new(void);
void api_cache_free(struct api_cache *cache);

enum api_method { API_GET, API_POST, API_PUT, API_DELETE, API_HEAD, API_OTHER };

/* One HTTP request header (see struct api_request). */
struct api_header {
    const char *name;
    const char *value;
};

#define API_MAX_HEADERS 128

struct api_request {
    enum api_method method;
    const char *uri;          /* raw request target: path plus optional "?query", not decoded */
    const char *content_type; /* Content-Type header, or NULL */
    const char *accept;       /* Accept header, or NULL */
    const char *body;         /* body bytes, not NUL-terminated; NULL or body_len 0: no body */
    size_t body_len;
    /* Every request header as received (names in the sender's case), borrowed like the
     * fields above; NULL/0 when the caller does not supply them. Only POST
     * /cloudevents/validate reads them (binary mode carries attributes as ce-* headers).
     * headers_truncated: the request had more than API_MAX_HEADERS and the rest were
     * dropped. */
    const struct api_header *headers;
    size_t nheaders;
    bool headers_truncated;
};

struct api_response {
    int status;
    const char *content_type; /* static string */
    char *body;               /* owned; free with api_response_free() */
    size_t body_len;
};

/* Handles one request; always fills resp (errors become Confluent error bodies). */
void api_handle(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp);

/* Receives a deferred response (see api_handle_async()) and takes over its body. */
typedef void (*api_ready_fn)(void *arg, void *tag, struct api_response *resp);

/* Like api_handle(), but does not wait for the disk: a registration is answered only once its
 * batch is durable, and rather than wait for that, api_handle_async() returns true, leaves
 * resp untouched, and ready(arg, tag, resp) is called exactly once later, from any thread
 * (possibly this one, even before api_handle_async() returns); it must be quick. Returns
 * false when resp is filled. Requests for which api_request_blocks() is true would still
 * wait (they commit in the calling thread). */
bool api_handle_async(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp,
                      api_ready_fn ready, void *arg, void *tag);
/* True for the writes that commit in the thread running them (PUT and DELETE: config, mode,
 * deletions): an event loop should hand them to a thread that may wait (api_handle()). */
bool api_request_blocks(const struct api_request *req);
/* Fills resp with a Confluent error body {"error_code": code, "message": message}. */
void api_error_response(struct api_response *resp, int code, const char *message);
void api_response_free(struct api_response *resp);

#endif
