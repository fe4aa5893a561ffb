#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (ctest labels: unit, integration, e2e),
# then fuzzes each fuzz target for 10 s (deploy/fuzz.sh, a clang build in build-fuzz/).
# Extra arguments go to ctest, e.g. `deploy/test.sh -L unit`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 300 -j"$(nproc)" "$@"
"$root/deploy/fuzz.sh" 10
