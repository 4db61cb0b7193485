/* SPDX-License-Identifier: Apache-2.0 */
/* test_json.c — schemaType JSON through the public compat API: what is rejected (and with
 * which code), canonical and normalized text, references, compatibility messages, and
 * instance validation with JSON Pointers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

static struct compat_schema *parse_flags(const char *text, unsigned flags, struct sr_error *err)
{
    return compat_schema_parse(SR_SCHEMA_JSON, text, strlen(text), NULL, 0, flags, err);
}

static struct compat_schema *parse(const char *text, struct sr_error *err)
{
    return parse_flags(text, COMPAT_PARSE_DEFAULT, err);
}

static void expect_invalid(const char *text, const char *needle)
{
    struct sr_error err = {0};
    struct compat_schema *s = parse(text, &err);
    if (s)
        fail_msg("accepted: %s", text);
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    if (needle && !strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
}

static void test_json_type_is_supported(void **state)
{
    (void)state;
    assert_true(compat_type_supported(SR_SCHEMA_JSON));
}

static void test_parse_rejects_malformed_json(void **state)
{
    (void)state;
    expect_invalid("{\"type\": ", NULL);
}

static void test_parse_rejects_root_that_is_not_object_or_boolean(void **state)
{
    (void)state;
    expect_invalid("[1,2]", "object or a boolean");
    expect_invalid("5", NULL);
}

static void test_parse_rejects_schema_invalid_against_metaschema(void **state)
{
    (void)state;
    expect_invalid("{\"type\": 5}", "/type");
    /* the reason names why each alternative failed, not only that none matched */
    expect_invalid("{\"type\": 5}", "not one of the allowed values");
    expect_invalid("{\"minLength\": -1}", "/minLength");
    expect_invalid("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"prefixItems\":{}}",
                   "/prefixItems");
}

static void test_parse_rejects_unresolved_ref(void **state)
{
    (void)state;
    expect_invalid("{\"properties\":{\"a\":{\"$ref\":\"#/definitions/missing\"}}}", "#/definitions/missing");
    expect_invalid("{\"$ref\":\"other.json\"}", "other.json");
}

static void test_parse_rejects_ref_cycle_without_nesting(void **state)
{
    (void)state;
    expect_invalid(
        "{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},\"b\":{\"$ref\":\"#/definitions/a\"}},"
        "\"$ref\":\"#/definitions/a\"}",
        "cycle");
    expect_invalid(
        "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"anyOf\":[{\"$ref\":\"#\"}]}",
        "cycle");
}

static void test_parse_accepts_recursion_through_properties(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s =
        parse("{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#\"},\"v\":{\"type\":\"integer\"}}}",
              &err);
    assert_non_null(s);
    json_t *inst = json_loads("{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":\"x\"}}}", 0, NULL);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    assert_int_equal(res.count, 1);
    assert_string_equal(res.items[0].instance_path, "/next/next/v");
    compat_json_result_free(&res);
    json_decref(inst);
    compat_schema_free(s);
}

static void test_parse_rejects_10000_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 10000;
    char *text = malloc(depth * 14 + 16);
    char *p = text;
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "{\"not\":");
    p += sprintf(p, "{}");
    for (size_t i = 0; i < depth; i++)
        *p++ = '}';
    *p = '\0';
    expect_invalid(text, NULL);
    free(text);
}

static void test_parse_rejects_invalid_utf8(void **state)
{
    (void)state;
    expect_invalid("{\"title\":\"\xff\xfe\"}", NULL);
}

static void test_parse_rejects_pattern_that_does_not_compile(void **state)
{
    (void)state;
    expect_invalid("{\"type\":\"string\",\"pattern\":\"(unclosed\"}", "pattern");
    expect_invalid("{\"patternProperties\":{\"[a-\":{}}}", "patternProperties");
}

static void test_canonical_is_compact_and_keeps_member_order(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s =
        parse("{ \"type\" : \"object\",\n \"properties\": {\"b\": {\"type\":\"number\", \"maximum\": 1.5}, "
              "\"a\": {}} }",
              &err);
    assert_non_null(s);
    assert_string_equal(
        compat_schema_canonical(s, NULL),
        "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"number\",\"maximum\":1.5},\"a\":{}}}");
    compat_schema_free(s);
}

