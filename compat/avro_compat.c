/* SPDX-License-Identifier: Apache-2.0 */
/* avro_compat.c — "can a reader with schema R read data written with schema W?", with the
 * semantics of Apache Avro Java's SchemaCompatibility.checkReaderWriterCompatibility (what
 * Confluent's AvroSchema.isBackwardCompatible calls): every break is collected, each with a
 * JSON-pointer-like location in the reader schema, and reported in Confluent's Difference
 * format. Reader/writer pairs are memoized by identity, which terminates recursive types and
 * reproduces Java's results, including its re-reporting of a memoized pair's breaks.
 *
 * Java copies each pair's list of breaks into its parent's; on a deep schema with many
 * breaks that is quadratic, so here a pair's result is a list of references (to breaks and
 * to the results of the pairs below it) and is flattened once at the end. */
#include "avro_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

/* The walk descends into the reader, the writer or both, so its depth is bounded by the two
 * parsed depths except through recursive named types, where the memo stops it eventually;
 * this bound keeps the stack small when two cycles of different lengths meet. */
#define AVRO_COMPAT_MAX_DEPTH (COMPAT_MAX_DEPTH * 4)
/* Java would list every break however many there are; a result that re-reports memoized
 * pairs can grow exponentially, so the report stops here. */
#define AVRO_COMPAT_MAX_MESSAGES 10000

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

/* One break, as Java's Incompatibility. */
struct incompat {
    enum incompat_type type;
    char *location;
    char *message;
};

/* An item of a pair's result: a break, or the (non-empty) result of another pair. */
struct entry {
    bool is_break;
    size_t index; /* into checker.breaks or checker.results */
};

struct result {
    struct entry *items;
    size_t count;
    size_t cap;
    size_t total; /* breaks once flattened, saturating at SIZE_MAX / 2 */
};

/* One location token: a borrowed literal or name, or (name == NULL) an array index. Indexes
 * stay integers until a break is reported, since formatting one per field and per union
 * branch cost more than the whole walk. */
struct loc_token {
    const char *name;
    size_t index;
};

/* Location tokens, root first (the root token "" is not printed). A probe (see probe())
 * starts a location of its own on top of the current one, from `base`. */
struct location {
    struct loc_token *tokens;
    size_t count;
    size_t cap;
    size_t base; /* index of the current root token */
};

enum memo_state { MEMO_EMPTY, MEMO_IN_PROGRESS, MEMO_DONE };

struct memo_entry {
    const struct avro_node *reader;
    const struct avro_node *writer;
    enum memo_state state;
    size_t result; /* index into checker.results once MEMO_DONE */
};

struct checker {
    struct memo_entry *memo; /* open addressing, power-of-two size */
    size_t memo_size;
    size_t memo_used;
    struct incompat *breaks;
    size_t nbreaks;
    size_t breaks_cap;
    struct result *results; /* grows during the walk: refer to results by index */
    size_t nresults;
    size_t results_cap;
    int depth;
    char *exception; /* set when Java would throw: the check ends with this message */
    struct sr_error *err;
    bool failed; /* could not decide (err set) */
};

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

static size_t new_result(struct checker *c)
{
    if (c->nresults == c->results_cap) {
        c->results_cap = c->results_cap ? c->results_cap * 2 : 16;
        c->results = sr_xrealloc(c->results, c->results_cap * sizeof *c->results);
    }
    memset(&c->results[c->nresults], 0, sizeof c->results[0]);
    return c->nresults++;
}

static void result_push(struct checker *c, size_t res, struct entry e, size_t weight)
{
    struct result *r = &c->results[res];
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->items = sr_xrealloc(r->items, r->cap * sizeof *r->items);
    }
    r->items[r->count++] = e;
    r->total = r->total > SIZE_MAX / 2 - weight ? SIZE_MAX / 2 : r->total + weight;
}

/* Java's mergedWith(): the parent's result gains the child's breaks (if any). */
static void merge(struct checker *c, size_t res, size_t child)
{
    if (c->results[child].total)
        result_push(c, res, (struct entry){false, child}, c->results[child].total);
}

/* Java's Incompatibility.getLocation(): "/" followed by the tokens after the root, JSON
 * pointer escaped. */
