#!/usr/bin/env bash
# Checks the container image, built from the binaries of BUILD-DIR (the
# Containerfile with BINARIES=prebuilt: build-image.sh --prebuilt):
#   deploy/container/check-image.sh BUILD-DIR
# In the image: every shared library of the binaries resolves (ldd), no
# compiler, linker or cmake, the user is 65532, the audit directory is a
# volume, audit.retention is set. Then, in a network namespace of its own
# (so the image's fixed ports 50051 and 9464 collide with nothing, and
# `podman run --network host` joins it): the sandbox emulator (BUILD-DIR's)
# on its loopback, the image run with `podman run`, the API key mounted, a
# fresh named volume and --upstream the sandbox; health answers SERVING, to
# the host's health client and as the image's HEALTHCHECK; the gateway runs
# as uid 65532; `podman stop` drains it (exit 0); the audit trail it left on
# the volume verifies in a new container. Needs root (mmdebstrap, podman,
# unshare); the base is cached in BUILD-DIR/container.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/container/podman.sh
. "$here/podman.sh"
image=localhost/polytomic-gateway:test
uid=65532

fail() { echo "check-image: $*" >&2; exit 1; }

# The container, its volume, the sandbox and the work directory of
# run_in_netns, removed on exit.
work=""
name=polytomic-gateway-check-$$
volume=$name-audit
sandbox_pid=""
cleanup() {
  "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true
  "${podman[@]}" volume rm -f "$volume" >/dev/null 2>&1 || true
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}

# run_in_netns BUILD-DIR: the podman run half, in the namespace.
run_in_netns() {
  local build=$1 address status pid ids
  work=$(mktemp -d)
  trap cleanup EXIT
  ip link set lo up

  printf 'check-image-key\n' > "$work/api-key"
  chmod 0444 "$work/api-key"  # read by uid 65532 in the container
  "$build/bin/polytomic-sandbox" --listen 127.0.0.1:0 --api-key check-image-key --seed \
    > "$work/sandbox.log" 2>&1 &
  sandbox_pid=$!
  address=""
  for _ in $(seq 1 200); do
    address=$(sed -n 's|^polytomic-sandbox listening on \(http://[0-9.:]*\).*|\1|p' \
      "$work/sandbox.log")
    [ -n "$address" ] && break
    sleep 0.05
  done
  [ -n "$address" ] || { cat "$work/sandbox.log" >&2; fail "the sandbox did not start"; }

  # The image's entrypoint and configuration; only the upstream differs.
  # (podman's stderr: without systemd it complains it cannot time the
  # HEALTHCHECK, which `podman healthcheck run` runs below instead.)
  "${podman[@]}" run -d --name "$name" "${podman_limits[@]}" --network host \
    -v "$work/api-key:/run/secrets/polytomic-api-key:ro" \
    -v "$volume:/var/lib/polytomic-gateway" \
    "$image" --config /etc/polytomic-gateway/gateway.yaml --upstream "$address" \
    > /dev/null 2> "$work/podman.log" || { cat "$work/podman.log" >&2; fail "podman run failed"; }

  status=""
  for _ in $(seq 1 200); do
    status=$("$build/bin/polytomic-gateway" health --address 127.0.0.1:50051 2>&1) && break
    [ "$("${podman[@]}" inspect -f '{{.State.Running}}' "$name")" = true ] || break
    sleep 0.05
  done
  if [ "$status" != SERVING ]; then
    "${podman[@]}" logs "$name" >&2 || true
    fail "health: ${status:-no answer}"
  fi
  echo "check-image: health SERVING (podman run, network namespace of the test)"
  "${podman[@]}" healthcheck run "$name" >/dev/null 2>>"$work/podman.log" ||
    fail "the image's HEALTHCHECK failed"
  echo "check-image: the image's HEALTHCHECK passes"

  pid=$("${podman[@]}" inspect -f '{{.State.Pid}}' "$name")
  grep -q polytomic-gateway "/proc/$pid/cmdline" || fail "pid $pid is not the gateway"
  ids=$(awk '/^Uid:|^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status" | sort -u)
  [ "$ids" = "$uid $uid $uid $uid" ] || fail "the gateway runs as uid/gid: $ids"
  echo "check-image: the gateway (pid $pid) runs as uid and gid $uid"

  "${podman[@]}" stop -t 45 "$name" > /dev/null 2>>"$work/podman.log"
  status=$("${podman[@]}" inspect -f '{{.State.ExitCode}}' "$name")
  [ "$status" = 0 ] || { "${podman[@]}" logs "$name" >&2; fail "the gateway exited $status after SIGTERM"; }
  "${podman[@]}" run --rm "${podman_limits[@]}" -v "$volume:/var/lib/polytomic-gateway" \
    "$image" verify --config /etc/polytomic-gateway/gateway.yaml 2>>"$work/podman.log" ||
    fail "the audit trail on the volume does not verify"
  echo "check-image: drained on SIGTERM (exit 0); the audit trail on the volume verifies"
}

if [ "${1:-}" = --in-netns ]; then
  run_in_netns "$2"
  exit 0
fi
build=$(realpath "${1:?usage: check-image.sh BUILD-DIR}")
[ "$(id -u)" -eq 0 ] || fail "needs root (mmdebstrap, podman, unshare)"
mkdir -p "$build/container"

"$here/build-image.sh" --prebuilt "$build" --tag "$image" > "$build/container/build-image.log" 2>&1 ||
  { tail -40 "$build/container/build-image.log" >&2; fail "build-image.sh failed (log: $build/container/build-image.log)"; }

# The image's filesystem and metadata, seen from inside as its user.
# shellcheck disable=SC2016  # expanded by the image's shell
problems=$("${podman[@]}" run --rm "${podman_limits[@]}" --entrypoint /bin/sh "$image" -c '
  for f in /usr/local/bin/* /usr/local/lib/*.so; do
    ldd "$f" | sed -n "s|^|$f: |; /not found/p"
  done
  find /usr/bin /usr/sbin /usr/local/bin /bin /sbin -maxdepth 1 |
    grep -E "/(.*-)?(cc|c\+\+|gcc|g\+\+|cpp|clang|clang\+\+|ld|as|cmake|ninja|make)(-[0-9.]+)?$" |
    sed "s|^|compiler or build tool: |"
  [ "$(id -u):$(id -g)" = 65532:65532 ] || echo "runs as $(id -u):$(id -g)"
  grep -q "^  retention:" /etc/polytomic-gateway/gateway.yaml || echo "audit.retention is not set"
' 2> "$build/container/podman.log") ||
  { cat "$build/container/podman.log" >&2; fail "podman run failed"; }
[ -z "$problems" ] || fail "$problems"
echo "check-image: every shared library resolves; no compiler; user $uid; audit.retention set"
[ "$("${podman[@]}" image inspect -f '{{.Config.User}}' "$image")" = "$uid:$uid" ] ||
  fail "USER is not $uid:$uid"
# shellcheck disable=SC2016  # a Go template
"${podman[@]}" image inspect -f '{{range $v, $_ := .Config.Volumes}}{{$v}} {{end}}' "$image" |
  grep -qw /var/lib/polytomic-gateway || fail "/var/lib/polytomic-gateway is not a VOLUME"

unshare --net "$0" --in-netns "$build"
