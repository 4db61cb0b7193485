/* SPDX-License-Identifier: Apache-2.0 */
/* test_register.c — POST /subjects/{s}/versions: the registration algorithm of spec 5.3 in
 * its order (early dedup before the mode gate, numbering, empty-schema copy, identity dedup
 * across subjects, compatibility, explicit version and id rules, IMPORT, purge). */
#include <pthread.h>

#include "api_test_util.h"
#include "compat.h"

static void test_register_returns_8x_shape(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "orders-value", AVRO_V1, NULL), 200);
    assert_int_equal(fx_int(f, "id"), 1);
    assert_int_equal(fx_int(f, "version"), 1);
    assert_string_equal(fx_str(f, "schemaType"), "AVRO");
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    assert_non_null(fx_str(f, "guid"));
    assert_int_equal(strlen(fx_str(f, "guid")), 36);
    assert_null(json_object_get(f->json, "subject"));
    assert_null(json_object_get(f->json, "references"));
}

static void test_reregistering_returns_existing_version(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    /* Identical to v1 (not the latest) after whitespace changes: still v1, no new version. */
    const char *spaced =
        "{ \"type\": \"record\", \"name\": \"Order\", \"fields\": [{\"name\": \"id\", \"type\": \"long\"}] }";
    assert_int_equal(fx_register(f, "s", spaced, NULL), 200);
    assert_int_equal(fx_int(f, "id"), 1);
    assert_int_equal(fx_int(f, "version"), 1);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions", NULL), 200);
    fx_assert_json(f, "[1,2]");
}

static void test_same_schema_in_other_subject_reuses_id(void **state)
{
    struct fx *f = *state;
    json_int_t id = fx_register_ok(f, "a", AVRO_V1);
    fx_register_ok(f, "b", AVRO_V2);
    assert_int_equal(fx_register_ok(f, "c", AVRO_V1), id);
    assert_int_equal(fx_int(f, "version"), 1);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1/subjects", NULL), 200);
    fx_assert_json(f, "[\"a\",\"c\"]");
}

static void test_existing_schema_is_answered_before_readonly_gate(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READONLY\"}"), 200);
    assert_int_equal(fx_register(f, "s", AVRO_V1, NULL), 200);
    assert_int_equal(fx_int(f, "id"), 1);
    assert_int_equal(fx_register(f, "s", AVRO_V2, NULL), 422);
    assert_int_equal(fx_code(f), 42205);
}

static void test_incompatible_schema_is_409_40901(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_register(f, "s", AVRO_BAD, NULL), 409);
    assert_int_equal(fx_code(f), 40901);
    assert_non_null(strstr(fx_str(f, "message"), "incompatible with an earlier schema for subject \"s\""));
    /* The details are not cut short: they end with the compared version and the level. */
    assert_non_null(strstr(fx_str(f, "message"), "{oldSchemaVersion: 1}"));
    assert_non_null(strstr(fx_str(f, "message"), "compatibility: 'BACKWARD'}]"));
    /* force=true skips the check. */
    char *body = fx_body(AVRO_BAD, NULL);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions?force=true", body), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    free(body);
}

static void test_compatibility_ignores_soft_deleted_versions(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/1", NULL), 200);
    assert_int_equal(fx_register(f, "s", AVRO_BAD, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 2);
}

static void test_numbering_counts_soft_deleted_and_restarts_after_hard_delete(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s", NULL), 200);
    fx_assert_json(f, "[1,2]");
    const char *v3 = "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[]}";
    assert_int_equal(fx_register(f, "s", v3, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 3);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/3", NULL), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/3?permanent=true", NULL), 200);
    assert_int_equal(fx_register(f, "s", v3, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 3);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s", NULL), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s?permanent=true", NULL), 200);
    assert_int_equal(fx_register(f, "s", v3, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 1);
}

static void test_reregistering_soft_deleted_schema_keeps_id_and_purges_old_version(void **state)
{
    struct fx *f = *state;
    json_int_t id = fx_register_ok(f, "s", AVRO_V1);
    fx_register_ok(f, "s", AVRO_V2);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s/versions/1", NULL), 200);
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"schemaType\":\"AVRO\"}"), 200);
    assert_int_equal(fx_int(f, "id"), id);
    assert_int_equal(fx_int(f, "version"), 3);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions?deletedAsNegative=true", NULL), 200);
    fx_assert_json(f, "[2,3]");
}

