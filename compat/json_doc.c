/* SPDX-License-Identifier: Apache-2.0 */
/* json_doc.c — the JSON Schema document registry: URI resolution (RFC 3986), $id / $anchor /
 * $dynamicAnchor indexing per draft, JSON Pointer lookup, built-in metaschemas, the regex cache,
 * value equality and the canonical printer. Documents are only ever added: every json_loc handed
 * out stays valid until json_reg_free(). */
#include "json_internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <pthread.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

/* Schema nesting allowed (STYLE rule 17); deeper documents are rejected with 42201 before any
 * other walk touches them. */
#define JSON_WALK_MAX_DEPTH COMPAT_MAX_DEPTH
/* Documents pulled in while resolving one reference chain (metaschema of a metaschema...). */
#define JSON_MAX_DOCS 4096

/* ---- a small string-keyed hash map ---------------------------------------------------- */

struct map_slot {
    char *key;
    void *val;
};

struct json_map {
    struct map_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t len;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static struct map_slot *map_slot_for(const struct json_map *m, const char *key)
{
    if (m->cap == 0)
        return NULL;
    size_t i = (size_t)hash_str(key) & (m->cap - 1);
    for (;;) {
        struct map_slot *s = &m->slots[i];
        if (s->key == NULL || strcmp(s->key, key) == 0)
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

static void *map_get(const struct json_map *m, const char *key)
{
    struct map_slot *s = map_slot_for(m, key);
    return s && s->key ? s->val : NULL;
}

/* Inserts (the key is copied) unless present; returns the stored slot. */
static struct map_slot *map_put(struct json_map *m, const char *key, void *val)
{
    if ((m->len + 1) * 2 > m->cap) {
        struct json_map bigger = {NULL, m->cap ? m->cap * 2 : 16, 0};
        bigger.slots = sr_xcalloc(bigger.cap, sizeof *bigger.slots);
        for (size_t i = 0; i < m->cap; i++) {
            if (m->slots[i].key) {
                struct map_slot *s = map_slot_for(&bigger, m->slots[i].key);
                *s = m->slots[i];
                bigger.len++;
            }
        }
        free(m->slots);
        *m = bigger;
    }
    struct map_slot *s = map_slot_for(m, key);
    if (s->key == NULL) {
        s->key = sr_xstrdup(key);
        s->val = val;
        m->len++;
    }
    return s;
}

static void map_free(struct json_map *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key) {
            free(m->slots[i].key);
            if (free_val)
                free_val(m->slots[i].val);
        }
    }
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = 0;
}

/* ---- URIs ---------------------------------------------------------------------------------- */

struct uri_parts {
    const char *scheme;
    size_t scheme_len;
    const char *auth;
    size_t auth_len;
    bool has_auth;
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    bool has_query;
    const char *frag;
    size_t frag_len;
    bool has_frag;
};

static void uri_parse(const char *s, struct uri_parts *u)
{
    memset(u, 0, sizeof *u);
    const char *p = s;
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    if (isalpha((unsigned char)*p)) {
        const char *q = p + 1;
        while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            u->scheme = p;
            u->scheme_len = (size_t)(q - p);
            p = q + 1;
        }
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        u->has_auth = true;
        u->auth = p;
        while (*p && *p != '/' && *p != '?' && *p != '#')
            p++;
        u->auth_len = (size_t)(p - u->auth);
    }
    u->path = p;
    while (*p && *p != '?' && *p != '#')
        p++;
    u->path_len = (size_t)(p - u->path);
    if (*p == '?') {
        u->has_query = true;
        u->query = ++p;
        while (*p && *p != '#')
            p++;
        u->query_len = (size_t)(p - u->query);
    }
    if (*p == '#') {
        u->has_frag = true;
        u->frag = p + 1;
        u->frag_len = strlen(u->frag);
    }
}

/* RFC 3986 5.2.4 */
static void remove_dot_segments(struct sr_buf *out, const char *in, size_t len)
{
    char *buf = sr_xstrndup(in, len);
    char *src = buf;
    struct sr_buf o = SR_BUF_INIT;
    sr_buf_puts(&o, "");
    while (*src) {
        if (strncmp(src, "../", 3) == 0) {
            src += 3;
        } else if (strncmp(src, "./", 2) == 0) {
            src += 2;
        } else if (strncmp(src, "/./", 3) == 0) {
            src += 2;
        } else if (strcmp(src, "/.") == 0) {
            src[1] = '\0';
        } else if (strncmp(src, "/../", 4) == 0 || strcmp(src, "/..") == 0) {
            if (src[3] == '\0') {
                src += 2;
                src[0] = '/';
            } else {
                src += 3;
            }
            char *last = strrchr(o.data, '/');
            o.len = last ? (size_t)(last - o.data) : 0;
            o.data[o.len] = '\0';
        } else if (strcmp(src, ".") == 0 || strcmp(src, "..") == 0) {
            src += strlen(src);
        } else {
            char *next = strchr(src + (*src == '/' ? 1 : 0), '/');
            size_t n = next ? (size_t)(next - src) : strlen(src);
            sr_buf_append(&o, src, n);
            src += n;
        }
    }
    sr_buf_append(out, o.data, o.len);
    sr_buf_free(&o);
    free(buf);
}

