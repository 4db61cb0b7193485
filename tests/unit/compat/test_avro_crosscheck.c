/* SPDX-License-Identifier: Apache-2.0 */
/* test_avro_crosscheck.c — avro-c as an independent judge of our canonical text: for every
 * schema in the conformance corpus (plus a few with every kind of type), avro-c must parse
 * our canonical text and find it equal to the original. */
#include <avro.h>
#include <jansson.h>
#include <stdlib.h>

#include "compat_test_util.h"

static int checked;

static void crosscheck(const char *text)
{
    struct compat_schema *ours = avro_ok(text);
    size_t len = 0;
    const char *canon = compat_schema_canonical(ours, &len);
    avro_schema_t orig = NULL, back = NULL;
    if (avro_schema_from_json_length(text, strlen(text), &orig) != 0)
        fail_msg("avro-c rejects the original %s: %s", text, avro_strerror());
    if (avro_schema_from_json_length(canon, len, &back) != 0)
        fail_msg("avro-c rejects our canonical text %s: %s", canon, avro_strerror());
    if (!avro_schema_equal(orig, back))
        fail_msg("avro-c sees a different schema in %s (from %s)", canon, text);
    avro_schema_decref(orig);
    avro_schema_decref(back);
    compat_schema_free(ours);
    checked++;
}

static void test_crosscheck_corpus_schemas_with_avro_c(void **state)
{
    (void)state;
    FILE *f = fopen("data/conformance/avro.jsonl", "r");
    char *line = NULL;
    size_t cap = 0;
    assert_non_null(f);
    checked = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *c = json_loads(line, 0, NULL);
        size_t i;
        const json_t *p;
        if (!c)
            continue;
        crosscheck(json_string_value(json_object_get(c, "new")));
        json_array_foreach(json_object_get(c, "previous"), i, p)
        {
            crosscheck(json_string_value(p));
        }
        json_decref(c);
    }
    free(line);
    fclose(f);
    assert_true(checked > 130);
}

static void test_crosscheck_every_kind_of_type_with_avro_c(void **state)
{
    (void)state;
    crosscheck("{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a.b\",\"fields\":["
               "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
               "{\"name\":\"i\",\"type\":\"int\",\"default\":3},{\"name\":\"l\",\"type\":\"long\"},"
               "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\",\"default\":1.5},"
               "{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"s\",\"type\":\"string\",\"doc\":\"x\"},"
               "{\"name\":\"in\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
               "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"c.E\",\"symbols\":[\"A\",\"B\"]}}]}},"
               "{\"name\":\"again\",\"type\":\"Inner\"},{\"name\":\"e2\",\"type\":\"c.E\"},"
               "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":4}},"
               "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":\"F\"}},"
               "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"Inner\"]}},"
               "{\"name\":\"self\",\"type\":[\"null\",\"Outer\"],\"default\":null}]}");
    crosscheck("[\"null\",\"string\",{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"long\"}}]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crosscheck_corpus_schemas_with_avro_c),
        cmocka_unit_test(test_crosscheck_every_kind_of_type_with_avro_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
