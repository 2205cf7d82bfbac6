#!/usr/bin/env bash
# Build the sysagent container image from deploy/Containerfile with podman, and
# print its reference (localhost/sysagent:VERSION) on the last line.
#
#   deploy/build.sh            build, or reuse the image when nothing it is made of changed
#   deploy/build.sh --force    build again (podman's layer cache still applies)
#
# The build stage needs a base with Python 3.11+ and venv. Elsewhere that is the
# official Python image (the Containerfile's default BASE). Here no container
# registry is reachable, so the base is made with debootstrap (bookworm, minbase,
# python3 + python3-venv + ca-certificates) and imported into podman; it is cached
# under a tag keyed on its recipe, so it is made once per machine (about a minute).
# The image itself is reused when the hash of its inputs (Containerfile, the
# container/ helpers, pyproject.toml, README.md, sysagent/) is the one recorded
# for the existing image's id (in the cache folder): then this takes well under
# a second. Otherwise podman's layer cache makes a code-only rebuild ~5-10 s.
#
# Environment:
#   SYSAGENT_IMAGE          image reference to build (default localhost/sysagent:VERSION)
#   SYSAGENT_BASE_IMAGE     use this base instead of the debootstrap one (e.g. python:3.11-slim-bookworm)
#   SYSAGENT_DEBIAN_MIRROR  debootstrap mirror (default: debootstrap's own default)
#   SYSAGENT_BUILD_CA       CA bundle mounted into the build for pip (default: this machine's, if present)
#   SYSAGENT_CACHE          where the inputs' hash is recorded (default ${XDG_CACHE_HOME:-~/.cache}/sysagent)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
force=0
[ "${1:-}" = "--force" ] && force=1

for tool in podman; do
  command -v "$tool" >/dev/null || { echo "build: $tool is not installed (scripts/debs.d/deploy.txt)" >&2; exit 1; }
done
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/sysagent/_version.py")
image=${SYSAGENT_IMAGE:-localhost/sysagent:$version}

# --- the base ------------------------------------------------------------------
SUITE=bookworm
INCLUDE=python3,python3-venv,ca-certificates
base_recipe() { echo "debootstrap --variant=minbase --include=$INCLUDE $SUITE; apt lists and caches removed; v1"; }

make_base() {
  local tag=$1 dir
  command -v debootstrap >/dev/null || { echo "build: debootstrap is not installed" >&2; exit 1; }
  dir=$(mktemp -d "${TMPDIR:-/tmp}/sysagent-base.XXXXXX")
  trap 'rm -rf "$dir"' RETURN
  echo "build: making the base image $tag with debootstrap (once per machine)" >&2
  # shellcheck disable=SC2086  # the mirror is optional
  debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$dir/root" ${SYSAGENT_DEBIAN_MIRROR:-} \
    >"$dir/debootstrap.log" 2>&1 || { tail -n 30 "$dir/debootstrap.log" >&2; exit 1; }
  rm -rf "$dir/root/var/cache/apt/"* "$dir/root/var/lib/apt/lists/"* "$dir/root/var/log/"*
  tar -C "$dir/root" -c . | podman import --quiet - "$tag" >/dev/null
}

if [ -n "${SYSAGENT_BASE_IMAGE:-}" ]; then
  base=$SYSAGENT_BASE_IMAGE
else
  base=localhost/sysagent-base:$SUITE-$(base_recipe | sha256sum | cut -c1-12)
  podman image exists "$base" || make_base "$base"
fi
base_id=$(podman image inspect --format '{{.Id}}' "$base" 2>/dev/null || echo "$base")

# --- the image -----------------------------------------------------------------
inputs() {
  cd "$root"
  echo "base $base_id"
  find deploy/Containerfile deploy/container pyproject.toml README.md sysagent -type f \
    -not -path '*/__pycache__/*' -not -name '*.pyc' | LC_ALL=C sort | xargs sha256sum
}
key=$(inputs | sha256sum | cut -c1-16)
# The key is kept beside the image's id, outside the image: a label would differ
# on every build and defeat podman's layer cache.
cache=${SYSAGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sysagent}
stamp="$cache/image-$(echo "$image" | tr '/:' '__').inputs"
old_id=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ "$force" = 0 ] && [ -n "$old_id" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key $old_id" ]; then
  echo "build: $image is up to date (inputs $key)" >&2
  echo "$image"
  exit 0
fi

ca=${SYSAGENT_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
ca_args=()
if [ -f "$ca" ]; then
  # pip in the build stage trusts this machine's CA bundle; it is mounted, never copied into a layer.
  ca_args=(--volume "$ca:/run/sysagent-build-ca.crt:ro" --build-arg PIP_CERT=/run/sysagent-build-ca.crt)
fi
echo "build: building $image from $base" >&2
start=$(date +%s)
podman build --quiet --isolation=chroot --network=host --format docker \
  -f "$here/Containerfile" \
  --build-arg "BASE=$base" --build-arg "VERSION=$version" \
  "${ca_args[@]}" \
  -t "$image" "$root" >&2
new_id=$(podman image inspect --format '{{.Id}}' "$image")
mkdir -p "$cache"
echo "$key $new_id" >"$stamp"
# The image this one replaces is no longer tagged: remove it (its build layers stay, as cache).
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then podman image rm "$old_id" >/dev/null 2>&1 || true; fi
echo "build: built $image in $(( $(date +%s) - start ))s" >&2
echo "$image"
