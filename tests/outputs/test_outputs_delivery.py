"""Delivery against real servers on 127.0.0.1: aiosmtpd for SMTP (plain and STARTTLS with
login), pytest-httpserver for Teams/Slack webhooks."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import ssl
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from werkzeug.wrappers import Response

from horizon.errors import ConfigError, DeliveryError
from outputs.delivery import DeliveryConfig, EmailSettings, WebhookSettings, deliver, load_delivery, webhook_payload
from tests.helpers import Inbox, free_port
from tests.outputs.golden import IMG, SCRIPT


def _settings(port: int, **kw) -> EmailSettings:
    values = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "horizon@ics.example.nhs.uk",
        "recipients": ("innovation@ics.example.nhs.uk", "analyst@ics.example.nhs.uk"),
        "timeout": 10,
    } | kw
    return EmailSettings(**values)


def test_email_arrives_multipart_with_subject_and_recipients(smtp, digest):
    controller, inbox = smtp
    assert deliver(digest, DeliveryConfig(email=_settings(controller.port)), env={}) == ["email"]
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "horizon@ics.example.nhs.uk"
    assert envelope.rcpt_tos == ["innovation@ics.example.nhs.uk", "analyst@ics.example.nhs.uk"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Horizon scan: Example ICS – 2026-W48"
    assert message.get_content_type() == "multipart/alternative"
    text, page = message.get_body(("plain",)), message.get_body(("html",))
    assert "THE TOP 3 IN EACH AREA" in text.get_content() and IMG in text.get_content()
    assert "<h1" in page.get_content() and "&lt;script&gt;" in page.get_content() and SCRIPT not in page.get_content()


def test_subject_cannot_inject_headers(smtp, digest):
    controller, inbox = smtp
    hostile = digest.model_copy(update={"title": "Digest\r\nBcc: victim@example.org\r\nX-Evil: 1"})
    deliver(hostile, DeliveryConfig(email=_settings(controller.port)), env={})
    message = message_from_bytes(inbox.envelopes[0].content, policy=policy.default)
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert inbox.envelopes[0].rcpt_tos == ["innovation@ics.example.nhs.uk", "analyst@ics.example.nhs.uk"]
    assert message["Subject"].startswith("Digest Bcc: victim@example.org X-Evil: 1")


def test_unreachable_server_is_a_delivery_error(digest):
    with pytest.raises(DeliveryError, match=r"e-mail via 127.0.0.1:\d+: .*; the digest files are written"):
        deliver(digest, DeliveryConfig(email=_settings(free_port(), timeout=5)), env={})


def test_starttls_required_but_missing_fails_instead_of_sending_plain(smtp, digest):
    controller, inbox = smtp
    with pytest.raises(DeliveryError, match="does not support STARTTLS"):
        deliver(digest, DeliveryConfig(email=_settings(controller.port, security="starttls")), env={})
    assert inbox.envelopes == []


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_starttls_with_login_from_environment(tmp_path, digest):
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)  # handled=False: server replies 535

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    try:
        settings = _settings(controller.port, security="starttls", cafile=str(cert_file))
        env = {"HORIZON_SMTP_USER": "horizon", "HORIZON_SMTP_PASSWORD": "s3cret"}
        deliver(digest, DeliveryConfig(email=settings), env=env)
        assert logins == [(b"horizon", b"s3cret")] and len(inbox.envelopes) == 1
        with pytest.raises(DeliveryError) as caught:
            deliver(digest, DeliveryConfig(email=settings), env=env | {"HORIZON_SMTP_PASSWORD": "wrong-pw"})
        assert "login refused (535)" in str(caught.value) and "wrong-pw" not in str(caught.value)
        assert len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_half_set_credentials_are_an_error(digest):
    with pytest.raises(DeliveryError, match="set both HORIZON_SMTP_USER and HORIZON_SMTP_PASSWORD"):
        deliver(digest, DeliveryConfig(email=_settings(1)), env={"HORIZON_SMTP_USER": "x"})


def test_delivery_yaml_is_optional_and_rejects_secrets(tmp_path):
    assert load_delivery(tmp_path) == DeliveryConfig()
    (tmp_path / "delivery.yaml").write_text(
        "email:\n  host: smtp.nhs.net\n  sender: a@nhs.net\n  recipients: [b@nhs.net]\n  password: hunter2\n"
    )
    with pytest.raises(ConfigError, match="delivery.yaml: email: .*'password' must not be in delivery.yaml") as caught:
        load_delivery(tmp_path)
    assert "hunter2" not in str(caught.value)
    (tmp_path / "delivery.yaml").write_text(
        "email:\n  host: smtp.nhs.net\n  sender: a@nhs.net\n  recipients: [b@nhs.net]\n"
    )
    assert load_delivery(tmp_path).email.port == 587 and load_delivery(tmp_path).email.security == "starttls"


@pytest.mark.parametrize("kind", ["teams", "slack"])
def test_webhook_posts_headline(httpserver, digest, kind):
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("1")
    env = {"HORIZON_WEBHOOK_URL": httpserver.url_for("/hook")}
    assert deliver(digest, DeliveryConfig(webhook=WebhookSettings(kind=kind)), env=env) == ["webhook"]
    body = json.loads(httpserver.log[0][0].get_data())
    text = json.dumps(body)
    assert "Horizon scan: Example ICS" in text and "https://www.nice.org.uk/guidance/dg61" in text
    assert "<script>" not in text and "javascript:" not in text.replace("javascript:alert(1)", "")  # no js link
    assert "Failed: NICE " in text and "timed out after 3 attempts" in text and "nice: FAILED" not in text  # words
    if kind == "teams":
        assert body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    else:
        assert "&lt;script&gt;" in body["text"]


def test_webhook_failure_never_reveals_the_url(httpserver, digest):
    httpserver.expect_request("/secret-token-123").respond_with_response(Response("no such hook", status=404))
    env = {"HORIZON_WEBHOOK_URL": httpserver.url_for("/secret-token-123")}
    with pytest.raises(DeliveryError, match=r"teams webhook \(\$HORIZON_WEBHOOK_URL\): answered HTTP 404") as caught:
        deliver(digest, DeliveryConfig(webhook=WebhookSettings(kind="teams")), env=env)
    assert "secret-token-123" not in str(caught.value)
    with pytest.raises(DeliveryError, match="set HORIZON_WEBHOOK_URL"):
        deliver(digest, DeliveryConfig(webhook=WebhookSettings(kind="slack")), env={})


def test_one_failed_channel_does_not_stop_the_other(smtp, digest):
    controller, inbox = smtp
    config = DeliveryConfig(email=_settings(controller.port), webhook=WebhookSettings(kind="slack"))
    with pytest.raises(DeliveryError, match=r"set HORIZON_WEBHOOK_URL.*\(sent: email\)"):
        deliver(digest, config, env={})
    assert len(inbox.envelopes) == 1


def test_teams_payload_escapes_markdown(digest):
    card = webhook_payload(digest, WebhookSettings(kind="teams", digest_link="javascript:alert(1)"))["attachments"][0][
        "content"
    ]
    texts = " ".join(block["text"] for block in card["body"])
    assert "&lt;script>alert\\(1\\)&lt;/script>" in texts and "<script" not in texts and "actions" not in card


def test_slack_links_cannot_break_out_or_mention_everyone(digest):
    entry = digest.entries[0]
    hostile = entry.item.model_copy(update={"url": "https://x.example/<!channel>|y", "title": "<!here> hi"})
    bad = digest.model_copy(update={"entries": (entry.model_copy(update={"item": hostile}),)})
    text = webhook_payload(bad, WebhookSettings(kind="slack"))["text"]
    assert "<!channel>" not in text and "<!here>" not in text
    assert "<https://x.example/%3C!channel%3E%7Cy|&lt;!here&gt; hi>" in text


def test_implicit_tls_smtps(tmp_path, digest):
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=context)
    controller.start()
    try:
        settings = _settings(controller.port, security="tls", cafile=str(cert_file))
        deliver(digest, DeliveryConfig(email=settings), env={})
        assert len(inbox.envelopes) == 1
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            deliver(digest, DeliveryConfig(email=_settings(controller.port, security="tls")), env={})
    finally:
        controller.stop()


def _big_week(n: int = 300):
    """A busy week: n trials over three areas, every fifth in two areas, and two safety notices."""
    from datetime import date

    from horizon.digest import Classification, Entry, Factors
    from horizon.items import Item
    from tests.outputs.golden import AREAS, make_digest

    ids = [a.id for a in AREAS]
    entries = []
    for i in range(n):
        kind = "safety" if i in (7, 150) else "trial"
        areas = (ids[i % 3], ids[(i + 1) % 3]) if i % 5 == 0 else (ids[i % 3],)
        item = Item(id=f"ctgov:NCT{i:08d}", source="ctgov", type=kind, title=f"Item number {i:03d} " + "x" * 60,
                    summary="A long summary of the trial. " * 40, url=f"https://clinicaltrials.gov/study/NCT{i:08d}",
                    published=date(2026, 11, 2))
        entries.append(Entry(item=item, kind=kind,
                             classification=Classification(item_id=item.id, scores=dict.fromkeys(ids, 0.5), areas=areas),
                             factors=Factors(relevance=0.9, area_weight=1, impact=1, uk=1, recency=1 - i / 1000, novelty=1)))
    return make_digest(entries=tuple(entries), failed=False)


def test_the_email_carries_safety_the_top_of_each_area_once_and_a_link_under_100_kb(smtp):
    controller, inbox = smtp
    week = _big_week()
    link = "https://intranet.example.nhs.uk/horizon/2026-W48/digest.html"
    deliver(week, DeliveryConfig(email=_settings(controller.port, top_n=3, digest_link=link)), env={})
    [envelope] = inbox.envelopes
    assert len(envelope.content) < 100_000  # Gmail clips at about 102 KB
    message = message_from_bytes(envelope.content, policy=policy.default)
    text, page = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    assert len(page.encode()) < 100_000
    for body in (text, page):
        assert body.count("Item number 007") == 1 and body.count("Item number 150") == 1  # the safety section
        assert body.index("Item number 150") < body.index("Item number 000")  # safety first, whatever the score
        # Item 0 is in two areas and in the top 3 of both: once, naming both.
        assert body.count("Item number 000") == 1 and "In Atrial fibrillation and Early cancer diagnosis" in body
        assert "In Atrial fibrillation and Asthma" in body  # item 5: top 3 of both
        shown = re.findall(r"Item number (\d{3})", body)
        # Top 3 per area: AF 0, 3, 5; early cancer 0, 1, 4; asthma 2, 5, 8; and the two safety notices.
        assert sorted(shown) == ["000", "001", "002", "003", "004", "005", "007", "008", "150"]
        assert link in body
    assert "Item number 299" not in page  # the rest is in the linked full digest
# -- once per digest and channel ------------------------------------------------------------
def test_a_webhook_echoing_its_secret_path_never_puts_it_in_the_error(httpserver, digest):
    token = "T0SECRET/B0SECRET/xoxb-echoed-token-4242"
    httpserver.expect_request(f"/services/{token}").respond_with_response(
        Response(f"no such hook: /services/{token}?key=abc", status=404))
    env = {"HORIZON_WEBHOOK_URL": httpserver.url_for(f"/services/{token}")}
    with pytest.raises(DeliveryError) as caught:
        deliver(digest, DeliveryConfig(webhook=WebhookSettings(kind="slack")), env=env)
    assert httpserver.log  # it was really called
    assert "answered HTTP 404" in str(caught.value)
    assert "xoxb-echoed-token-4242" not in str(caught.value) and "no such hook" not in str(caught.value)


def test_redact_removes_the_url_and_its_tokens_longest_first():
    from outputs.delivery import redact, secrets_of

    config = DeliveryConfig(webhook=WebhookSettings(kind="teams"))
    url = "https://hooks.example/webhookb2/abcdef123456?sig=s3cr3t-signature"
    found = secrets_of(config, {"HORIZON_WEBHOOK_URL": url})
    text = redact(f"failed at {url} (path /webhookb2/abcdef123456, sig s3cr3t-signature) teams webhook", found)
    assert "abcdef123456" not in text and "s3cr3t-signature" not in text and "hooks.example/webhookb2" not in text
    assert text.endswith("teams webhook")  # ordinary words are left alone


@pytest.mark.prefect
@pytest.mark.slow  # three runs of the real flow
def test_one_email_across_a_run_its_retries_a_rerun_and_one_on_resend(prefect_harness, smtp, httpserver,
                                                                      write_config, tmp_path, monkeypatch):
    from flows.weekly_digest import weekly_digest
    from horizon import store_delivery
    from horizon.store import Store
    from tests.helpers import page, study

    controller, inbox = smtp
    httpserver.expect_request("/v2/studies").respond_with_json(page([study(
        "NCT00000001", "Smartwatch screening for atrial fibrillation", "Atrial fibrillation case-finding.")]))
    httpserver.expect_request("/hook").respond_with_response(Response("down", status=503))
    config = write_config({"ctgov": {"base_url": httpserver.url_for("/v2"), "uk_only": False}})
    (config / "delivery.yaml").write_text(json.dumps({
        "retries": 2, "retry_delay": 0, "webhook": {"kind": "slack", "timeout": 5},
        "email": {"host": "127.0.0.1", "port": controller.port, "security": "none", "sender": "h@ics.example.org",
                  "recipients": ["team@ics.example.org"], "timeout": 10}}))
    monkeypatch.setenv("HORIZON_WEBHOOK_URL", httpserver.url_for("/hook"))

    def hook_posts() -> int:
        return sum(1 for request, _ in httpserver.log if request.path == "/hook")

    first = weekly_digest(config_dir=str(config), out=str(tmp_path / "out"))
    assert len(inbox.envelopes) == 1 and hook_posts() == 3  # the webhook was retried twice, the e-mail not
    assert first["delivered"] == ["email"] and "slack webhook" in first["delivery_error"]
    again = weekly_digest(config_dir=str(config), out=str(tmp_path / "out"))
    assert len(inbox.envelopes) == 1 and hook_posts() == 6  # a re-run sends only what never went out
    assert again["delivered"] == []
    weekly_digest(config_dir=str(config), out=str(tmp_path / "out"), resend=True)
    assert len(inbox.envelopes) == 2  # a deliberate re-send sends once more, still once

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    outcomes = [(d.channel, d.outcome) for d in store_delivery.history(store)]
    assert outcomes.count(("email", "sent")) == 2 and outcomes.count(("webhook", "failed")) == 9
    assert all("/hook" not in d.detail for d in store_delivery.history(store))


def test_a_claim_blocks_a_second_sender_until_it_goes_stale(tmp_path):
    from horizon import store_delivery
    from horizon.store import Store

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    t0 = dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC)
    first = store_delivery.claim(store, "ics", "2026-W49", "email", "a@b.example", now=t0)
    assert first is not None
    assert store_delivery.claim(store, "ics", "2026-W49", "email", "a@b.example", now=t0) is None  # in flight
    assert store_delivery.claim(store, "ics", "2026-W49", "webhook", "x", now=t0) is not None  # other channel
    late = t0 + store_delivery.STALE_CLAIM + dt.timedelta(seconds=1)
    retry = store_delivery.claim(store, "ics", "2026-W49", "email", "a@b.example", now=late)  # the first crashed
    assert retry is not None
    store_delivery.finish(store, retry, ok=True, now=late)
    assert store_delivery.claim(store, "ics", "2026-W49", "email", "a@b.example", now=late + dt.timedelta(days=9)) is None
    assert store_delivery.claim(store, "ics", "2026-W49", "email", "a@b.example", resend_after=late + dt.timedelta(days=8),
                                now=late + dt.timedelta(days=9)) is not None