static void test_normalize_sorts_keys_recursively(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s = parse_flags(
        "{\"type\":\"object\",\"properties\":{\"b\":{},\"a\":{\"type\":\"string\",\"title\":\"t\"}}}",
        COMPAT_PARSE_NORMALIZE, &err);
    assert_non_null(s);
    assert_string_equal(
        compat_schema_canonical(s, NULL),
        "{\"properties\":{\"a\":{\"title\":\"t\",\"type\":\"string\"},\"b\":{}},\"type\":\"object\"}");
    compat_schema_free(s);
}

static void test_big_integer_is_kept_as_a_real(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s = parse("{\"maximum\":100000000000000000000}", &err);
    assert_non_null(s);
    assert_string_equal(compat_schema_canonical(s, NULL), "{\"maximum\":1e+20}");
    compat_schema_free(s);
}

static void test_boolean_schema_parses(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s = parse("true", &err);
    assert_non_null(s);
    assert_string_equal(compat_schema_canonical(s, NULL), "true");
    compat_schema_free(s);
}

static void test_reference_resolves_by_name(void **state)
{
    (void)state;
    const char *other =
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"required\":[\"id\"]}";
    struct compat_ref ref = {"other.json", SR_SCHEMA_JSON, other, strlen(other)};
    const char *main_text = "{\"type\":\"object\",\"properties\":{\"o\":{\"$ref\":\"other.json\"}}}";
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_JSON, main_text, strlen(main_text), &ref, 1,
                                                  COMPAT_PARSE_DEFAULT, &err);
    assert_non_null(s);
    json_t *inst = json_loads("{\"o\":{}}", 0, NULL);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    assert_int_equal(res.count, 1);
    assert_string_equal(res.items[0].instance_path, "/o");
    assert_non_null(strstr(res.items[0].message, "'id'"));
    compat_json_result_free(&res);
    json_decref(inst);
    compat_schema_free(s);
}

static void test_reference_with_absolute_id_resolves(void **state)
{
    (void)state;
    const char *other = "{\"$id\":\"https://example.com/schemas/addr.json\",\"type\":\"string\"}";
    struct compat_ref ref = {"https://example.com/schemas/addr.json", SR_SCHEMA_JSON, other, strlen(other)};
    const char *main_text =
        "{\"$id\":\"https://example.com/schemas/person.json\",\"properties\":{\"a\":{\"$ref\":"
        "\"addr.json\"}}}";
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_JSON, main_text, strlen(main_text), &ref, 1,
                                                  COMPAT_PARSE_DEFAULT, &err);
    if (!s)
        fail_msg("%s", err.message);
    /* "addr.json" resolved against person.json's $id reaches the referenced string schema */
    json_t *bad = json_loads("{\"a\":5}", 0, NULL), *good = json_loads("{\"a\":\"x\"}", 0, NULL);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, bad, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    assert_int_equal(res.count, 1);
    assert_string_equal(res.items[0].instance_path, "/a");
    assert_string_equal(res.items[0].schema_path, "/properties/a/$ref/type");
    compat_json_result_free(&res);
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, good, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_true(res.valid);
    compat_json_result_free(&res);
    json_decref(bad);
    json_decref(good);
    compat_schema_free(s);
}

static void test_validate_reports_every_violation_with_pointers(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s = parse("{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{"
                                    "\"age\":{\"type\":\"integer\",\"minimum\":0},"
                                    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}",
                                    &err);
    assert_non_null(s);
    json_t *inst = json_loads("{\"age\":-1,\"tags\":[\"a\",2]}", 0, NULL);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    assert_int_equal(res.count, 3);
    int seen = 0;
    for (size_t i = 0; i < res.count; i++) {
        if (strcmp(res.items[i].instance_path, "") == 0 && strcmp(res.items[i].schema_path, "/required") == 0)
            seen |= 1;
        if (strcmp(res.items[i].instance_path, "/age") == 0 &&
            strcmp(res.items[i].schema_path, "/properties/age/minimum") == 0)
            seen |= 2;
        if (strcmp(res.items[i].instance_path, "/tags/1") == 0 &&
            strcmp(res.items[i].schema_path, "/properties/tags/items/type") == 0)
            seen |= 4;
    }
    assert_int_equal(seen, 7);
    compat_json_result_free(&res);

    json_t *good = json_loads("{\"name\":\"x\",\"age\":3}", 0, NULL);
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, good, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_true(res.valid);
    assert_int_equal(res.count, 0);
    compat_json_result_free(&res);
    json_decref(good);
    json_decref(inst);
    compat_schema_free(s);
}

