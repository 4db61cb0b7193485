/* SPDX-License-Identifier: Apache-2.0 */
/* test_store_group.c — group commit: registrations staged by concurrent grouped sections
 * share one transaction. Writers see staged registrations (next id, next version, dedup),
 * readers never do; a failed group undoes every member, memory included, and every batch
 * staged behind it; an acknowledged grouped registration survives SIGKILL. Synchronisation
 * is by joins and pipes only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "store_internal.h"
#include "store_test_util.h"

/* ---- what a reader sees while a group is open ---- */

struct reader_probe {
    struct store *st;
    int64_t max_id;
    size_t nversions;
    size_t nsubjects;
    bool by_id;
    bool by_hash;
    unsigned char hash[16];
};

static void *reader_main(void *arg)
{
    struct reader_probe *p = arg;
    const struct store_version *const *vs;
    const char *const *names;
    store_read_begin(p->st);
    p->max_id = store_max_id(p->st, ".");
    p->nversions = store_subject_versions(p->st, "s1", &vs);
    p->nsubjects = store_subjects(p->st, &names);
    p->by_id = store_schema_by_id(p->st, ".", 1) != NULL;
    p->by_hash = store_schema_by_hash(p->st, ".", p->hash) != NULL;
    store_read_end(p->st);
    return NULL;
}

static void probe(struct store *st, struct reader_probe *p, const char *text)
{
    memset(p, 0, sizeof *p);
    p->st = st;
    text_hash(text, p->hash);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, reader_main, p), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

static void test_staged_registrations_are_seen_by_the_writer_only(void **state)
{
    (void)state;
    struct scratch dir;
    scratch_make(&dir);
    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir.path, &st, &err), 0);

    store_write_begin_grouped(st);
    struct store_new_version a = nv_make("s1", ".", 1, 0, "\"a\"");
    int64_t id = 0;
    assert_int_equal(store_register(st, &a, &id, &err), 0);
    assert_int_equal(id, 1);
    /* The writer sees it: next id, the subject's versions, lookups by id and by hash. */
    assert_int_equal(store_max_id(st, "."), 1);
    const struct store_version *const *vs;
    assert_int_equal(store_subject_versions(st, "s1", &vs), 1);
    assert_int_equal(vs[0]->version, 1);
    assert_int_equal(vs[0]->schema->id, 1);
    const struct store_schema *sc = store_schema_by_id(st, ".", 1);
    assert_non_null(sc);
    assert_ptr_equal(store_schema_by_hash(st, ".", a.hash), sc);
    assert_string_equal(store_subject_context(st, "s1"), ".");
    /* The same schema under a second subject reuses the staged id; a second version of s1
     * takes the next id and number. */
    struct store_new_version b = nv_make("s2", ".", 1, 1, "\"a\"");
    assert_int_equal(store_register(st, &b, &id, &err), 0);
    assert_int_equal(id, 1);
    assert_int_equal(sc->nversions, 2);
    struct store_new_version c = nv_make("s1", ".", 2, 0, "\"c\"");
    assert_int_equal(store_register(st, &c, &id, &err), 0);
    assert_int_equal(id, 2);
    assert_int_equal(store_subject_versions(st, "s1", &vs), 2);
    assert_int_equal(vs[1]->schema->id, 2);
    /* A duplicate version within the group fails alone (savepoint), the others stay. */
    struct store_new_version dup = nv_make("s1", ".", 2, 0, "\"d\"");
    assert_int_equal(store_register(st, &dup, &id, &err), -1);
    assert_int_equal(err.code, 50001);
    assert_int_equal(store_max_id(st, "."), 2);

    /* A reader sees none of it while the group is open. */
    struct reader_probe p;
    probe(st, &p, "\"a\"");
    assert_int_equal(p.max_id, 0);
    assert_int_equal(p.nversions, 0);
    assert_int_equal(p.nsubjects, 0);
    assert_false(p.by_id);
    assert_false(p.by_hash);

    assert_int_equal(store_write_end_grouped(st, &err), 0);
    probe(st, &p, "\"a\"");
    assert_int_equal(p.max_id, 2);
    assert_int_equal(p.nversions, 2);
    assert_int_equal(p.nsubjects, 2);
    assert_true(p.by_id);
    assert_true(p.by_hash);
    store_close(st);

    /* And it is what the database holds. */
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    store_read_begin(st);
    assert_int_equal(store_subject_versions(st, "s1", &vs), 2);
    assert_int_equal(store_subject_versions(st, "s2", &vs), 1);
    assert_int_equal(vs[0]->schema->id, 1);
    assert_int_equal(vs[0]->schema->nversions, 2);
    assert_int_equal(store_max_id(st, "."), 2);
    store_read_end(st);
    store_close(st);
    scratch_remove(&dir);
}

