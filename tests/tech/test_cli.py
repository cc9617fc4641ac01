"""The ``horizon tech`` contract: list (JSON lines), show (Markdown dossier), add, link."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from apps.cli import app
from horizon.config import DEFAULT_DIR
from horizon.store import Store
from tests.tech.conftest import ITEMS, NOW

SEEDED = {"HeartFlow FFRCT", "KardiaMobile", "DERM", "FeNO testing", "Children's asthma education app", "Liberate Pro"}


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("HORIZON_STORE_URL", raising=False)
    directory = tmp_path / "config"
    directory.mkdir()
    for name in ("priorities.yaml", "sources.yaml"):
        shutil.copy(DEFAULT_DIR / name, directory / name)
    url = f"sqlite:///{tmp_path / 'horizon.db'}"
    sample = f"sqlite:///{tmp_path / 'horizon-sample.db'}"
    (directory / "settings.yaml").write_text(f"store_url: {url}\nsample_store_url: {sample}\n")
    store = Store(url)
    store.upsert(ITEMS, now=NOW)
    store.close()
    return directory


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    return result


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_add_links_stored_items_then_list_and_show(config_dir):
    added = run("tech", "add", "HeartFlow FFRCT", "--alias", "HeartFlow", "--alias", "FFRct",
                "--area", "cardiovascular", "--config", str(config_dir))
    assert added.exit_code == 0, added.output
    record = lines(added.stdout)[0]
    assert record["id"] == "heartflow-ffrct" and record["items"] == ["nhse-news:3d-heart", "nice:MTG32"]
    linked = run("tech", "link", "heartflow-ffrct", "health-press:skin-ai", "--config", str(config_dir))
    assert linked.exit_code == 0, linked.output
    listed = lines(run("tech", "list", "--config", str(config_dir)).stdout)
    assert listed == [{"id": "heartflow-ffrct", "name": "HeartFlow FFRCT", "stage": "signal",
                       "areas": ["cardiovascular"],
                       "evidence": {"guidance": 1, "trials": 0, "safety": 0, "literature": 0, "news": 2},
                       "items": ["health-press:skin-ai", "nhse-news:3d-heart", "nice:MTG32"]}]
    shown = run("tech", "show", "heartflow-ffrct", "--config", str(config_dir))
    assert shown.exit_code == 0 and shown.stdout.startswith("# HeartFlow FFRCT\n")
    assert "## Stage history" in shown.stdout
    rejected = run("tech", "link", "heartflow-ffrct", "health-press:skin-ai", "--reject", "--config", str(config_dir))
    assert "health-press:skin-ai" not in lines(rejected.stdout)[0]["items"]


def test_mistakes_are_one_line(config_dir):
    bad_area = run("tech", "add", "X", "--area", "cardio", "--config", str(config_dir))
    assert bad_area.exit_code != 0
    assert "--area: unknown area 'cardio'; valid areas: cardiovascular" in str(bad_area.exception)
    unknown = run("tech", "show", "nope", "--config", str(config_dir))
    assert unknown.exit_code != 0 and str(unknown.exception).startswith("no technology 'nope'; known: ")


def test_sample_lists_every_seeded_technology(config_dir):
    listed = lines(run("tech", "list", "--sample", "--config", str(config_dir)).stdout)
    assert {t["name"] for t in listed} == SEEDED
    assert (config_dir.parent / "horizon-sample.db").exists()  # the sample's own store, not the configured one
    assert lines(run("tech", "list", "--config", str(config_dir)).stdout) == []
    heartflow = next(t for t in listed if t["name"] == "HeartFlow FFRCT")
    assert heartflow["stage"] == "piloting" and heartflow["items"] == []  # no digest has filled this store
