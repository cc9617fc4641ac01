"""Configuration and data errors through the real ``horizon`` command: each is one line
that says what to do, with no traceback unless ``--debug``."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.faults.faultrun import serve_control, write_config

ROOT = Path(__file__).parents[2]


def horizon(args: list[str], cwd: Path, api_url: str | None = None, fsize: int | None = None,
            debug: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("PREFECT_LOGGING_LEVEL", None)  # as a user runs it; the test session sets WARNING
    if api_url:
        env["PREFECT_API_URL"] = api_url

    def limit() -> None:  # a full disk, without root or a mount: writes past fsize fail with EFBIG
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    cmd = [sys.executable, "-c", "from apps.cli import main; main()", *(["--debug"] if debug else []), *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, preexec_fn=limit)


def assert_one_line(result: subprocess.CompletedProcess, *words: str) -> str:
    err = result.stderr.strip()
    assert result.returncode == 1, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr[-3000:]
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err[-3000:]
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


@pytest.fixture
def config(tmp_path, hostile):
    serve_control(hostile)
    return write_config(tmp_path / "config", hostile, "ctgov")


def _store(config: Path) -> Path:
    return Path(yaml.safe_load((config / "settings.yaml").read_text())["store_url"].removeprefix("sqlite:///"))


# -- before the flow starts: cheap ---------------------------------------------------------
def test_missing_config_directory(tmp_path, reliability):
    line = assert_one_line(horizon(["digest", "--config", str(tmp_path / "nope")], tmp_path), "not found", "--config")
    reliability("config", "missing config directory", "horizon digest", line)


def test_unreadable_config_file(config, tmp_path, reliability):
    (config / "sources.yaml").unlink()
    (config / "sources.yaml").mkdir()  # unreadable even for root, unlike chmod 000
    line = assert_one_line(horizon(["digest", "--config", str(config)], tmp_path), "sources.yaml", "cannot read")
    reliability("config", "unreadable sources.yaml", "horizon digest", line)


def test_corrupt_config_file(config, tmp_path, reliability):
    (config / "settings.yaml").write_bytes(b"http: {retries: [unclosed\n\xff\xfe")
    line = assert_one_line(horizon(["digest", "--config", str(config)], tmp_path), "settings.yaml")
    reliability("config", "corrupt settings.yaml (bad YAML, invalid UTF-8)", "horizon digest", line)


def test_debug_shows_the_traceback(tmp_path):
    result = horizon(["digest", "--config", str(tmp_path / "nope")], tmp_path, debug=True)
    assert result.returncode != 0 and "Traceback" in result.stderr


# -- inside the flow: one Prefect API shared by the session ----------------------------------
@pytest.fixture
def api_url(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


@pytest.mark.prefect
def test_corrupt_store_file(config, tmp_path, api_url, reliability):
    _store(config).write_bytes(b"this is not a database" * 100)
    line = assert_one_line(horizon(["digest", "--config", str(config), "--out", str(tmp_path / "o")], tmp_path, api_url),
                           "store", "corrupt")
    reliability("data", "corrupt store file", "horizon digest", line)


@pytest.mark.prefect
def test_store_from_a_newer_schema(config, tmp_path, api_url, reliability):
    from horizon.store import Store

    path = _store(config)
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")  # a later release's revision
    line = assert_one_line(horizon(["digest", "--config", str(config), "--out", str(tmp_path / "o")], tmp_path, api_url),
                           "newer", "upgrade")
    reliability("data", "store from a newer schema", "horizon digest", line)


@pytest.mark.prefect
def test_store_directory_missing(config, tmp_path, api_url, reliability):
    settings = yaml.safe_load((config / "settings.yaml").read_text())
    settings["store_url"] = f"sqlite:///{tmp_path / 'gone' / 'store.db'}"
    (config / "settings.yaml").write_text(yaml.safe_dump(settings))
    line = assert_one_line(horizon(["digest", "--config", str(config), "--out", str(tmp_path / "o")], tmp_path, api_url),
                           "does not exist")
    reliability("data", "missing store directory", "horizon digest", line)


@pytest.mark.prefect
def test_output_directory_not_writable(config, tmp_path, api_url, reliability):
    blocker = tmp_path / "readonly"
    blocker.write_text("a file where the output directory should be")  # unwritable even for root
    line = assert_one_line(horizon(["digest", "--config", str(config), "--out", str(blocker / "w")], tmp_path, api_url),
                           "cannot write")
    reliability("data", "output directory not writable", "horizon digest", line)


@pytest.mark.prefect
def test_disk_full_while_writing_the_store(config, tmp_path, api_url, reliability):
    line = assert_one_line(horizon(["digest", "--config", str(config), "--out", str(tmp_path / "o")], tmp_path, api_url,
                                   fsize=20_000))
    reliability("data", "disk full while opening the store (RLIMIT_FSIZE 20 kB)", "horizon digest", line)
    assert "disk space" in line, line


def test_disk_full_while_writing_the_digest(tmp_path, reliability):
    """The store cannot be kept under a file-size limit while the digest is not, so the
    writer is run alone in a subprocess under one: the error must say to free space."""
    script = ("from tests.outputs.golden import make_digest\nimport outputs, sys\n"
              "from apps.cli import unexpected\nfrom horizon.errors import HorizonError\n"
              "try:\n    outputs.write(make_digest(), sys.argv[1], outputs.FORMATS)\n"
              "except HorizonError as err:\n    print(err, file=sys.stderr); sys.exit(1)\n"
              "except Exception as err:  # what apps.cli.main prints for an untranslated error\n"
              "    print(unexpected(err), file=sys.stderr); sys.exit(1)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "o")], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120, preexec_fn=limit)
    line = assert_one_line(result, "free some disk space")
    reliability("data", "disk full while writing the digest (RLIMIT_FSIZE 4 kB)", "outputs.write", line)
    out = tmp_path / "o"
    assert not out.exists() or not [p for p in out.iterdir() if p.suffix == ".tmp"]  # nothing half-written left
