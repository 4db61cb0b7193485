/* SPDX-License-Identifier: Apache-2.0 */
/* test_avro_canon.c — the text the registry stores: canonical (Java Schema.toString()),
 * normalized, and the "resolved" output format. Expected strings were written from the
 * member-order rules of Apache Avro Java's Schema.toJson(). */
#include <stdlib.h>

#include "avro_internal.h"
#include "compat_test_util.h"
#include "sr_buf.h"

static void test_canon_primitive_object_becomes_name(void **state)
{
    (void)state;
    avro_canon_is("{\"type\": \"string\"}", 0, "\"string\"");
    avro_canon_is("  \"long\" ", 0, "\"long\"");
    avro_canon_is("{\"type\":\"int\",\"name\":\"ignored\",\"doc\":\"ignored\"}", 0, "\"int\"");
}

static void test_canon_ignores_key_order_and_whitespace(void **state)
{
    (void)state;
    const char *a =
        "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.acme\",\"doc\":\"A user\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":"
        "null}]}";
    const char *b =
        "{ \"fields\" : [ { \"type\" : \"long\", \"name\" : \"id\" },\n"
        "  { \"default\": null, \"type\": [ \"null\", {\"type\":\"string\"} ], \"name\": \"email\" } ],\n"
        "  \"doc\": \"A user\", \"namespace\": \"com.acme\", \"name\": \"User\", \"type\": \"record\" }";
    const char *expected =
        "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.acme\",\"doc\":\"A user\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":"
        "null}]}";
    avro_canon_is(a, 0, expected);
    avro_canon_is(b, 0, expected);
}

static void test_canon_orders_field_members(void **state)
{
    (void)state;
    avro_canon_is(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"x-prop\":[1,{\"b\":2,\"a\":1}],\"aliases\":["
        "\"old\"],"
        "\"order\":\"DESCENDING\",\"default\":\"d\",\"doc\":\"the doc\",\"type\":\"string\",\"name\":\"f\"},"
        "{\"name\":\"g\",\"type\":\"int\",\"order\":\"ascending\"}]}",
        0,
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"string\",\"doc\":\"the "
        "doc\","
        "\"default\":\"d\",\"order\":\"descending\",\"aliases\":[\"old\"],\"x-prop\":[1,{\"b\":2,\"a\":1}]},"
        "{\"name\":\"g\",\"type\":\"int\"}]}");
}

static void test_canon_orders_named_type_members(void **state)
{
    (void)state;
    avro_canon_is(
        "{\"aliases\":[\"Old\"],\"custom\":true,\"doc\":\"d\",\"symbols\":[\"A\",\"B\"],\"default\":\"A\","
        "\"namespace\":\"n\",\"name\":\"E\",\"type\":\"enum\"}",
        0,
        "{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"n\",\"doc\":\"d\",\"symbols\":[\"A\",\"B\"],"
        "\"default\":\"A\",\"custom\":true,\"aliases\":[\"Old\"]}");
    avro_canon_is(
        "{\"size\":16,\"logicalType\":\"decimal\",\"precision\":10,\"name\":\"x.y.F\",\"type\":\"fixed\","
        "\"aliases\":[\"z.G\"]}",
        0,
        "{\"type\":\"fixed\",\"name\":\"F\",\"namespace\":\"x.y\",\"size\":16,\"logicalType\":\"decimal\","
        "\"precision\":10,\"aliases\":[\"z.G\"]}");
    avro_canon_is("{\"fields\":[],\"name\":\"Oops\",\"type\":\"error\",\"k\":\"v\"}", 0,
                  "{\"type\":\"error\",\"name\":\"Oops\",\"fields\":[],\"k\":\"v\"}");
    avro_canon_is("{\"values\":\"int\",\"p\":1,\"type\":\"map\"}", 0,
                  "{\"type\":\"map\",\"values\":\"int\",\"p\":1}");
    avro_canon_is("{\"p\":1,\"items\":{\"type\":\"int\"},\"type\":\"array\"}", 0,
                  "{\"type\":\"array\",\"items\":\"int\",\"p\":1}");
}

