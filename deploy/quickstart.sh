#!/usr/bin/env bash
# Builds the project, then runs the seeded Polytomic sandbox emulator on
# 127.0.0.1:8081 and the gateway in front of it on 127.0.0.1:50051 (metrics
# on http://127.0.0.1:9464/metrics). Stop with Ctrl-C (both processes stop).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/build.sh"
cd "$root"

sandbox_pid=""
gateway_pid=""
stop() {
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

build/bin/polytomic-sandbox --listen 127.0.0.1:8081 \
  --api-key "$(cat deploy/quickstart/sandbox-api-key)" --seed --execution-seconds 20 \
  > build/sandbox.log 2>&1 &
sandbox_pid=$!
build/bin/polytomic-gateway --config deploy/quickstart/gateway.yaml &
gateway_pid=$!

ctl=build/bin/polytomicctl
token=deploy/quickstart/caller-token
cat <<MSG

The gateway serves polytomic.v1 on 127.0.0.1:50051 (sandbox log: build/sandbox.log).
Callers authenticate: the demo caller "quickstart" sends the token in $token
(may call every method; audit trail in build/quickstart-audit). Try, in another terminal:
  $ctl list
  $ctl --token_file $token ListBulkSyncs
  $ctl --token_file $token GetBulkSync --id=<an id from ListBulkSyncs>
  $ctl describe CreateModelSync
  build/bin/polytomic-gateway verify --audit_dir build/quickstart-audit
  curl -s http://127.0.0.1:9464/metrics   # cache lookups, upstream requests by status
Press Ctrl-C to stop.
MSG
wait "$gateway_pid"
