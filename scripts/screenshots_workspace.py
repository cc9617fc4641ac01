"""Regenerate the workspace screenshots in docs/ on purpose (the tests never write there).

    uv run python scripts/screenshots_workspace.py             # docs/triage-screenshot.png, docs/queue-screenshot.png
    uv run python scripts/screenshots_workspace.py --out DIR   # somewhere else

Seeds a temporary store with the workspace tests' week of items (tests/web/seed.py),
starts the real ``horizon serve`` on it, signs in as a reviewer in headless Chromium
(Debian's ``chromium``), judges three items and takes the pictures. Everything but the
PNGs is written to a temporary directory and removed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs (default: docs/)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="horizon-screens-") as tmp:
        work = Path(tmp)
        os.environ["HORIZON_MODEL_DIR"] = str(work / "model")  # never the user's model cache
        os.environ.pop("HORIZON_STORE_URL", None)
        shoot(work, args.out)


def shoot(work: Path, out: Path) -> None:
    from playwright.sync_api import expect

    from horizon.config import DEFAULT_DIR, load_config
    from horizon.store import Store
    from tests.web.browser import chromium, server, sign_in
    from tests.web.seed import ITEMS, TAUGHT, seed

    config_dir = work / "config"
    config_dir.mkdir()
    for name in ("priorities.yaml", "sources.yaml"):
        shutil.copy(DEFAULT_DIR / name, config_dir / name)
    (config_dir / "settings.yaml").write_text(f"store_url: sqlite:///{work / 'horizon.db'}\n")
    config = load_config(config_dir)
    store = Store(config.settings.store_url)
    seed(config, store, hostile=False)
    store.close()
    out.mkdir(parents=True, exist_ok=True)
    print("seeded a temporary store; starting horizon serve", file=sys.stderr)
    with server(config_dir, work / "server.log") as base, chromium() as browser:
        rob = sign_in(browser, base, "rob")
        for item_id, button in ((ITEMS[1].id, "relevant"), (TAUGHT[0].id, "relevant"), (ITEMS[6].id, "uncertain")):
            card = rob.locator(f'article.item[data-item="{item_id}"]').first
            card.locator(f'button[value="{button}"]').click()
            expect(rob.locator(f'article.item[data-item="{item_id}"] [data-role=state]').first).to_have_text(button)
        rob.goto(base + "/")
        rob.screenshot(path=str(out / "triage-screenshot.png"))
        rob.goto(base + "/queue")
        rob.screenshot(path=str(out / "queue-screenshot.png"))
    for name in ("triage-screenshot.png", "queue-screenshot.png"):
        print(out / name)


if __name__ == "__main__":
    main()
