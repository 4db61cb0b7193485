/* SPDX-License-Identifier: Apache-2.0 */
/* proto.c — the Protobuf entry of compat's type table: a schema is a pool of linked
 * FileDescriptorProto messages (itself, its references, the built-ins it imports); the
 * canonical text is the main file printed back as .proto; "serialized" is the base64 of
 * its FileDescriptorProto. Input may be .proto text or a base64 FileDescriptorProto, the
 * form Confluent's Python and JavaScript serializers register. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "proto_internal.h"

struct proto_schema {
    struct proto_pool pool;
    size_t main;
};

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

unsigned char *proto_base64_decode(const char *text, size_t len, size_t *out_len)
{
    unsigned char *out = sr_xmalloc(len / 4 * 3 + 4);
    size_t n = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)text[i];
        if (isspace(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    /* leftover bits must be padding zeros, and at most two "=" */
    if (pad > 2 || bits >= 6 || (acc & ((1u << bits) - 1)) != 0) {
        free(out);
        return NULL;
    }
    *out_len = n;
    return out;
}

char *proto_base64_encode(const unsigned char *data, size_t len, size_t *out_len)
{
    size_t n = (len + 2) / 3 * 4;
    char *out = sr_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

static void proto_free_impl(void *impl)
{
    struct proto_schema *s = impl;
    if (!s)
        return;
    proto_pool_free(&s->pool);
    free(s);
}

static void *proto_parse_schema(const char *text, size_t len, const struct compat_ref *refs, size_t nrefs,
                                unsigned flags, struct sr_buf *canonical, struct sr_error *err)
{
    struct proto_schema *s = sr_xcalloc(1, sizeof(*s));
    proto_pool_init(&s->pool, refs, nrefs);
    if (proto_pool_load(&s->pool, PROTO_MAIN_FILE_NAME, text, len, 0, &s->main, err)) {
        proto_free_impl(s);
        return NULL;
    }
    size_t start = canonical->len;
    proto_print(&s->pool, s->main, (flags & COMPAT_PARSE_NORMALIZE) != 0, canonical);
    /* The registry stores only this text and re-parses it later (other schemas import it,
     * lookups, format=serialized): a descriptor that cannot be written as .proto text that
     * reads back (an empty proto3 enum sent in binary, say) is refused now, not later. */
    struct proto_pool check;
    proto_pool_init(&check, refs, nrefs);
    size_t idx;
    struct sr_error cerr;
    int rc = proto_pool_load(&check, PROTO_MAIN_FILE_NAME, canonical->data + start, canonical->len - start, 0,
                             &idx, &cerr);
    proto_pool_free(&check);
    if (rc) {
        sr_error_set(err, SR_ERR_INVALID_SCHEMA, "Invalid schema: its .proto form does not parse: %s",
                     cerr.message);
        proto_free_impl(s);
        return NULL;
    }
    /* refs are borrowed only for the duration of the parse */
    s->pool.refs = NULL;
    s->pool.nrefs = 0;
    return s;
}

static int proto_can_read_ops(const void *reader, const void *writer, struct compat_result *res,
                              struct sr_error *err)
{
    const struct proto_schema *r = reader, *w = writer;
    return proto_can_read(&r->pool, r->main, &w->pool, w->main, res, err);
}

static char *proto_format(const void *impl, const char *format, size_t *len, struct sr_error *err)
{
    const struct proto_schema *s = impl;
    sr_error_clear(err);
    if (!format || strcmp(format, "serialized") != 0)
        return NULL; /* "default", "ignore_extensions", unknown: the canonical text */
    const ProtobufCMessage *m = &s->pool.files[s->main]->base;
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *bin = sr_xmalloc(n ? n : 1);
    protobuf_c_message_pack(m, bin);
    char *out = proto_base64_encode(bin, n, len);
    free(bin);
    return out;
}

static int proto_changes_ops(const void *reader, const void *writer, struct compat_result *res,
                             struct sr_error *err)
{
    const struct proto_schema *r = reader, *w = writer;
    return proto_changes(&r->pool, r->main, &w->pool, w->main, res, err);
}

/* schema-compat diff: proto_changes' list, each change's verdicts from proto_can_read. */
static int proto_diff_ops(const void *old, const void *new, struct compat_changes *out, struct sr_error *err)
{
    return compat_listed_changes(proto_changes_ops, proto_can_read_ops, old, new, out, err);
}

const struct compat_type_ops compat_proto_ops = {
    .parse = proto_parse_schema,
    .free_impl = proto_free_impl,
    .can_read = proto_can_read_ops,
    .format = proto_format,
    .diff = proto_diff_ops,
};
