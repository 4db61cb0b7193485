# SPDX-License-Identifier: Apache-2.0
"""srtest — harness for tests that run against the started schema-registry binary.

Starts the real binary on port 0 with a fresh temporary database, learns the port by
blocking on the single "listening on http://127.0.0.1:PORT" line it prints (bounded by a
timeout, never by sleeping), talks HTTP to it, and stops it with SIGTERM, requiring exit
status 0. Standard library only: the suites must run on a bare /usr/bin/python3.
"""

import http.client
import importlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

START_TIMEOUT = 30.0  # seconds to wait for the listening line (generous for ASan builds)
STOP_TIMEOUT = 30.0
HTTP_TIMEOUT = 20.0  # per request; a hung server fails the test instead of stalling the suite

V1 = "application/vnd.schemaregistry.v1+json"
LISTEN_RE = re.compile(r"^listening on http://127\.0\.0\.1:(\d+)$")


class TestFailure(AssertionError):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def _die_with_parent():
    """Runs in the child before exec: if the test runner is killed (e.g. by a ctest
    timeout), the kernel sends the server SIGKILL instead of leaving it running."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _read_line(stream, deadline):
    """Reads one line from a pipe without blocking past the deadline."""
    buf = b""
    fd = stream.fileno()
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1)
        if not chunk:
            return buf.decode("utf-8", "replace") if buf else None
        buf += chunk
    return buf.decode("utf-8", "replace")


class Response:
    """One HTTP answer: status, headers (lower-case names), raw body, parsed JSON if any."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")
        try:
            self.json = json.loads(self.text) if body else None
            self.is_json = bool(body)
        except ValueError:
            self.json = None
            self.is_json = False

    request = ""  # "METHOD /path body" of the request that produced this answer

    def __repr__(self):
        return "HTTP %d %s  [request: %s]" % (self.status, self.text[:400], self.request)

    def error_code(self):
        if isinstance(self.json, dict):
            return self.json.get("error_code")
        return None


class Server:
    """A running schema-registry process with its own database directory."""

    def __init__(self, binary, args=(), db_dir=None, port_file=None):
        self.binary = binary
        self.own_dir = db_dir is None
        self.dir = db_dir or tempfile.mkdtemp(prefix="sr-it-")
        self.db = os.path.join(self.dir, "registry.db")
        self.stderr_path = os.path.join(self.dir, "stderr.%d.log" % time.monotonic_ns())
        self.args = list(args)
        self.port_file = port_file
        self.proc = None
        self.port = None
        self._conn = None

    def start(self):
        cmd = [self.binary, "--listen", "127.0.0.1:0", "--db", self.db] + self.args
        if self.port_file:
            cmd += ["--port-file", self.port_file]
        self._stderr = open(self.stderr_path, "wb")
        # the binary also reads SR_* settings from the environment: tests pass flags only
        env = {k: v for k, v in os.environ.items() if not k.startswith("SR_")}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=env, preexec_fn=_die_with_parent)
        line = _read_line(self.proc.stdout, time.monotonic() + START_TIMEOUT)
        if line is None:
            self.kill()
            fail("server printed no listening line within %ds; stderr: %s"
                 % (START_TIMEOUT, self.stderr_tail()))
        m = LISTEN_RE.match(line.rstrip("\n"))
        if not m:
            self.kill()
            fail("unexpected first stdout line %r; stderr: %s" % (line, self.stderr_tail()))
        self.port = int(m.group(1))
        return self

    def stderr_tail(self, n=2000):
        try:
            with open(self.stderr_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM; returns the exit status (fails the test if not 0)."""
        self.close_conn()
        if self.proc is None:
            return 0
        if self.proc.poll() is not None:
            rc = self.proc.returncode
            self._reap()
            fail("server had already exited with status %s; stderr: %s" % (rc, self.stderr_tail()))
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._reap()
            fail("server did not exit within %ds of SIGTERM" % STOP_TIMEOUT)
        self._reap()
        if rc != 0:
            fail("server exited with status %d after SIGTERM; stderr: %s" % (rc, self.stderr_tail()))
        return rc

    def kill(self):
        """SIGKILL, for crash tests and cleanup after failures."""
        self.close_conn()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reap()

    def _reap(self):
        if self.proc is not None:
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None

    def cleanup(self):
        self.kill()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- HTTP -------------------------------------------------------------------------

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def close_conn(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, headers=None, content_type=V1, keep=False):
        """Sends one request. body: dict/list (JSON-encoded), str or bytes (sent as is).
        Uses a fresh connection unless keep=True (then reuses one)."""
        hdrs = {}
        data = None
        if body is not None:
            if isinstance(body, (dict, list)) or body is True or body is False:
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = body
            if content_type is not None:
                hdrs["Content-Type"] = content_type
        if headers:
            hdrs.update(headers)
        conn = self._conn if keep else None
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        except Exception:
            conn.close()
            if keep:
                self._conn = None
            raise
        if keep:
            self._conn = conn
        else:
            conn.close()
        shown = data[:300].decode("utf-8", "replace") if data else ""
        resp.request = ("%s %s %s" % (method, path, shown)).strip()
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def raw(self, data, read_timeout=HTTP_TIMEOUT, shutdown_write=False):
        """Sends raw bytes on a new socket and returns everything read until the server
        closes the connection or a full response (per Content-Length) has arrived."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout)
        try:
            try:
                s.sendall(data)
                if shutdown_write:
                    s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may answer and close before taking all of a bad request
            return _read_one_response(s)
        finally:
            s.close()

    # ---- registry helpers --------------------------------------------------------------

    def register(self, subject, schema, expect=200, path_subject=None, **fields):
        """POST /subjects/{s}/versions; schema may be a dict (JSON-encoded) or a string."""
        if not isinstance(schema, str):
            schema = json.dumps(schema)
        body = {"schema": schema}
        body.update(fields)
        r = self.post("/subjects/%s/versions" % (path_subject or q(subject)), body)
        if expect is not None:
            expect_status(r, expect)
        return r

    def alive_check(self):
        """The server still answers a plain GET after whatever the test threw at it."""
        check(self.alive(), "server process died; stderr: %s" % self.stderr_tail())
        r = self.get("/schemas/types")
        check(r.status == 200, "server no longer serving after bad input: %r" % r)


def _read_one_response(s):
    buf = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if sep:
            m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
            if m and len(rest) >= int(m.group(1)):
                break
    return buf


def parse_raw_response(buf):
    """(status, headers dict, body bytes) from raw response bytes, or (None, {}, b'')."""
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0] if lines else b"")
    if not m:
        return None, {}, b""
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return int(m.group(1)), hdrs, body


