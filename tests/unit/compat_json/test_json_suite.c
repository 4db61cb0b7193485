/* SPDX-License-Identifier: Apache-2.0 */
/* test_json_suite.c — runs the official JSON-Schema-Test-Suite (tests/data/json-schema-test-suite)
 * through the validator: required tests per draft as a hard gate (100% for every draft), optional
 * tests and optional/format tests (with format assertion on) as a report that lists each
 * failure. Remote documents (http://localhost:1234/...) come from remotes/, never the network.
 * optional/bignum.json is skipped on purpose: jansson cannot hold integers beyond int64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"

#define SUITE "data/json-schema-test-suite"
#define REMOTE_PREFIX "http://localhost:1234/"

struct tally {
    int pass, fail, skipped_files;
};

static json_t *retrieve_remote(void *ud, const char *uri)
{
    (void)ud;
    if (strncmp(uri, REMOTE_PREFIX, strlen(REMOTE_PREFIX)) != 0)
        return NULL;
    char path[1024];
    snprintf(path, sizeof path, SUITE "/remotes/%s", uri + strlen(REMOTE_PREFIX));
    return json_load_file(path, JSON_ALLOW_NUL, NULL);
}

static enum json_draft draft_of_dir(const char *d)
{
    if (strcmp(d, "draft4") == 0)
        return JSON_DRAFT4;
    if (strcmp(d, "draft6") == 0)
        return JSON_DRAFT6;
    if (strcmp(d, "draft7") == 0)
        return JSON_DRAFT7;
    if (strcmp(d, "draft2019-09") == 0)
        return JSON_DRAFT2019;
    return JSON_DRAFT2020;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_file(const char *path, enum json_draft draft, unsigned flags, struct tally *t,
                     bool print_failures)
{
    json_error_t jerr;
    json_t *groups = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (!groups) {
        t->skipped_files++;
        printf("  skipped %s: %s\n", path, jerr.text);
        return;
    }
    size_t gi, ti;
    json_t *group, *test;
    json_array_foreach(groups, gi, group)
    {
        json_t *schema = json_object_get(group, "schema");
        struct json_reg *reg = json_reg_new(retrieve_remote, NULL);
        struct json_loc root;
        struct sr_error err;
        int added = json_reg_add(reg, schema, "", draft, &root, &err);
        json_array_foreach(json_object_get(group, "tests"), ti, test)
        {
            json_t *data = json_object_get(test, "data");
            bool want = json_is_true(json_object_get(test, "valid"));
            bool got = false;
            int rc = added == 0 ? json_validate(reg, &root, data, flags, NULL, &got, &err) : -1;
            if (rc == 0 && got == want) {
                t->pass++;
            } else {
                t->fail++;
                if (print_failures)
                    printf("  FAIL %s | %s | %s%s%s\n", path + strlen(SUITE "/tests/"),
                           json_string_value(json_object_get(group, "description")),
                           json_string_value(json_object_get(test, "description")), rc ? " | error: " : "",
                           rc ? err.message : "");
            }
        }
        json_reg_free(reg);
    }
    json_decref(groups);
}

/* Runs every *.json directly in dir (sorted, so the report is stable). */
static void run_dir(const char *dir, enum json_draft draft, unsigned flags, struct tally *t,
                    bool print_failures)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (strcmp(names[i], "bignum.json") == 0) {
            t->skipped_files++;
            printf("  skipped %s: integers beyond int64 (documented policy)\n", path);
        } else {
            run_file(path, draft, flags, t, print_failures);
        }
        free(names[i]);
    }
}

static void run_draft(const char *draft_dir)
{
    enum json_draft draft = draft_of_dir(draft_dir);
    char dir[512];
    struct tally req = {0}, opt = {0}, fmt = {0};
    printf("%s\n", draft_dir);
    snprintf(dir, sizeof dir, SUITE "/tests/%s", draft_dir);
    run_dir(dir, draft, JSON_VALIDATE_DEFAULT, &req, true);
    snprintf(dir, sizeof dir, SUITE "/tests/%s/optional", draft_dir);
    run_dir(dir, draft, JSON_VALIDATE_DEFAULT, &opt, true);
    snprintf(dir, sizeof dir, SUITE "/tests/%s/optional/format", draft_dir);
    run_dir(dir, draft, JSON_VALIDATE_FORMAT, &fmt, true);
    printf("%s: required %d/%d, optional %d/%d, format %d/%d\n", draft_dir, req.pass, req.pass + req.fail,
           opt.pass, opt.pass + opt.fail, fmt.pass, fmt.pass + fmt.fail);
    assert_int_equal(req.fail, 0);
    assert_int_equal(req.skipped_files, 0);
    assert_true(req.pass > 500);
}

static void test_suite_draft4_required_all_pass(void **state)
{
    (void)state;
    run_draft("draft4");
}

static void test_suite_draft6_required_all_pass(void **state)
{
    (void)state;
    run_draft("draft6");
}

static void test_suite_draft7_required_all_pass(void **state)
{
    (void)state;
    run_draft("draft7");
}

static void test_suite_draft2019_required_all_pass(void **state)
{
    (void)state;
    run_draft("draft2019-09");
}

static void test_suite_draft2020_required_all_pass(void **state)
{
    (void)state;
    run_draft("draft2020-12");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite_draft4_required_all_pass),
        cmocka_unit_test(test_suite_draft6_required_all_pass),
        cmocka_unit_test(test_suite_draft7_required_all_pass),
        cmocka_unit_test(test_suite_draft2019_required_all_pass),
        cmocka_unit_test(test_suite_draft2020_required_all_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
