/* SPDX-License-Identifier: Apache-2.0 */
/* test_avro_compat.c — one test per Avro reader/writer rule (Apache Avro Java's
 * SchemaCompatibility), with Confluent's message text. can_read(reader, writer) puts the
 * reader in the role of the "new" schema. */
#include <stdlib.h>

#include "compat_internal.h"
#include "compat_test_util.h"
#include "sr_buf.h"

/* Runs can_read(reader, writer) and checks the number of breaks; returns the result for
 * further assertions (caller frees). */
static struct compat_result can_read(const char *reader, const char *writer, size_t expected_breaks)
{
    struct compat_schema *r = avro_ok(reader), *w = avro_ok(writer);
    struct compat_result res;
    struct sr_error err = {0};
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), 0);
    if (res.count != expected_breaks)
        fail_msg("expected %zu breaks, got %zu (first: %s)", expected_breaks, res.count,
                 res.count ? res.messages[0] : "none");
    assert_true(res.compatible == (expected_breaks == 0));
    compat_schema_free(r);
    compat_schema_free(w);
    return res;
}

static void readable(const char *reader, const char *writer)
{
    struct compat_result res = can_read(reader, writer, 0);
    compat_result_free(&res);
}

static void unreadable(const char *reader, const char *writer, const char *message)
{
    struct compat_result res = can_read(reader, writer, 1);
    assert_string_equal(res.messages[0], message);
    compat_result_free(&res);
}

#define REC1(f) "{\"type\":\"record\",\"name\":\"R\",\"fields\":[" f "]}"

static void test_backward_rejects_field_added_without_default(void **state)
{
    (void)state;
    unreadable(REC1("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}"),
               REC1("{\"name\":\"a\",\"type\":\"int\"}"),
               "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path "
               "'/fields/1' in the "
               "new schema has no default value and is missing in the old schema', additionalInfo:'b'}");
}

static void test_backward_accepts_field_added_with_default(void **state)
{
    (void)state;
    readable(REC1("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}"),
             REC1("{\"name\":\"a\",\"type\":\"int\"}"));
}

static void test_backward_accepts_field_removed(void **state)
{
    (void)state;
    /* The reader skips writer fields it does not know. */
    readable(REC1("{\"name\":\"a\",\"type\":\"int\"}"),
             REC1("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}"));
}

static void test_forward_rejects_field_removed_without_default(void **state)
{
    (void)state;
    struct compat_schema *old =
        avro_ok(REC1("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}"));
    struct compat_schema *cand = avro_ok(REC1("{\"name\":\"a\",\"type\":\"int\"}"));
    const struct compat_schema *prev[] = {old};
    struct compat_result res;
    struct sr_error err = {0};
    compat_result_init(&res);
    assert_int_equal(compat_check(COMPAT_FORWARD, cand, prev, 1, &res, &err), 0);
    assert_false(res.compatible);
    assert_int_equal(res.count, 1);
    /* The previous version is the reader here, so it is "the old schema". */
    assert_string_equal(
        res.messages[0],
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path "
        "'/fields/1' in the old schema has no default value and is missing in the new schema', "
        "additionalInfo:'b'}");
    compat_result_free(&res);
    compat_schema_free(old);
    compat_schema_free(cand);
}

static void test_can_read_matches_field_by_reader_alias(void **state)
{
    (void)state;
    readable(REC1("{\"name\":\"renamed\",\"type\":\"int\",\"aliases\":[\"orig\"]}"),
             REC1("{\"name\":\"orig\",\"type\":\"int\"}"));
    /* Writer aliases do not count. */
    unreadable(REC1("{\"name\":\"renamed\",\"type\":\"int\"}"),
               REC1("{\"name\":\"orig\",\"type\":\"int\",\"aliases\":[\"renamed\"]}"),
               "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'renamed' at path "
               "'/fields/0' in the new schema has no default value and is missing in the old schema', "
               "additionalInfo:'renamed'}");
}

