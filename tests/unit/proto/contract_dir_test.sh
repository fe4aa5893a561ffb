#!/usr/bin/env bash
# contract_dir_test.sh CONTRACT_DIR PROTO_SOURCE_DIR PROTOC
#
# Checks the contract for other languages (build/proto/contract) as another
# team would use it: a copy in a temp dir, `protoc -I contract` and nothing
# else. Fails when
# - a .proto of proto/polytomic/v1 is missing from it or differs (stale);
# - a file does not compile from the copy alone, or resolves an import outside
#   it (protoc quietly falls back on its own include dir for google/protobuf/*,
#   so each file's resolved imports are read back from --dependency_out);
# - C++ or Python generation fails;
# - polytomic-v1.protoset lacks a file of the copy, its comments, or a service
#   declared in proto/polytomic/v1.
set -euo pipefail
contract=$(realpath "$1") source=$(realpath "$2") protoc=$3

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$contract" "$tmp/contract"
cd "$tmp"

for f in "$source"/polytomic/v1/*.proto; do
  rel=polytomic/v1/$(basename "$f")
  [ -f "contract/$rel" ] || fail "contract/ lacks $rel"
  cmp -s "$f" "contract/$rel" || fail "contract/$rel differs from proto/$rel"
done

mapfile -t files < <(cd contract && find . -name '*.proto' | sed 's|^\./||' | sort)
[ "${#files[@]}" -gt 0 ] || fail "no .proto files in contract/"
for f in "${files[@]}"; do
  "$protoc" -I contract --descriptor_set_out=one.protoset \
    --dependency_out=deps.d "$f" || fail "protoc -I contract $f"
  outside=$(sed 's/^[^:]*: //; s/\\$//' deps.d | tr -s ' ' '\n' |
    grep -v -e '^contract/' -e '^$' || true)
  [ -z "$outside" ] || fail "$f resolves imports outside contract/: $outside"
done
echo "compiled ${#files[@]} files from contract/ alone"

mkdir -p out/cpp out/python
"$protoc" -I contract --cpp_out=out/cpp --python_out=out/python "${files[@]}" ||
  fail "C++/Python generation from contract/"

"$protoc" -I contract --decode=google.protobuf.FileDescriptorSet \
  google/protobuf/descriptor.proto <contract/polytomic-v1.protoset >set.txt ||
  fail "contract/polytomic-v1.protoset is not a FileDescriptorSet"
for f in "${files[@]}"; do
  grep -qx "  name: \"$f\"" set.txt || fail "the protoset lacks $f"
done
grep -q '^  source_code_info {' set.txt || fail "the protoset has no source info"
mapfile -t services < <(sed -n 's/^service \([A-Za-z0-9_]*\).*/\1/p' \
  "$source"/polytomic/v1/*.proto | sort)
[ "${#services[@]}" -gt 0 ] || fail "no service in proto/polytomic/v1"
listed=$(grep -A1 '^  service {' set.txt | sed -n 's/^    name: "\(.*\)"$/\1/p')
for s in "${services[@]}"; do
  grep -qx "$s" <<<"$listed" || fail "the protoset lacks service $s"
done
echo "the protoset lists ${#files[@]} files and ${#services[@]} services:" \
  "${services[*]}"
