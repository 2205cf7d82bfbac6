"""Crash safety: a SIGKILLed writer loses nothing it was told was queued; damaged files are set aside and salvaged."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sysagent.delivery import DurableQueue

WRITER = r"""
import sys, threading, time
from sysagent.delivery import DurableQueue, Sender
from sysagent.otlp.transport import SendOutcome

lock = threading.Lock()

def say(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

class PrintingTransport:
    # Says what it accepted before the queue removes it: an item may be sent twice, never lost.
    def send(self, payload, timeout):
        say("sent " + payload.decode())
        return SendOutcome(True, False, None, 0, "")
    def close(self):
        pass

q = DurableQueue(
    sys.argv[1], max_bytes=10**9, max_age=86400, lazy_ack=sys.argv[3] == "lazy", fsync=sys.argv[4]
)
sender = Sender(q, PrintingTransport(), name="crash", combine=True)
if sys.argv[2] == "send":
    sender.start()
i = 0
while True:
    q.put(b"p%07d;" % i, points=1, created_ns=time.time_ns())
    say("queued %d" % i)
    if i % 7 == 0:
        sender.wake()
    i += 1
"""


def run_and_kill(
    path: Path, mode: str, env: dict[str, str], after: int, ack: str = "eager", fsync: str = "always"
) -> tuple[set[int], set[int]]:
    """Run the writer until it confirmed ``after`` puts, SIGKILL it; return (confirmed puts, items sent)."""
    argv = [sys.executable, "-c", WRITER, str(path), mode, ack, fsync]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, text=True)
    assert proc.stdout is not None
    queued: set[int] = set()
    sent: set[int] = set()

    def take(line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "queued":
            queued.add(int(rest))
        elif word == "sent":
            sent.update(int(p[1:]) for p in rest.strip().split(";") if p)

    for line in proc.stdout:
        take(line)
        # with a sender, also once it sent something: puts without an fsync outrun its first send
        if len(queued) >= after and (mode != "send" or sent):
            os.kill(proc.pid, signal.SIGKILL)
            break
    for line in proc.stdout:  # lines already in the pipe when it died
        take(line)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    return queued, sent


def queued_numbers(path: Path) -> list[int]:
    q = DurableQueue(str(path), max_bytes=10**9, max_age=86400)
    numbers = [int(item.payload[1:-1]) for item in q.peek(10**9, 10**12)]
    q.close()
    return numbers


# When commits are fsynced (sinks.otlp.queue.fsync) matters after a power cut, not after SIGKILL:
# a killed process loses nothing under any of them.
FSYNC = pytest.mark.parametrize("fsync", ["always", "backlog", "never"])


@FSYNC
def test_sigkilled_writer_loses_no_confirmed_put(tmp_path: Path, subprocess_env: dict[str, str], fsync: str) -> None:
    path = tmp_path / "q.db"
    confirmed, _ = run_and_kill(path, "hold", subprocess_env, after=300, fsync=fsync)
    numbers = queued_numbers(path)
    assert numbers == list(range(len(numbers)))  # in order, no gaps, nothing half-written
    assert confirmed <= set(numbers)
    assert len(numbers) <= max(confirmed) + 2  # at most the one put that committed but was not yet reported


@FSYNC
@pytest.mark.parametrize("ack", ["eager", "lazy"])
def test_sigkilled_writer_and_sender_lose_nothing(
    tmp_path: Path, subprocess_env: dict[str, str], ack: str, fsync: str
) -> None:
    path = tmp_path / "q.db"
    confirmed, sent = run_and_kill(path, "send", subprocess_env, after=400, ack=ack, fsync=fsync)
    remaining = set(queued_numbers(path))
    assert sent, "the sender never sent anything: the test proves nothing"
    assert confirmed <= sent | remaining
    assert sorted(remaining) == list(range(min(remaining, default=0), max(remaining, default=-1) + 1))


# -- damaged files ---------------------------------------------------------------------------


def build(path: Path, n: int = 200, size: int = 1000) -> list[bytes]:
    q = DurableQueue(str(path), max_bytes=10**9, max_age=86400)
    payloads = [f"item-{i:05d}:".encode().ljust(size, bytes([65 + i % 26])) for i in range(n)]
    for p in payloads:
        q.put(p, points=1, created_ns=time.time_ns())
    q.close()  # checkpoints the WAL into the main file
    return payloads


def reopen(path: Path) -> tuple[DurableQueue, list[bytes], Path]:
    q = DurableQueue(str(path), max_bytes=10**9, max_age=86400)
    items = q.peek(10**9, 10**12)
    q.release()
    asides = sorted(path.parent.glob(path.name + ".damaged-*"))
    assert len([a for a in asides if not a.name.endswith(("-wal", "-shm"))]) == 1
    return q, [i.payload for i in items], asides[0]


def test_a_file_that_is_not_a_database_is_set_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q.db"
    path.write_bytes(b"definitely not SQLite\n" * 200)
    q, items, aside = reopen(path)
    assert items == []
    assert aside.read_bytes() == b"definitely not SQLite\n" * 200
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(path) in record.getMessage() and str(aside) in record.getMessage()
    q.put(b"fresh", points=1, created_ns=time.time_ns())
    assert q.stats().items == 1
    q.close()


def test_a_truncated_file_is_set_aside_and_its_readable_rows_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "q.db"
    payloads = build(path)
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size * 6 // 10)
    q, items, _ = reopen(path)
    assert 50 <= len(items) < len(payloads)
    assert items == payloads[: len(items)]  # an intact prefix, in order
    assert f"{len(items)} readable items" in caplog.text
    q.close()


def test_a_damaged_page_in_the_middle_loses_only_that_page(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    payloads = build(path)
    page = 4096
    pages = path.stat().st_size // page
    with open(path, "r+b") as f:
        f.seek(page * (pages // 2))
        f.write(os.urandom(page))
    q, items, _ = reopen(path)
    assert items[0] == payloads[0] and items[-1] == payloads[-1]  # both ends survive
    assert len(payloads) - 10 <= len(items) < len(payloads)
    assert all(p in payloads for p in items)
    assert items == sorted(items, key=payloads.index)
    q.close()


def test_a_file_that_cannot_be_opened_is_an_os_error_and_is_left_alone(tmp_path: Path) -> None:
    blocker = tmp_path / "q.db"
    blocker.mkdir()  # a directory where the file should be: SQLite cannot open it, but it is not damage
    with pytest.raises(OSError, match="cannot open the queue file"):
        DurableQueue(str(blocker), max_bytes=10**6, max_age=60)
    assert blocker.is_dir() and not list(tmp_path.glob("*.damaged-*"))
