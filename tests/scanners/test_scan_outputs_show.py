"""What the scanners keep from real responses reaches the reader in every output format.

A retraction flag, the publishing organisation of a GOV.UK result and a trial's
completion precision and reason for stopping are of no use if only a JSON field holds them.
"""

from __future__ import annotations

import pytest

import outputs
from scanners.ctgov import Ctgov
from scanners.govuk import Govuk
from scanners.pubmed import Pubmed
from tests.outputs.golden import _entry, make_digest
from tests.outputs.test_outputs_writers import readable
from tests.scanners.scanfix import make, saved

HUMAN = ("html", "md", "text")


def one(cls, source: str, name: str):
    (item,) = make(cls, "http://unused").parse(saved(source, name)).items
    return item


def rendered(fmt: str, *items) -> str:
    entries = tuple(_entry(item, ("asthma",), {"asthma": ("asthma",)}, 0.9 - i / 10) for i, item in enumerate(items))
    return " ".join(readable(fmt, outputs.get(fmt)().render(make_digest(entries=entries))).split())


@pytest.mark.parametrize("fmt", outputs.FORMATS)
def test_a_retracted_article_is_flagged_in_every_format(fmt):
    retracted = one(Pubmed, "pubmed", "efetch_retracted_thirdparty.xml")
    text = rendered(fmt, retracted)
    if fmt in ("csv", "xlsx", "json"):  # the flags column / field, beside the title
        assert "retracted" in text and "expression-of-concern" in text
    else:
        assert f"RETRACTED, EXPRESSION OF CONCERN: {retracted.title}" in text


def test_an_unflagged_article_has_no_warning():
    plain = one(Pubmed, "pubmed", "efetch_preprint.xml")
    assert "RETRACTED" not in rendered("md", plain) and "RETRACTED" not in rendered("text", plain)


@pytest.mark.parametrize("fmt", [*HUMAN, "csv", "json"])
def test_a_govuk_result_is_credited_to_the_organisations_that_published_it(fmt):
    text = rendered(fmt, one(Govuk, "govuk", "rummager_readme_example.json"))
    assert "Department for Transport" in text and "Driver and Vehicle Licensing Agency" in text
    assert "MHRA" not in text


def test_an_mhra_finder_result_without_organisations_stays_mhra():
    (dsu, _alert) = make(Govuk, "http://unused").parse(saved("govuk", "dsu_page1.json")).items
    assert "MHRA" in rendered("text", dsu)


@pytest.mark.parametrize("fmt", HUMAN)
def test_a_stopped_trial_says_why_and_its_month_only_completion_stays_a_month(fmt):
    text = rendered(fmt, one(Ctgov, "ctgov", "aact_NCT00973089.json"))
    assert "stopped: recruiting or enrolling participants has halted prematurely and will not resume" in text
    assert "completion 2015-03 (actual)" in text and "completion 2015-03-01" not in text


@pytest.mark.parametrize("fmt", HUMAN)
def test_an_estimated_completion_reads_as_expected(fmt):
    assert "expected completion 2025-02-01" in rendered(fmt, one(Ctgov, "ctgov", "aact_NCT06171568.json"))
