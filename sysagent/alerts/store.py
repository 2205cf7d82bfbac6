"""The alert plugin's SQLite store: alert state, history, delivery attempts, mutes and the outbox.

One file under the agent's state dir. State changes, their history rows and the
notifications they cause are written in one transaction, so after a crash the
outbox and the "what was notified" bookkeeping always agree. The CLI opens the
same file from another process (WAL mode, busy timeout).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from sysagent.alerts.engine import Alert, Event
from sysagent.alerts.matchers import parse_matcher
from sysagent.alerts.mutes import Mute
from sysagent.alerts.state import AlertState

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (fingerprint TEXT PRIMARY KEY, rule TEXT NOT NULL, labels TEXT NOT NULL,
    state TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS transitions (id INTEGER PRIMARY KEY, at REAL NOT NULL, fingerprint TEXT NOT NULL,
    rule TEXT NOT NULL, labels TEXT NOT NULL, old TEXT, new TEXT, value REAL, threshold REAL, reason TEXT,
    why TEXT, muted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS transitions_at ON transitions (at);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, notification TEXT NOT NULL,
    created REAL NOT NULL, next_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_channel ON outbox (channel, id);
CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, at REAL NOT NULL, channel TEXT NOT NULL,
    notification_id TEXT NOT NULL, fingerprint TEXT, rule TEXT, status TEXT, reason TEXT, outcome TEXT NOT NULL,
    attempt INTEGER NOT NULL, code INTEGER, error TEXT);
CREATE INDEX IF NOT EXISTS deliveries_at ON deliveries (at);
CREATE TABLE IF NOT EXISTS mutes (id INTEGER PRIMARY KEY, matchers TEXT NOT NULL, starts REAL NOT NULL,
    ends REAL NOT NULL, creator TEXT NOT NULL, comment TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS channels (name TEXT PRIMARY KEY, target TEXT NOT NULL, disabled TEXT NOT NULL);
"""
CACHE_KIB = 256
WAL_LIMIT = 1 << 20


def store_path(state_dir: str) -> str:
    return os.path.join(state_dir, "alerts.sqlite")


class Store:
    """Thread-safe access to the alert database (one connection, one lock)."""

    def __init__(self, path: str) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=10.0, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        # The agent is long-running: keep SQLite's page cache small (default 2 MB) and the WAL file
        # truncated after checkpoints; history is written a few rows at a time and rarely read here.
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        self._db.executescript(SCHEMA)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- alert state and history
    def load_alerts(self) -> list[Alert]:
        rows = self.query("SELECT rule, labels, state FROM alerts")
        return [Alert(r["rule"], json.loads(r["labels"]), AlertState(**json.loads(r["state"]))) for r in rows]

    def record(self, events: Iterable[Event], outbox: Iterable[tuple[str, Event]], now: float) -> int:
        """Persist the alerts' new state, their history rows and the notifications to deliver, atomically.

        Returns how many rows were added (history and outbox), so the caller can prune in proportion.
        """
        rows = 0
        with self.tx() as db:
            for e in events:
                a = e.alert
                db.execute(
                    "INSERT OR REPLACE INTO alerts VALUES (?,?,?,?,?)",
                    (a.fingerprint, a.rule, json.dumps(a.labels), json.dumps(asdict(a.st)), now),
                )
                for t in e.history:
                    db.execute(
                        "INSERT INTO transitions (at, fingerprint, rule, labels, old, new, value, threshold,"
                        " reason, why, muted) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            t.at,
                            a.fingerprint,
                            a.rule,
                            json.dumps(a.labels),
                            t.old,
                            t.new,
                            t.value,
                            t.threshold,
                            t.reason,
                            t.why,
                            int(e.muted),
                        ),
                    )
                    rows += 1
            queued = time.time()  # the outbox runs on real time, whatever clock evaluates the rules
            for channel, e in outbox:
                assert e.notification is not None
                db.execute(
                    "INSERT INTO outbox (channel, notification, created, next_at) VALUES (?,?,?,?)",
                    (channel, e.notification.to_json(), queued, queued),
                )
                rows += 1
        return rows

    def save_states(self, alerts: Iterable[Alert], now: float) -> None:
        with self.tx() as db:
            for a in alerts:
                db.execute(
                    "INSERT OR REPLACE INTO alerts VALUES (?,?,?,?,?)",
                    (a.fingerprint, a.rule, json.dumps(a.labels), json.dumps(asdict(a.st)), now),
                )

    def prune(self, retention: float, now: float) -> None:
        """Drop history older than the retention, and mutes that ended before it."""
        with self.tx() as db:
            for table, col in (("transitions", "at"), ("deliveries", "at"), ("mutes", "ends")):
                db.execute(f"DELETE FROM {table} WHERE {col} < ?", (now - retention,))

    # -- mutes
    def add_mute(self, matchers: list[str], starts: float, ends: float, creator: str, comment: str, now: float) -> int:
        if ends <= starts:
            raise ValueError("a mute must end after it starts")
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO mutes (matchers, starts, ends, creator, comment, created) VALUES (?,?,?,?,?,?)",
                (json.dumps(matchers), starts, ends, creator, comment, now),
            )
            return int(cur.lastrowid or 0)

    def remove_mute(self, mute_id: int, now: float) -> bool:
        """End a mute now (it stays in the table as a record)."""
        with self.tx() as db:
            cur = db.execute("UPDATE mutes SET ends = ? WHERE id = ? AND ends > ?", (now, mute_id, now))
            return cur.rowcount > 0

    def mutes(self, now: float | None = None) -> list[Mute]:
        """All mutes, or those not yet ended at ``now``."""
        sql, args = (
            ("SELECT * FROM mutes ORDER BY id", ())
            if now is None
            else ("SELECT * FROM mutes WHERE ends > ? ORDER BY id", (now,))
        )
        return [
            Mute(
                r["id"],
                tuple(parse_matcher(m) for m in json.loads(r["matchers"])),
                r["starts"],
                r["ends"],
                r["creator"],
                r["comment"],
            )
            for r in self.query(sql, args)
        ]
