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
  # fuzzing (deploy/fuzz.sh): clang 14, and its libFuzzer and sanitizer
  # runtimes (libclang_rt.fuzzer, .asan, .ubsan)
  clang libclang-rt-14-dev
  # the Python example client (client/python), run with /usr/bin/python3
  python3 python3-grpcio python3-protobuf
  # shared state between replicas (shared_state.redis): the hiredis client, and
  # the Redis server the tests start on loopback ports of their own
  libhiredis-dev redis-server
  # systemd-analyze, which checks deploy/systemd (no running systemd needed)
  systemd
  # the container image (deploy/container/): its base made by mmdebstrap,
  # built and run by podman with runc; ip for the test's network namespace
  mmdebstrap podman runc iproute2
)
# Node.js and npm: the build's `npm ci` steps install @bufbuild/buf
# (proto/package-lock.json), which checks the contract, and the Node example
# client's packages (client/node/package-lock.json), and the Kubernetes
# manifest check's (deploy/kubernetes/package-lock.json). A Node.js installed from
# elsewhere (e.g. NodeSource's, which bundles npm and conflicts with Debian's
# npm) is kept: bookworm's nodejs 18 and later both run them.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

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
