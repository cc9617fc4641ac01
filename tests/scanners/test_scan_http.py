"""The shared HTTP client over real HTTP: retries, Retry-After, timeouts, the size cap, conditional GETs."""

from __future__ import annotations

import gzip
import time

import pytest
from werkzeug import Response

from horizon.errors import ResponseTooLarge, SourceError
from scanners.http import Validators
from tests.scanners.scanfix import fast_client


def test_429_with_retry_after_is_waited_for_then_succeeds(httpserver):
    httpserver.expect_ordered_request("/r").respond_with_response(Response("busy", 429, {"Retry-After": "1"}))
    httpserver.expect_ordered_request("/r").respond_with_data("ok")
    started = time.monotonic()
    response = fast_client().get("src", httpserver.url_for("/r"))
    assert response.body == b"ok" and response.status == 200
    assert time.monotonic() - started >= 0.9  # it honoured the server's one-second Retry-After
    assert len(httpserver.log) == 2


def test_a_hostile_retry_after_is_capped(httpserver):
    httpserver.expect_ordered_request("/r").respond_with_response(Response("", 429, {"Retry-After": "3600"}))
    httpserver.expect_ordered_request("/r").respond_with_data("ok")
    started = time.monotonic()
    assert fast_client(max_retry_after=0.1).get("src", httpserver.url_for("/r")).body == b"ok"
    assert time.monotonic() - started < 30  # not an hour


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_other_4xx_fail_at_once_without_retry(httpserver, status):
    httpserver.expect_request("/r").respond_with_data("no", status=status)
    with pytest.raises(SourceError) as err:
        fast_client().get("src", httpserver.url_for("/r"))
    assert str(err.value) == f"src: HTTP {status} from {httpserver.url_for('/r')}"
    assert err.value.transient is False
    assert len(httpserver.log) == 1


def test_5xx_is_retried_then_reported_as_transient(httpserver):
    httpserver.expect_request("/r").respond_with_data("down", status=503)
    with pytest.raises(SourceError) as err:
        fast_client(retries=2).get("src", httpserver.url_for("/r"))
    assert err.value.transient is True
    assert len(httpserver.log) == 3  # the first try and two retries


def test_a_slow_server_times_out_as_a_transient_error(httpserver):
    def slow(_request):
        time.sleep(0.6)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(SourceError, match=r"src: timed out fetching http://localhost:\d+/slow") as err:
        fast_client(retries=0, read_timeout=0.2).get("src", httpserver.url_for("/slow"), params={"api_key": "x"})
    assert err.value.transient is True
    assert "api_key" not in str(err.value)  # query strings (keys) are never shown


def test_a_body_over_the_cap_is_refused(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(ResponseTooLarge, match="src: response of 5,000 bytes exceeds the 1,000-byte cap"):
        fast_client(max_bytes=1000).get("src", httpserver.url_for("/big"))


def test_a_gzip_bomb_is_capped_after_decompression(httpserver):
    bomb = gzip.compress(b"\0" * 5_000_000)
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(ResponseTooLarge, match="exceeds the 100,000-byte cap"):
        fast_client(max_bytes=100_000).get("src", httpserver.url_for("/bomb"))


def test_the_user_agent_identifies_the_project(httpserver):
    httpserver.expect_request("/r", headers={"User-Agent": "horizon-test/1 (+mailto:team@example.nhs.uk)"}) \
        .respond_with_data("ok")
    assert fast_client(user_agent="horizon-test/1 (+mailto:team@example.nhs.uk)").get("s", httpserver.url_for("/r")).body == b"ok"


def test_non_http_urls_are_refused():
    with pytest.raises(SourceError, match="refusing non-http"):
        fast_client().get("src", "file:///etc/passwd")


def test_conditional_requests_send_saved_validators_and_survive_a_restart(httpserver):
    httpserver.expect_ordered_request("/feed").respond_with_data(
        "v1", headers={"ETag": '"abc"', "Last-Modified": "Thu, 19 Nov 2026 12:00:00 GMT"})
    httpserver.expect_ordered_request(
        "/feed", headers={"If-None-Match": '"abc"', "If-Modified-Since": "Thu, 19 Nov 2026 12:00:00 GMT"}
    ).respond_with_data("", status=304)
    first = fast_client()
    assert first.get("s", httpserver.url_for("/feed"), params={"a": "1"}, conditional=True).body == b"v1"
    saved = first.validators.dumps()
    second = fast_client()
    second.validators = Validators.loads(saved)  # what a caller persisted between runs
    response = second.get("s", httpserver.url_for("/feed"), params={"a": "1"}, conditional=True)
    assert response.status == 304 and response.body == b""


def test_plain_requests_carry_no_validators(httpserver):
    httpserver.expect_request("/r").respond_with_data("x", headers={"ETag": '"abc"'})
    client = fast_client()
    client.get("s", httpserver.url_for("/r"))
    client.get("s", httpserver.url_for("/r"))
    assert all("If-None-Match" not in req.headers for req, _ in httpserver.log)
    assert client.validators.entries == {} and client.validators.learned == {}


def test_unreadable_saved_validators_start_empty():
    assert Validators.loads("not json").entries == {}
    assert Validators.loads('["a"]').entries == {}
    assert Validators.loads('{"u": {"etag": "\\"e\\"", "junk": 1}}').entries == {"u": {"etag": '"e"'}}
