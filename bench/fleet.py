"""N simulated hosts through sysagent's real delivery path to the gateway Collector, Prometheus and VictoriaMetrics.

Each host sends every ``--interval`` s what a real sysagent sends (a snapshot of
this machine's metrics, values moving, its own resource), through its own
durable queue and sender (bench/_fleetsim.py), to the gateway Collector
(``gateway.yaml`` + ``gateway-victoriametrics.yaml`` + ``gateway-fast.yaml``), which remote-writes to
Prometheus and VictoriaMetrics (bench/_fleetstack.py). Per backend it prints
points/s sustained, loss per series (samples expected against samples stored),
p50/p99 lag from a sample's timestamp to when a query returns it, the
Collector's and the backend's CPU and RSS, and bytes on the wire per point.

    python bench/fleet.py                       # 1,000 hosts, 120 s
    python bench/fleet.py --knee 1000,2000,3000  # raise N until loss or lag begins
    python bench/fleet.py --fault gateway-restart | backend-down
    python bench/fleet.py --gateways 2           # behind otel-collector/loadbalancer.yaml
    python bench/fleet.py --wal                  # the gateway's remote write through its WAL
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from _common import default_agent
from _fleetsim import worker
from _fleetstack import Gateway, Probe, PrometheusServer, Restartable, VictoriaMetrics, metric_names, stored, usage

from sysagent.model import Snapshot

#: the gateway as bench/fleet.py runs it; --wal leaves gateway-fast.yaml out (remote write through its WAL)
GATEWAY_CONFIGS = ("gateway.yaml", "gateway-victoriametrics.yaml", "gateway-fast.yaml")
LAG_TARGET = 10.0


@dataclass
class BackendResult:
    name: str
    series: int = 0
    expected: int = 0
    stored: int = 0
    lost: int = 0
    series_short: int = 0
    lags: list[float] = field(default_factory=list)
    cpu: float = 0.0
    rss: float = 0.0

    def pct(self, q: float) -> float:
        if len(self.lags) < 2:
            return float("nan")
        return statistics.quantiles(self.lags, n=100)[int(q) - 1]


@dataclass
class FleetResult:
    hosts: int
    seconds: float
    points: int
    bytes: int
    requests: int
    left: int
    backends: list[BackendResult]
    gateway: tuple[float, float]
    simulator_cpu: float
    late: list[float] = field(default_factory=list)  # tick timestamp to the gateway's answer, per request
    placement: dict[str, int] = field(default_factory=dict)  # gateway -> hosts (with --gateways > 1)
    hosts_on_several: int = 0
    hosts_on_none: int = 0

    @property
    def ok(self) -> bool:
        return self.left == 0 and all(b.lost == 0 and b.pct(99) < LAG_TARGET for b in self.backends)


def template() -> Snapshot:
    """A real snapshot of this machine: what sysagent sends every tick."""
    return default_agent().collect_once()


def run_fleet(
    hosts: int,
    seconds: float,
    *,
    interval: float = 5.0,
    processes: int = 2,
    threads: int = 12,
    fault: str | None = None,
    folder: Path | None = None,
    log: bool = True,
    gateways: int = 1,
    wal: bool = False,
) -> FleetResult:
    """Start the stack, run ``hosts`` simulated hosts for ``seconds``, drain, count, stop everything."""
    folder = folder or Path(tempfile.mkdtemp(prefix="fleet-"))
    run_id = f"fleet-{uuid.uuid4().hex[:8]}"
    snap = template()
    say = print if log else (lambda *a, **k: None)
    prom, vm = PrometheusServer("prometheus", folder / "prom"), VictoriaMetrics("victoriametrics", folder / "vm")
    configs = GATEWAY_CONFIGS[:2] if wal else GATEWAY_CONFIGS
    if gateways == 1:
        members = [Gateway("gateway", folder / "gateway", prom.url, vm.url, configs)]
        entry = members[0]
    else:
        members = [
            Gateway(
                f"gateway{k}",
                folder / f"gateway{k}",
                prom.url,
                vm.url,
                (*configs, "gateway-member.yaml"),
                {"SYSAGENT_GATEWAY_ID": f"g{k}"},
            )
            for k in range(gateways)
        ]
        lb_env = {"SYSAGENT_LB_GATEWAYS": "[" + ", ".join(g.grpc_address for g in members) + "]"}
        entry = Gateway("loadbalancer", folder / "lb", prom.url, vm.url, ("loadbalancer.yaml",), lb_env)
    gateway = members[0]  # the one a fault restarts
    servers: list[Restartable] = [prom, vm, *members] + ([entry] if entry is not gateway else [])
    try:
        for s in servers:
            s.folder.mkdir(parents=True, exist_ok=True)
            s.start()
        probes = {"prometheus": Probe(prom.url, run_id), "victoriametrics": Probe(vm.url, run_id)}
        for p in probes.values():
            p.start()
        start = time.time() + 2.0
        until = start + seconds
        drain = 60.0 + (90.0 if fault else 0.0)
        shares = [hosts // processes + (1 if k < hosts % processes else 0) for k in range(processes)]
        firsts = [sum(shares[:k]) for k in range(processes)]
        watched: dict[str, Restartable | int] = {"prometheus": prom, "victoriametrics": vm}
        watched.update({s.name: s for s in servers if isinstance(s, Gateway)})
        u0 = usage(watched)
        with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
            futures = [
                pool.submit(
                    worker, f, n, threads, snap, run_id, str(folder / "queues"), entry.url, interval, until, drain
                )
                for f, n in zip(firsts, shares, strict=True)
                if n
            ]
            (folder / "queues").mkdir(exist_ok=True)
            sim_pids = list(pool._processes)
            _fault(fault, seconds, start, gateway, prom, vm, say)
            while time.time() < until:
                time.sleep(1.0)
            u1 = usage(watched)
            sim_cpu = sum(_cpu(pid) for pid in sim_pids)
            results = [f.result() for f in futures]
        ticks: dict[str, int] = {}
        for r in results:
            ticks.update(r["ticks"])  # type: ignore[arg-type]
        per_host = sum(b.point_count for b in snap.batches)
        _settle(prom.url, vm.url, run_id, sum(ticks.values()), say)
        for p in probes.values():
            p.stop.set()
        window = int(time.time() - start + 60)
        backends = []
        for name, server in (("prometheus", prom), ("victoriametrics", vm)):
            b = BackendResult(name, lags=probes[name].lags)
            counts = stored(server.url, run_id, metric_names(server.url, run_id), window)
            by_host: dict[str, int] = {}
            for (host, _key), n in counts.items():
                by_host[host] = by_host.get(host, 0) + 1
                b.stored += n
                short = ticks.get(host, 0) - n
                if short > 0:
                    b.lost += short
                    b.series_short += 1
            # series never stored at all: each lost every sample its host produced
            b.lost += sum(ticks[h] * max(0, per_host - by_host.get(h, 0)) for h in ticks)
            b.series_short += sum(max(0, per_host - by_host.get(h, 0)) for h in ticks)
            b.series = len(counts)
            b.expected = sum(ticks.values()) * per_host
            b.cpu = (u1[name][0] - u0[name][0]) / seconds
            b.rss = u1[name][1]
            backends.append(b)
        gw_cpu = sum(u1[s.name][0] - u0[s.name][0] for s in servers if isinstance(s, Gateway)) / seconds
        gw_rss = sum(u1[s.name][1] for s in servers if isinstance(s, Gateway))
        result = FleetResult(
            hosts,
            seconds,
            sum(ticks.values()) * per_host,
            sum(int(r["bytes"]) for r in results),  # type: ignore[call-overload]
            sum(int(r["requests"]) for r in results),  # type: ignore[call-overload]
            sum(int(r["left"]) for r in results),  # type: ignore[call-overload]
            backends,
            (gw_cpu, gw_rss),
            sim_cpu / seconds,
        )
        for r in results:
            result.late.extend(r["late"])  # type: ignore[arg-type]
        if gateways > 1:
            _placement(result, prom.url, run_id, set(ticks))
        return result
    finally:
        for s in reversed(servers):
            s.stop()


def _settle(prom: str, vm: str, run_id: str, expected: int, say: Callable[..., None], limit: float = 240.0) -> None:
    """Wait until both backends hold every tick's probe sample, or their counts stop growing (40 s), or ``limit`` s.

    The Collector retries a backend with up to 30 s between attempts: counts that did not grow for 40 s are final.
    """
    from _fleetstack import PROBE_METRIC, query

    promql = f'sum(count_over_time({PROBE_METRIC}{{deployment_environment_name="{run_id}"}}[1h]))'
    last: tuple[int, ...] = ()
    still = 0
    end = time.time() + limit
    while time.time() < end:
        time.sleep(10.0)
        now = tuple(int(float(r["value"][1])) for url in (prom, vm) for r in query(url, promql)[:1])
        if len(now) == 2 and min(now) >= expected:
            return
        still = still + 1 if now == last else 0
        if still >= 4:
            say(f"  stored counts stopped growing at {now} of {expected}")
            return
        last = now
    say(f"  stored counts still growing after {limit:.0f} s: {last} of {expected}")


def _placement(result: FleetResult, url: str, run_id: str, hosts: set[str]) -> None:
    """Which gateway each host's series went through (the ``gateway`` label of gateway-member.yaml)."""
    from _fleetstack import query

    rows = query(url, f'count by (host_name, gateway) ({{deployment_environment_name="{run_id}"}})')
    on: dict[str, set[str]] = {}
    for r in rows:
        on.setdefault(r["metric"].get("host_name", ""), set()).add(r["metric"].get("gateway", ""))
    for gws in on.values():
        for g in gws:
            result.placement[g] = result.placement.get(g, 0) + 1
        result.hosts_on_several += len(gws) > 1
    result.hosts_on_none = len(hosts - set(on))


