/* SPDX-License-Identifier: Apache-2.0 */
/* test_proto_parse.c — the .proto parser against protoc as oracle (every .proto of the
 * conformance corpus, the well-known types and our hand-written built-ins give the same
 * FileDescriptorProto as `protoc --descriptor_set_out`), print/re-parse round trips, the
 * binary (base64) form, error positions, and hostile input that must fail cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "compat.h"
#include "proto_internal.h"

static char tmpdir[] = "/tmp/sr-proto-test-XXXXXX";

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *s = path + strlen(dir) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0700);
            *s = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Packs a FileDescriptorProto the way every side of a comparison does. */
static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len + 1);
    protobuf_c_message_pack(m, buf);
    return buf;
}

/* protoc's descriptor of `rel` under include dir `dir` (and /usr/include), repacked by
 * protobuf-c so both sides go through the same encoder. */
static uint8_t *protoc_descriptor(const char *dir, const char *rel, size_t *len)
{
    char out[1100], cmd[4096];
    snprintf(out, sizeof(out), "%s/out.pb", tmpdir);
    snprintf(cmd, sizeof(cmd), "cd '%s' && protoc -I . -I /usr/include --descriptor_set_out='%s' '%s' 2>&1",
             dir, out, rel);
    int rc = system(cmd);
    if (rc != 0)
        return NULL;
    size_t n = 0;
    unsigned char *bin = read_all(out, &n);
    assert_non_null(bin);
    Google__Protobuf__FileDescriptorSet *set = google__protobuf__file_descriptor_set__unpack(NULL, n, bin);
    free(bin);
    assert_non_null(set);
    assert_int_equal(set->n_file, 1);
    uint8_t *res = pack(&set->file[0]->base, len);
    google__protobuf__file_descriptor_set__free_unpacked(set, NULL);
    return res;
}

static void dump_decoded(const char *label, const uint8_t *bin, size_t len)
{
    char path[1100], cmd[4096];
    snprintf(path, sizeof(path), "%s/dump.pb", tmpdir);
    FILE *f = fopen(path, "wb");
    fwrite(bin, 1, len, f);
    fclose(f);
    printf("--- %s\n", label);
    fflush(stdout);
    snprintf(cmd, sizeof(cmd),
             "protoc -I /usr/include --decode=google.protobuf.FileDescriptorProto "
             "google/protobuf/descriptor.proto "
             "< '%s'",
             path);
    if (system(cmd) != 0)
        printf("(protoc --decode failed)\n");
}

static const char *const builtin_names[] = {"confluent/meta.proto", "confluent/type/decimal.proto"};

/* Checks one file: parse with our pool (refs as given) and compare with protoc; then print
 * and re-parse and compare again. Returns 1 on success. */
static int check_file(const char *name, const char *text, const struct compat_ref *refs, size_t nrefs,
                      const char *protoc_dir, const char *protoc_rel)
{
    struct proto_pool pool;
    struct sr_error err = {0};
    size_t idx;
    int ok = 0;
    proto_pool_init(&pool, refs, nrefs);
    if (proto_pool_load(&pool, name, text, strlen(text), 0, &idx, &err)) {
        printf("FAIL %s: our parser: %s\n", name, err.message);
        proto_pool_free(&pool);
        return 0;
    }
    size_t olen, plen;
    uint8_t *ours = pack(&pool.files[idx]->base, &olen);
    uint8_t *theirs = protoc_descriptor(protoc_dir, protoc_rel, &plen);
    if (!theirs) {
        printf("FAIL %s: protoc rejected it\n", name);
        goto out;
    }
    if (olen != plen || memcmp(ours, theirs, olen) != 0) {
        printf("FAIL %s: descriptor differs from protoc's\n", name);
        dump_decoded("ours", ours, olen);
        dump_decoded("protoc", theirs, plen);
        goto out;
    }
    /* print, re-parse: the same descriptor; print again: the same text */
    struct sr_buf canon = SR_BUF_INIT, canon2 = SR_BUF_INIT;
    proto_print(&pool, idx, false, &canon);
    struct proto_pool pool2;
    proto_pool_init(&pool2, refs, nrefs);
    size_t idx2;
    if (proto_pool_load(&pool2, name, canon.data, canon.len, 0, &idx2, &err)) {
        printf("FAIL %s: re-parse of printed text: %s\n%s\n", name, err.message, canon.data);
    } else {
        size_t rlen;
        uint8_t *again = pack(&pool2.files[idx2]->base, &rlen);
        proto_print(&pool2, idx2, false, &canon2);
        if (rlen != olen || memcmp(again, ours, olen) != 0) {
            printf("FAIL %s: printed text re-parses to another descriptor\n%s\n", name, canon.data);
            dump_decoded("re-parsed", again, rlen);
            dump_decoded("original", ours, olen);
        } else if (strcmp(canon.data, canon2.data) != 0) {
            printf("FAIL %s: printing is not stable\n", name);
        } else {
            ok = 1;
        }
        free(again);
    }
    sr_buf_free(&canon);
    sr_buf_free(&canon2);
    proto_pool_free(&pool2);
out:
    free(ours);
    free(theirs);
    proto_pool_free(&pool);
    return ok;
}

