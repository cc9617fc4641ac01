"""In headless Chromium: a reviewer confirms a suggested link and moves a technology to "piloting".

Runs the real ``horizon serve`` over a temporary store (as tests/web/test_browser.py does);
needs Debian's ``chromium`` and the playwright dev dependency.
"""

from __future__ import annotations

from horizon.store import Store
from horizon.store_tech import Technologies
from horizon.tech.link import link_batch
from tests.web.browser import server, sign_in
from tests.web.seed import ITEMS, seed
from tests.web.test_browser import expect
from tests.web.test_browser import pytestmark as browser_marks

pytestmark = browser_marks  # browser, slow, and the reason when Chromium is missing


def test_confirm_a_suggested_link_and_move_to_piloting(browser, config, config_dir, tmp_path):
    store = Store(config.settings.store_url)
    seed(config, store, hostile=False)  # this test seeds its own store: the server opens it from the config
    techs = Technologies(store)
    techs.add("DERM", ["Skin Analytics"], kind="ai", areas=["dermatology"],
              description="AI triage of skin lesions referred on the suspected skin cancer pathway")
    link_batch(techs, ITEMS, propose=False)
    assert {r.item_id for r in techs.links("derm", ["suggested"])} >= {"nice:DG61"}
    store.close()

    with server(config_dir, tmp_path / "server.log") as base:
        rob = sign_in(browser, base, "rob")
        rob.goto(base + "/technologies")
        rob.get_by_role("link", name="DERM").click()
        suggestion = rob.locator('ul.suggested li[data-item="nice:DG61"]')
        suggestion.get_by_role("button", name="Confirm").click()
        expect(rob.locator('ul.timeline li[data-item="nice:DG61"]')).to_contain_text("confirmed")
        expect(rob.locator('ul.suggested li[data-item="nice:DG61"]')).to_have_count(0)

        form = rob.locator("form.stage-change")
        form.locator("select[name=stage]").select_option("piloting")
        form.locator("input[name=why]").fill("Pilot in two PCNs agreed by the board")
        form.get_by_role("button", name="Change stage").click()
        expect(rob.locator("#current-stage")).to_have_text("piloting")
        expect(rob.locator("table.history")).to_contain_text("Pilot in two PCNs agreed by the board")
        rob.goto(base + "/technologies?stage=piloting")
        expect(rob.locator('tr[data-tech="derm"] td.stage')).to_have_text("piloting")

    store = Store(config.settings.store_url)
    techs = Technologies(store)
    assert techs.get("derm").stage == "piloting"
    assert [(h.stage, h.by) for h in techs.stage_history("derm")][-1] == ("piloting", "rob")
    assert "nice:DG61" in techs.evidence_ids("derm")
    store.close()
