/* SPDX-License-Identifier: Apache-2.0 */
/* http.c — worker threads, evhttp setup, the libevent <-> api_request/api_response mapping
 * and graceful shutdown.
 *
 * Each worker owns an event_base and an evhttp that accepts on its own dup() of the one
 * listening socket (evhttp closes the fd it accepts on when freed, so sharing one fd number
 * would close it under the others). libevent frames requests and enforces the limits
 * (evhttp_set_max_body_size answers 413 from the Content-Length alone, before any of the body
 * is buffered); errors libevent answers itself come out as an HTML page, which an output
 * buffer callback replaces with the Confluent JSON error body before it is written.
 * A connection is "busy" from the first byte of a request until its response has been
 * written; on stop, workers disable their listeners and leave their loops once no connection
 * is busy (or shutdown_timeout passes).
 *
 * A write's reply waits for the disk; the loop does not wait with it. A registration's reply
 * comes back from the store's commit thread (api_handle_async()); other writes
 * (api_request_blocks()) run on the server's write thread. Either way the reply reaches
 * on_api_ready(), which queues it on the worker and wakes the worker's loop to send it. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "http_internal.h"
#include "log.h"
#include "sr_buf.h"

struct worker {
    struct http_server *srv;
    int index;
    pthread_t thread;
    bool started;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *stop_ev;     /* activated from the main thread */
    struct event *deadline_ev; /* shutdown_timeout expired */
    struct event *resume_ev;   /* re-enables accepting after each accepted connection */
    bool stopping;
    unsigned long busy; /* connections with a request underway */
    /* Deferred replies (see the top of the file), under ready_mu: */
    pthread_mutex_t ready_mu;
    pthread_cond_t ready_cv;   /* signalled when ndeferred drops to 0 */
    struct event *ready_ev;    /* activated by on_api_ready() */
    struct ready_reply *ready; /* delivered, not sent yet (newest first) */
    long ndeferred;            /* handed to the api and not delivered yet */
};

/* A deferred reply on its way back to its worker. */
struct ready_reply {
    struct ready_reply *next;
    struct evhttp_request *req;
    struct api_response resp;
};

/* A blocking request (api_request_blocks()) queued for the write thread, copied off the
 * worker's buffers; the reply goes back to the worker like a deferred one. */
struct write_job {
    struct write_job *next;
    struct worker *w;
    struct evhttp_request *req;
    struct api_request areq;
    char *uri, *content_type, *accept, *body;
};

struct http_server {
    struct http_options opt;
    int listen_fd;
    unsigned port;
    int nworkers;
    struct worker *workers;
    int listeners_disabled; /* atomic: workers that stopped accepting */
    /* The write thread, which runs blocking requests one after the other: */
    pthread_t writer;
    bool writer_started;
    pthread_mutex_t jobs_mu;
    pthread_cond_t jobs_cv;
    struct write_job *jobs_head, *jobs_tail;
    bool jobs_stop;
};

/* Per-connection state without allocation, by fd: evhttp 2.1 offers no user pointer on a
 * connection nor a hook when its bufferevent dies, but it does call the close callback while
 * the fd is still open. Sized once to RLIMIT_NOFILE, so every fd fits. A slot is written only
 * by the thread that owns its fd, and cleared (close callback) before that fd is closed and
 * can be handed to another worker. */
struct conn_slot {
    struct bufferevent *bev; /* atomic; NULL: no connection with data on this fd */
    struct worker *w;
    bool busy;
};

static struct conn_slot *conn_by_fd;
static size_t conn_by_fd_len;
/* The worker whose loop runs on this thread (NULL elsewhere). */
static _Thread_local struct worker *current_worker;
static pthread_once_t process_once = PTHREAD_ONCE_INIT;

static void process_init(void)
{
    struct rlimit rl;
    const rlim_t cap = (rlim_t)1 << 20;

    evthread_use_pthreads();
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        rl.rlim_cur = 1024;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > cap) {
        rl.rlim_cur = cap;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            server_log(SERVER_LOG_WARN, "cannot lower the open-file limit to %lu", (unsigned long)cap);
    }
    conn_by_fd_len = (size_t)rl.rlim_cur;
    conn_by_fd = sr_xcalloc(conn_by_fd_len, sizeof *conn_by_fd);
}