/* ---- a failed group ---- */

static void check_only_base(struct store *st)
{
    const struct store_version *const *vs;
    const char *const *names;
    store_read_begin(st);
    assert_int_equal(store_max_id(st, "."), 1);
    assert_int_equal(store_subjects(st, &names), 1);
    assert_string_equal(names[0], "base");
    assert_int_equal(store_subject_versions(st, "base", &vs), 1);
    assert_int_equal(vs[0]->schema->nversions, 1);
    assert_int_equal(store_subject_versions(st, "n1", &vs), 0);
    assert_null(store_schema_by_id(st, ".", 2));
    assert_null(store_schema_by_id(st, ":.other:", 1));
    const char *const *ctxs;
    assert_int_equal(store_contexts(st, &ctxs), 1);
    store_read_end(st);
}

/* A fresh store in a new scratch directory holding one durable registration: "base"
 * version 1, id 1. */
static struct store *open_with_base(struct scratch *dir)
{
    scratch_make(dir);
    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir->path, &st, &err), 0);
    struct store_new_version base = nv_make("base", ".", 1, 0, "\"base\"");
    store_write_begin(st);
    assert_int_equal(store_register(st, &base, NULL, &err), 0);
    store_write_end(st);
    return st;
}

static void test_failed_group_commit_fails_every_member_and_leaves_memory_unchanged(void **state)
{
    (void)state;
    struct scratch dir;
    struct store *st = open_with_base(&dir);
    struct sr_error err = {0};

    store_inject_commit_failures(st, 1);
    store_write_begin_grouped(st);
    struct store_new_version n1 = nv_make("n1", ".", 1, 0, "\"n1\"");
    struct store_new_version v2 = nv_make("base", ".", 2, 1, "\"base\""); /* reuses a linked schema */
    struct store_new_version other = nv_make(":.other:x", ".other", 1, 0, "\"x\"");
    assert_int_equal(store_register(st, &n1, NULL, &err), 0);
    assert_int_equal(store_register(st, &v2, NULL, &err), 0);
    assert_int_equal(store_register(st, &other, NULL, &err), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_write_end_grouped(st, &err), -1);
    assert_int_equal(err.code, 50001);
    check_only_base(st);

    /* The next group starts from the durable state: ids are those of a fresh start. */
    store_write_begin_grouped(st);
    int64_t id = 0;
    assert_int_equal(store_register(st, &n1, &id, &err), 0);
    assert_int_equal(store_write_end_grouped(st, &err), 0);
    assert_int_equal(id, 2);
    store_close(st);

    assert_int_equal(store_open(dir.path, &st, &err), 0);
    const struct store_version *const *vs;
    store_read_begin(st);
    assert_int_equal(store_subject_versions(st, "base", &vs), 1);
    assert_int_equal(store_subject_versions(st, "n1", &vs), 1);
    assert_int_equal(vs[0]->schema->id, 2);
    assert_int_equal(store_max_id(st, ".other"), 0);
    store_read_end(st);
    store_close(st);
    scratch_remove(&dir);
}

/* A plain write after a grouped registration in the same section commits the group
 * first, then runs on top of it. */
