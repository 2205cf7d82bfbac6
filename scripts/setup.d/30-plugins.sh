#!/usr/bin/env bash
# Install every first-party plugin distribution, plugins/sysagent-*/, editable and with
# its own dependencies, as `pip install ./plugins/sysagent-NAME` would: its entry points
# make `sysagent plugins` list it, and its tests (in pytest's testpaths) import it.
# Idempotent: a plugin already installed editable from this checkout, at the version,
# entry points and dependencies its pyproject.toml declares, is skipped.
# PYTHON selects the interpreter (default python3, the one scripts/test.sh uses).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PY=${PYTHON:-python3}

up_to_date() {
  "$PY" - "$1" <<'PYEOF'
import json
import sys
import tomllib
from importlib import metadata
from pathlib import Path

here = Path(sys.argv[1]).resolve()
project = tomllib.loads((here / "pyproject.toml").read_text())["project"]
try:
    dist = metadata.distribution(project["name"])
except metadata.PackageNotFoundError:
    sys.exit(1)
url = json.loads(dist.read_text("direct_url.json") or "{}")
wanted_eps = dict(project.get("entry-points", {}).get("sysagent", {}))
have_eps = {ep.name: ep.value for ep in dist.entry_points if ep.group == "sysagent"}
ok = (
    dist.version == project["version"]
    and url.get("url") == here.as_uri()
    and url.get("dir_info", {}).get("editable", False)
    and have_eps == wanted_eps
    and sorted(dist.requires or []) == sorted(project.get("dependencies", []))
)
sys.exit(0 if ok else 1)
PYEOF
}

# setuptools-built plugins build with the setuptools already installed (no download);
# a plugin with another build backend gets pip's isolated build.
local_build=()
isolated=()
for dir in plugins/sysagent-*/; do
  [ -f "${dir}pyproject.toml" ] || continue
  up_to_date "$dir" && continue
  if grep -q '^build-backend *= *"setuptools.build_meta"' "${dir}pyproject.toml"; then
    local_build+=(-e "./${dir%/}")
  else
    isolated+=(-e "./${dir%/}")
  fi
done
if [ ${#local_build[@]} -eq 0 ] && [ ${#isolated[@]} -eq 0 ]; then
  echo "30-plugins.sh: every plugin under plugins/ is installed"
  exit 0
fi
pip_install() {
  echo "30-plugins.sh: installing $*"
  PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install -q --disable-pip-version-check "$@"
}
[ ${#local_build[@]} -eq 0 ] || pip_install --no-build-isolation "${local_build[@]}"
[ ${#isolated[@]} -eq 0 ] || pip_install "${isolated[@]}"
