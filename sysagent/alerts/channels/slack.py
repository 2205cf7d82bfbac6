"""Slack incoming webhook: ``text`` for notifications and previews, ``blocks`` for the message.

Slack allows about one message per second per webhook and answers 429 with
Retry-After, which the outbox honours.
"""

from __future__ import annotations

from typing import Any

from sysagent.alerts.channels.base import Delivery, post_json, secret_id
from sysagent.alerts.channels.settings import SlackSettings as SlackSettings  # re-exported
from sysagent.alerts.notification import Notification, rfc3339
from sysagent.registry import PluginContext

_EMOJI = {"critical": ":red_circle:", "warning": ":warning:", "nodata": ":grey_question:"}
_SECTION_MAX = 3000  # Slack's limit for a section's text


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def payload(note: Notification, username: str | None = None, channel: str | None = None) -> dict[str, Any]:
    """The JSON body for one notification."""
    emoji = ":white_check_mark:" if note.status == "resolved" else _EMOJI.get(note.severity, ":bell:")
    head = f"{emoji} *{note.title}*\n{note.summary}"[:_SECTION_MAX]
    fields = [
        f"*Status*\n{note.status}",
        f"*Severity*\n{note.severity}",
        f"*Value*\n{_fmt(note.value)}",
        f"*Threshold*\n{_fmt(note.threshold)}",
        f"*Reason*\n{note.reason_text}"[:2000],
        f"*Since*\n{rfc3339(note.starts_at)}",
    ]
    body: dict[str, Any] = {
        "text": f"{note.title}: {note.summary}"[:_SECTION_MAX],
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": head}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"sysagent · fingerprint {note.fingerprint}"}]},
        ],
    }
    if username:
        body["username"] = username
    if channel:
        body["channel"] = channel
    return body


class SlackChannel:
    disable_on_404 = False

    def __init__(self, settings: SlackSettings, ctx: PluginContext | None = None) -> None:
        self.settings = settings

    def target(self) -> str:
        return secret_id(self.settings.url.get_secret_value())

    def send(self, note: Notification) -> Delivery:
        body = payload(note, self.settings.username, self.settings.channel)
        return post_json(self.settings.url.get_secret_value(), body, self.settings.timeout)
