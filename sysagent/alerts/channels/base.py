"""What every channel shares: the delivery result, the channel protocol and a JSON POST helper.

A channel turns a notification into one request and classifies the answer; the
outbox (not the channel) retries, waits and gives up, so the rules are the same
for every channel: 429 waits for Retry-After, 5xx and timeouts back off, other
4xx are never retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sysagent.alerts.notification import Notification
from sysagent.delivery.backoff import parse_retry_after


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one attempt went. ``outcome``: delivered | retry | rejected."""

    outcome: str
    code: int | None = None
    error: str = ""
    retry_after: float | None = None
    answer: str = ""


@runtime_checkable
class Channel(Protocol):
    """One configured destination. ``target`` identifies it without revealing secrets."""

    #: Stop using the channel after a 404 (Discord's deleted webhooks).
    disable_on_404: bool

    def target(self) -> str: ...

    def send(self, note: Notification) -> Delivery: ...


def secret_id(secret: str) -> str:
    """A short hash that tells two secrets apart without revealing them."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def _retry_after(value: str | None, body: bytes) -> float | None:
    """The server's delay: the Retry-After header, else Discord's JSON ``retry_after`` (seconds)."""
    delay = parse_retry_after(value)
    if delay is not None:
        return delay
    try:
        obj = json.loads(body or b"null")
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("retry_after"), (int, float)):
        return max(0.0, float(obj["retry_after"]))
    return None


def classify(code: int, headers: Mapping[str, str], body: bytes) -> Delivery:
    """Turn an HTTP answer into a delivery outcome."""
    answer = body[:300].decode("utf-8", "replace")
    if 200 <= code < 300:
        return Delivery("delivered", code, answer=answer)
    if code == 429:
        return Delivery("retry", code, f"HTTP {code}", _retry_after(headers.get("Retry-After"), body), answer)
    if code >= 500 or code == 408:
        return Delivery("retry", code, f"HTTP {code}", answer=answer)
    return Delivery("rejected", code, f"HTTP {code}", answer=answer)


def post(
    url: str,
    body: bytes,
    timeout: float,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
) -> Delivery:
    """POST and classify; network errors and timeouts are retryable. Errors never contain the URL."""
    import urllib.error  # urllib.request loads ssl and email: only when a channel sends
    import urllib.request

    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "User-Agent": "sysagent-alerts", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return classify(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return classify(exc.code, dict(exc.headers.items()), exc.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return Delivery("retry", None, f"{type(reason).__name__}: {str(reason).replace(url, '<url>')}")


def post_json(url: str, obj: object, timeout: float) -> Delivery:
    return post(url, json.dumps(obj, separators=(",", ":")).encode(), timeout)