/* One corpus schema with its references, each in its own directory for protoc. */
static int check_corpus_schema(const char *text, const json_t *refs_json, int n)
{
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/c%d", tmpdir, n);
    mkdir(dir, 0700);
    size_t nrefs = json_is_array(refs_json) ? json_array_size(refs_json) : 0;
    struct compat_ref *refs = calloc(nrefs + 1, sizeof(*refs));
    for (size_t i = 0; i < nrefs; i++) {
        const json_t *r = json_array_get(refs_json, i);
        refs[i].name = json_string_value(json_object_get(r, "name"));
        refs[i].schema = json_string_value(json_object_get(r, "schema"));
        refs[i].schema_len = strlen(refs[i].schema);
        refs[i].type = SR_SCHEMA_PROTOBUF;
        write_file(dir, refs[i].name, refs[i].schema);
    }
    /* the Confluent built-ins are not on protoc's path: give it ours */
    for (size_t i = 0; i < sizeof(builtin_names) / sizeof(builtin_names[0]); i++)
        write_file(dir, builtin_names[i], proto_builtin_find(builtin_names[i])->text);
    write_file(dir, "main.proto", text);
    int ok = check_file("main.proto", text, refs, nrefs, dir, "main.proto");
    free(refs);
    return ok;
}

static void test_corpus_files_match_protoc_and_round_trip(void **state)
{
    (void)state;
    FILE *f = fopen("data/conformance/protobuf.jsonl", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    json_t *seen = json_object();
    int checked = 0, passed = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *c = json_loads(line, 0, NULL);
        assert_non_null(c);
        const json_t *prev = json_object_get(c, "previous"),
                     *prefs = json_object_get(c, "previousReferences");
        for (size_t i = 0; i <= json_array_size(prev); i++) {
            const char *text = i < json_array_size(prev) ? json_string_value(json_array_get(prev, i))
                                                         : json_string_value(json_object_get(c, "new"));
            const json_t *refs =
                i < json_array_size(prev) ? json_array_get(prefs, i) : json_object_get(c, "references");
            /* the same text with the same references is checked once */
            char *key = json_dumps(refs ? refs : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
            size_t klen = strlen(key) + strlen(text) + 2;
            char *k = malloc(klen);
            snprintf(k, klen, "%s\n%s", key, text);
            free(key);
            if (!json_object_get(seen, k)) {
                json_object_set_new(seen, k, json_true());
                passed += check_corpus_schema(text, refs, checked);
                checked++;
            }
            free(k);
        }
        json_decref(c);
    }
    free(line);
    fclose(f);
    json_decref(seen);
    printf("protoc oracle, corpus: %d/%d distinct schemas equal and round-trip\n", passed, checked);
    assert_true(checked >= 70);
    assert_int_equal(passed, checked);
}

static void test_builtin_files_match_protoc_and_round_trip(void **state)
{
    (void)state;
    int checked = 0, passed = 0;
    size_t n;
    const struct proto_builtin *gen = proto_builtin_generated(&n);
    for (size_t i = 0; i < n; i++, checked++)
        passed += check_file(gen[i].path, gen[i].text, NULL, 0, "/usr/include", gen[i].path);
    const struct proto_builtin *hand = proto_builtin_handwritten(&n);
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/builtin", tmpdir);
    mkdir(dir, 0700);
    for (size_t i = 0; i < n; i++)
        write_file(dir, hand[i].path, hand[i].text);
    for (size_t i = 0; i < n; i++, checked++)
        passed += check_file(hand[i].path, hand[i].text, NULL, 0, dir, hand[i].path);
    printf("protoc oracle, built-ins: %d/%d equal and round-trip\n", passed, checked);
    assert_int_equal(checked, 11 + 20);
    assert_int_equal(passed, checked);
}

/* A file exercising what the corpus does not: proto2 groups, defaults, extensions,
 * extension ranges, reserved, services with streaming, options of every kind, maps,
 * oneofs, proto3-style nesting, enums with aliases, weak and public imports. */
static const char kitchen_sink[] =
    "syntax = \"proto2\";\n"
    "package ks.v1;\n"
    "import public \"dep.proto\";\n"
    "import \"google/protobuf/descriptor.proto\";\n"
    "option java_package = \"com.example.ks\";\n"
    "option optimize_for = CODE_SIZE;\n"
    "option (file_opt) = 42;\n"
    "extend google.protobuf.FileOptions { optional int32 file_opt = 50001; }\n"
    "extend google.protobuf.FieldOptions { optional Ext field_ext = 50002; repeated string tags = 50003; }\n"
    "extend google.protobuf.MessageOptions { optional double ratio = 50004; optional Color color = 50005; }\n"
    "message Ext { optional string doc = 1; repeated int32 nums = 2; optional Ext inner = 3;\n"
    "  map<string, int64> params = 4; }\n"
    "enum Color { option allow_alias = true; RED = 0; CRIMSON = 0 [deprecated = true]; BLUE = -3;\n"
    "  reserved 10 to 20, 30, 40 to max; reserved \"GREEN\"; }\n"
    "message Outer {\n"
    "  option (ratio) = -1.5e3;\n"
    "  option (color) = BLUE;\n"
    "  option deprecated = true;\n"
    "  required int32 id = 1 [default = -7, json_name = \"ID\"];\n"
    "  optional string name = 2 [default = \"a\\\"b\\n\\x41\"];\n"
    "  optional bytes raw = 3 [default = \"\\001\\377z\"];\n"
    "  optional double d = 4 [default = inf];\n"
    "  optional float fl = 5 [default = 0.1];\n"
    "  optional Color c = 6 [default = CRIMSON];\n"
    "  repeated int32 packed_nums = 7 [packed = true, (field_ext) = { doc: 'x' nums: [1, 2] inner { doc: "
    "\"y\" }\n"
    "     params { key: \"k\" value: 9 } }];\n"
    "  optional uint64 big = 8 [default = 0xFFFFFFFFFFFFFFFF, (field_ext).doc = \"sub\", (tags) = \"a\", "
    "(tags) = \"b\"];\n"
    "  map<int32, Inner> by_id = 9;\n"
    "  message Inner { optional sint64 s = 1; }\n"
    "  repeated group Item = 10 { optional string v = 11; }\n"
    "  oneof choice { string a = 12; Inner b = 13; group G = 14 { optional int32 x = 15; } }\n"
    "  map<string, string> labels = 16;\n"
    "  optional .ks.dep.Shared shared = 17;\n"
    "  extensions 100 to 199, 300;\n"
    "  extensions 1000 to max;\n"
    "  reserved 50, 60 to 70;\n"
    "  reserved \"old\", \"older\";\n"
    "  extend Outer { optional int32 nested_ext = 150; }\n"
    "  enum Kind { KIND_UNKNOWN = 1; }\n"
    "}\n"
    "extend Outer { optional string top_ext = 160; repeated group Grp = 170 { optional int32 q = 1; } }\n"
    "service Svc {\n"
    "  option deprecated = true;\n"
    "  rpc Unary (Outer) returns (Outer.Inner);\n"
    "  rpc Stream (stream .ks.v1.Outer) returns (stream Ext) { option idempotency_level = NO_SIDE_EFFECTS; "
    "}\n"
    "}\n";

static const char kitchen_dep[] = "syntax = \"proto3\";\npackage ks.dep;\nmessage Shared {\n"
                                  "  optional int32 maybe = 1;\n  repeated fixed32 f = 2;\n"
                                  "  oneof o { string s = 3; }\n  optional string _under = 4;\n}\n";

static void test_kitchen_sink_matches_protoc_and_round_trips(void **state)
{
    (void)state;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/ks", tmpdir);
    mkdir(dir, 0700);
    write_file(dir, "dep.proto", kitchen_dep);
    write_file(dir, "ks.proto", kitchen_sink);
    struct compat_ref refs[] = {{"dep.proto", SR_SCHEMA_PROTOBUF, kitchen_dep, sizeof(kitchen_dep) - 1}};
    assert_int_equal(check_file("dep.proto", kitchen_dep, NULL, 0, dir, "dep.proto"), 1);
    assert_int_equal(check_file("ks.proto", kitchen_sink, refs, 1, dir, "ks.proto"), 1);
}

static struct compat_schema *parse_proto(const char *text, const struct compat_ref *refs, size_t nrefs,
                                         struct sr_error *err)
{
    return compat_schema_parse(SR_SCHEMA_PROTOBUF, text, strlen(text), refs, nrefs, COMPAT_PARSE_DEFAULT,
                               err);
}

static void test_serialized_form_round_trips_to_the_same_canonical_text(void **state)
{
    (void)state;
    const char *text =
        "syntax = \"proto3\";\npackage a.b;\nimport \"google/protobuf/timestamp.proto\";\n"
        "// comment\nmessage M { google.protobuf.Timestamp at = 1; map<string, N> m = 2;\n"
        "  message N { repeated int32 x = 1; } optional string s = 3; oneof o { int32 i = 4; } }\n";
    struct sr_error err = {0};
    struct compat_schema *s = parse_proto(text, NULL, 0, &err);
    assert_non_null(s);
    size_t len;
    char *b64 = compat_schema_format(s, "serialized", &len, &err);
    assert_non_null(b64);
    assert_int_equal(strlen(b64), len);
    struct compat_schema *s2 = parse_proto(b64, NULL, 0, &err);
    assert_non_null(s2);
    assert_string_equal(compat_schema_canonical(s, NULL), compat_schema_canonical(s2, NULL));
    /* whitespace and comments do not change the canonical text */
    struct compat_schema *s3 =
        parse_proto("syntax=\"proto3\";package a.b;import \"google/protobuf/timestamp.proto\";"
                    "message M{google.protobuf.Timestamp at=1;map<string,N> m=2;"
                    "message N{repeated int32 x=1;}optional string s=3;oneof o{int32 i=4;}}",
                    NULL, 0, &err);
    assert_non_null(s3);
    assert_string_equal(compat_schema_canonical(s, NULL), compat_schema_canonical(s3, NULL));
    /* formats that do not apply give NULL without an error */
    assert_null(compat_schema_format(s, "default", NULL, &err));
    assert_int_equal(err.code, 0);
    free(b64);
    compat_schema_free(s);
    compat_schema_free(s2);
    compat_schema_free(s3);
}

static void test_normalized_text_sorts_imports_and_fields(void **state)
{
    (void)state;
    const char *a = "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\n"
                    "import \"google/protobuf/duration.proto\";\n"
                    "message M { int32 b = 2; google.protobuf.Duration d = 3; int32 a = 1; "
                    "google.protobuf.Timestamp t = 4; enum E { Z = 0; Y = 2; X = 1; } reserved 9, 5 to 6; "
                    "reserved \"q\", \"p\"; }\n";
    const char *b = "syntax = \"proto3\";\nimport \"google/protobuf/duration.proto\";\n"
                    "import \"google/protobuf/timestamp.proto\";\n"
                    "message M { int32 a = 1; int32 b = 2; google.protobuf.Duration d = 3; "
                    "google.protobuf.Timestamp t = 4; enum E { Z = 0; X = 1; Y = 2; } reserved 5 to 6, 9; "
                    "reserved \"p\", \"q\"; }\n";
    struct sr_error err = {0};
    struct compat_schema *sa =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, a, strlen(a), NULL, 0, COMPAT_PARSE_NORMALIZE, &err);
    struct compat_schema *sb =
        compat_schema_parse(SR_SCHEMA_PROTOBUF, b, strlen(b), NULL, 0, COMPAT_PARSE_NORMALIZE, &err);
    struct compat_schema *ra = parse_proto(a, NULL, 0, &err);
    assert_non_null(sa);
    assert_non_null(sb);
    assert_non_null(ra);
    assert_string_equal(compat_schema_canonical(sa, NULL), compat_schema_canonical(sb, NULL));
    assert_string_not_equal(compat_schema_canonical(ra, NULL), compat_schema_canonical(sa, NULL));
    compat_schema_free(sa);
    compat_schema_free(sb);
    compat_schema_free(ra);
}

