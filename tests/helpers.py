"""Helpers the tests share: recorded responses and small record builders."""

from __future__ import annotations

import json
import socket
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULTS = Path(__file__).parents[1] / "horizon" / "defaults"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def study(nct: str, title: str, summary: str = "", updated: str = "2026-11-20", status: str = "RECRUITING",
          **extra: object) -> dict:
    """A ClinicalTrials.gov v2 study record with the fields tests care about."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": title},
            "statusModule": {"overallStatus": status, "lastUpdatePostDateStruct": {"date": updated}},
            "descriptionModule": {"briefSummary": summary},
            **extra,
        },
        "hasResults": False,
    }


def page(studies: list[dict], token: str | None = None) -> dict:
    body: dict = {"studies": studies}
    if token:
        body["nextPageToken"] = token
    return body


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Inbox:
    """An aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
