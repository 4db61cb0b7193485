# SPDX-License-Identifier: Apache-2.0
"""test_api — every endpoint of spec sections 5.1-5.10 and the MUST rules, over HTTP.

Each test gets a freshly started server with an empty database (see srtest.run_one),
so tests never depend on each other's state. Section numbers refer to
/work/shared/spec/confluent-rest-api.md (copied into the project's spec notes).
"""

import json

from srtest import (avro_record, check, eq, expect_error, expect_status, q, test, V1)

REC_A = avro_record("A", [{"name": "a", "type": "string"}])
REC_B = avro_record("B", [{"name": "b", "type": "long"}])
REC_C = avro_record("C", [{"name": "c", "type": "int"}])


def evolve(n):
    """Version n of a record that only ever adds fields with defaults (BACKWARD/FULL-safe)."""
    fields = [{"name": "id", "type": "long"}]
    for i in range(1, n):
        fields.append({"name": "f%d" % i, "type": "string", "default": ""})
    return avro_record("Evolving", fields)


def set_none(s, subject):
    expect_status(s.put("/config/%s" % q(subject), {"compatibility": "NONE"}), 200)


# ---- 5.1 root ---------------------------------------------------------------------------

@test
def test_root_get_returns_empty_object(s):
    r = expect_status(s.get("/"), 200)
    eq(r.json, {}, "GET / body")


@test
def test_root_post_returns_empty_object(s):
    r = expect_status(s.post("/", {"anything": 1}), 200)
    eq(r.json, {}, "POST / body")


# ---- 5.2 subjects -------------------------------------------------------------------------

@test
def test_subjects_empty_registry_lists_nothing(s):
    eq(expect_status(s.get("/subjects"), 200).json, [], "GET /subjects")


@test
def test_subjects_sorted_with_deleted_and_deleted_only(s):
    for subj, sch in (("bravo", REC_B), ("alpha", REC_A), ("charlie", REC_C)):
        s.register(subj, sch)
    expect_status(s.delete("/subjects/charlie"), 200)
    eq(s.get("/subjects").json, ["alpha", "bravo"], "live subjects")
    eq(s.get("/subjects?deleted=true").json, ["alpha", "bravo", "charlie"], "deleted=true")
    eq(s.get("/subjects?deletedOnly=true").json, ["charlie"], "deletedOnly=true")


@test
def test_subjects_prefix_filter(s):
    s.register("orders-value", REC_A)
    s.register("orders-key", REC_B)
    s.register("users-value", REC_C)
    eq(s.get("/subjects?subjectPrefix=orders").json, ["orders-key", "orders-value"], "prefix")


@test
def test_subjects_offset_and_limit(s):
    for name, sch in (("a", REC_A), ("b", REC_B), ("c", REC_C)):
        s.register(name, sch)
    eq(s.get("/subjects?offset=1&limit=1").json, ["b"], "offset=1&limit=1")
    eq(s.get("/subjects?limit=0").json, ["a", "b", "c"], "limit=0 means default")


@test
def test_lookup_returns_subject_version_id_schema(s):
    reg = s.register("look", REC_A).json
    r = expect_status(s.post("/subjects/look", {"schema": REC_A}), 200)
    eq(r.json.get("subject"), "look", "subject")
    eq(r.json.get("version"), 1, "version")
    eq(r.json.get("id"), reg["id"], "id")
    eq(r.json.get("schema"), REC_A, "schema")
    eq(r.json.get("schemaType", "AVRO"), "AVRO", "schemaType")


@test
def test_lookup_unknown_schema_in_existing_subject_is_40403(s):
    s.register("look", REC_A)
    expect_error(s.post("/subjects/look", {"schema": REC_B}), 40403)


@test
def test_lookup_in_missing_subject_is_40401(s):
    expect_error(s.post("/subjects/nothing-here", {"schema": REC_A}), 40401)


@test
def test_lookup_soft_deleted_version_needs_deleted_true(s):
    s.register("look", REC_A)
    expect_status(s.delete("/subjects/look/versions/1"), 200)
    expect_error(s.post("/subjects/look", {"schema": REC_A}), 40401)
    r = expect_status(s.post("/subjects/look?deleted=true", {"schema": REC_A}), 200)
    eq(r.json.get("version"), 1, "version found with deleted=true")


@test
def test_lookup_parse_error_precedes_missing_subject(s):
    # 5.2 step 1: the request schema is parsed before the subject is looked at
    expect_error(s.post("/subjects/never-registered", {"schema": "{\"type\":\"nope\"}"}), 42201)


@test
def test_lookup_finds_older_live_version(s):
    s.register("look", evolve(1))
    s.register("look", evolve(2))
    r = expect_status(s.post("/subjects/look", {"schema": evolve(1)}), 200)
    eq(r.json.get("version"), 1, "older version found by lookup")


@test
def test_lookup_invalid_schema_is_42201(s):
    s.register("look", REC_A)
    expect_error(s.post("/subjects/look", {"schema": "{\"type\":\"nope\"}"}), 42201)


@test
def test_delete_subject_soft_returns_versions(s):
    set_none(s, "del")
    s.register("del", REC_A)
    s.register("del", REC_B)
    r = expect_status(s.delete("/subjects/del"), 200)
    eq(r.json, [1, 2], "soft-deleted versions")
    expect_error(s.get("/subjects/del/versions"), 40401)
    eq(s.get("/subjects/del/versions?deleted=true").json, [1, 2], "versions with deleted=true")


@test
def test_delete_subject_soft_twice_is_40404(s):
    s.register("del", REC_A)
    expect_status(s.delete("/subjects/del"), 200)
    expect_error(s.delete("/subjects/del"), 40404)


@test
def test_delete_subject_permanent_requires_soft_delete_40405(s):
    s.register("del", REC_A)
    expect_error(s.delete("/subjects/del?permanent=true"), 40405)
    eq(s.get("/subjects/del/versions").json, [1], "subject untouched")


@test
def test_delete_subject_permanent_after_soft(s):
    set_none(s, "del")
    s.register("del", REC_A)
    s.register("del", REC_B)
    expect_status(s.delete("/subjects/del"), 200)
    r = expect_status(s.delete("/subjects/del?permanent=true"), 200)
    eq(sorted(r.json), [1, 2], "permanently deleted versions")
    eq(s.get("/subjects?deleted=true").json, [], "subject gone even with deleted=true")
    expect_error(s.get("/subjects/del/versions?deleted=true"), 40401)


@test
def test_delete_missing_subject_is_40401(s):
    expect_error(s.delete("/subjects/ghost"), 40401)
    expect_error(s.delete("/subjects/ghost?permanent=true"), 40401)


@test
def test_permanent_subject_delete_removes_subject_config(s):
    s.register("del", REC_A)
    expect_status(s.put("/config/del", {"compatibility": "FULL"}), 200)
    expect_status(s.delete("/subjects/del"), 200)
    expect_status(s.delete("/subjects/del?permanent=true"), 200)
    expect_error(s.get("/config/del"), 40408)


@test
def test_subject_metadata_lookup_by_property(s):
    set_none(s, "meta")
    s.register("meta", REC_A, metadata={"properties": {"owner": "team-a"}})
    s.register("meta", REC_B, metadata={"properties": {"owner": "team-b"}})
    r = expect_status(s.get("/subjects/meta/metadata?key=owner&value=team-a"), 200)
    eq(r.json.get("version"), 1, "version carrying owner=team-a")
    eq(r.json.get("metadata", {}).get("properties"), {"owner": "team-a"}, "metadata returned")
    expect_error(s.get("/subjects/meta/metadata?key=owner&value=nobody"), 40403)
    expect_error(s.get("/subjects/nometa/metadata?key=owner&value=team-a"), 40401)


# ---- 5.3 subject versions -------------------------------------------------------------------

@test
def test_register_response_shape(s):
    r = s.register("shape", REC_A)
    check(isinstance(r.json.get("id"), int) and r.json["id"] >= 1, "id: %r" % r)
    eq(r.json.get("version"), 1, "version")
    eq(r.json.get("schemaType"), "AVRO", "schemaType present for AVRO")
    eq(r.json.get("schema"), REC_A, "schema is the stored (canonical) text")
    check("references" not in r.json, "empty references must be omitted: %r" % r)
    check("subject" not in r.json, "register response has no subject: %r" % r)


@test
def test_register_same_schema_same_subject_dedups(s):
    first = s.register("dup", REC_A).json
    again = s.register("dup", REC_A).json
    eq(again["id"], first["id"], "id")
    eq(again.get("version"), 1, "version")
    eq(s.get("/subjects/dup/versions").json, [1], "no second version")


@test
def test_register_dedups_against_older_live_version(s):
    s.register("dup", evolve(1))
    s.register("dup", evolve(2))
    r = s.register("dup", evolve(1)).json
    eq(r.get("version"), 1, "identical to v1 returns v1")
    eq(s.get("/subjects/dup/versions").json, [1, 2], "versions unchanged")


@test
def test_register_same_schema_other_subject_reuses_id(s):
    a = s.register("one", REC_A).json
    b = s.register("two", REC_A).json
    eq(b["id"], a["id"], "id shared across subjects")
    eq(b.get("version"), 1, "own version in the second subject")
    r = expect_status(s.get("/schemas/ids/%d/subjects" % a["id"]), 200)
    eq(sorted(r.json), ["one", "two"], "subjects of the id")


@test
def test_register_distinct_schemas_get_increasing_ids(s):
    ids = [s.register("s%d" % i, sch).json["id"] for i, sch in enumerate((REC_A, REC_B, REC_C))]
    check(ids[0] < ids[1] < ids[2], "ids not increasing: %r" % ids)


