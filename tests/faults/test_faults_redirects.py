"""A redirect to another host never carries the source's credentials with it.

Two real servers under different host names (127.0.0.1 and localhost): requests itself
strips only ``Authorization`` on such a redirect, so NICE's ``API-Key`` header and an
``api_key`` in the query string would reach the second host without ``CredentialSafeSession``.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from horizon.config import HttpSettings
from scanners.http import HttpClient

KEY = "nice-fake-key-81b2d7"


@pytest.fixture
def two_hosts():
    first, other = HTTPServer(host="127.0.0.1"), HTTPServer(host="localhost")
    first.start()
    other.start()
    yield first, other
    first.clear()
    other.clear()
    first.stop()
    other.stop()


def _client() -> HttpClient:
    return HttpClient(HttpSettings(retries=0, connect_timeout=2, read_timeout=5))


def test_credentials_stay_behind_on_a_cross_host_redirect(two_hosts, reliability):
    first, other = two_hosts
    target = other.url_for("/landing") + f"?page=2&api_key={KEY}&token=t0ken-abc"
    first.expect_request("/published").respond_with_data("", status=302, headers={"Location": target})
    other.expect_request("/landing").respond_with_data("<html>ok</html>", content_type="text/html")
    client = _client()
    try:
        response = client.get("nice", first.url_for("/published"), params={"api_key": KEY},
                              headers={"API-Key": KEY, "Authorization": f"Bearer {KEY}", "Accept": "text/html"})
    finally:
        client.close()
    assert response.status == 200 and first.url_for("/").split("/")[2].startswith("127.0.0.1")
    [(sent_first, _)] = first.log
    assert sent_first.headers["API-Key"] == KEY  # the first host, which the key is for, got it
    [(landed, _)] = other.log
    leaked = {k: v for k, v in landed.headers.items() if KEY in v}
    assert not leaked and "API-Key" not in landed.headers and "Authorization" not in landed.headers
    assert KEY not in landed.query_string.decode() and "t0ken-abc" not in landed.query_string.decode()
    assert landed.args["page"] == "2" and landed.headers["Accept"] == "text/html"  # the rest is kept
    reliability("transport", "redirect to another host", "nice API-Key header and api_key query",
                "credential header and query keys stripped; other headers and parameters kept")


def test_a_same_host_redirect_keeps_the_key(two_hosts):
    first, _ = two_hosts
    first.expect_request("/old").respond_with_data("", status=301, headers={"Location": first.url_for("/new")})
    first.expect_request("/new").respond_with_data("ok")
    client = _client()
    try:
        assert client.get("nice", first.url_for("/old"), headers={"API-Key": KEY}).status == 200
    finally:
        client.close()
    assert [r.headers.get("API-Key") for r, _ in first.log] == [KEY, KEY]