static void test_canon_elides_inherited_namespace(void **state)
{
    (void)state;
    avro_canon_is(
        "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a\",\"fields\":["
        "{\"name\":\"same\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"namespace\":\"a\",\"fields\":[]}}"
        ","
        "{\"name\":\"other\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"b\",\"symbols\":["
        "\"S\"]}},"
        "{\"name\":\"dotted\",\"type\":{\"type\":\"fixed\",\"name\":\"a.F\",\"size\":1}},"
        "{\"name\":\"none\",\"type\":{\"type\":\"fixed\",\"name\":\"G\",\"namespace\":\"\",\"size\":1}}]}",
        0,
        "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a\",\"fields\":["
        "{\"name\":\"same\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[]}},"
        "{\"name\":\"other\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"b\",\"symbols\":["
        "\"S\"]}},"
        "{\"name\":\"dotted\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":1}},"
        "{\"name\":\"none\",\"type\":{\"type\":\"fixed\",\"name\":\"G\",\"namespace\":\"\",\"size\":1}}]}");
}

static void test_canon_prints_seen_named_types_by_shortest_name(void **state)
{
    (void)state;
    avro_canon_is("{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a\",\"fields\":["
                  "{\"name\":\"x\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[]}},"
                  "{\"name\":\"y\",\"type\":\"a.In\"},"
                  "{\"name\":\"z\",\"type\":{\"type\":\"enum\",\"name\":\"b.E\",\"symbols\":[\"S\"]}},"
                  "{\"name\":\"w\",\"type\":{\"type\":\"array\",\"items\":\"b.E\"}},"
                  "{\"name\":\"self\",\"type\":[\"null\",\"Outer\"]}]}",
                  0,
                  "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a\",\"fields\":["
                  "{\"name\":\"x\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":[]}},"
                  "{\"name\":\"y\",\"type\":\"In\"},"
                  "{\"name\":\"z\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"b\","
                  "\"symbols\":[\"S\"]}},"
                  "{\"name\":\"w\",\"type\":{\"type\":\"array\",\"items\":\"b.E\"}},"
                  "{\"name\":\"self\",\"type\":[\"null\",\"Outer\"]}]}");
}

static void test_canon_qualifies_names_that_are_type_keywords(void **state)
{
    (void)state;
    /* "ns.record" referred to from inside ns must not print as the keyword "record". */
    avro_canon_is("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"ns\",\"fields\":["
                  "{\"name\":\"a\",\"type\":{\"type\":\"fixed\",\"name\":\"record\",\"size\":1}},"
                  "{\"name\":\"b\",\"type\":\"ns.record\"}]}",
                  0,
                  "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"ns\",\"fields\":["
                  "{\"name\":\"a\",\"type\":{\"type\":\"fixed\",\"name\":\"record\",\"size\":1}},"
                  "{\"name\":\"b\",\"type\":\"ns.record\"}]}");
}

static void test_canon_prints_defaults_as_jackson_does(void **state)
{
    (void)state;
    avro_canon_is(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"a\",\"type\":\"double\",\"default\":1.0},"
        "{\"name\":\"b\",\"type\":\"double\",\"default\":1},"
        "{\"name\":\"c\",\"type\":\"double\",\"default\":1e2},"
        "{\"name\":\"d\",\"type\":\"double\",\"default\":12345678.9},"
        "{\"name\":\"e\",\"type\":\"double\",\"default\":0.0001},"
        "{\"name\":\"f\",\"type\":\"float\",\"default\":\"NaN\"},"
        "{\"name\":\"g\",\"type\":\"double\",\"default\":\"-Infinity\"},"
        "{\"name\":\"h\",\"type\":\"double\",\"default\":\"2.50\"},"
        "{\"name\":\"h2\",\"type\":\"double\",\"default\":\"1e400\"},"
        "{\"name\":\"i\",\"type\":\"double\",\"default\":-0.0},"
        "{\"name\":\"j\",\"type\":\"long\",\"default\":-9223372036854775808},"
        "{\"name\":\"k\",\"type\":\"string\",\"default\":\"tab\\tq\\\"\\u0001\\u00e9/\"},"
        "{\"name\":\"l\",\"type\":{\"type\":\"map\",\"values\":\"double\"},\"default\":{\"z\":0.5,\"a\":3}},"
        "{\"name\":\"m\",\"type\":\"boolean\",\"default\":false}]}",
        0,
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"a\",\"type\":\"double\",\"default\":1.0},"
        "{\"name\":\"b\",\"type\":\"double\",\"default\":1},"
        "{\"name\":\"c\",\"type\":\"double\",\"default\":100.0},"
        "{\"name\":\"d\",\"type\":\"double\",\"default\":1.23456789E7},"
        "{\"name\":\"e\",\"type\":\"double\",\"default\":1.0E-4},"
        "{\"name\":\"f\",\"type\":\"float\",\"default\":\"NaN\"},"
        "{\"name\":\"g\",\"type\":\"double\",\"default\":\"-Infinity\"},"
        "{\"name\":\"h\",\"type\":\"double\",\"default\":2.5},"
        "{\"name\":\"h2\",\"type\":\"double\",\"default\":\"Infinity\"},"
        "{\"name\":\"i\",\"type\":\"double\",\"default\":-0.0},"
        "{\"name\":\"j\",\"type\":\"long\",\"default\":-9223372036854775808},"
        "{\"name\":\"k\",\"type\":\"string\",\"default\":\"tab\\tq\\\"\\u0001\xc3\xa9/\"},"
        "{\"name\":\"l\",\"type\":{\"type\":\"map\",\"values\":\"double\"},\"default\":{\"z\":0.5,\"a\":3}},"
        "{\"name\":\"m\",\"type\":\"boolean\",\"default\":false}]}");
}

