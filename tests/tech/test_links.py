"""Linking over a batch: alias links, suggestions, reviewers' decisions kept, stage history, proposals."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import timedelta

import pytest

from horizon.errors import StoreError
from horizon.store_tech import Technologies
from horizon.tech.link import decide_proposal, link_batch, link_store
from tests.tech.conftest import ITEMS, NOW, item


def statuses(techs: Technologies, tech_id: str) -> dict[str, str]:
    return {r.item_id: r.status for r in techs.links(tech_id)}


def test_aliases_link_the_items_that_name_a_technology_and_no_others(techs):
    counts = link_batch(techs, ITEMS, now=NOW, suggest=False, propose=False)
    assert counts["tech/alias-links"] == 3
    assert statuses(techs, "heartflow-ffrct") == {"nice:MTG32": "alias", "nhse-news:3d-heart": "alias"}
    assert statuses(techs, "derm") == {"ctgov:NCT06654999": "alias"}  # not the "Derm nurses" story
    assert statuses(techs, "liberate-pro") == {}  # "liberate clinicians" is a verb


def test_a_confirmed_and_a_rejected_link_survive_a_rerun_and_are_never_suggested_again(techs):
    link_batch(techs, ITEMS, now=NOW, propose=False)
    suggested = statuses(techs, "derm")
    assert suggested.get("health-press:skin-ai") == "suggested"  # reads like DERM, does not name it
    techs.decide("derm", "health-press:skin-ai", "confirmed", by="rob", now=NOW)
    techs.decide("derm", "ctgov:NCT06654999", "rejected", by="rob", now=NOW)  # a reviewer overrules an alias
    again = link_batch(techs, ITEMS, now=NOW + timedelta(days=7), propose=False)
    after = statuses(techs, "derm")
    assert after["health-press:skin-ai"] == "confirmed"
    assert after["ctgov:NCT06654999"] == "rejected"
    assert again["tech/alias-links"] == 0 and again["tech/suggested"] == 0
    assert techs.evidence_ids("derm") == ["health-press:skin-ai"]
    by = {r.item_id: r.by for r in techs.links("derm")}
    assert by["health-press:skin-ai"] == "rob"


def test_a_suggestion_that_an_alias_later_names_becomes_an_alias_link(techs, store):
    techs.add_links([{"tech_id": "derm", "item_id": "health-press:skin-ai", "status": "suggested",
                      "how": "similarity", "score": 0.3}], now=NOW)
    techs.add_aliases("derm", ["AI triage"])
    link_batch(techs, ITEMS, now=NOW, suggest=False, propose=False)
    assert statuses(techs, "derm")["health-press:skin-ai"] == "alias"


def test_a_stage_change_is_kept_with_who_when_and_why(techs):
    techs.set_stage("derm", "piloting", by="rob", why="pilot in two practices agreed", now=NOW + timedelta(days=1))
    techs.set_stage("derm", "evaluating", by="ada", why="pilot done", now=NOW + timedelta(days=90))
    history = techs.stage_history("derm")
    assert [(h.stage, h.by, h.why) for h in history] == [
        ("signal", "cli", "added"), ("piloting", "rob", "pilot in two practices agreed"),
        ("evaluating", "ada", "pilot done")]
    assert history[1].at == NOW + timedelta(days=1)
    assert techs.get("derm").stage == "evaluating"
    with pytest.raises(StoreError, match="unknown stage 'won'; valid: signal"):
        techs.set_stage("derm", "won", by="rob")


def test_a_technology_added_later_is_linked_to_items_stored_before_it(techs):
    tech_id = techs.add("FFR", ["fractional flow reserve"], now=NOW)
    assert link_store(techs, only=[tech_id]) == 1
    assert statuses(techs, tech_id) == {"nice:MTG32": "alias"}


def test_a_recurring_name_is_proposed_then_accepted_and_another_merged(techs, store):
    batch = [item("nice:HTE1", "guidance", "Zio XT patch and CardioSense for detecting arrhythmia"),
             item("nhse-news:cardiosense", "news", "Trusts adopt CardioSense for AF detection"),
             item("hin-news:zio", "news", "CardioSense and ZioXT monitors in community pharmacies"),
             item("pubmed:2", "literature", "ZioXT monitoring: a cohort study")]
    store.upsert(batch, now=NOW)
    counts = link_batch(techs, batch, now=NOW, suggest=False)
    proposed = {p.name: p.item_ids for p in techs.proposals()}
    assert proposed == {"CardioSense": ("hin-news:zio", "nhse-news:cardiosense", "nice:HTE1"),
                        "ZioXT": ("hin-news:zio", "pubmed:2")}
    assert counts["tech/proposed"] == 2
    new_id = techs.decide_proposal("CardioSense", "accept", by="rob", now=NOW)
    assert techs.get(new_id).name == "CardioSense"
    assert sorted(techs.evidence_ids(new_id)) == ["hin-news:zio", "nhse-news:cardiosense", "nice:HTE1"]
    techs.decide_proposal("ZioXT", "merge", by="rob", into=new_id, now=NOW)
    assert "ZioXT" in techs.get(new_id).aliases
    assert "pubmed:2" in techs.evidence_ids(new_id)
    link_batch(techs, batch, now=NOW + timedelta(days=7), suggest=False)
    assert techs.proposals() == []  # decided names are never proposed again


def test_an_accepted_or_merged_name_links_past_items_and_an_ignored_one_is_never_proposed_again(techs, store):
    """Every stored item, past and new: an older story that names the accepted product is its evidence too."""
    older = [item("health-press:cardiosense-2024", "news", "CardioSense arrives in a Suffolk practice"),
             item("pubmed:zio-2023", "literature", "ZioXT in primary care: a pilot")]
    batch = [item("nice:HTE1", "guidance", "CardioSense and ZioXT for detecting arrhythmia"),
             item("hin-news:cardiosense", "news", "CardioSense, ZioXT and HoloScan in community pharmacies"),
             item("nhse-news:holoscan", "news", "HoloScan monitors: a national pilot")]
    store.upsert(older, now=NOW - timedelta(days=60))  # one source each then: never proposed
    store.upsert(batch, now=NOW)
    link_batch(techs, batch, now=NOW, suggest=False)
    assert [p.name for p in techs.proposals()] == ["CardioSense", "HoloScan", "ZioXT"]
    new_id = decide_proposal(techs, "CardioSense", "accept", by="rob", now=NOW)
    assert statuses(techs, new_id) == {"nice:HTE1": "confirmed", "hin-news:cardiosense": "confirmed",
                                       "health-press:cardiosense-2024": "alias"}
    decide_proposal(techs, "ZioXT", "merge", by="rob", into="heartflow-ffrct", now=NOW)
    assert "pubmed:zio-2023" in techs.evidence_ids("heartflow-ffrct")
    assert decide_proposal(techs, "HoloScan", "ignore", by="rob", now=NOW) is None
    assert [(p.name, p.status) for p in techs.proposals(status=None) if p.name == "HoloScan"] == [("HoloScan", "ignored")]
    assert techs.item_links("nhse-news:holoscan") == []
    link_batch(techs, batch, now=NOW + timedelta(days=7), suggest=False)
    assert techs.proposals() == []  # ignored, accepted and merged names are never proposed again


def test_merging_two_records_moves_links_and_keeps_names_as_aliases(techs):
    link_batch(techs, ITEMS, now=NOW, suggest=False, propose=False)
    other = techs.add("FFRct analysis", now=NOW)
    techs.decide(other, "health-press:skin-ai", "confirmed", by="rob", now=NOW)
    techs.merge(other, "heartflow-ffrct", by="rob", now=NOW)
    assert techs.get(other) is None
    assert "FFRct analysis" in techs.get("heartflow-ffrct").aliases
    assert "health-press:skin-ai" in techs.evidence_ids("heartflow-ffrct")


def test_splitting_a_record_moves_the_chosen_items_and_a_rerun_never_files_them_back(techs):
    link_batch(techs, ITEMS, now=NOW, suggest=False, propose=False)
    assert statuses(techs, "heartflow-ffrct") == {"nice:MTG32": "alias", "nhse-news:3d-heart": "alias"}
    made = techs.split("heartflow-ffrct", "3D heart modelling service", ["nhse-news:3d-heart"], by="rob", now=NOW)
    assert techs.evidence_ids(made) == ["nhse-news:3d-heart"]
    assert techs.get(made).stage == techs.get("heartflow-ffrct").stage
    assert "nhse-news:3d-heart" not in techs.evidence_ids("heartflow-ffrct")
    assert "split 1 items into '3D heart modelling service'" in techs.stage_history("heartflow-ffrct")[-1].why
    link_batch(techs, ITEMS, now=NOW + timedelta(days=7), suggest=False, propose=False)
    assert "nhse-news:3d-heart" not in techs.evidence_ids("heartflow-ffrct")  # its alias still matches; the rejection holds
    with pytest.raises(StoreError, match="not linked: pubmed:404"):
        techs.split("heartflow-ffrct", "Nothing", ["pubmed:404"], by="rob", now=NOW)


def test_reads_are_frozen_records_whose_times_are_aware_from_every_read(techs):
    """An item's links and a technology's links are the same records; SQLite's naive times come back as UTC."""
    link_batch(techs, ITEMS, now=NOW, suggest=False, propose=False)
    [from_item] = techs.item_links("nice:MTG32")
    by_tech = {r.item_id: r for r in techs.links("heartflow-ffrct")}
    assert from_item == by_tech["nice:MTG32"] and from_item.at == NOW and from_item.at.tzinfo is not None
    record = techs.require("heartflow-ffrct")
    assert (record.aliases, record.created_at) == (("HeartFlow", "FFRct"), NOW)
    with pytest.raises(FrozenInstanceError):
        record.stage = "scaled"  # type: ignore[misc]
