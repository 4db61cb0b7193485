/* SPDX-License-Identifier: Apache-2.0 */
/* test_store_durability.c — an acknowledged write survives kill -9.
 * A child process registers schemas and reports each one store_register() acknowledged
 * through a pipe; the parent SIGKILLs it mid-stream, reopens the database and checks that
 * every acknowledged registration is there and that new ids keep increasing. The pipe is
 * the only synchronisation: no sleeps, no timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "store_test_util.h"

#define ACKS_BEFORE_KILL 40
#define CHILD_MAX_WRITES 1000000

struct ack {
    int64_t id;
    int32_t version;
};

/* The subject, context and text of the i-th registration; odd i go to the default context. */
static const char *names_for(int32_t i, char *subject, size_t subject_len, char *text, size_t text_len)
{
    snprintf(subject, subject_len, "%ssubj-%d", i % 2 ? "" : ":.even:", (int)(i % 5));
    snprintf(text, text_len, "{\"type\":\"fixed\",\"size\":%d}", (int)i);
    return i % 2 ? "." : ".even";
}

static void child_main(const char *path, int fd)
{
    struct store *st = NULL;
    struct sr_error err = {0};
    if (store_open(path, &st, &err) != 0)
        _exit(2);
    char subject[32], text[48];
    for (int32_t i = 1; i <= CHILD_MAX_WRITES; i++) {
        const char *ctx = names_for(i, subject, sizeof subject, text, sizeof text);
        struct store_new_version nv = nv_make(subject, ctx, i, 0, text);
        int64_t id = 0;
        store_write_begin(st);
        int rc = store_register(st, &nv, &id, &err);
        store_write_end(st);
        if (rc != 0)
            _exit(3);
        struct ack a = {id, i};
        if (write(fd, &a, sizeof a) != (ssize_t)sizeof a)
            _exit(4);
    }
    _exit(0);
}

static void test_acknowledged_registrations_survive_sigkill(void **state)
{
    (void)state;
    struct scratch dir;
    scratch_make(&dir);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_main(dir.path, fds[1]);
    }
    close(fds[1]);

    struct ack acks[ACKS_BEFORE_KILL];
    size_t nacks = 0;
    while (nacks < ACKS_BEFORE_KILL) {
        ssize_t got = read(fds[0], &acks[nacks], sizeof acks[nacks]);
        if (got < 0 && errno == EINTR)
            continue;
        /* struct ack is far below PIPE_BUF, so writes and reads are whole records. */
        assert_int_equal(got, sizeof acks[nacks]);
        nacks++;
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    close(fds[0]);

    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    int64_t max_seen[2] = {0, 0};
    store_read_begin(st);
    for (size_t i = 0; i < nacks; i++) {
        int32_t v = acks[i].version;
        char subject[32], text[48];
        const char *ctx = names_for(v, subject, sizeof subject, text, sizeof text);
        const struct store_version *const *vers;
        size_t n = store_subject_versions(st, subject, &vers);
        const struct store_version *found = NULL;
        for (size_t j = 0; j < n; j++)
            if (vers[j]->version == v)
                found = vers[j];
        assert_non_null(found);
        assert_int_equal(found->schema->id, acks[i].id);
        assert_string_equal(found->schema->text, text);
        assert_ptr_equal(store_schema_by_id(st, ctx, acks[i].id), found->schema);
        int64_t *m = &max_seen[v % 2 ? 0 : 1];
        assert_true(acks[i].id > *m); /* ids were handed out increasing */
        *m = acks[i].id;
    }
    int64_t max_default = store_max_id(st, ".");
    assert_true(max_default >= max_seen[0]);
    store_read_end(st);

    /* New ids keep increasing past everything the killed process may have committed. */
    struct store_new_version nv = nv_make("after-crash", ".", 1, 0, "\"after\"");
    int64_t id = 0;
    store_write_begin(st);
    assert_int_equal(store_register(st, &nv, &id, &err), 0);
    store_write_end(st);
    assert_int_equal(id, max_default + 1);
    store_close(st);
    scratch_remove(&dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acknowledged_registrations_survive_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