static void test_canon_keeps_logical_types_in_input_order(void **state)
{
    (void)state;
    avro_canon_is("{\"scale\":2,\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4}", 0,
                  "{\"type\":\"bytes\",\"scale\":2,\"logicalType\":\"decimal\",\"precision\":4}");
    avro_canon_is(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"ts\",\"type\":"
        "{\"logicalType\":\"timestamp-micros\",\"type\":\"long\"}},{\"name\":\"id\",\"type\":"
        "{\"type\":\"string\",\"logicalType\":\"uuid\"}},{\"name\":\"d\",\"type\":{\"type\":\"fixed\","
        "\"name\":\"Dur\",\"size\":12,\"logicalType\":\"duration\"}}]}",
        0,
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"ts\",\"type\":"
        "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},{\"name\":\"id\",\"type\":"
        "{\"type\":\"string\",\"logicalType\":\"uuid\"}},{\"name\":\"d\",\"type\":{\"type\":\"fixed\","
        "\"name\":\"Dur\",\"size\":12,\"logicalType\":\"duration\"}}]}");
}

static void test_canon_is_stable_when_reparsed(void **state)
{
    (void)state;
    const char *in =
        "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a\",\"fields\":["
        "{\"name\":\"x\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"namespace\":\"\",\"fields\":["
        "{\"name\":\"r\",\"type\":[\"null\",\"a.Outer\"],\"default\":null}]}},"
        "{\"name\":\"y\",\"type\":\"In\",\"doc\":\"d\",\"default\":{\"r\":null}}]}";
    struct compat_schema *s1 = avro_ok(in);
    struct compat_schema *s2 = avro_ok(compat_schema_canonical(s1, NULL));
    assert_string_equal(compat_schema_canonical(s1, NULL), compat_schema_canonical(s2, NULL));
    compat_schema_free(s1);
    compat_schema_free(s2);
}