static void test_validate_formats_only_when_asked(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s = parse("{\"type\":\"string\",\"format\":\"date-time\"}", &err);
    assert_non_null(s);
    json_t *inst = json_string("yesterday");
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_true(res.valid);
    compat_json_result_free(&res);
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_ASSERT_FORMAT, &res, &err), 0);
    assert_false(res.valid);
    assert_string_equal(res.items[0].schema_path, "/format");
    compat_json_result_free(&res);
    json_decref(inst);
    compat_schema_free(s);

    /* uuid is a 2019-09 format, but a draft-07 schema using it means the same */
    s = parse("{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"format\":\"uuid\"}", &err);
    assert_non_null(s);
    json_t *good = json_string("123e4567-e89b-12d3-a456-426614174000"), *bad = json_string("123e4567");
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, good, COMPAT_JSON_ASSERT_FORMAT, &res, &err), 0);
    assert_true(res.valid);
    compat_json_result_free(&res);
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, bad, COMPAT_JSON_ASSERT_FORMAT, &res, &err), 0);
    assert_false(res.valid);
    compat_json_result_free(&res);
    json_decref(good);
    json_decref(bad);
    compat_schema_free(s);
}

static void test_validate_huge_enum(void **state)
{
    (void)state;
    json_t *en = json_array();
    for (int i = 0; i < 20000; i++)
        json_array_append_new(en, json_integer(i));
    json_t *schema = json_pack("{s:o}", "enum", en);
    char *text = json_dumps(schema, JSON_COMPACT);
    struct sr_error err = {0};
    struct compat_schema *s = parse(text, &err);
    assert_non_null(s);
    json_t *in = json_integer(19999), *out = json_integer(20000);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, in, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_true(res.valid);
    compat_json_result_free(&res);
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, out, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    compat_json_result_free(&res);
    json_decref(in);
    json_decref(out);
    free(text);
    json_decref(schema);
    compat_schema_free(s);
}

static void test_validate_deeply_nested_instance_is_a_violation(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s = parse("{\"type\":[\"array\",\"integer\"],\"items\":{\"$ref\":\"#\"}}", &err);
    assert_non_null(s);
    int depth = 2000;
    char *text = malloc((size_t)depth * 2 + 2);
    memset(text, '[', (size_t)depth);
    text[depth] = '1';
    memset(text + depth + 1, ']', (size_t)depth);
    text[2 * depth + 1] = '\0';
    json_t *deep = json_loads(text, 0, NULL);
    assert_non_null(deep);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, deep, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    assert_non_null(strstr(res.items[res.count - 1].message, "deeper or longer than its budget"));
    compat_json_result_free(&res);
    json_decref(deep);
    /* a modest depth is fine */
    json_t *shallow = json_loads("[[[[1]]],2]", 0, NULL);
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, shallow, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_true(res.valid);
    compat_json_result_free(&res);
    json_decref(shallow);
    free(text);
    compat_schema_free(s);
}

static void test_parse_rejects_schema_nested_beyond_limit(void **state)
{
    (void)state;
    /* 300 levels: valid JSON for jansson, too deep for the registry */
    char text[300 * 14 + 16];
    char *p = text;
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "{\"items\":");
    p += sprintf(p, "{}");
    for (int i = 0; i < 300; i++)
        *p++ = '}';
    *p = '\0';
    expect_invalid(text, "deeper than");
}

