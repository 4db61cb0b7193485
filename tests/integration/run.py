#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Runs integration test modules against the schema-registry binary.

usage: run.py --binary build/schema-registry [--filter TEXT] [-v] test_api.py [...]
Prints one line per failing test and ends with "N passed, M failed" (exit 1 if any failed).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # keep the source tree clean when run from ctest

import srtest  # noqa: E402

if __name__ == "__main__":
    sys.exit(srtest.main())