char *json_uri_resolve(const char *base, const char *ref)
{
    struct uri_parts b, r;
    uri_parse(base ? base : "", &b);
    uri_parse(ref, &r);
    /* RFC 3986 5.2.2: each component of the target comes from the reference or from the base,
     * and the target is then recomposed once (5.3). */
    const struct uri_parts *scheme = r.scheme ? &r : &b;
    const struct uri_parts *auth = r.scheme || r.has_auth ? &r : &b;
    const struct uri_parts *query = r.scheme || r.has_auth || r.path_len > 0 || r.has_query ? &r : &b;
    struct sr_buf out = SR_BUF_INIT;
    sr_buf_puts(&out, "");
    if (scheme->scheme)
        sr_buf_append(&out, scheme->scheme, scheme->scheme_len + 1);
    if (auth->has_auth) {
        sr_buf_puts(&out, "//");
        sr_buf_append(&out, auth->auth, auth->auth_len);
    }
    if (r.scheme || r.has_auth || (r.path_len > 0 && r.path[0] == '/')) {
        remove_dot_segments(&out, r.path, r.path_len);
    } else if (r.path_len == 0) {
        sr_buf_append(&out, b.path, b.path_len);
    } else {
        struct sr_buf merged = SR_BUF_INIT;
        if (b.has_auth && b.path_len == 0) {
            sr_buf_putc(&merged, '/');
        } else {
            size_t keep = b.path_len;
            while (keep > 0 && b.path[keep - 1] != '/')
                keep--;
            sr_buf_append(&merged, b.path, keep);
        }
        sr_buf_append(&merged, r.path, r.path_len);
        /* A relative base (no scheme): keep leading "../" that cannot be removed. */
        remove_dot_segments(&out, merged.data, merged.len);
        sr_buf_free(&merged);
    }
    if (query->has_query) {
        sr_buf_putc(&out, '?');
        sr_buf_append(&out, query->query, query->query_len);
    }
    if (r.has_frag) {
        sr_buf_putc(&out, '#');
        sr_buf_append(&out, r.frag, r.frag_len);
    }
    return sr_buf_steal(&out, NULL);
}

enum json_draft json_draft_from_uri(const char *uri)
{
    static const struct {
        const char *prefix;
        enum json_draft draft;
    } known[] = {
        {"json-schema.org/draft-04/schema", JSON_DRAFT4},
        {"json-schema.org/draft-06/schema", JSON_DRAFT6},
        {"json-schema.org/draft-07/schema", JSON_DRAFT7},
        {"json-schema.org/draft/2019-09/schema", JSON_DRAFT2019},
        {"json-schema.org/draft/2020-12/schema", JSON_DRAFT2020},
    };
    if (uri == NULL)
        return JSON_DRAFT_UNKNOWN;
    const char *p = uri;
    if (strncmp(p, "http://", 7) == 0)
        p += 7;
    else if (strncmp(p, "https://", 8) == 0)
        p += 8;
    else
        return JSON_DRAFT_UNKNOWN;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t n = strlen(known[i].prefix);
        if (strncmp(p, known[i].prefix, n) == 0 && (p[n] == '\0' || (p[n] == '#' && p[n + 1] == '\0')))
            return known[i].draft;
    }
    return JSON_DRAFT_UNKNOWN;
}

/* ---- the registry ---------------------------------------------------------------------------- */

struct json_reg {
    json_retriever retriever;
    void *ud;
    enum json_draft fallback_draft; /* for retrieved documents without $schema: the first document's */
    json_t **docs;
    size_t ndocs, capdocs;
    /* Entries are struct json_loc with an interned base. */
    struct json_map resources; /* base URI (no fragment) -> the resource's root */
    struct json_map anchors;   /* base#name -> the anchored schema */
    struct json_map dynamic;   /* base#name -> the schema ($dynamicAnchor) */
    struct json_map strings;   /* interned strings (value unused) */
    struct json_map regexes;   /* pattern -> pcre2_code, or the reg itself for "does not compile" */
    /* Lookups fill these maps lazily (documents, interned bases, compiled patterns), so every
     * entry point holds this lock: a parsed schema can then be validated or compared from
     * several threads at once. Recursive, as entry points call each other. */
    pthread_mutex_t lock;
};

struct json_reg *json_reg_new(json_retriever retriever, void *ud)
{
    struct json_reg *reg = sr_xcalloc(1, sizeof *reg);
    reg->retriever = retriever;
    reg->ud = ud;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&reg->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    return reg;
}

void json_reg_free(struct json_reg *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < reg->ndocs; i++)
        json_decref(reg->docs[i]);
    free(reg->docs);
    map_free(&reg->resources, free);
    map_free(&reg->anchors, free);
    map_free(&reg->dynamic, free);
    map_free(&reg->strings, NULL);
    for (size_t i = 0; i < reg->regexes.cap; i++) {
        struct map_slot *s = &reg->regexes.slots[i];
        if (s->key && s->val != (void *)reg)
            pcre2_code_free((pcre2_code *)s->val);
        s->val = NULL;
    }
    map_free(&reg->regexes, NULL);
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

static const char *reg_intern(struct json_reg *reg, const char *s)
{
    return map_put(&reg->strings, s, NULL)->key;
}

static void put_res(struct json_reg *reg, struct json_map *m, const char *key, const json_t *node,
                    const char *base, enum json_draft draft, unsigned vocab)
{
    if (map_get(m, key))
        return; /* first definition wins */
    struct json_loc *r = sr_xmalloc(sizeof *r);
    r->schema = node;
    r->base = json_reg_intern(reg, base);
    r->draft = draft;
    r->vocab = vocab;
    map_put(m, key, r);
}

/* The key of anchor `name` in the resource `base`: "base#name". Returns a new string; caller
 * frees with free(). */
static char *anchor_key(const char *base, const char *name)
{
    char *key = sr_xmalloc(strlen(base) + strlen(name) + 2);
    sprintf(key, "%s#%s", base, name);
    return key;
}

/* Which keywords hold subschemas, and how. */
enum kw_shape { KW_SCHEMA, KW_ARRAY, KW_MAP, KW_ITEMS, KW_DEPS };

struct kw_info {
    const char *name;
    enum kw_shape shape;
    enum json_draft since;
    enum json_draft until; /* inclusive; 0 = still current */
};