static void test_can_read_rejects_field_matching_two_writer_fields(void **state)
{
    (void)state;
    /* Java throws here; Confluent reports the exception as the only message. */
    struct compat_result res =
        can_read(REC1("{\"name\":\"a\",\"type\":\"int\",\"aliases\":[\"b\"]}"),
                 REC1("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"int\"}"), 1);
    assert_non_null(strstr(res.messages[0], "Unexpected exception during compatibility check"));
    compat_result_free(&res);
}

static void test_can_read_accepts_type_promotions(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"long", "int"},    {"float", "int"},    {"double", "int"},   {"float", "long"},
        {"double", "long"}, {"double", "float"}, {"string", "bytes"}, {"bytes", "string"},
    };
    char r[32], w[32];
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        snprintf(r, sizeof r, "\"%s\"", pairs[i][0]);
        snprintf(w, sizeof w, "\"%s\"", pairs[i][1]);
        readable(r, w);
    }
}

static void test_can_read_rejects_narrowing_and_unrelated_types(void **state)
{
    (void)state;
    unreadable(
        REC1("{\"name\":\"a\",\"type\":\"int\"}"), REC1("{\"name\":\"a\",\"type\":\"long\"}"),
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the new "
        "schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with "
        "writer type: LONG'}");
    unreadable(
        "\"float\"", "\"double\"",
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/') of a field in the new schema does not "
        "match with the old schema', additionalInfo:'reader type: FLOAT not compatible with writer type: "
        "DOUBLE'}");
    struct compat_result res = can_read("\"boolean\"", "\"null\"", 1);
    compat_result_free(&res);
    res = can_read("\"int\"", "{\"type\":\"array\",\"items\":\"int\"}", 1);
    compat_result_free(&res);
}

static void test_can_read_rejects_record_rename(void **state)
{
    (void)state;
    unreadable("{\"type\":\"record\",\"name\":\"Foo\",\"fields\":[]}",
               "{\"type\":\"record\",\"name\":\"Bar\",\"namespace\":\"x\",\"fields\":[]}",
               "{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', "
               "additionalInfo:'expected: x.Bar'}");
}

static void test_can_read_accepts_rename_with_reader_alias(void **state)
{
    (void)state;
    readable("{\"type\":\"record\",\"name\":\"Foo\",\"aliases\":[\"x.Bar\"],\"fields\":[]}",
             "{\"type\":\"record\",\"name\":\"Bar\",\"namespace\":\"x\",\"fields\":[]}");
    readable(
        "{\"type\":\"enum\",\"name\":\"New\",\"namespace\":\"x\",\"aliases\":[\"Old\"],\"symbols\":[\"A\"]}",
        "{\"type\":\"enum\",\"name\":\"Old\",\"namespace\":\"x\",\"symbols\":[\"A\"]}");
}

static void test_can_read_ignores_namespace_change(void **state)
{
    (void)state;
    /* Avro compares unqualified names. */
    readable("{\"type\":\"record\",\"name\":\"Foo\",\"namespace\":\"a\",\"fields\":[]}",
             "{\"type\":\"record\",\"name\":\"Foo\",\"namespace\":\"b\",\"fields\":[]}");
}

static void test_can_read_rejects_fixed_size_change(void **state)
{
    (void)state;
    unreadable(
        "{\"type\":\"fixed\",\"name\":\"F\",\"size\":8}", "{\"type\":\"fixed\",\"name\":\"F\",\"size\":16}",
        "{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '/size' in the "
        "new schema does not match with the old schema', additionalInfo:'expected: 16, found: 8'}");
}

static void test_can_read_rejects_missing_enum_symbols(void **state)
{
    (void)state;
    unreadable(
        "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}",
        "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"D\",\"A\",\"C\"]}",
        "{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols '[C, D]' at "
        "path '/symbols' in the old schema', additionalInfo:'[C, D]'}");
    readable("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}",
             "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}");
}

static void test_can_read_accepts_missing_enum_symbols_with_reader_default(void **state)
{
    (void)state;
    readable("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"UNKNOWN\"],\"default\":\"UNKNOWN\"}",
             "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}");
}

