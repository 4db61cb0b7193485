/* SPDX-License-Identifier: Apache-2.0 */
/* store.c — the registry held in memory, with SQLite as its durable copy.
 *
 * In memory (every read is served from here, never from SQLite):
 *   - contexts by name; each context owns a map id -> schema and its max_id counter;
 *   - subjects by name, each with its versions sorted by number;
 *   - schemas by identity hash (one bucket per hash, sorted by (context, id));
 *   - referrers by (subject, version) (one bucket per target, sorted by (context, id));
 *   - config and mode by scope;
 *   - sorted arrays of subject names, known contexts and mode scopes for the listings.
 * On disk (SQLite, WAL, synchronous=FULL, layout version in PRAGMA user_version): one table
 * per kind of record (contexts with their persisted max_id so that ids of deleted schemas
 * are never handed out again, schemas, schema_refs, versions, config, mode). The files are
 * read once by store_open(); afterwards SQLite is only written. The connection holds the
 * file exclusively, since a second process serving from its own memory would diverge.
 *
 * Why this split: reads are the hot path and must not wait for disk or for a writer's fsync,
 * while a write must be durable before it is acknowledged. So a write runs its SQL
 * transaction first (readers keep running), and only after COMMIT succeeded takes the rwlock
 * for writing and applies the change to memory. The apply cannot fail (allocation failure
 * aborts), so memory always equals the committed database.
 *
 * Borrowed pointers: readers get pointers into the live structures. A reader holds the read
 * lock, so no apply runs while it looks, and anything unlinked under the write lock can be
 * reached by no later reader. The one party that keeps pointers across an apply is the
 * writer itself (the header keeps them valid until store_write_end()). Hence: unlinked
 * objects are retired and freed in store_write_end(); small arrays (version lists,
 * buckets) are replaced by copies, never edited in place; the big name listings are
 * edited in place unless the writer fetched them in this write section, in which case
 * the first change copies them (struct name_list).
 *
 * The rwlock prefers writers so that a steady stream of readers cannot starve the apply;
 * the price is that a thread must not nest store_read_begin() calls.
 *
 * Group commit: one fsync per registration would cap registrations at the disk's commit
 * rate, so grouped sections (store_write_begin_grouped()) only stage registrations in
 * memory, and a commit thread writes them in batches, one transaction each, while the next
 * batch is staged; see "group commit" below for how writers see staged registrations while
 * readers cannot. */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */

#include "store.h"

#include <assert.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sr_buf.h"
#include "store_internal.h"
#include "store_map.h"

/* Version of the table layout below, kept in PRAGMA user_version. */
#define STORE_LAYOUT_VERSION 1

static const char store_ddl[] =
    "CREATE TABLE contexts("
    " name TEXT PRIMARY KEY NOT NULL,"
    " max_id INTEGER NOT NULL," /* highest id ever assigned; never decreases */
    " known INTEGER NOT NULL);" /* 0 after store_context_delete(); max_id is kept */
    "CREATE TABLE schemas("
    " context TEXT NOT NULL REFERENCES contexts(name),"
    " id INTEGER NOT NULL,"
    " type INTEGER NOT NULL,"
    " text BLOB NOT NULL,"
    " metadata TEXT,"
    " rule_set TEXT,"
    " hash BLOB NOT NULL,"
    " PRIMARY KEY(context, id));"
    "CREATE TABLE schema_refs("
    " context TEXT NOT NULL,"
    " id INTEGER NOT NULL,"
    " pos INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " PRIMARY KEY(context, id, pos),"
    " FOREIGN KEY(context, id) REFERENCES schemas(context, id) ON DELETE CASCADE);"
    "CREATE TABLE versions("
    " subject TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " context TEXT NOT NULL,"
    " schema_id INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL,"
    " ts_ms INTEGER NOT NULL,"
    " PRIMARY KEY(subject, version),"
    " FOREIGN KEY(context, schema_id) REFERENCES schemas(context, id));"
    /* Lets the foreign-key check on a schema delete find its versions without a scan. */
    "CREATE INDEX versions_by_schema ON versions(context, schema_id);"
    "CREATE TABLE config(scope TEXT PRIMARY KEY NOT NULL, json TEXT NOT NULL);"
    "CREATE TABLE mode(scope TEXT PRIMARY KEY NOT NULL, mode TEXT NOT NULL);";

enum store_stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_CTX_UPSERT,
    ST_CTX_FORGET,
    ST_SCHEMA_INSERT,
    ST_SCHEMA_DELETE,
    ST_REF_INSERT,
    ST_REFS_DELETE,
    ST_VERSION_INSERT,
    ST_VERSION_SOFT_DELETE,
    ST_VERSION_DELETE,
    ST_CONFIG_SET,
    ST_CONFIG_DELETE,
    ST_MODE_SET,
    ST_MODE_DELETE,
    ST_LOAD_CONTEXTS,
    ST_LOAD_SCHEMAS,
    ST_LOAD_REFS,
    ST_LOAD_VERSIONS,
    ST_LOAD_CONFIG,
    ST_LOAD_MODE,
    ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT reg",
    [ST_RELEASE] = "RELEASE reg",
    [ST_ROLLBACK_TO] = "ROLLBACK TO reg",
    [ST_CTX_UPSERT] = "INSERT INTO contexts(name, max_id, known) VALUES(?1, ?2, 1)"
                      " ON CONFLICT(name) DO UPDATE SET known = 1, max_id = max(max_id, excluded.max_id)",
    [ST_CTX_FORGET] = "UPDATE contexts SET known = 0 WHERE name = ?1",
    [ST_SCHEMA_INSERT] = "INSERT INTO schemas(context, id, type, text, metadata, rule_set, hash)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_SCHEMA_DELETE] = "DELETE FROM schemas WHERE context = ?1 AND id = ?2",
    [ST_REF_INSERT] = "INSERT INTO schema_refs(context, id, pos, name, subject, version)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_REFS_DELETE] = "DELETE FROM schema_refs WHERE context = ?1 AND id = ?2",
    [ST_VERSION_INSERT] = "INSERT INTO versions(subject, version, context, schema_id, deleted, ts_ms)"
                          " VALUES(?1, ?2, ?3, ?4, 0, ?5)",
    [ST_VERSION_SOFT_DELETE] = "UPDATE versions SET deleted = 1 WHERE subject = ?1 AND version = ?2",
    [ST_VERSION_DELETE] = "DELETE FROM versions WHERE subject = ?1 AND version = ?2",
    [ST_CONFIG_SET] = "INSERT INTO config(scope, json) VALUES(?1, ?2)"
                      " ON CONFLICT(scope) DO UPDATE SET json = excluded.json",
    [ST_CONFIG_DELETE] = "DELETE FROM config WHERE scope = ?1",
    [ST_MODE_SET] = "INSERT INTO mode(scope, mode) VALUES(?1, ?2)"
                    " ON CONFLICT(scope) DO UPDATE SET mode = excluded.mode",
    [ST_MODE_DELETE] = "DELETE FROM mode WHERE scope = ?1",
    [ST_LOAD_CONTEXTS] = "SELECT name, max_id, known FROM contexts ORDER BY name",
    [ST_LOAD_SCHEMAS] = "SELECT context, id, type, text, metadata, rule_set, hash FROM schemas"
                        " ORDER BY context, id",
    [ST_LOAD_REFS] = "SELECT context, id, name, subject, version FROM schema_refs ORDER BY context, id, pos",
    [ST_LOAD_VERSIONS] = "SELECT subject, version, context, schema_id, deleted, ts_ms FROM versions"
                         " ORDER BY subject, version",
    [ST_LOAD_CONFIG] = "SELECT scope, json FROM config",
    [ST_LOAD_MODE] = "SELECT scope, mode FROM mode ORDER BY scope",
};

/* ---- in-memory records ---- */

struct context {
    struct store_map by_id; /* id -> struct sschema */
    int64_t max_id;
    bool known;
    size_t nsubjects; /* subjects with at least one version */
    size_t name_len;
    char name[];
};

/* A schema; pub must stay first (a const struct store_schema * is cast back to it). */
struct sschema {
    struct store_schema pub;
    struct context *ctx;
    void *refs_block;                /* pub.refs and their strings, one allocation; NULL without refs */
    const struct store_version *one; /* inline slot of pub.versions */
    /* Writer-only marks of staged registrations (never read by readers): staged_new =
     * created by a staged registration, not linked yet, pub.versions already holds the
     * staged versions of it (except those staged after it went in flight); wpending counts
     * the staged versions that will hold this schema but are not in pub.versions until
     * their batch is linked (the schema is linked, or in flight). */
    bool staged_new;
    bool in_flight;    /* staged_new, and in the batch the commit thread is writing */
    unsigned wpending; /* see above */
    /* pub.text, pub.metadata and pub.rule_set follow in this allocation */
};

struct ssubject {
    struct context *ctx;
    const struct store_version *const *vers; /* ascending version */
    size_t n;
    const struct store_version *one; /* inline slot of vers */
    size_t name_len;
    char name[];
};

struct hbucket {
    unsigned char hash[16];
    const struct store_schema *const *items; /* sorted by (context, id) */
    size_t n;
    const struct store_schema *one; /* inline slot of items */
};

struct rbucket {
    int32_t version;
    const struct store_schema *const *items; /* sorted by (context, id), no duplicates */
    size_t n;
    const struct store_schema *one; /* inline slot of items */
    size_t subject_len;
    char subject[];
};

struct kv {
    char *value;
    size_t scope_len;
    char scope[];
};

/* A sorted listing of names handed out whole. It is changed in place (no reader can look
 * during an apply), except when the writer itself got the array in its current write
 * section: then the change goes to a copy and the old array waits for store_write_end().
 * So a bulk operation (say, hard-deleting thousands of subjects in one write section)
 * copies a 100k-entry listing at most once, not once per subject. */
struct name_list {
    const char **items;
    size_t n;
    size_t cap;
    bool lent; /* returned to the writer in the current write section */
};

/* A version; pub must stay first. doomed marks it during a batch removal. */
struct sversion {
    struct store_version pub;
    bool doomed;
};

struct grave {
    void (*fn)(void *);
    void *p;
};

/* A staged registration (see "group commit"): its memory records exist but are linked
 * nowhere a reader looks; its rows are written by the batch that takes it. */
struct pend {
    struct sversion *v;      /* pub.schema is the schema it holds */
    struct sschema *created; /* the schema this registration created, or NULL */
    char *subject;           /* v->pub.subject until the commit links the subject */
    struct context *ctx;
    int64_t new_max;
    bool listed; /* the schema was staged too, and its version list already holds v */
};

/* A grouped section that ended while registrations were staged: called back once batch
 * seq (or an earlier one) has finished. rc starts at -1 if the section had failed itself. */
