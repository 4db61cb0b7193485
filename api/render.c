/* SPDX-License-Identifier: Apache-2.0 */
/* render.c — the read responses (a schema by id, a schema-version object) written from
 * pre-rendered bytes instead of a freshly built json_t: serialising the schema text (JSON
 * escaping of a string that never changes) was a third of the CPU of a read.
 *
 * The bytes must stay identical to what json_dumps(JSON_COMPACT) of the JSON path gives, so
 * the cached fragment is produced by that very path (api_schema_fields() + json_dumps) and
 * only plain values are written around it by hand: integers, booleans, and subject names
 * that need no escaping. Anything else (a format= rendering, a subject with characters JSON
 * escapes or non-ASCII bytes) takes the JSON path unchanged, and so does everything without
 * a cache (the reference the tests compare with). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

/* Key of a schema's rendered fields. Everything the rendering depends on is in it: the
 * schema is immutable for its (context, id), and hash and length guard against an id that
 * IMPORT re-created after a hard delete. Returns the key length, or 0 when it does not fit. */
static size_t fields_key(const struct store_schema *s, unsigned flags, unsigned char *key, size_t cap)
{
    size_t clen = strlen(s->context);
    uint64_t id = (uint64_t)s->id, len = (uint64_t)s->text_len;
    size_t n = 2 + sizeof id + sizeof len + sizeof s->hash + clen;
    if (n > cap)
        return 0;
    key[0] = 'F';
    key[1] = (unsigned char)flags;
    memcpy(key + 2, &id, sizeof id);
    memcpy(key + 2 + sizeof id, &len, sizeof len);
    memcpy(key + 2 + sizeof id + sizeof len, s->hash, sizeof s->hash);
    memcpy(key + 2 + sizeof id + sizeof len + sizeof s->hash, s->context, clen);
    return n;
}

/* Appends the schema fields (guid ... schema, as api_schema_fields() adds them in canonical
 * format) to out, without the enclosing braces. 0, or -1 with err set. */
static int append_fields(const struct api_ctx *ctx, const struct store_schema *s, unsigned flags,
                         struct sr_buf *out, struct sr_error *err)
{
    unsigned char key[256];
    size_t klen = fields_key(s, flags, key, sizeof key);
    if (klen > 0 && api_cache_get(ctx->cache, key, klen, out))
        return 0;
    json_t *obj = json_object();
    if (api_schema_fields(ctx->st, obj, s, NULL, flags, err) != 0) {
        json_decref(obj);
        return -1;
    }
    char *dump = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (dump == NULL)
        return sr_error_set(err, SR_ERR_INTERNAL, "cannot serialise schema %lld", (long long)s->id);
    size_t len = strlen(dump);
    /* "{...}": the fields are what is between the braces */
    if (klen > 0)
        api_cache_put(ctx->cache, key, klen, dump + 1, len - 2);
    sr_buf_append(out, dump + 1, len - 2);
    free(dump);
    return 0;
}

/* Appends the decimal form of v, as json_dumps writes an integer ("%lld"). printf was a
 * visible share of a read's CPU. */
static void put_int(struct sr_buf *b, int64_t v)
{
    char tmp[24];
    size_t n = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--n] = '-';
    sr_buf_append(b, tmp + n, sizeof tmp - n);
}

/* Does json_dumps write s exactly as its bytes? jansson escapes '"', '\\' and control
 * characters; non-ASCII is left to the JSON path (json_string() refuses invalid UTF-8). */
static bool plain_string(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static bool plain_format(const char *format)
{
    return format == NULL || format[0] == '\0';
}

/* An empty buffer sized for a body around schema s, so that it is allocated once: the
 * escaped text (quotes in JSON text grow by a quarter at most in practice), metadata,
 * ruleSet, references and the fixed fields. A wrong guess only costs a realloc. */
static void buf_for(struct sr_buf *b, const struct store_schema *s)
{
    size_t cap = 384 + s->text_len + s->text_len / 4 + s->nrefs * 96;
    if (s->metadata != NULL)
        cap += strlen(s->metadata);
    if (s->rule_set != NULL)
        cap += strlen(s->rule_set);
    b->data = sr_xmalloc(cap);
    b->data[0] = '\0';
    b->len = 0;
    b->cap = cap;
}

static void set_raw(struct api_resp *resp, struct sr_buf *b)
{
    resp->raw = sr_buf_steal(b, &resp->raw_len);
}

int api_render_version(const struct api_ctx *ctx, const struct store_version *v, const char *format,
                       unsigned flags, struct api_resp *resp, struct sr_error *err)
{
    if (ctx->cache == NULL || !plain_format(format) ||
        ((flags & API_JSON_SUBJECT) && !plain_string(v->subject))) {
        resp->body = api_version_json(ctx->st, v, format, flags, err);
        return resp->body ? 0 : -1;
    }
    struct sr_buf b;
    buf_for(&b, v->schema);
    sr_buf_putc(&b, '{');
    if (flags & API_JSON_SUBJECT) {
        sr_buf_puts(&b, "\"subject\":\"");
        sr_buf_puts(&b, v->subject);
        sr_buf_puts(&b, "\",");
    }
    sr_buf_puts(&b, "\"version\":");
    put_int(&b, v->version);
    sr_buf_puts(&b, ",\"id\":");
    put_int(&b, v->schema->id);
    sr_buf_putc(&b, ',');
    if (append_fields(ctx, v->schema, flags & API_JSON_QUALIFIED_REFS, &b, err) != 0) {
        sr_buf_free(&b);
        return -1;
    }
    sr_buf_puts(&b, ",\"ts\":");
    put_int(&b, v->ts_ms);
    sr_buf_puts(&b, v->deleted ? ",\"deleted\":true}" : ",\"deleted\":false}");
    set_raw(resp, &b);
    return 0;
}

int api_render_schema(const struct api_ctx *ctx, const struct store_schema *s, const char *format,
                      unsigned flags, const struct store_version *hint, int64_t max_id, struct api_resp *resp,
                      struct sr_error *err)
{
    if (ctx->cache == NULL || !plain_format(format) || (hint != NULL && !plain_string(hint->subject))) {
        json_t *obj = json_object();
        if (api_schema_fields(ctx->st, obj, s, format, flags, err) != 0) {
            json_decref(obj);
            return -1;
        }
        if (hint != NULL) {
            json_object_set_new(obj, "subject", json_string(hint->subject));
            json_object_set_new(obj, "version", json_integer(hint->version));
            json_object_set_new(obj, "ts", json_integer(hint->ts_ms));
        }
        if (max_id >= 0)
            json_object_set_new(obj, "maxId", json_integer(max_id));
        resp->body = obj;
        return 0;
    }
    struct sr_buf b;
    buf_for(&b, s);
    sr_buf_putc(&b, '{');
    if (append_fields(ctx, s, flags, &b, err) != 0) {
        sr_buf_free(&b);
        return -1;
    }
    if (hint != NULL) {
        sr_buf_puts(&b, ",\"subject\":\"");
        sr_buf_puts(&b, hint->subject);
        sr_buf_puts(&b, "\",\"version\":");
        put_int(&b, hint->version);
        sr_buf_puts(&b, ",\"ts\":");
        put_int(&b, hint->ts_ms);
    }
    if (max_id >= 0) {
        sr_buf_puts(&b, ",\"maxId\":");
        put_int(&b, max_id);
    }
    sr_buf_putc(&b, '}');
    set_raw(resp, &b);
    return 0;
}
