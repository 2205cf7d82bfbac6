#!/usr/bin/env bash
# Run Debian's influxd 1.x in the foreground on 127.0.0.1 with its own data dir.
#   start.sh DATA_DIR
# Environment: INFLUXDB_PORT [8086], INFLUXDB_RPC_PORT [8088].
# Run init.sh once it answers /ping to create the database and its policies.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=${1:?usage: start.sh DATA_DIR}
mkdir -p "$data/meta" "$data/data" "$data/wal"
export INFLUXDB_META_DIR="$data/meta"
export INFLUXDB_DATA_DIR="$data/data"
export INFLUXDB_DATA_WAL_DIR="$data/wal"
export INFLUXDB_HTTP_BIND_ADDRESS="127.0.0.1:${INFLUXDB_PORT:-8086}"
export INFLUXDB_BIND_ADDRESS="127.0.0.1:${INFLUXDB_RPC_PORT:-8088}"
exec "${INFLUXD_BIN:-influxd}" run -config "$here/influxdb.conf"