def q(subject):
    """Percent-encodes a subject for a path segment the way clients do (quote(safe=''))."""
    from urllib.parse import quote
    return quote(subject, safe="")


def expect_status(r, status, error_code=None):
    if r.status != status:
        fail("expected HTTP %d, got %r" % (status, r))
    if error_code is not None:
        check(isinstance(r.json, dict), "error body is not a JSON object: %r" % r)
        if r.json.get("error_code") != error_code:
            fail("expected error_code %d, got %r" % (error_code, r))
        check(isinstance(r.json.get("message"), str), "error body lacks a message: %r" % r)
    return r


def expect_error(r, error_code):
    """Checks a Confluent error: HTTP status derived from the code, and the body."""
    status = error_code // 100 if error_code >= 10000 else error_code
    return expect_status(r, status, error_code)


def eq(actual, expected, what="value"):
    if actual != expected:
        fail("%s: expected %r, got %r" % (what, expected, actual))


def avro_record(name, fields, namespace=None, doc=None):
    """An Avro record schema text already in the canonical form the server returns
    (compact, members in Avro's printing order), so responses can be compared verbatim.
    Field dicts must list their members in the order name, type, doc, default."""
    d = {"type": "record", "name": name}
    if namespace is not None:
        d["namespace"] = namespace
    if doc is not None:
        d["doc"] = doc
    d["fields"] = fields
    return json.dumps(d, separators=(",", ":"), ensure_ascii=False)


# ---- test registry and runner ----------------------------------------------------------

_TESTS = []


def test(fn=None, *, server_args=(), needs_server=True):
    """Registers a test. The function takes a started Server (fresh DB) unless
    needs_server=False, in which case it takes the binary path."""
    def wrap(f):
        f._sr_server_args = tuple(server_args)
        f._sr_needs_server = needs_server
        _TESTS.append(f)
        return f
    return wrap(fn) if fn is not None else wrap


def run_one(binary, fn):
    if not fn._sr_needs_server:
        fn(binary)
        return
    srv = Server(binary, fn._sr_server_args)
    try:
        srv.start()
        fn(srv)
        srv.stop()
    except BaseException:
        # only what the server said beyond routine INFO lines is worth showing
        tail = "\n".join(ln for ln in srv.stderr_tail(4000).splitlines() if " INFO " not in ln)[-600:]
        srv.cleanup()
        if tail.strip():
            raise TestFailure("%s\n    server stderr tail: %s"
                              % (sys.exc_info()[1], tail.replace("\n", "\n    ")))
        raise
    srv.cleanup()


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Runs integration test modules against the binary.")
    ap.add_argument("--binary", required=True, help="path to the schema-registry binary")
    ap.add_argument("--filter", default="", help="only tests whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every test name")
    ap.add_argument("modules", nargs="+", help="test modules (file names in this folder)")
    args = ap.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print("binary %s is not executable" % binary)
        print("0 passed, 1 failed")
        return 1
    for m in args.modules:
        importlib.import_module(os.path.splitext(os.path.basename(m))[0])
    passed = failed = 0
    for fn in _TESTS:
        name = "%s.%s" % (fn.__module__, fn.__name__)
        if args.filter and args.filter not in name:
            continue
        try:
            run_one(binary, fn)
            passed += 1
            if args.verbose:
                print("ok   %s" % name)
        except TestFailure as e:
            failed += 1
            print("FAIL %s: %s" % (name, str(e).replace("\n", "\n    ")))
        except Exception as e:
            failed += 1
            tb = traceback.extract_tb(e.__traceback__)
            where = ""
            for fr in reversed(tb):
                if fr.filename.endswith(".py") and os.path.dirname(os.path.abspath(fr.filename)) == here:
                    where = " (%s:%d)" % (os.path.basename(fr.filename), fr.lineno)
                    break
            print("FAIL %s: %s: %s%s" % (name, type(e).__name__, e, where))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
