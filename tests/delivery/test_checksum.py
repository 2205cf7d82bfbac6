"""Rows carry a CRC32: a payload damaged on disk is never sent, and is counted."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sysagent.delivery import DurableQueue


def test_damaged_payload_is_dropped_and_counted(tmp_path: Path) -> None:
    path = str(tmp_path / "q.sqlite")
    q = DurableQueue(path, max_bytes=1 << 20, max_age=3600)
    now = time.time_ns()
    for i in range(3):
        q.put(bytes([i]) * 100, points=10 + i, created_ns=now)
    q.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE items SET payload = ? WHERE id = 2", (b"\xff" * 100,))
    conn.commit()
    conn.close()
    q = DurableQueue(path, max_bytes=1 << 20, max_age=3600)
    items = q.peek(10, 1 << 20)
    assert [i.payload[:1] for i in items] == [b"\x00", b"\x02"]
    stats = q.stats()
    assert stats.items == 2
    assert stats.dropped["damaged"].items == 1 and stats.dropped["damaged"].points == 11
    q.close()