struct waiter {
    struct waiter *next;
    uint64_t seq;
    int rc;
    struct sr_error err;
    store_durable_fn fn;
    void *arg;
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmts[ST_COUNT];
    pthread_rwlock_t rw;
    pthread_mutex_t wmu;
    atomic_uintptr_t writer; /* the thread inside store_write_begin()..end(), or 0 */
    uint64_t seed;
    struct store_map contexts;  /* name -> struct context (never freed before close) */
    struct store_map subjects;  /* name -> struct ssubject */
    struct store_map hashes;    /* hash -> struct hbucket */
    struct store_map referrers; /* (subject, version) -> struct rbucket */
    struct store_map config;    /* scope -> struct kv */
    struct store_map modes;     /* scope -> struct kv */
    struct name_list subject_list;
    struct name_list context_list; /* known contexts */
    struct name_list mode_list;
    struct grave *graves; /* retired memory, freed in store_write_end() */
    size_t ngraves;
    size_t cap_graves;
    /* Group commit: all of it is touched under wmu only. pend[0..nflight) is the flight, the
     * batch the commit thread is writing; the rest is the open batch. */
    pthread_t committer;
    bool committer_running;
    bool stopping;
    pthread_cond_t commit_cv; /* the commit thread waits here for work */
    pthread_cond_t flight_cv; /* broadcast when a flight has finished */
    pthread_cond_t gate_cv;   /* broadcast when no writer is suspended in group_drain() */
    struct pend *pend;        /* staged registrations, in staging order */
    size_t npend;
    size_t cap_pend;
    size_t nflight;
    struct pend *flight; /* the commit thread's copy of pend[0..nflight) */
    size_t cap_flight;
    unsigned ndraining;  /* writers suspended in group_drain(): 0 or 1 (see gate_cv) */
    uint64_t batch_seq;  /* number of the last batch taken */
    uint64_t fail_epoch; /* failed batches so far */
    struct sr_error fail_err;
    struct waiter *waiters;
    /* store_write_end_grouped() sleeps on group_cv under group_mu, not wmu, so that waking
     * the sleepers of a batch does not make the writers of the next one queue for wmu. */
    pthread_mutex_t group_mu;
    pthread_cond_t group_cv;
    bool sec_grouped; /* the current section came from store_write_begin_grouped() */
    bool sec_failed;  /* a batch this section depends on failed */
    struct sr_error sec_err;
    atomic_int fail_commits;            /* test hook: upcoming COMMITs the commit hook turns into ROLLBACK */
    void (*test_waiting)(void *, char); /* test hook, see store_set_test_hooks() */
    void *test_arg;
    uint64_t group_commits; /* successful group commits, for store_group_stats() */
    uint64_t group_members; /* registrations they carried */
};

/* Lookup keys handed to the map equality callbacks. */
struct str_key {
    const char *s;
    size_t len;
};

struct ref_key {
    const char *subject;
    size_t len;
    int32_t version;
};

/* ---- small helpers ---- */

static const char *const empty_strings[1] = {NULL};
static const struct store_version *const empty_versions[1] = {NULL};
static const struct store_schema *const empty_schemas[1] = {NULL};

static uintptr_t self_id(void)
{
    return (uintptr_t)pthread_self();
}

/* True on the thread inside store_write_begin()..end(). Other threads only ever see 0 or
 * another thread's id there, so a relaxed load is enough. */
static bool is_writer(struct store *st)
{
    return atomic_load_explicit(&st->writer, memory_order_relaxed) == self_id();
}

static void retire(struct store *st, void (*fn)(void *), void *p)
{
    assert(is_writer(st));
    if (!p)
        return;
    if (st->ngraves == st->cap_graves) {
        st->cap_graves = st->cap_graves ? st->cap_graves * 2 : 16;
        st->graves = sr_xrealloc(st->graves, st->cap_graves * sizeof *st->graves);
    }
    st->graves[st->ngraves].fn = fn;
    st->graves[st->ngraves].p = p;
    st->ngraves++;
}

static void bury_all(struct store *st)
{
    for (size_t i = 0; i < st->ngraves; i++)
        st->graves[i].fn(st->graves[i].p);
    st->ngraves = 0;
}

/* Arrays that usually hold one element (a subject's versions, a schema's versions, hash and
 * referrer buckets) keep that element in an inline slot of their owner instead of a heap
 * block of its own: with 100k subjects that saves four small allocations per schema.
 * `slot` (NULL for plain arrays) is that one-element storage; an array pointing at it is
 * never freed. */
static void free_array(const void *arr, const void *slot)
{
    if (arr != slot)
        free((void *)arr);
}

static void retire_array(struct store *st, const void *arr, const void *slot)
{
    if (arr != slot)
        retire(st, free, (void *)arr);
}

/* Returns a new array equal to arr (n elements of elsz bytes) with elem inserted at pos;
 * the old array is retired. */
static void *cow_insert(struct store *st, const void *arr, size_t n, size_t pos, const void *elem,
                        size_t elsz, void *slot)
{
    if (n == 0 && slot) {
        memcpy(slot, elem, elsz);
        return slot;
    }
    char *na = sr_xmalloc((n + 1) * elsz);
    if (pos)
        memcpy(na, arr, pos * elsz);
    memcpy(na + pos * elsz, elem, elsz);
    if (n > pos)
        memcpy(na + (pos + 1) * elsz, (const char *)arr + pos * elsz, (n - pos) * elsz);
    retire_array(st, arr, slot);
    return na;
}

/* Returns a new array equal to arr without element pos (NULL when it becomes empty); the
 * old array is retired. */
static void *cow_remove(struct store *st, const void *arr, size_t n, size_t pos, size_t elsz, void *slot)
{
    char *na = NULL;
    if (n == 2 && slot) {
        memcpy(slot, (const char *)arr + (pos == 0 ? elsz : 0), elsz);
        na = slot;
    } else if (n > 1) {
        na = sr_xmalloc((n - 1) * elsz);
        if (pos)
            memcpy(na, arr, pos * elsz);
        if (n - pos - 1)
            memcpy(na + pos * elsz, (const char *)arr + (pos + 1) * elsz, (n - pos - 1) * elsz);
    }
    retire_array(st, arr, slot);
    return na;
}

/* Load-time append: arrays built by the loader grow by doubling, their capacity being the
 * next power of two of their length (or the inline slot for one element). Only
 * store_open() appends; later changes copy. */
static void *append_grow(const void *arr, size_t n, const void *elem, size_t elsz, void *slot)
{
    char *a = (char *)arr;
    if (n == 0 && slot) {
        memcpy(slot, elem, elsz);
        return slot;
    }
    if (n == 1 && a == slot) {
        a = sr_xmalloc(2 * elsz);
        memcpy(a, slot, elsz);
    } else if (n == 0 || (n & (n - 1)) == 0) {
        a = sr_xrealloc(a, (n ? n * 2 : 1) * elsz);
    }
    memcpy(a + n * elsz, elem, elsz);
    return a;
}

