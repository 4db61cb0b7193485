/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c — domain logic shared by the handlers: subject qualification and contexts
 * (spec 2.1), effective config and mode (2.6, 2.7), register-request parsing (3.3),
 * reference resolution into compat_ref closures, the identity hash (2.4), lookup (5.2) and
 * the JSON form of stored schemas (3.4, 3.5). Callers hold a store read or write section. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_internal.h"
#include "cache.h"
#include "sr_md5.h"

/* ---- subjects and contexts ---- */

char *api_qualify(const char *context, const char *name)
{
    if (strcmp(context, ".") == 0)
        return sr_xstrdup(name);
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_printf(&b, ":%s:%s", context, name);
    return sr_buf_steal(&b, NULL);
}

void api_subject_parse_in(const char *raw, const char *context, struct api_subject *out)
{
    memset(out, 0, sizeof *out);
    const char *c2 = raw[0] == ':' ? strchr(raw + 1, ':') : NULL;
    if (c2 != NULL) {
        size_t clen = (size_t)(c2 - raw - 1);
        out->explicit_ctx = true;
        out->name = sr_xstrdup(c2 + 1);
        if (clen == 0 || (clen == 1 && raw[1] == '.')) {
            out->context = sr_xstrdup(".");
        } else if (clen == 1 && raw[1] == '*') {
            out->context = sr_xstrdup("*");
        } else if (raw[1] == '.') {
            out->context = sr_xstrndup(raw + 1, clen);
        } else {
            /* Context names always carry their leading dot (spec 2.1). */
            struct sr_buf b = SR_BUF_INIT;
            sr_buf_putc(&b, '.');
            sr_buf_append(&b, raw + 1, clen);
            out->context = sr_buf_steal(&b, NULL);
        }
    } else {
        out->context = sr_xstrdup(context);
        out->name = sr_xstrdup(raw);
    }
    out->qualified = api_qualify(out->context, out->name);
}

void api_subject_parse(const char *raw, struct api_subject *out)
{
    api_subject_parse_in(raw, ".", out);
}

void api_subject_free(struct api_subject *s)
{
    free(s->context);
    free(s->name);
    free(s->qualified);
    memset(s, 0, sizeof *s);
}

/* Splits a stored subject into its context (pointer+length, "." for the default) and name. */
static void split_stored(const char *subject, const char **ctx, size_t *ctxlen, const char **name)
{
    const char *c2 = subject[0] == ':' ? strchr(subject + 1, ':') : NULL;
    if (c2 == NULL) {
        *ctx = ".";
        *ctxlen = 1;
        *name = subject;
        return;
    }
    *ctx = subject + 1;
    *ctxlen = (size_t)(c2 - subject - 1);
    *name = c2 + 1;
}

bool api_subject_in_context(const char *subject, const char *ctx, const char **name)
{
    const char *c, *n;
    size_t clen;
    split_stored(subject, &c, &clen, &n);
    if (strlen(ctx) != clen || strncmp(c, ctx, clen) != 0)
        return false;
    if (name != NULL)
        *name = n;
    return true;
}

bool api_subject_matches_prefix(const char *subject, const struct api_subject *prefix)
{
    const char *c, *n;
    size_t clen;
    split_stored(subject, &c, &clen, &n);
    if (strcmp(prefix->context, "*") != 0 &&
        (strlen(prefix->context) != clen || strncmp(c, prefix->context, clen) != 0))
        return false;
    return strncmp(n, prefix->name, strlen(prefix->name)) == 0;
}

char *api_context_normalize(const char *raw)
{
    size_t len = strlen(raw);
    const char *b = raw;
    if (len >= 2 && b[0] == ':' && b[len - 1] == ':') {
        b++;
        len -= 2;
    }
    if (len == 0 || memchr(b, ':', len) != NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (iscntrl((unsigned char)b[i]))
            return NULL;
    struct sr_buf out = SR_BUF_INIT;
    if (b[0] != '.')
        sr_buf_putc(&out, '.');
    sr_buf_append(&out, b, len);
    return sr_buf_steal(&out, NULL);
}

/* ISO control characters: C0, DEL and (UTF-8 encoded) C1. */
static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return true;
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            return true;
    }
    return false;
}

int api_subject_validate(const char *raw, bool for_register, struct sr_error *err)
{
    json_t *utf8 = json_string(raw); /* NULL for invalid UTF-8: such a name cannot be returned */
    bool valid_utf8 = utf8 != NULL;
    json_decref(utf8);
    if (!valid_utf8 || has_control(raw) || strcmp(raw, "__GLOBAL") == 0 || strcmp(raw, "__EMPTY") == 0)
        return sr_err_invalid_subject(err, raw);
    struct api_subject s;
    api_subject_parse(raw, &s);
    bool bad = strcmp(s.name, "__GLOBAL") == 0 || strcmp(s.name, "__EMPTY") == 0 ||
               (for_register &&
                (strcmp(s.context, ".__GLOBAL") == 0 || strcmp(s.context, "*") == 0 || s.name[0] == '\0'));
    api_subject_free(&s);
    if (bad)
        return sr_err_invalid_subject(err, raw);
    return 0;
}

void api_subject_apply_alias(struct store *st, struct api_subject *s)
{
    if (s->name[0] == '\0')
        return;
    json_t *cfg = api_config_stored(st, s->qualified);
    const char *alias = json_string_value(json_object_get(cfg, "alias"));
    if (alias != NULL && alias[0] != '\0') {
        struct api_subject t;
        api_subject_parse_in(alias, s->context, &t);
        api_subject_free(s);
        *s = t;
    }
    json_decref(cfg);
}