static void test_lenient_import_keeps_unresolved_ref_but_cannot_validate(void **state)
{
    (void)state;
    const char *text = "{\"properties\":{\"a\":{\"$ref\":\"missing.json\"}},\"minLength\":\"x\"}";
    struct sr_error err = {0};
    assert_null(parse(text, &err));
    struct compat_schema *s = parse_flags(text, COMPAT_PARSE_LENIENT, &err);
    assert_non_null(s);
    json_t *inst = json_loads("{\"a\":1}", 0, NULL);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), -1);
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    assert_non_null(strstr(err.message, "missing.json"));
    compat_json_result_free(&res);
    json_decref(inst);
    compat_schema_free(s);
}

static void test_validate_unique_items_on_large_arrays(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *s = parse("{\"type\":\"array\",\"uniqueItems\":true}", &err);
    assert_non_null(s);
    json_t *arr = json_array();
    for (int i = 0; i < 100000; i++)
        json_array_append_new(arr, i % 2 ? json_integer(i) : json_pack("{s:i}", "k", i));
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, arr, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_true(res.valid);
    compat_json_result_free(&res);
    /* 1.0 equals 1: a duplicate */
    json_array_append_new(arr, json_real(99999.0));
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, arr, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    assert_non_null(strstr(res.items[0].message, "99999 and 100000"));
    compat_json_result_free(&res);
    json_decref(arr);
    compat_schema_free(s);
}

static void test_backward_accepts_huge_enum_extended(void **state)
{
    (void)state;
    json_t *small = json_array(), *big = json_array();
    for (int i = 0; i < 50000; i++) {
        json_array_append_new(small, json_integer(i));
        json_array_append_new(big, json_integer(i));
    }
    json_array_append_new(big, json_string("extra"));
    json_t *ws = json_pack("{s:O}", "enum", small), *rs = json_pack("{s:O}", "enum", big);
    char *wt = json_dumps(ws, JSON_COMPACT), *rt = json_dumps(rs, JSON_COMPACT);
    struct sr_error err = {0};
    struct compat_schema *w = parse(wt, &err), *r = parse(rt, &err);
    assert_non_null(w);
    assert_non_null(r);
    struct compat_result res;
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), 0);
    assert_true(res.compatible);
    compat_result_free(&res);
    compat_result_init(&res);
    assert_int_equal(compat_can_read(w, r, &res, &err), 0);
    assert_false(res.compatible);
    assert_non_null(strstr(res.messages[0], "ENUM_ARRAY_NARROWED"));
    compat_result_free(&res);
    compat_schema_free(w);
    compat_schema_free(r);
    free(wt);
    free(rt);
    json_decref(ws);
    json_decref(rs);
    json_decref(small);
    json_decref(big);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The CloudEvents envelope schema (draft-07) composes with an event schema through a
 * reference named by its URL, as the CloudEvents endpoint will use it. */
static void test_cloudevents_envelope_composes_through_a_reference(void **state)
{
    (void)state;
    size_t len;
    char *envelope = slurp("data/cloudevents/cloudevents.json", &len);
    struct compat_ref ref = {"https://cloudevents.io/schemas/cloudevent.json", SR_SCHEMA_JSON, envelope, len};
    const char *event_schema = "{\"allOf\":[{\"$ref\":\"https://cloudevents.io/schemas/cloudevent.json\"}],"
                               "\"properties\":{\"data\":{\"type\":\"object\",\"required\":[\"orderId\"]}}}";
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_JSON, event_schema, strlen(event_schema), &ref, 1,
                                                  COMPAT_PARSE_DEFAULT, &err);
    if (!s)
        fail_msg("%s", err.message);
    json_t *good = json_loads("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/orders\",\"type\":\"order."
                              "created\",\"time\":\"2018-04-05T17:31:00Z\",\"data\":{\"orderId\":7}}",
                              0, NULL);
    json_t *bad = json_loads("{\"specversion\":\"1.0\",\"source\":\"/orders\",\"type\":\"order.created\","
                             "\"time\":\"yesterday\",\"data\":{}}",
                             0, NULL);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, good, COMPAT_JSON_ASSERT_FORMAT, &res, &err), 0);
    assert_true(res.valid);
    compat_json_result_free(&res);
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, bad, COMPAT_JSON_ASSERT_FORMAT, &res, &err), 0);
    assert_false(res.valid);
    int seen = 0;
    for (size_t i = 0; i < res.count; i++) {
        if (strcmp(res.items[i].instance_path, "") == 0 && strstr(res.items[i].message, "'id'"))
            seen |= 1;
        if (strcmp(res.items[i].instance_path, "/time") == 0 && strstr(res.items[i].message, "date-time"))
            seen |= 2;
        if (strcmp(res.items[i].instance_path, "/data") == 0 && strstr(res.items[i].message, "'orderId'"))
            seen |= 4;
    }
    assert_int_equal(seen, 7);
    compat_json_result_free(&res);
    json_decref(good);
    json_decref(bad);
    compat_schema_free(s);
    free(envelope);
}

