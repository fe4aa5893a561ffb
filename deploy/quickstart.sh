#!/usr/bin/env bash
# Builds the project and starts the seeded Polytomic sandbox emulator on 127.0.0.1:8081.
# Stop with Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/build.sh"
echo "sandbox: http://127.0.0.1:8081  (Authorization: Bearer sandbox-key)"
exec "$root/build/bin/polytomic-sandbox" --listen 127.0.0.1:8081 \
  --api-key sandbox-key --seed --execution-seconds 20
