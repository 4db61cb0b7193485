/* SPDX-License-Identifier: Apache-2.0 */
/* avro.c — plugs Avro into compat.c's type table: parse (avro_parse.c) plus the canonical
 * or normalized text (avro_print.c), the "resolved" output format, can_read
 * (avro_compat.c) and the change list (avro_diff.c). */
#include "avro_internal.h"

#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

static void *avro_ops_parse(const char *text, size_t len, const struct compat_ref *refs, size_t nrefs,
                            unsigned flags, struct sr_buf *canonical, struct sr_error *err)
{
    struct avro_schema *schema = avro_schema_parse(text, len, refs, nrefs, flags, err);
    if (!schema)
        return NULL;
    enum avro_print_mode mode =
        (flags & COMPAT_PARSE_NORMALIZE) ? AVRO_PRINT_NORMALIZED : AVRO_PRINT_CANONICAL;
    if (avro_print(schema, mode, canonical, err) < 0) {
        avro_schema_free(schema);
        return NULL;
    }
    return schema;
}

static void avro_ops_free(void *impl)
{
    avro_schema_free(impl);
}

static int avro_ops_can_read(const void *reader, const void *writer, struct compat_result *res,
                             struct sr_error *err)
{
    return avro_can_read(reader, writer, res, err);
}

/* Confluent's formats for Avro: "resolved" (referenced named types inlined where first
 * used, i.e. Java's Schema.toString()); "default" and anything unknown fall back to the
 * canonical text, which the caller already has. */
static char *avro_ops_format(const void *impl, const char *format, size_t *len, struct sr_error *err)
{
    struct sr_buf out = SR_BUF_INIT;
    sr_error_clear(err);
    if (!format || strcmp(format, "resolved") != 0)
        return NULL;
    if (avro_print(impl, AVRO_PRINT_RESOLVED, &out, err) < 0) {
        sr_buf_free(&out);
        return NULL;
    }
    return sr_buf_steal(&out, len);
}

static int avro_ops_diff(const void *old, const void *new, struct compat_changes *out, struct sr_error *err)
{
    return avro_diff(old, new, out, err);
}

const struct compat_type_ops compat_avro_ops = {
    .parse = avro_ops_parse,
    .free_impl = avro_ops_free,
    .can_read = avro_ops_can_read,
    .format = avro_ops_format,
    .diff = avro_ops_diff,
};
