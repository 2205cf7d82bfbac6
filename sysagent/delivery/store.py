"""Opening the queue's SQLite file: pragmas, schema, and what happens when the file is damaged.

Why SQLite: it is in the standard library, a committed transaction survives a
crash of the process (SIGKILL) and, with the settings below, of the machine, and
one file can hold several topics (OTLP batches, alert notifications).

Why WAL mode with ``synchronous=FULL``: in WAL mode a commit appends to the
write-ahead log, so a reader (the sender) never blocks a writer (a collector) and
a torn write cannot corrupt rows that were already committed. ``NORMAL`` would
already survive a process crash, but a power cut or kernel panic could lose the
last commits before the next checkpoint; ``FULL`` fsyncs the log on every commit.
A put happens once per collection, seconds apart, and costs about 0.3 ms with the
fsync on this project's VM (0.14 ms with ``NORMAL``), so the stronger guarantee
is cheap here. The Collector's own file queue lost backlogs with fsync off
(FACTS section 3): that is the failure this choice avoids. The queue can also
switch between the two per commit (``Fsync`` in :mod:`sysagent.delivery.queue`):
the OTLP sink's default fsyncs a put only when the payload has to wait, since one
sent and acknowledged a millisecond later never needed it. Every choice is
SIGKILLed in tests/delivery/test_crash.py.

A damaged file (not a database, truncated, pages overwritten) must not stop the
agent: it is renamed aside with a timestamp suffix, a new file is created, and
every row that can still be read from the damaged copy is carried over.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import struct
import time
import zlib
from typing import Literal

log = logging.getLogger(__name__)

Synchronous = Literal["FULL", "NORMAL"]

#: AUTOINCREMENT keeps ids unique for the file's lifetime, so an id the sender
#: holds can never name a newer row after the queue was emptied.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    points INTEGER NOT NULL,
    size INTEGER NOT NULL,
    payload BLOB NOT NULL,
    crc INTEGER
);
CREATE INDEX IF NOT EXISTS items_topic ON items (topic);
CREATE INDEX IF NOT EXISTS items_age ON items (topic, created_ns);
"""
_COLUMNS = "id, topic, created_ns, points, size, payload, crc"
#: SQLite's page cache per connection, in KiB (its default is 2,000). The queue is
#: written at the end and read from the front, once each: a bigger cache holds
#: pages that are not read again, and with a backlog it stayed full (+6 MB RSS).
CACHE_KIB = 256
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class DamagedStore(sqlite3.DatabaseError):
    """The file is not a usable queue database (corrupt, truncated, or not SQLite)."""


def open_store(path: str, *, synchronous: Synchronous = "FULL") -> sqlite3.Connection:
    """Open (creating if needed) the queue file; set a damaged file aside and salvage it.

    Raises OSError when the file cannot be opened for another reason (permissions, a lock).
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    try:
        return _open_checked(path, synchronous)
    except sqlite3.DatabaseError as exc:
        if not _is_damage(exc):  # locked, read-only, no space...: the file may be fine, so leave it alone
            raise OSError(f"cannot open the queue file {path}: {exc}") from exc
        reason = " ".join(str(exc).split())  # quick_check's findings span lines: the log line must not
    aside = set_aside(path)
    conn = _open_checked(path, synchronous)
    items, points = salvage(aside, conn)
    log.error(
        "queue file %s is damaged (%s): moved it to %s and started a new queue with the %d readable items "
        "(%d points) copied from it",
        path,
        reason,
        aside,
        items,
        points,
    )
    return conn


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    if isinstance(exc, DamagedStore):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in _DAMAGE_CODES


def _open_checked(path: str, synchronous: Synchronous) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) in the queue.
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise DamagedStore("; ".join(str(p) for p in problems[:3]))
        conn.executescript(_SCHEMA)
        if "crc" not in _columns(conn):  # a queue file from before rows carried a CRC32
            conn.execute("ALTER TABLE items ADD COLUMN crc INTEGER")
    except BaseException:
        conn.close()
        raise
    return conn


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {str(row[1]) for row in conn.execute("PRAGMA table_info(items)")}


def checksum(payload: bytes) -> int:
    """The CRC32 stored with each row: damage SQLite's own checks miss (an overwritten
    overflow page) shows up as a mismatch."""
    return zlib.crc32(payload)


def set_aside(path: str) -> str:
    """Rename ``path`` and its -wal/-shm companions to ``path.damaged-YYYYmmddTHHMMSS``; return the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = f"{path}.damaged-{stamp}"
    n = 1
    while os.path.exists(aside):
        n += 1
        aside = f"{path}.damaged-{stamp}-{n}"
    for suffix in ("-wal", "-shm", ""):  # the main file last: it is what marks the set as moved
        if os.path.exists(path + suffix):
            os.replace(path + suffix, aside + suffix)
    return aside


def salvage(source: str, dest: sqlite3.Connection) -> tuple[int, int]:
    """Copy every readable, well-formed row from ``source`` into ``dest``, oldest first.

    Works on a scratch copy of ``source`` (the set-aside file stays as found). A
    truncated file gets its header's page count cut to what is there, and a scan
    of a damaged table stops at the first bad page, so the table is read from both
    ends; rows on the damaged pages themselves are lost.
    """
    scratch = source + ".salvage"
    rows: dict[int, tuple[int, str, int, int, int, bytes, int | None]] = {}
    try:
        for suffix in ("", "-wal"):
            if os.path.exists(source + suffix):
                shutil.copyfile(source + suffix, scratch + suffix)
        _fit_page_count(scratch)
        src = sqlite3.connect(scratch, timeout=5.0, isolation_level=None)
        try:
            columns = _COLUMNS if "crc" in _columns(src) else _COLUMNS.replace(", crc", ", NULL")
            for order in ("ASC", "DESC"):
                try:
                    for row in src.execute(f"SELECT {columns} FROM items ORDER BY id {order}"):
                        if _well_formed(row):
                            rows[row[0]] = row
                except sqlite3.Error:
                    continue
        finally:
            src.close()
    except (OSError, sqlite3.Error):
        pass
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(scratch + suffix)
    dest.execute("BEGIN IMMEDIATE")
    dest.executemany(f"INSERT INTO items ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", [rows[k] for k in sorted(rows)])
    dest.execute("COMMIT")
    return len(rows), sum(r[3] for r in rows.values())


def _fit_page_count(path: str) -> None:
    """If the header claims more pages than the file holds (truncation), make it claim what is there."""
    with open(path, "r+b") as f:
        header = f.read(100)
        if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
            return
        (page_size,) = struct.unpack(">H", header[16:18])
        page_size = 65536 if page_size == 1 else page_size
        (claimed,) = struct.unpack(">I", header[28:32])
        present = os.fstat(f.fileno()).st_size // page_size
        if 0 < present < claimed:
            f.seek(28)
            f.write(struct.pack(">I", present))


def _well_formed(row: tuple[object, ...]) -> bool:
    ident, topic, created_ns, points, size, payload, crc = row
    return (
        isinstance(ident, int)
        and isinstance(topic, str)
        and isinstance(created_ns, int)
        and isinstance(points, int)
        and isinstance(payload, bytes)
        and size == len(payload)
        and (crc is None or crc == checksum(payload))
    )
