"""Save and load a fitted ``AreaModel`` as one npz file: vocabulary, coefficients and metadata, never pickle.

The file records the hash of its training data, the scikit-learn version and
the hash of the priority areas it was trained for; loading refuses a model
whose areas or scikit-learn version differ from the running ones. It is
written to a unique temporary name and renamed into place, so a reader (or a
second process writing the same model) never sees half a model. ``model.json``
beside it is a readable copy of the metadata, for people; loading never reads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from classifiers.model import AreaModel
from horizon.config import Priorities
from horizon.errors import ModelError

FORMAT = 2
META, ARRAYS = "model.json", "model.npz"


def priorities_hash(priorities: Priorities) -> str:
    """Hash of what the classifier reads from the areas (ids, names, descriptions, keywords, examples)."""
    areas = [a.model_dump(exclude={"weight"}) for a in priorities.areas]
    return hashlib.sha256(json.dumps(areas, sort_keys=True).encode()).hexdigest()[:16]


def default_model_dir(priorities: Priorities, store_url: str | None = None) -> Path:
    """``$HORIZON_MODEL_DIR`` when set (that folder, as given), else one cache folder per (priorities, store).

    Unset, two ICS configurations or two stores never share (or overwrite) one model.
    """
    if root := os.environ.get("HORIZON_MODEL_DIR"):
        return Path(root)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "horizon-scanning" / "models"
    key = hashlib.sha256(f"{priorities_hash(priorities)}\x1f{store_url or ''}".encode()).hexdigest()[:16]
    return base / key


def save(model: AreaModel, directory: str | Path, priorities: Priorities, info: dict[str, Any]) -> Path:
    """Write the model into ``directory`` (created if needed) atomically; returns the directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT, "sklearn": sklearn.__version__, "priorities_hash": priorities_hash(priorities),
        "areas": list(priorities.ids), "params": {k: v for k, v in model.get_params().items() if k != "areas"},
        **info,
    }
    handle, tmp = tempfile.mkstemp(dir=directory, prefix=".model-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez_compressed(out, meta=np.array(json.dumps(meta)),
                                vocabulary=np.array(_terms(model.vocabulary_), dtype=str), idf=model.idf_,
                                coef=model.coef_, intercept=model.intercept_, blend=model.blend_,
                                threshold=model.threshold_)
        os.replace(tmp, directory / ARRAYS)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _write_readable(directory, meta)
    return directory


def _write_readable(directory: Path, meta: dict[str, Any]) -> None:
    handle, tmp = tempfile.mkstemp(dir=directory, prefix=".model-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(meta, out, indent=1)
    os.replace(tmp, directory / META)


def read_info(directory: str | Path) -> dict[str, Any] | None:
    """The saved model's metadata, or None when there is no saved model."""
    path = Path(directory) / ARRAYS
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return json.loads(str(arrays["meta"]))
    except (OSError, ValueError, KeyError) as err:
        raise ModelError(f"{path}: unreadable saved model ({err}); delete it or run `horizon train`") from err


def load(directory: str | Path, priorities: Priorities) -> tuple[AreaModel, dict[str, Any]]:
    """The saved model and its metadata; ``ModelError`` if missing or made for something else."""
    path = Path(directory) / ARRAYS
    try:
        with np.load(path, allow_pickle=False) as arrays:
            data = {k: arrays[k] for k in arrays.files}
        meta = json.loads(str(data["meta"]))
    except FileNotFoundError as err:
        raise ModelError(f"{directory}: no saved model; run `horizon train` first") from err
    except (OSError, ValueError, KeyError) as err:
        raise ModelError(f"{path}: unreadable saved model ({err}); run `horizon train`") from err
    _check(Path(directory), meta, priorities)
    model = AreaModel(areas=priorities.areas, **meta["params"])
    model.vocabulary_ = {str(term): i for i, term in enumerate(data["vocabulary"])}
    model.idf_, model.coef_, model.intercept_ = data["idf"], data["coef"], data["intercept"]
    model.blend_, model.threshold_ = data["blend"], data["threshold"]
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
