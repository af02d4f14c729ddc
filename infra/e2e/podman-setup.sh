#!/usr/bin/env bash
# Prepare this machine to run infra/docker-compose.yml without a Docker engine or an image
# registry: podman (runc) + docker-compose v1 through podman's Docker-compatible socket, and a
# Debian base image built locally with debootstrap. Idempotent: skips whatever already exists.
# Needs root (apt-get, debootstrap). See ../../docs/OPERATIONS.md "Compose on podman".
#
# Source it (". infra/e2e/podman-setup.sh") or run it; it leaves the configuration in
#   $LIMITGUARD_CTR_DIR (default /var/tmp/limitguard-podman): containers.conf, the rootfs.
set -euo pipefail

CTR_DIR=${LIMITGUARD_CTR_DIR:-/var/tmp/limitguard-podman}
BASE_IMAGE=localhost/debian-base:bookworm
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)   # the e2e script's HTTP client
command -v jq >/dev/null 2>&1 || missing+=(jq)       # and its JSON checks
if [ ${#missing[@]} -gt 0 ]; then
  echo "podman-setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if ! command -v docker-compose >/dev/null 2>&1; then
  # Without --no-install-recommends apt pulls the docker.io engine as well.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-compose
fi

mkdir -p "$CTR_DIR"
# crun fails on this kernel's cgroup v1/v2 hybrid and raising rlimits is not permitted: runc,
# cgroupfs, and ulimits inside what the host allows.
cat > "$CTR_DIR/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
export CONTAINERS_CONF=$CTR_DIR/containers.conf

# The Debian mirror apt already uses (deb822 .sources first, then the classic list).
debian_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' \
        | grep -v security | head -1 || true)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' \
        | grep -v security | head -1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

if ! podman image exists "$BASE_IMAGE"; then
  mirror=$(debian_mirror)
  echo "podman-setup: building $BASE_IMAGE with debootstrap from $mirror (about a minute)"
  rm -rf "$CTR_DIR/rootfs"
  $SUDO debootstrap --variant=minbase bookworm "$CTR_DIR/rootfs" "$mirror" > "$CTR_DIR/debootstrap.log" 2>&1 \
    || { tail -30 "$CTR_DIR/debootstrap.log"; exit 1; }
  # The image's apt uses the same mirror, so Dockerfiles can apt-get install from it.
  echo "deb $mirror bookworm main" > "$CTR_DIR/rootfs/etc/apt/sources.list"
  tar -C "$CTR_DIR/rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null
  rm -rf "$CTR_DIR/rootfs"
fi
echo "podman-setup: ready ($BASE_IMAGE; CONTAINERS_CONF=$CONTAINERS_CONF)"