static void test_hard_deleted_id_is_not_reused(void **state)
{
    struct fx *f = *state;
    fx_register_ok(f, "s", AVRO_V1);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s", NULL), 200);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/s?permanent=true", NULL), 200);
    assert_int_equal(fx_call(f, API_GET, "/schemas/ids/1", NULL), 404);
    assert_int_equal(fx_code(f), 40403);
    assert_int_equal(fx_register_ok(f, "s", AVRO_V1), 2);
}

static void test_empty_schema_copies_latest_or_fails(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "s", NULL, "{\"schema\":\"\"}"), 422);
    assert_int_equal(fx_code(f), 42201);
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"metadata\":{\"properties\":{\"owner\":\"x\"}}}"), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    /* Omitting metadata inherits it from the latest version: dedups to v1. */
    assert_int_equal(fx_register(f, "s", AVRO_V1, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    /* An empty schema copies the latest version's text. */
    assert_int_equal(fx_register(f, "s", NULL, "{\"metadata\":{\"properties\":{\"owner\":\"y\"}}}"), 200);
    assert_int_equal(fx_int(f, "version"), 2);
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    json_t *props = json_object_get(json_object_get(f->json, "metadata"), "properties");
    assert_string_equal(json_string_value(json_object_get(props, "owner")), "y");
}

static void test_confluent_version_property_is_rewritten_and_ignored_for_dedup(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        fx_register(f, "s", AVRO_V1, "{\"metadata\":{\"properties\":{\"confluent:version\":\"7\"}}}"), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    json_t *props = json_object_get(json_object_get(f->json, "metadata"), "properties");
    assert_string_equal(json_string_value(json_object_get(props, "confluent:version")), "1");
    /* The same schema without the property is the same version (equivalence rule (c)). */
    assert_int_equal(fx_register(f, "s", AVRO_V1, NULL), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    assert_int_equal(fx_call(f, API_GET, "/subjects/s/versions", NULL), 200);
    fx_assert_json(f, "[1]");
}

static void test_explicit_version_must_be_next_outside_import(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"version\":2}"), 422);
    assert_int_equal(fx_code(f), 42201);
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"version\":1}"), 200);
    assert_int_equal(fx_int(f, "version"), 1);
    assert_int_equal(fx_register(f, "s", AVRO_V2, "{\"version\":-1}"), 200);
    assert_int_equal(fx_int(f, "version"), 2);
}

static void test_id_outside_import_mode_is_42205(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"id\":7}"), 422);
    assert_int_equal(fx_code(f), 42205);
    fx_register_ok(f, "s", AVRO_V1);
    /* The same schema under its own id is answered by the early dedup. */
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"id\":1}"), 200);
}

static void test_import_mode_uses_given_id_and_version(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"IMPORT\"}"), 200);
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"id\":100,\"version\":5}"), 200);
    assert_int_equal(fx_int(f, "id"), 100);
    assert_int_equal(fx_int(f, "version"), 5);
    /* No compatibility check in IMPORT. */
    assert_int_equal(fx_register(f, "s", AVRO_BAD, "{\"id\":101}"), 200);
    assert_int_equal(fx_int(f, "version"), 6);
    /* An id that denotes another schema cannot be overwritten. */
    assert_int_equal(fx_register(f, "t", AVRO_V2, "{\"id\":100}"), 422);
    assert_int_equal(fx_code(f), 42205);
    /* Without an id: refused. */
    assert_int_equal(fx_register(f, "t", AVRO_V2, NULL), 422);
    assert_int_equal(fx_code(f), 42205);
    /* Back to READWRITE: new ids continue above the highest imported one. */
    assert_int_equal(fx_call(f, API_PUT, "/mode", "{\"mode\":\"READWRITE\"}"), 200);
    assert_int_equal(fx_register_ok(f, "t", AVRO_V2), 102);
}

