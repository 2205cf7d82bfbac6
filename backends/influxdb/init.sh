#!/usr/bin/env bash
# Create sysagent's database, retention policies and continuous queries (init.iql)
# in a running InfluxDB 1.x. Safe to run again: existing objects are kept, and
# the continuous queries are recreated so a changed interval takes effect.
# Environment:
#   INFLUXDB_URL [http://127.0.0.1:8086]
#   SYSAGENT_INFLUX_CQ_EVERY   run the 1-minute query this often instead of every
#                              1m (tests use 5s to see 1-minute rows quickly)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
url=${INFLUXDB_URL:-http://127.0.0.1:8086}

query() {  # POST one InfluxQL statement; fail with InfluxDB's error message
  local out
  out=$(curl -sS --fail-with-body -XPOST "$url/query" --data-urlencode "q=$1") || {
    echo "influxdb init: $out" >&2; return 1; }
  if grep -q '"error"' <<<"$out"; then echo "influxdb init: $1: $out" >&2; return 1; fi
}

every=${SYSAGENT_INFLUX_CQ_EVERY:-}
grep -v -e '^--' -e '^[[:space:]]*$' "$here/init.iql" | while IFS= read -r stmt; do
  case $stmt in
    "CREATE CONTINUOUS QUERY "*)
      name=$(awk '{print $4}' <<<"$stmt")
      query "DROP CONTINUOUS QUERY $name ON sysagent" 2>/dev/null || true
      if [ -n "$every" ] && [ "$name" = cq_1m ]; then
        stmt=$(sed "s/RESAMPLE EVERY [0-9a-z]*/RESAMPLE EVERY $every/" <<<"$stmt")
      fi ;;
  esac
  query "$stmt"
done
echo "influxdb init: database sysagent ready at $url" >&2