def _cpu(pid: int) -> float:
    from _common import proc_cpu

    try:
        return proc_cpu(pid)
    except OSError:
        return 0.0


def _fault(fault: str | None, seconds: float, start: float, gateway: Gateway, prom: Restartable, vm: Restartable, say):  # type: ignore[no-untyped-def]
    """In a thread: restart the gateway at mid-run (10 s down), or take both backends down for 60 s."""
    import threading

    def run() -> None:
        time.sleep(max(0.0, start + seconds / 3 - time.time()))
        if fault == "gateway-restart":
            say("  fault: gateway stopped")
            gateway.stop()
            time.sleep(10.0)
            gateway.start()
            say("  fault: gateway started again")
        elif fault == "backend-down":
            say("  fault: Prometheus and VictoriaMetrics stopped for 60 s")
            prom.stop()
            vm.stop()
            time.sleep(60.0)
            prom.start()
            vm.start()
            say("  fault: backends started again")

    if fault:
        threading.Thread(target=run, daemon=True).start()


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else float("nan")


def table(results: list[FleetResult]) -> str:
    lines = [
        "| hosts | backend | points/s | samples expected | stored | lost (series short) | lag p50 | lag p99 "
        "| gateway CPU / RSS | backend CPU / RSS | simulator CPU, send p99 | bytes/point |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for b in r.backends:
            lines.append(
                f"| {r.hosts} | {b.name} | {r.points / r.seconds:,.0f} | {b.expected:,} | {b.stored:,} "
                f"| {b.lost:,} ({b.series_short:,} of {b.series:,}) | {b.pct(50):.1f} s | {b.pct(99):.1f} s "
                f"| {r.gateway[0] * 100:.0f}% / {r.gateway[1]:.0f} MB | {b.cpu * 100:.0f}% / {b.rss:.0f} MB "
                f"| {r.simulator_cpu * 100:.0f}%, {_p99(r.late):.2f} s | {r.bytes / max(r.points, 1):.1f} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the hosts send")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=2, help="simulator processes")
    parser.add_argument("--knee", help="comma-separated host counts to try in order, stopping at the first failure")
    parser.add_argument("--fault", choices=("gateway-restart", "backend-down"))
    parser.add_argument("--gateways", type=int, default=1, help="gateways behind the loadbalancing Collector")
    parser.add_argument("--wal", action="store_true", help="remote write through the WAL (without gateway-fast.yaml)")
    args = parser.parse_args()
    counts = [int(n) for n in args.knee.split(",")] if args.knee else [args.hosts]
    results: list[FleetResult] = []
    for n in counts:
        print(
            f"-- {n} hosts every {args.interval:g} s for {args.seconds:g} s"
            + (f", fault {args.fault}" if args.fault else ""),
            flush=True,
        )
        r = run_fleet(
            n,
            args.seconds,
            interval=args.interval,
            processes=args.processes,
            fault=args.fault,
            gateways=args.gateways,
            wal=args.wal,
        )
        results.append(r)
        print(table([r]), flush=True)
        if r.placement:
            print(f"hosts per gateway: {r.placement}; on several: {r.hosts_on_several}; on none: {r.hosts_on_none}")
        if not r.ok:
            break
    print("\n" + " ".join(sys.argv))
    print(table(results))
    passed = [r.hosts for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    if args.knee:
        knee = max(passed) if passed else f"below {counts[0]}"
        print(f"knee: {knee} hosts pass (zero loss, p99 lag < {LAG_TARGET:g} s)")
        if failed:
            f = failed[0]
            cpus = {"gateway": f.gateway[0], "simulator": f.simulator_cpu, **{b.name: b.cpu for b in f.backends}}
            print(
                f"at {f.hosts}: CPU by process (share of one core): "
                + ", ".join(f"{k} {v * 100:.0f}%" for k, v in cpus.items())
            )
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