/* ---- request mapping ---- */

enum api_method http_api_method(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return API_GET;
    case EVHTTP_REQ_POST:
        return API_POST;
    case EVHTTP_REQ_PUT:
        return API_PUT;
    case EVHTTP_REQ_DELETE:
        return API_DELETE;
    case EVHTTP_REQ_HEAD:
        return API_HEAD;
    default:
        return API_OTHER;
    }
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_TRACE:
        return "TRACE";
    case EVHTTP_REQ_CONNECT:
        return "CONNECT";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    default:
        return "OTHER";
    }
}

const char *http_request_target(const char *uri)
{
    const char *p;

    if (strncasecmp(uri, "http://", 7) == 0)
        p = uri + 7;
    else if (strncasecmp(uri, "https://", 8) == 0)
        p = uri + 8;
    else
        return uri;
    /* absolute-form (RFC 9112 3.2.2): the api routes on the path, so drop scheme and authority */
    p += strcspn(p, "/?#");
    return *p ? p : "/";
}

const char *http_reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return NULL;
    }
}

void http_fill_api_request(struct evhttp_request *req, struct api_request *areq)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    size_t len = body ? evbuffer_get_length(body) : 0;
    const char *uri = evhttp_request_get_uri(req);

    memset(areq, 0, sizeof *areq);
    areq->method = http_api_method(evhttp_request_get_command(req));
    areq->uri = http_request_target(uri ? uri : "/");
    areq->content_type = evhttp_find_header(in, "Content-Type");
    areq->accept = evhttp_find_header(in, "Accept");
    /* A worker fills one request at a time and areq dies with on_request(), so a
     * per-thread array can hold the header list without an allocation per request. */
    static _Thread_local struct api_header hdrs[API_MAX_HEADERS];
    for (const struct evkeyval *h = in ? in->tqh_first : NULL; h != NULL; h = h->next.tqe_next) {
        if (areq->nheaders == API_MAX_HEADERS) {
            areq->headers_truncated = true;
            break;
        }
        hdrs[areq->nheaders].name = h->key;
        hdrs[areq->nheaders++].value = h->value;
    }
    areq->headers = hdrs;
    if (len > 0) {
        /* one contiguous copy of the body; still not NUL-terminated (body_len says how long) */
        areq->body = (const char *)evbuffer_pullup(body, -1);
        areq->body_len = len;
    }
}

/* ---- busy accounting ---- */

static void worker_check_drained(struct worker *w)
{
    if (w->stopping && w->busy == 0)
        event_base_loopexit(w->base, NULL);
}

static struct conn_slot *slot_of(struct bufferevent *bev)
{
    int fd = bev ? (int)bufferevent_getfd(bev) : -1;

    if (fd < 0 || (size_t)fd >= conn_by_fd_len)
        return NULL;
    return &conn_by_fd[fd];
}

static void slot_set_busy(struct conn_slot *slot, bool busy)
{
    if (slot->busy == busy)
        return;
    slot->busy = busy;
    if (busy) {
        slot->w->busy++;
    } else {
        slot->w->busy--;
        worker_check_drained(slot->w);
    }
}

/* evhttp is freeing the connection; its fd is still open. */
static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    struct conn_slot *slot = slot_of(evhttp_connection_get_bufferevent(evcon));

    (void)arg;
    if (!slot || __atomic_load_n(&slot->bev, __ATOMIC_ACQUIRE) != evhttp_connection_get_bufferevent(evcon))
        return;
    slot_set_busy(slot, false);
    __atomic_store_n(&slot->bev, NULL, __ATOMIC_RELEASE);
}

/* Bytes arrived from the client (runs inside the socket read, before evhttp parses them):
 * a request is underway. arg is the connection's bufferevent. */
static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct bufferevent *bev = arg;
    struct conn_slot *slot;

    (void)buf;
    if (info->n_added == 0)
        return;
    slot = slot_of(bev);
    if (!slot)
        return;
    if (__atomic_load_n(&slot->bev, __ATOMIC_ACQUIRE) != bev) {
        /* first bytes on this connection: evhttp made the evhttp_connection the bufferevent's
         * callback argument; its close callback will clear the slot */
        void *evcon = NULL;
        bufferevent_getcb(bev, NULL, NULL, NULL, &evcon);
        if (!evcon || !current_worker)
            return;
        slot->w = current_worker;
        slot->busy = false;
        evhttp_connection_set_closecb(evcon, on_conn_close, NULL);
        __atomic_store_n(&slot->bev, bev, __ATOMIC_RELEASE);
    }
    slot_set_busy(slot, true);
}

