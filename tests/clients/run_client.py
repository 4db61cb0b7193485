#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Starts the schema-registry binary on a fresh database, runs one client test command
with the server URL appended as its last argument, then stops the server with SIGTERM
(exit status 0 required). Exit status: the client's, or 1 if the server misbehaved.

Several commands separated by --then run one after the other against the same server
(all of them, even after a failure, so that every client reports); they share a fresh
temporary directory named by the environment variable SR_CLIENT_EXCHANGE_DIR, through
which one client hands the bytes it wrote to the next. Exit status: the first non-zero.

usage: run_client.py --binary PATH [--timeout SECONDS] -- COMMAND [ARGS...] [--then COMMAND [ARGS...]]...
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

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
    words = args.command[1:] if args.command[:1] == ["--"] else args.command
    cmds = [[]]
    for w in words:
        if w == "--then":
            cmds.append([])
        else:
            cmds[-1].append(w)
    if not all(cmds):
        ap.error("empty client command")
    srv = srtest.Server(os.path.abspath(args.binary))
    try:
        try:
            srv.start()
        except srtest.TestFailure as e:
            print("FAIL server start: %s" % e)
            print("0 passed, 1 failed")
            return 1
        exchange = tempfile.mkdtemp(prefix="sr-client-exchange-")
        env = dict(os.environ, SR_CLIENT_EXCHANGE_DIR=exchange)
        rc = 0
        try:
            for cmd in cmds:
                try:
                    one = subprocess.run(cmd + [srv.url], stdin=subprocess.DEVNULL, env=env,
                                         timeout=args.timeout).returncode
                except subprocess.TimeoutExpired:
                    print("FAIL client did not finish within %ds: %s" % (args.timeout, " ".join(cmd)))
                    one = 1
                if one and len(cmds) > 1:
                    print("FAIL exit status %d: %s" % (one, " ".join(cmd)))
                rc = rc or one
        finally:
            shutil.rmtree(exchange, ignore_errors=True)
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
