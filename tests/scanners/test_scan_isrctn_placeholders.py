"""ISRCTN placeholders and several sponsors, on the real recorded records (one with placeholders put in)."""

from __future__ import annotations

import pytest

from scanners.isrctn import Isrctn, placeholder
from tests.scanners.scanfix import make, saved


def parse(name: str):
    return make(Isrctn, "http://unused").parse(saved("isrctn", name)).items


def test_placeholders_never_become_the_summary_or_a_cross_reference():
    (item,) = parse("placeholders_from_real.xml")
    assert item.summary.startswith("A Cancer Research UK Phase I/IIa open-label")  # the scientific title
    assert "not provided" not in item.summary.lower()
    assert item.extras.xrefs == ()  # "Nil known", "N/A", "Not Applicable" are not numbers of anything


def test_a_placeholder_summary_falls_back_to_the_hypothesis():
    by_id = {i.id: i for i in parse("query_two_trials.xml")}
    assert by_id["isrctn:ISRCTN16025168"].summary.startswith("To evaluate the effectiveness and feasibility")


def test_a_trial_with_several_sponsors_keeps_them_all():
    by_id = {i.id: i for i in parse("query_two_trials.xml")}
    assert by_id["isrctn:ISRCTN16025168"].extras.sponsor == \
        "Université Paris-Est Créteil; University of British Columbia"


@pytest.mark.parametrize("text", ["Not provided at time of registration", "N/A", "n/a", "Not Applicable", "Nil known",
                                  "Nil", "None", "Plain English summary of protocol not provided at time of registration",
                                  "Not provided at the time of registration.", ""])
def test_placeholders_are_recognised(text):
    assert placeholder(text)


@pytest.mark.parametrize("text", ["NCT05057013", "Nil by mouth before surgery improves recovery", "None of the above"])
def test_content_is_not_a_placeholder(text):
    assert not placeholder(text)
