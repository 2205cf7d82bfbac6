#!/usr/bin/env bash
# Install every first-party plugin in plugins/sysagent-*/ (each its own distribution,
# bringing its own dependencies), so their entry points load and their tests import.
# Idempotent: pip skips what is already installed at the same version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
for dir in plugins/sysagent-*/; do
  [ -f "$dir/pyproject.toml" ] || continue
  python3 -m pip install -q --disable-pip-version-check -e "$dir" 2>&1 \
    | grep -v -e "Running pip as the 'root' user" -e "^$" || true
done
