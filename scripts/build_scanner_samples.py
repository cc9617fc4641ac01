"""Build the bundled samples of the ISRCTN, NICE, MHRA, PubMed and news-feed sources.

Each source gets recorded responses in its real format (element and field names,
nesting, namespaces, date formats as in the recorded samples described in
horizon/sample/README.md), filled with the real items of the labelled dev set of that
kind: id, title, summary, link and date are the dev set's; what the dev set does not
record (status dates, sites, facets, journal) is left out rather than invented.
Synthetic details are listed in the README. Also writes each source's routes.json,
and a smaller "previous week" snapshot under previous/ (the first half of each
source's items) that the sample run replays first, so this week's items are new,
seen or changed.

    python scripts/build_scanner_samples.py DEV_JSONL
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from datetime import UTC, date, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

SAMPLE = Path(__file__).resolve().parents[1] / "horizon" / "sample"
ROOT = SAMPLE  # where write() puts files: the sample, or its previous/ snapshot
# Synthetic: DG35 shows as updated in the sample week, so the digest has a changed NICE guideline
# ("revised: 2019-01-29 -> 2026-11-18"); last week's snapshot has its published date.
SYNTHETIC_REVISED = {"NICE-DG35": "2026-11-18"}
PREVIOUS_IDS: set[str] = set()  # the items of last week's snapshot
REAL = Path(__file__).resolve().parents[1] / "tests" / "scanners" / "fixtures"
NICE_PAGE_SIZE = 25
MHRA_PAGE_SIZE = 10
# A real ISRCTN/ClinicalTrials.gov pair: RECOVERY is ISRCTN50189673 and NCT04381936 (also EudraCT
# 2020-001113-21); NCT04381936 is in the ctgov sample. Known ids, not a recorded response.
RECOVERY = {"id": "ISRCTN50189673", "title": "Randomised Evaluation of COVID-19 Therapy (RECOVERY)",
            "summary": "UK platform trial comparing possible treatments with usual care in patients admitted to hospital with COVID-19.",
            "published": "2020-03-23", "nct": "NCT04381936", "eudract": "2020-001113-21"}
# SYNTHETIC: a second registration of CLOuD (NCT02871089, in the ctgov sample) under a placeholder
# ISRCTN number, so the sample digest shows one entry listing both registrations. Not a real record.
CLOUD_TWIN = {"id": "ISRCTN00000002", "title": "Closed Loop From Onset in Type 1 Diabetes (CLOuD)",
              "summary": "Trial in young people aged 10–16 diagnosed with type 1 diabetes within the previous 21 days, "
                         "comparing hybrid closed-loop insulin delivery with multiple daily injections to test whether "
                         "closed-loop control from onset preserves residual C-peptide secretion.",
              "published": "2016-08-22", "nct": "NCT02871089"}


def nct_xref(nct: str) -> str:
    return f'\n          <secondaryNumber numberType="nct" canonicalSecondaryNumber="{nct}">{nct}</secondaryNumber>\n        '


def rows(dev: Path) -> list[dict]:
    return [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]


def iso(published: str, time: str = "T00:00:00.000Z") -> str | None:
    """A dev date (YYYY, YYYY-MM or YYYY-MM-DD) as the source's datetime; missing parts are the 1st."""
    if not published:
        return None
    parts = (published.split("-") + ["01", "01"])[:3]
    return f"{parts[0]}-{parts[1]}-{parts[2]}{time}"


def write(source: str, name: str, text: str) -> None:
    folder = ROOT / source
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def routes(source: str, entries: list[dict]) -> None:
    write(source, "routes.json", json.dumps(entries, indent=1) + "\n")