static const struct kw_info subschema_keywords[] = {
    {"additionalItems", KW_SCHEMA, JSON_DRAFT4, JSON_DRAFT2019},
    {"additionalProperties", KW_SCHEMA, JSON_DRAFT4, 0},
    {"allOf", KW_ARRAY, JSON_DRAFT4, 0},
    {"anyOf", KW_ARRAY, JSON_DRAFT4, 0},
    {"oneOf", KW_ARRAY, JSON_DRAFT4, 0},
    {"not", KW_SCHEMA, JSON_DRAFT4, 0},
    {"items", KW_ITEMS, JSON_DRAFT4, 0},
    {"prefixItems", KW_ARRAY, JSON_DRAFT2020, 0},
    {"contains", KW_SCHEMA, JSON_DRAFT6, 0},
    {"propertyNames", KW_SCHEMA, JSON_DRAFT6, 0},
    {"if", KW_SCHEMA, JSON_DRAFT7, 0},
    {"then", KW_SCHEMA, JSON_DRAFT7, 0},
    {"else", KW_SCHEMA, JSON_DRAFT7, 0},
    {"properties", KW_MAP, JSON_DRAFT4, 0},
    {"patternProperties", KW_MAP, JSON_DRAFT4, 0},
    {"definitions", KW_MAP, JSON_DRAFT4, 0},
    {"$defs", KW_MAP, JSON_DRAFT2019, 0},
    /* 2019-09 split it into dependentRequired/dependentSchemas; still honoured for old schemas */
    {"dependencies", KW_DEPS, JSON_DRAFT4, 0},
    {"dependentSchemas", KW_MAP, JSON_DRAFT2019, 0},
    {"unevaluatedItems", KW_SCHEMA, JSON_DRAFT2019, 0},
    {"unevaluatedProperties", KW_SCHEMA, JSON_DRAFT2019, 0},
    {"contentSchema", KW_SCHEMA, JSON_DRAFT2019, 0},
};

static bool kw_active(const struct kw_info *k, enum json_draft d)
{
    return d >= k->since && (k->until == 0 || d <= k->until);
}

static const char *id_keyword(enum json_draft d)
{
    return d == JSON_DRAFT4 ? "id" : "$id";
}

/* The $id in effect for node, or NULL (drafts up to 7 ignore $id next to $ref). */
static const char *node_id(const json_t *node, enum json_draft d)
{
    if (!json_is_object(node))
        return NULL;
    const char *id = json_string_value(json_object_get(node, id_keyword(d)));
    if (id && d <= JSON_DRAFT7 && json_object_get(node, "$ref"))
        return NULL;
    return id;
}

/* The base URI in effect inside loc's schema (its own $id applied), interned. */
static const char *loc_base_for(struct json_reg *reg, const struct json_loc *loc)
{
    const char *id = node_id(loc->schema, loc->draft);
    if (!id || (loc->draft <= JSON_DRAFT7 && id[0] == '#'))
        return loc->base;
    char *nb = json_uri_resolve(loc->base, id);
    char *h = strchr(nb, '#');
    if (h)
        *h = '\0';
    const char *r = json_reg_intern(reg, nb);
    free(nb);
    return r;
}

struct json_loc json_loc_child(struct json_reg *reg, const struct json_loc *parent, const json_t *sub)
{
    struct json_loc l = *parent;
    l.schema = sub;
    l.base = loc_base_for(reg, &l);
    return l;
}

static unsigned vocab_of_metaschema(struct json_reg *reg, const char *uri, enum json_draft *draft, int depth);

/* The draft and vocabularies named by a $schema value. */
static void dialect_of(struct json_reg *reg, const char *schema_uri, enum json_draft *draft, unsigned *vocab,
                       int depth)
{
    enum json_draft d = json_draft_from_uri(schema_uri);
    if (d != JSON_DRAFT_UNKNOWN) {
        *draft = d;
        *vocab = JSON_VOCAB_DEFAULT;
        return;
    }
    if (schema_uri && depth < 8) {
        enum json_draft md = JSON_DRAFT_UNKNOWN;
        unsigned v = vocab_of_metaschema(reg, schema_uri, &md, depth + 1);
        if (md != JSON_DRAFT_UNKNOWN) {
            *draft = md;
            *vocab = v;
        }
    }
}

