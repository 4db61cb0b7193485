# SPDX-License-Identifier: Apache-2.0
"""test_bad_input — hostile and broken requests. Each must get the spec's error (never a
5xx, never a crash) and the server must keep serving afterwards (alive_check)."""

import json
import socket

from srtest import (avro_record, check, eq, expect_error, expect_status, parse_raw_response, test, V1)

REC = avro_record("R", [{"name": "a", "type": "string"}])


def client_error(r, what):
    """Any 4xx whose body is a Confluent error consistent with the status."""
    check(400 <= r.status < 500, "%s: expected a 4xx, got %r" % (what, r))
    code = r.error_code()
    check(isinstance(code, int), "%s: error body without int error_code: %r" % (what, r))
    check(code == r.status or code // 100 == r.status, "%s: error_code %r vs status %d" % (what, code, r.status))


def raw_status(s, data, what, shutdown_write=False):
    buf = s.raw(data, read_timeout=20, shutdown_write=shutdown_write)
    status, _, _ = parse_raw_response(buf)
    if status is not None:
        check(status < 500 or status == 501 or status == 505,
              "%s: server error status %d (%r)" % (what, status, buf[:200]))
    return status


@test
def test_malformed_json_is_400(s):
    for body in (b'{"schema":', b'{"schema": "x",}', b"{'schema': 'x'}", b"not json",
                 b'\x00\x01\x02', b'[', b'{"schema": "\\q"}'):
        expect_error(s.request("POST", "/subjects/m/versions", body), 400)
    expect_error(s.request("PUT", "/config", b'{"compatibility":'), 400)
    expect_error(s.request("PUT", "/mode", b'{"mode"'), 400)
    expect_error(s.request("POST", "/compatibility/subjects/m/versions/latest", b'{"schema"'), 400)
    expect_error(s.request("POST", "/subjects/m", b"{"), 400)
    s.alive_check()


@test
def test_body_of_wrong_json_shape_is_400(s):
    for body in (b"[]", b"[1,2]", b'"just a string"', b"42", b"true"):
        expect_error(s.request("POST", "/subjects/m/versions", body), 400)
    s.alive_check()


@test
def test_null_or_missing_body_is_422(s):
    expect_error(s.request("POST", "/subjects/m/versions", b"null"), 422)
    expect_error(s.request("POST", "/subjects/m/versions", b""), 422)
    expect_error(s.request("POST", "/subjects/m/versions", None), 422)
    expect_error(s.request("PUT", "/mode", b"null"), 422)
    s.alive_check()


@test
def test_wrong_field_types_are_400(s):
    for body in ({"schema": 1.5e300, "references": {"a": 1}}, {"schema": REC, "references": [1, 2]},
                 {"schema": ["x"]}, {"schema": REC, "metadata": "m"}, {"schema": REC, "version": []}):
        expect_error(s.post("/subjects/w/versions", body), 400)
    s.alive_check()


@test
def test_invalid_avro_gets_42201_and_server_lives(s):
    for bad in ('{"type":"record","name":"R","fields":"nope"}', '{"type":"map"}',
                '{"type":"record","name":"1bad","fields":[]}', '{"type":"enum","name":"E","symbols":["A","A"]}',
                '{"type":"fixed","name":"F","size":-1}', '{"type":"record","name":"R","fields":[{"name":"a",'
                '"type":"R2"}]}', '{}', '""', 'null',
                '{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"nope"}}]}'):
        expect_error(s.register("inv", bad, expect=None), 42201)
    s.alive_check()


@test
def test_unknown_schema_type_is_42201(s):
    for t in ("XML", "", "protobuf", "json", "THRIFT"):
        expect_error(s.register("ut", REC, expect=None, schemaType=t), 42201)
    s.alive_check()


@test(server_args=("--max-body-bytes", "33554432", "--max-schema-bytes", "16777216"))
def test_deeply_nested_arrays_schema_is_rejected_not_crashing(s):
    n = 100000
    nested = '{"type":"array","items":' * n + '"string"' + "}" * n
    expect_error(s.register("deep", nested, expect=None), 42201)
    expect_error(s.post("/compatibility/subjects/deep/versions/latest", {"schema": nested}), 42201)
    s.register("deep-existing", REC)
    expect_error(s.post("/subjects/deep-existing", {"schema": nested}), 42201)
    plain = "[" * n + "]" * n
    expect_error(s.register("deep", plain, expect=None), 42201)
    s.alive_check()


@test(server_args=("--max-body-bytes", "33554432"))
def test_deeply_nested_json_body_is_400(s):
    n = 100000
    body = ('{"schema":"x","extra":' + "[" * n + "]" * n + "}").encode()
    expect_error(s.request("POST", "/subjects/deep/versions", body), 400)
    body = ('{"compatibility":' + '{"a":' * n + "1" + "}" * n + "}").encode()
    r = s.request("PUT", "/config", body)
    client_error(r, "deep object in config body")
    s.alive_check()


@test(server_args=("--max-body-bytes", "33554432", "--max-schema-bytes", "16777216"))
def test_deep_but_legal_nesting_of_records(s):
    # 300 nested records exceed COMPAT_MAX_DEPTH (256): rejected cleanly, not by stack overflow
    depth = 300
    sch = '"int"'
    for i in range(depth):
        sch = '{"type":"record","name":"N%d","fields":[{"name":"f","type":%s}]}' % (i, sch)
    r = s.register("deeprec", sch, expect=None)
    check(r.status in (200, 422), "deep records: %r" % r)
    if r.status == 422:
        eq(r.error_code(), 42201, "error code")
    # a modest depth is fine
    sch = '"int"'
    for i in range(20):
        sch = '{"type":"record","name":"M%d","fields":[{"name":"f","type":%s}]}' % (i, sch)
    expect_status(s.register("shallow", sch, expect=None), 200)
    s.alive_check()


@test(server_args=("--max-body-bytes", "8388608", "--max-schema-bytes", "1048576"))
def test_huge_schema_is_42209_and_huge_body_413(s):
    big = avro_record("R", [{"name": "f%d" % i, "type": "string"} for i in range(40000)])
    check(len(big) > 1048576, "test schema must exceed the limit")
    expect_error(s.register("huge", big, expect=None), 42209)
    # a body above --max-body-bytes, announced by Content-Length (sent raw: the server may answer
    # and close before reading a body this size)
    buf = s.raw(b"POST /subjects/huge/versions HTTP/1.1\r\nHost: x\r\nContent-Type: " + V1.encode()
                + b"\r\nContent-Length: 9000000\r\n\r\n", read_timeout=20)
    eq(parse_raw_response(buf)[0], 413, "status for a 9 MB body (response %r)" % buf[:200])
    s.alive_check()


@test
def test_many_fields_schema_within_limits(s):
    sch = avro_record("Wide", [{"name": "f%d" % i, "type": ["null", "string"], "default": None}
                               for i in range(2000)])
    r = s.register("wide", sch, expect=None)
    check(r.status in (200, 413, 422), "wide schema: %r" % r)
    if r.status == 422:
        eq(r.error_code(), 42209, "only a size limit may refuse it")
    s.alive_check()


@test
def test_invalid_utf8_in_body(s):
    body = b'{"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"\xff\xfe\\",\\"fields\\":[]}"}'
    r = s.request("POST", "/subjects/u/versions", body)
    check(r.status in (400, 422), "invalid UTF-8 in body: %r" % r)
    client_error(r, "invalid UTF-8 in body")
    r = s.request("POST", "/subjects/u/versions", b'{"schema":"\xc3\x28"}')
    client_error(r, "invalid 2-byte sequence")
    r = s.request("PUT", "/config", b'{"compatibility":"\xed\xa0\x80"}')
    client_error(r, "surrogate in UTF-8")
    s.alive_check()


@test
def test_invalid_utf8_in_path(s):
    for path in ("/subjects/%FF%FE/versions", "/subjects/%C3%28/versions/1", "/subjects/%ED%A0%80",
                 "/schemas/ids/%FF"):
        r = s.get(path)
        client_error(r, "GET %s" % path)
    r = s.register("x", REC, expect=None, path_subject="%FF%FE")
    client_error(r, "register under invalid UTF-8 subject")
    # raw non-ASCII bytes in the request line, not percent-encoded
    status = raw_status(s, b"GET /subjects/\xff\xfe/versions HTTP/1.1\r\nHost: x\r\n\r\n", "raw 0xff in path")
    check(status is None or 400 <= status < 500, "raw bytes in path: %r" % status)
    s.alive_check()


@test
def test_bad_percent_encoding_and_control_chars(s):
    for path in ("/subjects/%/versions", "/subjects/%G1/versions", "/subjects/abc%2/versions",
                 "/subjects/%00/versions", "/subjects/a%0Db/versions"):
        r = s.get(path)
        client_error(r, "GET %s" % path)
    expect_error(s.register("nul\x00byte", REC, expect=None), 42208)
    s.alive_check()


@test
def test_unknown_routes_and_methods(s):
    for path in ("/", "/subjects", "/schemas/ids/1", "/config", "/mode"):
        r = s.request("PATCH", path, {})
        check(r.status in (404, 405), "PATCH %s: %r" % (path, r))
        client_error(r, "PATCH %s" % path)
    for path in ("/x", "/subjects/a/b/c/d/e/f", "/..", "/subjects/../config", "/" + "a/" * 500):
        client_error(s.get(path), "GET %s" % path)
    status = raw_status(s, b"BREW /subjects HTTP/1.1\r\nHost: x\r\n\r\n", "unknown method BREW")
    check(status is None or 400 <= status < 600, "BREW: %r" % status)
    s.alive_check()


@test
def test_garbage_bytes_and_truncated_requests(s):
    junk = [b"\x00\x01\x02\x03garbage\r\n\r\n", b"\r\n\r\n\r\n", b"GET\r\n\r\n",
            b"GET / HTTP/9.9\r\n\r\n", b"GET / HTTP/1.1\r\nHost x\r\nBroken header\r\n\r\n",
            b"G" * 100000 + b" / HTTP/1.1\r\n\r\n", bytes(range(256)) * 10]
    for data in junk:
        raw_status(s, data, "garbage %r" % data[:20], shutdown_write=True)
        s.alive_check()
    # truncated: headers never finished, then the client goes away
    raw_status(s, b"POST /subjects/t/versions HTTP/1.1\r\nHost: x\r\nContent-Le", "truncated headers",
               shutdown_write=True)
    # truncated: body shorter than Content-Length, then the client goes away
    raw_status(s, b"POST /subjects/t/versions HTTP/1.1\r\nHost: x\r\nContent-Type: " + V1.encode()
               + b"\r\nContent-Length: 500\r\n\r\n{\"schema\":", "truncated body", shutdown_write=True)
    # connections opened and closed without a byte
    for _ in range(20):
        socket.create_connection(("127.0.0.1", s.port), timeout=10).close()
    # a bad Content-Length
    st = raw_status(s, b"POST /subjects/t/versions HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                    "negative content length", shutdown_write=True)
    check(st is None or 400 <= st < 500, "negative Content-Length: %r" % st)
    s.alive_check()
    expect_error(s.get("/subjects/t/versions"), 40401)  # nothing half-registered


@test
def test_huge_header_and_long_url(s):
    r = raw_status(s, b"GET /subjects HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n",
                   "huge header", shutdown_write=True)
    check(r is None or 400 <= r < 500 or r == 200, "huge header: %r" % r)
    r = raw_status(s, b"GET /subjects/" + b"a" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "long url",
                   shutdown_write=True)
    check(r is None or 400 <= r < 500, "long url: %r" % r)
    s.alive_check()


@test
def test_bad_query_strings(s):
    s.register("qs", REC)
    for qs in ("deleted=%ZZ", "limit=x", "offset=-1", "limit=99999999999999999999", "&&&", "=", "a=%",
               "subjectPrefix=%FF"):
        r = s.get("/subjects?" + qs)
        check(r.status in (200, 400, 404, 422), "GET /subjects?%s: %r" % (qs, r))
        if r.status != 200:
            client_error(r, "GET /subjects?%s" % qs)
    for sel in ("99999999999999999999", "-99999999999999999999", "%20latest%20", "1e3", "0x10"):
        r = s.get("/subjects/qs/versions/" + sel)
        check(r.status in (200, 404, 422), "version %s: %r" % (sel, r))
        if r.status != 200:
            client_error(r, "version %s" % sel)
    for ident in ("99999999999999999999", "-1", "0", "1.0"):
        client_error(s.get("/schemas/ids/" + ident), "id %s" % ident)
    s.alive_check()


@test
def test_references_garbage(s):
    for refs in ([{"name": "A", "subject": "nope", "version": 1}],
                 [{"name": "A", "subject": "", "version": 1}],
                 [{"name": "", "subject": "x", "version": 1}],
                 [{"name": "A", "subject": "x", "version": 0}],
                 [{"name": "A", "subject": "x", "version": -5}],
                 [{}], [{"name": "A", "subject": "x", "version": 1}] * 50):
        r = s.register("refs", avro_record("R", [{"name": "a", "type": "A"}]), expect=None, references=refs)
        client_error(r, "references %r" % refs[:1])
        eq(r.status, 422, "bad references are 42201: %r" % r)
    s.alive_check()


@test
def test_self_and_cyclic_references_do_not_hang(s):
    s.register("cyc-a", avro_record("A", [{"name": "x", "type": "int"}]))
    # version 2 of cyc-a referencing itself at version 1 is a legal reference shape
    r = s.register("cyc-b", avro_record("B", [{"name": "a", "type": "A"}]), expect=None,
                   references=[{"name": "A", "subject": "cyc-a", "version": 1},
                               {"name": "A", "subject": "cyc-a", "version": 1}])
    check(r.status in (200, 422), "duplicate references: %r" % r)
    s.alive_check()


@test
def test_json_with_huge_numbers_and_strings(s):
    for body in (b'{"schema": "\\"int\\"", "version": 1e999}', b'{"schema": "\\"int\\"", "id": 99999999999999999999999}',
                 b'{"schema": "\\"int\\"", "version": {}}'):
        r = s.request("POST", "/subjects/n/versions", body)
        client_error(r, "numbers %r" % body)
    s.alive_check()


@test
def test_wrong_content_type_with_body_and_bad_accept(s):
    expect_error(s.request("POST", "/subjects/c/versions", {"schema": REC}, content_type="text/html"), 415)
    expect_error(s.request("POST", "/subjects/c/versions", {"schema": REC}, content_type="garbage/;;;"), 415)
    r = s.get("/subjects", headers={"Accept": ";;;,,,q=abc"})
    check(r.status in (200, 406), "bad Accept: %r" % r)
    s.alive_check()


# ---- the other schema types (skipped when the server does not list them) -------------------

def _types(s):
    return expect_status(s.get("/schemas/types"), 200).json


@test(server_args=("--max-body-bytes", "33554432", "--max-schema-bytes", "16777216"))
def test_json_schema_hostile_inputs(s):
    if "JSON" not in _types(s):
        return
    n = 100000
    deep = '{"type":"array","items":' * n + '{"type":"string"}' + "}" * n
    expect_error(s.register("js", deep, expect=None, schemaType="JSON"), 42201)
    deep_all_of = '{"allOf":[' * 5000 + "{}" + "]}" * 5000
    r = s.register("js", deep_all_of, expect=None, schemaType="JSON")
    check(r.status in (200, 422), "deep allOf: %r" % r)
    for bad in ("not json", "[1,2", '{"type": 12}', '{"$ref": "#/definitions/missing"}'):
        r = s.register("js", bad, expect=None, schemaType="JSON")
        client_error(r, "JSON schema %r" % bad)
    # self-reference and a remote $ref: must terminate and never fetch anything
    for sch in ('{"$ref": "#"}', '{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},'
                '"$ref":"#/definitions/a"}', '{"$ref": "http://127.0.0.1:9/nowhere.json"}'):
        r = s.register("js-ref", sch, expect=None, schemaType="JSON")
        check(r.status in (200, 409, 422), "JSON $ref %r: %r" % (sch, r))
        r = s.post("/compatibility/subjects/js-ref/versions/latest", {"schema": sch, "schemaType": "JSON"})
        check(r.status in (200, 422), "JSON $ref compatibility %r: %r" % (sch, r))
    s.alive_check()


@test(server_args=("--max-body-bytes", "33554432", "--max-schema-bytes", "16777216"))
def test_protobuf_hostile_inputs(s):
    if "PROTOBUF" not in _types(s):
        return
    for bad in ("garbage", 'syntax = "proto3"; message {', 'syntax = "proto9"; message A {}',
                'syntax = "proto3"; message A { int32 a = 0; }', 'syntax = "proto3"; message A { Unknown a = 1; }',
                'syntax = "proto3"; import "missing.proto"; message A { int32 a = 1; }',
                "AAAA", "////", "CgA=" * 1000):
        r = s.register("pb", bad, expect=None, schemaType="PROTOBUF")
        expect_error(r, 42201)
    # NUL in a JSON string is valid JSON; jansson refuses it without JSON_ALLOW_NUL (400)
    client_error(s.register("pb", "\x00\x01\x02", expect=None, schemaType="PROTOBUF"), "NUL bytes")
    nested = 'syntax = "proto3"; ' + "message M { " * 100000 + "}" * 100000
    expect_error(s.register("pb", nested, expect=None, schemaType="PROTOBUF"), 42201)
    braces = 'syntax = "proto3"; message A { option (x) = ' + "{ a: " * 100000 + "1" + " }" * 100000 + "; }"
    r = s.register("pb", braces, expect=None, schemaType="PROTOBUF")
    client_error(r, "deep option aggregate")
    # a modest depth of nested messages is fine
    ok = 'syntax = "proto3"; ' + "message M { " * 30 + "int32 a = 1; " + "}" * 30
    expect_status(s.register("pb-ok", ok, expect=None, schemaType="PROTOBUF"), 200)
    s.alive_check()


@test
def test_many_references_are_bounded(s):
    s.register("base", avro_record("Base", [{"name": "x", "type": "int"}]))
    refs = [{"name": "Base", "subject": "base", "version": 1}] * 2000
    r = s.register("many", avro_record("Top", [{"name": "b", "type": "Base"}]), expect=None, references=refs)
    check(r.status in (200, 422), "2000 identical references: %r" % r)
    s.alive_check()


# ---- seeded mutation runs: deterministic, so any failure reproduces --------------------------

_SEEDS_AVRO = [
    '{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":["null","string"],"default":null},'
    '{"name":"b","type":{"type":"array","items":{"type":"map","values":"long"}}},'
    '{"name":"c","type":{"type":"enum","name":"E","symbols":["X","Y"],"default":"X"}},'
    '{"name":"d","type":{"type":"fixed","name":"F","size":4}},'
    '{"name":"e","type":{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}}]}',
]
_SEEDS_JSON = [
    '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":"string",'
    '"maxLength":5},"b":{"type":"array","items":{"$ref":"#/definitions/n"}}},"required":["a"],'
    '"definitions":{"n":{"type":"number","minimum":0}},"additionalProperties":false}',
]
_SEEDS_PROTO = [
    'syntax = "proto3";\npackage p;\nimport "google/protobuf/timestamp.proto";\nmessage M {\n  string a = 1;\n'
    '  repeated int64 b = 2;\n  map<string, N> c = 3;\n  oneof o { bool d = 4; bytes e = 5; }\n'
    '  google.protobuf.Timestamp t = 6;\n  enum K { K0 = 0; K1 = 1; }\n  K k = 7;\n}\nmessage N { double x = 1; }\n',
]


def _mutate(rng, text):
    data = list(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            del data[min(pos, len(data) - 1)]
        elif op == 1:
            data.insert(pos, rng.choice('{}[]":,0aZ\\ \n\x7f\u00e9\U0001F600'))
        elif op == 2 and data:
            data[min(pos, len(data) - 1)] = rng.choice('{}[]":,-1eE.')
        elif op == 3:
            data = data[:pos]
        else:
            seg = data[pos:pos + rng.randint(1, 20)]
            data[pos:pos] = seg * rng.randint(2, 5)
    return "".join(data)


@test
def test_mutated_schemas_never_crash_or_5xx(s):
    import random
    rng = random.Random(20261126)
    types = _types(s)
    seeds = [(t, sch) for t, lst in (("AVRO", _SEEDS_AVRO), ("JSON", _SEEDS_JSON), ("PROTOBUF", _SEEDS_PROTO))
             if t in types for sch in lst]
    expect_status(s.put("/config", {"compatibility": "NONE"}), 200)
    for t, sch in seeds:
        expect_status(s.register("seed-" + t, sch, expect=None, schemaType=t), 200)
    for i in range(600):
        t, sch = rng.choice(seeds)
        text = _mutate(rng, sch)
        target = rng.choice(("/subjects/m-%s/versions" % t, "/subjects/seed-%s" % t,
                             "/compatibility/subjects/seed-%s/versions/latest?verbose=true" % t,
                             "/subjects/seed-%s/versions?normalize=true" % t))
        r = s.post(target, {"schema": text, "schemaType": t})
        if r.status >= 500 or not r.is_json:
            fail("mutation %d (%s) to %s: %r\n    schema: %r" % (i, t, target, r, text[:400]))
    s.alive_check()


@test
def test_mutated_request_bodies_never_crash_or_5xx(s):
    import random
    rng = random.Random(7)
    bodies = [("POST", "/subjects/mb/versions", json.dumps({"schema": REC, "references": [], "metadata": {
                  "properties": {"k": "v"}}, "ruleSet": {"domainRules": []}})),
              ("PUT", "/config/mb", json.dumps({"compatibility": "FULL", "normalize": True, "alias": "x"})),
              ("PUT", "/mode/mb2", json.dumps({"mode": "READONLY"})),
              ("POST", "/compatibility/subjects/mb/versions", json.dumps({"schema": REC}))]
    for i in range(600):
        method, path, body = rng.choice(bodies)
        mutated = _mutate(rng, body).encode("utf-8", "surrogatepass")
        r = s.request(method, path, mutated)
        if r.status >= 500 or not r.is_json:
            fail("mutation %d to %s %s: %r\n    body: %r" % (i, method, path, r, mutated[:400]))
    s.alive_check()
