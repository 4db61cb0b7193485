/* SPDX-License-Identifier: Apache-2.0 */
/* test_render.c — the pre-rendered read responses (api/render.c) and the caches behind them
 * (api/cache.c): every body must be byte for byte what the JSON path (no cache) gives, on a
 * miss and on a hit, and what can change (a version's deleted flag) must show at once. */
#include "api_test_util.h"
#include "cache.h"

/* The body of GET/POST uri with the cache, twice (fill, then hit), and without it; all
 * three must be equal. Returns the status. */
static int same_with_and_without_cache(struct fx *f, enum api_method m, const char *uri, const char *body)
{
    struct api_cache *cache = f->ctx.cache;
    int st1 = fx_call(f, m, uri, body);
    char *first = strdup(f->raw);
    int st2 = fx_call(f, m, uri, body);
    char *second = strdup(f->raw);
    f->ctx.cache = NULL;
    int st3 = fx_call(f, m, uri, body);
    f->ctx.cache = cache;
    assert_int_equal(st1, st2);
    assert_int_equal(st1, st3);
    assert_string_equal(first, second);
    assert_string_equal(first, f->raw);
    free(first);
    free(second);
    return st1;
}

static void test_reads_are_byte_identical_to_the_json_path(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "plain",
                                 "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"s\","
                                 "\"type\":\"string\",\"doc\":\"q\\\"uote \\u00e9 / \\\\\"}]}",
                                 "{\"metadata\":{\"properties\":{\"owner\":\"x\"}}}"),
                     200);
    /* a subject JSON escapes, and one with non-ASCII bytes: the hand-written parts must not
     * be used for them */
    assert_int_equal(fx_register(f, "we%22ird%5C", "\"string\"", NULL), 200);
    assert_int_equal(fx_register(f, "caf%C3%A9", "\"long\"", NULL), 200);
    /* a reference from another context, reported unqualified or qualified */
    assert_int_equal(fx_register(f, ":.c1:dep", "{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", NULL), 200);
    assert_int_equal(
        fx_register(f, ":.c1:main",
                    "{\"type\":\"record\",\"name\":\"M\",\"fields\":[{\"name\":\"f\",\"type\":\"F\"}]}",
                    "{\"references\":[{\"name\":\"F\",\"subject\":\"dep\",\"version\":1}]}"),
        200);
    static const char *const uris[] = {
        "/schemas/ids/1",
        "/schemas/ids/1?fetchMaxId=true",
        "/schemas/ids/1?subject=plain",
        "/schemas/ids/1?subject=plain&fetchMaxId=true",
        "/schemas/ids/1?format=resolved",
        "/schemas/ids/2?subject=we%22ird%5C",
        "/schemas/ids/3?subject=caf%C3%A9",
        "/schemas/ids/2?subject=:.c1:main",
        "/schemas/ids/2?subject=:.c1:main&referenceFormat=qualified",
        "/subjects/plain/versions/latest",
        "/subjects/plain/versions/1",
        "/subjects/plain/versions/1?format=resolved",
        "/subjects/we%22ird%5C/versions/latest",
        "/subjects/caf%C3%A9/versions/1",
        "/subjects/:.c1:main/versions/1",
        "/subjects/:.c1:main/versions/1?referenceFormat=qualified",
        "/contexts/.c1/subjects/main/versions/latest",
        "/schemas/ids/99",
        "/subjects/plain/versions/7",
    };
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++)
        same_with_and_without_cache(f, API_GET, uris[i], NULL);
}

static void test_soft_delete_shows_in_cached_version(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "s", "\"int\"", NULL), 200);
    assert_int_equal(same_with_and_without_cache(f, API_GET, "/subjects/s/versions/1", NULL), 200);
    assert_false(json_is_true(json_object_get(f->json, "deleted")));
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/1", NULL), 200);
    assert_int_equal(same_with_and_without_cache(f, API_GET, "/subjects/s/versions/1?deleted=true", NULL),
                     200);
    assert_true(json_is_true(json_object_get(f->json, "deleted")));
    assert_int_equal(same_with_and_without_cache(f, API_GET, "/subjects/s/versions/1", NULL), 404);
}