struct err_case {
    const char *text;
    const char *prefix; /* expected start of the message: "line:col: ..." */
};

static void test_errors_report_line_and_column(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"syntax = \"proto3\";\nmessage A {\n  string a = 1\n}\n", "4:1: Expected \";\"."},
        {"syntax = \"proto4\";\n", "1:10: Unrecognized syntax identifier \"proto4\"."},
        {"syntax = \"proto3\";\nmessage A {\n  Foo a = 1;\n}\n", "3:3: \"Foo\" is not defined."},
        {"syntax = \"proto3\";\n/* never closed\nmessage A {}\n", "2:1: End-of-file inside block comment."},
        {"syntax = \"proto2\";\nmessage A {\n  int32 a = 1;\n}\n",
         "3:3: Expected \"required\", \"optional\", or \"repeated\"."},
        {"syntax = \"proto3\";\nmessage A {\n  string s = 1;\n  int32 t = 0;\n}\n",
         "4:13: Integer out of range."},
        {"syntax = \"proto3\";\nmessage A {\n  string s = 1 [(nope) = 1];\n}\n",
         "3:17: Option \"(nope)\" unknown."},
        {"syntax = \"proto3\";\nmessage A {\n  string s = \"x\";\n}\n", "3:14: Expected field number."},
        {"syntax = \"proto3\";\nenum E { A = 1; }\n", "2:17: The first enum value must be zero in proto3."},
        {"syntax = \"proto3\";\nmessage A {\n  string s = 1;\n}\nsyntax = \"proto3\";\n",
         "5:1: Syntax must be the first statement of the file."},
        {"syntax = \"proto3\";\nmessage A { string s = 1; }\nmessage A { string s = 1; }\n",
         "\"A\" is already defined in file \"default\"."},
        {"syntax = \"proto3\";\nmessage A { string s = 1; int32 t = 1; }\n",
         "Field number 1 has already been used in \"A\" by field \"s\"."},
        {"syntax = \"proto3\";\nmessage A { string s = 1 [(confluent.field_meta) = { nope: 1 }]; }\n"
         "import \"confluent/meta.proto\";\n",
         "2:54: Message type \"Meta\" has no field named \"nope\"."},
        {"syntax = \"proto3\";\nmessage A { map<float, string> m = 1; }\n",
         "2:13: Key in map fields cannot be float/double, bytes or message types."},
        {"syntax = \"proto3\";\nimport \"missing/file.proto\";\n",
         "2:8: Import \"missing/file.proto\" was not found"},
        {"syntax = \"proto2\";\nenum E { A = 0; }\nmessage M { optional E e = 1 [default = B]; }\n",
         "Enum type \"E\" has no value named \"B\"."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sr_error err = {0};
        struct compat_schema *s = parse_proto(cases[i].text, NULL, 0, &err);
        if (s || strncmp(err.message, cases[i].prefix, strlen(cases[i].prefix)) != 0)
            printf("case %zu: got \"%s\"\n", i, s ? "(parsed)" : err.message);
        assert_null(s);
        assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
        assert_memory_equal(err.message, cases[i].prefix, strlen(cases[i].prefix));
    }
}

