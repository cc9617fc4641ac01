"""Ranking: every factor visible, each one moves an entry the way docs/ranking.md promises."""

from __future__ import annotations

from datetime import date

import pytest

from horizon.config import RankingSettings, load_config
from horizon.digest import Classification
from horizon.errors import ConfigError
from horizon.items import Extras, Item
from scanners.ctgov import Ctgov
from scanners.http import HttpClient
from steps.ranking import kind, novelty_of, query_match, query_words, rank, recency
from tests.helpers import page, study

TODAY = date(2026, 11, 23)
CONFIG = load_config()
SETTINGS = CONFIG.settings.ranking


def item(item_id: str, type_: str = "trial", phase: str | None = None, countries: tuple[str, ...] = (),
         updated: date = date(2026, 11, 20), published: date | None = date(2026, 11, 2), source: str | None = None,
         **extras) -> Item:
    return Item(id=item_id, source=source or item_id.split(":")[0], type=type_, title=extras.pop("title", item_id),
                summary=extras.pop("summary", ""), updated=updated, published=published,
                extras=Extras(phase=phase, countries=countries, **extras))


def verdict(it: Item, score: float = 0.8, areas: tuple[str, ...] = ("cardiovascular",)) -> Classification:
    return Classification(item_id=it.id, scores={a: (score if a in areas else 0.0) for a in CONFIG.priorities.ids},
                          areas=areas)


def ranked(items, verdicts=None, **kw):
    verdicts = verdicts or [verdict(i) for i in items]
    return [e.item.id for e in rank(items, verdicts, CONFIG.priorities, SETTINGS, TODAY, **kw)]


def test_a_realistic_week_comes_out_in_the_order_the_docs_promise():
    """docs/ranking.md: safety notice, revised NICE guidance, national programme, phase 3 results, backfill."""
    england = ("England",)
    week = [
        item("ctgov:NCT00262600", phase="PHASE3", countries=("United Kingdom",), published=date(2005, 12, 6),
             title="RE-LY: dabigatran versus warfarin in atrial fibrillation"),  # first seen now, registered 2005
        item("ctgov:NCT05123456", phase="PHASE3", countries=("United Kingdom",), published=date(2024, 3, 1),
             results_posted=True, status="COMPLETED"),  # seen last week, has now posted results
        item("nhse-news:af-detection-programme", "news", countries=("United Kingdom",), published=date(2026, 11, 19),
             title="NHS England rolls out AF detection in community pharmacies"),
        item("nice:NG196", "guidance", countries=england, published=date(2021, 4, 27), updated=date(2026, 11, 18),
             revised=date(2026, 11, 18)),  # seen before, revised this week
        item("govuk:drug-device-alerts/anticoagulant-pump", "safety", countries=("United Kingdom",),
             published=date(2026, 11, 20), source="mhra-safety"),
        item("health-press:af-gadget", "news", countries=("United Kingdom",), published=date(2026, 11, 21)),
    ]
    novelty = {"ctgov:NCT05123456": "changed", "nice:NG196": "changed"}
    changes = {"ctgov:NCT05123456": {"results_posted": ("no", "yes")}, "nice:NG196": {"revised": ("2021-04-27", "2026-11-18")}}
    entries = rank(week, [verdict(i) for i in week], CONFIG.priorities, SETTINGS, TODAY, novelty, changes)
    assert [e.item.id for e in entries] == [
        "govuk:drug-device-alerts/anticoagulant-pump", "nice:NG196", "nhse-news:af-detection-programme",
        "ctgov:NCT05123456", "health-press:af-gadget", "ctgov:NCT00262600",
    ]
    labels = {e.item.id: (e.kind, e.novelty) for e in entries}
    assert labels["ctgov:NCT00262600"] == ("trial-late-phase", "backfill")  # never "new": registered 2005
    assert labels["ctgov:NCT05123456"] == ("trial-results", "changed")
    assert labels["nhse-news:af-detection-programme"] == ("programme", "new")


