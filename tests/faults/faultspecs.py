"""What the fault suite needs to know about each scanner, in one table.

A ``Spec`` says which sources.yaml keys a scanner needs besides ``base_url``, and
how to render a minimal valid response for whatever path the scanner asks for,
from a list of ``Rec`` records. Every other payload (duplicates, malformed dates,
entity bombs, hostile titles, invalid UTF-8) is made by changing the records or
the rendered bytes, so a new scanner needs one entry here and nothing else.
A scanner in ``scanners.REGISTRY`` without an entry fails ``test_every_scanner_has_a_spec``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from tests.faults.hostile import Request


@dataclass(frozen=True)
class Rec:
    """One record a source sends: a number that becomes its id, a title, a summary, a date string."""

    n: int
    title: str
    summary: str = ""
    day: str = ""  # in the source's own format; empty means today
    link: str = ""  # where a source carries a link per record (feeds): empty means a plain https one

    def when(self) -> str:
        return self.day or date.today().isoformat()


Render = Callable[[Request, list[Rec]], tuple[str, bytes]]  # (content type, body) for one request


@dataclass(frozen=True)
class Spec:
    settings: dict
    render: Render
    item_id: Callable[[str, Rec], str]  # (source key, record) -> the Item id the scanner gives it
    xml: bool = False  # its records arrive as XML: entity bombs apply


def _json(doc: object) -> tuple[str, bytes]:
    return "application/json", json.dumps(doc, ensure_ascii=False).encode("utf-8")


# -- ClinicalTrials.gov v2 ------------------------------------------------------------
def _ctgov(_req: Request, recs: list[Rec]) -> tuple[str, bytes]:
    return _json({"studies": [{
        "protocolSection": {
            "identificationModule": {"nctId": f"NCT{r.n:08d}", "briefTitle": r.title},
            "statusModule": {"overallStatus": "RECRUITING", "lastUpdatePostDateStruct": {"date": r.when()},
                             "studyFirstPostDateStruct": {"date": r.when()}},
            "descriptionModule": {"briefSummary": r.summary},
        },
        "hasResults": False,
    } for r in recs]})


# -- ISRCTN (XML, asked twice: limit=1 for the count, then all) -------------------------
def _isrctn(_req: Request, recs: list[Rec]) -> tuple[str, bytes]:
    trials = "".join(
        f'<fullTrial><trial lastUpdated={quoteattr(r.day or r.when() + "T10:00:00Z")} '
        f'publicIdentifierDateAssigned={quoteattr(r.day or r.when() + "T10:00:00Z")}>'
        f"<isrctn>{10000000 + r.n}</isrctn><trialDescription><title>{escape(r.title)}</title>"
        f"<plainEnglishSummary>{escape(r.summary)}</plainEnglishSummary></trialDescription>"
        f"<participants><recruitmentCountries><country>United Kingdom</country></recruitmentCountries>"
        f"</participants></trial></fullTrial>" for r in recs)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<allTrials xmlns="http://www.67bricks.com/isrctn" ' \
           f'totalCount="{len(recs)}">{trials}</allTrials>'
    return "text/xml", body.encode("utf-8")


# -- NICE listing pages (HTML) ----------------------------------------------------------
def _nice(_req: Request, recs: list[Rec]) -> tuple[str, bytes]:
    rows = "".join(
        f'<tr><td><a href="/guidance/ta{1000 + r.n}">{escape(r.title)}</a></td><td>TA{1000 + r.n}</td>'
        f'<td><time datetime={quoteattr(r.when())}>x</time></td><td><time datetime={quoteattr(r.when())}>x</time></td></tr>'
        for r in recs)
    body = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Guidance</title></head><body><main>'
            f'<h1>Published guidance</h1><table id="results"><tbody>{rows}</tbody></table></main></body></html>')
    return "text/html; charset=utf-8", body.encode("utf-8")


# -- GOV.UK search API (JSON) -----------------------------------------------------------
def _govuk(_req: Request, recs: list[Rec]) -> tuple[str, bytes]:
    return _json({"results": [{
        "title": r.title, "description": r.summary, "link": f"/drug-safety-update/item-{r.n}",
        "public_timestamp": r.day or r.when() + "T09:00:00Z", "first_published_at": r.day or r.when() + "T09:00:00Z",
        "format": "drug_safety_update",
    } for r in recs], "total": len(recs), "start": 0})


# -- PubMed: esearch (JSON ids) then efetch (XML records) -------------------------------
def _pubmed(req: Request, recs: list[Rec]) -> tuple[str, bytes]:
    if req.path.endswith("esearch.fcgi"):
        ids = [str(30000000 + r.n) for r in recs]
        return _json({"esearchresult": {"count": str(len(ids)), "idlist": ids}})
    arts = "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{30000000 + r.n}</PMID>"
        f"<DateRevised>{_ymd(r)}</DateRevised><Article><Journal><Title>BMJ</Title></Journal>"
        f"<ArticleTitle>{escape(r.title)}</ArticleTitle><Abstract><AbstractText>{escape(r.summary)}</AbstractText>"
        f"</Abstract></Article></MedlineCitation></PubmedArticle>" for r in recs)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>{arts}</PubmedArticleSet>'
    return "text/xml", body.encode("utf-8")


def _ymd(r: Rec) -> str:
    if r.day:
        return f"<Year>{escape(r.day)}</Year><Month>{escape(r.day)}</Month><Day>{escape(r.day)}</Day>"
    y, m, d = r.when().split("-")
    return f"<Year>{y}</Year><Month>{m}</Month><Day>{d}</Day>"


# -- medRxiv details API (JSON, cursor paging) ------------------------------------------
def _medrxiv(_req: Request, recs: list[Rec]) -> tuple[str, bytes]:
    return _json({"messages": [{"status": "ok", "cursor": 0, "count": len(recs), "total": len(recs)}],
                  "collection": [{"doi": f"10.1101/2026.01.{r.n:05d}", "title": r.title, "abstract": r.summary,
                                  "date": r.when(), "version": "1", "category": "cardiovascular medicine",
                                  "license": "cc_by", "server": "medrxiv"} for r in recs]})


# -- RSS 2.0 feed ----------------------------------------------------------------------
def _rss(_req: Request, recs: list[Rec]) -> tuple[str, bytes]:
    items = "".join(
        f"<item><title>{escape(r.title)}</title><link>{escape(r.link or f'https://example.org/news/{r.n}')}</link>"
        f'<guid isPermaLink="false">news-{r.n}</guid><description>{escape(r.summary)}</description>'
        f"<pubDate>{escape(r.day or _rfc822(r.when()))}</pubDate></item>" for r in recs)
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>News</title>'
            f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>")
    return "application/rss+xml", body.encode("utf-8")


def _rfc822(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%a, %d %b %Y 09:00:00 +0000")


SPECS: dict[str, Spec] = {
    "ctgov": Spec({"uk_only": False}, _ctgov, lambda s, r: f"ctgov:NCT{r.n:08d}"),
    "isrctn": Spec({"queries": []}, _isrctn, lambda s, r: f"isrctn:ISRCTN{10000000 + r.n}", xml=True),
    "nice": Spec({"listings": ["published"], "syndication_url": "{bad}/syndication"}, _nice, lambda s, r: f"nice:TA{1000 + r.n}"),
    "govuk": Spec({"formats": ["drug_safety_update"]}, _govuk, lambda s, r: f"govuk:drug-safety-update/item-{r.n}"),
    "pubmed": Spec({"queries": ["heart"]}, _pubmed, lambda s, r: f"pubmed:{30000000 + r.n}", xml=True),
    "medrxiv": Spec({}, _medrxiv, lambda s, r: f"medrxiv:10.1101/2026.01.{r.n:05d}"),
    "rss": Spec({"feeds": [{"path": "feed", "type": "news"}]}, _rss, lambda s, r: f"{s}:news-{r.n}", xml=True),
}