static void test_can_read_rejects_union_writer_branch_missing_in_reader(void **state)
{
    (void)state;
    unreadable(
        REC1("{\"name\":\"f\",\"type\":[\"null\",\"int\"]}"),
        REC1("{\"name\":\"f\",\"type\":[\"null\",\"string\"]}"),
        "{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union "
        "field at path '/fields/0/type/1' in the old schema', additionalInfo:'reader union lacking writer "
        "type: STRING'}");
    /* Branch order does not matter, promotions apply per branch. */
    readable("[\"string\",\"null\",\"long\"]", "[\"null\",\"int\"]");
}

static void test_can_read_matches_non_union_writer_to_reader_branch(void **state)
{
    (void)state;
    readable("[\"null\",\"string\"]", "\"string\"");
    readable("[\"null\",\"double\"]", "\"int\"");
    unreadable(
        "[\"null\",\"string\"]", "\"int\"",
        "{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union "
        "field at path '/' in the old schema', additionalInfo:'reader union lacking writer type: INT'}");
}

static void test_can_read_requires_non_union_reader_to_read_every_writer_branch(void **state)
{
    (void)state;
    readable("\"long\"", "[\"int\",\"long\"]");
    unreadable(
        "\"string\"", "[\"null\",\"string\"]",
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/0') of a field in the new schema does not "
        "match with the old schema', additionalInfo:'reader type: STRING not compatible with writer type: "
        "NULL'}");
}

static void test_can_read_recurses_into_arrays_and_maps(void **state)
{
    (void)state;
    readable("{\"type\":\"array\",\"items\":\"long\"}", "{\"type\":\"array\",\"items\":\"int\"}");
    unreadable(
        "{\"type\":\"array\",\"items\":\"int\"}", "{\"type\":\"array\",\"items\":\"string\"}",
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/items') of a field in the new schema does "
        "not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: "
        "STRING'}");
    unreadable(
        "{\"type\":\"map\",\"values\":\"int\"}", "{\"type\":\"map\",\"values\":\"string\"}",
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/values') of a field in the new schema "
        "does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer "
        "type: STRING'}");
    struct compat_result res =
        can_read("{\"type\":\"map\",\"values\":\"int\"}", "{\"type\":\"array\",\"items\":\"int\"}", 1);
    compat_result_free(&res);
}

static void test_can_read_terminates_on_recursive_types(void **state)
{
    (void)state;
    const char *list_v1 =
        "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
        "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}";
    const char *list_v2 =
        "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
        "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}";
    readable(list_v1, list_v1);
    readable(list_v2, list_v1);
    struct compat_result res = can_read(list_v1, list_v2, 1);
    assert_non_null(strstr(res.messages[0], "'/fields/0/type'"));
    compat_result_free(&res);
}

/* A cycle of n records P0 -> P1 -> ... -> P(n-1) -> P0 (names prefixed by `prefix`), each
 * holding an array of the next. */
static char *record_cycle(const char *prefix, int n)
{
    struct sr_buf b = SR_BUF_INIT;
    for (int i = 0; i < n; i++)
        sr_buf_printf(&b,
                      "{\"type\":\"record\",\"name\":\"%s%d\",\"fields\":[{\"name\":\"f\",\"type\":"
                      "{\"type\":\"array\",\"items\":",
                      prefix, i);
    sr_buf_printf(&b, "\"%s0\"", prefix);
    for (int i = 0; i < n; i++)
        sr_buf_puts(&b, "}}]}");
    return sr_buf_steal(&b, NULL);
}

static void test_can_read_gives_up_cleanly_on_unbounded_pair_walks(void **state)
{
    (void)state;
    /* Cycles of coprime lengths visit 60 * 61 distinct reader/writer pairs in one path: the
     * walk must stop with an error, not exhaust the stack. */
    char *rt = record_cycle("R", 60), *wt = record_cycle("W", 61);
    struct compat_schema *r = avro_ok(rt), *w = avro_ok(wt);
    struct compat_result res;
    struct sr_error err = {0};
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), -1);
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    assert_non_null(strstr(err.message, "too deeply"));
    compat_result_free(&res);
    compat_schema_free(r);
    compat_schema_free(w);
    free(rt);
    free(wt);
}

