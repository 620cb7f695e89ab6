"""hcinfra's JSON `$batch` reader against the emulator: chunks of 20, throttled items
sent again after Retry-After, paged collections followed, errors per item."""

from __future__ import annotations

import time

import pytest

from hcinfra.clients.connection import Connection
from hcinfra.clients.errors import TenantError
from hcinfra.clients.graph_batch import MAX_PER_BATCH, GraphBatch
from hcinfra.clients.retry import RetryPolicy
from tests.emulator.harness import Emulator
from tests.resources.conftest import settings_for


def batch_for(emu: Emulator, policy: RetryPolicy | None = None) -> GraphBatch:
    conn = Connection(settings_for(emu))
    return GraphBatch(conn.settings, conn.credential, policy)


def test_many_reads_take_one_call_per_twenty(emu: Emulator):
    ids = [emu.make_group(f"batch-{n:02d}") for n in range(45)]
    reader = batch_for(emu)
    mark = emu.requests()["last"]
    answers = reader.get({gid: f"/groups/{gid}?$select=id,displayName" for gid in ids})
    assert {gid: a.body["id"] for gid, a in answers.items()} == {gid: gid for gid in ids}
    assert all(a.ok and a.status == 200 for a in answers.values())
    assert reader.calls == -(-45 // MAX_PER_BATCH) == 3
    log = emu.requests(since=mark)
    assert [e["path"] for e in log["entries"] if not e["batch_item"]].count("/v1.0/$batch") == 3
    assert log["total"] - log["calls"] == 45  # each read went through a batch


def test_paged_collections_are_followed_to_the_end(emu: Emulator):
    ids = [emu.make_group(f"paged-{n:02d}") for n in range(7)]
    answers = batch_for(emu).get(
        {"all": "/groups?$filter=startswith(mailNickname,'paged-')&$select=id&$top=3"}
    )
    assert sorted(g["id"] for g in answers["all"].values()) == sorted(ids)
    assert "@odata.nextLink" not in answers["all"].body


def test_throttled_items_are_sent_again_after_retry_after(emu: Emulator):
    ids = [emu.make_group(f"busy-{n:02d}") for n in range(20)]
    emu.admin(
        "PUT",
        "faults",
        json={
            "seed": 11,
            "rules": [{"match": "GET /v1.0/groups/*", "throttle": 0.4, "retryAfter": 1}],
        },
    ).raise_for_status()
    reader = batch_for(emu)
    started = time.monotonic()
    answers = reader.get({gid: f"/groups/{gid}" for gid in ids})
    assert all(a.status == 200 for a in answers.values()) and len(answers) == 20
    assert reader.calls >= 2, "throttled items were sent in another batch"
    assert time.monotonic() - started >= 1.0, "Retry-After was honoured"
    items = [e for e in emu.requests()["entries"] if e["batch_item"]]
    assert any(e["status"] == 429 for e in items)


def test_a_missing_object_is_an_answer_not_an_exception(emu: Emulator):
    gid = emu.make_group("present")
    missing = "00000000-0000-4000-8000-000000000001"
    answers = batch_for(emu).get({"here": f"/groups/{gid}", "gone": f"/groups/{missing}"})
    assert answers["here"].ok and answers["gone"].status == 404
    assert answers["gone"].body["error"]["code"] == "Request_ResourceNotFound"


def test_throttling_that_never_ends_gives_up_within_the_budget(emu: Emulator):
    gid = emu.make_group("always-busy")
    emu.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": "GET /v1.0/groups/*", "throttle": 1.0, "retryAfter": 1}]},
    ).raise_for_status()
    reader = batch_for(emu, RetryPolicy(max_attempts=3, max_total_seconds=10))
    with pytest.raises(TenantError) as err:
        reader.get({"x": f"/groups/{gid}"})
    assert err.value.status == 429 and "still throttled" in err.value.message