static void test_plain_write_after_staging_commits_the_group_first(void **state)
{
    (void)state;
    struct scratch dir;
    scratch_make(&dir);
    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    store_write_begin_grouped(st);
    struct store_new_version a = nv_make("a", ".", 1, 0, "\"a\"");
    assert_int_equal(store_register(st, &a, NULL, &err), 0);
    /* Soft-deleting the staged version commits the group, then deletes. */
    int32_t one = 1;
    assert_int_equal(store_soft_delete(st, "a", &one, 1, &err), 0);
    const struct store_version *const *vs;
    assert_int_equal(store_subject_versions(st, "a", &vs), 1);
    assert_true(vs[0]->deleted);
    assert_int_equal(store_write_end_grouped(st, &err), 0);
    store_close(st);
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    store_read_begin(st);
    assert_int_equal(store_subject_versions(st, "a", &vs), 1);
    assert_true(vs[0]->deleted);
    store_read_end(st);
    store_close(st);
    scratch_remove(&dir);
}

/* When that first commit fails, the plain write fails with it and so does the section: the
 * plain write would otherwise be planned on top of registrations that are gone. */
static void test_plain_write_after_a_failed_group_fails_with_it(void **state)
{
    (void)state;
    struct scratch dir;
    struct store *st = open_with_base(&dir);
    struct sr_error err = {0};

    store_inject_commit_failures(st, 1);
    store_write_begin_grouped(st);
    struct store_new_version n1 = nv_make("n1", ".", 1, 0, "\"n1\"");
    assert_int_equal(store_register(st, &n1, NULL, &err), 0);
    int32_t one = 1;
    assert_int_equal(store_soft_delete(st, "base", &one, 1, &err), -1);
    assert_int_equal(err.code, 50001);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_write_end_grouped(st, &err), -1);
    assert_int_equal(err.code, 50001);
    check_only_base(st);
    const struct store_version *const *vs;
    store_read_begin(st);
    assert_int_equal(store_subject_versions(st, "base", &vs), 1);
    assert_false(vs[0]->deleted);
    store_read_end(st);
    store_close(st);
    scratch_remove(&dir);
}

/* ---- the pipeline: a batch in flight and the batch staged behind it ---- */

/* Holds every COMMIT until the test says how it ends: the hook reports "entered" on one pipe
 * and reads its verdict ('s' succeed, 'f' fail) from another. */
struct gate {
    int entered[2];
    int verdict[2];
    int waiting[2]; /* what store_set_test_hooks() reports: 'd' or 'g' */
};

static void pipe_put(int fd, char c)
{
    assert_int_equal(write(fd, &c, 1), 1);
}

static char pipe_get(int fd)
{
    char c = 0;
    ssize_t got;
    while ((got = read(fd, &c, 1)) < 0 && errno == EINTR)
        ;
    assert_int_equal(got, 1);
    return c;
}

static int gate_commit(void *arg)
{
    struct gate *g = arg;
    pipe_put(g->entered[1], 'e');
    return pipe_get(g->verdict[0]) == 'f';
}

static void gate_waiting(void *arg, char what)
{
    struct gate *g = arg;
    pipe_put(g->waiting[1], what);
}

static void gate_open(struct gate *g)
{
    assert_int_equal(pipe(g->entered), 0);
    assert_int_equal(pipe(g->verdict), 0);
    assert_int_equal(pipe(g->waiting), 0);
}

static void gate_close(struct gate *g)
{
    for (int i = 0; i < 2; i++) {
        close(g->entered[i]);
        close(g->verdict[i]);
        close(g->waiting[i]);
    }
}

/* What store_write_end_grouped_async() reported, sent through a pipe to the test. */
struct outcome {
    int rc;
    int code;
};

static void outcome_send(void *arg, int rc, const struct sr_error *err)
{
    struct outcome o = {rc, rc ? err->code : 0};
    assert_int_equal(write(*(int *)arg, &o, sizeof o), (ssize_t)sizeof o);
}

static struct outcome outcome_get(int fd)
{
    struct outcome o = {0};
    assert_int_equal(read(fd, &o, sizeof o), (ssize_t)sizeof o);
    return o;
}

/* Stages one registration in a grouped section ended asynchronously; its outcome will
 * arrive on fd. */
