/* SPDX-License-Identifier: Apache-2.0 */
/* async.c — answering without making the caller's event loop wait for the disk. Two kinds
 * of request would:
 *   - a registration, whose reply waits until its batch is durable (the store's commit
 *     thread writes batches): api_handle_async() holds the reply in a struct api_defer and
 *     delivers it when the store calls back;
 *   - every other write (PUT and DELETE: config, mode, deletions), which commits in the
 *     thread that runs it: api_request_blocks() tells the caller to run it elsewhere.
 * Everything else is answered at once, in the caller's thread. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

/* ---- replies held back for the store ---- */

/* Two parties arrive, in either order and on different threads: api_handle_async() with the
 * rendered reply, and the store with its verdict (defer_durable()); the second delivers (or,
 * if that is api_handle_async(), answers at once). */
struct api_defer {
    atomic_int arrivals;
    bool armed; /* a handler ended its section with api_end_grouped() */
    int store_rc;
    struct sr_error store_err;
    struct api_response resp;
    api_ready_fn ready;
    void *arg;
    void *tag;
};

/* Arrives; true for the second party, which then owns d and delivers. */
static bool defer_arrive(struct api_defer *d)
{
    return atomic_fetch_add_explicit(&d->arrivals, 1, memory_order_acq_rel) == 1;
}

/* The final reply: a success (below 400) becomes the store's error if the commit failed;
 * an error reply stands, as nothing of its request was written. */
static void defer_settle(struct api_defer *d)
{
    if (d->store_rc != 0 && d->resp.status < 400) {
        const char *ctype = d->resp.content_type;
        api_response_free(&d->resp);
        api_error_response(&d->resp, d->store_err.code, d->store_err.message);
        d->resp.content_type = ctype;
    }
}

static void defer_durable(void *arg, int rc, const struct sr_error *err)
{
    struct api_defer *d = arg;
    d->store_rc = rc;
    if (rc != 0)
        d->store_err = *err;
    if (!defer_arrive(d))
        return;
    defer_settle(d);
    d->ready(d->arg, d->tag, &d->resp);
    free(d);
}

int api_end_grouped(const struct api_ctx *ctx, const struct api_req *req, struct sr_error *err)
{
    if (req->defer == NULL)
        return store_write_end_grouped(ctx->st, err);
    req->defer->armed = true;
    store_write_end_grouped_async(ctx->st, defer_durable, req->defer);
    return 0;
}

/* ---- the entry point ---- */

bool api_request_blocks(const struct api_request *req)
{
    return req->method == API_PUT || req->method == API_DELETE;
}

bool api_handle_async(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp,
                      api_ready_fn ready, void *arg, void *tag)
{
    struct api_req r;
    memset(&r, 0, sizeof r);
    /* Of the rest, only a POST (a registration) can wait for the disk. */
    struct api_defer *d = NULL;
    if (req->method == API_POST) {
        d = sr_xcalloc(1, sizeof *d);
        d->ready = ready;
        d->arg = arg;
        d->tag = tag;
        r.defer = d;
    }
    api_dispatch(ctx, req, &r, resp);
    if (d == NULL || !d->armed) {
        free(d);
        return false;
    }
    d->resp = *resp;
    if (!defer_arrive(d)) {
        memset(resp, 0, sizeof *resp);
        return true;
    }
    /* The store answered already (nothing was waiting to be written): reply now. */
    defer_settle(d);
    *resp = d->resp;
    free(d);
    return false;
}
