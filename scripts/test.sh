#!/usr/bin/env bash
# test.sh — the whole test suite: installs what is missing, builds, runs every ctest suite
# (unit, HTTP integration, conformance, real clients, benchmark smoke run), then builds again
# with AddressSanitizer + UndefinedBehaviorSanitizer and runs everything once more.
# Ends with one line: "N passed, M failed" over both passes.
#   --no-sanitize   skip the sanitizer pass (quick local runs)
set -uo pipefail
cd "$(dirname "$0")/.."

sanitize=1
for arg in "$@"; do
    case "$arg" in
    --no-sanitize) sanitize=0 ;;
    *) echo "usage: $0 [--no-sanitize]" >&2; exit 2 ;;
    esac
done

sh ./scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
total_pass=0
total_fail=0

run_pass() { # name, build dir, extra cmake args...
    local name=$1 dir=$2
    shift 2
    echo "=== $name: build ($dir)"
    mkdir -p "$dir"
    if ! cmake -S . -B "$dir" "$@" >"$dir/configure.log" 2>&1; then
        cat "$dir/configure.log"
        echo "=== $name: configure failed"
        total_fail=$((total_fail + 1))
        return
    fi
    if ! cmake --build "$dir" -j "$jobs"; then
        echo "=== $name: build failed"
        total_fail=$((total_fail + 1))
        return
    fi
    echo "=== $name: tests"
    local log="$dir/ctest.log"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" 2>&1 | tee "$log"
    # ctest's summary: "NN% tests passed, F tests failed out of T"
    local summary failed total
    summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -n 1)
    if [ -z "$summary" ]; then
        total_fail=$((total_fail + 1))
        return
    fi
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
    total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
    total_pass=$((total_pass + total - failed))
    total_fail=$((total_fail + failed))
}

run_pass "release" build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "$sanitize" -eq 1 ]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_pass "sanitize" build-sanitize -DCMAKE_BUILD_TYPE=Debug -DSR_SANITIZE=ON
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