/* ---- config and mode ---- */

char *api_scope_of(const struct api_subject *s)
{
    if (s->name[0] != '\0')
        return sr_xstrdup(s->qualified);
    if (strcmp(s->context, ".") == 0)
        return sr_xstrdup("");
    return api_qualify(s->context, "");
}

json_t *api_config_stored(struct store *st, const char *scope)
{
    const char *text = store_config_get(st, scope);
    if (text == NULL)
        return NULL;
    json_t *j = json_loads(text, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static bool is_context_scope(const char *scope)
{
    if (scope[0] != ':')
        return false;
    const char *c2 = strchr(scope + 1, ':');
    return c2 != NULL && c2[1] == '\0';
}

/* The lookup chain of spec 2.6/2.7 for a scope; chain strings are borrowed or point into
 * *owned (caller frees). */
static size_t scope_chain(const char *scope, const char *context, const char *chain[3], char **owned)
{
    size_t n = 0;
    *owned = NULL;
    if (strcmp(scope, API_GLOBAL_SCOPE) == 0) {
        chain[n++] = API_GLOBAL_SCOPE;
        return n;
    }
    chain[n++] = scope;
    if (scope[0] != '\0' && !is_context_scope(scope)) {
        if (context != NULL && strcmp(context, ".") != 0) {
            *owned = api_qualify(context, "");
            chain[n++] = *owned;
        } else {
            chain[n++] = "";
        }
    }
    chain[n++] = API_GLOBAL_SCOPE;
    return n;
}

json_t *api_config_effective(struct store *st, const char *scope, const char *context)
{
    const char *chain[3];
    char *owned;
    size_t n = scope_chain(scope, context, chain, &owned);
    json_t *layers[3] = {NULL, NULL, NULL};
    json_t *first = NULL;
    for (size_t i = 0; i < n; i++) {
        layers[i] = api_config_stored(st, chain[i]);
        if (first == NULL && layers[i] != NULL)
            first = layers[i];
    }
    json_t *out = json_object();
    /* The level comes from the first config found only: a stored config without a level
     * reports the server default (spec 2.7). */
    const char *level = json_string_value(json_object_get(first, "compatibilityLevel"));
    json_object_set_new(out, "compatibilityLevel", json_string(level ? level : "BACKWARD"));
    for (size_t i = 0; i < n; i++) {
        if (layers[i] == NULL)
            continue;
        const char *key;
        json_t *val;
        json_object_foreach(layers[i], key, val)
        {
            if (strcmp(key, "compatibilityLevel") != 0 && json_object_get(out, key) == NULL)
                json_object_set(out, key, val);
        }
    }
    for (size_t i = 0; i < n; i++)
        json_decref(layers[i]);
    free(owned);
    return out;
}

enum compat_level api_config_level(const json_t *cfg)
{
    enum compat_level lvl = COMPAT_BACKWARD;
    const char *s = json_string_value(json_object_get(cfg, "compatibilityLevel"));
    if (s == NULL || compat_level_parse(s, &lvl) != 0)
        return COMPAT_BACKWARD;
    return lvl;
}

static const char *const mode_names[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT", "FORWARD"};

static const char *mode_static(const char *m)
{
    for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
        if (strcasecmp(m, mode_names[i]) == 0)
            return mode_names[i];
    return "READWRITE";
}

const char *api_mode_effective(struct store *st, const char *scope, const char *context)
{
    /* A global READONLY_OVERRIDE wins over every subject mode (spec 2.6, classic semantics). */
    const char *g = store_mode_get(st, "");
    if (g != NULL && strcasecmp(g, "READONLY_OVERRIDE") == 0)
        return "READONLY_OVERRIDE";
    const char *chain[3];
    char *owned;
    size_t n = scope_chain(scope, context, chain, &owned);
    const char *res = "READWRITE";
    for (size_t i = 0; i < n; i++) {
        const char *m = store_mode_get(st, chain[i]);
        if (m != NULL) {
            res = mode_static(m);
            break;
        }
    }
    free(owned);
    return res;
}

bool api_mode_is_readonly(const char *mode)
{
    return strcmp(mode, "READONLY") == 0 || strcmp(mode, "READONLY_OVERRIDE") == 0;
}

/* ---- register requests ---- */

static int bad_field(struct sr_error *err, const char *field)
{
    return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid type for field '%s'", field);
}

int api_schema_req_parse(const json_t *body, struct api_schema_req *out, struct sr_error *err)
{
    memset(out, 0, sizeof *out);
    out->type = SR_SCHEMA_AVRO;
    if (!json_is_object(body))
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "Request body must be a JSON object");
    const json_t *v = json_object_get(body, "schema");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v))
            return bad_field(err, "schema");
        out->schema = json_string_value(v);
        out->schema_len = json_string_length(v);
    }
    v = json_object_get(body, "schemaType");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v))
            return bad_field(err, "schemaType");
        if (sr_schema_type_parse(json_string_value(v), &out->type) != 0)
            return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema type %s", json_string_value(v));
    }
    v = json_object_get(body, "references");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_array(v))
            return bad_field(err, "references");
        size_t n = json_array_size(v);
        out->refs = sr_xcalloc(n ? n : 1, sizeof *out->refs);
        for (size_t i = 0; i < n; i++) {
            const json_t *r = json_array_get(v, i);
            if (!json_is_object(r))
                return bad_field(err, "references");
            const json_t *nm = json_object_get(r, "name"), *sb = json_object_get(r, "subject"),
                         *vr = json_object_get(r, "version");
            if ((nm && !json_is_null(nm) && !json_is_string(nm)) ||
                (sb && !json_is_null(sb) && !json_is_string(sb)) ||
                (vr && !json_is_null(vr) && !json_is_integer(vr)))
                return bad_field(err, "references");
            if (!json_is_string(nm) || !json_is_string(sb) || !json_is_integer(vr))
                return sr_error_set(err, SR_ERR_INVALID_SCHEMA,
                                    "Invalid schema: a reference must have a name, a subject and a version");
            out->refs[i].name = json_string_value(nm);
            out->refs[i].subject = json_string_value(sb);
            out->refs[i].version = json_integer_value(vr);
            out->nrefs++;
        }
    }
    v = json_object_get(body, "metadata");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_object(v))
            return bad_field(err, "metadata");
        out->metadata = (json_t *)v;
    }
    v = json_object_get(body, "ruleSet");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_object(v))
            return bad_field(err, "ruleSet");
        out->rule_set = (json_t *)v;
    }
    v = json_object_get(body, "id");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_integer(v))
            return bad_field(err, "id");
        out->id = json_integer_value(v);
        out->has_id = out->id >= 0;
    }
    v = json_object_get(body, "version");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_integer(v))
            return bad_field(err, "version");
        out->version = json_integer_value(v);
        out->has_version = out->version != 0 && out->version != -1;
    }
    const json_t *ta = json_object_get(body, "schemaTagsToAdd"),
                 *tr = json_object_get(body, "schemaTagsToRemove");
    /* Java sends empty lists for "no tag change"; only a non-empty list changes tags. */
    out->tags_change = json_array_size(ta) > 0 || json_array_size(tr) > 0;
    return 0;
}