static void test_reregistration_from_the_text_cache(void **state)
{
    struct fx *f = *state;
    const char *rec = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
    char *body = fx_body(rec, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/r/versions", body), 200);
    /* the first re-registration fills the exact-text cache, the next ones answer from it */
    assert_int_equal(same_with_and_without_cache(f, API_POST, "/subjects/r/versions", body), 200);
    assert_int_equal(fx_int(f, "id"), 1);
    assert_int_equal(fx_int(f, "version"), 1);
    /* the same text in another subject is a new version there, not an answer from "r" */
    assert_int_equal(fx_call(f, API_POST, "/subjects/other/versions", body), 200);
    assert_int_equal(fx_int(f, "id"), 1);
    assert_null(json_object_get(f->json, "subject"));
    /* once soft-deleted, the cached hash must not answer: a new version is registered */
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/r/versions/1", NULL), 200);
    assert_int_equal(fx_call(f, API_POST, "/subjects/r/versions", body), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    assert_int_equal(same_with_and_without_cache(f, API_POST, "/subjects/r/versions", body), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    /* with a version given that is not the matching one, step 2 does not answer */
    char *with_version = fx_body(rec, "{\"version\":5}");
    /* (the full path then refuses it: 5 is not the next version outside IMPORT) */
    assert_int_equal(fx_call(f, API_POST, "/subjects/r/versions", with_version), 422);
    assert_int_equal(fx_code(f), 42201);
    free(with_version);
    free(body);
}

static void test_read_only_mode_still_answers_reregistration(void **state)
{
    struct fx *f = *state;
    char *body = fx_body("\"bytes\"", NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/ro/versions", body), 200);
    assert_int_equal(fx_call(f, API_POST, "/subjects/ro/versions", body), 200);
    assert_int_equal(fx_call(f, API_PUT, "/mode/ro", "{\"mode\":\"READONLY\"}"), 200);
    /* spec 5.3 step 2 comes before the mode gate */
    assert_int_equal(same_with_and_without_cache(f, API_POST, "/subjects/ro/versions", body), 200);
    char *changed = fx_body("\"string\"", NULL);
    fx_call(f, API_POST, "/subjects/ro/versions", changed);
    assert_int_equal(fx_code(f), 42205);
    free(changed);
    free(body);
}

static void test_compatibility_with_cached_parses(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/config/c", "{\"compatibility\":\"FULL_TRANSITIVE\"}"), 200);
    char *v1 =
        fx_body("{\"type\":\"record\",\"name\":\"C\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}", NULL);
    char *v2 = fx_body("{\"type\":\"record\",\"name\":\"C\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                       "{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}",
                       NULL);
    char *bad =
        fx_body("{\"type\":\"record\",\"name\":\"C\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}", NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/c/versions", v1), 200);
    assert_int_equal(fx_call(f, API_POST, "/subjects/c/versions", v2), 200);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(same_with_and_without_cache(f, API_POST, "/compatibility/subjects/c/versions", v2),
                         200);
        assert_true(json_is_true(json_object_get(f->json, "is_compatible")));
        assert_int_equal(same_with_and_without_cache(f, API_POST, "/compatibility/subjects/c/versions", bad),
                         200);
        assert_false(json_is_true(json_object_get(f->json, "is_compatible")));
    }
    /* a hard-deleted version is no longer checked against */
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/c/versions/1", NULL), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/c/versions/1?permanent=true", NULL), 200);
    assert_int_equal(same_with_and_without_cache(f, API_POST, "/compatibility/subjects/c/versions", bad),
                     200);
    free(v1);
    free(v2);
    free(bad);
}

static void test_new_version_reuses_the_step2_parse_with_the_same_identity(void **state)
{
    struct fx *f = *state;
    const char *v1 = "{\"type\":\"record\",\"name\":\"N\",\"fields\":[]}";
    const char *v2 = "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
                     "\"default\":0}]}";
    const char *md = "{\"metadata\":{\"properties\":{\"k\":\"v\"}}}";
    assert_int_equal(fx_register(f, "a", v1, NULL), 200);
    /* a second version: step 2 parses it, step 6 takes that parse over */
    assert_int_equal(fx_register(f, "a", v2, md), 200);
    json_int_t id_a = fx_int(f, "id");
    assert_int_equal(fx_int(f, "version"), 2);
    /* the first version of another subject goes through api_prepare() alone: same identity,
     * so the same id */
    assert_int_equal(fx_register(f, "b", v2, md), 200);
    assert_int_equal(fx_int(f, "id"), id_a);
    /* without the metadata it is another identity */
    assert_int_equal(fx_register(f, "c", v2, NULL), 200);
    assert_int_not_equal(fx_int(f, "id"), id_a);
    /* normalize=true on a later version (of "c": "a" would pass its metadata on): the
     * normalized parse is reused, and equals the normalized parse of a first registration */
    const char *v3 = "{\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"default\":0},{\"name\":\"b\","
                     "\"type\":\"string\",\"default\":\"\"}],\"name\":\"N\",\"type\":\"record\"}";
    char *b3 = fx_body(v3, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/c/versions?normalize=true", b3), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    json_int_t id3 = fx_int(f, "id");
    assert_int_equal(fx_call(f, API_POST, "/subjects/d/versions?normalize=true", b3), 200);
    assert_int_equal(fx_int(f, "id"), id3);
    free(b3);
}

/* Caches far too small for the registry: every insertion empties a shard or the parsed
 * table while other entries are pinned by a running check. Answers must not change (and
 * ASan sees any use of an evicted parse). */
static void test_tiny_caches_evict_without_changing_answers(void **state)
{
    struct fx *f = *state;
    api_cache_free(f->ctx.cache);
    /* parsed: room for four of these schemas (about 1.1 kB each by the estimate), so the
     * fifth parse of a check empties the table while four are pinned; bytes: 1 kB a shard */
    f->ctx.cache = api_cache_new_sized(16 * 1024, 4800);
    assert_int_equal(fx_call(f, API_PUT, "/config/e", "{\"compatibility\":\"NONE\"}"), 200);
    char schema[256];
    for (int v = 1; v <= 8; v++) {
        snprintf(schema, sizeof schema,
                 "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"f_%d\",\"type\":\"string\","
                 "\"default\":\"abcdefgh\"}]}",
                 v);
        assert_int_equal(fx_register(f, "e", schema, NULL), 200);
        assert_int_equal(fx_int(f, "version"), v);
        /* re-registration through the step-2 caches */
        assert_int_equal(fx_register(f, "e", schema, NULL), 200);
        assert_int_equal(fx_int(f, "version"), v);
    }
    assert_int_equal(fx_call(f, API_PUT, "/config/e", "{\"compatibility\":\"FULL_TRANSITIVE\"}"), 200);
    char *bad =
        fx_body("{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}", NULL);
    char *good = fx_body("{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}", NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            same_with_and_without_cache(f, API_POST, "/compatibility/subjects/e/versions?verbose=true", bad),
            200);
        assert_false(json_is_true(json_object_get(f->json, "is_compatible")));
        assert_int_equal(same_with_and_without_cache(f, API_POST, "/compatibility/subjects/e/versions", good),
                         200);
        assert_true(json_is_true(json_object_get(f->json, "is_compatible")));
    }
    for (int v = 1; v <= 8; v++) {
        char uri[64];
        snprintf(uri, sizeof uri, "/subjects/e/versions/%d", v);
        assert_int_equal(same_with_and_without_cache(f, API_GET, uri, NULL), 200);
        snprintf(uri, sizeof uri, "/schemas/ids/%d?subject=e", v);
        assert_int_equal(same_with_and_without_cache(f, API_GET, uri, NULL), 200);
    }
    free(bad);
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_are_byte_identical_to_the_json_path, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_soft_delete_shows_in_cached_version, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reregistration_from_the_text_cache, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_mode_still_answers_reregistration, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_compatibility_with_cached_parses, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_tiny_caches_evict_without_changing_answers, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_new_version_reuses_the_step2_parse_with_the_same_identity,
                                        fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
