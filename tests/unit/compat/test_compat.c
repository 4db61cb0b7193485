/* SPDX-License-Identifier: Apache-2.0 */
/* test_compat.c — the type-neutral layer: level names, results, dispatch and Confluent's
 * level semantics (latest only vs every version newest first, directions, NONE). */
#include <stdlib.h>

#include "compat_test_util.h"

static void test_level_names_round_trip_case_insensitively(void **state)
{
    (void)state;
    static const char *const names[] = {"NONE",           "BACKWARD",           "BACKWARD_TRANSITIVE",
                                        "FORWARD",        "FORWARD_TRANSITIVE", "FULL",
                                        "FULL_TRANSITIVE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        enum compat_level level;
        assert_int_equal(compat_level_parse(names[i], &level), 0);
        assert_string_equal(compat_level_name(level), names[i]);
    }
    enum compat_level level = COMPAT_NONE;
    assert_int_equal(compat_level_parse("full_Transitive", &level), 0);
    assert_int_equal(level, COMPAT_FULL_TRANSITIVE);
    assert_int_equal(compat_level_parse("backward", &level), 0);
    assert_int_equal(level, COMPAT_BACKWARD);
    assert_int_equal(compat_level_parse("BACKWARDS", &level), -1);
    assert_int_equal(compat_level_parse("", &level), -1);
    assert_int_equal(compat_level_parse(NULL, &level), -1);
}

static void test_result_add_marks_incompatible_and_owns_messages(void **state)
{
    (void)state;
    struct compat_result res;
    compat_result_init(&res);
    assert_true(res.compatible);
    assert_int_equal(res.failed_previous, -1);
    for (int i = 0; i < 9; i++)
        compat_result_add(&res, "break %d of %s", i, "nine");
    assert_false(res.compatible);
    assert_int_equal(res.count, 9);
    assert_string_equal(res.messages[8], "break 8 of nine");
    compat_result_free(&res);
    assert_int_equal(res.count, 0);
    assert_true(res.compatible);
}

static void test_avro_is_supported_and_parse_dispatches(void **state)
{
    (void)state;
    assert_true(compat_type_supported(SR_SCHEMA_AVRO));
    struct compat_schema *s = avro_ok("{\"type\":\"int\"}");
    assert_int_equal(compat_schema_type(s), SR_SCHEMA_AVRO);
    size_t len = 0;
    assert_string_equal(compat_schema_canonical(s, &len), "\"int\"");
    assert_int_equal(len, 5);
    compat_schema_free(s);
    compat_schema_free(NULL);
    struct sr_error err = {0};
    assert_null(compat_schema_parse(SR_SCHEMA_AVRO, NULL, 0, NULL, 0, 0, &err));
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
}

/* Schemas of one record R evolving: v1 {a}, v2 {a, b default}, v3 {a, b default, c default};
 * "nob" is {a, b} with b lacking a default. */
#define V1 "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"
#define V2                                                                                                   \
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\","     \
    "\"type\":"                                                                                              \
    "\"int\",\"default\":0}]}"
#define NOB                                                                                                  \
    "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\","     \
    "\"type\":\"int\"}]}"
#define STR "\"string\""

struct check {
    bool compatible;
    long failed_previous;
    size_t count;
};

static struct check run(enum compat_level level, const char *cand_text, const char *const *prev_text,
                        size_t n)
{
    struct compat_schema *cand = avro_ok(cand_text);
    struct compat_schema *prev[4];
    struct compat_result res;
    struct sr_error err = {0};
    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++)
        prev[i] = avro_ok(prev_text[i]);
    compat_result_init(&res);
    assert_int_equal(compat_check(level, cand, (const struct compat_schema *const *)prev, n, &res, &err), 0);
    struct check out = {res.compatible, res.failed_previous, res.count};
    assert_true(res.compatible == (res.count == 0));
    compat_result_free(&res);
    for (size_t i = 0; i < n; i++)
        compat_schema_free(prev[i]);
    compat_schema_free(cand);
    return out;
}

static void test_check_without_previous_is_compatible(void **state)
{
    (void)state;
    for (int level = COMPAT_NONE; level <= COMPAT_FULL_TRANSITIVE; level++) {
        struct check c = run((enum compat_level)level, V1, NULL, 0);
        assert_true(c.compatible);
        assert_int_equal(c.failed_previous, -1);
    }
}

