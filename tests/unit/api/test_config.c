/* SPDX-License-Identifier: Apache-2.0 */
/* test_config.c — /config and /mode: GET vs PUT key names, merge semantics, 40408/40409,
 * defaultToGlobal, 42203/42204, READONLY refusals, IMPORT switching rules, recursive
 * deletes and mode mutability. */
#include "api_test_util.h"

static void test_global_config_defaults_and_put_shape(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/config", NULL), 200);
    fx_assert_json(f, "{\"compatibilityLevel\":\"BACKWARD\"}");
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"compatibility\":\"full\"}"), 200);
    fx_assert_json(f, "{\"compatibility\":\"FULL\"}");
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"normalize\":true}"), 200);
    fx_assert_json(f, "{\"compatibility\":\"FULL\",\"normalize\":true}");
    assert_int_equal(fx_call(f, API_GET, "/config", NULL), 200);
    fx_assert_json(f, "{\"compatibilityLevel\":\"FULL\",\"normalize\":true}");
    /* An explicit null clears a field. */
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"normalize\":null}"), 200);
    fx_assert_json(f, "{\"compatibility\":\"FULL\"}");
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422);
    assert_int_equal(fx_code(f), 42203);
    assert_int_equal(fx_call(f, API_DELETE, "/config", NULL), 200);
    fx_assert_json(f, "{\"compatibilityLevel\":\"FULL\"}");
    assert_int_equal(fx_call(f, API_GET, "/config", NULL), 200);
    fx_assert_json(f, "{\"compatibilityLevel\":\"BACKWARD\"}");
}

static void test_subject_config_404_and_default_to_global(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/config/s", NULL), 404);
    assert_int_equal(fx_code(f), 40408);
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"compatibility\":\"FORWARD\"}"), 200);
    assert_int_equal(fx_call(f, API_GET, "/config/s?defaultToGlobal=true", NULL), 200);
    assert_string_equal(fx_str(f, "compatibilityLevel"), "FORWARD");
    assert_int_equal(fx_call(f, API_PUT, "/config/s", "{\"compatibility\":\"NONE\"}"), 200);
    fx_assert_json(f, "{\"compatibility\":\"NONE\"}");
    assert_int_equal(fx_call(f, API_GET, "/config/s", NULL), 200);
    fx_assert_json(f, "{\"compatibilityLevel\":\"NONE\"}");
    /* The subject level governs registration. */
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_BAD);
    assert_int_equal(fx_call(f, API_DELETE, "/config/s", NULL), 200);
    fx_assert_json(f, "{\"compatibilityLevel\":\"NONE\"}");
    assert_int_equal(fx_call(f, API_DELETE, "/config/s", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
    /* Default-context forms are the global config. */
    assert_int_equal(fx_call(f, API_GET, "/config/%3A.%3A", NULL), 200);
    assert_string_equal(fx_str(f, "compatibilityLevel"), "FORWARD");
    assert_int_equal(fx_call(f, API_PUT, "/config/bad%0A", "{\"compatibility\":\"NONE\"}"), 422);
    assert_int_equal(fx_code(f), 42208);
    assert_int_equal(fx_call(f, API_PUT, "/config/%3A.__GLOBAL%3A", "{\"compatibility\":\"FULL\"}"), 200);
}

static void test_readonly_refuses_config_changes(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READONLY\"}"), 200);
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"compatibility\":\"NONE\"}"), 422);
    assert_int_equal(fx_code(f), 42205);
    assert_int_equal(fx_call(f, API_DELETE, "/config", NULL), 422);
    assert_int_equal(fx_code(f), 42205);
    /* Mode changes stay allowed. */
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READWRITE\"}"), 200);
    assert_int_equal(fx_call(f, API_PUT, "/config", "{\"compatibility\":\"NONE\"}"), 200);
}

