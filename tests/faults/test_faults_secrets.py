"""Secrets (SMTP credentials, API keys, webhook URLs) never appear in logs, artifacts,
digests, the store or exception messages, even when the sources that use them fail."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from horizon.errors import DeliveryError
from tests.faults.faultrun import serve_control, write_config
from tests.faults.faultspecs import SPECS, Rec
from tests.faults.hostile import dynamic, respond

ROOT = Path(__file__).parents[2]
SECRETS = {
    "NCBI_API_KEY": "ncbi-fake-key-5f3a9c",
    "NICE_API_KEY": "nice-fake-key-81b2d7",
    "HORIZON_SMTP_USER": "smtp-fake-user-4e71",
    "HORIZON_SMTP_PASSWORD": "smtp-fake-pass-c0ffee",
    "HORIZON_WEBHOOK_URL_TOKEN": "hook-fake-token-9d8e",
    "HORIZON_SECRET_KEY": "session-fake-secret-77aa",
}
RECS = [Rec(1, "Atrial fibrillation screening in primary care"), Rec(2, "Asthma app for children")]


def _leaks(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


@pytest.mark.prefect
@pytest.mark.slow
def test_no_secret_in_any_output_of_a_run_where_the_keyed_sources_fail(prefect_harness, tmp_path, hostile):
    from prefect.settings import PREFECT_API_URL

    serve_control(hostile)
    pubmed = SPECS["pubmed"]
    hostile.routes["/pubmed/esearch.fcgi"] = dynamic(lambda req: (200, {}, pubmed.render(req, RECS)[1]))
    hostile.routes["/pubmed/efetch.fcgi"] = respond(503, b"busy")  # retried, logged, then a failed source
    hostile.routes["/nice"] = dynamic(lambda req: (200, {}, SPECS["nice"].render(req, RECS)[1]))
    hostile.routes["/nice/syndication"] = respond(401, b"bad key")
    config = write_config(tmp_path / "config", hostile, "ctgov")
    sources = yaml.safe_load((config / "sources.yaml").read_text())["sources"]
    sources["pubmed"] = {"base_url": hostile.url("/pubmed"), "queries": ["atrial fibrillation"]}
    sources["nice"] = {"base_url": hostile.url("/nice"), "syndication_url": hostile.url("/nice/syndication")}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    # A webhook that echoes its secret path in its error body, and is retried once.
    hostile.routes["/hook"] = dynamic(lambda req: (404, {}, f"no hook at {req.path}".encode()))
    (config / "delivery.yaml").write_text(yaml.safe_dump({"retries": 1, "retry_delay": 0,
                                                          "webhook": {"kind": "teams", "timeout": 5}}))
    out = tmp_path / "out"
    env = {**os.environ, **SECRETS, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PREFECT_LOGGING_LEVEL": "DEBUG", "HORIZON_WEBHOOK_URL": hostile.url(f"/hook/{SECRETS['HORIZON_WEBHOOK_URL_TOKEN']}")}
    result = subprocess.run([sys.executable, "-c", "from apps.cli import main; main()", "--debug", "digest",
                             "--config", str(config), "--out", str(out)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    # The keys were really used, so a leak had every chance to happen.
    assert any(SECRETS["NCBI_API_KEY"] in r.query.get("api_key", [""]) for r in hostile.requests_to("/pubmed"))
    assert any(r.headers.get("api-key") == SECRETS["NICE_API_KEY"] for r in hostile.requests_to("/nice/syndication"))
    assert "pubmed" in result.stderr and "nice" in result.stderr  # both failures are reported...
    assert len(hostile.requests_to("/hook")) == 2 and "delivery failed" in result.stderr  # the webhook too

    places = {"stdout": result.stdout, "stderr": result.stderr}  # ...and nothing reported carries a key
    for path in [*out.iterdir(), *tmp_path.glob("store.db*")]:
        places[path.name] = path.read_bytes().decode("utf-8", "replace")
    places.update(_prefect_records())
    places.update(_prefect_database())
    leaks = {where: found for where, text in places.items() if (found := _leaks(text))}
    assert not leaks, leaks
    assert len(places) > 8  # stdout, stderr, every digest file, the store, artifacts and logs were read
    assert "prefect-test.db" in places and len(places["prefect-test.db"]) > 100_000


def _prefect_database() -> dict[str, str]:
    """The raw bytes of the Prefect API's SQLite database (and its WAL): task states, events, logs."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    path = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split(":///", 1)[1])
    return {p.name: p.read_bytes().decode("utf-8", "replace") for p in path.parent.glob(path.name + "*")}


def _prefect_records() -> dict[str, str]:
    """Every artifact and log line the Prefect API holds for this session."""
    from prefect.client.orchestration import get_client

    async def read() -> dict[str, str]:
        async with get_client() as client:
            artifacts = await client.read_artifacts()
            logs = await client.read_logs()
            runs = await client.read_flow_runs()
        return {"artifacts": "\n".join(f"{a.key} {a.data} {a.description}" for a in artifacts),
                "logs": "\n".join(log.message for log in logs),
                "flow-run states": "\n".join(f"{r.state_name} {r.state.message if r.state else ''} {r.parameters}" for r in runs)}

    return asyncio.run(read())


class _RefuseLogin:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_delivery_failures_name_the_variable_never_its_value(hostile):
    from outputs.delivery import DeliveryConfig, EmailSettings, WebhookSettings, deliver
    from tests.outputs.golden import make_digest

    controller = Controller(_RefuseLogin(), hostname="127.0.0.1", port=_free_port(), auth_require_tls=False,
                            authenticator=lambda *a: AuthResult(success=False))
    controller.start()
    hostile.routes["/hook"] = respond(500, b"no")
    env = {"HORIZON_SMTP_USER": SECRETS["HORIZON_SMTP_USER"], "HORIZON_SMTP_PASSWORD": SECRETS["HORIZON_SMTP_PASSWORD"],
           "HORIZON_WEBHOOK_URL": hostile.url(f"/hook/{SECRETS['HORIZON_WEBHOOK_URL_TOKEN']}")}
    email = EmailSettings(host="127.0.0.1", port=controller.port, security="none", sender="h@example.org",
                          recipients=("t@example.org",), timeout=5)
    messages = []
    try:
        for config in (DeliveryConfig(email=email), DeliveryConfig(webhook=WebhookSettings(kind="slack", timeout=5)),
                       DeliveryConfig(email=email.model_copy(update={"port": _free_port()}))):
            with pytest.raises(DeliveryError) as caught:
                deliver(make_digest(), config, env=env)
            messages.append(str(caught.value))
    finally:
        controller.stop()
    assert hostile.requests_to("/hook")  # the webhook was really called with its secret URL
    assert len(messages) == 3 and not [m for m in messages if _leaks(m)], messages
