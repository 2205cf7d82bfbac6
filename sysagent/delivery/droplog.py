"""Counting what a queue drops, and logging it once per episode rather than once per item."""

from __future__ import annotations

import logging
from typing import NamedTuple

log = logging.getLogger("sysagent.delivery.queue")

#: Why a queue dropped items. Other reasons come from callers of ``DurableQueue.drop``.
FULL = "queue_full"
EXPIRED = "expired"
TOO_LARGE = "too_large"
DAMAGED = "damaged"  #: a row whose payload no longer matches its CRC32

_START = {
    FULL: "queue %r reached its limit of %d bytes: dropping the oldest items until it drains",
    EXPIRED: "queue %r holds items older than its max_age of %gs: dropping them",
    TOO_LARGE: "queue %r got an item larger than its whole limit of %d bytes: dropping such items",
}


class DropCount(NamedTuple):
    items: int
    points: int


class DropLog:
    """Exact drop counters per reason, plus one warning when an episode starts and one line when it ends."""

    def __init__(self, topic: str, max_bytes: int, max_age: float) -> None:
        self._topic = topic
        self._limits = {FULL: max_bytes, EXPIRED: max_age, TOO_LARGE: max_bytes}
        self._totals: dict[str, DropCount] = {}
        self._episode: dict[str, DropCount] = {}

    def count(self, reason: str, items: int, points: int, *, episodic: bool = True) -> None:
        """Add to the counters; ``episodic`` reasons log when their episode begins."""
        if items <= 0:
            return
        total = self._totals.get(reason, DropCount(0, 0))
        self._totals[reason] = DropCount(total.items + items, total.points + points)
        if not episodic:
            return
        current = self._episode.get(reason)
        if current is None:
            fmt = _START.get(reason, "queue %r: dropping items (%s)")
            log.warning(fmt, self._topic, self._limits.get(reason, reason))
            current = DropCount(0, 0)
        self._episode[reason] = DropCount(current.items + items, current.points + points)

    @property
    def in_episode(self) -> bool:
        return bool(self._episode)

    def end_episodes(self) -> None:
        """The queue has room again: summarise each open episode in one line."""
        for reason, n in sorted(self._episode.items()):
            log.warning(
                "queue %r stopped dropping (%s): %d items, %d points were dropped in that episode",
                self._topic,
                reason,
                n.items,
                n.points,
            )
        self._episode.clear()

    def totals(self) -> dict[str, DropCount]:
        return dict(self._totals)