struct worker {
    struct compat_schema *schema, *other;
    int wrong;
};

static void *validate_many(void *arg)
{
    struct worker *w = arg;
    json_t *good = json_loads("{\"id\":\"ab-12\",\"child\":{\"id\":\"cd-34\"}}", 0, NULL);
    json_t *bad = json_loads("{\"id\":\"AB\",\"child\":{\"id\":7}}", 0, NULL);
    for (int i = 0; i < 300; i++) {
        struct sr_error err = {0};
        struct compat_json_result res;
        compat_json_result_init(&res);
        if (compat_json_validate(w->schema, i % 2 ? bad : good, COMPAT_JSON_ASSERT_FORMAT, &res, &err) != 0 ||
            res.valid != (i % 2 == 0))
            w->wrong++;
        compat_json_result_free(&res);
        struct compat_result cres;
        compat_result_init(&cres);
        if (compat_can_read(w->other, w->schema, &cres, &err) != 0 || cres.compatible)
            w->wrong++;
        compat_result_free(&cres);
    }
    json_decref(good);
    json_decref(bad);
    return NULL;
}

/* One parsed schema, validated and compared from several threads at once: every answer
 * stays right (the lazily filled caches are locked). */
static void test_validate_same_schema_from_threads(void **state)
{
    (void)state;
    struct sr_error err = {0};
    const char *text = "{\"$id\":\"https://example.com/node.json\",\"type\":\"object\",\"properties\":{"
                       "\"id\":{\"type\":\"string\",\"pattern\":\"^[a-z]+-[0-9]+$\"},"
                       "\"child\":{\"$ref\":\"#\"}},\"patternProperties\":{\"^x-\":{\"type\":\"string\"}}}";
    struct compat_schema *s = parse(text, &err);
    struct compat_schema *o = parse("{\"type\":\"array\"}", &err);
    assert_non_null(s);
    assert_non_null(o);
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){s, o, 0};
        assert_int_equal(pthread_create(&t[i], NULL, validate_many, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].wrong, 0);
    }
    compat_schema_free(s);
    compat_schema_free(o);
}

/* A $ref loop refused at registration can still arrive through IMPORT (lenient) mode:
 * validating and comparing it must stop, not overflow the stack. */
static void test_lenient_ref_loop_stops(void **state)
{
    (void)state;
    const char *text =
        "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"http://x/a.json\","
        "\"$ref\":\"a.json\"}";
    struct sr_error err = {0};
    assert_null(parse(text, &err));
    struct compat_schema *s = parse_flags(text, COMPAT_PARSE_LENIENT, &err);
    assert_non_null(s);
    json_t *inst = json_integer(1);
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), 0);
    assert_false(res.valid);
    assert_non_null(strstr(res.items[res.count - 1].message, "budget"));
    compat_json_result_free(&res);
    struct compat_result cres;
    compat_result_init(&cres);
    assert_int_equal(compat_can_read(s, s, &cres, &err), 0);
    compat_result_free(&cres);
    json_decref(inst);
    compat_schema_free(s);
}