@test
def test_versions_list_flags(s):
    set_none(s, "vers")
    for sch in (REC_A, REC_B, REC_C):
        s.register("vers", sch)
    expect_status(s.delete("/subjects/vers/versions/2"), 200)
    eq(s.get("/subjects/vers/versions").json, [1, 3], "live versions")
    eq(s.get("/subjects/vers/versions?deleted=true").json, [1, 2, 3], "deleted=true")
    eq(s.get("/subjects/vers/versions?deletedOnly=true").json, [2], "deletedOnly=true")
    eq(s.get("/subjects/vers/versions?deletedAsNegative=true").json, [1, -2, 3], "deletedAsNegative")


@test
def test_versions_of_missing_subject_is_40401(s):
    expect_error(s.get("/subjects/missing/versions"), 40401)


@test
def test_get_version_by_number_latest_and_minus_one(s):
    set_none(s, "gv")
    a = s.register("gv", REC_A).json
    b = s.register("gv", REC_B).json
    r1 = expect_status(s.get("/subjects/gv/versions/1"), 200).json
    eq((r1.get("subject"), r1.get("version"), r1.get("id"), r1.get("schema")),
       ("gv", 1, a["id"], REC_A), "version 1")
    eq(r1.get("schemaType"), "AVRO", "schemaType")
    check("references" not in r1, "empty references omitted: %r" % r1)
    for sel in ("latest", "-1", "LATEST", "Latest"):
        r = expect_status(s.get("/subjects/gv/versions/%s" % sel), 200).json
        eq((r.get("version"), r.get("id")), (2, b["id"]), "selector %s" % sel)


@test
def test_get_version_invalid_selector_is_42202(s):
    s.register("gv", REC_A)
    for sel in ("0", "-2", "abc", "1.5"):
        expect_error(s.get("/subjects/gv/versions/%s" % sel), 42202)


@test
def test_get_missing_version_is_40402_and_missing_subject_40401(s):
    s.register("gv", REC_A)
    expect_error(s.get("/subjects/gv/versions/7"), 40402)
    expect_error(s.get("/subjects/nope/versions/1"), 40401)
    expect_error(s.get("/subjects/nope/versions/latest"), 40401)


@test
def test_get_soft_deleted_version_needs_deleted_true(s):
    set_none(s, "gv")
    s.register("gv", REC_A)
    s.register("gv", REC_B)
    expect_status(s.delete("/subjects/gv/versions/1"), 200)
    expect_error(s.get("/subjects/gv/versions/1"), 40402)
    r = expect_status(s.get("/subjects/gv/versions/1?deleted=true"), 200)
    eq(r.json.get("schema"), REC_A, "soft-deleted version with deleted=true")


@test
def test_latest_skips_soft_deleted_and_all_deleted_is_40401(s):
    set_none(s, "gv")
    s.register("gv", REC_A)
    s.register("gv", REC_B)
    expect_status(s.delete("/subjects/gv/versions/2"), 200)
    eq(s.get("/subjects/gv/versions/latest").json.get("version"), 1, "latest live")
    expect_status(s.delete("/subjects/gv/versions/1"), 200)
    expect_error(s.get("/subjects/gv/versions/latest"), 40401)


@test
def test_get_version_schema_is_raw_text(s):
    s.register("raw", REC_A)
    for path in ("/subjects/raw/versions/1/schema", "/subjects/raw/versions/latest/schema"):
        r = expect_status(s.get(path), 200)
        eq(r.text, REC_A, "raw schema body of %s" % path)
    expect_error(s.get("/subjects/raw/versions/9/schema"), 40402)
    expect_error(s.get("/subjects/none/versions/1/schema"), 40401)


@test
def test_delete_version_returns_number_and_latest_resolves(s):
    set_none(s, "dv")
    s.register("dv", REC_A)
    s.register("dv", REC_B)
    r = expect_status(s.delete("/subjects/dv/versions/latest"), 200)
    eq(r.json, 2, "deleted version number for latest")
    r = expect_status(s.delete("/subjects/dv/versions/1"), 200)
    eq(r.json, 1, "deleted version number")


@test
def test_delete_version_twice_is_40406(s):
    s.register("dv", REC_A)
    expect_status(s.delete("/subjects/dv/versions/1"), 200)
    expect_error(s.delete("/subjects/dv/versions/1"), 40406)


@test
def test_delete_version_permanent_requires_soft_delete_40407(s):
    s.register("dv", REC_A)
    expect_error(s.delete("/subjects/dv/versions/1?permanent=true"), 40407)
    expect_error(s.delete("/subjects/dv/versions/latest?permanent=true"), 40407)
    expect_status(s.delete("/subjects/dv/versions/1"), 200)
    r = expect_status(s.delete("/subjects/dv/versions/1?permanent=true"), 200)
    eq(r.json, 1, "permanently deleted version")
    expect_error(s.get("/subjects/dv/versions/1?deleted=true"), 40401)


@test
def test_delete_version_missing_and_bad_selector(s):
    s.register("dv", REC_A)
    expect_error(s.delete("/subjects/dv/versions/5"), 40402)
    expect_error(s.delete("/subjects/nobody/versions/1"), 40401)
    expect_error(s.delete("/subjects/dv/versions/zero"), 42202)


# ---- version numbering and ids (2.2, 2.3) ---------------------------------------------------

@test
def test_soft_delete_never_frees_version_numbers(s):
    set_none(s, "num")
    s.register("num", REC_A)
    s.register("num", REC_B)
    expect_status(s.delete("/subjects/num/versions/1"), 200)
    expect_status(s.delete("/subjects/num/versions/2"), 200)
    eq(s.register("num", REC_C).json.get("version"), 3, "next version after soft deletes")


@test
def test_soft_deleted_subject_reregistration_continues_numbering(s):
    set_none(s, "num")
    s.register("num", REC_A)
    s.register("num", REC_B)
    expect_status(s.delete("/subjects/num"), 200)
    eq(s.register("num", REC_C).json.get("version"), 3, "numbering continues")


@test
def test_hard_delete_of_highest_version_frees_its_number(s):
    set_none(s, "num")
    s.register("num", REC_A)
    s.register("num", REC_B)
    expect_status(s.delete("/subjects/num/versions/2"), 200)
    expect_status(s.delete("/subjects/num/versions/2?permanent=true"), 200)
    eq(s.register("num", REC_C).json.get("version"), 2, "freed number reused")


@test
def test_hard_deleted_subject_restarts_at_one_with_new_ids(s):
    # global NONE: a permanent subject delete also drops the subject's own config
    expect_status(s.put("/config", {"compatibility": "NONE"}), 200)
    a = s.register("num", REC_A).json
    expect_status(s.delete("/subjects/num"), 200)
    expect_status(s.delete("/subjects/num?permanent=true"), 200)
    expect_error(s.get("/schemas/ids/%d" % a["id"]), 40403)
    b = s.register("num", REC_B).json
    eq(b.get("version"), 1, "numbering restarts")
    check(b["id"] > a["id"], "id reused after hard delete: %r then %r" % (a, b))
    again = s.register("num", REC_A).json
    check(again["id"] > b["id"], "re-registered hard-deleted schema must mint a new id: %r" % again)


@test
def test_reregister_soft_deleted_schema_gets_new_version_same_id(s):
    a = s.register("re", REC_A).json
    expect_status(s.delete("/subjects/re/versions/1"), 200)
    r = s.register("re", REC_A).json
    eq(r["id"], a["id"], "same id")
    eq(r.get("version"), 2, "new version")


@test
def test_ids_survive_restart_and_are_not_reused(s):
    a = s.register("p", REC_A).json
    b = s.register("p2", REC_B).json
    s.stop()
    s.start()
    eq(s.get("/schemas/ids/%d" % a["id"]).json.get("schema"), REC_A, "schema A after restart")
    eq(s.get("/subjects/p2/versions/1").json.get("id"), b["id"], "p2 v1 after restart")
    c = s.register("p3", REC_C).json
    check(c["id"] > b["id"], "new id after restart must exceed old ones: %r" % c)


# ---- 5.4 schemas ------------------------------------------------------------------------------

@test
def test_schema_by_id_shape(s):
    a = s.register("byid", REC_A).json
    r = expect_status(s.get("/schemas/ids/%d" % a["id"]), 200).json
    eq(r.get("schema"), REC_A, "schema")
    eq(r.get("schemaType"), "AVRO", "schemaType")
    check("references" not in r, "empty references omitted: %r" % r)
    check("maxId" not in r, "maxId only with fetchMaxId: %r" % r)


@test
def test_schema_by_id_fetch_max_id(s):
    s.register("x", REC_A)
    b = s.register("y", REC_B).json
    r = expect_status(s.get("/schemas/ids/1?fetchMaxId=true"), 200).json
    eq(r.get("maxId"), b["id"], "maxId")


@test
def test_schema_by_unknown_id_is_40403_and_bad_id_404(s):
    expect_error(s.get("/schemas/ids/4242"), 40403)
    expect_error(s.get("/schemas/ids/4242/schema"), 40403)
    expect_error(s.get("/schemas/ids/4242/subjects"), 40403)
    expect_error(s.get("/schemas/ids/4242/versions"), 40403)
    expect_error(s.get("/schemas/ids/abc"), 404)


@test
def test_subject_hint_never_causes_a_miss(s):
    a = s.register("holder", REC_A).json
    for hint in ("unrelated-value", "holder", "topic-key"):
        r = expect_status(s.get("/schemas/ids/%d?subject=%s" % (a["id"], hint)), 200)
        eq(r.json.get("schema"), REC_A, "schema with ?subject=%s" % hint)
    r = s.get("/schemas/ids/%d?subject=holder" % a["id"]).json
    if "subject" in r:
        eq((r["subject"], r.get("version")), ("holder", 1), "subject/version reported for hint")


@test
def test_soft_deleted_schema_fetchable_by_id(s):
    a = s.register("soft", REC_A).json
    expect_status(s.delete("/subjects/soft"), 200)
    r = expect_status(s.get("/schemas/ids/%d" % a["id"]), 200)
    eq(r.json.get("schema"), REC_A, "soft-deleted schema by id")
    eq(s.get("/schemas/ids/%d/subjects" % a["id"]).json, [], "id subjects without deleted")
    eq(s.get("/schemas/ids/%d/subjects?deleted=true" % a["id"]).json, ["soft"], "with deleted")


