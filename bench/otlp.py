"""Issue 3's bench: OTLP encoding and delivery to a real Collector, and the agent's RSS with OTLP.

Usage: ``python bench/otlp.py [--quick]`` from the repository root.

Measured in one run:

1. CPU per full default host collection plus OTLP encoding (each batch encoded
   as the otlp sink does, ``encode_bounded``), against node_exporter's CPU per
   scrape, interleaved in rounds;
2. encoding throughput (CPU) of a high-cardinality plugin made here: 10,000
   series of one counter, cumulative and delta;
3. delivery to the real Collector (``otel-collector/build.sh``) on loopback, in
   points acknowledged per second of wall time: through the HTTP transport alone,
   through the delivery layer's durable queue and Sender, and through the whole
   otlp sink (encode, hand-off, queue, send);
4. steady RSS of ``sysagent run`` with OTLP/HTTP to that Collector and the
   prometheus sink, its /metrics scraped twice a second.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable

from _common import CycleStats, Report, default_agent, free_port, mean, med, ms, quick, run_cycles, runners_of
from _delivery import deliver_sender, deliver_sink, deliver_transport
from _manyseries import many_series_runner
from _rss import INTERVAL, collectors_at, timed_run
from _services import NodeExporter, OtelCollector

from sysagent.model import Batch
from sysagent.otlp.encode import MetricsEncoder
from sysagent.otlp.split import encode_bounded

MAX_BYTES = 4_000_000  # the sink's default queue.max_batch_bytes


def main() -> int:
    q = quick()
    rep = Report("bench/otlp.py" + (" --quick" if q else ""))
    rounds = 5 if q else 10
    cycles, scrapes = (400, 100) if q else (2000, 400)

    agent = default_agent()
    runners = runners_of(agent)
    encoder = MetricsEncoder()

    def encode_all(batches: list[Batch]) -> None:
        for b in batches:
            encode_bounded(encoder, b, MAX_BYTES)

    run_cycles(runners, 3, spacing=0.05, after=encode_all)
    both, plain = CycleStats(), CycleStats()
    ne_rounds: list[float] = []
    with NodeExporter() as ne:
        ne.cpu_per_scrape(10)
        for _ in range(rounds):
            both.add(run_cycles(runners, cycles // rounds // 2, after=encode_all))
            plain.add(run_cycles(runners, cycles // rounds // 2))
            ne_rounds.append(ne.cpu_per_scrape(scrapes // rounds))
    rep.section("1. full default host collection + OTLP encoding (per batch, as the otlp sink does)")
    total = med(both.total)
    rep.figure("cycles measured (with encoding / without)", f"{len(both.total)} / {len(plain.total)}")
    rep.figure("CPU per cycle with encoding, median / mean", f"{ms(total)} / {ms(mean(both.total))}")
    rep.figure("  of which encoding, median / mean", f"{ms(med(both.extra))} / {ms(mean(both.extra))}")
    rep.figure("CPU per cycle without encoding (same run), median", ms(med(plain.total)))
    rep.figure("points per cycle", f"{med(both.points):.0f}")
    rep.figure("encoding CPU per point", f"{med(both.extra) / med(both.points) * 1e6:.2f} us")
    rep.figure("node_exporter CPU per scrape, median of rounds / mean", f"{ms(med(ne_rounds))} / {ms(mean(ne_rounds))}")
    rep.target("collection + encoding CPU per cycle (ms, median)", total * 1e3, "<=", 1.0)
    rep.target("collection + encoding / node_exporter scrape", total / med(ne_rounds), "<=", 0.15, "{:.4f}")

    rep.section("2. encoding throughput, high-cardinality plugin (10,000 series, 3 attributes each)")
    runner = many_series_runner(10_000, agent.resource)
    runner.run(time.time_ns() - 5_000_000_000)
    batches = [runner.run() for _ in range(3)]
    size = len(encoder.encode(batches[-1:]).payload)
    rep.figure("points per batch / request bytes", f"{batches[-1].point_count} / {size}")
    for temporality in ("cumulative", "delta"):
        enc = MetricsEncoder(temporality)
        cold = _cpu(functools.partial(enc.encode, batches[:1]))
        per = [_cpu(functools.partial(enc.encode, (b,))) for b in batches * (10 if q else 40)]
        rep.figure(f"{temporality}: first encode (cold caches)", f"{ms(cold)} = {10_000 / cold:,.0f} points/s")
        rep.figure(f"{temporality}: CPU per encode, median / mean", f"{ms(med(per))} / {ms(mean(per))}")
        rep.target(f"{temporality} encoding throughput (points/s, CPU)", 10_000 / med(per), ">=", 500_000, "{:,.0f}")
    collect = [_cpu(runner.run) for _ in range(10 if q else 40)]
    rep.figure("for scale: collect + runner (deltas, start times), per point", f"{med(collect) / 10_000 * 1e6:.2f} us")

    rep.section("3. delivery to the real Collector over OTLP/HTTP on loopback (wall time)")
    payloads = 30 if q else 100
    with OtelCollector() as col:
        rep.figure("Collector", f"{os.path.basename(col.binary)} at {col.endpoint}, debug exporter (basic)")
        state = tempfile.mkdtemp(prefix="bench-otlp-state-")
        for label, fn in (
            ("HTTP transport alone (pre-encoded requests)", deliver_transport),
            ("durable queue + Sender + HTTP transport", deliver_sender),
            ("otlp sink: encode + hand-off + queue + Sender + HTTP", deliver_sink),
        ):
            before = col.points_received()
            res = fn(col.endpoint, runner, payloads, state, agent.context)
            time.sleep(0.5)  # the debug exporter logs after answering
            got = col.points_received() - before
            rep.figure(f"{label}: points / wall s / agent CPU s", f"{res.points} / {res.wall:.2f} / {res.cpu:.2f}")
            rep.figure(f"{label}: points the Collector logged", f"{got}" + ("" if got == res.points else " (MISMATCH)"))
            rep.target(f"{label} (points/s)", res.points / res.wall, ">=", 200_000, "{:,.0f}")
        col_rss = col.rss()
        shutil.rmtree(state, ignore_errors=True)  # the queues' files hold ~100 MB each
    rep.figure("Collector RSS after the deliveries", f"{col_rss:.1f} MB")

    rep.section(f"4. sysagent run: otlp (HTTP, real Collector) + prometheus sinks, every interval {INTERVAL}s")
    with OtelCollector() as col:
        prom = free_port()
        config = {
            "agent": {"status": {"port": free_port()}, "log_level": "WARNING"},
            "collectors": collectors_at(list(agent.runners)),
            "sinks": {"otlp": {"endpoint": col.endpoint}, "prometheus": {"port": prom}},
        }
        timed_run(rep, config=config, seconds=15.0 if q else 40.0, scrape_port=prom, limit=35.0)
        rep.figure("points the Collector received", f"{col.points_received()}")
    return rep.summary()


def _cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


if __name__ == "__main__":
    raise SystemExit(main())
