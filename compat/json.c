/* SPDX-License-Identifier: Apache-2.0 */
/* json.c — schemaType JSON behind struct compat_type_ops: parsing (the document must be valid
 * JSON Schema for its draft), canonical text (spec 2.4: compact, member order kept; sorted keys
 * when normalizing), compatibility (json_diff.c) and instance validation (json_validate.c).
 *
 * Big integers: jansson refuses integers beyond int64. A schema holding one is re-read with
 * JSON_DECODE_INT_AS_REAL, so it is accepted and its canonical text prints that number as a
 * double (shortest round-trip form); nothing else changes.
 *
 * Reals in canonical text are printed in their shortest round-trip form (1.5, 1.0, 1e+20).
 * Confluent keeps the digits as written (Jackson BigDecimal), so a schema writing 1e5 or 1.50
 * gets canonical text that differs from the reference's; identity between our own
 * registrations is unaffected, as every copy is printed the same way. */
#include "json_internal.h"

#include <stdlib.h>
#include <string.h>

#include "compat_internal.h"
#include "sr_buf.h"

/* Loads schema text: NULs inside strings allowed, big integers read as reals (see above). */
static json_t *load_text(const char *text, size_t len, struct sr_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
    if (!doc && strstr(jerr.text, "too big"))
        doc = json_loadb(text, len, JSON_ALLOW_NUL | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &jerr);
    if (!doc) {
        sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: %s (line %d, column %d)", jerr.text,
                     jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(doc) && !json_is_boolean(doc)) {
        json_decref(doc);
        sr_error_set(err, SR_ERR_INVALID_SCHEMA,
                     "Invalid schema: a JSON schema must be an object or a boolean at the root");
        return NULL;
    }
    return doc;
}

static enum json_draft doc_draft(const json_t *doc)
{
    enum json_draft d = json_draft_from_uri(json_string_value(json_object_get(doc, "$schema")));
    return d == JSON_DRAFT_UNKNOWN ? JSON_DEFAULT_DRAFT : d;
}

/* The base URI of a top-level document: its $id, or "" (references then resolve to their own
 * names, which is what `references[].name` holds). */
static char *doc_base(const json_t *doc)
{
    enum json_draft d = doc_draft(doc);
    const char *id = json_string_value(json_object_get(doc, d == JSON_DRAFT4 ? "id" : "$id"));
    if (!id || (d <= JSON_DRAFT7 && json_object_get(doc, "$ref")))
        return sr_xstrdup("");
    char *b = json_uri_resolve("", id);
    char *h = strchr(b, '#');
    if (h)
        *h = '\0';
    return b;
}

static void impl_free(void *p)
{
    struct json_schema_impl *impl = p;
    if (!impl)
        return;
    json_reg_free(impl->reg);
    json_decref(impl->doc);
    free(impl);
}

static const char *metaschema_for(enum json_draft d)
{
    switch (d) {
    case JSON_DRAFT4:
        return "http://json-schema.org/draft-04/schema";
    case JSON_DRAFT6:
        return "http://json-schema.org/draft-06/schema";
    case JSON_DRAFT2019:
        return "https://json-schema.org/draft/2019-09/schema";
    case JSON_DRAFT2020:
        return "https://json-schema.org/draft/2020-12/schema";
    default:
        return "http://json-schema.org/draft-07/schema";
    }
}

/* The document must itself be valid against its draft's metaschema. The metaschemas live in
 * a registry of their own, dropped afterwards, so that a stored schema does not keep them. */
static int check_metaschema(struct json_schema_impl *impl, struct sr_error *err)
{
    struct json_loc meta;
    struct json_reg *mreg = json_reg_new(NULL, NULL);
    if (json_reg_resolve(mreg, metaschema_for(impl->root.draft), &meta) != 0) {
        json_reg_free(mreg);
        return sr_error_set(err, SR_ERR_INTERNAL, "built-in metaschema missing");
    }
    struct compat_json_result res;
    compat_json_result_init(&res);
    bool valid = false;
    struct sr_error e;
    sr_error_clear(&e);
    int rc = json_validate(mreg, &meta, impl->doc, JSON_VALIDATE_DEFAULT, &res, &valid, &e);
    if (rc == 0 && !valid) {
        /* the innermost violation is the most specific reason */
        const struct compat_json_violation *v = res.count ? &res.items[0] : NULL;
        for (size_t i = 0; i < res.count; i++)
            if (strlen(res.items[i].instance_path) > strlen(v->instance_path))
                v = &res.items[i];
        rc = sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: at '%s': %s",
                          v ? v->instance_path : "", v ? v->message : "not a valid JSON schema");
    } else if (rc != 0) {
        *err = e;
    }
    compat_json_result_free(&res);
    json_reg_free(mreg);
    return rc;
}

