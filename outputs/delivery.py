"""Sending a written digest: e-mail over SMTP, and a headline post to a Teams or Slack webhook.

Settings come from an optional ``delivery.yaml`` in the config directory; secrets
never do. The SMTP login comes from ``HORIZON_SMTP_USER``/``HORIZON_SMTP_PASSWORD``
and the webhook URL from ``HORIZON_WEBHOOK_URL`` (both names configurable), and no
error message or log line includes them. The flow writes the digest files first,
so a failed delivery loses nothing; it raises one ``DeliveryError`` naming each
channel that failed, after trying them all.

The settings and secret handling live in ``outputs/delivery_config.py``, the webhook in
``outputs/delivery_webhook.py``; every name is importable from here.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid

from horizon.digest import Digest
from horizon.errors import DeliveryError
from outputs import view
from outputs.delivery_config import (
    CHANNELS,
    DeliveryConfig,
    EmailSettings,
    WebhookSettings,
    channels,
    load_delivery,
    recipients,
    redact,
    secrets_of,
)
from outputs.delivery_webhook import post_webhook, subject, webhook_payload
from outputs.html import HtmlWriter
from outputs.text import TextWriter


def build_message(digest: Digest, settings: EmailSettings) -> EmailMessage:
    """A multipart/alternative message: the plain-text part (always), then the HTML part, both in the e-mail shape."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = subject(digest, settings.subject_prefix)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[1])
    message["Auto-Submitted"] = "auto-generated"
    shown = {"top_n": settings.top_n, "email": True, "full_url": settings.digest_link}
    message.set_content(TextWriter(**shown).render_text(digest))
    message.add_alternative(HtmlWriter(**shown).render_text(digest), subtype="html")
    return message


def send_email(digest: Digest, settings: EmailSettings, env: Mapping[str, str] | None = None) -> None:
    """Send the digest by SMTP; raises ``DeliveryError`` with the server's reason, never a secret."""
    found: Mapping[str, str] = os.environ if env is None else env
    user, password = found.get(settings.user_env), found.get(settings.password_env)
    where = f"e-mail via {settings.host}:{settings.port}"
    if bool(user) != bool(password):
        raise DeliveryError(f"{where}: set both {settings.user_env} and {settings.password_env}, or neither")
    message = build_message(digest, settings)
    try:
        context = ssl.create_default_context(cafile=settings.cafile)
        if settings.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)  # fails if the server cannot: never falls back to plain text
            if user and password:
                client.login(user, password)
            refused = client.send_message(message, settings.sender, list(settings.recipients))
    except smtplib.SMTPAuthenticationError as err:
        raise DeliveryError(
            f"{where}: login refused ({err.smtp_code}); check {settings.user_env}/{settings.password_env}"
        ) from None
    except smtplib.SMTPNotSupportedError as err:
        raise DeliveryError(
            f"{where}: server does not support {settings.security.upper()}: {err}; set security in delivery.yaml"
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as err:
        raise DeliveryError(f"{where}: {_reason(err)}") from None
    if refused:
        raise DeliveryError(f"{where}: recipients refused: {', '.join(sorted(refused))}")


def _reason(err: Exception) -> str:
    if isinstance(err, smtplib.SMTPResponseException):
        text = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
        return f"{err.smtp_code} {view.one_line(text)}"
    return view.one_line(str(err) or type(err).__name__)


def deliver_one(digest: Digest, config: DeliveryConfig, channel: str, env: Mapping[str, str] | None = None) -> None:
    """Send on one channel; any failure is a ``DeliveryError`` whose message holds no secret.

    Redacting here, before the exception exists outside this function, keeps secrets out
    of every log line, traceback and Prefect state that might show it.
    """
    env = os.environ if env is None else env
    senders: dict[str, Callable[..., None]] = {"email": send_email, "webhook": post_webhook}
    send = senders[channel]
    settings = getattr(config, channel)
    try:
        send(digest, settings, env)
    except DeliveryError as err:
        message = str(err)
    except Exception as err:  # noqa: BLE001 - a library's message may hold the URL: keep only the type
        message = f"{channel}: {type(err).__name__} while sending"
    else:
        return
    raise DeliveryError(redact(message, secrets_of(config, env))) from None


def deliver(digest: Digest, config: DeliveryConfig, env: dict[str, str] | None = None) -> list[str]:
    """Send through every configured channel; returns those that worked, raises if any failed."""
    done: list[str] = []
    failures: list[str] = []
    for name in channels(config):
        try:
            deliver_one(digest, config, name, env)
            done.append(name)
        except DeliveryError as err:
            failures.append(str(err))
    if failures:
        sent = f" (sent: {', '.join(done)})" if done else ""
        raise DeliveryError("; ".join(failures) + sent + "; the digest files are written and unaffected")
    return done


__all__ = [
    "CHANNELS",
    "DeliveryConfig",
    "EmailSettings",
    "WebhookSettings",
    "build_message",
    "channels",
    "deliver",
    "deliver_one",
    "load_delivery",
    "post_webhook",
    "recipients",
    "redact",
    "secrets_of",
    "send_email",
    "subject",
    "webhook_payload",
]
