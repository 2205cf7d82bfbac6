"""Cost of each first-party plugin: CPU per collection and series per collection.

Usage: ``python bench/plugins.py [--quick]``. Discovers every plugin installed in the
``sysagent`` entry-point group whose distribution is first-party (its name starts with
``sysagent-``, or it is installed from a folder under ``plugins/``), builds an Agent
with only that plugin (``Agent.from_config(..., builtins=())``, the public API), and
runs each of its collectors through the agent's runners (start times, deltas, rates),
printing the median CPU time (``time.process_time``) per collection and the number of
series. The built-in collectors are measured in the same run, as the yardstick.

A plugin whose collectors need a stand-in for the machine (a GPU, a cloud API)
ships ``bench_setup.py`` beside its pyproject.toml, with a context manager
``collectors()`` that yields ``[(name, collector), ...]``; those are measured
through the same runner.

The process plugin's cost depends on how many processes the host has, so it is also
given per 100 processes, with ``PROCS`` extra sleeping processes started for the
measurement, beside a bare psutil loop reading the same fields for every process
(the floor of any psutil-based per-process collector).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from _common import REPO, Report, med, ms, quick, rss_mb

from sysagent import Agent
from sysagent.model import Resource, Scope
from sysagent.runner import CollectorRunner

PREFIX = "sysagent-"
PLUGINS_DIR = REPO / "plugins"
PROCS = 200
#: Settings for a wider, still bounded, measurement of collectors whose defaults report
#: little on a host without containers (applied only when that collector exists).
WIDE: dict[str, dict[str, Any]] = {
    "containers": {"paths": ["/", "/*", "/*/*"]},
    "process": {"top": 10000},
}


def first_party() -> list[tuple[EntryPoint, str]]:
    """(entry point, where it comes from) of every first-party plugin installed."""
    out = []
    for ep in sorted(entry_points(group="sysagent"), key=lambda e: e.name):
        dist = ep.dist
        if dist is None:
            continue
        url = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
        under = url.startswith(PLUGINS_DIR.as_uri() + "/") or (PLUGINS_DIR / dist.name).is_dir()
        if under or dist.name.startswith(PREFIX):
            where = f"plugins/{dist.name}" if under else url.removeprefix("file://") or "site-packages"
            out.append((ep, f"{dist.name} {dist.version} ({where})"))
    return out


def agent_with(plugin: object | None, collectors: Mapping[str, Any] | None = None) -> Agent:
    config = {
        "sinks": {},
        "agent": {"state_dir": tempfile.mkdtemp(prefix="sysagent-bench-"), "log_level": "ERROR"},
        "plugins": {"autoload": False},
        "collectors": dict(collectors or {}),
    }
    if plugin is None:
        return Agent.from_config(config)
    return Agent.from_config(config, builtins=(), plugins=[plugin])


def measure(agent: Agent, cycles: int, spacing: float = 0.02) -> dict[str, tuple[float, int]]:
    """Median CPU seconds and series of one collection, per collector of the agent."""
    return measure_runners({name: r for name, (r, _iv, _to) in agent.runners.items()}, cycles, spacing)


@contextlib.contextmanager
def stand_in(dist_name: str) -> Iterator[dict[str, Any] | None]:
    """Runners for the collectors a plugin's ``bench_setup.py`` makes, or None if it has none."""
    setup = PLUGINS_DIR / dist_name / "bench_setup.py"
    if not setup.exists():
        yield None
        return
    spec = importlib.util.spec_from_file_location(f"bench_setup_{dist_name.replace('-', '_')}", setup)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with module.collectors() as made:
        yield {name: CollectorRunner(name, c, Scope(dist_name), Resource()) for name, c in made}


