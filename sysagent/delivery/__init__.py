"""Durable delivery: an on-disk queue between collection and export, and the thread that drains it.

Every payload bound for a receiver is committed to the queue before the first
send attempt and removed only once the receiver acknowledged it (or refused it
for good, which is counted). Payloads are opaque bytes, separated by ``topic``.
"""

from __future__ import annotations

from sysagent.delivery.backoff import Backoff
from sysagent.delivery.counters import PARTIAL, REJECTED, SenderStats
from sysagent.delivery.droplog import EXPIRED, FULL, TOO_LARGE, DropCount
from sysagent.delivery.queue import DurableQueue, QueueItem, QueueStats
from sysagent.delivery.sender import Sender

__all__ = [
    "EXPIRED",
    "FULL",
    "PARTIAL",
    "REJECTED",
    "TOO_LARGE",
    "Backoff",
    "DropCount",
    "DurableQueue",
    "QueueItem",
    "QueueStats",
    "Sender",
    "SenderStats",
]