static char *b64_of(const ProtobufCMessage *m)
{
    size_t len;
    uint8_t *bin = pack(m, &len);
    char *b64 = proto_base64_encode(bin, len, NULL);
    free(bin);
    return b64;
}

static void expect_invalid(const char *text, const struct compat_ref *refs, size_t nrefs, const char *needle)
{
    struct sr_error err = {0};
    struct compat_schema *s = parse_proto(text, refs, nrefs, &err);
    if (s || !strstr(err.message, needle))
        printf("expected an error with \"%s\", got \"%s\"\n", needle, s ? "(parsed)" : err.message);
    assert_null(s);
    assert_int_equal(err.code, SR_ERR_INVALID_SCHEMA);
    assert_non_null(strstr(err.message, needle));
}

static void test_bad_binary_descriptors_are_rejected(void **state)
{
    (void)state;
    struct sr_error err = {0};
    struct compat_schema *good = parse_proto(
        "syntax = \"proto3\";\npackage p;\nmessage M { string s = 1; M next = 2; }\n", NULL, 0, &err);
    assert_non_null(good);
    char *b64 = compat_schema_format(good, "serialized", NULL, &err);
    assert_non_null(b64);
    /* truncated: drop the last quarter, keeping valid base64 */
    size_t cut = strlen(b64) / 4 * 3 / 4 * 4;
    b64[cut] = '\0';
    expect_invalid(b64, NULL, 0, "FileDescriptorProto");
    free(b64);
    compat_schema_free(good);
    /* garbage that is valid base64 but not a descriptor */
    expect_invalid("////////////AAAA", NULL, 0, "FileDescriptorProto");
    /* a field numbered 0 (found by fuzzing): protobuf-c would keep it but could not write
     * the descriptor back */
    expect_invalid("ggAA", NULL, 0, "FileDescriptorProto");
    /* a message-typed field whose type name went into the extendee (found by fuzzing) */
    expect_invalid(
        "CgdkZWZhdWx0IokBCgtUZXN0TWVzc2FnZRIfCgt0ZXN0X3N0cmluZxgBIAEoCVIKdGVzdFN0cmluZxIuCgh0ZXN0X2lu"
        "dBgCIAEoCxITLlRlc3RNZXNzYWdlLlN0YXR1c1IHdGVzdEludBopCgZTdGF0dXMSHwoLdGVzdF9zdHJpbmcYASABKAlSCnRl"
        "c3RTdHJpbmcqIgoGU3RhdHVzEgoKBkFDVElWRRAAEgwKCElOQUNUSVZFEAFiBnByb3RvMw==",
        NULL, 0, "has no type name");
    /* base64-looking text that is not base64 */
    expect_invalid("abc=def", NULL, 0, "base64");

    /* a dangling type name */
    Google__Protobuf__FileDescriptorProto fdp = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_PROTO__INIT;
    Google__Protobuf__DescriptorProto msg = GOOGLE__PROTOBUF__DESCRIPTOR_PROTO__INIT;
    Google__Protobuf__FieldDescriptorProto field = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT;
    Google__Protobuf__DescriptorProto *msgs[] = {&msg};
    Google__Protobuf__FieldDescriptorProto *fields[] = {&field};
    fdp.name = "x.proto";
    fdp.syntax = "proto3";
    fdp.n_message_type = 1;
    fdp.message_type = msgs;
    msg.name = "M";
    msg.n_field = 1;
    msg.field = fields;
    field.name = "f";
    field.has_number = 1;
    field.number = 1;
    field.has_label = 1;
    field.label = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL;
    field.type_name = ".nowhere.Missing";
    b64 = b64_of(&fdp.base);
    expect_invalid(b64, NULL, 0, "\".nowhere.Missing\" is not defined.");
    free(b64);
    /* an unknown import in binary form */
    char *deps[] = {"not/there.proto"};
    field.type_name = NULL;
    field.has_type = 1;
    field.type = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING;
    fdp.n_dependency = 1;
    fdp.dependency = deps;
    b64 = b64_of(&fdp.base);
    expect_invalid(b64, NULL, 0, "Import \"not/there.proto\" was not found");
    free(b64);
    /* a proto3 enum without values has no .proto text that protoc or we would accept */
    Google__Protobuf__EnumDescriptorProto en = GOOGLE__PROTOBUF__ENUM_DESCRIPTOR_PROTO__INIT;
    Google__Protobuf__EnumDescriptorProto *enums[] = {&en};
    en.name = "Empty";
    fdp.n_dependency = 0;
    fdp.n_enum_type = 1;
    fdp.enum_type = enums;
    b64 = b64_of(&fdp.base);
    expect_invalid(b64, NULL, 0, "does not parse");
    free(b64);
}

