/* SPDX-License-Identifier: Apache-2.0 */
/* test_proto_compat.c — Confluent's Protobuf rules through compat_can_read/compat_check:
 * verbose messages name the kind and the path, transitive levels walk every version, and
 * the forms a schema can take (text, base64 with or without json_name, editions) agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"
#include "proto_internal.h"

static struct compat_schema *parse(const char *text)
{
    struct sr_error err = {0};
    struct compat_schema *s = compat_schema_parse(SR_SCHEMA_PROTOBUF, text, strlen(text), NULL, 0, 0, &err);
    if (!s)
        printf("parse error: %s\n", err.message);
    assert_non_null(s);
    return s;
}

/* Runs can_read(reader, writer) and returns the joined messages (caller frees), or NULL if
 * compatible. */
static char *can_read(const char *reader, const char *writer)
{
    struct compat_schema *r = parse(reader), *w = parse(writer);
    struct compat_result res;
    struct sr_error err = {0};
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), 0);
    char *joined = NULL;
    if (!res.compatible) {
        struct sr_buf b = SR_BUF_INIT;
        for (size_t i = 0; i < res.count; i++) {
            sr_buf_puts(&b, res.messages[i]);
            sr_buf_putc(&b, '\n');
        }
        joined = sr_buf_steal(&b, NULL);
    }
    assert_int_equal(res.compatible, joined == NULL);
    compat_result_free(&res);
    compat_schema_free(r);
    compat_schema_free(w);
    return joined;
}

static void test_scalar_kind_change_names_the_field_path(void **state)
{
    (void)state;
    char *msg = can_read("syntax = \"proto3\";\nmessage Outer { message Inner { string v = 2; } }\n",
                         "syntax = \"proto3\";\nmessage Outer { message Inner { int32 v = 2; } }\n");
    assert_non_null(msg);
    assert_non_null(strstr(msg, "errorType:\"FIELD_SCALAR_KIND_CHANGED\""));
    assert_non_null(strstr(msg, "'#/Outer/Inner/2'"));
    free(msg);
}

static void test_removed_message_and_required_field_are_reported(void **state)
{
    (void)state;
    char *msg = can_read("syntax = \"proto2\";\nmessage A { optional int32 x = 1; }\n",
                         "syntax = \"proto2\";\nmessage A { optional int32 x = 1; required string y = 2; }\n"
                         "message B { optional int32 z = 1; }\n");
    assert_non_null(msg);
    assert_non_null(strstr(msg, "REQUIRED_FIELD_REMOVED"));
    assert_non_null(strstr(msg, "'#/A/2'"));
    assert_non_null(strstr(msg, "MESSAGE_REMOVED"));
    assert_non_null(strstr(msg, "'#/B'"));
    free(msg);
}

static void test_compatible_changes_give_no_message(void **state)
{
    (void)state;
    /* field added/removed/renamed, enum constants changed, message added, int32 -> int64 */
    assert_null(
        can_read("syntax = \"proto3\";\nmessage A { int64 x = 1; string renamed = 3; E e = 4; }\n"
                 "enum E { E0 = 0; E2 = 2; }\nmessage New { }\n",
                 "syntax = \"proto3\";\nmessage A { int32 x = 1; int32 gone = 2; string s = 3; E e = 4; }\n"
                 "enum E { E0 = 0; E1 = 1; }\n"));
}

static void test_imported_type_changes_are_compared_through_the_import(void **state)
{
    (void)state;
    struct compat_ref r1 = {"dep.proto", SR_SCHEMA_PROTOBUF,
                            "syntax = \"proto3\";\npackage d;\nmessage T { int32 a = 1; }\n", 0};
    struct compat_ref r2 = {"dep.proto", SR_SCHEMA_PROTOBUF,
                            "syntax = \"proto3\";\npackage d;\nmessage T { string a = 1; }\n", 0};
    r1.schema_len = strlen(r1.schema);
    r2.schema_len = strlen(r2.schema);
    const char *main_text = "syntax = \"proto3\";\nimport \"dep.proto\";\nmessage M { d.T t = 1; }\n";
    struct sr_error err = {0};
    struct compat_schema *w =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, main_text, strlen(main_text), &r1, 1, 0, &err);
    struct compat_schema *r =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, main_text, strlen(main_text), &r2, 1, 0, &err);
    assert_non_null(w);
    assert_non_null(r);
    /* same text, different import: the canonical texts are equal but the schemas are not compatible */
    assert_string_equal(compat_schema_canonical(w, NULL), compat_schema_canonical(r, NULL));
    struct compat_result res;
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), 0);
    assert_false(res.compatible);
    assert_true(res.count >= 2);
    assert_non_null(strstr(res.messages[0], "'#/T/1'"));
    assert_non_null(strstr(res.messages[res.count - 1], "FIELD_NAMED_TYPE_CHANGED"));
    compat_result_free(&res);
    compat_schema_free(w);
    compat_schema_free(r);
}