static void test_mode_get_put_delete(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_GET, "/mode", NULL), 200);
    fx_assert_json(f, "{\"mode\":\"READWRITE\"}");
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"sideways\"}"), 422);
    assert_int_equal(fx_code(f), 42204);
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"FORWARD\"}"), 422);
    assert_int_equal(fx_code(f), 42204);
    assert_int_equal(fx_call(f, API_GET, "/mode/s", NULL), 404);
    assert_int_equal(fx_code(f), 40409);
    assert_int_equal(fx_call(f, API_GET, "/mode/s?defaultToGlobal=true", NULL), 200);
    fx_assert_json(f, "{\"mode\":\"READWRITE\"}");
    assert_int_equal(fx_call(f, API_PUT, "/mode/s", "{\"mode\":\"readonly\"}"), 200);
    fx_assert_json(f, "{\"mode\":\"readonly\"}");
    assert_int_equal(fx_call(f, API_GET, "/mode/s", NULL), 200);
    fx_assert_json(f, "{\"mode\":\"READONLY\"}");
    assert_int_equal(fx_register(f, "s", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42205);
    assert_int_equal(fx_call(f, API_DELETE, "/mode/s", NULL), 200);
    fx_assert_json(f, "{\"mode\":\"READONLY\"}");
    assert_int_equal(fx_call(f, API_DELETE, "/mode/s", NULL), 404);
    assert_int_equal(fx_code(f), 40401);
    assert_int_equal(fx_call(f, API_DELETE, "/mode/s?recursive=true", NULL), 200);
    fx_assert_json(f, "{}");
    assert_int_equal(fx_call(f, API_PUT, "/mode/t", "{\"mode\":\"READONLY\"}"), 200);
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READONLY\"}"), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/mode?recursive=true", NULL), 200);
    fx_assert_json(f, "{\"mode\":\"READONLY\"}");
    assert_int_equal(fx_call(f, API_GET, "/mode/t", NULL), 404);
    assert_int_equal(fx_call(f, API_PUT, "/mode/%3A.__GLOBAL%3A", "{\"mode\":\"FORWARD\"}"), 200);
}

static void test_global_readonly_override_wins(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/mode/s", "{\"mode\":\"READWRITE\"}"), 200);
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READONLY_OVERRIDE\"}"), 200);
    assert_int_equal(fx_register(f, "s", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42205);
}

static void test_import_needs_empty_scope_or_force(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "gone", AVRO_V2);
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"IMPORT\"}"), 422);
    assert_int_equal(fx_code(f), 42205);
    assert_int_equal(fx_call(f, API_PUT, "/mode?force=true", "{\"mode\":\"IMPORT\"}"), 200);
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READWRITE\"}"), 200);
    /* Once every subject is soft-deleted the switch proceeds and purges the leftovers. */
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s", NULL), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/gone", NULL), 200);
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"IMPORT\"}"), 200);
    assert_int_equal(fx_call(f, API_GET, "/subjects?deleted=true", NULL), 200);
    fx_assert_json(f, "[]");
}

static void test_mode_changes_disabled_is_42205(void **state)
{
    struct fx *f = *state;
    f->cfg.mode_mutability = false;
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READONLY\"}"), 422);
    assert_int_equal(fx_code(f), 42205);
    assert_int_equal(fx_call(f, API_DELETE, "/mode", NULL), 422);
    assert_int_equal(fx_code(f), 42205);
}

static void test_config_normalize_applies_to_lookup_and_register(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/config/s", "{\"normalize\":true}"), 200);
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/config/s", NULL), 200);
    /* A stored config without a level reports the server default. */
    fx_assert_json(f, "{\"compatibilityLevel\":\"BACKWARD\",\"normalize\":true}");
    char *body = fx_body(AVRO_V1, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s", body), 200);
    assert_int_equal(fx_int(f, "id"), 1);
    free(body);
    /* The config's normalize applies to a registration without ?normalize too: the same
     * record with its custom properties in another order is only the same text once
     * normalized. */
    assert_int_equal(
        fx_register(f, "n", "{\"type\":\"record\",\"name\":\"R\",\"fields\":[],\"a\":1,\"b\":2}", NULL), 200);
    json_int_t id = fx_int(f, "id");
    assert_int_equal(fx_call(f, API_PUT, "/config/n", "{\"normalize\":true}"), 200);
    assert_int_equal(
        fx_register(f, "n", "{\"type\":\"record\",\"name\":\"R\",\"fields\":[],\"b\":2,\"a\":1}", NULL), 200);
    assert_int_equal(fx_int(f, "id"), id);
    assert_int_equal(fx_int(f, "version"), 1);
}

