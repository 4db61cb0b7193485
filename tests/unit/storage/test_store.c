/* SPDX-License-Identifier: Apache-2.0 */
/* test_store.c — behaviour of storage/store.c: registration and ids, numbering inputs,
 * soft/hard deletion and their side effects, referrers, contexts, config and mode,
 * persistence across reopen, error paths and readers running beside a writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store_test_util.h"

struct fixture {
    struct scratch dir;
    struct store *st;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct sr_error err = {0};
    scratch_make(&f->dir);
    if (store_open(f->dir.path, &f->st, &err) != 0) {
        fprintf(stderr, "store_open: %s\n", err.message);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->st);
    scratch_remove(&f->dir);
    free(f);
    return 0;
}

static void reopen(struct fixture *f)
{
    struct sr_error err = {0};
    store_close(f->st);
    f->st = NULL;
    assert_int_equal(store_open(f->dir.path, &f->st, &err), 0);
}

/* Registers and returns the id used; fails the test on error. */
static int64_t reg_nv(struct store *st, const struct store_new_version *nv)
{
    struct sr_error err = {0};
    int64_t id = -1;
    store_write_begin(st);
    int rc = store_register(st, nv, &id, &err);
    store_write_end(st);
    if (rc != 0)
        fail_msg("store_register(%s v%d): %s", nv->subject, nv->version, err.message);
    return id;
}

static int64_t reg(struct store *st, const char *subject, const char *context, int32_t version, int64_t id,
                   const char *text)
{
    struct store_new_version nv = nv_make(subject, context, version, id, text);
    return reg_nv(st, &nv);
}

static void soft_del(struct store *st, const char *subject, int32_t version)
{
    struct sr_error err = {0};
    store_write_begin(st);
    assert_int_equal(store_soft_delete(st, subject, &version, 1, &err), 0);
    store_write_end(st);
}

static void hard_del(struct store *st, const char *subject, int32_t version)
{
    struct sr_error err = {0};
    store_write_begin(st);
    assert_int_equal(store_hard_delete(st, subject, &version, 1, &err), 0);
    store_write_end(st);
}

static void set_config(struct store *st, const char *scope, const char *json)
{
    struct sr_error err = {0};
    store_write_begin(st);
    assert_int_equal(store_config_set(st, scope, json, &err), 0);
    store_write_end(st);
}

static void set_mode(struct store *st, const char *scope, const char *mode)
{
    struct sr_error err = {0};
    store_write_begin(st);
    assert_int_equal(store_mode_set(st, scope, mode, &err), 0);
    store_write_end(st);
}

static size_t nsubjects(struct store *st)
{
    const char *const *names;
    store_read_begin(st);
    size_t n = store_subjects(st, &names);
    store_read_end(st);
    return n;
}

/* ---- open ---- */

static void test_open_new_file_is_empty(void **state)
{
    struct fixture *f = *state;
    const char *const *names;
    const struct store_version *const *vers;
    store_read_begin(f->st);
    assert_int_equal(store_subjects(f->st, &names), 0);
    assert_non_null(names);
    assert_int_equal(store_contexts(f->st, &names), 0);
    assert_int_equal(store_mode_scopes(f->st, &names), 0);
    assert_int_equal(store_subject_versions(f->st, "orders", &vers), 0);
    assert_null(store_subject_context(f->st, "orders"));
    assert_null(store_schema_by_id(f->st, ".", 1));
    assert_int_equal(store_max_id(f->st, "."), 0);
    assert_null(store_config_get(f->st, ""));
    assert_null(store_mode_get(f->st, ""));
    store_read_end(f->st);
}

static void test_open_unwritable_path_fails_with_50001(void **state)
{
    (void)state;
    struct store *st = (struct store *)1;
    struct sr_error err = {0};
    assert_int_equal(store_open("/nonexistent-dir-for-sr-tests/registry.db", &st, &err), -1);
    assert_null(st);
    assert_int_equal(err.code, SR_ERR_STORE);
    assert_non_null(strstr(err.message, "nonexistent-dir-for-sr-tests"));

    /* A directory is not a database either. */
    struct scratch dir;
    scratch_make(&dir);
    memset(&err, 0, sizeof err);
    assert_int_equal(store_open(dir.dir, &st, &err), -1);
    assert_int_equal(err.code, SR_ERR_STORE);
    scratch_remove(&dir);
}

static void test_open_refuses_newer_layout_version(void **state)
{
    (void)state;
    struct scratch dir;
    sqlite3 *db = NULL;
    scratch_make(&dir);
    assert_int_equal(sqlite3_open(dir.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir.path, &st, &err), -1);
    assert_null(st);
    assert_int_equal(err.code, SR_ERR_STORE);
    assert_non_null(strstr(err.message, "99"));
    scratch_remove(&dir);
}

static void test_open_garbage_file_fails_with_50001(void **state)
{
    (void)state;
    struct scratch dir;
    scratch_make(&dir);
    FILE *fp = fopen(dir.path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 512; i++)
        fputs("not a database ", fp);
    fclose(fp);
    struct store *st = NULL;
    struct sr_error err = {0};
    assert_int_equal(store_open(dir.path, &st, &err), -1);
    assert_int_equal(err.code, SR_ERR_STORE);
    scratch_remove(&dir);
}