/* 16 imported messages that each refer to all of them: a walk per path would never end. */
static char *interlinked(const char *last_type)
{
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_puts(&b, "syntax = \"proto3\";\npackage d;\n");
    for (int i = 0; i < 16; i++) {
        sr_buf_printf(&b, "message T%d {\n", i);
        for (int j = 0; j < 16; j++)
            sr_buf_printf(&b, "  T%d t%d = %d;\n", j, j, j + 1);
        sr_buf_printf(&b, "  %s last = 100;\n}\n", i == 15 ? last_type : "int32");
    }
    return sr_buf_steal(&b, NULL);
}

static void test_interlinked_imports_are_compared_once_per_pair(void **state)
{
    (void)state;
    char *d1 = interlinked("int32"), *d2 = interlinked("string");
    struct compat_ref r1 = {"d.proto", SR_SCHEMA_PROTOBUF, d1, strlen(d1)},
                      r2 = {"d.proto", SR_SCHEMA_PROTOBUF, d2, strlen(d2)};
    const char *main_text =
        "syntax = \"proto3\";\nimport \"d.proto\";\nmessage M { d.T0 a = 1; d.T7 b = 2; }\n";
    struct sr_error err = {0};
    struct compat_schema *w =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, main_text, strlen(main_text), &r1, 1, 0, &err);
    struct compat_schema *same =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, main_text, strlen(main_text), &r1, 1, 0, &err);
    struct compat_schema *r =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, main_text, strlen(main_text), &r2, 1, 0, &err);
    assert_non_null(w);
    assert_non_null(same);
    assert_non_null(r);
    struct compat_result res;
    compat_result_init(&res);
    assert_int_equal(compat_can_read(same, w, &res, &err), 0);
    assert_true(res.compatible);
    compat_result_free(&res);
    compat_result_init(&res);
    assert_int_equal(compat_can_read(r, w, &res, &err), 0);
    assert_false(res.compatible);
    bool found = false;
    for (size_t i = 0; i < res.count; i++)
        found |= strstr(res.messages[i], "'#/T15/100'") != NULL;
    assert_true(found);
    compat_result_free(&res);
    compat_schema_free(w);
    compat_schema_free(same);
    compat_schema_free(r);
    free(d1);
    free(d2);
}

static void test_transitive_levels_check_every_version(void **state)
{
    (void)state;
    struct compat_schema *v1 = parse("syntax = \"proto3\";\nmessage A { int32 x = 1; }\n");
    struct compat_schema *v2 = parse("syntax = \"proto3\";\nmessage A { }\n");
    struct compat_schema *v3 = parse("syntax = \"proto3\";\nmessage A { string x = 1; }\n");
    const struct compat_schema *prev[] = {v1, v2};
    struct compat_result res;
    struct sr_error err = {0};
    compat_result_init(&res);
    assert_int_equal(compat_check(COMPAT_BACKWARD, v3, prev, 2, &res, &err), 0);
    assert_true(res.compatible);
    compat_result_free(&res);
    compat_result_init(&res);
    assert_int_equal(compat_check(COMPAT_BACKWARD_TRANSITIVE, v3, prev, 2, &res, &err), 0);
    assert_false(res.compatible);
    compat_result_free(&res);
    compat_schema_free(v1);
    compat_schema_free(v2);
    compat_schema_free(v3);
}

