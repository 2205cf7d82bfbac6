"""The SQLite store: retention of history, mutes that persist and end."""

from __future__ import annotations

from pathlib import Path

import pytest

from sysagent.alerts.store import Store


def test_retention_prunes_old_history_and_ended_mutes(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "a.sqlite"))
    with store.tx() as db:
        for at in (1000.0, 5000.0):
            db.execute("INSERT INTO transitions (at, fingerprint, rule, labels) VALUES (?, 'f', 'r', '{}')", (at,))
            db.execute(
                "INSERT INTO deliveries (at, channel, notification_id, outcome, attempt)"
                " VALUES (?, 'c', 'n', 'delivered', 1)",
                (at,),
            )
    store.add_mute(["alertname=a"], 0.0, 1500.0, "me", "old", 0.0)
    store.add_mute(["alertname=b"], 0.0, 9000.0, "me", "current", 0.0)
    store.prune(retention=2000.0, now=6000.0)
    assert [r["at"] for r in store.query("SELECT at FROM transitions")] == [5000.0]
    assert [r["at"] for r in store.query("SELECT at FROM deliveries")] == [5000.0]
    assert [m.comment for m in store.mutes()] == ["current"]


def test_mutes_persist_across_connections_and_need_an_end(tmp_path: Path) -> None:
    path = str(tmp_path / "a.sqlite")
    mute_id = Store(path).add_mute(["alertname=disk_full", "mountpoint=~/var.*"], 100.0, 200.0, "ann", "resize", 100.0)
    other = Store(path)
    (m,) = other.mutes(150.0)
    assert (m.id, m.creator, m.comment, [str(x) for x in m.matchers]) == (
        mute_id,
        "ann",
        "resize",
        ["alertname=disk_full", "mountpoint=~/var.*"],
    )
    assert m.covers({"alertname": "disk_full", "mountpoint": "/var/lib"}, 150.0)
    assert not m.covers({"alertname": "disk_full", "mountpoint": "/home"}, 150.0)
    assert other.remove_mute(mute_id, 160.0) and other.mutes(170.0) == []
    with pytest.raises(ValueError, match="must end after it starts"):
        other.add_mute(["alertname=x"], 100.0, 100.0, "ann", "no end", 100.0)
