"""SecurityGroup at network scale, against the emulator over loopback: a policy group of
450 members made, then 130 removed and 70 added, in as few requests as Graph allows.

Members are added 20 to a `PATCH` (members@odata.bind), those PATCHes 20 to a `$batch`;
removals go 20 `DELETE …/$ref` to a `$batch`; names are looked up 15 to an `in` filter,
20 filters to a `$batch`. The tests count the emulator's request log: the `$batch`
posts on the wire, and the items each carried.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from hcinfra.clients import connection
from hcinfra.clients.errors import TenantError
from hcinfra.resources.directory import forget_users
from hcinfra.resources.security_group import SecurityGroupProvider
from tests.emulator.harness import GRAPH_SCOPE, Emulator, start_emulator
from tests.resources.conftest import configure_for

OWNER = "claire.dubois@northwindhealth.org"
STAFF = 600  # staff001…staff600, beside the default seed's people


def staff(n: int) -> str:
    return f"staff{n:03d}@northwindhealth.org"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator of its own whose tenant has 600 more staff than the default seed."""
    seed = yaml.safe_load(
        resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
    )
    seed["userBatches"].append(
        {
            "prefix": "staff",
            "count": STAFF,
            "domain": "northwindhealth.org",
            "displayName": "Staff {n}",
            "usageLocation": "CA",
            "department": "Nursing",
        }
    )
    tmp: Path = tmp_path_factory.mktemp("network-emulator")
    path = tmp / "seed.yaml"
    path.write_text(yaml.safe_dump(seed), encoding="utf-8")
    emu = start_emulator(tmp, "--seed", str(path))
    yield emu
    emu.stop()


@pytest.fixture
def big(network: Emulator) -> Iterator[Emulator]:
    """The network emulator, reset, with the providers configured to deploy to it."""
    network.reset()
    forget_users()
    configure_for(network)
    yield network
    connection.configure({})


def inputs(members: list[str]) -> dict[str, Any]:
    return {
        "display_name": "NET-Teams-Policy-Nurses",
        "mail_nickname": "net-teams-policy-nurses",
        "description": "Every site's nurses: the network's Teams policy group",
        "members": members,
        "owners": [OWNER],
    }


def checked(provider: SecurityGroupProvider, raw: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def group(emu: Emulator, gid: str) -> dict[str, Any]:
    return emu.admin("GET", "state").json()["group"][gid]


def user_ids(emu: Emulator) -> dict[str, str]:
    users = emu.admin("GET", "state").json()["user"].values()
    return {u["userPrincipalName"]: u["id"] for u in users}


def batches(emu: Emulator, since: int = 0) -> list[list[dict[str, Any]]]:
    """The items of each `$batch` posted on the wire since `since`, batch by batch."""
    entries = emu.requests(since)["entries"]
    posts = [e for e in entries if not e["batch_item"] and e["path"] == "/v1.0/$batch"]
    inside = [e for e in entries if e["batch_item"]]
    return [[e for e in inside if e["request_id"].startswith(p["request_id"] + "-")] for p in posts]


def wire(emu: Emulator, since: int = 0) -> list[tuple[str, str]]:
    """Graph requests on the wire (not the token's): (method, path)."""
    entries = emu.requests(since)["entries"]
    return [
        (e["method"], e["path"])
        for e in entries
        if not e["batch_item"] and e["path"].startswith("/v1.0")
    ]


def kinds(items: list[dict[str, Any]]) -> set[str]:
    return {e["method"] for e in items}


MEMBERS = [staff(n) for n in range(1, 451)]
# 130 leave (every third of the first 390), 70 join (staff451…staff520).
LEAVING = [staff(n) for n in range(1, 391, 3)]
JOINING = [staff(n) for n in range(451, 521)]
STAYING = [m for m in MEMBERS if m not in set(LEAVING)]


def made(big: Emulator) -> tuple[SecurityGroupProvider, Any]:
    p = SecurityGroupProvider()
    result = p.create(checked(p, inputs(MEMBERS)))
    return p, result


def test_a_group_of_450_members_is_made_in_five_requests(big: Emulator):
    _, result = made(big)
    ids = user_ids(big)
    assert sorted(group(big, result.id)["_members"]) == sorted(ids[m] for m in MEMBERS)
    assert group(big, result.id)["_owners"] == [ids[OWNER]]
    calls = wire(big)
    sent = batches(big)
    # 451 names, 15 to a query: 31 queries in 2 $batch posts. The upsert binds the owner
    # and 19 members; the other 431 go 20 to a PATCH: 22 PATCHes in 2 $batch posts.
    lookups = [b for b in sent if kinds(b) == {"GET"}]
    adds = [b for b in sent if kinds(b) == {"PATCH"}]
    assert [len(b) for b in lookups] == [20, 11]
    assert all(e["path"] == "/v1.0/users" for b in lookups for e in b)
    assert [len(b) for b in adds] == [20, 2]
    assert len(calls) == 5 == len(lookups) + len(adds) + 1
    assert calls.count(("POST", "/v1.0/$batch")) == 4
    assert not [e for b in sent for e in b if e["method"] == "POST"]  # none one by one
    assert sorted(result.outs["member_ids"]) == sorted(ids[m] for m in MEMBERS)


def test_130_leave_and_70_join_by_difference_in_batches(big: Emulator):
    p, result = made(big)
    ids = user_ids(big)
    before = list(group(big, result.id)["_members"])
    mark = big.requests()["last"]
    news = checked(p, inputs([*STAYING, *JOINING]))
    updated = p.update(result.id, result.outs, news)

    after = group(big, result.id)["_members"]
    assert sorted(after) == sorted(ids[m] for m in [*STAYING, *JOINING])
    # Nobody who stayed was removed and added again: they keep their places, in order,
    # and the newcomers follow them.
    stayed = {ids[m] for m in STAYING}
    assert after[: len(stayed)] == [m for m in before if m in stayed]
    assert set(after[len(stayed) :]) == {ids[m] for m in JOINING}
    assert sorted(updated.outs["member_ids"]) == sorted(after)

    sent = batches(big, mark)
    removals = [b for b in sent if kinds(b) == {"DELETE"}]
    adds = [b for b in sent if kinds(b) == {"PATCH"}]
    lookups = [b for b in sent if kinds(b) == {"GET"}]
    deleted = {e["path"].split("/")[-2] for b in removals for e in b}
    assert deleted == {ids[m] for m in LEAVING}
    assert len(removals) <= math.ceil(130 / 20) == 7
    assert all(len(b) <= 20 for b in removals)
    assert [len(b) for b in adds] == [4]  # 70 members, 20 to a PATCH, in one $batch
    # The 70 new names in 5 queries; the live group read (members and owners) in one.
    assert sorted(len(b) for b in lookups) == [2, 5]
    calls = wire(big, mark)
    # The group's own PATCH, then $batch posts: names, the read, adds, removals.
    assert calls.count(("POST", "/v1.0/$batch")) == len(sent) == 10
    assert len(calls) == 11


def test_a_removal_sent_again_after_a_lost_answer_succeeds(big: Emulator):
    p, result = made(big)
    ids = user_ids(big)
    # The update reads the group (the first $batch), then removes: the first removal
    # batch is carried out, its answer lost, and the retry meets members already gone.
    big.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": "POST /v1.0/$batch", "dropResponse": 1, "after": 1, "limit": 1}]},
    ).raise_for_status()
    mark = big.requests()["last"]
    p.update(result.id, result.outs, checked(p, inputs(STAYING)))
    assert sorted(group(big, result.id)["_members"]) == sorted(ids[m] for m in STAYING)
    deletes = [e for b in batches(big, mark) for e in b if e["method"] == "DELETE"]
    gone = [e for e in deletes if e["status"] == 404]
    assert len(gone) == 20, "the retried batch met the 20 it had removed"
    assert len(deletes) == 130 + 20


