#!/usr/bin/env bash
# buf_breaking_test.sh BUF PROTO_SOURCE_DIR
#
# Fails when proto/polytomic/v1 breaks the last release's contract
# (proto/releases/polytomic-v1.binpb) under buf's FILE rules (buf.yaml), i.e.
# when a caller's generated stubs would stop compiling or talking to us:
# deleted or renamed services, methods, messages, fields, enum values or
# files, changed types or numbers, changed package or language options.
# A break is allowed only when declared in buf.yaml (breaking.ignore_only).
set -euo pipefail
buf=$1
cd "$2"
# msvs: each violation names its rule id, which a declaration needs.
if ! "$buf" breaking --against releases/polytomic-v1.binpb --path polytomic/v1 \
  --error-format=msvs; then
  cat >&2 <<'MSG'
FAIL: proto/polytomic/v1 breaks the released contract (proto/releases/polytomic-v1.binpb).
Restore compatibility (add new fields, messages, values and RPCs; do not
rename, renumber, retype, move or remove what was released), or, if the break
is intended, declare it in proto/buf.yaml under breaking.ignore_only: the rule
id above (after "error") and the file, with a comment saying why.
See README, "The contract for other languages".
MSG
  exit 1
fi
echo "polytomic/v1 is compatible with proto/releases/polytomic-v1.binpb"