static int64_t stage_async(struct store *st, const char *subject, const char *text, int *fd)
{
    struct sr_error err = {0};
    struct store_new_version nv = nv_make(subject, ".", 1, 0, text);
    int64_t id = 0;
    store_write_begin_grouped(st);
    assert_int_equal(store_register(st, &nv, &id, &err), 0);
    store_write_end_grouped_async(st, outcome_send, fd);
    return id;
}

static void test_failed_flight_fails_the_batch_staged_behind_it(void **state)
{
    (void)state;
    struct scratch dir;
    struct store *st = open_with_base(&dir);
    struct sr_error err = {0};

    struct gate g;
    gate_open(&g);
    int done[2];
    assert_int_equal(pipe(done), 0);
    store_set_test_hooks(st, gate_commit, NULL, &g);
    /* n1 goes into flight and stays there; n2 is staged behind it, planned on top of it. */
    assert_int_equal(stage_async(st, "n1", "\"n1\"", &done[1]), 2);
    assert_int_equal(pipe_get(g.entered[0]), 'e');
    assert_int_equal(stage_async(st, "n2", "\"n2\"", &done[1]), 3);
    struct reader_probe p;
    probe(st, &p, "\"n1\"");
    assert_int_equal(p.max_id, 1);
    assert_false(p.by_hash);
    pipe_put(g.verdict[1], 'f');
    for (int i = 0; i < 2; i++) {
        struct outcome o = outcome_get(done[0]);
        assert_int_equal(o.rc, -1);
        assert_int_equal(o.code, 50001);
    }
    store_set_test_hooks(st, NULL, NULL, NULL);
    store_read_begin(st);
    assert_int_equal(store_max_id(st, "."), 1);
    const struct store_version *const *vs;
    assert_int_equal(store_subject_versions(st, "n1", &vs), 0);
    assert_int_equal(store_subject_versions(st, "n2", &vs), 0);
    store_read_end(st);

    /* The next registration starts from the durable state. */
    assert_int_equal(stage_async(st, "n3", "\"n3\"", &done[1]), 2);
    assert_int_equal(outcome_get(done[0]).rc, 0);
    store_close(st);
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    store_read_begin(st);
    assert_int_equal(store_max_id(st, "."), 2);
    assert_int_equal(store_subject_versions(st, "n3", &vs), 1);
    assert_int_equal(store_subject_versions(st, "n1", &vs), 0);
    store_read_end(st);
    store_close(st);
    close(done[0]);
    close(done[1]);
    gate_close(&g);
    scratch_remove(&dir);
}

/* Nothing is waiting to be read on fd. */
static bool pipe_empty(int fd)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    return poll(&pfd, 1, 0) == 0;
}

/* A fresh store whose first registration ("s1", schema "x", id 1) is held in flight by
 * the gate; its outcome will arrive on done[0]. */
struct held {
    struct scratch dir;
    struct store *st;
    struct gate g;
    int done[2];
};

static void held_open(struct held *h)
{
    struct sr_error err = {0};
    scratch_make(&h->dir);
    h->st = NULL;
    assert_int_equal(store_open(h->dir.path, &h->st, &err), 0);
    gate_open(&h->g);
    assert_int_equal(pipe(h->done), 0);
    store_set_test_hooks(h->st, gate_commit, gate_waiting, &h->g);
    assert_int_equal(stage_async(h->st, "s1", "\"x\"", &h->done[1]), 1);
    assert_int_equal(pipe_get(h->g.entered[0]), 'e');
}

/* Closes the store (if still open) and everything else. */
static void held_close(struct held *h)
{
    if (h->st) {
        store_set_test_hooks(h->st, NULL, NULL, NULL);
        store_close(h->st);
    }
    close(h->done[0]);
    close(h->done[1]);
    gate_close(&h->g);
    scratch_remove(&h->dir);
}

/* A second version for a schema whose creation is in flight is staged behind the flight
 * without waiting for it: the writer sees both versions, readers neither until each batch
 * is linked, and both commit. */
