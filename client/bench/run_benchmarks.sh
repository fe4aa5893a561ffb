#!/usr/bin/env bash
# Measures the gateway side by side with the physical floor of this machine,
# in one run, over loopback. The upstream is polytomic-bench-upstream (one
# epoll thread, a few us of CPU per request, a fixed realistic bulk sync),
# so the gateway, not its upstream, is what is measured. For each of
# "direct libcurl" (polytomic-http-bench straight to the bench upstream),
# "echo" (polytomic-bench against the bare gRPC polytomic-echo-server) and
# "gateway" (polytomic-bench through the gateway to the bench upstream) it
# prints p50, p99, the server's CPU per call and its context switches per
# call (the server being the bench upstream, the echo server, the gateway),
# and these ratios against their targets.
#
# Sections a-d measure pass-through reads, so their gateway runs with
# `cache: {enabled: false}` (with the read cache on, GetBulkSync would be
# answered from memory); the script checks that it answers
# `x-cache-status: bypass` before it starts. Section e measures the cache.
#
#  a) concurrency 1, a pass-through read (GetBulkSync):
#       added latency = gateway p50 - (direct p50 + echo p50)      <= 100 us
#       voluntary context switches per call, gateway - echo's       <= 3
#  b) concurrency 16 (4 channels): server CPU per pass-through read,
#       gateway / echo's                                            <= 5x
#  c) a masked update (UpdateBulkSync, mask "name": GET, merge, PUT through
#     the gateway), concurrency 1:
#       update overhead = update p50 - (max(direct GET p50, one synced
#       append) + direct PUT p50 + echo p50)                         <= 100 us
#     "One synced append" is the median time of a 600-byte append followed
#     by fdatasync (what the audit writer does before an update's PUT) in the
#     gateway's audit directory, over 2,000 appends, timed while a busy
#     process per CPU (`yes > /dev/null`) keeps the machine as busy as a
#     gateway under load. On this VM a synced append from an otherwise idle
#     machine takes ~4 ms, with every CPU busy ~0.3 ms, like the gateway's
#     own fdatasync under an update load (~0.37 ms p50, seen with strace).
#     Hence not `dd bs=600 count=2000 oflag=dsync` on an idle machine, which
#     times the idle case, and as a mean, where the other figures are p50s.
#  d) 1,000 calls in flight against a 10 ms upstream (bench upstream
#     --delay_ms 10, gateway max_connections 1000, 8 channels): errors (0),
#     the gateway's threads (flat: no more at 1,000 in flight than at 16,
#     the peak search's first step), its RSS per
#     in-flight call (<= 32 KiB), throughput; and the gateway's closed-loop
#     peak against the 0 ms upstream (best of concurrency 16, 32, 64):
#       throughput at 1,000 in flight / peak                         >= 80%
#  e) the read cache (issue 12), on a second gateway with the cache on
#     (default config, except a 1 h TTL for GetBulkSync in e1, e2 and e4:
#     the default 10 s would expire during the runs, and a hit costs the
#     same whatever its TTL; every measured call's x-cache-status is counted
#     and printed, so a miss would show), against the 0 ms bench upstream,
#     side by side with an echo server answering the very bytes and
#     metadata a hit answers: polytomic-bench --burst 1 --response_out
#     keeps the gateway's serialized GetBulkSyncResponse (the call that
#     also warms the key), and a second polytomic-echo-server answers it
#     with --response_file and --initial_metadata x-cache-status=hit. (The
#     a-c echo answers its built-in bulk sync, a little smaller than the
#     gateway's answer: the script prints both sizes.)
#     e1) cache hits, concurrency 1 (1 channel):
#       hit p50 / echo p50                                          <= 1.15
#       hit p99 / echo p99                                          <= 1.3
#     e2) cache hits, concurrency 16 (4 channels): calls per server
#       CPU-second, gateway / echo's (= echo CPU per call / gateway's) >= 0.8
#     e3) 1,000 identical GetBulkSync at once (polytomic-bench --burst 1000,
#       8 channels) on a cold key, each round on a fresh gateway with the
#       default cache config, against a bench upstream delayed 50 ms:
#       upstream requests (its GET /_stats, before and after)        = 1
#       calls answered OK                                            = 1000
#       distinct responses (compared byte for byte)                  = 1
#       last answer after the first send                            <= 150 ms
#       with the x-cache-status counts (one miss, the rest coalesced or,
#       sent after the answer was stored, hits), and the same burst against
#       the echo of a hit: the floor of this machine, where starting 1,000
#       calls from one client thread takes most of the span.
#     e4) cache hits at 1, 16, 64, 256 and 1,000 in flight (8 channels,
#       key warm, DURATION each, once): errors at every step (0), and the
#       gateway's threads idle and max per step (flat: no step's max above
#       the first step's max).
#     e1-e3 run every round, alternate the order of echo and gateway from
#     round to round like a-c, and are summarised like a-c.
#  A/B) with BASELINE_GATEWAY=PATH, this build against an earlier build of
#     polytomic-gateway (e.g. git worktree add /tmp/base COMMIT &&
#     cmake -S /tmp/base -B /tmp/base/build -G Ninja &&
#     ninja -C /tmp/base/build polytomic-gateway), with the same config (the
#     earlier build must understand it; `cache: {enabled: false}` is left
#     out for an earlier build without the read cache, told by its binary
#     not naming the CacheMethod config message): read p50 at concurrency
#     1, reads/s at concurrency 32, update p50 and CPU per read, the two
#     builds alternated for ROUNDS rounds of AB_DURATION (default 3s) per
#     run.
#
# This VM drifts between fast and slow phases that last seconds (one 8 s
# measurement of a binary gave 542 us p50 and the next 825 us). So sections
# a-c run ROUNDS times (default 3), the variants of each ratio alternate
# their order from round to round, each round prints its figures, and the
# summary gives each ratio's median and spread (min - max) over the rounds.
# d) runs once, the peak search before the 1,000 in flight; so does e4.
# ROUNDS=3 with 5s runs takes about 6 minutes.
#
# Usage: [ROUNDS=N] [BASELINE_GATEWAY=PATH] [AB_DURATION=3s] \
#          client/bench/run_benchmarks.sh [DURATION (default 10s)]
# Build first (deploy/build.sh, or ninja polytomic-gateway polytomic-bench
# polytomic-http-bench polytomic-echo-server polytomic-bench-upstream).
# python3 extracts the document for the direct PUT and times the synced
# appends. Raw JSON reports, the caller token and the gateway's audit trail
# stay in $out.
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/build/bin"
duration=${1:-10s}
rounds=${ROUNDS:-3}
ab_duration=${AB_DURATION:-3s}
out=$(mktemp -d /tmp/polytomic-bench.XXXXXX)
key="bench-upstream-key-0001"
echo "$key" > "$out/key"
# The benchmark's caller: a fresh token; the gateway config holds its sha256.
token=$(head -c 24 /dev/urandom | base64)
echo "$token" > "$out/token"
token_sha256=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# shellcheck source=client/bench/bench_lib.sh
. "$root/client/bench/bench_lib.sh"
# field JSON_FILE NAME: a number from a one-line JSON report.
field() { sed -n "s/.*\"$2\":\([-0-9.]*\).*/\1/p" "$1" | head -1; }
# calc EXPRESSION: awk arithmetic, one decimal; calc2: two decimals.
calc() { awk "BEGIN{printf \"%.1f\", $1}"; }
calc2() { awk "BEGIN{printf \"%.2f\", $1}"; }
# counts JSON_FILE: the x-cache-status counts of a report, "hit:123,miss:1".
counts() { sed -n 's/.*"metadata_counts":{\([^}]*\)}.*/\1/p' "$1" | tr -d '"'; }
# median VALUES...: the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
# spread VALUES...: "min - max".
spread() { printf '%s\n' "$@" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END{print lo " - " hi}'; }
# verdict VALUE OP TARGET: "met" or "MISSED" (OP is <= or >=).
verdict() { awk -v v="$1" -v t="$3" -v op="$2" \
  'BEGIN{ok = op == "<=" ? v <= t : v >= t; print ok ? "met" : "MISSED"}'; }

# start_upstream NAME DELAY_MS: a bench upstream; sets NAME_url and NAME_pid.
start_upstream() {
  "$bin/polytomic-bench-upstream" --listen 127.0.0.1:0 --delay_ms "$2" > "$out/$1.log" 2>&1 &
  pids+=($!)
  printf -v "$1_pid" '%s' "$!"
  wait_for "$out/$1.log" "listening on"
  printf -v "$1_url" '%s' "$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out/$1.log" | head -1)"
}
# start_gateway NAME UPSTREAM_URL MAX_CONNECTIONS CACHE [BINARY]: a gateway
# with the benchmark's config (its caller's token, an audit trail in
# $out/audit-NAME, the admin listener off: nothing scrapes it, and the
# default port 9464 may be taken) and CACHE as its `cache` (a YAML flow
# mapping, e.g. "{enabled: false}"; "" leaves `cache` out: the defaults);
# sets NAME_addr and NAME_pid.
start_gateway() {
  local binary=${5:-$bin/polytomic-gateway}
  cat > "$out/$1.yaml" <<EOF
listener: {address: "127.0.0.1:0"}
upstream: {base_url: "$2", api_key_file: "$out/key", max_connections: $3}
callers:
  tokens: [{principal: bench, sha256: "$token_sha256"}]
  policies: [{principal: bench, account: default, allow: ["*"]}]
audit: {directory: "$out/audit-$1"}
EOF
  if [ -n "$4" ]; then echo "cache: $4" >> "$out/$1.yaml"; fi
  # A baseline built before admin.address existed would refuse the field
  # (and has no admin listener): builds that know it print "admin listening".
  if grep -qa "admin listening" "$binary"; then
    echo 'admin: {address: ""}' >> "$out/$1.yaml"
  fi
  "$binary" --config "$out/$1.yaml" > "$out/$1.log" 2>&1 &
  pids+=($!)
  printf -v "$1_pid" '%s' "$!"
  wait_for "$out/$1.log" "serving"
  printf -v "$1_addr" '%s' "$(sed -n 's/.* on \(127.0.0.1:[0-9]*\).*/\1/p' "$out/$1.log" | head -1)"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }  # stop PID