/* Index of the first element not less than key; *found tells whether it compares equal. */
typedef int (*bsearch_cmp)(const void *elem, const void *key);
static size_t lower_bound(const void *arr, size_t n, size_t elsz, bsearch_cmp cmp, const void *key,
                          bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp((const char *)arr + mid * elsz, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < n && cmp((const char *)arr + lo * elsz, key) == 0;
    return lo;
}

static int cmp_str_elem(const void *elem, const void *key)
{
    return strcmp(*(const char *const *)elem, key);
}

/* Makes l->items safe to change in place and able to hold need entries. */
static void list_make_private(struct store *st, struct name_list *l, size_t need)
{
    if (l->lent) {
        size_t cap = need + need / 2 + 8;
        const char **a = sr_xmalloc(cap * sizeof *a);
        if (l->n)
            memcpy(a, l->items, l->n * sizeof *a);
        retire(st, free, (void *)l->items);
        l->items = a;
        l->cap = cap;
        l->lent = false;
    } else if (need > l->cap) {
        l->cap = need + need / 2 + 8;
        l->items = sr_xrealloc(l->items, l->cap * sizeof *l->items);
    }
}

/* Adds name (borrowed: it must live as long as its entry) in sorted position. */
static void list_insert(struct store *st, struct name_list *l, const char *name)
{
    bool found;
    size_t pos = lower_bound(l->items, l->n, sizeof *l->items, cmp_str_elem, name, &found);
    if (found)
        return;
    list_make_private(st, l, l->n + 1);
    memmove(l->items + pos + 1, l->items + pos, (l->n - pos) * sizeof *l->items);
    l->items[pos] = name;
    l->n++;
}

static void list_remove(struct store *st, struct name_list *l, const char *name)
{
    bool found;
    size_t pos = lower_bound(l->items, l->n, sizeof *l->items, cmp_str_elem, name, &found);
    if (!found)
        return;
    list_make_private(st, l, l->n);
    memmove(l->items + pos, l->items + pos + 1, (l->n - pos - 1) * sizeof *l->items);
    l->n--;
}

/* Load-time append; the loader sorts once at the end. */
static void list_append(struct name_list *l, const char *name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = sr_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = name;
}

static size_t list_get(struct store *st, struct name_list *l, const char *const **out)
{
    if (is_writer(st))
        l->lent = true;
    *out = l->n ? (const char *const *)l->items : empty_strings;
    return l->n;
}

struct schema_pos {
    const char *context;
    int64_t id;
};

static int cmp_schema_elem(const void *elem, const void *key)
{
    const struct store_schema *s = *(const struct store_schema *const *)elem;
    const struct schema_pos *k = key;
    int c = strcmp(s->context, k->context);
    if (c)
        return c;
    return (s->id > k->id) - (s->id < k->id);
}

struct version_pos {
    const char *subject;
    int32_t version;
};

/* Order of a schema's versions: (subject, version). */
static int cmp_sv_elem(const void *elem, const void *key)
{
    const struct store_version *v = *(const struct store_version *const *)elem;
    const struct version_pos *k = key;
    int c = strcmp(v->subject, k->subject);
    if (c)
        return c;
    return (v->version > k->version) - (v->version < k->version);
}

/* Order of a subject's versions: version number. */
static int cmp_version_elem(const void *elem, const void *key)
{
    const struct store_version *v = *(const struct store_version *const *)elem;
    int32_t k = *(const int32_t *)key;
    return (v->version > k) - (v->version < k);
}

static int qsort_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- map keys ---- */

static uint64_t hash_str(const struct store *st, const char *s, size_t len)
{
    return store_hash_bytes(st->seed, s, len);
}

static uint64_t hash_id(const struct store *st, int64_t id)
{
    return store_hash_bytes(st->seed, &id, sizeof id);
}

static uint64_t hash_ref(const struct store *st, const char *subject, size_t len, int32_t version)
{
    return store_hash_bytes(st->seed ^ ((uint64_t)(uint32_t)version * 0x9e3779b97f4a7c15ULL), subject, len);
}

static bool eq_context(const void *val, const void *key)
{
    const struct context *c = val;
    const struct str_key *k = key;
    return c->name_len == k->len && memcmp(c->name, k->s, k->len) == 0;
}

static bool eq_subject(const void *val, const void *key)
{
    const struct ssubject *s = val;
    const struct str_key *k = key;
    return s->name_len == k->len && memcmp(s->name, k->s, k->len) == 0;
}

static bool eq_kv(const void *val, const void *key)
{
    const struct kv *e = val;
    const struct str_key *k = key;
    return e->scope_len == k->len && memcmp(e->scope, k->s, k->len) == 0;
}

static bool eq_id(const void *val, const void *key)
{
    return ((const struct sschema *)val)->pub.id == *(const int64_t *)key;
}

static bool eq_hash(const void *val, const void *key)
{
    return memcmp(((const struct hbucket *)val)->hash, key, 16) == 0;
}

static bool eq_ref(const void *val, const void *key)
{
    const struct rbucket *b = val;
    const struct ref_key *k = key;
    return b->version == k->version && b->subject_len == k->len &&
           memcmp(b->subject, k->subject, k->len) == 0;
}

static struct context *find_context(const struct store *st, const char *name)
{
    struct str_key k = {name, strlen(name)};
    return store_map_find(&st->contexts, hash_str(st, k.s, k.len), eq_context, &k);
}

static struct ssubject *find_subject(const struct store *st, const char *name)
{
    struct str_key k = {name, strlen(name)};
    return store_map_find(&st->subjects, hash_str(st, k.s, k.len), eq_subject, &k);
}

static struct sschema *find_schema(const struct store *st, const struct context *ctx, int64_t id)
{
    return store_map_find(&ctx->by_id, hash_id(st, id), eq_id, &id);
}

static struct hbucket *find_hbucket(const struct store *st, const unsigned char hash[16])
{
    return store_map_find(&st->hashes, store_hash_bytes(st->seed, hash, 16), eq_hash, hash);
}

static struct rbucket *find_rbucket(const struct store *st, const char *subject, int32_t version)
{
    struct ref_key k = {subject, strlen(subject), version};
    return store_map_find(&st->referrers, hash_ref(st, k.subject, k.len, version), eq_ref, &k);
}

static struct kv *find_kv(const struct store *st, const struct store_map *m, const char *scope)
{
    struct str_key k = {scope, strlen(scope)};
    return store_map_find(m, hash_str(st, k.s, k.len), eq_kv, &k);
}

static const struct store_version *subject_version(const struct ssubject *subj, int32_t version)
{
    bool found;
    size_t pos = lower_bound(subj->vers, subj->n, sizeof *subj->vers, cmp_version_elem, &version, &found);
    return found ? subj->vers[pos] : NULL;
}

/* ---- object construction and destruction ---- */

static struct context *context_new(const char *name, int64_t max_id, bool known)
{
    size_t len = strlen(name);
    struct context *c = sr_xcalloc(1, sizeof *c + len + 1);
    memcpy(c->name, name, len + 1);
    c->name_len = len;
    c->max_id = max_id;
    c->known = known;
    return c;
}

static void context_free(struct context *c)
{
    if (!c)
        return;
    store_map_free(&c->by_id);
    free(c);
}

static char *put_str(char **cursor, const char *s, size_t len)
{
    char *out = *cursor;
    memcpy(out, s, len);
    out[len] = '\0';
    *cursor += len + 1;
    return out;
}

/* A new schema record (not linked anywhere); refs are copied. */
static struct sschema *schema_new(struct context *ctx, int64_t id, enum sr_schema_type type, const char *text,
                                  size_t text_len, const char *metadata, const char *rule_set,
                                  const unsigned char hash[16])
{
    size_t mlen = metadata ? strlen(metadata) + 1 : 0;
    size_t rlen = rule_set ? strlen(rule_set) + 1 : 0;
    struct sschema *s = sr_xcalloc(1, sizeof *s + text_len + 1 + mlen + rlen);
    char *cursor = (char *)(s + 1);
    s->ctx = ctx;
    s->pub.context = ctx->name;
    s->pub.id = id;
    s->pub.type = type;
    s->pub.text = put_str(&cursor, text ? text : "", text_len);
    s->pub.text_len = text_len;
    s->pub.metadata = metadata ? put_str(&cursor, metadata, mlen - 1) : NULL;
    s->pub.rule_set = rule_set ? put_str(&cursor, rule_set, rlen - 1) : NULL;
    memcpy(s->pub.hash, hash, 16);
    return s;
}

static void schema_set_refs(struct sschema *s, const struct store_ref *refs, size_t nrefs)
{
    if (nrefs == 0)
        return;
    size_t bytes = nrefs * sizeof(struct store_ref);
    for (size_t i = 0; i < nrefs; i++)
        bytes += strlen(refs[i].name) + 1 + strlen(refs[i].subject) + 1;
    struct store_ref *copy = sr_xmalloc(bytes);
    char *cursor = (char *)(copy + nrefs);
    for (size_t i = 0; i < nrefs; i++) {
        copy[i].name = put_str(&cursor, refs[i].name, strlen(refs[i].name));
        copy[i].subject = put_str(&cursor, refs[i].subject, strlen(refs[i].subject));
        copy[i].version = refs[i].version;
    }
    s->refs_block = copy;
    s->pub.refs = copy;
    s->pub.nrefs = nrefs;
}

/* Frees a schema record that is no longer linked (its versions array already retired). */
static void schema_free(void *p)
{
    struct sschema *s = p;
    free(s->refs_block);
    free_array(s->pub.versions, &s->one);
    free(s);
}

static void subject_free(void *p)
{
    struct ssubject *s = p;
    free_array(s->vers, &s->one);
    free(s);
}

static void kv_free(void *p)
{
    struct kv *e = p;
    free(e->value);
    free(e);
}

static struct kv *kv_new(const char *scope, const char *value)
{
    size_t len = strlen(scope);
    struct kv *e = sr_xcalloc(1, sizeof *e + len + 1);
    memcpy(e->scope, scope, len + 1);
    e->scope_len = len;
    e->value = sr_xstrdup(value);
    return e;
}

/* ---- SQLite helpers ---- */

static int db_error(struct store *st, struct sr_error *err, const char *what)
{
    char detail[200];
    snprintf(detail, sizeof detail, "%s: %s", what, sqlite3_errmsg(st->db));
    return sr_err_store(err, detail);
}

static void stmt_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Steps a statement that returns no rows, then resets it. */
static int run(struct store *st, enum store_stmt which, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[which];
    int rc = sqlite3_step(s);
    int ret = 0;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = db_error(st, err, store_sql[which]);
    stmt_done(s);
    return ret;
}

static void bind_str(sqlite3_stmt *s, int col, const char *v)
{
    if (v)
        sqlite3_bind_text(s, col, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, col);
}

static int tx_begin(struct store *st, struct sr_error *err)
{
    return run(st, ST_BEGIN, err);
}

static void tx_rollback(struct store *st)
{
    /* A failed COMMIT may already have ended the transaction. */
    if (!sqlite3_get_autocommit(st->db))
        (void)run(st, ST_ROLLBACK, NULL);
}

static int tx_commit(struct store *st, struct sr_error *err)
{
    if (run(st, ST_COMMIT, err) != 0) {
        tx_rollback(st);
        return -1;
    }
    return 0;
}

static int sql_delete_version(struct store *st, const char *subject, int32_t version, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[ST_VERSION_DELETE];
    bind_str(s, 1, subject);
    sqlite3_bind_int(s, 2, version);
    return run(st, ST_VERSION_DELETE, err);
}

static int sql_delete_schema(struct store *st, const struct store_schema *sc, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[ST_REFS_DELETE];
    bind_str(s, 1, sc->context);
    sqlite3_bind_int64(s, 2, sc->id);
    if (run(st, ST_REFS_DELETE, err) != 0)
        return -1;
    s = st->stmts[ST_SCHEMA_DELETE];
    bind_str(s, 1, sc->context);
    sqlite3_bind_int64(s, 2, sc->id);
    return run(st, ST_SCHEMA_DELETE, err);
}

static int sql_scope_delete(struct store *st, enum store_stmt which, const char *scope, struct sr_error *err)
{
    bind_str(st->stmts[which], 1, scope);
    return run(st, which, err);
}

/* ---- linking (apply phase: write lock held, or store_open() before anyone sees st) ---- */

static void apply_begin(struct store *st)
{
    pthread_rwlock_wrlock(&st->rw);
}

static void apply_end(struct store *st)
{
    pthread_rwlock_unlock(&st->rw);
}

static struct context *context_get_or_add(struct store *st, const char *name)
{
    struct context *c = find_context(st, name);
    if (!c) {
        c = context_new(name, 0, false);
        store_map_insert(&st->contexts, hash_str(st, c->name, c->name_len), c);
    }
    return c;
}

static void context_set_known(struct store *st, struct context *c, bool known)
{
    if (c->known == known)
        return;
    if (known)
        list_insert(st, &st->context_list, c->name);
    else
        list_remove(st, &st->context_list, c->name);
    c->known = known;
}

static struct hbucket *hbucket_get_or_add(struct store *st, const unsigned char hash[16])
{
    struct hbucket *b = find_hbucket(st, hash);
    if (!b) {
        b = sr_xcalloc(1, sizeof *b);
        memcpy(b->hash, hash, 16);
        store_map_insert(&st->hashes, store_hash_bytes(st->seed, b->hash, 16), b);
    }
    return b;
}

static void hbucket_add(struct store *st, const struct store_schema *sc)
{
    struct hbucket *b = hbucket_get_or_add(st, sc->hash);
    struct schema_pos k = {sc->context, sc->id};
    bool found;
    size_t pos = lower_bound(b->items, b->n, sizeof *b->items, cmp_schema_elem, &k, &found);
    if (!found)
        b->items = cow_insert(st, b->items, b->n++, pos, &sc, sizeof sc, &b->one);
}

static void hbucket_remove(struct store *st, const struct store_schema *sc)
{
    struct hbucket *b = find_hbucket(st, sc->hash);
    if (!b)
        return;
    struct schema_pos k = {sc->context, sc->id};
    bool found;
    size_t pos = lower_bound(b->items, b->n, sizeof *b->items, cmp_schema_elem, &k, &found);
    if (found)
        b->items = cow_remove(st, b->items, b->n--, pos, sizeof *b->items, &b->one);
    if (b->n == 0) {
        store_map_remove(&st->hashes, store_hash_bytes(st->seed, b->hash, 16), eq_hash, b->hash);
        retire(st, free, b);
    }
}

static struct rbucket *rbucket_get_or_add(struct store *st, const struct store_ref *ref)
{
    struct rbucket *b = find_rbucket(st, ref->subject, ref->version);
    if (!b) {
        size_t len = strlen(ref->subject);
        b = sr_xcalloc(1, sizeof *b + len + 1);
        memcpy(b->subject, ref->subject, len + 1);
        b->subject_len = len;
        b->version = ref->version;
        store_map_insert(&st->referrers, hash_ref(st, b->subject, len, b->version), b);
    }
    return b;
}

static void rbucket_add(struct store *st, const struct store_ref *ref, const struct store_schema *sc)
{
    struct rbucket *b = rbucket_get_or_add(st, ref);
    struct schema_pos k = {sc->context, sc->id};
    bool found;
    size_t pos = lower_bound(b->items, b->n, sizeof *b->items, cmp_schema_elem, &k, &found);
    if (!found)
        b->items = cow_insert(st, b->items, b->n++, pos, &sc, sizeof sc, &b->one);
}

static void rbucket_remove(struct store *st, const struct store_ref *ref, const struct store_schema *sc)
{
    struct rbucket *b = find_rbucket(st, ref->subject, ref->version);
    if (!b)
        return;
    struct schema_pos k = {sc->context, sc->id};
    bool found;
    size_t pos = lower_bound(b->items, b->n, sizeof *b->items, cmp_schema_elem, &k, &found);
    if (found)
        b->items = cow_remove(st, b->items, b->n--, pos, sizeof *b->items, &b->one);
    if (b->n == 0) {
        struct ref_key rk = {b->subject, b->subject_len, b->version};
        store_map_remove(&st->referrers, hash_ref(st, b->subject, b->subject_len, b->version), eq_ref, &rk);
        retire(st, free, b);
    }
}

static void schema_link(struct store *st, struct sschema *s)
{
    store_map_insert(&s->ctx->by_id, hash_id(st, s->pub.id), s);
    hbucket_add(st, &s->pub);
    for (size_t i = 0; i < s->pub.nrefs; i++)
        rbucket_add(st, &s->pub.refs[i], &s->pub);
}

static void schema_unlink(struct store *st, struct sschema *s)
{
    store_map_remove(&s->ctx->by_id, hash_id(st, s->pub.id), eq_id, &s->pub.id);
    hbucket_remove(st, &s->pub);
    for (size_t i = 0; i < s->pub.nrefs; i++)
        rbucket_remove(st, &s->pub.refs[i], &s->pub);
    retire(st, schema_free, s);
}

static struct ssubject *subject_get_or_add(struct store *st, const char *name, struct context *ctx)
{
    struct ssubject *subj = find_subject(st, name);
    if (subj)
        return subj;
    size_t len = strlen(name);
    subj = sr_xcalloc(1, sizeof *subj + len + 1);
    memcpy(subj->name, name, len + 1);
    subj->name_len = len;
    subj->ctx = ctx;
    store_map_insert(&st->subjects, hash_str(st, subj->name, len), subj);
    list_insert(st, &st->subject_list, subj->name);
    ctx->nsubjects++;
    return subj;
}

static void kv_remove(struct store *st, struct store_map *m, const char *scope)
{
    struct str_key k = {scope, strlen(scope)};
    struct kv *e = store_map_remove(m, hash_str(st, k.s, k.len), eq_kv, &k);
    if (e)
        retire(st, kv_free, e);
}

/* Removes a subject that has no version left, with its config and mode. */
static void subject_unlink(struct store *st, struct ssubject *subj)
{
    assert(subj->n == 0);
    list_remove(st, &st->subject_list, subj->name);
    struct str_key k = {subj->name, subj->name_len};
    store_map_remove(&st->subjects, hash_str(st, k.s, k.len), eq_subject, &k);
    subj->ctx->nsubjects--;
    kv_remove(st, &st->config, subj->name);
    list_remove(st, &st->mode_list, subj->name);
    kv_remove(st, &st->modes, subj->name);
    retire(st, subject_free, subj);
}

/* Puts v in subj's version list, which must not have its number yet. */
static void subject_add_version(struct store *st, struct ssubject *subj, const struct store_version *v)
{
    bool found;
    size_t pos = lower_bound(subj->vers, subj->n, sizeof *subj->vers, cmp_version_elem, &v->version, &found);
    assert(!found);
    subj->vers = cow_insert(st, subj->vers, subj->n++, pos, &v, sizeof v, &subj->one);
}

/* Puts v in the version list of its schema s, in (subject, version) order. */
static void schema_add_version(struct store *st, struct sschema *s, const struct store_version *v)
{
    struct version_pos k = {v->subject, v->version};
    bool found;
    size_t pos =
        lower_bound(s->pub.versions, s->pub.nversions, sizeof *s->pub.versions, cmp_sv_elem, &k, &found);
    s->pub.versions = cow_insert(st, s->pub.versions, s->pub.nversions++, pos, &v, sizeof v, &s->one);
}

static void version_link(struct store *st, struct ssubject *subj, struct store_version *v)
{
    subject_add_version(st, subj, v);
    schema_add_version(st, (struct sschema *)v->schema, v);
}

/* Returns arr without its doomed versions (a new array, the inline slot, or NULL when none
 * is left) and updates *n; the old array is retired. */
static const struct store_version *const *filter_doomed(struct store *st,
                                                        const struct store_version *const *arr, size_t *n,
                                                        const struct store_version **slot)
{
    size_t keep = 0;
    for (size_t i = 0; i < *n; i++)
        keep += !((const struct sversion *)arr[i])->doomed;
    if (keep == *n)
        return arr;
    /* keep < *n, so a kept single entry never comes from the slot itself. */
    const struct store_version **na = keep == 0 ? NULL : keep == 1 ? slot : sr_xmalloc(keep * sizeof *na);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (!((const struct sversion *)arr[i])->doomed)
            na[k++] = arr[i];
    retire_array(st, arr, slot);
    *n = keep;
    return na;
}

/* ---- removal planning (before the transaction; memory untouched) ---- */

struct removal {
    const struct store_version **vers; /* distinct existing versions to remove */
    size_t n;
    const struct store_schema **orphans; /* schemas left without any version */
    size_t norphans;
    bool empties_subject;
};

static int cmp_by_schema(const void *a, const void *b)
{
    const struct store_version *x = *(const struct store_version *const *)a;
    const struct store_version *y = *(const struct store_version *const *)b;
    uintptr_t px = (uintptr_t)x->schema, py = (uintptr_t)y->schema;
    if (px != py)
        return px < py ? -1 : 1;
    return (x->version > y->version) - (x->version < y->version);
}

/* Plans removing the listed versions of subj (unknown ones and `skip` are ignored; keep is a
 * schema that gains a version in the same transaction and so is never an orphan). */
static void plan_removal(const struct ssubject *subj, const int32_t *versions, size_t n, int32_t skip,
                         const struct store_schema *keep, struct removal *r)
{
    memset(r, 0, sizeof *r);
    if (!subj || n == 0)
        return;
    r->vers = sr_xmalloc(n * sizeof *r->vers);
    for (size_t i = 0; i < n; i++) {
        if (versions[i] == skip)
            continue;
        const struct store_version *v = subject_version(subj, versions[i]);
        if (v)
            r->vers[r->n++] = v;
    }
    qsort(r->vers, r->n, sizeof *r->vers, cmp_by_schema);
    size_t distinct = 0;
    for (size_t i = 0; i < r->n; i++)
        if (distinct == 0 || r->vers[distinct - 1] != r->vers[i])
            r->vers[distinct++] = r->vers[i];
    r->n = distinct;
    r->orphans = sr_xmalloc((r->n ? r->n : 1) * sizeof *r->orphans);
    for (size_t i = 0; i < r->n;) {
        const struct store_schema *sc = r->vers[i]->schema;
        size_t j = i;
        while (j < r->n && r->vers[j]->schema == sc)
            j++;
        if (j - i == sc->nversions && sc != keep)
            r->orphans[r->norphans++] = sc;
        i = j;
    }
    r->empties_subject = r->n == subj->n;
}

static void removal_free(struct removal *r)
{
    free(r->vers);
    free(r->orphans);
}

static int sql_removal(struct store *st, const struct ssubject *subj, const struct removal *r,
                       struct sr_error *err)
{
    for (size_t i = 0; i < r->n; i++)
        if (sql_delete_version(st, subj->name, r->vers[i]->version, err) != 0)
            return -1;
    for (size_t i = 0; i < r->norphans; i++)
        if (sql_delete_schema(st, r->orphans[i], err) != 0)
            return -1;
    if (r->empties_subject) {
        if (sql_scope_delete(st, ST_CONFIG_DELETE, subj->name, err) != 0 ||
            sql_scope_delete(st, ST_MODE_DELETE, subj->name, err) != 0)
            return -1;
    }
    return 0;
}

/* Applies a planned removal in one pass: every affected array is rebuilt once, so removing
 * n versions costs O(n + array sizes), not O(n * array size). */
static void apply_removal(struct store *st, struct ssubject *subj, const struct removal *r)
{
    if (!subj || r->n == 0)
        return;
    for (size_t i = 0; i < r->n; i++)
        ((struct sversion *)r->vers[i])->doomed = true;
    subj->vers = filter_doomed(st, subj->vers, &subj->n, &subj->one);
    /* r->vers is grouped by schema. */
    for (size_t i = 0; i < r->n;) {
        struct sschema *s = (struct sschema *)r->vers[i]->schema;
        while (i < r->n && r->vers[i]->schema == &s->pub)
            i++;
        s->pub.versions = filter_doomed(st, s->pub.versions, &s->pub.nversions, &s->one);
        if (s->pub.nversions == 0)
            schema_unlink(st, s);
    }
    for (size_t i = 0; i < r->n; i++)
        retire(st, free, (void *)r->vers[i]);
    if (subj->n == 0)
        subject_unlink(st, subj);
}

/* ---- group commit ----
 *
 * A grouped registration is staged in memory only: its records are built but linked nowhere
 * a reader looks (the new schema and version are owned by its struct pend; only a brand-new
 * context record is created right away, unknown and empty, so no reader can tell). The
 * writer read functions below merge the pending records into what they return (next id,
 * subject versions, lookups by id and hash, a schema's version list); where merging is not
 * worth its code (listings, referrers) they drain the pipeline first (group_drain()), which
 * the writer may do at any time since it holds wmu.
 *
 * The commit thread (committer_main) pipelines the disk with the writers: it takes every
 * staged registration as one batch (the flight), writes its rows and COMMITs (one fsync)
 * without holding wmu, while writers go on staging the next batch behind it. Then, under wmu
 * and the rwlock, it links the batch into memory (so a reader sees all of a batch or nothing
 * of it) and calls back every section that waited for it. A batch holds what was staged
 * while the previous one was written, so its size follows the load with nothing to tune.
 * Batches are numbered and finish in order. A batch that fails takes every later staged
 * registration with it, since those were planned on top of it (next ids, next versions);
 * memory then equals the database again.
 *
 * Records of the flight are read by the commit thread without wmu, and the flight is linked
 * as it was taken: a version staged later for a schema created in the flight (in_flight)
 * is not put in that schema's version list but waits for its own batch, as a version of a
 * linked schema does (wpending; writer_schema() shows writers the list with it).
 *
 * A writer suspended in group_drain() has released wmu, for the commit thread only: no other
 * section opens meanwhile (section_open() waits on gate_cv), so a section stays atomic and
 * its borrowed pointers stay valid. */

/* True when the calling writer must see staged registrations. Readers never see them;
 * they must not even read npend, hence is_writer() first. */
static bool group_view(struct store *st)
{
    return is_writer(st) && st->npend > 0;
}

/* Marks the calling thread as the one allowed to change the store (it holds wmu). */
static void become_writer(struct store *st, bool on)
{
    atomic_store_explicit(&st->writer, on ? self_id() : 0, memory_order_relaxed);
}

/* Links one committed registration (write lock held). */
static void pend_apply(struct store *st, struct pend *p)
{
    struct context *ctx = p->ctx;
    context_set_known(st, ctx, true);
    if (p->new_max > ctx->max_id)
        ctx->max_id = p->new_max;
    struct sschema *sc = (struct sschema *)p->v->pub.schema;
    if (p->created) {
        schema_link(st, sc);
        sc->staged_new = false;
        sc->in_flight = false;
    } else if (!p->listed) {
        sc->wpending--;
    }
    struct ssubject *subj = subject_get_or_add(st, p->subject, ctx);
    struct store_version *v = &p->v->pub;
    v->subject = subj->name;
    retire(st, free, p->subject);
    p->subject = NULL;
    subject_add_version(st, subj, v);
    /* A schema created by the batch already lists its batch versions (see register_staged()). */
    if (!p->listed)
        schema_add_version(st, sc, v);
}

/* Frees the records of a registration whose batch failed. A section suspended in
 * group_drain() may still hold pointers to them, hence retire, not free. */
static void pend_discard(struct store *st, struct pend *p)
{
    if (!p->listed)
        ((struct sschema *)p->v->pub.schema)->wpending--;
    if (p->created)
        retire(st, schema_free, p->created);
    retire(st, free, p->v);
    retire(st, free, p->subject);
}

static int sql_insert_schema(struct store *st, const struct store_schema *sc, struct sr_error *err);

/* Writes a batch of staged registrations to the database as one transaction. Runs without
 * wmu in the commit thread, so it reads only what no writer changes (see above). */
static int batch_write(struct store *st, const struct pend *batch, size_t n, struct sr_error *err)
{
    if (tx_begin(st, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct pend *p = &batch[i];
        sqlite3_stmt *s = st->stmts[ST_CTX_UPSERT];
        bind_str(s, 1, p->ctx->name);
        sqlite3_bind_int64(s, 2, p->new_max);
        if (run(st, ST_CTX_UPSERT, err) != 0)
            goto fail;
        if (p->created && sql_insert_schema(st, &p->created->pub, err) != 0)
            goto fail;
        s = st->stmts[ST_VERSION_INSERT];
        bind_str(s, 1, p->subject);
        sqlite3_bind_int(s, 2, p->v->pub.version);
        bind_str(s, 3, p->ctx->name);
        sqlite3_bind_int64(s, 4, p->v->pub.schema->id);
        sqlite3_bind_int64(s, 5, p->v->pub.ts_ms);
        if (run(st, ST_VERSION_INSERT, err) != 0)
            goto fail;
    }
    return tx_commit(st, err);
fail:
    tx_rollback(st);
    return -1;
}

/* Finishes batch seq, the first n staged registrations (wmu held, as writer): links them, or
 * on failure drops them and every registration staged after them. Returns the waiters to
 * call back (see notify()), detached from the list. */
static struct waiter *group_finish(struct store *st, size_t n, uint64_t seq, bool committed,
                                   const struct sr_error *why)
{
    struct sr_error gerr = {0};
    if (committed) {
        st->group_commits++;
        st->group_members += n;
        apply_begin(st);
        for (size_t i = 0; i < n; i++)
            pend_apply(st, &st->pend[i]);
        apply_end(st);
        memmove(st->pend, st->pend + n, (st->npend - n) * sizeof *st->pend);
        st->npend -= n;
    } else {
        char detail[300];
        snprintf(detail, sizeof detail, "the group commit failed (%.200s)", why->message);
        sr_err_store(&gerr, detail);
        for (size_t i = 0; i < st->npend; i++)
            pend_discard(st, &st->pend[i]);
        st->npend = 0;
        st->fail_epoch++;
        st->fail_err = gerr;
    }
    struct waiter *done = NULL, **link = &st->waiters;
    while (*link) {
        struct waiter *w = *link;
        if (committed && w->seq > seq) {
            link = &w->next;
            continue;
        }
        *link = w->next;
        if (!committed && w->rc == 0) {
            w->rc = -1;
            w->err = gerr;
        }
        w->next = done;
        done = w;
    }
    return done;
}

/* Calls back the waiters group_finish() detached. */
static void notify(struct waiter *done)
{
    while (done) {
        struct waiter *next = done->next;
        done->fn(done->arg, done->rc, &done->err);
        free(done);
        done = next;
    }
}

/* The commit thread: see "group commit" above. */
static void *committer_main(void *arg)
{
    struct store *st = arg;
    pthread_mutex_lock(&st->wmu);
    for (;;) {
        while ((st->npend == 0 && !st->stopping) || st->ndraining > 0)
            pthread_cond_wait(&st->commit_cv, &st->wmu);
        if (st->npend == 0)
            break; /* stopping, nothing left */
        size_t n = st->npend;
        if (n > st->cap_flight) {
            st->cap_flight = n > 2 * st->cap_flight ? n : 2 * st->cap_flight;
            free(st->flight);
            st->flight = sr_xmalloc(st->cap_flight * sizeof *st->flight);
        }
        /* A copy: writers may grow (move) st->pend while the batch is written. */
        memcpy(st->flight, st->pend, n * sizeof *st->flight);
        for (size_t i = 0; i < n; i++)
            if (st->pend[i].created)
                st->pend[i].created->in_flight = true;
        st->nflight = n;
        uint64_t seq = ++st->batch_seq;
        pthread_mutex_unlock(&st->wmu);

        struct sr_error cerr = {0};
        bool ok = batch_write(st, st->flight, n, &cerr) == 0;

        pthread_mutex_lock(&st->wmu);
        become_writer(st, true);
        struct waiter *done = group_finish(st, n, seq, ok, &cerr);
        st->nflight = 0;
        pthread_cond_broadcast(&st->flight_cv);
        /* A section suspended in group_drain() may hold pointers into the graves; its own
         * section_close() buries them then. */
        if (st->ndraining == 0)
            bury_all(st);
        become_writer(st, false);
        pthread_mutex_unlock(&st->wmu);
        notify(done);
        pthread_mutex_lock(&st->wmu);
    }
    pthread_mutex_unlock(&st->wmu);
    return NULL;
}

/* Makes every staged registration durable before the writer goes on: waits for the flight
 * (wmu is released meanwhile, so the commit thread can link it), then commits what is left
 * in this thread. A failure is also recorded as the section's (sec_failed). Writer only. */
static int group_drain(struct store *st, struct sr_error *err)
{
    assert(is_writer(st));
    uint64_t epoch = st->fail_epoch;
    while (st->nflight > 0) {
        if (st->test_waiting)
            st->test_waiting(st->test_arg, 'd');
        st->ndraining++;
        pthread_cond_wait(&st->flight_cv, &st->wmu);
        if (--st->ndraining == 0)
            pthread_cond_broadcast(&st->gate_cv);
        become_writer(st, true);
    }
    struct sr_error gerr = {0};
    bool failed = st->fail_epoch != epoch;
    if (failed) {
        gerr = st->fail_err;
    } else if (st->npend > 0) {
        struct sr_error cerr = {0};
        size_t n = st->npend;
        uint64_t seq = ++st->batch_seq;
        failed = batch_write(st, st->pend, n, &cerr) != 0;
        notify(group_finish(st, n, seq, !failed, &cerr));
        gerr = st->fail_err;
    }
    if (!failed)
        return 0;
    st->sec_failed = true;
    st->sec_err = gerr;
    if (err)
        *err = gerr;
    return -1;
}

/* Writer view: the highest id of context, staged registrations included. */
static int64_t writer_max_id(struct store *st, const char *context, int64_t real)
{
    for (size_t i = 0; i < st->npend; i++)
        if (st->pend[i].new_max > real && strcmp(st->pend[i].ctx->name, context) == 0)
            real = st->pend[i].new_max;
    return real;
}

static struct sschema *staged_schema_by_id(struct store *st, const char *context, int64_t id)
{
    for (size_t i = 0; i < st->npend; i++) {
        struct sschema *c = st->pend[i].created;
        if (c && c->pub.id == id && strcmp(c->pub.context, context) == 0)
            return c;
    }
    return NULL;
}

static const char *staged_subject_context(struct store *st, const char *subject)
{
    for (size_t i = 0; i < st->npend; i++)
        if (strcmp(st->pend[i].subject, subject) == 0)
            return st->pend[i].ctx->name;
    return NULL;
}

/* True if subject already has this version number, linked or staged. */
static bool writer_has_version(struct store *st, const struct ssubject *subj, const char *subject,
                               int32_t version)
{
    bool found = false;
    if (subj)
        (void)lower_bound(subj->vers, subj->n, sizeof *subj->vers, cmp_version_elem, &version, &found);
    for (size_t i = 0; i < st->npend && !found; i++)
        found = st->pend[i].v->pub.version == version && strcmp(st->pend[i].subject, subject) == 0;
    return found;
}

/* A grouped registration (no purge): validated and staged in memory; the commit thread
 * writes it. Everything the database would refuse is refused here, so that a batch fails
 * only for reasons that fail the whole transaction (I/O, disk full). */
static int register_staged(struct store *st, const struct store_new_version *nv, int64_t *id_out,
                           struct sr_error *err)
{
    struct context *ctx = find_context(st, nv->context);
    int64_t max_id = writer_max_id(st, nv->context, ctx ? ctx->max_id : 0);
    if (nv->id == 0 && max_id == INT32_MAX)
        return sr_err_store(err, "schema ids exhausted in this context");
    int64_t id = nv->id > 0 ? nv->id : max_id + 1;
    struct sschema *existing = staged_schema_by_id(st, nv->context, id);
    if (!existing && ctx)
        existing = find_schema(st, ctx, id);
    struct ssubject *subj = find_subject(st, nv->subject);
    const char *subj_ctx = subj ? subj->ctx->name : staged_subject_context(st, nv->subject);
    if (subj_ctx && strcmp(subj_ctx, nv->context) != 0) {
        char detail[200];
        snprintf(detail, sizeof detail, "subject %s belongs to context %s, not %s", nv->subject, subj_ctx,
                 nv->context);
        return sr_err_store(err, detail);
    }
    if (writer_has_version(st, subj, nv->subject, nv->version)) {
        char detail[200];
        snprintf(detail, sizeof detail, "version %d of subject %s already exists", (int)nv->version,
                 nv->subject);
        return sr_err_store(err, detail);
    }
    int64_t new_max = id > max_id ? id : max_id;

    if (!ctx) {
        /* Invisible to readers: unknown, empty, max_id 0 (the staged max is in the pend). */
        apply_begin(st);
        ctx = context_get_or_add(st, nv->context);
        apply_end(st);
    }
    struct pend p = {0};
    p.ctx = ctx;
    p.new_max = new_max;
    p.subject = sr_xstrdup(nv->subject);
    struct sschema *sc = existing;
    if (!sc) {
        sc = schema_new(ctx, id, nv->type, nv->text, nv->text_len, nv->metadata, nv->rule_set, nv->hash);
        schema_set_refs(sc, nv->refs, nv->nrefs);
        sc->staged_new = true;
        p.created = sc;
    }
    /* A schema staged in the open batch lists its staged versions at once. One that readers
     * may see (linked), or will see when its flight is linked, gets this version only when
     * this batch is linked. */
    p.listed = sc->staged_new && !sc->in_flight;
    if (!p.listed)
        sc->wpending++;
    p.v = sr_xcalloc(1, sizeof *p.v);
    struct store_version *v = &p.v->pub;
    v->subject = p.subject;
    v->version = nv->version;
    v->ts_ms = nv->ts_ms;
    v->schema = &sc->pub;
    /* Nobody but writers can reach a listed schema yet, so its list is edited now. */
    if (p.listed)
        schema_add_version(st, sc, v);
    if (st->npend == st->cap_pend) {
        st->cap_pend = st->cap_pend ? st->cap_pend * 2 : 16;
        st->pend = sr_xrealloc(st->pend, st->cap_pend * sizeof *st->pend);
    }
    st->pend[st->npend++] = p;
    if (id_out)
        *id_out = id;
    return 0;
}

/* Before any write that is not a grouped registration: make the staged registrations durable
 * first, so the write starts from (and is planned against) durable memory. */
static int group_flush(struct store *st, struct sr_error *err)
{
    return st->npend > 0 ? group_drain(st, err) : 0;
}

/* ---- open / load / close ---- */

static int exec_simple(struct store *st, const char *sql, struct sr_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char detail[200];
        snprintf(detail, sizeof detail, "%s: %s", sql, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return sr_err_store(err, detail);
    }
    return 0;
}

/* Runs a one-row query (PRAGMA) once, copying the first column as text. */
static int query_text(struct store *st, const char *sql, char *out, size_t outlen, struct sr_error *err)
{
    sqlite3_stmt *s = NULL;
    int ret = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        db_error(st, err, sql);
        goto out;
    }
    if (sqlite3_step(s) != SQLITE_ROW) {
        db_error(st, err, sql);
        goto out;
    }
    const unsigned char *t = sqlite3_column_text(s, 0);
    snprintf(out, outlen, "%s", t ? (const char *)t : "");
    ret = 0;
out:
    sqlite3_finalize(s);
    return ret;
}

static int setup_layout(struct store *st, struct sr_error *err)
{
    char buf[64];
    if (exec_simple(st, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    if (query_text(st, "PRAGMA user_version", buf, sizeof buf, err) != 0)
        goto fail;
    long version = strtol(buf, NULL, 10);
    if (version == 0) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", STORE_LAYOUT_VERSION);
        if (exec_simple(st, store_ddl, err) != 0 || exec_simple(st, pragma, err) != 0)
            goto fail;
    } else if (version != STORE_LAYOUT_VERSION) {
        char detail[160];
        snprintf(detail, sizeof detail, "database layout version %ld is not supported (this build reads %d)",
                 version, STORE_LAYOUT_VERSION);
        sr_err_store(err, detail);
        goto fail;
    }
    return exec_simple(st, "COMMIT", err);
fail:
    (void)exec_simple(st, "ROLLBACK", NULL);
    return -1;
}

static const char *col_text(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? (const char *)t : NULL;
}

static int load_fail(struct store *st, struct sr_error *err, enum store_stmt which, const char *why)
{
    char detail[200];
    snprintf(detail, sizeof detail, "loading (%s): %s", store_sql[which], why ? why : sqlite3_errmsg(st->db));
    stmt_done(st->stmts[which]);
    return sr_err_store(err, detail);
}

static int load_contexts(struct store *st, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[ST_LOAD_CONTEXTS];
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = col_text(s, 0);
        if (!name)
            return load_fail(st, err, ST_LOAD_CONTEXTS, "context without a name");
        struct context *c = context_new(name, sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2) != 0);
        store_map_insert(&st->contexts, hash_str(st, c->name, c->name_len), c);
        if (c->known) {
            list_append(&st->context_list, c->name);
        }
    }
    if (rc != SQLITE_DONE)
        return load_fail(st, err, ST_LOAD_CONTEXTS, NULL);
    stmt_done(s);
    return 0;
}

