#!/bin/sh
# install-deps.sh — installs every Debian package the build, the tests, the
# benchmarks and docker/ need. The README, .ci/run and docker/Dockerfile all
# call this one script so that they can never disagree.
#   (no argument)  everything: build, tests, real clients, benchmarks
#   --build        only what building the binaries needs (docker/Dockerfile)
set -eu
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
BUILD_PACKAGES="build-essential cmake pkg-config git ca-certificates
  libevent-dev libavro-dev libprotobuf-c-dev protobuf-c-compiler
  protobuf-compiler libprotobuf-dev libsqlite3-dev libjansson-dev
  libcmocka-dev libpcre2-dev"
TEST_PACKAGES="curl sqlite3 python3 python3-confluent-kafka python3-requests
  python3-avro python3-protobuf python3-jsonschema clang clang-format libclang-rt-14-dev wrk nginx-light"
PACKAGES="$BUILD_PACKAGES"
[ "${1:-}" = "--build" ] || PACKAGES="$BUILD_PACKAGES $TEST_PACKAGES"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js is only needed by the real-client tests; a machine that already has
# a node with its own npm (e.g. from NodeSource) keeps it, since Debian's
# nodejs package conflicts with that npm.
if [ "${1:-}" != "--build" ]; then
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
fi
if [ -n "$missing" ]; then
    $SUDO apt-get update
    # shellcheck disable=SC2086
    $SUDO apt-get install -y --no-install-recommends $missing
fi
