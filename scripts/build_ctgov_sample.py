"""Build the bundled ClinicalTrials.gov sample (horizon/sample/ctgov/) from labelled dev items.

The pages use the real API v2 envelope and field names (see the recorded study
``real_NCT06388018.json``); each study's id, title, summary and first-posted date
are the real ones from the dev set. What the dev set does not record is left out
(status, phase, sites) rather than invented, except the last-update date, which is
set inside the sample week so the sample digest has something new to show.

    python scripts/build_ctgov_sample.py DEV_JSONL
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "horizon" / "sample" / "ctgov"
AS_OF = date(2026, 11, 23)
PAGE_SIZE = 20


def study(row: dict, n: int) -> dict:
    status = {"lastUpdatePostDateStruct": {"date": (AS_OF - timedelta(days=1 + n % 6)).isoformat(), "type": "ACTUAL"}}
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
    studies = [study(r, n) for n, r in enumerate(r for r in rows if r["id"].startswith("NCT"))]
    real = json.loads((OUT / "real_NCT06388018.json").read_text(encoding="utf-8"))["studies"]
    studies += real
    pages = [studies[i:i + PAGE_SIZE] for i in range(0, len(studies), PAGE_SIZE)]
    routes = []
    for number, page in enumerate(pages, 1):
        body: dict = {"studies": page}
        if number == 1:
            body = {"totalCount": len(studies), **body}
        if number < len(pages):
            body["nextPageToken"] = f"sample-page-{number + 1}"
        name = f"studies_page{number}.json"
        (OUT / name).write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        token = None if number == 1 else f"sample-page-{number}"
        routes.append({"path": "/ctgov/api/v2/studies", "params": {"pageToken": token} if token else {},
                       "file": name, "content_type": "application/json"})
    # Page 1 is the request without a pageToken: list it last so token routes win.
    routes.sort(key=lambda r: -len(r["params"]))
    (OUT / "routes.json").write_text(json.dumps(routes, indent=1) + "\n", encoding="utf-8")
    print(f"{len(studies)} studies on {len(pages)} pages -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
