"""ClinicalTrials.gov fields the cross-registry work relies on: secondary ids, MeSH terms, hasResults."""

from __future__ import annotations

from datetime import date

from scanners.ctgov import Ctgov
from tests.scanners.scanfix import make, saved


def test_secondary_ids_become_xrefs_in_every_form():
    (item,) = make(Ctgov, "http://unused").parse(saved("dedup", "ctgov_NCT05057013.json")).items
    # EudraCT by type, ISRCTN with type OTHER, a CTIS number by shape, "ISRCTN 12345678" with a space;
    # the sponsor's own protocol number is not an id of a registry and is left out.
    assert item.extras.xrefs == ("eudract:2020-005891-36", "isrctn:ISRCTN62918594", "ctis:2020-005891-36-00",
                                 "isrctn:ISRCTN12345678")


def test_mesh_terms_join_keywords_and_has_results_is_mapped():
    (item,) = make(Ctgov, "http://unused").parse(saved("dedup", "ctgov_NCT05057013.json")).items
    assert item.extras.keywords == ("HER3", "Neoplasms")
    assert item.extras.results_posted is True
    assert item.extras.phase == "PHASE1/PHASE2" and item.extras.completion == date(2025, 9, 1)
    assert item.extras.countries == ("United Kingdom",)
    assert item.summary == "A first-in-human study of HMBD-001, an anti-HER3 antibody."


def test_a_real_record_without_registry_cross_references():
    (item,) = make(Ctgov, "http://unused").parse(saved("ctgov", "study_NCT06388018.json")).items
    assert item.extras.xrefs == ()  # NCI, NRG and NIH grant ids are not registrations
    assert item.extras.keywords == ("Sarcoma", "Endometrial Neoplasms", "Sarcoma, Endometrial Stromal")
    assert item.extras.results_posted is False
