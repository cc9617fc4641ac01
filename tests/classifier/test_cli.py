"""The classify/evaluate/train/label commands, including bad input: one line naming the line, exit 1."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from apps.cli import app

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
    config = make_config(tmp_path)
    result = runner.invoke(app, ["label", "ctgov:NCT1", "--area", "cardio", "--config", str(config)])
    assert result.exit_code == 1
    assert "unknown area 'cardio'; valid areas: cardiovascular" in result.stderr


def make_config(tmp_path):
    from horizon.config import DEFAULT_DIR

    config = tmp_path / "config"
    config.mkdir()
    for name in ("priorities.yaml", "sources.yaml"):
        (config / name).write_text((DEFAULT_DIR / name).read_text())
    (config / "settings.yaml").write_text(f"store_url: sqlite:///{tmp_path}/h.db\n")
    return config


def test_label_records_a_judgement(tmp_path):
    from horizon.items import Item
    from horizon.store import Store

    config = make_config(tmp_path)
    store = Store(f"sqlite:///{tmp_path}/h.db")
    store.upsert([Item(id="test:1", source="test", type="news", title="Falls clinic", summary="")])
    result = runner.invoke(app, ["label", "test:1", "--area", "ageing-well", "--reviewer", "ana",
                                 "--config", str(config)])
    assert result.exit_code == 0, result.output
    missing = runner.invoke(app, ["label", "test:404", "--area", "ageing-well", "--config", str(config)])
    assert missing.exit_code == 1 and "test:404: no such item" in missing.stderr
    rows = store.labels()
    assert [(r.item_id, r.area, r.relevant, r.reviewer) for r in rows] == [
        ("test:1", "ageing-well", True, "ana")]
    assert [(j.reviewer, j.state, j.areas) for j in store.judgements()] == [
        ("ana", "relevant", ("ageing-well",))]  # the label is a judgement, the one record of reviewers' calls


def test_train_saves_a_model_that_classify_uses(tmp_path):
    from classifiers.training import BUNDLED

    config = make_config(tmp_path)
    labels = write_lines(tmp_path / "labels.jsonl", *BUNDLED.read_text().splitlines()[:120])
    model_dir = tmp_path / "model"
    result = runner.invoke(app, ["train", "--labels", str(labels), "--cv", "0", "--config", str(config),
                                 "--model-dir", str(model_dir)])
    assert result.exit_code == 0, result.output
    assert "trained on 120 items (0 reviewer labels)" in result.stdout
    assert (model_dir / "model.json").exists() and (model_dir / "model.npz").exists()
    src = write_lines(tmp_path / "in.jsonl", json.dumps(GOOD))
    result = runner.invoke(app, ["classify", str(src), "--model-dir", str(model_dir)])
    assert result.exit_code == 0 and json.loads(result.stdout)["id"] == "a1"


@pytest.mark.parametrize(("args", "message"), [
    (["--max-bytes", "300"], "exceeds the 300-byte input cap"),
    (["--max-line-bytes", "200"], "line 2: longer than the 200-byte line cap"),
])
def test_classify_refuses_oversized_input_in_one_line(tmp_path, use_model, args, message):
    long_line = json.dumps({**GOOD, "id": "big", "summary": "asthma " * 40})  # about 330 bytes
    src = write_lines(tmp_path / "in.jsonl", json.dumps(GOOD), long_line)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(src), "--out", str(out), *args])
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_classify_caps_a_pipe_whose_size_is_unknown_beforehand(tmp_path, use_model):
    import os
    import threading

    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)  # like /dev/stdin: stat() says 0 bytes, whatever comes down it
    line = (json.dumps(GOOD) + "\n").encode()

    def feed() -> None:
        try:
            with fifo.open("wb") as pipe:
                for _ in range(50):
                    pipe.write(line)
        except BrokenPipeError:
            pass  # the reader stopped at the cap: what this test wants

    writer = threading.Thread(target=feed)
    writer.start()
    result = runner.invoke(app, ["classify", str(fifo), "--max-bytes", str(len(line) * 3)])
    writer.join()
    assert result.exit_code == 1
    assert f"exceeds the {len(line) * 3:,}-byte input cap" in result.stderr


def test_classify_accepts_input_within_the_caps(tmp_path, use_model):
    src = write_lines(tmp_path / "in.jsonl", json.dumps(GOOD))
    size = src.stat().st_size
    result = runner.invoke(app, ["classify", str(src), "--max-bytes", str(size), "--max-line-bytes", str(size - 1)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "a1"


def test_evaluate_cross_validates_against_both_baselines_over_repeated_splits(tmp_path, use_model):
    from classifiers.training import BUNDLED

    labels = write_lines(tmp_path / "labels.jsonl", *BUNDLED.read_text().splitlines()[:80])
    result = runner.invoke(app, ["evaluate", str(labels), "--cv", "2", "--repeats", "2"])
    assert result.exit_code == 0, result.output
    assert "2-fold CV, mean of 2 splits" in result.stdout
    assert "plain F1" in result.stdout and "kw F1" in result.stdout and "cardiovascular" in result.stdout
    assert "model macro F1 per split:" in result.stdout


def test_classify_with_why_gives_the_deciding_terms_and_the_same_scores(tmp_path, use_model):
    src = write_lines(tmp_path / "in.jsonl", json.dumps(GOOD),
                      json.dumps({"id": "b2", "title": "Dental implants", "summary": ""}))
    plain = [json.loads(line) for line in runner.invoke(app, ["classify", str(src)]).stdout.splitlines()]
    result = runner.invoke(app, ["classify", str(src), "--why"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [{k: r[k] for k in ("id", "areas", "scores")} for r in rows] == plain
    assert set(rows[0]["why"]) == set(rows[0]["areas"]) and rows[1]["why"] == {}
    assert "asthma" in [t.lower() for t in rows[0]["why"]["respiratory"]]
