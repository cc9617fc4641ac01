"""Per-host rate limits: created active with decay, consumed by the HTTP throttle, enforced by the server."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

from flows.limits import HostThrottle, configured_limits, ensure_limits, limit_name
from horizon.config import load_config

pytestmark = pytest.mark.prefect


def read(name: str):
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(name)


def fresh_host() -> str:
    return f"h{uuid.uuid4().hex[:8]}.example.org"


def test_limit_names_come_from_the_host_without_port_or_case():
    assert limit_name("clinicaltrials.gov") == "host-clinicaltrials-gov"
    assert limit_name("WWW.NICE.org.uk:443") == "host-www-nice-org-uk"


def test_every_configured_source_host_gets_a_limit_at_the_configured_rate(write_config):
    config = load_config(write_config({
        "ctgov": {"base_url": "https://clinicaltrials.gov/api/v2"},
        "ctgov-copy": {"scanner": "ctgov", "base_url": "https://clinicaltrials.gov/api/v2", "enabled": False},
        "mirror": {"scanner": "ctgov", "base_url": "http://mirror.example.org:8080/v2"},
    }, http={"requests_per_second": 2.5}))
    assert configured_limits(config) == {"host-clinicaltrials-gov": 2.5, "host-mirror-example-org": 2.5}


def test_setup_creates_active_decaying_limits_and_repairs_an_inactive_one(prefect_harness):
    name = limit_name(fresh_host())
    assert ensure_limits({name: 2.0}) == [(name, "created")]
    made = read(name)
    assert (made.active, made.limit, made.slot_decay_per_second) == (True, 2, 2.0)
    assert ensure_limits({name: 2.0}) == [(name, "unchanged")]
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active=False))
    assert ensure_limits({name: 2.0}) == [(name, "updated")]
    assert read(name).active is True


def test_the_throttle_takes_a_slot_per_request_and_the_server_refuses_more_until_it_decays(prefect_harness):
    host = fresh_host()
    name = limit_name(host)
    ensure_limits({name: 0.05})  # one request per 20 s: a taken slot stays taken for this test
    throttle = HostThrottle(timeout=120)
    throttle(host)
    assert read(name).active_slots == 1  # consumed
    with get_client(sync_client=True) as client, pytest.raises(httpx.HTTPStatusError) as refused:
        client.increment_concurrency_slots(names=[name], slots=1, mode="rate_limit")
    assert refused.value.response.status_code == 423  # another run would have to wait
    assert float(refused.value.response.headers["Retry-After"]) > 0


def test_slots_decay_so_the_next_request_goes_ahead(prefect_harness):
    host = fresh_host()
    ensure_limits({limit_name(host): 0.5})  # a burst of one slot, freed after 2 s
    throttle = HostThrottle(timeout=30)  # without decay the second request would time out and raise
    for _ in range(3):  # more than the burst: only decay lets these through
        throttle(host)
    assert read(limit_name(host)).active_slots == 1  # the last request's slot (a no-op throttle leaves 0)


def test_a_host_without_an_active_limit_is_fetched_unthrottled_with_one_warning(prefect_harness, caplog):
    missing, inactive = fresh_host(), fresh_host()
    ensure_limits({limit_name(inactive): 1.0})
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(limit_name(inactive), GlobalConcurrencyLimitUpdate(active=False))
    throttle = HostThrottle(timeout=5)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            throttle(missing)
            throttle(inactive)
    warnings = [r.getMessage() for r in caplog.records if "horizon setup-limits" in r.getMessage()]
    assert len(warnings) == 2
    assert f"'{limit_name(missing)}' does not exist" in warnings[0]
    assert f"'{limit_name(inactive)}' is inactive" in warnings[1]
