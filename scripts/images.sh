#!/usr/bin/env bash
# Builds plemu's container images with no registry:
#   plemu:dev          the plemu binary (every role, and `plemu up --docker` itself)
#   plemu-testbed:dev  a small Debian with redis-server, redis-cli and dig, for tests and examples
#
# Usage: scripts/images.sh [--debug]
#   --debug   put the debug build of plemu in the image (what the test suite builds anyway)
# Environment:
#   PLEMU_BASE_IMAGE  base of both images. Default: debian:bookworm-slim when the engine
#                     already has it, else plemu-base:bookworm, made here from Debian's
#                     packages with debootstrap (no registry needed; cached in the engine).
#                     On a machine with a registry: PLEMU_BASE_IMAGE=debian:bookworm-slim.
#   CARGO_TARGET_DIR  where cargo builds (default: target).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
[ "${1:-}" = "--debug" ] && profile=debug
target_dir="${CARGO_TARGET_DIR:-target}"

# --- the base ------------------------------------------------------------------
# Waits for apt's lock (another install on the machine) instead of failing at once.
apt_wait=(-o DPkg::Lock::Timeout=600)
need_debootstrap() { # once, before the parallel builds: two installs at once fight over apt's lock
  command -v debootstrap >/dev/null && return
  echo "== installing debootstrap"; apt-get "${apt_wait[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends debootstrap >/dev/null
}
make_base() { # name, extra packages
  local name=$1 include=$2
  if docker image inspect "$name" >/dev/null 2>&1; then return; fi
  # The mirror this machine's apt already uses, so no host is named here.
  local mirror
  # (Some of these files may not exist: grep's complaint about them is not a failure.)
  mirror=$( { grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
             /etc/apt/sources.list.d/*.list 2>/dev/null || true; } | awk '{print $2}' | grep -v security | head -n1)
  [ -n "$mirror" ] || { echo "images.sh: no Debian mirror in /etc/apt sources" >&2; exit 1; }
  local root; root=$(mktemp -d /var/tmp/plemu-rootfs.XXXXXX)
  echo "== debootstrap bookworm ($include) from $mirror into $root"
  debootstrap --variant=minbase ${include:+--include=$include} bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; exit 1; }
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
  tar -C "$root" -c . | docker import - "$name" >/dev/null
  rm -rf "$root" "$root.log"
  echo "== imported $name"
}

if [ -n "${PLEMU_BASE_IMAGE:-}" ]; then
  base=$PLEMU_BASE_IMAGE; testbed_base=$PLEMU_BASE_IMAGE
elif docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  base=debian:bookworm-slim; testbed_base=debian:bookworm-slim
else
  # The testbed's packages go in with debootstrap, so its Dockerfile's install step is a no-op.
  # Both at once; each wait fails the script when its build failed (job specs such as %1 do
  # not wait in a shell without job control).
  need_debootstrap
  make_base plemu-base:bookworm "" & plain=$!
  make_base plemu-testbed-base:bookworm "redis-server,redis-tools,dnsutils,iproute2,procps" & testbed=$!
  wait "$plain"
  wait "$testbed"
  base=plemu-base:bookworm; testbed_base=plemu-testbed-base:bookworm
fi

# --- plemu:dev -----------------------------------------------------------------
echo "== cargo build ($profile) -p plemu"
if [ "$profile" = release ]; then
  cargo build --release --locked -p plemu
else
  cargo build --locked -p plemu
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
# Stripped: the debug build's symbols would make the image several times larger.
strip -o "$ctx/plemu" "$target_dir/$profile/plemu" 2>/dev/null || cp "$target_dir/$profile/plemu" "$ctx/plemu"
build() { # the legacy builder's deprecation notice is noise; its errors are not
  docker build -q "$@" >"$ctx/build.log" 2>&1 || { cat "$ctx/build.log" >&2; exit 1; }
}
build -f docker/plemu.Dockerfile --build-arg "BASE=$base" -t plemu:dev "$ctx"
echo "== built plemu:dev (base $base)"

# --- plemu-testbed:dev -----------------------------------------------------------
build -f docker/testbed.Dockerfile --build-arg "BASE=$testbed_base" -t plemu-testbed:dev docker
echo "== built plemu-testbed:dev (base $testbed_base)"