static void test_normalize_uses_full_names_and_fixed_order(void **state)
{
    (void)state;
    const char *a = "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a\",\"doc\":\"kept\",\"z\":1,"
                    "\"b\":{\"y\":2,\"x\":1},"
                    "\"fields\":["
                    "{\"name\":\"in\",\"doc\":\"d\",\"order\":\"ignore\",\"type\":{\"type\":\"record\","
                    "\"name\":\"In\",\"doc\":\"\","
                    "\"fields\":[{\"name\":\"v\",\"type\":\"int\",\"default\":0}]}},"
                    "{\"name\":\"again\",\"type\":\"In\",\"aliases\":[\"zz\",\"old\"]},"
                    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"aliases\":[\"G\",\"F\"],"
                    "\"symbols\":[\"A\",\"B\"],"
                    "\"default\":\"A\"}},"
                    "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"precision\":9,\"other\":1,"
                    "\"logicalType\":\"decimal\","
                    "\"scale\":2}},"
                    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"fixed\",\"name\":\"b."
                    "H\",\"size\":4}}}]}";
    const char *expected =
        "{\"name\":\"a.Outer\",\"type\":\"record\",\"fields\":["
        "{\"name\":\"in\",\"type\":{\"name\":\"a.In\",\"type\":\"record\",\"fields\":"
        "[{\"name\":\"v\",\"type\":\"int\",\"default\":0}]},\"order\":\"ignore\",\"doc\":\"d\"},"
        "{\"name\":\"again\",\"type\":\"a.In\",\"aliases\":[\"old\",\"zz\"]},"
        "{\"name\":\"e\",\"type\":{\"name\":\"a.E\",\"type\":\"enum\",\"symbols\":[\"A\",\"B\"],"
        "\"aliases\":[\"a.F\",\"a.G\"],\"default\":\"A\"}},"
        "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,"
        "\"scale\":2,\"other\":1}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"name\":\"b.H\",\"type\":\"fixed\","
        "\"size\":4}}}],\"doc\":\"kept\",\"b\":{\"x\":1,\"y\":2},\"z\":1}";
    avro_canon_is(a, COMPAT_PARSE_NORMALIZE, expected);
    /* The same schema spelled differently normalizes to the same text. */
    const char *b =
        "{\"b\":{\"x\":1,\"y\":2},\"z\":1,\"namespace\":\"a\",\"name\":\"Outer\",\"type\":\"record\",\"doc\":"
        "\"kept\","
        "\"fields\":["
        "{\"type\":{\"name\":\"a.In\",\"type\":\"record\",\"fields\":[{\"default\":0,\"name\":\"v\",\"type\":"
        "{\"type\":\"int\"}}]},\"name\":\"in\",\"order\":\"IGNORE\",\"doc\":\"d\"},"
        "{\"name\":\"again\",\"type\":\"a.In\",\"aliases\":[\"old\",\"zz\"]},"
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"a.E\",\"aliases\":[\"a.F\",\"a.G\"],"
        "\"symbols\":"
        "[\"A\",\"B\"],\"default\":\"A\"}},"
        "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"other\":1,"
        "\"precision\":9,"
        "\"scale\":2}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"fixed\",\"name\":\"H\","
        "\"namespace\":\"b\","
        "\"size\":4}}}]}";
    avro_canon_is(b, COMPAT_PARSE_NORMALIZE, expected);
    avro_canon_is("{\"type\":\"string\",\"connect.name\":\"x\",\"avro.java.string\":\"String\"}",
                  COMPAT_PARSE_NORMALIZE,
                  "{\"type\":\"string\",\"avro.java.string\":\"String\",\"connect.name\":\"x\"}");
    avro_canon_is("{\"type\":\"string\"}", COMPAT_PARSE_NORMALIZE, "\"string\"");
    /* A null-namespace type inside a namespaced one keeps "namespace":"" so that its
     * dotless full name does not read back as a.F. */
    avro_canon_is("{\"type\":\"record\",\"name\":\"a.R\",\"fields\":[{\"name\":\"f\",\"type\":"
                  "{\"type\":\"fixed\",\"name\":\"F\",\"namespace\":\"\",\"size\":1}}]}",
                  COMPAT_PARSE_NORMALIZE,
                  "{\"name\":\"a.R\",\"type\":\"record\",\"fields\":[{\"name\":\"f\",\"type\":"
                  "{\"name\":\"F\",\"namespace\":\"\",\"type\":\"fixed\",\"size\":1}}]}");
}