void api_schema_req_free(struct api_schema_req *r)
{
    free(r->refs);
    memset(r, 0, sizeof *r);
}

/* ---- references ---- */

void api_refs_free(struct api_refs *r)
{
    for (size_t i = 0; i < r->nrefs; i++) {
        free((char *)r->refs[i].name);
        free((char *)r->refs[i].subject);
    }
    free(r->refs);
    free(r->closure);
    free(r->srcs);
    memset(r, 0, sizeof *r);
}

/* compat_schema_parse() with the built-in CloudEvents envelope (cloudevents.c) placed first
 * in the closure when a JSON schema may $ref it. It never changes the references a version
 * stores, so identity (spec 2.4) is unaffected. */
static struct compat_schema *parse_with_builtins(enum sr_schema_type type, const char *text, size_t len,
                                                 const struct compat_ref *closure, size_t n, unsigned cflags,
                                                 struct sr_error *err)
{
    const struct compat_ref *ce = api_cloudevents_builtin_ref(type, text, len, closure, n);
    if (ce == NULL)
        return compat_schema_parse(type, text, len, closure, n, cflags, err);
    struct compat_ref *all = sr_xmalloc((n + 1) * sizeof *all);
    all[0] = *ce;
    if (n > 0)
        memcpy(all + 1, closure, n * sizeof *all);
    struct compat_schema *parsed = compat_schema_parse(type, text, len, all, n + 1, cflags, err);
    free(all);
    return parsed;
}

static const struct store_version *version_of(struct store *st, const char *subject, int64_t version)
{
    const struct store_version *const *vs;
    size_t n = store_subject_versions(st, subject, &vs);
    return api_find_version(vs, n, version);
}

/* Adds schema s (reached under reference name `name`) to the closure after its own
 * dependencies. Bounded by depth and by the closure size. */
static int closure_add(struct store *st, struct api_refs *out, const char *name, const struct store_schema *s,
                       int depth, struct sr_error *err)
{
    for (size_t i = 0; i < out->nclosure; i++)
        if (out->srcs[i] == s && strcmp(out->closure[i].name, name) == 0)
            return 0;
    if (depth > COMPAT_MAX_DEPTH || out->nclosure >= API_MAX_REFS)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: references nested too deeply");
    for (size_t i = 0; i < s->nrefs; i++) {
        const struct store_version *dv = version_of(st, s->refs[i].subject, s->refs[i].version);
        if (dv == NULL)
            return sr_error_set(err, SR_ERR_INVALID_SCHEMA,
                                "Invalid schema: reference subject '%s' version %d not found",
                                s->refs[i].subject, (int)s->refs[i].version);
        if (closure_add(st, out, s->refs[i].name, dv->schema, depth + 1, err) != 0)
            return -1;
    }
    out->closure = sr_xrealloc(out->closure, (out->nclosure + 1) * sizeof *out->closure);
    out->srcs = sr_xrealloc(out->srcs, (out->nclosure + 1) * sizeof *out->srcs);
    out->closure[out->nclosure].name = name;
    out->closure[out->nclosure].type = s->type;
    out->closure[out->nclosure].schema = s->text;
    out->closure[out->nclosure].schema_len = s->text_len;
    out->srcs[out->nclosure] = s;
    out->nclosure++;
    return 0;
}