@test
def test_schema_by_id_raw_text(s):
    a = s.register("raw", REC_A).json
    r = expect_status(s.get("/schemas/ids/%d/schema" % a["id"]), 200)
    eq(r.text, REC_A, "raw schema by id")


@test
def test_schema_id_versions(s):
    a = s.register("v-one", REC_A).json
    s.register("v-two", REC_A)
    r = expect_status(s.get("/schemas/ids/%d/versions" % a["id"]), 200).json
    eq(sorted((x["subject"], x["version"]) for x in r), [("v-one", 1), ("v-two", 1)], "versions")


@test
def test_schema_guid_lookup(s):
    a = s.register("g", REC_A).json
    guid = a.get("guid")
    check(isinstance(guid, str) and len(guid) == 36 and guid.count("-") == 4,
          "register response needs a UUID guid: %r" % a)
    eq(guid, guid.lower(), "guid is lower-case")
    r = expect_status(s.get("/schemas/guids/%s" % guid), 200).json
    eq(r.get("schema"), REC_A, "schema by guid")
    r = expect_status(s.get("/schemas/guids/%s/ids" % guid), 200).json
    eq(r, [{"context": ".", "id": a["id"]}], "ids of guid")
    # guid is derived from the schema identity: the same schema elsewhere has the same guid
    eq(s.register("g2", REC_A).json.get("guid"), guid, "guid for identical schema")
    unknown = "00000000-0000-0000-0000-000000000000"
    expect_error(s.get("/schemas/guids/%s" % unknown), 40403)
    eq(expect_status(s.get("/schemas/guids/%s/ids" % unknown), 200).json, [], "unknown guid ids")


@test
def test_schema_types(s):
    r = expect_status(s.get("/schemas/types"), 200).json
    check(isinstance(r, list) and "AVRO" in r, "types must list AVRO: %r" % r)
    check(set(r) <= {"AVRO", "JSON", "PROTOBUF"}, "unexpected types: %r" % r)


@test
def test_schemas_listing_sorted_latest_only_and_deleted(s):
    set_none(s, "b")
    s.register("b", REC_A)
    s.register("b", REC_B)
    s.register("a", REC_C)
    s.register("c", REC_A)
    expect_status(s.delete("/subjects/c"), 200)
    r = expect_status(s.get("/schemas"), 200).json
    eq([(x["subject"], x["version"]) for x in r], [("a", 1), ("b", 1), ("b", 2)], "listing")
    check(all("id" in x and "schema" in x for x in r), "items are schema-version objects: %r" % r)
    r = s.get("/schemas?latestOnly=true").json
    eq([(x["subject"], x["version"]) for x in r], [("a", 1), ("b", 2)], "latestOnly")
    r = s.get("/schemas?deleted=true").json
    eq([(x["subject"], x["version"]) for x in r], [("a", 1), ("b", 1), ("b", 2), ("c", 1)], "deleted")
    r = s.get("/schemas?subjectPrefix=b").json
    eq([(x["subject"], x["version"]) for x in r], [("b", 1), ("b", 2)], "subjectPrefix")
    r = s.get("/schemas?offset=1&limit=1").json
    eq([(x["subject"], x["version"]) for x in r], [("b", 1)], "offset/limit")


# ---- 5.5 compatibility ------------------------------------------------------------------------

@test
def test_compatibility_latest_true_and_false(s):
    s.register("cmp", evolve(1))
    r = expect_status(s.post("/compatibility/subjects/cmp/versions/latest", {"schema": evolve(2)}), 200)
    eq(r.json, {"is_compatible": True}, "adding a defaulted field")
    bad = avro_record("Evolving", [{"name": "id", "type": "string"}])
    r = expect_status(s.post("/compatibility/subjects/cmp/versions/latest", {"schema": bad}), 200)
    eq(r.json.get("is_compatible"), False, "long -> string")


@test
def test_compatibility_verbose_has_messages(s):
    s.register("cmp", evolve(1))
    bad = avro_record("Evolving", [{"name": "id", "type": "string"}])
    r = expect_status(s.post("/compatibility/subjects/cmp/versions/1?verbose=true", {"schema": bad}), 200)
    eq(r.json.get("is_compatible"), False, "is_compatible")
    msgs = r.json.get("messages")
    check(isinstance(msgs, list) and len(msgs) >= 1, "verbose needs messages: %r" % r)
    r = expect_status(s.post("/compatibility/subjects/cmp/versions/1?verbose=true", {"schema": evolve(2)}), 200)
    eq(r.json.get("is_compatible"), True, "compatible verbose")
    check(isinstance(r.json.get("messages"), list), "messages present whenever verbose: %r" % r)


@test
def test_compatibility_missing_subject_latest_is_compatible(s):
    r = expect_status(s.post("/compatibility/subjects/fresh/versions/latest", {"schema": REC_A}), 200)
    eq(r.json.get("is_compatible"), True, "no versions yet")
    r = expect_status(s.post("/compatibility/subjects/fresh/versions", {"schema": REC_A}), 200)
    eq(r.json.get("is_compatible"), True, "all versions, none yet")


@test
def test_compatibility_numeric_missing_version_is_40402(s):
    expect_error(s.post("/compatibility/subjects/fresh/versions/3", {"schema": REC_A}), 40402)
    s.register("cmp", REC_A)
    expect_error(s.post("/compatibility/subjects/cmp/versions/3", {"schema": REC_A}), 40402)
    expect_status(s.delete("/subjects/cmp/versions/1"), 200)
    expect_error(s.post("/compatibility/subjects/cmp/versions/1", {"schema": REC_A}), 40402)


@test
def test_compatibility_bad_selector_42202_and_bad_schema_42201(s):
    s.register("cmp", REC_A)
    expect_error(s.post("/compatibility/subjects/cmp/versions/0", {"schema": REC_A}), 42202)
    expect_error(s.post("/compatibility/subjects/cmp/versions/latest", {"schema": "{\"type\":"}), 42201)
    r = expect_status(s.post("/compatibility/subjects/cmp/versions/latest?verbose=true",
                             {"schema": "{\"type\":"}), 200)
    eq(r.json.get("is_compatible"), False, "verbose parse failure")
    check(isinstance(r.json.get("messages"), list) and r.json["messages"], "parse error message: %r" % r)


@test
def test_compatibility_all_versions_uses_transitive_level_and_trailing_slash(s):
    set_none(s, "tr")
    v1 = avro_record("T", [{"name": "a", "type": "int"}])
    v2 = avro_record("T", [{"name": "a", "type": "int"}, {"name": "b", "type": "int", "default": 0}])
    # v3 needs field c, which neither v1 nor v2 data carries and which has no default
    v3 = avro_record("T", [{"name": "b", "type": "int", "default": 0}, {"name": "c", "type": "int"}])
    new = avro_record("T", [{"name": "b", "type": "int", "default": 0}])
    s.register("tr", v1)
    s.register("tr", v2)
    expect_status(s.put("/config/tr", {"compatibility": "BACKWARD_TRANSITIVE"}), 200)
    for path in ("/compatibility/subjects/tr/versions", "/compatibility/subjects/tr/versions/"):
        r = expect_status(s.post(path, {"schema": new}), 200)
        eq(r.json.get("is_compatible"), True, "%s: new reads v1 and v2" % path)
        r = expect_status(s.post(path, {"schema": v3}), 200)
        eq(r.json.get("is_compatible"), False, "%s: v3 cannot read v1/v2 (c has no default)" % path)


@test
def test_compatibility_single_version_ignores_transitivity(s):
    set_none(s, "one")
    old = avro_record("T", [{"name": "a", "type": "int"}])
    mid = avro_record("T", [{"name": "a", "type": "int"}, {"name": "z", "type": "int", "default": 1}])
    s.register("one", old)
    s.register("one", mid)
    expect_status(s.put("/config/one", {"compatibility": "BACKWARD_TRANSITIVE"}), 200)
    # new requires z without default: incompatible with v1 but compatible with v2 alone
    new = avro_record("T", [{"name": "a", "type": "int"}, {"name": "z", "type": "int"}])
    r = s.post("/compatibility/subjects/one/versions/latest", {"schema": new})
    eq(r.json.get("is_compatible"), True, "against latest only")
    r = s.post("/compatibility/subjects/one/versions", {"schema": new})
    eq(r.json.get("is_compatible"), False, "against all versions transitively")


@test
def test_register_incompatible_is_40901(s):
    s.register("inc", evolve(1))
    bad = avro_record("Evolving", [{"name": "id", "type": "long"}, {"name": "req", "type": "string"}])
    expect_error(s.register("inc", bad, expect=None), 40901)
    eq(s.get("/subjects/inc/versions").json, [1], "nothing registered")


@test
def test_soft_deleted_versions_excluded_from_compatibility(s):
    s.register("ex", evolve(1))
    expect_status(s.delete("/subjects/ex/versions/1"), 200)
    other = avro_record("Other", [{"name": "x", "type": "boolean"}])
    r = s.register("ex", other)
    eq(r.json.get("version"), 2, "registered despite soft-deleted incompatible v1")


@test
def test_schema_type_change_is_incompatible_unless_none(s):
    s.register("ty", REC_A)
    types = s.get("/schemas/types").json
    if "JSON" not in types:
        return  # the type change needs a second schema type; AVRO-only builds have none
    js = json.dumps({"type": "object"})
    expect_error(s.register("ty", js, expect=None, schemaType="JSON"), 40901)
    set_none(s, "ty")
    eq(s.register("ty", js, schemaType="JSON").json.get("version"), 2, "allowed under NONE")


# ---- 5.6 config ------------------------------------------------------------------------------

