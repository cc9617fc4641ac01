"""Delivery once per digest and channel, counted at a real SMTP server, with a failing webhook."""

from __future__ import annotations

import pytest

from horizon.store import Store
from outputs.delivery import DeliveryConfig, EmailSettings, WebhookSettings
from tests.faults.hostile import respond
from tests.outputs.golden import make_digest


@pytest.mark.prefect
def test_one_email_per_digest_whatever_the_webhook_does(prefect_harness, hostile, tmp_path, monkeypatch,
                                                         reliability, smtp):
    from flows.publish import send

    controller, inbox = smtp
    hostile.routes["/hook"] = respond(503, b"down")
    monkeypatch.setenv("HORIZON_WEBHOOK_URL", hostile.url("/hook"))
    delivery = DeliveryConfig(retries=2, retry_delay=0, webhook=WebhookSettings(kind="teams", timeout=5),
                              email=EmailSettings(host="127.0.0.1", port=controller.port, security="none",
                                                  sender="h@ics.example.org", recipients=("t@ics.example.org",)))
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    digest = make_digest()
    try:
        counts = []
        for resend in (False, False, True):  # a run (with its retries), a re-run, a deliberate --resend
            send(store, digest, delivery, resend)
            counts.append((len(inbox.envelopes), len(hostile.requests_to("/hook"))))
    finally:
        store.close()
    assert counts == [(1, 3), (1, 6), (2, 9)]
    reliability("delivery", "webhook answers 503 for ever; retries 2; run, re-run, --resend", "e-mail and webhook",
                f"e-mails after each: {[c[0] for c in counts]} (was 3 per run); webhook posts: "
                f"{[c[1] for c in counts]} (only the failed channel is retried)")