/* Load-time linking: rows arrive sorted by (context, id), so appending keeps every bucket
 * sorted. */
static void load_link_schema(struct store *st, struct sschema *sc)
{
    store_map_insert(&sc->ctx->by_id, hash_id(st, sc->pub.id), sc);
    struct hbucket *b = hbucket_get_or_add(st, sc->pub.hash);
    const struct store_schema *p = &sc->pub;
    b->items = append_grow(b->items, b->n++, &p, sizeof p, &b->one);
}

static int load_schemas(struct store *st, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[ST_LOAD_SCHEMAS];
    struct context *ctx = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *cname = col_text(s, 0);
        if (!cname)
            return load_fail(st, err, ST_LOAD_SCHEMAS, "schema without a context");
        if (!ctx || strcmp(ctx->name, cname) != 0)
            ctx = find_context(st, cname);
        if (!ctx)
            return load_fail(st, err, ST_LOAD_SCHEMAS, "schema in an unknown context");
        int64_t id = sqlite3_column_int64(s, 1);
        int type = sqlite3_column_int(s, 2);
        const void *text = sqlite3_column_blob(s, 3);
        size_t text_len = (size_t)sqlite3_column_bytes(s, 3);
        const char *metadata = col_text(s, 4);
        const char *rule_set = col_text(s, 5);
        const void *hash = sqlite3_column_blob(s, 6);
        if (sqlite3_column_bytes(s, 6) != 16 || type < 0 || type >= SR_SCHEMA_TYPE_COUNT)
            return load_fail(st, err, ST_LOAD_SCHEMAS, "malformed schema row");
        struct sschema *sc =
            schema_new(ctx, id, (enum sr_schema_type)type, text, text_len, metadata, rule_set, hash);
        load_link_schema(st, sc);
    }
    if (rc != SQLITE_DONE)
        return load_fail(st, err, ST_LOAD_SCHEMAS, NULL);
    stmt_done(s);
    return 0;
}