static void test_open_uses_wal_and_records_layout_version(void **state)
{
    struct fixture *f = *state;
    /* The store holds the file exclusively; look at it after close. */
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(f->dir.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    sqlite3_finalize(q);
    sqlite3_close(db);
    store_close(NULL); /* accepted, does nothing */
}

static void test_open_refuses_a_file_held_by_another_store(void **state)
{
    struct fixture *f = *state;
    struct store *second = NULL;
    struct sr_error err = {0};
    /* Two registries on one file would hand out the same ids. */
    assert_int_equal(store_open(f->dir.path, &second, &err), -1);
    assert_null(second);
    assert_int_equal(err.code, SR_ERR_STORE);
    assert_non_null(strstr(err.message, "in use by another process"));
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    reopen(f);
    store_read_begin(f->st);
    assert_non_null(store_schema_by_id(f->st, ".", 1));
    store_read_end(f->st);
}

static void test_open_rejects_inconsistent_rows_with_50001(void **state)
{
    (void)state;
    struct scratch dir;
    struct store *st = NULL;
    struct sr_error err = {0};
    scratch_make(&dir);
    assert_int_equal(store_open(dir.path, &st, &err), 0);
    store_close(st);
    st = NULL;
    /* A version whose schema row is missing (written behind the store's back, with
     * foreign keys off as in a plain sqlite3 shell). */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dir.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO contexts VALUES('.', 1, 1);"
                                  "INSERT INTO versions VALUES('s', 1, '.', 1, 0, 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(dir.path, &st, &err), -1);
    assert_null(st);
    assert_int_equal(err.code, SR_ERR_STORE);
    assert_non_null(strstr(err.message, "unknown schema"));
    scratch_remove(&dir);
}

/* ---- registration and ids ---- */

static void test_register_assigns_increasing_ids_per_context(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(reg(f->st, "a", ".", 1, 0, "\"string\""), 1);
    assert_int_equal(reg(f->st, "b", ".", 1, 0, "\"int\""), 2);
    /* Another context has its own id space. */
    assert_int_equal(reg(f->st, ":.ctx:a", ".ctx", 1, 0, "\"string\""), 1);

    store_read_begin(f->st);
    assert_int_equal(store_max_id(f->st, "."), 2);
    assert_int_equal(store_max_id(f->st, ".ctx"), 1);
    assert_int_equal(store_max_id(f->st, ".unknown"), 0);
    const struct store_schema *s = store_schema_by_id(f->st, ".", 2);
    assert_non_null(s);
    assert_string_equal(s->context, ".");
    assert_string_equal(s->text, "\"int\"");
    assert_int_equal(s->text_len, 5);
    assert_int_equal(s->type, SR_SCHEMA_AVRO);
    assert_int_equal(s->nversions, 1);
    assert_string_equal(s->versions[0]->subject, "b");
    assert_int_equal(s->versions[0]->version, 1);
    assert_ptr_equal(s->versions[0]->schema, s);
    assert_string_equal(store_subject_context(f->st, ":.ctx:a"), ".ctx");
    assert_string_equal(store_subject_context(f->st, "a"), ".");

    const char *const *names;
    assert_int_equal(store_subjects(f->st, &names), 3);
    assert_string_equal(names[0], ":.ctx:a");
    assert_string_equal(names[1], "a");
    assert_string_equal(names[2], "b");
    assert_int_equal(store_contexts(f->st, &names), 2);
    assert_string_equal(names[0], ".");
    assert_string_equal(names[1], ".ctx");
    store_read_end(f->st);
}

static void test_register_with_existing_id_reuses_schema(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(reg(f->st, "s2", ".", 1, 0, "\"string\""), 1);
    assert_int_equal(reg(f->st, "s1", ".", 1, 1, "\"string\""), 1);
    assert_int_equal(reg(f->st, ":.b:s", ".b", 1, 0, "\"string\""), 1);

    unsigned char h[16];
    text_hash("\"string\"", h);
    store_read_begin(f->st);
    const struct store_schema *s = store_schema_by_id(f->st, ".", 1);
    assert_non_null(s);
    assert_int_equal(store_max_id(f->st, "."), 1);
    /* Versions of a schema are sorted by (subject, version). */
    assert_int_equal(s->nversions, 2);
    assert_string_equal(s->versions[0]->subject, "s1");
    assert_string_equal(s->versions[1]->subject, "s2");
    assert_ptr_equal(store_schema_by_hash(f->st, ".", h), s);
    assert_int_equal(store_schema_by_hash(f->st, ".b", h)->id, 1);
    assert_null(store_schema_by_hash(f->st, ".c", h));
    const struct store_schema *const *all;
    assert_int_equal(store_schemas_by_hash(f->st, h, &all), 2);
    assert_string_equal(all[0]->context, ".");
    assert_string_equal(all[1]->context, ".b");
    memset(h, 0, sizeof h);
    assert_int_equal(store_schemas_by_hash(f->st, h, &all), 0);
    assert_null(store_schema_by_hash(f->st, ".", h));
    store_read_end(f->st);
}

static void test_register_explicit_id_above_max_raises_max_id(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(reg(f->st, "a", ".", 1, 100, "\"a\""), 100);
    assert_int_equal(reg(f->st, "b", ".", 1, 0, "\"b\""), 101);
    /* An explicit id below max_id that is free creates a schema and leaves max_id alone. */
    assert_int_equal(reg(f->st, "c", ".", 1, 50, "\"c\""), 50);
    store_read_begin(f->st);
    assert_int_equal(store_max_id(f->st, "."), 101);
    assert_string_equal(store_schema_by_id(f->st, ".", 50)->text, "\"c\"");
    store_read_end(f->st);
    reopen(f);
    assert_int_equal(reg(f->st, "d", ".", 1, 0, "\"d\""), 102);
}

static void test_register_keeps_caller_numbering(void **state)
{
    struct fixture *f = *state;
    /* IMPORT may give versions out of order and with gaps. */
    reg(f->st, "s", ".", 5, 0, "\"v5\"");
    reg(f->st, "s", ".", 2, 0, "\"v2\"");
    reg(f->st, "s", ".", 9, 0, "\"v9\"");
    const struct store_version *const *vers;
    store_read_begin(f->st);
    assert_int_equal(store_subject_versions(f->st, "s", &vers), 3);
    assert_int_equal(vers[0]->version, 2);
    assert_int_equal(vers[1]->version, 5);
    assert_int_equal(vers[2]->version, 9);
    assert_string_equal(vers[0]->schema->text, "\"v2\"");
    assert_int_equal(vers[2]->ts_ms, 1700000000009LL);
    assert_false(vers[1]->deleted);
    store_read_end(f->st);
}

static void test_register_stores_refs_metadata_and_rule_set(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "addr", ".", 1, 0, "\"addr\"");
    struct store_ref refs[] = {{"com.acme.Address", "addr", 1}, {"other.proto", ":.x:other", 3}};
    struct store_new_version nv = nv_make("order", ".", 1, 0, "\"order\"");
    nv.type = SR_SCHEMA_PROTOBUF;
    nv.refs = refs;
    nv.nrefs = 2;
    nv.metadata = "{\"properties\":{\"owner\":\"me\"}}";
    nv.rule_set = "{\"domainRules\":[]}";
    assert_int_equal(reg_nv(f->st, &nv), 2);

    for (int pass = 0; pass < 2; pass++) {
        store_read_begin(f->st);
        const struct store_schema *s = store_schema_by_id(f->st, ".", 2);
        assert_non_null(s);
        assert_int_equal(s->type, SR_SCHEMA_PROTOBUF);
        assert_int_equal(s->nrefs, 2);
        assert_string_equal(s->refs[0].name, "com.acme.Address");
        assert_string_equal(s->refs[0].subject, "addr");
        assert_int_equal(s->refs[0].version, 1);
        assert_string_equal(s->refs[1].subject, ":.x:other");
        assert_int_equal(s->refs[1].version, 3);
        assert_string_equal(s->metadata, "{\"properties\":{\"owner\":\"me\"}}");
        assert_string_equal(s->rule_set, "{\"domainRules\":[]}");
        assert_memory_equal(s->hash, nv.hash, 16);
        assert_null(store_schema_by_id(f->st, ".", 1)->metadata);
        assert_null(store_schema_by_id(f->st, ".", 1)->rule_set);
        store_read_end(f->st);
        reopen(f);
    }
}

