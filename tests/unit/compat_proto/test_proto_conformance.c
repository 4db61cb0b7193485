/* SPDX-License-Identifier: Apache-2.0 */
/* test_proto_conformance.c — replays data/conformance/protobuf.jsonl offline: every case's
 * previous schemas and new schema are parsed with their references and compat_check must
 * give the reference registry's answer at the case's level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "compat.h"

/* refs as compat_ref, borrowed from the JSON array */
static struct compat_ref *refs_of(const json_t *arr, size_t *n)
{
    *n = json_is_array(arr) ? json_array_size(arr) : 0;
    struct compat_ref *refs = calloc(*n + 1, sizeof(*refs));
    for (size_t i = 0; i < *n; i++) {
        const json_t *r = json_array_get(arr, i);
        refs[i].name = json_string_value(json_object_get(r, "name"));
        refs[i].type = SR_SCHEMA_PROTOBUF;
        refs[i].schema = json_string_value(json_object_get(r, "schema"));
        refs[i].schema_len = strlen(refs[i].schema);
    }
    return refs;
}

static struct compat_schema *parse(const char *text, const json_t *refs_json, struct sr_error *err)
{
    size_t nrefs;
    struct compat_ref *refs = refs_of(refs_json, &nrefs);
    struct compat_schema *s =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, text, strlen(text), refs, nrefs, COMPAT_PARSE_DEFAULT, err);
    free(refs);
    return s;
}

static void test_protobuf_corpus_matches_reference_answers(void **state)
{
    (void)state;
    FILE *f = fopen("data/conformance/protobuf.jsonl", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int total = 0, passed = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t jerr;
        json_t *c = json_loads(line, 0, &jerr);
        assert_non_null(c);
        total++;
        const char *id = json_string_value(json_object_get(c, "id"));
        enum compat_level level;
        assert_int_equal(compat_level_parse(json_string_value(json_object_get(c, "level")), &level), 0);
        const json_t *prev = json_object_get(c, "previous");
        const json_t *prev_refs = json_object_get(c, "previousReferences");
        size_t np = json_array_size(prev);
        struct compat_schema **ps = calloc(np + 1, sizeof(*ps));
        struct sr_error err = {0};
        bool ok = true;
        for (size_t i = 0; i < np && ok; i++) {
            ps[i] = parse(json_string_value(json_array_get(prev, i)), json_array_get(prev_refs, i), &err);
            if (!ps[i]) {
                printf("FAIL %s: previous %zu: %s\n", id, i, err.message);
                ok = false;
            }
        }
        struct compat_schema *ns = NULL;
        if (ok) {
            ns = parse(json_string_value(json_object_get(c, "new")), json_object_get(c, "references"), &err);
            if (!ns) {
                printf("FAIL %s: new: %s\n", id, err.message);
                ok = false;
            }
        }
        if (ok) {
            struct compat_result res;
            compat_result_init(&res);
            int rc = compat_check(level, ns, (const struct compat_schema *const *)ps, np, &res, &err);
            bool want = json_is_true(json_object_get(c, "compatible"));
            if (rc != 0) {
                printf("FAIL %s: check error %s\n", id, err.message);
            } else if (res.compatible != want) {
                printf("FAIL %s [%s]: expected %d got %d: %s\n", id, compat_level_name(level), want,
                       res.compatible, res.count ? res.messages[0] : "");
            } else {
                passed++;
            }
            compat_result_free(&res);
        }
        compat_schema_free(ns);
        for (size_t i = 0; i < np; i++)
            compat_schema_free(ps[i]);
        free(ps);
        json_decref(c);
    }
    free(line);
    fclose(f);
    printf("protobuf conformance: %d/%d passed\n", passed, total);
    assert_int_equal(total, 311);
    assert_int_equal(passed, total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protobuf_corpus_matches_reference_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
