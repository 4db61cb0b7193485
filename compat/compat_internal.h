/* SPDX-License-Identifier: Apache-2.0 */
/* compat_internal.h — what each schema type implements, and the shared schema object.
 * compat.c dispatches on compat_schema.type through type_ops. */
#ifndef COMPAT_INTERNAL_H
#define COMPAT_INTERNAL_H

#include "compat.h"
#include "sr_buf.h"

struct compat_type_ops {
    /* Parses text; appends the canonical (or, with COMPAT_PARSE_NORMALIZE, normalized) text
     * to *canonical and returns the type's own parsed representation (freed with free_impl),
     * or NULL with err set. */
    void *(*parse)(const char *text, size_t len, const struct compat_ref *refs, size_t nrefs, unsigned flags,
                   struct sr_buf *canonical, struct sr_error *err);
    void (*free_impl)(void *impl);
    /* Same contract as compat_can_read(), both schemas of this type. Messages call the
     * reader "the new schema" and the writer "the old schema" (Confluent's BACKWARD wording);
     * for FORWARD checks compat.c swaps those two phrases, as Confluent does. */
    int (*can_read)(const void *reader, const void *writer, struct compat_result *res, struct sr_error *err);
    /* Same contract as compat_schema_format(); may be NULL (no formats). */
    char *(*format)(const void *impl, const char *format, size_t *len, struct sr_error *err);
    /* Same contract as compat_diff(), both schemas of this type (out->supported is already
     * true); may be NULL (no change list: compat_diff() says so). */
    int (*diff)(const void *old, const void *new, struct compat_changes *out, struct sr_error *err);
};

/* (reader, writer) -> every difference as "KIND path" messages (a differ's change list), or
 * the breaks of can_read. */
typedef int (*compat_pair_fn)(const void *reader, const void *writer, struct compat_result *res,
                              struct sr_error *err);

/* A diff op built from a differ's change list (list_fn) and the type's can_read (check_fn),
 * both of whose messages quote paths as '...' and, for breaks, carry errorType:"KIND".
 * See compat.c for how each change's BACKWARD/FORWARD verdict is decided. */
int compat_listed_changes(compat_pair_fn list_fn, compat_pair_fn check_fn, const void *old, const void *new,
                          struct compat_changes *out, struct sr_error *err);

extern const struct compat_type_ops compat_avro_ops;
extern const struct compat_type_ops compat_proto_ops;
extern const struct compat_type_ops compat_json_ops;

struct compat_schema {
    enum sr_schema_type type;
    char *canonical;
    size_t canonical_len;
    void *impl;
};

#endif
