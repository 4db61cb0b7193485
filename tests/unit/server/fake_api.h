/* SPDX-License-Identifier: Apache-2.0 */
/* fake_api.h — control of the stand-in api used by test_http.c. */
#ifndef FAKE_API_H
#define FAKE_API_H

#include <stddef.h>

#include "api.h"

struct fake_seen {
    enum api_method method;
    char *uri, *content_type, *accept, *body;
    size_t body_len;
};

void fake_api_reset(void);
int fake_api_calls(void);
/* The last request api_handle() received (valid until the next request or reset). */
const struct fake_seen *fake_api_last(void);
/* Blocks until a request for /slow is inside api_handle(). */
void fake_api_wait_slow_entered(void);
/* Lets the /slow request finish. */
void fake_api_release_slow(void);
/* Blocks until a request for /later has been deferred by api_handle_async(). */
void fake_api_wait_later_entered(void);
/* Delivers the deferred /later reply, with this status, from the calling thread. */
void fake_api_answer_later(int status);

#endif