static void test_register_failure_leaves_memory_and_disk_unchanged(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"one\"");
    /* Version 1 exists: the version insert fails after the context and schema rows were
     * written inside the transaction; everything must roll back. */
    struct store_new_version nv = nv_make("s", ".", 1, 0, "\"two\"");
    struct sr_error err = {0};
    int64_t id = -1;
    store_write_begin(f->st);
    assert_int_equal(store_register(f->st, &nv, &id, &err), -1);
    store_write_end(f->st);
    assert_int_equal(err.code, SR_ERR_STORE);
    assert_int_equal(id, -1);

    for (int pass = 0; pass < 2; pass++) {
        const struct store_version *const *vers;
        store_read_begin(f->st);
        assert_int_equal(store_max_id(f->st, "."), 1);
        assert_null(store_schema_by_id(f->st, ".", 2));
        assert_null(store_schema_by_hash(f->st, ".", nv.hash));
        assert_int_equal(store_subject_versions(f->st, "s", &vers), 1);
        assert_string_equal(vers[0]->schema->text, "\"one\"");
        store_read_end(f->st);
        reopen(f);
    }
    /* The store is still usable and the failed attempt did not burn an id. */
    assert_int_equal(reg(f->st, "s", ".", 2, 0, "\"two\""), 2);
}

static void test_register_rejects_invalid_input(void **state)
{
    struct fixture *f = *state;
    struct store_new_version nv = nv_make("s", ".", 0, 0, "\"x\"");
    struct sr_error err = {0};
    store_write_begin(f->st);
    assert_int_equal(store_register(f->st, &nv, NULL, &err), -1);
    assert_int_equal(err.code, SR_ERR_STORE);
    nv.version = 1;
    nv.id = (int64_t)INT32_MAX + 1; /* ids are Java ints on the wire */
    assert_int_equal(store_register(f->st, &nv, NULL, &err), -1);
    nv.id = 0;
    nv.context = NULL;
    assert_int_equal(store_register(f->st, &nv, NULL, &err), -1);
    store_write_end(f->st);
    assert_int_equal(nsubjects(f->st), 0);
}

static void test_register_empty_text_round_trips(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "");
    reopen(f);
    store_read_begin(f->st);
    const struct store_schema *s = store_schema_by_id(f->st, ".", 1);
    assert_non_null(s);
    assert_int_equal(s->text_len, 0);
    assert_string_equal(s->text, "");
    store_read_end(f->st);
}

/* ---- deletion ---- */

static void test_soft_delete_marks_versions_and_keeps_them(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    reg(f->st, "s", ".", 2, 0, "\"b\"");
    int32_t both[] = {1, 2, 7 /* unknown: ignored */};
    struct sr_error err = {0};
    store_write_begin(f->st);
    assert_int_equal(store_soft_delete(f->st, "s", both, 3, &err), 0);
    assert_int_equal(store_soft_delete(f->st, "nope", both, 1, &err), 0);
    store_write_end(f->st);
    for (int pass = 0; pass < 2; pass++) {
        const struct store_version *const *vers;
        store_read_begin(f->st);
        assert_int_equal(store_subject_versions(f->st, "s", &vers), 2);
        assert_true(vers[0]->deleted);
        assert_true(vers[1]->deleted);
        assert_non_null(store_schema_by_id(f->st, ".", 1));
        assert_int_equal(store_max_id(f->st, "."), 2);
        store_read_end(f->st);
        assert_int_equal(nsubjects(f->st), 1);
        reopen(f);
    }
}