static int walk(struct json_reg *reg, const json_t *node, const char *base, enum json_draft draft,
                unsigned vocab, bool is_root, int depth, struct sr_error *err)
{
    if (depth > JSON_WALK_MAX_DEPTH)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: nesting deeper than %d levels",
                            JSON_WALK_MAX_DEPTH);
    if (!json_is_object(node))
        return 0;
    char *own_base = NULL;
    const char *schema_uri = json_string_value(json_object_get(node, "$schema"));
    const char *id = node_id(node, draft);
    if (schema_uri && (is_root || id)) {
        dialect_of(reg, schema_uri, &draft, &vocab, 0);
        id = node_id(node, draft);
    }
    if (id) {
        if (draft <= JSON_DRAFT7 && id[0] == '#') {
            char *key = json_uri_resolve(base, id);
            put_res(reg, &reg->anchors, key, node, base, draft, vocab);
            free(key);
        } else {
            own_base = json_uri_resolve(base, id);
            char *hash = strchr(own_base, '#');
            char *frag = NULL;
            if (hash) {
                *hash = '\0';
                frag = hash + 1;
            }
            put_res(reg, &reg->resources, own_base, node, own_base, draft, vocab);
            if (frag && *frag && draft <= JSON_DRAFT7) {
                char *key = anchor_key(own_base, frag);
                put_res(reg, &reg->anchors, key, node, own_base, draft, vocab);
                free(key);
            }
            base = own_base;
        }
    }
    if (draft >= JSON_DRAFT2019) {
        const char *anchor = json_string_value(json_object_get(node, "$anchor"));
        const char *dyn =
            draft >= JSON_DRAFT2020 ? json_string_value(json_object_get(node, "$dynamicAnchor")) : NULL;
        const char *names[2] = {anchor, dyn};
        for (int i = 0; i < 2; i++) {
            if (!names[i])
                continue;
            char *key = anchor_key(base, names[i]);
            put_res(reg, &reg->anchors, key, node, base, draft, vocab);
            if (i == 1)
                put_res(reg, &reg->dynamic, key, node, base, draft, vocab);
            free(key);
        }
    }
    int rc = 0;
    for (size_t k = 0; k < sizeof subschema_keywords / sizeof subschema_keywords[0] && rc == 0; k++) {
        const struct kw_info *kw = &subschema_keywords[k];
        if (!kw_active(kw, draft))
            continue;
        const json_t *v = json_object_get(node, kw->name);
        if (!v)
            continue;
        if (json_is_array(v) && (kw->shape == KW_ARRAY || kw->shape == KW_ITEMS)) {
            for (size_t i = 0; i < json_array_size(v) && rc == 0; i++)
                rc = walk(reg, json_array_get(v, i), base, draft, vocab, false, depth + 1, err);
        } else if (json_is_object(v) && (kw->shape == KW_MAP || kw->shape == KW_DEPS)) {
            const char *key;
            json_t *child;
            json_object_foreach((json_t *)v, key, child)
            {
                if (kw->shape == KW_DEPS && !json_is_object(child) && !json_is_boolean(child))
                    continue;
                if ((rc = walk(reg, child, base, draft, vocab, false, depth + 1, err)) != 0)
                    break;
            }
        } else if (kw->shape == KW_SCHEMA || kw->shape == KW_ITEMS) {
            rc = walk(reg, v, base, draft, vocab, false, depth + 1, err);
        }
    }
    free(own_base);
    return rc;
}

static int reg_add(struct json_reg *reg, json_t *doc, const char *uri, enum json_draft draft,
                   struct json_loc *root, struct sr_error *err)
{
    if (reg->ndocs >= JSON_MAX_DOCS)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: too many referenced documents");
    char *base = sr_xstrdup(uri ? uri : "");
    char *hash = strchr(base, '#');
    if (hash)
        *hash = '\0';
    if (reg->ndocs == 0)
        reg->fallback_draft = draft;
    if (reg->ndocs == reg->capdocs) {
        reg->capdocs = reg->capdocs ? reg->capdocs * 2 : 8;
        reg->docs = sr_xrealloc(reg->docs, reg->capdocs * sizeof *reg->docs);
    }
    reg->docs[reg->ndocs++] = json_incref(doc);

    unsigned vocab = JSON_VOCAB_DEFAULT;
    if (json_is_object(doc)) {
        const char *schema_uri = json_string_value(json_object_get(doc, "$schema"));
        if (schema_uri)
            dialect_of(reg, schema_uri, &draft, &vocab, 0);
    }
    put_res(reg, &reg->resources, base, doc, base, draft, vocab);
    int rc = walk(reg, doc, base, draft, vocab, true, 0, err);
    if (rc == 0 && root) {
        *root = (struct json_loc){doc, json_reg_intern(reg, base), draft, vocab};
        root->base = loc_base_for(reg, root);
    }
    free(base);
    return rc;
}

/* Loads a document the registry does not hold yet: built in, or from the retriever. */
static const struct json_loc *load_resource(struct json_reg *reg, const char *docuri)
{
    const struct json_loc *r = map_get(&reg->resources, docuri);
    if (r)
        return r;
    json_t *doc = NULL;
    const struct json_builtin *b = json_builtin_find(docuri);
    if (b) {
        /* Register under the canonical URI first, then alias the name actually used. */
        r = map_get(&reg->resources, b->uri);
        if (!r) {
            doc = json_loads(b->text, 0, NULL);
            if (!doc)
                return NULL;
            struct sr_error e;
            int rc = json_reg_add(reg, doc, b->uri,
                                  json_draft_from_uri(b->uri) ? json_draft_from_uri(b->uri) : JSON_DRAFT2020,
                                  NULL, &e);
            json_decref(doc);
            if (rc != 0)
                return NULL;
            r = map_get(&reg->resources, b->uri);
        }
        if (r)
            put_res(reg, &reg->resources, docuri, r->schema, r->base, r->draft, r->vocab);
        return map_get(&reg->resources, docuri);
    }
    if (!reg->retriever)
        return NULL;
    doc = reg->retriever(reg->ud, docuri);
    if (!doc)
        return NULL;
    struct sr_error e;
    int rc = json_reg_add(reg, doc, docuri, reg->fallback_draft ? reg->fallback_draft : JSON_DEFAULT_DRAFT,
                          NULL, &e);
    json_decref(doc);
    if (rc != 0)
        return NULL;
    return map_get(&reg->resources, docuri);
}

