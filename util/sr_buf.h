/* SPDX-License-Identifier: Apache-2.0 */
/* sr_buf.h — a growable byte buffer that is always NUL-terminated.
 * Allocation failure aborts: a registry that cannot allocate a few bytes cannot serve. */
#ifndef SR_BUF_H
#define SR_BUF_H

#include <stddef.h>

#include "sr_error.h"

struct sr_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

#define SR_BUF_INIT                                                                                          \
    {                                                                                                        \
        NULL, 0, 0                                                                                           \
    }

void sr_buf_append(struct sr_buf *b, const void *data, size_t len);
void sr_buf_puts(struct sr_buf *b, const char *s);
void sr_buf_putc(struct sr_buf *b, char c);
void sr_buf_printf(struct sr_buf *b, const char *fmt, ...) SR_PRINTF(2, 3);
/* Appends s as a JSON string literal (quotes and escapes included). */
void sr_buf_put_json_string(struct sr_buf *b, const char *s, size_t len);
/* Returns the contents (never NULL: "" for an empty buffer) and gives up ownership;
 * caller frees with free(). The buffer is left empty. */
char *sr_buf_steal(struct sr_buf *b, size_t *len);
void sr_buf_reset(struct sr_buf *b);
void sr_buf_free(struct sr_buf *b);

/* Helpers that abort on allocation failure. */
void *sr_xmalloc(size_t n);
void *sr_xcalloc(size_t n, size_t size);
void *sr_xrealloc(void *p, size_t n);
char *sr_xstrdup(const char *s);
char *sr_xstrndup(const char *s, size_t n);

#endif
