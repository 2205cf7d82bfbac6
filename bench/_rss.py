"""RSS figures: what importing sysagent costs, and ``sysagent run`` over many cycles.

Import costs come from a fresh interpreter that imports one piece at a time and
prints VmRSS after each, so every increment is attributed to what caused it.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _common import REPO, Report, free_port, ms
from _services import AgentProcess, OtelCollector

INTERVAL = 0.01  # seconds, every collector: 10,000 cycles in under 2 minutes if none is skipped

_PROBE = r"""
import json, sys, tempfile, time
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) / 1024 for l in f if l.startswith("VmRSS:"))
steps = [("python", rss())]
def step(label, code):
    exec(code, globals())
    steps.append((label, rss()))
for mod in ("pluggy", "yaml", "psutil", "pydantic"):
    step("+ import " + mod, "import " + mod)
step("+ import sysagent.agent (config, plugins, runner, scheduler)", "from sysagent.agent import Agent")
cfg = {"agent": {"state_dir": tempfile.mkdtemp(), "status": {"port": PORT}, "log_level": "WARNING"},
       "sinks": {"otlp": {"endpoint": "http://127.0.0.1:%d" % OTLP_PORT}}}
step("+ Agent.from_config: default plugins loaded, console+otlp sinks", "agent = Agent.from_config(cfg)")
step("+ agent.start(), 2 s: sinks made, threads running", "agent.start(); time.sleep(2)")
agent.stop(1)
heavy = ("prometheus_client", "grpc", "sqlite3", "opentelemetry", "google.protobuf", "http.server", "ssl", "email")
steps.append(("heavy modules imported: " + (", ".join(m for m in heavy if m in sys.modules) or "none"), None))
print(json.dumps(steps))
"""


def import_costs(rep: Report) -> None:
    """RSS after each import step, and of the reference sets of packages (issue 2 quotes them)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD": "1"}
    code = _PROBE.replace("OTLP_PORT", str(free_port())).replace("PORT", str(free_port()))
    steps = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env).stdout)
    previous = 0.0
    for label, value in steps:
        if value is None:
            rep.figure(label, "")
            continue
        delta = f" (+{value - previous:.1f})" if previous else ""
        rep.figure(f"import RSS: {label}", f"{value:.1f} MB{delta}")
        previous = value
    for label, code in (
        ("psutil, pydantic, pyyaml, pluggy alone", "import psutil, pydantic, yaml, pluggy"),
        ("the same + prometheus_client", "import psutil, pydantic, yaml, pluggy, prometheus_client"),
    ):
        probe = f"{code}\nprint(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS:')))"
        kb = int(subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True).stdout)
        rep.figure(f"reference RSS: {label}", f"{kb / 1024:.1f} MB")


@dataclass
class RunResult:
    cycles: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    samples: list[tuple[int, float]] = field(default_factory=list)  # (cycle, RSS MB)


def collectors_at(names: list[str], interval: float = INTERVAL) -> dict[str, Any]:
    # an explicit timeout: the default (the interval) would log every 10 ms collection that took 11 ms
    return {name: {"interval": interval, "timeout": 1.0} for name in names}


def long_run(rep: Report, *, cycles: int, names: list[str], warmup: int = 500) -> None:
    """``sysagent run`` with its default sinks (console, otlp to a real Collector) for ``cycles`` cycles.

    Cycles are counted, not estimated: the console sink, one of the two default
    sinks, prints one line per CPU tick, and it is turned on (``when: always``,
    what a terminal gets) so the bench can count its lines on a pipe.
    """
    rep.section(f"sysagent run, default sinks (console + otlp to the real Collector), every interval {INTERVAL}s")
    with OtelCollector() as col:
        config = {
            "agent": {"status": {"port": free_port()}, "log_level": "WARNING"},
            "collectors": collectors_at(names),
            "sinks": {"console": {"when": "always"}, "otlp": {"endpoint": col.endpoint}},
        }
        with AgentProcess(config) as agent:
            res = _sample(agent, warmup, cycles, agent.wait_lines, lambda: agent.lines)
            log = agent.tail(600)
        received = col.points_received()
    _report_run(rep, res, warmup, limit=32.0, growth=cycles >= 10_000)
    rep.figure("points the Collector received", f"{received}")
    if "Traceback" in log or "ERROR" in log:
        rep.figure("agent log tail", log.replace("\n", " | ")[-400:])


