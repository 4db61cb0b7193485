/* SPDX-License-Identifier: Apache-2.0 */
/* avro_diff.c — every change between two versions of an Avro schema (schema-compat diff),
 * each with a kind, a path and whether it breaks BACKWARD and FORWARD. The two graphs are
 * walked side by side from the roots: record fields are matched as Avro's resolution
 * matches them (by name, then by the reader's aliases), union branches by kind and full
 * name, and each (old, new) pair of named types is compared once, which ends recursion.
 *
 * Change kinds (path tokens: "fields/<name>", "type", "items", "values", "<branch index>",
 * "symbols/<symbol>", "name", "aliases", "doc", "default", "order", "size", "<property>"):
 *   FIELD_ADDED            new field; breaks BACKWARD without a default (the new reader
 *                          has nothing to fill it with)
 *   FIELD_REMOVED          field gone; breaks FORWARD when the old field had no default
 *   FIELD_RENAMED          new field found through its aliases; breaks FORWARD when the old
 *                          reader cannot find it back and has no default
 *   FIELD_TYPE_CHANGED     a field's type changed kind (not a promotion); breaks the
 *                          directions in which the one type cannot read the other
 *   TYPE_CHANGED           the same, anywhere else (array items, map values, the root)
 *   TYPE_PROMOTED          int->long->float->double or string<->bytes (breaks FORWARD when
 *                          widened, BACKWARD when narrowed)
 *   UNION_BRANCH_ADDED     breaks FORWARD unless an old branch reads the new one
 *   UNION_BRANCH_REMOVED   breaks BACKWARD unless a new branch reads the old one
 *   NAME_CHANGED           a named type's full name; breaks a direction unless the reader's
 *                          aliases (or the unqualified name) still match
 *   ENUM_SYMBOL_ADDED      breaks FORWARD unless the old enum has a default symbol
 *   ENUM_SYMBOL_REMOVED    breaks BACKWARD unless the new enum has a default symbol
 *   ENUM_DEFAULT_ADDED / ENUM_DEFAULT_REMOVED / ENUM_DEFAULT_CHANGED
 *   FIXED_SIZE_CHANGED     breaks both
 *   DEFAULT_ADDED / DEFAULT_REMOVED / DEFAULT_CHANGED   a field's default
 *   ALIAS_ADDED / ALIAS_REMOVED   of a named type or a field
 *   DOC_CHANGED / DOC_ADDED / DOC_REMOVED
 *   ORDER_CHANGED          a field's sort order
 *   PROPERTY_ADDED / PROPERTY_REMOVED / PROPERTY_CHANGED   custom attributes, logicalType
 *                          included (Avro's resolution ignores them)
 * A named type used in several places is compared once, and its changes are listed at its
 * first use in the new schema.
 * The kinds without a rule above never break by themselves: defaults matter only when a
 * field is missing on one side, which FIELD_ADDED/FIELD_REMOVED account for. The verdict of
 * a type change comes from avro_compat.c run on the two types alone, so it is the rule the
 * registry applies. */
#include "avro_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

/* Named-type pairs compared so far (both ids), open addressing. */
struct pair_set {
    struct pair_slot {
        size_t old_id, new_id;
        unsigned mask;
        bool used;
    } * slots;
    size_t size, used;
};

struct differ {
    struct compat_changes *out;
    struct sr_buf path; /* "/fields/a/type", grown and cut back as the walk goes */
    struct pair_set seen;
    int depth;
    /* The directions in which the pair being compared is paired at all: a field that only
     * one direction's reader resolves (through aliases) can break only that direction. */
    unsigned mask;
    struct sr_error *err;
    bool failed;
};

static bool pair_seen_add(struct pair_set *s, size_t o, size_t n, unsigned mask)
{
    if ((s->used + 1) * 2 > s->size) {
        struct pair_set bigger = {sr_xcalloc(s->size ? s->size * 2 : 64, sizeof *bigger.slots),
                                  s->size ? s->size * 2 : 64, s->used};
        for (size_t i = 0; i < s->size; i++) {
            if (!s->slots[i].used)
                continue;
            size_t h = (s->slots[i].old_id * 31u + s->slots[i].new_id * 1000003u) & (bigger.size - 1);
            while (bigger.slots[h].used)
                h = (h + 1) & (bigger.size - 1);
            bigger.slots[h] = s->slots[i];
        }
        free(s->slots);
        *s = bigger;
    }
    size_t h = (o * 31u + n * 1000003u) & (s->size - 1);
    while (s->slots[h].used) {
        if (s->slots[h].old_id == o && s->slots[h].new_id == n && s->slots[h].mask == mask)
            return false;
        h = (h + 1) & (s->size - 1);
    }
    s->slots[h] = (struct pair_slot){o, n, mask, true};
    s->used++;
    return true;
}