def test_new_means_new_to_the_world_not_new_to_us():
    old = item("ctgov:NCT1", published=date(2019, 1, 1))
    unknown = item("ctgov:NCT2", published=None)  # a registry record without its registration date
    fresh = item("ctgov:NCT3", published=date(2026, 10, 1))
    assert novelty_of(old, "new", TODAY, SETTINGS) == "backfill"
    assert novelty_of(unknown, "new", TODAY, SETTINGS) == "backfill"
    assert novelty_of(fresh, "new", TODAY, SETTINGS) == "new"
    assert novelty_of(old, "changed", TODAY, SETTINGS) == "changed"  # a change that matters, whatever its age
    news = item("nhse-news:x", "news", published=None, updated=date(2026, 11, 20))
    assert novelty_of(news, "new", TODAY, SETTINGS) == "new"  # a feed's only date is its own


def test_backfill_is_ranked_by_its_own_date_below_the_same_item_new():
    backfill, new = item("ctgov:NCT1", published=date(2016, 1, 1)), item("ctgov:NCT2", published=date(2026, 11, 1))
    (b, n) = sorted(rank([backfill, new], [verdict(backfill), verdict(new)], CONFIG.priorities, SETTINGS, TODAY),
                    key=lambda e: e.item.id)
    assert b.factors.recency == 0.1 and n.factors.recency > 0.8  # registration in 2016, not "updated last week"
    assert b.factors.novelty == SETTINGS.novelty["backfill"] < n.factors.novelty


def test_kind_follows_what_the_item_means_for_local_services():
    assert kind(item("ctgov:NCT1", phase="PHASE2/PHASE3"), SETTINGS) == "trial-late-phase"
    assert kind(item("isrctn:ISRCTN1", phase="Phase III"), SETTINGS) == "trial-late-phase"
    assert kind(item("ctgov:NCT1", phase="PHASE1"), SETTINGS) == "trial"
    assert kind(item("ctgov:NCT1", phase="PHASE1", results_posted=True), SETTINGS) == "trial-results"
    assert kind(item("hin-news:x", "innovation"), SETTINGS) == "programme"
    assert kind(item("health-press:x", "innovation"), SETTINGS) == "innovation"


def test_ranking_factors_come_from_settings_and_bad_ones_are_one_line():
    flat = SETTINGS.model_copy(update={"impact": {k: 0.5 for k in SETTINGS.impact} | {"trial": 1.0}})
    trial, guidance = item("ctgov:NCT1"), item("nice:NG1", "guidance")
    order = [e.item.id for e in rank([guidance, trial], [verdict(guidance), verdict(trial)], CONFIG.priorities,
                                     flat, TODAY)]
    assert order == ["ctgov:NCT1", "nice:NG1"]
    with pytest.raises(ValueError, match="needs exactly the keys safety, guidance"):
        RankingSettings(impact={"safety": 1.0})


def test_a_settings_file_without_backfill_is_refused_naming_the_field(tmp_path):
    (tmp_path / "priorities.yaml").write_text((CONFIG.directory / "priorities.yaml").read_text())
    (tmp_path / "sources.yaml").write_text((CONFIG.directory / "sources.yaml").read_text())
    (tmp_path / "settings.yaml").write_text("ranking:\n  novelty: {new: 1.0, changed: 0.8, seen: 0.5}\n")
    with pytest.raises(ConfigError, match=r"settings.yaml: ranking.novelty: needs exactly the keys new, changed, "
                                          r"backfill, seen, got changed, new, seen"):
        load_config(tmp_path)


