#!/usr/bin/env bash
# Checks deploy/systemd/polytomic-gateway.service with `systemd-analyze
# verify` (no running systemd needed). verify insists that ExecStart's binary
# exists, so a temporary copy of the unit points at the built binary:
#   deploy/systemd/verify-unit.sh build/bin/polytomic-gateway [UNIT]
# (UNIT defaults to the one next to this script). Then it prints the unit's
# `systemd-analyze security --offline=yes` exposure score (the README quotes
# it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:?usage: verify-unit.sh PATH/TO/polytomic-gateway}")
unit=${2:-$here/polytomic-gateway.service}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed "s|^ExecStart=/usr/local/bin/polytomic-gateway |ExecStart=$binary |" \
  "$unit" > "$work/polytomic-gateway.service"
grep -q "^ExecStart=$binary " "$work/polytomic-gateway.service" || {
  echo "verify-unit: ExecStart was not rewritten" >&2
  exit 1
}
# verify prints problems on stderr and may exit 0 for some of them (unknown
# settings are warnings): any output fails the check.
output=$(cd "$work" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no \
  "$work/polytomic-gateway.service" 2>&1) || {
  echo "$output" >&2
  exit 1
}
if [ -n "$output" ]; then
  echo "$output" >&2
  exit 1
fi
echo "systemd-analyze verify: polytomic-gateway.service ok"
systemd-analyze security --offline=yes "$work/polytomic-gateway.service" 2>&1 |
  grep "Overall exposure level" || true