static int refs_resolve(struct store *st, const char *context, const struct api_req_ref *in, size_t n,
                        bool allow_deleted, struct api_refs *out, struct sr_error *err)
{
    memset(out, 0, sizeof *out);
    if (n > API_MAX_REFS)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: too many references");
    out->refs = sr_xcalloc(n ? n : 1, sizeof *out->refs);
    for (size_t i = 0; i < n; i++) {
        struct api_subject rs;
        if (in[i].stored_form)
            api_subject_parse(in[i].subject, &rs);
        else
            api_subject_parse_in(in[i].subject, context, &rs);
        const struct store_version *const *vs;
        size_t nv = store_subject_versions(st, rs.qualified, &vs);
        const struct store_version *v =
            in[i].version == -1 ? api_latest_live(vs, nv) : api_find_version(vs, nv, in[i].version);
        if (v == NULL || (v->deleted && !allow_deleted)) {
            sr_error_set(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema: reference subject '%s' version %lld not found", in[i].subject,
                         (long long)in[i].version);
            api_subject_free(&rs);
            return -1;
        }
        out->refs[i].name = sr_xstrdup(in[i].name);
        out->refs[i].subject = rs.qualified;
        rs.qualified = NULL;
        out->refs[i].version = v->version;
        out->nrefs++;
        api_subject_free(&rs);
        if (closure_add(st, out, out->refs[i].name, v->schema, 1, err) != 0)
            return -1;
    }
    return 0;
}

static int ref_cmp(const void *a, const void *b)
{
    const struct store_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c == 0)
        c = strcmp(x->subject, y->subject);
    if (c == 0)
        c = (x->version > y->version) - (x->version < y->version);
    return c;
}

/* ---- identity ---- */

static void md5_json_sorted(struct sr_md5 *m, const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    char *sorted = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    const unsigned char one = 1;
    sr_md5_update(m, &one, 1);
    if (sorted != NULL)
        sr_md5_update(m, sorted, strlen(sorted));
    else
        sr_md5_update(m, text, strlen(text));
    free(sorted);
    json_decref(j);
}

void api_prepared_rehash(struct api_prepared *p)
{
    struct sr_md5 m;
    sr_md5_init(&m);
    size_t len;
    const char *canon = compat_schema_canonical(p->parsed, &len);
    sr_md5_update(&m, canon, len);
    for (size_t i = 0; i < p->refs.nrefs; i++) {
        const struct store_ref *r = &p->refs.refs[i];
        unsigned char be[4] = {(unsigned char)((uint32_t)r->version >> 24),
                               (unsigned char)((uint32_t)r->version >> 16),
                               (unsigned char)((uint32_t)r->version >> 8), (unsigned char)r->version};
        sr_md5_update(&m, r->name, strlen(r->name));
        sr_md5_update(&m, r->subject, strlen(r->subject));
        sr_md5_update(&m, be, 4);
    }
    if (p->metadata != NULL)
        md5_json_sorted(&m, p->metadata);
    if (p->rule_set != NULL)
        md5_json_sorted(&m, p->rule_set);
    sr_md5_final(&m, p->hash);
}

void api_prepare_from_parsed(struct compat_schema *parsed, enum sr_schema_type type, const json_t *metadata,
                             const json_t *rule_set, bool normalized, struct api_prepared *out)
{
    /* the tail of api_prepare() for a schema without references */
    memset(out, 0, sizeof *out);
    out->type = type;
    out->parsed = parsed;
    if (metadata != NULL)
        out->metadata = json_dumps(metadata, JSON_COMPACT);
    if (rule_set != NULL)
        out->rule_set = json_dumps(rule_set, JSON_COMPACT);
    out->normalized = normalized;
    api_prepared_rehash(out);
}

int api_prepare(struct store *st, const char *context, const char *text, size_t text_len,
                enum sr_schema_type type, const struct api_req_ref *refs, size_t nrefs,
                const json_t *metadata, const json_t *rule_set, unsigned flags, struct api_prepared *out,
                struct sr_error *err)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    if (!compat_type_supported(type))
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema type %s", sr_schema_type_name(type));
    if (text == NULL || text_len == 0)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: empty schema");
    if (refs_resolve(st, context, refs, nrefs, (flags & API_PREP_ALLOW_DELETED) != 0, &out->refs, err) != 0)
        return -1;
    unsigned cflags = COMPAT_PARSE_DEFAULT;
    if (flags & API_PREP_NORMALIZE)
        cflags |= COMPAT_PARSE_NORMALIZE;
    if (flags & API_PREP_LENIENT)
        cflags |= COMPAT_PARSE_LENIENT;
    struct sr_error perr = {0};
    out->parsed =
        parse_with_builtins(type, text, text_len, out->refs.closure, out->refs.nclosure, cflags, &perr);
    if (out->parsed == NULL) {
        if (perr.code == 0 || sr_error_http_status(perr.code) != 422)
            sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: %s", perr.message);
        else
            *err = perr;
        return -1;
    }
    if ((flags & API_PREP_NORMALIZE) && out->refs.nrefs > 1) {
        /* normalize=true sorts and de-duplicates references (spec 2.4). The closure may
         * still point at a freed duplicate's name, but it was only needed by the parse. */
        qsort(out->refs.refs, out->refs.nrefs, sizeof *out->refs.refs, ref_cmp);
        size_t o = 1;
        for (size_t i = 1; i < out->refs.nrefs; i++) {
            if (ref_cmp(&out->refs.refs[o - 1], &out->refs.refs[i]) == 0) {
                free((char *)out->refs.refs[i].name);
                free((char *)out->refs.refs[i].subject);
            } else {
                out->refs.refs[o++] = out->refs.refs[i];
            }
        }
        out->refs.nrefs = o;
    }
    if (metadata != NULL)
        out->metadata = json_dumps(metadata, JSON_COMPACT);
    if (rule_set != NULL)
        out->rule_set = json_dumps(rule_set, JSON_COMPACT);
    out->normalized = (flags & API_PREP_NORMALIZE) != 0;
    api_prepared_rehash(out);
    return 0;
}

void api_prepared_free(struct api_prepared *p)
{
    compat_schema_free(p->parsed);
    api_refs_free(&p->refs);
    free(p->metadata);
    free(p->rule_set);
    memset(p, 0, sizeof *p);
}