static void test_can_read_caps_the_report_of_a_huge_break_list(void **state)
{
    (void)state;
    struct sr_buf rb = SR_BUF_INIT, wb = SR_BUF_INIT;
    const int n = 10050;
    sr_buf_puts(&rb, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
    sr_buf_puts(&wb, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
    for (int i = 0; i < n; i++) {
        sr_buf_printf(&rb, "%s{\"name\":\"f%d\",\"type\":\"int\"}", i ? "," : "", i);
        sr_buf_printf(&wb, "%s{\"name\":\"f%d\",\"type\":\"string\"}", i ? "," : "", i);
    }
    sr_buf_puts(&rb, "]}");
    sr_buf_puts(&wb, "]}");
    struct compat_result res = can_read(rb.data, wb.data, 10000);
    assert_non_null(strstr(res.messages[9999], "'/fields/9999/type'"));
    compat_result_free(&res);
    sr_buf_free(&rb);
    sr_buf_free(&wb);
}

static void test_can_read_collects_every_break(void **state)
{
    (void)state;
    struct compat_result res = can_read(
        REC1(
            "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"},{\"name\":\"c\",\"type\":"
            "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\"]}}"),
        REC1("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":"
             "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"Y\"]}}"),
        3);
    assert_non_null(strstr(res.messages[0], "TYPE_MISMATCH"));
    assert_non_null(strstr(res.messages[1], "READER_FIELD_MISSING_DEFAULT_VALUE"));
    assert_non_null(strstr(res.messages[2], "MISSING_ENUM_SYMBOLS"));
    compat_result_free(&res);
}

static void test_can_read_reports_different_schema_types(void **state)
{
    (void)state;
    struct compat_schema *avro = avro_ok("\"string\"");
    struct compat_schema other = {.type = SR_SCHEMA_JSON, .canonical = (char *)"{}", .canonical_len = 2};
    struct compat_result res;
    struct sr_error err = {0};
    compat_result_init(&res);
    assert_int_equal(compat_can_read(avro, &other, &res, &err), 0);
    assert_false(res.compatible);
    assert_string_equal(res.messages[0], "Incompatible because of different schema type");
    compat_result_free(&res);
    compat_schema_free(avro);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backward_rejects_field_added_without_default),
        cmocka_unit_test(test_backward_accepts_field_added_with_default),
        cmocka_unit_test(test_backward_accepts_field_removed),
        cmocka_unit_test(test_forward_rejects_field_removed_without_default),
        cmocka_unit_test(test_can_read_matches_field_by_reader_alias),
        cmocka_unit_test(test_can_read_rejects_field_matching_two_writer_fields),
        cmocka_unit_test(test_can_read_accepts_type_promotions),
        cmocka_unit_test(test_can_read_rejects_narrowing_and_unrelated_types),
        cmocka_unit_test(test_can_read_rejects_record_rename),
        cmocka_unit_test(test_can_read_accepts_rename_with_reader_alias),
        cmocka_unit_test(test_can_read_ignores_namespace_change),
        cmocka_unit_test(test_can_read_rejects_fixed_size_change),
        cmocka_unit_test(test_can_read_rejects_missing_enum_symbols),
        cmocka_unit_test(test_can_read_accepts_missing_enum_symbols_with_reader_default),
        cmocka_unit_test(test_can_read_rejects_union_writer_branch_missing_in_reader),
        cmocka_unit_test(test_can_read_matches_non_union_writer_to_reader_branch),
        cmocka_unit_test(test_can_read_requires_non_union_reader_to_read_every_writer_branch),
        cmocka_unit_test(test_can_read_recurses_into_arrays_and_maps),
        cmocka_unit_test(test_can_read_terminates_on_recursive_types),
        cmocka_unit_test(test_can_read_gives_up_cleanly_on_unbounded_pair_walks),
        cmocka_unit_test(test_can_read_caps_the_report_of_a_huge_break_list),
        cmocka_unit_test(test_can_read_collects_every_break),
        cmocka_unit_test(test_can_read_reports_different_schema_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