def measure_runners(runners: Mapping[str, Any], cycles: int, spacing: float = 0.02) -> dict[str, tuple[float, int]]:
    """Median CPU seconds and series of one collection, per runner."""
    import time

    out: dict[str, tuple[float, int]] = {}
    for name, runner in runners.items():
        cpu: list[float] = []
        series = 0
        runner.run()  # first cycle: caches, start times
        for _ in range(cycles):
            time.sleep(spacing)
            start = time.process_time()
            batch = runner.run()
            cpu.append(time.process_time() - start)
            series = batch.point_count
        out[name] = (med(cpu), series)
    return out


def print_plugin(report: Report, title: str, figures: dict[str, tuple[float, int]]) -> float:
    total = sum(c for c, _ in figures.values())
    report.figure(title, f"{ms(total)} per collection, {sum(s for _, s in figures.values())} series")
    for name, (cpu, series) in figures.items():
        report.figure(f"    collector {name}", f"{ms(cpu)}, {series} series")
    return total


def sleepers(n: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs = [subprocess.Popen(["sleep", "600"]) for _ in range(n)]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def psutil_floor(cycles: int) -> float:
    """Median CPU of reading, for every process, what the process plugin reports."""
    import time

    import psutil

    fields = [
        "name",
        "cpu_times",
        "memory_info",
        "num_threads",
        "num_fds",
        "num_ctx_switches",
        "io_counters",
        "cmdline",
        "username",
        "create_time",
    ]
    cpu = []
    list(psutil.process_iter(fields))
    for _ in range(cycles):
        start = time.process_time()
        for _p in psutil.process_iter(fields):
            pass
        cpu.append(time.process_time() - start)
    return med(cpu)


def main() -> int:
    cycles = 5 if quick() else 30
    report = Report("plugins")
    print(f"bench/plugins.py: {cycles} collections per collector, median CPU (time.process_time)")
    report.section("built-in collectors (the yardstick)")
    print_plugin(report, "all built-in collectors", measure(agent_with(None), cycles))
    found = first_party()
    if not found:
        print("no first-party plugin installed (scripts/setup.d/30-plugins.sh installs plugins/*)", file=sys.stderr)
        return 1
    process_plugin: object | None = None
    for ep, origin in found:
        plugin = ep.load()
        report.section(f"{ep.name}: {origin}")
        assert ep.dist is not None
        with stand_in(ep.dist.name) as runners:
            if runners is not None:
                print_plugin(report, "on its bench_setup.py stand-in", measure_runners(runners, cycles))
        agent = agent_with(plugin)
        print_plugin(report, "defaults", measure(agent, cycles))
        wide = {k: v for k, v in WIDE.items() if k in agent.runners}
        if wide:
            print_plugin(report, f"wider settings {json.dumps(wide)}", measure(agent_with(plugin, wide), cycles))
        if "process" in agent.runners:
            process_plugin = plugin
    if process_plugin is not None:
        per_100(report, process_plugin, cycles)
    report.figure("RSS of this bench process at the end", f"{rss_mb():.1f} MB")
    return 0


def per_100(report: Report, plugin: object, cycles: int) -> None:
    import psutil

    gen = sleepers(PROCS)
    next(gen)
    try:
        n = len(psutil.pids())
        report.section(f"process: cost per 100 processes ({n} processes, {PROCS} of them extra sleepers)")
        scale: Callable[[float], str] = lambda cpu: f"{ms(cpu / n * 100)} per 100 processes ({ms(cpu)} in all)"  # noqa: E731
        top10 = measure(agent_with(plugin), cycles)["process"][0]
        report.figure("process plugin, top 10 (defaults: scan all, detail 10)", scale(top10))
        every = measure(agent_with(plugin, {"process": {"top": 10000}}), cycles)["process"][0]
        report.figure("process plugin, every process reported", scale(every))
        report.figure("peer: bare psutil.process_iter over the same fields", scale(psutil_floor(cycles)))
    finally:
        gen.close()


if __name__ == "__main__":
    os.environ.pop("SYSAGENT_DISABLE_PLUGIN_AUTOLOAD", None)
    raise SystemExit(main())
