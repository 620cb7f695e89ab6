"""Retry-After in both HTTP forms, on 429 and 503, and the `$batch` reader's later pages."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from hcinfra.clients.errors import TenantError
from hcinfra.clients.retry import RetryPolicy, retry_after
from tests.clients.test_graph_batch import batch_for
from tests.emulator.harness import GRAPH_SCOPE, Emulator


def test_retry_after_reads_seconds_and_http_dates():
    now = 1_800_000_000.0
    assert retry_after("120", now) == 120.0
    assert retry_after(formatdate(now + 30, usegmt=True), now) == pytest.approx(30.0)
    assert retry_after(formatdate(now - 30, usegmt=True), now) == 0.0  # already past
    assert retry_after("", now) is None
    assert retry_after("soon", now) is None
    assert retry_after("Wed, 21 Oct 2026 07:28:00", now) is None  # no zone: not an HTTP-date


def test_a_503_with_retry_after_waits_what_it_says():
    import httpx

    from hcinfra.clients.retry import RetryTransport

    seen: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return httpx.Response(503, headers={"Retry-After": "1"})
        return httpx.Response(200)

    policy = RetryPolicy(base_delay=0.001, max_delay=0.001)  # backoff alone would not wait
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(handler), policy)) as client:
        assert client.get("https://tenant.invalid/x").status_code == 200
    assert seen[1] - seen[0] >= 0.99


@pytest.mark.parametrize(
    "rule",
    [
        {"throttle": 1, "retryAfter": 2, "retryAfterForm": "date"},
        {"unavailable": 1, "unavailableRetryAfter": True, "retryAfter": 2},
    ],
    ids=["429-http-date", "503-retry-after"],
)
def test_the_graph_client_honours_the_emulators_retry_after(emu: Emulator, rule: dict):
    gid = emu.make_group("retry-after")
    faults = {"rules": [{"match": "GET /v1.0/groups/*", "limit": 1, **rule}]}
    emu.admin("PUT", "faults", json=faults).raise_for_status()
    from hcinfra.clients.connection import Connection
    from tests.resources.conftest import settings_for

    graph = Connection(settings_for(emu)).graph  # its backoff alone waits under 0.5 s
    started = time.monotonic()
    group = graph.run(lambda c: c.groups.by_group_id(gid).get())
    assert group is not None and group.id == gid
    # An HTTP-date has whole seconds, so at least one of the two was waited.
    assert time.monotonic() - started >= 0.9
    statuses = [e["status"] for e in emu.requests()["entries"] if e["path"].endswith(gid)]
    assert statuses[-2:] == [429 if "throttle" in rule else 503, 200]


def test_a_throttled_later_page_waits_for_retry_after(emu: Emulator):
    ids = [emu.make_group(f"paged-{n:02d}") for n in range(5)]
    # The first page answers; the next one is throttled once, then answers.
    rule = {"match": "GET /v1.0/groups", "after": 1, "limit": 1, "throttle": 1, "retryAfter": 1}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    reader = batch_for(emu)
    started = time.monotonic()
    answers = reader.get(
        {"all": "/groups?$filter=startswith(mailNickname,'paged-')&$select=id&$top=2"}
    )
    assert sorted(g["id"] for g in answers["all"].values()) == sorted(ids)
    assert time.monotonic() - started >= 0.99, "the later page waited for Retry-After"


def test_a_later_page_throttled_for_ever_gives_up_within_the_budget(emu: Emulator):
    for n in range(3):
        emu.make_group(f"paged-{n:02d}")
    rule = {"match": "GET /v1.0/groups", "after": 1, "throttle": 1, "retryAfter": 1}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    reader = batch_for(emu, RetryPolicy(max_attempts=3, max_total_seconds=10))
    started = time.monotonic()
    with pytest.raises(TenantError) as err:
        reader.get({"all": "/groups?$filter=startswith(mailNickname,'paged-')&$select=id&$top=1"})
    assert err.value.status == 429 and "still throttled" in err.value.message
    assert time.monotonic() - started < 10
    items = [e for e in emu.requests()["entries"] if e["batch_item"]]
    assert len(items) <= 4, "one first page and at most three tries of the next"
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        assert c.get("/v1.0/groups?$top=1").status_code == 429  # the fault is still on
