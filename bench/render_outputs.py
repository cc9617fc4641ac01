"""Time every digest writer on a synthetic digest and print the figures.

    uv run python bench/render_outputs.py [ENTRIES]

Prints milliseconds per render (median of 5) and the output size for each format.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

import outputs
from horizon.digest import AreaInfo, Classification, Digest, Entry, Factors, RunSummary, SourceReport
from horizon.items import Extras, Item

AREAS = tuple(
    AreaInfo(id=f"area-{i}", name=f"Priority area {i}", description="A synthetic priority area.") for i in range(8)
)


def synthetic(n: int) -> Digest:
    entries = []
    for i in range(n):
        area = AREAS[i % len(AREAS)].id
        item = Item(
            id=f"ctgov:NCT{i:08d}",
            source="ctgov",
            type="trial",
            title=f"A randomised trial number {i} of something relevant to {area}",
            summary="A summary sentence that is long enough to wrap in a narrow column of text. " * 4,
            url=f"https://clinicaltrials.gov/study/NCT{i:08d}",
            published=date(2026, 1, 1) + timedelta(days=i % 300),
            extras=Extras(status="RECRUITING", phase="PHASE3", conditions=("Condition A", "Condition B")),
        )
        verdict = Classification(
            item_id=item.id,
            scores={a.id: 0.1 for a in AREAS} | {area: 0.8},
            areas=(area,),
            why={area: ("term", "other")},
        )
        factors = Factors(relevance=0.8, area_weight=1, impact=0.8, uk=1, recency=1 - i / (2 * n), novelty=1)
        entries.append(Entry(item=item, classification=verdict, factors=factors))
    entries.sort(key=lambda e: -e.score)
    trend = {a.id: tuple((f"2026-W{w:02d}", (w * 7 + k) % 11) for w in range(37, 49)) for k, a in enumerate(AREAS)}
    return Digest(
        title="Benchmark digest",
        week="2026-W48",
        generated=datetime(2026, 11, 23, 7, tzinfo=UTC),
        areas=AREAS,
        entries=tuple(entries),
        summary=RunSummary(counts={"ctgov/fetched": n}, sources=(SourceReport(name="ctgov", ok=True, fetched=n),)),
        trend=trend,
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    digest = synthetic(n)
    print(f"{n} entries, {len(AREAS)} areas")
    for fmt in outputs.FORMATS:
        writer = outputs.get(fmt)()
        times, size = [], 0
        for _ in range(5):
            start = time.perf_counter()
            size = len(writer.render(digest))
            times.append(time.perf_counter() - start)
        print(f"  {fmt:6} {statistics.median(times) * 1000:8.1f} ms  {size / 1024:8.1f} KiB")
    from outputs.delivery import EmailSettings, build_message

    message = build_message(digest, EmailSettings(host="localhost", sender="horizon@example.nhs.uk",
                                                  recipients=("team@example.nhs.uk",)))
    html = message.get_body(("html",)).get_content().encode()
    print(f"  e-mail {len(message.as_bytes()) / 1024:8.1f} KiB whole message, {len(html) / 1024:.1f} KiB HTML part")


if __name__ == "__main__":
    main()
