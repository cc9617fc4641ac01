"""How fast each scanner's ``parse`` reads a large scan, and how much memory it needs.

Generates a scan of thousands of records per source in the real response formats
(built by repeating the recorded responses in tests/scanners/fixtures with fresh ids),
splits it into pages as the source would serve them, replays every page through the
scanner's ``parse`` and prints records/second and the peak memory traced while parsing.
Also times ``steps.dedup.group`` on the combined result.

    uv run python bench/parsers.py [--records 5000] [--only isrctn,nice]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from horizon.items import Item
from scanners import REGISTRY
from scanners.http import HttpClient
from steps.dedup import group

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "scanners" / "fixtures"


def _read(path: str) -> str:
    return (FIXTURES / path).read_text(encoding="utf-8")


def isrctn_pages(n: int) -> list[bytes]:
    """One response holding every record: ISRCTN has no paging (limit = totalCount)."""
    doc = _read("isrctn/trial_with_nct_crossref.xml")
    record = doc[doc.index("<fullTrial>"):doc.rindex("</fullTrial>") + len("</fullTrial>")]
    body = "".join(record.replace("62918594", f"{10_000_000 + i:08d}").replace("NCT05057013", f"NCT{i:08d}")
                   for i in range(n))
    return [f'<allTrials xmlns="http://www.67bricks.com/isrctn" totalCount="{n}">{body}</allTrials>'.encode()]


def ctgov_pages(n: int, size: int = 100) -> list[bytes]:
    study = json.loads(_read("ctgov/study_NCT06388018.json"))["studies"][0]
    pages = []
    for start in range(0, n, size):
        studies = []
        for i in range(start, min(n, start + size)):
            s = copy.deepcopy(study)
            s["protocolSection"]["identificationModule"]["nctId"] = f"NCT{i:08d}"
            studies.append(s)
        pages.append(json.dumps({"studies": studies, "nextPageToken": "x"}).encode())
    return pages


def nice_pages(n: int, size: int = 50) -> list[bytes]:
    html = _read("nice/published_page1.html")
    head, rest = html.split("<tbody>", 1)
    rows, tail = rest.split("</tbody>", 1)
    row = rows.split("</tr>")[0] + "</tr>"
    pages = []
    for start in range(0, n, size):
        body = "".join(row.replace("cg181", f"ta{i}").replace("CG181", f"TA{i}") for i in range(start, min(n, start + size)))
        pages.append(f"{head}<tbody>{body}</tbody>{tail}".encode())
    return pages


def govuk_pages(n: int, size: int = 100) -> list[bytes]:
    result = json.loads(_read("govuk/dsu_page1.json"))["results"][1]
    pages = []
    for start in range(0, n, size):
        results = [dict(result, link=f"/drug-device-alerts/alert-{i}") for i in range(start, min(n, start + size))]
        pages.append(json.dumps({"results": results, "total": n, "start": start}).encode())
    return pages


def pubmed_pages(n: int, size: int = 200) -> list[bytes]:
    doc = _read("pubmed/efetch_preprint.xml")
    head = doc[:doc.index("<PubmedArticle>")]
    article = doc[doc.index("<PubmedArticle>"):doc.rindex("</PubmedArticle>") + len("</PubmedArticle>")]
    return [(head + "".join(article.replace("36747776", str(30_000_000 + i)) for i in range(s, min(n, s + size)))
             + "</PubmedArticleSet>").encode() for s in range(0, n, size)]


def medrxiv_pages(n: int, size: int = 30) -> list[bytes]:
    row = json.loads(_read("medrxiv/page_cursor0.json"))["collection"][0]
    pages = []
    for start in range(0, n, size):
        rows = [dict(row, doi=f"10.1101/2026.11.10.{i:08d}") for i in range(start, min(n, start + size))]
        message = {"status": "ok", "cursor": start, "count": len(rows), "total": n}
        pages.append(json.dumps({"messages": [message], "collection": rows}).encode())
    return pages


def rss_pages(n: int, size: int = 500) -> list[bytes]:
    doc = _read("rss/nhse_rss2.xml")
    item = doc[doc.index("<item>"):doc.index("</item>") + len("</item>")]
    head, tail = doc[:doc.index("<item>")], doc[doc.rindex("</item>") + len("</item>"):]
    return [(head + "".join(re.sub(r"\?p=\d+", f"?p={i}", item) for i in range(s, min(n, s + size))) + tail).encode()
            for s in range(0, n, size)]


GENERATORS: dict[str, Callable[[int], list[bytes]]] = {
    "ctgov": ctgov_pages, "isrctn": isrctn_pages, "nice": nice_pages, "govuk": govuk_pages,
    "pubmed": pubmed_pages, "medrxiv": medrxiv_pages, "rss": rss_pages,
}


def run(name: str, pages: list[bytes]) -> tuple[list[Item], float, int]:
    """Parse every page; return the items, the seconds taken and the peak traced memory (bytes)."""
    cls = REGISTRY[name]
    scanner = cls(cls.Settings.model_validate({"base_url": "http://bench.invalid"}), HttpClient(), source=name)
    started = time.perf_counter()
    items = [item for page in pages for item in scanner.parse(page).items]
    seconds = time.perf_counter() - started
    tracemalloc.start()  # a second, traced pass: tracing slows parsing, so it is not timed
    for page in pages:
        scanner.parse(page)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return items, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000, help="records per source (default 5000)")
    parser.add_argument("--only", default=",".join(GENERATORS), help="scanners to run, comma-separated (default all)")
    args = parser.parse_args()
    print(f"{'scanner':<9} {'records':>8} {'pages':>6} {'MB in':>7} {'seconds':>8} {'records/s':>10} {'peak MB':>8}")
    everything: list[Item] = []
    for name in args.only.split(","):
        make_pages = GENERATORS[name]
        pages = make_pages(args.records)
        items, seconds, peak = run(name, pages)
        assert len(items) == args.records, f"{name}: parsed {len(items)} of {args.records}"
        everything.extend(items)
        size = sum(map(len, pages)) / 1e6
        print(f"{name:<9} {len(items):>8} {len(pages):>6} {size:>7.1f} {seconds:>8.2f} {len(items) / seconds:>10,.0f} "
              f"{peak / 1e6:>8.1f}")
    started = time.perf_counter()
    groups, merged = group(everything)
    # A worst case for the story matcher: every generated feed entry reads the same, so all pairs match.
    print(f"dedup.group over {len(everything)} items: {time.perf_counter() - started:.2f} s, "
          f"{len(groups)} groups, {merged} merged (worst case: the {args.records} generated stories are alike)")


if __name__ == "__main__":
    main()
