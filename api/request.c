/* SPDX-License-Identifier: Apache-2.0 */
/* request.c — decoding of URI pieces and typed access to query parameters, and the strict
 * UTF-8 decoder that checks request text.
 * Paths are decoded per segment without '+' -> space (spec 1.3); query strings use form
 * decoding. Unparsable integers are a framework-level 404, as on the Java server. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *api_percent_decode(const char *s, size_t len, bool plus_is_space)
{
    char *out = sr_xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
            /* A decoded NUL would silently truncate the string (registering "a" for
             * "a%00b"). It becomes DEL instead: still an ISO control character, so a subject
             * holding it is refused with 42208 as Java refuses the NUL, and is never found. */
            out[o++] = (hi | lo) == 0 ? (char)0x7f : (char)(hi * 16 + lo);
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

void api_query_parse(const char *qs, struct api_param **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (qs == NULL)
        return;
    size_t cap = 0;
    const char *p = qs;
    while (*p != '\0') {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t nlen = eq ? (size_t)(eq - p) : len;
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                *out = sr_xrealloc(*out, cap * sizeof **out);
            }
            (*out)[*n].name = api_percent_decode(p, nlen, true);
            (*out)[*n].value = eq ? api_percent_decode(eq + 1, len - nlen - 1, true) : sr_xstrdup("");
            (*n)++;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
}

void api_query_free(struct api_param *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(q[i].name);
        free(q[i].value);
    }
    free(q);
}

void api_query_set(struct api_req *req, const char *name, const char *value)
{
    size_t o = 0;
    for (size_t i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].name, name) == 0) {
            free(req->query[i].name);
            free(req->query[i].value);
        } else {
            req->query[o++] = req->query[i];
        }
    }
    req->query = sr_xrealloc(req->query, (o + 1) * sizeof *req->query);
    req->query[o].name = sr_xstrdup(name);
    req->query[o].value = sr_xstrdup(value);
    req->nquery = o + 1;
}

const char *api_query(const struct api_req *req, const char *name)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    return NULL;
}

bool api_query_bool(const struct api_req *req, const char *name)
{
    const char *v = api_query(req, name);
    return v != NULL && strcasecmp(v, "true") == 0;
}

static int parse_i64(const char *s, int64_t *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || isspace((unsigned char)*s))
        return -1;
    *out = v;
    return 0;
}

int api_parse_int_param(const char *s, int64_t *out, struct sr_error *err)
{
    if (parse_i64(s, out) != 0)
        return sr_error_set(err, SR_ERR_NOT_FOUND, "HTTP 404 Not Found");
    return 0;
}

int api_query_int(const struct api_req *req, const char *name, int64_t def, int64_t *out,
                  struct sr_error *err)
{
    const char *v = api_query(req, name);
    if (v == NULL) {
        *out = def;
        return 0;
    }
    return api_parse_int_param(v, out, err);
}

int api_pagination(const struct api_req *req, int64_t def_limit, int64_t *offset, int64_t *limit,
                   struct sr_error *err)
{
    if (api_query_int(req, "offset", 0, offset, err) != 0 || api_query_int(req, "limit", 0, limit, err) != 0)
        return -1;
    if (*offset < 0)
        *offset = 0;
    /* A limit <= 0 or above the cap means "the default" (spec 1.3). */
    if (*limit <= 0 || (def_limit > 0 && *limit > def_limit))
        *limit = def_limit;
    return 0;
}

bool api_in_page(size_t i, int64_t offset, int64_t limit)
{
    if ((int64_t)i < offset)
        return false;
    return limit <= 0 || (int64_t)i - offset < limit;
}

int api_parse_version(const char *s, int64_t *out, struct sr_error *err)
{
    size_t len = strlen(s);
    const char *b = s;
    while (len > 0 && isspace((unsigned char)*b)) {
        b++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)b[len - 1]))
        len--;
    if (len == 6 && strncasecmp(b, "latest", 6) == 0) {
        *out = -1;
        return 0;
    }
    char buf[32];
    int64_t v;
    if (len > 0 && len < sizeof buf) {
        memcpy(buf, b, len);
        buf[len] = '\0';
        if (parse_i64(buf, &v) == 0 && (v == -1 || (v >= 1 && v <= INT32_MAX))) {
            *out = v;
            return 0;
        }
    }
    return sr_err_invalid_version(err, s);
}

size_t api_utf8_decode(const unsigned char *p, size_t len, unsigned *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t n;
    unsigned c;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        c = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        c = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        c = p[0] & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}
