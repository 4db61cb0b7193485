/* SPDX-License-Identifier: Apache-2.0 */
/* cache.c — the API's shared memo tables (see cache.h).
 *
 * Two tables, each behind mutexes held only for a lookup and a copy:
 *   - bytes: key bytes -> value bytes, in 16 shards so that the worker threads rarely meet on
 *     one lock. A shard that outgrows its byte budget is emptied; entries are cheap to
 *     recompute, and emptying keeps the bound without per-entry bookkeeping on the read path.
 *   - parsed: (context, id, identity hash) -> parsed stored schema. Entries are refcounted
 *     pins, because a compatibility check holds parsed schemas while other threads may evict
 *     them; the last release of an evicted entry frees it.
 * Only schemas without references are parsed into the second table: their parse depends on
 * the text alone, while a referencing schema's parse also depends on other stored versions. */
#include "cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

#define CACHE_SHARDS 16
/* Rendered fragments and exact-text keys together: 96 MiB, which holds the fragments of
 * 100,000 typical schemas (about 600 bytes each with key and header, ~60 MiB) with room for
 * the uneven fill of the shards, so reads stay hits at that scale. */
#define CACHE_BYTES_BUDGET ((size_t)96 << 20)
/* Parsed schemas, counted as 8 bytes of parse per byte of text (a rough upper bound of what
 * the avro/protobuf/JSON trees take): 64 MiB. */
#define CACHE_PARSED_BUDGET ((size_t)64 << 20)
#define CACHE_PARSED_COST(text_len) ((text_len)*8 + 256)

struct bentry {
    struct bentry *next;
    uint64_t h;
    size_t key_len;
    size_t value_len;
    unsigned char data[]; /* key, then value */
};

struct shard {
    pthread_mutex_t mu;
    struct bentry **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    size_t bytes;
};

struct api_parsed {
    struct api_parsed *next;
    uint64_t h;
    char *context;
    int64_t id;
    unsigned char hash[16];
    size_t text_len;
    struct compat_schema *parsed;
    size_t pins;   /* under parsed_mu */
    bool in_table; /* under parsed_mu */
};

struct api_cache {
    size_t bytes_budget;  /* of the bytes table, split evenly between the shards */
    size_t parsed_budget; /* of the parsed table, in CACHE_PARSED_COST units */
    struct shard shards[CACHE_SHARDS];
    pthread_mutex_t parsed_mu;
    struct api_parsed **pbuckets;
    size_t npbuckets; /* power of two */
    size_t pcount;
    size_t pbytes;
};

/* A fast non-cryptographic hash: 8 bytes per step, then a final avalanche. Keys are chosen
 * by clients (schema texts), but a collision costs only a longer bucket chain. */
static uint64_t hash_bytes(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, s, len);
    h = (h ^ tail) * 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

struct api_cache *api_cache_new(void)
{
    return api_cache_new_sized(CACHE_BYTES_BUDGET, CACHE_PARSED_BUDGET);
}

struct api_cache *api_cache_new_sized(size_t bytes_budget, size_t parsed_budget)
{
    struct api_cache *c = sr_xcalloc(1, sizeof *c);
    c->bytes_budget = bytes_budget;
    c->parsed_budget = parsed_budget;
    for (size_t i = 0; i < CACHE_SHARDS; i++) {
        pthread_mutex_init(&c->shards[i].mu, NULL);
        c->shards[i].nbuckets = 256;
        c->shards[i].buckets = sr_xcalloc(c->shards[i].nbuckets, sizeof *c->shards[i].buckets);
    }
    pthread_mutex_init(&c->parsed_mu, NULL);
    c->npbuckets = 1024;
    c->pbuckets = sr_xcalloc(c->npbuckets, sizeof *c->pbuckets);
    return c;
}

static void shard_clear(struct shard *sh)
{
    for (size_t i = 0; i < sh->nbuckets; i++) {
        struct bentry *e = sh->buckets[i];
        while (e != NULL) {
            struct bentry *next = e->next;
            free(e);
            e = next;
        }
        sh->buckets[i] = NULL;
    }
    sh->count = 0;
    sh->bytes = 0;
}

