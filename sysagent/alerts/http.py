"""The alert plugin's part of the status endpoint, through the public hooks any plugin has.

``/api/v1/alerts``: firing and pending alerts, active mutes, each channel's
delivery health. ``/api/v1/alerts/history?since=1h&limit=100``: recent state
changes. The same facts form the ``alerts`` section of /status and of each live
page update (``sysagent_status``). Nothing here decides whether the agent is
healthy: /healthz is about the agent, not about what it watches.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from sysagent.http import HttpError, Request, Response, Routes, json_response
from sysagent.markers import hookimpl

if TYPE_CHECKING:
    from sysagent.agent import Agent
    from sysagent.alerts.evaluator import AlertEvaluator

#: Rows of history in the /status section (the history route serves more).
RECENT = 10
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)?$")
_SCALE = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def evaluator(agent: Agent | None) -> AlertEvaluator | None:
    """The running evaluator, or None when alerting is off."""
    if agent is None:
        return None
    from sysagent.alerts.evaluator import AlertEvaluator  # loaded once alerting runs, not to validate config

    for sink in list(agent.sinks.values()):
        if isinstance(sink, AlertEvaluator):
            return sink
    return None


def _series(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items() if k != "alertname")


def _secret_free(error: str | None) -> str:
    """A delivery error without URLs (webhook URLs carry their secret in the path)."""
    return _URL.sub("<url>", error or "")[:300]


def alerts(ev: AlertEvaluator, now: float) -> dict[str, Any]:
    """Firing and pending alerts, active mutes, channels' delivery health."""
    firing: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for a in list(ev.engine.alerts.values()):
        st = a.st
        if st.state == "firing":
            since = st.started_at
        elif st.state == "pending":
            since = min(st.since.values()) if st.since else None
        else:
            continue
        row = {
            "rule": a.rule,
            "series": _series(a.labels),
            "severity": st.severity or "pending",
            "since": since,
            "value": st.value,
        }
        (firing if st.state == "firing" else pending).append(row)
    mutes = [
        {
            "id": m.id,
            "matchers": " ".join(str(x) for x in m.matchers),
            "ends": m.ends,
            "by": m.creator,
            "comment": m.comment,
        }
        for m in ev.store.mutes(now)
    ]
    depth = {r["channel"]: r["n"] for r in ev.store.query("SELECT channel, count(*) AS n FROM outbox GROUP BY channel")}
    channels = []
    for name in ev.channels:
        ok = ev.store.query("SELECT max(at) AS at FROM deliveries WHERE channel = ? AND outcome = 'delivered'", (name,))
        bad = ev.store.query(
            "SELECT at, error, outcome FROM deliveries WHERE channel = ? AND outcome != 'delivered'"
            " ORDER BY id DESC LIMIT 1",
            (name,),
        )
        channels.append(
            {
                "channel": name,
                "outbox": depth.get(name, 0),
                "last_success": ok[0]["at"] if ok else None,
                "last_error": f"{bad[0]['outcome']}: {_secret_free(bad[0]['error'])}" if bad else "",
                "last_error_at": bad[0]["at"] if bad else None,
            }
        )
    key = {"critical": 0, "warning": 1}
    firing.sort(key=lambda r: (key.get(str(r["severity"]), 2), r["rule"], r["series"]))
    return {"firing": firing, "pending": pending, "mutes": mutes, "channels": channels}


def history(ev: AlertEvaluator, since: float, limit: int) -> list[dict[str, Any]]:
    rows = ev.store.query("SELECT * FROM transitions WHERE at >= ? ORDER BY id DESC LIMIT ?", (since, limit))
    return [
        {
            "at": r["at"],
            "rule": r["rule"],
            "series": _series(json.loads(r["labels"])),
            "from": r["old"],
            "to": r["new"],
            "value": r["value"],
            "threshold": r["threshold"],
            "reason": r["reason"],
            "muted": bool(r["muted"]),
        }
        for r in rows
    ]


def _running(req: Request) -> AlertEvaluator:
    ev = evaluator(req.agent)
    if ev is None:
        raise HttpError(404, "alerting is off (alerts.enabled is false or no alert plugin runs)")
    return ev


def _since(req: Request) -> float:
    raw = req.query.get("since", "1h").strip()
    m = _DURATION.match(raw)
    if m is None:
        raise HttpError(400, f"since: expected a duration such as 90s, 15m, 6h or 7d, got {raw[:40]!r}")
    return time.time() - float(m.group(1)) * _SCALE[m.group(2)]


def _limit(req: Request) -> int:
    raw = req.query.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise HttpError(400, f"limit: expected a whole number from 1 to 1000, got {raw[:40]!r}")
    return int(raw)


def alerts_route(req: Request) -> Response:
    return json_response(alerts(_running(req), time.time()))


def history_route(req: Request) -> Response:
    ev, since, limit = _running(req), _since(req), _limit(req)
    return json_response({"history": history(ev, since, limit)})


@hookimpl
def sysagent_http_routes(routes: Routes) -> None:
    routes.add("/api/v1/alerts", alerts_route)
    routes.add("/api/v1/alerts/history", history_route)


@hookimpl
def sysagent_status(agent: Agent) -> dict[str, Any] | None:
    ev = evaluator(agent)
    if ev is None:
        return None
    now = time.time()
    section = alerts(ev, now)
    section["recent"] = history(ev, now - 86400, RECENT)
    return {"alerts": section}