# ---------------------------------------------------------------- ISRCTN
def isrctn_record(row: dict, xrefs: str = "") -> str:
    number = row["id"].removeprefix("ISRCTN")
    assigned = iso(row.get("published", ""), "T00:00:00.000000Z")
    assigned_attr = f' publicIdentifierDateAssigned="{assigned}"' if assigned else ""
    return f"""  <fullTrial>
    <trial lastUpdated="2026-11-18T10:12:41.123456789Z" version="1" isPublished="true" publicIdentifierType="isrctn" publicIdentifierCanonical="ISRCTN{number}"{assigned_attr}>
      <isrctn>{number}</isrctn>
      <trialDescription>
        <title>{escape(row["title"], quote=False)}</title>
        <scientificTitle />
        <acronym />
        <studyHypothesis />
        <plainEnglishSummary>{escape(row["summary"], quote=False)}</plainEnglishSummary>
      </trialDescription>
      <externalRefs>
        <doi>10.1186/ISRCTN{number}</doi>
        <eudraCTNumber>{row.get("eudract", "")}</eudraCTNumber>
        <irasNumber />
        <clinicalTrialsGovNumber>{row.get("nct", "")}</clinicalTrialsGovNumber>
        <protocolSerialNumber />
        <secondaryNumbers>{xrefs}</secondaryNumbers>
      </externalRefs>
      <trialDesign />
      <participants />
      <conditions />
      <interventions />
      <results />
      <parties />
    </trial>
  </fullTrial>
"""


