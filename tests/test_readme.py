"""Every command in the README, run exactly as written, the way a newcomer would.

Each line of the README's ``bash`` blocks either runs here, in order, in one fresh
temporary directory (uv finds the project through ``UV_PROJECT``, so the command
line is the README's own), or is listed in ``ELSEWHERE`` with the test that runs
it (a real Prefect server and worker, say). A README command in neither fails the
suite, so the README cannot gain a command that nothing runs. Files a command names
relative to the checkout (``classifiers/data/dev.jsonl``) are copied in first, as a
fresh clone would have them; live sources are served by the local replay server.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

pytestmark = pytest.mark.slow

# Commands run by other tests, with the test that runs them (checked to exist).
ELSEWHERE = {
    r"^uv run pytest( -m slow)?$": "this suite itself (`.ci/run` runs both)",
    r"^(uv run )?prefect ": "tests/integration/test_prefect_server.py::test_deployments_run_on_a_prefect_server_through_a_worker",
    r"^export HORIZON_STORE_URL=": "tests/integration/test_prefect_server.py::test_deployments_run_on_a_prefect_server_through_a_worker",
    r"^uv run horizon setup-limits$": "tests/integration/test_prefect_server.py::test_deployments_run_on_a_prefect_server_through_a_worker",
}


def readme_commands(text: str) -> list[str]:
    """The command lines of the README's bash blocks, comments stripped, continuations joined."""
    commands, block = [], None
    for line in text.splitlines():
        if line.startswith("```"):
            block = [] if block is None and line.strip() == "```bash" else None
            continue
        if block is None:
            continue
        line = re.sub(r"\s+#.*$", "", line).strip()
        if not line or line.startswith("#"):
            continue
        if commands and commands[-1].endswith("\\"):
            commands[-1] = commands[-1][:-1].rstrip() + " " + line
        else:
            commands.append(line)
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def elsewhere(command: str) -> str | None:
    found = [where for pattern, where in ELSEWHERE.items() if re.search(pattern, command)]
    return found[0] if found else None


HERE = [c for c in COMMANDS if elsewhere(c) is None]


def test_the_readme_starts_with_the_sample_digest_and_the_tests():
    assert COMMANDS[:2] == ["uv run horizon digest --sample", "uv run pytest"]


def test_every_command_run_elsewhere_names_a_test_that_exists():
    for command in COMMANDS:
        where = elsewhere(command)
        if where and "::" in where:
            path, name = where.split("::")
            assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), (command, where)


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    """A fresh working directory and environment, with live sources served locally."""
    from scanners.replay import replay_server

    work = tmp_path_factory.mktemp("newcomer")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORIZON_", "PREFECT_"))}
    env.update(UV_PROJECT=str(ROOT), UV_NO_SYNC="1", HOME=str(work / "home"), NO_COLOR="1", COLUMNS="200")
    with replay_server() as url:
        yield work, env, url


def _prepare(command: str, work: Path, url: str) -> None:
    """What a fresh clone and a live network give the command: its input files and sources."""
    for token in shlex.split(command):
        source = ROOT / token
        if token and not token.startswith("-") and source.is_file() and not (work / token).exists():
            (work / token).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, work / token)
    config = work / "my-ics"
    if (config / "sources.yaml").exists() and "replay" not in (config / "sources.yaml").read_text():
        # The newcomer's network: every source of the copied config points at recorded responses.
        sample = (ROOT / "horizon/sample/sources.yaml").read_text(encoding="utf-8").replace("{replay}", url)
        (config / "sources.yaml").write_text(f"# replay\n{sample}", encoding="utf-8")
        # One local server stands in for every publisher, each of which has its own host and budget.
        settings = config / "settings.yaml"
        doc = yaml.safe_load(settings.read_text(encoding="utf-8")) or {}
        doc.setdefault("http", {})["requests_per_second"] = 100
        settings.write_text(yaml.safe_dump(doc), encoding="utf-8")
    if "items.jsonl" in command and not (work / "items.jsonl").exists():
        (work / "items.jsonl").write_text(
            '{"id": "x1", "title": "Home spirometry app for children with asthma", "summary": ""}\n', encoding="utf-8")


def _serve(command: str, work: Path, env: dict) -> subprocess.CompletedProcess:
    """A server command: start it as written, wait until it answers, then stop it."""
    port = int(m.group(1)) if (m := re.search(r"--port (\d+)", command)) else 8000
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            pytest.fail(f"port {port} is taken; the README's `{command}` needs it")
    server = subprocess.Popen(command, shell=True, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/", timeout=5, allow_redirects=False)
                return subprocess.CompletedProcess(command, 0, str(answer.status_code), "")
            except requests.ConnectionError:
                time.sleep(0.5)
        pytest.fail(f"`{command}` did not answer on port {port}: {server.communicate(timeout=5)[1][-2000:]}")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


@pytest.mark.parametrize("command", HERE)
def test_readme_command_runs_as_written(command, newcomer):
    work, env, url = newcomer
    _prepare(command, work, url)
    line = command
    if " serve" in line:
        result = _serve(line, work, env)
    else:
        passwords = {" user add ": "plum orbit lantern 7 quietly", " user password ": "kettle drum sparrow 4 slowly"}
        stdin = "".join(f"{p}\n" * 2 for word, p in passwords.items() if word in line)
        result = subprocess.run(line, shell=True, cwd=work, env=env, input=stdin, capture_output=True, text=True,
                                timeout=900)
    assert result.returncode == 0, f"`{command}` exited {result.returncode}:\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr
    if " user password " in line:  # the line the README promises an operator
        assert re.search(r"Password changed for ada; \d+ sessions? ended\.$", result.stdout.rstrip()), result.stdout


def test_the_first_command_prints_its_summary_on_stdout(newcomer):
    work, env, _ = newcomer
    result = subprocess.run(COMMANDS[0], shell=True, cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"Digest \d{4}-W\d\d: \d+ entries", result.stdout)
    assert "wrote digests/" in result.stdout


if __name__ == "__main__":  # print what the README asks a newcomer to run
    print("\n".join(COMMANDS), file=sys.stdout)
