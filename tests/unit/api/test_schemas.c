/* SPDX-License-Identifier: Apache-2.0 */
/* test_schemas.c — /schemas: by id (with the ?subject= hint that never causes a miss),
 * id -> subjects/versions, guids, types and the filtered, paginated listing. */
#include "api_test_util.h"

static void test_schema_by_id(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "a", AVRO_V1);
    fx_register_ok(f, "b", AVRO_V2);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1?fetchMaxId=false", NULL), 200);
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    assert_string_equal(fx_str(f, "schemaType"), "AVRO");
    assert_null(json_object_get(f->json, "subject"));
    assert_null(json_object_get(f->json, "maxId"));
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1?fetchMaxId=true", NULL), 200);
    assert_int_equal(fx_int(f, "maxId"), 2);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/3", NULL), 404);
    assert_int_equal(fx_code(f), 40403);
}

static void test_subject_hint_never_causes_a_miss(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "a", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1?subject=a", NULL), 200);
    assert_string_equal(fx_str(f, "subject"), "a");
    assert_int_equal(fx_int(f, "version"), 1);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1?subject=orders-value", NULL), 200);
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    /* A subject in another context selects that context. */
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1?subject=%3A.other%3Ax", NULL), 404);
    assert_int_equal(fx_code(f), 40403);
}

static void test_id_subjects_and_versions(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "a", AVRO_V1);
    fx_register_ok(f, "b", AVRO_V1);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/b", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1/subjects", NULL), 200);
    fx_assert_json(f, "[\"a\"]");
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1/subjects?deleted=true", NULL), 200);
    fx_assert_json(f, "[\"a\",\"b\"]");
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1/versions?deleted=true", NULL), 200);
    fx_assert_json(f, "[{\"subject\":\"a\",\"version\":1},{\"subject\":\"b\",\"version\":1}]");
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/2/versions", NULL), 404);
    assert_int_equal(fx_code(f), 40403);
}

static void test_guid_lookup(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "a", AVRO_V1);
    char guid[64];
    snprintf(guid, sizeof guid, "%s", fx_str(f, "guid"));
    fx_register_ok(f, "%3A.x%3Aa", AVRO_V1);
    assert_string_equal(fx_str(f, "guid"), guid);
    char uri[128];
    snprintf(uri, sizeof uri, "/schemas/guids/%s", guid);
    assert_int_equal(fx_call(f, API_GET, uri, NULL), 200);
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    snprintf(uri, sizeof uri, "/schemas/guids/%s/ids", guid);
    assert_int_equal(fx_call(f, API_GET, uri, NULL), 200);
    fx_assert_json(f, "[{\"context\":\".\",\"id\":1},{\"context\":\".x\",\"id\":1}]");
    assert_int_equal(fx_call(f, API_GET, "/schemas/guids/00000000-0000-0000-0000-000000000000", NULL), 404);
    assert_int_equal(fx_code(f), 40403);
    assert_int_equal(fx_call(f, API_GET, "/schemas/guids/zzz/ids", NULL), 200);
    fx_assert_json(f, "[]");
}

static void test_types_lists_supported_types(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/schemas/types", NULL), 200);
    assert_true(json_is_array(f->json));
    bool avro = false;
    size_t i;
    json_t *t;
    json_array_foreach(f->json, i, t) avro = avro || strcmp(json_string_value(t), "AVRO") == 0;
    assert_true(avro);
}

static void test_schemas_listing(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "b", AVRO_V1);
    fx_register_ok(f, "b", AVRO_V2);
    fx_register_ok(f, "a", AVRO_V1);
    fx_register_ok(f, "%3A.x%3Ac", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/schemas", NULL), 200);
    assert_int_equal(json_array_size(f->json), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(f->json, 0), "subject")), "a");
    assert_int_equal(fx_call(f, API_GET, "/schemas?latestOnly=true", NULL), 200);
    assert_int_equal(json_array_size(f->json), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(f->json, 1), "version")), 2);
    assert_int_equal(fx_call(f, API_GET, "/schemas?subjectPrefix=%3A*%3A", NULL), 200);
    assert_int_equal(json_array_size(f->json), 4);
    assert_int_equal(fx_call(f, API_GET, "/schemas?subjectPrefix=b&offset=1&limit=5", NULL), 200);
    assert_int_equal(json_array_size(f->json), 1);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/a", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/schemas", NULL), 200);
    assert_int_equal(json_array_size(f->json), 2);
    assert_int_equal(fx_call(f, API_GET, "/schemas?deleted=true", NULL), 200);
    assert_int_equal(json_array_size(f->json), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_by_id, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_subject_hint_never_causes_a_miss, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_id_subjects_and_versions, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_guid_lookup, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_types_lists_supported_types, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_schemas_listing, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
