#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite: ruff, mypy (strict), pytest.
# Idempotent: a second run skips what is already installed. Works as root (CI) or
# with sudo. Extra arguments go to pytest (e.g. scripts/test.sh -k config).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian packages: one per line in scripts/debs.d/*.txt (one file per part of the project).
mapfile -t DEBS < <(cat scripts/debs.d/*.txt | sed -e 's/#.*//' -e '/^[[:space:]]*$/d' | sort -u)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts these as system services; the tests start their own on free ports.
for svc in prometheus influxdb prometheus-alertmanager prometheus-node-exporter; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then $SUDO systemctl stop "$svc" || true; fi
done

echo "test.sh: building (or reusing) the OpenTelemetry Collector"
SYSAGENT_OTELCOL=$(otel-collector/build.sh | tail -n 1)
export SYSAGENT_OTELCOL

echo "test.sh: installing Python packages"
python3 -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 \
  | grep -v -e "Running pip as the 'root' user" -e "^$" || true

# Further set-up steps (the container image, first-party plugins, ...): each
# scripts/setup.d/*.sh is idempotent and runs in name order.
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  echo "test.sh: $(basename "$step")"
  bash "$step"
done

echo "test.sh: ruff"
python3 -m ruff check .
python3 -m ruff format --check .
echo "test.sh: mypy --strict"
python3 -m mypy
echo "test.sh: pytest"
set +e
python3 -m pytest -p no:randomly "$@"
code=$?
set -e
if [ "$code" = 5 ]; then
  echo "test.sh: pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$code"
