/* SPDX-License-Identifier: Apache-2.0 */
/* sr_schema_type.h — the three schema types and their wire names (case-sensitive). */
#ifndef SR_SCHEMA_TYPE_H
#define SR_SCHEMA_TYPE_H

enum sr_schema_type {
    SR_SCHEMA_AVRO = 0,
    SR_SCHEMA_PROTOBUF = 1,
    SR_SCHEMA_JSON = 2,
};
#define SR_SCHEMA_TYPE_COUNT 3

/* "AVRO", "PROTOBUF" or "JSON". */
const char *sr_schema_type_name(enum sr_schema_type type);
/* Parses a wire name (case-sensitive, as Confluent's server). NULL means AVRO.
 * Returns 0, or -1 for an unknown name. */
int sr_schema_type_parse(const char *name, enum sr_schema_type *out);

#endif
