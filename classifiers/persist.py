"""Save and load a fitted ``AreaModel`` as JSON plus npz: vocabularies and coefficients, never pickle.

The saved model records the hash of its training data, the scikit-learn
version and the hash of the priority areas it was trained for; loading refuses
a model whose areas or scikit-learn version differ from the running ones.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from classifiers.model import AreaModel
from horizon.config import Priorities
from horizon.errors import ModelError

FORMAT = 1
META, ARRAYS = "model.json", "model.npz"


def priorities_hash(priorities: Priorities) -> str:
    """Hash of what the classifier reads from the areas (ids, names, descriptions, keywords, examples)."""
    areas = [a.model_dump(exclude={"weight"}) for a in priorities.areas]
    return hashlib.sha256(json.dumps(areas, sort_keys=True).encode()).hexdigest()[:16]


def default_model_dir(priorities: Priorities) -> Path:
    """``$HORIZON_MODEL_DIR``, else a per-user cache folder keyed by the priority areas."""
    if env := os.environ.get("HORIZON_MODEL_DIR"):
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "horizon-scanning" / "models" / priorities_hash(priorities)


def save(model: AreaModel, directory: str | Path, priorities: Priorities, info: dict[str, Any]) -> Path:
    """Write model.json and model.npz into ``directory`` (created if needed); returns the directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT, "sklearn": sklearn.__version__, "priorities_hash": priorities_hash(priorities),
        "areas": list(priorities.ids), "params": {k: v for k, v in model.get_params().items() if k != "areas"},
        "word_vocabulary": _terms(model.word_vocabulary_), "acronym_vocabulary": _terms(model.acronym_vocabulary_),
        **info,
    }
    tmp_meta, tmp_arrays = directory / (META + ".tmp"), directory / (ARRAYS + ".tmp.npz")
    np.savez_compressed(tmp_arrays, word_idf=model.word_idf_, acronym_idf=model.acronym_idf_,
                        coef=model.coef_, intercept=model.intercept_, threshold=model.threshold_,
                        supervised=model.supervised_)
    tmp_meta.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(tmp_arrays, directory / ARRAYS)  # both files are complete before either is replaced
    os.replace(tmp_meta, directory / META)
    return directory


def read_info(directory: str | Path) -> dict[str, Any] | None:
    """The saved model's metadata, or None when there is no saved model."""
    path = Path(directory) / META
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{path}: unreadable saved model ({err}); delete it or run `horizon train`") from err


def load(directory: str | Path, priorities: Priorities) -> tuple[AreaModel, dict[str, Any]]:
    """The saved model and its metadata; ``ModelError`` if missing or made for something else."""
    directory = Path(directory)
    meta = read_info(directory)
    if meta is None:
        raise ModelError(f"{directory}: no saved model; run `horizon train` first")
    _check(directory, meta, priorities)
    try:
        with np.load(directory / ARRAYS) as arrays:
            data = {k: arrays[k] for k in arrays.files}
    except (OSError, ValueError) as err:
        raise ModelError(f"{directory / ARRAYS}: unreadable saved model ({err}); run `horizon train`") from err
    model = AreaModel(areas=priorities.areas, **meta["params"])
    model.word_vocabulary_ = {term: i for i, term in enumerate(meta["word_vocabulary"])}
    model.acronym_vocabulary_ = {term: i for i, term in enumerate(meta["acronym_vocabulary"])}
    model.word_idf_, model.acronym_idf_ = data["word_idf"], data["acronym_idf"]
    model.coef_, model.intercept_ = data["coef"], data["intercept"]
    model.threshold_, model.supervised_ = data["threshold"], data["supervised"]
    model.n_areas_, model.classes_ = len(priorities.ids), np.array([0, 1])
    return model, meta


def matches(meta: dict[str, Any], priorities: Priorities) -> bool:
    """Whether saved metadata fits these priorities and this scikit-learn."""
    return (meta.get("format") == FORMAT and meta.get("priorities_hash") == priorities_hash(priorities)
            and meta.get("sklearn") == sklearn.__version__)


def _check(directory: Path, meta: dict[str, Any], priorities: Priorities) -> None:
    if meta.get("format") != FORMAT:
        raise ModelError(f"{directory}: saved model format {meta.get('format')} is not {FORMAT}; run `horizon train`")
    if meta.get("priorities_hash") != priorities_hash(priorities):
        raise ModelError(
            f"{directory}: the saved model was trained for other priority areas "
            f"({', '.join(meta.get('areas', []))}); run `horizon train` for this priorities.yaml")
    if meta.get("sklearn") != sklearn.__version__:
        raise ModelError(f"{directory}: the saved model was fitted with scikit-learn {meta.get('sklearn')}, "
                         f"this is {sklearn.__version__}; run `horizon train` to refit it")


def _terms(vocabulary: dict[str, int]) -> list[str]:
    """Vocabulary terms in index order."""
    return [term for term, _ in sorted(vocabulary.items(), key=lambda kv: kv[1])]
