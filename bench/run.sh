#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh — the benchmark suite in one command (see bench/README.md).
#   bench/run.sh [--quick] [--build-dir DIR] [bench.py options...]
# Without --build-dir it configures and builds an optimised tree (RelWithDebInfo, asserts on,
# as shipped) in build-bench/ first; with it, it uses the binaries already built there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=""
pass=""
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --build-dir=*) build=${1#--build-dir=}; shift ;;
    *) pass="$pass $1"; shift ;;
    esac
done
if [ -z "$build" ]; then
    build=${SR_BENCH_BUILD:-$root/build-bench}
    if [ ! -f "$build/CMakeCache.txt" ]; then
        cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    fi
    cmake --build "$build" -j"$(nproc)" --target schema-registry bench_compat >/dev/null
fi
for f in "$build/schema-registry" "$build/bench/bench_compat"; do
    [ -x "$f" ] || { echo "run.sh: $f is missing; build the tree first" >&2; exit 1; }
done
# Debian's interpreter: python3-avro (the reference checker) is installed for it, not for
# whatever python3 comes first in PATH.
# shellcheck disable=SC2086
exec /usr/bin/python3 "$here/bench.py" --server "$build/schema-registry" \
    --compat-bench "$build/bench/bench_compat" $pass
