/* SPDX-License-Identifier: Apache-2.0 */
/* store.h — durable storage of subjects, versions, schemas (by id), config and mode.
 *
 * The whole registry is held in memory and every read is served from there; SQLite (WAL,
 * synchronous=FULL) is the durable copy, loaded once by store_open(). Schema text is opaque
 * bytes plus a type tag here: parsing belongs to compat/, policy (modes, compatibility,
 * which version number or id to use) belongs to api/.
 *
 * Concurrency: any number of readers, one writer.
 *   - Readers bracket their reads with store_read_begin()/store_read_end(). Read sections
 *     do not nest (the lock prefers the writer, so a nested begin can deadlock), and a
 *     writer never calls store_read_begin() inside its write section.
 *   - A writer brackets its whole read-decide-write sequence with store_write_begin()/
 *     store_write_end(); writers exclude each other, but readers keep running while the
 *     writer decides and while SQLite commits. Only the short in-memory apply after a
 *     commit excludes readers. Inside a write section the writer may call every read
 *     function without store_read_begin().
 *   - Readers only ever see durable state. Grouped sections (below) let several writers'
 *     registrations share one commit; until it, only writers see them.
 * Every pointer a read function returns is borrowed and valid until the matching
 * store_read_end()/store_write_end().
 *
 * Names: a subject is its qualified name in normal form (default context: bare "orders";
 * other contexts: ":.ctx:orders"). A context is "." or ".ctx". Config and mode scopes are
 * opaque strings chosen by api/ (e.g. "" for global, ":.ctx:" for a context, a subject). */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_error.h"
#include "sr_schema_type.h"

struct store;

struct store_ref {
    const char *name;    /* as registered */
    const char *subject; /* qualified subject name (see above) */
    int32_t version;     /* concrete version, never -1 */
};

struct store_version;

/* One schema id within one context. Immutable once created, except its version list. */
struct store_schema {
    const char *context;
    int64_t id;
    enum sr_schema_type type;
    const char *text; /* canonical stored text, NUL-terminated */
    size_t text_len;
    const struct store_ref *refs;
    size_t nrefs;
    const char *metadata;   /* compact JSON text, or NULL */
    const char *rule_set;   /* compact JSON text, or NULL */
    unsigned char hash[16]; /* identity hash (spec 2.4); guid = its UUID form */
    /* Every subject-version holding this id, soft-deleted ones included, sorted by
     * (subject, version). Empty only transiently: a schema with no version is removed. */
    const struct store_version *const *versions;
    size_t nversions;
};

struct store_version {
    const char *subject;
    int32_t version;
    bool deleted;  /* soft-deleted */
    int64_t ts_ms; /* registration time, ms since the epoch */
    const struct store_schema *schema;
};

/* Opens (creating if needed) the database at path and loads it. Returns 0 and a new store
 * in *out (caller closes with store_close()), or -1 with err set (50001). */
SR_MUST_CHECK int store_open(const char *path, struct store **out, struct sr_error *err);
/* Closes the database cleanly (finalizes statements, checkpoints). Accepts NULL. */
void store_close(struct store *st);

void store_read_begin(struct store *st);
void store_read_end(struct store *st);
void store_write_begin(struct store *st);
void store_write_end(struct store *st);

/* Group commit. A section opened with store_write_begin_grouped() may leave its
 * store_register() calls (those without purge_versions) uncommitted: they are staged in
 * memory and the store's commit thread writes them in batches, one transaction and one
 * fsync per batch, while later sections stage the next batch. Until then the registrations
 * are visible to writers only (next id, next version, dedup see them) and never to
 * readers. store_register() returning 0 therefore means "accepted"; the section's writes
 * are durable only when its end reports 0. The end reports -1 with err set (50001) when
 * the batch failed: every write of that batch and of the batches staged after it is then
 * undone (memory included) and must be reported as failed. It also reports -1 when this
 * section read state of a batch that failed, since its reply could be based on it. Borrowed
 * pointers die at the section's end as at store_write_end(). In a grouped section, a schema
 * got by store_schema_by_id() or store_schema_by_hash() lists its staged versions too; one
 * reached through a version (store_version.schema) may list only the versions that are
 * durable. A plain section (store_write_begin()) first waits until whatever is staged is
 * durable, so it behaves exactly as without group commit. */
void store_write_begin_grouped(struct store *st);
/* Ends a grouped section at once; fn(arg, rc, err) is called exactly once when the result
 * is known: in this thread before the function returns if nothing is staged, otherwise from
 * the store's commit thread (or from a writer that drained the pipeline) after the batch
 * finished. fn must be quick and must not call into the store. */
