/* SPDX-License-Identifier: Apache-2.0 */
/* compat.c — the type-neutral layer: level names, dispatch to each schema type's ops
 * (compat_internal.h), and Confluent's compatibility levels, implemented once for every
 * type on top of the single per-type question "can reader read writer?". */
#include "compat_internal.h"

#include "json_internal.h"

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

static const struct compat_type_ops *type_ops(enum sr_schema_type type)
{
    switch (type) {
    case SR_SCHEMA_AVRO:
        return &compat_avro_ops;
    case SR_SCHEMA_PROTOBUF:
        return &compat_proto_ops;
    case SR_SCHEMA_JSON:
        return &compat_json_ops;
    }
    return NULL;
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

/* fmt formatted with ap, as a new string; caller frees. */
static char *vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    size_t size = (size_t)(n > 0 ? n : 0) + 1;
    char *s = sr_xmalloc(size);
    vsnprintf(s, size, fmt, again);
    va_end(again);
    return s;
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
    char *msg = vformat(fmt, ap);
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

void compat_changes_init(struct compat_changes *changes)
{
    memset(changes, 0, sizeof *changes);
    changes->supported = true;
}

void compat_changes_free(struct compat_changes *changes)
{
    if (!changes)
        return;
    for (size_t i = 0; i < changes->count; i++) {
        free(changes->items[i].kind);
        free(changes->items[i].path);
        free(changes->items[i].description);
    }
    free(changes->items);
    compat_changes_init(changes);
}

void compat_changes_addv(struct compat_changes *changes, const char *kind, const char *path, unsigned breaks,
                         const char *fmt, va_list ap)
{
    if (changes->count == changes->cap) {
        changes->cap = changes->cap ? changes->cap * 2 : 8;
        changes->items = sr_xrealloc(changes->items, changes->cap * sizeof *changes->items);
    }
    changes->items[changes->count++] =
        (struct compat_change){sr_xstrdup(kind), sr_xstrdup(path), vformat(fmt, ap), breaks};
}

void compat_changes_add(struct compat_changes *changes, const char *kind, const char *path, unsigned breaks,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    compat_changes_addv(changes, kind, path, breaks, fmt, ap);
    va_end(ap);
}

/* The text between `open` and the next `close` in msg, as a new string, or NULL. */
static char *between(const char *msg, const char *open, char close)
{
    const char *p = strstr(msg, open);
    if (!p)
        return NULL;
    p += strlen(open);
    const char *q = strchr(p, close);
    return q ? sr_xstrndup(p, (size_t)(q - p)) : NULL;
}

/* Does any message of res name this path ('...' quoted, as json_diff.c writes it) and, if
 * kind is not NULL, this errorType? */
static bool names_path(const struct compat_result *res, const char *kind, const char *path)
{
    size_t plen = strlen(path);
    for (size_t i = 0; i < res->count; i++) {
        const char *m = res->messages[i];
        if (kind) {
            char *k = between(m, "errorType:\"", '"');
            bool same = k && strcmp(k, kind) == 0;
            free(k);
            if (!same)
                continue;
        }
        for (const char *p = strchr(m, '\''); p; p = strchr(p + 1, '\''))
            if (strncmp(p + 1, path, plen) == 0 && p[1 + plen] == '\'')
                return true;
    }
    return false;
}

/* JSON Schema's and Protobuf's change lists come from their differs (Confluent's Difference
 * kinds as "KIND path" messages: json_diff_changes, proto_changes), which predate the diff
 * op. Protobuf's diff op (proto.c) calls this; JSON Schema's is called from compat_diff()
 * directly, json.c's table having no diff op. A differ lists the changes
 * from old (its "original") to new (its "update"); a change breaks BACKWARD when the
 * new-reads-old check reports its kind at its path. FORWARD is the other check, whose
 * differ sees each change from the other side (PROPERTY_ADDED becomes PROPERTY_REMOVED at
 * the same path), so a change breaks FORWARD when that check reports a break at its path; a
 * FORWARD break at a path no change has is listed as a change of its own. */
int compat_listed_changes(compat_pair_fn list_fn, compat_pair_fn check_fn, const void *old, const void *new,
                          struct compat_changes *out, struct sr_error *err)
{
    struct compat_result list, backward, forward;
    compat_result_init(&list);
    compat_result_init(&backward);
    compat_result_init(&forward);
    int rc = -1;
    if (list_fn(new, old, &list, err) < 0 || check_fn(new, old, &backward, err) < 0 ||
        check_fn(old, new, &forward, err) < 0)
        goto out;
    for (size_t i = 0; i < list.count; i++) {
        const char *sp = strchr(list.messages[i], ' ');
        char *kind = sp ? sr_xstrndup(list.messages[i], (size_t)(sp - list.messages[i]))
                        : sr_xstrdup(list.messages[i]);
        const char *path = sp ? sp + 1 : "";
        unsigned breaks = (names_path(&backward, kind, path) ? COMPAT_BREAKS_BACKWARD : 0u) |
                          (names_path(&forward, NULL, path) ? COMPAT_BREAKS_FORWARD : 0u);
        char *words = sr_xstrdup(kind);
        for (char *p = words; *p; p++)
            *p = *p == '_' ? ' ' : (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        compat_changes_add(out, kind, path, breaks, "%s", words);
        free(words);
        free(kind);
    }
    for (size_t i = 0; i < forward.count; i++) {
        char *kind = between(forward.messages[i], "errorType:\"", '"');
        char *path = between(forward.messages[i], "'", '\'');
        char *desc = between(forward.messages[i], "description:\"", '"');
        bool listed = false;
        for (size_t j = 0; path && j < out->count && !listed; j++)
            listed = strcmp(out->items[j].path, path) == 0;
        if (!listed)
            compat_changes_add(out, kind ? kind : "CHANGE", path ? path : "#", COMPAT_BREAKS_FORWARD, "%s",
                               desc ? desc : forward.messages[i]);
        free(kind);
        free(path);
        free(desc);
    }
    rc = 0;
out:
    compat_result_free(&list);
    compat_result_free(&backward);
    compat_result_free(&forward);
    return rc;
}

static int json_list(const void *reader, const void *writer, struct compat_result *res, struct sr_error *err)
{
    return json_diff_changes(reader, writer, res, err);
}

static int json_check(const void *reader, const void *writer, struct compat_result *res, struct sr_error *err)
{
    return json_diff_can_read(reader, writer, res, err);
}

int compat_diff(const struct compat_schema *old, const struct compat_schema *new, struct compat_changes *out,
                struct sr_error *err)
{
    out->supported = true;
    if (old->type != new->type) {
        compat_changes_add(out, "SCHEMA_TYPE_CHANGED", "/", COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD,
                           "schema type changed from %s to %s", sr_schema_type_name(old->type),
                           sr_schema_type_name(new->type));
        return 0;
    }
    const struct compat_type_ops *ops = type_ops(old->type);
    if (!ops)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: schema type %s is not supported",
                            sr_schema_type_name(old->type));
    if (ops->diff)
        return ops->diff(old->impl, new->impl, out, err);
    if (old->type == SR_SCHEMA_JSON)
        return compat_listed_changes(json_list, json_check, old->impl, new->impl, out, err);
    out->supported = false;
    return 0;
}
