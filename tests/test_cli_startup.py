"""A command's checks run before anything heavy is imported: a config typo is one quick line."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from apps.cli import main
sys.argv = ["horizon", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    heavy = sorted(m for m in ("prefect", "sklearn", "uvicorn") if m in sys.modules)
    print("heavy:", ",".join(heavy) or "none", "exit:", exit.code)
"""


@pytest.mark.parametrize("command", [["digest"], ["scan", "asthma"]])
def test_a_config_typo_is_reported_before_prefect_or_the_classifier_is_imported(command, tmp_path):
    (tmp_path / "priorities.yaml").write_text("areas: []\n")
    (tmp_path / "sources.yaml").write_text("sources: {}\n")
    result = subprocess.run([sys.executable, "-c", PROBE, *command, "--config", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert "heavy: none exit: 1" in result.stdout, result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0  # one line
    assert "priorities.yaml" in result.stderr
