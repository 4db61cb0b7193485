/* SPDX-License-Identifier: Apache-2.0 */
/* avro_compat.c — "can a reader with schema R read data written with schema W?", with the
 * semantics of Apache Avro Java's SchemaCompatibility.checkReaderWriterCompatibility (what
 * Confluent's AvroSchema.isBackwardCompatible calls): every break is collected, each with a
 * JSON-pointer-like location in the reader schema, and reported in Confluent's Difference
 * format. Reader/writer pairs are memoized by identity, which both terminates recursive
 * types and reproduces Java's results exactly (including its re-reporting of memoized breaks). */
#include "avro_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

/* The walk descends into the reader, the writer or both, so its depth is bounded by the two
 * parsed depths except through recursive named types, where the memo stops it; this bound
 * makes the limit explicit. */
#define AVRO_COMPAT_MAX_DEPTH (COMPAT_MAX_DEPTH * 8)

enum incompat_type {
    NAME_MISMATCH,
    FIXED_SIZE_MISMATCH,
    MISSING_ENUM_SYMBOLS,
    READER_FIELD_MISSING_DEFAULT_VALUE,
    TYPE_MISMATCH,
    MISSING_UNION_BRANCH,
};

static const char *const incompat_names[] = {
    "NAME_MISMATCH", "FIXED_SIZE_MISMATCH",  "MISSING_ENUM_SYMBOLS", "READER_FIELD_MISSING_DEFAULT_VALUE",
    "TYPE_MISMATCH", "MISSING_UNION_BRANCH",
};

struct incompat {
    enum incompat_type type;
    char *location;
    char *message;
};

struct ilist {
    struct incompat *items;
    size_t count;
    size_t cap;
};

/* Location tokens, root first (the root token "" is not printed). Tokens are borrowed:
 * literals, names, or index strings that live in the frame that pushed them. */
struct location {
    const char **tokens;
    size_t count;
    size_t cap;
};

enum memo_state { MEMO_EMPTY, MEMO_IN_PROGRESS, MEMO_DONE };

struct memo_entry {
    const struct avro_node *reader;
    const struct avro_node *writer;
    enum memo_state state;
    struct ilist result;
};

struct checker {
    struct memo_entry *memo; /* open addressing, power-of-two size */
    size_t memo_size;
    size_t memo_used;
    int depth;
    char *exception; /* set when Java would throw: the check ends with this message */
    struct sr_error *err;
    bool failed; /* could not decide (err set) */
};

static void ilist_add(struct ilist *l, enum incompat_type type, char *location, char *message)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->items = sr_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->count++] = (struct incompat){type, location, message};
}

static void ilist_append_copy(struct ilist *dst, const struct ilist *src)
{
    for (size_t i = 0; i < src->count; i++)
        ilist_add(dst, src->items[i].type, sr_xstrdup(src->items[i].location),
                  sr_xstrdup(src->items[i].message));
}

static void ilist_free(struct ilist *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].location);
        free(l->items[i].message);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static char *xasprintf(const char *fmt, ...) SR_PRINTF(1, 2);
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t size = (size_t)(n > 0 ? n : 0) + 1;
    char *s = sr_xmalloc(size);
    va_start(ap, fmt);
    vsnprintf(s, size, fmt, ap);
    va_end(ap);
    return s;
}

/* Java's Incompatibility.getLocation(): "/" followed by the tokens after the root, JSON
 * pointer escaped. */
static char *render_location(const struct location *loc)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_putc(&b, '/');
    for (size_t i = 1; i < loc->count; i++) {
        if (i > 1)
            sr_buf_putc(&b, '/');
        for (const char *p = loc->tokens[i]; *p; p++) {
            if (*p == '~')
                sr_buf_puts(&b, "~0");
            else if (*p == '/')
                sr_buf_puts(&b, "~1");
            else
                sr_buf_putc(&b, *p);
        }
    }
    return sr_buf_steal(&b, NULL);
}