static void test_second_subject_for_a_schema_in_flight_is_staged_without_waiting(void **state)
{
    (void)state;
    struct held h;
    held_open(&h);
    struct store *st = h.st;
    struct sr_error err = {0};

    struct store_new_version nv = nv_make("s2", ".", 1, 0, "\"x\"");
    store_write_begin_grouped(st);
    /* found by hash, as the API would, then registered under s2 */
    const struct store_schema *sc = store_schema_by_hash(st, ".", nv.hash);
    assert_non_null(sc);
    nv.id = sc->id;
    int64_t id = 0;
    assert_int_equal(store_register(st, &nv, &id, &err), 0);
    assert_int_equal(id, 1);
    sc = store_schema_by_id(st, ".", 1);
    assert_int_equal(sc->nversions, 2);
    assert_string_equal(sc->versions[1]->subject, "s2");
    store_write_end_grouped_async(st, outcome_send, &h.done[1]);
    assert_true(pipe_empty(h.g.waiting[0])); /* nobody waited for the flight */

    struct reader_probe p;
    probe(st, &p, "\"x\"");
    assert_false(p.by_hash);
    pipe_put(h.g.verdict[1], 's');
    assert_int_equal(outcome_get(h.done[0]).rc, 0);
    store_read_begin(st);
    assert_int_equal(store_schema_by_id(st, ".", 1)->nversions, 1); /* s2 is not durable yet */
    store_read_end(st);
    assert_int_equal(pipe_get(h.g.entered[0]), 'e'); /* the batch with s2 */
    pipe_put(h.g.verdict[1], 's');
    assert_int_equal(outcome_get(h.done[0]).rc, 0);
    store_set_test_hooks(st, NULL, NULL, NULL);
    store_close(st);

    assert_int_equal(store_open(h.dir.path, &st, &err), 0);
    store_read_begin(st);
    sc = store_schema_by_id(st, ".", 1);
    assert_non_null(sc);
    assert_int_equal(sc->nversions, 2);
    assert_string_equal(sc->versions[0]->subject, "s1");
    assert_string_equal(sc->versions[1]->subject, "s2");
    store_read_end(st);
    h.st = st;
    held_close(&h);
}

/* A section and what it saw: how many subjects. */
struct lister {
    struct store *st;
    bool grouped;
    size_t nsubjects;
};

static void *lister_main(void *arg)
{
    struct lister *l = arg;
    const char *const *names;
    struct sr_error err = {0};
    if (l->grouped)
        store_write_begin_grouped(l->st);
    else
        store_write_begin(l->st);
    l->nsubjects = store_subjects(l->st, &names); /* a listing drains the pipeline */
    if (l->grouped)
        assert_int_equal(store_write_end_grouped(l->st, &err), 0);
    else
        store_write_end(l->st);
    return NULL;
}

/* A writer waiting for the flight has released the writer lock for the commit thread only:
 * no other section opens in the middle of it. */
static void test_a_writer_waiting_for_the_flight_holds_up_other_sections(void **state)
{
    (void)state;
    struct held h;
    held_open(&h);
    struct store *st = h.st;

    struct lister t = {st, true, 0}, u = {st, false, 0};
    pthread_t tth, uth;
    assert_int_equal(pthread_create(&tth, NULL, lister_main, &t), 0);
    assert_int_equal(pipe_get(h.g.waiting[0]), 'd'); /* t waits for the flight */
    assert_int_equal(pthread_create(&uth, NULL, lister_main, &u), 0);
    assert_int_equal(pipe_get(h.g.waiting[0]), 'g'); /* u waits for t */
    pipe_put(h.g.verdict[1], 's');
    assert_int_equal(outcome_get(h.done[0]).rc, 0);
    assert_int_equal(pthread_join(tth, NULL), 0);
    assert_int_equal(pthread_join(uth, NULL), 0);
    assert_int_equal(t.nsubjects, 1);
    assert_int_equal(u.nsubjects, 1);
    assert_true(pipe_empty(h.g.waiting[0])); /* u found nothing left to wait for */
    held_close(&h);
}

/* ---- many concurrent writers ---- */

#define NTHREADS 16
#define PER_THREAD 40