static void on_complete(struct evhttp_request *req, void *arg)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    struct conn_slot *slot = slot_of(bev);

    (void)arg;
    if (!slot || __atomic_load_n(&slot->bev, __ATOMIC_ACQUIRE) != bev)
        return;
    /* bytes of a pipelined next request keep the connection busy */
    slot_set_busy(slot, evbuffer_get_length(bufferevent_get_input(bev)) > 0);
}

/* ---- the request callback ---- */

static void free_body(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* Sends resp. A body that is not needed afterwards (keep_body false) is handed to libevent
 * rather than copied: resp->body becomes NULL. */
static void send_response(struct evhttp_request *req, struct api_response *resp, bool keep_body)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    struct evbuffer *buf = evhttp_request_get_output_buffer(req);

    if (resp->content_type)
        evhttp_add_header(out, "Content-Type", resp->content_type);
    /* what the Confluent server adds to every answer (spec 1.1) */
    evhttp_add_header(out, "X-XSS-Protection", "1; mode=block");
    evhttp_add_header(out, "Cache-Control", "no-cache, no-store, must-revalidate");
    if (resp->body && resp->body_len) {
        if (!keep_body && evbuffer_add_reference(buf, resp->body, resp->body_len, free_body, NULL) == 0) {
            resp->body = NULL;
            resp->body_len = 0;
        } else {
            evbuffer_add(buf, resp->body, resp->body_len);
        }
    }
    evhttp_send_reply(req, resp->status, http_reason_phrase(resp->status), NULL);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Sends resp and logs the exchange (errors always, the rest at debug level). */
static void reply(struct worker *w, struct evhttp_request *req, struct api_response *resp,
                  const struct timespec *t0)
{
    bool log_error = resp->status >= 500;
    bool log_debug = !log_error && t0 && server_log_enabled(SERVER_LOG_DEBUG);
    const char *method = method_name(evhttp_request_get_command(req));
    /* the uri dies with the request, which sending may free (a client gone meanwhile) */
    char uri[256] = "";
    if (log_error || log_debug)
        snprintf(uri, sizeof uri, "%s", evhttp_request_get_uri(req));
    /* an error body is logged below */
    send_response(req, resp, log_error);
    if (log_error) {
        /* the body is the api's error object; enough of it to find the cause */
        int shown = resp->body_len > 300 ? 300 : (int)resp->body_len;
        server_log(SERVER_LOG_ERROR, "%s %s -> %d %.*s", method, uri, resp->status, shown,
                   resp->body ? resp->body : "");
    } else if (log_debug) {
        server_log(SERVER_LOG_DEBUG, "%s %s %d %.3f ms worker=%d", method, uri, resp->status, ms_since(t0),
                   w->index);
    }
    api_response_free(resp);
}

/* The api's api_ready_fn: any thread. */
static void on_api_ready(void *arg, void *tag, struct api_response *resp)
{
    struct worker *w = arg;
    struct ready_reply *r = sr_xmalloc(sizeof *r);
    r->req = tag;
    r->resp = *resp;
    pthread_mutex_lock(&w->ready_mu);
    r->next = w->ready;
    w->ready = r;
    if (--w->ndeferred == 0)
        pthread_cond_signal(&w->ready_cv);
    event_active(w->ready_ev, EV_READ, 0);
    pthread_mutex_unlock(&w->ready_mu);
}

/* Takes the delivered replies, oldest first. */
static struct ready_reply *take_ready(struct worker *w)
{
    pthread_mutex_lock(&w->ready_mu);
    struct ready_reply *list = w->ready, *oldest_first = NULL;
    w->ready = NULL;
    pthread_mutex_unlock(&w->ready_mu);
    while (list) {
        struct ready_reply *next = list->next;
        list->next = oldest_first;
        oldest_first = list;
        list = next;
    }
    return oldest_first;
}

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;

    (void)fd;
    (void)what;
    for (struct ready_reply *r = take_ready(w), *next; r; r = next) {
        next = r->next;
        reply(w, r->req, &r->resp, NULL);
        free(r);
    }
}