static void test_cyclic_imports_are_rejected(void **state)
{
    (void)state;
    struct compat_ref refs[] = {
        {"a.proto", SR_SCHEMA_PROTOBUF, "syntax = \"proto3\";\nimport \"b.proto\";\n", 36},
        {"b.proto", SR_SCHEMA_PROTOBUF, "syntax = \"proto3\";\nimport \"a.proto\";\n", 36},
    };
    expect_invalid("syntax = \"proto3\";\nimport \"a.proto\";\nmessage M { string s = 1; }\n", refs, 2,
                   "recursively imports");
}

static void test_deep_nesting_fails_cleanly(void **state)
{
    (void)state;
    enum { DEPTH = 10000 };
    /* text: 10,000 nested messages */
    struct sr_buf b = SR_BUF_INIT;
    sr_buf_puts(&b, "syntax = \"proto3\";\n");
    for (int i = 0; i < DEPTH; i++)
        sr_buf_printf(&b, "message M%d {\n", i);
    for (int i = 0; i < DEPTH; i++)
        sr_buf_puts(&b, "}\n");
    expect_invalid(b.data, NULL, 0, "nested too deeply");
    sr_buf_free(&b);
    /* text: a 10,000-deep aggregate option value */
    sr_buf_puts(&b,
                "syntax = \"proto3\";\nimport \"confluent/meta.proto\";\noption (confluent.file_meta) = ");
    for (int i = 0; i < DEPTH; i++)
        sr_buf_puts(&b, "{ a ");
    for (int i = 0; i < DEPTH; i++)
        sr_buf_puts(&b, "}");
    sr_buf_puts(&b, ";\n");
    expect_invalid(b.data, NULL, 0, "nested too deeply");
    sr_buf_free(&b);
    /* binary: a FileDescriptorProto whose message has 10,000 nested types, built from
     * the inside out: DescriptorProto{name=1, nested_type=3}, FileDescriptorProto{message_type=4} */
    size_t cap = 16 * DEPTH + 64, len = 0;
    uint8_t *buf = malloc(cap), *tmp = malloc(cap);
    buf[len++] = 0x0A;
    buf[len++] = 1;
    buf[len++] = 'N';
    for (int i = 0; i <= DEPTH; i++) {
        size_t n = 0;
        if (i < DEPTH) {
            tmp[n++] = 0x0A;
            tmp[n++] = 1;
            tmp[n++] = 'N';
        }
        tmp[n++] = (uint8_t)(i < DEPTH ? 0x1A : 0x22);
        size_t l = len;
        do {
            tmp[n++] = (uint8_t)((l & 0x7F) | (l > 0x7F ? 0x80 : 0));
            l >>= 7;
        } while (l);
        memcpy(tmp + n, buf, len);
        n += len;
        memcpy(buf, tmp, n);
        len = n;
    }
    char *b64 = proto_base64_encode(buf, len, NULL);
    expect_invalid(b64, NULL, 0, "nested too deeply");
    free(b64);
    free(buf);
    free(tmp);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_files_match_protoc_and_round_trip),
        cmocka_unit_test(test_builtin_files_match_protoc_and_round_trip),
        cmocka_unit_test(test_kitchen_sink_matches_protoc_and_round_trips),
        cmocka_unit_test(test_serialized_form_round_trips_to_the_same_canonical_text),
        cmocka_unit_test(test_normalized_text_sorts_imports_and_fields),
        cmocka_unit_test(test_errors_report_line_and_column),
        cmocka_unit_test(test_bad_binary_descriptors_are_rejected),
        cmocka_unit_test(test_cyclic_imports_are_rejected),
        cmocka_unit_test(test_deep_nesting_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
