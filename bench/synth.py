"""A synthetic week of N items in the sources' real response formats, served over local HTTP.

Why: the end-to-end bench must push the real scanners, store, classifier and writers
through the real ``horizon digest``; only the bytes are invented. Shapes follow the
bundled recordings (horizon/sample/): ClinicalTrials.gov v2 JSON pages with
``nextPageToken``, ISRCTN ``allTrials`` XML (``totalCount`` then ``limit``), NICE
listing HTML (``table#results``, "Next page" link with ``pa=``), WordPress RSS 2.0 pages
(``paged``) and an Atom feed. The server honours each source's date filter and
answers ``If-None-Match`` with 304, as the live services do, so a second run of the
same week sees what a live one would. Everything is seeded: same N, same bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from horizon.config import DEFAULT_DIR

# Shares of a week, roughly a national scan's mix: most volume is trials and news.
SHARES = {"ctgov": 0.40, "isrctn": 0.10, "nice": 0.05, "nhse-news": 0.20, "hin-news": 0.10, "health-press": 0.15}
FEED_PAGE = 100  # entries per WordPress feed page
RETOLD = 0.05  # share of stories that re-tell an earlier one (near-duplicates for dedup)
FILLER = ("patients", "service", "pilot", "evaluation", "primary care", "hospital", "community", "outcomes",
          "waiting times", "workforce", "pathway", "integrated care", "adults", "children", "older people",
          "randomised", "cohort", "quality improvement", "funding", "rollout", "regional", "national")
OFF_TOPIC = ("hip replacement", "cataract surgery", "veterinary", "orthodontics", "car parking", "estates")


@dataclass
class Record:
    """One synthetic thing before it is rendered: enough for every format."""

    n: int
    title: str
    summary: str
    day: date


@dataclass
class Week:
    """The records of each source for the week ending ``as_of``."""

    as_of: date
    records: dict[str, list[Record]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(r) for r in self.records.values())


def vocabulary() -> list[list[str]]:
    """Each default priority area's keywords: synthetic text that the classifier can place."""
    doc = yaml.safe_load((DEFAULT_DIR / "priorities.yaml").read_text(encoding="utf-8"))
    return [list(a.get("keywords") or [a["name"]]) for a in doc["areas"]]


def synthesise(n: int, as_of: date, seed: int = 16) -> Week:
    """N records split across the sources by ``SHARES``, dated in the 7 days up to ``as_of``."""
    rng = random.Random(seed)
    areas = vocabulary()
    week = Week(as_of=as_of)
    counts = {s: int(n * share) for s, share in SHARES.items()}
    counts["ctgov"] += n - sum(counts.values())
    for source, count in counts.items():
        stories = source.endswith("news") or source == "health-press"
        made: list[Record] = []
        for i in range(count):
            day = as_of - timedelta(days=rng.randrange(7))
            if stories and made and rng.random() < RETOLD:
                told = rng.choice(made[-200:])
                made.append(Record(i, f"Update: {told.title}", told.summary, day))
                continue
            words = rng.sample(rng.choice(areas), k=1) + rng.sample(FILLER, k=3)
            if rng.random() < 0.2:
                words[0] = rng.choice(OFF_TOPIC)
            title = f"{words[0].capitalize()} {words[1]} {words[2]} study {source} {i}"
            summary = (f"A {words[1]} of {words[0]} in {words[2]} and {words[3]} across England, "
                       f"item {i} of {source}; " + " ".join(rng.sample(FILLER, k=8)) + ".")
            made.append(Record(i, title, summary, day))
        week.records[source] = sorted(made, key=lambda r: (-r.day.toordinal(), r.n))
    return week