static void *json_parse(const char *text, size_t len, const struct compat_ref *refs, size_t nrefs,
                        unsigned flags, struct sr_buf *canonical, struct sr_error *err)
{
    struct json_schema_impl *impl = sr_xcalloc(1, sizeof *impl);
    char *base = NULL;
    impl->doc = load_text(text, len, err);
    if (!impl->doc)
        goto fail;
    impl->reg = json_reg_new(NULL, NULL);
    base = doc_base(impl->doc);

    /* References first, each under the URI the $ref names (resolved against our base) and
     * under its name as given. */
    for (size_t i = 0; i < nrefs; i++) {
        if (refs[i].type != SR_SCHEMA_JSON) {
            sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: reference '%s' is not a JSON schema",
                         refs[i].name);
            goto fail;
        }
        json_t *rdoc = load_text(refs[i].schema, refs[i].schema_len, err);
        if (!rdoc)
            goto fail;
        char *uri = json_uri_resolve(base, refs[i].name);
        enum json_draft rd = json_is_object(rdoc) ? doc_draft(rdoc) : JSON_DEFAULT_DRAFT;
        int rc = json_reg_add(impl->reg, rdoc, uri, rd, NULL, err);
        if (rc == 0 && strcmp(uri, refs[i].name) != 0)
            rc = json_reg_add(impl->reg, rdoc, refs[i].name, rd, NULL, err);
        free(uri);
        json_decref(rdoc);
        if (rc != 0)
            goto fail;
    }
    enum json_draft d = json_is_object(impl->doc) ? doc_draft(impl->doc) : JSON_DEFAULT_DRAFT;
    if (json_reg_add(impl->reg, impl->doc, base, d, &impl->root, err) != 0)
        goto fail;
    /* IMPORT mode (LENIENT) keeps whatever another registry stored: syntax only. Validation
     * and comparison still terminate on such schemas (budgets), they may just fail to decide. */
    if (!(flags & COMPAT_PARSE_LENIENT)) {
        if (check_metaschema(impl, err) != 0)
            goto fail;
        if (json_reg_check(impl->reg, &impl->root, err) != 0)
            goto fail;
    }
    json_canonical_print(canonical, impl->doc, (flags & COMPAT_PARSE_NORMALIZE) != 0);
    free(base);
    return impl;
fail:
    free(base);
    impl_free(impl);
    return NULL;
}

static int json_can_read(const void *reader, const void *writer, struct compat_result *res,
                         struct sr_error *err)
{
    return json_diff_can_read(reader, writer, res, err);
}

const struct compat_type_ops compat_json_ops = {
    .parse = json_parse,
    .free_impl = impl_free,
    .can_read = json_can_read,
    .format = NULL,
};

void compat_json_result_init(struct compat_json_result *res)
{
    memset(res, 0, sizeof *res);
    res->valid = true;
}

void compat_json_result_free(struct compat_json_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->count; i++) {
        free(res->items[i].instance_path);
        free(res->items[i].schema_path);
        free(res->items[i].message);
    }
    free(res->items);
    memset(res, 0, sizeof *res);
}

int compat_json_validate(const struct compat_schema *schema, const struct json_t *instance, unsigned flags,
                         struct compat_json_result *res, struct sr_error *err)
{
    if (!schema || compat_schema_type(schema) != SR_SCHEMA_JSON || !schema->impl)
        return sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: not a JSON schema");
    const struct json_schema_impl *impl = schema->impl;
    bool valid = false;
    unsigned vflags = (flags & COMPAT_JSON_ASSERT_FORMAT) ? JSON_VALIDATE_FORMAT : JSON_VALIDATE_DEFAULT;
    if (json_validate(impl->reg, &impl->root, instance, vflags, res, &valid, err) != 0)
        return -1;
    res->valid = valid;
    return 0;
}
