"""MailSecurityGroup's provider, SharedMailbox grants to it, and the client in each variant."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml

from hcinfra.clients import connection
from hcinfra.clients.errors import TenantError
from hcinfra.resources.mail_security_group import MailSecurityGroupProvider
from hcinfra.resources.mail_security_group.provider import GroupConflict
from hcinfra.resources.shared_mailbox import SharedMailboxProvider
from tests.emulator.harness import Emulator
from tests.resources.exchange_spy import cmdlets

NURSE, NURSE2 = "nurse001@northwindhealth.org", "nurse002@northwindhealth.org"
ADDRESS = "stm-nurses-mail@stm.northwindhealth.org"
BYPASS = {"BypassSecurityGroupManagerCheck": True}


def inputs(**extra: Any) -> dict[str, Any]:
    base = {
        "name": "STM-Nurses-Mail",
        "alias": "stm-nurses-mail",
        "primary_smtp_address": ADDRESS,
        "members": [NURSE],
        "owners": ["claire.dubois@northwindhealth.org"],
    }
    return {**base, **extra}


def checked(p: Any, raw: dict[str, Any]) -> dict[str, Any]:
    result = p.check({}, raw)
    assert result.failures == [], result.failures
    return dict(result.inputs)


def members(emu: Emulator) -> list[str]:
    return [m["WindowsLiveID"] for m in emu.exo("Get-DistributionGroupMember", Identity=ADDRESS)]


@pytest.fixture(params=["documented", "400-not-found", "no-sids", "innererror"])
def variant(request: pytest.FixtureRequest, tenant: Emulator) -> Iterator[Emulator]:
    """The emulator in each unverified Exchange answer shape (see docs/emulator.md)."""
    shapes = {
        "documented": {},
        "400-not-found": {"notFoundStatus": 400},
        "no-sids": {"permissionSids": False},
        "innererror": {"errorDetails": False},
    }

    def load(exchange: dict[str, Any]) -> None:
        seed = yaml.safe_load(
            resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
        )
        seed["exchange"] = exchange
        tenant.admin("POST", "seed", content=yaml.safe_dump(seed)).raise_for_status()

    load(shapes[request.param])
    yield tenant
    load({})


def test_create_makes_a_closed_hidden_group_with_its_members(tenant: Emulator):
    p = MailSecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    [group] = tenant.exo("Get-DistributionGroup", Identity=ADDRESS)
    assert made.id == group["Guid"] and made.outs["object_id"] == group["ExternalDirectoryObjectId"]
    assert group["RecipientTypeDetails"] == "MailUniversalSecurityGroup"
    assert group["HiddenFromAddressListsEnabled"] is True
    assert (group["MemberJoinRestriction"], group["MemberDepartRestriction"]) == ("Closed",) * 2
    assert members(tenant) == [NURSE]


def test_create_runs_new_and_set_only(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    p = MailSecurityGroupProvider()
    ran = cmdlets(monkeypatch)
    made = p.create(checked(p, inputs()))
    # New sets name, address, members and closed membership; only hiding needs a Set.
    assert ran == ["New-DistributionGroup", "Set-DistributionGroup"]
    assert made.outs["members"] == [NURSE] and members(tenant) == [NURSE]


def test_create_after_a_lost_answer_adopts_and_reads_members(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    rule = {"match": "POST /adminapi/*", "dropResponse": 1, "limit": 1}
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    p = MailSecurityGroupProvider()
    ran = cmdlets(monkeypatch)
    made = p.create(checked(p, inputs()))
    assert ran == [
        "New-DistributionGroup",  # handled, its answer lost, sent again: 400
        "Get-DistributionGroup",
        "Set-DistributionGroup",
        "Get-DistributionGroupMember",
    ]
    assert len(tenant.exo("Get-DistributionGroup")) == 1
    assert made.outs["hidden"] is True and members(tenant) == [NURSE]


def test_create_retried_adopts_and_a_stranger_is_refused(tenant: Emulator):
    p = MailSecurityGroupProvider()
    first = p.create(checked(p, inputs()))
    again = p.create(checked(p, inputs()))
    assert again.id == first.id
    with pytest.raises(GroupConflict, match="adopts only"):
        p.create(checked(p, inputs(name="Someone-Else")))


def test_members_drift_is_read_and_repaired(tenant: Emulator):
    p = MailSecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    tenant.exo("Add-DistributionGroupMember", Identity=ADDRESS, Member=NURSE2, **BYPASS)
    tenant.exo("Set-DistributionGroup", Identity=ADDRESS, MemberJoinRestriction="Open", **BYPASS)
    read = p.read(made.id, made.outs)
    assert sorted(read.outs["members"]) == [NURSE, NURSE2]
    diff = p.diff(made.id, read.outs, checked(p, inputs()))
    assert diff.changes
    p.update(made.id, read.outs, checked(p, inputs()))
    assert members(tenant) == [NURSE]
    [group] = tenant.exo("Get-DistributionGroup", Identity=ADDRESS)
    assert group["MemberJoinRestriction"] == "Closed"


def test_members_read_in_another_order_are_no_drift(tenant: Emulator):
    # Exchange lists members in its own order; declared out of that order is no change.
    p = MailSecurityGroupProvider()
    declared = inputs(members=[NURSE2, NURSE])
    made = p.create(checked(p, declared))
    read = p.read(made.id, made.outs)
    assert read.outs["members"] == [NURSE2, NURSE]
    assert p.diff(made.id, read.outs, checked(p, declared)).changes is False


def test_bad_input_is_refused_before_any_call(tenant: Emulator):
    p = MailSecurityGroupProvider()
    result = p.check({}, inputs(name="x" * 65, members=["not-an-upn"]))
    assert [f.property for f in result.failures] == ["name", "members"]
    assert tenant.exo("Get-DistributionGroup") == []


def test_delete_removes_the_group_and_a_second_delete_is_quiet(variant: Emulator):
    p = MailSecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    p.delete(made.id, made.outs)
    p.delete(made.id, made.outs)  # not found, in either status variant
    assert p.read(made.id, made.outs).id is None


def test_shared_mailbox_grants_to_the_group_in_each_variant(variant: Emulator):
    g = MailSecurityGroupProvider()
    group = g.create(checked(g, inputs()))
    p = SharedMailboxProvider()
    raw = {
        "name": "STM Info",
        "alias": "stm-info",
        "primary_smtp_address": "info@stm.northwindhealth.org",
        "full_access": [group.outs["object_id"]],
        "send_as": [group.outs["object_id"]],
    }
    made = p.create(checked(p, raw))
    read = p.read(made.id, made.outs)
    assert read.outs["full_access"] == [group.outs["object_id"]]
    assert read.outs["send_as"] == [group.outs["object_id"]]
    assert not p.diff(made.id, read.outs, checked(p, raw)).changes
    # A grant made by hand shows as drift and goes on the next update.
    variant.exo("Add-MailboxPermission", Identity=made.id, User=NURSE2, AccessRights=["FullAccess"])
    read = p.read(made.id, read.outs)
    assert NURSE2 in read.outs["full_access"]
    p.update(made.id, read.outs, checked(p, raw))
    users = {r["User"] for r in variant.exo("Get-MailboxPermission", Identity=made.id)}
    assert users == {"NT AUTHORITY\\SELF", "STM-Nurses-Mail"}


def test_not_found_is_classified_in_each_variant(variant: Emulator):
    exchange = connection.connect().exchange
    with pytest.raises(TenantError) as caught:
        exchange.invoke("Get-Mailbox", Identity="nobody@northwindhealth.org")
    err = caught.value
    assert err.not_found, err
    assert err.exception.endswith("ManagementObjectNotFoundException")
    assert "couldn't be found" in err.message


def test_warnings_are_kept_and_logged(tenant: Emulator, caplog: pytest.LogCaptureFixture):
    exchange = connection.connect().exchange
    exchange.invoke(
        "Add-RecipientPermission", Identity=NURSE, Trustee=NURSE2, AccessRights=["SendAs"]
    )
    with caplog.at_level("WARNING", logger="hcinfra.exchange"):
        result = exchange.invoke(
            "Add-RecipientPermission", Identity=NURSE, Trustee=NURSE2, AccessRights=["SendAs"]
        )
    assert result == [] and len(result.warnings) == 1
    assert "already present" in caplog.text