static void test_hard_delete_removes_orphan_schema_and_never_reuses_its_id(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    soft_del(f->st, "s", 1);
    hard_del(f->st, "s", 1);
    for (int pass = 0; pass < 2; pass++) {
        const struct store_version *const *vers;
        unsigned char h[16];
        text_hash("\"a\"", h);
        store_read_begin(f->st);
        assert_null(store_schema_by_id(f->st, ".", 1));
        assert_null(store_schema_by_hash(f->st, ".", h));
        assert_int_equal(store_subject_versions(f->st, "s", &vers), 0);
        assert_null(store_subject_context(f->st, "s"));
        assert_int_equal(store_max_id(f->st, "."), 1);
        store_read_end(f->st);
        assert_int_equal(nsubjects(f->st), 0);
        reopen(f);
    }
    /* The same schema again mints a new id; numbering restarts at the caller's choice. */
    assert_int_equal(reg(f->st, "s", ".", 1, 0, "\"a\""), 2);
}

static void test_hard_delete_keeps_schema_held_by_another_version(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s1", ".", 1, 0, "\"shared\"");
    reg(f->st, "s2", ".", 1, 1, "\"shared\"");
    reg(f->st, "s1", ".", 2, 0, "\"own\"");
    int32_t both[] = {2, 1, 2};
    struct sr_error err = {0};
    store_write_begin(f->st);
    assert_int_equal(store_hard_delete(f->st, "s1", both, 3, &err), 0);
    store_write_end(f->st);
    for (int pass = 0; pass < 2; pass++) {
        store_read_begin(f->st);
        const struct store_schema *s = store_schema_by_id(f->st, ".", 1);
        assert_non_null(s);
        assert_int_equal(s->nversions, 1);
        assert_string_equal(s->versions[0]->subject, "s2");
        assert_null(store_schema_by_id(f->st, ".", 2));
        const char *const *names;
        assert_int_equal(store_subjects(f->st, &names), 1);
        assert_string_equal(names[0], "s2");
        store_read_end(f->st);
        reopen(f);
    }
}

static void test_hard_delete_of_last_version_removes_subject_config_and_mode(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    reg(f->st, "s", ".", 2, 0, "\"b\"");
    reg(f->st, "t", ".", 1, 0, "\"c\"");
    set_config(f->st, "s", "{\"compatibilityLevel\":\"NONE\"}");
    set_mode(f->st, "s", "READONLY");
    set_config(f->st, "t", "{\"compatibilityLevel\":\"FULL\"}");
    set_mode(f->st, "", "READWRITE");

    hard_del(f->st, "s", 1);
    store_read_begin(f->st);
    assert_non_null(store_config_get(f->st, "s"));
    assert_non_null(store_mode_get(f->st, "s"));
    store_read_end(f->st);

    hard_del(f->st, "s", 2);
    for (int pass = 0; pass < 2; pass++) {
        const char *const *scopes;
        store_read_begin(f->st);
        assert_null(store_config_get(f->st, "s"));
        assert_null(store_mode_get(f->st, "s"));
        assert_string_equal(store_config_get(f->st, "t"), "{\"compatibilityLevel\":\"FULL\"}");
        assert_int_equal(store_mode_scopes(f->st, &scopes), 1);
        assert_string_equal(scopes[0], "");
        store_read_end(f->st);
        reopen(f);
    }
}

static void test_register_purges_versions_in_same_transaction(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    reg(f->st, "s", ".", 2, 0, "\"b\"");
    soft_del(f->st, "s", 1);
    soft_del(f->st, "s", 2);
    /* Re-registering "a" (id 1) as v3 purges the soft-deleted v1 that carried id 1. */
    struct store_new_version nv = nv_make("s", ".", 3, 1, "\"a\"");
    int32_t purge[] = {1, 3 /* the new version itself: ignored */, 8 /* unknown */};
    nv.purge_versions = purge;
    nv.npurge = 3;
    assert_int_equal(reg_nv(f->st, &nv), 1);
    for (int pass = 0; pass < 2; pass++) {
        const struct store_version *const *vers;
        store_read_begin(f->st);
        assert_int_equal(store_subject_versions(f->st, "s", &vers), 2);
        assert_int_equal(vers[0]->version, 2);
        assert_true(vers[0]->deleted);
        assert_int_equal(vers[1]->version, 3);
        assert_false(vers[1]->deleted);
        const struct store_schema *s = store_schema_by_id(f->st, ".", 1);
        assert_non_null(s);
        assert_int_equal(s->nversions, 1);
        assert_int_equal(s->versions[0]->version, 3);
        store_read_end(f->st);
        reopen(f);
    }
}

static void test_register_purge_removes_orphaned_schema(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    soft_del(f->st, "s", 1);
    struct store_new_version nv = nv_make("s", ".", 2, 0, "\"b\"");
    int32_t purge[] = {1};
    nv.purge_versions = purge;
    nv.npurge = 1;
    assert_int_equal(reg_nv(f->st, &nv), 2);
    reopen(f);
    store_read_begin(f->st);
    assert_null(store_schema_by_id(f->st, ".", 1));
    assert_non_null(store_schema_by_id(f->st, ".", 2));
    store_read_end(f->st);
}

static void test_register_purging_every_old_version_keeps_subject_config(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    soft_del(f->st, "s", 1);
    set_config(f->st, "s", "{\"compatibilityLevel\":\"NONE\"}");
    set_mode(f->st, "s", "READONLY");
    struct store_new_version nv = nv_make("s", ".", 2, 1, "\"a\"");
    int32_t purge[] = {1};
    nv.purge_versions = purge;
    nv.npurge = 1;
    reg_nv(f->st, &nv);
    for (int pass = 0; pass < 2; pass++) {
        store_read_begin(f->st);
        assert_non_null(store_config_get(f->st, "s"));
        assert_non_null(store_mode_get(f->st, "s"));
        store_read_end(f->st);
        reopen(f);
    }
}

