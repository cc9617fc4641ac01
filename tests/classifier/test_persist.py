"""The model cache: one folder per (priorities, store), written atomically, $HORIZON_MODEL_DIR honoured."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers import persist
from horizon.config import Priorities


def test_each_store_and_each_configuration_gets_its_own_folder(monkeypatch, tmp_path, priorities):
    monkeypatch.delenv("HORIZON_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    other = Priorities(name="other", areas=priorities.areas[:3])
    folders = {persist.default_model_dir(priorities, "sqlite:///a.db"), persist.default_model_dir(priorities,
               "sqlite:///b.db"), persist.default_model_dir(other, "sqlite:///a.db")}
    assert len(folders) == 3 and all(f.is_relative_to(tmp_path) for f in folders)
    monkeypatch.setenv("HORIZON_MODEL_DIR", str(tmp_path / "chosen"))
    assert persist.default_model_dir(priorities, "sqlite:///a.db") == tmp_path / "chosen"


def test_each_of_several_icss_keeps_one_model_folder_per_store(monkeypatch, tmp_path):
    from flows.ics_digest import model_dir
    from flows.training_job import ics_model_dir
    from horizon.config import load_config
    from horizon.icss import Ics

    monkeypatch.delenv("HORIZON_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    config = load_config()
    heart = Ics(id="heart", config=config, title=None, directory=config.directory, single=False)
    a, b = ics_model_dir(heart, "sqlite:///a.db"), ics_model_dir(heart, "sqlite:///b.db")
    assert a != b  # two stores with the same icss.yaml never overwrite each other's model
    assert model_dir(heart, "sqlite:///a.db") == a  # the weekly run and the workspace use the same folder


def test_a_failed_save_leaves_the_previous_model_whole(monkeypatch, tmp_path, classifier, priorities):
    target = tmp_path / "model"
    persist.save(classifier.estimator, target, priorities, {"data_hash": "first"})
    assert sorted(p.name for p in target.iterdir()) == ["model.json", "model.npz"]  # no temporary files

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        persist.save(classifier.estimator, target, priorities, {"data_hash": "second"})
    assert sorted(p.name for p in target.iterdir()) == ["model.json", "model.npz"]
    model, meta = persist.load(target, priorities)
    assert meta["data_hash"] == "first"
    texts = ["Home blood pressure monitors for hypertension", "Dental implants"]
    assert (model.predict_proba(texts) == classifier.estimator.predict_proba(texts)).all()
