/* SPDX-License-Identifier: Apache-2.0 */
/* test_http.c — the HTTP front end over real sockets, in process, against fake_api.c:
 * request mapping, response headers, keep-alive, 413 before the body is sent, methods the
 * api does not know, a graceful stop while a request is inside the api, replies the api
 * delivers later from another thread, and blocking requests run on the write thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fake_api.h"
#include "http.h"
#include "http_internal.h"

#define MAX_BODY 1024

struct client {
    int fd;
    char buf[16384];
    size_t len;
};

struct reply {
    int status;
    char head[8192];
    char body[8192];
    size_t body_len;
};

static struct http_server *srv;
static struct api_config api_cfg;
static struct api_ctx api = {NULL, &api_cfg, NULL};

static int start_server_with(int threads)
{
    struct http_options opt = {"127.0.0.1", 0, threads, MAX_BODY, 8192, 30, 30, &api};
    struct sr_error err = {0};
    fake_api_reset();
    if (http_server_start(&opt, &srv, &err) != 0) {
        fprintf(stderr, "start: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int start_server(void **state)
{
    (void)state;
    return start_server_with(2);
}

/* One worker: whatever it answers while a reply is pending proves its loop is not blocked. */
static int start_one_worker(void **state)
{
    (void)state;
    return start_server_with(1);
}

static int stop_server(void **state)
{
    (void)state;
    http_server_stop(srv);
    srv = NULL;
    return 0;
}

static int dial_port(unsigned port)
{
    struct sockaddr_in sa = {0};
    /* a safety net so a broken server fails the test instead of hanging it; never a timing assertion */
    struct timeval tv = {20, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static int dial(void)
{
    return dial_port(http_server_port(srv));
}

static void client_open(struct client *c)
{
    memset(c, 0, sizeof *c);
    c->fd = dial();
    assert_true(c->fd >= 0);
}

static void client_send(struct client *c, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

static void client_sends(struct client *c, const char *text)
{
    client_send(c, text, strlen(text));
}

/* Reads more bytes into c->buf; returns 0 on EOF. */
static ssize_t client_fill(struct client *c)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    assert_true(n >= 0);
    c->len += (size_t)n;
    return n;
}

static const char *header(const struct reply *r, const char *name)
{
    static char value[256];
    const char *p = r->head;
    size_t nlen = strlen(name);

    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            size_t vlen;
            while (*v == ' ')
                v++;
            vlen = strcspn(v, "\r");
            snprintf(value, sizeof value, "%.*s", (int)vlen, v);
            return value;
        }
    }
    return NULL;
}

static char *find_blank_line(char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i;
    }
    return NULL;
}

static void read_reply(struct client *c, struct reply *r)
{
    char *end;
    size_t head_len, need;
    const char *cl;

    memset(r, 0, sizeof *r);
    while ((end = find_blank_line(c->buf, c->len)) == NULL)
        assert_true(client_fill(c) > 0);
    head_len = (size_t)(end - c->buf) + 4;
    assert_true(head_len < sizeof r->head);
    memcpy(r->head, c->buf, head_len);
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1);
    cl = header(r, "Content-Length");
    need = cl ? (size_t)atol(cl) : 0;
    assert_true(need < sizeof r->body);
    while (c->len < head_len + need)
        assert_true(client_fill(c) > 0);
    memcpy(r->body, c->buf + head_len, need);
    r->body_len = need;
    memmove(c->buf, c->buf + head_len + need, c->len - head_len - need);
    c->len -= head_len + need;
}

static void test_request_is_mapped_raw_to_the_api(void **state)
{
    struct client c;
    struct reply r;
    const struct fake_seen *seen;
    (void)state;

    client_open(&c);
    client_sends(&c, "POST /subjects/a%2Fb/versions?normalize=true HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/vnd.schemaregistry.v1+json\r\n"
                     "Accept: application/json\r\nContent-Length: 13\r\n\r\n{\"schema\":\"\"}");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    seen = fake_api_last();
    assert_int_equal(seen->method, API_POST);
    assert_string_equal(seen->uri, "/subjects/a%2Fb/versions?normalize=true");
    assert_string_equal(seen->content_type, "application/vnd.schemaregistry.v1+json");
    assert_string_equal(seen->accept, "application/json");
    assert_int_equal(seen->body_len, 13);
    assert_string_equal(seen->body, "{\"schema\":\"\"}");
    close(c.fd);
}

