"""Optional delivery of a digest: by SMTP and through any service apprise knows.

Both are off by default (settings.notify.email.enabled false, no apprise_urls). The SMTP
password is read from the environment variable the config names, never from the config.
Errors are returned as one-line strings, so one failed channel never stops the others or
the run; they never contain a password or an apprise URL's secret parts.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tipsheet.core.config import Email, Notify

LOGGER = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 30


def send_digest(
    markdown: str, subject: str, notify_settings: Notify, manager=None, html: str | None = None
) -> list[str]:
    """Send one digest on every enabled channel; returns the errors (empty: all sent).

    An email carries `html` when given, with the markdown as its plain-text part.
    """
    errors: list[str] = []
    email = notify_settings.email
    if email.enabled:
        err = send_email(markdown, subject, email, manager, html)
        if err:
            errors.append(err)
    if notify_settings.apprise_urls:
        errors.extend(send_apprise(markdown, subject, notify_settings.apprise_urls))
    return errors


def build_message(
    markdown: str, subject: str, email: Email, manager=None, html: str | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = email.sender or email.username or "tipsheet@localhost"
    msg["To"] = email.to or ""
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="tipsheet.local")
    if manager is not None and getattr(manager, "id", None):
        msg["X-Tipsheet-Manager"] = manager.id
    # Markdown reads fine as plain text; text/markdown tells clients that can render it.
    msg.set_content(markdown, subtype="plain", charset="utf-8")
    if html:  # multipart/alternative: clients show the HTML page, or the markdown as text
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def send_email(
    markdown: str, subject: str, email: Email, manager=None, html: str | None = None
) -> str | None:
    """One digest by SMTP; returns an error line or None."""
    if not email.to:
        return "email: notify.email.to is not set"
    password = None
    if email.password_env:
        password = os.environ.get(email.password_env)
        if password is None:
            return f"email: environment variable {email.password_env} is not set"
    msg = build_message(markdown, subject, email, manager, html)
    where = f"{email.host}:{email.port}"
    try:
        if email.port == 465:  # implicit TLS
            smtp = smtplib.SMTP_SSL(
                email.host,
                email.port,
                timeout=SMTP_TIMEOUT_S,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(email.host, email.port, timeout=SMTP_TIMEOUT_S)
        with smtp:
            if email.starttls and email.port != 465:
                smtp.starttls(context=ssl.create_default_context())
            if email.username:
                smtp.login(email.username, password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        return f"email: {where} refused the login for {email.username!r} ({exc.smtp_code})"
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return f"email: {where}: {type(exc).__name__}: {_no_secret(str(exc), password)}"
    if refused:
        return f"email: {where} refused recipients {sorted(refused)}"
    LOGGER.info("digest %r sent by email to %s", subject, email.to)
    return None


def send_apprise(markdown: str, subject: str, urls: list[str]) -> list[str]:
    """One digest to each apprise URL; returns the errors."""
    import apprise

    errors = []
    for url in urls:
        ap = apprise.Apprise()
        if not ap.add(url):
            errors.append(f"apprise: not a usable notification URL: {_redact(url)}")
            continue
        try:
            ok = ap.notify(title=subject, body=markdown, body_format=apprise.NotifyFormat.MARKDOWN)
        except Exception as exc:  # noqa: BLE001 - a plugin's failure must not stop the run
            errors.append(f"apprise: {_redact(url)}: {type(exc).__name__}: {exc}")
            continue
        if not ok:
            errors.append(f"apprise: {_redact(url)}: the service did not accept the message")
    return errors


def _redact(url: str) -> str:
    """An apprise URL without its secrets: tokens live anywhere after the scheme."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://…" if sep else "(unparseable URL)"


def _no_secret(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text