def build_isrctn(items: list[dict]) -> None:
    trials = [r for r in items if re.fullmatch(r"ISRCTN\d{8}", r["id"])]
    real = (REAL / "isrctn" / "trial_with_nct_crossref.xml").read_text(encoding="utf-8")
    real_trial = real[real.index("<fullTrial>"):real.rindex("</fullTrial>") + len("</fullTrial>")]
    if ROOT != SAMPLE:  # last week: half the trials, no RECOVERY
        body, real_trial, total = "".join(isrctn_record(r) for r in trials[:len(trials) // 2]), "", len(trials) // 2
    else:
        twins = isrctn_record(RECOVERY, nct_xref(RECOVERY["nct"])) + isrctn_record(CLOUD_TWIN, nct_xref(CLOUD_TWIN["nct"]))
        body, total = "".join(isrctn_record(r) for r in trials) + twins, len(trials) + 3
    write("isrctn", "query.xml", f'<allTrials xmlns="http://www.67bricks.com/isrctn" totalCount="{total}">\n'
          f"{body}  {real_trial}\n</allTrials>\n")
    routes("isrctn", [{"path": "/isrctn/api/query/format/default", "params": {"q": None, "limit": None},
                       "file": "query.xml", "content_type": "application/xml"}])


# ---------------------------------------------------------------- NICE
def time_cell(when: str | None) -> str:
    if not when:
        return ""
    d = date.fromisoformat(when[:10])
    return (f'<time class="date" data-shortdate="{d.day}/{d.month}/{d.year}" datetime="{when}">'
            f"<span>{d.day} {d.strftime('%B')} {d.year}</span></time>")


def nice_row(row: dict) -> str:
    ref = row["id"].removeprefix("NICE-")
    published = iso(row.get("published", ""), "T12:00:00")
    revised = SYNTHETIC_REVISED.get(row["id"]) if ROOT == SAMPLE else None
    updated = f"{revised}T12:00:00" if revised else published
    return (f'                <tr>\n                  <td><a href="/guidance/{ref.lower()}">{escape(row["title"])}</a></td>\n'
            f"                  <td>{ref}</td>\n                  <td>{time_cell(published)}</td>\n"
            f"                  <td>{time_cell(updated)}</td>\n                </tr>\n")


def nice_page(rows_: list[dict], number: int, pages: int, total: int) -> str:
    first = (number - 1) * NICE_PAGE_SIZE + 1
    nxt = (f'<li class="pagination__item pagination__item--bookend"><a class="pagination__link" '
           f'href="/guidance/published?ps={NICE_PAGE_SIZE}&amp;pa={number + 1}">Next page</a></li>') if number < pages else ""
    prev = (f'<li class="pagination__item pagination__item--bookend"><a class="pagination__link" '
            f'href="/guidance/published?ps={NICE_PAGE_SIZE}&amp;pa={number - 1}">Previous page</a></li>') if number > 1 else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8" /><title>Published | Guidance | NICE</title></head>
<body>
<div>
  <main id="content-start">
    <div class="container">
      <nav aria-label="Stages of guidance development" class="horizontal-nav">
        <ul class="horizontal-nav__list">
          <li class="horizontal-nav__item"><a aria-current="true" class="horizontal-nav__link" href="/guidance/published">Published</a></li>
          <li class="horizontal-nav__item"><a aria-current="false" class="horizontal-nav__link" href="/guidance/inconsultation">In consultation</a></li>
          <li class="horizontal-nav__item"><a aria-current="false" class="horizontal-nav__link" href="/guidance/indevelopment">In development</a></li>
        </ul>
      </nav>
      <div class="grid grid--loose sectionWrapper_a81Xq">
        <section aria-labelledby="filter-summary" data-g="12 md:8 lg:9">
          <div class="filter-summary" id="filter-summary">
            <div class="filter-summary__count"><h2 class="h5 mv--0">Showing {first} to {first + len(rows_) - 1} of {total}</h2></div>
          </div>
          <div class="tableWrapper_Qm3Zt">
            <table aria-describedby="filter-summary" class="table" id="results">
              <caption class="visually-hidden">Published guidance, NICE advice and quality standards</caption>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Reference number</th>
                  <th scope="col">Published</th>
                  <th scope="col">Last updated</th>
                </tr>
              </thead>
              <tbody>
{"".join(nice_row(r) for r in rows_)}              </tbody>
            </table>
          </div>
          <nav aria-label="Pagination" class="pagination " role="navigation">
            <ol class="pagination__list">
              {prev}
              <li class="pagination__item pagination__item--count"><span>Page <strong>{number}</strong> of <strong>{pages}</strong></span></li>
              {nxt}
            </ol>
          </nav>
        </section>
      </div>
    </div>
  </main>
</div>
</body>
</html>
"""


def build_nice(items: list[dict]) -> None:
    guidance = [r for r in items if re.fullmatch(r"NICE-[A-Z]+\d+", r["id"])]
    pages = [guidance[i:i + NICE_PAGE_SIZE] for i in range(0, len(guidance), NICE_PAGE_SIZE)]
    entries = []
    for number, chunk in enumerate(pages, 1):
        name = f"published_page{number}.html"
        write("nice", name, nice_page(chunk, number, len(pages), len(guidance)))
        entries.append({"path": "/nice/guidance/published", "params": {"pa": str(number)}, "file": name,
                        "content_type": "text/html; charset=utf-8"})
    routes("nice", entries)


# ---------------------------------------------------------------- MHRA (GOV.UK search API)
def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def mhra_result(row: dict) -> dict:
    path = urlsplit(row["url"]).path.rstrip("/")
    link = path if path.count("/") >= 2 else f"/drug-safety-update/{slug(row['title'])}"
    when = iso(row.get("published", ""), "T00:00:00.000+00:00")
    result = {"title": row["title"], "description": row["summary"], "link": link, "format": "drug_safety_update"}
    if when:
        result.update(public_timestamp=when, first_published_at=when)
    return result


def build_mhra(items: list[dict]) -> None:
    safety = [mhra_result(r) for r in items if r["id"].startswith("MHRA-DSU-")]
    entries = []
    for start in range(0, len(safety), MHRA_PAGE_SIZE):
        name = f"drug_safety_update_{start // MHRA_PAGE_SIZE + 1}.json"
        page = {"results": safety[start:start + MHRA_PAGE_SIZE], "total": len(safety), "start": start,
                "aggregates": {}, "suggested_queries": []}
        write("mhra-safety", name, json.dumps(page, indent=1, ensure_ascii=False) + "\n")
        entries.append({"path": "/mhra-safety/api/search.json",
                        "params": {"filter_format": "drug_safety_update", "start": str(start)},
                        "file": name, "content_type": "application/json"})
    empty = {"results": [], "total": 0, "start": 0, "aggregates": {}, "suggested_queries": []}
    write("mhra-safety", "medical_safety_alert_empty.json", json.dumps(empty, indent=1) + "\n")
    entries.append({"path": "/mhra-safety/api/search.json", "params": {"filter_format": "medical_safety_alert"},
                    "file": "medical_safety_alert_empty.json", "content_type": "application/json"})
    routes("mhra-safety", entries)


# ---------------------------------------------------------------- PubMed
def pubmed_article(row: dict) -> str:
    pmid = row["id"].removeprefix("PMID")
    y, m, d = (iso(row.get("published", "")) or "1900-01-01")[:10].split("-")
    return f"""  <PubmedArticle>
    <MedlineCitation Status="MEDLINE" Owner="NLM">
      <PMID Version="1">{pmid}</PMID>
      <Article PubModel="Print-Electronic">
        <ArticleTitle>{escape(row["title"], quote=False)}</ArticleTitle>
        <Abstract>
          <AbstractText>{escape(row["summary"], quote=False)}</AbstractText>
        </Abstract>
        <Language>eng</Language>
        <PublicationTypeList>
          <PublicationType UI="D016428">Journal Article</PublicationType>
        </PublicationTypeList>
      </Article>
    </MedlineCitation>
    <PubmedData>
      <History>
        <PubMedPubDate PubStatus="pubmed">
          <Year>{y}</Year>
          <Month>{int(m)}</Month>
          <Day>{int(d)}</Day>
        </PubMedPubDate>
      </History>
      <PublicationStatus>ppublish</PublicationStatus>
      <ArticleIdList>
        <ArticleId IdType="pubmed">{pmid}</ArticleId>
      </ArticleIdList>
    </PubmedData>
  </PubmedArticle>
"""


def build_pubmed(items: list[dict]) -> None:
    papers = [r for r in items if re.fullmatch(r"PMID\d+", r["id"])]
    ids = [r["id"].removeprefix("PMID") for r in papers]
    search = {"header": {"type": "esearch", "version": "0.3"},
              "esearchresult": {"count": str(len(ids)), "retmax": str(len(ids)), "retstart": "0", "idlist": ids,
                                "translationset": [], "querytranslation": "sample"}}
    write("pubmed", "esearch.json", json.dumps(search, indent=2) + "\n")
    write("pubmed", "efetch.xml", '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
          '1st January 2023//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_230101.dtd">\n<PubmedArticleSet>\n'
          + "".join(pubmed_article(r) for r in papers) + "</PubmedArticleSet>\n")
    routes("pubmed", [
        {"path": "/pubmed/entrez/eutils/esearch.fcgi", "params": {"term": None}, "file": "esearch.json",
         "content_type": "application/json"},
        {"path": "/pubmed/entrez/eutils/efetch.fcgi", "params": {"id": None}, "file": "efetch.xml",
         "content_type": "text/xml"},
    ])


# ---------------------------------------------------------------- RSS feeds
FEEDS = {  # source -> (site title, site link, which dev items: a test on the item's url host)
    "nhse-news": ("NHS England", "https://www.england.nhs.uk", lambda host: host.endswith("england.nhs.uk")),
    "nihr-news": ("NIHR", "https://www.nihr.ac.uk", lambda host: "nihr.ac.uk" in host),
    "hin-news": ("The Health Innovation Network", "https://thehealthinnovationnetwork.co.uk",
                 lambda host: "ahsn" in host or "healthinnovation" in host),
}


def rss_item(row: dict) -> str:
    pub = ""
    if when := iso(row.get("published", ""), ""):
        stamp = datetime.fromisoformat(when[:10]).replace(hour=9, tzinfo=UTC)
        pub = f"\n      <pubDate>{format_datetime(stamp)}</pubDate>"
    # Synthetic: the entry's update date (dc:date, which feedparser reads as "updated") falls in the
    # week the entry first appears, so the feed's since-filter keeps what is new and drops what was seen.
    spread = zlib.crc32(row["id"].encode()) % 5  # the same date in both snapshots
    first_seen = date(2026, 11, 9 + spread) if row["id"] in PREVIOUS_IDS else date(2026, 11, 16 + spread)
    pub += f"\n      <dc:date>{first_seen.isoformat()}T08:00:00Z</dc:date>"
    link = escape(row["url"])
    return f"""    <item>
      <title>{escape(row["title"], quote=False)}</title>
      <link>{link}</link>{pub}
      <guid isPermaLink="false">{escape(row["id"])}</guid>
      <description><![CDATA[<p>{escape(row["summary"], quote=False)}</p>]]></description>
    </item>
"""


def rss(title: str, link: str, rows_: list[dict]) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{escape(title)}</title>
    <link>{link}</link>
    <description>{escape(title)} news</description>
    <language>en-GB</language>
{"".join(rss_item(r) for r in rows_)}  </channel>
</rss>
"""


def build_feeds(items: list[dict]) -> None:
    stories = [r for r in items if r["source_type"] in ("news", "innovation") and r.get("url", "").startswith("http")]
    used: set[str] = set()
    for source, (title, link, wanted) in FEEDS.items():
        chosen = [r for r in stories if wanted(urlsplit(r["url"]).netloc.lower())]
        used.update(r["id"] for r in chosen)
        write(source, "feed.xml", rss(title, link, chosen))
        path = "/nihr-news/rss/news" if source == "nihr-news" else f"/{source}/feed/"
        routes(source, [{"path": path, "params": {"paged": None}, "file": "feed.xml",
                         "content_type": "application/rss+xml; charset=UTF-8"}])
    rest = [r for r in stories if r["id"] not in used]
    news = [r for r in rest if r["source_type"] == "news"]
    innovation = [r for r in rest if r["source_type"] == "innovation"]
    write("health-press", "news.xml", rss("Health press (sample)", "https://www.digitalhealth.net", news))
    write("health-press", "innovation.xml", rss("Health innovation (sample)", "https://www.digitalhealth.net", innovation))
    routes("health-press", [
        {"path": "/health-press/feed/", "params": {"paged": None}, "file": "news.xml",
         "content_type": "application/rss+xml; charset=UTF-8"},
        {"path": "/health-press/innovation/feed/", "params": {"paged": None}, "file": "innovation.xml",
         "content_type": "application/rss+xml; charset=UTF-8"},
    ])


def first_half_of_each_kind(items: list[dict]) -> list[dict]:
    """Last week's snapshot: the first half of the items of each kind (the rest are new this week)."""
    kinds: dict[str, list[dict]] = {}
    for row in items:
        kind = re.sub(r"[\d-].*", "", row["id"]) if row["source_type"] not in ("news", "innovation") else row["source_type"]
        kinds.setdefault(kind, []).append(row)
    keep = {id(r) for group in kinds.values() for r in group[:(len(group) + 1) // 2]}
    return [r for r in items if id(r) in keep]


def main(dev_path: str) -> None:
    global ROOT
    items = rows(Path(dev_path))
    PREVIOUS_IDS.update(r["id"] for r in first_half_of_each_kind(items))
    for root, chosen in ((SAMPLE, items), (SAMPLE / "previous", first_half_of_each_kind(items))):
        ROOT = root
        for build in (build_isrctn, build_nice, build_mhra, build_pubmed, build_feeds):
            build(chosen)
    print(f"built samples under {SAMPLE} and {SAMPLE / 'previous'}")


if __name__ == "__main__":
    main(sys.argv[1])
