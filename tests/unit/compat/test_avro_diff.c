/* SPDX-License-Identifier: Apache-2.0 */
/* test_avro_diff.c — compat_diff() for Avro (avro_diff.c): each change kind with its path and
 * its BACKWARD/FORWARD verdict, termination on recursive types; and for every type (Avro,
 * JSON Schema and Protobuf through compat_listed_changes) agreement with the compatibility
 * check over every pair of the conformance corpora: a direction breaks exactly when some
 * listed change breaks it. */
#include <jansson.h>
#include <stdlib.h>

#include "compat_test_util.h"

#define CORPUS "data/conformance/avro.jsonl"

static const struct compat_change *find(const struct compat_changes *c, const char *kind, const char *path)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->items[i].kind, kind) == 0 && strcmp(c->items[i].path, path) == 0)
            return &c->items[i];
    return NULL;
}

static void diff_of(const char *old_text, const char *new_text, struct compat_changes *out)
{
    struct sr_error err = {0};
    struct compat_schema *o = avro_ok(old_text), *n = avro_ok(new_text);
    compat_changes_init(out);
    assert_int_equal(compat_diff(o, n, out, &err), 0);
    assert_true(out->supported);
    compat_schema_free(o);
    compat_schema_free(n);
}

/* Asserts that the change exists with exactly these verdicts. */
static void expect(const struct compat_changes *c, const char *kind, const char *path, unsigned breaks)
{
    const struct compat_change *ch = find(c, kind, path);
    if (!ch) {
        for (size_t i = 0; i < c->count; i++)
            printf("  have %s %s %u\n", c->items[i].kind, c->items[i].path, c->items[i].breaks);
        fail_msg("no %s at %s", kind, path);
    }
    assert_int_equal(ch->breaks, breaks);
}

#define REC(fields) "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\",\"fields\":[" fields "]}"

static void test_diff_identical_schemas_have_no_changes(void **state)
{
    (void)state;
    struct compat_changes c;
    diff_of(REC("{\"name\":\"a\",\"type\":\"int\"}"), REC("{\"name\":\"a\",\"type\":\"int\"}"), &c);
    assert_int_equal(c.count, 0);
    compat_changes_free(&c);
}

static void test_diff_fields_added_removed_renamed(void **state)
{
    (void)state;
    struct compat_changes c;
    diff_of(REC("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\",\"default\":1},"
                "{\"name\":\"c\",\"type\":\"int\"},{\"name\":\"old\",\"type\":\"int\"}"),
            REC("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"x\",\"type\":\"int\"},"
                "{\"name\":\"y\",\"type\":\"int\",\"default\":0},{\"name\":\"nu\",\"type\":\"int\","
                "\"aliases\":[\"old\"]}"),
            &c);
    expect(&c, "FIELD_ADDED", "/fields/x", COMPAT_BREAKS_BACKWARD);
    expect(&c, "FIELD_ADDED", "/fields/y", COMPAT_BREAKS_NONE);
    expect(&c, "FIELD_REMOVED", "/fields/b", COMPAT_BREAKS_NONE);
    expect(&c, "FIELD_REMOVED", "/fields/c", COMPAT_BREAKS_FORWARD);
    expect(&c, "FIELD_RENAMED", "/fields/nu", COMPAT_BREAKS_FORWARD);
    expect(&c, "ALIAS_ADDED", "/fields/nu/aliases", COMPAT_BREAKS_NONE);
    assert_null(find(&c, "FIELD_REMOVED", "/fields/old"));
    compat_changes_free(&c);
}

/* A pairing only one direction's reader makes (through its own aliases) can break only that
 * direction: here the old reader finds f1 through the alias of f1_new and cannot read its new
 * union type, while the new reader sees f1 as added without a default. */
