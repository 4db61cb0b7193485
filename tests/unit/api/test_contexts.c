/* SPDX-License-Identifier: Apache-2.0 */
/* test_contexts.c — contexts (spec 2.1, 5.8): separate id spaces, qualified names, context
 * config fallback, GET/DELETE /contexts, and the /v1/metadata endpoints. */
#include "api_test_util.h"

static void test_contexts_have_their_own_ids(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "a", AVRO_V1);
    fx_register_ok(f, "a", AVRO_V2);
    /* Same text in another context gets that context's own id 1. */
    assert_int_equal(fx_register_ok(f, "%3A.x%3Ab", AVRO_V2), 1);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1", NULL), 200);
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1?subject=%3A.x%3A", NULL), 200);
    assert_string_equal(fx_str(f, "schema"), AVRO_V2);
    /* ":.:name" is the default-context name. */
    assert_int_equal(fx_register(f, "%3A.%3Aa", AVRO_V2, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 2);
}

static void test_get_and_delete_contexts(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/contexts", NULL), 200);
    fx_assert_json(f, "[\".\"]");
    fx_register_ok(f, "%3A.b%3As", AVRO_V1);
    fx_register_ok(f, "%3A.a%3As", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/contexts", NULL), 200);
    fx_assert_json(f, "[\".\", \".a\", \".b\"]");
    assert_int_equal(fx_call(f, API_GET, "/contexts?contextPrefix=.b", NULL), 200);
    fx_assert_json(f, "[\".b\"]");
    assert_int_equal(fx_call(f, API_DELETE, "/contexts/%3A.a%3A", NULL), 422);
    assert_int_equal(fx_code(f), 42211);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/%3A.a%3As", NULL), 200);
    /* Soft-deleted subjects still count. */
    assert_int_equal(fx_call(f, API_DELETE, "/contexts/.a", NULL), 422);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/%3A.a%3As?permanent=true", NULL), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/contexts/.a", NULL), 204);
    assert_null(f->json);
    assert_int_equal(fx_call(f, API_DELETE, "/contexts/.never", NULL), 204);
    assert_int_equal(fx_call(f, API_GET, "/contexts", NULL), 200);
    fx_assert_json(f, "[\".\", \".b\"]");
}

static void test_context_config_applies_to_its_subjects(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/config/%3A.x%3A", "{\"compatibility\":\"NONE\"}"), 200);
    fx_register_ok(f, "%3A.x%3As", AVRO_V1);
    fx_register_ok(f, "%3A.x%3As", AVRO_BAD);
    /* The default context keeps the server default (BACKWARD). */
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_register(f, "s", AVRO_BAD, NULL), 409);
    assert_int_equal(fx_call(f, API_GET, "/config/%3A.x%3As?defaultToGlobal=true", NULL), 200);
    assert_string_equal(fx_str(f, "compatibilityLevel"), "NONE");
    assert_int_equal(fx_call(f, API_PUT, "/mode/%3A.x%3A", "{\"mode\":\"READONLY\"}"), 200);
    assert_int_equal(fx_register(f, "%3A.x%3At", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42205);
    assert_int_equal(fx_call(f, API_GET, "/mode/%3A.x%3At?defaultToGlobal=true", NULL), 200);
    fx_assert_json(f, "{\"mode\":\"READONLY\"}");
}

static void test_reference_into_default_context_survives_schema_copy(void **state)
{
    struct fx *f = *state;
    const char *addr =
        "{\"type\":\"record\",\"name\":\"Address\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}";
    const char *person =
        "{\"type\":\"record\",\"name\":\"Person\",\"fields\":[{\"name\":\"a\",\"type\":\"Address\"}]}";
    fx_register_ok(f, "addr", addr);
    assert_int_equal(
        fx_register(f, "%3A.c%3Aperson", person,
                    "{\"references\":[{\"name\":\"Address\",\"subject\":\":.:addr\",\"version\":1}]}"),
        200);
    /* An empty schema copies the latest version, references included, still into ".". */
    assert_int_equal(fx_register(f, "%3A.c%3Aperson", NULL, "{\"metadata\":{\"properties\":{\"k\":\"v\"}}}"),
                     200);
    assert_int_equal(fx_int(f, "version"), 2);
    json_t *r0 = json_array_get(json_object_get(f->json, "references"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "subject")), "addr");
    assert_int_equal(fx_call(f, API_GET, "/subjects/addr/versions/1/referencedby", NULL), 200);
    assert_int_equal(json_array_size(f->json), 2);
}

static void test_server_metadata(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/v1/metadata/id", NULL), 200);
    fx_assert_json(f, "{\"scope\":{\"path\":[],\"clusters\":{\"kafka-cluster\":\"cluster-1\","
                      "\"schema-registry-cluster\":\"schema-registry\"}}}");
    assert_int_equal(fx_call(f, API_GET, "/v1/metadata/version", NULL), 200);
    fx_assert_json(f, "{\"version\":\"8.1.0\",\"commitId\":\"abc123\"}");
    assert_int_equal(fx_call(f, API_GET, "/v1/metadata/deployment", NULL), 200);
    fx_assert_json(f, "{\"attributes\":[]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contexts_have_their_own_ids, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_get_and_delete_contexts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_context_config_applies_to_its_subjects, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reference_into_default_context_survives_schema_copy, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_server_metadata, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
