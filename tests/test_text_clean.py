"""horizon.text.clean and safe_url take shortcuts; what they return is what they always returned.

The oracle is the implementation before the shortcuts (every step on every text), run on
texts built from the characters each step is about: entities, markdown escapes, tags,
NFKC-sensitive and invisible characters, every kind of whitespace, control characters.
"""

from __future__ import annotations

import html
import random
import re
import unicodedata

import pytest

from horizon.text import clean

_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|<=])")
_TAGS = re.compile(r"<[^>]{0,2000}>")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_SPACE = re.compile(r"\s+")


def every_step(text: str | None, limit: int = 20_000, markup: bool = False) -> str:
    if not text:
        return ""
    if markup:
        text = _TAGS.sub(" ", text)
    text = html.unescape(html.unescape(text)) if "&amp;" in text.lower() else html.unescape(text)
    text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACE.sub(" ", text)
    if not text.isprintable():
        text = _SPACE.sub(" ", "".join(ch if ch.isprintable() else " " for ch in text))
    return text.strip()[:limit]


PIECES = [
    "a", "Z", "9", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u00a0", "\u2028",
    "\u3000", "\u200b", "\u202e", "\ufeff", "\u00ad", "\x00", "\x07", "\x7f", "\ufb01", "\u2460", "e\u0301", "é",
    "\u2011", "&amp;", "&amp;lt;", "&lt;", "&gt;", "&#233;", "&nbsp;", "&", "&AMP;", "\\>", "\\\\", "\\*", "\\q",
    "<b>", "</p>", "<", ">", "<br/>", "age <65 and >18", "café", "\ud7ff", "NCT01234567",
]


@pytest.mark.parametrize("markup", [False, True])
def test_clean_returns_what_every_step_returned(markup):
    rng = random.Random(16)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 12)))
        limit = rng.choice([3, 20_000])
        assert clean(text, limit=limit, markup=markup) == every_step(text, limit=limit, markup=markup), repr(text)


def test_clean_of_nothing_is_empty():
    assert clean(None) == clean("") == ""


def every_character(url: str | None) -> str:
    """safe_url before the shortcut: every character tested one by one."""
    from urllib.parse import urlsplit

    if not url:
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return ""
    return url


def test_safe_url_refuses_what_it_refused():
    from horizon.text import safe_url

    rng = random.Random(16)
    pieces = ["https://", "http://", "ftp://", "HTTPS://", "example.org", "/a", "?q=1", "#x", "[", "]", " ", "\t",
              "\x00", "\x1f", "\x7f", "\x85", "\u00a0", "\u2028", "\u3000", "é", "%20", ":", "@"]
    for _ in range(20_000):
        url = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 8)))
        assert safe_url(url) == every_character(url), repr(url)
