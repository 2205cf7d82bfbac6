#!/usr/bin/env bash
# Run Debian's Prometheus in the foreground on 127.0.0.1 with its own data dir.
#   start.sh DATA_DIR
# Environment (defaults in brackets):
#   PROMETHEUS_PORT [9090]        listen port
#   PROMETHEUS_RETENTION [15d]    how long samples are kept
#   SYSAGENT_METRICS_TARGET       host:port of the agent's /metrics [127.0.0.1:9464]
#   SYSAGENT_OTELCOL_METRICS_TARGET  the Collector's own metrics [127.0.0.1:8888]
#   PROMETHEUS_SCRAPE_INTERVAL    scrape interval of the sysagent job [5s]
# Prometheus cannot read environment variables in its config, so the targets
# are written into a copy of prometheus.yml in DATA_DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=${1:?usage: start.sh DATA_DIR}
mkdir -p "$data/tsdb"
bin=${PROMETHEUS_BIN:-$(command -v prometheus || echo /usr/bin/prometheus)}
sed -e "s/127\.0\.0\.1:9464/${SYSAGENT_METRICS_TARGET:-127.0.0.1:9464}/" \
    -e "s/127\.0\.0\.1:8888/${SYSAGENT_OTELCOL_METRICS_TARGET:-127.0.0.1:8888}/" \
    -e "s/scrape_interval: 5s/scrape_interval: ${PROMETHEUS_SCRAPE_INTERVAL:-5s}/" \
    "$here/prometheus.yml" > "$data/prometheus.yml"
exec "$bin" \
  --config.file="$data/prometheus.yml" \
  --storage.tsdb.path="$data/tsdb" \
  --storage.tsdb.retention.time="${PROMETHEUS_RETENTION:-15d}" \
  --web.listen-address="127.0.0.1:${PROMETHEUS_PORT:-9090}" \
  --web.enable-remote-write-receiver \
  --web.enable-lifecycle