# synced_append_p50 FILE: the median time, in us, of 2,000 appends of a
# 600-byte line to FILE, each followed by fdatasync, while a busy process
# per CPU runs; FILE is removed after.
synced_append_p50() {
  local spinners=()
  for _ in $(seq "$(nproc)"); do
    yes > /dev/null &
    spinners+=($!)
  done
  python3 - "$1" <<'EOF'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
line, times = b"x" * 599 + b"\n", []
for _ in range(2000):
    start = time.perf_counter()
    os.write(fd, line)
    os.fdatasync(fd)
    times.append(time.perf_counter() - start)
os.close(fd)
os.unlink(sys.argv[1])
times.sort()
print("%.1f" % (times[len(times) // 2] * 1e6))
EOF
  kill "${spinners[@]}"
  wait "${spinners[@]}" 2>/dev/null || true
}

# The runs. Each prints one JSON report into OUT; a run with failed calls
# still reports (its errors show in the tables), so its exit code is ignored.
# direct OUT PID CONCURRENCY [http-bench flags...]: libcurl to the upstream.
direct() {
  local file=$1 pid=$2 concurrency=$3; shift 3
  "$bin/polytomic-http-bench" --header "Authorization: Bearer $key" \
    --header "X-Polytomic-Version: 2025-09-18" --connections "$concurrency" \
    --concurrency "$concurrency" --pid "$pid" --duration "$duration" --warmup 2s \
    --json "$@" > "$file" || true
}
# grpc OUT TARGET PID CHANNELS CONCURRENCY METHOD REQUEST [bench flags...]
grpc() {
  local file=$1 target=$2 pid=$3 channels=$4 concurrency=$5 method=$6 request=$7; shift 7
  "$bin/polytomic-bench" --target "$target" --pid "$pid" --method "$method" \
    --request "$request" --channels "$channels" --concurrency "$concurrency" \
    --duration "$duration" --warmup 2s --json "$@" > "$file" || true
}
# one_call OUT TARGET [bench flags...]: one authenticated GetBulkSync, its
# x-cache-status counted.
one_call() {
  local file=$1 target=$2; shift 2
  "$bin/polytomic-bench" --target "$target" --method GetBulkSync --request "$read_request" \
    --burst 1 --channels 1 --count_metadata x-cache-status --json "${auth[@]}" "$@" > "$file" || true
}
# expect_cache_status JSON STATUS WHAT: exits unless the one call of JSON
# succeeded with x-cache-status STATUS.
expect_cache_status() {
  if [ "$(field "$1" ok)" != 1 ] || [ "$(counts "$1")" != "$2:1" ]; then
    echo "$3: expected one call answered with x-cache-status $2, got:" >&2; cat "$1" >&2; exit 1
  fi
}
# upstream_requests URL: the requests a bench upstream has read so far.
upstream_requests() { curl -sf "$1/_stats" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p'; }
# row LABEL JSON: one line of a table.
row() {
  printf '      %-16s %9s %9s %11s %9s %9s %7s\n' "$1" "$(field "$2" p50_us)" \
    "$(field "$2" p99_us)" "$(field "$2" server_cpu_us_per_call)" \
    "$(field "$2" server_vcs_per_call)" "$(field "$2" server_ivcs_per_call)" \
    "$(( $(field "$2" calls) - $(field "$2" ok) ))"
}
# header TITLE: a table's title and column names.
header() {
  printf '   %s\n      %-16s %9s %9s %11s %9s %9s %7s\n' "$1" "" "p50 us" "p99 us" \
    "CPU us/call" "vcs/call" "ivcs/call" "errors"
}

start_upstream up0 0
start_upstream up10 10
# The document the upstream serves, its id, and the document a direct PUT sends.
body=$(curl -sf "$up0_url/api/bulk/syncs/any")
sync_id=$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
doc=$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"]))')
sync_url="$up0_url/api/bulk/syncs/$sync_id"
read_request="{\"id\":\"$sync_id\"}"
update_request="{\"id\":\"$sync_id\",\"bulk_sync\":{\"name\":\"renamed by the benchmark\"},\"update_mask\":\"name\"}"
"$bin/polytomic-echo-server" --listen 127.0.0.1:0 > "$out/echo.log" 2>&1 &
echo_pid=$!
pids+=($echo_pid)
wait_for "$out/echo.log" "listening on"
echo_addr=$(sed -n 's/.*listening on \(127.0.0.1:[0-9]*\).*/\1/p' "$out/echo.log")
# Sections a-d measure pass-through reads: their gateway runs without the
# read cache, which the first call confirms.
auth=(--token_file "$out/token")
start_gateway gw "$up0_url" 64 "{enabled: false}"
one_call "$out/gw-bypass.json" "$gw_addr"
expect_cache_status "$out/gw-bypass.json" bypass "gateway $gw_addr, cache disabled"
echo "bench upstream $up0_url (pid $up0_pid), echo $echo_addr (pid $echo_pid), gateway $gw_addr (pid $gw_pid, cache disabled)"
echo "$duration per run (after a 2 s warm-up), $rounds rounds; CPU and context switches are the server's"

added=(); vcs_more=(); cpu_times=(); update_over=()
for round in $(seq 1 "$rounds"); do
  # Odd rounds run the variants in one order, even rounds in the reverse.
  if (( round % 2 )); then order=(direct echo gateway); else order=(gateway echo direct); fi
  echo "== round $round of $rounds (order: ${order[*]})"
  for variant in "${order[@]}"; do
    case $variant in
      direct) direct "$out/a-direct-$round.json" "$up0_pid" 1 --url "$sync_url" ;;
      echo) grpc "$out/a-echo-$round.json" "$echo_addr" "$echo_pid" 1 1 GetBulkSync "$read_request" ;;
      gateway) grpc "$out/a-gateway-$round.json" "$gw_addr" "$gw_pid" 1 1 GetBulkSync "$read_request" "${auth[@]}" ;;
    esac
  done
  header "a) GetBulkSync, concurrency 1"
  row "direct libcurl" "$out/a-direct-$round.json"
  row "echo" "$out/a-echo-$round.json"
  row "gateway" "$out/a-gateway-$round.json"
  get_p50=$(field "$out/a-direct-$round.json" p50_us)
  echo_p50=$(field "$out/a-echo-$round.json" p50_us)
  a=$(calc "$(field "$out/a-gateway-$round.json" p50_us) - ($get_p50 + $echo_p50)")
  v=$(calc "$(field "$out/a-gateway-$round.json" server_vcs_per_call) - $(field "$out/a-echo-$round.json" server_vcs_per_call)")
  added+=("$a"); vcs_more+=("$v")
  printf '      added latency %s us (target <= 100); voluntary switches per call, gateway - echo: %s (target <= 3)\n' "$a" "$v"

  for variant in "${order[@]}"; do
    case $variant in
      direct) direct "$out/b-direct-$round.json" "$up0_pid" 16 --url "$sync_url" ;;
      echo) grpc "$out/b-echo-$round.json" "$echo_addr" "$echo_pid" 4 16 GetBulkSync "$read_request" ;;
      gateway) grpc "$out/b-gateway-$round.json" "$gw_addr" "$gw_pid" 4 16 GetBulkSync "$read_request" "${auth[@]}" ;;
    esac
  done
  header "b) GetBulkSync, concurrency 16 (gRPC: 4 channels)"
  row "direct libcurl" "$out/b-direct-$round.json"
  row "echo" "$out/b-echo-$round.json"
  row "gateway" "$out/b-gateway-$round.json"
  b=$(calc "$(field "$out/b-gateway-$round.json" server_cpu_us_per_call) / $(field "$out/b-echo-$round.json" server_cpu_us_per_call)")
  cpu_times+=("$b")
  printf '      server CPU per read, gateway / echo: %sx (target <= 5x); reads/s: direct %s, echo %s, gateway %s\n' "$b" \
    "$(field "$out/b-direct-$round.json" throughput)" "$(field "$out/b-echo-$round.json" throughput)" \
    "$(field "$out/b-gateway-$round.json" throughput)"

  if (( round % 2 )); then c_order=(put append update); else c_order=(update append put); fi
  for variant in "${c_order[@]}"; do
    case $variant in
      put) direct "$out/c-put-$round.json" "$up0_pid" 1 --url "$sync_url" --method PUT --body "$doc" \
             --header "Content-Type: application/json" --header "Expect:" ;;
      append) append_us=$(synced_append_p50 "$out/audit-gw/bench-append") ;;
      update) grpc "$out/c-update-$round.json" "$gw_addr" "$gw_pid" 1 1 UpdateBulkSync "$update_request" "${auth[@]}" ;;
    esac
  done
  header "c) UpdateBulkSync (mask \"name\"), concurrency 1"
  row "direct PUT" "$out/c-put-$round.json"
  row "gateway update" "$out/c-update-$round.json"
  put_p50=$(field "$out/c-put-$round.json" p50_us)
  floor=$(awk -v g="$get_p50" -v a="$append_us" 'BEGIN{print (g > a ? g : a)}')
  c=$(calc "$(field "$out/c-update-$round.json" p50_us) - ($floor + $put_p50 + $echo_p50)")
  update_over+=("$c")
  printf '      one synced append (600 B + fdatasync in the audit directory, median): %s us\n' "$append_us"
  printf '      update overhead: p50 - (max(direct GET %s, append %s) + PUT %s + echo %s) = %s us (target <= 100)\n' \
    "$get_p50" "$append_us" "$put_p50" "$echo_p50" "$c"
