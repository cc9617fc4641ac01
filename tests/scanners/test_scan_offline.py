"""Failing fast offline: no retry for a name that does not resolve, a refused connection or bad TLS."""

from __future__ import annotations

import socket
import threading

import pytest

from horizon.errors import SourceError
from tests.scanners.scanfix import fast_client


def closed_port() -> int:
    """A local port nothing listens on: bind, note it, close."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unresolvable_name_is_tried_once_and_said_in_words():
    client = fast_client(retries=3)
    with pytest.raises(SourceError) as err:
        client.get("ctgov", "https://clinicaltrials.invalid/api/v2/studies", params={"api_key": "s3cret"})
    assert str(err.value) == "ctgov: cannot resolve clinicaltrials.invalid: no network, or a wrong base_url?"
    assert err.value.transient is False
    assert client.connect_attempts == 1  # before: 4 (the try and three retries)


def test_a_refused_connection_is_tried_once():
    port = closed_port()
    client = fast_client(retries=3)
    with pytest.raises(SourceError) as err:
        client.get("nice", f"http://127.0.0.1:{port}/guidance/published")
    assert str(err.value) == f"nice: connection to 127.0.0.1:{port} refused: is the service down, or the base_url wrong?"
    assert err.value.transient is False and client.connect_attempts == 1


def test_a_tls_failure_is_tried_once(httpserver):
    # A plain-HTTP server spoken to over https: the handshake fails the same way every time.
    client = fast_client(retries=3)
    with pytest.raises(SourceError) as err:
        client.get("govuk", httpserver.url_for("/x").replace("http://", "https://"))
    assert str(err.value).startswith("govuk: TLS failed with localhost: ")
    assert err.value.transient is False and client.connect_attempts == 1
    assert len(httpserver.log) == 0


def test_a_dropped_connection_is_still_retried():
    """A server that accepts and hangs up: that may pass, so it is retried and stays transient."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []

    def hang_up() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        client = fast_client(retries=2)
        with pytest.raises(SourceError) as err:
            client.get("rss", f"http://127.0.0.1:{server.getsockname()[1]}/feed")
        assert err.value.transient is True
        assert client.connect_attempts == 3 and len(accepted) == 3
    finally:
        server.close()


def test_scan_with_no_source_host_resolving_stops_before_prefect(write_config, tmp_path, monkeypatch, capsys, caplog):
    import logging

    from apps.cli import main

    config = write_config({"ctgov": {"base_url": "https://clinicaltrials.invalid/api/v2"},
                           "nice": {"base_url": "https://www.nice.invalid"}})
    out = tmp_path / "out"
    caplog.set_level(logging.DEBUG, logger="scanners.http")
    monkeypatch.setattr("sys.argv", ["horizon", "scan", "asthma", "--config", str(config), "--out", str(out)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "source failed ctgov: cannot resolve clinicaltrials.invalid: no network, or a wrong base_url?" in err
    assert "source failed nice: cannot resolve www.nice.invalid: no network, or a wrong base_url?" in err
    assert err.rstrip().endswith("error: every source failed (2 of 2): nothing was published, the last digest is "
                                 "left in place")
    assert not out.exists()  # nothing written, no flow started
    assert not [r for r in caplog.records if r.name == "scanners.http"]  # not one HTTP connection tried