static void test_register_refuses_subject_of_another_context(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    struct store_new_version nv = nv_make("s", ".other", 2, 0, "\"b\"");
    struct sr_error err = {0};
    store_write_begin(f->st);
    assert_int_equal(store_register(f->st, &nv, NULL, &err), -1);
    store_write_end(f->st);
    assert_int_equal(err.code, SR_ERR_STORE);
    store_read_begin(f->st);
    assert_int_equal(store_max_id(f->st, ".other"), 0);
    store_read_end(f->st);
}

/* ---- referrers ---- */

static void test_referrers_sorted_by_context_and_id_and_follow_deletes(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "addr", ".", 1, 0, "\"addr\"");
    /* Two references of one schema to the same target count once. */
    struct store_ref refs[] = {{"A", "addr", 1}, {"B", "addr", 1}};
    struct store_new_version nv = nv_make(":.z:order", ".z", 1, 0, "\"order-z\"");
    nv.refs = refs;
    nv.nrefs = 2;
    reg_nv(f->st, &nv);
    nv = nv_make("order", ".", 1, 0, "\"order\"");
    nv.refs = refs;
    nv.nrefs = 1;
    assert_int_equal(reg_nv(f->st, &nv), 2);
    nv = nv_make("order", ".", 2, 7, "\"order2\"");
    nv.refs = refs;
    nv.nrefs = 1;
    reg_nv(f->st, &nv);

    for (int pass = 0; pass < 2; pass++) {
        const struct store_schema *const *out;
        store_read_begin(f->st);
        assert_int_equal(store_referrers(f->st, "addr", 1, &out), 3);
        assert_string_equal(out[0]->context, ".");
        assert_int_equal(out[0]->id, 2);
        assert_string_equal(out[1]->context, ".");
        assert_int_equal(out[1]->id, 7);
        assert_string_equal(out[2]->context, ".z");
        assert_int_equal(out[2]->id, 1);
        assert_int_equal(store_referrers(f->st, "addr", 2, &out), 0);
        assert_int_equal(store_referrers(f->st, "nobody", 1, &out), 0);
        store_read_end(f->st);
        reopen(f);
    }

    /* A soft-deleted referrer still counts; a hard-deleted one does not. */
    soft_del(f->st, "order", 1);
    const struct store_schema *const *out;
    store_read_begin(f->st);
    assert_int_equal(store_referrers(f->st, "addr", 1, &out), 3);
    store_read_end(f->st);
    hard_del(f->st, "order", 1);
    hard_del(f->st, ":.z:order", 1);
    store_read_begin(f->st);
    assert_int_equal(store_referrers(f->st, "addr", 1, &out), 1);
    assert_int_equal(out[0]->id, 7);
    store_read_end(f->st);
}

/* ---- contexts ---- */

static void test_context_stays_known_until_deleted_and_keeps_its_counter(void **state)
{
    struct fixture *f = *state;
    reg(f->st, ":.ctx:s", ".ctx", 1, 0, "\"a\"");
    reg(f->st, ":.ctx:t", ".ctx", 1, 0, "\"b\"");
    hard_del(f->st, ":.ctx:s", 1);

    struct sr_error err = {0};
    store_write_begin(f->st);
    /* Still holds a subject. */
    assert_int_equal(store_context_delete(f->st, ".ctx", &err), -1);
    assert_int_equal(err.code, SR_ERR_CONTEXT_NOT_EMPTY);
    store_write_end(f->st);
    hard_del(f->st, ":.ctx:t", 1);

    const char *const *names;
    store_read_begin(f->st);
    assert_int_equal(store_contexts(f->st, &names), 1);
    assert_string_equal(names[0], ".ctx");
    store_read_end(f->st);

    store_write_begin(f->st);
    assert_int_equal(store_context_delete(f->st, ".ctx", &err), 0);
    assert_int_equal(store_context_delete(f->st, ".never", &err), 0);
    store_write_end(f->st);
    for (int pass = 0; pass < 2; pass++) {
        store_read_begin(f->st);
        assert_int_equal(store_contexts(f->st, &names), 0);
        assert_int_equal(store_max_id(f->st, ".ctx"), 2);
        store_read_end(f->st);
        reopen(f);
    }
    /* Registering again makes it known again, and deleted ids are still not reused. */
    assert_int_equal(reg(f->st, ":.ctx:s", ".ctx", 1, 0, "\"a\""), 3);
    store_read_begin(f->st);
    assert_int_equal(store_contexts(f->st, &names), 1);
    store_read_end(f->st);
}

/* ---- config and mode ---- */

static void test_config_and_mode_set_replace_remove(void **state)
{
    struct fixture *f = *state;
    set_config(f->st, "", "{\"compatibilityLevel\":\"BACKWARD\"}");
    set_config(f->st, "", "{\"compatibilityLevel\":\"FULL\"}");
    set_config(f->st, ":.ctx:", "{\"normalize\":true}");
    set_mode(f->st, "s", "READONLY");
    set_mode(f->st, "", "IMPORT");
    set_mode(f->st, ":.ctx:", "READWRITE");
    set_mode(f->st, "s", "READWRITE");
    set_config(f->st, "gone", "{}");
    set_config(f->st, "gone", NULL);
    set_config(f->st, "never-set", NULL);
    set_mode(f->st, "never-set", NULL);

    for (int pass = 0; pass < 2; pass++) {
        const char *const *scopes;
        store_read_begin(f->st);
        assert_string_equal(store_config_get(f->st, ""), "{\"compatibilityLevel\":\"FULL\"}");
        assert_string_equal(store_config_get(f->st, ":.ctx:"), "{\"normalize\":true}");
        assert_null(store_config_get(f->st, "gone"));
        assert_string_equal(store_mode_get(f->st, ""), "IMPORT");
        assert_string_equal(store_mode_get(f->st, "s"), "READWRITE");
        assert_int_equal(store_mode_scopes(f->st, &scopes), 3);
        assert_string_equal(scopes[0], "");
        assert_string_equal(scopes[1], ":.ctx:");
        assert_string_equal(scopes[2], "s");
        store_read_end(f->st);
        reopen(f);
    }
    set_mode(f->st, ":.ctx:", NULL);
    const char *const *scopes;
    store_read_begin(f->st);
    assert_int_equal(store_mode_scopes(f->st, &scopes), 2);
    assert_string_equal(scopes[1], "s");
    assert_null(store_mode_get(f->st, ":.ctx:"));
    store_read_end(f->st);
}