done

echo "== summary of a-c over $rounds rounds: median [min - max]"
summary() {  # summary LABEL UNIT OP TARGET VALUES...
  local label=$1 unit=$2 op=$3 target=$4; shift 4
  local m; m=$(median "$@")
  printf '   %-46s %8s%s [%s]  target %s %s%s: %s\n' "$label" "$m" "$unit" "$(spread "$@")" \
    "$op" "$target" "$unit" "$(verdict "$m" "$op" "$target")"
}
summary "a) added latency of a read, c=1" " us" "<=" 100 "${added[@]}"
summary "a) voluntary switches/call, gateway - echo" "" "<=" 3 "${vcs_more[@]}"
summary "b) server CPU per read, gateway / echo, c=16" "x" "<=" 5 "${cpu_times[@]}"
summary "c) update overhead, c=1" " us" "<=" 100 "${update_over[@]}"

echo "== d) 1,000 calls in flight against a 10 ms upstream ($duration), and the closed-loop peak"
peak=0; peak_at=0
for concurrency in 16 32 64; do
  grpc "$out/d-peak-$concurrency.json" "$gw_addr" "$gw_pid" 8 "$concurrency" GetBulkSync "$read_request" "${auth[@]}"
  t=$(field "$out/d-peak-$concurrency.json" throughput)
  printf '   peak search: concurrency %s, 0 ms upstream: %s reads/s, p50 %s us, CPU %s us/read\n' "$concurrency" "$t" \
    "$(field "$out/d-peak-$concurrency.json" p50_us)" "$(field "$out/d-peak-$concurrency.json" server_cpu_us_per_call)"
  if awk -v t="$t" -v p="$peak" 'BEGIN{exit !(t > p)}'; then peak=$t; peak_at=$concurrency; fi
