"""Mutes (silences): matchers over alert labels, a start, a mandatory end, a creator and a comment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sysagent.alerts.matchers import Matcher, matches_all, parse_matcher


@dataclass(frozen=True)
class Mute:
    id: int
    matchers: tuple[Matcher, ...]
    starts: float
    ends: float
    creator: str
    comment: str

    def active(self, now: float) -> bool:
        return self.starts <= now < self.ends

    def covers(self, labels: Mapping[str, object], now: float) -> bool:
        return self.active(now) and matches_all(self.matchers, labels)


def parse_matchers(texts: Iterable[str]) -> tuple[Matcher, ...]:
    """Parse mute matchers; a bare word is shorthand for ``alertname=WORD``."""
    out = []
    for text in texts:
        if not any(op in text for op in ("=", "~")):
            text = f"alertname={text}"
        out.append(parse_matcher(text))
    if not out:
        raise ValueError("a mute needs at least one matcher, e.g. alertname=disk_full")
    return tuple(out)


def muted(mutes: Iterable[Mute], labels: Mapping[str, object], now: float) -> bool:
    return any(m.covers(labels, now) for m in mutes)
