/* SPDX-License-Identifier: Apache-2.0 */
/* http_client.h — one blocking HTTP/1.1 request on libevent's client, enough for
 * schema-compat --registry. Plain HTTP only. */
#ifndef CLI_HTTP_CLIENT_H
#define CLI_HTTP_CLIENT_H

#include <stddef.h>

#include "sr_error.h"

struct cli_http_reply {
    int status; /* HTTP status, 0 when no answer */
    char *body; /* NUL-terminated; caller frees with free() */
    size_t body_len;
};

/* Sends method to base_url + path_and_query with an optional JSON body and Basic
 * credentials ("user:password", or NULL). Returns 0 with *reply filled (any status), or -1
 * with err set when the registry could not be reached or the URL is unusable. */
SR_MUST_CHECK int cli_http_request(const char *base_url, const char *method, const char *path_and_query,
                                   const char *body, const char *basic_auth, struct cli_http_reply *reply,
                                   struct sr_error *err);

#endif
