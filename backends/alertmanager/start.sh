#!/usr/bin/env bash
# Run Debian's Alertmanager in the foreground on 127.0.0.1 with its own data dir,
# without clustering (which would otherwise listen on all interfaces).
#   start.sh DATA_DIR
# Environment: ALERTMANAGER_PORT [9093], ALERTMANAGER_CONFIG [alertmanager.yml here].
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=${1:?usage: start.sh DATA_DIR}
mkdir -p "$data"
bin=${ALERTMANAGER_BIN:-$(command -v prometheus-alertmanager || command -v alertmanager || echo /usr/bin/prometheus-alertmanager)}
exec "$bin" \
  --config.file="${ALERTMANAGER_CONFIG:-$here/alertmanager.yml}" \
  --storage.path="$data" \
  --web.listen-address="127.0.0.1:${ALERTMANAGER_PORT:-9093}" \
  --cluster.listen-address=
