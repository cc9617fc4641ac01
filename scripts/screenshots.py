"""Regenerate the README's screenshots of the bundled sample digest.

Usage: uv run python scripts/screenshots.py [--html PATH] [--out DIR]

Without ``--html`` it runs ``horizon digest --sample`` in a scratch directory first
(the real pipeline, offline). Then headless Chromium (Debian's /usr/bin/chromium,
or $HORIZON_CHROMIUM; never ``playwright install``) opens the page and writes
``digest-screenshot.png`` (the whole page) and ``digest-top.png`` (the first
1,500 px: what the README shows) into ``--out`` (default: docs/). Tests never
write these tracked files; only this script does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("HORIZON_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def sample_digest(workdir: Path) -> Path:
    """Run the sample digest in ``workdir``; returns its HTML file."""
    horizon = Path(sys.executable).with_name("horizon")  # the console script of this environment
    subprocess.run([str(horizon), "digest", "--sample", "--out", str(workdir / "sample")], cwd=workdir, check=True)
    return workdir / "sample" / "digest.html"


def shoot(html: Path, out: Path) -> list[Path]:
    """The whole page and its top, at 760 px wide (a laptop's mail pane)."""
    from playwright.sync_api import sync_playwright

    whole, top = out / "digest-screenshot.png", out / "digest-top.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 760, "height": 900})
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.screenshot(path=str(whole), full_page=True)
        page.set_viewport_size({"width": 760, "height": 1500})
        page.screenshot(path=str(top))
        browser.close()
    return [whole, top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="an HTML digest to photograph (default: run the sample)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go (default: docs/)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"error: no Chromium at {CHROMIUM}; run .ci/install-chromium or set HORIZON_CHROMIUM")
    with tempfile.TemporaryDirectory() as scratch:
        html = args.html or sample_digest(Path(scratch))
        for path in shoot(html, args.out):
            print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
