"""NICE guidance overviews: a summary for guidance the listing pages give none for.

The listing (``scanners/nice.py``) carries a title, reference and dates only, and the
Syndication API needs a key. Without one, each guidance item in the digest that has
no summary gets one polite request (the shared client: User-Agent, per-host limit,
retries, size cap) for its guidance page, whose overview is the page's meta
description or, failing that, the first paragraph of its overview section. What was
read is cached by reference and revision date, so an item costs one request ever,
not one a week; a page that fails or says nothing leaves the summary empty, which
the digest shows as "No summary published.".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from horizon.errors import SourceError
from horizon.items import Item
from horizon.text import clean
from scanners.http import HttpClient

SITE = "https://www.nice.org.uk"
MAX_CHARS = 1200  # an overview is a paragraph; anything longer is cut, not stored whole
MAX_PAGES = 200  # requests per run at most: a first run over years of guidance must not hammer the site


@dataclass
class Overviews:
    """What a run did: the items (with summaries where found), the cache to save, and counts."""

    items: list[Item]
    cache: dict[str, str]
    counts: Counter[str] = field(default_factory=Counter)


def cache_key(item: Item) -> str:
    """An overview belongs to one revision: a revised guideline is read again."""
    return f"{item.id}@{item.extras.revised or item.updated or item.published or ''}"


def page_url(item: Item, base_url: str) -> str:
    """The guidance page on ``base_url`` (the NICE site, or a replay of it)."""
    path = urlsplit(item.url).path or f"/guidance/{item.id.split(':', 1)[1].lower()}"
    return base_url.rstrip("/") + path


def parse_overview(raw: bytes) -> str:
    """The overview text of a guidance page: its meta description, else the overview's first paragraph."""
    soup = BeautifulSoup(raw.decode("utf-8", "replace"), "lxml")
    meta = soup.find("meta", attrs={"name": "description"})
    text = clean(str(meta.get("content", ""))) if meta is not None else ""
    if not text:
        section = soup.find(id="overview") or soup.find("main")
        paragraph = section.find("p") if section is not None else None
        text = clean(paragraph.get_text(" ")) if paragraph is not None else ""
    return text[:MAX_CHARS]


def add_overviews(items: Sequence[Item], http: HttpClient, base_url: str = SITE, cache: dict[str, str] | None = None,
                  source: str = "nice", max_pages: int = MAX_PAGES) -> Overviews:
    """Fill in missing summaries of ``source``'s guidance items from their pages, one request each, cached."""
    cache = dict(cache or {})
    done = Overviews(items=[], cache=cache)
    for item in items:
        if item.source != source or item.type != "guidance" or item.summary.strip():
            done.items.append(item)
            continue
        key = cache_key(item)
        if key not in cache and done.counts["overview-requests"] < max_pages:
            done.counts["overview-requests"] += 1
            try:
                cache[key] = parse_overview(http.get(source, page_url(item, base_url)).body)
            except SourceError as err:
                done.counts["overview-failed"] += 1
                if not err.transient:  # a missing page stays missing; a timeout or a 5xx is tried next run
                    cache[key] = ""
        text = cache.get(key, "")
        done.counts["overview-found" if text else "overview-none"] += 1
        done.items.append(item.model_copy(update={"summary": text}) if text else item)
    return done


def load_cache(text: str | None) -> dict[str, str]:
    """The cache as saved in the store; anything unreadable starts afresh."""
    try:
        doc = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in doc.items()} if isinstance(doc, dict) else {}
