"""Exponential backoff with full jitter and a cap, with a server's Retry-After as a floor."""

from __future__ import annotations

import email.utils
import random
import time


class Backoff:
    """Delay before retry n (0-based): uniform(0, min(cap, initial * 2**n)), never below Retry-After.

    Full jitter (every delay drawn from zero up to the exponential ceiling) spreads
    the retries of many agents that lost the same Collector at the same moment.
    A Retry-After longer than ``retry_after_max`` is cut to it, so a misbehaving
    server cannot park the sender for hours.
    """

    def __init__(
        self,
        initial: float = 0.5,
        cap: float = 30.0,
        *,
        retry_after_max: float = 600.0,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0 or cap < initial:
            raise ValueError("backoff needs 0 < initial <= cap")
        self.initial, self.cap, self.retry_after_max = initial, cap, retry_after_max
        self._rng = rng or random.Random()
        self.attempt = 0

    def ceiling(self, attempt: int) -> float:
        """The upper bound of the jittered delay for ``attempt``."""
        return min(self.cap, self.initial * 2.0 ** min(attempt, 64))

    def next(self, retry_after: float | None = None) -> float:
        """The delay before the next attempt; advances the attempt count."""
        delay = self._rng.uniform(0.0, self.ceiling(self.attempt))
        self.attempt += 1
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, self.retry_after_max))
        return delay

    def reset(self) -> None:
        self.attempt = 0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date.

    None when absent or unreadable (a malformed date is not an error: the caller
    backs off as usual).
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
