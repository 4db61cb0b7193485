/* SPDX-License-Identifier: Apache-2.0 */
/* test_avro_parse.c — what the Avro parser accepts and rejects (42201), including the
 * depth bounds that keep hostile input from crashing the registry. */
#include <stdint.h>
#include <stdlib.h>

#include "compat_test_util.h"
#include "sr_buf.h"

static void test_parse_accepts_every_primitive(void **state)
{
    (void)state;
    static const char *const prims[] = {"null",  "boolean", "int",   "long",
                                        "float", "double",  "bytes", "string"};
    char buf[64];
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        snprintf(buf, sizeof buf, "\"%s\"", prims[i]);
        compat_schema_free(avro_ok(buf));
        snprintf(buf, sizeof buf, "{\"type\":\"%s\"}", prims[i]);
        compat_schema_free(avro_ok(buf));
    }
}

static void test_parse_accepts_complex_types(void **state)
{
    (void)state;
    compat_schema_free(avro_ok("{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}"));
    compat_schema_free(
        avro_ok("{\"type\":\"error\",\"name\":\"Oops\",\"fields\":[{\"name\":\"m\",\"type\":\"string\"}]}"));
    compat_schema_free(
        avro_ok("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"],\"default\":\"B\"}"));
    compat_schema_free(avro_ok("{\"type\":\"fixed\",\"name\":\"F\",\"size\":0}"));
    compat_schema_free(avro_ok("{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"int\"}}"));
    compat_schema_free(avro_ok(
        "[\"null\",\"int\",{\"type\":\"array\",\"items\":\"int\"},{\"type\":\"map\",\"values\":\"int\"}]"));
    compat_schema_free(avro_ok("[]"));
}

static void test_parse_accepts_recursive_record(void **state)
{
    (void)state;
    compat_schema_free(
        avro_ok("{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
                "{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}]}"));
}

static void test_parse_resolves_names_through_namespaces(void **state)
{
    (void)state;
    /* Inner inherits a.b; "Inner" resolves in the enclosing namespace, "a.b.Inner" fully,
     * and a dotted name carries its own namespace. */
    compat_schema_free(
        avro_ok("{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a.b\",\"fields\":["
                "{\"name\":\"x\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":[]}},"
                "{\"name\":\"y\",\"type\":\"Inner\"},{\"name\":\"z\",\"type\":\"a.b.Inner\"},"
                "{\"name\":\"w\",\"type\":{\"type\":\"enum\",\"name\":\"c.E\",\"symbols\":[\"S\"]}},"
                "{\"name\":\"v\",\"type\":\"c.E\"}]}"));
    /* A type in the null namespace is still found from inside a namespace. */
    compat_schema_free(
        avro_ok("{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a\",\"fields\":["
                "{\"name\":\"x\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"namespace\":\"\",\"size\":2}},"
                "{\"name\":\"y\",\"type\":\"F\"}]}"));
    /* {"type": "Name"} refers to a defined type. */
    compat_schema_free(avro_ok("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                               "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\"]}},{\"name\":\"b\","
                               "\"type\":{\"type\":\"E\"}}]}"));
    avro_invalid("{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a.b\",\"fields\":["
                 "{\"name\":\"w\",\"type\":{\"type\":\"enum\",\"name\":\"c.E\",\"symbols\":[\"S\"]}},"
                 "{\"name\":\"v\",\"type\":\"E\"}]}",
                 "Undefined name");
}

static void test_parse_rejects_malformed_json(void **state)
{
    (void)state;
    avro_invalid("{\"type\":", NULL);
    avro_invalid("", NULL);
    avro_invalid("12", "schema must be");
    avro_invalid("true", NULL);
}

static void test_parse_rejects_unknown_and_unresolved_types(void **state)
{
    (void)state;
    avro_invalid("\"strin\"", "Undefined name");
    avro_invalid("{\"type\":\"integer\"}", "Undefined name");
    avro_invalid("{\"nottype\":\"int\"}", "No type");
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Missing\"}]}",
                 "Missing");
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\"}]}", "No field type");
    avro_invalid("{\"type\":\"array\"}", "items");
    avro_invalid("{\"type\":\"map\"}", "values");
}

