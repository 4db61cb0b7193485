/* SPDX-License-Identifier: Apache-2.0 */
/* test_async.c — api_handle_async(): reads are answered at once; a registration's reply
 * arrives once its batch is durable (and becomes 50001 if the commit fails); other writes
 * are flagged for a thread that may block. Replies travel back through a pipe, as the
 * server's loop would be woken. */
#include <errno.h>
#include <pthread.h>

#include "api_test_util.h"
#include "store_internal.h"

/* One delivered reply. */
struct delivered {
    int status;
    char *body; /* NUL-terminated copy */
    pthread_t thread;
    void *tag;
};

/* Takes over resp (freed here) as a delivered reply made in this thread. */
static struct delivered take_reply(struct api_response *resp, void *tag)
{
    struct delivered d = {resp->status, malloc(resp->body_len + 1), pthread_self(), tag};
    memcpy(d.body, resp->body ? resp->body : "", resp->body_len);
    d.body[resp->body_len] = '\0';
    api_response_free(resp);
    return d;
}

static void deliver(void *arg, void *tag, struct api_response *resp)
{
    struct delivered d = take_reply(resp, tag);
    assert_int_equal(write(*(int *)arg, &d, sizeof d), (ssize_t)sizeof d);
}

static struct delivered wait_delivered(int fd)
{
    struct delivered d;
    ssize_t got;
    while ((got = read(fd, &d, sizeof d)) < 0 && errno == EINTR)
        ;
    assert_int_equal(got, (ssize_t)sizeof d);
    return d;
}

/* Sends one request through api_handle_async(); returns whether it was deferred. */
static bool send_async(struct fx *f, enum api_method m, const char *uri, const char *body, int *fd,
                       struct api_response *resp)
{
    struct api_request req = {
        .method = m, .uri = uri, .content_type = T_CT, .body = body, .body_len = body ? strlen(body) : 0};
    return api_handle_async(&f->ctx, &req, resp, deliver, fd, f);
}

/* The reply, whether api_handle_async() gave it at once or deliver() brought it later. */
static struct delivered reply_of(bool deferred, struct api_response *resp, int fd)
{
    return deferred ? wait_delivered(fd) : take_reply(resp, NULL);
}

static void test_reads_are_answered_at_once(void **state)
{
    struct fx *f = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct api_response resp;
    assert_false(send_async(f, API_GET, "/subjects", NULL, &p[1], &resp));
    assert_int_equal(resp.status, 200);
    assert_memory_equal(resp.body, "[]", 2);
    api_response_free(&resp);
    /* a POST that writes nothing (a lookup) too */
    char *body = fx_body("\"string\"", NULL);
    assert_false(send_async(f, API_POST, "/subjects/s", body, &p[1], &resp));
    assert_int_equal(resp.status, 404);
    api_response_free(&resp);
    free(body);
    close(p[0]);
    close(p[1]);
}

/* Holds the store's COMMIT until the test lets it go: the reply cannot exist before. */
static int hold_commit(void *arg)
{
    int *gate = arg; /* gate[1]: "entered" write end; gate[2]: read end of the release */
    char c = 'e';
    assert_int_equal(write(gate[1], &c, 1), 1);
    assert_int_equal(read(gate[2], &c, 1), 1);
    return 0;
}

static void test_registration_reply_arrives_when_durable(void **state)
{
    struct fx *f = *state;
    int p[2], entered[2], release[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(entered), 0);
    assert_int_equal(pipe(release), 0);
    int gate[3] = {entered[0], entered[1], release[0]};
    store_set_test_hooks(f->st, hold_commit, NULL, gate);
    char *body = fx_body("\"string\"", NULL);
    struct api_response resp = {0};
    assert_true(send_async(f, API_POST, "/subjects/s/versions", body, &p[1], &resp));
    assert_null(resp.body); /* untouched: the reply comes through deliver() */
    char c;
    assert_int_equal(read(entered[0], &c, 1), 1); /* its batch is being committed */
    assert_int_equal(write(release[1], "s", 1), 1);
    struct delivered d = wait_delivered(p[0]);
    assert_int_equal(d.status, 200);
    json_t *j = json_loads(d.body, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    json_decref(j);
    assert_ptr_equal(d.tag, f);
    free(d.body);
    store_set_test_hooks(f->st, NULL, NULL, NULL);
    for (int i = 0; i < 2; i++) {
        close(entered[i]);
        close(release[i]);
    }
    /* it is there for readers, and again is answered at once (known by its bytes) */
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/1", NULL), 200);
    assert_false(send_async(f, API_POST, "/subjects/s/versions", body, &p[1], &resp));
    assert_int_equal(resp.status, 200);
    api_response_free(&resp);
    free(body);
    close(p[0]);
    close(p[1]);
}

static void test_failed_commit_turns_the_reply_into_50001(void **state)
{
    struct fx *f = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    store_inject_commit_failures(f->st, 1);
    char *body = fx_body("\"string\"", NULL);
    struct api_response resp = {0};
    /* A failing commit is quick: its verdict may be in before the call returns. */
    bool deferred = send_async(f, API_POST, "/subjects/s/versions", body, &p[1], &resp);
    struct delivered d = reply_of(deferred, &resp, p[0]);
    assert_int_equal(d.status, 500);
    json_t *j = json_loads(d.body, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "error_code")), 50001);
    json_decref(j);
    free(d.body);
    store_inject_commit_failures(f->st, 0);
    assert_int_equal(fx_call(f, API_GET, "/subjects", NULL), 200);
    fx_assert_json(f, "[]");
    /* nothing of it was kept: the retry gets the first id */
    assert_int_equal(fx_register_ok(f, "s", "\"string\""), 1);
    free(body);
    close(p[0]);
    close(p[1]);
}

static void test_writes_that_commit_in_place_are_flagged_as_blocking(void **state)
{
    (void)state;
    struct api_request put = {.method = API_PUT, .uri = "/config"};
    struct api_request del = {.method = API_DELETE, .uri = "/subjects/s"};
    struct api_request get = {.method = API_GET, .uri = "/subjects"};
    struct api_request post = {.method = API_POST, .uri = "/subjects/s/versions"};
    assert_true(api_request_blocks(&put));
    assert_true(api_request_blocks(&del));
    assert_false(api_request_blocks(&get));
    assert_false(api_request_blocks(&post)); /* a registration is deferred instead */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_are_answered_at_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_registration_reply_arrives_when_durable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_turns_the_reply_into_50001, fx_setup, fx_teardown),
        cmocka_unit_test(test_writes_that_commit_in_place_are_flagged_as_blocking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