struct worker {
    struct store *st;
    int index;
    int64_t ids[PER_THREAD];
    int32_t shared_versions[PER_THREAD];
    int failures;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char subject[32], text[64];
    for (int i = 0; i < PER_THREAD; i++) {
        struct sr_error err = {0};
        /* Alternate between an own subject and one subject shared by every thread, whose
         * version numbers must come out dense although writers race for them. */
        bool shared = i % 2 == 1;
        if (shared)
            snprintf(subject, sizeof subject, "shared");
        else
            snprintf(subject, sizeof subject, "t%d", w->index);
        snprintf(text, sizeof text, "{\"type\":\"fixed\",\"size\":%d}", w->index * 1000 + i);
        store_write_begin_grouped(w->st);
        const struct store_version *const *vs;
        size_t n = store_subject_versions(w->st, subject, &vs);
        int32_t version = n ? vs[n - 1]->version + 1 : 1;
        struct store_new_version nv = nv_make(subject, ".", version, 0, text);
        int64_t id = 0;
        int rc = store_register(w->st, &nv, &id, &err);
        if (store_write_end_grouped(w->st, &err) != 0 || rc != 0)
            w->failures++;
        w->ids[i] = id;
        w->shared_versions[i] = shared ? version : 0;
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_concurrent_grouped_writers_get_dense_ids_and_versions(void **state)
{
    (void)state;
    struct scratch dir;
    scratch_make(&dir);
    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    static struct worker workers[NTHREADS];
    pthread_t threads[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        memset(&workers[t], 0, sizeof workers[t]);
        workers[t].st = st;
        workers[t].index = t;
        assert_int_equal(pthread_create(&threads[t], NULL, worker_main, &workers[t]), 0);
    }
    for (int t = 0; t < NTHREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);

    static int64_t all[NTHREADS * PER_THREAD];
    size_t k = 0;
    for (int t = 0; t < NTHREADS; t++) {
        assert_int_equal(workers[t].failures, 0);
        for (int i = 0; i < PER_THREAD; i++)
            all[k++] = workers[t].ids[i];
    }
    qsort(all, k, sizeof *all, cmp_i64);
    for (size_t i = 0; i < k; i++)
        assert_int_equal(all[i], (int64_t)i + 1); /* every id once, none skipped */
    /* Every registration went through a group commit (how many per commit depends on the
     * scheduler, so only the total is checked). */
    uint64_t commits = 0, members = 0;
    store_group_stats(st, &commits, &members);
    assert_int_equal(members, NTHREADS * PER_THREAD);
    assert_true(commits >= 1 && commits <= members);
    store_close(st);

    /* After a restart: every thread's registrations, and the shared subject numbered
     * 1..N with each acknowledged (version, id) pair as acknowledged. */
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    store_read_begin(st);
    const struct store_version *const *vs;
    size_t nshared = store_subject_versions(st, "shared", &vs);
    assert_int_equal(nshared, NTHREADS * PER_THREAD / 2);
    for (size_t i = 0; i < nshared; i++)
        assert_int_equal(vs[i]->version, (int32_t)i + 1);
    for (int t = 0; t < NTHREADS; t++) {
        char subject[32];
        snprintf(subject, sizeof subject, "t%d", t);
        const struct store_version *const *own;
        assert_int_equal(store_subject_versions(st, subject, &own), PER_THREAD / 2);
        for (int i = 0; i < PER_THREAD; i++) {
            const struct store_version *v =
                workers[t].shared_versions[i] ? vs[workers[t].shared_versions[i] - 1] : own[i / 2];
            assert_int_equal(v->schema->id, workers[t].ids[i]);
        }
    }
    assert_int_equal(store_max_id(st, "."), NTHREADS * PER_THREAD);
    store_read_end(st);
    store_close(st);
    scratch_remove(&dir);
}

/* ---- durability under SIGKILL with grouping active ---- */

#define CHILD_THREADS 8
#define ACKS_BEFORE_KILL 200

struct ack {
    int64_t id;
    int32_t thread;
    int32_t seq;
};

struct child_worker {
    struct store *st;
    int fd;
    int32_t index;
};

static void child_names(int32_t thread, int32_t seq, char *subject, size_t slen, char *text, size_t tlen)
{
    snprintf(subject, slen, "c%d-%d", (int)thread, (int)seq);
    snprintf(text, tlen, "{\"type\":\"fixed\",\"size\":%d}", (int)(thread * 1000000 + seq));
}

static void *child_worker_main(void *arg)
{
    struct child_worker *w = arg;
    char subject[32], text[64];
    for (int32_t seq = 1;; seq++) {
        struct sr_error err = {0};
        child_names(w->index, seq, subject, sizeof subject, text, sizeof text);
        struct store_new_version nv = nv_make(subject, ".", 1, 0, text);
        int64_t id = 0;
        store_write_begin_grouped(w->st);
        int rc = store_register(w->st, &nv, &id, &err);
        if (store_write_end_grouped(w->st, &err) != 0 || rc != 0)
            _exit(3);
        struct ack a = {id, w->index, seq};
        if (write(w->fd, &a, sizeof a) != (ssize_t)sizeof a)
            _exit(4);
    }
    return NULL;
}

static void child_main(const char *path, int fd)
{
    struct store *st = NULL;
    struct sr_error err = {0};
    if (store_open(path, &st, &err) != 0)
        _exit(2);
    static struct child_worker w[CHILD_THREADS];
    pthread_t t[CHILD_THREADS];
    for (int32_t i = 0; i < CHILD_THREADS; i++) {
        w[i].st = st;
        w[i].fd = fd;
        w[i].index = i;
        if (pthread_create(&t[i], NULL, child_worker_main, &w[i]) != 0)
            _exit(5);
    }
    for (int i = 0; i < CHILD_THREADS; i++)
        pthread_join(t[i], NULL);
    _exit(0);
}

static void test_acknowledged_grouped_registrations_survive_sigkill(void **state)
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
    static struct ack acks[ACKS_BEFORE_KILL];
    size_t nacks = 0;
    while (nacks < ACKS_BEFORE_KILL) {
        ssize_t got = read(fds[0], &acks[nacks], sizeof acks[nacks]);
        if (got < 0 && errno == EINTR)
            continue;
        /* Records are far below PIPE_BUF, so concurrent writes arrive whole. */
        assert_int_equal(got, sizeof acks[nacks]);
        nacks++;
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    close(fds[0]);

    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    store_read_begin(st);
    int64_t max_acked = 0;
    for (size_t i = 0; i < nacks; i++) {
        char subject[32], text[64];
        child_names(acks[i].thread, acks[i].seq, subject, sizeof subject, text, sizeof text);
        const struct store_version *const *vs;
        assert_int_equal(store_subject_versions(st, subject, &vs), 1);
        assert_int_equal(vs[0]->schema->id, acks[i].id);
        assert_string_equal(vs[0]->schema->text, text);
        if (acks[i].id > max_acked)
            max_acked = acks[i].id;
    }
    int64_t max_id = store_max_id(st, ".");
    assert_true(max_id >= max_acked);
    store_read_end(st);
    /* No acknowledged id is handed out again. */
    struct store_new_version nv = nv_make("after", ".", 1, 0, "\"after\"");
    int64_t id = 0;
    store_write_begin_grouped(st);
    assert_int_equal(store_register(st, &nv, &id, &err), 0);
    assert_int_equal(store_write_end_grouped(st, &err), 0);
    assert_int_equal(id, max_id + 1);
    store_close(st);
    scratch_remove(&dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staged_registrations_are_seen_by_the_writer_only),
        cmocka_unit_test(test_failed_group_commit_fails_every_member_and_leaves_memory_unchanged),
        cmocka_unit_test(test_plain_write_after_staging_commits_the_group_first),
        cmocka_unit_test(test_plain_write_after_a_failed_group_fails_with_it),
        cmocka_unit_test(test_failed_flight_fails_the_batch_staged_behind_it),
        cmocka_unit_test(test_second_subject_for_a_schema_in_flight_is_staged_without_waiting),
        cmocka_unit_test(test_a_writer_waiting_for_the_flight_holds_up_other_sections),
        cmocka_unit_test(test_concurrent_grouped_writers_get_dense_ids_and_versions),
        cmocka_unit_test(test_acknowledged_grouped_registrations_survive_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
