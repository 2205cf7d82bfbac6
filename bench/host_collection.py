"""Issue 2's bench: sysagent's full default host collection against its peers, and its RSS.

Usage: ``python bench/host_collection.py [--quick] [--profile]`` from the repository root.
``--profile`` adds where the cycle's CPU goes (per collector, collect() against
the runner's build(), user against kernel time, and cProfile's hottest functions).

Measured in one run, interleaved in rounds so that the machine's noise hits
every contender alike:

1. sysagent: CPU per full default host collection (every periodic collector's
   ``CollectorRunner.run()``, the batches handed to an in-memory list), median
   and mean over many cycles, points per cycle, CPU per collector;
2. opentelemetry-instrumentation-system-metrics with its defaults: CPU per
   ``InMemoryMetricReader.get_metrics_data()``, points per collection;
3. node_exporter (Debian package) with its default collectors: its CPU per
   scrape from /proc/PID/stat, series per scrape;
4. RSS of what importing sysagent and its default plugins costs, and of
   ``python -m sysagent run`` with its default sinks (console, otlp to the real
   Collector) over 10,000 cycles (1,000 with ``--quick``).
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from _common import CycleStats, Report, cpu_per_call, default_agent, mean, med, ms, quick, run_cycles, runners_of
from _profile import hot_functions, split
from _rss import import_costs, long_run
from _services import NodeExporter


def otel_reader() -> tuple[object, type]:
    """opentelemetry-instrumentation-system-metrics with its defaults, read by an in-memory reader."""
    from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    SystemMetricsInstrumentor().instrument(meter_provider=MeterProvider(metric_readers=[reader]))
    return reader, SystemMetricsInstrumentor


def otel_points(data: Any) -> int:
    return sum(len(m.data.data_points) for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics)


def main() -> int:
    q = quick()
    rep = Report("bench/host_collection.py" + (" --quick" if q else ""))
    rounds = 5 if q else 10
    cycles, otel_calls, scrapes = (400, 40, 100) if q else (2000, 200, 400)

    agent = default_agent()
    runners = runners_of(agent)
    run_cycles(runners, 3, spacing=0.05)  # first cycles: no deltas yet
    reader, instrumentor = otel_reader()
    read = reader.get_metrics_data  # type: ignore[attr-defined]
    read()
    time.sleep(0.05)
    otel_n = otel_points(read())

    sa = CycleStats()
    otel: list[float] = []
    ne_rounds: list[float] = []
    ratios_otel: list[float] = []
    ratios_ne: list[float] = []
    with NodeExporter() as ne:
        ne_series = ne.series()
        ne.cpu_per_scrape(10)
        print(
            f"measuring: {rounds} rounds of {cycles // rounds} sysagent cycles, {otel_calls // rounds} "
            f"instrumentation collections, {scrapes // rounds} node_exporter scrapes",
            flush=True,
        )
        for _ in range(rounds):
            s = run_cycles(runners, cycles // rounds)
            o = cpu_per_call(read, otel_calls // rounds, spacing=0.01)
            n = ne.cpu_per_scrape(scrapes // rounds)
            sa.add(s)
            otel += o
            ne_rounds.append(n)
            ratios_otel.append(med(s.total) / med(o))
            ratios_ne.append(med(s.total) / n)
        ne_rss = ne.rss()
    instrumentor().uninstrument()

    rep.section("1. sysagent: full default host collection (every periodic collector, batches to a list)")
    sa_med = med(sa.total)
    rep.figure("cycles measured", f"{len(sa.total)}")
    rep.figure("CPU per cycle, median / mean", f"{ms(sa_med)} / {ms(mean(sa.total))}")
    rep.figure("CPU per cycle, 10th / 90th percentile", " / ".join(ms(v) for v in _deciles(sa.total)))
    rep.figure("points per cycle (min / max)", f"{min(sa.points)} / {max(sa.points)}")
    rep.figure("CPU per point, median", f"{sa_med / statistics.median(sa.points) * 1e6:.2f} us")
    for name, values in sorted(sa.per_collector.items(), key=lambda kv: -med(kv[1])):
        rep.figure(f"  collector {name}: median / mean", f"{ms(med(values))} / {ms(mean(values))}")
    fs = med(sa.per_collector.get("filesystem", [0.0]))
    rep.figure("per 5 s tick on the default schedule (filesystem every 30 s)", ms(sa_med - fs + fs / 6))

    rep.section("2. opentelemetry-instrumentation-system-metrics, defaults, InMemoryMetricReader")
    rep.figure("collections measured", f"{len(otel)}")
    rep.figure("CPU per collection, median / mean", f"{ms(med(otel))} / {ms(mean(otel))}")
    rep.figure("points per collection", f"{otel_n}")

    rep.section("3. node_exporter 1.5 (Debian), default collectors, /proc/PID/stat")
    rep.figure("scrapes measured", f"{scrapes // rounds * rounds}")
    rep.figure("CPU per scrape, median of rounds / mean", f"{ms(med(ne_rounds))} / {ms(mean(ne_rounds))}")
    rep.figure("series per scrape", f"{ne_series}")
    rep.figure("RSS after the scrapes", f"{ne_rss:.1f} MB")

    rep.section("ratios (sysagent median per cycle / peer, same run)")
    r_otel, r_ne = sa_med / med(otel), sa_med / med(ne_rounds)
    rep.figure(
        "vs instrumentation: per-round ratios min / median / max",
        f"{min(ratios_otel):.4f} / {med(ratios_otel):.4f} / {max(ratios_otel):.4f}",
    )
    rep.figure(
        "vs node_exporter: per-round ratios min / median / max",
        f"{min(ratios_ne):.4f} / {med(ratios_ne):.4f} / {max(ratios_ne):.4f}",
    )
    rep.target("sysagent CPU per full collection (ms, median)", sa_med * 1e3, "<=", 0.7)
    rep.target("sysagent / instrumentation CPU", r_otel, "<=", 0.05, "{:.4f}")
    rep.target("sysagent / node_exporter CPU", r_ne, "<=", 0.1, "{:.4f}")

    if "--profile" in sys.argv[1:]:
        split(rep, runners, 200)
        hot_functions(runners, 200)
    rep.section("4. RSS")
    import_costs(rep)
    long_run(rep, cycles=1_000 if q else 10_000, names=list(agent.runners))
    return rep.summary()


def _deciles(values: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(values, n=10)
    return qs[0], qs[-1]


if __name__ == "__main__":
    raise SystemExit(main())
