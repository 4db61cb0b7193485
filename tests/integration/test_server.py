# SPDX-License-Identifier: Apache-2.0
"""test_server — process-level behaviour of the binary: command line, port file, the
listening line, body and schema size limits, keep-alive and SIGTERM shutdown, restarts."""

import json
import os
import re
import signal
import socket
import subprocess
import shutil
import tempfile
import time

from srtest import (Server, avro_record, check, eq, expect_error, expect_status, fail,
                    parse_raw_response, test, V1, _read_line, _read_one_response)

RUN_TIMEOUT = 30


def _run(binary, *args):
    p = subprocess.run([binary] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=RUN_TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


@test(needs_server=False)
def test_help_exits_zero_and_lists_options(binary):
    rc, out, err = _run(binary, "--help")
    eq(rc, 0, "--help exit status")
    text = out + err
    for opt in ("--listen", "--db", "--port-file", "--max-body-bytes", "--max-schema-bytes"):
        check(opt in text, "--help does not mention %s: %r" % (opt, text[:800]))


@test(needs_server=False)
def test_version_exits_zero_and_prints_version(binary):
    rc, out, err = _run(binary, "--version")
    eq(rc, 0, "--version exit status")
    check(re.search(r"\d+\.\d+\.\d+", out + err), "no version number in %r" % (out + err))


@test(needs_server=False)
def test_unknown_option_fails_without_listening(binary):
    rc, out, err = _run(binary, "--no-such-option")
    check(rc != 0, "unknown option must fail, got exit 0")
    check("listening on" not in out, "must not start listening: %r" % out)


@test(needs_server=False)
def test_listening_line_is_the_only_stdout_and_sigterm_exits_zero(binary):
    d = tempfile.mkdtemp(prefix="sr-it-")
    p = None
    try:
        p = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--db", os.path.join(d, "r.db")],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = _read_line(p.stdout, time.monotonic() + 30)
        check(line is not None and re.match(r"^listening on http://127\.0\.0\.1:(\d+)\n$", line),
              "listening line: %r" % line)
        port = int(re.search(r":(\d+)\n$", line).group(1))
        check(0 < port < 65536, "port %d" % port)
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n")
        check(s.recv(100).startswith(b"HTTP/1.1 200"), "served on the printed port")
        s.close()
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            fail("no exit within 30s of SIGTERM")
        rest = p.stdout.read()
        p.stdout.close()
        eq(rc, 0, "exit status after SIGTERM")
        eq(rest, b"", "nothing else on stdout")
    finally:
        if p is not None and p.poll() is None:
            p.kill()  # a failed check above must not leave the server running
            p.wait()
        shutil.rmtree(d, ignore_errors=True)


@test(needs_server=False)
def test_port_file_holds_the_port(binary):
    d = tempfile.mkdtemp(prefix="sr-it-")
    pf = os.path.join(d, "port")
    srv = Server(binary, port_file=pf)
    try:
        srv.start()
        with open(pf) as f:
            content = f.read()
        eq(content.strip(), str(srv.port), "port file content")
        expect_status(srv.get("/"), 200)
        srv.stop()
    finally:
        srv.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test(server_args=("--max-body-bytes", "4096"))
def test_huge_content_length_gets_413_without_reading_body(s):
    req = ("POST /subjects/big/versions HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
           "Content-Length: 1073741824\r\n\r\n" % V1).encode()
    # only the headers are sent: the server must answer from Content-Length alone
    buf = s.raw(req, read_timeout=20)
    status, hdrs, body = parse_raw_response(buf)
    eq(status, 413, "status for an oversized Content-Length (response %r)" % buf[:300])
    try:
        j = json.loads(body.decode("utf-8"))
    except ValueError:
        fail("413 body is not JSON: %r" % body[:300])
    eq(j.get("error_code"), 413, "413 error_code")
    check(isinstance(j.get("message"), str), "413 message: %r" % j)
    s.alive_check()


@test(server_args=("--max-body-bytes", "4096"))
def test_body_just_above_limit_is_413_and_below_is_served(s):
    filler = "x" * 5000
    r = s.post("/subjects/big/versions", {"schema": avro_record("R", [], doc=filler)})
    expect_error(r, 413)
    r = s.post("/subjects/big/versions", {"schema": avro_record("R", [], doc="x" * 1000)})
    expect_status(r, 200)
    s.alive_check()


@test(needs_server=False)
def test_chunked_body_above_limit_is_413(binary):
    srv = Server(binary, ("--max-body-bytes", "4096")).start()
    try:
        chunk = b"x" * 3000
        req = (b"POST /subjects/big/versions HTTP/1.1\r\nHost: x\r\nContent-Type: " + V1.encode()
               + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(4):
            req += b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        req += b"0\r\n\r\n"
        buf = srv.raw(req, read_timeout=20)
        status, _, body = parse_raw_response(buf)
        eq(status, 413, "chunked body above the limit (response %r)" % buf[:300])
        srv.alive_check()
        srv.stop()
    finally:
        srv.cleanup()


@test(server_args=("--max-schema-bytes", "600"))
def test_schema_above_max_schema_bytes_is_42209(s):
    big = avro_record("R", [{"name": "f", "type": "string"}], doc="d" * 700)
    expect_error(s.register("sz", big, expect=None), 42209)
    expect_error(s.get("/subjects/sz/versions"), 40401)
    small = avro_record("R", [{"name": "f", "type": "string"}], doc="d" * 100)
    eq(s.register("sz", small).json.get("version"), 1, "schema below the limit")


@test
def test_sigterm_with_idle_keepalive_connection_exits_zero(s):
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    try:
        sock.sendall(b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n")
        check(sock.recv(100).startswith(b"HTTP/1.1 200"), "first request served")
        # the connection stays open and idle while the server is stopped by the harness
        s.stop()
    finally:
        sock.close()


@test(server_args=("--shutdown-timeout", "1"))
def test_sigterm_with_half_sent_request_exits_zero(s):
    # a client stalled in the middle of its body must not keep the server alive past its
    # shutdown timeout (kept short here so that the harness's stop deadline is not in play)
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    try:
        sock.sendall(b"POST /subjects/x/versions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"sch")
        expect_status(s.get("/"), 200)  # the server keeps serving others meanwhile
        s.stop()
    finally:
        sock.close()


@test
def test_restart_keeps_everything(s):
    s.register("keep", avro_record("K", [{"name": "a", "type": "int"}]))
    expect_status(s.put("/config/keep", {"compatibility": "FULL"}), 200)
    expect_status(s.put("/mode/other", {"mode": "READONLY"}), 200)
    expect_status(s.put("/config", {"compatibility": "NONE"}), 200)
    s.register(":.ctx:kept", avro_record("C", []))
    expect_status(s.delete("/subjects/keep/versions/1"), 200)
    s.stop()
    s.start()
    eq(s.get("/subjects/keep/versions?deleted=true").json, [1], "soft-deleted version kept")
    eq(s.get("/subjects/keep/versions/1?deleted=true").json.get("version"), 1, "soft-deleted readable")
    eq(s.get("/config/keep").json.get("compatibilityLevel"), "FULL", "subject config kept")
    eq(s.get("/config").json.get("compatibilityLevel"), "NONE", "global config kept")
    eq(s.get("/mode/other").json.get("mode"), "READONLY", "subject mode kept")
    eq(s.get("/contexts").json, [".", ".ctx"], "context kept")


@test
def test_concurrent_clients_all_served(s):
    import threading
    errors = []
    ids = {}

    def worker(n):
        try:
            for i in range(10):
                # unrelated records in one subject: the global level is NONE (set below)
                r = s.register("conc-%d" % n, avro_record("R%d_%d" % (n, i), []), expect=None)
                if r.status != 200:
                    errors.append("worker %d: %r" % (n, r))
                    return
                ids[(n, i)] = r.json["id"]
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append("worker %d: %r" % (n, e))

    expect_status(s.put("/config", {"compatibility": "NONE"}), 200)
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    check(not errors, "; ".join(errors[:5]))
    eq(len(ids), 80, "registrations acknowledged")
    eq(len(set(ids.values())), 80, "80 distinct schemas got 80 distinct ids")
    for n in range(8):
        eq(s.get("/subjects/conc-%d/versions" % n).json, list(range(1, 11)), "versions of conc-%d" % n)


def _parallel(n, fn):
    import threading
    results = [None] * n
    errors = []

    def run(i):
        try:
            results[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - collected and reported
            errors.append("thread %d: %r" % (i, e))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    check(not errors, "; ".join(errors[:3]))
    return results


@test
def test_racing_registrations_of_one_schema_agree(s):
    sch = avro_record("Race", [{"name": "a", "type": "int"}])

    def reg(i):
        subject = "race" if i % 2 == 0 else "race-%d" % (i % 3)
        r = s.register(subject, sch, expect=None)
        return subject, r.status, r.json.get("id"), r.json.get("version")

    out = _parallel(16, reg)
    check(all(o[1] == 200 for o in out), "all answered 200: %r" % out)
    eq(len({o[2] for o in out}), 1, "one id for one schema across racing subjects: %r" % out)
    eq({o[3] for o in out if o[0] == "race"}, {1}, "one version in the shared subject")
    eq(s.get("/subjects/race/versions").json, [1], "no duplicate versions")


@test
def test_racing_distinct_registrations_get_distinct_versions(s):
    expect_status(s.put("/config/same", {"compatibility": "NONE"}), 200)

    def reg(i):
        r = s.register("same", avro_record("S%d" % i, []), expect=None)
        return r.status, r.json.get("id"), r.json.get("version")

    out = _parallel(16, reg)
    check(all(o[0] == 200 for o in out), "all answered 200: %r" % out)
    eq(sorted(o[2] for o in out), list(range(1, 17)), "versions 1..16, each once")
    eq(len({o[1] for o in out}), 16, "16 ids")
    eq(s.get("/subjects/same/versions").json, list(range(1, 17)), "stored versions")


@test
def test_racing_deletes_and_reads_stay_consistent(s):
    expect_status(s.put("/config", {"compatibility": "NONE"}), 200)
    for i in range(8):
        s.register("d%d" % i, avro_record("D%d" % i, []))

    def work(i):
        if i < 8:
            return s.delete("/subjects/d%d" % i).status
        return s.get("/subjects").status

    out = _parallel(16, work)
    check(all(st == 200 for st in out), "statuses: %r" % out)
    eq(s.get("/subjects").json, [], "all soft-deleted")
    eq(s.get("/subjects?deletedOnly=true").json, ["d%d" % i for i in range(8)], "deletedOnly")


@test
def test_pipelined_requests_are_all_answered_in_order(s):
    s.register("pipe", avro_record("P", []))
    reqs = (b"GET /subjects HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /subjects/pipe/versions HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /subjects/nope/versions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=20)
    try:
        sock.sendall(reqs)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
    eq(statuses, [b"200", b"200", b"404"], "statuses of three pipelined requests")
    check(b'["pipe"]' in data and b"[1]" in data and b"40401" in data, "bodies: %r" % data[-600:])


def _read_status_line(sock):
    buf = b""
    while b"\r\n" not in buf:
        chunk = sock.recv(1)
        if not chunk:
            break
        buf += chunk
    return buf


@test
def test_expect_100_continue(s):
    body = json.dumps({"schema": avro_record("Cont", [])}).encode()
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=20)
    try:
        sock.sendall(b"POST /subjects/cont/versions HTTP/1.1\r\nHost: x\r\nContent-Type: " + V1.encode()
                     + b"\r\nExpect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        first = _read_status_line(sock)
        check(first.startswith(b"HTTP/1.1 100"), "interim answer to Expect: %r" % first)
        sock.sendall(body)
        rest = _read_one_response(sock)
        if rest.startswith(b"\r\n"):
            rest = rest[2:]  # the blank line that ends the interim response
        eq(parse_raw_response(rest)[0], 200, "final answer (%r)" % rest[:300])
    finally:
        sock.close()
    eq(s.get("/subjects/cont/versions").json, [1], "registered")


@test
def test_chunked_request_body(s):
    body = json.dumps({"schema": avro_record("Chunk", [])}).encode()
    half = len(body) // 2
    req = (b"POST /subjects/chunk/versions HTTP/1.1\r\nHost: x\r\nContent-Type: " + V1.encode()
           + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
           + b"%x\r\n" % half + body[:half] + b"\r\n"
           + b"%x\r\n" % (len(body) - half) + body[half:] + b"\r\n0\r\n\r\n")
    status, _, resp = parse_raw_response(s.raw(req, read_timeout=20))
    eq(status, 200, "chunked registration (body %r)" % resp[:200])
    eq(s.get("/subjects/chunk/versions").json, [1], "registered")


@test
def test_many_stalled_connections_do_not_block_service(s):
    socks = []
    try:
        for i in range(200):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=20)
            c.sendall(b"GET /subjects HTTP/1.1\r\nHost: x\r\nX-Stalled: ")  # headers never finished
            socks.append(c)
        for i in range(20):
            expect_status(s.get("/subjects"), 200)
        s.register("busy", avro_record("Busy", []))
    finally:
        for c in socks:
            c.close()
    s.alive_check()