static void test_diff_alias_pairing_counts_for_its_direction_only(void **state)
{
    (void)state;
    struct compat_changes c;
    diff_of(REC("{\"name\":\"f1_new\",\"type\":\"string\",\"aliases\":[\"f1\"]}"),
            REC("{\"name\":\"f1\",\"type\":[\"null\",\"string\",\"int\"]}"), &c);
    expect(&c, "FIELD_ADDED", "/fields/f1", COMPAT_BREAKS_BACKWARD);
    expect(&c, "FIELD_RENAMED", "/fields/f1", COMPAT_BREAKS_NONE);
    expect(&c, "FIELD_TYPE_CHANGED", "/fields/f1/type", COMPAT_BREAKS_FORWARD);
    compat_changes_free(&c);
    /* renamed with an alias only on the new side, old field defaulted: FORWARD reads the
     * default, so the type change cannot break FORWARD */
    diff_of(REC("{\"name\":\"a\",\"type\":\"int\",\"default\":0}"),
            REC("{\"name\":\"b\",\"type\":\"long\",\"aliases\":[\"a\"]}"), &c);
    expect(&c, "FIELD_RENAMED", "/fields/b", COMPAT_BREAKS_NONE);
    expect(&c, "TYPE_PROMOTED", "/fields/b/type", COMPAT_BREAKS_NONE);
    compat_changes_free(&c);
}

static void test_diff_types_promoted_and_changed(void **state)
{
    (void)state;
    struct compat_changes c;
    diff_of(
        REC("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"double\"},"
            "{\"name\":\"c\",\"type\":\"string\"},{\"name\":\"d\",\"type\":{\"type\":\"array\",\"items\":"
            "\"string\"}},{\"name\":\"e\",\"type\":\"string\"}"),
        REC("{\"name\":\"a\",\"type\":\"long\"},{\"name\":\"b\",\"type\":\"float\"},"
            "{\"name\":\"c\",\"type\":\"boolean\"},{\"name\":\"d\",\"type\":{\"type\":\"array\",\"items\":"
            "\"bytes\"}},{\"name\":\"e\",\"type\":[\"null\",\"string\"],\"default\":null}"),
        &c);
    expect(&c, "TYPE_PROMOTED", "/fields/a/type", COMPAT_BREAKS_FORWARD);
    expect(&c, "FIELD_TYPE_CHANGED", "/fields/b/type", COMPAT_BREAKS_BACKWARD);
    expect(&c, "FIELD_TYPE_CHANGED", "/fields/c/type", COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD);
    expect(&c, "TYPE_PROMOTED", "/fields/d/type/items", COMPAT_BREAKS_NONE);
    /* string -> [null, string]: the union reads a string, a string reader cannot read null */
    expect(&c, "FIELD_TYPE_CHANGED", "/fields/e/type", COMPAT_BREAKS_FORWARD);
    expect(&c, "DEFAULT_ADDED", "/fields/e/default", COMPAT_BREAKS_NONE);
    compat_changes_free(&c);
}

static void test_diff_enum_union_fixed_and_names(void **state)
{
    (void)state;
    struct compat_changes c;
    diff_of(REC("{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}},"
                "{\"name\":\"f\",\"type\":{\"type\":\"enum\",\"name\":\"G\",\"symbols\":[\"A\",\"B\"],"
                "\"default\":\"A\"}},"
                "{\"name\":\"u\",\"type\":[\"null\",\"string\"]},"
                "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"X\",\"size\":4}}"),
            "{\"type\":\"record\",\"name\":\"R2\",\"namespace\":\"n\",\"aliases\":[\"R\"],\"doc\":\"d\","
            "\"fields\":["
            "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"C\"]}},"
            "{\"name\":\"f\",\"type\":{\"type\":\"enum\",\"name\":\"G\",\"symbols\":[\"A\",\"C\"],"
            "\"default\":\"A\"}},"
            "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"long\"]},"
            "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"X\",\"size\":8}}]}",
            &c);
    expect(&c, "NAME_CHANGED", "/name", COMPAT_BREAKS_FORWARD);
    expect(&c, "ALIAS_ADDED", "/aliases", COMPAT_BREAKS_NONE);
    expect(&c, "DOC_ADDED", "/doc", COMPAT_BREAKS_NONE);
    expect(&c, "ENUM_SYMBOL_ADDED", "/fields/e/type/symbols/C", COMPAT_BREAKS_FORWARD);
    expect(&c, "ENUM_SYMBOL_REMOVED", "/fields/e/type/symbols/B", COMPAT_BREAKS_BACKWARD);
    /* a default symbol absorbs unknown ones on either side */
    expect(&c, "ENUM_SYMBOL_ADDED", "/fields/f/type/symbols/C", COMPAT_BREAKS_NONE);
    expect(&c, "ENUM_SYMBOL_REMOVED", "/fields/f/type/symbols/B", COMPAT_BREAKS_NONE);
    /* the new int branch is readable by nothing old; long neither (string cannot read it) */
    expect(&c, "UNION_BRANCH_ADDED", "/fields/u/type/1", COMPAT_BREAKS_FORWARD);
    expect(&c, "UNION_BRANCH_REMOVED", "/fields/u/type/1", COMPAT_BREAKS_BACKWARD);
    expect(&c, "FIXED_SIZE_CHANGED", "/fields/x/type/size", COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD);
    compat_changes_free(&c);
}