/* Load-time linking of a schema's references into the referrer buckets: schemas come in
 * (context, id) order, like their schema rows, so appending keeps every bucket sorted, and
 * a second reference of the schema to the same target finds the schema last in its bucket. */
static void load_link_refs(struct store *st, struct sschema *sc)
{
    const struct store_schema *p = &sc->pub;
    for (size_t i = 0; i < p->nrefs; i++) {
        struct rbucket *b = rbucket_get_or_add(st, &p->refs[i]);
        if (b->n == 0 || b->items[b->n - 1] != p)
            b->items = append_grow(b->items, b->n++, &p, sizeof p, &b->one);
    }
}

/* Refs arrive sorted by (context, id, pos); each schema's run is gathered, then copied
 * into the schema's own refs block. */
static void free_ref_strings(struct store_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((void *)refs[i].name);
        free((void *)refs[i].subject);
    }
}

static int load_refs(struct store *st, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[ST_LOAD_REFS];
    struct sschema *cur = NULL;
    struct store_ref *refs = NULL; /* the current run; strings owned here */
    size_t n = 0;
    int ret = 0;
    for (;;) {
        int rc = sqlite3_step(s);
        struct sschema *sc = NULL;
        if (rc == SQLITE_ROW) {
            const char *cname = col_text(s, 0);
            struct context *ctx = cname ? find_context(st, cname) : NULL;
            sc = ctx ? find_schema(st, ctx, sqlite3_column_int64(s, 1)) : NULL;
            if (!sc || !col_text(s, 2) || !col_text(s, 3)) {
                ret = load_fail(st, err, ST_LOAD_REFS, "reference of an unknown schema");
                goto out;
            }
        } else if (rc != SQLITE_DONE) {
            ret = load_fail(st, err, ST_LOAD_REFS, NULL);
            goto out;
        }
        if (cur && sc != cur) {
            schema_set_refs(cur, refs, n);
            load_link_refs(st, cur);
            free_ref_strings(refs, n);
            n = 0;
        }
        if (!sc)
            break;
        cur = sc;
        refs = sr_xrealloc(refs, (n + 1) * sizeof *refs);
        refs[n].name = sr_xstrdup(col_text(s, 2));
        refs[n].subject = sr_xstrdup(col_text(s, 3));
        refs[n].version = sqlite3_column_int(s, 4);
        n++;
    }
    stmt_done(s);
out:
    free_ref_strings(refs, n);
    free(refs);
    return ret;
}