static char *render_location(const struct location *loc)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_putc(&b, '/');
    for (size_t i = loc->base + 1; i < loc->count; i++) {
        if (i > loc->base + 1)
            sr_buf_putc(&b, '/');
        if (!loc->tokens[i].name) {
            sr_buf_printf(&b, "%zu", loc->tokens[i].index);
            continue;
        }
        for (const char *p = loc->tokens[i].name; *p; p++) {
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

static void incompatible(struct checker *c, size_t res, enum incompat_type type, const struct location *loc,
                         char *message)
{
    if (c->nbreaks == c->breaks_cap) {
        c->breaks_cap = c->breaks_cap ? c->breaks_cap * 2 : 16;
        c->breaks = sr_xrealloc(c->breaks, c->breaks_cap * sizeof *c->breaks);
    }
    /* Breaks are reported in creation order (repeats only revisit earlier ones), so one
     * created after the report limit is never shown: keep only its existence. */
    if (c->nbreaks >= AVRO_COMPAT_MAX_MESSAGES) {
        free(message);
        c->breaks[c->nbreaks] = (struct incompat){type, NULL, NULL};
    } else {
        c->breaks[c->nbreaks] = (struct incompat){type, render_location(loc), message};
    }
    result_push(c, res, (struct entry){true, c->nbreaks}, 1);
    c->nbreaks++;
}

/* The walk's depth bound (AVRO_COMPAT_MAX_DEPTH) bounds this stack too. */
static void loc_push_token(struct location *loc, struct loc_token token)
{
    if (loc->count == loc->cap) {
        loc->cap = loc->cap ? loc->cap * 2 : 16;
        loc->tokens = sr_xrealloc(loc->tokens, loc->cap * sizeof *loc->tokens);
    }
    loc->tokens[loc->count++] = token;
}

static void loc_push(struct location *loc, const char *name)
{
    loc_push_token(loc, (struct loc_token){name, 0});
}

static void loc_push_index(struct location *loc, size_t index)
{
    loc_push_token(loc, (struct loc_token){NULL, index});
}

static const char *type_upper(enum avro_type t)
{
    static const char *const names[] = {"NULL",   "BOOLEAN", "INT",  "LONG",  "FLOAT", "DOUBLE", "BYTES",
                                        "STRING", "RECORD",  "ENUM", "FIXED", "ARRAY", "MAP",    "UNION"};
    return names[t];
}

static size_t memo_hash(const struct memo_entry *table, size_t size, const struct avro_node *r,
                        const struct avro_node *w)
{
    size_t h = (r->id * 31u + w->id * 1000003u) & (size - 1);
    while (table[h].state != MEMO_EMPTY && !(table[h].reader == r && table[h].writer == w))
        h = (h + 1) & (size - 1);
    return h;
}

/* The memo slot of (r, w). The table is rehashed when it grows, so a slot pointer is valid
 * only until the next call into the walk. */
static struct memo_entry *memo_slot(struct checker *c, const struct avro_node *r, const struct avro_node *w)
{
    if ((c->memo_used + 1) * 2 > c->memo_size) {
        size_t old_size = c->memo_size;
        struct memo_entry *old = c->memo;
        c->memo_size = old_size ? old_size * 2 : 64;
        c->memo = sr_xcalloc(c->memo_size, sizeof *c->memo);
        for (size_t i = 0; i < old_size; i++)
            if (old[i].state != MEMO_EMPTY)
                c->memo[memo_hash(c->memo, c->memo_size, old[i].reader, old[i].writer)] = old[i];
        free(old);
    }
    return &c->memo[memo_hash(c->memo, c->memo_size, r, w)];
}

/* Returns the index of the (r, w) result, or SIZE_MAX when there is nothing to report
 * (recursion in progress, or the walk was abandoned). */
static size_t get_compat(struct checker *c, const struct avro_node *r, const struct avro_node *w,
                         struct location *loc);

/* getCompatibility(token, reader, writer, location) merged into res. */
static void merge_at(struct checker *c, size_t res, const char *token, const struct avro_node *r,
                     const struct avro_node *w, struct location *loc)
{
    loc_push(loc, token);
    size_t child = get_compat(c, r, w, loc);
    loc->count--;
    if (child != SIZE_MAX)
        merge(c, res, child);
}

static void merge_at_index(struct checker *c, size_t res, size_t index, const struct avro_node *r,
                           const struct avro_node *w, struct location *loc)
{
    loc_push_index(loc, index);
    size_t child = get_compat(c, r, w, loc);
    loc->count--;
    if (child != SIZE_MAX)
        merge(c, res, child);
}

/* Java's public getCompatibility(reader, writer) starts over at the root location; the
 * union checks use it to probe branches. Returns true when compatible. */
static bool probe(struct checker *c, const struct avro_node *r, const struct avro_node *w,
                  struct location *loc)
{
    /* The fresh location lives on top of the caller's stack (no allocation per probe, and a
     * union-heavy walk probes a lot); base marks its root. */
    size_t saved_base = loc->base, saved_count = loc->count;
    loc->base = loc->count;
    loc_push(loc, "");
    size_t res = get_compat(c, r, w, loc);
    loc->count = saved_count;
    loc->base = saved_base;
    return res == SIZE_MAX || c->results[res].total == 0;
}

bool avro_names_match(const struct avro_node *r, const struct avro_node *w)
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

bool avro_is_promotion(enum avro_type writer, enum avro_type reader)
{
    switch (reader) {
    case AVRO_LONG:
        return writer == AVRO_INT;
    case AVRO_FLOAT:
        return writer == AVRO_INT || writer == AVRO_LONG;
    case AVRO_DOUBLE:
        return writer == AVRO_INT || writer == AVRO_LONG || writer == AVRO_FLOAT;
    case AVRO_BYTES:
        return writer == AVRO_STRING;
    case AVRO_STRING:
        return writer == AVRO_BYTES;
    default:
        return false;
    }
}

/* False when reader branch r certainly cannot read the non-union writer w (different kinds
 * without a promotion, or named types whose names do not match): Java would probe such a
 * branch and find it incompatible, so skipping it keeps the answer and spares a wide union
 * the quadratic walk. */
static bool may_read(const struct avro_node *r, const struct avro_node *w)
{
    if (r->type == w->type)
        return !avro_is_named(r->type) || avro_names_match(r, w);
    return avro_is_promotion(w->type, r->type);
}

static void check_names(struct checker *c, size_t res, const struct avro_node *r, const struct avro_node *w,
                        struct location *loc)
{
    loc_push(loc, "name");
    if (!avro_names_match(r, w))
        incompatible(c, res, NAME_MISMATCH, loc, xasprintf("expected: %s", w->fullname));
    loc->count--;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_enum_symbols(struct checker *c, size_t res, const struct avro_node *r,
                               const struct avro_node *w, struct location *loc)
{
    /* A reader enum default absorbs unknown writer symbols; otherwise the list is only
     * built when a symbol is missing (the common case allocates nothing). */
    size_t nmissing = 0;
    for (size_t i = 0; i < w->nsymbols && !r->enum_default && !nmissing; i++)
        nmissing = avro_index_get(&r->symbol_index, w->symbols[i]) < 0;
    if (!nmissing)
        return;
    loc_push(loc, "symbols");
    const char **missing = sr_xcalloc(w->nsymbols, sizeof *missing);
    nmissing = 0;
    for (size_t i = 0; i < w->nsymbols; i++)
        if (avro_index_get(&r->symbol_index, w->symbols[i]) < 0)
            missing[nmissing++] = w->symbols[i];
    struct sr_buf b = SR_BUF_INIT;
    qsort(missing, nmissing, sizeof *missing, cmp_str); /* Java reports a TreeSet */
    sr_buf_putc(&b, '[');
    for (size_t i = 0; i < nmissing; i++)
        sr_buf_printf(&b, "%s%s", i ? ", " : "", missing[i]);
    sr_buf_putc(&b, ']');
    incompatible(c, res, MISSING_ENUM_SYMBOLS, loc, sr_buf_steal(&b, NULL));
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

static void check_record_fields(struct checker *c, size_t res, const struct avro_node *r,
                                const struct avro_node *w, struct location *loc)
{
    loc_push(loc, "fields");
    for (size_t i = 0; i < r->nfields && !c->failed && !c->exception; i++) {
        const struct avro_field *rf = &r->fields[i];
        loc_push_index(loc, i);
        const struct avro_field *wf = lookup_writer_field(c, w, rf);
        if (!wf) {
            if (!rf->def) {
                if (rf->type->type == AVRO_ENUM && rf->type->enum_default)
                    /* What Java does here: compare the enum with the whole writer record. */
                    merge_at(c, res, "type", rf->type, w, loc);
                else
                    incompatible(c, res, READER_FIELD_MISSING_DEFAULT_VALUE, loc, sr_xstrdup(rf->name));
            }
        } else {
            merge_at(c, res, "type", rf->type, wf->type, loc);
        }
        loc->count--;
    }
    loc->count--;
}

static void type_mismatch(struct checker *c, size_t res, const struct avro_node *r, const struct avro_node *w,
                          const struct location *loc)
{
    incompatible(c, res, TYPE_MISMATCH, loc,
                 xasprintf("reader type: %s not compatible with writer type: %s", type_upper(r->type),
                           type_upper(w->type)));
}

static void calculate(struct checker *c, size_t res, const struct avro_node *r, const struct avro_node *w,
                      struct location *loc)
{
    if (r->type == w->type) {
        switch (r->type) {
        case AVRO_ARRAY:
            merge_at(c, res, "items", r->items, w->items, loc);
            return;
        case AVRO_MAP:
            merge_at(c, res, "values", r->items, w->items, loc);
            return;
        case AVRO_FIXED:
            check_names(c, res, r, w, loc);
            loc_push(loc, "size");
            if (r->size != w->size)
                incompatible(
                    c, res, FIXED_SIZE_MISMATCH, loc,
                    xasprintf("expected: %lld, found: %lld", (long long)w->size, (long long)r->size));
            loc->count--;
            return;
        case AVRO_ENUM:
            check_names(c, res, r, w, loc);
            check_enum_symbols(c, res, r, w, loc);
            return;
        case AVRO_RECORD:
            check_names(c, res, r, w, loc);
            check_record_fields(c, res, r, w, loc);
            return;
        case AVRO_UNION:
            /* Every writer branch must be readable by the reader union. */
            for (size_t i = 0; i < w->nbranches && !c->failed && !c->exception; i++) {
                loc_push_index(loc, i);
                if (!probe(c, r, w->branches[i], loc))
                    incompatible(
                        c, res, MISSING_UNION_BRANCH, loc,
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
        for (size_t i = 0; i < w->nbranches && !c->failed && !c->exception; i++)
            merge_at_index(c, res, i, r, w->branches[i], loc);
        return;
    }
    switch (r->type) {
    case AVRO_UNION:
        /* A non-union writer must match some reader branch. */
        for (size_t i = 0; i < r->nbranches && !c->failed && !c->exception; i++)
            if (may_read(r->branches[i], w) && probe(c, r->branches[i], w, loc))
                return;
        incompatible(c, res, MISSING_UNION_BRANCH, loc,
                     xasprintf("reader union lacking writer type: %s", type_upper(w->type)));
        return;
    default:
        /* Different kinds: only the promotions int->long->float->double and string<->bytes. */
        if (!may_read(r, w))
            type_mismatch(c, res, r, w, loc);
        return;
    }
}

static size_t get_compat(struct checker *c, const struct avro_node *r, const struct avro_node *w,
                         struct location *loc)
{
    if (c->failed || c->exception)
        return SIZE_MAX;
    /* Two primitives one can read the other: Java memoizes the pair too, but it has no break
     * to re-report, so its memo entry would only cost a slot (most pairs of a wide record). */
    if (r->type <= AVRO_STRING && w->type <= AVRO_STRING && may_read(r, w))
        return SIZE_MAX;
    struct memo_entry *e = memo_slot(c, r, w);
    if (e->state == MEMO_IN_PROGRESS)
        return SIZE_MAX; /* recursion: compatible unless proven otherwise */
    if (e->state == MEMO_DONE)
        return e->result; /* Java merges the memoized breaks again */
    if (c->depth >= AVRO_COMPAT_MAX_DEPTH) {
        c->failed = true;
        sr_error_set(c->err, SR_ERR_INVALID_SCHEMA,
                     "Invalid schema: nested too deeply to check compatibility");
        return SIZE_MAX;
    }
    e->reader = r;
    e->writer = w;
    e->state = MEMO_IN_PROGRESS;
    c->memo_used++;
    size_t res = new_result(c);
    c->depth++;
    calculate(c, res, r, w, loc);
    c->depth--;
    /* The table may have grown during the walk: find the entry again. */
    e = memo_slot(c, r, w);
    e->state = MEMO_DONE;
    e->result = res;
    return res;
}

/* Confluent's Difference text, with the reader in the role of the "new" schema and the
 * writer in the role of the "old" one (compat.c swaps the words for FORWARD checks). */
static void add_message(struct compat_result *out, const struct incompat *inc)
{
    const char *p = inc->location, *m = inc->message;
    struct sr_buf desc = SR_BUF_INIT;
    switch (inc->type) {
    case FIXED_SIZE_MISMATCH:
        sr_buf_printf(
            &desc,
            "The size of FIXED type field at path '%s' in the new schema does not match with the old schema",
            p);
        break;
    case TYPE_MISMATCH:
        sr_buf_printf(
            &desc, "The type (path '%s') of a field in the new schema does not match with the old schema", p);
        break;
    case NAME_MISMATCH:
        sr_buf_printf(&desc, "The name of the schema has changed (path '%s')", p);
        break;
    case MISSING_ENUM_SYMBOLS:
        sr_buf_printf(&desc, "The new schema is missing enum symbols '%s' at path '%s' in the old schema", m,
                      p);
        break;
    case MISSING_UNION_BRANCH:
        sr_buf_printf(
            &desc, "The new schema is missing a type inside a union field at path '%s' in the old schema", p);
        break;
    case READER_FIELD_MISSING_DEFAULT_VALUE:
        sr_buf_printf(
            &desc,
            "The field '%s' at path '%s' in the new schema has no default value and is missing in the old "
            "schema",
            m, p);
        break;
    }
    compat_result_add(out, "{errorType:'%s', description:'%s', additionalInfo:'%s'}",
                      incompat_names[inc->type], desc.data, m);
    sr_buf_free(&desc);
}

/* Appends the breaks of result `res` in Java's order (depth first, as merged). */
static void flatten(const struct checker *c, size_t res, struct compat_result *out, size_t *left)
{
    const struct result *r = &c->results[res];
    for (size_t i = 0; i < r->count && *left; i++) {
        if (r->items[i].is_break) {
            assert(c->breaks[r->items[i].index].location);
            add_message(out, &c->breaks[r->items[i].index]);
            (*left)--;
        } else {
            flatten(c, r->items[i].index, out, left);
        }
    }
}

/* Nodes whose pairs get a memo entry (see get_compat). */
static size_t complex_nodes(const struct avro_schema *schema)
{
    size_t n = 0;
    for (size_t i = 0; i < schema->nnodes; i++)
        n += schema->nodes[i]->type > AVRO_STRING;
    return n;
}

/* The check of reader node r against writer node w with a memo of memo_size slots (a power
 * of two). */
static int check_nodes(const struct avro_node *r, const struct avro_node *w, size_t memo_size,
                       struct compat_result *res, struct sr_error *err)
{
    struct checker c = {.err = err};
    struct location loc = {0};
    int rc = 0;
    c.memo_size = memo_size;
    c.memo = sr_xcalloc(c.memo_size, sizeof *c.memo);
    loc_push(&loc, "");
    size_t root = get_compat(&c, r, w, &loc);
    if (c.failed) {
        rc = -1;
    } else if (c.exception) {
        /* Confluent turns an exception from Avro into one message. */
        compat_result_add(res, "Unexpected exception during compatibility check: %s", c.exception);
    } else if (root != SIZE_MAX) {
        size_t left = AVRO_COMPAT_MAX_MESSAGES;
        flatten(&c, root, res, &left);
    }
    for (size_t i = 0; i < c.nbreaks; i++) {
        free(c.breaks[i].location);
        free(c.breaks[i].message);
    }
    for (size_t i = 0; i < c.nresults; i++)
        free(c.results[i].items);
    free(c.breaks);
    free(c.results);
    free(c.memo);
    free(c.exception);
    free(loc.tokens);
    return rc;
}

int avro_can_read(const struct avro_schema *reader, const struct avro_schema *writer,
                  struct compat_result *res, struct sr_error *err)
{
    /* Sized once for the usual case (a pair per complex node of the smaller schema, plus a
     * few union probes), so that a typical check never rehashes. */
    size_t nr = complex_nodes(reader), nw = complex_nodes(writer);
    size_t want = (nr < nw ? nr : nw) * 4, size = 64;
    while (size < want && size < 4096)
        size *= 2;
    return check_nodes(reader->root, writer->root, size, res, err);
}

int avro_nodes_can_read(const struct avro_node *reader, const struct avro_node *writer, bool *ok,
                        struct sr_error *err)
{
    struct compat_result res;
    compat_result_init(&res);
    int rc = check_nodes(reader, writer, 64, &res, err);
    *ok = res.compatible;
    compat_result_free(&res);
    return rc;
}
