"""Issue 4's long outage: the gateway Collector down for 10 minutes, then back; what arrived and how fast.

Usage: ``python bench/outage.py [--minutes N] [--interval S] [--full]`` from the repository root.

Starts Prometheus and InfluxDB (scripts/stack.sh, in a temporary folder) and
the gateway Collector (otel-collector/gateway.yaml, built by
otel-collector/build.sh), runs ``sysagent run`` with its default queue
settings, the memory and load collectors (``--full``: every host collector)
every ``--interval`` seconds and the ``file`` sink as ground truth, stops the
Collector for ``--minutes``, starts it again, and reports:

- produced, arrived (per series and timestamp, read back from Prometheus),
  dropped (as the agent's ``/status`` counts it) and missing points;
- the backlog when the Collector came back (batches, bytes, oldest age);
- the reconnect wait (the agent's backoff, capped at ``queue.backoff_max``) and
  the drain time after the first successful request, and how many times
  faster the backlog drained than it built up.

Prometheus accepts samples up to 30 minutes late (backends/prometheus), so
outages longer than that would be refused by the backend, not the agent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, Report
from _services import collector_binary

sys.path.insert(0, str(REPO / "tests"))

from e2e._http import wait_for
from e2e._stack import Stack
from faults._agents import FEW_COLLECTORS, fault_agent
from faults._gateway import Gateway, wait_port_closed
from faults._promdata import wait_complete
from faults._truth import count, expected

FULL = ["cpu", "memory", "load", "paging", "disk", "network", "filesystem", "system"]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10.0, help="how long the Collector is down (default 10)")
    p.add_argument("--interval", type=float, default=1.0, help="collection interval in seconds (default 1)")
    p.add_argument("--full", action="store_true", help="every host collector, not only memory and load")
    return p.parse_args([a for a in sys.argv[1:] if a != "--quick"])


def main() -> int:
    args = _args()
    rep = Report(f"bench/outage.py --minutes {args.minutes:g}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-outage-"))
    binary = Path(collector_binary())
    stack = Stack.allocate(tmp / "stack", SYSAGENT_OTELCOL_BIN=str(binary))
    stack.run("start", "prometheus", "influxdb")
    gw = Gateway(binary, tmp / "gateway", stack.prometheus_url, stack.influxdb_url)
    every = f"{args.interval:g}s"
    if args.full:
        collectors = {name: {"interval": every} for name in FULL}
        disable = ["connections", "alerts"]
    else:
        collectors = {name: {"interval": every} for name in FEW_COLLECTORS}
        disable = None
    agent = fault_agent(tmp / "agent", gw.otlp_http, collectors=collectors, disable=disable)
    try:
        gw.start()
        agent.start()
        wait_for("the agent delivering", agent.sent, timeout=60)
        gw.stop()
        wait_port_closed(gw.ports["HTTP"])
        down = time.time()
        rep.section(f"Collector down at {time.strftime('%H:%M:%S')} for {args.minutes:g} min")
        while time.time() < down + args.minutes * 60:
            time.sleep(min(30.0, max(0.0, down + args.minutes * 60 - time.time())))
            st = agent.otlp_status()
            rep.figure(
                f"  {time.time() - down:5.0f}s: queue",
                f"{st['queue_items']} batches, {st['queue_bytes'] / 1e6:.2f} MB, oldest {st['queue_oldest_age_s']}s",
            )
        backlog = agent.otlp_status()
        sent_before = int(backlog["points_sent"])
        gw.start()
        up = time.time()
        wait_for("the first request after the outage", lambda: agent.sent() > sent_before, 120, 0.05)
        reconnected = time.time()
        wait_for("the backlog to drain", agent.drained, timeout=3600, interval=0.05)
        drained = time.time()
        final = agent.otlp_status()
        time.sleep(2)
        assert agent.process is not None
        agent.process.stop()
        lines = agent.lines()
        produced = expected(lines)
        during = count(expected(line for line in lines if down <= line.time_ns / 1e9 <= up))
        result = wait_complete(stack.prometheus_url, agent.run_id, produced, timeout=120)
        dropped = sum(final["dropped"].values())

        rep.section("backlog when the Collector came back")
        rep.figure("batches / bytes / oldest age", f"{backlog['queue_items']} / {backlog['queue_bytes']} B / "
                   f"{backlog['queue_oldest_age_s']} s")  # fmt: skip
        rep.figure("points produced during the outage", str(during))
        rep.section("recovery")
        rep.figure("reconnect wait (backoff) after the Collector was up", f"{reconnected - up:.1f} s")
        rep.figure("drain time after the first successful request", f"{drained - reconnected:.1f} s")
        rep.figure("drain time after the Collector was up", f"{drained - up:.1f} s")
        drain = drained - reconnected
        speed = f"{(up - down) / drain:.0f}x" if drain >= 0.1 else f"at least {(up - down) / 0.1:.0f}x (one request)"
        rep.figure("backlog drained faster than it built up", speed)
        rep.section("points")
        rep.figure("produced (NDJSON ground truth)", str(result.produced))
        rep.figure("arrived in Prometheus", str(result.arrived))
        rep.figure("dropped, as sysagent counts it", f"{dropped} {final['dropped'] or ''}")
        rep.figure("missing in Prometheus", str(len(result.missing)))
        rep.figure("in Prometheus but never produced / with another value", f"{len(result.unexpected)} / "
                   f"{len(result.wrong)}")  # fmt: skip
        rep.target("points missing in Prometheus", len(result.missing), "<=", 0, "{:.0f}")
        rep.target("points dropped by the agent", dropped, "<=", 0, "{:.0f}")
        rep.target("missing points not counted as dropped", len(result.missing) - dropped, "<=", 0, "{:.0f}")
    finally:
        agent.runner.close()
        gw.stop()
        stack.run("stop")
    return rep.summary()


if __name__ == "__main__":
    raise SystemExit(main())