done
stop "$gw_pid"  # One gateway under load at a time.
start_gateway gw1000 "$up10_url" 1000 "{enabled: false}"
"$bin/polytomic-bench" --target "$gw1000_addr" "${auth[@]}" --method GetBulkSync --request "$read_request" \
  --channels 8 --concurrency 1000 --duration "$duration" --warmup 3s --timeout 30s \
  --pid "$gw1000_pid" --json > "$out/d-load.json" || true
calls=$(field "$out/d-load.json" calls)
ok=$(field "$out/d-load.json" ok)
throughput=$(field "$out/d-load.json" throughput)
threads_idle=$(field "$out/d-load.json" threads_idle)
threads_max=$(field "$out/d-load.json" threads_max)
rss_idle=$(field "$out/d-load.json" rss_idle_kb)
rss_peak=$(field "$out/d-load.json" rss_peak_kb)
in_flight=$(field "$out/d-load.json" avg_in_flight)
per_call=$(calc "($rss_peak - $rss_idle) / $in_flight")
of_peak=$(calc "100 * $throughput / $peak")
printf '   calls %s, errors %s (target 0): %s\n' "$calls" "$((calls - ok))" "$(verdict "$((calls - ok))" "<=" 0)"
# Flat: 1,000 calls in flight need no more threads than 16 do (gRPC's pool
# grows once, by a few threads, at the first load, then stays).
threads_c16=$(field "$out/d-peak-16.json" threads_max)
printf '   gateway threads idle %s, max at 1,000 in flight %s, max at 16 in flight %s (target flat: 1,000 <= 16): %s\n' \
  "$threads_idle" "$threads_max" "$threads_c16" "$(verdict "$threads_max" "<=" "$threads_c16")"
