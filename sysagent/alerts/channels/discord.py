"""Discord webhook: one embed per notification, packed into messages that fit Discord's limits.

A message holds at most 10 embeds and 6,000 characters in all; what does not
fit goes in the next message, announced by a "+N more" line. A webhook that
answers 404 was deleted: the outbox stops using it.
"""

from __future__ import annotations

from typing import Any

from sysagent.alerts.channels.base import Delivery, post_json, secret_id
from sysagent.alerts.channels.settings import DiscordSettings as DiscordSettings  # re-exported
from sysagent.alerts.notification import Notification, rfc3339
from sysagent.registry import PluginContext

MAX_EMBEDS = 10
MAX_TOTAL = 6000
LIMITS = {"title": 256, "description": 4096, "field_name": 256, "field_value": 1024, "footer": 2048}
_COLOR = {"critical": 0xE01E5A, "warning": 0xECB22E, "nodata": 0x808080, "resolved": 0x2EB67D}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def embed(note: Notification) -> dict[str, Any]:
    """One notification as an embed, each part cut to Discord's limits."""
    fields = [
        ("Severity", note.severity),
        ("Value", _fmt(note.value)),
        ("Threshold", _fmt(note.threshold)),
        ("Reason", note.reason_text),
    ]
    return {
        "title": _cut(note.title, LIMITS["title"]),
        "description": _cut(note.summary, LIMITS["description"]),
        "color": _COLOR["resolved"] if note.status == "resolved" else _COLOR.get(note.severity, 0),
        "fields": [{"name": n, "value": _cut(v or "-", LIMITS["field_value"]), "inline": True} for n, v in fields],
        "timestamp": rfc3339(note.ends_at if note.ends_at is not None else note.starts_at),
        "footer": {"text": _cut(f"sysagent · {note.status} · {note.fingerprint}", LIMITS["footer"])},
    }


def embed_size(e: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6,000 limit."""
    size = len(e.get("title", "")) + len(e.get("description", "")) + len(e.get("footer", {}).get("text", ""))
    return size + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", ()))


def pack(notes: list[Notification]) -> tuple[dict[str, Any], int]:
    """The first message for these notifications and how many of them it carries."""
    embeds: list[dict[str, Any]] = []
    total = 0
    for note in notes:
        e = embed(note)
        size = embed_size(e)
        if embeds and (len(embeds) == MAX_EMBEDS or total + size > MAX_TOTAL):
            break
        embeds.append(e)
        total += size
    message: dict[str, Any] = {"embeds": embeds, "allowed_mentions": {"parse": []}}
    rest = len(notes) - len(embeds)  # they follow in the next message
    if rest:
        message["content"] = f"+{rest} more"
    return message, len(embeds)


class DiscordChannel:
    disable_on_404 = True
    max_batch = 50

    def __init__(self, settings: DiscordSettings, ctx: PluginContext | None = None) -> None:
        self.settings = settings

    def target(self) -> str:
        return secret_id(self.settings.url.get_secret_value())

    def send(self, note: Notification) -> Delivery:
        return self.send_batch([note])[0]

    def send_batch(self, notes: list[Notification]) -> tuple[Delivery, int]:
        message, count = pack(notes)
        if self.settings.username:
            message["username"] = self.settings.username
        return post_json(self.settings.url.get_secret_value(), message, self.settings.timeout), count
