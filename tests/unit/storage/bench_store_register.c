/* SPDX-License-Identifier: Apache-2.0 */
/* bench_store_register.c — durable registrations per second at the storage layer, without
 * HTTP: T threads register new distinct schemas in new subjects, once in plain sections
 * (one commit, one fsync each) and once in grouped sections (group commit), alternating for
 * several rounds on a fresh database each time; prints medians, the registrations carried
 * per commit, and the single-thread plain rate, which is the disk's durable commit rate.
 *   usage: bench_store_register [threads=16] [seconds=2] [rounds=3] [dir=/tmp] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sr_md5.h"
#include "store_internal.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
    struct store *st;
    bool grouped;
    double until;
    atomic_long done;
    atomic_long failed;
    atomic_int next_thread;
};

static void *worker(void *arg)
{
    struct run *r = arg;
    int t = atomic_fetch_add(&r->next_thread, 1);
    char subject[48], text[96];
    for (long i = 0; now_s() < r->until; i++) {
        snprintf(subject, sizeof subject, "b%d-%ld", t, i);
        snprintf(text, sizeof text, "{\"type\":\"record\",\"name\":\"R%d_%ld\",\"fields\":[]}", t, i);
        struct store_new_version nv = {0};
        nv.subject = subject;
        nv.context = ".";
        nv.version = 1;
        nv.type = SR_SCHEMA_AVRO;
        nv.text = text;
        nv.text_len = strlen(text);
        nv.ts_ms = 1700000000000LL;
        struct sr_md5 m;
        sr_md5_init(&m);
        sr_md5_update(&m, text, nv.text_len);
        sr_md5_final(&m, nv.hash);
        struct sr_error err = {0};
        int rc;
        if (r->grouped) {
            store_write_begin_grouped(r->st);
            rc = store_register(r->st, &nv, NULL, &err);
            rc |= store_write_end_grouped(r->st, &err);
        } else {
            store_write_begin(r->st);
            rc = store_register(r->st, &nv, NULL, &err);
            store_write_end(r->st);
        }
        atomic_fetch_add(rc == 0 ? &r->done : &r->failed, 1);
    }
    return NULL;
}

/* Registrations per second; *per_commit gets the mean group size (grouped runs). */
static double measure(const char *dir, int threads, double seconds, bool grouped, double *per_commit)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bench-store-register-%d.db", dir, (int)getpid());
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char p[560];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    struct run r = {0};
    struct sr_error err = {0};
    if (store_open(path, &r.st, &err) != 0) {
        fprintf(stderr, "store_open: %s\n", err.message);
        exit(1);
    }
    r.grouped = grouped;
    double t0 = now_s();
    r.until = t0 + seconds;
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    for (int i = 0; i < threads; i++)
        pthread_create(&tids[i], NULL, worker, &r);
    for (int i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    double elapsed = now_s() - t0;
    uint64_t commits = 0, members = 0;
    store_group_stats(r.st, &commits, &members);
    *per_commit = commits ? (double)members / (double)commits : 1.0;
    if (atomic_load(&r.failed) > 0) {
        fprintf(stderr, "%ld registrations failed\n", atomic_load(&r.failed));
        exit(1);
    }
    store_close(r.st);
    free(tids);
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    return (double)atomic_load(&r.done) / elapsed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 16;
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    const char *dir = argc > 4 ? argv[4] : "/tmp";
    if (threads < 1 || seconds <= 0 || rounds < 1 || rounds > 64)
        return 2;
    double one[64], plain[64], grouped[64], size[64], unused;
    for (int i = 0; i < rounds; i++) {
        one[i] = measure(dir, 1, seconds, false, &unused);
        plain[i] = measure(dir, threads, seconds, false, &unused);
        grouped[i] = measure(dir, threads, seconds, true, &size[i]);
        printf("round %d: 1 thread plain %.0f/s, %d threads plain %.0f/s, grouped %.0f/s (%.1f per commit)\n",
               i + 1, one[i], threads, plain[i], grouped[i], size[i]);
    }
    qsort(one, (size_t)rounds, sizeof *one, cmp_double);
    qsort(plain, (size_t)rounds, sizeof *plain, cmp_double);
    qsort(grouped, (size_t)rounds, sizeof *grouped, cmp_double);
    qsort(size, (size_t)rounds, sizeof *size, cmp_double);
    printf("median: 1 thread plain %.0f/s (the disk's durable commit rate), %d threads plain %.0f/s, "
           "grouped %.0f/s, %.1f registrations per commit\n",
           one[rounds / 2], threads, plain[rounds / 2], grouped[rounds / 2], size[rounds / 2]);
    return 0;
}