printf '   gateway RSS idle %s KiB, peak %s KiB: %s KiB per in-flight call (target <= 32): %s\n' \
  "$rss_idle" "$rss_peak" "$per_call" "$(verdict "$per_call" "<=" 32)"
printf '   p50 %s us, p99 %s us, CPU %s us/call, %s voluntary switches/call\n' "$(field "$out/d-load.json" p50_us)" \
  "$(field "$out/d-load.json" p99_us)" "$(field "$out/d-load.json" server_cpu_us_per_call)" \
  "$(field "$out/d-load.json" server_vcs_per_call)"
printf '   throughput %s calls/s = %s%% of the closed-loop peak %s (at concurrency %s) (target >= 80%%): %s\n' \
  "$throughput" "$of_peak" "$peak" "$peak_at" "$(verdict "$of_peak" ">=" 80)"
stop "$gw1000_pid"

echo "== e) the read cache: hits against the echo floor, 1,000 coalesced cold reads, hits up to 1,000 in flight"
count=(--count_metadata x-cache-status)
start_upstream up50 50
# A 1 h TTL for GetBulkSync keeps the key warm through e1, e2 and e4;
# otherwise the default config.
start_gateway gwc "$up0_url" 64 '{methods: [{method: "polytomic.v1.BulkSyncService/GetBulkSync", ttl: "3600s"}]}'
# The first read misses and stores the answer: its bytes are what every hit
# answers, so they are what the echo of a hit answers.
one_call "$out/e-first.json" "$gwc_addr" --response_out "$out/e-response.bin"
expect_cache_status "$out/e-first.json" miss "gateway $gwc_addr, cache on, first read"
one_call "$out/e-warm.json" "$gwc_addr"
expect_cache_status "$out/e-warm.json" hit "gateway $gwc_addr, cache on, second read"
"$bin/polytomic-echo-server" --listen 127.0.0.1:0 --response_file "$out/e-response.bin" \
  --initial_metadata x-cache-status=hit > "$out/echo-hit.log" 2>&1 &
