"""Digest delivery: a real SMTP server (aiosmtpd) and a real HTTP endpoint for apprise."""

from __future__ import annotations

import email
import json
import socket
from email import policy
from http.server import BaseHTTPRequestHandler

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tipsheet.connectors.notify import send_digest
from tipsheet.core.config import Email, Manager, Notify
from tipsheet.demo.localweb import LocalWeb

DIGEST = (
    "# Ana Ruiz at Quill\n\n## Signals\n\n- Role reposted: **Sr. Data Engineer** (2024-04-01)\n"
)
MANAGER = Manager(
    id="ana", name="Ana Ruiz", company="quill", role="Data Engineer", rejected_on="2024-03-01"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    users = {"me@example.test": "s3cret-pw"}

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and users.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        # handled=False: let aiosmtpd send the 535 itself (True means we already replied).
        return AuthResult(success=ok, handled=False)

    ctl = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    ctl.start()
    try:
        yield ctl, inbox
    finally:
        ctl.stop()


def settings(ctl, **kw) -> Notify:
    base = dict(
        enabled=True,
        host="127.0.0.1",
        port=ctl.port,
        sender="tipsheet@example.test",
        to="me@example.test",
    )
    base.update(kw)
    return Notify(email=Email(**base))


def test_off_by_default_sends_nothing(smtp):
    _, inbox = smtp
    assert send_digest(DIGEST, "subject", Notify(), MANAGER) == []
    assert inbox.messages == []


def test_digest_received_by_local_smtp_server(smtp):
    ctl, inbox = smtp
    errors = send_digest(DIGEST, "tipsheet: Ana Ruiz (1 signal)", settings(ctl), MANAGER)
    assert errors == []
    ((mail_from, rcpt, raw),) = inbox.messages
    assert mail_from == "tipsheet@example.test" and rcpt == ["me@example.test"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "tipsheet: Ana Ruiz (1 signal)"
    assert msg["X-Tipsheet-Manager"] == "ana"
    assert msg.get_content().replace("\r\n", "\n") == DIGEST


def test_email_sends_the_html_page_with_the_markdown_as_plain_text(smtp):
    ctl, inbox = smtp
    page = "<!DOCTYPE html><html><body><h1>Ana Ruiz at Quill</h1></body></html>"
    assert send_digest(DIGEST, "tipsheet: Ana Ruiz", settings(ctl), MANAGER, html=page) == []
    ((_, _, raw),) = inbox.messages
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    assert plain.get_content().replace("\r\n", "\n") == DIGEST
    assert "<h1>Ana Ruiz at Quill</h1>" in rich.get_content()


def test_login_with_password_from_environment(smtp, monkeypatch):
    ctl, inbox = smtp
    monkeypatch.setenv("TIPSHEET_SMTP_PW", "s3cret-pw")
    s = settings(ctl, username="me@example.test", password_env="TIPSHEET_SMTP_PW")
    assert send_digest(DIGEST, "s", s, MANAGER) == []
    assert len(inbox.messages) == 1


def test_wrong_password_is_one_line_without_the_secret(smtp, monkeypatch):
    ctl, inbox = smtp
    monkeypatch.setenv("TIPSHEET_SMTP_PW", "wrong-pw")
    s = settings(ctl, username="me@example.test", password_env="TIPSHEET_SMTP_PW")
    (err,) = send_digest(DIGEST, "s", s, MANAGER)
    assert err.startswith("email: 127.0.0.1:") and "refused the login" in err
    assert "wrong-pw" not in err and "\n" not in err and inbox.messages == []


def test_missing_password_variable(smtp, monkeypatch):
    ctl, _ = smtp
    monkeypatch.delenv("NO_SUCH_PW_VAR", raising=False)
    s = settings(ctl, username="me@example.test", password_env="NO_SUCH_PW_VAR")
    assert send_digest(DIGEST, "s", s, MANAGER) == [
        "email: environment variable NO_SUCH_PW_VAR is not set"
    ]


def test_unreachable_server_is_an_error_not_a_crash():
    s = Notify(email=Email(enabled=True, host="127.0.0.1", port=free_port(), to="x@example.test"))
    (err,) = send_digest(DIGEST, "s", s, MANAGER)
    assert err.startswith("email: 127.0.0.1:") and "ConnectionRefusedError" in err


def test_apprise_posts_to_a_local_json_endpoint():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with LocalWeb({"hook": Handler}) as web:
        n = Notify(apprise_urls=[web.url_map["hook"].replace("http://", "json://") + "/hook"])
        assert send_digest(DIGEST, "tipsheet: Ana Ruiz", n, MANAGER) == []
    (payload,) = received
    assert payload["title"] == "tipsheet: Ana Ruiz"
    assert "Sr. Data Engineer" in payload["message"]


def test_apprise_bad_url_is_redacted():
    n = Notify(apprise_urls=["nosuchservice://token-abc123@host/x"])
    (err,) = send_digest(DIGEST, "s", n, MANAGER)
    assert err.startswith("apprise: not a usable notification URL") and "abc123" not in err
