/* SPDX-License-Identifier: Apache-2.0 */
/* http_internal.h — pieces of http.c exposed for unit tests only. */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include <event2/http.h>

#include "api.h"

/* GET/POST/PUT/DELETE/HEAD map to their api_method; everything else is API_OTHER (the api
 * answers 405 for a known path, 404 otherwise). */
enum api_method http_api_method(enum evhttp_cmd_type cmd);
/* The origin-form part of a request target: "http://h:1/a?b" -> "/a?b"; anything else is
 * returned unchanged. Returns a pointer into uri. */
const char *http_request_target(const char *uri);
/* Reason phrase for a status line, or NULL to let libevent pick one. */
const char *http_reason_phrase(int status);
/* Fills areq from an incoming request (borrowed pointers valid while req lives). */
void http_fill_api_request(struct evhttp_request *req, struct api_request *areq);

#endif
