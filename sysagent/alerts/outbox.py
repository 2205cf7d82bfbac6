"""Durable per-channel delivery: one worker thread per channel reads its queue in the store.

Notifications are rows of the store's ``outbox`` table, written in the same
transaction as the alert state that caused them, so a due notification survives
a restart. Each channel has its own thread and its own queue, so a slow or
failing channel never delays another. Per queue, order is kept (a resolved never
overtakes its firing). Retry rules: 429 waits for Retry-After, 5xx and timeouts
back off with jitter until ``max_age``, other 4xx are dropped; a channel that
should stop on 404 is disabled for good (until its target changes).

Why this is not a topic of :class:`sysagent.delivery.DurableQueue`: a
notification must be written in the same SQLite transaction as the alert state
change that caused it (or a crash between the two would lose it or send it
twice), and the queue commits its own transactions on its own connection to its
own file; it drops the oldest items to stay within a byte bound, which must
never happen to a CRITICAL notification; and each row here carries per-attempt
history (``deliveries``) that the queue does not keep. Retry timing is shared:
both use :class:`sysagent.delivery.backoff.Backoff` and its Retry-After parser.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable

from sysagent.alerts.channels.base import Channel, Delivery
from sysagent.alerts.notification import Notification
from sysagent.alerts.settings import ChannelSettings
from sysagent.alerts.store import Store
from sysagent.delivery.backoff import Backoff

log = logging.getLogger(__name__)


class Worker(threading.Thread):
    """Delivers one queue through one channel."""

    def __init__(
        self,
        store: Store,
        queue: str,
        name: str,
        channel: Channel,
        settings: ChannelSettings,
        counts: Counter[tuple[str, str]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name=f"sysagent-alerts-{name}", daemon=True)
        self.store, self.queue, self.channel_name = store, queue, name
        self.channel, self.settings, self.counts, self.clock = channel, settings, counts, clock
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self._next_tick = 0.0

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                delay = self.step()
            except Exception as exc:  # the store or a channel bug: log it and carry on
                log.error("alert channel %s: %s", self.channel_name, type(exc).__name__)
                delay = 5.0
            self.idle.set() if delay > 0 else self.idle.clear()
            if delay > 0:
                self.wakeup.wait(delay)
                self.wakeup.clear()

    def disabled(self) -> str | None:
        rows = self.store.query(
            "SELECT disabled FROM channels WHERE name = ? AND target = ?", (self.channel_name, self.channel.target())
        )
        return str(rows[0]["disabled"]) if rows else None

    def step(self) -> float:
        """Deliver what is due; return how long to wait before the next step (0: at once)."""
        now = self.clock()
        tick = getattr(self.channel, "tick", None)
        tick_every = float(getattr(self.channel, "tick_interval", 0.0))
        if tick is not None and tick_every and now >= self._next_tick:
            self._next_tick = now + tick_every
            tick()
        limit = int(getattr(self.channel, "max_batch", 1))
        rows = self.store.query("SELECT * FROM outbox WHERE channel = ? ORDER BY id LIMIT ?", (self.queue, limit))
        wait = self._next_tick - now if tick is not None and tick_every else 3600.0
        if not rows:
            return max(wait, 0.01)
        if rows[0]["next_at"] > now:
            return max(min(float(rows[0]["next_at"]) - now, wait), 0.01)
        rows = [r for r in rows if r["next_at"] <= now]
        notes = [Notification.from_json(r["notification"]) for r in rows]
        reason = self.disabled()
        if reason is not None:
            self._finish(rows[:1], notes[:1], Delivery("dropped", error=f"channel disabled: {reason}"), now)
            return 0.0
        if now - rows[0]["created"] > self.settings.max_age:
            self._finish(rows[:1], notes[:1], Delivery("expired", error="older than max_age"), now)
            return 0.0
        try:
            send_batch = getattr(self.channel, "send_batch", None)
            if send_batch is not None and len(notes) > 1:
                result, used = send_batch(notes)
            else:
                result, used = self.channel.send(notes[0]), 1
        except Exception as exc:  # a channel must not kill its worker
            result, used = Delivery("retry", error=type(exc).__name__), 1
        rows, notes = rows[:used], notes[:used]
        if result.outcome == "retry":
            return self._retry(rows, notes, result, now)
        self._finish(rows, notes, result, now)
        if result.outcome == "rejected" and result.code == 404 and self.channel.disable_on_404:
            with self.store.tx() as db:
                db.execute(
                    "INSERT OR REPLACE INTO channels VALUES (?,?,?)",
                    (self.channel_name, self.channel.target(), "answered 404"),
                )
            log.warning("alert channel %s answered 404: disabled", self.channel_name)
        return 0.0

    def _retry(self, rows: list[sqlite3.Row], notes: list[Notification], result: Delivery, now: float) -> float:
        attempts = rows[0]["attempts"] + 1
        cfg = self.settings
        backoff = Backoff(cfg.backoff_initial, max(cfg.backoff_max, cfg.backoff_initial), retry_after_max=cfg.max_age)
        backoff.attempt = attempts - 1
        delay = backoff.next(result.retry_after)
        if now + delay - rows[0]["created"] > self.settings.max_age:
            self._finish(rows, notes, Delivery("expired", result.code, f"{result.error}; older than max_age"), now)
            return 0.0
        self._log(notes, result, now, attempts)
        with self.store.tx() as db:
            db.executemany(
                "UPDATE outbox SET attempts = ?, next_at = ? WHERE id = ?",
                [(attempts, now + delay, r["id"]) for r in rows],
            )
        log.warning("alert channel %s: %s, retrying in %.1fs", self.channel_name, result.error, delay)
        return min(delay, 3600.0)

    def _finish(self, rows: list[sqlite3.Row], notes: list[Notification], result: Delivery, now: float) -> None:
        self._log(notes, result, now, rows[0]["attempts"] + 1, remove=[r["id"] for r in rows])
        if result.outcome != "delivered":
            log.warning(
                "alert channel %s: notification %s %s (%s)",
                self.channel_name,
                notes[0].rule,
                result.outcome,
                result.error,
            )

    def _log(
        self, notes: list[Notification], result: Delivery, now: float, attempt: int, remove: list[int] | None = None
    ) -> None:
        with self.store.tx() as db:
            db.executemany(
                "INSERT INTO deliveries (at, channel, notification_id, fingerprint, rule, status, reason, outcome,"
                " attempt, code, error) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        now,
                        self.channel_name,
                        n.id,
                        n.fingerprint,
                        n.rule,
                        n.status,
                        n.reason,
                        result.outcome,
                        attempt,
                        result.code,
                        result.error,
                    )
                    for n in notes
                ],
            )
            if remove:
                db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in remove])
        for _ in notes:
            self.counts[(self.channel_name, result.outcome)] += 1


class Outbox:
    """The workers of all channels. ``prefix`` separates queues (the CLI's test uses its own)."""

    def __init__(
        self,
        store: Store,
        channels: dict[str, tuple[Channel, ChannelSettings]],
        clock: Callable[[], float] = time.time,
        prefix: str = "",
    ) -> None:
        self.store = store
        self.prefix = prefix
        self.counts: Counter[tuple[str, str]] = Counter()
        self.workers = {
            name: Worker(store, prefix + name, name, ch, st, self.counts, clock) for name, (ch, st) in channels.items()
        }

    def start(self) -> None:
        for w in self.workers.values():
            w.start()

    def wake(self) -> None:
        for w in self.workers.values():
            w.idle.clear()
            w.wakeup.set()

    def pending(self, due_before: float | None = None) -> int:
        """Notifications still queued (optionally only those due before a time)."""
        names = [self.prefix + n for n in self.workers]
        marks = ",".join("?" * len(names)) or "''"
        sql = f"SELECT COUNT(*) AS n FROM outbox WHERE channel IN ({marks})"
        args: list[object] = list(names)
        if due_before is not None:
            sql += " AND next_at <= ?"
            args.append(due_before)
        return int(self.store.query(sql, args)[0]["n"])

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until nothing that is due now is left; False on timeout."""
        deadline = time.monotonic() + timeout
        now = time.time()
        self.wake()
        while self.pending(due_before=now):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        for w in self.workers.values():
            w.stopping.set()
            w.wakeup.set()
        for w in self.workers.values():
            if w.is_alive():
                w.join(max(0.0, deadline - time.monotonic()))