static struct compat_schema *parse_stored(struct store *st, const struct store_schema *s, unsigned cflags,
                                          struct sr_error *err);

struct compat_schema *api_parse_stored(struct store *st, const struct store_schema *s, struct sr_error *err)
{
    return parse_stored(st, s, COMPAT_PARSE_LENIENT, err);
}

static struct compat_schema *parse_stored(struct store *st, const struct store_schema *s, unsigned cflags,
                                          struct sr_error *err)
{
    struct api_refs refs;
    memset(&refs, 0, sizeof refs);
    struct compat_schema *parsed = NULL;
    for (size_t i = 0; i < s->nrefs; i++) {
        const struct store_version *dv = version_of(st, s->refs[i].subject, s->refs[i].version);
        if (dv == NULL) {
            sr_error_set(err, SR_ERR_INVALID_SCHEMA,
                         "Invalid schema: reference subject '%s' version %d not found", s->refs[i].subject,
                         (int)s->refs[i].version);
            goto out;
        }
        if (closure_add(st, &refs, s->refs[i].name, dv->schema, 1, err) != 0)
            goto out;
    }
    struct sr_error perr = {0};
    parsed = parse_with_builtins(s->type, s->text, s->text_len, refs.closure, refs.nclosure, cflags, &perr);
    if (parsed == NULL)
        sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: %s", perr.message);
out:
    api_refs_free(&refs);
    return parsed;
}

/* ---- ruleSet validation and metadata/ruleSet merge ---- */

static bool rule_name_ok(const char *n)
{
    if (!(isalpha((unsigned char)n[0]) || n[0] == '_'))
        return false;
    for (const char *p = n + 1; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
            return false;
    return true;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static int rules_validate(const json_t *rules, bool migration, struct sr_error *err)
{
    static const char *const migration_modes[] = {"UPGRADE", "DOWNGRADE", "UPDOWN", NULL};
    static const char *const domain_modes[] = {"WRITE", "READ", "WRITEREAD", NULL};
    static const char *const kinds[] = {"TRANSFORM", "CONDITION", NULL};
    if (rules == NULL || json_is_null(rules))
        return 0;
    if (!json_is_array(rules))
        return sr_error_set(err, SR_ERR_INVALID_RULESET, "Invalid ruleSet: rules must be an array");
    size_t n = json_array_size(rules);
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(rules, i);
        if (!json_is_object(r))
            return sr_error_set(err, SR_ERR_INVALID_RULESET, "Invalid ruleSet: a rule must be an object");
        const char *name = json_string_value(json_object_get(r, "name"));
        if (name == NULL || !rule_name_ok(name))
            return sr_error_set(err, SR_ERR_INVALID_RULESET, "Invalid rule name: %s",
                                name ? name : "(missing)");
        for (size_t j = 0; j < i; j++)
            if (strcmp(name, json_string_value(json_object_get(json_array_get(rules, j), "name"))) == 0)
                return sr_error_set(err, SR_ERR_INVALID_RULESET, "Found rule with duplicate name '%s'", name);
        const char *type = json_string_value(json_object_get(r, "type"));
        if (type == NULL || type[0] == '\0')
            return sr_error_set(err, SR_ERR_INVALID_RULESET, "Missing rule type for rule '%s'", name);
        const json_t *kind = json_object_get(r, "kind");
        if (kind != NULL && !json_is_null(kind) &&
            (!json_is_string(kind) || !in_list(json_string_value(kind), kinds)))
            return sr_error_set(err, SR_ERR_INVALID_RULESET, "Invalid rule kind for rule '%s'", name);
        const json_t *mj = json_object_get(r, "mode");
        const char *mode = json_string_value(mj);
        if (mj != NULL && !json_is_null(mj)) {
            if (mode == NULL || !in_list(mode, migration ? migration_modes : domain_modes))
                return sr_error_set(err, SR_ERR_INVALID_RULESET, "Invalid rule mode for rule '%s'", name);
        }
        const char *acts[2] = {"onSuccess", "onFailure"};
        for (int a = 0; a < 2; a++) {
            const json_t *aj = json_object_get(r, acts[a]);
            if (aj == NULL || json_is_null(aj))
                continue;
            const char *act = json_string_value(aj);
            if (act == NULL)
                return sr_error_set(err, SR_ERR_INVALID_RULESET, "Invalid %s for rule '%s'", acts[a], name);
            const char *comma = strchr(act, ',');
            if (comma != NULL &&
                (mode == NULL || (strcmp(mode, "WRITEREAD") != 0 && strcmp(mode, "UPDOWN") != 0) ||
                 strchr(comma + 1, ',') != NULL))
                return sr_error_set(err, SR_ERR_INVALID_RULESET,
                                    "Two-part %s only allowed for WRITEREAD or UPDOWN rules ('%s')", acts[a],
                                    name);
        }
    }
    return 0;
}

int api_ruleset_validate(const json_t *rs, struct sr_error *err)
{
    if (rs == NULL || json_is_null(rs))
        return 0;
    if (!json_is_object(rs))
        return sr_error_set(err, SR_ERR_INVALID_RULESET, "Invalid ruleSet: must be an object");
    if (rules_validate(json_object_get(rs, "migrationRules"), true, err) != 0 ||
        rules_validate(json_object_get(rs, "domainRules"), false, err) != 0 ||
        rules_validate(json_object_get(rs, "encodingRules"), false, err) != 0)
        return -1;
    return 0;
}

static const json_t *nonnull(const json_t *j)
{
    return (j == NULL || json_is_null(j)) ? NULL : j;
}

/* Merges one key of a later layer into res. */
static void merge_metadata_key(json_t *res, const char *key, json_t *val)
{
    json_t *cur = json_object_get(res, key);
    if ((strcmp(key, "tags") == 0 || strcmp(key, "properties") == 0) && json_is_object(val) &&
        json_is_object(cur)) {
        json_object_update(cur, val);
    } else if (strcmp(key, "sensitive") == 0 && json_is_array(val) && json_is_array(cur)) {
        size_t j, k;
        json_t *e, *c;
        json_array_foreach(val, j, e)
        {
            bool seen = false;
            json_array_foreach(cur, k, c)
            {
                if (json_equal(c, e))
                    seen = true;
            }
            if (!seen)
                json_array_append(cur, e);
        }
    } else {
        json_object_set_new(res, key, json_deep_copy(val));
    }
}

static void merge_ruleset_key(json_t *res, const char *key, json_t *val)
{
    json_t *cur = json_object_get(res, key);
    if (!json_is_array(val) || !json_is_array(cur)) {
        json_object_set_new(res, key, json_deep_copy(val));
        return;
    }
    /* Rules merge by name: a later layer replaces a same-named rule in place. */
    size_t j;
    json_t *rule;
    json_array_foreach(val, j, rule)
    {
        const char *nm = json_string_value(json_object_get(rule, "name"));
        size_t k;
        json_t *c;
        bool replaced = false;
        json_array_foreach(cur, k, c)
        {
            const char *cn = json_string_value(json_object_get(c, "name"));
            if (!replaced && nm && cn && strcmp(nm, cn) == 0) {
                json_array_set_new(cur, k, json_deep_copy(rule));
                replaced = true;
            }
        }
        if (!replaced)
            json_array_append_new(cur, json_deep_copy(rule));
    }
}

/* The spec 2.7 layering shared by metadata and ruleSet: null layers are absent; when only
 * one layer is present it is returned unchanged, so metadata comes back exactly as the
 * client gave it; otherwise every key of every object layer, in order, goes through
 * merge_key. */
static json_t *merge_layers(const json_t *def, const json_t *own, const json_t *over,
                            void (*merge_key)(json_t *res, const char *key, json_t *val))
{
    const json_t *l[3] = {nonnull(def), nonnull(own), nonnull(over)};
    const json_t *only = NULL;
    size_t count = 0;
    for (int i = 0; i < 3; i++)
        if (l[i] != NULL) {
            only = l[i];
            count++;
        }
    if (count == 0)
        return NULL;
    if (count == 1)
        return json_deep_copy(only);
    json_t *res = json_object();
    for (int i = 0; i < 3; i++) {
        if (!json_is_object(l[i]))
            continue;
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)l[i], key, val)
        {
            merge_key(res, key, val);
        }
    }
    return res;
}

