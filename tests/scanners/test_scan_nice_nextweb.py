"""NICE listings in today's markup: pages rendered by NICE's own site code (next-web snapshots).

Each row links to an absolute ``https://<host>/guidance/...`` URL and each listing has its own
columns; every row must come out with its listing's status, never all "published".
"""

from __future__ import annotations

from datetime import date

import pytest

from scanners.nice import Nice
from tests.scanners.scanfix import make, saved

LISTING_STATUS = {
    "published": "published", "indevelopment": "in development", "inconsultation": "in consultation",
    "awaiting-development": "awaiting development", "terminated": "terminated", "deferred": "deferred",
    "prioritisation": "topic prioritisation",
}


def parse(listing: str):
    return make(Nice, "http://unused").parse(saved("nice", f"nextweb_{listing}.html"))


@pytest.mark.parametrize("listing", LISTING_STATUS)
def test_every_row_of_every_listing_with_that_listings_status(listing):
    parsed = parse(listing)
    assert len(parsed.items) == 10 and not parsed.skipped  # the snapshot's ten rows, all understood
    assert {i.extras.status for i in parsed.items} == {LISTING_STATUS[listing]}
    assert all(i.url.startswith("https://www.nice.org.uk/guidance/") for i in parsed.items)
    assert parsed.next_page == "2"


def test_published_rows_keep_reference_dates_and_a_canonical_link():
    first = parse("published").items[0]
    assert (first.id, first.title) == ("nice:CG181", "Cardiovascular disease: risk assessment and reduction, "
                                                     "including lipid modification")
    assert first.url == "https://www.nice.org.uk/guidance/cg181"  # the test host's link, on NICE's own site
    assert (first.published, first.updated, first.extras.revised) == (date(2014, 7, 18), date(2021, 10, 6),
                                                                      date(2021, 10, 6))


def test_in_development_ids_come_from_the_link_and_expected_dates_are_estimates():
    items = {i.id: i for i in parse("indevelopment").items}
    assert items["nice:GID-NG10145"].extras.programme == "NICE guideline"  # the Type column
    assert items["nice:GID-NG10145"].extras.completion is None  # "TBC"
    depression = items["nice:GID-CGWAVE0725"]  # a longer programme code after GID-
    assert depression.extras.completion == date(2022, 12, 5) and depression.extras.completion_estimated is True
    assert depression.published is None and depression.updated is None


def test_consultations_link_to_their_consultation_and_keep_its_end_date_and_kind():
    first = parse("inconsultation").items[0]
    assert first.id == "nice:GID-NG10160"
    assert first.url == "https://www.nice.org.uk/guidance/gid-ng10160/consultation/html-content"
    assert first.extras.completion == date(2021, 10, 14)
    assert first.extras.categories == ("Draft guidance consultation",)


def test_terminated_deferred_and_prioritised_topics_carry_their_own_dates_and_decisions():
    assert parse("terminated").items[0].id == "nice:GID-DG10162"
    deferred = parse("deferred").items[0]
    assert (deferred.id, deferred.updated, deferred.extras.programme) == ("nice:GID-HTG10020", date(2025, 12, 31),
                                                                         "HealthTech guidance")
    decided = parse("prioritisation").items[2]
    assert (decided.updated, decided.extras.categories) == (date(2021, 4, 8), ("Further information required",))


def test_links_to_other_sites_are_not_guidance():
    html = saved("nice", "nextweb_published.html").replace(b"https://next-web-tests.nice.org.uk/guidance/cg181",
                                                           b"https://evil.example/guidance/cg181")
    parsed = make(Nice, "http://unused").parse(html)
    assert "nice:CG181" not in {i.id for i in parsed.items} and parsed.skipped["malformed"] == 1


def test_the_requested_listing_names_the_status_only_when_the_page_does_not():
    html = saved("nice", "nextweb_terminated.html")
    assert {i.extras.status for i in make(Nice, "http://unused").parse(html, "published").items} == {"terminated"}
    bare = html.replace(b"breadcrumbs", b"crumbs")  # no current tab, no breadcrumb
    assert {i.extras.status for i in make(Nice, "http://unused").parse(bare, "terminated").items} == {"terminated"}
    assert {i.extras.status for i in make(Nice, "http://unused").parse(bare).items} == {None}


def test_a_misspelt_listing_is_a_config_error_naming_the_field(write_config):
    import scanners
    from horizon.config import ConfigError, load_config
    from scanners.http import HttpClient

    config = load_config(write_config({"nice": {"base_url": "http://x.org", "listings": ["awaitingdevelopment"]}}))
    with pytest.raises(ConfigError) as err:
        scanners.build(config, HttpClient())
    assert str(err.value).startswith("sources.yaml: sources.nice.listings: unknown listing "
                                     "'awaitingdevelopment'; known: published, indevelopment")


def test_every_listing_the_default_sources_offer_is_one_nice_has():
    import re
    from pathlib import Path

    from scanners.nice_listing import LISTINGS

    text = (Path(__file__).parents[2] / "horizon" / "defaults" / "sources.yaml").read_text(encoding="utf-8")
    offered = re.search(r"listings: \[([^\]]*)\]", text).group(1).split(", ")
    offered += re.search(r"also available: ([^(]*) \(", text).group(1).split(", ")
    assert offered and set(offered) <= set(LISTINGS), set(offered) - set(LISTINGS)
