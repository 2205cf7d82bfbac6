"""Log each distinct error once, count every occurrence: no log floods."""

from __future__ import annotations

import logging
import threading
from collections import Counter


class ErrorLog:
    """Counts errors per source and logs the first of each distinct kind.

    A kind is ``(source, exception type, message)``; after MAX_KINDS kinds of one
    source, only the exception type counts, so a message that changes every
    time (a timestamp, a counter) cannot flood the log or grow the memory.
    When a source succeeds again after failing, one "recovered" line is logged.
    """

    MAX_KINDS = 16

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._seen: set[tuple[str, str, str]] = set()
        self._failing: set[str] = set()
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def error(self, source: str, what: str, exc: BaseException | None = None, *, kind: str = "") -> None:
        """Count an error of ``source``; log it if this kind was not seen before."""
        kind = kind or (type(exc).__name__ if exc is not None else "error")
        message = str(exc) if exc is not None else what
        key = (source, kind, message)
        with self._lock:
            if key not in self._seen and sum(1 for k in self._seen if k[0] == source) >= self.MAX_KINDS:
                key = (source, kind, "*")
            self.counts[source] += 1
            self._failing.add(source)
            first = key not in self._seen
            self._seen.add(key)
        if first:
            detail = f"{kind}: {message}" if exc is not None else message
            self._logger.warning("%s %s: %s (logged once; repeats are only counted)", source, what, detail)

    def success(self, source: str) -> None:
        """Note that ``source`` worked; logs once if it had been failing."""
        if source not in self._failing:
            return
        with self._lock:
            self._failing.discard(source)
            total = self.counts[source]
            self._seen = {k for k in self._seen if k[0] != source}
        self._logger.info("%s recovered (%d errors so far)", source, total)

    def failing(self, source: str) -> bool:
        return source in self._failing
