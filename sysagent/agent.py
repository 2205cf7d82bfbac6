"""The agent: plugins loaded, config resolved, collectors scheduled, batches fanned out to sinks."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from sysagent import config as config_mod
from sysagent import health
from sysagent import plugins as plugins_mod
from sysagent.errorlog import ErrorLog
from sysagent.errors import ConfigError
from sysagent.hostfs import HostFS
from sysagent.model import AttrValue, Batch, ExportResult, Resource, Scope, Snapshot
from sysagent.registry import Entry, PluginContext
from sysagent.runner import CollectorRunner
from sysagent.scheduler import Job, Scheduler
from sysagent.stats import AgentStats, agent_stats

log = logging.getLogger("sysagent")

ConfigInput = str | os.PathLike[str] | Mapping[str, Any] | config_mod.Config | None


class Agent:
    """A configured agent. Create it with :meth:`from_config`.

    ``collect_once()`` collects synchronously; ``start()``/``stop()`` run it in
    background threads; ``with Agent.from_config(...) as agent:`` does both.
    """

    def __init__(
        self,
        config: config_mod.Config,
        *,
        builtins: tuple[str, ...] = plugins_mod.BUILTIN_PLUGINS,
        plugins: Sequence[object] = (),
    ) -> None:
        self.config = config
        self.errors = ErrorLog(log)
        self.plugins = plugins_mod.load(config.plugins, source=config.source, builtins=builtins, objects=plugins)
        self.registry = self.plugins.registry
        self.host = HostFS(config.agent.host_root)
        self.collector_settings = self._resolve_collectors()
        self.sink_settings = self._resolve_sinks()
        self.alert_settings = self._resolve_alerts()
        self.plugins.hook.sysagent_configured.call_historic(kwargs={"config": config})
        self.resource = self._build_resource()
        self.context = PluginContext(config, self.host, self.resource, config.agent.state_dir, self.registry)
        self.context.services["agent"] = self
        self.context.services["health"] = lambda: health.check(self)
        self.runners = self._build_runners()
        self.sinks: dict[str, Any] = {}
        self.jobs: list[Job] = []
        self._scheduler: Scheduler | None = None
        self._lock = threading.Lock()
        self._hung: set[str] = set()
        self._status: Any = None
        self.started = False
        self.started_at = 0.0

    # -- construction -----------------------------------------------------------------

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
        if isinstance(config, config_mod.Config):
            cfg = config
        elif isinstance(config, Mapping):
            cfg = config_mod.from_dict(dict(config))
        else:
            cfg = config_mod.load(config)
        return cls(cfg, builtins=builtins, plugins=plugins)

    def _resolve_collectors(self) -> dict[str, tuple[Entry, Any]]:
        available = self.registry.collectors()
        for name in self.config.collectors:
            if name not in available:
                hint = config_mod.suggest(name, list(available))
                raise ConfigError(
                    f"unknown collector {name!r}{hint}", source=self.config.source, field=f"collectors.{name}"
                )
        return {
            name: (entry, self._validate(entry, self.config.collectors.get(name), f"collectors.{name}"))
            for name, entry in available.items()
        }

    def _resolve_sinks(self) -> dict[str, tuple[Entry, Any]]:
        available = self.registry.sinks()
        wanted = self.config.sinks
        if wanted is None:
            wanted = {n: None for n, e in available.items() if e.default_enabled}
        for name in wanted:
            if name not in available:
                hint = config_mod.suggest(name, list(available))
                raise ConfigError(f"unknown sink {name!r}{hint}", source=self.config.source, field=f"sinks.{name}")
        return {
            name: (available[name], self._validate(available[name], raw, f"sinks.{name}"))
            for name, raw in wanted.items()
        }

    def _resolve_alerts(self) -> dict[str, tuple[Entry, Any]]:
        evaluators = self.registry.entries["evaluator"]
        raw = self.config.alerts
        if raw is not None and not evaluators:
            raise ConfigError("no alert plugin is loaded", source=self.config.source, field="alerts")
        return {name: (e, self._validate(e, raw, "alerts")) for name, e in evaluators.items()}

    def _validate(self, entry: Entry, raw: Mapping[str, Any] | None, prefix: str) -> Any:
        return config_mod.validate_section(entry.settings, raw, source=self.config.source, prefix=prefix)

    def _build_resource(self) -> Resource:
        from sysagent import resource as resource_mod

        attrs: dict[str, AttrValue] = resource_mod.detect(self.host, {})
        for extra in self.plugins.hook.sysagent_resource(config=self.config):
            if extra:
                attrs.update(extra)
        attrs.update(self.config.agent.resource)
        facts = self._static_facts(Resource(tuple(sorted(attrs.items()))))
        attrs.update(facts)
        return Resource(tuple(sorted(attrs.items())))

    def _make(self, entry: Entry, settings: Any, ctx: PluginContext, field: str) -> Any:
        try:
            return entry.factory(settings, ctx)
        except (ValueError, OSError) as e:
            raise ConfigError(str(e), source=self.config.source, field=field) from None

    def _static_facts(self, resource: Resource) -> dict[str, AttrValue]:
        """Run the once-at-start collectors; their values become resource attributes."""
        ctx = PluginContext(self.config, self.host, resource, self.config.agent.state_dir, self.registry)
        facts: dict[str, AttrValue] = {}
        for name, (entry, settings) in self.collector_settings.items():
            if self._interval(entry, settings) != 0:
                continue
            try:
                for obs in self._make(entry, settings, ctx, f"collectors.{name}").collect():
                    facts[obs.name] = obs.value
            except ConfigError:
                raise
            except Exception as e:
                self.errors.error(f"collector {name!r}", "failed", e)
        return facts

    def _interval(self, entry: Entry, settings: Any) -> float:
        interval = getattr(settings, "interval", None)
        return float(entry.interval if interval is None else interval)

    def _timeout(self, entry: Entry, settings: Any, interval: float) -> float:
        timeout = getattr(settings, "timeout", None) or entry.timeout or self.config.agent.collection_timeout
        return float(timeout or interval)

    def _build_runners(self) -> dict[str, tuple[CollectorRunner, float, float]]:
        runners: dict[str, tuple[CollectorRunner, float, float]] = {}
        for name, (entry, settings) in self.collector_settings.items():
            interval = self._interval(entry, settings)
            if interval == 0:
                continue
            collector = self._make(entry, settings, self.context, f"collectors.{name}")
            runners[name] = (
                self._runner(name, entry.plugin, collector),
                interval,
                self._timeout(entry, settings, interval),
            )
        return runners

    def _runner(self, name: str, plugin: str, collector: Any) -> CollectorRunner:
        """Each plugin is its own instrumentation scope: its module and version."""
        info = self.plugins.info(plugin)
        return CollectorRunner(name, collector, Scope(info.module, info.version), self.resource)

    # -- running ----------------------------------------------------------------------

    def collect_once(self, *, prime: float = 0.25) -> Snapshot:
        """Collect every periodic collector once, now, and return what they produced.

        Each collector runs in its own thread with its timeout, so one that hangs
        is reported and left out instead of blocking the snapshot. Collectors
        whose metrics derive from deltas (CPU utilization, rates) are primed
        ``prime`` seconds earlier on their first use, so the snapshot has them.
        """
        runners = {n: (r, t) for n, (r, _, t) in self.runners.items() if n not in self._hung}
        fresh = {n: v for n, v in runners.items() if v[0].derivations and v[0].previous_time_ns == 0}
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

    def start(self) -> Agent:
        """Create the sinks and start collecting in background threads."""
        with self._lock:
            if self.started:
                return self
            for name, (entry, settings) in self.sink_settings.items():
                if name not in self.sinks:
                    self.sinks[name] = self._make(entry, settings, self.context, f"sinks.{name}")
            for name, (entry, settings) in self.alert_settings.items():
                if f"alerts:{name}" in self.sinks:
                    continue
                evaluator = self._make(entry, settings, self.context, "alerts")
                if evaluator is None:
                    continue
                self.sinks[f"alerts:{name}"] = evaluator
                extra = getattr(evaluator, "collector", None)
                if extra is not None:
                    self.runners[f"alerts.{name}"] = (self._runner("alerts", entry.plugin, extra), 5.0, 5.0)
            self.jobs = [Job(r, iv, to, self.dispatch, self.errors) for r, iv, to in self.runners.values()]
            self._scheduler = Scheduler(self.jobs, self.errors)
            self._scheduler.start()
            self.started = True
            self.started_at = time.time()
            self._start_status()
        self.plugins.hook.sysagent_started(agent=self)
        return self

    def stats(self) -> AgentStats:
        """A typed view of the collectors and sinks, for health, /status and self-metrics."""
        return agent_stats(self)

    def take_over(self, old: Agent, timeout: float = 10.0) -> None:
        """Replace a running agent (SIGHUP reload) without losing state.

        Call it on a new, not yet started agent; then ``start()`` it. Collectors
        and sinks whose settings did not change are carried over as they are:
        their counters keep their start times and their queues are never closed.
        The others are shut down (a sink's durable queue persists on disk and
        the new sink reopens it). ``old`` is stopped.
        """
        if old._scheduler is not None:
            old._scheduler.stop(min(5.0, timeout))
        for name, (runner, interval, to) in list(self.runners.items()):
            before = old.runners.get(name)
            if before is not None and _same(old.collector_settings.get(name), self.collector_settings.get(name)):
                _close(runner.collector)
                before[0].resource = self.resource
                self.runners[name] = (before[0], interval, to)
        kept = {id(r) for r, _, _ in self.runners.values()}
        for runner, _, _ in old.runners.values():
            if id(runner) not in kept:
                _close(runner.collector)
        for name, sink in old.sinks.items():
            kind, _, key = name.partition(":")
            before_s, after_s = (
                (old.alert_settings.get(key), self.alert_settings.get(key))
                if kind == "alerts" and key
                else (old.sink_settings.get(name), self.sink_settings.get(name))
            )
            if _same(before_s, after_s):
                self.sinks[name] = sink
                continue
            try:
                sink.force_flush(timeout)
                sink.shutdown(timeout)
            except Exception as e:
                self.errors.error(f"sink {name!r}", "failed to shut down", e)
        if old._status is not None:
            old._status.close()
            old._status = None
        old.sinks = {}
        old.runners = {}
        old.started = False

    def _start_status(self) -> None:
        if not self.config.agent.status.enabled or self._status is not None:
            return
        from sysagent.http import StatusServer

        try:
            self._status = StatusServer(self)
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

    def stop(self, timeout: float = 10.0) -> None:
        """Stop collecting, then flush and shut down every sink within ``timeout``."""
        with self._lock:
            if not self.started:
                return
            self.started = False
        self.plugins.hook.sysagent_stopping(agent=self)
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
            _close(runner.collector)

    def __enter__(self) -> Agent:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _same(a: tuple[Entry, Any] | None, b: tuple[Entry, Any] | None) -> bool:
    """Same plugin entry and equal settings (pydantic models compare by value)."""
    return a is not None and b is not None and a[0].factory is b[0].factory and a[1] == b[1]


def _close(collector: Any) -> None:
    close = getattr(collector, "close", None)
    if callable(close):
        close()