static void test_subject_name_validation_is_42208(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "bad%0Aname", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42208);
    assert_int_equal(fx_register(f, "__GLOBAL", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42208);
    assert_int_equal(fx_register(f, "%3A.__GLOBAL%3Ax", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42208);
    fx_register_ok(f, "with%20space%20%C3%A9", AVRO_V1);
}

static void test_invalid_ruleset_is_42210(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        fx_register(f, "s", AVRO_V1,
                    "{\"ruleSet\":{\"domainRules\":[{\"name\":\"r\",\"kind\":\"CONDITION\",\"type\":\"CEL\","
                    "\"mode\":\"UPGRADE\"}]}}"),
        422);
    assert_int_equal(fx_code(f), 42210);
    assert_int_equal(
        fx_register(f, "s", AVRO_V1,
                    "{\"ruleSet\":{\"domainRules\":[{\"name\":\"r\",\"type\":\"CEL\"},{\"name\":\"r\","
                    "\"type\":\"CEL\"}]}}"),
        422);
    assert_int_equal(fx_code(f), 42210);
    assert_int_equal(
        fx_register(f, "s", AVRO_V1,
                    "{\"ruleSet\":{\"domainRules\":[{\"name\":\"r\",\"kind\":\"CONDITION\",\"type\":\"CEL\","
                    "\"mode\":\"WRITE\",\"expr\":\"true\"}]}}"),
        200);
    assert_non_null(json_object_get(f->json, "ruleSet"));
}

static void test_schema_above_limit_is_42209(void **state)
{
    struct fx *f = *state;
    f->cfg.max_schema_bytes = 16;
    assert_int_equal(fx_register(f, "s", AVRO_V1, NULL), 422);
    assert_int_equal(fx_code(f), 42209);
}

static void test_invalid_schema_and_type_are_42201(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_register(f, "s", "{\"type\":\"record\"", NULL), 422);
    assert_int_equal(fx_code(f), 42201);
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"schemaType\":\"XML\"}"), 422);
    assert_int_equal(fx_code(f), 42201);
    assert_int_equal(fx_register(f, "s", AVRO_V1, "{\"schemaType\":\"avro\"}"), 422);
    assert_int_equal(fx_code(f), 42201);
}

static void test_references_are_resolved_and_stored_concrete(void **state)
{
    struct fx *f = *state;
    const char *addr =
        "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\",\"fields\":[{\"name\":"
        "\"street\",\"type\":\"string\"}]}";
    const char *person =
        "{\"type\":\"record\",\"name\":\"Person\",\"namespace\":\"com.acme\",\"fields\":[{\"name\":"
        "\"home\",\"type\":\"com.acme.Address\"}]}";
    json_int_t addr_id = fx_register_ok(f, "address", addr);
    const char *refs =
        "{\"references\":[{\"name\":\"com.acme.Address\",\"subject\":\"address\",\"version\":-1}]}";
    assert_int_equal(fx_register(f, "person", person, refs), 200);
    json_int_t pid = fx_int(f, "id");
    json_t *r0 = json_array_get(json_object_get(f->json, "references"), 0);
    assert_int_equal(json_integer_value(json_object_get(r0, "version")), 1);
    assert_int_equal(fx_call(f, API_GET, "/subjects/address/versions/1/referencedby", NULL), 200);
    json_t *exp = json_pack("[I]", pid);
    assert_true(json_equal(exp, f->json));
    json_decref(exp);
    /* Without the reference the schema does not parse. */
    assert_int_equal(fx_register(f, "person2", person, NULL), 422);
    assert_int_equal(fx_code(f), 42201);
    /* A reference to a missing version is 42201. */
    assert_int_equal(
        fx_register(
            f, "person3", person,
            "{\"references\":[{\"name\":\"com.acme.Address\",\"subject\":\"address\",\"version\":9}]}"),
        422);
    assert_int_equal(fx_code(f), 42201);
    /* Referenced versions cannot be deleted (42206 before 40407). */
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/address/versions/1", NULL), 422);
    assert_int_equal(fx_code(f), 42206);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/address", NULL), 422);
    assert_int_equal(fx_code(f), 42206);
    (void)addr_id;
}

