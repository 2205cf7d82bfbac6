#!/usr/bin/env bash
# Start, stop or show sysagent's local stack: Prometheus, InfluxDB, Alertmanager
# and the gateway OpenTelemetry Collector, as plain processes on 127.0.0.1.
#
#   scripts/stack.sh start|stop|status [--dir DIR] [SERVICE...]
#
# SERVICE is any of prometheus influxdb alertmanager otelcol (default: all).
# DIR holds each service's data, log and pid file (default:
# ${XDG_STATE_HOME:-~/.local/state}/sysagent/stack). start is idempotent: a
# service already running is left alone. Ports come from the environment:
#   PROMETHEUS_PORT [9090]  INFLUXDB_PORT [8086]  INFLUXDB_RPC_PORT [8088]
#   ALERTMANAGER_PORT [9093]
#   SYSAGENT_OTELCOL_GRPC_PORT [4317]  SYSAGENT_OTELCOL_HTTP_PORT [4318]
#   SYSAGENT_OTELCOL_HEALTH_PORT [13133]  SYSAGENT_OTELCOL_METRICS_PORT [8888]
#   SYSAGENT_METRICS_TARGET [127.0.0.1:9464]  the agent's /metrics, scraped by Prometheus
# Other settings:
#   SYSAGENT_OTELCOL_BIN      use this Collector binary instead of building one
#   SYSAGENT_OTELCOL_CONFIGS  extra Collector configs merged over gateway.yaml
#                             (e.g. "otel-collector/gateway-auth.yaml")
#   SYSAGENT_INFLUX_CQ_EVERY  how often the 1-minute continuous query runs [1m]
# The ports in use are saved in DIR/ports.env; start, stop and status read it
# back, so only the first start needs them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all=(prometheus influxdb alertmanager otelcol)

cmd=${1:-}; shift || true
dir=${XDG_STATE_HOME:-$HOME/.local/state}/sysagent/stack
services=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    prometheus|influxdb|alertmanager|otelcol) services+=("$1"); shift ;;
    *) echo "stack: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#services[@]} -gt 0 ] || services=("${all[@]}")
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# Ports: environment first, then what the last start saved, then defaults.
ports=(PROMETHEUS_PORT=9090 INFLUXDB_PORT=8086 INFLUXDB_RPC_PORT=8088 ALERTMANAGER_PORT=9093
  SYSAGENT_OTELCOL_GRPC_PORT=4317 SYSAGENT_OTELCOL_HTTP_PORT=4318
  SYSAGENT_OTELCOL_HEALTH_PORT=13133 SYSAGENT_OTELCOL_METRICS_PORT=8888
  SYSAGENT_METRICS_TARGET=127.0.0.1:9464)
declare -A saved=()
if [ -f "$dir/ports.env" ]; then
  while IFS='=' read -r k v; do saved[$k]=$v; done < "$dir/ports.env"
fi
for kv in "${ports[@]}"; do
  k=${kv%%=*}
  if [ -z "${!k:-}" ]; then export "$k=${saved[$k]:-${kv#*=}}"; else export "${k?}"; fi
done

running() {  # running PID: the process exists and is not a zombie
  [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

pid_of() {  # print the pid of a running service, or fail
  local f="$dir/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  running "$pid" && grep -qa -- "$2" "/proc/$pid/cmdline" && echo "$pid"
}
bin_name() {
  case $1 in
    prometheus) echo prometheus ;; influxdb) echo influxd ;;
    alertmanager) echo alertmanager ;; otelcol) echo otelcol ;;
  esac
}
health_url() {
  case $1 in
    prometheus) echo "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" ;;
    influxdb) echo "http://127.0.0.1:$INFLUXDB_PORT/ping" ;;
    alertmanager) echo "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" ;;
    otelcol) echo "http://127.0.0.1:$SYSAGENT_OTELCOL_HEALTH_PORT/" ;;
  esac
}

launch() {  # launch SERVICE COMMAND...: run in its own session, log to DIR/SERVICE.log
  local svc=$1; shift
  setsid "$@" >>"$dir/$svc.log" 2>&1 < /dev/null &
  echo $! > "$dir/$svc.pid"
}

