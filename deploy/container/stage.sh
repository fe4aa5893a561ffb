#!/bin/sh
# Installs what the image holds of a build into DEST, as the image's paths:
# the gateway and polytomicctl (stripped: the debug info stays in the build
# directory) in usr/local/bin, the generated protos' shared library they link
# in usr/local/lib, and gateway.yaml in etc/polytomic-gateway.
#   stage.sh BUILD-DIR DEST
# Both the Containerfile's build stage and build-image.sh --prebuilt use it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: stage.sh BUILD-DIR DEST}
dest=${2:?usage: stage.sh BUILD-DIR DEST}
rm -rf "$dest"
install -d "$dest/usr/local/bin" "$dest/usr/local/lib" "$dest/etc/polytomic-gateway"
install -s -m 0755 "$build/bin/polytomic-gateway" "$build/bin/polytomicctl" "$dest/usr/local/bin/"
install -s -m 0644 "$build/proto/libpolytomic_proto.so" "$dest/usr/local/lib/"
install -m 0644 "$here/gateway.yaml" "$dest/etc/polytomic-gateway/"