/* ---- the write thread ---- */

static char *dup_or_null(const char *s)
{
    return s ? sr_xstrdup(s) : NULL;
}

static void job_submit(struct worker *w, struct evhttp_request *req, const struct api_request *areq)
{
    struct http_server *srv = w->srv;
    struct write_job *j = sr_xcalloc(1, sizeof *j);
    j->w = w;
    j->req = req;
    j->uri = dup_or_null(areq->uri);
    j->content_type = dup_or_null(areq->content_type);
    j->accept = dup_or_null(areq->accept);
    if (areq->body_len > 0) {
        j->body = sr_xmalloc(areq->body_len);
        memcpy(j->body, areq->body, areq->body_len);
    }
    /* Headers are read by one POST route only (POST /cloudevents/validate), never here. */
    j->areq = (struct api_request){
        .method = areq->method,
        .uri = j->uri,
        .content_type = j->content_type,
        .accept = j->accept,
        .body = j->body,
        .body_len = areq->body_len,
    };
    pthread_mutex_lock(&srv->jobs_mu);
    if (srv->jobs_tail)
        srv->jobs_tail->next = j;
    else
        srv->jobs_head = j;
    srv->jobs_tail = j;
    pthread_cond_signal(&srv->jobs_cv);
    pthread_mutex_unlock(&srv->jobs_mu);
}

/* Runs blocking requests in arrival order until told to stop with nothing left. */
static void *writer_main(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->jobs_mu);
    for (;;) {
        while (srv->jobs_head == NULL && !srv->jobs_stop)
            pthread_cond_wait(&srv->jobs_cv, &srv->jobs_mu);
        struct write_job *j = srv->jobs_head;
        if (j == NULL)
            break;
        srv->jobs_head = j->next;
        if (srv->jobs_head == NULL)
            srv->jobs_tail = NULL;
        pthread_mutex_unlock(&srv->jobs_mu);
        struct api_response resp;
        api_handle(srv->opt.api, &j->areq, &resp);
        on_api_ready(j->w, j->req, &resp);
        free(j->uri);
        free(j->content_type);
        free(j->accept);
        free(j->body);
        free(j);
        pthread_mutex_lock(&srv->jobs_mu);
    }
    pthread_mutex_unlock(&srv->jobs_mu);
    return NULL;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct worker *w = arg;
    struct api_request areq;
    struct api_response resp = {0};
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    evhttp_request_set_on_complete_cb(req, on_complete, NULL);
    http_fill_api_request(req, &areq);
    bool blocks = api_request_blocks(&areq);
    if (blocks)
        job_submit(w, req, &areq);
    if (blocks || api_handle_async(w->srv->opt.api, &areq, &resp, on_api_ready, w, req)) {
        /* on_api_ready() may already have run and counted it down */
        pthread_mutex_lock(&w->ready_mu);
        w->ndeferred++;
        pthread_mutex_unlock(&w->ready_mu);
        return;
    }
    reply(w, req, &resp, &t0);
}

/* ---- libevent's own error pages ---- */

#define LIBEVENT_ERROR_PAGE "<HTML><HEAD>\n<TITLE>"

/* Builds the JSON replacement for libevent's error page for status; returns a new string,
 * caller frees. */
