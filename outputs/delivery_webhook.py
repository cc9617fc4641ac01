"""The headline post to a Teams (Adaptive Card) or Slack (mrkdwn) incoming webhook.

The webhook URL is a secret (``HORIZON_WEBHOOK_URL`` by default): it never appears in
an error, and neither does the endpoint's answer body.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests

from horizon.digest import Digest
from horizon.errors import DeliveryError
from horizon.text import safe_url
from outputs import view, words
from outputs.delivery_config import WebhookSettings
from outputs.markdown import escape as md_escape
from outputs.markdown import item_link


def subject(digest: Digest, prefix: str = "") -> str:
    """The subject line, on one line whatever the title holds (no header injection)."""
    return view.one_line(f"{prefix}{digest.title} – {digest.week}")[:200]


def webhook_payload(digest: Digest, settings: WebhookSettings) -> dict[str, Any]:
    """The JSON a Teams (Adaptive Card) or Slack (mrkdwn) webhook expects."""
    head = view.headline(digest)
    top = digest.top(settings.top)
    link = safe_url(settings.digest_link)
    if settings.kind == "slack":
        lines = [f"*{_slack(subject(digest))}*", _slack(head.sentence())]
        for rank, e in enumerate(top, 1):
            title = _slack(view.one_line(words.flagged_title(e.item)))
            url = _slack_url(view.link(e.item))
            lines.append(f"{rank}. <{url}|{title}>" if url else f"{rank}. {title}")
        if digest.summary.failed:
            lines.append("Failed: " + _slack("; ".join(view.failed_line(s) for s in digest.summary.failed)))
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
        failed = "; ".join(view.failed_line(s) for s in digest.summary.failed)
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