/* Installs or drops the fault-injection triggers through a second connection while the
 * store is closed (it holds the file exclusively), then reopens the store. */
static void inject(struct fixture *f, const char *sql)
{
    const char *path = f->dir.path;
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
    reopen(f);
}

static void expect_injected_failure(int rc, const struct sr_error *err)
{
    assert_int_equal(rc, -1);
    assert_int_equal(err->code, SR_ERR_STORE);
    assert_non_null(strstr(err->message, "injected"));
}

static void assert_state_before_faults(struct store *st)
{
    const struct store_version *const *vers;
    const char *const *names;
    store_read_begin(st);
    assert_int_equal(store_subject_versions(st, "s", &vers), 2);
    assert_false(vers[0]->deleted);
    assert_false(vers[1]->deleted);
    assert_non_null(store_schema_by_id(st, ".", 1));
    assert_non_null(store_schema_by_id(st, ".", 2));
    assert_int_equal(store_max_id(st, "."), 2);
    assert_int_equal(store_subjects(st, &names), 1);
    assert_int_equal(store_contexts(st, &names), 2);
    assert_string_equal(store_config_get(st, "s"), "{\"a\":1}");
    assert_string_equal(store_mode_get(st, "s"), "READONLY");
    assert_int_equal(store_mode_scopes(st, &names), 1);
    assert_null(store_schema_by_id(st, ".", 3));
    store_read_end(st);
}

static void test_failed_writes_roll_back_and_leave_memory_unchanged(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "s", ".", 1, 0, "\"a\"");
    reg(f->st, "s", ".", 2, 0, "\"b\"");
    reg(f->st, ":.gone:x", ".gone", 1, 0, "\"x\"");
    hard_del(f->st, ":.gone:x", 1);
    set_config(f->st, "s", "{\"a\":1}");
    set_mode(f->st, "s", "READONLY");
    assert_state_before_faults(f->st);

    /* Every trigger fires after earlier statements of the same transaction succeeded. */
    inject(f, "CREATE TRIGGER f1 BEFORE INSERT ON versions BEGIN SELECT RAISE(ABORT, 'injected'); END;"
              "CREATE TRIGGER f2 BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'injected'); END;"
              "CREATE TRIGGER f3 AFTER DELETE ON versions BEGIN SELECT RAISE(ABORT, 'injected'); END;"
              "CREATE TRIGGER f4 BEFORE INSERT ON config BEGIN SELECT RAISE(ABORT, 'injected'); END;"
              "CREATE TRIGGER f5 BEFORE UPDATE ON config BEGIN SELECT RAISE(ABORT, 'injected'); END;"
              "CREATE TRIGGER f6 BEFORE DELETE ON mode BEGIN SELECT RAISE(ABORT, 'injected'); END;"
              "CREATE TRIGGER f7 BEFORE UPDATE ON contexts WHEN new.known = 0"
              " BEGIN SELECT RAISE(ABORT, 'injected'); END;");
    struct sr_error err;
    int32_t both[] = {1, 2};
    store_write_begin(f->st);
    struct store_new_version nv = nv_make("t", ".new", 1, 0, "\"c\"");
    memset(&err, 0, sizeof err);
    expect_injected_failure(store_register(f->st, &nv, NULL, &err), &err);
    memset(&err, 0, sizeof err);
    expect_injected_failure(store_soft_delete(f->st, "s", both, 2, &err), &err);
    memset(&err, 0, sizeof err);
    expect_injected_failure(store_hard_delete(f->st, "s", both, 2, &err), &err);
    memset(&err, 0, sizeof err);
    expect_injected_failure(store_config_set(f->st, "s", "{\"a\":2}", &err), &err);
    memset(&err, 0, sizeof err);
    expect_injected_failure(store_config_set(f->st, "other", "{}", &err), &err);
    memset(&err, 0, sizeof err);
    expect_injected_failure(store_mode_set(f->st, "s", NULL, &err), &err);
    memset(&err, 0, sizeof err);
    expect_injected_failure(store_context_delete(f->st, ".gone", &err), &err);
    store_write_end(f->st);
    store_read_begin(f->st);
    assert_int_equal(store_max_id(f->st, ".new"), 0);
    assert_null(store_schema_by_id(f->st, ".new", 1));
    store_read_end(f->st);
    assert_state_before_faults(f->st);

    /* Dropping the triggers reopens the store: the file is unchanged too. */
    inject(f, "DROP TRIGGER f1; DROP TRIGGER f2; DROP TRIGGER f3; DROP TRIGGER f4;"
              "DROP TRIGGER f5; DROP TRIGGER f6; DROP TRIGGER f7;");
    assert_state_before_faults(f->st);
    /* And the store works again. */
    assert_int_equal(reg(f->st, "s", ".", 3, 0, "\"c\""), 3);
}

/* ---- borrowed pointers ---- */

