/* SPDX-License-Identifier: Apache-2.0 */
/* test_subjects.c — the /subjects endpoints besides registration: listings and their
 * filters, lookup (POST /subjects/{s}), GET version and its errors, /schema, the metadata
 * search, and soft/permanent deletes with their error codes in the documented order. */
#include "api_test_util.h"

static void test_subject_listing_filters(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "b", AVRO_V1);
    fx_register_ok(f, "a", AVRO_V1);
    fx_register_ok(f, "%3A.x%3Ac", AVRO_V1);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/a", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/subjects", NULL), 200);
    fx_assert_json(f, "[\":.x:c\", \"b\"]");
    assert_int_equal(fx_call(f, API_GET, "/subjects?deleted=true", NULL), 200);
    fx_assert_json(f, "[\":.x:c\", \"a\", \"b\"]");
    assert_int_equal(fx_call(f, API_GET, "/subjects?deletedOnly=true&deleted=false", NULL), 200);
    fx_assert_json(f, "[\"a\"]");
    assert_int_equal(fx_call(f, API_GET, "/subjects?subjectPrefix=", NULL), 200);
    fx_assert_json(f, "[\"b\"]");
    assert_int_equal(fx_call(f, API_GET, "/subjects?subjectPrefix=%3A.x%3A", NULL), 200);
    fx_assert_json(f, "[\":.x:c\"]");
    assert_int_equal(fx_call(f, API_GET, "/subjects?deleted=TRUE&offset=1&limit=1", NULL), 200);
    fx_assert_json(f, "[\"a\"]");
}

