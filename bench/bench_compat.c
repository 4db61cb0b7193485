/* SPDX-License-Identifier: Apache-2.0 */
/* bench_compat.c — the compatibility benchmark: a FULL_TRANSITIVE check of a
 * 200-field Avro record against 100 earlier versions, through compat_check() exactly as the
 * registry calls it, plus the per-pair rate of compat_can_read() on the same 200
 * reader/writer pairs that bench/py_compat.py checks with python3-avro.
 * It writes the 101 schema texts it generates to --out so both sides check identical input,
 * and prints one "BENCHJSON {...}" line for bench/bench.py.
 *   usage: bench_compat [--out DIR] [--iterations N] [--seconds S] [--versions V] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "compat.h"
#include "sr_buf.h"

#define BASE_FIELDS 100

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One of ten field shapes, so the checker walks every kind of Avro type it meets in practice
 * (primitives, a nullable union, enum, array, map, nested record). */
static void put_base_field(struct sr_buf *b, int i)
{
    sr_buf_printf(b, "{\"name\":\"f%03d\",\"type\":", i);
    switch (i % 10) {
    case 0:
        sr_buf_puts(b, "\"long\"}");
        break;
    case 1:
        sr_buf_puts(b, "\"string\"}");
        break;
    case 2:
        sr_buf_puts(b, "\"double\"}");
        break;
    case 3:
        sr_buf_puts(b, "[\"null\",\"string\"],\"default\":null}");
        break;
    case 4:
        sr_buf_puts(b, "{\"type\":\"int\",\"logicalType\":\"date\"}}");
        break;
    case 5:
        sr_buf_printf(b, "{\"type\":\"enum\",\"name\":\"E%03d\",\"symbols\":[\"A\",\"B\",\"C\",\"D\"]}}", i);
        break;
    case 6:
        sr_buf_puts(b, "{\"type\":\"array\",\"items\":\"string\"}}");
        break;
    case 7:
        sr_buf_puts(b, "{\"type\":\"map\",\"values\":\"long\"}}");
        break;
    case 8:
        sr_buf_printf(b,
                      "{\"type\":\"record\",\"name\":\"R%03d\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                      "{\"name\":\"b\",\"type\":[\"null\",\"string\"],\"default\":null}]}}",
                      i);
        break;
    default:
        sr_buf_puts(b, "\"boolean\"}");
        break;
    }
}

/* Fields added by later versions carry defaults, so every version is FULL compatible with
 * every other one and the transitive check has to walk all of them (it stops at the first
 * failure). */
static void put_added_field(struct sr_buf *b, int j)
{
    static const char *const shapes[] = {
        "[\"null\",\"string\"],\"default\":null",
        "\"long\",\"default\":0",
        "\"string\",\"default\":\"\"",
        "\"double\",\"default\":0.0",
        "\"boolean\",\"default\":false",
    };
    sr_buf_printf(b, "{\"name\":\"x%03d\",\"type\":%s}", j, shapes[j % 5]);
}

/* Version v (1-based) has BASE_FIELDS + v - 1 fields; with 100 earlier versions the
 * candidate (v = 101) has 200. Returns a new string; caller frees with free(). */
static char *make_version(int v, size_t *len)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_puts(&b, "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"bench.compat\",\"fields\":[");
    for (int i = 0; i < BASE_FIELDS; i++) {
        if (i > 0)
            sr_buf_putc(&b, ',');
        put_base_field(&b, i);
    }
    for (int j = 1; j < v; j++) {
        sr_buf_putc(&b, ',');
        put_added_field(&b, j);
    }
    sr_buf_puts(&b, "]}");
    return sr_buf_steal(&b, len);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, size_t n, double p)
{
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static int write_file(const char *dir, int v, const char *text, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/v%03d.avsc", dir, v);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        fprintf(stderr, "bench_compat: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t put = fwrite(text, 1, len, fp);
    int rc = fclose(fp);
    return put == len && rc == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *out_dir = NULL;
    int iterations = 200;
    double seconds = 1.0;
    int nprev = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out_dir = argv[++i];
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            iterations = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--versions") == 0 && i + 1 < argc)
            nprev = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: bench_compat [--out DIR] [--iterations N] [--seconds S] [--versions V]\n");
            return 2;
        }
    }
    if (iterations < 1 || nprev < 1 || nprev > 999 || seconds <= 0) {
        fprintf(stderr, "bench_compat: bad arguments\n");
        return 2;
    }

    int status = 1;
    int nschemas = nprev + 1;
    struct compat_schema **schemas = sr_xcalloc((size_t)nschemas, sizeof *schemas);
    double *times = sr_xcalloc((size_t)iterations, sizeof *times);
    char *cand_text = NULL;
    size_t cand_len = 0;
    struct sr_error err = {0};
    if (out_dir && mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench_compat: %s: %s\n", out_dir, strerror(errno));
        goto out;
    }

    for (int v = 1; v <= nschemas; v++) {
        size_t len = 0;
        char *text = make_version(v, &len);
        schemas[v - 1] = compat_schema_parse(SR_SCHEMA_AVRO, text, len, NULL, 0, COMPAT_PARSE_DEFAULT, &err);
        if (!schemas[v - 1] || (out_dir && write_file(out_dir, v, text, len) != 0)) {
            fprintf(stderr, "bench_compat: version %d: %s\n", v, err.message);
            free(text);
            goto out;
        }
        if (v == nschemas) {
            cand_text = text;
            cand_len = len;
        } else {
            free(text);
        }
    }
    const struct compat_schema *cand = schemas[nprev];
    const struct compat_schema *const *prev = (const struct compat_schema *const *)schemas;

    /* Parsing the candidate is part of every registration and check request. */
    double parse_total = 0;
    int nparse = iterations < 50 ? iterations : 50;
    for (int i = 0; i < nparse; i++) {
        double t0 = now_s();
        struct compat_schema *s =
            compat_schema_parse(SR_SCHEMA_AVRO, cand_text, cand_len, NULL, 0, COMPAT_PARSE_DEFAULT, &err);
        parse_total += now_s() - t0;
        if (!s) {
            fprintf(stderr, "bench_compat: reparse: %s\n", err.message);
            goto out;
        }
        compat_schema_free(s);
    }

    /* The registry's question, timed call by call (one warm-up call first). */
    for (int i = -1; i < iterations; i++) {
        struct compat_result res;
        compat_result_init(&res);
        double t0 = now_s();
        int rc = compat_check(COMPAT_FULL_TRANSITIVE, cand, prev, (size_t)nprev, &res, &err);
        double dt = now_s() - t0;
        bool ok = res.compatible;
        compat_result_free(&res);
        if (rc != 0 || !ok) {
            fprintf(stderr, "bench_compat: check %s: %s\n", rc ? "failed" : "incompatible", err.message);
            goto out;
        }
        if (i >= 0)
            times[i] = dt * 1e3;
    }
    qsort(times, (size_t)iterations, sizeof *times, cmp_double);

    /* Pair rate: the same 2 * nprev (reader, writer) pairs py_compat.py checks, one
     * compat_can_read() each, for at least `seconds`. */
    long pairs = 0;
    double t0 = now_s(), elapsed = 0;
    do {
        for (int v = 0; v < nprev; v++) {
            for (int dir = 0; dir < 2; dir++) {
                struct compat_result res;
                compat_result_init(&res);
                int rc = dir == 0 ? compat_can_read(cand, prev[v], &res, &err)
                                  : compat_can_read(prev[v], cand, &res, &err);
                bool ok = res.compatible;
                compat_result_free(&res);
                if (rc != 0 || !ok) {
                    fprintf(stderr, "bench_compat: pair %d/%d not compatible: %s\n", v + 1, dir, err.message);
                    goto out;
                }
                pairs++;
            }
        }
        elapsed = now_s() - t0;
    } while (elapsed < seconds);

    printf("BENCHJSON {\"versions\":%d,\"fields\":%d,\"iterations\":%d,\"check_median_ms\":%.4f,"
           "\"check_p99_ms\":%.4f,\"check_min_ms\":%.4f,\"parse_ms\":%.4f,\"pairs\":%ld,"
           "\"pairs_per_s\":%.1f}\n",
           nprev, BASE_FIELDS + nprev, iterations, percentile(times, (size_t)iterations, 50),
           percentile(times, (size_t)iterations, 99), times[0], parse_total / nparse * 1e3, pairs,
           (double)pairs / elapsed);
    status = 0;
out:
    for (int v = 0; v < nschemas; v++)
        compat_schema_free(schemas[v]);
    free(schemas);
    free(times);
    free(cand_text);
    return status;
}