static void test_writer_pointers_stay_valid_until_write_end(void **state)
{
    struct fixture *f = *state;
    reg(f->st, "b", ".", 1, 0, "\"b\"");
    set_config(f->st, "b", "{\"x\":1}");
    struct sr_error err = {0};
    store_write_begin(f->st);
    const char *const *names;
    assert_int_equal(store_subjects(f->st, &names), 1);
    const struct store_schema *s = store_schema_by_id(f->st, ".", 1);
    const char *cfg = store_config_get(f->st, "b");
    struct store_new_version nv = nv_make("a", ".", 1, 0, "\"a\"");
    assert_int_equal(store_register(f->st, &nv, NULL, &err), 0);
    int32_t v1 = 1;
    assert_int_equal(store_hard_delete(f->st, "b", &v1, 1, &err), 0);
    /* The old listing is unchanged and the removed schema and config are still readable
     * (ASan would flag a use after free here). */
    assert_string_equal(names[0], "b");
    assert_string_equal(s->text, "\"b\"");
    assert_string_equal(cfg, "{\"x\":1}");
    const char *const *now;
    assert_int_equal(store_subjects(f->st, &now), 1);
    assert_string_equal(now[0], "a");
    store_write_end(f->st);
}

static int check_consistent(struct store *st);

static void test_bulk_hard_delete_while_iterating_the_listing(void **state)
{
    struct fixture *f = *state;
    char subject[32], text[32];
    struct sr_error err = {0};
    store_write_begin(f->st);
    for (int i = 0; i < 120; i++) {
        snprintf(subject, sizeof subject, "s%03d", i);
        snprintf(text, sizeof text, "\"%d\"", i);
        struct store_new_version nv = nv_make(subject, ".", 1, 0, text);
        assert_int_equal(store_register(f->st, &nv, NULL, &err), 0);
    }
    store_write_end(f->st);
    /* What api/ does for a context or IMPORT switch: walk the listing, deleting as it goes. */
    store_write_begin(f->st);
    const char *const *names;
    size_t n = store_subjects(f->st, &names);
    assert_int_equal(n, 120);
    int32_t v1 = 1;
    for (size_t i = 0; i < n; i += 2)
        assert_int_equal(store_hard_delete(f->st, names[i], &v1, 1, &err), 0);
    /* The walked array never changed under the writer. */
    for (size_t i = 0; i < n; i++) {
        snprintf(subject, sizeof subject, "s%03zu", i);
        assert_string_equal(names[i], subject);
    }
    const char *const *now;
    assert_int_equal(store_subjects(f->st, &now), 60);
    assert_string_equal(now[0], "s001");
    store_write_end(f->st);
    reopen(f);
    store_read_begin(f->st);
    assert_int_equal(store_subjects(f->st, &names), 60);
    assert_string_equal(names[59], "s119");
    store_read_end(f->st);
}

static void test_hard_delete_of_many_versions_at_once(void **state)
{
    struct fixture *f = *state;
    enum { N = 300 };
    char text[32];
    struct sr_error err = {0};
    int32_t *all = calloc(N, sizeof *all);
    store_write_begin(f->st);
    for (int i = 0; i < N; i++) {
        /* Every third version shares schema id 1 so that schema version lists shrink too. */
        snprintf(text, sizeof text, "\"%d\"", i % 3 ? i : 0);
        struct store_new_version nv = nv_make("big", ".", i + 1, i % 3 ? 0 : 1, text);
        if (i == 0)
            nv.id = 0;
        assert_int_equal(store_register(f->st, &nv, NULL, &err), 0);
        all[i] = i + 1;
    }
    store_write_end(f->st);
    reg(f->st, "other", ".", 1, 1, "\"0\"");
    store_read_begin(f->st);
    assert_int_equal(store_schema_by_id(f->st, ".", 1)->nversions, N / 3 + 1);
    store_read_end(f->st);

    store_write_begin(f->st);
    /* Keep the first ten versions; remove the rest in one call. */
    assert_int_equal(store_hard_delete(f->st, "big", all + 10, N - 10, &err), 0);
    store_write_end(f->st);
    for (int pass = 0; pass < 2; pass++) {
        const struct store_version *const *vers;
        store_read_begin(f->st);
        assert_int_equal(store_subject_versions(f->st, "big", &vers), 10);
        assert_int_equal(vers[9]->version, 10);
        const struct store_schema *s = store_schema_by_id(f->st, ".", 1);
        /* Versions 1, 4, 7, 10 of "big" plus "other" v1. */
        assert_int_equal(s->nversions, 5);
        assert_string_equal(s->versions[4]->subject, "other");
        assert_null(store_schema_by_id(f->st, ".", store_max_id(f->st, ".")));
        assert_int_equal(check_consistent(f->st), 0);
        store_read_end(f->st);
        reopen(f);
    }
    free(all);
}

/* ---- concurrency ---- */

#define READERS 4
#define WRITES 60
#define READ_ITERATIONS 4000

struct race {
    struct store *st;
    atomic_bool writer_done;
    atomic_int violations;
};

/* Checks the cross-structure invariants one read section must always see. */
static int check_consistent(struct store *st)
{
    int bad = 0;
    const char *const *names;
    size_t n = store_subjects(st, &names);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(names[i - 1], names[i]) >= 0)
            bad++;
        const struct store_version *const *vers;
        size_t nv = store_subject_versions(st, names[i], &vers);
        const char *ctx = store_subject_context(st, names[i]);
        if (nv == 0 || !ctx)
            bad++;
        for (size_t j = 0; j < nv; j++) {
            if (j > 0 && vers[j - 1]->version >= vers[j]->version)
                bad++;
            const struct store_schema *s = vers[j]->schema;
            if (store_schema_by_id(st, ctx, s->id) != s || s->id > store_max_id(st, ctx))
                bad++;
            bool listed = false;
            for (size_t k = 0; k < s->nversions; k++)
                listed |= s->versions[k] == vers[j];
            if (!listed)
                bad++;
        }
    }
    return bad;
}

