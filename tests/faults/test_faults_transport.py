"""Every scanner against a hostile server: each case must end in a completed run that
names the failed source and why in one line, leaves the control source untouched,
keeps memory bounded and makes a bounded number of requests."""

from __future__ import annotations

import html as htmllib
import re
import resource
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

import scanners
from tests.faults.faultrun import (
    CONTROL,
    CONTROL_RECS,
    SUBJECT,
    SUMMARY_FORMATS,
    Outcome,
    run_week,
    serve_control,
    write_config,
)
from tests.faults.faultspecs import SPECS, Rec, Spec
from tests.faults.hostile import (
    Behaviour,
    compressed,
    dynamic,
    endless,
    redirect,
    redirect_loop,
    respond,
    sequence,
    stall,
    trickle,
    truncate,
)

RECS = [
    Rec(1, "Café-based blood pressure checks — naïve approach to hypertension case-finding",
        "Community blood pressure checks for hypertension and atrial fibrillation."),
    Rec(2, "Teledermatology triage of suspected skin cancer with AI", "AI dermatology triage for skin lesions."),
]
ERROR_PAGE = (b"<!DOCTYPE html><html><head><title>Service unavailable</title></head><body>"
              b"<h1>Sorry, we are experiencing technical difficulties</h1><p>Please try again later.</p></body></html>")
MAX_REQUESTS = 25  # to the subject in one run: retries and redirects are bounded, never a loop


def valid(spec: Spec, recs: list[Rec] = RECS, content_type: str | None = None,
          mangle: Callable[[str, bytes], bytes] = lambda ct, b: b) -> Behaviour:
    """The scanner's own valid response for each path, optionally with its bytes changed."""
    def render(req):
        ct, body = spec.render(req, recs)
        return 200, {"Content-Type": content_type or ct}, mangle(ct, body)
    return dynamic(render)


