#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (ctest labels: unit, integration, e2e).
# Extra arguments go to ctest, e.g. `deploy/test.sh -L unit`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 300 -j"$(nproc)" "$@"