def test_each_factor_orders_otherwise_equal_items():
    assert ranked([item("ctgov:NCT1"), item("ctgov:NCT2", countries=("United Kingdom",))])[0] == "ctgov:NCT2"
    assert ranked([item("ctgov:NCT1", published=date(2026, 6, 1)), item("ctgov:NCT2")])[0] == "ctgov:NCT2"
    assert ranked([item("ctgov:NCT1"), item("ctgov:NCT2")], novelty={"ctgov:NCT1": "seen"})[0] == "ctgov:NCT2"
    weak, strong = item("ctgov:NCT1"), item("ctgov:NCT2")
    assert ranked([weak, strong], [verdict(weak, 0.55), verdict(strong, 0.95)])[0] == "ctgov:NCT2"


def test_the_score_is_the_product_of_its_visible_factors_and_unassigned_items_are_left_out():
    kept, dropped = item("ctgov:NCT1", countries=("England",)), item("ctgov:NCT2")
    (entry,) = rank([kept, dropped], [verdict(kept), verdict(dropped, 0.1, areas=())], CONFIG.priorities,
                    SETTINGS, TODAY)
    f = entry.factors
    assert entry.item.id == "ctgov:NCT1" and f.uk == SETTINGS.uk_boost and f.query == 1.0
    assert entry.score == round(f.relevance * f.area_weight * f.impact * f.uk * f.recency * f.novelty, 4)


def test_a_scan_ranks_by_query_match_with_area_relevance_and_leaves_novelty_out():
    on_topic = item("ctgov:NCT1", title="AI skin lesion triage in dermatology", summary="")
    passing = item("ctgov:NCT2", title="Dermatology outpatient pathways", summary="Some lesion photographs.")
    verdicts = [verdict(on_topic, 0.6), verdict(passing, 0.9)]
    entries = rank([passing, on_topic], verdicts[::-1], CONFIG.priorities, SETTINGS, TODAY,
                   novelty={"ctgov:NCT1": "seen"}, query="AI skin lesion triage")
    assert [e.item.id for e in entries] == ["ctgov:NCT1", "ctgov:NCT2"]  # the query outweighs 0.9 vs 0.6
    assert entries[0].novelty == "seen" and entries[0].factors.novelty == 1.0  # shown, not scored
    assert query_words("AI and skin OR lesion") == ["skin", "lesion"]
    assert query_match(on_topic, ["skin", "lesion"]) == 1.0 and query_match(passing, ["skin", "lesion"]) == 0.4


def test_recency_halves_every_half_life_and_never_vanishes():
    half_life = SETTINGS.half_life_days
    assert recency(TODAY, TODAY, half_life) == 1.0
    assert recency(date(2026, 8, 25), TODAY, half_life) == 0.5
    assert recency(date(2000, 1, 1), TODAY, half_life) == 0.1
    assert recency(None, TODAY, half_life) == 0.5


def test_a_publishers_country_fills_items_that_name_none(httpserver):
    record = study("NCT00000002", "Sited abroad")
    record["protocolSection"]["contactsLocationsModule"] = {"locations": [{"country": "France"}]}
    httpserver.expect_request("/v2/studies").respond_with_json(page([study("NCT00000001", "No sites"), record]))
    scanner = Ctgov(Ctgov.Settings(base_url=httpserver.url_for("/v2"), country="United Kingdom"), HttpClient())
    countries = {i.id: i.extras.countries for i in scanner.scan(TODAY).items}
    assert countries == {"ctgov:NCT00000001": ("United Kingdom",), "ctgov:NCT00000002": ("France",)}


def test_backfill_without_a_date_ranks_at_the_floor_by_what_it_is():
    trial = item("ctgov:NCT1", published=None)  # registration date not given
    notice = item("govuk:dsu/old", "safety", published=date(2019, 1, 1), source="mhra-safety")
    entries = rank([trial, notice], [verdict(trial), verdict(notice)], CONFIG.priorities, SETTINGS, TODAY)
    assert [e.item.id for e in entries] == ["govuk:dsu/old", "ctgov:NCT1"]
    assert {e.factors.recency for e in entries} == {0.1} and {e.novelty for e in entries} == {"backfill"}
