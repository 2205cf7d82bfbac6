"""CPU per collection and memory of every first-party plugin in plugins/, beside built-in peers.

Usage: ``python bench/plugins.py [ROUNDS] [--quick]``. Each plugin (and each peer)
runs in a process of its own, which reports: RSS growth from importing the plugin
and building its collectors, the median CPU time (utime+stime of the whole process,
``time.process_time``) of one collection through CollectorRunner over ROUNDS, and
the points per collection. Peers: the built-in ``filesystem`` and ``cpu`` collectors,
measured the same way in the same run.

A plugin whose collectors need a stand-in for the machine (a GPU, a cloud API)
ships ``bench_setup.py`` beside its pyproject.toml, with a context manager
``collectors()`` that yields ``[(name, collector), ...]``; any other plugin's
entry points are registered with default settings on this host.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import REPO, quick, rss_mb

from sysagent.hostfs import HostFS
from sysagent.model import Resource, Scope
from sysagent.registry import PluginContext, Registry
from sysagent.runner import CollectorRunner

PEERS = ("sysagent.collectors.filesystem", "sysagent.collectors.cpu")


def _context() -> PluginContext:
    return PluginContext(config=None, host=HostFS("/"), resource=Resource(), state_dir="/tmp")  # type: ignore[arg-type]


def _registered(modules: list[Any]) -> list[tuple[str, Any]]:
    registry = Registry()
    for module in modules:
        module.sysagent_collectors(registry)
    return [(n, e.factory(e.settings(), _context())) for n, e in registry.collectors().items() if e.interval]


@contextlib.contextmanager
def _collectors(target: str) -> Iterator[list[tuple[str, Any]]]:
    if target.startswith("builtin:"):
        yield _registered([importlib.import_module(target.removeprefix("builtin:"))])
        return
    folder = Path(target)
    setup = folder / "bench_setup.py"
    if setup.exists():
        spec = importlib.util.spec_from_file_location(f"bench_setup_{folder.name}", setup)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with module.collectors() as made:
            yield made
        return
    dist = importlib.metadata.distribution(folder.name)
    eps = [ep for ep in dist.entry_points if ep.group == "sysagent"]
    yield _registered([ep.load() for ep in eps])


def measure(target: str, rounds: int) -> dict[str, Any]:
    before = rss_mb()
    with _collectors(target) as made:
        runners = [CollectorRunner(name, c, Scope("bench"), Resource()) for name, c in made]
        after = rss_mb()
        for r in runners:
            r.run()
        times: list[float] = []
        points = 0
        for _ in range(rounds):
            start = time.process_time()
            points = sum(r.run().point_count for r in runners)
            times.append(time.process_time() - start)
    return {
        "collectors": [r.name for r in runners],
        "cpu_ms": statistics.median(times) * 1e3 if times else 0.0,
        "points": points,
        "rss_mb": after - before,
    }


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--one" in sys.argv:
        print(json.dumps(measure(args[0], int(args[1]))))
        return 0
    rounds = int(args[0]) if args else (20 if quick() else 200)
    targets = [f"builtin:{m}" for m in PEERS] + [str(p) for p in sorted((REPO / "plugins").glob("sysagent-*"))]
    print(f"plugin collectors: median CPU per collection over {rounds} (whole process, utime+stime), RSS growth")
    print(f"  {'plugin':<34} {'collectors':<14} {'CPU/collection':>15} {'points':>7} {'RSS +MB':>8}")
    code = 0
    for target in targets:
        label = f"{target.rsplit('.', 1)[1]} (built-in peer)" if target.startswith("builtin:") else Path(target).name
        r = subprocess.run(
            [sys.executable, __file__, target, str(rounds), "--one"], capture_output=True, text=True, timeout=600
        )
        if r.returncode != 0:
            print(f"  {label:<34} FAILED: {r.stderr.strip().splitlines()[-1:]}")
            code = 1
            continue
        f = json.loads(r.stdout.strip().splitlines()[-1])
        per = f"{f['cpu_ms']:.3f} ms"
        print(f"  {label:<34} {','.join(f['collectors']):<14} {per:>15} {f['points']:>7} {f['rss_mb']:>8.1f}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
