"""The workspace's technology pages: filters, confirm/reject, stage change, notes, dossiers, exports."""

from __future__ import annotations

import csv
import io

from horizon.store_tech import Technologies
from tests.tech.web.conftest import EVIL
from tests.web.conftest import csrf_of


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.text


def test_list_filters_by_area_stage_kind_and_search(client_for):
    vic = client_for("vic")
    everything = page(vic, "/technologies")
    assert 'data-tech="feno-testing"' in everything and 'data-tech="derm"' in everything
    only = page(vic, "/technologies?area=respiratory")
    assert 'data-tech="feno-testing"' in only and 'data-tech="derm"' not in only
    assert 'data-tech="derm"' in page(vic, "/technologies?kind=ai&q=skin")
    assert 'data-tech="' not in page(vic, "/technologies?stage=scaled")
    assert "Propose a technology" not in everything  # a viewer cannot change anything


def test_a_reviewer_confirms_a_suggestion_moves_the_stage_and_keeps_notes(client_for, store):
    rob = client_for("rob")
    derm = page(rob, "/technologies/derm")
    assert "Suggested links" in derm and 'data-item="nice:DG61"' in derm
    assert "<small>NICE · guidance · similarity" in derm  # the publisher in words, not its source id
    assert EVIL not in derm and "&lt;script&gt;" in derm
    token = csrf_of(derm)
    done = rob.post("/technologies/derm/links", data={"csrf": token, "item_id": "nice:DG61", "decision": "confirmed"})
    assert done.status_code == 303
    assert Technologies(store).evidence_ids("derm") == ["nice:DG61"]
    moved = rob.post("/technologies/derm/stage", data={"csrf": token, "stage": "piloting", "why": "two practices"})
    assert moved.status_code == 303
    history = Technologies(store).stage_history("derm")
    assert [(h.stage, h.by, h.why) for h in history][-1] == ("piloting", "rob", "two practices")
    rob.post("/technologies/derm/notes", data={"csrf": token, "owner": "Planned care", "next_review": "2027-01-11",
                                               "notes": "pilot agreed", "outcome": ""})
    after = page(rob, "/technologies/derm")
    assert "pilot agreed" in after and 'id="current-stage">piloting' in after
    assert rob.post("/technologies/derm/stage", data={"csrf": "wrong", "stage": "scaled"}).status_code == 403


def test_viewers_cannot_decide_and_bad_input_is_refused(client_for):
    vic = client_for("vic")
    token = csrf_of(page(vic, "/technologies/derm"))
    assert vic.post("/technologies/derm/links", data={"csrf": token, "item_id": "nice:DG61",
                                                      "decision": "confirmed"}).status_code == 403
    rob = client_for("rob")
    token = csrf_of(page(rob, "/technologies/derm"))
    assert rob.post("/technologies/derm/stage", data={"csrf": token, "stage": "won"}).status_code == 400
    assert rob.post("/technologies/derm/links", data={"csrf": token, "item_id": "nope:1",
                                                      "decision": "confirmed"}).status_code == 404
    assert rob.get("/technologies/nope").status_code == 404


