"""Text hygiene shared by scanners (clean what sources send) and writers (safe links)."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import date, datetime
from urllib.parse import urlsplit

_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|<=])")
_TAGS = re.compile(r"<[^>]{0,2000}>")
_URL_UNSAFE = re.compile(r"[\s\x00-\x1f]")  # any whitespace (str.isspace's set) or control character
# Bidi overrides and zero-width characters can disguise text; they carry no meaning here.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


def clean(text: str | None, limit: int = 20_000, markup: bool = False) -> str:
    """Plain, normalised text from what a source sent: entities, markdown escapes, NFKC.

    ClinicalTrials.gov escapes markdown (``\\>=``), ISRCTN carries non-breaking
    hyphens and tabs. Tags are stripped only when ``markup`` says the field is HTML
    (GOV.UK summaries, PubMed abstracts): elsewhere "age <65 and >18" is text.
    Writers escape whatever is left.
    """
    if not text:
        return ""
    # Each step runs only if its text can change it: most fields are short plain ASCII, and
    # a scan of 100,000 items calls this about a million times.
    if markup and "<" in text:
        text = _TAGS.sub(" ", text)
    if "&" in text:
        text = html.unescape(html.unescape(text)) if "&amp;" in text.lower() else html.unescape(text)
    if "\\" in text:
        text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    if not text.isascii():  # NFKC leaves ASCII as it is, and the invisible characters are not ASCII
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = " ".join(text.split())  # str.split's whitespace is exactly \s's: runs become one space
    if not text.isprintable():  # rare: control characters; the per-character pass is slow on long texts
        text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text[:limit]


def safe_url(url: str | None) -> str:
    """The URL if it is an absolute http(s) link, else the empty string."""
    if not url:
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if _URL_UNSAFE.search(url):
        return ""
    return url


def parse_date(value: str | None) -> date | None:
    """A date from the formats sources use: ISO dates and datetimes (any fraction), YYYY-MM, YYYY."""
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) == 4 and value.isdigit():
            return date(int(value), 1, 1)
        if len(value) == 7 and value[4] == "-":
            return date(int(value[:4]), int(value[5:7]), 1)
        if len(value) == 10:
            return date.fromisoformat(value)
        # ISRCTN gives nanoseconds; fromisoformat takes at most six fractional digits.
        value = re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00")
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def slug(text: str, length: int = 40, fallback: str = "scan") -> str:
    """Lowercase letters, digits and dashes: safe in a folder name and an artifact key."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:length].strip("-") or fallback
