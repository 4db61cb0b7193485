/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_proto.c — libFuzzer target for the Protobuf parser (STYLE rule 22): any input, as
 * .proto text or base64 descriptor, must parse or fail with 42201; what parses must
 * print, re-parse from its serialized form and compare with itself without crashing.
 * Built only with -DSR_FUZZ=ON and clang; seed it with the corpus' schemas. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_PROTOBUF, text, size, NULL, 0, 0, &err);
    if (!s) {
        if (err.code != SR_ERR_INVALID_SCHEMA)
            abort();
    } else {
        size_t len;
        char *b64 = compat_schema_format(s, "serialized", &len, &err);
        struct compat_schema *again =
            b64 ? compat_schema_parse(SR_SCHEMA_PROTOBUF, b64, len, NULL, 0, 0, &err) : NULL;
        if (!again || strcmp(compat_schema_canonical(s, NULL), compat_schema_canonical(again, NULL)) != 0)
            abort(); /* a schema we accepted must survive its own serialized form */
        struct compat_result res;
        compat_result_init(&res);
        if (compat_can_read(again, s, &res, &err) == 0 && !res.compatible)
            abort(); /* a schema can always read itself */
        compat_result_free(&res);
        compat_schema_free(again);
        free(b64);
        compat_schema_free(s);
    }
    free(text);
    return 0;
}