static char *error_reply(const struct worker *w, int status, size_t *len)
{
    char msg[160];
    struct api_response resp = {0};
    struct sr_buf out = SR_BUF_INIT;
    const char *reason = http_reason_phrase(status);

    if (status == 413)
        snprintf(msg, sizeof msg, "Request body exceeds the limit of %zu bytes", w->srv->opt.max_body_bytes);
    else
        snprintf(msg, sizeof msg, "HTTP %d %s", status, reason ? reason : "Error");
    api_error_response(&resp, status, msg);
    sr_buf_printf(&out,
                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nX-XSS-Protection: 1; mode=block\r\n"
                  "Cache-Control: no-cache, no-store, must-revalidate\r\nConnection: close\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  status, reason ? reason : "Error", resp.content_type, resp.body_len);
    sr_buf_append(&out, resp.body, resp.body_len);
    api_response_free(&resp);
    return sr_buf_steal(&out, len);
}

/* Called on every change of a connection's output buffer. libevent answers malformed
 * requests, oversized bodies (413) and failed expectations itself, with an HTML page that a
 * client of this API cannot parse (spec 1.2: every error carries a JSON body). Such a page
 * is always alone in the buffer: evhttp reads a request only once the previous response has
 * been written, and it closes the connection after the page. The page's body is added in one
 * piece, after its head; when that happens the whole response is replaced, before any of it
 * reaches the socket. */
static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct worker *w = arg;
    const size_t tag = sizeof LIBEVENT_ERROR_PAGE - 1;
    char head[1024];
    int status;
    char *reply;
    size_t len;
    bool frozen;
    bool replaced = false;

    /* libevent's error head (status line, Content-Type, Connection, Date, Content-Length)
     * is short; anything longer before the added bytes is a response of ours */
    if (info->n_added < tag || info->orig_size == 0 || info->orig_size + tag >= sizeof head)
        return;
    /* The socket bufferevent keeps the front of its output frozen between writes, which
     * makes copyout and drain fail; thaw it while we look and replace, then restore. */
    frozen = evbuffer_copyout(buf, head, 1) < 0;
    if (frozen)
        evbuffer_unfreeze(buf, 1);
    if (evbuffer_copyout(buf, head, info->orig_size + tag) == (ev_ssize_t)(info->orig_size + tag) &&
        memcmp(head + info->orig_size, LIBEVENT_ERROR_PAGE, tag) == 0) {
        head[info->orig_size] = '\0';
        if (sscanf(head, "HTTP/1.%*d %d ", &status) == 1 && status >= 400 && status <= 599) {
            reply = error_reply(w, status, &len);
            /* re-enters this callback with a drain (n_added 0) and with our reply, which
             * does not follow a head the way libevent's page does */
            evbuffer_drain(buf, evbuffer_get_length(buf));
            evbuffer_add(buf, reply, len);
            free(reply);
            replaced = true;
        }
    }
    if (frozen)
        evbuffer_freeze(buf, 1);
    if (replaced)
        server_log(SERVER_LOG_DEBUG, "libevent rejected a request: %d worker=%d", status, w->index);
}

/* evhttp calls this for every accepted connection, before it sets the fd. */
static struct bufferevent *conn_new(struct event_base *base, void *arg)
{
    struct worker *w = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

    /* All workers wait on the same socket and libevent's listener accepts until the
     * backlog is empty, so one worker would take a whole burst. Accepting one connection per
     * wakeup and resuming on the next loop turn leaves the rest to the other workers. */
    evconnlistener_disable(evhttp_bound_socket_get_listener(w->bound));
    event_active(w->resume_ev, EV_READ, 0);

    if (!bev) {
        /* evhttp drops the connection */
        server_log(SERVER_LOG_ERROR, "cannot allocate a connection");
        return NULL;
    }
    if (!evbuffer_add_cb(bufferevent_get_input(bev), on_input, bev) ||
        !evbuffer_add_cb(bufferevent_get_output(bev), on_output, w)) {
        server_log(SERVER_LOG_ERROR, "cannot allocate a connection");
        bufferevent_free(bev);
        return NULL;
    }
    return bev;
}

/* ---- workers ---- */

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;

    (void)fd;
    (void)what;
    server_log(SERVER_LOG_WARN, "worker %d: %lu connection(s) still busy after %d s; closing them", w->index,
               w->busy, w->srv->opt.shutdown_timeout);
    event_base_loopexit(w->base, NULL);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    struct timeval tv = {w->srv->opt.shutdown_timeout, 0};

    (void)fd;
    (void)what;
    if (w->stopping)
        return;
    w->stopping = true;
    evconnlistener_disable(evhttp_bound_socket_get_listener(w->bound));
    /* Once no worker accepts any more, shut the listening socket down so that new clients are
     * refused at once instead of waiting in the backlog until the last worker is gone. */
    if (__atomic_add_fetch(&w->srv->listeners_disabled, 1, __ATOMIC_ACQ_REL) == w->srv->nworkers)
        shutdown(w->srv->listen_fd, SHUT_RDWR);
    if (w->busy == 0) {
        event_base_loopexit(w->base, NULL);
        return;
    }
    server_log(SERVER_LOG_INFO, "worker %d: waiting for %lu busy connection(s)", w->index, w->busy);
    event_add(w->deadline_ev, &tv);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;

    (void)fd;
    (void)what;
    if (!w->stopping)
        evconnlistener_enable(evhttp_bound_socket_get_listener(w->bound));
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    current_worker = w;
    if (event_base_dispatch(w->base) < 0)
        server_log(SERVER_LOG_ERROR, "worker %d: event loop failed", w->index);
    return NULL;
}

