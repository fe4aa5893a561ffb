#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, ASan and UBSan into
# build-fuzz/, then fuzzes each for SECONDS (default 15), one after the other,
# starting from a copy of its kept corpus tests/fuzz/corpus/<name>/ (the kept
# corpus is never written to). Fails if any target crashes, leaks, hits UB or
# breaks one of its checks; the input that did it is left in
# build-fuzz/fuzz-runs/<name>/ as crash-*, leak-*, timeout-* or oom-*: once
# fixed, add it to the kept corpus as crash-<what>.
#
#   deploy/fuzz.sh        # 15 s per target
#   deploy/fuzz.sh 300    # 5 minutes per target
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-15}
build="$root/build-fuzz"

"$root/deploy/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DGATEWAY_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

# Any sanitizer report ends the run with a stack trace; the fuzz targets are
# built with -fno-sanitize-recover, this makes sure of it for the runtime.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for fuzzer in "$build"/bin/*_fuzzer; do
  name=$(basename "$fuzzer" _fuzzer)
  run="$build/fuzz-runs/$name"
  rm -rf "$run"
  mkdir -p "$run/corpus"
  cp "$root/tests/fuzz/corpus/$name/"* "$run/corpus/"
  # -timeout: an input that takes seconds is a finding (a hang or a
  # blow-up), not a slow machine; -rss_limit_mb likewise for memory.
  if "$fuzzer" "$run/corpus" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$run/" -print_final_stats=1 \
      >"$run/log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/log")
    echo "fuzz: $name: ok, $execs inputs in ${seconds}s ($speed/s)"
  else
    failed+=("$name")
    tail -n 60 "$run/log"
    echo "fuzz: $name: FAILED (log and input in $run/)" >&2
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
