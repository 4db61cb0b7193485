#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""run_conformance — replays the compatibility corpus in tests/data/conformance against a
schema registry over REST and compares every is_compatible answer with the reference's.

Either starts the binary itself (--binary, fresh temporary database, stopped with SIGTERM
and required to exit 0) or talks to a running registry (--url). The REST steps per case
are those of tests/data/conformance/README.md ("Running"). A schema type that the server
does not list in GET /schemas/types is skipped and counted nowhere (exit 77, which ctest
reports as skipped) unless --require is given.

Output: one "FAIL <id> [<TYPE> <LEVEL>] expected <bool>, got <answer>: <message>" line per
failing case, one "conformance <TYPE>: N passed, M failed" line per type, and finally
"conformance: N passed, M failed". Exit 0 when nothing failed, 1 otherwise.
Standard library only.
"""

import argparse
import http.client
import json
import os
import secrets
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "conformance")
FILES = {"AVRO": "avro.jsonl", "PROTOBUF": "protobuf.jsonl", "JSON": "json.jsonl"}
V1 = "application/vnd.schemaregistry.v1+json"
EXIT_SKIPPED = 77


class CaseError(Exception):
    """A step of a case failed; the message says which and what the server answered."""


class Client:
    """Keeps one HTTP/1.1 connection open and reconnects once if the server dropped it."""

    def __init__(self, url, verbose=False):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http" or not u.hostname:
            raise SystemExit("only http://host:port URLs are supported: %r" % url)
        self.host, self.port = u.hostname, u.port or 80
        self.verbose = verbose
        self.conn = None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": V1, "Accept": V1}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (OSError, http.client.HTTPException) as e:
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise CaseError("%s %s: %s" % (method, path, e))
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        if self.verbose:
            print("  %s %s %s -> %d %s" % (method, path, json.dumps(body)[:300] if body is not None else "",
                                           r.status, raw[:300].decode("utf-8", "replace")))
        return r.status, parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def seg(subject):
    return urllib.parse.quote(subject, safe="")


def error_text(status, body):
    if isinstance(body, dict) and "message" in body:
        return "HTTP %d error_code %s: %s" % (status, body.get("error_code"), body.get("message"))
    return "HTTP %d: %s" % (status, str(body)[:300])


def must(client, method, path, body=None):
    status, parsed = client.call(method, path, body)
    if status != 200:
        raise CaseError("%s %s -> %s" % (method, path, error_text(status, parsed)))
    return parsed


def run_case(client, case):
    """Returns (answer, message). answer is True/False from is_compatible; raises CaseError."""
    stype = case["schemaType"]
    subject = "conformance-%s-%s" % (case["id"], secrets.token_hex(4))
    created = [subject]
    ref_subjects = {}  # logical reference subject -> real subject
    try:
        must(client, "PUT", "/config/%s" % seg(subject), {"compatibility": "NONE"})

        def resolve_refs(refs):
            out = []
            for ref in refs or []:
                real = ref_subjects.get(ref["subject"])
                if real is None:
                    real = "%s-ref%d" % (subject, len(ref_subjects) + 1)
                    ref_subjects[ref["subject"]] = real
                    created.append(real)
                    must(client, "PUT", "/config/%s" % seg(real), {"compatibility": "NONE"})
                body = {"schema": ref["schema"], "schemaType": ref.get("schemaType", stype)}
                reg = must(client, "POST", "/subjects/%s/versions" % seg(real), body)
                version = reg.get("version") if isinstance(reg, dict) else None
                if not isinstance(version, int):
                    # 7.x-style {"id": N} answer: ask which version holds this text
                    version = must(client, "POST", "/subjects/%s" % seg(real), body).get("version")
                out.append({"name": ref["name"], "subject": real, "version": version})
            return out

        prev_refs = case.get("previousReferences") or [None] * len(case["previous"])
        resolved_prev = [resolve_refs(r) for r in prev_refs]
        resolved_new = resolve_refs(case.get("references"))
        for schema, refs in zip(case["previous"], resolved_prev):
            body = {"schema": schema, "schemaType": stype}
            if refs:
                body["references"] = refs
            status, parsed = client.call("POST", "/subjects/%s/versions" % seg(subject), body)
            if status != 200:
                raise CaseError("registering a previous schema: %s" % error_text(status, parsed))
        must(client, "PUT", "/config/%s" % seg(subject), {"compatibility": case["level"]})
        target = "versions" if case["level"].endswith("_TRANSITIVE") else "versions/latest"
        body = {"schema": case["new"], "schemaType": stype}
        if resolved_new:
            body["references"] = resolved_new
        status, parsed = client.call("POST", "/compatibility/subjects/%s/%s?verbose=true"
                                     % (seg(subject), target), body)
        if status != 200:
            raise CaseError("compatibility check: %s" % error_text(status, parsed))
        if not isinstance(parsed, dict) or not isinstance(parsed.get("is_compatible"), bool):
            raise CaseError("compatibility answer without a boolean is_compatible: %r" % (parsed,))
        msgs = parsed.get("messages") or []
        return parsed["is_compatible"], (str(msgs[0]) if msgs else "")
    finally:
        # referrers first, so that the reference subjects are deletable
        for subj in created:
            for q in ("", "?permanent=true"):
                try:
                    client.call("DELETE", "/subjects/%s%s" % (seg(subj), q))
                except CaseError:
                    pass
            try:
                client.call("DELETE", "/config/%s" % seg(subj))
            except CaseError:
                pass


def load_cases(path, args):
    cases = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                case = json.loads(line)
            except ValueError as e:
                raise SystemExit("%s:%d: bad JSON: %s" % (path, n, e))
            if args.explicit_only and case.get("derived"):
                continue
            if args.filter and not any(args.filter in str(case.get(k, "")) for k in ("id", "source", "description")):
                continue
            cases.append(case)
    return cases


def run_type(client, stype, args, supported):
    if stype not in supported:
        print("conformance %s: skipped, the server does not list it in GET /schemas/types %s; nothing counted"
              % (stype, json.dumps(supported)))
        return None
    cases = load_cases(os.path.join(args.data, FILES[stype]), args)
    passed = failed = skipped = 0
    for case in cases:
        if case.get("skip"):
            skipped += 1
            continue
        if args.verbose:
            print("case %s [%s %s] %s" % (case["id"], stype, case["level"], case.get("description", "")))
        try:
            answer, msg = run_case(client, case)
            got = str(answer).lower()
        except CaseError as e:
            answer, msg, got = None, str(e), "error"
        if answer is case["compatible"]:
            passed += 1
        else:
            failed += 1
            print("FAIL %s [%s %s] expected %s, got %s: %s"
                  % (case["id"], stype, case["level"], str(case["compatible"]).lower(), got, msg[:300]))
        sys.stdout.flush()
    extra = ", %d skipped" % skipped if skipped else ""
    print("conformance %s: %d passed, %d failed%s" % (stype, passed, failed, extra))
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--binary", help="start this schema-registry binary on a fresh database")
    where.add_argument("--url", help="use the registry already running at this URL")
    ap.add_argument("--type", action="append", choices=sorted(FILES), help="schema type (repeatable; default all)")
    ap.add_argument("--require", action="store_true", help="fail instead of skipping an unsupported type")
    ap.add_argument("--data", default=DATA, help="folder holding the *.jsonl files")
    ap.add_argument("--filter", default="", help="only cases whose id, source or description contain this")
    ap.add_argument("--explicit-only", action="store_true", help="leave out derived cases")
    ap.add_argument("--verbose", action="store_true", help="print every case and HTTP exchange")
    args = ap.parse_args()
    types = args.type or ["AVRO", "PROTOBUF", "JSON"]

    server = None
    url = args.url
    if args.binary:
        sys.path.insert(0, os.path.join(HERE, "..", "integration"))
        sys.dont_write_bytecode = True
        import srtest
        server = srtest.Server(os.path.abspath(args.binary))
        try:
            server.start()
        except srtest.TestFailure as e:
            print("could not start the server: %s" % e)
            print("conformance: 0 passed, 1 failed")
            server.cleanup()
            return 1
        url = server.url
    client = Client(url, args.verbose)
    total_pass = total_fail = 0
    ran_any = False
    try:
        try:
            status, supported = client.call("GET", "/schemas/types")
        except CaseError as e:
            status, supported = 0, str(e)
        if status != 200 or not isinstance(supported, list):
            print("GET /schemas/types failed: %s" % error_text(status, supported))
            supported = []
        for stype in types:
            if args.require and stype not in supported:
                print("conformance %s: required, but GET /schemas/types is %s" % (stype, json.dumps(supported)))
                total_fail += 1
                continue
            res = run_type(client, stype, args, supported)
            if res is not None:
                ran_any = True
                total_pass += res[0]
                total_fail += res[1]
    finally:
        client.close()
        if server is not None:
            try:
                server.stop()
            except Exception as e:  # noqa: BLE001 - a bad exit is a failure, reported below
                print("FAIL server shutdown: %s" % e)
                total_fail += 1
            server.cleanup()
    if not ran_any and total_fail == 0:
        print("conformance: nothing run (every requested type unsupported)")
        return EXIT_SKIPPED
    print("conformance: %d passed, %d failed" % (total_pass, total_fail))
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main())