echoh_pid=$!
pids+=($echoh_pid)
wait_for "$out/echo-hit.log" "listening on"
echoh_addr=$(sed -n 's/.*listening on \(127.0.0.1:[0-9]*\).*/\1/p' "$out/echo-hit.log")
printf '   gateway %s (pid %s, cache on, key warm), echo of a hit %s (pid %s): %s-byte responses (the a-c echo: %s bytes)\n' \
  "$gwc_addr" "$gwc_pid" "$echoh_addr" "$echoh_pid" "$(stat -c %s "$out/e-response.bin")" \
  "$(sed -n 's/.* with a \([0-9]*\)-byte response.*/\1/p' "$out/echo.log")"
hit_p50=(); hit_p99=(); hit_cpu=(); e3_requests=(); e3_ok=(); e3_distinct=(); e3_span=(); e3_echo_span=()
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then order=(echo gateway); else order=(gateway echo); fi
  echo "== e round $round of $rounds (order: ${order[*]})"
  for variant in "${order[@]}"; do
    case $variant in
      echo) grpc "$out/e1-echo-$round.json" "$echoh_addr" "$echoh_pid" 1 1 GetBulkSync "$read_request" "${count[@]}" ;;
      gateway) grpc "$out/e1-gateway-$round.json" "$gwc_addr" "$gwc_pid" 1 1 GetBulkSync "$read_request" \
                 "${auth[@]}" "${count[@]}" ;;
    esac
  done
  header "e1) GetBulkSync cache hits, concurrency 1"
  row "echo of a hit" "$out/e1-echo-$round.json"
  row "gateway hit" "$out/e1-gateway-$round.json"
  hit_p50+=("$(calc2 "$(field "$out/e1-gateway-$round.json" p50_us) / $(field "$out/e1-echo-$round.json" p50_us)")")
  hit_p99+=("$(calc2 "$(field "$out/e1-gateway-$round.json" p99_us) / $(field "$out/e1-echo-$round.json" p99_us)")")
  printf '      gateway / echo: p50 %sx (target <= 1.15), p99 %sx (target <= 1.3); gateway x-cache-status %s\n' \
    "${hit_p50[-1]}" "${hit_p99[-1]}" "$(counts "$out/e1-gateway-$round.json")"

  for variant in "${order[@]}"; do
    case $variant in
      echo) grpc "$out/e2-echo-$round.json" "$echoh_addr" "$echoh_pid" 4 16 GetBulkSync "$read_request" "${count[@]}" ;;
      gateway) grpc "$out/e2-gateway-$round.json" "$gwc_addr" "$gwc_pid" 4 16 GetBulkSync "$read_request" \
                 "${auth[@]}" "${count[@]}" ;;
    esac
  done
  header "e2) GetBulkSync cache hits, concurrency 16 (4 channels)"
  row "echo of a hit" "$out/e2-echo-$round.json"
  row "gateway hit" "$out/e2-gateway-$round.json"
  echo_cpu=$(field "$out/e2-echo-$round.json" server_cpu_us_per_call)
  gw_cpu=$(field "$out/e2-gateway-$round.json" server_cpu_us_per_call)
  hit_cpu+=("$(calc2 "$echo_cpu / $gw_cpu")")
  printf '      calls per server CPU-second: echo %s, gateway %s: gateway / echo %sx (target >= 0.8)\n' \
    "$(calc "1e6 / $echo_cpu")" "$(calc "1e6 / $gw_cpu")" "${hit_cpu[-1]}"
  printf '      calls/s: echo %s, gateway %s; gateway x-cache-status %s\n' "$(field "$out/e2-echo-$round.json" throughput)" \
    "$(field "$out/e2-gateway-$round.json" throughput)" "$(counts "$out/e2-gateway-$round.json")"

  burst=(--method GetBulkSync --request "$read_request" --burst 1000 --channels 8 --timeout 30s "${count[@]}" --json)
  for variant in "${order[@]}"; do
    case $variant in
      echo) "$bin/polytomic-bench" --target "$echoh_addr" --pid "$echoh_pid" "${burst[@]}" > "$out/e3-echo-$round.json" || true ;;
      gateway)
        # A fresh gateway, so the key is cold; the default cache config.
        start_gateway e3 "$up50_url" 64 ""
        before=$(upstream_requests "$up50_url")
        "$bin/polytomic-bench" --target "$e3_addr" --pid "$e3_pid" "${auth[@]}" "${burst[@]}" > "$out/e3-$round.json" || true
        after=$(upstream_requests "$up50_url")
        stop "$e3_pid" ;;
    esac
  done
  e3_requests+=("$((after - before))")
  e3_ok+=("$(field "$out/e3-$round.json" ok)")
  e3_distinct+=("$(field "$out/e3-$round.json" distinct_responses)")
  e3_span+=("$(calc "$(field "$out/e3-$round.json" span_us) / 1000")")
  e3_echo_span+=("$(calc "$(field "$out/e3-echo-$round.json" span_us) / 1000")")
  echo "   e3) 1,000 identical GetBulkSync at once on a cold key, upstream delayed 50 ms (8 channels)"
  printf '      upstream requests %s (target 1); answered OK %s of %s (target all); distinct responses %s (target 1)\n' \
    "${e3_requests[-1]}" "${e3_ok[-1]}" "$(field "$out/e3-$round.json" calls)" "${e3_distinct[-1]}"
  printf '      last answer %s ms after the first send (target <= 150); sends took %s ms, first answer after %s ms\n' \
    "${e3_span[-1]}" "$(calc "$(field "$out/e3-$round.json" send_span_us) / 1000")" \
    "$(calc "$(field "$out/e3-$round.json" first_answer_us) / 1000")"
  printf '      x-cache-status %s; the same burst against the echo (the floor): last answer after %s ms, sends took %s ms\n' \
    "$(counts "$out/e3-$round.json")" "${e3_echo_span[-1]}" "$(calc "$(field "$out/e3-echo-$round.json" send_span_us) / 1000")"