static void test_normalize_converts_defaults_to_the_field_type(void **state)
{
    (void)state;
    avro_canon_is(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"d\",\"type\":\"double\",\"default\":1},"
        "{\"name\":\"f\",\"type\":\"float\",\"default\":12.345678901},"
        "{\"name\":\"l\",\"type\":\"long\",\"default\":4000000000},"
        "{\"name\":\"n\",\"type\":\"float\",\"default\":\"NaN\"},"
        "{\"name\":\"u\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"double\"},\"default\":{\"b\":2,\"a\":1}},"
        "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"y\",\"type\":"
        "\"float\"},{\"name\":\"x\",\"type\":\"int\"}]},\"default\":{\"y\":1,\"x\":2}}]}",
        COMPAT_PARSE_NORMALIZE,
        "{\"name\":\"R\",\"type\":\"record\",\"fields\":["
        "{\"name\":\"d\",\"type\":\"double\",\"default\":1.0},"
        "{\"name\":\"f\",\"type\":\"float\",\"default\":12.345679},"
        "{\"name\":\"l\",\"type\":\"long\",\"default\":4000000000},"
        "{\"name\":\"n\",\"type\":\"float\",\"default\":\"NaN\"},"
        "{\"name\":\"u\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"double\"},\"default\":{\"a\":1.0,\"b\":2.0}}"
        ","
        "{\"name\":\"r\",\"type\":{\"name\":\"S\",\"type\":\"record\",\"fields\":[{\"name\":\"y\",\"type\":"
        "\"float\"},{\"name\":\"x\",\"type\":\"int\"}]},\"default\":{\"x\":2,\"y\":1.0}}]}");
    /* IMPORT (lenient) keeps a default that does not fit; normalizing drops it, as Java's
     * conversion yields null. */
    avro_canon_is("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"i\",\"type\":\"int\","
                  "\"default\":\"x\"}]}",
                  COMPAT_PARSE_NORMALIZE | COMPAT_PARSE_LENIENT,
                  "{\"name\":\"R\",\"type\":\"record\",\"fields\":[{\"name\":\"i\",\"type\":\"int\"}]}");
}

static void test_normalize_keeps_only_valid_logical_types_first(void **state)
{
    (void)state;
    avro_canon_is("{\"type\":\"long\",\"a\":1,\"logicalType\":\"timestamp-millis\"}", COMPAT_PARSE_NORMALIZE,
                  "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\",\"a\":1}");
    /* Not valid on a string: an ordinary prop, sorted with the others. */
    avro_canon_is("{\"type\":\"string\",\"x\":1,\"logicalType\":\"timestamp-millis\"}",
                  COMPAT_PARSE_NORMALIZE,
                  "{\"type\":\"string\",\"logicalType\":\"timestamp-millis\",\"x\":1}");
    avro_canon_is("{\"type\":\"string\",\"a\":1,\"logicalType\":\"timestamp-millis\"}",
                  COMPAT_PARSE_NORMALIZE,
                  "{\"type\":\"string\",\"a\":1,\"logicalType\":\"timestamp-millis\"}");
    /* decimal: precision first; a zero scale is not a logical attribute. */
    avro_canon_is("{\"type\":\"bytes\",\"scale\":0,\"a\":true,\"precision\":5,\"logicalType\":\"decimal\"}",
                  COMPAT_PARSE_NORMALIZE,
                  "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,\"a\":true,\"scale\":0}");
    avro_canon_is(
        "{\"type\":\"fixed\",\"name\":\"D\",\"size\":8,\"a\":0,\"precision\":18,\"logicalType\":\"decimal\"}",
        COMPAT_PARSE_NORMALIZE,
        "{\"name\":\"D\",\"type\":\"fixed\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":18,\"a\":"
        "0}");
    /* 8 bytes hold at most 18 digits: precision 19 makes the logical type invalid. */
    avro_canon_is(
        "{\"type\":\"fixed\",\"name\":\"D\",\"size\":8,\"a\":0,\"precision\":19,\"logicalType\":\"decimal\"}",
        COMPAT_PARSE_NORMALIZE,
        "{\"name\":\"D\",\"type\":\"fixed\",\"size\":8,\"a\":0,\"logicalType\":\"decimal\",\"precision\":"
        "19}");
}

static const char *const addr_ref =
    "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\",\"fields\":"
    "[{\"name\":\"street\",\"type\":\"string\"}]}";

static struct compat_schema *parse_with_ref(const char *text, unsigned flags)
{
    struct compat_ref ref = {"com.acme.Address", SR_SCHEMA_AVRO, addr_ref, strlen(addr_ref)};
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_AVRO, text, strlen(text), &ref, 1, flags, &err);
    if (!s)
        fail_msg("parse failed: %s", err.message);
    return s;
}

