/* SPDX-License-Identifier: Apache-2.0 */
/* sr_buf.c — growable buffer and aborting allocation helpers. */
#include "sr_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *sr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *sr_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *sr_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort();
    return q;
}

char *sr_xstrdup(const char *s)
{
    return sr_xstrndup(s, strlen(s));
}

char *sr_xstrndup(const char *s, size_t n)
{
    char *p = sr_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void reserve(struct sr_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = sr_xrealloc(b->data, cap);
    b->cap = cap;
}

void sr_buf_append(struct sr_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void sr_buf_puts(struct sr_buf *b, const char *s)
{
    sr_buf_append(b, s, strlen(s));
}

void sr_buf_putc(struct sr_buf *b, char c)
{
    sr_buf_append(b, &c, 1);
}

void sr_buf_printf(struct sr_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sr_buf_put_json_string(struct sr_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    sr_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            sr_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            sr_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            sr_buf_append(b, "\\n", 2);
            break;
        case '\r':
            sr_buf_append(b, "\\r", 2);
            break;
        case '\t':
            sr_buf_append(b, "\\t", 2);
            break;
        case '\b':
            sr_buf_append(b, "\\b", 2);
            break;
        case '\f':
            sr_buf_append(b, "\\f", 2);
            break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sr_buf_append(b, esc, 6);
            } else {
                sr_buf_putc(b, (char)c);
            }
        }
    }
    sr_buf_putc(b, '"');
}

char *sr_buf_steal(struct sr_buf *b, size_t *len)
{
    char *p = b->data ? b->data : sr_xstrdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void sr_buf_reset(struct sr_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sr_buf_free(struct sr_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
