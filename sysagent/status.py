"""``sysagent status``: ask the running agent's status endpoint and print the answer for a person.

The endpoint itself (127.0.0.1:9465 by default, ``agent.status``) lives in
:mod:`sysagent.http`. Plugins' sections of /status (``sysagent_status``) are
printed after the agent's own facts: scalars as ``key: value``, lists of
mappings as one line per row.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

TOKEN_ENV = "SYSAGENT_STATUS_TOKEN"
#: Keys whose numbers are wall-clock times (printed as local time).
TIME_KEYS = frozenset({"since", "at", "ends", "last_success", "last_error_at"})


def add_cli(sub: Any) -> None:
    p = sub.add_parser("status", help="ask the running agent how it is doing")
    p.add_argument("--address", default="127.0.0.1:9465", help="the agent's status endpoint (agent.status)")
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.add_argument("--token-file", help=f"file holding the endpoint's bearer token (or set {TOKEN_ENV})")
    p.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"http://{args.address}/status")
    token = _token(args)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            data = json.load(r)
    except urllib.error.HTTPError as e:
        print(f"sysagent: error: the agent at {args.address} answered {e.code} {e.reason}")
        return 1
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
    for name, section in data.get("sections", {}).items():
        _print_section(name, section)
    return 0 if data["healthy"] else 3


def _print_section(name: str, section: object) -> None:
    print(f"{name}:")
    if not isinstance(section, dict):
        print(f"  {section}")
        return
    for key, value in section.items():
        if isinstance(value, list):
            print(f"  {key}: {len(value) if value else 'none'}")
            for row in value:
                print("    " + (_row(row) if isinstance(row, dict) else str(row)))
        elif isinstance(value, dict):
            print(f"  {key}: {_row(value)}")
        else:
            print(f"  {key}: {value}")


def _row(row: dict[str, Any]) -> str:
    return "  ".join(f"{k}={_cell(v, k)}" for k, v in row.items() if v not in (None, "", [], {}))


def _cell(v: object, key: str = "") -> str:
    if key in TIME_KEYS and isinstance(v, int | float):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v))
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ",".join(f"{k}={x}" for k, x in v.items())
    return str(v)


def _token(args: argparse.Namespace) -> str:
    if args.token_file:
        try:
            with open(args.token_file, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            print(f"sysagent: error: cannot read --token-file {args.token_file}: {e.strerror or e}")
            raise SystemExit(2) from None
    return os.environ.get(TOKEN_ENV, "").strip()
