"""Mail-enabled security groups in Exchange (DistributionGroup cmdlets), and the seed's variants."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml

from tests.emulator.harness import GRAPH_SCOPE, Emulator
from tests.emulator.test_exchange import detail, graph_get, invoke, new_shared, ok, state

NURSE, NURSE2 = "nurse001@northwindhealth.org", "nurse002@northwindhealth.org"
BYPASS = {"BypassSecurityGroupManagerCheck": True}


def new_group(emu: Emulator, **extra: Any) -> dict[str, Any]:
    """New-DistributionGroup -Type Security with hcinfra's usual parameters."""
    params = {
        "Name": "STM-Nurses-Mail",
        "Alias": "stm-nurses-mail",
        "PrimarySmtpAddress": "stm-nurses-mail@northwindhealth.org",
        "Type": "Security",
        "Members": [NURSE],
        "MemberJoinRestriction": "Closed",
        "MemberDepartRestriction": "Closed",
        **extra,
    }
    [made] = ok(invoke(emu, "New-DistributionGroup", params))
    return made


@pytest.fixture
def variant(emu: Emulator) -> Iterator[Any]:
    """Load the default seed with an `exchange:` variant; the default seed again afterwards."""

    def load(**exchange: Any) -> None:
        seed = yaml.safe_load(
            resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
        )
        seed["exchange"] = exchange
        emu.admin("POST", "seed", content=yaml.safe_dump(seed)).raise_for_status()

    yield load
    load()


def test_new_distribution_group_is_a_mail_enabled_security_group_in_graph(emu: Emulator):
    made = new_group(emu)
    assert made["RecipientTypeDetails"] == "MailUniversalSecurityGroup"
    assert made["MemberJoinRestriction"] == made["MemberDepartRestriction"] == "Closed"
    group = graph_get(emu, f"groups/{made['ExternalDirectoryObjectId']}").json()
    assert (group["mailEnabled"], group["securityEnabled"], group["groupTypes"]) == (
        True,
        True,
        [],
    )
    assert group["mail"] == "stm-nurses-mail@northwindhealth.org"
    [member] = ok(invoke(emu, "Get-DistributionGroupMember", {"Identity": "stm-nurses-mail"}))
    assert member["WindowsLiveID"] == NURSE


def test_members_are_replaced_added_and_removed_with_the_manager_check(emu: Emulator):
    new_group(emu)
    ident = {"Identity": "stm-nurses-mail"}
    r = invoke(emu, "Update-DistributionGroupMember", {**ident, "Members": [NURSE2]})
    assert r.status_code == 400 and "manager of the group" in detail(r)
    ok(invoke(emu, "Update-DistributionGroupMember", {**ident, **BYPASS, "Members": [NURSE2]}))
    ok(invoke(emu, "Add-DistributionGroupMember", {**ident, **BYPASS, "Member": NURSE}))
    r = invoke(emu, "Add-DistributionGroupMember", {**ident, **BYPASS, "Member": NURSE})
    assert r.status_code == 400 and "MemberAlreadyExistsException" in detail(r)
    ok(invoke(emu, "Remove-DistributionGroupMember", {**ident, **BYPASS, "Member": NURSE2}))
    members = ok(invoke(emu, "Get-DistributionGroupMember", ident))
    assert [m["WindowsLiveID"] for m in members] == [NURSE]


def test_settings_change_and_unknown_parameters_are_refused(emu: Emulator):
    new_group(emu)
    ident = {"Identity": "stm-nurses-mail", **BYPASS}
    ok(invoke(emu, "Set-DistributionGroup", {**ident, "HiddenFromAddressListsEnabled": True}))
    [group] = ok(invoke(emu, "Get-DistributionGroup", {"Identity": "stm-nurses-mail"}))
    assert group["HiddenFromAddressListsEnabled"] is True
    before = state(emu)
    r = invoke(emu, "Set-DistributionGroup", {**ident, "Notes": "x"})
    assert r.status_code == 400 and "parameter name 'Notes'" in detail(r)
    r = invoke(emu, "New-DistributionGroup", {"Name": "X", "Type": "Distribution"})
    assert r.status_code == 400
    r = invoke(emu, "New-DistributionGroup", {"Name": "STM-Nurses-Mail", "Type": "Security"})
    assert r.status_code == 400
    assert state(emu) == before


def test_graph_refuses_member_changes_on_a_mail_enabled_security_group(emu: Emulator):
    gid = new_group(emu)["ExternalDirectoryObjectId"]
    user = graph_get(emu, f"users/{NURSE2}").json()["id"]
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post(
            f"/v1.0/groups/{gid}/members/$ref",
            json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user}"},
        )
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "Cannot Update a mail-enabled security groups and or distribution list."
    )


def test_remove_distribution_group(emu: Emulator):
    gid = new_group(emu)["ExternalDirectoryObjectId"]
    ok(invoke(emu, "Remove-DistributionGroup", {"Identity": "stm-nurses-mail", **BYPASS}))
    r = invoke(emu, "Get-DistributionGroup", {"Identity": "stm-nurses-mail"})
    assert r.status_code == 404
    assert graph_get(emu, f"groups/{gid}").status_code == 404


def test_variant_not_found_as_400(emu: Emulator, variant: Any):
    variant(notFoundStatus=400)
    r = invoke(emu, "Get-Mailbox", {"Identity": "nobody@northwindhealth.org"})
    assert r.status_code == 400
    assert "ManagementObjectNotFoundException" in detail(r)


def test_variant_errors_with_innererror_only(emu: Emulator, variant: Any):
    variant(errorDetails=False)
    r = invoke(emu, "Get-Mailbox", {"Identity": "nobody@northwindhealth.org"})
    error = r.json()["error"]
    assert r.status_code == 404 and "details" not in error
    internal = error["innererror"]["internalException"]
    assert internal["type"].endswith("ManagementObjectNotFoundException")
    assert "couldn't be found" in internal["message"]


def test_variant_permission_rows_without_sids(emu: Emulator, variant: Any):
    variant(permissionSids=False)
    ok(new_shared(emu))
    new_group(emu)
    add = {"Identity": "ward4", "User": "stm-nurses-mail", "AccessRights": ["FullAccess"]}
    [ace] = ok(invoke(emu, "Add-MailboxPermission", add))
    assert "UserSid" not in ace and ace["User"] == "STM-Nurses-Mail"
    rows = ok(invoke(emu, "Get-RecipientPermission", {"Identity": "ward4"}))
    assert all("TrusteeSidString" not in row for row in rows)
