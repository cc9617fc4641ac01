"""One entry, the same words everywhere: the workspace's triage card and the HTML, Markdown and text digests.

The entry goes through the real steps (candidates, ranking, assembly) and is published to the
store as the weekly run does; the workspace then builds its card from the store's rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from starlette.testclient import TestClient

import outputs
from apps.workspace import create_app
from horizon.config import digest_key
from horizon.digest import Classification
from horizon.items import Extras, Item
from horizon.store import Store
from steps.pipeline import assemble, candidates
from tests.web.conftest import sign_in
from tests.web.seed import password_hash

TITLE = "<script>alert(1)</script> [/] Smartwatch screening for atrial fibrillation (SAFER-Watch)"
TRIAL = Item(
    id="ctgov:NCT07000001", source="ctgov", type="trial", title=TITLE,
    summary="A randomised trial of wearable ECG screening for atrial fibrillation in over-65s.",
    url="https://clinicaltrials.gov/study/NCT07000001", published=date(2026, 11, 2), updated=date(2026, 11, 20),
    extras=Extras(status="COMPLETED", phase="PHASE3", countries=("United Kingdom",)),
)
EARLIER = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def words(text: str) -> str:
    return " ".join(text.split())


def publish(config, store: Store):
    """Last week's digest saw the trial recruiting; this week it has completed."""
    key = digest_key(config)
    recruiting = TRIAL.model_copy(update={"extras": TRIAL.extras.model_copy(update={"status": "RECRUITING"})})
    store.upsert([recruiting], now=EARLIER)
    store.record_digest(key, "2026-W47", "digests/2026-W47", [(TRIAL.id, 0.5, ["cardiovascular"])], now=EARLIER)
    store.upsert([TRIAL], now=NOW)
    chosen, novelty, history = candidates(store, key, "2026-W48")
    areas = config.priorities.ids[:3]
    verdict = Classification(item_id=TRIAL.id, scores={a: 0.9 if a in areas else 0.1 for a in config.priorities.ids},
                             areas=areas, why={a: ("atrial fibrillation",) for a in areas})
    digest = assemble(config, store, chosen, [verdict], novelty, history, NOW.date(), NOW, (), Counter())
    store.record_digest(digest.key, digest.week, "digests/2026-W48",
                        [(e.item.id, e.score, e.classification.areas) for e in digest.entries], now=NOW,
                        classifications=[e.classification for e in digest.entries])
    return digest


def test_an_entry_reads_the_same_in_the_triage_card_and_every_digest(config):
    store = Store(config.settings.store_url)
    digest = publish(config, store)
    store.add_user("vic", password_hash("vic"), "viewer")
    with TestClient(create_app(config, store=store, run_jobs=False), follow_redirects=False) as client:
        page = BeautifulSoup(sign_in(client, "vic").get("/").text, "html.parser")
    store.close()
    (entry,) = digest.entries
    names = [a.name for a in config.priorities.areas[:3]]
    said = [
        "ClinicalTrials.gov", "late-phase trial", "Phase 3, completed · UK sites",
        "registered 2026-11-02 · updated 2026-11-20 · first seen 2026-11-16 · changed",  # dates, then novelty
        "status: recruiting → completed", "wearable ECG screening for atrial fibrillation in over-65s",
        ", ".join(names), f"score {entry.score:.3f}",
    ]
    card = page.select_one("article.item")  # the first of its three areas' cards
    html_page = BeautifulSoup(outputs.get("html")().render(digest).decode(), "html.parser")
    html_entry = html_page.find("a", href=TRIAL.url).find_parent("td")  # the top list's block
    markdown = outputs.get("md")().render(digest).decode()
    md_page = BeautifulSoup(MarkdownIt("commonmark", {"html": True}).render(markdown), "html.parser")
    md_entry = md_page.find("a", href=TRIAL.url).find_parent("li")
    text = outputs.get("text")().render(digest).decode()
    text_entry = text[text.index("1. <script>"):].split("\n\n")[0]

    shown = {"workspace": card, "html": html_entry, "markdown": md_entry}
    for where, node in shown.items():
        assert not node.select("script"), where
        assert node.find("a", href=TRIAL.url).get_text() == TITLE, where  # "<script>" and "[/]" stayed text
        assert all(phrase in words(node.get_text()) for phrase in said), (where, words(node.get_text()))
    assert TITLE in words(text_entry) and TRIAL.url in text_entry
    assert all(phrase in words(text_entry) for phrase in said), words(text_entry)
    assert "RECRUITING" not in card.get_text() and "PHASE3" not in card.get_text()  # words, not registry codes
