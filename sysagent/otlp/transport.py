"""The contract between the delivery layer and an OTLP transport (HTTP or gRPC)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol


class SendOutcome(NamedTuple):
    """What one send attempt came to."""

    ok: bool
    retryable: bool
    retry_after: float | None
    rejected_points: int
    error: str


class Transport(Protocol):
    """Sends one serialized ExportMetricsServiceRequest and reports the outcome."""

    def send(self, payload: bytes, timeout: float) -> SendOutcome: ...

    def close(self) -> None: ...


def scrub(text: str, secrets: Iterable[str], limit: int = 300) -> str:
    """``text`` with every secret (header values) masked and cut to ``limit`` characters.

    Transports pass every error string through this so tokens never reach a log.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
