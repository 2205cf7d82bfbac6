"""``sysagent alerts ...``: rules, test, history, mute, unmute, mutes.

These read and write the same SQLite store as the running agent, so they work
whether or not it runs. ``test`` goes through the real outbox and channel code,
on a queue of its own so that a running agent does not pick its rows up.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import uuid
from datetime import datetime
from typing import Any

from sysagent.alerts.mutes import parse_matchers
from sysagent.alerts.notification import Notification
from sysagent.alerts.outbox import Outbox
from sysagent.alerts.settings import AlertsSettings
from sysagent.alerts.store import Store, store_path
from sysagent.errors import ConfigError
from sysagent.settings import parse_duration


def _when(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _load(args: argparse.Namespace) -> tuple[AlertsSettings, Any, str]:
    """The validated alerts settings, a context to build channels in, and the state dir of the config."""
    from sysagent import build
    from sysagent import config as config_mod
    from sysagent.hostfs import HostFS
    from sysagent.model import Resource
    from sysagent.plugins import BUILTIN_PLUGINS
    from sysagent.registry import PluginContext

    plan = build.plan(config_mod.load(args.config), builtins=BUILTIN_PLUGINS)
    entry = plan.sinks.get("alerts")
    if entry is None or not isinstance(entry[1], AlertsSettings):
        raise ConfigError(
            "alerting is off (alerts.enabled is false, or the alerts plugin is disabled)", source=plan.config.source
        )
    state_dir = plan.config.agent.state_dir
    ctx = PluginContext(plan.config, HostFS(plan.config.agent.host_root), Resource(), state_dir, plan.plugins.registry)
    return entry[1], ctx, state_dir


def _store(args: argparse.Namespace) -> Store:
    return Store(store_path(_load(args)[2]))


def cmd_rules(args: argparse.Namespace) -> int:
    settings, _, state_dir = _load(args)
    alerts: dict[str, list[Any]] = {}
    for row in Store(store_path(state_dir)).query("SELECT rule, labels, state FROM alerts ORDER BY rule"):
        alerts.setdefault(row["rule"], []).append(row)
    for rule in settings.effective_rules():
        levels = ", ".join(
            f"{sev} {rule.op} {lv.threshold:g} for {rule.level_for(sev):g}s" for sev, lv in rule.levels().items()
        )
        where = " ".join(str(m) for m in rule.where)
        print(f"{rule.name}  {rule.metric}{' ' + where if where else ''}  {levels}")
        for row in alerts.get(rule.name, []):
            st = json.loads(row["state"])
            labels = ",".join(f"{k}={v}" for k, v in json.loads(row["labels"]).items() if k != "alertname")
            state = f"firing:{st['severity']}" if st["state"] == "firing" else st["state"]
            value = "n/a" if st["value"] is None else f"{st['value']:.4g}"
            print(f"    {state:<17} value={value:<8} {labels}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from sysagent.alerts.plugin import build_channels

    settings, ctx, state_dir = _load(args)
    channels = build_channels(settings, ctx)
    if args.channel not in channels:
        print(f"unknown channel {args.channel!r} (configured: {', '.join(channels) or 'none'})", file=sys.stderr)
        return 2
    store = Store(store_path(state_dir))
    now = time.time()
    fp = uuid.uuid4().hex[:16]
    labels = {"alertname": "sysagent_test", "severity": "warning", "channel": args.channel}
    firing = Notification(
        uuid.uuid4().hex,
        fp,
        "sysagent_test",
        "firing",
        "warning",
        "test",
        "sent by 'sysagent alerts test'",
        labels,
        {"summary": f"Test notification from sysagent for channel {args.channel}"},
        1.0,
        0.5,
        now,
        None,
        now,
        settings.external_url,
    )
    resolved = dataclasses.replace(
        firing, id=uuid.uuid4().hex, status="resolved", reason="resolved", ends_at=now + 1, created_at=now + 1
    )
    queue = f"test:{args.channel}"
    with store.tx() as db:
        for n in (firing, resolved):
            db.execute(
                "INSERT INTO outbox (channel, notification, created, next_at) VALUES (?,?,?,?)",
                (queue, n.to_json(), now, now),
            )
    outbox = Outbox(store, {args.channel: channels[args.channel]}, prefix="test:")
    outbox.start()
    deadline = time.monotonic() + args.timeout
    while outbox.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    outbox.stop()
    ok = True
    for n in (firing, resolved):
        rows = store.query("SELECT * FROM deliveries WHERE notification_id = ? ORDER BY id", (n.id,))
        for r in rows:
            code = "" if r["code"] is None else f" {r['code']}"
            print(f"{n.status}: attempt {r['attempt']} {r['outcome']}{code} {r['error']}".rstrip())
        if not rows or rows[-1]["outcome"] != "delivered":
            ok = False
            if not rows or rows[-1]["outcome"] == "retry":
                print(f"{n.status}: not delivered within {args.timeout:g}s (left in the test queue)")
    if outbox.pending():
        with store.tx() as db:
            db.execute("DELETE FROM outbox WHERE channel = ?", (queue,))
    return 0 if ok else 1


def cmd_history(args: argparse.Namespace) -> int:
    try:
        since = time.time() - parse_duration(args.since)
    except ValueError as exc:
        print(f"sysagent alerts history: --since: {exc}", file=sys.stderr)
        return 2
    store = _store(args)
    rule_sql, rule_args = (" AND rule = ?", [args.rule]) if args.rule else ("", [])
    events: list[tuple[float, str]] = []
    for r in store.query(f"SELECT * FROM transitions WHERE at >= ?{rule_sql} ORDER BY id", [since, *rule_args]):
        labels = ",".join(f"{k}={v}" for k, v in json.loads(r["labels"]).items() if k != "alertname")
        value = "" if r["value"] is None else f" value={r['value']:.4g}"
        threshold = "" if r["threshold"] is None else f" threshold={r['threshold']:.4g}"
        why = f" ({r['why']})" if r["why"] else ""
        muted = " [muted]" if r["muted"] else ""
        events.append(
            (r["at"], f"{r['rule']} {labels} {r['old']} -> {r['new']} {r['reason']}{why}{value}{threshold}{muted}")
        )
    for r in store.query(f"SELECT * FROM deliveries WHERE at >= ?{rule_sql} ORDER BY id", [since, *rule_args]):
        code = "" if r["code"] is None else f" code={r['code']}"
        error = f" error={r['error']}" if r["error"] else ""
        events.append(
            (
                r["at"],
                f"{r['rule']} {r['status']}/{r['reason']} -> {r['channel']}: {r['outcome']}"
                f" attempt={r['attempt']}{code}{error}",
            )
        )
    for at, text in sorted(events, key=lambda e: e[0]):
        print(f"{_when(at)}  {text}")
    return 0


def cmd_mute(args: argparse.Namespace) -> int:
    try:
        matchers = parse_matchers(args.matchers)
        ends = time.time() + parse_duration(args.for_)
    except ValueError as exc:
        print(f"sysagent alerts mute: {exc}", file=sys.stderr)
        return 2
    now = time.time()
    mute_id = _store(args).add_mute([str(m) for m in matchers], now, ends, args.creator, args.comment, now)
    print(f"mute {mute_id}: {' '.join(str(m) for m in matchers)} until {_when(ends)}")
    return 0


def cmd_unmute(args: argparse.Namespace) -> int:
    if _store(args).remove_mute(args.id, time.time()):
        print(f"mute {args.id} ended")
        return 0
    print(f"no active mute {args.id}", file=sys.stderr)
    return 1


def cmd_mutes(args: argparse.Namespace) -> int:
    now = time.time()
    for m in _store(args).mutes(None if args.all else now):
        state = "active" if m.active(now) else ("ended" if m.ends <= now else "scheduled")
        print(
            f"{m.id}  {state:<9} {' '.join(str(x) for x in m.matchers)}  {_when(m.starts)} -> {_when(m.ends)}"
            f"  by {m.creator}: {m.comment}"
        )
    return 0


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sysagent alerts ...`` to the main parser."""
    alerts = subparsers.add_parser("alerts", help="alert rules, history, mutes and channel tests")
    sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")

    def action(name: str, func: Any, text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=text)
        p.add_argument("-c", "--config", default=os.environ.get("SYSAGENT_CONFIG"), help="YAML config file")
        p.set_defaults(func=func)
        return p

    action("rules", cmd_rules, "list the rules with each series' current state")
    test = action("test", cmd_test, "send a test firing and resolved notification through a channel")
    test.add_argument("--channel", required=True)
    test.add_argument("--timeout", type=float, default=30.0)
    history = action("history", cmd_history, "transitions and delivery attempts")
    history.add_argument("--since", default="24h")
    history.add_argument("--rule")
    mute = action("mute", cmd_mute, "mute alerts matching MATCHERS (e.g. alertname=disk_full)")
    mute.add_argument("matchers", nargs="+")
    mute.add_argument("--for", dest="for_", required=True, help="how long, e.g. 2h (an end is mandatory)")
    mute.add_argument("--comment", required=True)
    mute.add_argument("--creator", default=os.environ.get("USER") or "unknown")
    unmute = action("unmute", cmd_unmute, "end a mute now")
    unmute.add_argument("id", type=int)
    mutes = action("mutes", cmd_mutes, "list active and scheduled mutes")
    mutes.add_argument("--all", action="store_true", help="include ended mutes")
