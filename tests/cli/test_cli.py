#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of schema-compat, the command-line compatibility gate.

  test_cli.py --cli build/schema-compat [--server build/schema-registry] [--update-golden]

1. Replays the conformance corpora (tests/data/conformance/*.jsonl) offline through
   `schema-compat check`, writing each case's schemas to files: the CLI must give the
   reference's answer for every case of every schema type the build supports.
2. Exit codes and every output format, compared with golden files in golden/.
3. `--git-base` in a temporary git repository.
4. `--registry` against a started server (when --server is given).
5. Unreadable files, invalid schemas and bad usage: exit 2 with a clear message.
Standard library only; ends with "N passed, M failed".
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "conformance")
GOLDEN = os.path.join(HERE, "golden")
EXT = {"AVRO": ".avsc", "PROTOBUF": ".proto", "JSON": ".json"}

args = None
results = {"passed": 0, "failed": 0}


def run(argv, cwd=None):
    p = subprocess.run([args.cli] + argv, cwd=cwd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def supported_types():
    code, out, _ = run(["types"])
    assert code == 0, "schema-compat types failed"
    return set(out.split())


def record(name, ok, detail=""):
    if ok:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print("FAIL %s %s" % (name, detail))


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def ref_args(refs, tmp, ext, written):
    """--ref options for refs, dependencies first, each referenced text written to a file."""
    out = []
    for r in refs or []:
        out += ref_args(r.get("references"), tmp, ext, written)
        key = (r["name"], r["schema"])
        if key not in written:
            written[key] = os.path.join(tmp, "ref%d%s" % (len(written), ext))
            write(written[key], r["schema"])
        out += ["--ref", "%s=%s" % (r["name"], written[key])]
    return out


def corpus_case(case, tmp):
    ext = EXT[case["schemaType"]]
    argv = ["check", "--type", case["schemaType"].lower(), "--level", case["level"], "-q"]
    written = {}
    prev_refs = case.get("previousReferences") or [[] for _ in case["previous"]]
    for i, text in enumerate(case["previous"]):
        path = os.path.join(tmp, "v%d%s" % (i + 1, ext))
        write(path, text)
        argv += ref_args(prev_refs[i], tmp, ext, written) + [path]
    path = os.path.join(tmp, "new%s" % ext)
    write(path, case["new"])
    argv += ref_args(case.get("references"), tmp, ext, written) + [path]
    code, out, err = run(argv)
    want = 0 if case["compatible"] else 1
    return code == want, "exit %d, expected %d: %s" % (code, want, (err or out).strip()[:300])


def test_corpora():
    types = supported_types()
    for fname in ("avro.jsonl", "protobuf.jsonl", "json.jsonl"):
        passed = failed = 0
        with open(os.path.join(DATA, fname), encoding="utf-8") as f:
            cases = [json.loads(line) for line in f if line.strip()]
        stype = cases[0]["schemaType"]
        if stype not in types:
            print("corpus %s: %s not supported by this build, not run" % (fname, stype))
            continue
        for case in cases:
            tmp = tempfile.mkdtemp(prefix="sc-case-")
            try:
                ok, detail = corpus_case(case, tmp)
            finally:
                shutil.rmtree(tmp)
            record("corpus " + case["id"], ok, detail)
            passed += ok
            failed += not ok
        print("corpus %s: %d passed, %d failed" % (stype, passed, failed))


AVRO_V1 = '{"type":"record","name":"User","namespace":"acme","fields":[{"name":"id","type":"long"}]}'
AVRO_V2_OK = ('{"type":"record","name":"User","namespace":"acme","fields":[{"name":"id","type":"long"},'
              '{"name":"email","type":["null","string"],"default":null}]}')
AVRO_V2_BAD = ('{"type":"record","name":"User","namespace":"acme","fields":[{"name":"id","type":"long"},'
               '{"name":"email","type":"string"}]}')


def golden(name, text, tmp):
    """Compares text with golden/<name> after replacing the temp dir with $TMP."""
    text = text.replace(tmp, "$TMP")
    path = os.path.join(GOLDEN, name)
    if args.update_golden:
        os.makedirs(GOLDEN, exist_ok=True)
        write(path, text)
        return True, ""
    with open(path, encoding="utf-8") as f:
        want = f.read()
    return text == want, "output differs from golden/%s:\n%s" % (name, text)


def test_exit_codes_and_formats():
    tmp = tempfile.mkdtemp(prefix="sc-fmt-")
    try:
        for name, text in (("v1.avsc", AVRO_V1), ("v2ok.avsc", AVRO_V2_OK), ("v2bad.avsc", AVRO_V2_BAD),
                           ("broken.avsc", '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}')):
            write(os.path.join(tmp, name), text)
        p = lambda n: os.path.join(tmp, n)
        code, out, _ = run(["check", p("v1.avsc"), p("v2ok.avsc")])
        record("compatible exits 0", code == 0, out)
        code, out, _ = run(["check", p("v1.avsc"), p("v2bad.avsc")])
        record("incompatible exits 1", code == 1, out)
        code, out, _ = run(["check", "--level", "FORWARD", p("v1.avsc"), p("v2bad.avsc")])
        record("forward-compatible addition exits 0", code == 0, out)
        code, out, _ = run(["check", "-q", p("v1.avsc"), p("v2bad.avsc")])
        record("quiet prints nothing", code == 1 and out == "", repr(out))
        for fmt in ("human", "json", "github"):
            code, out, _ = run(["check", "--format", fmt, p("v1.avsc"), p("v2bad.avsc")])
            ok, detail = golden("incompatible.%s" % fmt, out, tmp)
            record("format %s (incompatible)" % fmt, code == 1 and ok, detail)
            code, out, _ = run(["check", "--format", fmt, p("v1.avsc"), p("v2ok.avsc")])
            ok, detail = golden("compatible.%s" % fmt, out, tmp)
            record("format %s (compatible)" % fmt, code == 0 and ok, detail)
        code, out, _ = run(["check", "--format", "json", p("v1.avsc"), p("v2bad.avsc")])
        doc = json.loads(out)
        record("json output fields", doc["compatible"] is False and doc["level"] == "BACKWARD"
               and doc["results"][0]["status"] == "incompatible" and doc["results"][0]["messages"], out)
        code, out, err = run(["check", p("v1.avsc"), p("broken.avsc")])
        record("invalid schema exits 2", code == 2 and "broken.avsc" in out + err, out + err)
        code, out, err = run(["check", p("v1.avsc"), p("missing.avsc")])
        record("unreadable file exits 2", code == 2 and "missing.avsc" in out + err, out + err)
        code, out, err = run(["check", "--level", "SIDEWAYS", p("v1.avsc"), p("v2ok.avsc")])
        record("unknown level exits 2", code == 2 and "SIDEWAYS" in err, err)
        code, out, err = run(["frobnicate"])
        record("unknown command exits 2", code == 2 and "usage" in err, err)
        write(p("x.txt"), AVRO_V1)
        code, out, err = run(["check", p("v1.avsc"), p("x.txt")])
        record("unknown extension needs --type", code == 2 and "--type" in out + err, out + err)
        code, out, _ = run(["check", "--type", "avro", p("v1.avsc"), p("x.txt")])
        record("--type overrides the extension", code == 0, out)
        code, out, err = run(["normalize", p("v1.avsc")])
        record("normalize prints the canonical form", code == 0 and out.strip() == AVRO_V1, out + err)
        write(p("spaced.avsc"), json.dumps(json.loads(AVRO_V1), indent=4))
        code, out2, _ = run(["normalize", p("spaced.avsc")])
        record("normalize ignores whitespace", code == 0 and out2 == out, out2)
        code, out, _ = run(["diff", p("v1.avsc"), p("v2bad.avsc")])
        record("diff names the direction that breaks", code == 1 and "breaks BACKWARD" in out
               and "FORWARD compatible" in out, out)
        code, out, _ = run(["diff", "--format", "json", p("v1.avsc"), p("v2ok.avsc")])
        doc = json.loads(out) if code in (0, 1) else {}
        record("diff json", code == 0 and doc.get("backward") is True and doc.get("forward") is True
               and doc.get("identical") is False, out)
    finally:
        shutil.rmtree(tmp)


AVRO_DIFF_OLD = ('{"type":"record","name":"Order","namespace":"shop","fields":['
                 '{"name":"id","type":"int"},'
                 '{"name":"note","type":"string","default":""},'
                 '{"name":"code","type":"string"},'
                 '{"name":"state","type":{"type":"enum","name":"State","symbols":["NEW","PAID","LOST"]}},'
                 '{"name":"extra","type":["null","string"],"default":null}]}')
AVRO_DIFF_NEW = ('{"type":"record","name":"Order","namespace":"shop","doc":"an order","fields":['
                 '{"name":"id","type":"long"},'
                 '{"name":"sku","type":"string","aliases":["code"]},'
                 '{"name":"qty","type":"int"},'
                 '{"name":"state","type":{"type":"enum","name":"State","symbols":["NEW","PAID","SHIPPED"],'
                 '"default":"NEW"}},'
                 '{"name":"extra","type":["null","string","long"],"default":null}]}')


def test_diff():
    """diff lists every change with kind, path and its BACKWARD/FORWARD verdict."""
    tmp = tempfile.mkdtemp(prefix="sc-diff-")
    try:
        p = lambda n: os.path.join(tmp, n)
        write(p("old.avsc"), AVRO_DIFF_OLD)
        write(p("new.avsc"), AVRO_DIFF_NEW)
        for fmt in ("human", "json", "github"):
            code, out, err = run(["diff", "--format", fmt, p("old.avsc"), p("new.avsc")])
            ok, detail = golden("diff.%s" % fmt, out, tmp)
            record("diff format %s" % fmt, code == 1 and ok, detail + err)
        code, out, _ = run(["diff", "--format", "json", p("old.avsc"), p("new.avsc")])
        doc = json.loads(out)
        kinds = {(c["kind"], c["path"]): (c["breaksBackward"], c["breaksForward"]) for c in doc["changes"]}
        record("diff: every change listed with its verdicts", doc["changesAvailable"] is True and kinds == {
            ("DOC_ADDED", "/doc"): (False, False),
            ("TYPE_PROMOTED", "/fields/id/type"): (False, True),
            ("FIELD_RENAMED", "/fields/sku"): (False, True),
            ("ALIAS_ADDED", "/fields/sku/aliases"): (False, False),
            ("FIELD_ADDED", "/fields/qty"): (True, False),
            ("ENUM_SYMBOL_ADDED", "/fields/state/type/symbols/SHIPPED"): (False, True),
            ("ENUM_SYMBOL_REMOVED", "/fields/state/type/symbols/LOST"): (False, False),
            ("ENUM_DEFAULT_ADDED", "/fields/state/type/default"): (False, False),
            ("UNION_BRANCH_ADDED", "/fields/extra/type/2"): (False, True),
            ("FIELD_REMOVED", "/fields/note"): (False, False),
        }, out)
        record("diff: verdicts from the check", doc["backward"] is False and doc["forward"] is False, out)
        code, out, _ = run(["diff", "-q", p("old.avsc"), p("new.avsc")])
        record("diff quiet", code == 1 and out == "", out)
        code, out, _ = run(["diff", p("old.avsc"), p("old.avsc")])
        record("diff of identical schemas", code == 0 and "identical, 0 changes" in out, out)
        if "JSON" in supported_types():
            write(p("a.json"), '{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}')
            write(p("b.json"), '{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},'
                               '"additionalProperties":false}')
            code, out, _ = run(["diff", p("a.json"), p("b.json")])
            record("diff json schema: Confluent's kinds", code == 1 and
                   "#/properties/b: OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" in out
                   and "(breaks FORWARD)" in out, out)
        if "PROTOBUF" in supported_types():
            write(p("a.proto"), 'syntax = "proto3";\nmessage M { string a = 1; int32 c = 3; }\n')
            write(p("b.proto"), 'syntax = "proto3";\nmessage M { int32 a = 1; string b = 2; }\n')
            code, out, _ = run(["diff", p("a.proto"), p("b.proto")])
            record("diff protobuf: Confluent's kinds with their verdicts", code == 1
                   and "#/M/1: FIELD_SCALAR_KIND_CHANGED: field scalar kind changed (breaks BACKWARD and FORWARD)" in out
                   and "#/M/2: FIELD_ADDED: field added (compatible)" in out
                   and "#/M/3: FIELD_REMOVED: field removed (compatible)" in out, out)
    finally:
        shutil.rmtree(tmp)


def git(cwd, *argv):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
                   + list(argv), cwd=cwd, check=True, capture_output=True)


def test_git_base():
    repo = tempfile.mkdtemp(prefix="sc-git-")
    try:
        os.makedirs(os.path.join(repo, "schemas", "nested"))
        git(repo, "init", "-q")
        write(os.path.join(repo, "schemas", "user.avsc"), AVRO_V1)
        write(os.path.join(repo, "schemas", "nested", "order.avsc"),
              '{"type":"record","name":"Order","fields":[{"name":"n","type":"int"}]}')
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "v1")
        code, out, _ = run(["check", "--git-base", "HEAD", "schemas"], cwd=repo)
        record("git-base unchanged tree is compatible", code == 0, out)
        write(os.path.join(repo, "schemas", "user.avsc"), AVRO_V2_OK)
        write(os.path.join(repo, "schemas", "new.avsc"), '{"type":"enum","name":"E","symbols":["A"]}')
        code, out, _ = run(["check", "--git-base", "HEAD", "schemas"], cwd=repo)
        record("git-base compatible change and new file pass", code == 0, out)
        write(os.path.join(repo, "schemas", "nested", "order.avsc"),
              '{"type":"record","name":"Order","fields":[{"name":"n","type":"string"}]}')
        code, out, _ = run(["check", "--git-base", "HEAD", "--format", "github", "schemas"], cwd=repo)
        record("git-base incompatible change fails with an annotation", code == 1
               and "::error file=schemas/nested/order.avsc" in out, out)
        # --ref: both the base version and the working copy resolve the referenced type.
        write(os.path.join(repo, "schemas", "nested", "order.avsc"),
              '{"type":"record","name":"Order","fields":[{"name":"n","type":"int"}]}')
        write(os.path.join(repo, "common.avsc"), '{"type":"fixed","name":"Id","size":16}')
        write(os.path.join(repo, "schemas", "keyed.avsc"),
              '{"type":"record","name":"Keyed","fields":[{"name":"id","type":"Id"}]}')
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "v2")
        write(os.path.join(repo, "schemas", "keyed.avsc"),
              '{"type":"record","name":"Keyed","fields":[{"name":"id","type":"Id"},'
              '{"name":"n","type":"int","default":0}]}')
        code, out, _ = run(["check", "--git-base", "HEAD", "schemas"], cwd=repo)
        record("git-base without --ref cannot resolve the referenced type", code == 2
               and "schemas/keyed.avsc: invalid" in out, out)
        code, out, _ = run(["check", "--git-base", "HEAD", "--ref", "Id=common.avsc", "schemas"], cwd=repo)
        record("git-base with --ref checks the referencing schema", code == 0
               and "schemas/keyed.avsc: compatible (BACKWARD) with HEAD:schemas/keyed.avsc" in out, out)
    finally:
        shutil.rmtree(repo)


def test_registry():
    if not args.server:
        return
    sys.path.insert(0, os.path.join(HERE, "..", "integration"))
    import srtest  # the integration suite's harness: starts the binary on port 0
    srv = srtest.Server(args.server)
    srv.start()
    tmp = tempfile.mkdtemp(prefix="sc-reg-")
    try:
        r = srv.post("/subjects/users-value/versions", {"schema": AVRO_V1})
        assert r.status == 200, r
        write(os.path.join(tmp, "ok.avsc"), AVRO_V2_OK)
        write(os.path.join(tmp, "bad.avsc"), AVRO_V2_BAD)
        code, out, _ = run(["check", "--registry", srv.url, "--subject", "users-value", os.path.join(tmp, "ok.avsc")])
        record("registry: compatible exits 0", code == 0, out)
        code, out, _ = run(["check", "--registry", srv.url, "--subject", "users-value", os.path.join(tmp, "bad.avsc")])
        record("registry: incompatible exits 1 with the registry's messages", code == 1 and "users-value" in out, out)
        code, out, _ = run(["check", "--registry", srv.url, "--subject", "users-value", "--level", "BACKWARD",
                            os.path.join(tmp, "ok.avsc")])
        record("registry: matching --level accepted", code == 0, out)
        code, out, _ = run(["check", "--registry", srv.url, "--subject", "users-value", "--level", "FULL",
                            os.path.join(tmp, "ok.avsc")])
        record("registry: different --level refused", code == 2, out)
        code, out, _ = run(["check", "--registry", "http://127.0.0.1:1", "--subject", "s",
                            os.path.join(tmp, "ok.avsc")])
        record("registry: unreachable exits 2", code == 2, out)
    finally:
        shutil.rmtree(tmp)
        srv.stop()


def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--server")
    ap.add_argument("--update-golden", action="store_true")
    args = ap.parse_args()
    args.cli = os.path.abspath(args.cli)
    for t in (test_corpora, test_exit_codes_and_formats, test_diff, test_git_base, test_registry):
        try:
            t()
        except Exception:
            record(t.__name__, False, traceback.format_exc())
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