/* Tokens are JSON-pointer escaped: names cannot hold '/' or '~', property keys can. */
static size_t path_push(struct differ *d, const char *token)
{
    size_t mark = d->path.len;
    sr_buf_putc(&d->path, '/');
    for (const char *p = token; *p; p++) {
        if (*p == '~')
            sr_buf_puts(&d->path, "~0");
        else if (*p == '/')
            sr_buf_puts(&d->path, "~1");
        else
            sr_buf_putc(&d->path, *p);
    }
    return mark;
}

static size_t path_push_index(struct differ *d, size_t index)
{
    size_t mark = d->path.len;
    sr_buf_printf(&d->path, "/%zu", index);
    return mark;
}

static void path_cut(struct differ *d, size_t mark)
{
    d->path.len = mark;
    if (d->path.data)
        d->path.data[mark] = '\0';
}

static void change(struct differ *d, const char *kind, const char *token, unsigned breaks, const char *fmt,
                   ...) SR_PRINTF(5, 6);
static void change(struct differ *d, const char *kind, const char *token, unsigned breaks, const char *fmt,
                   ...)
{
    size_t mark = token ? path_push(d, token) : d->path.len;
    va_list ap;
    va_start(ap, fmt);
    compat_changes_addv(d->out, kind, d->path.len ? d->path.data : "/", breaks & d->mask, fmt, ap);
    va_end(ap);
    path_cut(d, mark);
}

/* The directions in which the one type cannot read the other. */
static unsigned type_breaks(struct differ *d, const struct avro_node *o, const struct avro_node *n)
{
    bool backward_ok = true, forward_ok = true;
    if (avro_nodes_can_read(n, o, &backward_ok, d->err) < 0 ||
        avro_nodes_can_read(o, n, &forward_ok, d->err) < 0) {
        d->failed = true;
        return 0;
    }
    return (backward_ok ? 0u : COMPAT_BREAKS_BACKWARD) | (forward_ok ? 0u : COMPAT_BREAKS_FORWARD);
}

