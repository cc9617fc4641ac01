"""Build the sample's NICE guidance pages (horizon/sample/nice/pages/) from the labelled dev set.

Usage: python scripts/build_nice_overviews.py classifiers/data/dev.jsonl

One page per `NICE-*` dev item, in the shape ``scanners/nice_pages.py`` reads: the
page's meta description and an overview section holding the dev item's summary
(its `summary_source` says whether that text came from the record or was written).
Routes are appended to horizon/sample/nice/routes.json, replacing earlier page routes.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "horizon" / "sample" / "nice"
PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Overview | {title} | Guidance | NICE</title>
<meta name="description" content="{summary}">
</head>
<body>
<main id="content-start">
<h1>{title}</h1>
<p>{kind} [{ref}] Published: {published}</p>
<section id="overview" aria-labelledby="overview-heading">
<h2 id="overview-heading">Overview</h2>
<p>{summary}</p>
</section>
</main>
</body>
</html>
"""


def main(dev: Path) -> None:
    pages = SAMPLE / "pages"
    pages.mkdir(exist_ok=True)
    routes = [r for r in json.loads((SAMPLE / "routes.json").read_text()) if not r["file"].startswith("pages/")]
    for line in dev.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if not item["id"].startswith("NICE-") or not item.get("summary"):
            continue
        ref = item["id"].removeprefix("NICE-")
        (pages / f"{ref.lower()}.html").write_text(PAGE.format(
            title=html.escape(item["title"]), summary=html.escape(item["summary"]), ref=ref,
            kind="Guidance", published=html.escape(item.get("published") or "")), encoding="utf-8")
        routes.append({"path": f"/nice/guidance/{ref.lower()}", "params": {}, "file": f"pages/{ref.lower()}.html",
                       "content_type": "text/html; charset=utf-8"})
    (SAMPLE / "routes.json").write_text(json.dumps(routes, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
