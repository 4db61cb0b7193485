/* SPDX-License-Identifier: Apache-2.0 */
/* test_routes.c — the dispatcher of api/routes.c: path splitting and decoding, trailing
 * slashes, framework errors (404, 405, 415, 400, 422), Accept negotiation and the
 * /contexts/{ctx} URL prefix. */
#include "api_test_util.h"

static void test_unknown_route_is_404_with_framework_body(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/nope", NULL), 404);
    fx_assert_json(f, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
    assert_int_equal(fx_call(f, API_GET, "/associations/resources/-/orders?resourceType=topic", NULL), 404);
    assert_int_equal(fx_code(f), 404);
    assert_int_equal(fx_call(f, API_GET, "/exporters", NULL), 404);
    assert_int_equal(fx_call(f, API_GET, "/dek-registry/v1/keks", NULL), 404);
}

static void test_known_path_wrong_method_is_405(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/subjects", "{}"), 405);
    assert_int_equal(fx_code(f), 405);
    assert_int_equal(fx_call(f, API_POST, "/schemas/types", "{}"), 405);
}

static void test_root_answers_empty_object(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/", NULL), 200);
    fx_assert_json(f, "{}");
    assert_int_equal(fx_call(f, API_POST, "/", "{\"a\":1}"), 200);
    fx_assert_json(f, "{}");
}

static void test_trailing_slash_is_tolerated(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    char *body = fx_body(AVRO_V2, NULL);
    assert_int_equal(fx_call(f, API_POST, "/compatibility/subjects/s/versions/", body), 200);
    assert_true(json_is_true(json_object_get(f->json, "is_compatible")));
    free(body);
    assert_int_equal(fx_call(f, API_GET, "/subjects/", NULL), 200);
    fx_assert_json(f, "[\"s\"]");
}

static void test_percent_encoded_slash_and_colon_stay_in_subject(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "google%2Fprotobuf%2Ftimestamp.proto", AVRO_V1);
    fx_register_ok(f, "%3A.ctx%3Aorders", AVRO_V1);
    /* '+' is not a space in paths. */
    fx_register_ok(f, "a+b", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/subjects", NULL), 200);
    fx_assert_json(f, "[\":.ctx:orders\", \"a+b\", \"google/protobuf/timestamp.proto\"]");
    assert_int_equal(fx_call(f, API_GET, "/subjects/google%2Fprotobuf%2Ftimestamp.proto/versions", NULL),
                     200);
    fx_assert_json(f, "[1]");
    /* An encoded NUL never truncates a subject into another one: it is a control character. */
    assert_int_equal(fx_register(f, "google%00x", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42208);
    assert_int_equal(fx_call(f, API_GET, "/subjects/google%00x/versions", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
    assert_int_equal(fx_call(f, API_GET, "/subjects?subjectPrefix=google", NULL), 200);
    fx_assert_json(f, "[\"google/protobuf/timestamp.proto\"]");
}

static void test_unsupported_content_type_is_415(void **state)
{
    struct fx *f = *state;
    char *body = fx_body(AVRO_V1, NULL);
    assert_int_equal(fx_req(f, API_POST, "/subjects/s/versions", body, "text/plain", NULL), 415);
    fx_assert_json(f, "{\"error_code\":415,\"message\":\"HTTP 415 Unsupported Media Type\"}");
    assert_int_equal(
        fx_req(f, API_POST, "/subjects/s/versions", body, "application/json; charset=utf-8", NULL), 200);
    assert_int_equal(fx_req(f, API_POST, "/subjects/s/versions", body, NULL, NULL), 200);
    assert_int_equal(fx_req(f, API_POST, "/subjects/s/versions", body, "application/octet-stream", NULL),
                     200);
    /* Content-Type is ignored without a body. */
    assert_int_equal(fx_req(f, API_GET, "/subjects", NULL, "text/plain", NULL), 200);
    free(body);
}

static void test_malformed_json_and_wrong_types_are_400(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions", "{\"schema\":"), 400);
    assert_int_equal(fx_code(f), 400);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions", "{\"schema\":5}"), 400);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions", "[1,2]"), 400);
    char *body = fx_body(AVRO_V1, "{\"version\":\"x\"}");
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions", body), 400);
    free(body);
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"normalize\":\"yes\"}"), 400);
}

