#!/usr/bin/env bash
# Gateway replicas sharing state through Redis (issue 15; not in CI: timing
# belongs here, the behaviour is checked by tests/e2e/replicas_e2e_test.cc).
# Starts a redis-server (no persistence) on a free loopback port and reports:
#
#  i) cross-replica invalidation: three replicas (A, B, C) with
#     shared_state.redis in front of the sandbox (stateful: a rename must
#     show). polytomic-replicas-probe warms B's and C's caches, renames a
#     bulk sync through A (UpdateBulkSync, mask "name"), and times from A's
#     answer until B (or C, alternating) serves the new name: p50, p99, max,
#     and how many rounds the first read was already fresh (with the
#     invalidation acknowledged before A answers, it should be all of them),
#     next to a read from the upstream (the span's floor: the first read
#     after an invalidation is a miss) and a cache hit.
# ii) the price of the Redis lock: a masked update (UpdateBulkSync, mask
#     "name", concurrency 1) through a replica with shared_state (two more
#     replicas subscribed, whose acknowledgements the write waits for),
#     through one alone under its own key prefix (no other replica: the
#     lock and the publish without acknowledgements to wait for), and
#     through the same gateway without shared_state (the in-memory lock),
#     all in front of the bench upstream (0 ms), alternating the order from
#     round to round; the update p50 of each, their medians and spreads over
#     ROUNDS, and the differences of the medians.
#
# Usage: [ROUNDS=N] [PROBE_ROUNDS=N] client/bench/replicas_bench.sh [DURATION]
#   DURATION of each update run (default 5s, after a 1 s warm-up); ROUNDS of
#   ii) (default 5); PROBE_ROUNDS renames in i) (default 300).
# Build first: ninja -C build polytomic-gateway polytomic-sandbox
#   polytomic-bench polytomic-bench-upstream polytomic-replicas-probe;
#   redis-server (Debian package redis-server) on the PATH. Raw output stays
#   in $out.
# shellcheck disable=SC2154  # NAME_addr and NAME_pid come from printf -v
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/build/bin"
duration=${1:-5s}
rounds=${ROUNDS:-5}
probe_rounds=${PROBE_ROUNDS:-300}
out=$(mktemp -d /tmp/polytomic-replicas-bench.XXXXXX)
key="replicas-bench-upstream-key-0001"
echo "$key" > "$out/key"
token=$(head -c 24 /dev/urandom | base64)
echo "$token" > "$out/token"
token_sha256=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
python3 -c 'import secrets; print(secrets.token_hex(32))' > "$out/seal_key"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# shellcheck source=client/bench/bench_lib.sh
. "$root/client/bench/bench_lib.sh"
field() { sed -n "s/.*\"$2\":\([-0-9.]*\).*/\1/p" "$1" | head -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
spread() { printf '%s\n' "$@" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END{print lo " - " hi}'; }
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

command -v redis-server > /dev/null || { echo "redis-server not found (apt-get install redis-server)" >&2; exit 1; }
redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --dir "$out" > "$out/redis.log" 2>&1 &
pids+=($!)
wait_for "$out/redis.log" "Ready to accept connections"

# start_gateway NAME UPSTREAM_URL SHARED: a gateway with the benchmark's
# caller, its audit trail in $out/audit-NAME, the admin listener off, and,
# unless SHARED is "no", the shared state in the Redis above under the key
# prefix SHARED (with the seal key every replica shares); sets NAME_addr and
# NAME_pid.
start_gateway() {
  cat > "$out/$1.yaml" <<EOF
listener: {address: "127.0.0.1:0"}
upstream: {base_url: "$2", api_key_file: "$out/key"}
callers:
  tokens: [{principal: bench, sha256: "$token_sha256"}]
  policies: [{principal: bench, account: default, allow: ["*"]}]
audit: {directory: "$out/audit-$1"}
admin: {address: ""}
EOF
  if [ "$3" != no ]; then
    cat >> "$out/$1.yaml" <<EOF
shared_state:
  redis: {address: "127.0.0.1:$redis_port", key_prefix: "$3:"}
updates: {seal_key_file: "$out/seal_key"}
EOF
  fi
  "$bin/polytomic-gateway" --config "$out/$1.yaml" > "$out/$1.log" 2>&1 &
  pids+=($!)
  printf -v "$1_pid" '%s' "$!"
  wait_for "$out/$1.log" "serving"
  printf -v "$1_addr" '%s' "$(sed -n 's/.* on \(127.0.0.1:[0-9]*\).*/\1/p' "$out/$1.log" | head -1)"
}

echo "redis-server 127.0.0.1:$redis_port; raw output in $out"

# --- i) cross-replica invalidation, against the sandbox
"$bin/polytomic-sandbox" --listen 127.0.0.1:0 --api-key "$key" --seed > "$out/sandbox.log" 2>&1 &
sandbox_pid=$!
pids+=("$sandbox_pid")
wait_for "$out/sandbox.log" "^seeded: "
sandbox=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out/sandbox.log" | head -1)
sandbox_sync=$(sed -n 's/^seeded: //p' "$out/sandbox.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bulk_syncs"][0])')
for r in ra rb rc; do start_gateway "$r" "$sandbox" probe; done
echo
echo "i) rename through A, then read through B or C until the new name shows ($probe_rounds rounds)"
"$bin/polytomic-replicas-probe" --writer "$ra_addr" --reader "$rb_addr" --reader "$rc_addr" \
  --id "$sandbox_sync" --token_file "$out/token" --rounds "$probe_rounds" --json > "$out/probe.json"
printf '   ack to fresh read: p50 %s us, p99 %s us, max %s us; first read fresh in %s of %s rounds (most reads %s)\n' \
  "$(field "$out/probe.json" invalidation_p50_us)" "$(field "$out/probe.json" invalidation_p99_us)" \
  "$(field "$out/probe.json" invalidation_max_us)" "$(field "$out/probe.json" fresh_first_read)" \
  "$probe_rounds" "$(field "$out/probe.json" most_reads)"
printf '   for scale: a read from the upstream (no-cache) p50 %s us, a cache hit p50 %s us; the rename p50 %s us\n' \
  "$(field "$out/probe.json" upstream_read_p50_us)" "$(field "$out/probe.json" warm_read_p50_us)" \
  "$(field "$out/probe.json" update_p50_us)"
stop "$ra_pid"; stop "$rb_pid"; stop "$rc_pid"; stop "$sandbox_pid"

# --- ii) masked update p50: Redis lock against the in-memory lock
"$bin/polytomic-bench-upstream" --listen 127.0.0.1:0 --delay_ms 0 > "$out/upstream.log" 2>&1 &
pids+=($!)
wait_for "$out/upstream.log" "listening on"
upstream=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out/upstream.log" | head -1)
sync_id=$(curl -sf "$upstream/api/bulk/syncs/any" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
update_request="{\"id\":\"$sync_id\",\"bulk_sync\":{\"name\":\"renamed by the benchmark\"},\"update_mask\":\"name\"}"
start_gateway shared "$upstream" three
start_gateway peer1 "$upstream" three
start_gateway peer2 "$upstream" three
start_gateway solo "$upstream" solo
start_gateway local "$upstream" no
echo
echo "ii) UpdateBulkSync (mask \"name\"), concurrency 1, $duration per run, $rounds rounds"
printf '   %-8s %-8s %9s %9s %7s\n' round variant "p50 us" "p99 us" errors
declare -A p50s
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then order=(redis solo local); else order=(local solo redis); fi
  for variant in "${order[@]}"; do
    case $variant in
      redis) target=$shared_addr pid=$shared_pid ;;
      solo) target=$solo_addr pid=$solo_pid ;;
      local) target=$local_addr pid=$local_pid ;;
    esac
    f="$out/update-$variant-$round.json"
    "$bin/polytomic-bench" --target "$target" --pid "$pid" --method UpdateBulkSync \
      --request "$update_request" --channels 1 --concurrency 1 --duration "$duration" \
      --warmup 1s --token_file "$out/token" --json > "$f" || true
    printf '   %-8s %-8s %9s %9s %7s\n' "$round" "$variant" "$(field "$f" p50_us)" "$(field "$f" p99_us)" \
      "$(( $(field "$f" calls) - $(field "$f" ok) ))"
    p50s[$variant]+="$(field "$f" p50_us) "
  done
done
# shellcheck disable=SC2086  # the p50s of a variant, split on purpose
{
  rm=$(median ${p50s[redis]}); sm=$(median ${p50s[solo]}); lm=$(median ${p50s[local]})
  printf '   update p50, median [min - max] over rounds:\n'
  printf '     Redis lock, two more replicas (their acks awaited)  %s us [%s]\n' "$rm" "$(spread ${p50s[redis]})"
  printf '     Redis lock, no other replica                        %s us [%s]\n' "$sm" "$(spread ${p50s[solo]})"
  printf '     in-memory lock (no shared_state)                    %s us [%s]\n' "$lm" "$(spread ${p50s[local]})"
  printf '     Redis lock - in-memory lock: %s us with the other replicas, %s us alone\n' \
    "$(awk -v a="$rm" -v b="$lm" 'BEGIN{printf "%.0f", a - b}')" "$(awk -v a="$sm" -v b="$lm" 'BEGIN{printf "%.0f", a - b}')"
}
