# SPDX-License-Identifier: Apache-2.0
"""test_cloudevents — POST /cloudevents/validate and the built-in CloudEvents envelope schema
(docs/cloudevents.md) against the started server. Replays every case of
data/cloudevents/cases.jsonl (path relative to tests/, the working directory ctest uses) and
prints the figure; then checks schema lookup by dataschema and by type, requireSchema, the
built-in $ref, and hostile bodies."""

import http.client
import json
import os

from srtest import check, eq, expect_status, test, HTTP_TIMEOUT

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "data", "cloudevents", "cases.jsonl")
CE = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
ENVELOPE_URL = "https://cloudevents.io/schemas/cloudevent.json"


def post_raw(s, path, body, headers):
    """POST with exactly these headers (names as given, no Content-Type added)."""
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=HTTP_TIMEOUT)
    try:
        conn.putrequest("POST", path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        r = conn.getresponse()
        raw = r.read()
        status = r.status
    finally:
        conn.close()
    try:
        js = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        js = None
    return status, js, raw


def validate(s, event, ctype=CE, query="", headers=None):
    h = {"Content-Type": ctype} if ctype else {}
    h.update(headers or {})
    body = event if isinstance(event, (str, bytes)) else json.dumps(event)
    return post_raw(s, "/cloudevents/validate" + query, body, h)


def event(**kw):
    e = {"specversion": "1.0", "id": "1", "source": "/src", "type": "com.example.order"}
    e.update(kw)
    return {k: v for k, v in e.items() if v is not Ellipsis}


def load_cases():
    with open(CASES, encoding="ascii") as f:
        return [json.loads(line) for line in f if line.strip()]


@test
def test_every_case_of_the_corpus(s):
    cases = load_cases()
    check(len(cases) == 103, "expected 103 cases, found %d" % len(cases))
    bad = []
    for c in cases:
        status, js, raw = post_raw(s, "/cloudevents/validate", c["body"], c["headers"])
        why = None
        if c["valid"]:
            if status != 200 or not (isinstance(js, dict) and js.get("valid") is True):
                why = "expected 200 valid, got %d %s" % (status, raw[:300])
            else:
                for k, v in c.get("expect", {}).items():
                    got = js.get("attributes", {}).get(k)
                    if got != v:
                        why = "attribute %s: expected %r, got %r" % (k, v, got)
        else:
            if status == 422:
                if not (isinstance(js, dict) and js.get("valid") is False and js.get("violations")):
                    why = "422 without violations: %s" % raw[:300]
                else:
                    for v in js["violations"]:
                        if not v.get("message") or not ("attribute" in v or "pointer" in v):
                            why = "violation without attribute/pointer and message: %r" % v
            elif status in (400, 415):
                if not (isinstance(js, dict) and isinstance(js.get("error_code"), int) and js.get("message")):
                    why = "%d without a Confluent error body: %s" % (status, raw[:300])
            else:
                why = "expected 422/400/415 (%s), got %d %s" % (c["violation"], status, raw[:300])
        if why:
            bad.append("%s: %s" % (c["id"], why))
    print("cloudevents cases: %d/%d passed" % (len(cases) - len(bad), len(cases)))
    check(not bad, "%d case(s) failed:\n  %s" % (len(bad), "\n  ".join(bad)))
    s.alive_check()


@test
def test_not_an_event_is_400_or_415(s):
    for body in ("specversion=1.0", "", "[1,", '"x"', "[]"):
        st, js, _ = validate(s, body)
        eq(st, 400, "structured body %r" % body)
        check(js["error_code"] == 400, "Confluent error body: %r" % js)
    st, js, _ = validate(s, event(), ctype="application/cloudevents+avro")
    eq(st, 415, "unknown structured format")
    st, js, _ = validate(s, {"a": 1}, ctype="application/json")
    eq(st, 415, "no ce-* headers and a non-CloudEvents Content-Type")
    st, js, _ = validate(s, event(), ctype=BATCH)
    eq(st, 400, "batch body that is an object")
    r = s.get("/cloudevents/validate")
    eq(r.status, 405, "GET")


@test
def test_every_violation_is_listed(s):
    e = {"specversion": "2.0", "id": "", "source": "a b", "time": "2018-02-30T10:00:00Z",
         "Bad_Name": 1, "ext": 1.5, "data": 1, "data_base64": "AA=="}
    st, js, _ = validate(s, e)
    eq(st, 422, "status")
    attrs = sorted(v.get("attribute") for v in js["violations"])
    eq(attrs, sorted(["specversion", "id", "source", "time", "Bad_Name", "ext", "type", "data_base64"]),
       "violated attributes")
    eq(js["error_code"], 422, "error_code")
    check(js["valid"] is False, "valid false")


@test
def test_no_schema_is_reported_and_require_schema_makes_it_a_violation(s):
    st, js, _ = validate(s, event(data={"a": 1}))
    eq(st, 200, "status")
    check(js["schema"]["applied"] is False and "no subject" in js["schema"]["reason"], repr(js))
    st, js, _ = validate(s, event(data={"a": 1}), query="?requireSchema=true")
    eq(st, 422, "requireSchema")
    check(any("requireSchema" in v["message"] for v in js["violations"]), repr(js))


ORDER = {"type": "object", "properties": {"qty": {"type": "integer", "minimum": 1},
                                          "sku": {"type": "string"}},
         "required": ["qty"]}


@test
def test_data_is_validated_against_the_subject_named_after_type(s):
    r = s.register("com.example.order", ORDER, schemaType="JSON")
    sid = r.json["id"]
    st, js, _ = validate(s, event(data={"qty": 2}))
    eq(st, 200, "valid data")
    eq(js["schema"], {"applied": True, "via": "type", "id": sid, "subject": "com.example.order",
                      "version": 1, "schemaType": "JSON"}, "schema info")
    st, js, _ = validate(s, event(data={"qty": 0, "sku": 5}))
    eq(st, 422, "invalid data")
    ptrs = sorted(v["pointer"] for v in js["violations"])
    eq(ptrs, ["/data/qty", "/data/sku"], "pointers")
    check(all(v.get("schemaPath") for v in js["violations"]), repr(js))
    # binary mode: the body is the data
    st, js, _ = validate(s, '{"qty": -1}', ctype="application/json",
                         headers={"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s",
                                  "ce-type": "com.example.order"})
    eq(st, 422, "binary invalid data")
    eq([v["pointer"] for v in js["violations"]], ["/data/qty"], "binary pointer")
    # non-JSON data is not checked, and the answer says why
    st, js, _ = validate(s, event(datacontenttype="text/plain", data="qty=0"))
    eq(st, 200, "text data")
    check(js["schema"]["applied"] is False and "not JSON" in js["schema"]["reason"], repr(js))
    # data_base64 with a JSON content type is decoded and checked
    st, js, _ = validate(s, event(datacontenttype="application/json", data_base64="eyJxdHkiOiAwfQ=="))
    eq(st, 422, "base64 JSON data")
    # the strategy: type-value, none
    st, js, _ = validate(s, event(data={"qty": 0}), query="?subjectStrategy=none")
    eq(st, 200, "strategy none")
    s.register("com.example.order-value", {"type": "object", "required": ["sku"]}, schemaType="JSON")
    st, js, _ = validate(s, event(data={"qty": 1}), query="?subjectStrategy=type-value")
    eq(st, 422, "type-value strategy")
    eq(js["schema"]["subject"], "com.example.order-value", "subject used")
    st, js, _ = validate(s, event(), query="?subjectStrategy=bogus")
    eq(st, 400, "unknown strategy")


@test
def test_batch_reports_each_member(s):
    s.register("com.example.order", ORDER, schemaType="JSON")
    batch = [event(id="a", data={"qty": 1}), event(id="b", data={"qty": 0}), 5]
    st, js, _ = validate(s, batch, ctype=BATCH)
    eq(st, 422, "status")
    eq(js["count"], 3, "count")
    eq([e["valid"] for e in js["events"]], [True, False, False], "per-event verdicts")
    eq(sorted({v["index"] for v in js["violations"]}), [1, 2], "indexes")
    st, js, _ = validate(s, [event(id=str(i), data={"qty": 1}) for i in range(200)], ctype=BATCH)
    eq(st, 200, "200 valid events of one type")
    # more violations than the answer lists: every event still gets its own verdict
    st, js, _ = validate(s, [event(id=str(i), data={"qty": 0}) for i in range(1500)], ctype=BATCH)
    eq(st, 422, "1,500 invalid events")
    eq(len(js["violations"]), 1000, "listed violations")
    check(js["truncated"] is True and js["violationCount"] == 1500, "truncation: %r" % js.get("violationCount"))
    check(not any(e["valid"] for e in js["events"]), "every event invalid")


@test
def test_dataschema_pointing_at_this_registry(s):
    r = s.register("orders", ORDER, schemaType="JSON")
    sid = r.json["id"]
    host = "127.0.0.1:%d" % s.port
    for uri, via_subject in (("http://%s/schemas/ids/%d" % (host, sid), False),
                             ("http://%s/subjects/orders/versions/1" % host, True),
                             ("http://%s/subjects/orders/versions/latest" % host, True),
                             ("http://%s/schemas/ids/%d/schema" % (host, sid), False),
                             ("http://%s/contexts/./subjects/orders/versions/1/schema" % host, True)):
        st, js, _ = validate(s, event(type="x.unknown", dataschema=uri, data={"qty": 0}))
        eq(st, 422, "data checked via %s" % uri)
        eq(js["schema"]["via"], "dataschema", "via")
        eq(js["schema"]["id"], sid, "id")
        eq("subject" in js["schema"], via_subject, "subject named")
    st, js, _ = validate(s, event(dataschema="http://%s/schemas/ids/999" % host))
    eq(st, 422, "unknown id")
    eq(js["violations"][0]["attribute"], "dataschema", "attribute")
    st, js, _ = validate(s, event(dataschema="http://%s/subjects/orders/versions/7" % host))
    eq(st, 422, "unknown version")
    # another host is not this registry: falls back to the type lookup
    st, js, _ = validate(s, event(type="orders", dataschema="https://elsewhere.example/schemas/ids/%d" % sid,
                                  data={"qty": 0}))
    eq(st, 422, "type fallback")
    eq(js["schema"]["via"], "type", "via type")
    # registryUrl names this registry behind a proxy with a path prefix
    st, js, _ = validate(s, event(type="x", dataschema="https://sr.example/registry/schemas/ids/%d" % sid,
                                  data={"qty": 3}), query="?registryUrl=https://sr.example/registry")
    eq(st, 200, "registryUrl")
    eq(js["schema"]["via"], "dataschema", "via registryUrl")
    # a non-JSON schema cannot check data
    avro = s.register("avro-s", {"type": "record", "name": "R", "fields": []}).json["id"]
    st, js, _ = validate(s, event(dataschema="http://%s/schemas/ids/%d" % (host, avro), data={}))
    eq(st, 422, "AVRO schema")


@test
def test_builtin_envelope_schema_is_referenceable(s):
    order_event = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "allOf": [{"$ref": ENVELOPE_URL},
                  {"properties": {"type": {"const": "com.example.order"}, "data": ORDER}}],
    }
    r = s.register("order-event", order_event, schemaType="JSON")
    check(isinstance(r.json.get("id"), int), repr(r))
    v1 = s.get("/subjects/order-event/versions/1").json
    eq(v1.get("references", []), [], "the built-in is not a stored reference")
    # compatibility follows the built-in like any reference
    stricter = json.loads(json.dumps(order_event))
    stricter["allOf"][1]["required"] = ["subject"]
    r = s.post("/compatibility/subjects/order-event/versions/latest",
               {"schema": json.dumps(stricter), "schemaType": "JSON"})
    expect_status(r, 200)
    check(r.json.get("is_compatible") in (True, False), repr(r))
    # the built-in really is the envelope: a CloudEvent carried as data is checked with it
    s.register("com.example.wrapped", order_event, schemaType="JSON")
    inner_ok = event(data={"qty": 1})
    st, js, _ = validate(s, event(type="com.example.wrapped", data=inner_ok))
    eq(st, 200, "a valid event as data: %r" % js)
    inner_bad = event(id="", data={"qty": 0})
    del inner_bad["source"]
    st, js, _ = validate(s, event(type="com.example.wrapped", data=inner_bad))
    eq(st, 422, "an invalid event as data")
    ptrs = {v["pointer"] for v in js["violations"]}
    check("/data/id" in ptrs and "/data/data/qty" in ptrs and "/data" in ptrs,
          "envelope and data violations: %r" % js["violations"])
    # other cloudevents.io names are not built in
    r = s.register("bad-ref", {"$ref": "https://cloudevents.io/schemas/other.json"}, expect=None,
                   schemaType="JSON")
    eq(r.status, 422, "an unknown cloudevents.io schema stays unresolved")


