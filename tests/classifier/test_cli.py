"""The classify/evaluate/train/label commands, including bad input: one line naming the line, exit 1."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from horizon.cli import app

runner = CliRunner()
GOOD = {"id": "a1", "title": "Asthma app for teenagers", "summary": "Mobile app for asthma self-management.",
        "areas": ["respiratory", "digital-self-management"]}


def write_lines(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_classify_writes_one_json_line_per_item(tmp_path, use_model):
    src = write_lines(tmp_path / "in.jsonl", json.dumps(GOOD),
                      json.dumps({"id": "b2", "title": "Dental implants", "summary": "", "extra": 1}))
    result = runner.invoke(app, ["classify", str(src)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a1", "b2"]
    assert "respiratory" in rows[0]["areas"] and rows[1]["areas"] == []
    assert len(rows[0]["scores"]) == 10


def test_classify_reads_csv(tmp_path, use_model):
    src = tmp_path / "in.csv"
    src.write_text("id,title,summary,url\nc1,Gestational diabetes screening in pregnancy,OGTT at 24 weeks,x\n")
    result = runner.invoke(app, ["classify", str(src)])
    assert result.exit_code == 0, result.output
    assert "maternity" in json.loads(result.stdout)["areas"]


BAD = [
    ("missing.jsonl", [json.dumps(GOOD), json.dumps({"id": "x", "summary": "no title"})], "line 2: missing field 'title'"),
    ("broken.jsonl", [json.dumps(GOOD), json.dumps(GOOD), "{not json"], "line 3: not valid JSON"),
    ("empty.jsonl", [""], "no items in the file"),
    ("short.csv", ["id,summary", "x,y"], "line 1: CSV header lacks title"),
]


@pytest.mark.parametrize(("name", "lines", "message"), BAD)
@pytest.mark.parametrize("command", ["classify", "evaluate"])
def test_bad_input_is_one_line_and_nothing_is_written(tmp_path, use_model, name, lines, message, command):
    src = write_lines(tmp_path / name, *lines)
    out = tmp_path / "out.jsonl"
    args = [command, str(src)] + (["--out", str(out)] if command == "classify" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_area_in_labels_lists_valid_ids(tmp_path, use_model):
    src = write_lines(tmp_path / "labels.jsonl", json.dumps(GOOD), json.dumps({**GOOD, "areas": ["cardio"]}))
    result = runner.invoke(app, ["evaluate", str(src)])
    assert result.exit_code == 1
    assert "line 2: unknown area 'cardio'; valid areas: cardiovascular, cancer-early-diagnosis" in result.stderr


def test_evaluate_shows_model_and_keyword_baseline(tmp_path, use_model):
    from classifiers.training import BUNDLED

    result = runner.invoke(app, ["evaluate", str(BUNDLED)])
    assert result.exit_code == 0, result.output
    assert "macro F1" in result.stdout and "WSS@95" in result.stdout and "kw F1" in result.stdout


def test_label_rejects_unknown_area(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    from horizon.config import DEFAULT_DIR

    for name in ("priorities.yaml", "sources.yaml"):
        (config / name).write_text((DEFAULT_DIR / name).read_text())
    (config / "settings.yaml").write_text(f"store_url: sqlite:///{tmp_path}/h.db\n")
    result = runner.invoke(app, ["label", "ctgov:NCT1", "--area", "cardio", "--config", str(config)])
    assert result.exit_code == 1
    assert "unknown area 'cardio'; valid areas: cardiovascular" in result.stderr
