"""Several ICSs on one fetch: icss.yaml, one request per source, one digest per ICS, labels per ICS."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from horizon.config import load_config
from horizon.errors import ConfigError
from horizon.icss import load_icss
from horizon.store import Store
from horizon.store_icss import IcsStore, scope_label
from horizon.store_scopes import claim_register, register_due
from tests.helpers import DEFAULTS, page, study

TRIALS = [
    study("NCT00000001", "Smartwatch screening for atrial fibrillation in older adults",
          "Case-finding for atrial fibrillation with a smartwatch ECG, with anticoagulation when AF is found."),
    study("NCT00000002", "Asthma self-management app for children",
          "A smartphone app supporting asthma self-management and inhaler technique for children and families."),
]
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>https://example.org</link>
<item><title>Type 2 diabetes remission programme extended</title><link>https://example.org/dm</link>
<guid>dm-1</guid><pubDate>Mon, 16 Nov 2026 09:00:00 +0000</pubDate>
<description>Low-calorie diet programme for type 2 diabetes remission.</description></item></channel></rss>"""


def only_areas(ids: set[str]) -> dict:
    doc = yaml.safe_load((DEFAULTS / "priorities.yaml").read_text())
    return {**doc, "areas": [a for a in doc["areas"] if a["id"] in ids]}


def two_icss(directory: Path) -> Path:
    """icss.yaml with 'heart' (cardiovascular, diabetes) and 'lungs' (respiratory, digital self-management)."""
    wanted = (("heart", {"cardiovascular", "diabetes"}), ("lungs", {"respiratory", "digital-self-management"}))
    for ics, areas in wanted:
        (directory / ics).mkdir()
        doc = {**only_areas(areas), "name": f"{ics.title()} ICS"}
        (directory / ics / "priorities.yaml").write_text(yaml.safe_dump(doc))
    (directory / "icss.yaml").write_text(yaml.safe_dump({"icss": {
        "heart": {"dir": "heart", "title": "Horizon scan: Heart ICS"},
        "lungs": {"dir": "lungs", "title": "Horizon scan: Lungs ICS"},
    }}))
    return directory


def test_each_ics_has_its_own_priorities_title_and_folder(write_config, tmp_path):
    directory = write_config({"ctgov": {"base_url": "http://unused"}}, output_dir=str(tmp_path / "d"))
    config = load_config(two_icss(directory))
    heart, lungs = load_icss(config)
    assert (heart.id, heart.key, heart.title) == ("heart", "ics-heart", "Horizon scan: Heart ICS")
    assert heart.config.priorities.ids == ("cardiovascular", "diabetes")
    assert lungs.config.priorities.ids == ("respiratory", "digital-self-management")
    assert lungs.config.settings.output_dir == str(tmp_path / "d" / "lungs")
    assert heart.first and not lungs.first
    assert heart.config.sources == lungs.config.sources == config.sources  # one set of sources


def test_without_icss_yaml_the_configuration_is_one_ics_as_before(write_config):
    config = load_config(write_config({"ctgov": {"base_url": "http://unused"}}))
    (only,) = load_icss(config)
    assert only.single and only.config is config and only.key == "suffolk-and-north-east-essex-ics"


def test_a_mistake_in_icss_yaml_is_one_line_naming_the_field(write_config):
    directory = two_icss(write_config({"ctgov": {"base_url": "http://unused"}}))
    (directory / "icss.yaml").write_text(yaml.safe_dump({"icss": {"heart": {"dir": "heart", "colour": "red"}}}))
    with pytest.raises(ConfigError, match=r"icss.yaml: icss.heart.colour: unknown key; valid keys: dir, title"):
        load_icss(load_config(directory))
    (directory / "icss.yaml").write_text(yaml.safe_dump({"icss": {"heart": {"dir": "nowhere"}}}))
    with pytest.raises(ConfigError, match=r"icss.heart.dir: no priorities.yaml in .*nowhere"):
        load_icss(load_config(directory))


def test_each_ics_trains_only_on_its_own_reviewers_labels(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    now = datetime(2026, 11, 16, tzinfo=UTC)
    store.add_label("ctgov:NCT00000001", "cardiovascular", True, "asha", now=now)
    store.add_label("ctgov:NCT00000002", "respiratory", True, "ben", now=now)
    store.add_label("ctgov:NCT00000003", None, False, "old", now=now)  # from before there were two ICSs
    by_item = {row.item_id: row.id for row in store.labels()}
    scope_label(store, by_item["ctgov:NCT00000001"], "heart")
    scope_label(store, by_item["ctgov:NCT00000002"], "lungs")
    heart = {r.item_id for r in IcsStore(store, "heart", default=True).labels()}
    lungs = {r.item_id for r in IcsStore(store, "lungs", default=False).labels()}
    assert heart == {"ctgov:NCT00000001", "ctgov:NCT00000003"} and lungs == {"ctgov:NCT00000002"}
    store.close()


def test_each_ics_digest_reminds_of_its_own_register_entries(write_config, tmp_path):
    heart, lungs = load_icss(load_config(two_icss(write_config({"ctgov": {"base_url": "http://unused"}}))))
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    due, today = date(2026, 11, 9), date(2026, 11, 16)
    store.save_register("ctgov:NCT00000001", "assessing", "Asha", due, "", by="asha")  # before icss.yaml
    store.save_register("ctgov:NCT00000002", "piloting", "Ben", due, "", by="ben")
    claim_register(store, lungs, "ctgov:NCT00000002")
    assert [e.item_id for e in register_due(store, heart, today)] == ["ctgov:NCT00000001"]
    assert [e.item_id for e in register_due(store, lungs, today)] == ["ctgov:NCT00000002"]
    assert len(store.register_due(today)) == 2  # the store's own view is unchanged
    store.close()


@pytest.mark.prefect
def test_two_icss_fetch_each_source_once_and_publish_two_digests(prefect_harness, write_config, httpserver, tmp_path):
    from flows.weekly_digest import weekly_digest

    httpserver.expect_request("/v2/studies").respond_with_json(page(TRIALS))
    httpserver.expect_request("/news/feed/").respond_with_data(FEED, content_type="application/rss+xml")
    sources = {"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False},
               "news": {"scanner": "rss", "base_url": httpserver.url_for("/news"), "lookback_days": 3650,
                        "feeds": [{"path": "/feed/", "type": "news"}]}}
    config = two_icss(write_config(sources, output_dir=str(tmp_path / "digests")))
    result = weekly_digest(config_dir=str(config), out=str(tmp_path / "out"))
    requests = Counter(request.path for request, _ in httpserver.log)
    assert requests == {"/v2/studies": 1, "/news/feed/": 1}  # one fetch per source for both ICSs
    heart = json.loads((tmp_path / "out" / "heart" / "digest.json").read_text())
    lungs = json.loads((tmp_path / "out" / "lungs" / "digest.json").read_text())
    assert heart["title"] == "Horizon scan: Heart ICS" and lungs["title"] == "Horizon scan: Lungs ICS"
    heart_areas = {a for e in heart["entries"] for a in e["areas"]}
    lungs_areas = {a for e in lungs["entries"] for a in e["areas"]}
    assert heart_areas and lungs_areas and heart_areas.isdisjoint(lungs_areas)
    assert heart_areas <= {"cardiovascular", "diabetes"} and lungs_areas <= {"respiratory", "digital-self-management"}
    assert set(result["icss"]) == {"heart", "lungs"}
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    assert {d.key for d in store.digests()} == {"ics-heart", "ics-lungs"}
    store.close()
