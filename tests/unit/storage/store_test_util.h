/* SPDX-License-Identifier: Apache-2.0 */
/* store_test_util.h — shared helpers of the storage tests: a scratch directory per test and
 * a compact way to register a schema. Header-only so each test binary stays one file. */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sr_md5.h"
#include "store.h"

struct scratch {
    char dir[64];
    char path[128];
};

static inline void scratch_make(struct scratch *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/sr-store-test-XXXXXX");
    if (!mkdtemp(s->dir))
        abort();
    snprintf(s->path, sizeof s->path, "%s/registry.db", s->dir);
}

static inline void scratch_remove(struct scratch *s)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(p, sizeof p, "%s%s", s->path, suffixes[i]);
        unlink(p);
    }
    rmdir(s->dir);
}

static inline void text_hash(const char *text, unsigned char out[16])
{
    struct sr_md5 m;
    sr_md5_init(&m);
    sr_md5_update(&m, text, strlen(text));
    sr_md5_final(&m, out);
}

/* A registration of text under subject/version in context; id 0 asks for a new id. */
static inline struct store_new_version nv_make(const char *subject, const char *context, int32_t version,
                                               int64_t id, const char *text)
{
    struct store_new_version nv;
    memset(&nv, 0, sizeof nv);
    nv.subject = subject;
    nv.context = context;
    nv.version = version;
    nv.id = id;
    nv.type = SR_SCHEMA_AVRO;
    nv.text = text;
    nv.text_len = strlen(text);
    nv.ts_ms = 1700000000000LL + version;
    text_hash(text, nv.hash);
    return nv;
}

#endif