static void test_new_schema_may_not_reference_soft_deleted_version(void **state)
{
    struct fx *f = *state;
    const char *addr =
        "{\"type\":\"record\",\"name\":\"Address\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}";
    const char *person =
        "{\"type\":\"record\",\"name\":\"Person\",\"fields\":[{\"name\":\"a\",\"type\":\"Address\"}]}";
    fx_register_ok(f, "address", addr);
    assert_int_equal(fx_call(f, API_DELETE, "/subjects/address/versions/1", NULL), 200);
    assert_int_equal(
        fx_register(f, "person", person,
                    "{\"references\":[{\"name\":\"Address\",\"subject\":\"address\",\"version\":1}]}"),
        422);
    assert_int_equal(fx_code(f), 42201);
}

static void test_protobuf_import_resolved_through_reference(void **state)
{
    struct fx *f = *state;
    if (!compat_type_supported(SR_SCHEMA_PROTOBUF))
        skip();
    const char *dep = "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 units = 1; }\n";
    const char *main_proto = "syntax = \"proto3\";\npackage acme;\nimport \"acme/money.proto\";\n"
                             "message Order { acme.Money total = 1; }\n";
    assert_int_equal(fx_register(f, "acme%2Fmoney.proto", dep, "{\"schemaType\":\"PROTOBUF\"}"), 200);
    assert_string_equal(fx_str(f, "schemaType"), "PROTOBUF");
    assert_int_equal(
        fx_register(f, "orders-value", main_proto,
                    "{\"schemaType\":\"PROTOBUF\",\"references\":[{\"name\":\"acme/money.proto\","
                    "\"subject\":\"acme/money.proto\",\"version\":1}]}"),
        200);
    json_int_t id = fx_int(f, "id");
    /* Without the reference the import cannot be resolved. */
    assert_int_equal(fx_register(f, "other", main_proto, "{\"schemaType\":\"PROTOBUF\"}"), 422);
    assert_int_equal(fx_code(f), 42201);
    char uri[64];
    snprintf(uri, sizeof uri, "/schemas/ids/%lld?format=serialized", (long long)id);
    assert_int_equal(fx_call(f, API_GET, uri, NULL), 200);
    assert_string_equal(fx_str(f, "schemaType"), "PROTOBUF");
    /* serialized is base64, never proto text. */
    assert_null(strstr(fx_str(f, "schema"), "syntax"));
}

static void test_tags_endpoint_creates_version_with_new_rules(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        fx_register(f, "s", AVRO_V1,
                    "{\"metadata\":{\"properties\":{\"owner\":\"a\"}},\"ruleSet\":{\"domainRules\":"
                    "[{\"name\":\"keep\",\"type\":\"CEL\"},{\"name\":\"drop\",\"type\":\"CEL\"}]}}"),
        200);
    json_int_t id1 = fx_int(f, "id");
    assert_int_equal(
        fx_call(f, API_POST, "/subjects/s/versions/1/tags",
                "{\"newVersion\":2,\"rulesToMerge\":{\"domainRules\":[{\"name\":\"added\",\"type\":"
                "\"CEL\"}]},\"rulesToRemove\":[\"drop\"]}"),
        200);
    assert_int_equal(fx_int(f, "version"), 2);
    assert_true(fx_int(f, "id") != id1);
    assert_string_equal(fx_str(f, "schema"), AVRO_V1);
    json_t *rules = json_object_get(json_object_get(f->json, "ruleSet"), "domainRules");
    assert_int_equal(json_array_size(rules), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 0), "name")), "keep");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 1), "name")), "added");
    json_t *props = json_object_get(json_object_get(f->json, "metadata"), "properties");
    assert_string_equal(json_string_value(json_object_get(props, "owner")), "a");
    /* newVersion must be the next version; ruleSet excludes rulesToMerge; inline tags refused. */
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions/latest/tags",
                             "{\"newVersion\":9,\"metadata\":{\"properties\":{\"owner\":\"b\"}}}"),
                     422);
    assert_int_equal(fx_code(f), 42201);
    assert_int_equal(
        fx_call(f, API_POST, "/subjects/s/versions/latest/tags", "{\"ruleSet\":{},\"rulesToMerge\":{}}"),
        422);
    assert_int_equal(fx_code(f), 42210);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions/1/tags",
                             "{\"tagsToAdd\":[{\"path\":[\"$.id\"],\"type\":\"FIELD\",\"tags\":[\"PII\"]}]}"),
                     422);
    assert_int_equal(fx_code(f), 42201);
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions/7/tags", "{}"), 404);
    assert_int_equal(fx_code(f), 40402);
    assert_int_equal(fx_call(f, API_POST, "/subjects/none/versions/1/tags", "{}"), 404);
    assert_int_equal(fx_code(f), 40401);
    /* metadata replaces the version's metadata. */
    assert_int_equal(fx_call(f, API_POST, "/subjects/s/versions/latest/tags",
                             "{\"metadata\":{\"properties\":{\"owner\":\"b\"}}}"),
                     200);
    assert_int_equal(fx_int(f, "version"), 3);
    props = json_object_get(json_object_get(f->json, "metadata"), "properties");
    assert_string_equal(json_string_value(json_object_get(props, "owner")), "b");
}

