"""Workspace request times with training off the request path. Prints figures; asserts nothing.

    uv run python bench/workspace.py

Seeds a temporary store with the workspace tests' week (tests/web/seed.py), has a reviewer
judge two items, then times, through the real app: the item page and the queue right after
the new judgements (once they refitted the model inside the GET), "Retrain now" (once a
nested cross-validation inside the POST), and the background job it queues.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="horizon-bench-ws-") as tmp:
        work = Path(tmp)
        os.environ["HORIZON_MODEL_DIR"] = str(work / "model")
        os.environ.pop("HORIZON_STORE_URL", None)
        run(work)


def run(work: Path) -> None:
    from starlette.testclient import TestClient

    from apps.workspace import create_app
    from flows.training_job import run_job
    from horizon import store_jobs
    from horizon.config import DEFAULT_DIR, load_config
    from horizon.store import Store
    from tests.web.seed import HELD_BACK, PASSWORDS, TAUGHT, seed

    config_dir = work / "config"
    config_dir.mkdir()
    for name in ("priorities.yaml", "sources.yaml"):
        shutil.copy(DEFAULT_DIR / name, config_dir / name)
    (config_dir / "settings.yaml").write_text(f"store_url: sqlite:///{work / 'horizon.db'}\n")
    config = load_config(config_dir)
    store = Store(config.settings.store_url)
    seed(config, store, hostile=False)
    with TestClient(create_app(config, store=store, run_jobs=False), follow_redirects=False) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        client.post("/login", data={"csrf": token, "name": "ada", "password": PASSWORDS["ada"], "next": "/"})
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/learning").text).group(1)
        for item in TAUGHT:
            client.post("/judge", data={"csrf": token, "item_id": item.id, "state": "relevant",
                                        "areas": "cardiovascular"})
        for label, path in (("item page after new judgements", f"/items/{HELD_BACK.id}"),
                            ("item page again", f"/items/{HELD_BACK.id}"), ("review next (queue)", "/queue"),
                            ("learning page", "/learning")):
            seconds, response = timed(lambda path=path: client.get(path))
            print(f"{label:34} {seconds * 1000:8.0f} ms  (HTTP {response.status_code})")
        seconds, response = timed(lambda: client.post("/learning/retrain", data={"csrf": token}))
        print(f"{'retrain now (POST)':34} {seconds * 1000:8.0f} ms  (HTTP {response.status_code})")
        job = store_jobs.claim(store)
        seconds, done = timed(lambda: run_job(store, config, job))
        folds = config.settings.workspace.cv_folds
        print(f"{'the background job it queued':34} {seconds:8.1f} s   ({done.state}, {folds}-fold F1 "
              f"{done.f1_before} -> {done.f1_after}, {done.labels} reviewer labels)")
    store.close()


if __name__ == "__main__":
    main()