static void worker_destroy(struct worker *w)
{
    if (w->ready_ev) {
        /* Replies still owed come from the store's commit thread, which finishes every batch
         * promptly, or from the write thread, which is joined only after the workers. The
         * loop is gone, so they are dropped: a request whose client left is ours to free, the
         * others go with their connections in evhttp_free(). */
        pthread_mutex_lock(&w->ready_mu);
        while (w->ndeferred > 0)
            pthread_cond_wait(&w->ready_cv, &w->ready_mu);
        pthread_mutex_unlock(&w->ready_mu);
        for (struct ready_reply *r = take_ready(w), *next; r; r = next) {
            next = r->next;
            if (evhttp_request_get_connection(r->req) == NULL)
                evhttp_request_free(r->req);
            api_response_free(&r->resp);
            free(r);
        }
        event_free(w->ready_ev);
        pthread_mutex_destroy(&w->ready_mu);
        pthread_cond_destroy(&w->ready_cv);
        w->ready_ev = NULL;
    }
    /* evhttp_free closes the remaining (idle) connections and the worker's listening fd */
    if (w->http)
        evhttp_free(w->http);
    if (w->stop_ev)
        event_free(w->stop_ev);
    if (w->deadline_ev)
        event_free(w->deadline_ev);
    if (w->resume_ev)
        event_free(w->resume_ev);
    if (w->base)
        event_base_free(w->base);
    w->http = NULL;
    w->base = NULL;
}

