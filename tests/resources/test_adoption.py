"""Adoption against the emulator: a create under `hcinfra adopt` takes the live object.

For each kind: an object made by hand (straight through the APIs, not by hcinfra) is
adopted with no write; the outputs are complete, so a diff against the declaration is
empty when the object matches it and an update when it does not; no match and two
matches are refusals that name what they found.
"""

from __future__ import annotations

import pytest

from hcinfra.resources.adoption import AMBIGUOUS, ENV, NOT_FOUND, NotAdopted
from hcinfra.resources.security_group import SecurityGroupProvider
from tests.emulator.harness import Emulator

NURSE = "nurse001@northwindhealth.org"
MANAGER = "claire.dubois@northwindhealth.org"


@pytest.fixture
def adopting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "1")


def user_id(emu: Emulator, upn: str) -> str:
    return str(emu.graph("GET", f"/users/{upn}").json()["id"])


def hand_made_group(emu: Emulator, nickname: str, members: list[str], owners: list[str]) -> str:
    body = {
        "displayName": nickname.upper(),
        "mailNickname": nickname,
        "mailEnabled": False,
        "securityEnabled": True,
        "description": "Made by hand",
        "members@odata.bind": [
            f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id(emu, m)}" for m in members
        ],
        "owners@odata.bind": [
            f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id(emu, o)}" for o in owners
        ],
    }
    r = emu.graph("POST", "/groups", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def group_inputs(p: SecurityGroupProvider, **extra: object) -> dict:
    raw = {
        "display_name": "STM-CLINICAL-WORKERS",
        "mail_nickname": "stm-clinical-workers",
        "description": "Made by hand",
        "members": [NURSE],
        "owners": [MANAGER],
        **extra,
    }
    checked = p.check({}, raw)
    assert checked.failures == [], checked.failures
    return checked.inputs


def adopt(p: SecurityGroupProvider, props: dict, mp: pytest.MonkeyPatch):
    with mp.context() as m:
        m.setenv(ENV, "1")
        return p.create(props)


def test_a_hand_made_security_group_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = hand_made_group(tenant, "stm-clinical-workers", [NURSE], [MANAGER])
    p = SecurityGroupProvider()
    props = group_inputs(p)
    mark = tenant.requests()["last"]
    made = adopt(p, props, monkeypatch)
    assert tenant.requests(mark)["writes"] == 0
    assert made.id == gid
    assert made.outs["object_id"] == gid and made.outs["members"] == [NURSE]
    assert made.outs["owners"] == [MANAGER] and made.outs["resolved"][NURSE]
    # The live group is what the file declares: the next preview has nothing to change.
    assert p.diff(gid, made.outs, props).changes is False


def test_an_adopted_group_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = hand_made_group(tenant, "stm-clinical-workers", [NURSE, MANAGER], [MANAGER])
    p = SecurityGroupProvider()
    props = group_inputs(p)
    made = adopt(p, props, monkeypatch)
    assert made.id == gid
    planned = p.diff(gid, made.outs, props)
    assert planned.changes is True and not planned.replaces
    assert p.diff(gid, made.outs, group_inputs(p, members=[NURSE, MANAGER])).changes is False


def test_no_live_group_and_two_live_groups_are_refused(tenant: Emulator, adopting: None):
    p = SecurityGroupProvider()
    props = group_inputs(p)
    mark = tenant.requests()["last"]
    with pytest.raises(NotAdopted, match=NOT_FOUND):
        p.create(props)
    assert tenant.requests(mark)["writes"] == 0
    first = hand_made_group(tenant, "stm-clinical-workers", [NURSE], [MANAGER])
    second = hand_made_group(tenant, "stm-clinical-workers", [], [MANAGER])
    mark = tenant.requests()["last"]
    with pytest.raises(NotAdopted, match=AMBIGUOUS) as err:
        p.create(props)
    assert first in str(err.value) and second in str(err.value)
    assert tenant.requests(mark)["writes"] == 0


def test_adopting_never_writes_an_update_or_a_delete(tenant: Emulator, adopting: None):
    p = SecurityGroupProvider()
    props = group_inputs(p)
    with pytest.raises(Exception, match="adopting writes nothing"):
        p.update("some-id", props, props)
    with pytest.raises(Exception, match="adopting writes nothing"):
        p.delete("some-id", props)
    assert p.diff("some-id", props, group_inputs(p, description="other")).changes is False