static void test_missing_or_null_body_is_422(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions", NULL), 422);
    assert_int_equal(fx_code(f), 422);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions", "null"), 422);
    assert_int_equal(fx_call(f, API_PUT, "/config", NULL), 422);
}

static void test_unknown_fields_are_ignored(void **state)
{
    struct fx *f = *state;
    char *body = fx_body(
        AVRO_V1, "{\"propagateSchemaTags\":true,\"whatever\":[1],\"metadata\":null,\"ruleSet\":null}");
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions", body), 200);
    free(body);
}

static void test_unparsable_integer_params_are_404(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/abc", NULL), 404);
    assert_int_equal(fx_code(f), 404);
    assert_int_equal(fx_call(f, API_GET, "/subjects?limit=x", NULL), 404);
    assert_int_equal(fx_code(f), 404);
}

static void test_error_messages_quoting_invalid_utf8_stay_valid_json(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/subjects/bad%FF%C3name/versions", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
    assert_non_null(strstr(fx_str(f, "message"), "bad??name"));
    /* a valid two-byte character is kept; an encoded surrogate is three invalid bytes */
    assert_int_equal(fx_call(f, API_GET, "/subjects/ok%C3%A9%ED%A0%80/versions", NULL), 404);
    assert_non_null(strstr(fx_str(f, "message"), "ok\xc3\xa9???"));
    assert_int_equal(fx_register(f, "bad%FFname", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42208);
}

static void test_accept_negotiation_never_406(void **state)
{
    struct fx *f = *state;
    fx_req(f, API_GET, "/subjects", NULL, NULL, NULL);
    assert_string_equal(f->ctype, "application/vnd.schemaregistry.v1+json");
    fx_req(f, API_GET, "/subjects", NULL, NULL, "application/json");
    assert_string_equal(f->ctype, "application/json");
    fx_req(f, API_GET, "/subjects", NULL, NULL, "text/html, image/gif, *; q=.2, */*; q=.2");
    assert_string_equal(f->ctype, "application/vnd.schemaregistry.v1+json");
    fx_req(f, API_GET, "/subjects", NULL, NULL,
           "application/vnd.schemaregistry+json, application/json; q=0.9");
    assert_string_equal(f->ctype, "application/vnd.schemaregistry+json");
    assert_int_equal(fx_req(f, API_GET, "/subjects", NULL, NULL, "text/csv"), 200);
    assert_string_equal(f->ctype, "application/vnd.schemaregistry.v1+json");
}

static void test_context_url_prefix_is_rewritten(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "%3A.ctx%3Aorders", AVRO_V1);
    fx_register_ok(f, "plain", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/contexts/ctx/subjects/orders/versions/1", NULL), 200);
    assert_string_equal(fx_str(f, "subject"), ":.ctx:orders");
    assert_int_equal(fx_call(f, API_GET, "/contexts/.ctx/subjects", NULL), 200);
    fx_assert_json(f, "[\":.ctx:orders\"]");
    assert_int_equal(fx_call(f, API_GET, "/contexts/%3A.ctx%3A/schemas/ids/1?subject=orders", NULL), 200);
    assert_string_equal(fx_str(f, "subject"), ":.ctx:orders");
    assert_int_equal(fx_call(f, API_PUT, "/contexts/.ctx/config", "{\"compatibility\":\"FULL\"}"), 200);
    assert_int_equal(fx_call(f, API_GET, "/config/%3A.ctx%3A", NULL), 200);
    assert_string_equal(fx_str(f, "compatibilityLevel"), "FULL");
    assert_int_equal(fx_call(f, API_GET, "/contexts/a%3Ab/subjects", NULL), 400);
    assert_int_equal(fx_code(f), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_route_is_404_with_framework_body, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_known_path_wrong_method_is_405, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_root_answers_empty_object, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash_is_tolerated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_percent_encoded_slash_and_colon_stay_in_subject, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_content_type_is_415, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_json_and_wrong_types_are_400, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_missing_or_null_body_is_422, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_fields_are_ignored, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unparsable_integer_params_are_404, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_error_messages_quoting_invalid_utf8_stay_valid_json, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_accept_negotiation_never_406, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_context_url_prefix_is_rewritten, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