# -- rendering: one function per real format ---------------------------------------------
def ctgov_page(records: list[Record], token: str | None) -> bytes:
    studies = [{
        "protocolSection": {
            "identificationModule": {
                "nctId": f"NCT{90000000 + r.n:08d}", "briefTitle": r.title,
                "secondaryIdInfos": [{"id": f"ISRCTN{70000000 + r.n:08d}"}] if r.n % 50 == 0 else []},
            "statusModule": {"overallStatus": "RECRUITING", "studyFirstPostDateStruct": {"date": r.day.isoformat()},
                             "lastUpdatePostDateStruct": {"date": r.day.isoformat()},
                             "completionDateStruct": {"date": "2028-06"}},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "University of Cambridge"}},
            "descriptionModule": {"briefSummary": r.summary},
            "conditionsModule": {"conditions": r.title.split()[:2], "keywords": []},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE3" if r.n % 3 else "PHASE2"]},
            "contactsLocationsModule": {"locations": [{"country": "United Kingdom", "city": "Cambridge"}]},
        },
        "hasResults": False,
    } for r in records]
    return json.dumps({"studies": studies, **({"nextPageToken": token} if token else {})}).encode()


def isrctn_xml(records: list[Record], total: int) -> bytes:
    ns = "http://www.67bricks.com/isrctn"
    trials = "".join(
        f'<fullTrial><trial lastUpdated="{r.day.isoformat()}T10:00:00Z" '
        f'publicIdentifierDateAssigned="{r.day.isoformat()}T00:00:00Z">'
        f"<isrctn>{70000000 + r.n:08d}</isrctn><trialDescription><title>{escape(r.title)}</title>"
        f"<plainEnglishSummary>{escape(r.summary)}</plainEnglishSummary></trialDescription>"
        f"<externalRefs><clinicalTrialsGovNumber>{f'NCT{90000000 + r.n:08d}' if r.n % 50 == 0 else ''}"
        f"</clinicalTrialsGovNumber></externalRefs><participants><recruitmentCountries><country>England</country>"
        f"</recruitmentCountries><recruitmentStart>2026-01-01</recruitmentStart></participants></trial></fullTrial>"
        for r in records)
    return f'<allTrials xmlns="{ns}" totalCount="{total}">{trials}</allTrials>'.encode()


def nice_html(records: list[Record], page: int, more: bool, size: int) -> bytes:
    rows = "".join(
        f'<tr><td><a href="/guidance/ta{3000 + r.n}">{escape(r.title)}</a></td><td>TA{3000 + r.n}</td>'
        f'<td><time datetime="{r.day.isoformat()}T12:00:00">{r.day}</time></td>'
        f'<td><time datetime="{r.day.isoformat()}T12:00:00">{r.day}</time></td></tr>' for r in records)
    nxt = f'<a href="/guidance/published?ps={size}&amp;pa={page + 1}">Next page</a>' if more else ""
    return (f'<html><body><main><table id="results"><thead><tr><th>Title</th><th>Reference number</th>'
            f"<th>Published</th><th>Last updated</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<nav>{nxt}</nav></main></body></html>").encode()


def rss_xml(source: str, records: list[Record]) -> bytes:
    items = "".join(
        f"<item><title>{escape(r.title)}</title><link>https://{source}.example.org/{r.day.year}/story-{r.n}/</link>"
        f"<pubDate>{r.day.strftime('%a, %d %b %Y')} 09:00:00 +0000</pubDate>"
        f'<guid isPermaLink="false">{source}-{r.n}</guid>'
        f"<description><![CDATA[<p>{escape(r.summary)}</p>]]></description></item>"
        for r in records)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{source}</title>'
            f"<link>https://{source}.example.org</link>{items}</channel></rss>").encode()


def atom_xml(source: str, records: list[Record]) -> bytes:
    entries = "".join(
        f"<entry><title>{escape(r.title)}</title><link href=\"https://{source}.example.org/news/{r.n}\"/>"
        f"<id>tag:{source}.example.org,2026:{r.n}</id><updated>{r.day.isoformat()}T09:00:00Z</updated>"
        f"<summary>{escape(r.summary)}</summary></entry>" for r in records)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{source}</title>'
            f'<id>tag:{source}.example.org,2026:feed</id><updated>2026-01-01T00:00:00Z</updated>{entries}</feed>').encode()