done

echo "== e4) cache hits at 1 -> 16 -> 64 -> 256 -> 1,000 in flight (8 channels, $duration each)"
first_max=""; e4_errors=0; e4_flat=met; e4_max=()
for concurrency in 1 16 64 256 1000; do
  f="$out/e4-$concurrency.json"
  grpc "$f" "$gwc_addr" "$gwc_pid" 8 "$concurrency" GetBulkSync "$read_request" "${auth[@]}" "${count[@]}" --timeout 30s
  errors=$(( $(field "$f" calls) - $(field "$f" ok) ))
  threads_max=$(field "$f" threads_max)
  first_max=${first_max:-$threads_max}
  flat=$(verdict "$threads_max" "<=" "$first_max")
  e4_errors=$((e4_errors + errors)); e4_max+=("$threads_max")
  if [ "$flat" != met ]; then e4_flat=MISSED; fi
  printf '   %4s in flight: errors %s (target 0): %s; threads idle %s, max %s (target <= %s): %s\n' \
    "$concurrency" "$errors" "$(verdict "$errors" "<=" 0)" "$(field "$f" threads_idle)" "$threads_max" "$first_max" "$flat"
  printf '        %s calls/s, p50 %s us, p99 %s us, CPU %s us/call; x-cache-status %s\n' "$(field "$f" throughput)" \
    "$(field "$f" p50_us)" "$(field "$f" p99_us)" "$(field "$f" server_cpu_us_per_call)" "$(counts "$f")"
done
stop "$gwc_pid"
stop "$echoh_pid"

