#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""profile.py — where the server spends its CPU in one benchmark scenario, for the owners
fixing what bench/ reports. Sets the scenario up exactly as bench.py does, runs the same wrk
load while `perf record --call-graph dwarf` samples the server, and prints (1) the inclusive
share of the functions on the request path and of their direct callees, and (2) the top
functions by self time. Needs perf (Debian package linux-perf).

usage: bench/profile.py [--build-dir DIR] [--seconds N] SCENARIO
  SCENARIO: by_id | latest | rereg | register | compat
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

# The request path; each is broken down into its direct callees.
PATH_FUNCS = ["on_request", "api_handle", "get_schemas_ids_id", "get_subjects_subject_versions_version",
              "post_subjects_subject_versions", "register_schema", "api_lookup_in_subject", "api_prepare",
              "compat_schema_parse", "avro_ops_parse", "parse_text",
              "store_register", "tx_commit", "api_compat_against", "compat_check", "send_response"]


def parse_perf_script(text):
    """perf script output -> list of stacks, leaf first, symbol names only."""
    stacks, cur = [], []
    for line in text.splitlines():
        if not line.strip():
            if cur:
                stacks.append(cur)
                cur = []
            continue
        if line[0] in " \t":
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                sym, _, dso = parts[1].partition(" (")
                sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
                if sym == "[unknown]":
                    # Stripped libraries (jansson, libevent): name the library at least.
                    sym = "[%s]" % os.path.basename(dso.rstrip(")")).split(".so")[0]
                cur.append(sym)
    if cur:
        stacks.append(cur)
    return stacks


def report(stacks):
    total = len(stacks)
    if not total:
        print("no samples")
        return
    print("%d samples" % total)
    for fn in PATH_FUNCS:
        callees = collections.Counter()
        n = 0
        for st in stacks:
            if fn in st:
                n += 1
                i = max(i for i, s in enumerate(st) if s == fn)
                callees[st[i - 1] if i > 0 else "(self)"] += 1
        if n == 0:
            continue
        print("\n%5.1f%%  %s, of which:" % (100.0 * n / total, fn))
        for c, k in callees.most_common(8):
            if 100.0 * k / total >= 0.5:
                print("  %5.1f%%  %s" % (100.0 * k / total, c))
    self_time = collections.Counter(st[0] for st in stacks)
    print("\nTop self time:")
    for fn, k in self_time.most_common(20):
        print("  %5.1f%%  %s" % (100.0 * k / total, fn))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["by_id", "latest", "rereg", "register", "compat"])
    ap.add_argument("--build-dir", default=os.path.join(os.path.dirname(bench.HERE), "build-bench"))
    ap.add_argument("--seconds", type=int, default=5)
    a = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("profile.py: perf not found (apt-get install linux-perf)")

    class Args:
        quick = True
        rounds = 1
        duration = a.seconds
        workdir = None
        keep = False
        server = os.path.join(a.build_dir, "schema-registry")
        compat_bench = os.path.join(a.build_dir, "bench", "bench_compat")
        only = None
        json = None

    suite = bench.Suite(Args())
    try:
        srv = suite.server().start(os.path.join(suite.work, "profile.db"))
        port = srv.port
        work = suite.work
        if a.scenario in ("by_id", "latest", "rereg"):
            body = json.dumps({"schema": json.dumps(bench.READ_SCHEMA)})
            st, resp = bench.http_call(port, "POST", "/subjects/bench-read/versions", body)
            assert st == 200, resp
            lines = []
            if a.scenario == "by_id":
                lines = ["/schemas/ids/%d" % json.loads(resp)["id"]]
            elif a.scenario == "latest":
                lines = ["/subjects/bench-read/versions/latest"]
            else:
                for i in range(100):
                    b = json.dumps({"schema": json.dumps(dict(bench.READ_SCHEMA, name="Order%d" % i))})
                    path = "/subjects/bench-rereg-%d/versions" % i
                    st, _ = bench.http_call(port, "POST", path, b)
                    assert st == 200
                    lines.append("%s\t%s" % (path, b))
            f = os.path.join(work, "paths.txt")
            with open(f, "w") as fh:
                fh.write("\n".join(lines) + "\n")
            wrk_args = ("post" if a.scenario == "rereg" else "get", [f], 64, 2)
        elif a.scenario == "register":
            wrk_args = ("register", ["prof"], 16, 2)
        else:
            sdir = os.path.join(work, "compat")
            subprocess.run([Args.compat_bench, "--out", sdir, "--iterations", "1", "--seconds", "0.01"],
                           check=True, capture_output=True)
            bench.http_call(port, "PUT", "/config/c", json.dumps({"compatibility": "NONE"}))
            for v in range(1, 101):
                with open(os.path.join(sdir, "v%03d.avsc" % v)) as fh:
                    st, _ = bench.http_call(port, "POST", "/subjects/c/versions", json.dumps({"schema": fh.read()}))
                    assert st == 200
            bench.http_call(port, "PUT", "/config/c", json.dumps({"compatibility": "FULL_TRANSITIVE"}))
            with open(os.path.join(sdir, "v101.avsc")) as fh:
                cand = json.dumps({"schema": fh.read()})
            f = os.path.join(work, "paths.txt")
            with open(f, "w") as fh:
                fh.write("/compatibility/subjects/c/versions\t%s\n" % cand)
            wrk_args = ("post", [f], 1, 1)
        data = os.path.join(work, "perf.data")
        perf = subprocess.Popen(["perf", "record", "-F", "999", "--call-graph", "dwarf,16384", "-o", data,
                                 "-p", str(srv.proc.pid), "--", "sleep", str(a.seconds)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        mode, margs, conns, threads = wrk_args
        r = suite.wrk(port, mode, margs, conns, threads=threads, duration=a.seconds - 1, what=a.scenario,
                      cpu_of=srv)
        perf.wait(timeout=a.seconds + 60)
        print("%s: %.0f req/s, p99 %.1f ms, %.1f us server CPU per request (while profiled)" % (
            a.scenario, r["rps"], r["lat_p99_us"] / 1e3, r.get("cpu_us", 0)))
        script = subprocess.run(["perf", "script", "-i", data], capture_output=True, text=True,
                                timeout=600).stdout
        report(parse_perf_script(script))
        srv.stop()
    finally:
        suite.cleanup()


if __name__ == "__main__":
    main()
