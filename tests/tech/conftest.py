"""A temporary store with a few items in the style of their sources, and technology records."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from horizon.items import Extras, Item
from horizon.store import Store
from horizon.store_tech import Technologies

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def item(id_: str, type_: str, title: str, summary: str = "", **extras) -> Item:
    return Item(id=id_, source=id_.split(":")[0], type=type_, title=title, summary=summary,
                url=f"https://example.org/{id_.replace(':', '/')}", published=date(2026, 11, 2),
                updated=date(2026, 11, 20), extras=Extras(**extras))


ITEMS = [
    item("nice:MTG32", "guidance",
         "HeartFlow FFRCT for estimating fractional flow reserve from coronary CT angiography",
         programme="Medical technologies guidance", status="published"),
    item("nhse-news:3d-heart", "news", "3D heart scans on the NHS",
         "NHS England is rolling out HeartFlow, which turns a routine CT scan into a 3D model of the heart."),
    item("ctgov:NCT06654999", "trial", "How consistent is the output of DERM on images of skin lesions",
         "Observational study of DERM, an AI medical device.", status="RECRUITING", phase="NA",
         countries=("United Kingdom",)),
    item("health-press:derm-clinics", "news", "Dermatology clinics under pressure",
         "Derm nurses and dermatologists face a backlog of skin lesion referrals."),
    item("health-press:skin-ai", "news", "AI triage of suspected skin cancer referrals",
         "An AI tool reads dermoscopic images of skin lesions to triage suspected skin cancer referrals."),
    item("pubmed:1", "literature", "Burnout: helping to liberate clinicians from paperwork"),
]


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.upsert(ITEMS, now=NOW)
    yield store
    store.close()


@pytest.fixture
def techs(store):
    techs = Technologies(store)
    techs.add("HeartFlow FFRCT", ["HeartFlow", "FFRct"], kind="diagnostic", areas=["cardiovascular"], now=NOW)
    techs.add("DERM", ["Skin Analytics"], kind="ai", areas=["dermatology"], developer="Skin Analytics",
              description="AI triage of skin lesion images for suspected skin cancer", now=NOW)
    techs.add("Liberate Pro", ["Liberate"], kind="digital", now=NOW)
    return techs
