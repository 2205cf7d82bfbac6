"""Email to a real SMTP server (aiosmtpd) on loopback, with STARTTLS and AUTH, and over SSL."""

from __future__ import annotations

import email
import email.message
import email.policy
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from e2e._http import free_ports
from e2e._tls import Pki, make_pki

from alerts._helpers import deliver, deliveries, note, wait_until
from sysagent.alerts.channels.email import EmailChannel, EmailSettings
from sysagent.alerts.store import Store


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"alerts", b"pa55")
        if ok:
            self.logins.append((data.login.decode(), mechanism))
        return AuthResult(success=ok, handled=False)  # unhandled: aiosmtpd answers 535 itself


def parse(env: Envelope) -> email.message.EmailMessage:
    """The message as a reader sees it (SMTP's CRLF line ends made local)."""
    raw = (env.original_content or b"").replace(b"\r\n", b"\n")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _tls(pki: Pki) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    return ctx


@pytest.fixture
def starttls_server(pki: Pki) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    (port,) = free_ports(1)
    ctl = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=_tls(pki),
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_require_tls=True,
    )
    ctl.start()
    yield inbox, port
    ctl.stop()


def settings(port: int, pki: Pki, **extra: Any) -> EmailSettings:
    raw = {
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "from": "sysagent@example.org",
        "to": ["ops@example.org", "oncall@example.org"],
        "ca_file": str(pki.ca),
        "backoff_initial": 0.05,
    }
    return EmailSettings.model_validate({**raw, **extra})


def test_starttls_auth_message_has_subject_text_and_html(
    tmp_path: Path, pki: Pki, starttls_server: tuple[Inbox, int]
) -> None:
    inbox, port = starttls_server
    s = settings(port, pki, username="alerts", password="pa55")
    store = Store(str(tmp_path / "a.sqlite"))
    box = deliver(store, {"mail": (EmailChannel(s), s)}, ("mail", note()), ("mail", note("resolved", id="n2")))
    try:
        wait_until(lambda: len(deliveries(store)) == 2)
    finally:
        box.stop()
    assert deliveries(store) == [("mail", "firing", "delivered", 250), ("mail", "resolved", "delivered", 250)]
    assert inbox.logins == [("alerts", "PLAIN")] * 2
    env = inbox.envelopes[0]
    assert env.mail_from == "sysagent@example.org"
    assert env.rcpt_tos == ["ops@example.org", "oncall@example.org"]
    msg = parse(env)
    assert msg["Subject"] == "[CRITICAL] disk_full (host.name=web1, system.filesystem.mountpoint=/var)"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("/var is 93.0% full\n\nStatus: firing\nSeverity: critical\nValue: 0.93\nThreshold: 0.9\n")
    assert "system.filesystem.mountpoint: /var" in text
    assert "<h2>[CRITICAL] disk_full" in html and "<th align='left'>Reason</th><td>first</td>" in html
    resolved = parse(inbox.envelopes[1])
    assert resolved["Subject"].startswith("[RESOLVED] disk_full")
    assert "Reason: resolved: value 0.5 past clear threshold 0.88" in resolved.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_wrong_password_is_rejected_not_retried(tmp_path: Path, pki: Pki, starttls_server: tuple[Inbox, int]) -> None:
    _, port = starttls_server
    s = settings(port, pki, username="alerts", password="wrong")
    store = Store(str(tmp_path / "a.sqlite"))
    box = deliver(store, {"mail": (EmailChannel(s), s)}, ("mail", note()))
    try:
        wait_until(lambda: len(deliveries(store)) == 1)
    finally:
        box.stop()
    (row,) = store.query("SELECT outcome, code, error FROM deliveries")
    assert (row["outcome"], row["code"]) == ("rejected", 535)
    assert "wrong" not in row["error"]


def test_ssl(tmp_path: Path, pki: Pki) -> None:
    inbox = Inbox()
    (port,) = free_ports(1)
    ctl = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=_tls(pki))
    ctl.start()
    try:
        s = settings(port, pki, security="ssl")
        store = Store(str(tmp_path / "a.sqlite"))
        box = deliver(store, {"mail": (EmailChannel(s), s)}, ("mail", note()))
        try:
            wait_until(lambda: len(deliveries(store)) == 1)
        finally:
            box.stop()
    finally:
        ctl.stop()
    assert deliveries(store) == [("mail", "firing", "delivered", 250)]
    assert len(inbox.envelopes) == 1