static void test_parse_rejects_duplicate_names(void **state)
{
    (void)state;
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":"
                 "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}}]}",
                 "redefine");
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                 "{\"name\":\"a\",\"type\":\"long\"}]}",
                 "Duplicate field");
    avro_invalid("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}", "Duplicate enum symbol");
}

static void test_parse_rejects_bad_names(void **state)
{
    (void)state;
    avro_invalid("{\"type\":\"record\",\"name\":\"1R\",\"fields\":[]}", "Illegal name");
    avro_invalid("{\"type\":\"record\",\"name\":\"R-x\",\"fields\":[]}", "Illegal name");
    avro_invalid("{\"type\":\"record\",\"name\":\"\",\"fields\":[]}", "Illegal name");
    avro_invalid("{\"type\":\"record\",\"name\":\"a.b.1R\",\"fields\":[]}", "Illegal name");
    /* Like Java, only the simple name is checked: this namespace is accepted. */
    compat_schema_free(
        avro_ok("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"com.my-company\",\"fields\":[]}"));
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"my field\",\"type\":\"int\"}]}",
                 "Illegal field name");
    avro_invalid("{\"type\":\"record\",\"fields\":[]}", "No name");
    avro_invalid("{\"type\":\"fixed\",\"name\":\"int\",\"size\":1}", "primitives");
    avro_invalid("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"ok\",\"not-ok\"]}", "Illegal enum symbol");
    avro_invalid("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[1]}", "Illegal enum symbol");
}

/* Java 1.12 reads an enum's default with textValue(), so a non-string default is dropped
 * rather than rejected; the canonical text then has no default. */
static void test_parse_ignores_non_string_enum_default(void **state)
{
    (void)state;
    struct compat_schema *s = avro_ok("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],\"default\":0}");
    assert_string_equal(compat_schema_canonical(s, NULL),
                        "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}");
    compat_schema_free(s);
}

static void test_parse_rejects_bad_enum_and_fixed(void **state)
{
    (void)state;
    avro_invalid("{\"type\":\"enum\",\"name\":\"E\"}", "no symbols");
    avro_invalid("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"],\"default\":\"B\"}", "Enum Default");
    avro_invalid("{\"type\":\"fixed\",\"name\":\"F\",\"size\":-1}", "size");
    avro_invalid("{\"type\":\"fixed\",\"name\":\"F\",\"size\":1.5}", "size");
    avro_invalid("{\"type\":\"fixed\",\"name\":\"F\",\"size\":\"4\"}", "size");
    avro_invalid("{\"type\":\"fixed\",\"name\":\"F\"}", "size");
    avro_invalid("{\"type\":\"record\",\"name\":\"R\"}", "no fields");
}

static void test_parse_rejects_bad_unions(void **state)
{
    (void)state;
    avro_invalid("[\"null\",[\"int\"]]", "immediately contain");
    avro_invalid("[\"int\",\"int\"]", "Duplicate in union");
    avro_invalid("[{\"type\":\"array\",\"items\":\"int\"},{\"type\":\"array\",\"items\":\"long\"}]",
                 "Duplicate in union");
    avro_invalid("[{\"type\":\"map\",\"values\":\"int\"},{\"type\":\"map\",\"values\":\"long\"}]",
                 "Duplicate in union");
    /* Two distinct named types of the same kind are fine. */
    compat_schema_free(avro_ok(
        "[{\"type\":\"fixed\",\"name\":\"A\",\"size\":1},{\"type\":\"fixed\",\"name\":\"B\",\"size\":1}]"));
}

static void test_parse_rejects_bad_attributes(void **state)
{
    (void)state;
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"aliases\":\"x\",\"fields\":[]}", "aliases");
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"aliases\":[1],\"fields\":[]}", "alias");
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"order\":"
                 "\"up\"}]}",
                 "order");
    avro_invalid("{\"type\":\"record\",\"name\":\"R\",\"fields\":[\"a\"]}", "No field name");
}

static const char *default_case(char *buf, size_t size, const char *type, const char *def)
{
    snprintf(buf, size,
             "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":%s,\"default\":%s}]}",
             type, def);
    return buf;
}

