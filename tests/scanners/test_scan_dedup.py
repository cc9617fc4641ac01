"""steps.dedup: one group per trial across registries (either side naming the other), near-duplicate stories."""

from __future__ import annotations

import json
from datetime import date

from horizon.items import Extras, Item
from scanners.ctgov import Ctgov
from scanners.isrctn import Isrctn
from steps.dedup import NEAR_DUPLICATE, group, story_clusters
from tests.scanners.scanfix import FIXTURES, make, saved


def ctgov_record(**identification) -> Item:
    doc = json.loads(saved("dedup", "ctgov_NCT05057013.json"))
    doc["studies"][0]["protocolSection"]["identificationModule"].update(identification)
    (item,) = make(Ctgov, "http://unused").parse(json.dumps(doc).encode()).items
    return item


def isrctn_record(without_nct: bool = False) -> Item:
    raw = saved("isrctn", "trial_with_nct_crossref.xml")
    if without_nct:
        raw = raw.replace(b"<clinicalTrialsGovNumber>NCT05057013</clinicalTrialsGovNumber>", b"<clinicalTrialsGovNumber />")
        raw = raw.replace(b'numberType="nct"', b'numberType="other"')
    (item,) = make(Isrctn, "http://unused").parse(raw).items
    return item


def test_the_isrctn_record_naming_the_nct_joins_the_ctgov_record_either_order():
    isrctn = isrctn_record()
    ctgov = ctgov_record(secondaryIdInfos=[])  # ClinicalTrials.gov does not name the ISRCTN here
    assert "ctgov:NCT05057013" in isrctn.extras.xrefs and ctgov.extras.xrefs == ()
    assert group([isrctn, ctgov]) == ([(isrctn, (ctgov,))], 1)
    assert group([ctgov, isrctn]) == ([(ctgov, (isrctn,))], 1)


def test_the_ctgov_record_naming_the_isrctn_joins_the_isrctn_record():
    isrctn = isrctn_record(without_nct=True)
    ctgov = ctgov_record()
    assert not any(x.startswith("ctgov:") for x in isrctn.extras.xrefs)
    assert "isrctn:ISRCTN62918594" in ctgov.extras.xrefs
    assert group([ctgov, isrctn]) == ([(ctgov, (isrctn,))], 1)
    assert group([isrctn, ctgov]) == ([(isrctn, (ctgov,))], 1)


def test_a_shared_eudract_number_alone_links_two_records():
    a = Item(id="isrctn:ISRCTN00000001", source="isrctn", type="trial", title="A",
             extras=Extras(xrefs=("eudract:2020-005891-36",)))
    b = Item(id="ctgov:NCT00000001", source="ctgov", type="trial", title="B", extras=Extras(xrefs=("eudract:2020-005891-36",)))
    c = Item(id="ctgov:NCT00000002", source="ctgov", type="trial", title="C")
    groups, merged = group([a, b, c])
    assert groups == [(a, (b,)), (c, ())] and merged == 1


def test_a_chain_of_links_is_one_group():
    a = Item(id="pubmed:1", source="pubmed", type="literature", title="A", extras=Extras(xrefs=("doi:10.1101/x",)))
    b = Item(id="medrxiv:10.1101/x", source="medrxiv", type="literature", title="B",
             extras=Extras(xrefs=("doi:10.1101/x", "doi:10.1136/y")))
    c = Item(id="pubmed:2", source="pubmed", type="literature", title="C", extras=Extras(xrefs=("doi:10.1136/y",)))
    assert group([a, b, c]) == ([(a, (b, c))], 2)


def story(key: str, title: str, summary: str, published: date | None, type: str = "news") -> Item:
    return Item(id=f"news:{key}", source="news", type=type, title=title, summary=summary, published=published)


def dev_stories() -> dict[str, Item]:
    rows = [json.loads(line) for line in (FIXTURES / "dedup" / "dev_stories.jsonl").read_text().splitlines()]
    return {r["id"]: story(r["id"], r["title"], r["summary"], date.fromisoformat((r["published"] + "-01-01")[:10])
                           if r["published"] else None) for r in rows}


def test_the_same_event_told_by_two_outlets_is_one_group():
    items = dev_stories()
    groups, merged = group(list(items.values()))
    merged_ids = {(p.id, tuple(a.id for a in also)) for p, also in groups if also}
    assert merged_ids == {("news:gdpuk-2025-dental-contract-consultation", ("news:dentistry-2025-contract-changes-announced",))}
    assert merged == 1


def test_the_documented_threshold_figures():
    """The similarities quoted in horizon/dedup.py's docstring, recomputed on the same items."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    items = list(dev_stories().values())
    ids = [i.id.removeprefix("news:") for i in items]
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [f"{i.title}\n{i.title}\n{i.summary}" for i in items])
    sims = cosine_similarity(matrix)

    def sim(a: str, b: str) -> float:
        return round(float(sims[ids.index(a), ids.index(b)]), 3)

    assert sim("gdpuk-2025-dental-contract-consultation", "dentistry-2025-contract-changes-announced") == 0.487
    assert sim("hee-about-nhs-digital-academy", "imperial-nhs-digital-academy-next-cohort") == 0.435
    assert sim("britisheye-resident-doctors-strike-oct-2025", "particle-resident-doctors-five-day-walkout") == 0.382
    assert 0.435 < NEAR_DUPLICATE < 0.487


def test_alike_stories_months_apart_are_different_events():
    a = story("a", "Resident doctors strike for five days", "The BMA announced a five-day strike.", date(2025, 7, 10))
    b = story("b", "Resident doctors strike for five days", "The BMA announced a five-day strike.", date(2025, 10, 20))
    c = story("c", "Resident doctors strike for five days", "The BMA announced a five-day strike.", None)
    assert story_clusters([a, b]) == []
    assert story_clusters([a, c]) == [[0, 1]]
    assert story_clusters([a, b, c]) == [[0, 1, 2]]  # c is undated: it links both, and so one group


def test_guidance_and_trials_are_never_merged_on_wording():
    a = Item(id="nice:TA275", source="nice", type="guidance", title="Apixaban for preventing stroke in atrial fibrillation")
    b = Item(id="nice:TA256", source="nice", type="guidance", title="Rivaroxaban for preventing stroke in atrial fibrillation")
    assert group([a, b]) == ([(a, ()), (b, ())], 0)


def test_nothing_to_group():
    assert group([]) == ([], 0)
    only = story("x", "the a", "", None)  # all stop words: no vocabulary
    assert group([only, story("y", "an the", "", None)]) == ([(only, ()), (story("y", "an the", "", None), ())], 0)
