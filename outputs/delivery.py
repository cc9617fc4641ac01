"""Sending a written digest: e-mail over SMTP, and a headline post to a Teams or Slack webhook.

Settings come from an optional ``delivery.yaml`` in the config directory; secrets
never do. The SMTP login comes from ``HORIZON_SMTP_USER``/``HORIZON_SMTP_PASSWORD``
and the webhook URL from ``HORIZON_WEBHOOK_URL`` (both names configurable), and no
error message or log line includes them. The flow writes the digest files first,
so a failed delivery loses nothing; it raises one ``DeliveryError`` naming each
channel that failed, after trying them all.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, model_validator

from horizon.config import _parse
from horizon.digest import Digest
from horizon.errors import DeliveryError
from horizon.text import safe_url
from outputs import view
from outputs.html import HtmlWriter
from outputs.markdown import escape as md_escape
from outputs.markdown import item_link
from outputs.text import TextWriter

ADDRESS = r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$"  # one bare address, no display name
_SECRET_KEYS = {"user", "username", "password", "login", "secret", "token", "url", "webhook_url"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict) and (found := sorted(_SECRET_KEYS & set(data))):
            raise ValueError(
                f"'{found[0]}' must not be in delivery.yaml: secrets come from environment variables "
                "(HORIZON_SMTP_USER, HORIZON_SMTP_PASSWORD, HORIZON_WEBHOOK_URL)"
            )
        return data


class EmailSettings(_Strict):
    """Where and how to send the digest by e-mail."""

    host: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9.:\[\]-]+$")]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "tls", "none"] = "starttls"  # "none" only for a local relay
    sender: Annotated[str, Field(pattern=ADDRESS)]
    recipients: Annotated[tuple[Annotated[str, Field(pattern=ADDRESS)], ...], Field(min_length=1)]
    subject_prefix: Annotated[str, Field(max_length=100)] = ""
    cafile: str | None = None  # a private CA bundle, for relays with an internal certificate
    timeout: Annotated[float, Field(gt=0, le=300)] = 30
    user_env: str = "HORIZON_SMTP_USER"
    password_env: str = "HORIZON_SMTP_PASSWORD"
    # Gmail clips HTML mail over ~102 KB: the e-mail carries the safety notices, the top_n of
    # each area (each item once, naming its areas) and a link to the full digest.
    top_n: Annotated[int, Field(ge=1, le=50)] = 3
    digest_link: str = ""  # where the full HTML digest is published (http(s)), linked from the e-mail


class WebhookSettings(_Strict):
    """A Teams or Slack incoming webhook that gets the headline and the top items."""

    kind: Literal["teams", "slack"]
    url_env: str = "HORIZON_WEBHOOK_URL"
    digest_link: str = ""  # where the HTML digest is published, linked from the post
    top: Annotated[int, Field(ge=0, le=20)] = 5
    timeout: Annotated[float, Field(gt=0, le=120)] = 15


class DeliveryConfig(_Strict):
    """``delivery.yaml``: each channel is optional; with neither, nothing is sent."""

    email: EmailSettings | None = None
    webhook: WebhookSettings | None = None
    retries: Annotated[int, Field(ge=0, le=10)] = 2  # per channel: a retry re-sends only the failed one
    retry_delay: Annotated[float, Field(ge=0, le=3600)] = 60


def load_delivery(directory: str | Path) -> DeliveryConfig:
    """Read ``delivery.yaml`` from a config directory; a missing file means no delivery."""
    return _parse(Path(directory) / "delivery.yaml", DeliveryConfig, optional=True)


def subject(digest: Digest, prefix: str = "") -> str:
    """The subject line, on one line whatever the title holds (no header injection)."""
    return view.one_line(f"{prefix}{digest.title} – {digest.week}")[:200]


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


def webhook_payload(digest: Digest, settings: WebhookSettings) -> dict[str, Any]:
    """The JSON a Teams (Adaptive Card) or Slack (mrkdwn) webhook expects."""
    head = view.headline(digest)
    top = digest.top(settings.top)
    link = safe_url(settings.digest_link)
    if settings.kind == "slack":
        lines = [f"*{_slack(subject(digest))}*", _slack(head.sentence())]
        for rank, e in enumerate(top, 1):
            title = _slack(view.one_line(e.item.title))
            url = _slack_url(view.link(e.item))
            lines.append(f"{rank}. <{url}|{title}>" if url else f"{rank}. {title}")
        if digest.summary.failed:
            lines.append("Failed: " + _slack("; ".join(view.source_line(s) for s in digest.summary.failed)))
        if link:
            lines.append(f"<{_slack_url(link)}|Read the full digest>")
        return {"text": "\n".join(lines)}
    blocks: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": md_escape(subject(digest)), "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": md_escape(head.sentence()), "wrap": True},
    ]
    for rank, e in enumerate(top, 1):
        blocks.append({"type": "TextBlock", "text": f"{rank}\\. {item_link(e.item)}", "wrap": True})
    if digest.summary.failed:
        failed = "; ".join(view.source_line(s) for s in digest.summary.failed)
        blocks.append({"type": "TextBlock", "text": md_escape(f"Failed: {failed}"), "wrap": True, "color": "Attention"})
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": blocks,
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Read the full digest", "url": link}]
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def _slack(text: str) -> str:
    # Slack's mrkdwn: only &, < and > are control characters (https://api.slack.com/reference/surfaces/formatting).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    # Inside <url|text> a raw <, > or | would end the link early, and <!channel> would ping everyone.
    return url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def post_webhook(digest: Digest, settings: WebhookSettings, env: Mapping[str, str] | None = None) -> None:
    """Post the headline to the webhook; the URL is a secret and never appears in an error."""
    found: Mapping[str, str] = os.environ if env is None else env
    url = safe_url(found.get(settings.url_env, ""))
    where = f"{settings.kind} webhook (${settings.url_env})"
    if not url:
        raise DeliveryError(f"{where}: set {settings.url_env} to the webhook's https URL")
    try:
        response = requests.post(
            url, json=webhook_payload(digest, settings), timeout=settings.timeout, allow_redirects=False
        )
    except requests.RequestException as err:
        raise DeliveryError(f"{where}: {type(err).__name__}: could not reach the webhook") from None
    if not 200 <= response.status_code < 300:
        # Never the body: an endpoint may echo its secret path (or anything else) back.
        raise DeliveryError(f"{where}: answered HTTP {response.status_code} {response.reason or ''}".rstrip())


CHANNELS = ("email", "webhook")


def channels(config: DeliveryConfig) -> list[str]:
    """The configured channels, in the order they are sent."""
    return [name for name in CHANNELS if getattr(config, name) is not None]


def recipients(config: DeliveryConfig, channel: str) -> str:
    """Who a channel reaches, as recorded with each delivery: addresses, or the webhook's variable name."""
    if channel == "email" and config.email is not None:
        return ", ".join(config.email.recipients)
    if channel == "webhook" and config.webhook is not None:
        return f"{config.webhook.kind} webhook ${config.webhook.url_env}"
    raise DeliveryError(f"channel '{channel}' is not configured; configured: {', '.join(channels(config)) or 'none'}")


def secrets_of(config: DeliveryConfig, env: Mapping[str, str]) -> list[str]:
    """The secret values a delivery uses: the SMTP login and the webhook URL with its path and query."""
    whole: list[str] = []
    pieces: list[str] = []  # tokens inside the URL; short segments such as "hooks" say nothing
    if config.email is not None:
        whole += [env.get(config.email.user_env, ""), env.get(config.email.password_env, "")]
    if config.webhook is not None and (url := env.get(config.webhook.url_env, "")):
        parts = urlsplit(url)
        whole += [url, parts.path if len(parts.path) > 1 else "", parts.query]
        pieces += [*parts.path.split("/"), *(v for vs in parse_qs(parts.query).values() for v in vs)]
    return [s for s in whole if s and len(s) >= 3] + [s for s in pieces if len(s) >= 8]


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced, longest first (a URL before its path)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


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
    "send_email",
    "subject",
    "webhook_payload",
]