static void test_diff_lists_property_changes_with_escaped_paths(void **state)
{
    (void)state;
    struct compat_changes c;
    diff_of(REC("{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},"
                "\"a/b\":1}"),
            REC("{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"},"
                "\"x~y\":2}"),
            &c);
    expect(&c, "PROPERTY_CHANGED", "/fields/t/type/logicalType", COMPAT_BREAKS_NONE);
    expect(&c, "PROPERTY_REMOVED", "/fields/t/a~1b", COMPAT_BREAKS_NONE);
    expect(&c, "PROPERTY_ADDED", "/fields/t/x~0y", COMPAT_BREAKS_NONE);
    compat_changes_free(&c);
}

static void test_diff_terminates_on_recursive_types(void **state)
{
    (void)state;
    struct compat_changes c;
    diff_of("{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
            "{\"name\":\"next\",\"type\":[\"null\",\"L\"],\"default\":null}]}",
            "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
            "{\"name\":\"next\",\"type\":[\"null\",\"L\"],\"default\":null}]}",
            &c);
    assert_int_equal(c.count, 1);
    expect(&c, "TYPE_PROMOTED", "/fields/v/type", COMPAT_BREAKS_FORWARD);
    compat_changes_free(&c);
}

static void test_diff_of_different_types_breaks_both(void **state)
{
    (void)state;
    struct sr_error err = {0};
    const char *json_text = "{\"type\":\"object\"}";
    struct compat_schema *a = avro_ok("\"int\"");
    struct compat_schema *j =
        compat_schema_parse(SR_SCHEMA_JSON, json_text, strlen(json_text), NULL, 0, 0, &err);
    assert_non_null(j);
    struct compat_changes c;
    compat_changes_init(&c);
    assert_int_equal(compat_diff(a, j, &c, &err), 0);
    assert_int_equal(c.count, 1);
    expect(&c, "SCHEMA_TYPE_CHANGED", "/", COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD);
    compat_changes_free(&c);
    compat_schema_free(a);
    compat_schema_free(j);
}

