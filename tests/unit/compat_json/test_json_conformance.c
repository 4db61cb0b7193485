/* SPDX-License-Identifier: Apache-2.0 */
/* test_json_conformance.c — offline replay of tests/data/conformance/json.jsonl through
 * compat_schema_parse + compat_check: every previous schema and the new one are parsed as
 * schemaType JSON, the level applied, and the verdict compared with the reference registry's.
 * Every case must agree (1531/1531); each disagreement is printed with its id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "compat_internal.h"
#include "json_internal.h"

#define CORPUS "data/conformance/json.jsonl"

static struct compat_schema *parse(const char *text, struct sr_error *err)
{
    return compat_schema_parse(SR_SCHEMA_JSON, text, strlen(text), NULL, 0, COMPAT_PARSE_DEFAULT, err);
}

/* Returns 1 when the case agrees with the reference, 0 otherwise (and prints why). */
static int run_case(const json_t *c)
{
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *level_name = json_string_value(json_object_get(c, "level"));
    bool want = json_is_true(json_object_get(c, "compatible"));
    enum compat_level level;
    assert_int_equal(compat_level_parse(level_name, &level), 0);

    const json_t *prev = json_object_get(c, "previous");
    size_t n = json_array_size(prev);
    struct compat_schema **previous = calloc(n ? n : 1, sizeof *previous);
    struct compat_schema *candidate = NULL;
    struct sr_error err = {0};
    int ok = 0;
    for (size_t i = 0; i < n; i++) {
        previous[i] = parse(json_string_value(json_array_get(prev, i)), &err);
        if (!previous[i]) {
            printf("FAIL %s: previous[%zu] rejected: %s\n", id, i, err.message);
            goto out;
        }
    }
    candidate = parse(json_string_value(json_object_get(c, "new")), &err);
    if (!candidate) {
        printf("FAIL %s: new schema rejected: %s\n", id, err.message);
        goto out;
    }
    struct compat_result res;
    compat_result_init(&res);
    if (compat_check(level, candidate, (const struct compat_schema *const *)previous, n, &res, &err) != 0) {
        printf("FAIL %s: check error: %s\n", id, err.message);
    } else if (res.compatible != want) {
        printf("FAIL %s [%s] expected %s, got %s: %s | %s\n", id, level_name, want ? "true" : "false",
               res.compatible ? "true" : "false", res.count ? res.messages[0] : "",
               json_string_value(json_object_get(c, "description")));
    } else {
        ok = 1;
    }
    compat_result_free(&res);
out:
    compat_schema_free(candidate);
    for (size_t i = 0; i < n; i++)
        compat_schema_free(previous[i]);
    free(previous);
    return ok;
}

static void test_conformance_json_corpus_all_cases_agree(void **state)
{
    (void)state;
    FILE *f = fopen(CORPUS, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int total = 0, passed = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t jerr;
        json_t *c = json_loads(line, 0, &jerr);
        assert_non_null(c);
        total++;
        passed += run_case(c);
        json_decref(c);
    }
    free(line);
    fclose(f);
    printf("conformance json: %d/%d\n", passed, total);
    assert_int_equal(total, 1531);
    assert_int_equal(passed, total);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries are "KIND #/path", or just "KIND" where the source asserts only the kind. */
static bool change_lists_agree(const json_t *want, const struct compat_result *got)
{
    size_t n = json_array_size(want);
    if (n != got->count)
        return false;
    bool kinds_only = false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(json_string_value(json_array_get(want, i)), ' '))
            kinds_only = true;
    char **a = calloc(n + 1, sizeof *a), **b = calloc(n + 1, sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = strdup(json_string_value(json_array_get(want, i)));
        b[i] = strdup(got->messages[i]);
        if (kinds_only) {
            char *sp = strchr(a[i], ' ');
            if (sp)
                *sp = '\0';
            sp = strchr(b[i], ' ');
            if (sp)
                *sp = '\0';
        }
    }
    qsort(a, n, sizeof *a, cmp_str);
    qsort(b, n, sizeof *b, cmp_str);
    bool same = true;
    for (size_t i = 0; i < n && same; i++)
        same = strcmp(a[i], b[i]) == 0;
    for (size_t i = 0; i < n; i++) {
        free(a[i]);
        free(b[i]);
    }
    free(a);
    free(b);
    return same;
}

/* The explicit cases that state the reference differ's change list: the same changes (kind
 * and JSON Pointer) must come out of ours, not merely the same verdict. */
static void test_conformance_json_change_lists_match_reference(void **state)
{
    (void)state;
    FILE *f = fopen(CORPUS, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int total = 0, agreed = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *c = json_loads(line, 0, NULL);
        assert_non_null(c);
        const json_t *want = json_object_get(c, "changes");
        const json_t *prev = json_object_get(c, "previous");
        if (!json_is_array(want) || json_object_get(c, "derived") || json_array_size(prev) != 1 ||
            strcmp(json_string_value(json_object_get(c, "level")), "BACKWARD") != 0) {
            json_decref(c);
            continue;
        }
        total++;
        struct sr_error err = {0};
        struct compat_schema *w = parse(json_string_value(json_array_get(prev, 0)), &err);
        struct compat_schema *r = parse(json_string_value(json_object_get(c, "new")), &err);
        assert_non_null(w);
        assert_non_null(r);
        struct compat_result got;
        compat_result_init(&got);
        assert_int_equal(json_diff_changes(r->impl, w->impl, &got, &err), 0);
        if (change_lists_agree(want, &got)) {
            agreed++;
        } else {
            char *ws = json_dumps(want, JSON_COMPACT);
            printf("CHANGES %s: want %s got", json_string_value(json_object_get(c, "id")), ws);
            for (size_t i = 0; i < got.count; i++)
                printf(" [%s]", got.messages[i]);
            printf("\n");
            free(ws);
        }
        compat_result_free(&got);
        compat_schema_free(w);
        compat_schema_free(r);
        json_decref(c);
    }
    free(line);
    fclose(f);
    printf("change lists: %d/%d\n", agreed, total);
    assert_true(total > 200);
    assert_int_equal(agreed, total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance_json_corpus_all_cases_agree),
        cmocka_unit_test(test_conformance_json_change_lists_match_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
