"""A golden digest every writer renders: realistic entries, a changed trial, a failed
source, and hostile text (script tags, event handlers, javascript: links, formulas)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from horizon.digest import AreaInfo, Classification, Digest, Entry, Factors, RunSummary, SourceReport
from horizon.items import Extras, Item

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
JS_LINK = "[x](javascript:alert(1))"

AREAS = (
    AreaInfo(
        id="atrial-fibrillation",
        name="Atrial fibrillation",
        description="Detection and management of AF, stroke prevention.",
    ),
    AreaInfo(
        id="early-cancer-diagnosis",
        name="Early cancer diagnosis",
        description="Earlier diagnosis of cancer: screening, triage, tests.",
    ),
    AreaInfo(id="asthma", name="Asthma", description="Asthma diagnosis and care in adults and children."),
)


def _entry(item: Item, areas: tuple[str, ...], why: dict[str, tuple[str, ...]], relevance: float, **kw) -> Entry:
    scores = {a.id: (relevance if a.id in areas else 0.05) for a in AREAS}
    kw.setdefault("kind", {"trial": "trial", "guidance": "guidance", "safety": "safety"}.get(item.type, "news"))
    kw.setdefault("first_seen", datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    return Entry(
        item=item,
        classification=Classification(item_id=item.id, scores=scores, areas=areas, why=why),
        factors=Factors(
            relevance=relevance,
            area_weight=1.0,
            impact=kw.pop("impact", 0.6),
            uk=kw.pop("uk", 1.0),
            recency=0.95,
            novelty={"new": 1.0, "changed": 0.9, "backfill": 0.4, "seen": 0.3}[kw.get("novelty", "new")],
        ),
        **kw,
    )


def golden_entries() -> tuple[Entry, ...]:
    af_trial = Item(
        id="ctgov:NCT05123456",
        source="ctgov",
        type="trial",
        title="Screening for atrial fibrillation with a smartwatch in over-65s (SAFER-Watch)",
        summary="A randomised trial of wearable ECG screening for atrial fibrillation in primary care.",
        url="https://clinicaltrials.gov/study/NCT05123456",
        published=date(2025, 3, 1),
        updated=date(2026, 11, 20),
        extras=Extras(
            status="COMPLETED",
            phase="PHASE3",
            conditions=("Atrial Fibrillation",),
            sponsor="University of Oxford",
            countries=("United Kingdom",),
            xrefs=("isrctn:ISRCTN11223344",),
        ),
    )
    af_isrctn = Item(
        id="isrctn:ISRCTN11223344",
        source="isrctn",
        type="trial",
        title="SAFER-Watch (ISRCTN record)",
        url="https://www.isrctn.com/ISRCTN11223344",
    )
    nice = Item(
        id="nice:DG61",
        source="nice",
        type="guidance",
        title="Artificial intelligence-derived software to analyse chest X-rays for suspected lung cancer",
        summary="Early value assessment of AI software for chest X-ray triage in primary care referrals.",
        url="https://www.nice.org.uk/guidance/dg61",
        published=date(2026, 11, 18),
        extras=Extras(programme="Diagnostics guidance"),
    )
    hostile = Item(
        id="rss:hostile-1",
        source="gov-uk",
        type="news",
        title=SCRIPT + " Asthma inhaler recall",
        summary=f"Batch recall of salbutamol inhalers. {IMG} See {JS_LINK} for details.",
        url="javascript:alert(1)",
        published=date(2026, 11, 19),
    )
    formula = Item(
        id="isrctn:ISRCTN99887766",
        source="isrctn",
        type="trial",
        title=FORMULA,
        summary="+cmd|' /C calc'!A0 and a self-management app for asthma in teenagers.",
        url="https://www.isrctn.com/ISRCTN99887766",
        published=date(2026, 10, 2),
        extras=Extras(
            status="Recruiting", phase="Not Applicable", countries=("England",), conditions=("-2+3", "@SUM(1)")
        ),
    )
    entries = (
        _entry(
            af_trial,
            ("atrial-fibrillation",),
            {"atrial-fibrillation": ("atrial fibrillation", "screening", "ecg")},
            0.91,
            novelty="changed",
            changes={"status": ("RECRUITING", "COMPLETED")},
            also=(af_isrctn,),
            impact=0.8,
            uk=1.2,
        ),
        _entry(
            nice,
            ("early-cancer-diagnosis",),
            {"early-cancer-diagnosis": ("lung cancer", "chest x-ray")},
            0.84,
            impact=1.0,
        ),
        _entry(hostile, ("asthma",), {"asthma": ("inhaler", "asthma", IMG)}, 0.7, impact=0.4),
        _entry(formula, ("asthma", "early-cancer-diagnosis"), {"asthma": ("asthma", "self-management")}, 0.55, uk=1.2),
    )
    return tuple(sorted(entries, key=lambda e: -e.score))  # ranked, as the flow hands them over


def showcase_entries() -> tuple[Entry, ...]:
    """Realistic entries only (no hostile text): what the docs screenshot shows."""
    keep = [e for e in golden_entries() if e.item.id in ("ctgov:NCT05123456", "nice:DG61")]
    ng = Item(
        id="nice:NG245",
        source="nice",
        type="guidance",
        title="Asthma: diagnosis, monitoring and chronic asthma management (BTS, NICE, SIGN)",
        summary="Joint guideline on diagnosing asthma with objective tests, monitoring control and stepping "
        "treatment with MART.",
        url="https://www.nice.org.uk/guidance/ng245",
        published=date(2024, 11, 27),
        updated=date(2026, 11, 17),
        extras=Extras(programme="NICE guideline"),
    )
    pharmacy = Item(
        id="isrctn:ISRCTN40214501",
        source="isrctn",
        type="trial",
        title="Pulse checks for atrial fibrillation in community pharmacies: a cluster randomised trial",
        summary="Opportunistic single-lead ECG checks by pharmacists for people aged 65 and over, "
        "with referral to primary care.",
        url="https://www.isrctn.com/ISRCTN40214501",
        published=date(2026, 11, 12),
        extras=Extras(status="Recruiting", phase="Not Applicable", countries=("England",)),
    )
    alert = Item(
        id="govuk:mhra-fit-analyser",
        source="mhra",
        type="safety",
        title="Faecal immunochemical test analysers: risk of falsely low results with some reagent lots",
        summary="Laboratories should check affected lot numbers and repeat tests near the referral threshold.",
        url="https://www.gov.uk/drug-device-alerts/example-fit-analysers",
        published=date(2026, 11, 21),
    )
    more = (
        _entry(
            ng,
            ("asthma",),
            {"asthma": ("asthma", "diagnosis", "monitoring")},
            0.88,
            impact=1.0,
            novelty="changed",
            changes={"status": ("consultation", "published")},
        ),
        _entry(
            pharmacy,
            ("atrial-fibrillation",),
            {"atrial-fibrillation": ("atrial fibrillation", "pulse", "ecg")},
            0.8,
            uk=1.2,
        ),
        _entry(
            alert,
            ("early-cancer-diagnosis",),
            {"early-cancer-diagnosis": ("faecal immunochemical", "referral")},
            0.62,
            impact=0.9,
        ),
    )
    return tuple(sorted(keep + list(more), key=lambda e: -e.score))


def make_digest(
    entries=None, trend=None, failed: bool = True, reason: str = "timed out after 3 attempts " + IMG
) -> Digest:
    sources = [SourceReport(name="ctgov", ok=True, fetched=412), SourceReport(name="isrctn", ok=True, fetched=57)]
    if failed:
        sources.append(SourceReport(name="nice", ok=False, error=reason))
    return Digest(
        title="Horizon scan: Example ICS",
        week="2026-W48",
        generated=datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        since=date(2026, 11, 16),
        areas=AREAS,
        entries=golden_entries() if entries is None else entries,
        summary=RunSummary(
            counts={"ctgov/fetched": 412, "dropped/no-area": 37, "isrctn/malformed": 2},
            sources=tuple(sources),
            notes=("Sample run: recorded responses.",),
        ),
        trend={} if trend is None else trend,
    )


TREND = {
    "atrial-fibrillation": tuple(
        (f"2026-W{w:02d}", n) for w, n in zip(range(37, 49), [3, 4, 2, 5, 6, 4, 3, 7, 5, 4, 6, 1], strict=True)
    ),
    "asthma": tuple((f"2026-W{w:02d}", n) for w, n in zip(range(40, 49), [1, 0, 2, 2, 3, 1, 0, 4, 2], strict=True)),
}