static void parsed_free(struct api_parsed *e)
{
    compat_schema_free(e->parsed);
    free(e->context);
    free(e);
}

/* Drops every parsed entry from the table; pinned ones die with their last release. Under
 * parsed_mu. */
static void parsed_clear(struct api_cache *c)
{
    for (size_t i = 0; i < c->npbuckets; i++) {
        struct api_parsed *e = c->pbuckets[i];
        while (e != NULL) {
            struct api_parsed *next = e->next;
            e->in_table = false;
            if (e->pins == 0)
                parsed_free(e);
            e = next;
        }
        c->pbuckets[i] = NULL;
    }
    c->pcount = 0;
    c->pbytes = 0;
}

void api_cache_free(struct api_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < CACHE_SHARDS; i++) {
        shard_clear(&c->shards[i]);
        free(c->shards[i].buckets);
        pthread_mutex_destroy(&c->shards[i].mu);
    }
    parsed_clear(c);
    free(c->pbuckets);
    pthread_mutex_destroy(&c->parsed_mu);
    free(c);
}

static struct shard *shard_of(struct api_cache *c, uint64_t h)
{
    return &c->shards[h >> 60];
}

static struct bentry **bucket_find(struct shard *sh, uint64_t h, const void *key, size_t key_len)
{
    struct bentry **pp = &sh->buckets[h & (sh->nbuckets - 1)];
    for (; *pp != NULL; pp = &(*pp)->next) {
        const struct bentry *e = *pp;
        if (e->h == h && e->key_len == key_len && memcmp(e->data, key, key_len) == 0)
            break;
    }
    return pp;
}

bool api_cache_get(struct api_cache *c, const void *key, size_t key_len, struct sr_buf *out)
{
    if (c == NULL)
        return false;
    uint64_t h = hash_bytes(key, key_len);
    struct shard *sh = shard_of(c, h);
    bool hit = false;
    pthread_mutex_lock(&sh->mu);
    struct bentry *e = *bucket_find(sh, h, key, key_len);
    if (e != NULL) {
        sr_buf_append(out, e->data + e->key_len, e->value_len);
        hit = true;
    }
    pthread_mutex_unlock(&sh->mu);
    return hit;
}

static void shard_grow(struct shard *sh)
{
    size_t n = sh->nbuckets * 2;
    struct bentry **b = sr_xcalloc(n, sizeof *b);
    for (size_t i = 0; i < sh->nbuckets; i++) {
        struct bentry *e = sh->buckets[i];
        while (e != NULL) {
            struct bentry *next = e->next;
            e->next = b[e->h & (n - 1)];
            b[e->h & (n - 1)] = e;
            e = next;
        }
    }
    free(sh->buckets);
    sh->buckets = b;
    sh->nbuckets = n;
}

void api_cache_put(struct api_cache *c, const void *key, size_t key_len, const void *value, size_t value_len)
{
    if (c == NULL)
        return;
    const size_t budget = c->bytes_budget / CACHE_SHARDS;
    size_t cost = sizeof(struct bentry) + key_len + value_len;
    if (cost > budget / 4)
        return;
    uint64_t h = hash_bytes(key, key_len);
    struct shard *sh = shard_of(c, h);
    struct bentry *n = sr_xmalloc(cost);
    n->h = h;
    n->key_len = key_len;
    n->value_len = value_len;
    memcpy(n->data, key, key_len);
    memcpy(n->data + key_len, value, value_len);
    pthread_mutex_lock(&sh->mu);
    struct bentry **pp = bucket_find(sh, h, key, key_len);
    if (*pp != NULL) {
        struct bentry *old = *pp;
        *pp = old->next;
        sh->count--;
        sh->bytes -= sizeof(struct bentry) + old->key_len + old->value_len;
        free(old);
    }
    if (sh->bytes + cost > budget)
        shard_clear(sh);
    else if (sh->count >= sh->nbuckets)
        shard_grow(sh);
    n->next = sh->buckets[h & (sh->nbuckets - 1)];
    sh->buckets[h & (sh->nbuckets - 1)] = n;
    sh->count++;
    sh->bytes += cost;
    pthread_mutex_unlock(&sh->mu);
}

