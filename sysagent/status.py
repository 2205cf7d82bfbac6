"""The running agent's local endpoint (/status, /healthz) and ``sysagent status``.

The endpoint listens on 127.0.0.1:9465 by default (``agent.status``). /status
returns JSON with what the agent's own ``sysagent.*`` metrics carry; ``sysagent
status`` fetches it and prints it for a person.
"""

from __future__ import annotations

import argparse
import json
import logging
import socketserver
import threading
import time
from typing import TYPE_CHECKING, Any

from sysagent import health
from sysagent._version import __version__

if TYPE_CHECKING:
    from sysagent.agent import Agent

log = logging.getLogger("sysagent.status")


def snapshot(agent: Agent) -> dict[str, Any]:
    """The facts /status serves."""
    ok, _ = health.check(agent)
    collectors = {
        j.name: {
            "interval_s": j.interval,
            "runs": j.stats.runs,
            "errors": j.stats.errors,
            "timeouts": j.stats.timeouts,
            "skipped": j.stats.skipped,
            "last_duration_ms": round(j.stats.last_duration_s * 1000, 3),
        }
        for j in agent.jobs
    }
    sinks: dict[str, Any] = {}
    for name, sink in list(agent.sinks.items()):
        st = health._stats(sink)
        sinks[name] = (
            {}
            if st is None
            else {
                "points_sent": st.points_sent,
                "points_retried": st.points_retried,
                "dropped": st.dropped_points,
                "queue_items": st.queue_items,
                "queue_bytes": st.queue_bytes,
                "queue_oldest_age_s": round(st.queue_oldest_age_s, 1),
                "last_error": st.last_error,
                "last_latency_ms": round(st.last_latency_s * 1000, 2),
            }
        )
    return {
        "version": __version__,
        "healthy": ok,
        "problems": health.problems(agent),
        "uptime_s": round(time.time() - agent.started_at, 1) if agent.started_at else 0,
        "collectors": collectors,
        "sinks": sinks,
    }


class StatusServer:
    """A tiny GET-only HTTP server on loopback; it never stops the agent from starting.

    Built on socketserver rather than http.server, which would load http.client,
    ssl and the email package (about 6 MB) for two JSON endpoints.
    """

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        cfg = agent.config.agent.status
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 5

            def handle(self) -> None:
                try:
                    request = self.rfile.readline(8192).decode("latin-1").split()
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass
                except OSError:
                    return
                path = request[1] if len(request) >= 2 else ""
                code, body = outer.answer(request[0] if request else "", path)
                data = body.encode()
                head = (
                    f"HTTP/1.1 {code} {_REASONS.get(code, 'Error')}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
                )
                self.wfile.write(head.encode() + data)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server((cfg.host, cfg.port), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="sysagent-status", daemon=True)
        self._thread.start()

    def answer(self, method: str, path: str) -> tuple[int, str]:
        """(status code, JSON body) for a request."""
        if method != "GET":
            return 405, '{"error": "only GET"}'
        if path == "/healthz":
            ok, body = health.check(self.agent)
            return (200 if ok else 503), body
        if path == "/status":
            return 200, json.dumps(snapshot(self.agent))
        return 404, '{"error": "not found"}'

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


def add_cli(sub: Any) -> None:
    p = sub.add_parser("status", help="ask the running agent how it is doing")
    p.add_argument("--address", default="127.0.0.1:9465", help="the agent's status endpoint (agent.status)")
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    import urllib.error
    import urllib.request

    url = f"http://{args.address}/status"
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            data = json.load(r)
    except (urllib.error.URLError, OSError) as e:
        print(f"sysagent: error: no agent answers at {args.address}: {getattr(e, 'reason', e)}")
        return 1
    if args.json:
        print(json.dumps(data, indent=2))
        return 0 if data["healthy"] else 3
    print(f"sysagent {data['version']}, up {data['uptime_s']:.0f}s: {'healthy' if data['healthy'] else 'UNHEALTHY'}")
    for problem in data["problems"]:
        print(f"  ! {problem}")
    print("collectors:")
    for name, c in data["collectors"].items():
        print(
            f"  {name:<12} every {c['interval_s']:g}s  runs {c['runs']}  errors {c['errors']}  "
            f"timeouts {c['timeouts']}  last {c['last_duration_ms']} ms"
        )
    print("sinks:")
    for name, s in data["sinks"].items():
        if not s:
            print(f"  {name}")
            continue
        dropped = sum(s["dropped"].values())
        print(
            f"  {name:<12} sent {s['points_sent']} points, retried {s['points_retried']}, dropped {dropped}"
            f"{' ' + json.dumps(s['dropped']) if dropped else ''}; queue {s['queue_items']} batches, "
            f"{s['queue_bytes']} bytes, oldest {s['queue_oldest_age_s']}s"
            f"{'; last error: ' + s['last_error'] if s['last_error'] else ''}"
        )
    return 0 if data["healthy"] else 3