static unsigned vocab_of_metaschema(struct json_reg *reg, const char *uri, enum json_draft *draft, int depth)
{
    char *docuri = sr_xstrdup(uri);
    char *h = strchr(docuri, '#');
    if (h)
        *h = '\0';
    const struct json_loc *r = load_resource(reg, docuri);
    free(docuri);
    if (!r || !json_is_object(r->schema))
        return JSON_VOCAB_DEFAULT;
    enum json_draft d = json_draft_from_uri(json_string_value(json_object_get(r->schema, "$schema")));
    if (d == JSON_DRAFT_UNKNOWN && depth < 8) {
        unsigned dummy = 0;
        dialect_of(reg, json_string_value(json_object_get(r->schema, "$schema")), &d, &dummy, depth);
    }
    *draft = d;
    const json_t *vocabs = json_object_get(r->schema, "$vocabulary");
    if (!json_is_object(vocabs))
        return JSON_VOCAB_DEFAULT;
    unsigned v = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)vocabs, key, val)
    {
        const char *slash = strrchr(key, '/');
        const char *name = slash ? slash + 1 : key;
        if (strcmp(name, "applicator") == 0)
            v |= JSON_VOCAB_APPLICATOR;
        else if (strcmp(name, "validation") == 0)
            v |= JSON_VOCAB_VALIDATION;
        else if (strcmp(name, "unevaluated") == 0)
            v |= JSON_VOCAB_UNEVALUATED;
        else if (strcmp(name, "format-assertion") == 0)
            v |= JSON_VOCAB_FORMAT_ASSERT;
    }
    /* 2019-09 keeps unevaluated* in the applicator vocabulary. */
    if (d == JSON_DRAFT2019 && (v & JSON_VOCAB_APPLICATOR))
        v |= JSON_VOCAB_UNEVALUATED;
    return v;
}

/* Percent-decodes and unescapes one JSON Pointer token. Returns a new string. */
static char *pointer_token(const char *s, size_t n)
{
    char *out = sr_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            c = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    /* ~1 -> /, ~0 -> ~ (after percent-decoding, as the fragment is a URI component) */
    size_t w = 0;
    for (size_t r = 0; r < o; r++) {
        if (out[r] == '~' && out[r + 1] == '1') {
            out[w++] = '/';
            r++;
        } else if (out[r] == '~' && out[r + 1] == '0') {
            out[w++] = '~';
            r++;
        } else {
            out[w++] = out[r];
        }
    }
    out[w] = '\0';
    return out;
}

static int reg_resolve(struct json_reg *reg, const char *uri, struct json_loc *out)
{
    char *docuri = sr_xstrdup(uri);
    char *hash = strchr(docuri, '#');
    const char *frag = NULL;
    if (hash) {
        *hash = '\0';
        frag = hash + 1;
    }
    int rc = -1;
    const struct json_loc *r = load_resource(reg, docuri);
    if (!r)
        goto out;
    if (frag == NULL || *frag == '\0') {
        *out = *r;
        rc = 0;
        goto out;
    }
    if (frag[0] == '/') {
        struct json_loc at = *r;
        const char *p = frag + 1;
        for (;;) {
            const char *end = strchr(p, '/');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            char *tok = pointer_token(p, n);
            const json_t *next = NULL;
            if (json_is_object(at.schema)) {
                next = json_object_get(at.schema, tok);
            } else if (json_is_array(at.schema)) {
                char *e = NULL;
                unsigned long idx = strtoul(tok, &e, 10);
                if (*tok && e && *e == '\0')
                    next = json_array_get(at.schema, idx);
            }
            free(tok);
            if (!next)
                goto out;
            at = json_loc_child(reg, &at, next);
            if (!end)
                break;
            p = end + 1;
        }
        *out = at;
        rc = 0;
        goto out;
    }
    {
        char *key = anchor_key(r->base, frag); /* anchors are indexed under the resource's own base */
        const struct json_loc *a = map_get(&reg->anchors, key);
        free(key);
        if (a) {
            *out = *a;
            rc = 0;
        }
    }
out:
    free(docuri);
    return rc;
}

static int reg_dynamic_anchor(struct json_reg *reg, const char *base, const char *name, struct json_loc *out)
{
    char *key = anchor_key(base, name);
    const struct json_loc *a = map_get(&reg->dynamic, key);
    free(key);
    if (!a)
        return -1;
    *out = *a;
    return 0;
}

static int reg_resource(struct json_reg *reg, const char *base, struct json_loc *out)
{
    const struct json_loc *r = map_get(&reg->resources, base);
    if (!r)
        return -1;
    *out = *r;
    return 0;
}

/* ---- checks after registration ------------------------------------------------------------------ */

struct check_ctx {
    struct json_reg *reg;
    struct json_map state; /* "%p" of a schema node -> 1 on the DFS stack, 2 finished */
    struct sr_error *err;
};

static int state_of(struct check_ctx *c, const json_t *node)
{
    char key[32];
    snprintf(key, sizeof key, "%p", (const void *)node);
    return (int)(intptr_t)map_get(&c->state, key);
}

static void set_state(struct check_ctx *c, const json_t *node, int st)
{
    char key[32];
    snprintf(key, sizeof key, "%p", (const void *)node);
    map_put(&c->state, key, NULL)->val = (void *)(intptr_t)st;
}