static void test_none_accepts_anything(void **state)
{
    (void)state;
    const char *prev[] = {V1};
    assert_true(run(COMPAT_NONE, STR, prev, 1).compatible);
}

static void test_backward_checks_latest_only(void **state)
{
    (void)state;
    /* NOB cannot read V1 (b has no default) but can read V2, the latest. */
    const char *prev[] = {V1, V2};
    assert_true(run(COMPAT_BACKWARD, NOB, prev, 2).compatible);
    struct check c = run(COMPAT_BACKWARD, STR, prev, 2);
    assert_false(c.compatible);
    assert_int_equal(c.failed_previous, 1);
}

static void test_backward_transitive_reports_first_failure_newest_first(void **state)
{
    (void)state;
    const char *prev[] = {V1, V2};
    struct check c = run(COMPAT_BACKWARD_TRANSITIVE, NOB, prev, 2);
    assert_false(c.compatible);
    assert_int_equal(c.failed_previous, 0);
    assert_int_equal(c.count, 1);
    /* Every version failing: the newest is reported and the walk stops there. */
    const char *bad[] = {V1, V2, V1};
    c = run(COMPAT_BACKWARD_TRANSITIVE, STR, bad, 3);
    assert_int_equal(c.failed_previous, 2);
    assert_int_equal(c.count, 1);
}

static void test_forward_checks_that_previous_reads_candidate(void **state)
{
    (void)state;
    /* The previous NOB must read V1 data: b is missing and has no default. */
    const char *prev_nob[] = {NOB};
    struct check c = run(COMPAT_FORWARD, V1, prev_nob, 1);
    assert_false(c.compatible);
    assert_int_equal(c.failed_previous, 0);
    /* The previous V1 reads NOB data (it skips b); BACKWARD asks the opposite and fails. */
    const char *prev_v1[] = {V1};
    assert_true(run(COMPAT_FORWARD, NOB, prev_v1, 1).compatible);
    assert_false(run(COMPAT_BACKWARD, NOB, prev_v1, 1).compatible);
}

static void test_forward_transitive_checks_every_version(void **state)
{
    (void)state;
    const char *prev[] = {NOB, V2};
    assert_true(run(COMPAT_FORWARD, V1, prev, 2).compatible);
    struct check c = run(COMPAT_FORWARD_TRANSITIVE, V1, prev, 2);
    assert_false(c.compatible);
    assert_int_equal(c.failed_previous, 0);
}

static void test_full_requires_both_directions(void **state)
{
    (void)state;
    const char *prev_v1[] = {V1};
    /* V2 <-> V1 is mutual; NOB can be read by V1 but cannot read V1. */
    assert_true(run(COMPAT_FULL, V2, prev_v1, 1).compatible);
    struct check c = run(COMPAT_FULL, NOB, prev_v1, 1);
    assert_false(c.compatible);
    assert_int_equal(c.count, 1);
    /* Both directions broken: both reported. */
    c = run(COMPAT_FULL, STR, prev_v1, 1);
    assert_int_equal(c.count, 2);
    const char *prev[] = {NOB, V1};
    assert_true(run(COMPAT_FULL, V2, prev, 2).compatible);
    c = run(COMPAT_FULL_TRANSITIVE, V2, prev, 2);
    assert_true(c.compatible);
    c = run(COMPAT_FULL_TRANSITIVE, V1, prev, 2);
    assert_false(c.compatible);
    assert_int_equal(c.failed_previous, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_names_round_trip_case_insensitively),
        cmocka_unit_test(test_result_add_marks_incompatible_and_owns_messages),
        cmocka_unit_test(test_avro_is_supported_and_parse_dispatches),
        cmocka_unit_test(test_check_without_previous_is_compatible),
        cmocka_unit_test(test_none_accepts_anything),
        cmocka_unit_test(test_backward_checks_latest_only),
        cmocka_unit_test(test_backward_transitive_reports_first_failure_newest_first),
        cmocka_unit_test(test_forward_checks_that_previous_reads_candidate),
        cmocka_unit_test(test_forward_transitive_checks_every_version),
        cmocka_unit_test(test_full_requires_both_directions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