json_t *api_merge_metadata(const json_t *def, const json_t *own, const json_t *over)
{
    return merge_layers(def, own, over, merge_metadata_key);
}

json_t *api_merge_ruleset(const json_t *def, const json_t *own, const json_t *over)
{
    return merge_layers(def, own, over, merge_ruleset_key);
}

/* ---- versions ---- */

const struct store_version *api_latest_live(const struct store_version *const *v, size_t n)
{
    for (size_t i = n; i > 0; i--)
        if (!v[i - 1]->deleted)
            return v[i - 1];
    return NULL;
}

const struct store_version *api_find_version(const struct store_version *const *v, size_t n, int64_t version)
{
    for (size_t i = 0; i < n; i++)
        if (v[i]->version == version)
            return v[i];
    return NULL;
}

bool api_subject_has_live(struct store *st, const char *subject)
{
    const struct store_version *const *vs;
    size_t n = store_subject_versions(st, subject, &vs);
    return api_latest_live(vs, n) != NULL;
}

void api_subject_fallback(struct store *st, struct api_subject *s)
{
    const struct store_version *const *vs;
    if (s->explicit_ctx || store_subject_versions(st, s->qualified, &vs) > 0)
        return;
    const char *const *ctxs;
    size_t nc = store_contexts(st, &ctxs);
    for (size_t i = 0; i < nc; i++) {
        if (strcmp(ctxs[i], ".") == 0)
            continue;
        char *q = api_qualify(ctxs[i], s->name);
        if (store_subject_versions(st, q, &vs) > 0) {
            free(s->context);
            free(s->qualified);
            s->context = sr_xstrdup(ctxs[i]);
            s->qualified = q;
            return;
        }
        free(q);
    }
}

/* ---- lookup ---- */

/* Metadata without its confluent:version property, as a new object ({} for none). */
static json_t *metadata_sans_version(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return json_object();
    }
    json_t *props = json_object_get(j, "properties");
    json_object_del(props, "confluent:version");
    if (json_is_object(props) && json_object_size(props) == 0)
        json_object_del(j, "properties");
    return j;
}

/* Metadata equality ignoring the confluent:version property (equivalence rule (c)). */
static bool metadata_equivalent(const char *a, const char *b)
{
    if (a == NULL && b == NULL)
        return true;
    json_t *ja = metadata_sans_version(a), *jb = metadata_sans_version(b);
    bool eq = json_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);
    return eq;
}

static bool json_text_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if (strcmp(a, b) == 0)
        return true;
    json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
    bool eq = ja != NULL && jb != NULL && json_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);
    return eq;
}

static bool refs_equal(const struct store_ref *a, size_t na, const struct store_ref *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].name, b[i].name) != 0 || strcmp(a[i].subject, b[i].subject) != 0 ||
            a[i].version != b[i].version)
            return false;
    return true;
}