def test_dossiers_and_exports(client_for):
    vic = client_for("vic")
    md = vic.get("/technologies/feno-testing/dossier.md")
    assert md.status_code == 200 and md.text.startswith("# FeNO testing\n")
    html = vic.get("/technologies/derm/dossier.html")
    assert html.status_code == 200 and EVIL not in html.text and "default-src 'none'" in html.headers[
        "content-security-policy"]
    rows = list(csv.DictReader(io.StringIO(vic.get("/technologies.csv").text)))
    feno = next(r for r in rows if r["id"] == "feno-testing")
    assert (feno["trials"], feno["items"]) == ("1", "ctgov:NCT06100003")
    xlsx = vic.get("/technologies.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    values = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["feno-testing"]["trials"] == 1


def test_an_item_page_links_to_a_technology_and_proposes_a_new_one(client_for, store):
    rob = client_for("rob")
    item_page = page(rob, "/items/nhse:virtual-wards-frailty")
    assert "Link to a technology" in item_page and "Propose a technology" in item_page
    token = csrf_of(item_page)
    linked = rob.post("/technologies/link", data={"csrf": token, "tech_id": "feno-testing",
                                                  "item_id": "nhse:virtual-wards-frailty"})
    assert linked.status_code == 303 and linked.headers["location"] == "/items/nhse:virtual-wards-frailty#technologies"
    assert "nhse:virtual-wards-frailty" in Technologies(store).evidence_ids("feno-testing")
    proposed = rob.post("/technologies", data={"csrf": token, "name": "Virtual ward platform",
                                               "aliases": "virtual wards", "item_id": "nhse:virtual-wards-frailty"})
    assert proposed.status_code == 303 and proposed.headers["location"] == "/technologies/virtual-ward-platform"
    assert Technologies(store).evidence_ids("virtual-ward-platform") == ["nhse:virtual-wards-frailty"]
    again = page(rob, "/items/nhse:virtual-wards-frailty")
    assert 'href="/technologies/virtual-ward-platform"' in again


def test_a_reviewer_merges_one_record_into_another(client_for, store):
    rob = client_for("rob")
    token = csrf_of(page(rob, "/technologies/feno-testing"))
    merged = rob.post("/technologies/feno-testing/merge", data={"csrf": token, "into": "derm"})
    assert merged.status_code == 303 and merged.headers["location"] == "/technologies/derm"
    techs = Technologies(store)
    assert techs.get("feno-testing") is None
    assert {"FeNO testing", "FeNO"} <= set(techs.get("derm").aliases)
    assert "ctgov:NCT06100003" in techs.evidence_ids("derm")
    assert rob.post("/technologies/derm/merge", data={"csrf": token, "into": "derm"}).status_code == 400


def test_a_reviewer_splits_items_off_into_a_new_record(client_for, store):
    rob = client_for("rob")
    html = page(rob, "/technologies/feno-testing")
    assert 'action="/technologies/feno-testing/split"' in html and 'value="ctgov:NCT06100003"' in html
    made = rob.post("/technologies/feno-testing/split",
                    data={"csrf": csrf_of(html), "name": "Handheld FeNO monitor", "item_id": "ctgov:NCT06100003"})
    assert made.status_code == 303 and made.headers["location"] == "/technologies/handheld-feno-monitor"
    techs = Technologies(store)
    assert techs.evidence_ids("handheld-feno-monitor") == ["ctgov:NCT06100003"]
    assert "ctgov:NCT06100003" not in techs.evidence_ids("feno-testing")
    refused = rob.post("/technologies/feno-testing/split", data={"csrf": csrf_of(html), "name": "Empty"})
    assert refused.status_code == 400


def test_a_reviewer_accepts_ignores_and_merges_proposed_names(client_for, store):
    techs = Technologies(store)
    techs.propose("VirtualWardOS", ["nhse:virtual-wards-frailty"])
    techs.propose("NoiseName", ["ctgov:NCT06100004"])
    techs.propose("SkinScope", ["ctgov:NCT06100005"])
    techs.propose(EVIL, ["ctgov:NCT06100006"])
    vic, rob = client_for("vic"), client_for("rob")
    seen = page(vic, "/technologies")
    assert "Names that recur but belong to no record" in seen and "VirtualWardOS" in seen
    assert EVIL not in seen and 'action="/technologies/proposals"' not in seen  # escaped; a viewer cannot decide
    assert vic.post("/technologies/proposals", data={"csrf": csrf_of(seen), "name": "NoiseName",
                                                     "action": "ignore"}).status_code == 403
    token = csrf_of(page(rob, "/technologies"))
    accepted = rob.post("/technologies/proposals", data={"csrf": token, "name": "VirtualWardOS", "action": "accept",
                                                         "into": "derm"})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/technologies/virtualwardos"
    assert techs.evidence_ids("virtualwardos") == ["nhse:virtual-wards-frailty"]
    assert rob.post("/technologies/proposals", data={"csrf": token, "name": "NoiseName",
                                                     "action": "ignore"}).headers["location"] == "/technologies"
    merged = rob.post("/technologies/proposals", data={"csrf": token, "name": "SkinScope", "action": "merge",
                                                       "into": "derm"})
    assert merged.headers["location"] == "/technologies/derm"
    assert "SkinScope" in techs.get("derm").aliases and "ctgov:NCT06100005" in techs.evidence_ids("derm")
    assert rob.post("/technologies/proposals", data={"csrf": token, "name": EVIL, "action": "merge",
                                                     "into": "nope"}).status_code == 400
    assert rob.post("/technologies/proposals", data={"csrf": token, "name": "NoiseName",
                                                     "action": "accept"}).status_code == 400  # decided already
    assert [p.name for p in techs.proposals()] == [EVIL]


def test_the_whole_database_exports_with_every_evidence_count_and_no_formula_runs(client_for, store):
    techs = Technologies(store)
    techs.add('=HYPERLINK("https://evil.example","x")', ["+SUM(A1)", "@cmd"], kind="device", areas=["respiratory"],
              developer="-2+3")
    techs.decide("hyperlink-https-evil-example-x", "nice:DG61", "confirmed", by="rob")
    vic = client_for("vic")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(vic.get("/technologies.csv").text))}
    evil = next(r for r in rows.values() if "HYPERLINK" in r["name"])
    assert evil["name"].startswith("'=") and evil["aliases"].startswith("'+") and evil["developer"] == "'-2+3"
    assert {k: evil[k] for k in ("guidance", "trials", "safety", "literature", "news")} == {
        "guidance": "1", "trials": "0", "safety": "0", "literature": "0", "news": "0"}
    assert set(rows) == {"feno-testing", "derm", evil["id"]}  # every technology of the ICS
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(vic.get("/technologies.xlsx").content)).active
    header = [c.value for c in sheet[1]]
    cells = {r[0].value: {h: c for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(min_row=2)}
    bad = cells[evil["id"]]
    assert bad["name"].data_type == "s" and bad["name"].value.startswith("'=")  # text, never a formula
    assert bad["guidance"].value == 1 and cells["feno-testing"]["trials"].value == 1


def test_a_reviewer_keeps_the_record_itself_current_and_new_aliases_find_past_items(client_for, store):
    """Aliases, kind, developer, areas and description are edited on the technology's page; an alias
    added there links the stored items that name it, as the weekly run would."""
    rob = client_for("rob")
    html = page(rob, "/technologies/feno-testing")
    assert 'action="/technologies/feno-testing/record"' in html
    token = csrf_of(html)
    saved = rob.post("/technologies/feno-testing/record", data={
        "csrf": token, "aliases": "FeNO, capsule sponge", "kind": "device", "developer": "Circassia",
        "areas": ["respiratory", "cancer-early-diagnosis"], "description": f"Breath test {EVIL}"})
    assert saved.status_code == 303 and saved.headers["location"] == "/technologies/feno-testing#record"
    record = Technologies(store).require("feno-testing")
    assert (record.aliases, record.kind, record.developer, record.areas) == (
        ("FeNO", "capsule sponge"), "device", "Circassia", ("respiratory", "cancer-early-diagnosis"))
    assert "isrctn:ISRCTN51200002" in Technologies(store).evidence_ids("feno-testing")  # "capsule sponge test"
    after = page(rob, "/technologies/feno-testing")
    assert EVIL not in after and "Circassia" in after
    assert 'data-tech="feno-testing"' in page(rob, "/technologies?area=cancer-early-diagnosis&kind=device")
    assert rob.post("/technologies/feno-testing/record", data={"csrf": token, "kind": "gadget"}).status_code == 400
    assert rob.post("/technologies/feno-testing/record", data={"csrf": token, "kind": "device",
                                                               "areas": "nowhere"}).status_code == 400
    vic = client_for("vic")
    assert vic.post("/technologies/feno-testing/record", data={"csrf": csrf_of(page(vic, "/technologies")),
                                                               "kind": "ai"}).status_code == 403


def test_a_proposed_technology_can_say_its_kind_and_areas(client_for, store):
    rob = client_for("rob")
    listing = page(rob, "/technologies")
    assert 'name="kind"' in listing.split('class="add-tech"')[1] and 'name="areas"' in listing.split('class="add-tech"')[1]
    made = rob.post("/technologies", data={"csrf": csrf_of(listing), "name": "Cytosponge", "aliases": "capsule sponge",
                                           "kind": "diagnostic", "areas": ["cancer-early-diagnosis"]})
    assert made.status_code == 303
    record = Technologies(store).require("cytosponge")
    assert (record.kind, record.areas) == ("diagnostic", ("cancer-early-diagnosis",))
    assert Technologies(store).evidence_ids("cytosponge") == ["isrctn:ISRCTN51200002"]
    assert rob.post("/technologies", data={"csrf": csrf_of(listing), "name": "X", "kind": "gadget"}).status_code == 400


def test_a_retracted_paper_linked_to_a_technology_says_so_on_its_page(client_for, store):
    from scanners.pubmed import Pubmed
    from tests.scanners.scanfix import make, saved

    (paper,) = make(Pubmed, "http://unused").parse(saved("pubmed", "efetch_retracted_thirdparty.xml")).items
    store.upsert([paper])
    Technologies(store).decide("derm", paper.id, "confirmed", by="rob")
    shown = " ".join(page(client_for("vic"), "/technologies/derm").split())
    assert "RETRACTED, EXPRESSION OF CONCERN: Ileal-lymphoid-nodular hyperplasia" in shown
