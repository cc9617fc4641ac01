"""Ranking: every factor visible, and each one moves an entry the way a reader expects."""

from __future__ import annotations

from datetime import date

from horizon.config import load_config
from horizon.digest import Classification
from scanners.http import HttpClient
from horizon.items import Extras, Item
from steps.ranking import evidence, rank, recency
from scanners.ctgov import Ctgov
from tests.helpers import page, study

TODAY = date(2026, 11, 23)
CONFIG = load_config()


def item(item_id: str, type_: str = "trial", phase: str | None = None, countries: tuple[str, ...] = (),
         updated: date = date(2026, 11, 20)) -> Item:
    return Item(id=item_id, source=item_id.split(":")[0], type=type_, title=item_id, updated=updated,
                extras=Extras(phase=phase, countries=countries))


def verdict(it: Item, score: float = 0.8, areas: tuple[str, ...] = ("cardiovascular",)) -> Classification:
    return Classification(item_id=it.id, scores={a: (score if a in areas else 0.0) for a in CONFIG.priorities.ids},
                          areas=areas)


def ranked(items, verdicts=None, **kw):
    verdicts = verdicts or [verdict(i) for i in items]
    return [e.item.id for e in rank(items, verdicts, CONFIG.priorities, CONFIG.settings.ranking, TODAY, **kw)]


def test_evidence_puts_published_guidance_above_phase_3_above_phase_1_above_news():
    levels = [evidence(item("nice:TA1000", "guidance")), evidence(item("ctgov:NCT1", phase="PHASE3")),
              evidence(item("isrctn:ISRCTN1", phase="Phase I")), evidence(item("nhse-news:x", "news"))]
    assert levels == sorted(levels, reverse=True) and len(set(levels)) == 4
    assert evidence(item("ctgov:NCT2", phase="PHASE1/PHASE2")) > evidence(item("ctgov:NCT3", phase="PHASE1"))


def test_each_factor_orders_otherwise_equal_items():
    assert ranked([item("ctgov:NCT1", phase="PHASE1"), item("ctgov:NCT2", phase="PHASE3")]) == ["ctgov:NCT2", "ctgov:NCT1"]
    assert ranked([item("ctgov:NCT1"), item("ctgov:NCT2", countries=("United Kingdom",))])[0] == "ctgov:NCT2"
    assert ranked([item("ctgov:NCT1", updated=date(2025, 1, 1)), item("ctgov:NCT2")])[0] == "ctgov:NCT2"
    assert ranked([item("ctgov:NCT1"), item("ctgov:NCT2")], novelty={"ctgov:NCT1": "seen"})[0] == "ctgov:NCT2"
    weak, strong = item("ctgov:NCT1"), item("ctgov:NCT2")
    assert ranked([weak, strong], [verdict(weak, 0.55), verdict(strong, 0.95)])[0] == "ctgov:NCT2"


def test_the_score_is_the_product_of_its_visible_factors_and_unassigned_items_are_left_out():
    kept, dropped = item("ctgov:NCT1", countries=("England",)), item("ctgov:NCT2")
    (entry,) = rank([kept, dropped], [verdict(kept), verdict(dropped, 0.1, areas=())], CONFIG.priorities,
                    CONFIG.settings.ranking, TODAY)
    f = entry.factors
    assert entry.item.id == "ctgov:NCT1" and f.uk == CONFIG.settings.ranking.uk_boost
    assert entry.score == round(f.relevance * f.area_weight * f.evidence * f.uk * f.recency * f.novelty, 4)


def test_recency_halves_every_half_life_and_never_vanishes():
    half_life = CONFIG.settings.ranking.half_life_days
    assert recency(item("x:1", updated=TODAY), TODAY, half_life) == 1.0
    assert recency(item("x:1", updated=date(2026, 8, 25)), TODAY, half_life) == 0.5
    assert recency(item("x:1", updated=date(2000, 1, 1)), TODAY, half_life) == 0.1


def test_a_publishers_country_fills_items_that_name_none(httpserver):
    record = study("NCT00000002", "Sited abroad")
    record["protocolSection"]["contactsLocationsModule"] = {"locations": [{"country": "France"}]}
    httpserver.expect_request("/v2/studies").respond_with_json(page([study("NCT00000001", "No sites"), record]))
    scanner = Ctgov(Ctgov.Settings(base_url=httpserver.url_for("/v2"), country="United Kingdom"), HttpClient())
    countries = {i.id: i.extras.countries for i in scanner.scan(TODAY).items}
    assert countries == {"ctgov:NCT00000001": ("United Kingdom",), "ctgov:NCT00000002": ("France",)}
