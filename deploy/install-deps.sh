#!/usr/bin/env bash
# Installs the Debian bookworm packages the project builds, tests and runs with.
# Idempotent: does nothing when every package is already installed. Needs root.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config
  # gRPC 1.51, protobuf 3.21, Abseil 20220623
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  # google.rpc.{Status,ErrorInfo,BadRequest,RetryInfo} .proto files (Debian ships them here)
  golang-github-gogo-googleapis-dev
  # upstream HTTP (gateway); the admin listener's and the sandbox emulator's HTTP server
  libcurl4-openssl-dev libcpp-httplib-dev libssl-dev
  # JSON documents and YAML configuration
  nlohmann-json3-dev libyaml-cpp-dev
  # the gateway's allocator
  libjemalloc-dev
  # tests and benchmarks; prometheus for promtool, which checks /metrics
  libgtest-dev libgmock-dev libbenchmark-dev prometheus
  # deploy/config-reference.py (the config proto's comments via its descriptor)
  python3-protobuf
  # systemd-analyze, which checks deploy/systemd (no running systemd needed)
  systemd
)
# node and npm for the Kubernetes manifest check (deploy/kubernetes); any
# node >= 14 will do, so one already installed (e.g. nodesource's) is kept.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
