# bench_lib.sh: helpers shared by run_benchmarks.sh and soak.sh (sourced).

# wait_for FILE PATTERN: waits until a server has printed its address line.
wait_for() {
  for _ in $(seq 1 200); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