static void test_config_metadata_and_ruleset_layers_merge_at_registration(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/config/s",
                             "{\"defaultMetadata\":{\"properties\":{\"a\":\"1\",\"b\":\"1\"}},"
                             "\"overrideMetadata\":{\"properties\":{\"b\":\"3\"},\"sensitive\":[\"y\"]},"
                             "\"defaultRuleSet\":{\"domainRules\":[{\"name\":\"d\",\"type\":\"CEL\"}]},"
                             "\"overrideRuleSet\":{\"domainRules\":[{\"name\":\"o\",\"type\":\"CEL\"}]}}"),
                     200);
    assert_int_equal(
        fx_register(f, "s", AVRO_V1,
                    "{\"metadata\":{\"properties\":{\"a\":\"2\",\"c\":\"2\"},\"sensitive\":[\"x\"]},"
                    "\"ruleSet\":{\"domainRules\":[{\"name\":\"d\",\"type\":\"JSONATA\"}]}}"),
        200);
    json_t *md = json_object_get(f->json, "metadata");
    json_t *expect_md = json_loads(
        "{\"properties\":{\"a\":\"2\",\"b\":\"3\",\"c\":\"2\"},\"sensitive\":[\"x\",\"y\"]}", 0, NULL);
    assert_true(json_equal(md, expect_md));
    json_decref(expect_md);
    json_t *rules = json_object_get(json_object_get(f->json, "ruleSet"), "domainRules");
    assert_int_equal(json_array_size(rules), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 0), "type")), "JSONATA");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 1), "name")), "o");
    /* Re-sending the bare schema inherits everything: same version (no early dedup with layers). */
    assert_int_equal(fx_register(f, "s", AVRO_V1, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    /* A bad rule set in a config layer is 42210. */
    assert_int_equal(fx_call(f, API_PUT, "/config",
                             "{\"defaultRuleSet\":{\"domainRules\":[{\"name\":\"d\",\"type\":\"CEL\"},"
                             "{\"name\":\"d\",\"type\":\"CEL\"}]}}"),
                     422);
    assert_int_equal(fx_code(f), 42210);
}

static void test_alias_redirects_subject_requests(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/config/short", "{\"alias\":\"real-name\"}"), 200);
    fx_register_ok(f, "real-name", AVRO_V1);
    assert_int_equal(fx_call(f, API_GET, "/subjects/short/versions/1", NULL), 200);
    assert_string_equal(fx_str(f, "subject"), "real-name");
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1?subject=short", NULL), 200);
    assert_string_equal(fx_str(f, "subject"), "real-name");
    /* /config/{alias} itself is not rewritten. */
    assert_int_equal(fx_call(f, API_GET, "/config/short", NULL), 200);
    assert_string_equal(fx_str(f, "alias"), "real-name");
}

static void test_compatibility_group_limits_the_compared_versions(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/config/g", "{\"compatibilityGroup\":\"major\"}"), 200);
    assert_int_equal(fx_register(f, "g", AVRO_V1, "{\"metadata\":{\"properties\":{\"major\":\"1\"}}}"), 200);
    assert_int_equal(fx_register(f, "g", AVRO_BAD, "{\"metadata\":{\"properties\":{\"major\":\"1\"}}}"), 409);
    assert_int_equal(fx_register(f, "g", AVRO_BAD, "{\"metadata\":{\"properties\":{\"major\":\"2\"}}}"), 200);
    assert_int_equal(fx_int(f, "version"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_global_config_defaults_and_put_shape, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_subject_config_404_and_default_to_global, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_readonly_refuses_config_changes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_mode_get_put_delete, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_global_readonly_override_wins, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_needs_empty_scope_or_force, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_mode_changes_disabled_is_42205, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_config_normalize_applies_to_lookup_and_register, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_config_metadata_and_ruleset_layers_merge_at_registration,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_alias_redirects_subject_requests, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_compatibility_group_limits_the_compared_versions, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