static void test_diff_json_schema_uses_confluent_kinds(void **state)
{
    (void)state;
    struct sr_error err = {0};
    const char *o = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
                    "\"additionalProperties\":false}";
    const char *n = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":"
                    "\"integer\"}},\"additionalProperties\":false}";
    struct compat_schema *so = compat_schema_parse(SR_SCHEMA_JSON, o, strlen(o), NULL, 0, 0, &err);
    struct compat_schema *sn = compat_schema_parse(SR_SCHEMA_JSON, n, strlen(n), NULL, 0, 0, &err);
    assert_non_null(so);
    assert_non_null(sn);
    struct compat_changes c;
    compat_changes_init(&c);
    assert_int_equal(compat_diff(so, sn, &c, &err), 0);
    assert_true(c.supported);
    /* a property added to a closed content model: old readers reject it (FORWARD) */
    expect(&c, "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "#/properties/b", COMPAT_BREAKS_FORWARD);
    compat_changes_free(&c);
    compat_schema_free(so);
    compat_schema_free(sn);
}

/* Over every pair of schemas of a conformance corpus (each previous version against the new
 * one): returns how many pairs were compared, and counts those where a direction breaks
 * without a listed change breaking it, or the other way round. */
static int corpus_agreement(const char *corpus, enum sr_schema_type type, int *disagreements_out)
{
    FILE *fp = fopen(corpus, "r");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0;
    int pairs = 0, disagreements = 0;
    while (getline(&line, &cap, fp) > 0) {
        json_t *c = json_loads(line, 0, NULL);
        assert_non_null(c);
        /* References would need resolving; the pairs without them are plenty. */
        if (json_array_size(json_object_get(c, "references")) || json_object_get(c, "previousReferences")) {
            json_decref(c);
            continue;
        }
        const char *nt = json_string_value(json_object_get(c, "new"));
        struct sr_error err = {0};
        struct compat_schema *n = compat_schema_parse(type, nt, strlen(nt), NULL, 0, 0, &err);
        size_t i;
        const json_t *pj;
        json_array_foreach(json_object_get(c, "previous"), i, pj)
        {
            const char *ot = json_string_value(pj);
            struct compat_schema *o = compat_schema_parse(type, ot, strlen(ot), NULL, 0, 0, &err);
            if (!o || !n) {
                compat_schema_free(o);
                continue;
            }
            struct compat_result back, fwd;
            struct compat_changes ch;
            compat_result_init(&back);
            compat_result_init(&fwd);
            compat_changes_init(&ch);
            assert_int_equal(compat_can_read(n, o, &back, &err), 0);
            assert_int_equal(compat_can_read(o, n, &fwd, &err), 0);
            assert_int_equal(compat_diff(o, n, &ch, &err), 0);
            unsigned marked = 0;
            for (size_t k = 0; k < ch.count; k++)
                marked |= ch.items[k].breaks;
            bool back_ok = !(marked & COMPAT_BREAKS_BACKWARD), fwd_ok = !(marked & COMPAT_BREAKS_FORWARD);
            if (back_ok != back.compatible || fwd_ok != fwd.compatible) {
                disagreements++;
                printf("DISAGREE %s: check %d/%d, diff %d/%d\n", json_string_value(json_object_get(c, "id")),
                       back.compatible, fwd.compatible, back_ok, fwd_ok);
            }
            pairs++;
            compat_result_free(&back);
            compat_result_free(&fwd);
            compat_changes_free(&ch);
            compat_schema_free(o);
        }
        compat_schema_free(n);
        json_decref(c);
    }
    free(line);
    fclose(fp);
    printf("%s: %d pairs, %d disagreements\n", corpus, pairs, disagreements);
    *disagreements_out = disagreements;
    return pairs;
}

static void test_diff_agrees_with_the_check_over_the_avro_corpus(void **state)
{
    (void)state;
    int disagreements = 0;
    assert_true(corpus_agreement(CORPUS, SR_SCHEMA_AVRO, &disagreements) >= 100);
    assert_int_equal(disagreements, 0);
}

static void test_diff_agrees_with_the_check_over_the_json_corpus(void **state)
{
    (void)state;
    int disagreements = 0;
    assert_true(corpus_agreement("data/conformance/json.jsonl", SR_SCHEMA_JSON, &disagreements) >= 100);
    assert_int_equal(disagreements, 0);
}

static void test_diff_agrees_with_the_check_over_the_protobuf_corpus(void **state)
{
    (void)state;
    int disagreements = 0;
    assert_true(corpus_agreement("data/conformance/protobuf.jsonl", SR_SCHEMA_PROTOBUF, &disagreements) >=
                100);
    assert_int_equal(disagreements, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_identical_schemas_have_no_changes),
        cmocka_unit_test(test_diff_fields_added_removed_renamed),
        cmocka_unit_test(test_diff_alias_pairing_counts_for_its_direction_only),
        cmocka_unit_test(test_diff_types_promoted_and_changed),
        cmocka_unit_test(test_diff_enum_union_fixed_and_names),
        cmocka_unit_test(test_diff_lists_property_changes_with_escaped_paths),
        cmocka_unit_test(test_diff_terminates_on_recursive_types),
        cmocka_unit_test(test_diff_of_different_types_breaks_both),
        cmocka_unit_test(test_diff_json_schema_uses_confluent_kinds),
        cmocka_unit_test(test_diff_agrees_with_the_check_over_the_avro_corpus),
        cmocka_unit_test(test_diff_agrees_with_the_check_over_the_json_corpus),
        cmocka_unit_test(test_diff_agrees_with_the_check_over_the_protobuf_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
