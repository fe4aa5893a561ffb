#!/usr/bin/env bash
# Builds the container image with podman from deploy/container/Containerfile,
# and first its base, localhost/polytomic-gateway-base:bookworm: a minbase
# Debian bookworm that mmdebstrap makes from the Debian mirrors apt is
# configured with here (no container registry needed), imported with
# `podman import`.
#   deploy/container/build-image.sh [--tag NAME] [--prebuilt BUILD-DIR]
# Without --prebuilt the Containerfile's build stage compiles the binaries
# (the repository is the context). With it, the image takes the binaries of
# BUILD-DIR, a build made on this Debian bookworm with the same packages
# (the test does, to save the compile): stage.sh stages them into a small
# context with the Containerfile and its files, and BINARIES=prebuilt picks
# them; the image's other steps are the same. The base's root filesystem is
# cached in BUILD-DIR/container/base-bookworm.tar (build/ of the repository
# without --prebuilt): delete it to refresh the base. Needs root; installs
# podman, runc and mmdebstrap (deploy/install-deps.sh) when missing.
# NAME defaults to localhost/polytomic-gateway:latest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=deploy/container/podman.sh
. "$here/podman.sh"

tag=localhost/polytomic-gateway:latest
prebuilt=""
while [ $# -gt 0 ]; do
  case $1 in
    --tag) tag=${2:?--tag needs a name}; shift 2 ;;
    --prebuilt) prebuilt=$(realpath "${2:?--prebuilt needs a build directory}"); shift 2 ;;
    *) echo "usage: build-image.sh [--tag NAME] [--prebuilt BUILD-DIR]" >&2; exit 2 ;;
  esac
done
base=localhost/polytomic-gateway-base:bookworm
cache=${prebuilt:-$root/build}/container
mkdir -p "$cache"

for tool in podman runc mmdebstrap; do
  command -v "$tool" >/dev/null 2>&1 || { "$root/deploy/install-deps.sh"; break; }
done

# The base: the bookworm suites of the Debian mirrors apt uses here (the
# security and updates suites too), else deb.debian.org's.
if [ ! -s "$cache/base-bookworm.tar" ]; then
  # shellcheck disable=SC2016  # apt's format fields, not shell
  mapfile -t mirrors < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
      'Created-By: Packages' 2>/dev/null |
    grep -E '/debian(-security)?/? bookworm(-updates|-security)? main$' | sort -u |
    sed 's/^/deb /')
  if [ ${#mirrors[@]} -eq 0 ]; then
    mirrors=("deb http://deb.debian.org/debian bookworm main"
             "deb http://deb.debian.org/debian bookworm-updates main"
             "deb http://deb.debian.org/debian-security bookworm-security main")
  fi
  echo "build-image: base from ${mirrors[*]}"
  # No documentation but the copyright files, no manual pages, no
  # translations (a third of minbase); the exclusions stay in the base's
  # /etc/dpkg/dpkg.cfg.d, so the image's packages skip them too.
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$cache/base-bookworm.tar.tmp" "${mirrors[@]}"
  mv "$cache/base-bookworm.tar.tmp" "$cache/base-bookworm.tar"
fi
"${podman[@]}" import --quiet "$cache/base-bookworm.tar" "$base" >/dev/null

# BINARIES given even at its default: podman 4.3 (bookworm's) skips a stage
# that only an ARG's default names, then fails on "FROM build".
context=$root
build_args=(--build-arg "BASE=$base" --build-arg BINARIES=build)
if [ -n "$prebuilt" ]; then
  # The context: the Containerfile's inputs and the staged binaries, at the
  # paths the Containerfile names.
  context=$cache/context
  rm -rf "$context"
  mkdir -p "$context/deploy/container"
  cp "$here/Containerfile" "$here/runtime-packages" "$here/setup-runtime.sh" \
    "$context/deploy/container/"
  "$here/stage.sh" "$prebuilt" "$context/build/container/stage"
  build_args=(--build-arg "BASE=$base" --build-arg BINARIES=prebuilt)
fi
# docker format: OCI images have no HEALTHCHECK.
"${podman[@]}" build --format docker "${podman_limits[@]}" "${build_args[@]}" \
  -f "$here/Containerfile" --ignorefile "$here/containerignore" -t "$tag" "$context"