/* Is the stored schema, in normalized form, the text canon? A lookup with normalize=true
 * compares normal forms on both sides, whatever form the version was stored in. */
static bool normalized_equal(struct store *st, const struct store_schema *s, const char *canon, size_t clen)
{
    struct sr_error err = {0};
    struct compat_schema *parsed = parse_stored(st, s, COMPAT_PARSE_LENIENT | COMPAT_PARSE_NORMALIZE, &err);
    size_t len = 0;
    const char *text = parsed ? compat_schema_canonical(parsed, &len) : NULL;
    bool eq = text != NULL && len == clen && memcmp(text, canon, clen) == 0;
    compat_schema_free(parsed);
    return eq;
}

/* Is the stored schema, with its references inlined ("resolved"), the text canon? */
static bool inlined_equal(struct store *st, const struct store_schema *s, const char *canon, size_t clen)
{
    struct sr_error err = {0};
    size_t len = 0;
    char *resolved = api_schema_text(st, s, "resolved", &len, &err);
    bool eq = resolved != NULL && len == clen && memcmp(resolved, canon, clen) == 0;
    free(resolved);
    return eq;
}

const struct store_version *api_identity_match(struct store *st, const char *subject, const char *context,
                                               const unsigned char hash[16], bool deleted, bool latest_only)
{
    const struct store_schema *s = store_schema_by_hash(st, context, hash);
    if (s == NULL)
        return NULL;
    const struct store_version *latest = NULL;
    if (latest_only) {
        const struct store_version *const *vs;
        size_t n = store_subject_versions(st, subject, &vs);
        latest = api_latest_live(vs, n);
    }
    const struct store_version *best = NULL;
    for (size_t i = 0; i < s->nversions; i++) {
        const struct store_version *v = s->versions[i];
        if (strcmp(v->subject, subject) != 0 || (v->deleted && !deleted) || (latest_only && v != latest))
            continue;
        if (best == NULL || v->version > best->version)
            best = v;
    }
    return best;
}

const struct store_version *api_match_prepared(struct store *st, const char *subject, const char *context,
                                               const struct api_prepared *p, bool deleted, bool latest_only)
{
    const struct store_version *best =
        api_identity_match(st, subject, context, p->hash, deleted, latest_only);
    if (best != NULL)
        return best;
    const struct store_version *const *vs;
    size_t n = store_subject_versions(st, subject, &vs);
    const struct store_version *latest = api_latest_live(vs, n);
    size_t clen;
    const char *canon = compat_schema_canonical(p->parsed, &clen);
    for (size_t i = n; i > 0; i--) {
        const struct store_version *v = vs[i - 1];
        if ((v->deleted && !deleted) || (latest_only && v != latest))
            continue;
        const struct store_schema *vsch = v->schema;
        if (vsch->type != p->type)
            continue;
        /* (c) only the confluent:version property may differ. */
        if (!metadata_equivalent(p->metadata, vsch->metadata) ||
            !json_text_equal(p->rule_set, vsch->rule_set))
            continue;
        bool same_text = vsch->text_len == clen && memcmp(vsch->text, canon, clen) == 0;
        if (!same_text && p->normalized && normalized_equal(st, vsch, canon, clen))
            same_text = true;
        /* (b) is covered by resolving -1 before the comparison. */
        if (same_text && refs_equal(p->refs.refs, p->refs.nrefs, vsch->refs, vsch->nrefs))
            return v;
        /* (a) the client inlined what the stored version references. */
        if (p->refs.nrefs == 0 && vsch->nrefs > 0 && (same_text || inlined_equal(st, vsch, canon, clen)))
            return v;
    }
    return NULL;
}

static json_t *json_from_text(const char *text)
{
    return text ? json_loads(text, 0, NULL) : NULL;
}

int api_lookup_in_subject(struct store *st, const char *subject, const char *context,
                          const struct api_schema_req *r, bool normalize, bool deleted, bool latest_only,
                          const struct store_version **out, struct sr_error *err)
{
    return api_lookup_in_subject_hash(st, subject, context, r, normalize, deleted, latest_only, out, NULL,
                                      NULL, err);
}

