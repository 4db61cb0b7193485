#!/bin/sh
# run.sh — installs what is missing, builds, and starts the registry on
# http://127.0.0.1:8081 with its SQLite file under ./data/ (extra arguments are passed to
# the server, e.g. --listen 0.0.0.0:8081 or --db /var/lib/sr/registry.db).
set -eu
cd "$(dirname "$0")/.."
sh ./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)"
exec ./build/schema-registry "$@"