static void test_format_resolved_inlines_references_at_first_use(void **state)
{
    (void)state;
    const char *order = "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":["
                        "{\"name\":\"ship\",\"type\":\"Address\"},{\"name\":\"bill\",\"type\":\"Address\"}]}";
    struct compat_schema *s = parse_with_ref(order, 0);
    struct sr_error err = {0};
    size_t len = 0;
    char *resolved = compat_schema_format(s, "resolved", &len, &err);
    assert_non_null(resolved);
    assert_string_equal(
        resolved, "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":["
                  "{\"name\":\"ship\",\"type\":{\"type\":\"record\",\"name\":\"Address\",\"fields\":"
                  "[{\"name\":\"street\",\"type\":\"string\"}]}},{\"name\":\"bill\",\"type\":\"Address\"}]}");
    assert_int_equal(len, strlen(resolved));
    free(resolved);
    /* "default" and unknown formats do not apply: NULL without an error. */
    assert_null(compat_schema_format(s, "default", NULL, &err));
    assert_int_equal(err.code, 0);
    assert_null(compat_schema_format(s, "serialized", NULL, &err));
    assert_int_equal(err.code, 0);
    compat_schema_free(s);

    /* A schema that is only a name of a referenced type. */
    s = parse_with_ref("\"com.acme.Address\"", 0);
    assert_string_equal(compat_schema_canonical(s, NULL), "\"com.acme.Address\"");
    resolved = compat_schema_format(s, "resolved", NULL, &err);
    assert_string_equal(resolved, addr_ref);
    free(resolved);
    compat_schema_free(s);
}

static void test_normalize_keeps_references_by_full_name(void **state)
{
    (void)state;
    struct compat_schema *s =
        parse_with_ref("{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":"
                       "[{\"name\":\"ship\",\"type\":\"Address\"}]}",
                       COMPAT_PARSE_NORMALIZE);
    assert_string_equal(
        compat_schema_canonical(s, NULL),
        "{\"name\":\"com.acme.Order\",\"type\":\"record\",\"fields\":[{\"name\":\"ship\",\"type\":"
        "\"com.acme.Address\"}]}");
    compat_schema_free(s);
}

static void double_is(double d, const char *expected)
{
    struct sr_buf b = SR_BUF_INIT;
    avro_print_double(&b, d);
    assert_string_equal(b.data, expected);
    sr_buf_free(&b);
}

static void test_canon_formats_doubles_like_java(void **state)
{
    (void)state;
    double_is(1.0, "1.0");
    double_is(0.1, "0.1");
    double_is(-2.5, "-2.5");
    double_is(100.0, "100.0");
    double_is(9999999.0, "9999999.0");
    double_is(1e7, "1.0E7");
    double_is(0.001, "0.001");
    double_is(0.0009, "9.0E-4");
    double_is(123.456, "123.456");
    double_is(1e21, "1.0E21");
    double_is(1.7976931348623157e308, "1.7976931348623157E308");
    double_is(0.30000000000000004, "0.30000000000000004");
    double_is(-0.0, "-0.0");
    double_is(4.9e-324, "4.9E-324");
    double_is(1e23, "1.0E23");
    double_is(2e-3, "0.002");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canon_primitive_object_becomes_name),
        cmocka_unit_test(test_canon_ignores_key_order_and_whitespace),
        cmocka_unit_test(test_canon_orders_field_members),
        cmocka_unit_test(test_canon_orders_named_type_members),
        cmocka_unit_test(test_canon_elides_inherited_namespace),
        cmocka_unit_test(test_canon_prints_seen_named_types_by_shortest_name),
        cmocka_unit_test(test_canon_qualifies_names_that_are_type_keywords),
        cmocka_unit_test(test_canon_prints_defaults_as_jackson_does),
        cmocka_unit_test(test_canon_keeps_logical_types_in_input_order),
        cmocka_unit_test(test_canon_is_stable_when_reparsed),
        cmocka_unit_test(test_normalize_uses_full_names_and_fixed_order),
        cmocka_unit_test(test_normalize_converts_defaults_to_the_field_type),
        cmocka_unit_test(test_normalize_keeps_only_valid_logical_types_first),
        cmocka_unit_test(test_format_resolved_inlines_references_at_first_use),
        cmocka_unit_test(test_normalize_keeps_references_by_full_name),
        cmocka_unit_test(test_canon_formats_doubles_like_java),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