/* Depth-first over in-place edges; a node met again while still on the stack is a cycle. */
static int inplace_dfs(struct check_ctx *c, const struct json_loc *loc, int depth)
{
    if (!json_is_object(loc->schema))
        return 0;
    if (depth > JSON_WALK_MAX_DEPTH)
        return sr_error_set(c->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: $ref chain longer than %d",
                            JSON_WALK_MAX_DEPTH);
    int st = state_of(c, loc->schema);
    if (st == 1)
        return sr_error_set(c->err, SR_ERR_INVALID_SCHEMA,
                            "Invalid schema: $ref cycle (a schema refers back to itself without nesting)");
    if (st == 2)
        return 0;
    set_state(c, loc->schema, 1);
    const char *base = loc_base_for(c->reg, loc);
    int rc = 0;
    const json_t *s = loc->schema;
    static const char *const refs[] = {"$ref", "$recursiveRef", "$dynamicRef"};
    for (int i = 0; i < 3 && rc == 0; i++) {
        const char *r = json_string_value(json_object_get(s, refs[i]));
        if (!r || (i == 1 && loc->draft != JSON_DRAFT2019) || (i == 2 && loc->draft < JSON_DRAFT2020))
            continue;
        char *uri = json_uri_resolve(base, r);
        struct json_loc t;
        if (json_reg_resolve(c->reg, uri, &t) != 0)
            rc = sr_error_set(c->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: unresolved $ref '%.200s'", r);
        else
            rc = inplace_dfs(c, &t, depth + 1);
        free(uri);
    }
    if (!(loc->draft <= JSON_DRAFT7 && json_object_get(s, "$ref"))) {
        static const char *const arrays[] = {"allOf", "anyOf", "oneOf"};
        static const char *const singles[] = {"not", "if", "then", "else"};
        struct json_loc child = *loc;
        child.base = base;
        for (int i = 0; i < 3 && rc == 0; i++) {
            const json_t *a = json_object_get(s, arrays[i]);
            for (size_t k = 0; json_is_array(a) && k < json_array_size(a) && rc == 0; k++) {
                child.schema = json_array_get(a, k);
                rc = inplace_dfs(c, &child, depth + 1);
            }
        }
        for (int i = 0; i < 4 && rc == 0; i++) {
            const json_t *v = json_object_get(s, singles[i]);
            if (v) {
                child.schema = v;
                rc = inplace_dfs(c, &child, depth + 1);
            }
        }
    }
    set_state(c, loc->schema, 2);
    return rc;
}

static int check_walk(struct check_ctx *c, const struct json_loc *loc, int depth)
{
    const json_t *s = loc->schema;
    if (depth > JSON_WALK_MAX_DEPTH)
        return sr_error_set(c->err, SR_ERR_INVALID_SCHEMA, "Invalid schema: nesting deeper than %d levels",
                            JSON_WALK_MAX_DEPTH);
    if (!json_is_object(s))
        return 0;
    int rc = inplace_dfs(c, loc, 0);
    if (rc != 0)
        return rc;
    const char *pat = json_string_value(json_object_get(s, "pattern"));
    if (pat && !json_reg_regex(c->reg, pat))
        return sr_error_set(c->err, SR_ERR_INVALID_SCHEMA,
                            "Invalid schema: pattern '%.200s' is not a valid regex", pat);
    const json_t *pp = json_object_get(s, "patternProperties");
    if (json_is_object(pp)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)pp, key, v)
        {
            if (!json_reg_regex(c->reg, key))
                return sr_error_set(c->err, SR_ERR_INVALID_SCHEMA,
                                    "Invalid schema: patternProperties key '%.200s' is not a valid regex",
                                    key);
        }
    }
    if (loc->draft <= JSON_DRAFT7 && json_object_get(s, "$ref"))
        return 0;
    struct json_loc child = *loc;
    child.base = loc_base_for(c->reg, loc);
    for (size_t k = 0; k < sizeof subschema_keywords / sizeof subschema_keywords[0] && rc == 0; k++) {
        const struct kw_info *kw = &subschema_keywords[k];
        if (!kw_active(kw, loc->draft))
            continue;
        const json_t *v = json_object_get(s, kw->name);
        if (!v)
            continue;
        if (json_is_array(v) && (kw->shape == KW_ARRAY || kw->shape == KW_ITEMS)) {
            for (size_t i = 0; i < json_array_size(v) && rc == 0; i++) {
                child.schema = json_array_get(v, i);
                rc = check_walk(c, &child, depth + 1);
            }
        } else if (json_is_object(v) && (kw->shape == KW_MAP || kw->shape == KW_DEPS)) {
            const char *key;
            json_t *sub;
            json_object_foreach((json_t *)v, key, sub)
            {
                child.schema = sub;
                if ((rc = check_walk(c, &child, depth + 1)) != 0)
                    break;
            }
        } else if (kw->shape == KW_SCHEMA || kw->shape == KW_ITEMS) {
            child.schema = v;
            rc = check_walk(c, &child, depth + 1);
        }
    }
    return rc;
}

static int reg_check(struct json_reg *reg, const struct json_loc *root, struct sr_error *err)
{
    struct check_ctx c = {reg, {NULL, 0, 0}, err};
    int rc = check_walk(&c, root, 0);
    map_free(&c.state, NULL);
    return rc;
}

/* ---- regular expressions ---------------------------------------------------------------------- */

/* ECMA-262's \s is Unicode white space and line terminators; PCRE2 without UCP only knows
 * ASCII, while UCP would also widen \d and \w beyond ECMA's ASCII. So \s and \S are spelled
 * out and everything else keeps PCRE2's ASCII meaning. */
#define ECMA_SPACE_CLASS                                                                                     \
    "\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"

