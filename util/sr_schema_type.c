/* SPDX-License-Identifier: Apache-2.0 */
/* sr_schema_type.c — schema type names. */
#include "sr_schema_type.h"

#include <string.h>

static const char *const type_names[SR_SCHEMA_TYPE_COUNT] = {"AVRO", "PROTOBUF", "JSON"};

const char *sr_schema_type_name(enum sr_schema_type type)
{
    return (unsigned)type < SR_SCHEMA_TYPE_COUNT ? type_names[type] : "AVRO";
}

int sr_schema_type_parse(const char *name, enum sr_schema_type *out)
{
    if (!name) {
        *out = SR_SCHEMA_AVRO;
        return 0;
    }
    for (int i = 0; i < SR_SCHEMA_TYPE_COUNT; i++) {
        if (strcmp(name, type_names[i]) == 0) {
            *out = (enum sr_schema_type)i;
            return 0;
        }
    }
    return -1;
}
