"""The bridge: an embedded sysagent Agent whose batches feed observable instruments on an app's MeterProvider.

Lifecycle: :meth:`Bridge.start` validates the config (a bad one raises
``ConfigError`` in the caller), then a small thread takes the host lease (see
:mod:`sysagent.otel.hostlock`), collects once so the first export has values,
and starts the agent's scheduler. :meth:`Bridge.stop` stops the agent, gives
the lease up and makes the callbacks return nothing. After ``os.fork()`` the
child starts over with a fresh agent (the parent's threads do not exist in it).
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from opentelemetry.metrics import MeterProvider

from sysagent import Agent, ConfigError
from sysagent.otel.hostlock import LOCK_NAME, HostLease
from sysagent.otel.instruments import Exclusion, Instruments
from sysagent.otel.latest import SINK_NAME, LatestSink, SinkPlugin

log = logging.getLogger("sysagent.otel")

#: How often a process without the host lease tries to take it over.
LEASE_POLL = 2.0
#: Seconds between the first collection and the scheduler's start (and its own first collection).
SETTLE = 1.0

BridgeConfig = str | os.PathLike[str] | Mapping[str, Any] | None


def bridge_config(config: BridgeConfig) -> dict[str, Any]:
    """A sysagent config for embedding: the bridge's sink, no status endpoint, no self-metrics.

    The config's own ``sinks`` (if any) still run beside the bridge's. ``agent.status``
    is off unless the config turns it on (every worker would fight for its port);
    the agent's ``sysagent.*`` self-metrics stay off unless ``collectors.sysagent``
    is configured (its queue and export figures describe sinks the app does not use),
    and the alert plugin unless the config has an ``alerts`` section.
    """
    if config is None:
        raw: dict[str, Any] = {}
    elif isinstance(config, Mapping):
        raw = copy.deepcopy(dict(config))
    else:
        try:
            loaded = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"cannot read config: {e.strerror or e}", source=str(config)) from None
        except yaml.YAMLError as e:
            raise ConfigError(f"invalid YAML: {str(e).splitlines()[0]}", source=str(config)) from None
        raw = loaded if isinstance(loaded, dict) else {}
    agent = raw.setdefault("agent", {}) or {}
    raw["agent"] = agent
    status = agent.setdefault("status", {}) or {}
    agent["status"] = status
    status.setdefault("enabled", False)
    plugins = raw.setdefault("plugins", {}) or {}
    raw["plugins"] = plugins
    off = set(plugins.get("disable", []))
    if "sysagent" not in (raw.get("collectors") or {}):
        off.add("selfmetrics")
    if raw.get("alerts") is None:
        off.add("alerts")
    plugins["disable"] = sorted(off)
    raw["sinks"] = {**(raw.get("sinks") or {}), SINK_NAME: None}
    return raw


class Bridge:
    """sysagent's collectors on one MeterProvider; see the module docstring."""

    def __init__(
        self,
        provider: MeterProvider,
        config: BridgeConfig = None,
        *,
        exclude: tuple[str, ...] = (),
        host_lock: bool = True,
    ) -> None:
        self.provider = provider
        self.raw_config = bridge_config(config)
        self.source = str(config) if isinstance(config, (str, os.PathLike)) else None
        self.host_lock = host_lock
        self.instruments = Instruments(provider, Exclusion(exclude))
        self.sink = LatestSink(self.instruments.exclusion.keep, self.instruments.on_batch)
        self.agent: Agent | None = None
        self.lease: HostLease | None = None
        self._stop = threading.Event()
        #: Set once this process holds the host lease and its first collection is in.
        self.ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def emitting(self) -> bool:
        """Whether this process collects and emits the host's metrics now."""
        return self.ready.is_set()

    def start(self) -> Bridge:
        self.agent = self._build()
        state_dir = self.agent.config.agent.state_dir
        self.lease = HostLease(Path(state_dir) / LOCK_NAME) if self.host_lock else None
        self.instruments.attach(self.sink)
        self._spawn()
        os.register_at_fork(after_in_child=self._after_fork)
        return self

    def _build(self) -> Agent:
        try:
            agent = Agent.from_config(self.raw_config, plugins=[SinkPlugin(self.sink)])
        except ConfigError as e:
            if self.source is None or e.source not in (None, "<dict>"):
                raise
            raise ConfigError(e.message, source=self.source, field=e.field) from None
        self.sink.set_intervals({name: interval for name, (_, interval, _) in agent.runners.items()})
        return agent

    def _spawn(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sysagent-otel", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """Wait for the host lease (if any), collect once, then start the agent's scheduler."""
        while not self._acquire():
            if self._stop.wait(LEASE_POLL):
                return
        with self._lock:
            agent = self.agent
            if self._stop.is_set() or agent is None:
                return
            # The agent's sinks exist only once it starts: hand the first batches to ours directly.
            for batch in agent.collect_once().batches:
                self.sink.export(batch)
        self.ready.set()
        # The scheduler collects once more as it starts: wait, so that the rates and
        # utilizations of that collection cover SETTLE seconds, not a few milliseconds.
        if self._stop.wait(SETTLE):
            return
        with self._lock:
            if not self._stop.is_set():
                agent.start()

    def _acquire(self) -> bool:
        if self.lease is None:
            return True
        try:
            return self.lease.try_acquire()
        except OSError as e:
            log.warning(
                "sysagent.otel: cannot use the host lock %s (%s); emitting host metrics anyway", self.lease.path, e
            )
            self.lease = None
            return True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop collecting, release the host lease, and make every callback return nothing."""
        self._stop.set()
        with self._lock:
            if self.agent is not None:
                self.agent.stop(timeout)
            if self.lease is not None:
                self.lease.release()
            self.instruments.detach()
            self.sink.clear()
            self.ready.clear()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _after_fork(self) -> None:
        """In a forked child: the parent's threads are gone; start over with a fresh agent."""
        if self._stop.is_set():
            return
        self._lock = threading.Lock()
        if self.lease is not None:
            self.lease.forget()
        self.sink.reset_after_fork()
        self.instruments.reset_after_fork()
        self.ready = threading.Event()
        self.agent = self._build()
        self.instruments.attach(self.sink)
        self._spawn()
