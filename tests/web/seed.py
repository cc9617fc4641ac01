"""A realistic store for the workspace tests: one week's digest of NHS-relevant items.

The items are written in the style of their sources (ClinicalTrials.gov, ISRCTN, NICE,
GOV.UK, NHS England); titles and summaries are paraphrased, ids are made up. The digest
is ranked and classified by the real zero-label classifier, as the weekly run does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from apps.workspace.auth import hash_password
from horizon.config import Config
from horizon.items import Extras, Item
from horizon.store import Store

PASSWORDS = {"ada": "ada-admin-password", "rob": "rob-reviewer-password", "rey": "rey-reviewer-password",
             "vic": "vic-viewer-password"}
ROLES = {"ada": "admin", "rob": "reviewer", "rey": "reviewer", "vic": "viewer"}


def _item(id_, source, type_, title, summary, **extras) -> Item:
    return Item(id=id_, source=source, type=type_, title=title, summary=summary,
                url=f"https://example.org/{id_.replace(':', '/')}", published=date(2026, 11, 2),
                updated=extras.pop("updated", date(2026, 11, 20)), extras=Extras(**extras))


ITEMS = [
    _item("ctgov:NCT06100001", "ctgov", "trial",
          "Virtual atrial fibrillation pathway with remote ECG monitoring in primary care",
          "A randomised trial of a virtual AF clinic using smartphone ECG and anticoagulation review "
          "by pharmacists for patients with newly detected atrial fibrillation.",
          status="RECRUITING", phase="NA", conditions=("Atrial Fibrillation",), countries=("United Kingdom",)),
    _item("nice:DG61", "nice", "guidance",
          "Artificial intelligence technologies to help triage skin lesions referred on the suspected cancer pathway",
          "Early value assessment of AI-supported dermoscopy to triage skin lesions and detect melanoma in "
          "people referred on the urgent suspected skin cancer pathway.",
          programme="Diagnostics guidance"),
    _item("isrctn:ISRCTN51200002", "isrctn", "trial",
          "Capsule sponge test to detect Barrett's oesophagus and early oesophageal cancer in primary care",
          "A screening study of the cytosponge capsule sponge for early detection of oesophageal cancer in "
          "people with reflux taking acid-suppressing medication.",
          status="recruiting", countries=("England",)),
    _item("ctgov:NCT06100003", "ctgov", "trial",
          "FeNO-guided asthma management for children in primary care",
          "Does fractional exhaled nitric oxide (FeNO) testing with spirometry improve asthma diagnosis and "
          "inhaler prescribing for children and young people?",
          status="COMPLETED", phase="PHASE3", conditions=("Asthma",), countries=("United Kingdom",)),
    _item("nhse:virtual-wards-frailty", "nhse", "news",
          "Virtual wards expanded to support older people living with frailty at home",
          "NHS England publishes guidance on remote monitoring in virtual wards for frailty, with "
          "telemonitoring of vital signs and proactive care for older people."),
    _item("ctgov:NCT06100004", "ctgov", "trial",
          "Internet-delivered cognitive behavioural therapy app for adolescents with anxiety",
          "A trial of a digital CBT smartphone app for children and young people with anxiety disorders "
          "waiting for CAMHS treatment.",
          status="RECRUITING", phase="NA", conditions=("Anxiety",), countries=("United Kingdom",)),
    _item("ctgov:NCT06100005", "ctgov", "trial",
          "Hybrid closed loop insulin delivery in adults with type 2 diabetes",
          "Continuous glucose monitoring with hybrid closed loop in type 2 diabetes requiring insulin.",
          status="NOT_YET_RECRUITING", phase="PHASE3", conditions=("Type 2 Diabetes",)),
    _item("ctgov:NCT06100006", "ctgov", "trial",
          "Home blood pressure telemonitoring for hypertension case-finding in community pharmacies",
          "Community pharmacy hypertension case-finding with home blood pressure monitoring and an app "
          "that sends readings to the GP practice.",
          status="RECRUITING", conditions=("Hypertension",), countries=("United Kingdom",)),
]
# A hostile item, as a compromised feed could send it; it must be inert on every page.
HOSTILE = Item(
    id="rss:hostile-1", source="rss", type="news",
    title='<script>alert(1)</script> <img src=x onerror=alert(1)> atrial fibrillation screening',
    summary='Click <a href="javascript:alert(1)">here</a> <svg onload=alert(1)> for heart failure news.',
    url="javascript:alert(1)", published=date(2026, 11, 3),
)
# Held back from the digest: an item like the ones reviewers will teach the model about.
HELD_BACK = Item(
    id="ctgov:NCT06100099", source="ctgov", type="trial",
    title="Wearable patch monitor to find paroxysmal arrhythmia after cryptogenic ischaemic events",
    summary="Fourteen-day wearable patch monitor recording to find paroxysmal arrhythmia in people "
            "after cryptogenic ischaemic events.",
    url="https://example.org/ctgov/NCT06100099", published=date(2026, 11, 4),
    extras=Extras(status="RECRUITING"),
)
# Taught by reviewers: similar items the profile model does not know are cardiovascular.
TAUGHT = [
    _item("ctgov:NCT06100011", "ctgov", "trial",
          "Wearable patch monitor for paroxysmal arrhythmia detection after cryptogenic ischaemic events",
          "Two-week wearable patch monitor recording to detect paroxysmal arrhythmia after cryptogenic "
          "ischaemic events in older adults."),
    _item("ctgov:NCT06100012", "ctgov", "trial",
          "Extended wearable patch monitoring for paroxysmal arrhythmia",
          "Wearable patch monitor versus standard recording to find paroxysmal arrhythmia in people with "
          "cryptogenic ischaemic events."),
]


def seed(config: Config, store: Store, with_users: bool = True, hostile: bool = True) -> int:
    """Items, a previous and a current digest classified by the real classifier; returns the digest id."""
    from classifiers import load_classifier

    earlier = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    changed = ITEMS[3].model_copy(update={"extras": ITEMS[3].extras.model_copy(update={"status": "RECRUITING"})})
    store.upsert([changed], now=earlier)
    store.record_digest("weekly", "2026-W47", "digests/2026-W47", [(changed.id, 0.3, ["respiratory"])],
                        now=earlier)
    now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    digest_items = [*ITEMS, *([HOSTILE] if hostile else []), *TAUGHT]
    store.upsert([*digest_items, HELD_BACK], now=now)
    verdicts = load_classifier(config.priorities).classify(digest_items)
    ranked = sorted(zip(digest_items, verdicts), key=lambda p: -max(p[1].scores.values()))
    rows = [(item.id, round(max(v.scores.values()), 4), list(v.areas) or [_best(v)]) for item, v in ranked]
    digest_id = store.record_digest("weekly", "2026-W48", "digests/2026-W48", rows, now=now,
                                    classifications=verdicts)
    if with_users:
        for name, role in ROLES.items():
            store.add_user(name, password_hash(name), role)
    return digest_id


@cache
def password_hash(name: str) -> str:
    """Argon2 is slow on purpose; hash each seed password once per test session."""
    return hash_password(PASSWORDS[name])


def _best(verdict) -> str:
    """An unassigned item still goes into the digest under its best area (as the digest's 'maybe')."""
    return max(verdict.scores, key=verdict.scores.get)
