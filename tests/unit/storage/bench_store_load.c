/* SPDX-License-Identifier: Apache-2.0 */
/* bench_store_load.c — how long store_open() takes and how much memory the loaded registry
 * uses. Fills a fresh database with N subjects of one ~300-byte schema each (bulk SQL in one
 * transaction, since N fsync'd registrations would only measure the disk), then times
 * store_open() and reports the RSS it added.
 *   usage: bench_store_load [N=100000] [dir=/tmp] */
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sr_md5.h"
#include "store.h"

static long rss_kb(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (fp && fgets(line, sizeof line, fp))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (fp)
        fclose(fp);
    return kb;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
    return rc;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/bench-store-%d.db", dir, (int)getpid());
    struct sr_error err = {0};
    struct store *st = NULL;
    if (store_open(path, &st, &err) != 0) {
        fprintf(stderr, "store_open: %s\n", err.message);
        return 1;
    }
    store_close(st);

    sqlite3 *db = NULL;
    check(sqlite3_open(path, &db), db, "open");
    check(sqlite3_exec(db, "BEGIN; INSERT INTO contexts VALUES('.', 0, 1)", NULL, NULL, NULL), db, "begin");
    sqlite3_stmt *ins_s = NULL, *ins_v = NULL;
    check(sqlite3_prepare_v2(db, "INSERT INTO schemas VALUES('.', ?1, 0, ?2, NULL, NULL, ?3)", -1, &ins_s,
                             NULL),
          db, "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO versions VALUES(?1, 1, '.', ?2, 0, 1700000000000)", -1, &ins_v,
                             NULL),
          db, "prepare");
    char text[400], subject[64];
    size_t text_bytes = 0;
    for (int i = 1; i <= n; i++) {
        int len = snprintf(text, sizeof text,
                           "{\"type\":\"record\",\"name\":\"Record%d\",\"namespace\":\"com.example.bench\","
                           "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":"
                           "\"string\"},{\"name\":\"amount\",\"type\":\"double\",\"default\":0.0},{\"name\":"
                           "\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},{\"name\":\"f%d\","
                           "\"type\":[\"null\",\"int\"],\"default\":null}]}",
                           i, i);
        text_bytes += (size_t)len;
        unsigned char h[16];
        struct sr_md5 m;
        sr_md5_init(&m);
        sr_md5_update(&m, text, (size_t)len);
        sr_md5_final(&m, h);
        snprintf(subject, sizeof subject, "bench-topic-%07d-value", i);
        sqlite3_bind_int(ins_s, 1, i);
        sqlite3_bind_blob(ins_s, 2, text, len, SQLITE_STATIC);
        sqlite3_bind_blob(ins_s, 3, h, 16, SQLITE_STATIC);
        check(sqlite3_step(ins_s), db, "insert schema");
        sqlite3_reset(ins_s);
        sqlite3_bind_text(ins_v, 1, subject, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_v, 2, i);
        check(sqlite3_step(ins_v), db, "insert version");
        sqlite3_reset(ins_v);
    }
    char upd[64];
    snprintf(upd, sizeof upd, "UPDATE contexts SET max_id = %d; COMMIT", n);
    check(sqlite3_exec(db, upd, NULL, NULL, NULL), db, "commit");
    sqlite3_finalize(ins_s);
    sqlite3_finalize(ins_v);
    sqlite3_close(db);

    long before = rss_kb();
    size_t heap_before = mallinfo2().uordblks;
    double t0 = now_s();
    if (store_open(path, &st, &err) != 0) {
        fprintf(stderr, "store_open: %s\n", err.message);
        return 1;
    }
    double t1 = now_s();
    long after = rss_kb();
    size_t heap_after = mallinfo2().uordblks;

    /* Registrations into a loaded registry: each is one fsync'd transaction plus an apply
     * that copies the 100k-entry subject listing (a new subject each time). */
    enum { WRITES = 200 };
    double w0 = now_s();
    for (int i = 0; i < WRITES; i++) {
        snprintf(subject, sizeof subject, "bench-new-%04d", i);
        snprintf(text, sizeof text, "{\"type\":\"fixed\",\"name\":\"F%d\",\"size\":%d}", i, i + 1);
        struct store_new_version nv;
        memset(&nv, 0, sizeof nv);
        nv.subject = subject;
        nv.context = ".";
        nv.version = 1;
        nv.text = text;
        nv.text_len = strlen(text);
        struct sr_md5 m;
        sr_md5_init(&m);
        sr_md5_update(&m, text, nv.text_len);
        sr_md5_final(&m, nv.hash);
        store_write_begin(st);
        int rc = store_register(st, &nv, NULL, &err);
        store_write_end(st);
        if (rc != 0) {
            fprintf(stderr, "store_register: %s\n", err.message);
            return 1;
        }
    }
    double w1 = now_s();
    printf("register: %.2f ms per write (%d writes, fsync included)\n", (w1 - w0) * 1000.0 / WRITES, WRITES);

    const char *const *names;
    store_read_begin(st);
    size_t nsubj = store_subjects(st, &names);
    store_read_end(st);
    printf("schemas=%d avg_text=%zu bytes subjects=%zu load=%.3f s rss_added=%.1f MiB (total %.1f MiB) "
           "heap_added=%.1f MiB\n",
           n, text_bytes / (size_t)(n ? n : 1), nsubj, t1 - t0, (double)(after - before) / 1024.0,
           (double)after / 1024.0, (double)(heap_after - heap_before) / 1048576.0);
    store_close(st);
    char p[600];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    return nsubj == (size_t)n + WRITES ? 0 : 1;
}