/* PCRE2 10.42 knows general categories by their short names only. */
static const struct {
    const char *lng, *shrt;
} unicode_categories[] = {
    {"Letter", "L"},
    {"Lowercase_Letter", "Ll"},
    {"Uppercase_Letter", "Lu"},
    {"Titlecase_Letter", "Lt"},
    {"Modifier_Letter", "Lm"},
    {"Other_Letter", "Lo"},
    {"Mark", "M"},
    {"Number", "N"},
    {"Decimal_Number", "Nd"},
    {"digit", "Nd"},
    {"Letter_Number", "Nl"},
    {"Other_Number", "No"},
    {"Punctuation", "P"},
    {"Symbol", "S"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Other", "C"},
    {"Control", "Cc"},
};

static char *ecma_to_pcre(const char *pat)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_puts(&b, "");
    bool in_class = false;
    for (const char *p = pat; *p; p++) {
        if (*p == '\\' && p[1]) {
            if (p[1] == 's') {
                sr_buf_puts(&b, in_class ? ECMA_SPACE_CLASS : "[" ECMA_SPACE_CLASS "]");
                p++;
                continue;
            }
            if ((p[1] == 'p' || p[1] == 'P') && p[2] == '{') {
                const char *close = strchr(p + 3, '}');
                bool done = false;
                for (size_t i = 0; close && i < sizeof unicode_categories / sizeof unicode_categories[0];
                     i++) {
                    size_t n = strlen(unicode_categories[i].lng);
                    if ((size_t)(close - (p + 3)) == n && strncmp(p + 3, unicode_categories[i].lng, n) == 0) {
                        sr_buf_printf(&b, "\\%c{%s}", p[1], unicode_categories[i].shrt);
                        p = close;
                        done = true;
                        break;
                    }
                }
                if (done)
                    continue;
            }
            if (p[1] == 'S' && !in_class) {
                sr_buf_puts(&b, "[^" ECMA_SPACE_CLASS "]");
                p++;
                continue;
            }
            sr_buf_putc(&b, *p);
            sr_buf_putc(&b, p[1]);
            p++;
            continue;
        }
        if (*p == '[' && !in_class && p[1] == ']') {
            sr_buf_puts(&b, "(?!)"); /* ECMA's empty class matches nothing */
            p++;
            continue;
        }
        if (*p == '[' && !in_class && p[1] == '^' && p[2] == ']') {
            sr_buf_puts(&b, "[\\s\\S]"); /* and its negation anything */
            p += 2;
            continue;
        }
        if (*p == '[' && !in_class)
            in_class = true;
        else if (*p == ']' && in_class)
            in_class = false;
        sr_buf_putc(&b, *p);
    }
    return sr_buf_steal(&b, NULL);
}

static pcre2_code *regex_compile_err(const char *pattern, int *errcode_out)
{
    char *pcre = ecma_to_pcre(pattern);
    int errcode = 0;
    PCRE2_SIZE erroff = 0;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pcre, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff, cc);
    pcre2_compile_context_free(cc);
    free(pcre);
    if (errcode_out)
        *errcode_out = re ? 0 : errcode;
    return re;
}

static pcre2_code *regex_compile(const char *pattern)
{
    return regex_compile_err(pattern, NULL);
}

/* Syntax PCRE2 accepts but ECMA-262 (unicode mode) does not: Python/PCRE group forms, global
 * inline flags, and escapes of letters ECMA gives no meaning. Only the `regex` format applies
 * this: `pattern` keeps PCRE2's (and Java's, which Confluent uses) wider syntax, so schemas the
 * reference registry accepts are not refused here. */
static bool ecma_syntax_ok(const char *pat)
{
    bool in_class = false;
    for (const char *p = pat; *p; p++) {
        if (*p == '\\') {
            char e = p[1];
            if (((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) && !strchr("bBdDwWsSfnrtvcxukpP", e))
                return false;
            if (e)
                p++;
            continue;
        }
        if (in_class) {
            if (*p == ']')
                in_class = false;
            continue;
        }
        if (*p == '[') {
            in_class = true;
            if (p[1] == ']')
                in_class = false, p++;
            continue;
        }
        if (*p == '(' && p[1] == '?') {
            const char *q = p + 2;
            if (*q == 'P' || *q == '#' || *q == '>' || *q == '|')
                return false;
            const char *f = q;
            while ((*f >= 'a' && *f <= 'z') || *f == '-')
                f++;
            if (f > q && *f == ')')
                return false; /* (?i) style global flags */
        }
    }
    return true;
}

bool json_regex_valid(const char *pattern)
{
    if (!ecma_syntax_ok(pattern))
        return false;
    int errcode = 0;
    pcre2_code *re = regex_compile_err(pattern, &errcode);
    /* ECMA-262 (ES2018) allows variable-width lookbehind, which PCRE2 10.42 cannot compile:
     * the syntax is valid even though such a pattern cannot be matched here */
    bool ok = re != NULL || errcode == PCRE2_ERROR_LOOKBEHIND_NOT_FIXED_LENGTH;
    pcre2_code_free(re);
    return ok;
}

static const void *reg_regex(struct json_reg *reg, const char *pattern)
{
    struct map_slot *s = map_slot_for(&reg->regexes, pattern);
    if (s && s->key)
        return s->val == (void *)reg ? NULL : s->val;
    pcre2_code *re = regex_compile(pattern);
    map_put(&reg->regexes, pattern, re ? (void *)re : (void *)reg);
    return re;
}

bool json_unicode_class(const char *pattern, const char *s, size_t len)
{
    int errcode = 0;
    PCRE2_SIZE erroff = 0;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode, &erroff, NULL);
    if (!re)
        return false;
    bool m = json_regex_search(re, s, len);
    pcre2_code_free(re);
    return m;
}

bool json_regex_search(const void *re, const char *s, size_t len)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* ---- values ------------------------------------------------------------------------------------ */

bool json_value_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!json_value_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return false;
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)a, key, v)
        {
            const json_t *w = json_object_get(b, key);
            if (!w || !json_value_equal(v, w))
                return false;
        }
        return true;
    }
    default:
        return true; /* true, false, null */
    }
}

static int cmp_keys(const void *a, const void *b);

void json_value_key(struct sr_buf *out, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = sr_xcalloc(n ? n : 1, sizeof *keys);
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) keys[i++] = key;
        qsort(keys, n, sizeof *keys, cmp_keys);
        sr_buf_putc(out, '{');
        for (i = 0; i < n; i++) {
            sr_buf_printf(out, "%zu:%s=", strlen(keys[i]), keys[i]);
            json_value_key(out, json_object_get(v, keys[i]));
            sr_buf_putc(out, ',');
        }
        sr_buf_putc(out, '}');
        free(keys);
        break;
    }
    case JSON_ARRAY:
        sr_buf_putc(out, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_value_key(out, json_array_get(v, i));
            sr_buf_putc(out, ',');
        }
        sr_buf_putc(out, ']');
        break;
    case JSON_STRING:
        sr_buf_printf(out, "s%zu:", json_string_length(v));
        sr_buf_append(out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        sr_buf_printf(out, "n%" PRId64, (int64_t)json_integer_value(v));
        break;
    case JSON_REAL: {
        /* 1.0 and 1 are the same value */
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 9.2e18)
            sr_buf_printf(out, "n%" PRId64, (int64_t)d);
        else
            sr_buf_printf(out, "n%.17g", d);
        break;
    }
    case JSON_TRUE:
        sr_buf_puts(out, "t");
        break;
    case JSON_FALSE:
        sr_buf_puts(out, "f");
        break;
    case JSON_NULL:
        sr_buf_puts(out, "z");
        break;
    }
}

