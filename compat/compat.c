/* SPDX-License-Identifier: Apache-2.0 */
/* compat.c — the type-neutral layer: level names, dispatch to each schema type's ops
 * (compat_internal.h), and Confluent's compatibility levels, implemented once for every
 * type on top of the single per-type question "can reader read writer?". */
#include "compat_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const level_names[] = {
    [COMPAT_NONE] = "NONE",
    [COMPAT_BACKWARD] = "BACKWARD",
    [COMPAT_BACKWARD_TRANSITIVE] = "BACKWARD_TRANSITIVE",
    [COMPAT_FORWARD] = "FORWARD",
    [COMPAT_FORWARD_TRANSITIVE] = "FORWARD_TRANSITIVE",
    [COMPAT_FULL] = "FULL",
    [COMPAT_FULL_TRANSITIVE] = "FULL_TRANSITIVE",
};

const char *compat_level_name(enum compat_level level)
{
    if ((unsigned)level >= sizeof level_names / sizeof level_names[0])
        return NULL;
    return level_names[level];
}

int compat_level_parse(const char *name, enum compat_level *out)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (enum compat_level)i;
            return 0;
        }
    }
    return -1;
}

/* Protobuf and JSON Schema are weak symbols: their address is NULL when the module is not
 * linked in, and a table without a parser counts as missing too. */
static const struct compat_type_ops *type_ops(enum sr_schema_type type)
{
    const struct compat_type_ops *ops = NULL;
    switch (type) {
    case SR_SCHEMA_AVRO:
        ops = &compat_avro_ops;
        break;
    case SR_SCHEMA_PROTOBUF:
        ops = &compat_proto_ops;
        break;
    case SR_SCHEMA_JSON:
        ops = &compat_json_ops;
        break;
    }
    return ops && ops->parse ? ops : NULL;
}

bool compat_type_supported(enum sr_schema_type type)
{
    return type_ops(type) != NULL;
}

struct compat_schema *compat_schema_parse(enum sr_schema_type type, const char *text, size_t len,
                                          const struct compat_ref *refs, size_t nrefs, unsigned flags,
                                          struct sr_error *err)
{
    const struct compat_type_ops *ops = type_ops(type);
    struct sr_buf canonical = SR_BUF_INIT;
    void *impl;
    if (!ops) {
        sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: schema type %s is not supported",
                     sr_schema_type_name(type));
        return NULL;
    }
    if (!text) {
        sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: empty schema");
        return NULL;
    }
    sr_error_clear(err);
    impl = ops->parse(text, len, refs, nrefs, flags, &canonical, err);
    if (!impl) {
        sr_buf_free(&canonical);
        /* A parser that forgot to say why still must not look like success. */
        if (err && err->code == 0)
            sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema");
        return NULL;
    }
    struct compat_schema *schema = sr_xcalloc(1, sizeof *schema);
    schema->type = type;
    schema->impl = impl;
    schema->canonical = sr_buf_steal(&canonical, &schema->canonical_len);
    return schema;
}

void compat_schema_free(struct compat_schema *schema)
{
    if (!schema)
        return;
    const struct compat_type_ops *ops = type_ops(schema->type);
    if (ops && schema->impl)
        ops->free_impl(schema->impl);
    free(schema->canonical);
    free(schema);
}

enum sr_schema_type compat_schema_type(const struct compat_schema *schema)
{
    return schema->type;
}

const char *compat_schema_canonical(const struct compat_schema *schema, size_t *len)
{
    if (len)
        *len = schema->canonical_len;
    return schema->canonical;
}

char *compat_schema_format(const struct compat_schema *schema, const char *format, size_t *len,
                           struct sr_error *err)
{
    const struct compat_type_ops *ops = type_ops(schema->type);
    sr_error_clear(err);
    if (!format || !ops || !ops->format)
        return NULL;
    return ops->format(schema->impl, format, len, err);
}

void compat_result_init(struct compat_result *res)
{
    memset(res, 0, sizeof *res);
    res->compatible = true;
    res->failed_previous = -1;
}

void compat_result_free(struct compat_result *res)
{
    for (size_t i = 0; i < res->count; i++)
        free(res->messages[i]);
    free(res->messages);
    compat_result_init(res);
}

static void result_push(struct compat_result *res, char *msg)
{
    if (res->count == res->cap) {
        res->cap = res->cap ? res->cap * 2 : 4;
        res->messages = sr_xrealloc(res->messages, res->cap * sizeof *res->messages);
    }
    res->messages[res->count++] = msg;
    res->compatible = false;
}

