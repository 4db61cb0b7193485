/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json_schema.c — libFuzzer target for schemaType JSON: the input is schema text; each
 * one that parses (strictly or leniently) is printed canonically, validated against a few
 * instances and compared both ways with a fixed schema. Build with clang and
 * -DSR_FUZZ_JSON=ON; run e.g. ./fuzz_json_schema -max_total_time=60 corpus/. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"

static const char *const instances[] = {
    "null", "0", "-1.5", "\"abc\"", "[]", "[1,\"a\",{},[null]]", "{}", "{\"a\":1,\"b\":{\"a\":[true]}}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char other_text[] = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}";
    struct sr_error err;
    struct compat_schema *other = compat_schema_parse(SR_SCHEMA_JSON, other_text, strlen(other_text), NULL, 0,
                                                      COMPAT_PARSE_DEFAULT, &err);
    for (int mode = 0; mode < 2; mode++) {
        struct compat_schema *s =
            compat_schema_parse(SR_SCHEMA_JSON, (const char *)data, size, NULL, 0,
                                mode ? COMPAT_PARSE_LENIENT : COMPAT_PARSE_DEFAULT, &err);
        if (!s)
            continue;
        size_t len;
        (void)compat_schema_canonical(s, &len);
        for (size_t i = 0; i < sizeof instances / sizeof instances[0]; i++) {
            json_t *inst = json_loads(instances[i], JSON_DECODE_ANY, NULL);
            struct compat_json_result res;
            compat_json_result_init(&res);
            if (compat_json_validate(s, inst, i % 2 ? COMPAT_JSON_ASSERT_FORMAT : 0, &res, &err) != 0)
                res.valid = false;
            compat_json_result_free(&res);
            json_decref(inst);
        }
        struct compat_result cres;
        compat_result_init(&cres);
        if (compat_can_read(s, other, &cres, &err) != 0)
            cres.compatible = false;
        compat_result_free(&cres);
        compat_result_init(&cres);
        if (compat_can_read(other, s, &cres, &err) != 0)
            cres.compatible = false;
        compat_result_free(&cres);
        compat_schema_free(s);
    }
    compat_schema_free(other);
    return 0;
}
