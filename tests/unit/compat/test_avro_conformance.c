/* SPDX-License-Identifier: Apache-2.0 */
/* test_avro_conformance.c — offline replay of tests/data/conformance/avro.jsonl: for every
 * case, parse the previous versions and the new schema (with their references) and ask
 * compat_check() at the case's level; the answer must equal the reference registry's. */
#include <jansson.h>
#include <stdlib.h>

#include "compat_test_util.h"

#define CORPUS "data/conformance/avro.jsonl"
#define CORPUS_CASES 130

/* Builds the compat_ref list from a JSON array of {name, schema, schemaType}; borrowed
 * pointers into refs_json. */
static struct compat_ref *load_refs(const json_t *refs_json, size_t *n)
{
    size_t i;
    const json_t *r;
    *n = json_array_size(refs_json);
    struct compat_ref *refs = calloc(*n ? *n : 1, sizeof *refs);
    assert_non_null(refs);
    json_array_foreach(refs_json, i, r)
    {
        enum sr_schema_type type = SR_SCHEMA_AVRO;
        const char *schema = json_string_value(json_object_get(r, "schema"));
        assert_non_null(schema);
        assert_int_equal(sr_schema_type_parse(json_string_value(json_object_get(r, "schemaType")), &type), 0);
        refs[i] =
            (struct compat_ref){json_string_value(json_object_get(r, "name")), type, schema, strlen(schema)};
    }
    return refs;
}

static struct compat_schema *parse_case_schema(const char *id, const char *text, const json_t *refs_json)
{
    struct sr_error err = {0};
    size_t nrefs = 0;
    struct compat_ref *refs = load_refs(refs_json, &nrefs);
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_AVRO, text, strlen(text), refs, nrefs, 0, &err);
    free(refs);
    if (!s)
        printf("FAIL %s: schema rejected: %s\n", id, err.message);
    return s;
}

/* Returns 1 when the case passes. */
static int run_case(const json_t *c)
{
    const char *id = json_string_value(json_object_get(c, "id"));
    const json_t *prev_json = json_object_get(c, "previous");
    const json_t *prev_refs = json_object_get(c, "previousReferences");
    bool expected = json_is_true(json_object_get(c, "compatible"));
    size_t nprev = json_array_size(prev_json);
    struct compat_schema **prev = calloc(nprev ? nprev : 1, sizeof *prev);
    struct compat_schema *cand = NULL;
    struct compat_result res;
    struct sr_error err = {0};
    enum compat_level level;
    int pass = 0;
    compat_result_init(&res);
    assert_non_null(prev);
    assert_int_equal(compat_level_parse(json_string_value(json_object_get(c, "level")), &level), 0);
    for (size_t i = 0; i < nprev; i++) {
        prev[i] = parse_case_schema(id, json_string_value(json_array_get(prev_json, i)),
                                    json_array_get(prev_refs, i));
        if (!prev[i])
            goto out;
    }
    cand =
        parse_case_schema(id, json_string_value(json_object_get(c, "new")), json_object_get(c, "references"));
    if (!cand)
        goto out;
    if (compat_check(level, cand, (const struct compat_schema *const *)prev, nprev, &res, &err) < 0) {
        printf("FAIL %s: check error %s\n", id, err.message);
        goto out;
    }
    if (res.compatible != expected) {
        printf("FAIL %s [%s] expected %d got %d: %s\n", id, compat_level_name(level), expected,
               res.compatible, res.count ? res.messages[0] : "");
        goto out;
    }
    /* An incompatible answer always explains itself and names the failing version. */
    if (!res.compatible && (res.count == 0 || res.failed_previous < 0)) {
        printf("FAIL %s: incompatible without messages or failed version\n", id);
        goto out;
    }
    pass = 1;
out:
    compat_result_free(&res);
    compat_schema_free(cand);
    for (size_t i = 0; i < nprev; i++)
        compat_schema_free(prev[i]);
    free(prev);
    return pass;
}

static void test_avro_conformance_corpus_passes(void **state)
{
    (void)state;
    FILE *f = fopen(CORPUS, "r");
    char *line = NULL;
    size_t cap = 0;
    int total = 0, passed = 0;
    assert_non_null(f);
    while (getline(&line, &cap, f) > 0) {
        json_error_t jerr;
        json_t *c = json_loads(line, 0, &jerr);
        if (!c)
            continue; /* blank line */
        if (!json_is_true(json_object_get(c, "skip"))) {
            total++;
            passed += run_case(c);
        }
        json_decref(c);
    }
    free(line);
    fclose(f);
    printf("avro conformance: %d/%d passed\n", passed, total);
    assert_int_equal(total, CORPUS_CASES);
    assert_int_equal(passed, total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avro_conformance_corpus_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
