"""What a channel is asked to deliver: one notification about one alert."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

_LABEL_NAME = re.compile(r"[^A-Za-z0-9_]")


def fingerprint(rule: str, labels: dict[str, str]) -> str:
    """A stable identity for one rule and series (severity is not part of it)."""
    text = json.dumps([rule, sorted(labels.items())], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def prometheus_labels(labels: dict[str, str]) -> dict[str, str]:
    """Label names as Alertmanager accepts them: dots and dashes become underscores."""
    out: dict[str, str] = {}
    for key, value in labels.items():
        name = _LABEL_NAME.sub("_", key)
        out[("_" + name) if name[:1].isdigit() else name] = value
    return out


@dataclass(frozen=True)
class Notification:
    """One notification. ``labels`` include alertname and severity; times are epoch seconds."""

    id: str
    fingerprint: str
    rule: str
    status: str  #: firing | resolved
    severity: str  #: warning | critical | nodata
    reason: str  #: first | severity_changed | repeat | resolved | flapping | test
    why: str
    labels: dict[str, str]
    annotations: dict[str, str]
    value: float | None
    threshold: float | None
    starts_at: float
    ends_at: float | None
    created_at: float
    external_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        state = "RESOLVED" if self.status == "resolved" else self.severity.upper()
        where = ", ".join(f"{k}={v}" for k, v in self.labels.items() if k not in ("alertname", "severity"))
        return f"[{state}] {self.rule}" + (f" ({where})" if where else "")

    @property
    def summary(self) -> str:
        return self.annotations.get("summary") or self.title

    @property
    def reason_text(self) -> str:
        """The reason line every channel shows: first, severity changed, repeat, resolved (why), flapping."""
        text = self.reason.replace("_", " ")
        return f"{text}: {self.why}" if self.why else text

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Notification:
        return cls(**json.loads(text))
