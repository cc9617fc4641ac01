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
        state = weekly_digest(sample=True, out=str(workdir / "digest"), return_state=True)
        assert state.is_completed(), state
        (workdir / "flow-run-id").write_text(str(state.state_details.flow_run_id))
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


def test_the_sample_digest_opens_with_tracked_technologies_then_safety(sample_dir):
    md = (sample_dir / "digest" / "digest.md").read_text()
    sections = [line for line in md.splitlines() if line.startswith("## ")]
    assert sections[:3] == ["## Technologies you track: new evidence this week", "## Safety notices in your areas",
                            "## Stage reviews due"]
    assert "### HeartFlow FFRCT · stage piloting" in md and "## Stage reviews due" in md
    assert "Technology: DERM" in md  # entries about a tracked technology name it


def test_linking_is_one_task_of_the_weekly_flow_over_the_whole_batch(sample_dir):
    """One ``link-technologies`` task run in the flow run, never one per item or per technology."""
    import asyncio
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flow_run = UUID((sample_dir / "flow-run-id").read_text())

    async def task_names() -> list[tuple[str, str]]:
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run])))
            return [(r.task_key, r.state_name) for r in runs if r.flow_run_id == flow_run]

    names = asyncio.run(task_names())
    linking = [n for n in names if n[0].startswith("link_technologies")]
    assert linking == [(linking[0][0], "Completed")], names