@test
def test_global_config_default_put_get_delete(s):
    eq(expect_status(s.get("/config"), 200).json.get("compatibilityLevel"), "BACKWARD", "default")
    r = expect_status(s.put("/config", {"compatibility": "FULL"}), 200)
    eq(r.json.get("compatibility"), "FULL", "PUT echoes `compatibility`")
    check("compatibilityLevel" not in r.json, "PUT response uses `compatibility`: %r" % r)
    r = expect_status(s.get("/config"), 200)
    eq(r.json.get("compatibilityLevel"), "FULL", "GET uses `compatibilityLevel`")
    check("compatibility" not in r.json, "GET uses `compatibilityLevel` only: %r" % r)
    r = expect_status(s.delete("/config"), 200)
    eq(r.json.get("compatibilityLevel"), "FULL", "DELETE returns previous config in GET shape")
    eq(s.get("/config").json.get("compatibilityLevel"), "BACKWARD", "back to default")


@test
def test_config_level_case_insensitive_and_invalid_42203(s):
    expect_status(s.put("/config", {"compatibility": "forward_transitive"}), 200)
    eq(s.get("/config").json.get("compatibilityLevel"), "FORWARD_TRANSITIVE", "upper-cased")
    expect_error(s.put("/config", {"compatibility": "SIDEWAYS"}), 42203)
    expect_error(s.put("/config/sub", {"compatibility": "SIDEWAYS"}), 42203)


@test
def test_config_put_keeps_absent_fields(s):
    expect_status(s.put("/config", {"compatibility": "FULL"}), 200)
    r = expect_status(s.put("/config", {"normalize": True}), 200)
    eq(r.json.get("compatibility"), "FULL", "level kept when absent")
    eq(r.json.get("normalize"), True, "normalize set")


@test
def test_subject_config_40408_and_default_to_global(s):
    expect_error(s.get("/config/sub"), 40408)
    s.register("sub", REC_A)
    expect_error(s.get("/config/sub"), 40408)
    r = expect_status(s.get("/config/sub?defaultToGlobal=true"), 200)
    eq(r.json.get("compatibilityLevel"), "BACKWARD", "effective config")


@test
def test_subject_config_put_get_delete(s):
    r = expect_status(s.put("/config/not-yet", {"compatibility": "NONE"}), 200)
    eq(r.json.get("compatibility"), "NONE", "PUT echo")
    eq(s.get("/config/not-yet").json.get("compatibilityLevel"), "NONE", "GET subject config")
    eq(s.get("/config").json.get("compatibilityLevel"), "BACKWARD", "global untouched")
    r = expect_status(s.delete("/config/not-yet"), 200)
    eq(r.json.get("compatibilityLevel"), "NONE", "DELETE returns removed config")
    expect_error(s.get("/config/not-yet"), 40408)
    expect_error(s.delete("/config/not-yet"), 40401)


@test
def test_subject_config_governs_registration(s):
    s.register("gov", evolve(1))
    bad = avro_record("Other", [{"name": "x", "type": "boolean"}])
    expect_error(s.register("gov", bad, expect=None), 40901)
    set_none(s, "gov")
    eq(s.register("gov", bad).json.get("version"), 2, "NONE lets anything in")


@test
def test_config_null_body_is_422(s):
    expect_error(s.put("/config", "null"), 422)
    expect_error(s.request("PUT", "/config", b""), 422)


# ---- 5.7 mode --------------------------------------------------------------------------------

@test
def test_mode_default_and_put_echo(s):
    eq(expect_status(s.get("/mode"), 200).json, {"mode": "READWRITE"}, "default mode")
    r = expect_status(s.put("/mode", {"mode": "READONLY"}), 200)
    eq(r.json, {"mode": "READONLY"}, "PUT echo")
    eq(s.get("/mode").json, {"mode": "READONLY"}, "GET after PUT")
    r = expect_status(s.delete("/mode"), 200)
    eq(r.json, {"mode": "READONLY"}, "DELETE returns previous mode")
    eq(s.get("/mode").json, {"mode": "READWRITE"}, "default again")


@test
def test_mode_invalid_42204(s):
    expect_error(s.put("/mode", {"mode": "SOMETIMES"}), 42204)
    expect_error(s.put("/mode/x", {"mode": "SOMETIMES"}), 42204)


@test
def test_mode_case_insensitive_input(s):
    expect_status(s.put("/mode", {"mode": "readonly"}), 200)
    eq(s.get("/mode").json.get("mode"), "READONLY", "stored upper-case")


@test
def test_readonly_refuses_writes_allows_reads_and_dedup(s):
    a = s.register("ro", REC_A).json
    expect_status(s.put("/mode", {"mode": "READONLY"}), 200)
    expect_error(s.register("ro", REC_B, expect=None), 42205)
    # dedup runs before the mode check: an existing schema is answered, not refused
    eq(s.register("ro", REC_A).json["id"], a["id"], "existing schema in READONLY")
    expect_error(s.delete("/subjects/ro/versions/1"), 42205)
    expect_error(s.delete("/subjects/ro"), 42205)
    expect_error(s.put("/config", {"compatibility": "NONE"}), 42205)
    expect_error(s.put("/config/ro", {"compatibility": "NONE"}), 42205)
    expect_error(s.delete("/config"), 42205)
    expect_status(s.get("/subjects/ro/versions/1"), 200)
    expect_status(s.post("/subjects/ro", {"schema": REC_A}), 200)
    expect_status(s.post("/compatibility/subjects/ro/versions/latest", {"schema": REC_A}), 200)
    expect_status(s.put("/mode", {"mode": "READWRITE"}), 200)
    eq(s.register("ro2", REC_B).json.get("version"), 1, "writes allowed again")


@test
def test_subject_mode_scoped_and_40409(s):
    expect_error(s.get("/mode/sm"), 40409)
    eq(expect_status(s.get("/mode/sm?defaultToGlobal=true"), 200).json.get("mode"), "READWRITE",
       "defaultToGlobal")
    eq(expect_status(s.put("/mode/sm", {"mode": "READONLY"}), 200).json, {"mode": "READONLY"}, "echo")
    eq(s.get("/mode/sm").json.get("mode"), "READONLY", "subject mode")
    expect_error(s.register("sm", REC_A, expect=None), 42205)
    s.register("other", REC_A)
    r = expect_status(s.delete("/mode/sm"), 200)
    eq(r.json.get("mode"), "READONLY", "DELETE returns previous subject mode")
    expect_error(s.delete("/mode/sm"), 40401)
    s.register("sm", REC_A)


@test
def test_import_mode_requires_empty_registry_or_force(s):
    s.register("live", REC_A)
    expect_error(s.put("/mode", {"mode": "IMPORT"}), 42205)
    expect_status(s.put("/mode?force=true", {"mode": "IMPORT"}), 200)
    eq(s.get("/mode").json.get("mode"), "IMPORT", "forced IMPORT")


@test
def test_import_mode_registers_with_explicit_ids_and_versions(s):
    expect_status(s.put("/mode", {"mode": "IMPORT"}), 200)
    r = s.register("imp", REC_A, id=100, version=5)
    eq((r.json.get("id"), r.json.get("version")), (100, 5), "explicit id and version kept")
    eq(s.get("/schemas/ids/100").json.get("schema"), REC_A, "schema by imported id")
    eq(s.get("/subjects/imp/versions").json, [5], "non-contiguous version")
    expect_error(s.register("imp", REC_B, expect=None), 42205)  # no id in IMPORT
    expect_error(s.register("imp2", REC_B, expect=None, id=100, version=1), 42205)  # id taken
    expect_status(s.put("/mode", {"mode": "READWRITE"}), 200)
    c = s.register("after", REC_C).json
    check(c["id"] > 100, "ids after an import continue above the imported ones: %r" % c)


@test
def test_readwrite_refuses_explicit_id(s):
    expect_error(s.register("rw", REC_A, expect=None, id=77), 42205)
    a = s.register("rw", REC_A).json
    # the exact schema already registered under that id is answered with 200
    eq(s.register("rw", REC_A, id=a["id"]).json["id"], a["id"], "same id re-sent")


@test
def test_subject_level_import_mode(s):
    s.register("busy", REC_A)
    expect_status(s.put("/mode/imp", {"mode": "IMPORT"}), 200)
    r = s.register("imp", REC_B, id=50, version=1)
    eq(r.json.get("id"), 50, "import into subject in IMPORT mode")
    expect_error(s.register("busy", REC_C, expect=None, id=51), 42205)


# ---- 5.8 contexts, qualified subjects -----------------------------------------------------------

@test
def test_contexts_list_and_own_id_space(s):
    s.register("d1", REC_A)
    s.register("d2", REC_B)
    r = s.register(":.staging:orders", REC_C).json
    eq(r["id"], 1, "first id in a new context")
    eq(s.get("/contexts").json, [".", ".staging"], "contexts")
    eq(s.get("/subjects").json, [":.staging:orders", "d1", "d2"], "qualified names sort first")
    eq(s.get("/subjects/%s/versions" % q(":.staging:orders")).json, [1], "qualified versions")
    r = s.get("/schemas/ids/1?subject=%s" % q(":.staging:orders")).json
    eq(r.get("schema"), REC_C, "id 1 in .staging")
    eq(s.get("/schemas/ids/1").json.get("schema"), REC_A, "id 1 in default context")


@test
def test_same_schema_in_other_context_gets_that_contexts_id(s):
    s.register("x", REC_B)
    a = s.register("y", REC_A).json
    b = s.register(":.c2:y", REC_A).json
    eq(a["id"], 2, "default context id")
    eq(b["id"], 1, "context id")


@test
def test_contexts_url_prefix_form(s):
    expect_status(s.post("/contexts/.staging/subjects/orders/versions", {"schema": REC_A}), 200)
    eq(s.get("/subjects/%s/versions/1" % q(":.staging:orders")).json.get("schema"), REC_A, "same subject")
    eq(s.get("/contexts/staging/subjects/orders/versions").json, [1], "ctx without leading dot")
    eq(s.get("/contexts/.staging/subjects").json, [":.staging:orders"], "subjects under context")


