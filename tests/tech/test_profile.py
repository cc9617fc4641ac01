"""The evidence profile: guidance by programme and status, trials by phase and status (UK sites,
recruiting, results posted), safety, literature, adoption, the timeline, and the readiness line."""

from __future__ import annotations

from datetime import date

from horizon.tech.profile import build
from tests.tech.conftest import item

UK = ("United Kingdom",)


def trial(id_: str, status: str, phase: str = "PHASE3", countries=UK, results: bool = False):
    return item(f"ctgov:{id_}", "trial", f"Trial {id_}", status=status, phase=phase, countries=countries,
                results_posted=results)


def test_trials_by_phase_and_status_count_uk_sites_recruiting_and_results():
    profile = build([
        trial("NCT1", "RECRUITING"),
        trial("NCT2", "ACTIVE_NOT_RECRUITING"),  # running, but no longer recruiting
        trial("NCT3", "COMPLETED", results=True),
        trial("NCT4", "RECRUITING", countries=("France",)),  # recruiting, not in the UK
    ])
    assert profile.counts["trials"] == 4
    assert profile.trials == {("PHASE3", "RECRUITING"): 2, ("PHASE3", "ACTIVE_NOT_RECRUITING"): 1,
                              ("PHASE3", "COMPLETED"): 1}
    assert (profile.uk_trials, profile.recruiting_uk_trials, profile.results_posted) == (3, 1, 1)
    assert profile.readiness() == ("no NICE guidance; 4 trials, 3 in the UK, 1 recruiting in the UK, "
                                   "1 with results posted; no safety notices")


def test_the_readiness_line_reads_as_the_issue_says():
    """"NICE early value assessment 2024; 2 UK trials recruiting; no safety notices"."""
    eva = item("nice:HTE12", "guidance", "Digital tech for asthma", programme="Early value assessment",
               status="published").model_copy(update={"published": date(2024, 3, 6), "updated": date(2024, 5, 1)})
    profile = build([eva, trial("NCT1", "RECRUITING"), trial("NCT2", "ENROLLING_BY_INVITATION")])
    assert profile.readiness() == "NICE early value assessment 2024; 2 UK trials recruiting; no safety notices"


def test_guidance_is_grouped_by_programme_and_status():
    published = item("nice:TA1", "guidance", "A", programme="Technology appraisal guidance", status="published")
    coming = item("nice:GID-TA2", "guidance", "B", programme="Technology appraisal guidance",
                  status="in development")
    withdrawn = item("nice:MTG9", "guidance", "C", programme="Medical technologies guidance", status="withdrawn")
    profile = build([published, coming, withdrawn])
    assert {k: [i.id for i in v] for k, v in profile.guidance.items()} == {
        ("Technology appraisal guidance", "published"): ["nice:TA1"],
        ("Technology appraisal guidance", "in development"): ["nice:GID-TA2"],
        ("Medical technologies guidance", "withdrawn"): ["nice:MTG9"]}
    assert profile.readiness().startswith(
        "NICE technology appraisal guidance 2026; NICE technology appraisal guidance in development; "
        "NICE medical technologies guidance withdrawn 2026; no trials")


def test_safety_literature_adoption_and_the_timeline():
    alert = item("mhra:1", "safety", "Field safety notice").model_copy(update={"updated": date(2026, 11, 21)})
    paper = item("pubmed:9", "literature", "A cohort study").model_copy(update={"updated": date(2025, 1, 1)})
    rollout = item("hin-news:1", "innovation", "Two trusts are rolling out the app")
    story = item("health-press:2", "news", "The app raises funding")
    profile = build([paper, rollout, alert, story])
    assert profile.counts == {"guidance": 0, "trials": 0, "safety": 1, "literature": 1, "news": 2}
    assert [i.id for i in profile.adoption] == ["hin-news:1"]
    assert [i.id for i in profile.timeline] == ["mhra:1", "hin-news:1", "health-press:2", "pubmed:9"]
    assert profile.readiness() == "no NICE guidance; no trials; 1 safety notice; 1 paper; 2 news items, 1 on adoption"
