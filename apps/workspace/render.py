"""Templates and the filters they use. Jinja autoescapes everything; highlighting escapes first."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from apps.workspace.auth import allows, csrf_token
from apps.workspace.scope import choices
from outputs.words import flagged_title, item_type, publisher

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, with each whole-word occurrence of a term wrapped in <mark>."""
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(r"\b(" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in words) + r")\b",
                         re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def anchor(item_id: str) -> str:
    """The HTML id of an item's card: letters and digits kept, the rest dashes."""
    return "item-" + "".join(ch if ch.isalnum() else "-" for ch in item_id)


templates.env.filters["highlight"] = highlight
templates.env.filters["anchor"] = anchor
templates.env.filters["publisher"] = publisher  # an Item's publisher by name: words, not source ids
templates.env.filters["item_type"] = item_type
templates.env.filters["flagged_title"] = flagged_title  # "RETRACTED: …" wherever an item is named


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200) -> Response:
    """A page with the signed-in user, their permissions and the CSRF token available to it."""
    user = getattr(request.state, "user", None)
    ics = getattr(request.state, "ics", None) or request.app.state.icss[0]
    base = {
        "user": user,
        "can_review": bool(user) and allows(user.role, "reviewer"),
        "is_admin": bool(user) and allows(user.role, "admin"),
        "csrf": csrf_token(request),
        "priorities": ics.config.priorities,  # the current ICS's areas
        "ics": ics, "ics_choices": choices(request), "path": request.url.path,
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)
