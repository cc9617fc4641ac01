"""The e-mail holds each item once, however many of its sections it qualifies for (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email import message_from_bytes, policy

from horizon.digest import Classification, Entry, Factors, TechEvidence, TechNews
from horizon.items import Item
from outputs.delivery import DeliveryConfig, EmailSettings, deliver
from tests.outputs.golden import AREAS, make_digest

LINK = "https://intranet.example.nhs.uk/horizon/2026-W48/digest.html"


def _entry(i: int, kind: str = "trial", areas: tuple[str, ...] = ("atrial-fibrillation",)) -> Entry:
    item = Item(id=f"nice:NG{i:03d}", source="nice", type=kind, title=f"Item number {i:03d}",
                url=f"https://www.nice.org.uk/guidance/ng{i:03d}", published=date(2026, 11, 18))
    scores = {a.id: (0.9 if a.id in areas else 0.0) for a in AREAS}
    return Entry(item=item, kind=kind, classification=Classification(item_id=item.id, scores=scores, areas=areas),
                 factors=Factors(relevance=0.9, area_weight=1, impact=1, uk=1, recency=1 - i / 100, novelty=1))


def _week():
    """Item 0 is the week's best guidance, in two areas, and evidence for a tracked technology; 9 is a safety notice."""
    entries = [_entry(0, "guidance", ("atrial-fibrillation", "asthma")), *(_entry(i) for i in range(1, 6)),
               _entry(9, "safety")]
    tracked = TechNews(tech_id="kardiamobile", name="KardiaMobile", stage="scaled", readiness="NICE guidance 2019",
                       arrived=(TechEvidence(item_id="nice:NG000", title="Item number 000",
                                             url="https://www.nice.org.uk/guidance/ng000", source="nice",
                                             kind="guidance", novelty="changed"),))
    return make_digest(entries=tuple(entries), failed=False).model_copy(
        update={"tracked": (tracked,), "generated": datetime(2026, 11, 23, 7, tzinfo=UTC)})


def test_an_item_in_the_tracked_technologies_is_not_repeated_in_the_top_of_its_areas(smtp):
    controller, inbox = smtp
    settings = EmailSettings(host="127.0.0.1", port=controller.port, security="none", timeout=10, top_n=3,
                             sender="horizon@ics.example.nhs.uk", recipients=("innovation@ics.example.nhs.uk",),
                             digest_link=LINK)
    deliver(_week(), DeliveryConfig(email=settings), env={})
    [envelope] = inbox.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    for body in (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()):
        assert "KardiaMobile" in body  # the tracked technology's news is in the e-mail
        shown = re.findall(r"Item number (\d{3})", body)
        assert sorted(shown) == sorted(set(shown)), shown  # each item once
        assert {"000", "009"} <= set(shown)  # under its technology and in the safety section
        assert {"001", "002", "003"} <= set(shown)  # the next three of the area take item 0's place
        assert body.count("https://www.nice.org.uk/guidance/ng000") == 1


def test_evidence_past_the_three_the_opening_section_lists_stays_in_the_top_of_its_area():
    """The opening section lists three pieces of evidence a technology; a fourth is not lost from the e-mail."""
    many = TechNews(tech_id="kardiamobile", name="KardiaMobile", stage="scaled", readiness="NICE guidance 2019",
                    arrived=tuple(TechEvidence(item_id=f"nice:NG{i:03d}", title=f"Item number {i:03d}", source="nice",
                                               kind="guidance") for i in range(1, 5)))
    digest = _week().model_copy(update={"tracked": (many,)})
    chosen = [e.item.id for e, _areas in digest.per_area(3)]
    assert "nice:NG004" in chosen and not {"nice:NG001", "nice:NG002", "nice:NG003"} & set(chosen)
