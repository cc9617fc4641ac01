"""JSON of another API, given to a JSON scanner, is refused in one line that says what it looks like.

The bodies are real recordings of the other publishers (AACT's ClinicalTrials.gov study, GOV.UK's
search README example, an esearch page, a bioRxiv details page), so a base_url pointed at the wrong
service reads as that, not as an empty week.
"""

from __future__ import annotations

import pytest

from horizon.errors import MalformedResponse
from scanners.ctgov import Ctgov
from scanners.govuk import Govuk
from scanners.medrxiv import Medrxiv
from scanners.pubmed import Pubmed
from tests.scanners.scanfix import make, saved

CTGOV_STUDY = ("ctgov", "aact_NCT00763412.json", "JSON with keys: derivedSection, hasResults, protocolSection, resultsSection")
GOVUK = ("govuk", "rummager_readme_example.json", "JSON with keys: facets, results, start, suggested_queries, total")
ESEARCH = ("pubmed", "esearch.json", "JSON with keys: esearchresult, header")
BIORXIV = ("medrxiv", "details_biorxiv_thirdparty.json", "JSON with keys: collection, messages")


@pytest.mark.parametrize(("cls", "other", "says"), [
    (Govuk, CTGOV_STUDY, "response has no 'results' list ({}); not a GOV.UK search API response"),
    (Govuk, BIORXIV, "response has no 'results' list ({}); not a GOV.UK search API response"),
    (Medrxiv, GOVUK, "response has no 'messages' block ({}); not a bioRxiv/medRxiv details response"),
    (Medrxiv, ESEARCH, "response has no 'messages' block ({}); not a bioRxiv/medRxiv details response"),
    (Pubmed, BIORXIV, "esearch response has no 'esearchresult' ({})"),
    (Ctgov, ESEARCH, "response is JSON without 'studies' or 'protocolSection' (keys: esearchresult, header)"),
])
def test_another_apis_json_is_refused_saying_what_it_looks_like(cls, other, says):
    folder, name, shape = other
    with pytest.raises(MalformedResponse) as err:
        make(cls, "http://unused").parse(saved(folder, name))
    assert str(err.value).startswith(f"{cls.name}: {says.format(shape)}"), str(err.value)
    assert "\n" not in str(err.value)