/* Python's generated classes carry a descriptor without json_name: the same file. */
static void test_binary_form_without_json_name_has_the_text_form_identity(void **state)
{
    (void)state;
    const char *text = "syntax = \"proto3\";\npackage p;\nmessage M { string first_name = 1; repeated int64 "
                       "the_ids = 2; }\n";
    struct proto_pool pool;
    struct sr_error err = {0};
    size_t idx;
    proto_pool_init(&pool, NULL, 0);
    assert_int_equal(proto_pool_load(&pool, "person.proto", text, strlen(text), 0, &idx, &err), 0);
    Google__Protobuf__DescriptorProto *m = pool.files[idx]->message_type[0];
    for (size_t i = 0; i < m->n_field; i++) {
        free(m->field[i]->json_name);
        m->field[i]->json_name = NULL;
    }
    size_t len = protobuf_c_message_get_packed_size(&pool.files[idx]->base);
    uint8_t *bin = malloc(len);
    protobuf_c_message_pack(&pool.files[idx]->base, bin);
    char *b64 = proto_base64_encode(bin, len, NULL);
    free(bin);
    proto_pool_free(&pool);
    struct compat_schema *from_text = parse(text), *from_bin = parse(b64);
    assert_string_equal(compat_schema_canonical(from_text, NULL), compat_schema_canonical(from_bin, NULL));
    free(b64);
    compat_schema_free(from_text);
    compat_schema_free(from_bin);
}

static void test_editions_features_are_kept(void **state)
{
    (void)state;
    struct compat_schema *s = parse("edition = \"2023\";\noption features.field_presence = IMPLICIT;\n"
                                    "message M {\n  string s = 1 [features.field_presence = EXPLICIT];\n"
                                    "  enum E { option features = { enum_type: CLOSED }; A = 0; }\n}\n");
    const char *canon = compat_schema_canonical(s, NULL);
    assert_non_null(strstr(canon, "option features = { field_presence: IMPLICIT };"));
    assert_non_null(strstr(canon, "[features = { field_presence: EXPLICIT }]"));
    assert_non_null(strstr(canon, "option features = { enum_type: CLOSED };"));
    struct compat_schema *again = parse(canon);
    assert_string_equal(canon, compat_schema_canonical(again, NULL));
    /* the binary form keeps them too */
    struct sr_error err = {0};
    char *b64 = compat_schema_format(s, "serialized", NULL, &err);
    struct compat_schema *bin = parse(b64);
    assert_string_equal(canon, compat_schema_canonical(bin, NULL));
    free(b64);
    compat_schema_free(s);
    compat_schema_free(again);
    compat_schema_free(bin);
    /* outside editions there are no features */
    const char *p3 = "syntax = \"proto3\";\noption features.field_presence = IMPLICIT;\n";
    assert_null(compat_schema_parse(SR_SCHEMA_PROTOBUF, p3, strlen(p3), NULL, 0, 0, &err));
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    assert_non_null(strstr(err.message, "2:8: Features are only valid under editions."));
}

static void test_editions_file_is_parsed_and_printed(void **state)
{
    (void)state;
    struct compat_schema *s =
        parse("edition = \"2023\";\npackage e;\nmessage M { string s = 1; repeated int32 r = 2; }\n");
    const char *canon = compat_schema_canonical(s, NULL);
    assert_non_null(strstr(canon, "edition = \"2023\";"));
    struct compat_schema *again = parse(canon);
    assert_string_equal(canon, compat_schema_canonical(again, NULL));
    compat_schema_free(s);
    compat_schema_free(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_kind_change_names_the_field_path),
        cmocka_unit_test(test_removed_message_and_required_field_are_reported),
        cmocka_unit_test(test_compatible_changes_give_no_message),
        cmocka_unit_test(test_imported_type_changes_are_compared_through_the_import),
        cmocka_unit_test(test_interlinked_imports_are_compared_once_per_pair),
        cmocka_unit_test(test_transitive_levels_check_every_version),
        cmocka_unit_test(test_binary_form_without_json_name_has_the_text_form_identity),
        cmocka_unit_test(test_editions_file_is_parsed_and_printed),
        cmocka_unit_test(test_editions_features_are_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