@test
def test_hostile_bodies(s):
    deep = '{"specversion":"1.0","id":"1","source":"/s","type":"t","data":' + "[" * 10000 + "]" * 10000 + "}"
    st, js, _ = validate(s, deep)
    eq(st, 400, "10,000-deep data")
    s.register("t", {"type": "array"}, schemaType="JSON")
    deepish = '{"specversion":"1.0","id":"1","source":"/s","type":"t","data":' + "[" * 1000 + "]" * 1000 + "}"
    st, js, _ = validate(s, deepish)
    check(st in (200, 422), "1,000-deep data against a schema: %d" % st)
    st, js, _ = validate(s, b'{"specversion":"1.0","id":"\xff\xfe","source":"/s","type":"t"}')
    eq(st, 400, "invalid UTF-8")
    st, js, _ = validate(s, "[" + ",".join(['{"specversion":"1.0"}'] * 10001) + "]", ctype=BATCH)
    eq(st, 413, "huge batch")
    check("limit" in js["message"], repr(js))
    # binary header values that decode to invalid UTF-8 or forbidden characters
    st, js, _ = validate(s, "", ctype=None, headers={"ce-specversion": "1.0", "ce-id": "%FF", "ce-source": "/s",
                                                     "ce-type": "%00"})
    eq(st, 422, "bad header bytes")
    eq(sorted(v["attribute"] for v in js["violations"]), ["id", "type"], "both reported")
    many = {"ce-x%d" % i: "v" for i in range(200)}
    many.update({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t"})
    st, js, _ = validate(s, "", ctype=None, headers=many)
    eq(st, 400, "too many headers")
    s.alive_check()


@test
def test_big_integers_in_data_and_nul(s):
    big = '{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"n":123456789012345678901234567890}}'
    st, js, _ = validate(s, big)
    eq(st, 200, "big integer in data")
    st, js, _ = validate(s, '{"specversion":"1.0","id":"a\\u0000b","source":"/s","type":"t"}')
    eq(st, 422, "NUL in id")
    eq(js["violations"][0]["attribute"], "id", "attribute")