static void test_parse_accepts_matching_defaults(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"\"null\"", "null"},
        {"\"boolean\"", "true"},
        {"\"int\"", "2147483647"},
        {"\"int\"", "-2147483648"},
        {"\"long\"", "9223372036854775807"},
        {"\"float\"", "1"},
        {"\"double\"", "1.5"},
        {"\"double\"", "\"NaN\""},
        {"\"float\"", "\"-Infinity\""},
        {"\"double\"", "\"2.5\""},
        {"\"bytes\"", "\"\\u00ff\""},
        {"\"string\"", "\"x\""},
        {"{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "\"ab\""},
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}", "\"B\""},
        {"{\"type\":\"array\",\"items\":\"int\"}", "[1,2]"},
        {"{\"type\":\"map\",\"values\":\"long\"}", "{\"a\":1}"},
        {"[\"null\",\"int\"]", "null"},
        {"[\"int\",\"null\"]", "3"},
        /* Java 1.12 (Confluent's server): a union default may match any branch */
        {"[\"null\",\"int\"]", "3"},
        {"[\"int\",\"null\"]", "null"},
        {"[\"null\",\"string\",{\"type\":\"array\",\"items\":[\"null\",\"long\"]}]", "[1,null]"},
        {"{\"type\":\"array\",\"items\":[\"null\",\"string\"]}", "[null,\"a\"]"},
        {"{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"u\",\"type\":[\"null\",\"int\"]}]}",
         "{\"u\":5}"},
        /* Java 1.12 checks only that an enum default is a string, not that it is a symbol */
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "\"Z\""},
        {"{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
         "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}",
         "{\"a\":1}"},
    };
    char buf[512];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        compat_schema_free(avro_ok(default_case(buf, sizeof buf, ok[i][0], ok[i][1])));
}

static void test_parse_rejects_mismatched_defaults(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"\"null\"", "0"},
        {"\"boolean\"", "\"true\""},
        {"\"int\"", "2147483648"},
        {"\"int\"", "1.5"},
        {"\"long\"", "\"1\""},
        {"\"float\"", "\"abc\""},
        {"\"double\"", "true"},
        {"\"bytes\"", "[1]"},
        {"\"string\"", "null"},
        {"{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "2"},
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "0"},
        {"{\"type\":\"array\",\"items\":\"int\"}", "[\"a\"]"},
        {"{\"type\":\"map\",\"values\":\"long\"}", "[1]"},
        /* a union default must match at least one branch */
        {"[\"null\",\"int\"]", "\"x\""},
        {"[\"int\",\"string\"]", "true"},
        {"[\"null\",{\"type\":\"array\",\"items\":\"int\"}]", "[\"a\"]"},
        {"{\"type\":\"array\",\"items\":[\"null\",\"int\"]}", "[1,\"a\"]"},
        {"{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}", "{}"},
        {"{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}",
         "{\"a\":\"x\"}"},
    };
    char buf[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        avro_invalid(default_case(buf, sizeof buf, bad[i][0], bad[i][1]), "Invalid default");
}

static void test_parse_lenient_skips_default_validation(void **state)
{
    (void)state;
    const char *text = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"int\","
                       "\"default\":\"x\"}]}";
    avro_invalid(text, "Invalid default");
    struct compat_schema *s = avro_ok_flags(text, COMPAT_PARSE_LENIENT);
    assert_string_equal(compat_schema_canonical(s, NULL),
                        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"int\","
                        "\"default\":\"x\"}]}");
    compat_schema_free(s);
}

static void test_parse_keeps_invalid_logical_type_as_property(void **state)
{
    (void)state;
    /* Java ignores a logical type it cannot apply; the schema stays valid. */
    avro_canon_is("{\"type\":\"string\",\"logicalType\":\"decimal\",\"precision\":-3}", 0,
                  "{\"type\":\"string\",\"logicalType\":\"decimal\",\"precision\":-3}");
    avro_canon_is("{\"type\":\"int\",\"logicalType\":\"no-such-type\"}", 0,
                  "{\"type\":\"int\",\"logicalType\":\"no-such-type\"}");
}

static char *nested_arrays(int depth)
{
    static const char open[] = "{\"type\":\"array\",\"items\":";
    size_t len = (size_t)depth * (sizeof open - 1) + 8 + (size_t)depth + 1;
    char *s = malloc(len);
    char *p = s;
    assert_non_null(s);
    for (int i = 0; i < depth; i++) {
        memcpy(p, open, sizeof open - 1);
        p += sizeof open - 1;
    }
    memcpy(p, "\"int\"", 5);
    p += 5;
    for (int i = 0; i < depth; i++)
        *p++ = '}';
    *p = '\0';
    return s;
}