def test_a_member_already_removed_by_hand_is_no_error(big: Emulator):
    from hcinfra.resources.directory import remove_refs

    _, result = made(big)
    ids = user_ids(big)
    leaving = [ids[m] for m in LEAVING[:3]]
    with big.client(headers=big.headers(GRAPH_SCOPE)) as c:
        r = c.delete(f"/v1.0/groups/{result.id}/members/{leaving[0]}/$ref")
        assert r.status_code == 204
    remove_refs(connection.connect(), result.id, "members", leaving)
    assert not set(leaving) & set(group(big, result.id)["_members"])


def test_throttled_removals_are_sent_again_after_retry_after(big: Emulator):
    p, result = made(big)
    ids = user_ids(big)
    big.admin(
        "PUT",
        "faults",
        json={
            "rules": [
                {
                    "match": "DELETE /v1.0/groups/*/members/*/$ref",
                    "throttle": 1,
                    "retryAfter": 1,
                    "limit": 5,
                }
            ]
        },
    ).raise_for_status()
    mark = big.requests()["last"]
    p.update(result.id, result.outs, checked(p, inputs(STAYING)))
    assert sorted(group(big, result.id)["_members"]) == sorted(ids[m] for m in STAYING)
    removals = [b for b in batches(big, mark) if kinds(b) == {"DELETE"}]
    statuses = [e["status"] for b in removals for e in b]
    assert statuses.count(429) == 5 and statuses.count(204) == 130
    assert len(removals) == 7 + 1  # the 5 throttled went again in one more batch


def test_a_refused_removal_names_the_member(big: Emulator):
    p, result = made(big)
    ids = user_ids(big)
    refused = LEAVING[7]
    big.admin(
        "PUT",
        "faults",
        json={
            "rules": [
                {
                    "match": f"DELETE /v1.0/groups/*/members/{ids[refused]}/$ref",
                    "respond": {
                        "status": 400,
                        "body": {
                            "error": {"code": "Request_BadRequest", "message": "Not this one."}
                        },
                    },
                }
            ]
        },
    ).raise_for_status()
    with pytest.raises(TenantError, match=refused.replace(".", r"\.")) as err:
        p.update(result.id, result.outs, checked(p, inputs(STAYING)))
    assert err.value.status == 400 and "Not this one." in str(err.value)
    # Every other removal was made: only the refused member is left over.
    left = set(group(big, result.id)["_members"]) - {ids[m] for m in STAYING}
    assert left == {ids[refused]}


def test_adds_wait_out_the_replication_400_of_a_group_just_made(big: Emulator):
    # group-post-members: right after a create, adding members may answer 400 "The
    # source resource object or one of the objects being referenced do not exist."
    message = "The source resource object or one of the objects being referenced do not exist."
    big.admin(
        "PUT",
        "faults",
        json={
            "rules": [
                {
                    "match": "PATCH /v1.0/groups/*",
                    "limit": 1,
                    "respond": {
                        "status": 400,
                        "body": {"error": {"code": "Request_BadRequest", "message": message}},
                    },
                }
            ]
        },
    ).raise_for_status()
    _, result = made(big)
    ids = user_ids(big)
    assert sorted(group(big, result.id)["_members"]) == sorted(ids[m] for m in MEMBERS)
    patches = [e for b in batches(big) for e in b if e["method"] == "PATCH"]
    assert [e["status"] for e in patches].count(400) == 1 and len(patches) == 22 + 1