def _sample(
    agent: AgentProcess, warmup: int, cycles: int, wait: Callable[[int, float], None], count: Callable[[], int]
) -> RunResult:
    res = RunResult()
    wait(warmup, 120.0)
    start_cpu, start = agent.cpu(), time.monotonic()
    base = count()
    res.samples.append((base - warmup, agent.rss()))
    step = max(cycles // 10, 1)
    for target in range(step, cycles + 1, step):
        wait(base + target, 300.0)
        res.samples.append((count() - base, agent.rss()))
        print(f"    after {count() - base} cycles: RSS {res.samples[-1][1]:.1f} MB", flush=True)
    res.cycles = count() - base
    res.elapsed = time.monotonic() - start
    res.cpu = agent.cpu() - start_cpu
    return res


def _report_run(rep: Report, res: RunResult, warmup: int, *, limit: float, growth: bool, counted: bool = True) -> None:
    first, last = res.samples[0][1], res.samples[-1][1]
    if counted:
        rep.figure("cycles after warm-up (counted) / warm-up cycles", f"{res.cycles} / {warmup}")
    else:
        rep.figure("cycles after 5 s warm-up (estimated: wall / interval, an upper bound)", f"{res.cycles}")
    rep.figure("wall time / cycles per second", f"{res.elapsed:.1f} s / {res.cycles / res.elapsed:.1f}")
    rep.figure("agent CPU per cycle (all threads: collect, sinks, queue, send)", ms(res.cpu / res.cycles))
    rep.figure("RSS samples (MB)", " ".join(f"{v:.1f}" for _, v in res.samples))
    rep.target("steady RSS after warm-up (MB, max of samples)", max(v for _, v in res.samples), "<=", limit, "{:.1f}")
    label = f"RSS growth over {res.cycles} cycles (MB)"
    if growth:
        rep.target(label, last - first, "<=", 1.0, "{:.2f}")
    else:
        rep.figure(label + " (no target here)", f"{last - first:.2f}")


def timed_run(rep: Report, *, config: dict[str, Any], seconds: float, scrape_port: int | None, limit: float) -> None:
    """``sysagent run`` with ``config`` for ``seconds`` after warm-up, /metrics scraped twice a second."""
    with AgentProcess(config) as agent:
        scraper = _Scraper(scrape_port) if scrape_port else None
        time.sleep(5.0)  # warm-up
        res = RunResult(samples=[(0, agent.rss())])
        start_cpu, start = agent.cpu(), time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            time.sleep(0.5)
            if scraper:
                scraper.scrape()
            if len(res.samples) < int(elapsed / (seconds / 10)) + 1:
                res.samples.append((int(elapsed / INTERVAL), agent.rss()))
        res.samples.append((int(seconds / INTERVAL), agent.rss()))
        res.elapsed, res.cpu = time.monotonic() - start, agent.cpu() - start_cpu
        res.cycles = int(res.elapsed / INTERVAL)  # an upper bound: ticks may be skipped
        if scraper:
            rep.figure("/metrics scrapes / bytes of the last", f"{scraper.count} / {scraper.size}")
    _report_run(rep, res, 0, limit=limit, growth=False, counted=False)


class _Scraper:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.count = self.size = 0

    def scrape(self) -> None:
        self.conn.request("GET", "/metrics")
        response = self.conn.getresponse()
        self.size = len(response.read())
        self.count += 1
