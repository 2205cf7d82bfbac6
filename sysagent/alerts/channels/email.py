"""Email over SMTP with STARTTLS or SSL, optional auth, and text plus HTML parts.

SMTP 4xx answers and connection failures are retried; 5xx answers are not.
The password never appears in errors (smtplib does not echo it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sysagent.alerts.channels.base import Delivery, secret_id
from sysagent.alerts.channels.settings import EmailSettings as EmailSettings  # re-exported
from sysagent.alerts.notification import Notification, rfc3339
from sysagent.registry import PluginContext

if TYPE_CHECKING:  # smtplib, ssl, email and html load only when a mail is sent (they cost memory)
    import smtplib
    import ssl
    from email.message import EmailMessage


def fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def _rows(note: Notification) -> list[tuple[str, str]]:
    rows = [
        ("Status", note.status),
        ("Severity", note.severity),
        ("Value", fmt(note.value)),
        ("Threshold", fmt(note.threshold)),
        ("Reason", note.reason_text),
        ("Since", rfc3339(note.starts_at)),
    ]
    return rows + [(k, v) for k, v in note.labels.items() if k not in ("alertname", "severity")]


def message(note: Notification, sender: str, to: tuple[str, ...]) -> EmailMessage:
    """The email for one notification: subject, a text part and an HTML part."""
    import email.policy
    import html  # html.entities alone is ~400 KB of heap: not at import
    from email.message import EmailMessage

    # Python folds a long subject as "Subject:\n <text>", which readers show with a leading space.
    msg = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    msg["Subject"] = note.title[:900]
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    rows = _rows(note)
    text = "\n".join([note.summary, "", *(f"{k}: {v}" for k, v in rows), "", f"fingerprint {note.fingerprint}"])
    msg.set_content(text + "\n")
    cells = "".join(f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    msg.add_alternative(
        f"<html><body><h2>{html.escape(note.title)}</h2><p>{html.escape(note.summary)}</p>"
        f"<table>{cells}</table><p><small>sysagent · {note.fingerprint}</small></p></body></html>\n",
        subtype="html",
    )
    return msg


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else raw


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN when offered (one round trip, one clear answer); else smtplib's fallbacks.

    ``smtplib.login`` retries a refused password with every other mechanism,
    and some servers stall on its LOGIN exchange, turning a 535 into a timeout.
    """
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" in smtp.esmtp_features.get("auth", "").upper().split():
        smtp.user, smtp.password = user, password
        smtp.auth("PLAIN", smtp.auth_plain)
    else:
        smtp.login(user, password)


class EmailChannel:
    disable_on_404 = False

    def __init__(self, settings: EmailSettings, ctx: PluginContext | None = None) -> None:
        self.settings = settings

    def target(self) -> str:
        s = self.settings
        return secret_id(f"{s.host}:{s.port}:{s.username}:{','.join(s.to)}")

    def _tls(self) -> ssl.SSLContext:
        import ssl

        return ssl.create_default_context(cafile=self.settings.ca_file)

    def send(self, note: Notification) -> Delivery:
        import smtplib

        s = self.settings
        port = s.port or {"ssl": 465, "starttls": 587, "none": 25}[s.security]
        msg = message(note, s.from_, s.to)
        try:
            smtp: smtplib.SMTP
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout, context=self._tls())
            else:
                smtp = smtplib.SMTP(s.host, port, timeout=s.timeout)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=self._tls())
                if s.username and s.password is not None:
                    _login(smtp, s.username, s.password.get_secret_value())
                refused = smtp.send_message(msg)
            if refused:
                return Delivery("rejected", None, f"recipients refused: {', '.join(sorted(refused))}")
            return Delivery("delivered", 250, answer="queued")
        except smtplib.SMTPResponseException as exc:
            outcome = "retry" if 400 <= exc.smtp_code < 500 else "rejected"
            return Delivery(outcome, exc.smtp_code, f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}")
        except smtplib.SMTPRecipientsRefused as exc:
            return Delivery("rejected", None, f"recipients refused: {', '.join(sorted(exc.recipients))}")
        except (smtplib.SMTPException, OSError) as exc:
            return Delivery("retry", None, f"{type(exc).__name__}: {exc}")
