#!/usr/bin/env bash
# Installs dependencies and builds everything into build/ (Release with debug info),
# and the npm packages of the deployment checks (pinned by package-lock.json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)"
npm ci --prefix "$root/deploy/kubernetes" --no-audit --no-fund --loglevel=error >/dev/null