static int load_versions(struct store *st, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[ST_LOAD_VERSIONS];
    struct ssubject *subj = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *sname = col_text(s, 0);
        const char *cname = col_text(s, 2);
        struct context *ctx = cname ? find_context(st, cname) : NULL;
        struct sschema *sc = ctx ? find_schema(st, ctx, sqlite3_column_int64(s, 3)) : NULL;
        if (!sname || !sc)
            return load_fail(st, err, ST_LOAD_VERSIONS, "version of an unknown schema");
        if (!subj || strcmp(subj->name, sname) != 0) {
            size_t len = strlen(sname);
            subj = sr_xcalloc(1, sizeof *subj + len + 1);
            memcpy(subj->name, sname, len + 1);
            subj->name_len = len;
            subj->ctx = ctx;
            ctx->nsubjects++;
            store_map_insert(&st->subjects, hash_str(st, subj->name, len), subj);
            list_append(&st->subject_list, subj->name);
        }
        struct sversion *sv = sr_xcalloc(1, sizeof *sv);
        struct store_version *v = &sv->pub;
        v->subject = subj->name;
        v->version = sqlite3_column_int(s, 1);
        v->deleted = sqlite3_column_int(s, 4) != 0;
        v->ts_ms = sqlite3_column_int64(s, 5);
        v->schema = &sc->pub;
        /* Rows are sorted by (subject, version): both lists stay sorted when appended to. */
        subj->vers = append_grow(subj->vers, subj->n++, &v, sizeof v, &subj->one);
        sc->pub.versions = append_grow(sc->pub.versions, sc->pub.nversions++, &v, sizeof v, &sc->one);
    }
    if (rc != SQLITE_DONE)
        return load_fail(st, err, ST_LOAD_VERSIONS, NULL);
    stmt_done(s);
    return 0;
}

static int load_kv(struct store *st, enum store_stmt which, struct store_map *m, bool list_modes,
                   struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[which];
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *scope = col_text(s, 0);
        const char *value = col_text(s, 1);
        if (!scope || !value)
            return load_fail(st, err, which, "malformed row");
        struct kv *e = kv_new(scope, value);
        store_map_insert(m, hash_str(st, e->scope, e->scope_len), e);
        if (list_modes) {
            list_append(&st->mode_list, e->scope);
        }
    }
    if (rc != SQLITE_DONE)
        return load_fail(st, err, which, NULL);
    stmt_done(s);
    return 0;
}

static void sort_names(struct name_list *l)
{
    if (l->n > 1) /* an empty list is NULL, which qsort must not see */
        qsort(l->items, l->n, sizeof *l->items, qsort_str);
}

static int load_all(struct store *st, struct sr_error *err)
{
    if (load_contexts(st, err) != 0 || load_schemas(st, err) != 0 || load_refs(st, err) != 0 ||
        load_versions(st, err) != 0 || load_kv(st, ST_LOAD_CONFIG, &st->config, false, err) != 0 ||
        load_kv(st, ST_LOAD_MODE, &st->modes, true, err) != 0)
        return -1;
    /* SQLite's BINARY collation is memcmp, i.e. the bytewise order the header promises,
     * but the listings are sorted here anyway so that no collation detail can leak in. */
    sort_names(&st->subject_list);
    sort_names(&st->context_list);
    sort_names(&st->mode_list);
    return 0;
}

static uint64_t make_seed(const struct store *st)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)st;
    }
    return seed;
}

/* Rewords a "database is locked" failure of store_open(): another process owns the file. */
static void explain_busy(struct store *st, const char *path, struct sr_error *err)
{
    if ((sqlite3_errcode(st->db) & 0xff) == SQLITE_BUSY) {
        char detail[200];
        snprintf(detail, sizeof detail, "%s is in use by another process", path);
        sr_err_store(err, detail);
    }
}

int store_open(const char *path, struct store **out, struct sr_error *err)
{
    struct store *st = NULL;
    char buf[32];
    int ret = -1;

    *out = NULL;
    st = sr_xcalloc(1, sizeof *st);
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&st->rw, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&st->wmu, NULL);
    pthread_mutex_init(&st->group_mu, NULL);
    pthread_cond_init(&st->group_cv, NULL);
    pthread_cond_init(&st->commit_cv, NULL);
    pthread_cond_init(&st->flight_cv, NULL);
    pthread_cond_init(&st->gate_cv, NULL);
    st->seed = make_seed(st);

    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        char detail[200];
        snprintf(detail, sizeof detail, "cannot open %s: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        sr_err_store(err, detail);
        goto out;
    }
    /* SQLite silently opens a write-protected file read-only; a registry that cannot
     * write must not start. */
    if (sqlite3_db_readonly(st->db, "main") != 0) {
        char detail[200];
        snprintf(detail, sizeof detail, "cannot open %s for writing", path);
        sr_err_store(err, detail);
        goto out;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* One process owns the file: every read is served from this process's memory, so a
     * second registry on the same file would hand out the same ids. EXCLUSIVE locking,
     * set before WAL is entered, takes the file lock at the first access and keeps it until
     * close (the kernel drops it if the process dies); it also keeps the WAL index in
     * process memory instead of a -shm file. Without a busy timeout a file held by a live
     * registry is refused at once. */
    if (query_text(st, "PRAGMA locking_mode = EXCLUSIVE", buf, sizeof buf, err) != 0)
        goto out;
    if (query_text(st, "PRAGMA journal_mode = WAL", buf, sizeof buf, err) != 0) {
        explain_busy(st, path, err);
        goto out;
    }
    if (strcmp(buf, "wal") != 0) {
        sr_err_store(err, "the database cannot use write-ahead logging (journal_mode=WAL refused)");
        goto out;
    }
    /* FULL: every COMMIT syncs the WAL, so an acknowledged write survives power loss and
     * kill -9 alike. */
    if (exec_simple(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", err) != 0)
        goto out;
    if (setup_layout(st, err) != 0) {
        explain_busy(st, path, err);
        goto out;
    }
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(st->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[i], NULL) !=
            SQLITE_OK) {
            db_error(st, err, store_sql[i]);
            goto out;
        }
    }
    if (load_all(st, err) != 0)
        goto out;
    int prc = pthread_create(&st->committer, NULL, committer_main, st);
    if (prc != 0) {
        sr_err_store(err, "cannot start the commit thread");
        goto out;
    }
    st->committer_running = true;
    *out = st;
    st = NULL;
    ret = 0;
out:
    store_close(st);
    return ret;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    if (st->committer_running) {
        /* The commit thread finishes what is staged, then exits. */
        pthread_mutex_lock(&st->wmu);
        st->stopping = true;
        pthread_cond_signal(&st->commit_cv);
        pthread_mutex_unlock(&st->wmu);
        pthread_join(st->committer, NULL);
    }
    bury_all(st);
    free(st->graves);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    /* Fold the WAL back into the main file so that a cleanly closed registry is one file.
     * Failure is harmless (the next open replays the WAL), so the result is not checked. */
    if (st->db)
        (void)sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_close(st->db);

    for (size_t i = 0; st->subjects.slots && i <= st->subjects.mask; i++) {
        struct ssubject *subj = st->subjects.slots[i].val;
        if (!subj)
            continue;
        for (size_t j = 0; j < subj->n; j++)
            free((void *)subj->vers[j]);
        subject_free(subj);
    }
    for (size_t i = 0; st->contexts.slots && i <= st->contexts.mask; i++) {
        struct context *c = st->contexts.slots[i].val;
        if (!c)
            continue;
        for (size_t j = 0; c->by_id.slots && j <= c->by_id.mask; j++)
            if (c->by_id.slots[j].val)
                schema_free(c->by_id.slots[j].val);
        context_free(c);
    }
    for (size_t i = 0; st->hashes.slots && i <= st->hashes.mask; i++) {
        struct hbucket *b = st->hashes.slots[i].val;
        if (b) {
            free_array(b->items, &b->one);
            free(b);
        }
    }
    for (size_t i = 0; st->referrers.slots && i <= st->referrers.mask; i++) {
        struct rbucket *b = st->referrers.slots[i].val;
        if (b) {
            free_array(b->items, &b->one);
            free(b);
        }
    }
    for (size_t i = 0; st->config.slots && i <= st->config.mask; i++)
        if (st->config.slots[i].val)
            kv_free(st->config.slots[i].val);
    for (size_t i = 0; st->modes.slots && i <= st->modes.mask; i++)
        if (st->modes.slots[i].val)
            kv_free(st->modes.slots[i].val);
    store_map_free(&st->contexts);
    store_map_free(&st->subjects);
    store_map_free(&st->hashes);
    store_map_free(&st->referrers);
    store_map_free(&st->config);
    store_map_free(&st->modes);
    free(st->subject_list.items);
    free(st->context_list.items);
    free(st->mode_list.items);
    pthread_rwlock_destroy(&st->rw);
    pthread_mutex_destroy(&st->wmu);
    pthread_cond_destroy(&st->group_cv);
    pthread_mutex_destroy(&st->group_mu);
    pthread_cond_destroy(&st->commit_cv);
    pthread_cond_destroy(&st->flight_cv);
    pthread_cond_destroy(&st->gate_cv);
    free(st->pend);
    free(st->flight);
    free(st);
}

