#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Starts the schema-registry binary on a fresh database, runs one client test command
with the server URL appended as its last argument, then stops the server with SIGTERM
(exit status 0 required). Exit status: the client's, or 1 if the server misbehaved.

usage: run_client.py --binary PATH [--timeout SECONDS] -- COMMAND [ARGS...]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.dont_write_bytecode = True

import srtest  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = [c for c in args.command if c != "--"] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no client command given")
    srv = srtest.Server(os.path.abspath(args.binary))
    try:
        try:
            srv.start()
        except srtest.TestFailure as e:
            print("FAIL server start: %s" % e)
            print("0 passed, 1 failed")
            return 1
        try:
            rc = subprocess.run(cmd + [srv.url], stdin=subprocess.DEVNULL, timeout=args.timeout).returncode
        except subprocess.TimeoutExpired:
            print("FAIL client did not finish within %ds" % args.timeout)
            rc = 1
        try:
            srv.stop()
        except srtest.TestFailure as e:
            print("FAIL server shutdown: %s" % e)
            rc = rc or 1
        return rc
    finally:
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())