wait_healthy() {
  local svc=$1 url pid
  url=$(health_url "$svc")
  pid=$(cat "$dir/$svc.pid")
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null --max-time 1 "$url" && running "$pid" && return 0
    running "$pid" || {
      echo "stack: $svc exited; last lines of $dir/$svc.log:" >&2
      tail -n 20 "$dir/$svc.log" >&2; return 1; }
    sleep 0.1
  done
  echo "stack: $svc (pid $pid) not healthy at $url after 30 s; see $dir/$svc.log" >&2
  return 1
}

start_one() {
  local svc=$1
  if pid_of "$svc" "$(bin_name "$svc")" >/dev/null; then
    echo "stack: $svc already running" >&2; return 0
  fi
  if curl -s -o /dev/null --max-time 1 "$(health_url "$svc")"; then
    echo "stack: cannot start $svc: something else answers at $(health_url "$svc")" >&2; return 1
  fi
  case $svc in
    prometheus) launch prometheus "$root/backends/prometheus/start.sh" "$dir/prometheus" ;;
    influxdb) launch influxdb "$root/backends/influxdb/start.sh" "$dir/influxdb" ;;
    alertmanager) launch alertmanager "$root/backends/alertmanager/start.sh" "$dir/alertmanager" ;;
    otelcol)
      local bin=${SYSAGENT_OTELCOL_BIN:-}
      [ -n "$bin" ] || bin=$("$root/otel-collector/build.sh" | tail -n 1)
      local args=(--config "$root/otel-collector/gateway.yaml")
      for c in ${SYSAGENT_OTELCOL_CONFIGS:-}; do args+=(--config "$c"); done
      mkdir -p "$dir/otelcol"
      SYSAGENT_OTELCOL_STORAGE_DIR="$dir/otelcol" \
      SYSAGENT_PROMETHEUS_URL="http://127.0.0.1:$PROMETHEUS_PORT" \
      SYSAGENT_INFLUXDB_URL="http://127.0.0.1:$INFLUXDB_PORT" \
        launch otelcol "$bin" "${args[@]}" ;;
  esac
  wait_healthy "$svc" || return 1
  if [ "$svc" = influxdb ]; then
    INFLUXDB_URL="http://127.0.0.1:$INFLUXDB_PORT" "$root/backends/influxdb/init.sh" || return 1
  fi
}

stop_one() {
  local svc=$1 pid
  pid=$(pid_of "$svc" "$(bin_name "$svc")") || { rm -f "$dir/$svc.pid"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  [ ! -d "/proc/$pid" ] || { echo "stack: $svc did not stop in 10 s; killing it" >&2; kill -KILL "$pid"; }
  rm -f "$dir/$svc.pid"
}

show() {
  local svc pid state
  for svc in "${services[@]}"; do
    if pid=$(pid_of "$svc" "$(bin_name "$svc")"); then state="running (pid $pid)"; else state=stopped; fi
    printf '%-13s %-22s %s\n' "$svc" "$state" "$(health_url "$svc" | sed -E 's#^(http://[^/]*).*#\1#')"
  done
  printf '%-13s %s\n' "otlp" "grpc 127.0.0.1:$SYSAGENT_OTELCOL_GRPC_PORT, http http://127.0.0.1:$SYSAGENT_OTELCOL_HTTP_PORT"
  echo "data: $dir"
}

case $cmd in
  start)
    for kv in "${ports[@]}"; do k=${kv%%=*}; echo "$k=${!k}"; done > "$dir/ports.env"
    for svc in "${all[@]}"; do
      if [[ " ${services[*]} " == *" $svc "* ]]; then start_one "$svc" || exit 1; fi
    done
    show ;;
  stop)
    for ((i=${#all[@]}-1; i>=0; i--)); do
      svc=${all[i]}
      if [[ " ${services[*]} " == *" $svc "* ]]; then stop_one "$svc"; fi
    done
    show ;;
  status) show ;;
  *) echo "usage: stack.sh start|stop|status [--dir DIR] [SERVICE...]" >&2; exit 2 ;;
esac
