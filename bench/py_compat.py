#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""py_compat.py — the reference side of the compatibility benchmark: Debian's python3-avro
(avro.compatibility, Apache Avro's own Python checker) on the same reader/writer pairs that
bench_compat checks, i.e. (candidate, v) and (v, candidate) for every earlier version v of the
schemas bench_compat wrote to DIR (v001.avsc ... vNNN.avsc, the last one is the candidate).

Each pair gets a fresh ReaderWriterCompatibilityChecker, because a checker memoizes pairs it
has already seen and repeating the same pairs would otherwise measure a dictionary lookup.
Prints one "BENCHJSON {...}" line.

usage: /usr/bin/python3 bench/py_compat.py DIR [--seconds S]
"""
import argparse
import glob
import json
import os
import sys
import time

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seconds", type=float, default=1.0)
    args = ap.parse_args()

    files = sorted(glob.glob(os.path.join(args.dir, "v*.avsc")))
    if len(files) < 2:
        sys.exit("py_compat: no schemas in " + args.dir)
    schemas = []
    for path in files:
        with open(path, encoding="utf-8") as fh:
            schemas.append(avro.schema.parse(fh.read()))
    cand, prev = schemas[-1], schemas[:-1]
    pairs = []
    for old in prev:
        pairs.append((cand, old))
        pairs.append((old, cand))

    done = 0
    start = time.perf_counter()
    elapsed = 0.0
    while True:
        for reader, writer in pairs:
            res = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
            if res.compatibility is not SchemaCompatibilityType.compatible:
                sys.exit("py_compat: pair not compatible: %s" % (res.messages,))
            done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
    print("BENCHJSON " + json.dumps({"pairs": done, "seconds": elapsed, "pairs_per_s": done / elapsed}))


if __name__ == "__main__":
    main()