def cut(spec: Spec, how: str) -> Behaviour:
    """A valid response for the path, then cut short: a lying Content-Length or a hang-up."""
    def go(req, sock, stop):
        ct, body = spec.render(req, RECS)
        if how == "short-length":
            respond(200, body, {"Content-Type": ct}, content_length=len(body) // 2)(req, sock, stop)
        else:
            truncate(body)(req, sock, stop)
    return go


def _invalid_utf8(ct: str, body: bytes) -> bytes:
    return body.replace("Café".encode(), b"Caf\xff\xfe")


@dataclass(frozen=True)
class Case:
    name: str
    behaviour: Callable[[Spec], Behaviour]
    expect: str  # "recovers", "fails" (with ``reason`` matching) or "either" (a partial body may still parse)
    reason: str = ""
    memory: bool = False
    http: dict = field(default_factory=dict)


CASES = [
    Case("500 burst, then the page", lambda s: sequence(respond(500), respond(500), valid(s)), "recovers"),
    Case("503 burst, then the page", lambda s: sequence(respond(503), respond(503), valid(s)), "recovers"),
    Case("503 for ever", lambda s: respond(503, b"down"), "fails", r"gave up after 2 retries|HTTP 503"),
    Case("429 with Retry-After: 3600, then the page",
         lambda s: sequence(respond(429, b"", {"Retry-After": "3600"}), valid(s)), "recovers"),
    Case("429 without Retry-After for ever", lambda s: respond(429, b"slow down"), "fails",
         r"gave up after 2 retries|HTTP 429"),
    Case("connection stalls before any byte", lambda s: stall(), "fails", r"timed out|gave up",
         http={"read_timeout": 0.3}),
    Case("connection stalls after the headers", lambda s: stall(after_headers=True), "fails",
         r"timed out|gave up|failed", http={"read_timeout": 0.3}),
    Case("body trickles a byte at a time for ever", lambda s: trickle(), "fails", r"total_timeout",
         http={"total_timeout": 1}),
    Case("headers trickle a byte at a time for ever", lambda s: trickle(in_headers=True), "fails",
         r"total_timeout", http={"total_timeout": 1}),
    Case("connection closed mid-body", lambda s: cut(s, "hang-up"), "fails",
         r"failed|not JSON|not well-formed|not an RSS|no results table|IncompleteRead|cannot connect"),
    Case("Content-Length shorter than the body", lambda s: cut(s, "short-length"), "either",
         r"not JSON|not well-formed|not an RSS|no results table|has no"),
    Case("invalid JSON/XML", lambda s: respond(200, b'{"studies": [{"protocolSection": <<<', {"Content-Type": "application/json"}),
         "fails", r"not JSON|not well-formed|not an RSS|no results table|has no|expected"),
    Case("HTML error page with status 200", lambda s: respond(200, ERROR_PAGE, {"Content-Type": "text/html"}),
         "fails", r"not JSON|not well-formed|not an RSS|no results table|has no|expected"),
    Case("body over the size cap, no Content-Length", lambda s: endless(), "fails", r"cap", memory=True),
    Case("declared Content-Length over the size cap",
         lambda s: respond(200, b"{}", {"Content-Type": "application/json"}, content_length=50_000_000),
         "fails", r"cap"),
    Case("gzip bomb (100 MB of zeros)", lambda s: compressed("gzip"), "fails", r"cap", memory=True),
    Case("deflate bomb (100 MB of zeros)", lambda s: compressed("deflate"), "fails", r"cap", memory=True),
    Case("redirect loop", lambda s: redirect_loop(), "fails", r"too many redirects"),
    Case("redirect to file:///etc/passwd", lambda s: redirect("file:///etc/passwd"), "fails", r"non-http"),
    Case("redirect to javascript:", lambda s: redirect("javascript:alert(1)"), "fails", r"non-http"),
    Case("wrong charset in Content-Type", lambda s: valid(s, content_type="text/plain; charset=iso-8859-1"),
         "recovers"),
    Case("no charset in Content-Type", lambda s: valid(s, content_type="application/octet-stream"), "recovers"),
    Case("invalid UTF-8 in a title", lambda s: valid(s, mangle=_invalid_utf8), "recovers"),
]


def pytest_generate_tests(metafunc):
    if "scanner" in metafunc.fixturenames and "case" in metafunc.fixturenames:
        metafunc.parametrize("scanner", sorted(scanners.REGISTRY))
        metafunc.parametrize("case", CASES, ids=[c.name for c in CASES])


def test_every_scanner_has_a_spec():
    missing = sorted(set(scanners.REGISTRY) - set(SPECS))
    assert not missing, f"add an entry for {', '.join(missing)} to tests/faults/faultspecs.py SPECS"


def run_measured(tmp_path, hostile, scanner: str, behaviour: Behaviour, http: dict, memory: bool) -> tuple[Outcome, int]:
    """Run one week with the subject misbehaving; returns the outcome and peak traced bytes."""
    hostile.routes["/bad"] = behaviour
    serve_control(hostile)
    config = write_config(tmp_path / "config", hostile, scanner, http=http)
    if not memory:
        return run_week(config, tmp_path / "out", SUMMARY_FORMATS), 0
    tracemalloc.start()
    try:
        outcome = run_week(config, tmp_path / "out", SUMMARY_FORMATS)
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def assert_reported(outcome: Outcome) -> str:
    """The failure is one line, in the run summary and in the digest a reader opens."""
    reason = outcome.subject.error or ""
    assert reason and "\n" not in reason and len(reason) < 300 and "Traceback" not in reason, reason
    assert outcome.digest.summary.failed == (outcome.subject,)
    md = next(p for p in outcome.files if p.suffix == ".md").read_text(encoding="utf-8")
    plain = htmllib.unescape(re.sub(r"\\(.)", r"\1", md))
    assert any(SUBJECT in line and reason in line for line in plain.splitlines()), f"{reason!r} not in the Markdown"
    html = next(p for p in outcome.files if p.suffix == ".html").read_text(encoding="utf-8")
    assert reason in htmllib.unescape(html)
    return reason


def assert_control_unaffected(outcome: Outcome) -> None:
    assert outcome.control.ok and outcome.control.fetched == len(CONTROL_RECS)
    shown = {e.item.id for e in outcome.digest.entries}
    assert {f"ctgov:NCT{r.n:08d}" for r in CONTROL_RECS} <= shown


def test_transport_fault(scanner, case, tmp_path, hostile, reliability, monkeypatch):
    spec = SPECS[scanner]
    for var in ("NICE_API_KEY", "NCBI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome, traced = run_measured(tmp_path, hostile, scanner, case.behaviour(spec), case.http, case.memory)
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    subject = outcome.subject
    observed = "recovered" if subject.ok else f"source failed: {subject.error}"
    reliability("transport", case.name, scanner, observed, case.expect)

    assert_control_unaffected(outcome)
    assert len(hostile.requests_to("/bad")) <= MAX_REQUESTS
    if case.memory:  # bounded, not timed: the cap is 1 MB, the payload inflates to 100 MB or streams 64 MB
        assert traced < 80_000_000, f"peak traced memory {traced / 1e6:.0f} MB"
        assert rss_growth_mb < 250, f"peak RSS grew {rss_growth_mb:.0f} MB"
    if case.expect == "recovers":
        assert subject.ok, subject.error
        stored = outcome.store.get([spec.item_id(SUBJECT, r) for r in RECS])
        assert len(stored) == len(RECS)
        titles = " ".join(i.title for i in stored.values())
        if case.name.startswith("invalid UTF-8"):  # kept, with the bad bytes shown as U+FFFD
            assert "based blood pressure checks — naïve" in titles and "\ufffd" in titles, titles
        else:
            assert "Café-based blood pressure checks — naïve" in titles, titles
    elif case.expect == "fails":
        assert not subject.ok, "the source should have failed"
        assert re.search(case.reason, assert_reported(outcome)), subject.error
    elif not subject.ok:
        assert re.search(case.reason, assert_reported(outcome)), subject.error
    else:  # a partial body that still parses: only whole records, never invented ones
        ids = {spec.item_id(SUBJECT, r) for r in RECS}
        control = {SPECS["ctgov"].item_id(CONTROL, r) for r in CONTROL_RECS}
        assert {i.id for i in outcome.store.items_since(None)} - control <= ids


@pytest.mark.prefect
def test_the_real_flow_completes_and_names_each_failed_source(prefect_harness, tmp_path, hostile, reliability):
    """The matrix above runs the stages directly; this runs the Prefect flow itself, with
    whole-source retries on, so Prefect's retry path is bounded too."""
    import yaml

    from flows.weekly_digest import weekly_digest

    serve_control(hostile)
    hostile.routes["/trickle"] = trickle()
    hostile.routes["/bomb"] = compressed("gzip")
    hostile.routes["/page"] = respond(200, ERROR_PAGE, {"Content-Type": "text/html"})
    config = write_config(tmp_path / "config", hostile, "ctgov",
                          http={"total_timeout": 1, "source_retries": 1, "source_retry_delay": 0})
    sources = {CONTROL: {"scanner": "ctgov", "base_url": hostile.url("/ok"), "uk_only": False},
               "trickle": {"scanner": "ctgov", "base_url": hostile.url("/trickle"), "uk_only": False},
               "bomb": {"scanner": "rss", "base_url": hostile.url("/bomb"), **SPECS["rss"].settings},
               "page": {"scanner": "govuk", "base_url": hostile.url("/page"), **SPECS["govuk"].settings}}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    result = weekly_digest(config_dir=str(config), out=str(tmp_path / "out"))
    failed = result["failed_sources"]
    reliability("flow", "three failing sources in one Prefect run", "weekly flow",
                "; ".join(f"{k}: {v}" for k, v in sorted(failed.items())))
    assert sorted(failed) == ["bomb", "page", "trickle"]
    assert len(hostile.requests_to("/trickle")) == 2  # one whole-source retry for a transient failure, no more
    md = htmllib.unescape(re.sub(r"\\(.)", r"\1", (tmp_path / "out" / "digest.md").read_text(encoding="utf-8")))
    for name, reason in failed.items():
        assert "\n" not in reason and any(name in line and reason in line for line in md.splitlines()), reason
    assert result["entries"] >= len(CONTROL_RECS)