int api_lookup_in_subject_hash(struct store *st, const char *subject, const char *context,
                               const struct api_schema_req *r, bool normalize, bool deleted, bool latest_only,
                               const struct store_version **out, unsigned char *hash,
                               struct compat_schema **parsed, struct sr_error *err)
{
    const struct store_version *const *vs;
    size_t n = store_subject_versions(st, subject, &vs);
    *out = NULL;
    struct api_prepared p;
    unsigned flags = API_PREP_ALLOW_DELETED | (normalize ? API_PREP_NORMALIZE : 0);
    if (parsed != NULL && *parsed != NULL) {
        api_prepare_from_parsed(*parsed, r->type, r->metadata, r->rule_set, normalize, &p);
    } else if (api_prepare(st, context, r->schema, r->schema_len, r->type, r->refs, r->nrefs, r->metadata,
                           r->rule_set, flags, &p, err) != 0) {
        /* Step 1 parses before anything looks at the subject: an invalid schema is 42201
         * even for a subject that does not exist. */
        api_prepared_free(&p);
        return -1;
    }
    if (hash != NULL)
        memcpy(hash, p.hash, sizeof p.hash);
    if (parsed != NULL) {
        /* handed back at the end: step 4 below changes metadata and hash, never the parse */
        *parsed = NULL;
    }
    if (n == 0) {
        if (parsed != NULL) {
            *parsed = p.parsed;
            p.parsed = NULL;
        }
        api_prepared_free(&p);
        return 0;
    }
    *out = api_match_prepared(st, subject, context, &p, deleted, latest_only);
    const struct store_version *latest = api_latest_live(vs, n);
    if (*out == NULL && latest != NULL) {
        /* Step 4: the registration-time metadata/ruleSet inheritance, then retry. */
        json_t *cfg = api_config_effective(st, subject, context);
        json_t *lmd = json_from_text(latest->schema->metadata),
               *lrs = json_from_text(latest->schema->rule_set);
        json_t *md =
            api_merge_metadata(json_object_get(cfg, "defaultMetadata"), r->metadata ? r->metadata : lmd,
                               json_object_get(cfg, "overrideMetadata"));
        json_t *rs =
            api_merge_ruleset(json_object_get(cfg, "defaultRuleSet"), r->rule_set ? r->rule_set : lrs,
                              json_object_get(cfg, "overrideRuleSet"));
        free(p.metadata);
        free(p.rule_set);
        p.metadata = md ? json_dumps(md, JSON_COMPACT) : NULL;
        p.rule_set = rs ? json_dumps(rs, JSON_COMPACT) : NULL;
        api_prepared_rehash(&p);
        *out = api_match_prepared(st, subject, context, &p, deleted, latest_only);
        json_decref(md);
        json_decref(rs);
        json_decref(lmd);
        json_decref(lrs);
        json_decref(cfg);
    }
    if (parsed != NULL) {
        *parsed = p.parsed;
        p.parsed = NULL;
    }
    api_prepared_free(&p);
    return *out != NULL ? 1 : 0;
}

/* ---- JSON ---- */

void api_guid(const unsigned char hash[16], char out[37])
{
    sr_md5_uuid(hash, out);
}

int api_guid_parse(const char *guid, unsigned char hash[16])
{
    size_t k = 0;
    for (const char *p = guid; *p; p++) {
        if (*p == '-')
            continue;
        int hi = isxdigit((unsigned char)p[0])
                     ? (isdigit((unsigned char)p[0]) ? p[0] - '0' : (tolower(p[0]) - 'a' + 10))
                     : -1;
        int lo = p[1] && isxdigit((unsigned char)p[1])
                     ? (isdigit((unsigned char)p[1]) ? p[1] - '0' : (tolower(p[1]) - 'a' + 10))
                     : -1;
        if (hi < 0 || lo < 0 || k >= 16)
            return -1;
        hash[k++] = (unsigned char)(hi * 16 + lo);
        p++;
    }
    return k == 16 ? 0 : -1;
}

int64_t api_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *api_schema_text(struct store *st, const struct store_schema *s, const char *format, size_t *len,
                      struct sr_error *err)
{
    if (format == NULL || format[0] == '\0') {
        *len = s->text_len;
        return sr_xstrndup(s->text, s->text_len);
    }
    struct compat_schema *parsed = api_parse_stored(st, s, err);
    if (parsed == NULL)
        return NULL;
    struct sr_error ferr = {0};
    char *res = compat_schema_format(parsed, format, len, &ferr);
    compat_schema_free(parsed);
    if (res != NULL)
        return res;
    if (ferr.code != 0) {
        sr_error_set(err, SR_ERR_INVALID_SCHEMA, "%s", ferr.message);
        return NULL;
    }
    *len = s->text_len;
    return sr_xstrndup(s->text, s->text_len);
}

static json_t *refs_json(const struct store_schema *s, unsigned flags)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < s->nrefs; i++) {
        const char *subj = s->refs[i].subject, *bare;
        /* Without referenceFormat=qualified a reference into the schema's own context is
         * reported as the client wrote it: unqualified. */
        if (!(flags & API_JSON_QUALIFIED_REFS) && strcmp(s->context, ".") != 0 &&
            api_subject_in_context(subj, s->context, &bare))
            subj = bare;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i}", "name", s->refs[i].name, "subject", subj,
                                             "version", (int)s->refs[i].version));
    }
    return arr;
}

int api_schema_fields(struct store *st, json_t *obj, const struct store_schema *s, const char *format,
                      unsigned flags, struct sr_error *err)
{
    size_t len;
    char *text = api_schema_text(st, s, format, &len, err);
    if (text == NULL)
        return -1;
    char guid[37];
    api_guid(s->hash, guid);
    json_object_set_new(obj, "guid", json_string(guid));
    json_object_set_new(obj, "schemaType", json_string(sr_schema_type_name(s->type)));
    if (s->nrefs > 0)
        json_object_set_new(obj, "references", refs_json(s, flags));
    json_t *md = json_from_text(s->metadata), *rs = json_from_text(s->rule_set);
    if (md != NULL)
        json_object_set_new(obj, "metadata", md);
    if (rs != NULL)
        json_object_set_new(obj, "ruleSet", rs);
    json_object_set_new(obj, "schema", json_stringn(text, len));
    free(text);
    return 0;
}

json_t *api_version_json(struct store *st, const struct store_version *v, const char *format, unsigned flags,
                         struct sr_error *err)
{
    json_t *obj = json_object();
    if (flags & API_JSON_SUBJECT)
        json_object_set_new(obj, "subject", json_string(v->subject));
    json_object_set_new(obj, "version", json_integer(v->version));
    json_object_set_new(obj, "id", json_integer(v->schema->id));
    if (api_schema_fields(st, obj, v->schema, format, flags, err) != 0) {
        json_decref(obj);
        return NULL;
    }
    json_object_set_new(obj, "ts", json_integer(v->ts_ms));
    json_object_set_new(obj, "deleted", json_boolean(v->deleted));
    return obj;
}