static int worker_init(struct http_server *srv, struct worker *w, int index, struct sr_error *err)
{
    int fd = -1;

    w->srv = srv;
    w->index = index;
    /* With the changelist, the read/write interest changes a request makes (read off while
     * the reply is written, then on again) are merged into one epoll_ctl per fd and loop
     * turn instead of one each: half the syscalls on the read path. libevent's caveat (a
     * dup()ed fd in the same base confuses it) does not apply: the only dup()s are the
     * listening socket's copies, one per worker, each in its own base. */
    struct event_config *ecfg = event_config_new();
    if (ecfg) {
        event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        w->base = event_base_new_with_config(ecfg);
        event_config_free(ecfg);
    }
    if (!w->base)
        w->base = event_base_new();
    if (!w->base)
        return sr_error_set(err, SR_ERR_INTERNAL, "cannot create an event base");
    w->http = evhttp_new(w->base);
    w->stop_ev = event_new(w->base, -1, 0, on_stop, w);
    w->deadline_ev = evtimer_new(w->base, on_deadline, w);
    w->resume_ev = event_new(w->base, -1, 0, on_resume, w);
    w->ready_ev = event_new(w->base, -1, 0, on_ready, w);
    if (w->ready_ev) {
        pthread_mutex_init(&w->ready_mu, NULL);
        pthread_cond_init(&w->ready_cv, NULL);
    }
    if (!w->http || !w->stop_ev || !w->deadline_ev || !w->resume_ev || !w->ready_ev)
        return sr_error_set(err, SR_ERR_INTERNAL, "cannot create the HTTP server");
    /* every method reaches the api, which answers 405 (not libevent's 501) for odd ones */
    evhttp_set_allowed_methods(w->http, 0xffff);
    evhttp_set_max_body_size(w->http, (ev_ssize_t)srv->opt.max_body_bytes);
    evhttp_set_max_headers_size(w->http, (ev_ssize_t)srv->opt.max_header_bytes);
    evhttp_set_timeout(w->http, srv->opt.request_timeout);
    evhttp_set_gencb(w->http, on_request, w);
    evhttp_set_bevcb(w->http, conn_new, w);
    fd = fcntl(srv->listen_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return sr_error_set(err, SR_ERR_INTERNAL, "dup of the listening socket: %s", strerror(errno));
    w->bound = evhttp_accept_socket_with_handle(w->http, fd);
    if (!w->bound) {
        close(fd);
        return sr_error_set(err, SR_ERR_INTERNAL, "cannot accept on the listening socket");
    }
    return 0;
}

static int bind_listener(struct http_server *srv, struct sr_error *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[16];
    int fd = -1;
    int gai;
    int last_errno = 0;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%u", srv->opt.port);
    gai = getaddrinfo(srv->opt.host, port, &hints, &res);
    if (gai != 0)
        return sr_error_set(err, SR_ERR_INTERNAL, "cannot resolve '%s': %s", srv->opt.host,
                            gai_strerror(gai));
    for (ai = res; ai; ai = ai->ai_next) {
        int one = 1;
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
            break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return sr_error_set(err, SR_ERR_INTERNAL, "cannot listen on %s:%u: %s", srv->opt.host, srv->opt.port,
                            strerror(last_errno));
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
        close(fd);
        return sr_error_set(err, SR_ERR_INTERNAL, "getsockname: %s", strerror(errno));
    }
    srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    srv->listen_fd = fd;
    return 0;
}

/* Stops and joins the started workers, frees everything. */
static void server_destroy(struct http_server *srv)
{
    for (int i = 0; i < srv->nworkers; i++) {
        struct worker *w = &srv->workers[i];
        if (w->started)
            pthread_join(w->thread, NULL);
        worker_destroy(w); /* waits for its replies, so no job is left for it */
    }
    if (srv->writer_started) {
        pthread_mutex_lock(&srv->jobs_mu);
        srv->jobs_stop = true;
        pthread_cond_signal(&srv->jobs_cv);
        pthread_mutex_unlock(&srv->jobs_mu);
        pthread_join(srv->writer, NULL);
    }
    pthread_mutex_destroy(&srv->jobs_mu);
    pthread_cond_destroy(&srv->jobs_cv);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    free(srv->workers);
    free(srv);
}

static void server_signal_stop(struct http_server *srv)
{
    for (int i = 0; i < srv->nworkers; i++) {
        struct worker *w = &srv->workers[i];
        if (w->started)
            event_active(w->stop_ev, EV_READ, 0);
    }
}

int http_server_start(const struct http_options *opt, struct http_server **out, struct sr_error *err)
{
    struct http_server *srv = NULL;

    *out = NULL;
    pthread_once(&process_once, process_init);
    srv = sr_xcalloc(1, sizeof *srv);
    srv->opt = *opt;
    srv->listen_fd = -1;
    pthread_mutex_init(&srv->jobs_mu, NULL);
    pthread_cond_init(&srv->jobs_cv, NULL);
    if (bind_listener(srv, err) != 0)
        goto fail;
    srv->nworkers = opt->threads < 1 ? 1 : opt->threads;
    srv->workers = sr_xcalloc((size_t)srv->nworkers, sizeof *srv->workers);
    for (int i = 0; i < srv->nworkers; i++) {
        if (worker_init(srv, &srv->workers[i], i, err) != 0)
            goto fail;
    }
    int wrc = pthread_create(&srv->writer, NULL, writer_main, srv);
    if (wrc != 0) {
        sr_error_set(err, SR_ERR_INTERNAL, "cannot start the write thread: %s", strerror(wrc));
        goto fail;
    }
    srv->writer_started = true;
    for (int i = 0; i < srv->nworkers; i++) {
        struct worker *w = &srv->workers[i];
        int rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc != 0) {
            sr_error_set(err, SR_ERR_INTERNAL, "cannot start worker thread: %s", strerror(rc));
            goto fail;
        }
        w->started = true;
    }
    *out = srv;
    return 0;
fail:
    if (srv) {
        server_signal_stop(srv);
        server_destroy(srv);
    }
    return -1;
}

unsigned http_server_port(const struct http_server *srv)
{
    return srv->port;
}

void http_server_request_stop(struct http_server *srv)
{
    server_signal_stop(srv);
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    server_signal_stop(srv);
    server_destroy(srv);
}