typedef void (*store_durable_fn)(void *arg, int rc, const struct sr_error *err);
void store_write_end_grouped_async(struct store *st, store_durable_fn fn, void *arg);
/* The same, waiting for the result: 0, or -1 with err set. */
SR_MUST_CHECK int store_write_end_grouped(struct store *st, struct sr_error *err);

/* ---- reads ---- */

const struct store_schema *store_schema_by_id(struct store *st, const char *context, int64_t id);
/* The schema with this identity hash in context, or NULL. If several ids in the context
 * carry the hash (IMPORT can create that), the lowest id. */
const struct store_schema *store_schema_by_hash(struct store *st, const char *context,
                                                const unsigned char hash[16]);
/* Every schema with this identity hash, in any context, sorted by context name ("." first).
 * Returns the count; *out gets a borrowed array. */
size_t store_schemas_by_hash(struct store *st, const unsigned char hash[16],
                             const struct store_schema *const **out);
/* Highest id ever assigned in context (0 if none); ids are never handed out twice, even
 * after store_context_delete() of the context. */
int64_t store_max_id(struct store *st, const char *context);

/* All versions of a subject, soft-deleted included, ascending. Returns the count (0 for an
 * unknown subject); *out gets a borrowed array. */
size_t store_subject_versions(struct store *st, const char *subject, const struct store_version *const **out);
/* Every subject with at least one stored version (soft-deleted included), sorted bytewise. */
size_t store_subjects(struct store *st, const char *const **out);
/* The context a stored subject belongs to, or NULL if the subject has no versions. */
const char *store_subject_context(struct store *st, const char *subject);
/* Schemas (any context, any version state) whose references name subject+version, sorted by
 * (context, id). */
size_t store_referrers(struct store *st, const char *subject, int32_t version,
                       const struct store_schema *const **out);
/* Every known context, sorted bytewise ("." first). A context is known from its first
 * registration until store_context_delete(). */
size_t store_contexts(struct store *st, const char *const **out);

/* Stored config (JSON text) or mode (e.g. "READONLY") for a scope, or NULL. */
const char *store_config_get(struct store *st, const char *scope);
const char *store_mode_get(struct store *st, const char *scope);
/* Every scope that has a mode stored, sorted bytewise. */
size_t store_mode_scopes(struct store *st, const char *const **out);

/* ---- writes: only inside store_write_begin()/end(); each is one durable transaction,
 * committed (fsync'd) before it returns 0 (except grouped registrations, see above). On -1
 * (err set, 50001) nothing changed. ---- */

struct store_new_version {
    const char *subject;
    const char *context; /* the subject's context */
    int32_t version;     /* chosen by the caller (api/ applies the numbering rules) */
    /* > 0: use this id; if a schema with this id exists in the context it is reused
     * (the caller has checked it is the same schema), otherwise one is created with it.
     * 0: a new id, store_max_id(context) + 1. */
    int64_t id;
    enum sr_schema_type type;
    const char *text;
    size_t text_len;
    const struct store_ref *refs;
    size_t nrefs;
    const char *metadata; /* or NULL */
    const char *rule_set; /* or NULL */
    unsigned char hash[16];
    int64_t ts_ms;
    /* Versions of this subject to remove permanently in the same transaction (the
     * soft-deleted older versions that carried the same id, spec 5.3 step 12). */
    const int32_t *purge_versions;
    size_t npurge;
};

/* Stores a new subject-version. *id_out (if not NULL) gets the schema id used. Fails (50001)
 * if the version already exists or the subject already lives in another context. */
SR_MUST_CHECK int store_register(struct store *st, const struct store_new_version *nv, int64_t *id_out,
                                 struct sr_error *err);
/* Marks these versions of subject soft-deleted. Unknown versions are ignored (also by
 * store_hard_delete()). */
SR_MUST_CHECK int store_soft_delete(struct store *st, const char *subject, const int32_t *versions, size_t n,
                                    struct sr_error *err);
/* Removes these versions of subject for good. A schema left with no version is removed
 * (its id is not reused). When the subject is left with no version, its config and mode
 * scopes (scope == subject) are removed too. */
SR_MUST_CHECK int store_hard_delete(struct store *st, const char *subject, const int32_t *versions, size_t n,
                                    struct sr_error *err);
/* Sets (json != NULL) or removes (NULL) the config of a scope. */
SR_MUST_CHECK int store_config_set(struct store *st, const char *scope, const char *json,
                                   struct sr_error *err);
/* Sets (mode != NULL) or removes (NULL) the mode of a scope. */
SR_MUST_CHECK int store_mode_set(struct store *st, const char *scope, const char *mode, struct sr_error *err);
/* Forgets a context (the caller has checked it holds no subject; if it still does, -1 with
 * 42211 and nothing changes). Forgetting an unknown context succeeds. */
SR_MUST_CHECK int store_context_delete(struct store *st, const char *context, struct sr_error *err);

#endif