/* Pushes a token; the walk's depth bound (AVRO_COMPAT_MAX_DEPTH) bounds the stack. */
static bool loc_push(struct checker *c, struct location *loc, const char *token)
{
    (void)c;
    if (loc->count == loc->cap) {
        loc->cap = loc->cap ? loc->cap * 2 : 16;
        loc->tokens = sr_xrealloc(loc->tokens, loc->cap * sizeof *loc->tokens);
    }
    loc->tokens[loc->count++] = token;
    return true;
}

static void loc_free(struct location *loc)
{
    free(loc->tokens);
}

static void incompatible(struct ilist *out, enum incompat_type type, const struct location *loc,
                         char *message)
{
    ilist_add(out, type, render_location(loc), message);
}

static const char *type_upper(enum avro_type t)
{
    static const char *const names[] = {"NULL",   "BOOLEAN", "INT",  "LONG",  "FLOAT", "DOUBLE", "BYTES",
                                        "STRING", "RECORD",  "ENUM", "FIXED", "ARRAY", "MAP",    "UNION"};
    return names[t];
}

static struct memo_entry *memo_slot(struct checker *c, const struct avro_node *r, const struct avro_node *w)
{
    if ((c->memo_used + 1) * 2 > c->memo_size) {
        size_t old_size = c->memo_size;
        struct memo_entry *old = c->memo;
        c->memo_size = old_size ? old_size * 2 : 64;
        c->memo = sr_xcalloc(c->memo_size, sizeof *c->memo);
        for (size_t i = 0; i < old_size; i++) {
            if (old[i].state == MEMO_EMPTY)
                continue;
            size_t h = (old[i].reader->id * 31u + old[i].writer->id * 1000003u) & (c->memo_size - 1);
            while (c->memo[h].state != MEMO_EMPTY)
                h = (h + 1) & (c->memo_size - 1);
            c->memo[h] = old[i];
        }
        free(old);
    }
    size_t h = (r->id * 31u + w->id * 1000003u) & (c->memo_size - 1);
    while (c->memo[h].state != MEMO_EMPTY && !(c->memo[h].reader == r && c->memo[h].writer == w))
        h = (h + 1) & (c->memo_size - 1);
    return &c->memo[h];
}

static void get_compat(struct checker *c, const struct avro_node *r, const struct avro_node *w,
                       struct location *loc, struct ilist *out);

/* getCompatibility(token, reader, writer, location): push, check, pop. */
static void get_compat_at(struct checker *c, const char *token, const struct avro_node *r,
                          const struct avro_node *w, struct location *loc, struct ilist *out)
{
    if (!loc_push(c, loc, token))
        return;
    get_compat(c, r, w, loc, out);
    loc->count--;
}

/* Java's public getCompatibility(reader, writer) starts over at the root location; the
 * union checks use it to probe branches. Returns true when compatible. */
static bool probe(struct checker *c, const struct avro_node *r, const struct avro_node *w)
{
    struct location fresh = {0};
    struct ilist tmp = {0};
    loc_push(c, &fresh, "");
    get_compat(c, r, w, &fresh, &tmp);
    bool ok = tmp.count == 0;
    ilist_free(&tmp);
    loc_free(&fresh);
    return ok;
}

static bool names_match(const struct avro_node *r, const struct avro_node *w)
{
    /* Avro compares the unqualified names, then the reader's aliases against the writer's
     * full name. */
    if (strcmp(r->name, w->name) == 0)
        return true;
    for (size_t i = 0; i < r->naliases; i++)
        if (strcmp(r->aliases[i], w->fullname) == 0)
            return true;
    return false;
}

/* False when reader branch r certainly cannot read the non-union writer w (different kinds
 * without a promotion, or named types whose names do not match): Java would probe such a
 * branch and find it incompatible, so skipping it keeps the answer and spares a wide union
 * the quadratic walk. */