@test
def test_default_context_qualified_name_is_unqualified(s):
    s.register(":.:plain", REC_A)
    eq(s.get("/subjects").json, ["plain"], "normalised to the default context")
    eq(s.get("/subjects/plain/versions").json, [1], "unqualified access")


@test
def test_unqualified_read_falls_back_to_other_contexts(s):
    a = s.register(":.other:only-there", REC_A).json
    r = expect_status(s.get("/subjects/only-there/versions/1"), 200).json
    eq(r.get("id"), a["id"], "fallback by bare name")
    r = expect_status(s.post("/subjects/only-there", {"schema": REC_A}), 200).json
    eq(r.get("id"), a["id"], "lookup falls back")
    expect_error(s.get("/subjects/%s/versions/1" % q(":.third:only-there")), 40401)


@test
def test_delete_context_requires_empty(s):
    s.register(":.gone:s", REC_A)
    expect_error(s.delete("/contexts/%s" % q(":.gone:")), 42211)
    expect_status(s.delete("/subjects/%s" % q(":.gone:s")), 200)
    expect_error(s.delete("/contexts/%s" % q(":.gone:")), 42211)  # soft-deleted still counts
    expect_status(s.delete("/subjects/%s?permanent=true" % q(":.gone:s")), 200)
    r = s.delete("/contexts/%s" % q(":.gone:"))
    eq(r.status, 204, "empty context deleted")
    eq(r.body, b"", "204 has no body")
    eq(s.delete("/contexts/%s" % q(":.never:")).status, 204, "unknown context")


@test
def test_context_config(s):
    expect_status(s.put("/config/%s" % q(":.ctx:"), {"compatibility": "NONE"}), 200)
    eq(s.get("/contexts/.ctx/config").json.get("compatibilityLevel"), "NONE", "context config")
    s.register(":.ctx:s", evolve(1))
    other = avro_record("Z", [{"name": "q", "type": "boolean"}])
    eq(s.register(":.ctx:s", other).json.get("version"), 2, "context level NONE applies")


@test
def test_invalid_subject_names_42208(s):
    for name in ("bad\nname", "tab\there", "__GLOBAL", "__EMPTY", ":.__GLOBAL:x"):
        expect_error(s.register(name, REC_A, expect=None), 42208)
    eq(s.get("/subjects?deleted=true").json, [], "nothing registered")


@test
def test_unusual_but_valid_subject_names(s):
    for name in ("with space", "ünïcödé", "a+b", "dots.and-dashes_"):
        s.register(name, REC_A)
    eq(sorted(s.get("/subjects").json), sorted(["with space", "ünïcödé", "a+b", "dots.and-dashes_"]),
       "subjects")


# ---- 5.9 server metadata, 5.10 out of scope -----------------------------------------------------

@test
def test_server_metadata(s):
    r = expect_status(s.get("/v1/metadata/id"), 200).json
    scope = r.get("scope", {})
    check(isinstance(scope.get("path"), list), "scope.path: %r" % r)
    clusters = scope.get("clusters", {})
    check(isinstance(clusters.get("kafka-cluster"), str), "kafka-cluster: %r" % r)
    eq(clusters.get("schema-registry-cluster"), "schema-registry", "schema-registry-cluster")
    r = expect_status(s.get("/v1/metadata/version"), 200).json
    check(isinstance(r.get("version"), str) and r["version"], "version string: %r" % r)
    check(isinstance(r.get("commitId"), str), "commitId: %r" % r)
    eq(expect_status(s.get("/v1/metadata/deployment"), 200).json, {"attributes": []}, "deployment")


@test
def test_out_of_scope_routes_are_404(s):
    for path in ("/associations/resources/-/t?resourceType=topic&associationType=value",
                 "/associations/resources/-/orders?resourceType=topic&associationType=key",
                 "/associations", "/exporters", "/exporters/x/status",
                 "/dek-registry/v1/keks", "/dek-registry/v1/keks/k/deks/s"):
        r = s.get(path)
        eq(r.status, 404, "GET %s status" % path)
        check(r.error_code() in (404, 40410), "GET %s error body: %r" % (path, r))


# ---- wire rules (1.1 - 1.3) ---------------------------------------------------------------

@test
def test_percent_encoded_slash_in_subject(s):
    s.register("google/protobuf/timestamp.proto", REC_A)
    eq(s.get("/subjects").json, ["google/protobuf/timestamp.proto"], "decoded name stored")
    eq(s.get("/subjects/google%2Fprotobuf%2Ftimestamp.proto/versions").json, [1], "decoded after split")
    eq(s.get("/subjects/google%2fprotobuf%2ftimestamp.proto/versions").json, [1], "lower-case %2f too")
    expect_error(s.get("/subjects/google/protobuf/versions"), 404)


@test
def test_percent_encoded_colon_context_subject(s):
    s.register(":.ctx:sub", REC_A, path_subject="%3A.ctx%3Asub")
    eq(s.get("/subjects").json, [":.ctx:sub"], "qualified subject via %3A")
    eq(s.get("/subjects/:.ctx:sub/versions").json, [1], "literal colons")


@test
def test_plus_is_not_space_in_paths(s):
    s.register("a+b", REC_A, path_subject="a+b")
    eq(s.get("/subjects").json, ["a+b"], "plus kept")
    expect_error(s.get("/subjects/a%20b/versions"), 40401)


@test
def test_trailing_slash_tolerated(s):
    s.register("ts", REC_A)
    eq(expect_status(s.get("/subjects/"), 200).json, ["ts"], "GET /subjects/")
    eq(expect_status(s.get("/subjects/ts/versions/"), 200).json, [1], "versions/")
    r = expect_status(s.post("/subjects/ts2/versions/", {"schema": REC_B}), 200)
    check("id" in r.json, "register with trailing slash: %r" % r)
    expect_status(s.get("/config/"), 200)
    expect_status(s.get("/schemas/types/"), 200)


@test
def test_boolean_query_params(s):
    s.register("bq", REC_A)
    expect_status(s.delete("/subjects/bq"), 200)
    eq(s.get("/subjects?deleted=TRUE").json, ["bq"], "TRUE is true")
    eq(s.get("/subjects?deleted=True").json, ["bq"], "True is true")
    eq(s.get("/subjects?deleted=1").json, [], "1 is false")
    eq(s.get("/subjects?deleted=yes").json, [], "yes is false")
    eq(s.get("/subjects?deleted=false&deletedOnly=false").json, [], "explicit false")


@test
def test_unknown_json_fields_ignored(s):
    r = s.register("uf", REC_A, schemaTagsToAdd=None, propagateSchemaTags=False, whatever={"x": [1]},
                   metadata=None, ruleSet=None, references=[])
    eq(r.json.get("version"), 1, "registered")
    expect_status(s.put("/config", {"compatibility": "FULL", "unknownThing": 1}), 200)


@test
def test_content_types_accepted(s):
    for i, ct in enumerate((V1, "application/vnd.schemaregistry+json", "application/json",
                            "application/octet-stream", "application/json; charset=utf-8", None)):
        r = s.post("/subjects/ct%d/versions" % i, {"schema": REC_A}, content_type=ct)
        expect_status(r, 200)
        check("id" in r.json, "content type %r: %r" % (ct, r))


@test
def test_unsupported_content_type_is_415(s):
    r = s.post("/subjects/ct/versions", {"schema": REC_A}, content_type="text/plain")
    expect_error(r, 415)
    r = s.post("/subjects/ct/versions", {"schema": REC_A}, content_type="application/xml")
    expect_error(r, 415)
    # a content type on a request without a body is ignored
    expect_status(s.get("/subjects", headers={"Content-Type": "text/plain"}), 200)


@test
def test_accept_negotiation(s):
    cases = ((None, V1), ("*/*", V1), ("text/html, image/gif, *; q=.2, */*; q=.2", V1),
             ("application/json", "application/json"),
             ("application/vnd.schemaregistry+json", "application/vnd.schemaregistry+json"),
             ("application/json, text/plain, */*", V1),
             ("application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json", V1))
    for accept, want in cases:
        hdrs = {"Accept": accept} if accept else {}
        r = expect_status(s.get("/subjects", headers=hdrs), 200)
        ct = r.headers.get("content-type", "").split(";")[0].strip()
        eq(ct, want, "response content type for Accept %r" % accept)
    r = s.get("/subjects/nope/versions", headers={"Accept": "application/json"})
    expect_error(r, 40401)


@test
def test_wrong_method_on_known_route_is_405(s):
    for method, path in (("DELETE", "/schemas/types"), ("PUT", "/subjects"), ("POST", "/schemas/ids/1"),
                         ("PATCH", "/config")):
        r = s.request(method, path, {} if method in ("PUT", "POST", "PATCH") else None)
        expect_error(r, 405)


@test
def test_unknown_route_is_404(s):
    for path in ("/nope", "/subjects/x/versions/1/extra/thing", "/schemas/ids", "/v2/subjects"):
        expect_error(s.get(path), 404)


@test
def test_wrong_json_types_are_400(s):
    for body in ({"schema": {"type": "string"}}, {"schema": REC_A, "references": "x"},
                 {"schema": REC_A, "version": "x"}, {"schema": REC_A, "id": "seven"}):
        expect_error(s.post("/subjects/wt/versions", body), 400)
    expect_error(s.put("/mode", {"mode": ["READONLY"]}), 400)


