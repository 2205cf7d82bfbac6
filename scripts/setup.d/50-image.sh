#!/usr/bin/env bash
# Build the agent's container image, or reuse it when nothing it is made of changed
# (deploy/build.sh keys it on its inputs; the debootstrap base is made once per machine).
# tests/deploy run it with buildah.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
deploy/build.sh >/dev/null
