/* SPDX-License-Identifier: Apache-2.0 */
/* http.h — the HTTP front end: N worker threads, each with its own event_base and evhttp
 * accepting on one shared listening socket, every request handed to api_handle().
 * The only code that includes <event2/...>. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "api.h"
#include "sr_error.h"

struct http_options {
    const char *host;          /* numeric address or name to bind */
    unsigned port;             /* 0: any free port */
    int threads;               /* worker threads, >= 1 */
    size_t max_body_bytes;     /* larger bodies get 413 before they are read */
    size_t max_header_bytes;   /* request line plus headers */
    int request_timeout;       /* seconds of inactivity before a connection is dropped */
    int shutdown_timeout;      /* seconds in-flight requests get in http_server_stop() */
    const struct api_ctx *api; /* borrowed; must outlive the server */
};

struct http_server;

/* Binds host:port, then starts the workers; requests are served as soon as this returns.
 * Returns 0 and a new server in *out (stop and free it with http_server_stop()), or -1 with
 * err->message set (bind/listen failure, thread creation failure). */
SR_MUST_CHECK int http_server_start(const struct http_options *opt, struct http_server **out,
                                    struct sr_error *err);
/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *srv);
/* Asks the workers to stop accepting and to wind down (see http_server_stop()); returns at
 * once. Safe to call from any thread, more than once. */
void http_server_request_stop(struct http_server *srv);
/* Graceful stop: workers stop accepting, requests already underway (received in part or
 * being answered) finish within shutdown_timeout, then every connection is closed, the
 * threads are joined and srv is freed. Call from the thread that started it. Accepts NULL. */
void http_server_stop(struct http_server *srv);

#endif
