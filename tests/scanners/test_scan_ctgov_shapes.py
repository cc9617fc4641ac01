"""ClinicalTrials.gov bodies as the API really sends them (AACT's recorded responses).

A single-study body (``/api/v2/studies/{nctId}``) has no ``studies`` envelope; the retired
v1 API wrapped everything in ``FullStudiesResponse``; month-only dates are months, estimated
dates are estimates, and a stopped trial says why.
"""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from apps.cli import app
from horizon.errors import MalformedResponse
from scanners.ctgov import Ctgov
from tests.scanners.scanfix import FIXTURES, make, saved


def parse(name: str):
    return make(Ctgov, "http://unused").parse(saved("ctgov", name))


def test_a_single_study_body_yields_that_trial():
    parsed = parse("aact_NCT00763412.json")
    assert [i.id for i in parsed.items] == ["ctgov:NCT00763412"] and parsed.next_page is None


def test_a_month_only_completion_keeps_its_precision_and_says_it_happened():
    x = parse("aact_NCT00763412.json").items[0].extras
    assert (x.completion, x.completion_precision, x.completion_estimated) == (date(2013, 1, 1), "month", False)


def test_an_estimated_completion_is_told_apart_from_an_actual_one():
    x = parse("aact_NCT06171568.json").items[0].extras
    assert (x.status, x.completion, x.completion_precision, x.completion_estimated) == \
        ("NOT_YET_RECRUITING", date(2025, 2, 1), "day", True)


def test_a_withdrawn_trial_keeps_why_it_stopped():
    x = parse("aact_NCT00973089.json").items[0].extras
    assert x.status == "WITHDRAWN"
    assert x.why_stopped == "recruiting or enrolling participants has halted prematurely and will not resume"


def test_the_retired_v1_shape_is_refused_in_one_line():
    with pytest.raises(MalformedResponse) as caught:
        parse("aact_NCT04780763.json")
    assert str(caught.value) == ("ctgov: response is the retired API v1 shape (FullStudiesResponse); "
                                 "this scanner reads API v2 (base_url .../api/v2)")


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"hits": {"total": 0}}', "response is JSON without 'studies' or 'protocolSection' (keys: hits)"),
    (b'[1, 2]', "response is a JSON list, not a ClinicalTrials.gov API v2 object"),
    (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "response is not JSON (starts '<!DOCTYPE"),
])
def test_other_shapes_are_refused_saying_what_they_look_like(body, expected):
    with pytest.raises(MalformedResponse, match=expected.replace("(", r"\(").replace(")", r"\)")):
        make(Ctgov, "http://unused").parse(body)


def test_horizon_parse_yields_the_single_study_and_refuses_v1():
    runner = CliRunner()
    ok = runner.invoke(app, ["parse", "ctgov", str(FIXTURES / "ctgov" / "aact_NCT00973089.json")])
    assert ok.exit_code == 0 and '"id":"ctgov:NCT00973089"' in ok.stdout
    v1 = runner.invoke(app, ["parse", "ctgov", str(FIXTURES / "ctgov" / "aact_NCT04780763.json")])
    assert v1.exit_code == 1 and "retired API v1 shape" in str(v1.exception)
