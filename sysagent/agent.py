"""The agent's lifecycle: built (see :mod:`sysagent.build`), started, stopped, replaced on reload."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from sysagent import build
from sysagent import config as config_mod
from sysagent import plugins as plugins_mod
from sysagent.errorlog import ErrorLog
from sysagent.model import Batch, ExportResult, Snapshot
from sysagent.runner import CollectorRunner
from sysagent.scheduler import Job, Scheduler
from sysagent.stats import AgentStats, agent_stats

log = logging.getLogger("sysagent")

ConfigInput = str | os.PathLike[str] | Mapping[str, Any] | config_mod.Config | None


class Agent:
    """A configured agent. Create it with :meth:`from_config`.

    Creating it builds everything (plugins loaded, every section validated,
    every factory called) and starts nothing. ``collect_once()`` collects
    synchronously; ``start()``/``stop()`` run it in background threads;
    ``with Agent.from_config(...) as agent:`` does both.
    """

    def __init__(
        self,
        config: config_mod.Config,
        *,
        builtins: tuple[str, ...] = plugins_mod.BUILTIN_PLUGINS,
        plugins: Sequence[object] = (),
        previous: Agent | None = None,
        sinks: bool = True,
    ) -> None:
        """``previous``: the running agent a reload replaces; ``sinks=False``: collectors only."""
        self.errors = ErrorLog(log)
        plan = build.plan(config, builtins=builtins, objects=plugins)
        self.config = plan.config
        self.plugins = plan.plugins
        self.registry = plan.plugins.registry
        self.host = plan.host
        self.collector_settings = plan.collectors
        self.sink_settings = plan.sinks
        self.plugins.manager.hook.sysagent_configured.call_historic(kwargs={"config": config})
        made = build.construct(plan, previous, sinks=sinks)
        self.resource = made.resource
        self.context = made.context
        self.context.services["agent"] = self
        self.sinks: dict[str, Any] = made.sinks
        self.runners: dict[str, tuple[CollectorRunner, float, float]] = made.runners
        self._built = made
        self.jobs: list[Job] = []
        self._scheduler: Scheduler | None = None
        self._lock = threading.Lock()
        self._hung: set[str] = set()
        self._status: Any = None
        #: the live page's history, handed over by a reload (see :mod:`sysagent.reload`)
        self._live_history: Any = None
        #: flushes the sinks a reload replaced (see :mod:`sysagent.reload`)
        self.retiring: threading.Thread | None = None
        self.started = False
        self.started_at = 0.0

    @classmethod
    def from_config(
        cls,
        config: ConfigInput = None,
        *,
        builtins: tuple[str, ...] = plugins_mod.BUILTIN_PLUGINS,
        plugins: Sequence[object] = (),
    ) -> Agent:
        """An agent from a YAML file path, a dict, a Config, or None for the defaults.

        ``builtins`` selects the built-in plugin modules (all of them by default);
        ``plugins`` are extra plugin objects registered after ``plugins.modules``.
        """
        return cls(load_config(config), builtins=builtins, plugins=plugins)

    # -- collecting now -----------------------------------------------------------------

    def collect_once(self, *, prime: float = 0.25) -> Snapshot:
        """Collect every periodic collector once, now, and return what they produced.

        Each collector runs in its own thread with its timeout, so one that hangs
        is reported and left out instead of blocking the snapshot. Collectors
        with counters (whose points carry rates) or derivations (CPU utilization)
        are primed ``prime`` seconds earlier on their first use, so the snapshot has them.
        """
        runners = {n: (r, t) for n, (r, _, t) in self.runners.items() if n not in self._hung}
        fresh = {n: v for n, v in runners.items() if v[0].needs_priming and v[0].previous_time_ns == 0}
        if fresh:
            self._collect_isolated(fresh)
            if prime > 0:
                time.sleep(prime)
        batches = self._collect_isolated(runners)
        return Snapshot(self.resource, tuple(b for b in batches if b is not None))

    def _collect_isolated(self, runners: Mapping[str, tuple[CollectorRunner, float]]) -> list[Batch | None]:
        results: dict[str, Batch | None] = {}

        def work(name: str, runner: CollectorRunner) -> None:
            results[name] = self._run_safely(runner)
            self._hung.discard(name)

        threads = {n: threading.Thread(target=work, args=(n, r), daemon=True) for n, (r, _) in runners.items()}
        for t in threads.values():
            t.start()
        deadline = time.monotonic()
        for name, thread in threads.items():
            thread.join(max(0.0, deadline + runners[name][1] - time.monotonic()))
            if thread.is_alive():
                self._hung.add(name)
                self.errors.error(
                    f"collector {name!r}", f"has not returned after {runners[name][1]:g}s", kind="timeout"
                )
        return [results.get(n) for n in runners]

    def _run_safely(self, runner: CollectorRunner) -> Batch | None:
        try:
            batch = runner.run()
        except Exception as e:
            self.errors.error(f"collector {runner.name!r}", "failed", e)
            return None
        self.errors.success(f"collector {runner.name!r}")
        return batch

    # -- running ------------------------------------------------------------------------

    def start(self) -> Agent:
        """Start the sinks' threads and collecting in background threads."""
        with self._lock:
            if self.started:
                return self
            for name in self._built.new_sinks:  # carried-over sinks run already
                starter = getattr(self.sinks[name], "start", None)  # optional, see Sink
                if callable(starter):
                    starter()
            self._built.new_sinks.clear()
            self._built.new_collectors.clear()
            self.jobs = [Job(r, iv, to, self.dispatch, self.errors) for r, iv, to in self.runners.values()]
            self._scheduler = Scheduler(self.jobs, self.errors, on_tick_end=self.tick_ended)
            self._scheduler.start()
            self.started = True
            self.started_at = time.time()
            self._start_status()
        self.plugins.call("sysagent_started", agent=self)
        return self

    def stats(self) -> AgentStats:
        """A typed view of the collectors and sinks, for health, /status and self-metrics."""
        return agent_stats(self)

    def take_over(self, old: Agent, timeout: float = 10.0) -> None:
        """Replace a running agent (SIGHUP reload); see :func:`sysagent.reload.take_over`."""
        from sysagent.reload import take_over

        take_over(self, old, timeout)

    def _start_status(self) -> None:
        if not self.config.agent.status.enabled or self._status is not None:
            return
        from sysagent.http import StatusServer

        try:
            self._status = StatusServer(self, live=self._live_history)
        except OSError as e:
            cfg = self.config.agent.status
            log.warning("status endpoint not started: cannot listen on %s:%d: %s", cfg.host, cfg.port, e.strerror or e)

    def dispatch(self, batch: Batch) -> None:
        """Hand a batch to every sink; one sink's failure never affects another."""
        for name, sink in self.sinks.items():
            try:
                if sink.export(batch) is not ExportResult.SUCCESS:
                    self.errors.error(f"sink {name!r}", "did not accept a batch", kind="failure")
            except Exception as e:
                self.errors.error(f"sink {name!r}", "failed", e)
        if self._status is not None:
            self._status.observe(batch)  # the live page's history; never blocks

    def tick_ended(self) -> None:
        """Every batch of a tick is dispatched: tell the sinks that have ``tick_end`` (optional, see Sink)."""
        for name, sink in list(self.sinks.items()):
            ender = getattr(sink, "tick_end", None)
            if ender is None:
                continue
            try:
                ender()
            except Exception as e:
                self.errors.error(f"sink {name!r}", "failed at the end of a tick", e)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop collecting, then flush and shut down every sink within ``timeout``."""
        with self._lock:
            if not self.started:
                self.discard()
                return
            self.started = False
        self.plugins.call("sysagent_stopping", agent=self)
        if self._status is not None:
            self._status.close()
            self._status = None
        deadline = time.monotonic() + timeout
        if self._scheduler is not None:
            self._scheduler.stop(min(5.0, timeout))
        for name, sink in self.sinks.items():
            try:
                # shutdown sends what it can within the time left (a sink that keeps a
                # durable queue leaves the rest on disk); no force_flush first, which
                # would wait out the whole timeout when the receiver is down.
                sink.shutdown(max(0.1, deadline - time.monotonic()))
            except Exception as e:
                self.errors.error(f"sink {name!r}", "failed to shut down", e)
        self.sinks = {}
        for runner, _, _ in self.runners.values():
            build.close(runner.collector)
        if self.retiring is not None:
            self.retiring.join(max(0.1, deadline - time.monotonic()))

    def discard(self) -> None:
        """Close what this agent built but never started (a rejected reload, a snapshot)."""
        build.discard(self._built)
        self._built.new_sinks.clear()
        self._built.new_collectors.clear()

    def __enter__(self) -> Agent:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def load_config(config: ConfigInput) -> config_mod.Config:
    """A validated Config from a YAML path, a dict, a Config, or None (the defaults)."""
    if isinstance(config, config_mod.Config):
        return config
    if isinstance(config, Mapping):
        return config_mod.from_dict(dict(config))
    return config_mod.load(config)