static int cmp_value_keys(const void *a, const void *b)
{
    const struct json_value_keyed *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->key, y->key, n);
    if (r)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct json_value_keyed *json_array_keys(const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    struct json_value_keyed *k = sr_xcalloc(*n ? *n : 1, sizeof *k);
    for (size_t i = 0; i < *n; i++) {
        struct sr_buf b = SR_BUF_INIT;
        json_value_key(&b, json_array_get(arr, i));
        k[i].key = sr_buf_steal(&b, &k[i].len);
        k[i].idx = i;
    }
    qsort(k, *n, sizeof *k, cmp_value_keys);
    return k;
}

bool json_keys_contain(const struct json_value_keyed *keys, size_t n, const char *key, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t m = keys[mid].len < len ? keys[mid].len : len;
        int r = memcmp(keys[mid].key, key, m);
        if (r == 0 && keys[mid].len != len)
            r = keys[mid].len < len ? -1 : 1;
        if (r == 0)
            return true;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

void json_array_keys_free(struct json_value_keyed *keys, size_t n)
{
    for (size_t i = 0; keys && i < n; i++)
        free(keys[i].key);
    free(keys);
}

static void print_real(struct sr_buf *out, double d)
{
    if (!isfinite(d)) {
        sr_buf_puts(out, "null");
        return;
    }
    char tmp[64];
    /* shortest representation that reads back as the same double */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    sr_buf_puts(out, tmp);
    /* keep it a real: 1.0 must not read back as the integer 1 */
    if (!strpbrk(tmp, ".eEn"))
        sr_buf_puts(out, ".0");
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void json_canonical_print(struct sr_buf *out, const json_t *v, bool sort_keys)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v);
        const char **keys = sr_xcalloc(n ? n : 1, sizeof *keys);
        size_t i = 0;
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) keys[i++] = key;
        if (sort_keys)
            qsort(keys, n, sizeof *keys, cmp_keys);
        sr_buf_putc(out, '{');
        for (i = 0; i < n; i++) {
            if (i)
                sr_buf_putc(out, ',');
            sr_buf_put_json_string(out, keys[i], strlen(keys[i]));
            sr_buf_putc(out, ':');
            json_canonical_print(out, json_object_get(v, keys[i]), sort_keys);
        }
        sr_buf_putc(out, '}');
        free(keys);
        break;
    }
    case JSON_ARRAY:
        sr_buf_putc(out, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                sr_buf_putc(out, ',');
            json_canonical_print(out, json_array_get(v, i), sort_keys);
        }
        sr_buf_putc(out, ']');
        break;
    case JSON_STRING:
        sr_buf_put_json_string(out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        sr_buf_printf(out, "%" PRId64, (int64_t)json_integer_value(v));
        break;
    case JSON_REAL:
        print_real(out, json_real_value(v));
        break;
    case JSON_TRUE:
        sr_buf_puts(out, "true");
        break;
    case JSON_FALSE:
        sr_buf_puts(out, "false");
        break;
    case JSON_NULL:
        sr_buf_puts(out, "null");
        break;
    }
}

/* ---- locked entry points ---------------------------------------------------------------- */

const char *json_reg_intern(struct json_reg *reg, const char *s)
{
    pthread_mutex_lock(&reg->lock);
    const char *r = reg_intern(reg, s);
    pthread_mutex_unlock(&reg->lock);
    return r;
}

int json_reg_add(struct json_reg *reg, json_t *doc, const char *uri, enum json_draft draft,
                 struct json_loc *root, struct sr_error *err)
{
    pthread_mutex_lock(&reg->lock);
    int rc = reg_add(reg, doc, uri, draft, root, err);
    pthread_mutex_unlock(&reg->lock);
    return rc;
}

int json_reg_resolve(struct json_reg *reg, const char *uri, struct json_loc *out)
{
    pthread_mutex_lock(&reg->lock);
    int r = reg_resolve(reg, uri, out);
    pthread_mutex_unlock(&reg->lock);
    return r;
}

int json_reg_dynamic_anchor(struct json_reg *reg, const char *base, const char *name, struct json_loc *out)
{
    pthread_mutex_lock(&reg->lock);
    int r = reg_dynamic_anchor(reg, base, name, out);
    pthread_mutex_unlock(&reg->lock);
    return r;
}

int json_reg_resource(struct json_reg *reg, const char *base, struct json_loc *out)
{
    pthread_mutex_lock(&reg->lock);
    int r = reg_resource(reg, base, out);
    pthread_mutex_unlock(&reg->lock);
    return r;
}

int json_reg_check(struct json_reg *reg, const struct json_loc *root, struct sr_error *err)
{
    pthread_mutex_lock(&reg->lock);
    int r = reg_check(reg, root, err);
    pthread_mutex_unlock(&reg->lock);
    return r;
}

const void *json_reg_regex(struct json_reg *reg, const char *pattern)
{
    pthread_mutex_lock(&reg->lock);
    const void *r = reg_regex(reg, pattern);
    pthread_mutex_unlock(&reg->lock);
    return r;
}
