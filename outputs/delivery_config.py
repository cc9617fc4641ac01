"""``delivery.yaml``: which channels a digest goes out on, and which secret values to keep out of messages.

Settings come from an optional ``delivery.yaml`` in the config directory; secrets
never do (a key such as ``password`` or ``url`` is refused with where to put it):
they come from environment variables, whose names are configurable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from horizon.config import _parse
from horizon.errors import DeliveryError

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
