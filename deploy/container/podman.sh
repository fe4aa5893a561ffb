# shellcheck shell=bash
# podman.sh: podman as the container scripts run it (sourced by
# build-image.sh and check-image.sh). Two settings make it work on hosts
# with lower limits and cgroup v1, and are harmless elsewhere:
# - the runc runtime: podman's default, crun, refuses a cgroup v1 host whose
#   cgroup2 hierarchy holds a controller ("crun: cgroups in hybrid mode not
#   supported, drop all controllers from cgroupv2");
# - limits the host grants: podman's defaults at run (1048576 open files,
#   4194304 processes) are refused where they exceed the host's ("crun:
#   setrlimit `RLIMIT_NOFILE`: Operation not permitted", with runc "error
#   setting rlimit type 7"). Open files: the caller's hard limit. Processes:
#   32768 (podman build's default) or the caller's hard limit if lower; one
#   host (hard limit 96367) refused 65536 too ("rlimit type 6").

# hard_limit FLAG: the hard limit `ulimit FLAG` reports, -1 when unlimited.
hard_limit() {
  local limit
  limit=$(ulimit -H "$1")
  [ "$limit" = unlimited ] && limit=-1
  echo "$limit"
}
# nproc_limit: 32768, or the hard limit on processes if lower.
nproc_limit() {
  local limit
  limit=$(hard_limit -u)
  if [ "$limit" -ge 0 ] && [ "$limit" -lt 32768 ]; then echo "$limit"; else echo 32768; fi
}
# podman, podman_limits: the command, and the limits for `run` and `build`.
# shellcheck disable=SC2034  # used by the scripts that source this file
podman=(podman --runtime runc)
# shellcheck disable=SC2034
podman_limits=(--ulimit "nofile=$(hard_limit -n):$(hard_limit -n)"
               --ulimit "nproc=$(nproc_limit):$(nproc_limit)")