static const char *type_label(const struct avro_node *n)
{
    return avro_is_named(n->type) ? n->fullname : avro_type_name(n->type);
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void diff_doc(struct differ *d, const char *o, const char *n)
{
    if (str_eq(o, n))
        return;
    if (!o)
        change(d, "DOC_ADDED", "doc", 0, "doc added");
    else if (!n)
        change(d, "DOC_REMOVED", "doc", 0, "doc removed");
    else
        change(d, "DOC_CHANGED", "doc", 0, "doc changed");
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void diff_aliases(struct differ *d, char *const *o, size_t no, char *const *n, size_t nn)
{
    for (size_t i = 0; i < nn; i++)
        if (!strv_has(o, no, n[i]))
            change(d, "ALIAS_ADDED", "aliases", 0, "alias '%s' added", n[i]);
    for (size_t i = 0; i < no; i++)
        if (!strv_has(n, nn, o[i]))
            change(d, "ALIAS_REMOVED", "aliases", 0, "alias '%s' removed", o[i]);
}

static void diff_props(struct differ *d, const struct avro_props *o, const struct avro_props *n)
{
    for (size_t i = 0; i < n->count; i++) {
        const json_t *ov = avro_prop_get(o, n->items[i].key);
        if (!ov)
            change(d, "PROPERTY_ADDED", n->items[i].key, 0, "property '%s' added", n->items[i].key);
        else if (!json_equal((json_t *)ov, n->items[i].value))
            change(d, "PROPERTY_CHANGED", n->items[i].key, 0, "property '%s' changed", n->items[i].key);
    }
    for (size_t i = 0; i < o->count; i++)
        if (!avro_prop_get(n, o->items[i].key))
            change(d, "PROPERTY_REMOVED", o->items[i].key, 0, "property '%s' removed", o->items[i].key);
}

static void diff_node(struct differ *d, const struct avro_node *o, const struct avro_node *n,
                      bool is_field_type);

/* Avro's lookup of a reader field in a writer record: by name, then each reader alias. */
static const struct avro_field *lookup_field(const struct avro_node *writer, const struct avro_field *rf)
{
    long pos = avro_index_get(&writer->field_index, rf->name);
    for (size_t a = 0; pos < 0 && a < rf->naliases; a++)
        pos = avro_index_get(&writer->field_index, rf->aliases[a]);
    return pos < 0 ? NULL : &writer->fields[pos];
}

static char *json_text(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    return s ? s : sr_xstrdup("?");
}

static void diff_field(struct differ *d, const struct avro_field *of, const struct avro_field *nf)
{
    diff_doc(d, of->doc, nf->doc);
    diff_aliases(d, of->aliases, of->naliases, nf->aliases, nf->naliases);
    if (of->order != nf->order)
        change(d, "ORDER_CHANGED", "order", 0, "sort order changed");
    if (!of->def && nf->def) {
        change(d, "DEFAULT_ADDED", "default", 0, "default added");
    } else if (of->def && !nf->def) {
        change(d, "DEFAULT_REMOVED", "default", 0, "default removed");
    } else if (of->def && nf->def && !json_equal(of->def, nf->def)) {
        char *ot = json_text(of->def), *nt = json_text(nf->def);
        change(d, "DEFAULT_CHANGED", "default", 0, "default changed from %.80s to %.80s", ot, nt);
        free(ot);
        free(nt);
    }
    diff_props(d, &of->props, &nf->props);
    size_t mark = path_push(d, "type");
    diff_node(d, of->type, nf->type, true);
    path_cut(d, mark);
}

/* Fields: matched from the new record's side as the new reader resolves them; an old field
 * no new field resolves to is removed. */
static void diff_record(struct differ *d, const struct avro_node *o, const struct avro_node *n)
{
    bool *matched = sr_xcalloc(o->nfields ? o->nfields : 1, sizeof *matched);
    size_t mark = path_push(d, "fields");
    for (size_t i = 0; i < n->nfields && !d->failed; i++) {
        const struct avro_field *nf = &n->fields[i];
        const struct avro_field *of = lookup_field(o, nf);
        size_t fmark = path_push(d, nf->name);
        if (!of) {
            change(d, "FIELD_ADDED", NULL, nf->def ? 0 : COMPAT_BREAKS_BACKWARD, "field '%s' added %s",
                   nf->name, nf->def ? "with a default" : "without a default");
        } else {
            matched[of - o->fields] = true;
            /* The old reader pairs the two fields too only if it finds the new one by its
             * own name or aliases; otherwise it fills the field from its default. */
            bool found = lookup_field(n, of) == nf;
            if (strcmp(of->name, nf->name) != 0)
                change(d, "FIELD_RENAMED", NULL, found || of->def ? 0 : COMPAT_BREAKS_FORWARD,
                       "field '%s' renamed to '%s'", of->name, nf->name);
            unsigned saved = d->mask;
            if (!found)
                d->mask &= COMPAT_BREAKS_BACKWARD;
            diff_field(d, of, nf);
            d->mask = saved;
        }
        path_cut(d, fmark);
    }
    for (size_t i = 0; i < o->nfields && !d->failed; i++) {
        const struct avro_field *of = &o->fields[i];
        if (matched[i])
            continue;
        /* The old reader looks for it by name and its aliases in the new data: found there,
         * the field was renamed as far as FORWARD is concerned (the new reader, not finding
         * it, sees an added field), and their types matter to FORWARD only. */
        const struct avro_field *nf = lookup_field(n, of);
        if (!nf) {
            change(d, "FIELD_REMOVED", of->name, of->def ? 0 : COMPAT_BREAKS_FORWARD, "field '%s' removed%s",
                   of->name, of->def ? " (it had a default)" : "");
            continue;
        }
        size_t fmark = path_push(d, nf->name);
        change(d, "FIELD_RENAMED", NULL, 0,
               "field '%s' renamed to '%s' (found through the old field's aliases)", of->name, nf->name);
        unsigned saved = d->mask;
        d->mask &= COMPAT_BREAKS_FORWARD;
        diff_field(d, of, nf);
        d->mask = saved;
        path_cut(d, fmark);
    }
    path_cut(d, mark);
    free(matched);
}

static void diff_enum(struct differ *d, const struct avro_node *o, const struct avro_node *n)
{
    size_t mark = path_push(d, "symbols");
    for (size_t i = 0; i < n->nsymbols; i++)
        if (avro_index_get(&o->symbol_index, n->symbols[i]) < 0)
            change(d, "ENUM_SYMBOL_ADDED", n->symbols[i], o->enum_default ? 0 : COMPAT_BREAKS_FORWARD,
                   "enum symbol '%s' added", n->symbols[i]);
    for (size_t i = 0; i < o->nsymbols; i++)
        if (avro_index_get(&n->symbol_index, o->symbols[i]) < 0)
            change(d, "ENUM_SYMBOL_REMOVED", o->symbols[i], n->enum_default ? 0 : COMPAT_BREAKS_BACKWARD,
                   "enum symbol '%s' removed", o->symbols[i]);
    path_cut(d, mark);
    if (!o->enum_default && n->enum_default)
        change(d, "ENUM_DEFAULT_ADDED", "default", 0, "enum default '%s' added", n->enum_default);
    else if (o->enum_default && !n->enum_default)
        change(d, "ENUM_DEFAULT_REMOVED", "default", 0, "enum default '%s' removed", o->enum_default);
    else if (!str_eq(o->enum_default, n->enum_default))
        change(d, "ENUM_DEFAULT_CHANGED", "default", 0, "enum default changed from '%s' to '%s'",
               o->enum_default, n->enum_default);
}

/* Union branches pair up by kind and, for named types, full name. */
static bool same_branch(const struct avro_node *a, const struct avro_node *b)
{
    return a->type == b->type && (!avro_is_named(a->type) || strcmp(a->fullname, b->fullname) == 0);
}

static void diff_union(struct differ *d, const struct avro_node *o, const struct avro_node *n)
{
    bool *matched = sr_xcalloc(o->nbranches ? o->nbranches : 1, sizeof *matched);
    for (size_t i = 0; i < n->nbranches && !d->failed; i++) {
        size_t j = 0;
        while (j < o->nbranches && (matched[j] || !same_branch(o->branches[j], n->branches[i])))
            j++;
        size_t mark = path_push_index(d, i);
        if (j < o->nbranches) {
            matched[j] = true;
            diff_node(d, o->branches[j], n->branches[i], false);
        } else {
            bool ok = true;
            if (avro_nodes_can_read(o, n->branches[i], &ok, d->err) < 0)
                d->failed = true;
            change(d, "UNION_BRANCH_ADDED", NULL, ok ? 0 : COMPAT_BREAKS_FORWARD, "union branch %s added",
                   type_label(n->branches[i]));
        }
        path_cut(d, mark);
    }
    for (size_t j = 0; j < o->nbranches && !d->failed; j++) {
        if (matched[j])
            continue;
        bool ok = true;
        if (avro_nodes_can_read(n, o->branches[j], &ok, d->err) < 0)
            d->failed = true;
        size_t mark = path_push_index(d, j);
        change(d, "UNION_BRANCH_REMOVED", NULL, ok ? 0 : COMPAT_BREAKS_BACKWARD,
               "union branch %s removed (index %zu in the old schema)", type_label(o->branches[j]), j);
        path_cut(d, mark);
    }
    free(matched);
}

static void diff_named(struct differ *d, const struct avro_node *o, const struct avro_node *n)
{
    if (strcmp(o->fullname, n->fullname) != 0)
        change(d, "NAME_CHANGED", "name",
               (avro_names_match(n, o) ? 0u : COMPAT_BREAKS_BACKWARD) |
                   (avro_names_match(o, n) ? 0u : COMPAT_BREAKS_FORWARD),
               "name changed from %s to %s", o->fullname, n->fullname);
    diff_doc(d, o->doc, n->doc);
    diff_aliases(d, o->aliases, o->naliases, n->aliases, n->naliases);
    switch (n->type) {
    case AVRO_RECORD:
        diff_record(d, o, n);
        break;
    case AVRO_ENUM:
        diff_enum(d, o, n);
        break;
    default: /* fixed */
        if (o->size != n->size)
            change(d, "FIXED_SIZE_CHANGED", "size", COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD,
                   "fixed size changed from %lld to %lld", (long long)o->size, (long long)n->size);
        break;
    }
}

static void diff_node(struct differ *d, const struct avro_node *o, const struct avro_node *n,
                      bool is_field_type)
{
    if (d->failed)
        return;
    if (d->depth >= COMPAT_MAX_DEPTH * 4) {
        d->failed = true;
        sr_error_set(d->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: nested too deeply to compare");
        return;
    }
    d->depth++;
    if (o->type != n->type) {
        bool promoted = avro_is_promotion(o->type, n->type);
        change(d,
               promoted        ? "TYPE_PROMOTED"
               : is_field_type ? "FIELD_TYPE_CHANGED"
                               : "TYPE_CHANGED",
               NULL, type_breaks(d, o, n), "type changed from %s to %s", type_label(o), type_label(n));
    } else {
        diff_props(d, &o->props, &n->props);
        switch (n->type) {
        case AVRO_RECORD:
        case AVRO_ENUM:
        case AVRO_FIXED:
            /* Each pair once: a recursive type comes back to a pair already compared. */
            if (pair_seen_add(&d->seen, o->id, n->id, d->mask))
                diff_named(d, o, n);
            break;
        case AVRO_ARRAY:
        case AVRO_MAP: {
            size_t mark = path_push(d, n->type == AVRO_ARRAY ? "items" : "values");
            diff_node(d, o->items, n->items, false);
            path_cut(d, mark);
            break;
        }
        case AVRO_UNION:
            diff_union(d, o, n);
            break;
        default:
            break;
        }
    }
    d->depth--;
}

int avro_diff(const struct avro_schema *old, const struct avro_schema *new, struct compat_changes *out,
              struct sr_error *err)
{
    struct differ d = {
        .out = out, .path = SR_BUF_INIT, .mask = COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD, .err = err};
    diff_node(&d, old->root, new->root, false);
    sr_buf_free(&d.path);
    free(d.seen.slots);
    return d.failed ? -1 : 0;
}
