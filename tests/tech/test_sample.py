"""The bundled sample end to end: after the sample digest, every seeded technology is listed, three
or more have evidence from two kinds of source, and the digest opens with the tracked technologies."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from apps.cli import app
from horizon.tech import seed
from scanners.replay import SAMPLE_DIR

pytestmark = [pytest.mark.prefect, pytest.mark.slow]  # a whole sample digest


@pytest.fixture(scope="module")
def sample_dir(prefect_harness, tmp_path_factory):
    from flows.weekly_digest import weekly_digest

    workdir = tmp_path_factory.mktemp("tech-sample")
    previous = os.getcwd()
    os.chdir(workdir)  # the sample's own store is horizon-sample.db in the working directory
    try:
        weekly_digest(sample=True, out=str(workdir / "digest"))
        yield workdir
    finally:
        os.chdir(previous)


def test_tech_list_after_the_sample_digest(sample_dir, monkeypatch):
    monkeypatch.chdir(sample_dir)
    result = CliRunner().invoke(app, ["tech", "list", "--sample"])
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.stdout.splitlines()]
    assert {t["name"] for t in listed} == {r.name for r in seed.read(SAMPLE_DIR / seed.FILENAME)}
    kinds = {t["name"]: {k for k, n in t["evidence"].items() if n} for t in listed}
    assert sum(len(k) >= 2 for k in kinds.values()) >= 3, kinds
    assert kinds["HeartFlow FFRCT"] == {"guidance", "news"} and kinds["DERM"] == {"trials", "news"}


def test_the_sample_digest_opens_with_safety_then_tracked_technologies(sample_dir):
    md = (sample_dir / "digest" / "digest.md").read_text()
    sections = [line for line in md.splitlines() if line.startswith("## ")]
    assert sections[:2] == ["## Safety notices in your areas", "## Technologies you track: new evidence this week"]
    assert "### HeartFlow FFRCT · stage piloting" in md and "## Stage reviews due" in md
    assert "Technology: DERM" in md  # entries about a tracked technology name it