echo "== summary of e over $rounds rounds: median [min - max]"
# exactly LABEL TARGET VALUES...: met when every round gave TARGET.
exactly() {
  local label=$1 target=$2 ok=met v; shift 2
  for v in "$@"; do [ "$v" = "$target" ] || ok=MISSED; done
  printf '   %-46s %8s [%s]  target = %s every round: %s\n' "$label" "$(median "$@")" "$(spread "$@")" \
    "$target" "$ok"
}
summary "e1) hit p50 / echo p50, c=1" "x" "<=" 1.15 "${hit_p50[@]}"
summary "e1) hit p99 / echo p99, c=1" "x" "<=" 1.3 "${hit_p99[@]}"
summary "e2) hits per CPU-second, gateway / echo, c=16" "x" ">=" 0.8 "${hit_cpu[@]}"
exactly "e3) upstream requests for 1,000 cold reads" 1 "${e3_requests[@]}"
exactly "e3) calls answered OK" 1000 "${e3_ok[@]}"
exactly "e3) distinct responses" 1 "${e3_distinct[@]}"
summary "e3) last answer after the first send" " ms" "<=" 150 "${e3_span[@]}"
printf '   %-46s %8s ms [%s]  (no target)\n' "e3) the same burst against the echo" "$(median "${e3_echo_span[@]}")" \
  "$(spread "${e3_echo_span[@]}")"
printf '   %-46s %8s  target 0: %s\n' "e4) errors over all steps" "$e4_errors" "$(verdict "$e4_errors" "<=" 0)"
printf '   %-46s %8s  target flat (no step above the first): %s\n' "e4) gateway threads, max per step" \
  "${e4_max[*]}" "$e4_flat"

echo "== A/B: this build vs an earlier build of the gateway ($ab_duration per run)"
if [ -z "${BASELINE_GATEWAY:-}" ]; then
  echo "   skipped: set BASELINE_GATEWAY (see the header of this script)"
else
  duration=$ab_duration
  # change EARLIER CURRENT: the relative change in percent.
  change() { awk -v b="$1" -v c="$2" 'BEGIN{printf "%+.1f", 100*(c-b)/b}'; }
  r() { field "$out/ab-$1-$2-$round.json" "$3"; }  # r KIND VARIANT FIELD of this round
  read_changes=(); load_changes=(); update_changes=(); cpu_changes=()
  for round in $(seq 1 "$rounds"); do
    if (( round % 2 )); then order=(earlier current); else order=(current earlier); fi
    for variant in "${order[@]}"; do
      if [ "$variant" = earlier ]; then binary=$BASELINE_GATEWAY; else binary="$bin/polytomic-gateway"; fi
      cache="{enabled: false}"
      # An earlier build without the read cache would refuse the key.
      if [ "$variant" = earlier ] && ! grep -qa CacheMethod "$binary"; then cache=""; fi
      start_gateway ab "$up0_url" 64 "$cache" "$binary"
      grpc "$out/ab-read-$variant-$round.json" "$ab_addr" "$ab_pid" 1 1 GetBulkSync "$read_request" "${auth[@]}"
      grpc "$out/ab-update-$variant-$round.json" "$ab_addr" "$ab_pid" 1 1 UpdateBulkSync "$update_request" "${auth[@]}"
      grpc "$out/ab-load-$variant-$round.json" "$ab_addr" "$ab_pid" 4 32 GetBulkSync "$read_request" "${auth[@]}"
      stop "$ab_pid"
    done
    read_changes+=("$(change "$(r read earlier p50_us)" "$(r read current p50_us)")")
    update_changes+=("$(change "$(r update earlier p50_us)" "$(r update current p50_us)")")
    load_changes+=("$(change "$(r load earlier throughput)" "$(r load current throughput)")")
    cpu_changes+=("$(change "$(r load earlier server_cpu_us_per_call)" "$(r load current server_cpu_us_per_call)")")
    printf '   round %s (order: %s): earlier -> current\n' "$round" "${order[*]}"
    printf '      read p50 c=1 %s -> %s us (%s%%), update p50 %s -> %s us (%s%%)\n' \
      "$(r read earlier p50_us)" "$(r read current p50_us)" "${read_changes[-1]}" \
      "$(r update earlier p50_us)" "$(r update current p50_us)" "${update_changes[-1]}"
    printf '      reads/s c=32 %s -> %s (%s%%), CPU per read c=32 %s -> %s us (%s%%)\n' \
      "$(r load earlier throughput)" "$(r load current throughput)" "${load_changes[-1]}" \
      "$(r load earlier server_cpu_us_per_call)" "$(r load current server_cpu_us_per_call)" "${cpu_changes[-1]}"
  done
  printf '   median [min - max] change over %s rounds:\n' "$rounds"
  printf '      read p50 c=1 %s%% [%s], update p50 %s%% [%s]\n' "$(median "${read_changes[@]}")" \
    "$(spread "${read_changes[@]}")" "$(median "${update_changes[@]}")" "$(spread "${update_changes[@]}")"
  printf '      reads/s c=32 %s%% [%s], CPU per read c=32 %s%% [%s]\n' "$(median "${load_changes[@]}")" \
    "$(spread "${load_changes[@]}")" "$(median "${cpu_changes[@]}")" "$(spread "${cpu_changes[@]}")"
fi
echo "raw reports: $out"
