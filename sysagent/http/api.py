"""The status endpoint's own routes: /healthz, /status, /api/v1/{health,metrics/current,metrics/history,events}.

Plugins add theirs through ``sysagent_http_routes``, and a section of /status
(and of each live update) through ``sysagent_status``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sysagent import health
from sysagent.http.live import BY_KEY, WINDOW_S, LiveHost
from sysagent.http.routes import HttpError, Request, Response, Routes, Stream, json_response
from sysagent.stats import AgentStats

if TYPE_CHECKING:
    from sysagent.agent import Agent

log = logging.getLogger("sysagent.http")
#: Seconds between SSE keep-alive comments when nothing new arrives.
KEEPALIVE_S = 15.0
#: After an update wakes a stream, wait this long for the other collectors of the same tick.
COALESCE_S = 0.15
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def duration(req: Request, name: str, default: float, low: float, high: float) -> float:
    """A query parameter as seconds (``30``, ``30s``, ``5m``); 400 with one line when it is not one."""
    raw = req.query.get(name)
    if raw is None:
        return default
    m = _DURATION.match(raw.strip())
    if m is None:
        raise HttpError(400, f"{name}: expected a duration such as 300, 90s or 15m, got {raw[:40]!r}")
    value = float(m.group(1)) * _SCALE[m.group(2)]
    if not low <= value <= high:
        raise HttpError(400, f"{name}: must be between {low:g}s and {high:g}s")
    return value


def sections(agent: Agent) -> dict[str, Any]:
    """The plugins' /status sections (``sysagent_status``), merged; a plugin that fails is named, not fatal."""
    out: dict[str, Any] = {}
    try:
        results = agent.plugins.hook.sysagent_status(agent=agent)
    except Exception as e:
        log.warning("status: a plugin's sysagent_status failed: %s", e)
        return out
    for result in results:
        if isinstance(result, Mapping):
            out.update(result)
    return out


def status_doc(stats: AgentStats, agent: Agent) -> dict[str, Any]:
    """The facts /status serves."""
    found = health.problems(stats, agent.config.agent.health)
    collectors = {
        c.name: {
            "interval_s": c.interval_s,
            "runs": c.runs,
            "errors": c.errors,
            "timeouts": c.timeouts,
            "skipped": c.skipped,
            "last_duration_ms": round(c.last_duration_s * 1000, 3),
        }
        for c in stats.collectors
    }
    sinks: dict[str, Any] = {}
    for s in stats.sinks:
        st = s.stats
        sinks[s.name] = (
            {}
            if st is None
            else {
                "points_sent": st.points_sent,
                "points_retried": st.points_retried,
                "dropped": dict(st.dropped_points),
                "queue_items": st.queue_items,
                "queue_bytes": st.queue_bytes,
                "queue_oldest_age_s": round(st.queue_oldest_age_s, 1),
                "last_error": st.last_error,
                "last_latency_ms": round(st.last_latency_s * 1000, 2),
            }
        )
    return {
        "version": stats.version,
        "healthy": not found,
        "problems": found,
        "uptime_s": round(stats.uptime_s, 1),
        "collectors": collectors,
        "sinks": sinks,
        "sections": sections(agent),
    }


class Api:
    """Handlers bound to one agent and its :class:`LiveHost`."""

    def __init__(self, agent: Agent, live: LiveHost) -> None:
        self.agent = agent
        self.live = live
        self.closed = False
        self._payload: tuple[int, bytes] = (-1, b"")

    def add_to(self, routes: Routes) -> None:
        routes.add("/healthz", self.healthz)
        routes.add("/status", self.status)
        routes.add("/api/v1/health", self.healthz)
        routes.add("/api/v1/metrics/current", self.current)
        routes.add("/api/v1/metrics/history", self.history)
        routes.add("/api/v1/events", self.events)

    def healthz(self, req: Request) -> Response:
        body = health.report(self.agent.stats(), self.agent.config.agent.health)
        return json_response(body, 200 if body["status"] == "ok" else 503)

    def status(self, req: Request) -> Response:
        return json_response(status_doc(self.agent.stats(), self.agent))

    def current(self, req: Request) -> Response:
        return json_response(self.live.current())

    def history(self, req: Request) -> Response:
        key = req.query.get("metric", "")
        if key not in BY_KEY:
            raise HttpError(400, f"metric: expected one of {', '.join(BY_KEY)}, got {key[:40]!r}")
        since = duration(req, "since", WINDOW_S, 1.0, WINDOW_S)
        step = duration(req, "step", 0.0, 0.0, WINDOW_S)
        points = self.live.history(key, time.time() - since, step)
        s = BY_KEY[key]
        return json_response({"metric": key, "title": s.title, "unit": s.unit, "step_s": step, "points": points})

    def payload(self) -> bytes:
        """One live update as an SSE event, built once per update and shared by every client."""
        seq = self.live.seq
        cached_seq, cached = self._payload
        if cached_seq == seq:
            return cached
        stats = self.agent.stats()
        data = {
            "seq": seq,
            "now": self.live.current(),
            "health": health.report(stats, self.agent.config.agent.health),
            "uptime_s": round(stats.uptime_s, 1),
            "sections": sections(self.agent),
        }
        event = b"event: update\ndata: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
        self._payload = (seq, event)
        return event

    def events(self, req: Request) -> Stream:
        return Stream(self._events())

    def _events(self) -> Iterator[bytes]:
        seen = self.live.seq
        yield b"retry: 2000\n\n" + self.payload()
        while not self.closed:
            seq = self.live.wait(seen, KEEPALIVE_S)
            if self.closed:
                return
            if seq == seen:
                yield b": keep-alive\n\n"
                continue
            time.sleep(COALESCE_S)
            seen = self.live.seq
            yield self.payload()