@test
def test_keep_alive_serves_several_requests_on_one_connection(s):
    import socket
    set_none(s, "ka")
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    try:
        f = sock.makefile("rb")
        for i in range(5):
            body = json.dumps({"schema": avro_record("K%d" % i, [])}).encode()
            sock.sendall(b"POST /subjects/ka/versions HTTP/1.1\r\nHost: x\r\nContent-Type: " + V1.encode()
                         + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            status_line = f.readline()
            check(status_line.startswith(b"HTTP/1.1 200"), "request %d on kept connection: %r" % (i, status_line))
            length = None
            while True:
                ln = f.readline()
                if ln in (b"\r\n", b""):
                    break
                k, _, v = ln.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
                if k.strip().lower() == b"connection":
                    check(v.strip().lower() != b"close", "server closes a keep-alive connection")
            check(length is not None, "response needs Content-Length on a kept connection")
            resp = json.loads(f.read(length))
            eq(resp.get("version"), i + 1, "version of request %d" % i)
        f.close()
    finally:
        sock.close()


# ---- Avro canonical form and references (2.4, 3.1, 6.1) -------------------------------------

@test
def test_avro_canonical_form_ignores_key_order_and_whitespace(s):
    canon = ('{"type":"record","name":"Order","namespace":"com.acme","doc":"an order",'
             '"fields":[{"name":"id","type":"long","doc":"key","default":0},'
             '{"name":"tags","type":{"type":"array","items":"string"}}]}')
    scrambled = ('{ "fields" : [ { "default": 0, "doc": "key", "type": "long", "name": "id" },\n'
                 '  {"type": {"items": {"type": "string"}, "type": "array"}, "name": "tags"} ],\n'
                 '  "doc": "an order", "namespace": "com.acme", "name": "Order", "type": "record" }')
    a = s.register("canon-a", scrambled).json
    eq(a.get("schema"), canon, "stored canonical text")
    b = s.register("canon-b", canon).json
    eq(b["id"], a["id"], "same id for the same schema in another order")
    eq(s.get("/subjects/canon-a/versions/1").json.get("schema"), canon, "GET returns canonical text")
    eq(s.get("/schemas/ids/%d" % a["id"]).json.get("schema"), canon, "id lookup returns canonical text")
    r = s.post("/subjects/canon-a", {"schema": canon})
    eq(r.json.get("version"), 1, "lookup with the canonical text")
    r = s.post("/subjects/canon-b", {"schema": scrambled})
    eq(r.json.get("version"), 1, "lookup with the scrambled text")


@test
def test_avro_primitive_object_form_canonicalised(s):
    r = s.register("prim", '{"type":"string"}').json
    eq(r.get("schema"), '"string"', "{\"type\":\"string\"} becomes \"string\"")
    eq(s.register("prim2", ' "string" ').json["id"], r["id"], "same id")


@test
def test_avro_enum_canonical_member_order(s):
    text = json.dumps({"symbols": ["A", "B"], "name": "E", "type": "enum", "default": "A"})
    r = s.register("en", text).json
    eq(r.get("schema"), '{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}', "enum canonical")


@test
def test_avro_references_between_subjects(s):
    addr = json.dumps({"type": "record", "name": "Address", "namespace": "com.acme",
                       "fields": [{"name": "street", "type": "string"}]})
    a = s.register("address-value", addr).json
    order = json.dumps({"type": "record", "name": "Order", "namespace": "com.acme",
                        "fields": [{"name": "ship_to", "type": "com.acme.Address"}]})
    refs = [{"name": "com.acme.Address", "subject": "address-value", "version": 1}]
    o = s.register("order-value", order, references=refs).json
    check(o["id"] != a["id"], "distinct ids")
    v = s.get("/subjects/order-value/versions/1").json
    eq(v.get("references"), refs, "references returned")
    byid = s.get("/schemas/ids/%d" % o["id"]).json
    eq(byid.get("references"), refs, "references on id lookup")
    eq(s.get("/subjects/address-value/versions/1/referencedby").json, [o["id"]], "referencedby")
    # lookup with the same references finds it
    eq(s.post("/subjects/order-value", {"schema": order, "references": refs}).json.get("id"), o["id"], "lookup")
    # without the reference the named type is unknown
    expect_error(s.register("order2", order, expect=None), 42201)
    # unresolvable references
    expect_error(s.register("order3", order, expect=None,
                            references=[{"name": "com.acme.Address", "subject": "address-value", "version": 9}]),
                 42201)
    expect_error(s.register("order4", order, expect=None,
                            references=[{"name": "com.acme.Address", "subject": "nowhere", "version": 1}]),
                 42201)


@test
def test_reference_version_minus_one_is_stored_concrete(s):
    set_none(s, "addr")
    s.register("addr", avro_record("Addr", [{"name": "s", "type": "string"}]))
    s.register("addr", avro_record("Addr", [{"name": "s", "type": "string"},
                                            {"name": "n", "type": "int", "default": 0}]))
    user = avro_record("User", [{"name": "a", "type": "Addr"}])
    s.register("user", user, references=[{"name": "Addr", "subject": "addr", "version": -1}])
    eq(s.get("/subjects/user/versions/1").json.get("references"),
       [{"name": "Addr", "subject": "addr", "version": 2}], "-1 stored as the latest number")


@test
def test_referenced_version_delete_is_42206_before_40407(s):
    addr = avro_record("Addr", [{"name": "s", "type": "string"}])
    s.register("addr", addr)
    user = avro_record("User", [{"name": "a", "type": "Addr"}])
    s.register("user", user, references=[{"name": "Addr", "subject": "addr", "version": 1}])
    expect_error(s.delete("/subjects/addr/versions/1"), 42206)
    expect_error(s.delete("/subjects/addr/versions/1?permanent=true"), 42206)  # 42206 precedes 40407
    expect_error(s.delete("/subjects/addr"), 42206)
    # once the referrer is soft-deleted a soft delete is allowed, a permanent one is not
    expect_status(s.delete("/subjects/user"), 200)
    expect_status(s.delete("/subjects/addr/versions/1"), 200)
    expect_error(s.delete("/subjects/addr/versions/1?permanent=true"), 42206)
    expect_status(s.delete("/subjects/user?permanent=true"), 200)
    expect_status(s.delete("/subjects/addr/versions/1?permanent=true"), 200)


@test
def test_new_schema_may_not_reference_soft_deleted_version(s):
    set_none(s, "addr")
    s.register("addr", avro_record("Addr", [{"name": "s", "type": "string"}]))
    s.register("addr", avro_record("Other", [{"name": "t", "type": "string"}]))
    expect_status(s.delete("/subjects/addr/versions/1"), 200)
    user = avro_record("User", [{"name": "a", "type": "Addr"}])
    expect_error(s.register("user", user, expect=None,
                            references=[{"name": "Addr", "subject": "addr", "version": 1}]), 42201)


@test
def test_reference_missing_fields_is_42201(s):
    s.register("addr", avro_record("Addr", [{"name": "s", "type": "string"}]))
    user = avro_record("User", [{"name": "a", "type": "Addr"}])
    expect_error(s.register("user", user, expect=None, references=[{"name": "Addr", "subject": "addr"}]), 42201)


# ---- register validation (3.3, 5.3) ---------------------------------------------------------

@test
def test_register_explicit_version_must_be_next(s):
    expect_error(s.register("ev", REC_A, expect=None, version=3), 42201)
    eq(s.register("ev", REC_A, version=1).json.get("version"), 1, "explicit next version accepted")


@test
def test_register_empty_schema_without_previous_is_42201(s):
    expect_error(s.post("/subjects/empty/versions", {"schema": ""}), 42201)
    expect_error(s.post("/subjects/empty/versions", {}), 42201)


@test
def test_register_schema_type_rules(s):
    eq(s.register("st", REC_A, schemaType="AVRO").json.get("schemaType"), "AVRO", "explicit AVRO")
    eq(s.register("st2", REC_B, schemaType=None).json.get("schemaType"), "AVRO", "null means AVRO")
    expect_error(s.register("st3", REC_C, expect=None, schemaType="avro"), 42201)
    expect_error(s.register("st4", REC_C, expect=None, schemaType="XML"), 42201)


@test
def test_register_invalid_avro_is_42201(s):
    for bad in ('{"type":"record"}', '{"type":"record","name":"R","fields":[{"name":"f"}]}',
                '{"type":"nosuchtype"}', 'not json at all', '{"type":"enum","name":"E","symbols":[1]}',
                avro_record("R", [{"name": "f", "type": "int", "default": "x"}]),
                avro_record("R", [{"name": "f", "type": "int"}, {"name": "f", "type": "int"}]),
                '{"type":"fixed","name":"F"}', '["int","int"]', '{"type":"array"}'):
        expect_error(s.register("bad", bad, expect=None), 42201)
    expect_error(s.get("/subjects/bad/versions"), 40401)


# ---- rule sets (3.2) -----------------------------------------------------------------------

def _rule(name, mode="WRITE", **kw):
    r = {"name": name, "kind": "CONDITION", "mode": mode, "type": "CEL", "expr": "true"}
    r.update(kw)
    return r


@test
def test_valid_rule_set_is_stored_and_returned(s):
    rs = {"domainRules": [_rule("checkOne")]}
    r = s.register("rules", REC_A, ruleSet=rs)
    got = s.get("/subjects/rules/versions/%d" % r.json["version"]).json
    eq(got.get("ruleSet", {}).get("domainRules", [{}])[0].get("name"), "checkOne", "stored ruleSet")


@test
def test_invalid_rule_sets_are_42210(s):
    bad_sets = (
        {"domainRules": [_rule("dup"), _rule("dup")]},                  # duplicate name
        {"domainRules": [{"kind": "CONDITION", "mode": "WRITE", "type": "CEL"}]},  # no name
        {"domainRules": [{"name": "noType", "kind": "CONDITION", "mode": "WRITE"}]},
        {"migrationRules": [_rule("mig", mode="WRITE")]},              # migration rule, non-migration mode
        {"domainRules": [_rule("dom", mode="UPGRADE")]},               # domain rule, migration mode
        {"domainRules": [_rule("9starts-with-digit")]},
    )
    for rs in bad_sets:
        expect_error(s.register("rules", REC_A, expect=None, ruleSet=rs), 42210)
    expect_error(s.get("/subjects/rules/versions"), 40401)
    expect_error(s.put("/config", {"defaultRuleSet": {"domainRules": [_rule("d"), _rule("d")]}}), 42210)


# ---- further rules from sections 2 and 5 ------------------------------------------------------

@test
def test_reregistration_removes_older_soft_deleted_version_with_same_id(s):
    a = s.register("re", REC_A).json
    expect_status(s.delete("/subjects/re/versions/1"), 200)
    r = s.register("re", REC_A).json
    eq((r["id"], r.get("version")), (a["id"], 2), "same id, next version")
    eq(s.get("/subjects/re/versions?deleted=true").json, [2], "soft-deleted v1 with that id is gone")


@test
def test_register_with_version_minus_one_dedups(s):
    first = s.register("vm", REC_A).json
    again = s.register("vm", REC_A, version=-1).json
    eq((again["id"], again.get("version")), (first["id"], 1), "version -1 dedups to the latest")


@test
def test_referencedby_deleted_flag(s):
    s.register("addr", avro_record("Addr", [{"name": "s", "type": "string"}]))
    u = s.register("user", avro_record("User", [{"name": "a", "type": "Addr"}]),
                   references=[{"name": "Addr", "subject": "addr", "version": 1}]).json
    expect_status(s.delete("/subjects/user"), 200)
    eq(s.get("/subjects/addr/versions/1/referencedby").json, [], "soft-deleted referrer hidden")
    eq(s.get("/subjects/addr/versions/1/referencedby?deleted=true").json, [u["id"]], "with deleted=true")


@test
def test_schema_id_versions_deleted_flag(s):
    a = s.register("v1s", REC_A).json
    s.register("v2s", REC_A)
    expect_status(s.delete("/subjects/v1s"), 200)
    r = s.get("/schemas/ids/%d/versions" % a["id"]).json
    eq([(x["subject"], x["version"]) for x in r], [("v2s", 1)], "live only")
    r = s.get("/schemas/ids/%d/versions?deleted=true" % a["id"]).json
    eq(sorted((x["subject"], x["version"]) for x in r), [("v1s", 1), ("v2s", 1)], "with deleted")


@test
def test_subjects_prefix_across_contexts(s):
    s.register("plain", REC_A)
    s.register(":.ctx:inner", REC_B)
    eq(s.get("/subjects?subjectPrefix=:*:").json, [":.ctx:inner", "plain"], "wildcard")
    eq(s.get("/subjects?subjectPrefix=").json, ["plain"], "explicitly empty prefix: default context")
    eq(s.get("/subjects?subjectPrefix=%s" % q(":.ctx:")).json, [":.ctx:inner"], "context prefix")
    eq([x["subject"] for x in s.get("/schemas").json], ["plain"], "/schemas default: default context")
    eq([x["subject"] for x in s.get("/schemas?subjectPrefix=%s" % q(":.ctx:")).json], [":.ctx:inner"],
       "/schemas in a context")


@test
def test_context_prefix_schema_by_id(s):
    s.register("d", REC_A)
    s.register(":.ctx:x", REC_B)
    eq(s.get("/contexts/.ctx/schemas/ids/1").json.get("schema"), REC_B, "id 1 inside .ctx")
    eq(s.get("/schemas/ids/1").json.get("schema"), REC_A, "id 1 in the default context")


@test
def test_guid_same_across_contexts(s):
    a = s.register("g", REC_A).json
    b = s.register(":.other:g", REC_A).json
    eq(b.get("guid"), a.get("guid"), "guid depends on the schema only")
    ids = s.get("/schemas/guids/%s/ids" % a["guid"]).json
    eq(ids, [{"context": ".", "id": a["id"]}, {"context": ".other", "id": b["id"]}], "ids per context")


@test
def test_mode_forward_only_on_global_context(s):
    expect_error(s.put("/mode", {"mode": "FORWARD"}), 42204)
    expect_error(s.put("/mode/x", {"mode": "FORWARD"}), 42204)


@test(server_args=("--mode-mutability", "false"))
def test_mode_mutability_false_refuses_mode_changes(s):
    expect_error(s.put("/mode", {"mode": "READONLY"}), 42205)
    expect_error(s.put("/mode/x", {"mode": "READONLY"}), 42205)
    eq(s.get("/mode").json.get("mode"), "READWRITE", "unchanged")


@test
def test_context_mode_applies_to_its_subjects(s):
    expect_status(s.put("/mode/%s" % q(":.ro:"), {"mode": "READONLY"}), 200)
    eq(s.get("/mode/%s" % q(":.ro:")).json.get("mode"), "READONLY", "context mode")
    expect_error(s.register(":.ro:s", REC_A, expect=None), 42205)
    s.register("elsewhere", REC_A)


@test
def test_delete_mode_recursive(s):
    expect_status(s.put("/mode/a", {"mode": "READONLY"}), 200)
    expect_status(s.put("/mode/b", {"mode": "IMPORT"}), 200)
    expect_status(s.delete("/mode?recursive=true"), 200)
    expect_error(s.get("/mode/a"), 40409)
    expect_error(s.get("/mode/b"), 40409)


@test
def test_readonly_override_wins_over_subject_mode(s):
    expect_status(s.put("/mode/sub", {"mode": "READWRITE"}), 200)
    expect_status(s.put("/mode", {"mode": "READONLY_OVERRIDE"}), 200)
    expect_error(s.register("sub", REC_A, expect=None), 42205)


@test
def test_hard_delete_of_last_version_drops_subject_config(s):
    s.register("last", REC_A)
    expect_status(s.put("/config/last", {"compatibility": "NONE"}), 200)
    expect_status(s.delete("/subjects/last/versions/1"), 200)
    eq(s.get("/config/last").json.get("compatibilityLevel"), "NONE", "config kept on soft delete (8.1+)")
    expect_status(s.delete("/subjects/last/versions/1?permanent=true"), 200)
    expect_error(s.get("/config/last"), 40408)


@test
def test_normalize_param_dedups_equivalent_schemas(s):
    # the normalized text (stored when normalize=true) may differ from the plain canonical
    # text, so compare normalized registrations with each other
    a = expect_status(s.post("/subjects/n/versions?normalize=true", {"schema": REC_A}), 200).json
    spaced = ' { "fields" : [ { "type" : "string" , "name" : "a" } ] , "name" : "A" , "type" : "record" } '
    r = expect_status(s.post("/subjects/n/versions?normalize=true", {"schema": spaced}), 200)
    eq((r.json["id"], r.json.get("version")), (a["id"], 1), "normalized registration dedups")
    r = expect_status(s.post("/subjects/n?normalize=true", {"schema": spaced}), 200)
    eq(r.json.get("version"), 1, "normalized lookup")
    expect_status(s.put("/config/n2", {"normalize": True}), 200)
    r = expect_status(s.post("/subjects/n2/versions", {"schema": spaced}), 200)
    eq(r.json["id"], a["id"], "normalize from the subject config")


@test
def test_resolved_format_inlines_references(s):
    s.register("addr", avro_record("Addr", [{"name": "s", "type": "string"}]))
    u = s.register("user", avro_record("User", [{"name": "a", "type": "Addr"}]),
                   references=[{"name": "Addr", "subject": "addr", "version": 1}]).json
    r = expect_status(s.get("/schemas/ids/%d?format=resolved" % u["id"]), 200).json
    doc = json.loads(r["schema"])
    eq(doc["fields"][0]["type"].get("name") if isinstance(doc["fields"][0]["type"], dict) else None, "Addr",
       "referenced record inlined")
    r = expect_status(s.get("/schemas/ids/%d?format=nonsense" % u["id"]), 200).json
    eq(json.loads(r["schema"])["fields"][0]["type"], "Addr", "unknown format: canonical text")


@test
def test_subject_names_sort_by_bytes(s):
    for name in ("b", "B", "a", "ä", "_x", ":.c:z"):
        s.register(name, REC_A)
    eq(s.get("/subjects").json, [":.c:z", "B", "_x", "a", "b", "ä"], "byte order")


@test
def test_global_pseudo_context_config(s):
    expect_status(s.put("/config/%s" % q(":.__GLOBAL:"), {"compatibility": "NONE"}), 200)
    eq(s.get("/config/%s" % q(":.__GLOBAL:")).json.get("compatibilityLevel"), "NONE", "stored")
    eq(s.get("/config?defaultToGlobal=true").json.get("compatibilityLevel"), "NONE", "fallback for top level")
    s.register("g", evolve(1))
    eq(s.register("g", avro_record("Other", [{"name": "x", "type": "int"}])).json.get("version"), 2,
       ":.__GLOBAL: NONE applies when nothing else is set")


# ---- more wire details ---------------------------------------------------------------------------

@test
def test_client_headers_are_ignored(s):
    hdrs = {"Confluent-Accept-Unknown-Properties": "true", "Confluent-Client-Version": "java/8.1.0",
            "User-Agent": "@kafkajs/confluent-schema-registry", "Authorization": "Basic dXNlcjpwYXNz",
            "X-Forward": "true", "target-sr-cluster": "lsrc-123", "Confluent-Identity-Pool-Id": "pool-1"}
    r = s.post("/subjects/h/versions", {"schema": REC_A}, headers=hdrs)
    expect_status(r, 200)
    expect_status(s.get("/subjects/h/versions/1", headers=hdrs), 200)


@test
def test_raw_schema_endpoints_use_a_json_content_type(s):
    a = s.register("rawct", REC_A).json
    for path in ("/subjects/rawct/versions/1/schema", "/schemas/ids/%d/schema" % a["id"]):
        r = expect_status(s.get(path), 200)
        ct = r.headers.get("content-type", "")
        check(ct.startswith("application/") and "json" in ct, "%s content type %r" % (path, ct))


@test
def test_versions_offset_and_limit(s):
    set_none(s, "pg")
    for sch in (REC_A, REC_B, REC_C):
        s.register("pg", sch)
    eq(s.get("/subjects/pg/versions?offset=1&limit=1").json, [2], "page")
    eq(s.get("/subjects/pg/versions?offset=5").json, [], "offset past the end")


@test
def test_http10_request_is_answered_and_closed(s):
    import socket
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=20)
    try:
        sock.sendall(b"GET /subjects HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break  # the server closed the connection, as HTTP/1.0 without keep-alive requires
            data += chunk
    finally:
        sock.close()
    check(data.startswith(b"HTTP/1."), "response to HTTP/1.0: %r" % data[:100])
    check(b" 200 " in data.split(b"\r\n")[0], "status line: %r" % data[:100])
    eq(data.partition(b"\r\n\r\n")[2], b"[]", "body")


@test
def test_schema_id_subjects_with_context_hint(s):
    s.register("d", REC_A)
    s.register(":.ctx:x", REC_B)
    eq(s.get("/schemas/ids/1/subjects?subject=%s" % q(":.ctx:")).json, [":.ctx:x"], "context selected by hint")
    eq(s.get("/schemas/ids/1/subjects").json, ["d"], "default context")


# ---- config features of 2.7: alias, compatibilityGroup, metadata merge -----------------------

@test
def test_alias_rewrites_subject_requests(s):
    a = s.register("target", REC_A).json
    expect_status(s.put("/config/nick", {"alias": "target"}), 200)
    r = expect_status(s.get("/subjects/nick/versions/1"), 200).json
    eq((r.get("id"), r.get("subject")), (a["id"], "target"), "alias resolves to the target subject")
    eq(s.get("/config/nick").json.get("alias"), "target", "/config/{alias} is not rewritten")
    r = expect_status(s.get("/schemas/ids/%d?subject=nick" % a["id"]), 200).json
    eq(r.get("schema"), REC_A, "id lookup with an alias hint")


@test
def test_compatibility_group_limits_the_compared_versions(s):
    expect_status(s.put("/config/grp", {"compatibility": "BACKWARD", "compatibilityGroup": "major"}), 200)
    s.register("grp", evolve(1), metadata={"properties": {"major": "1"}})
    other = avro_record("Other", [{"name": "x", "type": "boolean"}])
    expect_error(s.register("grp", other, expect=None, metadata={"properties": {"major": "1"}}), 40901)
    r = s.register("grp", other, metadata={"properties": {"major": "2"}})
    eq(r.json.get("version"), 2, "a new group starts without compatibility constraints")


@test
def test_metadata_inherited_on_reregistration(s):
    s.register("mi", REC_A, metadata={"properties": {"owner": "team-a"}})
    r = s.register("mi", REC_A).json
    eq(r.get("version"), 1, "same schema without metadata dedups to the version carrying metadata")
    eq(s.get("/subjects/mi/versions").json, [1], "no new version")


@test
def test_confluent_version_property_rewritten(s):
    s.register("cv", REC_A, metadata={"properties": {"confluent:version": "7"}})
    md = s.get("/subjects/cv/versions/1").json.get("metadata", {})
    eq(md.get("properties", {}).get("confluent:version"), "1", "rewritten to the new version number")


@test
def test_default_and_override_metadata_from_config(s):
    expect_status(s.put("/config/dm", {"defaultMetadata": {"properties": {"team": "x", "tier": "1"}},
                                       "overrideMetadata": {"properties": {"tier": "9"}}}), 200)
    s.register("dm", REC_A, metadata={"properties": {"team": "mine", "tier": "2"}})
    props = s.get("/subjects/dm/versions/1").json.get("metadata", {}).get("properties", {})
    eq(props.get("team"), "mine", "request overlays the default")
    eq(props.get("tier"), "9", "override wins over the request")


@test
def test_import_mode_switch_purges_soft_deleted_leftovers(s):
    s.register("left", REC_A)
    expect_status(s.delete("/subjects/left"), 200)
    expect_status(s.put("/mode", {"mode": "IMPORT"}), 200)  # no live subjects: allowed
    eq(s.get("/subjects?deleted=true").json, [], "soft-deleted leftovers hard-deleted")
    r = s.register("left", REC_B, id=7, version=1)
    eq((r.json.get("id"), r.json.get("version")), (7, 1), "import into the purged subject")


@test
def test_import_same_schema_under_two_ids(s):
    expect_status(s.put("/mode", {"mode": "IMPORT"}), 200)
    s.register("i1", REC_A, id=10, version=1)
    s.register("i2", REC_A, id=11, version=1)
    eq(s.get("/schemas/ids/10").json.get("schema"), REC_A, "id 10")
    eq(s.get("/schemas/ids/11").json.get("schema"), REC_A, "id 11")
    eq(s.get("/subjects/i2/versions/1").json.get("id"), 11, "i2 keeps its imported id")


@test
def test_avro_canonical_printing_matches_javas_member_order(s):
    # Input with every member out of order; expected text follows Avro Java's Schema.toString():
    # named types type,name,namespace(if it differs),doc,fields|symbols|size,[enum default],props,aliases;
    # fields name,type,doc,default,order(unless ascending),aliases,props; a named type seen before
    # is printed by its (namespace-relative) name.
    scrambled = json.dumps({
        "fields": [
            {"type": "string", "name": "s", "order": "ascending", "aliases": ["s0"], "doc": "S", "custom": "c1"},
            {"name": "inner", "type": {"fields": [{"name": "x", "type": "int"}], "type": "record",
                                       "name": "com.acme.Inner"}},
            {"name": "again", "type": "Inner"},
            {"name": "ms", "type": {"values": "long", "type": "map", "mprop": 1}},
            {"name": "arr", "type": {"items": {"type": "string", "avro.java.string": "String"}, "type": "array"}},
            {"name": "e", "default": "B", "type": {"symbols": ["A", "B"], "type": "enum", "name": "E",
                                                   "default": "A", "doc": "en"}},
            {"name": "f", "type": {"size": 2, "type": "fixed", "name": "F", "namespace": "other"}},
            {"name": "d", "type": "long", "order": "descending", "default": 5},
        ],
        "aliases": ["OldOrder"], "doc": "top", "name": "com.acme.Order", "type": "record", "x-prop": "p"})
    expected = (
        '{"type":"record","name":"Order","namespace":"com.acme","doc":"top","fields":['
        '{"name":"s","type":"string","doc":"S","aliases":["s0"],"custom":"c1"},'
        '{"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}},'
        '{"name":"again","type":"Inner"},'
        '{"name":"ms","type":{"type":"map","values":"long","mprop":1}},'
        '{"name":"arr","type":{"type":"array","items":{"type":"string","avro.java.string":"String"}}},'
        '{"name":"e","type":{"type":"enum","name":"E","doc":"en","symbols":["A","B"],"default":"A"},"default":"B"},'
        '{"name":"f","type":{"type":"fixed","name":"F","namespace":"other","size":2}},'
        '{"name":"d","type":"long","default":5,"order":"descending"}'
        '],"x-prop":"p","aliases":["OldOrder"]}')
    r = s.register("javaorder", scrambled).json
    eq(r.get("schema"), expected, "canonical text")
    eq(s.register("javaorder2", expected).json["id"], r["id"], "Java's own printing dedups to the same id")


@test
def test_json_schema_canonical_text_is_compact_with_member_order_kept(s):
    if "JSON" not in s.get("/schemas/types").json:
        return
    spaced = '{ "type" : "object" ,\n "properties" : { "b" : { "type" : "string" } , "a" : { "type" : "integer" } } }'
    compact = '{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}}}'
    r = s.register("js-canon", spaced, schemaType="JSON").json
    eq(r.get("schema"), compact, "compact text, member order kept")
    eq(r.get("schemaType"), "JSON", "schemaType")
    eq(s.register("js-canon2", compact, schemaType="JSON").json["id"], r["id"], "same id for the same document")
    reordered = '{"properties":{"b":{"type":"string"},"a":{"type":"integer"}},"type":"object"}'
    check(s.register("js-canon3", reordered, schemaType="JSON").json["id"] != r["id"],
          "member order is part of a JSON Schema's identity")


@test
def test_protobuf_text_and_descriptor_forms(s):
    if "PROTOBUF" not in s.get("/schemas/types").json:
        return
    import base64
    text = 'syntax = "proto3";\npackage demo;\n\nmessage Ping {\n  string id = 1;\n  int64 at = 2;\n}\n'
    r = s.register("pb-forms", text, schemaType="PROTOBUF").json
    eq(r.get("schemaType"), "PROTOBUF", "schemaType")
    check("message Ping" in r.get("schema", ""), "text form stored: %r" % r)
    ser = expect_status(s.get("/schemas/ids/%d?format=serialized" % r["id"]), 200).json.get("schema")
    raw = base64.b64decode(ser, validate=True)
    check(b"Ping" in raw and b"demo" in raw, "serialized form is a FileDescriptorProto: %r" % raw[:80])
    # the descriptor form sent back (as Python and npm clients do) is the same schema
    again = s.register("pb-forms", ser, schemaType="PROTOBUF").json
    eq((again["id"], again.get("version")), (r["id"], 1), "base64 descriptor dedups to the text form")
    eq(s.post("/subjects/pb-forms", {"schema": ser, "schemaType": "PROTOBUF"}).json.get("version"), 1,
       "lookup by descriptor")


@test
def test_query_strings_are_form_decoded(s):
    s.register("team/x", REC_A)
    s.register("with space", REC_B)
    s.register("plus+sign", REC_C)
    eq(s.get("/subjects?subjectPrefix=team%2F").json, ["team/x"], "%2F in a query value")
    eq(s.get("/subjects?subjectPrefix=with+sp").json, ["with space"], "+ is a space in a query value")
    eq(s.get("/subjects?subjectPrefix=plus%2Bs").json, ["plus+sign"], "%2B is a plus")
    a = s.get("/subjects/team%2Fx/versions/1").json
    eq(s.get("/schemas/ids/%d?subject=team%%2Fx" % a["id"]).json.get("schema"), REC_A, "encoded subject hint")