static void test_lookup_finds_registered_schema(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    char *body = fx_body(AVRO_V1, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s?normalize=false&deleted=false", body), 200);
    assert_string_equal(fx_str(f, "subject"), "s");
    assert_int_equal(fx_int(f, "version"), 1);
    assert_int_equal(fx_int(f, "id"), 1);
    assert_string_equal(fx_str(f, "schemaType"), "AVRO");
    /* The schema is parsed before the subject is looked at. */
    char *garbage = fx_body("{\"type\":\"nope\"}", NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/never-registered", garbage), 422);
    assert_int_equal(fx_code(f), 42201);
    free(garbage);
    /* Unknown subject: 40401; known subject, unknown schema: 40403. */
    assert_int_equal(fx_call(f, API_POST, "/subjects/nope", body), 404);
    assert_int_equal(fx_code(f), 40401);
    free(body);
    body = fx_body(AVRO_BAD, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s", body), 404);
    assert_int_equal(fx_code(f), 40403);
    free(body);
    /* Soft-deleted versions match only with deleted=true. */
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/1", NULL), 200);
    body = fx_body(AVRO_V1, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s", body), 404);
    assert_int_equal(fx_code(f), 40403);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s?deleted=true", body), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    /* Unparsable schema: 42201. */
    free(body);
    body = fx_body("{not json", NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s", body), 422);
    assert_int_equal(fx_code(f), 42201);
    free(body);
}

static void test_lookup_falls_back_to_other_contexts_for_unqualified_subject(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "%3A.x%3As", AVRO_V1);
    char *body = fx_body(AVRO_V1, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s", body), 200);
    assert_string_equal(fx_str(f, "subject"), ":.x:s");
    free(body);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/latest", NULL), 200);
    assert_string_equal(fx_str(f, "subject"), ":.x:s");
    /* Qualified names never fall back. */
    assert_int_equal(fx_call(f, API_GET, "/subjects/%3A.%3As/versions/latest", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
}

static void test_lookup_matches_schema_with_references_inlined(void **state)
{
    struct fx *f = *state;
    const char *addr = "{\"type\":\"record\",\"name\":\"Address\",\"fields\":[{\"name\":\"street\",\"type\":"
                       "\"string\"}]}";
    const char *person = "{\"type\":\"record\",\"name\":\"Person\",\"fields\":[{\"name\":\"home\",\"type\":"
                         "\"Address\"}]}";
    const char *inlined =
        "{\"type\":\"record\",\"name\":\"Person\",\"fields\":[{\"name\":\"home\",\"type\":"
        "{\"type\":\"record\",\"name\":\"Address\",\"fields\":[{\"name\":\"street\",\"type\":"
        "\"string\"}]}}]}";
    fx_register_ok(f, "address", addr);
    assert_int_equal(
        fx_register(f, "person", person,
                    "{\"references\":[{\"name\":\"Address\",\"subject\":\"address\",\"version\":1}]}"),
        200);
    json_int_t id = fx_int(f, "id");
    char *body = fx_body(inlined, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/person", body), 200);
    assert_int_equal(fx_int(f, "id"), id);
    assert_int_equal(fx_int(f, "version"), 1);
    free(body);
}

static void test_lookup_with_normalize_matches_version_stored_unnormalized(void **state)
{
    struct fx *f = *state;
    const char *doc = "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"com.x\",\"doc\":\"hi\",\"fields\":"
                      "[{\"name\":\"a\",\"type\":\"int\"}]}";
    fx_register_ok(f, "s", doc);
    char *body = fx_body(doc, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s?normalize=true", body), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    free(body);
}

static void test_get_version_selectors_and_errors(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/latest", NULL), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    assert_false(json_is_true(json_object_get(f->json, "deleted")));
    assert_true(json_is_integer(json_object_get(f->json, "ts")));
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/-1", NULL), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/%20LATEST%20", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/1", NULL), 200);
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/0", NULL), 422);
    assert_int_equal(fx_code(f), 42202);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/-2", NULL), 422);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/abc", NULL), 422);
    assert_int_equal(fx_code(f), 42202);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/9", NULL), 404);
    assert_int_equal(fx_code(f), 40402);
    assert_int_equal(fx_call(f, API_GET, "/subjects/none/versions/1", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
    /* Soft-deleted: hidden unless deleted=true; latest skips it. */
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/2", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/2", NULL), 404);
    assert_int_equal(fx_code(f), 40402);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/2?deleted=true", NULL), 200);
    assert_true(json_is_true(json_object_get(f->json, "deleted")));
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/latest", NULL), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    /* All soft-deleted: latest is 40401. */
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/1", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/latest", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
}

static void test_raw_schema_endpoint(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions/latest/schema", NULL), 200);
    assert_string_equal(f->raw, AVRO_V1);
    assert_string_equal(f->ctype, "application/vnd.schemaregistry.v1+json");
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1/schema", NULL), 200);
    assert_string_equal(f->raw, AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/9/schema", NULL), 404);
    assert_int_equal(fx_code(f), 40403);
}

static void test_version_listing_variants(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/1", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions", NULL), 200);
    fx_assert_json(f, "[2]");
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions?deleted=true", NULL), 200);
    fx_assert_json(f, "[1,2]");
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions?deletedOnly=true", NULL), 200);
    fx_assert_json(f, "[1]");
    assert_int_equal(
        fx_call(f, API_GET, "/subjects/s/versions?deletedAsNegative=true&deletedOnly=true", NULL), 200);
    fx_assert_json(f, "[-1,2]");
    assert_int_equal(fx_call(f, API_GET, "/subjects/nope/versions", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
}

static void test_delete_version_error_order(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/x", NULL), 422);
    assert_int_equal(fx_code(f), 42202);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/latest?permanent=true", NULL), 404);
    assert_int_equal(fx_code(f), 40407);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/latest", NULL), 200);
    fx_assert_json(f, "2");
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/2", NULL), 404);
    assert_int_equal(fx_code(f), 40406);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/7", NULL), 404);
    assert_int_equal(fx_code(f), 40402);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/nope/versions/1", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/2?permanent=true", NULL), 200);
    fx_assert_json(f, "2");
    /* READONLY refuses deletes. */
    assert_int_equal(fx_call(f, API_PUT, "/mode/s", "{\"mode\":\"READONLY\"}"), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/1", NULL), 422);
    assert_int_equal(fx_code(f), 42205);
}

static void test_delete_subject_error_order(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s?permanent=true", NULL), 404);
    assert_int_equal(fx_code(f), 40405);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s", NULL), 200);
    fx_assert_json(f, "[1,2]");
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s", NULL), 404);
    assert_int_equal(fx_code(f), 40404);
    /* Still resolvable by id while soft-deleted. */
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1", NULL), 200);
    assert_int_equal(fx_call(f, API_PUT, "/config/s", "{\"compatibility\":\"NONE\"}"), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s?permanent=true", NULL), 200);
    fx_assert_json(f, "[1,2]");
    /* The subject's config went with it. */
    assert_int_equal(fx_call(f, API_GET, "/config/s", NULL), 404);
    assert_int_equal(fx_code(f), 40408);
    assert_int_equal(fx_call(f, API_GET, "/subjects?deleted=true", NULL), 200);
    fx_assert_json(f, "[]");
}

static void test_metadata_search_returns_newest_match(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        fx_register(f, "s", AVRO_V1, "{\"metadata\":{\"properties\":{\"owner\":\"a\",\"app\":\"x\"}}}"), 200);
    assert_int_equal(
        fx_register(f, "s", AVRO_V2, "{\"metadata\":{\"properties\":{\"owner\":\"b\",\"app\":\"x\"}}}"), 200);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/metadata?key=app&value=x", NULL), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/metadata?key=owner&value=a&key=app&value=x", NULL),
                     200);
    assert_int_equal(fx_int(f, "version"), 1);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/metadata?key=owner&value=c", NULL), 404);
    assert_int_equal(fx_code(f), 40403);
    assert_int_equal(fx_call(f, API_GET, "/subjects/t/metadata?key=owner&value=c", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
}

static void test_compatibility_endpoints(void **state)
{
    struct fx *f = *state;
    char *good = fx_body(AVRO_V2, NULL), *bad = fx_body(AVRO_BAD, NULL), *garbage = fx_body("{nope", NULL);
    /* Missing subject: compatible. Numeric version of a missing subject: 40402. */
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions/latest", good), 200);
    fx_assert_json(f, "{\"is_compatible\":true}");
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions", good), 200);
    fx_assert_json(f, "{\"is_compatible\":true}");
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions/1", good), 404);
    assert_int_equal(fx_code(f), 40402);
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions/1", good), 200);
    fx_assert_json(f, "{\"is_compatible\":true}");
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions/latest?verbose=true", bad),
                     200);
    assert_false(json_is_true(json_object_get(f->json, "is_compatible")));
    assert_true(json_array_size(json_object_get(f->json, "messages")) > 0);
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions/latest?verbose=true", good),
                     200);
    fx_assert_json(f, "{\"is_compatible\":true,\"messages\":[]}");
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions/zero", good), 422);
    assert_int_equal(fx_code(f), 42202);
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions", garbage), 422);
    assert_int_equal(fx_code(f), 42201);
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions?verbose=true", garbage), 200);
    assert_false(json_is_true(json_object_get(f->json, "is_compatible")));
    assert_int_equal(json_array_size(json_object_get(f->json, "messages")), 1);
    /* Under NONE everything is compatible. */
    assert_int_equal(fx_call(f, API_PUT, "/config/s", "{\"compatibility\":\"NONE\"}"), 200);
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions", bad), 200);
    fx_assert_json(f, "{\"is_compatible\":true}");
    free(good);
    free(bad);
    free(garbage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subject_listing_filters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_finds_registered_schema, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_falls_back_to_other_contexts_for_unqualified_subject,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_matches_schema_with_references_inlined, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_lookup_with_normalize_matches_version_stored_unnormalized,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_get_version_selectors_and_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_raw_schema_endpoint, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_version_listing_variants, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delete_version_error_order, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delete_subject_error_order, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_metadata_search_returns_newest_match, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_compatibility_endpoints, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