static void test_response_carries_api_status_type_body_and_security_headers(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "PUT /config HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n[1,2,3]");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "application/vnd.schemaregistry.v1+json");
    assert_string_equal(header(&r, "X-XSS-Protection"), "1; mode=block");
    assert_string_equal(header(&r, "Cache-Control"), "no-cache, no-store, must-revalidate");
    assert_int_equal(r.body_len, 7);
    assert_memory_equal(r.body, "[1,2,3]", 7);
    assert_null(fake_api_last()->content_type);
    close(c.fd);
}

static void test_keep_alive_serves_several_requests_on_one_connection(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_null(header(&r, "Connection"));
    client_sends(
        &c, "DELETE /subjects/s HTTP/1.1\r\nHost: x\r\n\r\nGET /schemas/ids/1 HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(fake_api_last()->uri, "/schemas/ids/1");
    assert_int_equal(fake_api_calls(), 3);
    close(c.fd);
}

static void test_methods_unknown_to_the_api_reach_it(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "PATCH /subjects HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 405);
    assert_int_equal(fake_api_last()->method, API_OTHER);
    client_sends(&c, "BREW /subjects HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.body, "\"error_code\":405"));
    close(c.fd);
}

static void test_oversized_body_gets_json_413_before_it_is_sent(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    /* only the head: the answer must not wait for the announced megabyte */
    client_sends(&c, "POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 1000000\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(header(&r, "Content-Type"), "application/vnd.schemaregistry.v1+json");
    assert_string_equal(header(&r, "Connection"), "close");
    assert_non_null(strstr(r.body, "\"error_code\":413"));
    assert_int_equal(fake_api_calls(), 1); /* only GET /ok reached the api */
    assert_int_equal(client_fill(&c), 0);  /* and the server closed the connection */
    close(c.fd);
}

static void test_requests_libevent_refuses_get_a_json_error_body(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "GARBAGE\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(header(&r, "Content-Type"), "application/vnd.schemaregistry.v1+json");
    assert_string_equal(header(&r, "Cache-Control"), "no-cache, no-store, must-revalidate");
    assert_non_null(strstr(r.body, "\"error_code\":400"));
    assert_int_equal(fake_api_calls(), 0);
    close(c.fd);
}

static void test_oversized_chunked_body_gets_json_413(void **state)
{
    struct client c;
    struct reply r;
    char chunk[MAX_BODY + 64];
    (void)state;

    client_open(&c);
    client_sends(&c, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    memset(chunk, 'a', sizeof chunk);
    snprintf(chunk, 8, "%zx\r\n", (size_t)MAX_BODY + 1);
    client_send(&c, chunk, strlen(chunk));
    read_reply(&c, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "\"error_code\":413"));
    assert_int_equal(fake_api_calls(), 0);
    close(c.fd);
}

static void test_chunked_body_within_limit_reaches_the_api(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                     "chunked\r\n\r\n3\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(fake_api_last()->body, "{\"a\":1}");
    close(c.fd);
}

static void test_absolute_form_target_is_routed_on_its_path(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "GET http://registry.example:8081/subjects?deleted=true HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(fake_api_last()->uri, "/subjects?deleted=true");
    assert_string_equal(http_request_target("http://h"), "/");
    assert_string_equal(http_request_target("/a?b"), "/a?b");
    close(c.fd);
}

static void test_stop_lets_a_request_inside_the_api_finish_then_refuses_connections(void **state)
{
    struct client c;
    struct reply r;
    int fd;
    unsigned port = http_server_port(srv);
    (void)state;

    client_open(&c);
    client_sends(&c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    fake_api_wait_slow_entered();
    http_server_request_stop(srv);
    fake_api_release_slow();
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 2);
    close(c.fd);
    fd = dial();
    if (fd >= 0) {
        /* the kernel may still complete a handshake queued before the listener shut down;
         * such a connection is never served */
        char b;
        assert_true(recv(fd, &b, 1, 0) <= 0);
        close(fd);
    }
    http_server_stop(srv);
    srv = NULL;
    fd = dial_port(port);
    assert_int_equal(fd, -1);
}

static void test_stop_waits_for_a_request_whose_body_is_still_arriving(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    /* one send, read by the server in one go: /slow, then the start of a pipelined POST */
    client_sends(&c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                     "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    fake_api_wait_slow_entered();
    http_server_request_stop(srv);
    fake_api_release_slow();
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    /* the server is stopping, yet it must wait for the rest of this body */
    client_sends(&c, "defghij");
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 10);
    assert_memory_equal(r.body, "abcdefghij", 10);
    close(c.fd);
}

static void test_deferred_reply_leaves_the_worker_free_and_arrives_later(void **state)
{
    struct client a, b;
    struct reply r;
    (void)state;

    client_open(&a);
    client_sends(&a, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    fake_api_wait_later_entered();
    /* the only worker answers another connection meanwhile */
    client_open(&b);
    client_sends(&b, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    read_reply(&b, &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "abc", 3);
    fake_api_answer_later(201);
    read_reply(&a, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"later\":true}");
    assert_string_equal(header(&r, "X-XSS-Protection"), "1; mode=block");
    /* and the connection goes on */
    client_sends(&a, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&a, &r);
    assert_int_equal(r.status, 200);
    close(a.fd);
    close(b.fd);
}

static void test_blocking_request_runs_off_the_loop(void **state)
{
    struct client a, b;
    struct reply r;
    (void)state;

    client_open(&a);
    client_sends(&a, "PUT /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    fake_api_wait_slow_entered();
    /* the only worker answers another connection while the PUT is inside the api */
    client_open(&b);
    client_sends(&b, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    read_reply(&b, &r);
    assert_int_equal(r.status, 200);
    fake_api_release_slow();
    read_reply(&a, &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "{}", 2);
    close(a.fd);
    close(b.fd);
}

static void test_stop_waits_for_a_deferred_reply(void **state)
{
    struct client c;
    struct reply r;
    (void)state;

    client_open(&c);
    client_sends(&c, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    fake_api_wait_later_entered();
    http_server_request_stop(srv);
    fake_api_answer_later(200);
    read_reply(&c, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"later\":true}");
    close(c.fd);
}

static void test_method_mapping(void **state)
{
    (void)state;
    assert_int_equal(http_api_method(EVHTTP_REQ_GET), API_GET);
    assert_int_equal(http_api_method(EVHTTP_REQ_POST), API_POST);
    assert_int_equal(http_api_method(EVHTTP_REQ_PUT), API_PUT);
    assert_int_equal(http_api_method(EVHTTP_REQ_DELETE), API_DELETE);
    assert_int_equal(http_api_method(EVHTTP_REQ_HEAD), API_HEAD);
    assert_int_equal(http_api_method(EVHTTP_REQ_OPTIONS), API_OTHER);
    assert_int_equal(http_api_method(EVHTTP_REQ_PATCH), API_OTHER);
    assert_string_equal(http_reason_phrase(422), "Unprocessable Entity");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_is_mapped_raw_to_the_api, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_deferred_reply_leaves_the_worker_free_and_arrives_later,
                                        start_one_worker, stop_server),
        cmocka_unit_test_setup_teardown(test_stop_waits_for_a_deferred_reply, start_one_worker, stop_server),
        cmocka_unit_test_setup_teardown(test_blocking_request_runs_off_the_loop, start_one_worker,
                                        stop_server),
        cmocka_unit_test_setup_teardown(test_response_carries_api_status_type_body_and_security_headers,
                                        start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_keep_alive_serves_several_requests_on_one_connection,
                                        start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_methods_unknown_to_the_api_reach_it, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_oversized_body_gets_json_413_before_it_is_sent, start_server,
                                        stop_server),
        cmocka_unit_test_setup_teardown(test_requests_libevent_refuses_get_a_json_error_body, start_server,
                                        stop_server),
        cmocka_unit_test_setup_teardown(test_oversized_chunked_body_gets_json_413, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_chunked_body_within_limit_reaches_the_api, start_server,
                                        stop_server),
        cmocka_unit_test_setup_teardown(test_absolute_form_target_is_routed_on_its_path, start_server,
                                        stop_server),
        cmocka_unit_test_setup_teardown(
            test_stop_lets_a_request_inside_the_api_finish_then_refuses_connections, start_server,
            stop_server),
        cmocka_unit_test_setup_teardown(test_stop_waits_for_a_request_whose_body_is_still_arriving,
                                        start_server, stop_server),
        cmocka_unit_test(test_method_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