static bool may_read(const struct avro_node *r, const struct avro_node *w)
{
    if (r->type == w->type)
        return !avro_is_named(r->type) || names_match(r, w);
    switch (r->type) {
    case AVRO_LONG:
        return w->type == AVRO_INT;
    case AVRO_FLOAT:
        return w->type == AVRO_INT || w->type == AVRO_LONG;
    case AVRO_DOUBLE:
        return w->type == AVRO_INT || w->type == AVRO_LONG || w->type == AVRO_FLOAT;
    case AVRO_BYTES:
        return w->type == AVRO_STRING;
    case AVRO_STRING:
        return w->type == AVRO_BYTES;
    default:
        return false;
    }
}

static void check_names(const struct avro_node *r, const struct avro_node *w, struct checker *c,
                        struct location *loc, struct ilist *out)
{
    if (!loc_push(c, loc, "name"))
        return;
    if (!names_match(r, w))
        incompatible(out, NAME_MISMATCH, loc, xasprintf("expected: %s", w->fullname));
    loc->count--;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_enum_symbols(const struct avro_node *r, const struct avro_node *w, struct checker *c,
                               struct location *loc, struct ilist *out)
{
    if (!loc_push(c, loc, "symbols"))
        return;
    const char **missing = sr_xcalloc(w->nsymbols ? w->nsymbols : 1, sizeof *missing);
    size_t nmissing = 0;
    for (size_t i = 0; i < w->nsymbols; i++)
        if (avro_index_get(&r->symbol_index, w->symbols[i]) < 0)
            missing[nmissing++] = w->symbols[i];
    /* A reader enum default absorbs unknown writer symbols. */
    if (nmissing && !r->enum_default) {
        struct sr_buf b = SR_BUF_INIT;
        qsort(missing, nmissing, sizeof *missing, cmp_str); /* Java reports a TreeSet */
        sr_buf_putc(&b, '[');
        for (size_t i = 0; i < nmissing; i++)
            sr_buf_printf(&b, "%s%s", i ? ", " : "", missing[i]);
        sr_buf_putc(&b, ']');
        incompatible(out, MISSING_ENUM_SYMBOLS, loc, sr_buf_steal(&b, NULL));
    }
    free(missing);
    loc->count--;
}

/* Avro's lookupWriterField: by name, then by each reader alias; more than one match is an
 * exception in Java. */
static const struct avro_field *lookup_writer_field(struct checker *c, const struct avro_node *w,
                                                    const struct avro_field *rf)
{
    const struct avro_field *found = NULL;
    size_t matches = 0;
    /* Java collects the direct match and one match per alias, duplicates included. */
    long pos = avro_index_get(&w->field_index, rf->name);
    if (pos >= 0) {
        found = &w->fields[pos];
        matches++;
    }
    for (size_t a = 0; a < rf->naliases; a++) {
        pos = avro_index_get(&w->field_index, rf->aliases[a]);
        if (pos >= 0) {
            found = &w->fields[pos];
            matches++;
        }
    }
    if (matches > 1 && !c->exception)
        c->exception = xasprintf("Reader record field %s matches multiple fields in writer record schema %s",
                                 rf->name, w->fullname);
    return found;
}

static void check_record_fields(const struct avro_node *r, const struct avro_node *w, struct checker *c,
                                struct location *loc, struct ilist *out)
{
    char index[24];
    if (!loc_push(c, loc, "fields"))
        return;
    for (size_t i = 0; i < r->nfields && !c->failed && !c->exception; i++) {
        const struct avro_field *rf = &r->fields[i];
        snprintf(index, sizeof index, "%zu", i);
        if (!loc_push(c, loc, index))
            break;
        const struct avro_field *wf = lookup_writer_field(c, w, rf);
        if (!wf) {
            if (!rf->def) {
                if (rf->type->type == AVRO_ENUM && rf->type->enum_default)
                    /* What Java does here: compare the enum with the whole writer record. */
                    get_compat_at(c, "type", rf->type, w, loc, out);
                else
                    incompatible(out, READER_FIELD_MISSING_DEFAULT_VALUE, loc, sr_xstrdup(rf->name));
            }
        } else {
            get_compat_at(c, "type", rf->type, wf->type, loc, out);
        }
        loc->count--;
    }
    loc->count--;
}

static void type_mismatch(const struct avro_node *r, const struct avro_node *w, const struct location *loc,
                          struct ilist *out)
{
    incompatible(out, TYPE_MISMATCH, loc,
                 xasprintf("reader type: %s not compatible with writer type: %s", type_upper(r->type),
                           type_upper(w->type)));
}

static void calculate(struct checker *c, const struct avro_node *r, const struct avro_node *w,
                      struct location *loc, struct ilist *out)
{
    char index[24];
    if (r->type == w->type) {
        switch (r->type) {
        case AVRO_ARRAY:
            get_compat_at(c, "items", r->items, w->items, loc, out);
            return;
        case AVRO_MAP:
            get_compat_at(c, "values", r->items, w->items, loc, out);
            return;
        case AVRO_FIXED:
            check_names(r, w, c, loc, out);
            if (loc_push(c, loc, "size")) {
                if (r->size != w->size)
                    incompatible(
                        out, FIXED_SIZE_MISMATCH, loc,
                        xasprintf("expected: %lld, found: %lld", (long long)w->size, (long long)r->size));
                loc->count--;
            }
            return;
        case AVRO_ENUM:
            check_names(r, w, c, loc, out);
            check_enum_symbols(r, w, c, loc, out);
            return;
        case AVRO_RECORD:
            check_names(r, w, c, loc, out);
            check_record_fields(r, w, c, loc, out);
            return;
        case AVRO_UNION:
            /* Every writer branch must be readable by the reader union. */
            for (size_t i = 0; i < w->nbranches && !c->failed && !c->exception; i++) {
                snprintf(index, sizeof index, "%zu", i);
                if (!loc_push(c, loc, index))
                    return;
                if (!probe(c, r, w->branches[i]))
                    incompatible(
                        out, MISSING_UNION_BRANCH, loc,
                        xasprintf("reader union lacking writer type: %s", type_upper(w->branches[i]->type)));
                loc->count--;
            }
            return;
        default: /* the same primitive */
            return;
        }
    }
    if (w->type == AVRO_UNION) {
        /* A non-union reader must read every writer branch. */
        for (size_t i = 0; i < w->nbranches && !c->failed && !c->exception; i++) {
            snprintf(index, sizeof index, "%zu", i);
            get_compat_at(c, index, r, w->branches[i], loc, out);
        }
        return;
    }
    switch (r->type) {
    case AVRO_LONG:
        if (w->type != AVRO_INT)
            type_mismatch(r, w, loc, out);
        return;
    case AVRO_FLOAT:
        if (w->type != AVRO_INT && w->type != AVRO_LONG)
            type_mismatch(r, w, loc, out);
        return;
    case AVRO_DOUBLE:
        if (w->type != AVRO_INT && w->type != AVRO_LONG && w->type != AVRO_FLOAT)
            type_mismatch(r, w, loc, out);
        return;
    case AVRO_BYTES:
        if (w->type != AVRO_STRING)
            type_mismatch(r, w, loc, out);
        return;
    case AVRO_STRING:
        if (w->type != AVRO_BYTES)
            type_mismatch(r, w, loc, out);
        return;
    case AVRO_UNION:
        /* A non-union writer must match some reader branch. */
        for (size_t i = 0; i < r->nbranches && !c->failed && !c->exception; i++)
            if (may_read(r->branches[i], w) && probe(c, r->branches[i], w))
                return;
        incompatible(out, MISSING_UNION_BRANCH, loc,
                     xasprintf("reader union lacking writer type: %s", type_upper(w->type)));
        return;
    default:
        type_mismatch(r, w, loc, out);
        return;
    }
}

static void get_compat(struct checker *c, const struct avro_node *r, const struct avro_node *w,
                       struct location *loc, struct ilist *out)
{
    if (c->failed || c->exception)
        return;
    struct memo_entry *e = memo_slot(c, r, w);
    if (e->state == MEMO_IN_PROGRESS)
        return; /* recursion: compatible unless proven otherwise */
    if (e->state == MEMO_DONE) {
        ilist_append_copy(out, &e->result);
        return;
    }
    if (++c->depth > AVRO_COMPAT_MAX_DEPTH) {
        c->failed = true;
        sr_error_set(c->err, SR_ERR_INVALID_SCHEMA,
                     "Invalid schema: nested too deeply to check compatibility");
        c->depth--;
        return;
    }
    e->reader = r;
    e->writer = w;
    e->state = MEMO_IN_PROGRESS;
    c->memo_used++;
    struct ilist result = {0};
    calculate(c, r, w, loc, &result);
    /* The table may have grown during the recursion: find the entry again. */
    e = memo_slot(c, r, w);
    e->state = MEMO_DONE;
    e->result = result;
    ilist_append_copy(out, &result);
    c->depth--;
}

/* Confluent's Difference text, with the reader in the role of the "new" schema and the
 * writer in the role of the "old" one (compat.c swaps the words for FORWARD checks). */
static void add_message(struct compat_result *res, const struct incompat *inc)
{
    const char *p = inc->location, *m = inc->message;
    char desc[768];
    switch (inc->type) {
    case FIXED_SIZE_MISMATCH:
        snprintf(
            desc, sizeof desc,
            "The size of FIXED type field at path '%s' in the new schema does not match with the old schema",
            p);
        break;
    case TYPE_MISMATCH:
        snprintf(desc, sizeof desc,
                 "The type (path '%s') of a field in the new schema does not match with the old schema", p);
        break;
    case NAME_MISMATCH:
        snprintf(desc, sizeof desc, "The name of the schema has changed (path '%s')", p);
        break;
    case MISSING_ENUM_SYMBOLS:
        snprintf(desc, sizeof desc,
                 "The new schema is missing enum symbols '%s' at path '%s' in the old schema", m, p);
        break;
    case MISSING_UNION_BRANCH:
        snprintf(desc, sizeof desc,
                 "The new schema is missing a type inside a union field at path '%s' in the old schema", p);
        break;
    case READER_FIELD_MISSING_DEFAULT_VALUE:
        snprintf(desc, sizeof desc,
                 "The field '%s' at path '%s' in the new schema has no default value and is missing in the "
                 "old schema",
                 m, p);
        break;
    }
    compat_result_add(res, "{errorType:'%s', description:'%s', additionalInfo:'%s'}",
                      incompat_names[inc->type], desc, m);
}

int avro_can_read(const struct avro_schema *reader, const struct avro_schema *writer,
                  struct compat_result *res, struct sr_error *err)
{
    struct checker c = {.err = err};
    struct location loc = {0};
    struct ilist found = {0};
    int rc = 0;
    loc_push(&c, &loc, "");
    get_compat(&c, reader->root, writer->root, &loc, &found);
    if (c.failed) {
        rc = -1;
    } else if (c.exception) {
        /* Confluent turns an exception from Avro into one message. */
        compat_result_add(res, "Unexpected exception during compatibility check: %s", c.exception);
    } else {
        for (size_t i = 0; i < found.count; i++)
            add_message(res, &found.items[i]);
    }
    for (size_t i = 0; i < c.memo_size; i++)
        if (c.memo[i].state != MEMO_EMPTY)
            ilist_free(&c.memo[i].result);
    free(c.memo);
    ilist_free(&found);
    free(c.exception);
    loc_free(&loc);
    return rc;
}