static uint64_t parsed_key(const struct store_schema *s)
{
    uint64_t h = hash_bytes(s->hash, sizeof s->hash);
    return h ^ hash_bytes(s->context, strlen(s->context)) ^ ((uint64_t)s->id * 0x9e3779b97f4a7c15ULL);
}

static bool parsed_matches(const struct api_parsed *e, uint64_t h, const struct store_schema *s)
{
    return e->h == h && e->id == s->id && e->text_len == s->text_len &&
           memcmp(e->hash, s->hash, sizeof e->hash) == 0 && strcmp(e->context, s->context) == 0;
}

static void parsed_grow(struct api_cache *c)
{
    size_t n = c->npbuckets * 2;
    struct api_parsed **b = sr_xcalloc(n, sizeof *b);
    for (size_t i = 0; i < c->npbuckets; i++) {
        struct api_parsed *e = c->pbuckets[i];
        while (e != NULL) {
            struct api_parsed *next = e->next;
            e->next = b[e->h & (n - 1)];
            b[e->h & (n - 1)] = e;
            e = next;
        }
    }
    free(c->pbuckets);
    c->pbuckets = b;
    c->npbuckets = n;
}

struct api_parsed *api_cache_parsed(struct api_cache *c, struct store *st, const struct store_schema *s,
                                    const struct compat_schema **out, struct sr_error *err)
{
    *out = NULL;
    if (c == NULL || s->nrefs > 0 || CACHE_PARSED_COST(s->text_len) > c->parsed_budget / 4) {
        struct compat_schema *parsed = api_parse_stored(st, s, err);
        if (parsed == NULL)
            return NULL;
        struct api_parsed *own = sr_xcalloc(1, sizeof *own);
        own->parsed = parsed;
        own->pins = 1;
        *out = parsed;
        return own;
    }
    uint64_t h = parsed_key(s);
    pthread_mutex_lock(&c->parsed_mu);
    for (struct api_parsed *e = c->pbuckets[h & (c->npbuckets - 1)]; e != NULL; e = e->next) {
        if (parsed_matches(e, h, s)) {
            e->pins++;
            pthread_mutex_unlock(&c->parsed_mu);
            *out = e->parsed;
            return e;
        }
    }
    pthread_mutex_unlock(&c->parsed_mu);

    /* Parse outside the lock; two threads may race to parse the same schema, and the
     * loser's copy simply stays private to it. */
    struct compat_schema *parsed = api_parse_stored(st, s, err);
    if (parsed == NULL)
        return NULL;
    struct api_parsed *n = sr_xcalloc(1, sizeof *n);
    n->h = h;
    n->context = sr_xstrdup(s->context);
    n->id = s->id;
    memcpy(n->hash, s->hash, sizeof n->hash);
    n->text_len = s->text_len;
    n->parsed = parsed;
    n->pins = 1;
    size_t cost = CACHE_PARSED_COST(s->text_len);
    pthread_mutex_lock(&c->parsed_mu);
    bool present = false;
    for (struct api_parsed *e = c->pbuckets[h & (c->npbuckets - 1)]; e != NULL && !present; e = e->next)
        present = parsed_matches(e, h, s);
    if (!present) {
        if (c->pbytes + cost > c->parsed_budget)
            parsed_clear(c);
        else if (c->pcount >= c->npbuckets)
            parsed_grow(c);
        n->next = c->pbuckets[h & (c->npbuckets - 1)];
        c->pbuckets[h & (c->npbuckets - 1)] = n;
        n->in_table = true;
        c->pcount++;
        c->pbytes += cost;
    }
    pthread_mutex_unlock(&c->parsed_mu);
    *out = parsed;
    return n;
}

void api_cache_unpin(struct api_cache *c, struct api_parsed *pin)
{
    if (pin == NULL)
        return;
    if (pin->context == NULL) {
        /* a private parse (no cache, a schema with references, or too large) */
        parsed_free(pin);
        return;
    }
    /* shared, or a private copy that lost the race to the table (in_table false, one pin) */
    pthread_mutex_lock(&c->parsed_mu);
    bool last = --pin->pins == 0 && !pin->in_table;
    pthread_mutex_unlock(&c->parsed_mu);
    if (last)
        parsed_free(pin);
}
