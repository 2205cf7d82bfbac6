"""The ``file`` sink: every batch as one JSON line (NDJSON), with size-based rotation.

Rotation follows :class:`logging.handlers.RotatingFileHandler`: when the next
line would take the file past ``max_bytes``, ``path`` becomes ``path.1``, the
older ``path.1`` becomes ``path.2`` and so on, keeping ``backups`` files; the
oldest is deleted. A line is never split across files and is written whole
before ``export`` returns, so rotation loses nothing but the oldest backup.
Either ``max_bytes: 0`` or ``backups: 0`` turns rotation off (the file grows).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import BinaryIO

from pydantic import Field

from sysagent.markers import hookimpl
from sysagent.model import Batch, ExportResult
from sysagent.registry import PluginContext, Registry
from sysagent.settings import SinkSettings
from sysagent.sinks._json import batch_to_line

log = logging.getLogger("sysagent.sinks.file")


class FileSettings(SinkSettings):
    """``sinks.file``."""

    #: Where to write; default ``<agent.state_dir>/metrics.ndjson``.
    path: str | None = None
    #: Rotate before the file would grow past this many bytes (0: never).
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    #: How many rotated files to keep (path.1 is the newest; 0: never rotate).
    backups: int = Field(default=5, ge=0)


class RotatingWriter:
    """Appends whole lines to a file and rotates it by size. Thread-safe."""

    def __init__(self, path: str, max_bytes: int, backups: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        self._size = 0
        self._rotate_failed = False
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self._open()

    def _open(self) -> BinaryIO:
        f = open(self.path, "ab")  # noqa: SIM115 - kept open between writes, closed by close()
        self._file = f
        self._size = f.seek(0, os.SEEK_END)
        return f

    def _rotate(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        for i in range(self.backups - 1, 0, -1):
            older = f"{self.path}.{i}"
            if os.path.exists(older):
                os.replace(older, f"{self.path}.{i + 1}")
        os.replace(self.path, f"{self.path}.1")

    def write(self, data: bytes) -> None:
        """Append ``data`` (whole lines) and flush it to the operating system."""
        with self._lock:
            f = self._file
            rotating = self.max_bytes > 0 and self.backups > 0
            if rotating and self._size > 0 and self._size + len(data) > self.max_bytes:
                try:
                    self._rotate()
                except OSError as e:  # keep appending to the file we have: better big than lost
                    if not self._rotate_failed:
                        log.warning("cannot rotate %s: %s", self.path, e.strerror or e)
                    self._rotate_failed = True
                else:
                    self._rotate_failed = False
                f = None
            if f is None:
                f = self._open()
            try:
                f.write(data)
                f.flush()
            except OSError:
                # Start again from a fresh handle next time (the file may have been removed).
                f.close()
                self._file = None
                raise
            self._size += len(data)

    def flush(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class FileSink:
    """Writes each batch to an NDJSON file (see the module docstring for rotation)."""

    def __init__(self, settings: FileSettings, ctx: PluginContext) -> None:
        path = settings.path or os.path.join(ctx.state_dir, "metrics.ndjson")
        try:
            self.writer = RotatingWriter(os.path.expanduser(path), settings.max_bytes, settings.backups)
        except OSError as e:
            raise OSError(f"cannot open {path}: {e.strerror or e}") from None
        self._closed = False
        self._last_error = ""

    @property
    def path(self) -> str:
        return self.writer.path

    def export(self, batch: Batch) -> ExportResult:
        if self._closed:
            return ExportResult.FAILURE
        try:
            self.writer.write(batch_to_line(batch).encode("utf-8"))
        except OSError as e:
            message = f"cannot write {self.path}: {e.strerror or e}"
            if message != self._last_error:  # once per distinct error, not once per batch
                self._last_error = message
                log.warning("%s", message)
            return ExportResult.FAILURE
        self._last_error = ""
        return ExportResult.SUCCESS

    def force_flush(self, timeout: float = 10.0) -> bool:
        try:
            self.writer.flush()
        except OSError:
            return False
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        self._closed = True
        self.writer.close()


@hookimpl
def sysagent_sinks(registry: Registry) -> None:
    registry.add_sink("file", FileSink, settings=FileSettings, default_enabled=False)
