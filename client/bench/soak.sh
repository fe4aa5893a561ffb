#!/usr/bin/env bash
# Soak (issue 13; not in CI): the gateway for DURATION (default 10m) under
# mixed reads and writes, against the sandbox injecting upstream faults into
# ~5% of requests. Reports the error rate of each workload by status code,
# p50/p99, the retries made against the retry budget, and the gateway's RSS
# at the start and at the end.
#
# Workloads (polytomic-bench, fixed rates, 2 s per-call deadline):
#   reads    GetBulkSync with `cache-control: no-cache` (every read goes
#            upstream), 100/s
#   updates  UpdateBulkSync, mask "name" (GET, merge, PUT), 10/s
#   posts    ActivateBulkSync (a POST carrying an Idempotency-Key), 10/s
# Faults, on every operation, each deterministic ("every n-th request"):
#   status 503 2%, status 500 1%, drop (headers, then the connection closes)
#   1%, latency 2.5 s (past the call's deadline) 1%.
#
# Usage: client/bench/soak.sh [DURATION]   (after deploy/build.sh)
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/build/bin"
duration=${1:-10m}
out=$(mktemp -d /tmp/polytomic-soak.XXXXXX)
key="soak-upstream-key-0001"
echo "$key" > "$out/key"
token=$(head -c 24 /dev/urandom | base64)
echo "$token" > "$out/token"
token_sha256=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# shellcheck source=client/bench/bench_lib.sh
. "$root/client/bench/bench_lib.sh"
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

"$bin/polytomic-sandbox" --listen 127.0.0.1:0 --api-key "$key" --seed --threads 128 \
  > "$out/sandbox.log" 2>&1 &
pids+=($!)
wait_for "$out/sandbox.log" "^seeded: "
sandbox=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out/sandbox.log" | head -1)
sync_id=$(sed -n 's/^seeded: //p' "$out/sandbox.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bulk_syncs"][0])')
other_id=$(sed -n 's/^seeded: //p' "$out/sandbox.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bulk_syncs"][1])')

cat > "$out/gateway.yaml" <<YAML
listener: {address: "127.0.0.1:0"}
upstream: {base_url: "$sandbox", api_key_file: "$out/key"}
callers:
  tokens: [{principal: soak, sha256: "$token_sha256"}]
  policies: [{principal: soak, account: default, allow: ["*"]}]
audit: {directory: "$out/audit"}
admin: {address: "127.0.0.1:0"}
YAML
"$bin/polytomic-gateway" --config "$out/gateway.yaml" > "$out/gateway.log" 2>&1 &
gateway_pid=$!
pids+=($gateway_pid)
wait_for "$out/gateway.log" "admin listening"
gateway=$(sed -n 's/.*serving .* on \([^ ]*\) .*/\1/p' "$out/gateway.log" | head -1)
admin=$(sed -n 's/.*admin listening on \([^ ]*\) .*/\1/p' "$out/gateway.log" | head -1)

fault() { curl -sf -X POST -H 'Content-Type: application/json' -d "$1" "$sandbox/_sandbox/faults" > /dev/null; }
fault '{"operation": "*", "kind": "status", "status": 503, "count": 0, "fraction": 0.02}'
fault '{"operation": "*", "kind": "status", "status": 500, "count": 0, "fraction": 0.01}'
fault '{"operation": "*", "kind": "drop", "count": 0, "fraction": 0.01}'
fault '{"operation": "*", "kind": "latency", "latency_ms": 2500, "count": 0, "fraction": 0.01}'

load() {  # load NAME RATE METHOD REQUEST [--header ...]
  local name=$1 rate=$2 method=$3 request=$4; shift 4
  "$bin/polytomic-bench" --target "$gateway" --token_file "$out/token" --json \
    --method "$method" --request "$request" --rate "$rate" --timeout 2s \
    --warmup 5s --duration "$duration" "$@" > "$out/$name.json" 2> "$out/$name.err" &
  pids+=($!)
  loads+=($!)
}
loads=()
load reads 100 GetBulkSync "{\"id\":\"$sync_id\"}" --header cache-control=no-cache
load updates 10 UpdateBulkSync "{\"id\":\"$other_id\",\"bulk_sync\":{\"name\":\"soak\"},\"update_mask\":\"name\"}"
load posts 10 ActivateBulkSync "{\"id\":\"$sync_id\",\"active\":true}"
sleep 5  # the warm-up
rss_start=$(rss_kib "$gateway_pid")
echo "soak: $duration; gateway RSS at start ${rss_start} KiB; raw output in $out"
for p in "${loads[@]}"; do wait "$p" || true; done
rss_end=$(rss_kib "$gateway_pid")
curl -sf "http://$admin/metrics" > "$out/metrics.txt"

printf '\n%-8s %8s %8s %9s %9s  %s\n' workload calls errors p50_us p99_us "errors by code"
for name in reads updates posts; do
  f="$out/$name.json"
  python3 - "$f" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
errors = r.get("errors", {})
n = r["calls"]
e = sum(errors.values())
print(f"{sys.argv[2]:<8} {n:>8} {e:>8} {r['p50_us']:>9.0f} {r['p99_us']:>9.0f}  "
      f"{e / max(n, 1) * 100:.2f}% " + ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
PY
done
python3 - "$out/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def total(name, **labels):
  s = 0
  for line in text.splitlines():
    if not line.startswith(name + "{") and not line.startswith(name + " "):
      continue
    if all(f'{k}="{v}"' in line for k, v in labels.items()):
      s += float(line.rsplit(" ", 1)[1])
  return s
requests = total("polytomic_gateway_upstream_requests_total")
ok = sum(total("polytomic_gateway_upstream_requests_total", code=c) for c in
         [str(x) for x in range(200, 500)])
retried = total("polytomic_gateway_upstream_retries_total", outcome="retried")
budget = total("polytomic_gateway_upstream_retries_total", outcome="budget")
deadline = total("polytomic_gateway_upstream_retries_total", outcome="deadline")
attempts = total("polytomic_gateway_upstream_retries_total", outcome="attempts")
print(f"\nupstream requests {requests:.0f} (answers 2xx-4xx {ok:.0f}); retries made {retried:.0f} "
      f"= {retried / max(ok, 1) * 100:.1f}% of answered requests (budget: 20% of successes + 10); "
      f"not retried for want of budget {budget:.0f}, deadline {deadline:.0f}, attempts {attempts:.0f}")
PY
echo "gateway RSS: start ${rss_start} KiB, end ${rss_end} KiB (cache bound: 64 MiB)"