static void test_parse_rejects_100000_deep_nesting_without_crashing(void **state)
{
    (void)state;
    char *deep = nested_arrays(100000);
    avro_invalid(deep, NULL);
    free(deep);
    /* Unions nest through the JSON array path: also refused, not crashed. */
    size_t n = 100000;
    char *u = malloc(2 * n + 8);
    assert_non_null(u);
    memset(u, '[', n);
    memcpy(u + n, "\"int\"", 5);
    memset(u + n + 5, ']', n);
    u[2 * n + 5] = '\0';
    avro_invalid(u, NULL);
    free(u);
}

static void test_parse_bounds_depth_jansson_accepts(void **state)
{
    (void)state;
    /* 600 nested arrays are 600 JSON levels: jansson (limit 2048) accepts them, our bound must stop them. */
    char *deep = nested_arrays(600);
    avro_invalid(deep, "nested deeper");
    free(deep);
    char *ok = nested_arrays(COMPAT_MAX_DEPTH);
    compat_schema_free(avro_ok(ok));
    free(ok);
}

static void test_parse_references_define_named_types(void **state)
{
    (void)state;
    const char *addr = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\",\"fields\":"
                       "[{\"name\":\"street\",\"type\":\"string\"}]}";
    const char *order =
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":"
        "[{\"name\":\"ship\",\"type\":\"Address\"},{\"name\":\"bill\",\"type\":\"com.acme.Address\"}]}";
    struct compat_ref ref = {"com.acme.Address", SR_SCHEMA_AVRO, addr, strlen(addr)};
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_AVRO, order, strlen(order), &ref, 1, 0, &err);
    assert_non_null(s);
    /* The referenced type is known, so it is printed by name. */
    assert_string_equal(
        compat_schema_canonical(s, NULL),
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":"
        "[{\"name\":\"ship\",\"type\":\"Address\"},{\"name\":\"bill\",\"type\":\"Address\"}]}");
    compat_schema_free(s);
    /* Without the reference the name is unknown. */
    avro_invalid(order, "Undefined name");
    /* A reference that redefines a type of the schema is refused. */
    const char *dup = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\",\"fields\":[]}";
    assert_null(compat_schema_parse(SR_SCHEMA_AVRO, dup, strlen(dup), &ref, 1, 0, &err));
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    /* A broken reference makes the schema invalid. */
    struct compat_ref bad = {"x", SR_SCHEMA_AVRO, "{", 1};
    assert_null(compat_schema_parse(SR_SCHEMA_AVRO, "\"int\"", 5, &bad, 1, 0, &err));
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
}

static void test_parse_accepts_identical_redefinition_only(void **state)
{
    (void)state;
    /* Avro 1.12 (Confluent 8) accepts a second definition equal to the first; Java clients
     * send one when a referenced record's nested types are printed again. */
    const char *addr =
        "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"a\",\"fields\":[{\"name\":\"c\","
        "\"type\":{\"type\":\"enum\",\"name\":\"Country\",\"symbols\":[\"FR\",\"DE\"]}}]}";
    const char *order =
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"a\",\"fields\":["
        "{\"name\":\"to\",\"type\":\"Address\"},"
        "{\"name\":\"c\",\"type\":{\"type\":\"enum\",\"name\":\"Country\",\"doc\":\"docs differ\","
        "\"symbols\":[\"FR\",\"DE\"]}}]}";
    struct compat_ref ref = {"a.Address", SR_SCHEMA_AVRO, addr, strlen(addr)};
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_AVRO, order, strlen(order), &ref, 1, 0, &err);
    if (!s)
        fail_msg("%s", err.message);
    assert_string_equal(compat_schema_canonical(s, NULL),
                        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"a\",\"fields\":["
                        "{\"name\":\"to\",\"type\":\"Address\"},{\"name\":\"c\",\"type\":\"Country\"}]}");
    compat_schema_free(s);
    /* Within one schema too; the second occurrence prints by name. */
    avro_canon_is("[{\"type\":\"fixed\",\"name\":\"F\",\"size\":2},{\"type\":\"array\",\"items\":"
                  "{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}}]",
                  0, "[{\"type\":\"fixed\",\"name\":\"F\",\"size\":2},{\"type\":\"array\",\"items\":\"F\"}]");
    /* Anything that differs is a redefinition. */
    avro_invalid("[{\"type\":\"fixed\",\"name\":\"F\",\"size\":2},{\"type\":\"array\",\"items\":"
                 "{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}}]",
                 "redefine");
    avro_invalid("[{\"type\":\"fixed\",\"name\":\"F\",\"size\":2},{\"type\":\"array\",\"items\":"
                 "{\"type\":\"enum\",\"name\":\"F\",\"symbols\":[\"A\"]}}]",
                 "redefine");
    avro_invalid("[{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]},"
                 "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"R\",\"fields\":"
                 "[{\"name\":\"a\",\"type\":\"int\",\"default\":1}]}}]",
                 "redefine");
    avro_invalid("[{\"type\":\"fixed\",\"name\":\"F\",\"size\":2,\"p\":1},{\"type\":\"array\",\"items\":"
                 "{\"type\":\"fixed\",\"name\":\"F\",\"size\":2,\"p\":2}}]",
                 "redefine");
}

