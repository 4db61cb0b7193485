/* SPDX-License-Identifier: Apache-2.0 */
/* async.c — api_handle_async(): answers without making the caller's event loop wait for the
 * disk. Two kinds of request would:
 *   - a registration, whose reply waits until its batch is durable (the store's commit
 *     thread writes batches): the reply is held in a struct api_defer and delivered when
 *     the store calls back;
 *   - every other write (PUT and DELETE: config, mode, deletions), which commits in the
 *     thread that runs it: such requests are copied and run, one after the other, on the
 *     write thread below, which delivers their replies.
 * Everything else is answered at once, in the caller's thread. */
#include <pthread.h>
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
    bool armed;      /* a handler ended its section with api_end_grouped() */
    bool handler_ok; /* the reply is a success, which a failed commit replaces */
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

/* The final reply: a success becomes the store's error if the commit failed. */
static void defer_settle(struct api_defer *d)
{
    if (d->handler_ok && d->store_rc != 0) {
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

/* Marks the reply a success (a failed commit must replace it); called by api_dispatch()
 * through r->defer. */
void api_defer_succeeded(struct api_defer *d)
{
    d->handler_ok = true;
}

/* ---- the write thread ---- */

/* A request copied off the caller's buffers, queued for the write thread. */
struct write_job {
    struct write_job *next;
    const struct api_ctx *ctx;
    struct api_request req;
    char *uri, *content_type, *accept, *body;
    api_ready_fn ready;
    void *arg;
    void *tag;
};

static pthread_once_t writer_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t writer_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t writer_cv = PTHREAD_COND_INITIALIZER;
static struct write_job *writer_head, *writer_tail;

static void job_free(struct write_job *j)
{
    free(j->uri);
    free(j->content_type);
    free(j->accept);
    free(j->body);
    free(j);
}

/* Runs queued writes in arrival order, for the life of the process. */
static void *writer_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&writer_mu);
        while (writer_head == NULL)
            pthread_cond_wait(&writer_cv, &writer_mu);
        struct write_job *j = writer_head;
        writer_head = j->next;
        if (writer_head == NULL)
            writer_tail = NULL;
        pthread_mutex_unlock(&writer_mu);

        struct api_response resp;
        api_handle(j->ctx, &j->req, &resp);
        j->ready(j->arg, j->tag, &resp);
        job_free(j);
    }
    return NULL;
}

static void writer_start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, writer_main, NULL) != 0)
        abort(); /* as for any allocation failure: nothing sensible is left to do */
    pthread_detach(t);
}

static char *dup_or_null(const char *s)
{
    return s ? sr_xstrdup(s) : NULL;
}

static void writer_submit(const struct api_ctx *ctx, const struct api_request *req, api_ready_fn ready,
                          void *arg, void *tag)
{
    pthread_once(&writer_once, writer_start);
    struct write_job *j = sr_xcalloc(1, sizeof *j);
    j->ctx = ctx;
    j->uri = dup_or_null(req->uri);
    j->content_type = dup_or_null(req->content_type);
    j->accept = dup_or_null(req->accept);
    if (req->body && req->body_len) {
        j->body = sr_xmalloc(req->body_len);
        memcpy(j->body, req->body, req->body_len);
    }
    /* Headers are read by one POST route only (POST /cloudevents/validate), never here. */
    j->req = (struct api_request){
        .method = req->method,
        .uri = j->uri,
        .content_type = j->content_type,
        .accept = j->accept,
        .body = j->body,
        .body_len = j->body ? req->body_len : 0,
    };
    j->ready = ready;
    j->arg = arg;
    j->tag = tag;
    pthread_mutex_lock(&writer_mu);
    if (writer_tail)
        writer_tail->next = j;
    else
        writer_head = j;
    writer_tail = j;
    pthread_cond_signal(&writer_cv);
    pthread_mutex_unlock(&writer_mu);
}

/* ---- the entry point ---- */

bool api_handle_async(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp,
                      api_ready_fn ready, void *arg, void *tag)
{
    if (req->method == API_PUT || req->method == API_DELETE) {
        writer_submit(ctx, req, ready, arg, tag);
        return true;
    }
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