/* ---- locking ---- */

void store_read_begin(struct store *st)
{
    pthread_rwlock_rdlock(&st->rw);
}

void store_read_end(struct store *st)
{
    pthread_rwlock_unlock(&st->rw);
}

static void section_open(struct store *st, bool grouped)
{
    pthread_mutex_lock(&st->wmu);
    while (st->ndraining > 0) {
        if (st->test_waiting)
            st->test_waiting(st->test_arg, 'g');
        pthread_cond_wait(&st->gate_cv, &st->wmu);
    }
    become_writer(st, true);
    st->sec_grouped = grouped;
    /* A plain section starts from durable memory, with nothing staged: it then reads and
     * plans exactly as without group commit, and it cannot stage anything itself. */
    if (!grouped && st->npend > 0)
        (void)group_drain(st, NULL);
    st->sec_failed = false;
    memset(&st->sec_err, 0, sizeof st->sec_err);
}

/* Ends the section's hold on borrowed pointers; wmu stays locked. */
static void section_close(struct store *st)
{
    bury_all(st);
    st->subject_list.lent = false;
    st->context_list.lent = false;
    st->mode_list.lent = false;
    become_writer(st, false);
}

void store_write_begin(struct store *st)
{
    section_open(st, false);
}

void store_write_begin_grouped(struct store *st)
{
    section_open(st, true);
}

void store_write_end(struct store *st)
{
    assert(st->npend == 0); /* drained at section_open(), and a plain section stages nothing */
    section_close(st);
    pthread_mutex_unlock(&st->wmu);
}

void store_write_end_grouped_async(struct store *st, store_durable_fn fn, void *arg)
{
    int rc = st->sec_failed ? -1 : 0;
    struct sr_error err = st->sec_err;
    if (st->npend == 0) {
        section_close(st);
        pthread_mutex_unlock(&st->wmu);
        fn(arg, rc, &err);
        return;
    }
    /* The section may have staged registrations or read staged state (a dedup answer naming
     * a staged id): its reply waits for the newest batch that holds any of it. Every staged
     * registration goes into the next batch taken, so that is the open batch if there is
     * one, else the flight. */
    struct waiter *w = sr_xcalloc(1, sizeof *w);
    w->seq = st->npend > st->nflight ? st->batch_seq + 1 : st->batch_seq;
    w->rc = rc;
    w->err = err;
    w->fn = fn;
    w->arg = arg;
    w->next = st->waiters;
    st->waiters = w;
    if (st->nflight == 0)
        pthread_cond_signal(&st->commit_cv);
    section_close(st);
    pthread_mutex_unlock(&st->wmu);
}

struct sync_wait {
    struct store *st;
    bool done;
    int rc;
    struct sr_error err;
};

static void sync_wait_done(void *arg, int rc, const struct sr_error *err)
{
    struct sync_wait *sw = arg;
    pthread_mutex_lock(&sw->st->group_mu);
    sw->rc = rc;
    sw->err = *err;
    sw->done = true;
    pthread_cond_broadcast(&sw->st->group_cv);
    pthread_mutex_unlock(&sw->st->group_mu);
}

int store_write_end_grouped(struct store *st, struct sr_error *err)
{
    struct sync_wait sw = {.st = st};
    store_write_end_grouped_async(st, sync_wait_done, &sw);
    pthread_mutex_lock(&st->group_mu);
    while (!sw.done)
        pthread_cond_wait(&st->group_cv, &st->group_mu);
    pthread_mutex_unlock(&st->group_mu);
    if (sw.rc != 0 && err)
        *err = sw.err;
    return sw.rc;
}

/* ---- test hook (store_internal.h) ---- */

static int commit_hook(void *arg)
{
    struct store *st = arg;
    if (atomic_load(&st->fail_commits) > 0) {
        atomic_fetch_sub(&st->fail_commits, 1);
        return 1; /* SQLite turns the COMMIT into a ROLLBACK */
    }
    return 0;
}

void store_inject_commit_failures(struct store *st, int n)
{
    /* A plain section starts with the pipeline drained, so no batch is being written meanwhile. */
    store_write_begin(st);
    atomic_store(&st->fail_commits, n);
    sqlite3_commit_hook(st->db, n > 0 ? commit_hook : NULL, st);
    store_write_end(st);
}

void store_set_test_hooks(struct store *st, int (*commit)(void *arg), void (*waiting)(void *arg, char what),
                          void *arg)
{
    store_write_begin(st);
    sqlite3_commit_hook(st->db, commit, arg);
    st->test_waiting = waiting;
    st->test_arg = arg;
    store_write_end(st);
}

void store_group_stats(struct store *st, uint64_t *commits, uint64_t *members)
{
    pthread_mutex_lock(&st->wmu);
    *commits = st->group_commits;
    *members = st->group_members;
    pthread_mutex_unlock(&st->wmu);
}

/* ---- reads ---- */

/* The writer's view of a schema: when staged registrations will hold it without being in
 * its version list yet (wpending: it is linked, or its creation is in flight), a copy whose
 * list has them too, retired at the end of the section. */
static const struct store_schema *writer_schema(struct store *st, struct sschema *sc)
{
    if (sc == NULL || !group_view(st) || sc->wpending == 0)
        return sc ? &sc->pub : NULL;
    struct store_schema *view = sr_xmalloc(sizeof *view);
    *view = sc->pub;
    size_t n = sc->pub.nversions;
    const struct store_version **arr = sr_xmalloc((n + sc->wpending) * sizeof *arr);
    memcpy(arr, sc->pub.versions, n * sizeof *arr);
    for (size_t i = 0; i < st->npend; i++) {
        const struct store_version *v = &st->pend[i].v->pub;
        if (st->pend[i].listed || v->schema != &sc->pub)
            continue;
        struct version_pos k = {v->subject, v->version};
        bool found;
        size_t pos = lower_bound(arr, n, sizeof *arr, cmp_sv_elem, &k, &found);
        memmove(arr + pos + 1, arr + pos, (n - pos) * sizeof *arr);
        arr[pos] = v;
        n++;
    }
    view->versions = arr;
    view->nversions = n;
    retire(st, free, arr);
    retire(st, free, view);
    return view;
}

const struct store_schema *store_schema_by_id(struct store *st, const char *context, int64_t id)
{
    if (group_view(st)) {
        struct sschema *staged = staged_schema_by_id(st, context, id);
        if (staged)
            return writer_schema(st, staged);
    }
    struct context *c = find_context(st, context);
    return writer_schema(st, c ? find_schema(st, c, id) : NULL);
}

const struct store_schema *store_schema_by_hash(struct store *st, const char *context,
                                                const unsigned char hash[16])
{
    const struct store_schema *found = NULL;
    struct hbucket *b = find_hbucket(st, hash);
    for (size_t i = 0; b && i < b->n && !found; i++)
        if (strcmp(b->items[i]->context, context) == 0)
            found = b->items[i];
    if (group_view(st)) {
        for (size_t i = 0; i < st->npend; i++) {
            const struct sschema *c = st->pend[i].created;
            if (c && memcmp(c->pub.hash, hash, 16) == 0 && strcmp(c->pub.context, context) == 0 &&
                (!found || c->pub.id < found->id))
                found = &c->pub;
        }
        found = writer_schema(st, (struct sschema *)found);
    }
    return found;
}

size_t store_schemas_by_hash(struct store *st, const unsigned char hash[16],
                             const struct store_schema *const **out)
{
    if (group_view(st))
        (void)group_drain(st, NULL);
    struct hbucket *b = find_hbucket(st, hash);
    *out = b ? b->items : empty_schemas;
    return b ? b->n : 0;
}

int64_t store_max_id(struct store *st, const char *context)
{
    struct context *c = find_context(st, context);
    int64_t real = c ? c->max_id : 0;
    return group_view(st) ? writer_max_id(st, context, real) : real;
}

/* Writer view of a subject's versions while a group is open: the linked ones plus the
 * staged ones, in a fresh array retired at the end of the section. */
static size_t writer_subject_versions(struct store *st, const char *subject,
                                      const struct store_version *const **out)
{
    struct ssubject *s = find_subject(st, subject);
    size_t n = s ? s->n : 0, nstaged = 0;
    for (size_t i = 0; i < st->npend; i++)
        nstaged += strcmp(st->pend[i].subject, subject) == 0;
    if (nstaged == 0) {
        *out = n ? s->vers : empty_versions;
        return n;
    }
    const struct store_version **arr = sr_xmalloc((n + nstaged) * sizeof *arr);
    if (n)
        memcpy(arr, s->vers, n * sizeof *arr);
    for (size_t i = 0; i < st->npend; i++) {
        if (strcmp(st->pend[i].subject, subject) != 0)
            continue;
        const struct store_version *v = &st->pend[i].v->pub;
        bool found;
        size_t pos = lower_bound(arr, n, sizeof *arr, cmp_version_elem, &v->version, &found);
        memmove(arr + pos + 1, arr + pos, (n - pos) * sizeof *arr);
        arr[pos] = v;
        n++;
    }
    retire(st, free, arr);
    *out = (const struct store_version *const *)arr;
    return n;
}

size_t store_subject_versions(struct store *st, const char *subject, const struct store_version *const **out)
{
    if (group_view(st))
        return writer_subject_versions(st, subject, out);
    struct ssubject *s = find_subject(st, subject);
    *out = s && s->n ? s->vers : empty_versions;
    return s ? s->n : 0;
}

size_t store_subjects(struct store *st, const char *const **out)
{
    if (group_view(st))
        (void)group_drain(st, NULL);
    return list_get(st, &st->subject_list, out);
}