void compat_result_add(struct compat_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t size = (size_t)(n > 0 ? n : 0) + 1;
    char *msg = sr_xmalloc(size);
    va_start(ap, fmt);
    vsnprintf(msg, size, fmt, ap);
    va_end(ap);
    result_push(res, msg);
}

int compat_can_read(const struct compat_schema *reader, const struct compat_schema *writer,
                    struct compat_result *res, struct sr_error *err)
{
    if (reader->type != writer->type) {
        /* Confluent's wording (ParsedSchema.isBackwardCompatible of every type). */
        compat_result_add(res, "Incompatible because of different schema type");
        return 0;
    }
    const struct compat_type_ops *ops = type_ops(reader->type);
    if (!ops)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: schema type %s is not supported",
                            sr_schema_type_name(reader->type));
    return ops->can_read(reader->impl, writer->impl, res, err);
}

/* The per-type messages describe the reader as "the new schema" and the writer as "the old
 * schema" (the BACKWARD orientation). When the previous version is the reader (FORWARD),
 * Confluent formats the same text with the roles exchanged; both phrases have the same
 * length, so they are swapped in place. */
static void swap_roles(char *msg)
{
    static const size_t n = sizeof "new schema" - 1;
    for (char *p = msg; *p; p++) {
        if (strncmp(p, "new schema", n) == 0) {
            memcpy(p, "old", 3);
            p += n - 1;
        } else if (strncmp(p, "old schema", n) == 0) {
            memcpy(p, "new", 3);
            p += n - 1;
        }
    }
}

/* Moves the verdict and every message of `from` into `to` (swapping roles if asked) and
 * empties `from`. */
static void move_messages(struct compat_result *to, struct compat_result *from, bool swap)
{
    for (size_t i = 0; i < from->count; i++) {
        if (swap)
            swap_roles(from->messages[i]);
        result_push(to, from->messages[i]);
    }
    if (!from->compatible)
        to->compatible = false;
    from->count = 0;
    compat_result_free(from);
}

/* One previous version: BACKWARD asks candidate ⊒ previous, FORWARD previous ⊒ candidate,
 * FULL both (all breaks of both directions are reported, as Confluent's mutual check does). */
static int check_one(enum compat_level level, const struct compat_schema *candidate,
                     const struct compat_schema *previous, struct compat_result *res, struct sr_error *err)
{
    bool backward = level == COMPAT_BACKWARD || level == COMPAT_BACKWARD_TRANSITIVE || level == COMPAT_FULL ||
                    level == COMPAT_FULL_TRANSITIVE;
    bool forward = level == COMPAT_FORWARD || level == COMPAT_FORWARD_TRANSITIVE || level == COMPAT_FULL ||
                   level == COMPAT_FULL_TRANSITIVE;
    struct compat_result tmp;
    if (backward) {
        compat_result_init(&tmp);
        if (compat_can_read(candidate, previous, &tmp, err) < 0) {
            compat_result_free(&tmp);
            return -1;
        }
        move_messages(res, &tmp, false);
    }
    if (forward) {
        compat_result_init(&tmp);
        if (compat_can_read(previous, candidate, &tmp, err) < 0) {
            compat_result_free(&tmp);
            return -1;
        }
        move_messages(res, &tmp, true);
    }
    return 0;
}

int compat_check(enum compat_level level, const struct compat_schema *candidate,
                 const struct compat_schema *const *previous, size_t nprevious, struct compat_result *res,
                 struct sr_error *err)
{
    res->failed_previous = -1;
    if (level == COMPAT_NONE || nprevious == 0)
        return 0;
    if ((unsigned)level >= sizeof level_names / sizeof level_names[0])
        return sr_error_set(err, SR_ERR_INVALID_COMPATIBILITY, "Invalid compatibility level");
    bool transitive = level == COMPAT_BACKWARD_TRANSITIVE || level == COMPAT_FORWARD_TRANSITIVE ||
                      level == COMPAT_FULL_TRANSITIVE;
    /* Newest first; the non-transitive levels look at the latest version only. */
    size_t stop = transitive ? 0 : nprevious - 1;
    for (size_t i = nprevious; i-- > stop;) {
        struct compat_result one;
        compat_result_init(&one);
        if (check_one(level, candidate, previous[i], &one, err) < 0) {
            compat_result_free(&one);
            return -1;
        }
        bool broke = !one.compatible;
        move_messages(res, &one, false);
        if (broke) {
            res->failed_previous = (long)i;
            break;
        }
    }
    return 0;
}
