"""Regenerate the table of fault cases in docs/reliability.md from the suite's own results.

    uv run python scripts/reliability_table.py              # run tests/faults, then rewrite the table
    uv run python scripts/reliability_table.py --from F [G ...]  # rewrite it from saved results files

With several files, an area (transport, crash, ...) present in a later file replaces
that area's records from the earlier ones, so one part of the suite can be re-run alone.

tests/faults/conftest.py records what each case observed and whether it passed when
``HORIZON_RELIABILITY_OUT`` names a file; this script renders those records between the
``<!-- cases:start -->`` and ``<!-- cases:end -->`` markers. Nothing in the table is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- cases:start -->", "<!-- cases:end -->"
MARK = {"passed": "✓", "failed": "✗ FAILED", "skipped": "skipped", "not run": "not run"}


def run_suite(target: Path) -> int:
    env = {**os.environ, "HORIZON_RELIABILITY_OUT": str(target)}
    # Every case, the slow ones too (SIGKILL runs, the real flow, concurrent sample runs).
    return subprocess.call([sys.executable, "-m", "pytest", "tests/faults", "-q", "-p", "no:cacheprovider",
                            "-m", "slow or not slow"], cwd=ROOT, env=env)


def tidy(text: str) -> str:
    """Stable text: no random ports or temporary paths, no table-breaking characters."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"(sqlite:///)?/tmp/[^\s:;,)'\"]*/", "<tmp>/", text)
    text = re.sub(r"'[a-z]+-[a-z]+'", "'<run>'", text) if "Flow run" in text else text
    return text.replace("|", "\\|").replace("\n", " ")


def short(observed: str) -> str:
    return "recovered" if observed == "recovered" else "source failed" if observed.startswith("source failed") else observed


def render(records: list[dict]) -> str:
    out: list[str] = []
    transport = [r for r in records if r["area"] == "transport"]
    if transport:
        scanners = sorted({r["subject"] for r in transport})
        cases: dict[str, dict[str, dict]] = defaultdict(dict)
        for r in transport:
            cases[r["case"]][r["subject"]] = r
        out += ["### Transport faults, every scanner against the hostile server", "",
                "Each cell: whether the case held (✓) and what the scanner's source did. A case holds when the run "
                "completed, the control source was untouched, the failure (if any) was one line in the run summary "
                "and the digest, requests were bounded and, for bombs and oversize bodies, memory stayed bounded.", "",
                "| Case | Expected | " + " | ".join(scanners) + " | Reason given (first scanner) |",
                "|---|---|" + "---|" * len(scanners) + "---|"]
        for case, by in cases.items():
            cells = [f"{MARK[by[s]['outcome']]} {short(by[s]['observed'])}" if s in by else "–" for s in scanners]
            first = next(iter(by.values()))
            reason = first["observed"].removeprefix("source failed: ") if first["observed"] != "recovered" else ""
            out.append(f"| {tidy(case)} | {first['expected']} | " + " | ".join(cells) + f" | {tidy(reason)} |")
        out.append("")
    others = [r for r in records if r["area"] != "transport"]
    for area in dict.fromkeys(r["area"] for r in others):
        rows = [r for r in others if r["area"] == area]
        out += [f"### {area.capitalize()}", "", "| Case | Subject | Held | Observed |", "|---|---|---|---|"]
        out += [f"| {tidy(r['case'])} | {r['subject']} | {MARK[r['outcome']]} | {tidy(r['observed'])} |" for r in rows]
        out.append("")
    total = len(records)
    held = sum(r["outcome"] == "passed" for r in records)
    out.append(f"{held} of {total} recorded cases held.")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="sources", type=Path, nargs="+", help="results files written by earlier runs")
    args = parser.parse_args()
    status = 0
    if args.sources:
        files = args.sources
    else:
        files = [Path(tempfile.mkdtemp()) / "reliability.json"]
        status = run_suite(files[0])
    records: list[dict] = []
    for path in files:
        later = json.loads(path.read_text(encoding="utf-8"))
        areas = {r["area"] for r in later}
        records = [r for r in records if r["area"] not in areas] + later
    doc = DOC.read_text(encoding="utf-8")
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{render(records)}\n{END}{tail}", encoding="utf-8")
    print(f"{DOC.relative_to(ROOT)}: {len(records)} cases")
    return status


if __name__ == "__main__":
    sys.exit(main())
