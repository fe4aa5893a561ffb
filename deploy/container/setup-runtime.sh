#!/bin/sh
# Makes a Debian bookworm root filesystem the gateway's runtime: installs the
# packages of runtime-packages (and nothing they only recommend), adds the
# gateway's user (uid and gid 65532, no login, no home) and the audit volume's
# directory, owned by it, refreshes the linker cache for /usr/local/lib, and
# drops apt's lists. Runs as root inside the image, as the Containerfile's
# final stage:
#   setup-runtime.sh /path/to/runtime-packages
# POSIX sh: the base has dash; bash is not needed at run time.
set -eu
packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "${1:?usage: setup-runtime.sh RUNTIME-PACKAGES}")
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086  # one word per package
apt-get install -y -q --no-install-recommends $packages
apt-get clean
rm -rf /var/lib/apt/lists/*

groupadd --system --gid 65532 polytomic-gateway
useradd --system --uid 65532 --gid 65532 --no-create-home \
  --home-dir /nonexistent --shell /usr/sbin/nologin polytomic-gateway
install -d -o 65532 -g 65532 -m 0700 /var/lib/polytomic-gateway
ldconfig
