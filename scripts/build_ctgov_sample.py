"""Build the bundled ClinicalTrials.gov sample (horizon/sample/ctgov/) from labelled dev items.

The pages use the real API v2 envelope and field names (see the recorded study
``real_NCT06388018.json``); each study's id, title, summary and first-posted date
are the real ones from the dev set. What the dev set does not record is left out
(status, phase, sites) rather than invented, except the last-update date, which is
set inside the sample week so the sample digest has something new to show.

A "previous week" snapshot (``horizon/sample/previous/ctgov/``) holds a few of the
same trials as they stood a week earlier, so the sample digest shows what is new
since the last digest and what changed. The statuses of ``CHANGED`` are synthetic:
these landmark trials are completed, and the previous snapshot shows them still
active, not recruiting.

    python scripts/build_ctgov_sample.py DEV_JSONL
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "horizon" / "sample"
OUT = SAMPLE / "ctgov"
PREVIOUS = SAMPLE / "previous" / "ctgov"
AS_OF = date(2026, 11, 23)
PREVIOUS_AS_OF = date(2026, 11, 16)
PAGE_SIZE = 20
CHANGED = ("NCT01149590", "NCT03784027")  # shown as completed now, active a week ago
SEEN_BEFORE = 8  # the first trials of the dev set were already in last week's digest


def study(row: dict, n: int, as_of: date = AS_OF, overall: str | None = None) -> dict:
    status: dict = {"lastUpdatePostDateStruct": {"date": (as_of - timedelta(days=1 + n % 6)).isoformat(), "type": "ACTUAL"}}
    if overall:
        status["overallStatus"] = overall
    if len(row.get("published", "")) == 10:
        status["studyFirstPostDateStruct"] = {"date": row["published"], "type": "ACTUAL"}
    return {
        "protocolSection": {
            "identificationModule": {"nctId": row["id"], "briefTitle": row["title"]},
            "statusModule": status,
            "descriptionModule": {"briefSummary": row["summary"]},
        },
        "hasResults": False,
    }


def main(dev_path: str) -> None:
    rows = [json.loads(line) for line in Path(dev_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    trials = [r for r in rows if r["id"].startswith("NCT")]
    studies = [study(r, n, overall="COMPLETED" if r["id"] in CHANGED else None) for n, r in enumerate(trials)]
    studies += json.loads((OUT / "real_NCT06388018.json").read_text(encoding="utf-8"))["studies"]
    write_pages(OUT, studies)
    before = [r for r in trials[:SEEN_BEFORE] if r["id"] not in CHANGED] + [r for r in trials if r["id"] in CHANGED]
    unchanged = [study(r, n, PREVIOUS_AS_OF) for n, r in enumerate(before) if r["id"] not in CHANGED]
    changed = [study(r, n, PREVIOUS_AS_OF, overall="ACTIVE_NOT_RECRUITING") for n, r in enumerate(before) if r["id"] in CHANGED]
    # A trial seen last week and unchanged keeps its update date, so it is not news this week.
    current = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in studies}
    for record in unchanged:
        nct = record["protocolSection"]["identificationModule"]["nctId"]
        current[nct]["protocolSection"]["statusModule"] = record["protocolSection"]["statusModule"]
    write_pages(OUT, list(current.values()))
    PREVIOUS.mkdir(parents=True, exist_ok=True)
    write_pages(PREVIOUS, unchanged + changed, prefix="/ctgov/api/v2/studies")
    print(f"{len(current)} studies now, {len(unchanged) + len(changed)} in the previous snapshot")


def write_pages(out: Path, studies: list[dict], prefix: str = "/ctgov/api/v2/studies") -> None:
    pages = [studies[i:i + PAGE_SIZE] for i in range(0, len(studies), PAGE_SIZE)]
    routes = []
    for number, page in enumerate(pages, 1):
        body: dict = {"studies": page}
        if number == 1:
            body = {"totalCount": len(studies), **body}
        if number < len(pages):
            body["nextPageToken"] = f"sample-page-{number + 1}"
        name = f"studies_page{number}.json"
        (out / name).write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        token = None if number == 1 else f"sample-page-{number}"
        routes.append({"path": prefix, "params": {"pageToken": token} if token else {},
                       "file": name, "content_type": "application/json"})
    # Page 1 is the request without a pageToken: list it last so token routes win.
    routes.sort(key=lambda r: -len(r["params"]))
    (out / "routes.json").write_text(json.dumps(routes, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