static void test_validate_rejects_non_json_schema(void **state)
{
    (void)state;
    struct sr_error err = {0};
    const char *avro = "\"string\"";
    struct compat_schema *s =
        compat_schema_parse(SR_SCHEMA_AVRO, avro, strlen(avro), NULL, 0, COMPAT_PARSE_DEFAULT, &err);
    assert_non_null(s);
    json_t *inst = json_string("x");
    struct compat_json_result res;
    compat_json_result_init(&res);
    assert_int_equal(compat_json_validate(s, inst, COMPAT_JSON_VALIDATE_DEFAULT, &res, &err), -1);
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    compat_json_result_free(&res);
    json_decref(inst);
    compat_schema_free(s);
}

static void test_backward_rejects_type_change_with_pointer(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *w =
        parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}", &err);
    struct compat_schema *r =
        parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}", &err);
    assert_non_null(w);
    assert_non_null(r);
    struct compat_result res;
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), 0);
    assert_false(res.compatible);
    assert_int_equal(res.count, 1);
    assert_non_null(strstr(res.messages[0], "TYPE_CHANGED"));
    assert_non_null(strstr(res.messages[0], "#/properties/a"));
    compat_result_free(&res);
    compat_schema_free(w);
    compat_schema_free(r);
}

static void test_backward_accepts_optional_property_added_to_closed_model(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *w = parse("{\"type\":\"object\",\"additionalProperties\":false,"
                                    "\"properties\":{\"a\":{\"type\":\"string\"}}}",
                                    &err);
    struct compat_schema *r =
        parse("{\"type\":\"object\",\"additionalProperties\":false,"
              "\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"string\"}}}",
              &err);
    assert_non_null(w);
    assert_non_null(r);
    struct compat_result res;
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), 0);
    assert_true(res.compatible);
    compat_result_free(&res);
    /* and the other way round the property disappears from a closed model */
    compat_result_init(&res);
    assert_int_equal(compat_can_read(w, r, &res, &err), 0);
    assert_false(res.compatible);
    assert_non_null(strstr(res.messages[0], "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"));
    compat_result_free(&res);
    compat_schema_free(w);
    compat_schema_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_type_is_supported),
        cmocka_unit_test(test_parse_rejects_malformed_json),
        cmocka_unit_test(test_parse_rejects_root_that_is_not_object_or_boolean),
        cmocka_unit_test(test_parse_rejects_schema_invalid_against_metaschema),
        cmocka_unit_test(test_parse_rejects_unresolved_ref),
        cmocka_unit_test(test_parse_rejects_ref_cycle_without_nesting),
        cmocka_unit_test(test_parse_accepts_recursion_through_properties),
        cmocka_unit_test(test_parse_rejects_10000_deep_nesting),
        cmocka_unit_test(test_parse_rejects_invalid_utf8),
        cmocka_unit_test(test_parse_rejects_pattern_that_does_not_compile),
        cmocka_unit_test(test_canonical_is_compact_and_keeps_member_order),
        cmocka_unit_test(test_normalize_sorts_keys_recursively),
        cmocka_unit_test(test_big_integer_is_kept_as_a_real),
        cmocka_unit_test(test_boolean_schema_parses),
        cmocka_unit_test(test_reference_resolves_by_name),
        cmocka_unit_test(test_reference_with_absolute_id_resolves),
        cmocka_unit_test(test_validate_reports_every_violation_with_pointers),
        cmocka_unit_test(test_validate_formats_only_when_asked),
        cmocka_unit_test(test_validate_huge_enum),
        cmocka_unit_test(test_validate_deeply_nested_instance_is_a_violation),
        cmocka_unit_test(test_parse_rejects_schema_nested_beyond_limit),
        cmocka_unit_test(test_lenient_import_keeps_unresolved_ref_but_cannot_validate),
        cmocka_unit_test(test_validate_unique_items_on_large_arrays),
        cmocka_unit_test(test_backward_accepts_huge_enum_extended),
        cmocka_unit_test(test_cloudevents_envelope_composes_through_a_reference),
        cmocka_unit_test(test_validate_same_schema_from_threads),
        cmocka_unit_test(test_lenient_ref_loop_stops),
        cmocka_unit_test(test_validate_rejects_non_json_schema),
        cmocka_unit_test(test_backward_rejects_type_change_with_pointer),
        cmocka_unit_test(test_backward_accepts_optional_property_added_to_closed_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
