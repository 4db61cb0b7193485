/* SPDX-License-Identifier: Apache-2.0 */
/* http_client.c — a single blocking request: its own event_base, dispatched until the
 * reply callback fires. Good enough for a CLI that asks one question at a time. */
#include "http_client.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

struct pending {
    struct cli_http_reply *reply;
    int done;
};

static void on_reply(struct evhttp_request *req, void *arg)
{
    struct pending *p = arg;
    p->done = 1;
    if (!req)
        return;
    p->reply->status = evhttp_request_get_response_code(req);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    p->reply->body = sr_xmalloc(n + 1);
    evbuffer_remove(in, p->reply->body, n);
    p->reply->body[n] = '\0';
    p->reply->body_len = n;
}

static char *base64(const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    struct sr_buf b = SR_BUF_INIT;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        sr_buf_putc(&b, tbl[(v >> 18) & 63]);
        sr_buf_putc(&b, tbl[(v >> 12) & 63]);
        sr_buf_putc(&b, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
        sr_buf_putc(&b, i + 2 < n ? tbl[v & 63] : '=');
    }
    return sr_buf_steal(&b, NULL);
}

int cli_http_request(const char *base_url, const char *method, const char *path_and_query, const char *body,
                     const char *basic_auth, struct cli_http_reply *reply, struct sr_error *err)
{
    int rc = -1;
    struct evhttp_uri *uri = NULL;
    struct event_base *base = NULL;
    struct evhttp_connection *conn = NULL;
    char *auth = NULL;
    struct sr_buf target = SR_BUF_INIT;
    struct pending p = {reply, 0};
    memset(reply, 0, sizeof(*reply));

    uri = evhttp_uri_parse(base_url);
    const char *scheme = uri ? evhttp_uri_get_scheme(uri) : NULL;
    const char *host = uri ? evhttp_uri_get_host(uri) : NULL;
    if (!uri || !scheme || strcmp(scheme, "http") != 0 || !host) {
        sr_error_set(err, SR_ERR_BAD_REQUEST, "unusable registry URL '%s' (http://host:port expected)",
                     base_url);
        goto out;
    }
    int port = evhttp_uri_get_port(uri);
    const char *prefix = evhttp_uri_get_path(uri);
    if (prefix && *prefix && strcmp(prefix, "/") != 0) {
        size_t plen = strlen(prefix);
        sr_buf_append(&target, prefix, prefix[plen - 1] == '/' ? plen - 1 : plen);
    }
    sr_buf_puts(&target, path_and_query);

    enum evhttp_cmd_type cmd = EVHTTP_REQ_GET;
    if (strcmp(method, "POST") == 0)
        cmd = EVHTTP_REQ_POST;
    else if (strcmp(method, "PUT") == 0)
        cmd = EVHTTP_REQ_PUT;
    else if (strcmp(method, "DELETE") == 0)
        cmd = EVHTTP_REQ_DELETE;

    base = event_base_new();
    conn = base ? evhttp_connection_base_new(base, NULL, host, (unsigned short)(port > 0 ? port : 80)) : NULL;
    if (!conn) {
        sr_error_set(err, SR_ERR_INTERNAL, "cannot set up a connection to %s", base_url);
        goto out;
    }
    evhttp_connection_set_timeout(conn, 60);
    struct evhttp_request *req = evhttp_request_new(on_reply, &p);
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
    evhttp_add_header(hdr, "Host", host);
    evhttp_add_header(hdr, "Accept", "application/vnd.schemaregistry.v1+json, application/json");
    evhttp_add_header(hdr, "Connection", "close");
    if (basic_auth) {
        char *b64 = base64(basic_auth);
        size_t n = strlen(b64) + 7;
        auth = sr_xmalloc(n);
        snprintf(auth, n, "Basic %s", b64);
        free(b64);
        evhttp_add_header(hdr, "Authorization", auth);
    }
    if (body) {
        evhttp_add_header(hdr, "Content-Type", "application/vnd.schemaregistry.v1+json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    }
    if (evhttp_make_request(conn, req, cmd, target.data) != 0) {
        sr_error_set(err, SR_ERR_INTERNAL, "cannot send the request to %s", base_url);
        goto out;
    }
    while (!p.done && event_base_dispatch(base) == 0)
        ;
    if (reply->status == 0) {
        sr_error_set(err, SR_ERR_INTERNAL, "no answer from the registry at %s", base_url);
        goto out;
    }
    rc = 0;
out:
    if (conn)
        evhttp_connection_free(conn);
    if (base)
        event_base_free(base);
    if (uri)
        evhttp_uri_free(uri);
    free(auth);
    sr_buf_free(&target);
    return rc;
}
