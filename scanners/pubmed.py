"""PubMed E-utilities (sources.md section 5): esearch (JSON) for ids, efetch (XML) for records.

The window is the Entrez date (``datetype=edat``, ``mindate``), so an article is seen
when PubMed adds it. efetch has no JSON; its XML has inline markup in titles and
abstracts, read with ``itertext``. An NCBI key is optional, read from the environment.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated
from xml.etree.ElementTree import Element

from pydantic import Field

from horizon.errors import MalformedResponse
from horizon.items import Extras, Item
from horizon.text import clean, parse_date
from scanners.base import Parsed, Scanner, SourceSettings, json_body, json_shape
from scanners.http import Response
from scanners.safexml import parse_xml, snippet, text_of

ESEARCH_CAP = 9999  # "ESearch can only retrieve the first 9,999 records"
_PMC = re.compile(r"^PMC\d+$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


class PubmedSettings(SourceSettings):
    page_size: Annotated[int, Field(ge=1, le=500)] = 200
    tool: str = "horizon-scanning"
    email: str = ""
    api_key_env: str = "NCBI_API_KEY"  # the name of the variable, never the key


class Pubmed(Scanner):
    """Articles matching each configured query, added to PubMed since the watermark."""

    name = "pubmed"
    Settings = PubmedSettings
    settings: PubmedSettings

    def fetch(self, since: date) -> Iterator[tuple[Response, Parsed]]:
        seen: set[str] = set()
        for query in self.settings.queries or ("",):
            if not query:
                self.notes.append(f"{self.source}: no queries configured; PubMed needs a search term")
                return
            start = 0
            for _ in range(self.settings.max_pages):
                params = self.search_params(query, since, start)
                search = self.http.get(self.source, self._url("esearch"), params=params)
                ids, total = parse_search(search.body, self.source)
                ids = [i for i in ids if f"pubmed:{i}" not in seen]
                if ids:
                    response = self.http.get(self.source, self._url("efetch"), params=self._common(
                        {"db": "pubmed", "id": ",".join(ids), "retmode": "xml", "rettype": "abstract"}))
                    parsed = self._parse_page(response)
                    seen.update(i.id for i in parsed.items)
                    yield response, parsed
                start += self.settings.page_size
                if start >= min(total, ESEARCH_CAP):
                    break
            else:
                self._stopped_early(f"'{query}'")
            if total > ESEARCH_CAP:
                self.notes.append(f"{self.source}: '{query}' matches {total} articles; esearch reads only the first "
                                  f"{ESEARCH_CAP}: narrow the query or shorten the window")

    def search_params(self, query: str, since: date, start: int) -> dict[str, str]:
        """esearch filters: the term, the Entrez-date window and one page of ids."""
        return self._common({
            "db": "pubmed", "term": query, "retmode": "json", "datetype": "edat",
            "mindate": since.strftime("%Y/%m/%d"), "maxdate": date.today().strftime("%Y/%m/%d"),
            "retmax": str(self.settings.page_size), "retstart": str(start),
        })

    def _common(self, params: dict[str, str]) -> dict[str, str]:
        params = dict(params, tool=self.settings.tool)
        if self.settings.email:
            params["email"] = self.settings.email
        if key := os.environ.get(self.settings.api_key_env, "").strip():
            params["api_key"] = key  # http.py never logs query strings
        return params

    def _url(self, utility: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/{utility}.fcgi"

    def parse(self, raw: bytes) -> Parsed:
        if raw.lstrip()[:1] == b"{":  # a saved esearch page handed to `horizon parse`: say what it is
            ids, total = parse_search(raw, self.source)
            raise MalformedResponse(self.source, f"this is an esearch response ({len(ids)} of {total} ids), not efetch "
                                                 "XML: items come from the efetch response")
        root = parse_xml(self.source, raw)
        if root.tag != "PubmedArticleSet":
            raise MalformedResponse(self.source, f"expected <PubmedArticleSet> from efetch, got <{root.tag}> "
                                                 f"({snippet(raw)})")
        parsed = Parsed(skipped=Counter())
        for article in root.iterfind("PubmedArticle"):
            item = parse_article(article, self.source)
            if item is None:
                parsed.skipped["malformed"] += 1
            else:
                parsed.items.append(item)
        for other in root:  # a renamed record element is records not understood, not an empty page
            if other.tag == "PubmedBookArticle":
                parsed.skipped["book"] += 1
            elif other.tag not in ("PubmedArticle", "DeleteCitation"):
                parsed.skipped["malformed"] += 1
        return parsed


def parse_search(raw: bytes, source: str = "pubmed") -> tuple[list[str], int]:
    """The PMIDs and total count of an esearch JSON page; NCBI errors become ``MalformedResponse``."""
    try:
        doc = json_body(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise MalformedResponse(source, f"esearch response is not JSON ({snippet(raw)})") from err
    result = doc.get("esearchresult") if isinstance(doc, dict) else None
    if not isinstance(result, dict):
        raise MalformedResponse(source, f"esearch response has no 'esearchresult' ({json_shape(doc)})")
    if error := result.get("ERROR"):
        raise MalformedResponse(source, f"esearch error: {clean(str(error))[:200]}")
    ids = [i for i in result.get("idlist") or [] if isinstance(i, str) and i.isdigit()]
    try:
        total = int(result.get("count") or 0)  # counts are strings
    except ValueError:
        total = len(ids)
    return ids, total


def parse_article(article: Element, source: str = "pubmed") -> Item | None:
    """One ``PubmedArticle`` as an Item, or None without a PMID and title."""
    citation = article.find("MedlineCitation")
    pmid = (citation.findtext("PMID") or "").strip() if citation is not None else ""
    art = citation.find("Article") if citation is not None else None
    title = clean(text_of(art.find("ArticleTitle"))) if art is not None else ""
    if not pmid.isdigit() or not title or art is None or citation is None:
        return None
    abstract = " ".join(
        (f"{p.get('Label')}: " if p.get("Label") else "") + text_of(p) for p in art.iterfind("Abstract/AbstractText"))
    mesh = [text_of(d) for d in citation.iterfind("MeshHeadingList/MeshHeading/DescriptorName")]
    keywords = [text_of(k) for k in citation.iterfind("KeywordList/Keyword")]
    ids = {a.get("IdType"): text_of(a).strip() for a in article.iterfind("PubmedData/ArticleIdList/ArticleId")}
    doi, pmc = ids.get("doi", ""), ids.get("pmc", "").upper()
    kinds = [c for p in art.iterfind("PublicationTypeList/PublicationType") if (c := clean(text_of(p)))]
    return Item(
        id=f"pubmed:{pmid}",
        source=source,
        type="literature",
        title=title,
        summary=clean(abstract, limit=3000),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        published=_published(article, art),
        updated=_ymd(citation.find("DateRevised")),
        extras=Extras(
            programme=clean(art.findtext("Journal/Title")) or None,
            keywords=tuple(dict.fromkeys(c for k in mesh + keywords if (c := clean(k)))),
            categories=tuple(dict.fromkeys(kinds)),
            xrefs=tuple(x for x in (f"doi:{doi.lower()}" if doi else "", f"pmc:{pmc}" if _PMC.match(pmc) else "") if x),
            flags=_flags(citation, kinds),
        ),
    )


def _flags(citation: Element, kinds: list[str]) -> tuple[str, ...]:
    """"retracted" for a retracted article (its type, or a RetractionIn link); "retraction-notice" for the notice."""
    refs = {c.get("RefType") for c in citation.iterfind("CommentsCorrectionsList/CommentsCorrections")}
    flags = []
    if "Retracted Publication" in kinds or "RetractionIn" in refs:
        flags.append("retracted")
    if "Retraction of Publication" in kinds or "RetractionOf" in refs:
        flags.append("retraction-notice")
    if "ExpressionOfConcernIn" in refs:
        flags.append("expression-of-concern")
    return tuple(flags)


def _published(article: Element, art: Element) -> date | None:
    """When PubMed listed it (``PubStatus=pubmed``), else the electronic or issue date."""
    for status in ("pubmed", "entrez"):
        found = article.find(f"PubmedData/History/PubMedPubDate[@PubStatus='{status}']")
        if (when := _ymd(found)) is not None:
            return when
    return _ymd(art.find("ArticleDate")) or _ymd(art.find("Journal/JournalIssue/PubDate"))


def _ymd(element: Element | None) -> date | None:
    """A date from Year/Month/Day children; months may be names ("Jun") and days absent."""
    if element is None:
        return None
    year = (element.findtext("Year") or "").strip()
    month = (element.findtext("Month") or "1").strip()
    day = (element.findtext("Day") or "1").strip()
    if not year.isdigit():
        if element.find("MedlineDate") is None:
            return None
        return parse_date(re.sub(r"\D.*", "", element.findtext("MedlineDate") or ""))
    month_num = int(month) if month.isdigit() else _MONTHS.get(month[:3].lower(), 1)
    try:
        return date(int(year), month_num, int(day) if day.isdigit() else 1)
    except ValueError:
        return None