const char *store_subject_context(struct store *st, const char *subject)
{
    struct ssubject *s = find_subject(st, subject);
    if (!s && group_view(st))
        return staged_subject_context(st, subject);
    return s ? s->ctx->name : NULL;
}

size_t store_referrers(struct store *st, const char *subject, int32_t version,
                       const struct store_schema *const **out)
{
    if (group_view(st)) {
        for (size_t i = 0; i < st->npend; i++) {
            if (st->pend[i].created && st->pend[i].created->pub.nrefs > 0) {
                (void)group_drain(st, NULL);
                break;
            }
        }
    }
    struct rbucket *b = find_rbucket(st, subject, version);
    *out = b ? b->items : empty_schemas;
    return b ? b->n : 0;
}

size_t store_contexts(struct store *st, const char *const **out)
{
    if (group_view(st)) {
        for (size_t i = 0; i < st->npend; i++) {
            if (!st->pend[i].ctx->known) {
                (void)group_drain(st, NULL);
                break;
            }
        }
    }
    return list_get(st, &st->context_list, out);
}

const char *store_config_get(struct store *st, const char *scope)
{
    struct kv *e = find_kv(st, &st->config, scope);
    return e ? e->value : NULL;
}

const char *store_mode_get(struct store *st, const char *scope)
{
    struct kv *e = find_kv(st, &st->modes, scope);
    return e ? e->value : NULL;
}

size_t store_mode_scopes(struct store *st, const char *const **out)
{
    return list_get(st, &st->mode_list, out);
}

/* ---- writes ---- */

static int sql_insert_schema(struct store *st, const struct store_schema *sc, struct sr_error *err)
{
    sqlite3_stmt *s = st->stmts[ST_SCHEMA_INSERT];
    bind_str(s, 1, sc->context);
    sqlite3_bind_int64(s, 2, sc->id);
    sqlite3_bind_int(s, 3, (int)sc->type);
    /* A zero-length blob must still be a blob, not NULL (the column is NOT NULL). */
    sqlite3_bind_blob(s, 4, sc->text ? sc->text : "", (int)sc->text_len, SQLITE_STATIC);
    bind_str(s, 5, sc->metadata);
    bind_str(s, 6, sc->rule_set);
    sqlite3_bind_blob(s, 7, sc->hash, 16, SQLITE_STATIC);
    if (run(st, ST_SCHEMA_INSERT, err) != 0)
        return -1;
    for (size_t i = 0; i < sc->nrefs; i++) {
        s = st->stmts[ST_REF_INSERT];
        bind_str(s, 1, sc->context);
        sqlite3_bind_int64(s, 2, sc->id);
        sqlite3_bind_int64(s, 3, (int64_t)i);
        bind_str(s, 4, sc->refs[i].name);
        bind_str(s, 5, sc->refs[i].subject);
        sqlite3_bind_int(s, 6, sc->refs[i].version);
        if (run(st, ST_REF_INSERT, err) != 0)
            return -1;
    }
    return 0;
}

int store_register(struct store *st, const struct store_new_version *nv, int64_t *id_out,
                   struct sr_error *err)
{
    assert(is_writer(st));
    struct removal purge = {0};
    int ret = -1;

    if (!nv->subject || !nv->context || nv->version <= 0 || nv->id < 0 || nv->id > INT32_MAX ||
        nv->text_len > INT32_MAX) {
        sr_err_store(err, "invalid registration request");
        goto out;
    }
    if (st->sec_grouped && nv->npurge == 0)
        return register_staged(st, nv, id_out, err);
    /* A purge edits linked versions and schemas, which the staging scheme does not model:
     * drain the pipeline, then run alone as a plain section would. */
    if (group_flush(st, err) != 0)
        goto out;
    struct context *ctx = find_context(st, nv->context);
    int64_t max_id = ctx ? ctx->max_id : 0;
    if (nv->id == 0 && max_id == INT32_MAX) {
        /* Confluent ids are Java ints; a wire id beyond that could not be read back. */
        sr_err_store(err, "schema ids exhausted in this context");
        goto out;
    }
    int64_t id = nv->id > 0 ? nv->id : max_id + 1;
    struct sschema *existing = ctx ? find_schema(st, ctx, id) : NULL;
    struct ssubject *subj = find_subject(st, nv->subject);
    if (subj && strcmp(subj->ctx->name, nv->context) != 0) {
        char detail[200];
        snprintf(detail, sizeof detail, "subject %s belongs to context %s, not %s", nv->subject,
                 subj->ctx->name, nv->context);
        sr_err_store(err, detail);
        goto out;
    }
    plan_removal(subj, nv->purge_versions, nv->npurge, nv->version, existing ? &existing->pub : NULL, &purge);
    /* The subject gains a version in this transaction, so purging cannot empty it: its
     * config and mode stay. */
    purge.empties_subject = false;
    int64_t new_max = id > max_id ? id : max_id;

    if (tx_begin(st, err) != 0)
        goto out;
    sqlite3_stmt *s = st->stmts[ST_CTX_UPSERT];
    bind_str(s, 1, nv->context);
    sqlite3_bind_int64(s, 2, new_max);
    if (run(st, ST_CTX_UPSERT, err) != 0)
        goto rollback;
    struct store_schema row = {
        .context = nv->context,
        .id = id,
        .type = nv->type,
        .text = nv->text,
        .text_len = nv->text_len,
        .refs = nv->refs,
        .nrefs = nv->nrefs,
        .metadata = nv->metadata,
        .rule_set = nv->rule_set,
    };
    memcpy(row.hash, nv->hash, sizeof row.hash);
    if (!existing && sql_insert_schema(st, &row, err) != 0)
        goto rollback;
    if (subj && sql_removal(st, subj, &purge, err) != 0)
        goto rollback;
    s = st->stmts[ST_VERSION_INSERT];
    bind_str(s, 1, nv->subject);
    sqlite3_bind_int(s, 2, nv->version);
    bind_str(s, 3, nv->context);
    sqlite3_bind_int64(s, 4, id);
    sqlite3_bind_int64(s, 5, nv->ts_ms);
    if (run(st, ST_VERSION_INSERT, err) != 0)
        goto rollback;
    if (tx_commit(st, err) != 0)
        goto out;

    apply_begin(st);
    ctx = context_get_or_add(st, nv->context);
    context_set_known(st, ctx, true);
    ctx->max_id = new_max;
    struct sschema *sc = existing;
    if (!sc) {
        sc = schema_new(ctx, id, nv->type, nv->text, nv->text_len, nv->metadata, nv->rule_set, nv->hash);
        schema_set_refs(sc, nv->refs, nv->nrefs);
        schema_link(st, sc);
    }
    subj = subject_get_or_add(st, nv->subject, ctx);
    struct sversion *sv = sr_xcalloc(1, sizeof *sv);
    struct store_version *v = &sv->pub;
    v->subject = subj->name;
    v->version = nv->version;
    v->ts_ms = nv->ts_ms;
    v->schema = &sc->pub;
    /* Link the new version before purging so that a reused schema never looks orphaned. */
    version_link(st, subj, v);
    apply_removal(st, subj, &purge);
    apply_end(st);
    if (id_out)
        *id_out = id;
    ret = 0;
    goto out;
rollback:
    tx_rollback(st);
out:
    removal_free(&purge);
    return ret;
}

int store_soft_delete(struct store *st, const char *subject, const int32_t *versions, size_t n,
                      struct sr_error *err)
{
    assert(is_writer(st));
    if (group_flush(st, err) != 0)
        return -1;
    struct ssubject *subj = find_subject(st, subject);
    if (!subj || n == 0)
        return 0;
    if (tx_begin(st, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = st->stmts[ST_VERSION_SOFT_DELETE];
        bind_str(s, 1, subject);
        sqlite3_bind_int(s, 2, versions[i]);
        if (run(st, ST_VERSION_SOFT_DELETE, err) != 0) {
            tx_rollback(st);
            return -1;
        }
    }
    if (tx_commit(st, err) != 0)
        return -1;
    apply_begin(st);
    for (size_t i = 0; i < n; i++) {
        struct store_version *v = (struct store_version *)subject_version(subj, versions[i]);
        if (v)
            v->deleted = true;
    }
    apply_end(st);
    return 0;
}

int store_hard_delete(struct store *st, const char *subject, const int32_t *versions, size_t n,
                      struct sr_error *err)
{
    assert(is_writer(st));
    if (group_flush(st, err) != 0)
        return -1;
    struct ssubject *subj = find_subject(st, subject);
    struct removal r;
    int ret = -1;
    plan_removal(subj, versions, n, 0, NULL, &r);
    if (r.n == 0) {
        ret = 0;
        goto out;
    }
    if (tx_begin(st, err) != 0)
        goto out;
    if (sql_removal(st, subj, &r, err) != 0) {
        tx_rollback(st);
        goto out;
    }
    if (tx_commit(st, err) != 0)
        goto out;
    apply_begin(st);
    apply_removal(st, subj, &r);
    apply_end(st);
    ret = 0;
out:
    removal_free(&r);
    return ret;
}

/* Shared body of store_config_set() and store_mode_set(). */
static int kv_set(struct store *st, struct store_map *m, bool is_mode, const char *scope, const char *value,
                  struct sr_error *err)
{
    assert(is_writer(st));
    enum store_stmt which =
        value ? (is_mode ? ST_MODE_SET : ST_CONFIG_SET) : (is_mode ? ST_MODE_DELETE : ST_CONFIG_DELETE);
    if (!scope)
        return sr_err_store(err, "missing scope");
    if (group_flush(st, err) != 0)
        return -1;
    if (tx_begin(st, err) != 0)
        return -1;
    sqlite3_stmt *s = st->stmts[which];
    bind_str(s, 1, scope);
    if (value)
        bind_str(s, 2, value);
    if (run(st, which, err) != 0) {
        tx_rollback(st);
        return -1;
    }
    if (tx_commit(st, err) != 0)
        return -1;

    apply_begin(st);
    struct kv *e = find_kv(st, m, scope);
    if (value && e) {
        retire(st, free, e->value);
        e->value = sr_xstrdup(value);
    } else if (value) {
        e = kv_new(scope, value);
        store_map_insert(m, hash_str(st, e->scope, e->scope_len), e);
        if (is_mode)
            list_insert(st, &st->mode_list, e->scope);
    } else if (e) {
        if (is_mode)
            list_remove(st, &st->mode_list, e->scope);
        kv_remove(st, m, scope);
    }
    apply_end(st);
    return 0;
}

int store_config_set(struct store *st, const char *scope, const char *json, struct sr_error *err)
{
    return kv_set(st, &st->config, false, scope, json, err);
}

int store_mode_set(struct store *st, const char *scope, const char *mode, struct sr_error *err)
{
    return kv_set(st, &st->modes, true, scope, mode, err);
}

int store_context_delete(struct store *st, const char *context, struct sr_error *err)
{
    assert(is_writer(st));
    if (group_flush(st, err) != 0)
        return -1;
    struct context *c = find_context(st, context);
    if (!c || !c->known)
        return 0;
    if (c->nsubjects > 0)
        return sr_error_set(err, SR_ERR_CONTEXT_NOT_EMPTY, "The context %s is not empty", context);
    if (tx_begin(st, err) != 0)
        return -1;
    bind_str(st->stmts[ST_CTX_FORGET], 1, context);
    if (run(st, ST_CTX_FORGET, err) != 0) {
        tx_rollback(st);
        return -1;
    }
    if (tx_commit(st, err) != 0)
        return -1;
    apply_begin(st);
    /* The record stays in memory (unknown) so that its max_id keeps ids from being reused
     * if the context is registered into again. */
    context_set_known(st, c, false);
    apply_end(st);
    return 0;
}
