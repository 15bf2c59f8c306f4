#!/usr/bin/env bash
# Make a Docker engine and the sandbox image available for sandboxes/docker_engine.py.
# Idempotent: reuses a running engine, a built image and a cached rootfs tarball.
#
#   bash scripts/docker_setup.sh          # last line printed: export DOCKER_HOST=unix://...
#   eval "$(bash scripts/docker_setup.sh | tail -n 1)"
#
# Env: DOCKER_HOST (use that engine if it answers), SCALEAGENT_DOCKER_DIR (where a dockerd we
# start keeps its data/socket, default /var/lib/scaleagent-docker), SCALEAGENT_CACHE (rootfs
# tarball cache, default ~/.cache/scaleagent), SCALEAGENT_SANDBOX_IMAGE (image tag).
# Needs root to install docker.io / start dockerd, and the Debian mirror for debootstrap
# (images cannot be pulled in this environment, so the image is built from a debootstrap rootfs).
# Repositories' test environments get their own images on top of this one, made on first use
# (sandboxes/pyenv/image.py, tags scaleagent-env:<key>-<base id>, label scaleagent.env); rebuilding
# this image makes new ones. Remove them with:
#   docker images -q --filter label=scaleagent.env | xargs -r docker rmi
set -euo pipefail

IMAGE="${SCALEAGENT_SANDBOX_IMAGE:-scaleagent-sandbox:py311}"
DIR="${SCALEAGENT_DOCKER_DIR:-/var/lib/scaleagent-docker}"
CACHE="${SCALEAGENT_CACHE:-$HOME/.cache/scaleagent}"
ROOTFS_TAR="$CACHE/sandbox-rootfs-bookworm.tar"
SUITE=bookworm
# The Debian mirror this machine's apt already uses (deb822 .sources or a one-line sources.list).
apt_mirror() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'; } \
    | grep -m1 -E '/debian/?$'
}
MIRROR="${SCALEAGENT_DEBIAN_MIRROR:-$(apt_mirror || true)}"
log() { echo "docker_setup: $*" >&2; }

apt_install() {
  if [ -z "${_APT_UPDATED:-}" ]; then apt-get update -q >&2; _APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

# 1. An engine: $DOCKER_HOST, the system socket, or a dockerd we start ourselves (no systemd).
engine_ok() { docker -H "$1" info >/dev/null 2>&1; }
command -v docker >/dev/null || { log "installing docker.io"; apt_install docker.io; }
HOST=""
for cand in "${DOCKER_HOST:-}" "unix://$DIR/docker.sock" "unix:///var/run/docker.sock"; do
  if [ -n "$cand" ] && engine_ok "$cand"; then HOST="$cand"; break; fi
done
if [ -z "$HOST" ]; then
  HOST="unix://$DIR/docker.sock"
  mkdir -p "$DIR/data" "$DIR/exec"
  # a docker client alone (some images ship one) cannot start an engine: the daemon is in docker.io
  command -v dockerd >/dev/null || { log "no dockerd: installing docker.io"; apt_install docker.io; }
  log "starting dockerd at $HOST (log: $DIR/dockerd.log)"
  # setsid + nohup: the daemon outlives this script and the CI step's process group.
  setsid nohup dockerd --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/dockerd.pid" \
    -H "$HOST" >"$DIR/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do engine_ok "$HOST" && break; sleep 0.5; done
  engine_ok "$HOST" || { log "dockerd did not come up; last log lines:"; tail -n 20 "$DIR/dockerd.log" >&2; exit 1; }
fi
log "engine up at $HOST"

# 2. The image: python3 + pytest on Debian minbase, imported from a cached rootfs tarball.
if ! docker -H "$HOST" image inspect "$IMAGE" >/dev/null 2>&1; then
  if [ ! -s "$ROOTFS_TAR" ]; then
    [ -n "$MIRROR" ] || { log "no Debian mirror in /etc/apt to debootstrap from: set SCALEAGENT_DEBIAN_MIRROR"; exit 1; }
    command -v debootstrap >/dev/null || { log "installing debootstrap"; apt_install debootstrap; }
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    log "debootstrap $SUITE (minbase + python3, python3-pytest): takes a few minutes"
    debootstrap --variant=minbase --include=python3,python3-pytest "$SUITE" "$WORK/rootfs" "$MIRROR" >&2
    rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
    mkdir -p "$CACHE" "$WORK/rootfs/workspace"
    tar -C "$WORK/rootfs" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  fi
  log "importing $ROOTFS_TAR as $IMAGE"
  docker -H "$HOST" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /workspace' --change 'CMD ["/bin/sh"]' \
    "$ROOTFS_TAR" "$IMAGE" >&2
fi
docker -H "$HOST" run --rm --network none "$IMAGE" python3 -c "import pytest, sys; print('sandbox image ok:', sys.version.split()[0], 'pytest', pytest.__version__)" >&2
echo "export DOCKER_HOST=$HOST"
