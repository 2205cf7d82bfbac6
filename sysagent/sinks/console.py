"""The ``console`` sink: a one-line summary per cycle on a terminal, or JSON lines.

``format: text`` prints one line per cycle (see :mod:`sysagent.sinks._summary`);
``format: json`` prints each batch as one JSON object per line (the shape is in
:mod:`sysagent.sinks._json`), which ``sysagent run --format json`` selects.

``when`` decides whether anything is printed at all. ``auto`` (the default) prints
when the stream is a terminal, or when ``console`` is named under ``sinks:`` in the
config: the sink is on by default, and a service whose output goes to a journal
should not log a line every few seconds that nobody asked for. ``tty`` prints only
on a terminal; ``always`` prints regardless.
"""

from __future__ import annotations

import sys
import threading
from typing import Literal, TextIO

from sysagent.markers import hookimpl
from sysagent.model import Batch, ExportResult
from sysagent.registry import PluginContext, Registry
from sysagent.settings import SinkSettings
from sysagent.sinks._json import batch_to_line
from sysagent.sinks._summary import Summary


class ConsoleSettings(SinkSettings):
    """``sinks.console``."""

    #: ``text``: one human line per cycle; ``json``: one JSON object per batch per line.
    format: Literal["text", "json"] = "text"
    stream: Literal["stdout", "stderr"] = "stdout"
    #: ``auto``: on a terminal, or when configured explicitly; ``tty``: only on a terminal; ``always``.
    when: Literal["auto", "tty", "always"] = "auto"


def _explicit(ctx: PluginContext) -> bool:
    """Whether the config names this sink (rather than the sink running by default)."""
    sinks = getattr(ctx.config, "sinks", None)
    return sinks is not None and "console" in sinks


class ConsoleSink:
    """Writes the summary or JSON lines to stdout or stderr.

    ``out`` replaces the stream (tests, embedding); it is otherwise looked up on
    :mod:`sys` at each write, so redirections made after start-up are honoured.
    """

    def __init__(self, settings: ConsoleSettings, ctx: PluginContext, out: TextIO | None = None) -> None:
        self.settings = settings
        self._out = out
        self._lock = threading.Lock()
        self._summary = Summary()
        self._closed = False
        if settings.when == "always" or (settings.when == "auto" and _explicit(ctx)):
            self.enabled = True
        else:
            isatty = getattr(self.stream, "isatty", None)
            self.enabled = bool(isatty and isatty())

    @property
    def stream(self) -> TextIO:
        if self._out is not None:
            return self._out
        return sys.stdout if self.settings.stream == "stdout" else sys.stderr

    def export(self, batch: Batch) -> ExportResult:
        if not self.enabled:
            return ExportResult.SUCCESS
        json_mode = self.settings.format == "json"
        text = batch_to_line(batch) if json_mode else None
        with self._lock:
            if self._closed:
                return ExportResult.FAILURE
            if not json_mode:
                if not self._summary.update(batch):
                    return ExportResult.SUCCESS
                text = self._summary.line() + "\n"
            try:
                stream = self.stream
                stream.write(text or "")
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or file: nobody is reading
                return ExportResult.FAILURE
        return ExportResult.SUCCESS

    def force_flush(self, timeout: float = 10.0) -> bool:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            return False
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._closed = True


@hookimpl
def sysagent_sinks(registry: Registry) -> None:
    registry.add_sink("console", ConsoleSink, settings=ConsoleSettings, default_enabled=True)