static void *reader_main(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < READ_ITERATIONS; i++) {
        store_read_begin(r->st);
        int bad = check_consistent(r->st);
        store_read_end(r->st);
        if (bad)
            atomic_fetch_add(&r->violations, bad);
        /* Keep reading while the writer works, but never beyond the bound. */
        if (atomic_load(&r->writer_done) && i > 100)
            break;
    }
    return NULL;
}

static void *writer_main(void *arg)
{
    struct race *r = arg;
    char subject[32], text[32];
    for (int i = 0; i < WRITES; i++) {
        snprintf(subject, sizeof subject, "subj-%03d", i % 20);
        snprintf(text, sizeof text, "\"t%d\"", i);
        struct store_new_version nv = nv_make(subject, ".", 1 + i / 20, 0, text);
        struct sr_error err = {0};
        store_write_begin(r->st);
        if (store_register(r->st, &nv, NULL, &err) != 0)
            atomic_fetch_add(&r->violations, 1);
        if (i % 7 == 6) {
            /* Remove a whole subject now and then so removals race with readers too. */
            snprintf(subject, sizeof subject, "subj-%03d", (i - 6) % 20);
            const struct store_version *const *vers;
            size_t n = store_subject_versions(r->st, subject, &vers);
            int32_t nums[8];
            for (size_t j = 0; j < n && j < 8; j++)
                nums[j] = vers[j]->version;
            if (store_hard_delete(r->st, subject, nums, n < 8 ? n : 8, &err) != 0)
                atomic_fetch_add(&r->violations, 1);
        }
        store_write_end(r->st);
    }
    atomic_store(&r->writer_done, true);
    return NULL;
}

static void test_readers_never_see_a_half_applied_write(void **state)
{
    struct fixture *f = *state;
    struct race r = {.st = f->st};
    atomic_init(&r.writer_done, false);
    atomic_init(&r.violations, 0);
    pthread_t readers[READERS], writer;
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&readers[i], NULL, reader_main, &r), 0);
    assert_int_equal(pthread_create(&writer, NULL, writer_main, &r), 0);
    pthread_join(writer, NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(readers[i], NULL);
    assert_int_equal(atomic_load(&r.violations), 0);
    store_read_begin(f->st);
    assert_int_equal(store_max_id(f->st, "."), WRITES);
    assert_int_equal(check_consistent(f->st), 0);
    store_read_end(f->st);
    reopen(f);
    store_read_begin(f->st);
    assert_int_equal(check_consistent(f->st), 0);
    store_read_end(f->st);
}

/* ---- many subjects: listings stay sorted through inserts and removals ---- */

static void test_listing_sorted_through_many_changes(void **state)
{
    struct fixture *f = *state;
    char subject[32], text[32];
    struct sr_error err = {0};
    store_write_begin(f->st);
    for (int i = 0; i < 200; i++) {
        /* A scrambled order of insertion. */
        int k = (i * 73) % 200;
        snprintf(subject, sizeof subject, "s%03d", k);
        snprintf(text, sizeof text, "\"%d\"", k);
        struct store_new_version nv = nv_make(subject, ".", 1, 0, text);
        assert_int_equal(store_register(f->st, &nv, NULL, &err), 0);
    }
    for (int k = 0; k < 200; k += 3) {
        int32_t v = 1;
        snprintf(subject, sizeof subject, "s%03d", k);
        assert_int_equal(store_hard_delete(f->st, subject, &v, 1, &err), 0);
    }
    store_write_end(f->st);
    for (int pass = 0; pass < 2; pass++) {
        const char *const *names;
        store_read_begin(f->st);
        size_t n = store_subjects(f->st, &names);
        assert_int_equal(n, 200 - 67);
        for (size_t i = 1; i < n; i++)
            assert_true(strcmp(names[i - 1], names[i]) < 0);
        assert_int_equal(check_consistent(f->st), 0);
        store_read_end(f->st);
        reopen(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_new_file_is_empty, setup, teardown),
        cmocka_unit_test(test_open_unwritable_path_fails_with_50001),
        cmocka_unit_test(test_open_refuses_newer_layout_version),
        cmocka_unit_test(test_open_garbage_file_fails_with_50001),
        cmocka_unit_test_setup_teardown(test_open_uses_wal_and_records_layout_version, setup, teardown),
        cmocka_unit_test(test_open_rejects_inconsistent_rows_with_50001),
        cmocka_unit_test_setup_teardown(test_open_refuses_a_file_held_by_another_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_assigns_increasing_ids_per_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_with_existing_id_reuses_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_explicit_id_above_max_raises_max_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_keeps_caller_numbering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_stores_refs_metadata_and_rule_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_failure_leaves_memory_and_disk_unchanged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_register_rejects_invalid_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_empty_text_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_soft_delete_marks_versions_and_keeps_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hard_delete_removes_orphan_schema_and_never_reuses_its_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hard_delete_keeps_schema_held_by_another_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hard_delete_of_last_version_removes_subject_config_and_mode,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_purges_versions_in_same_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_purge_removes_orphaned_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_purging_every_old_version_keeps_subject_config, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_register_refuses_subject_of_another_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_referrers_sorted_by_context_and_id_and_follow_deletes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_context_stays_known_until_deleted_and_keeps_its_counter, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_config_and_mode_set_replace_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_writes_roll_back_and_leave_memory_unchanged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_pointers_stay_valid_until_write_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_hard_delete_while_iterating_the_listing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hard_delete_of_many_versions_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readers_never_see_a_half_applied_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listing_sorted_through_many_changes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
