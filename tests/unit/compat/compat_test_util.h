/* SPDX-License-Identifier: Apache-2.0 */
/* compat_test_util.h — small helpers shared by the compat unit tests. */
#ifndef COMPAT_TEST_UTIL_H
#define COMPAT_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"

/* Parses an Avro schema that must be valid; fails the test otherwise. */
static inline struct compat_schema *avro_ok_flags(const char *text, unsigned flags)
{
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_AVRO, text, strlen(text), NULL, 0, flags, &err);
    if (!s)
        fail_msg("expected a valid schema, got %d %s for %s", err.code, err.message, text);
    return s;
}

static inline struct compat_schema *avro_ok(const char *text)
{
    return avro_ok_flags(text, COMPAT_PARSE_DEFAULT);
}

/* Asserts that text is rejected with 42201 and that the message contains `needle`. */
static inline void avro_invalid(const char *text, const char *needle)
{
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_AVRO, text, strlen(text), NULL, 0, 0, &err);
    if (s) {
        compat_schema_free(s);
        fail_msg("expected 42201 for %s", text);
    }
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    if (needle && !strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
}

/* Asserts the canonical text of `in` (parsed with flags) is exactly `expected`. */
static inline void avro_canon_is(const char *in, unsigned flags, const char *expected)
{
    struct compat_schema *s = avro_ok_flags(in, flags);
    size_t len = 0;
    const char *canon = compat_schema_canonical(s, &len);
    assert_string_equal(canon, expected);
    assert_int_equal(len, strlen(expected));
    compat_schema_free(s);
}

#endif