struct racer {
    struct fx *f;
    int index;
    int failures;
};

/* Each thread registers its own schemas into one shared subject and reads in between. */
static void *race(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < 25; i++) {
        char schema[128], body[256];
        snprintf(schema, sizeof schema, "{\"type\":\"enum\",\"name\":\"E%d_%d\",\"symbols\":[\"A\"]}",
                 r->index, i);
        json_t *b = json_pack("{s:s}", "schema", schema);
        char *text = json_dumps(b, JSON_COMPACT);
        snprintf(body, sizeof body, "%s", text);
        free(text);
        json_decref(b);
        struct api_request req = {.method = API_POST,
                                  .uri = "/subjects/shared/versions",
                                  .content_type = T_CT,
                                  .body = body,
                                  .body_len = strlen(body)};
        struct api_response resp;
        api_handle(&r->f->ctx, &req, &resp);
        r->failures += resp.status != 200;
        api_response_free(&resp);
        struct api_request get = {.method = API_GET, .uri = "/subjects/shared/versions/latest"};
        api_handle(&r->f->ctx, &get, &resp);
        r->failures += resp.status != 200;
        api_response_free(&resp);
    }
    return NULL;
}

static void test_concurrent_registrations_are_atomic(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_call(f, API_PUT, "/config/shared", "{\"compatibility\":\"NONE\"}"), 200);
    fx_register_ok(f, "shared", AVRO_V1);
    pthread_t th[4];
    struct racer rs[4];
    for (int i = 0; i < 4; i++) {
        rs[i] = (struct racer){f, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, race, &rs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].failures, 0);
    }
    /* 1 + 4 * 25 versions, numbered without gaps, each with its own id. */
    assert_int_equal(fx_call(f, API_GET, "/subjects/shared/versions", NULL), 200);
    assert_int_equal(json_array_size(f->json), 101);
    assert_int_equal(json_integer_value(json_array_get(f->json, 100)), 101);
    assert_int_equal(fx_call(f, API_GET, "/schemas?subjectPrefix=shared", NULL), 200);
    size_t i;
    json_t *v;
    json_int_t seen[102] = {0};
    json_array_foreach(f->json, i, v)
    {
        json_int_t id = json_integer_value(json_object_get(v, "id"));
        assert_true(id >= 1 && id <= 101);
        assert_int_equal(seen[id], 0);
        seen[id] = 1;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_returns_8x_shape, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reregistering_returns_existing_version, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_same_schema_in_other_subject_reuses_id, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_existing_schema_is_answered_before_readonly_gate, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_incompatible_schema_is_409_40901, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_compatibility_ignores_soft_deleted_versions, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_numbering_counts_soft_deleted_and_restarts_after_hard_delete,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(
            test_reregistering_soft_deleted_schema_keeps_id_and_purges_old_version, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_hard_deleted_id_is_not_reused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_empty_schema_copies_latest_or_fails, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_confluent_version_property_is_rewritten_and_ignored_for_dedup,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_explicit_version_must_be_next_outside_import, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_id_outside_import_mode_is_42205, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_mode_uses_given_id_and_version, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_subject_name_validation_is_42208, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_ruleset_is_42210, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_schema_above_limit_is_42209, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_schema_and_type_are_42201, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_references_are_resolved_and_stored_concrete, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_new_schema_may_not_reference_soft_deleted_version, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_protobuf_import_resolved_through_reference, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_tags_endpoint_creates_version_with_new_rules, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_registrations_are_atomic, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