static void test_parse_handles_wide_records_enums_and_unions(void **state)
{
    (void)state;
    /* Thousands of fields, symbols and union branches: lookups are indexed, and a
     * duplicate at the far end is still found. */
    struct sr_buf b = SR_BUF_INIT;
    const int n = 3000;
    sr_buf_puts(&b, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
    for (int i = 0; i < n; i++)
        sr_buf_printf(&b, "{\"name\":\"f%d\",\"type\":\"int\"},", i);
    sr_buf_puts(&b, "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[");
    for (int i = 0; i < n; i++)
        sr_buf_printf(&b, "%s\"S%d\"", i ? "," : "", i);
    sr_buf_puts(&b, "]}},{\"name\":\"u\",\"type\":[");
    for (int i = 0; i < n; i++)
        sr_buf_printf(&b, "%s{\"type\":\"fixed\",\"name\":\"F%d\",\"size\":1}", i ? "," : "", i);
    sr_buf_puts(&b, "]}]}");
    struct compat_schema *s = avro_ok(b.data);
    struct compat_result res;
    struct sr_error err = {0};
    compat_result_init(&res);
    assert_int_equal(compat_can_read(s, s, &res, &err), 0);
    assert_true(res.compatible);
    compat_result_free(&res);
    compat_schema_free(s);
    /* The same record with the first field repeated at the end. */
    b.len -= 2;
    b.data[b.len] = '\0';
    sr_buf_puts(&b, ",{\"name\":\"f0\",\"type\":\"long\"}]}");
    avro_invalid(b.data, "Duplicate field f0");
    sr_buf_free(&b);
}

/* xorshift64: a fixed sequence, so every run checks the same inputs. */
static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_parse_survives_mutated_input_and_canonical_is_a_fixed_point(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a.b\",\"doc\":\"d\",\"fields\":["
        "{\"name\":\"i\",\"type\":\"int\",\"default\":1},{\"name\":\"u\",\"type\":[\"null\",\"R\"],"
        "\"default\":null},"
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"],\"default\":"
        "\"A\"}},"
        "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"c.F\",\"size\":2},\"aliases\":[\"g\"]},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"double\"}},"
        "\"default\":{\"k\":[1.5,2]}},{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":"
        "\"timestamp-millis\"}}]}",
        "[\"null\",{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"n\",\"type\":[\"null\",\"N\"]}"
        "]},\"string\"]",
    };
    static const char alphabet[] = "{}[]\":,.0123456789-eE nulltrueabcdfghimnoprstuvxyz\\";
    uint64_t rnd = 0x9e3779b97f4a7c15ull;
    int valid = 0, invalid = 0;
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        size_t base_len = strlen(seeds[si]);
        char *buf = malloc(base_len + 16);
        assert_non_null(buf);
        for (int round = 0; round < 3000; round++) {
            size_t len = base_len;
            memcpy(buf, seeds[si], base_len + 1);
            int edits = 1 + (int)(next_random(&rnd) % 3);
            for (int e = 0; e < edits && len > 0; e++) {
                size_t pos = next_random(&rnd) % len;
                char c = alphabet[next_random(&rnd) % (sizeof alphabet - 1)];
                switch (next_random(&rnd) % 3) {
                case 0: /* replace */
                    buf[pos] = c;
                    break;
                case 1: /* delete */
                    memmove(buf + pos, buf + pos + 1, len - pos);
                    len--;
                    break;
                default: /* insert */
                    memmove(buf + pos + 1, buf + pos, len - pos + 1);
                    buf[pos] = c;
                    len++;
                }
            }
            struct sr_error err = {0};
            struct compat_schema *s = compat_schema_parse(SR_SCHEMA_AVRO, buf, len, NULL, 0, 0, &err);
            if (!s) {
                assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
                invalid++;
                continue;
            }
            valid++;
            /* What we store must read back to itself. */
            size_t clen = 0;
            const char *canon = compat_schema_canonical(s, &clen);
            struct compat_schema *again = compat_schema_parse(SR_SCHEMA_AVRO, canon, clen, NULL, 0, 0, &err);
            if (!again)
                fail_msg("canonical text of %s does not parse: %s", buf, err.message);
            assert_string_equal(compat_schema_canonical(again, NULL), canon);
            /* A schema can read its own data, except where Java throws: a field alias that
             * names another field of the record matches two writer fields. */
            struct compat_result res;
            compat_result_init(&res);
            assert_int_equal(compat_can_read(s, again, &res, &err), 0);
            if (!res.compatible && !strstr(res.messages[0], "matches multiple fields"))
                fail_msg("%s cannot read itself: %s", canon, res.messages[0]);
            compat_result_free(&res);
            /* The normalized text is a fixed point too. */
            struct compat_schema *norm =
                compat_schema_parse(SR_SCHEMA_AVRO, buf, len, NULL, 0, COMPAT_PARSE_NORMALIZE, &err);
            assert_non_null(norm);
            const char *ntext = compat_schema_canonical(norm, NULL);
            struct compat_schema *norm2 = compat_schema_parse(SR_SCHEMA_AVRO, ntext, strlen(ntext), NULL, 0,
                                                              COMPAT_PARSE_NORMALIZE, &err);
            if (!norm2)
                fail_msg("normalized text %s does not parse: %s", ntext, err.message);
            assert_string_equal(compat_schema_canonical(norm2, NULL), ntext);
            compat_schema_free(norm2);
            compat_schema_free(norm);
            compat_schema_free(again);
            compat_schema_free(s);
        }
        free(buf);
    }
    /* Both outcomes must have been exercised for the test to mean anything. */
    assert_true(valid > 100);
    assert_true(invalid > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_every_primitive),
        cmocka_unit_test(test_parse_accepts_complex_types),
        cmocka_unit_test(test_parse_accepts_recursive_record),
        cmocka_unit_test(test_parse_resolves_names_through_namespaces),
        cmocka_unit_test(test_parse_rejects_malformed_json),
        cmocka_unit_test(test_parse_rejects_unknown_and_unresolved_types),
        cmocka_unit_test(test_parse_rejects_duplicate_names),
        cmocka_unit_test(test_parse_rejects_bad_names),
        cmocka_unit_test(test_parse_rejects_bad_enum_and_fixed),
        cmocka_unit_test(test_parse_ignores_non_string_enum_default),
        cmocka_unit_test(test_parse_rejects_bad_unions),
        cmocka_unit_test(test_parse_rejects_bad_attributes),
        cmocka_unit_test(test_parse_accepts_matching_defaults),
        cmocka_unit_test(test_parse_rejects_mismatched_defaults),
        cmocka_unit_test(test_parse_lenient_skips_default_validation),
        cmocka_unit_test(test_parse_keeps_invalid_logical_type_as_property),
        cmocka_unit_test(test_parse_rejects_100000_deep_nesting_without_crashing),
        cmocka_unit_test(test_parse_bounds_depth_jansson_accepts),
        cmocka_unit_test(test_parse_references_define_named_types),
        cmocka_unit_test(test_parse_accepts_identical_redefinition_only),
        cmocka_unit_test(test_parse_handles_wide_records_enums_and_unions),
        cmocka_unit_test(test_parse_survives_mutated_input_and_canonical_is_a_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