# -- serving ------------------------------------------------------------------------------
_SINCE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _since(text: str) -> date:
    found = _SINCE.search(text or "")
    return date.fromisoformat(found.group(1)) if found else date.min


def respond(week: Week, path: str, query: dict[str, list[str]]) -> tuple[bytes, str] | None:
    """The body and content type for one request, or None for an unknown path."""
    one = {k: v[0] for k, v in query.items()}
    source = path.strip("/").split("/", 1)[0]
    records = week.records.get(source)
    if records is None:
        return None
    if source == "ctgov":
        fresh = [r for r in records if r.day >= _since(one.get("filter.advanced", ""))]
        size, start = min(int(one.get("pageSize", "100")), 1000), int(one.get("pageToken", "p0")[1:])
        token = f"p{start + size}" if start + size < len(fresh) else None
        return ctgov_page(fresh[start:start + size], token), "application/json"
    if source == "isrctn":
        fresh = [r for r in records if r.day >= _since(one.get("q", ""))]
        return isrctn_xml(fresh[:int(one.get("limit", "1"))], len(fresh)), "text/xml"
    if source == "nice":
        fresh = [r for r in records if r.day >= _since(one.get("from", ""))]
        size, page = int(one.get("ps", "50")), int(one.get("pa", "1"))
        chunk = fresh[(page - 1) * size:page * size]
        return nice_html(chunk, page, page * size < len(fresh), size), "text/html; charset=utf-8"
    page = int(one.get("paged", "1"))
    chunk = records[(page - 1) * FEED_PAGE:page * FEED_PAGE]
    if source == "health-press":
        return atom_xml(source, chunk), "application/atom+xml"
    return rss_xml(source, chunk), "application/rss+xml; charset=UTF-8"


def sources_yaml(url: str) -> dict:
    """The sources section pointing every scanner at the synthetic server."""
    paged = {"max_pages": 10_000}
    return {"sources": {
        "ctgov": {"base_url": f"{url}/ctgov/api/v2", "page_size": 1000, "uk_only": True, "queries": [""], **paged},
        "isrctn": {"base_url": f"{url}/isrctn", "max_records": 20_000, "queries": [""]},
        "nice": {"base_url": f"{url}/nice", "country": "United Kingdom", "page_size": 100, **paged},
        "nhse-news": {"scanner": "rss", "base_url": f"{url}/nhse-news", "country": "United Kingdom",
                      "feeds": [{"path": "/feed/", "type": "news", "page_param": "paged"}], **paged},
        "hin-news": {"scanner": "rss", "base_url": f"{url}/hin-news", "country": "United Kingdom",
                     "feeds": [{"path": "/feed/", "type": "innovation", "page_param": "paged"}], **paged},
        "health-press": {"scanner": "rss", "base_url": f"{url}/health-press", "country": "United Kingdom",
                         "feeds": [{"path": "/feed/", "type": "news", "page_param": "paged"}], **paged},
    }}


@contextmanager
def serve(week: Week) -> Iterator[tuple[str, Counter[str]]]:
    """Serve ``week`` on 127.0.0.1; yields the base URL and a live count of responses by status."""
    served: Counter[str] = Counter()
    cache: dict[str, tuple[bytes, str, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the live services
        # Headers and body leave in one send: written apart, Nagle holds the body until the client's
        # delayed ACK (about 40 ms), which made every request cost 45 ms (200 guidance pages: 9 s).
        wbufsize = 1 << 16

        def do_GET(self) -> None:
            if self.path not in cache:
                url = urlsplit(self.path)
                found = respond(week, url.path, parse_qs(url.query, keep_blank_values=True))
                if found is None:
                    served["404"] += 1
                    self.send_error(404)
                    return
                body, kind = found
                cache[self.path] = (body, kind, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
            body, kind, etag = cache[self.path]
            if self.headers.get("If-None-Match") == etag:
                served["304"] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            served["200"] += 1
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()
