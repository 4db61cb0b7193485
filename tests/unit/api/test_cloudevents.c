/* SPDX-License-Identifier: Apache-2.0 */
/* test_cloudevents.c — POST /cloudevents/validate driven through api_handle() with explicit
 * header lists (binary mode), and the built-in envelope schema as a $ref target. The full
 * conformance corpus runs over HTTP in tests/integration/test_cloudevents.py. */
#include <strings.h>

#include "api_test_util.h"

#define CE_CT "application/cloudevents+json"
#define ENVELOPE_URL "https://cloudevents.io/schemas/cloudevent.json"

static int ce_req(struct fx *f, const char *uri, const char *body, const struct api_header *h, size_t nh,
                  bool truncated)
{
    const char *ctype = NULL;
    for (size_t i = 0; i < nh; i++)
        if (strcasecmp(h[i].name, "Content-Type") == 0)
            ctype = h[i].value;
    struct api_request req = {.method = API_POST,
                              .uri = uri,
                              .content_type = ctype,
                              .body = body,
                              .body_len = body ? strlen(body) : 0,
                              .headers = h,
                              .nheaders = nh,
                              .headers_truncated = truncated};
    struct api_response resp;
    api_handle(&f->ctx, &req, &resp);
    json_decref(f->json);
    free(f->raw);
    f->status = resp.status;
    f->raw = strndup(resp.body ? resp.body : "", resp.body_len);
    f->json = json_loadb(resp.body, resp.body_len, JSON_DECODE_ANY, NULL);
    api_response_free(&resp);
    return f->status;
}

static int structured(struct fx *f, const char *body)
{
    const struct api_header h[] = {{"Content-Type", CE_CT}};
    return ce_req(f, "/cloudevents/validate", body, h, 1, false);
}

/* The attribute (or pointer) of violation i. */
static const char *violation(struct fx *f, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(f->json, "violations"), i), key));
}

static size_t nviolations(struct fx *f)
{
    return json_array_size(json_object_get(f->json, "violations"));
}

static void test_structured_minimal_event_is_valid(void **state)
{
    struct fx *f = *state;
    assert_int_equal(structured(f, "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}"),
                     200);
    assert_true(json_is_true(json_object_get(f->json, "valid")));
    assert_true(json_is_false(json_object_get(json_object_get(f->json, "schema"), "applied")));
}

static void test_binary_headers_are_unquoted_then_percent_decoded_once(void **state)
{
    struct fx *f = *state;
    const struct api_header h[] = {{"CE-SpecVersion", "1.0"},  {"ce-id", "\"a\\\"b\""},
                                   {"ce-source", "%2Fsrc"},    {"ce-type", "t"},
                                   {"ce-subject", "100%2541"}, {"Content-Type", "text/plain"}};
    assert_int_equal(ce_req(f, "/cloudevents/validate", "hello", h, 6, false), 200);
    json_t *attrs = json_object_get(f->json, "attributes");
    assert_string_equal(json_string_value(json_object_get(attrs, "id")), "a\"b");
    assert_string_equal(json_string_value(json_object_get(attrs, "source")), "/src");
    assert_string_equal(json_string_value(json_object_get(attrs, "subject")), "100%41");
    assert_string_equal(json_string_value(json_object_get(attrs, "datacontenttype")), "text/plain");
}

static void test_binary_repeated_attribute_header_is_a_violation(void **state)
{
    struct fx *f = *state;
    const struct api_header h[] = {
        {"ce-specversion", "1.0"}, {"ce-id", "1"}, {"CE-ID", "2"}, {"ce-source", "/s"}, {"ce-type", "t"}};
    assert_int_equal(ce_req(f, "/cloudevents/validate", NULL, h, 5, false), 422);
    assert_int_equal(nviolations(f), 1);
    assert_string_equal(violation(f, 0, "attribute"), "id");
}

static void test_truncated_header_list_is_refused(void **state)
{
    struct fx *f = *state;
    const struct api_header h[] = {{"ce-specversion", "1.0"}};
    assert_int_equal(ce_req(f, "/cloudevents/validate", NULL, h, 1, true), 400);
    assert_int_equal(fx_code(f), 400);
}

static void test_timestamps_follow_the_calendar(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *time;
        int status;
    } cases[] = {
        {"2024-02-29T00:00:00Z", 200},  {"2023-02-29T00:00:00Z", 422},
        {"1900-02-29T00:00:00Z", 422},  {"2000-02-29T00:00:00.5-01:30", 200},
        {"2018-04-05T24:00:00Z", 422},  {"2018-04-05T17:31:00+24:00", 422},
        {"2018-04-05T17:31:00.Z", 422},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",\"time\":\"%s\"}",
                 cases[i].time);
        assert_int_equal(structured(f, body), cases[i].status);
    }
}

static void test_batch_members_share_specversion(void **state)
{
    struct fx *f = *state;
    const struct api_header h[] = {{"Content-Type", "application/cloudevents-batch+json"}};
    assert_int_equal(ce_req(f, "/cloudevents/validate",
                            "[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"},"
                            "{\"specversion\":\"0.3\",\"id\":\"2\",\"source\":\"/s\",\"type\":\"t\"}]",
                            h, 1, false),
                     422);
    /* 0.3 is not 1.0, and it differs from the first member's */
    assert_int_equal(nviolations(f), 2);
    assert_int_equal(json_integer_value(
                         json_object_get(json_array_get(json_object_get(f->json, "violations"), 0), "index")),
                     1);
}

static void test_builtin_envelope_validates_data_through_ref(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        fx_register(f, "wrapped", "{\"$ref\":\"" ENVELOPE_URL "\"}", "{\"schemaType\":\"JSON\"}"), 200);
    /* data is itself a CloudEvent: the built-in envelope checks it */
    assert_int_equal(
        structured(f, "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"wrapped\","
                      "\"data\":{\"specversion\":\"1.0\",\"id\":5,\"source\":\"/s\",\"type\":\"t\"}}"),
        422);
    assert_int_equal(nviolations(f), 1);
    assert_string_equal(violation(f, 0, "pointer"), "/data/id");
    assert_string_equal(fx_str(f, "mode"), "structured");
    assert_int_equal(
        structured(f, "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"wrapped\","
                      "\"data\":{\"specversion\":\"1.0\",\"id\":\"5\",\"source\":\"/s\",\"type\":\"t\"}}"),
        200);
}

static void test_registered_reference_named_like_the_builtin_wins(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "mine", "{\"type\":\"string\"}", "{\"schemaType\":\"JSON\"}"), 200);
    assert_int_equal(fx_register(f, "uses", "{\"$ref\":\"" ENVELOPE_URL "\"}",
                                 "{\"schemaType\":\"JSON\",\"references\":[{\"name\":\"" ENVELOPE_URL
                                 "\",\"subject\":\"mine\",\"version\":1}]}"),
                     200);
    /* "uses" now means "a string": an object as data fails */
    assert_int_equal(structured(f,
                                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"uses\","
                                "\"data\":{}}"),
                     422);
    assert_string_equal(violation(f, 0, "pointer"), "/data");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_structured_minimal_event_is_valid, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_binary_headers_are_unquoted_then_percent_decoded_once, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_binary_repeated_attribute_header_is_a_violation, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_header_list_is_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_timestamps_follow_the_calendar, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_batch_members_share_specversion, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_builtin_envelope_validates_data_through_ref, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_registered_reference_named_like_the_builtin_wins, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
