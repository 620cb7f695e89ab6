"""Adoption of Team, MailSecurityGroup, SharedMailbox and GroupLicenseAssignment.

As in test_adoption: an object made by hand (straight through Graph or Exchange, not by
hcinfra) is adopted with no write; its outputs have every key a normal create records,
so a diff against the declaration is empty when the object matches it and an update (no
replacement) when one setting differs; no match is refused. Two matches are refused
naming both where the service lets two exist (see each kind).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml

from hcinfra.resources.adoption import ENV, NOT_FOUND, NotAdopted
from hcinfra.resources.directory import forget_users
from hcinfra.resources.group_license import GroupLicenseProvider
from hcinfra.resources.group_license.skus import forget_catalogs
from hcinfra.resources.mail_security_group import MailSecurityGroupProvider
from hcinfra.resources.mail_security_group.provider import GroupConflict
from hcinfra.resources.shared_mailbox import SharedMailboxProvider
from hcinfra.resources.shared_mailbox.provider import MailboxConflict
from hcinfra.resources.team import TeamProvider
from tests.emulator.harness import Emulator

NURSE, NURSE2 = "nurse001@northwindhealth.org", "nurse002@northwindhealth.org"
MANAGER = "claire.dubois@northwindhealth.org"
OBJECT = "https://graph.microsoft.com/v1.0/directoryObjects/"
BYPASS = {"BypassSecurityGroupManagerCheck": True}


@pytest.fixture(autouse=True)
def _fresh_catalog() -> None:
    """Each test reads the SKU catalog as a new provider process would."""
    forget_catalogs()


def user_id(emu: Emulator, upn: str) -> str:
    return str(emu.graph("GET", f"/users/{upn}").json()["id"])


def checked(p: Any, raw: dict[str, Any]) -> dict[str, Any]:
    result = p.check({}, raw)
    assert result.failures == [], result.failures
    return dict(result.inputs)


def adopt(p: Any, props: dict[str, Any], mp: pytest.MonkeyPatch) -> Any:
    with mp.context() as m:
        m.setenv(ENV, "1")
        return p.create(props)


def adopted_quietly(emu: Emulator, p: Any, props: dict[str, Any], mp: pytest.MonkeyPatch) -> Any:
    """Adopt, and check that adopting wrote nothing."""
    mark = emu.requests()["last"]
    made = adopt(p, props, mp)
    assert emu.requests(mark)["writes"] == 0
    return made


def created_keys(emu: Emulator, p: Any, props: dict[str, Any], prepare: Any = None) -> set[str]:
    """The output keys of a normal create of `props`, on the tenant reset to its seed."""
    emu.reset()
    forget_users()
    forget_catalogs()
    if prepare is not None:
        props = prepare(emu, props)
    return set(p.create(props).outs)


def refused_unmatched(emu: Emulator, p: Any, props: dict[str, Any], mp: pytest.MonkeyPatch) -> None:
    mark = emu.requests()["last"]
    with pytest.raises(NotAdopted, match=NOT_FOUND):
        adopt(p, props, mp)
    assert emu.requests(mark)["writes"] == 0


# -- Team: by its group's mailNickname ------------------------------------------------


def hand_made_team(
    emu: Emulator,
    nickname: str = "stm-ward-5",
    description: str = "Ward 5, Saint-Michel",
    archived: bool = False,
) -> str:
    """A Microsoft 365 group made a team (standard template) with one extra channel."""
    owner, nurse = user_id(emu, MANAGER), user_id(emu, NURSE)
    r = emu.graph(
        "POST",
        "/groups",
        json={
            "displayName": "STM Ward 5",
            "description": description,
            "mailNickname": nickname,
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "visibility": "Private",
            "owners@odata.bind": [OBJECT + owner],
            "members@odata.bind": [OBJECT + owner, OBJECT + nurse],
        },
    )
    assert r.status_code == 201, r.text
    gid = str(r.json()["id"])
    r = emu.graph("PUT", f"/groups/{gid}/team", json={})
    assert r.status_code == 201, r.text
    channel = {"displayName": "Night shift", "description": "Handover at 23:00"}
    r = emu.graph("POST", f"/teams/{gid}/channels", json=channel)
    assert r.status_code == 201, r.text
    if archived:
        assert emu.graph("POST", f"/teams/{gid}/archive", json={}).status_code == 202
    return gid


def team_inputs(p: TeamProvider, **extra: Any) -> dict[str, Any]:
    raw = {
        "display_name": "STM Ward 5",
        "description": "Ward 5, Saint-Michel",
        "mail_nickname": "stm-ward-5",
        "owners": [MANAGER],
        "members": [NURSE],
        "channels": [{"name": "Night shift", "description": "Handover at 23:00"}],
        **extra,
    }
    return checked(p, raw)


def test_a_hand_made_team_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = hand_made_team(tenant)
    p = TeamProvider()
    props = team_inputs(p)
    made = adopted_quietly(tenant, p, props, monkeypatch)
    outs = made.outs
    assert made.id == gid and outs["team_id"] == outs["group_id"] == gid
    assert outs["owners"] == [MANAGER] and outs["members"] == [NURSE]
    assert outs["member_ids"] == [user_id(tenant, NURSE)] and outs["archived"] is False
    assert set(outs["channel_ids"]) == {"General", "Night shift"}
    assert outs["web_url"] and outs["internal_id"] and outs["retained"]
    assert p.diff(gid, outs, props).changes is False
    assert set(outs) == created_keys(tenant, p, props)


def test_an_adopted_team_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = hand_made_team(tenant, description="Made by hand")
    p = TeamProvider()
    props = team_inputs(p)
    made = adopted_quietly(tenant, p, props, monkeypatch)
    planned = p.diff(gid, made.outs, props)
    assert planned.changes is True and not planned.replaces
    assert p.diff(gid, made.outs, team_inputs(p, description="Made by hand")).changes is False


def test_an_archived_hand_made_team_is_drift_not_a_replacement(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = hand_made_team(tenant, archived=True)
    p = TeamProvider()
    props = team_inputs(p)
    made = adopted_quietly(tenant, p, props, monkeypatch)
    assert made.outs["archived"] is True
    planned = p.diff(gid, made.outs, props)
    assert planned.changes is True and not planned.replaces
    # The update (after adopting) unarchives it in place.
    assert p.update(gid, made.outs, props).outs["archived"] is False
    assert tenant.graph("GET", f"/teams/{gid}").json()["isArchived"] is False


def test_no_live_team_is_refused(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    # Two teams cannot match: Graph refuses a second Microsoft 365 group of one
    # mailNickname (its proxyAddresses), so there is no ambiguous case to test.
    p = TeamProvider()
    props = team_inputs(p)
    refused_unmatched(tenant, p, props, monkeypatch)
    # A security group of that nickname is no team, and takes no address from it.
    tenant.make_group("stm-ward-5")
    refused_unmatched(tenant, p, props, monkeypatch)


def test_a_microsoft_365_group_without_a_team_is_refused_by_name(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    body = {
        "displayName": "STM Ward 5",
        "mailNickname": "stm-ward-5",
        "mailEnabled": True,
        "securityEnabled": False,
        "groupTypes": ["Unified"],
        "owners@odata.bind": [OBJECT + user_id(tenant, MANAGER)],
    }
    r = tenant.graph("POST", "/groups", json=body)
    assert r.status_code == 201, r.text
    p = TeamProvider()
    mark = tenant.requests()["last"]
    with pytest.raises(NotAdopted, match="but no team") as err:
        adopt(p, team_inputs(p), monkeypatch)
    assert r.json()["id"] in str(err.value)
    assert tenant.requests(mark)["writes"] == 0


# -- MailSecurityGroup: by its alias --------------------------------------------------

GROUP_ADDRESS = "stm-nurses-mail@stm.northwindhealth.org"


def hand_made_mail_group(
    emu: Emulator,
    members: list[str],
    name: str = "STM-Nurses-Mail",
    alias: str = "stm-nurses-mail",
    address: str = GROUP_ADDRESS,
) -> str:
    """A mail-enabled security group made in Exchange, hidden from address lists."""
    [made] = emu.exo(
        "New-DistributionGroup",
        Type="Security",
        Name=name,
        Alias=alias,
        PrimarySmtpAddress=address,
        Members=members,
        ManagedBy=[MANAGER],
    )
    emu.exo(
        "Set-DistributionGroup", Identity=made["Guid"], HiddenFromAddressListsEnabled=True, **BYPASS
    )
    return str(made["Guid"])


def mail_group_inputs(p: MailSecurityGroupProvider, **extra: Any) -> dict[str, Any]:
    raw = {
        "name": "STM-Nurses-Mail",
        "alias": "stm-nurses-mail",
        "primary_smtp_address": GROUP_ADDRESS,
        "members": [NURSE],
        "owners": [MANAGER],
        **extra,
    }
    return checked(p, raw)


def test_a_hand_made_mail_security_group_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    guid = hand_made_mail_group(tenant, [NURSE])
    p = MailSecurityGroupProvider()
    props = mail_group_inputs(p)
    made = adopted_quietly(tenant, p, props, monkeypatch)
    [group] = tenant.exo("Get-DistributionGroup", Identity=guid)
    assert made.id == guid and made.outs["object_id"] == group["ExternalDirectoryObjectId"]
    assert made.outs["members"] == [NURSE] and made.outs["hidden"] is True
    assert p.diff(guid, made.outs, props).changes is False
    assert set(made.outs) == created_keys(tenant, p, props)


def test_an_adopted_mail_security_group_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    guid = hand_made_mail_group(tenant, [NURSE, NURSE2])
    p = MailSecurityGroupProvider()
    props = mail_group_inputs(p)
    made = adopt(p, props, monkeypatch)
    planned = p.diff(guid, made.outs, props)
    assert planned.changes is True and not planned.replaces
    assert p.diff(guid, made.outs, mail_group_inputs(p, members=[NURSE, NURSE2])).changes is False
    # Shown in address lists by hand: drift too, repaired in place.
    tenant.exo(
        "Set-DistributionGroup", Identity=guid, HiddenFromAddressListsEnabled=False, **BYPASS
    )
    shown = adopt(p, mail_group_inputs(p, members=[NURSE, NURSE2]), monkeypatch)
    planned = p.diff(guid, shown.outs, mail_group_inputs(p, members=[NURSE, NURSE2]))
    assert planned.changes is True and not planned.replaces


def test_no_live_mail_security_group_is_refused(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    # Two groups cannot match: an alias is also an address at the tenant's initial
    # domain, which Exchange gives one recipient, so there is no ambiguous case to test.
    p = MailSecurityGroupProvider()
    refused_unmatched(tenant, p, mail_group_inputs(p), monkeypatch)


def test_an_identity_naming_two_groups_finds_the_one_of_that_alias(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    guid = hand_made_mail_group(tenant, [NURSE], name="STM Nurses")
    # Another group whose name is the alias: Get-DistributionGroup -Identity is ambiguous.
    hand_made_mail_group(
        tenant, [], name="stm-nurses-mail", alias="other", address="other@stm.northwindhealth.org"
    )
    p = MailSecurityGroupProvider()
    made = adopted_quietly(tenant, p, mail_group_inputs(p, name="STM Nurses"), monkeypatch)
    assert made.id == guid


def test_a_group_of_that_alias_with_another_name_is_refused(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    guid = hand_made_mail_group(tenant, [NURSE], name="STM Nurses")
    p = MailSecurityGroupProvider()
    mark = tenant.requests()["last"]
    with pytest.raises(GroupConflict, match="its name is 'STM Nurses'") as err:
        adopt(p, mail_group_inputs(p), monkeypatch)
    assert guid in str(err.value)
    assert tenant.requests(mark)["writes"] == 0


# -- SharedMailbox: by its primary SMTP address ---------------------------------------

MAILBOX_ADDRESS = "ward4@stm.northwindhealth.org"


def hand_made_shared_mailbox(emu: Emulator, full: list[str], send: list[str]) -> str:
    """A shared mailbox made in Exchange, its sign-in blocked in Graph, with grants."""
    [made] = emu.exo(
        "New-Mailbox",
        Shared=True,
        Name="STM Ward 4",
        Alias="stm-ward4",
        PrimarySmtpAddress=MAILBOX_ADDRESS,
        DisplayName="STM Ward 4 nursing station",
    )
    guid = str(made["Guid"])
    for user in full:
        emu.exo(
            "Add-MailboxPermission",
            Identity=guid,
            User=user,
            AccessRights=["FullAccess"],
            InheritanceType="All",
            AutoMapping=False,
        )
    for trustee in send:
        emu.exo(
            "Add-RecipientPermission",
            Identity=guid,
            Trustee=trustee,
            AccessRights=["SendAs"],
            Confirm=False,
        )
    uid = made["ExternalDirectoryObjectId"]
    r = emu.graph("PATCH", f"/users/{uid}", json={"accountEnabled": False})
    assert r.status_code == 204, r.text
    return guid


def nurses_group(emu: Emulator) -> str:
    """A mail-enabled security group, the kind of principal Exchange grants to; its id."""
    [made] = emu.exo(
        "New-DistributionGroup", Name="STM-Ward4-Nurses", Alias="stm-ward4-nurses", Type="Security"
    )
    return str(made["ExternalDirectoryObjectId"])


def mailbox_inputs(p: SharedMailboxProvider, nurses: str, **extra: Any) -> dict[str, Any]:
    raw = {
        "name": "STM Ward 4",
        "alias": "stm-ward4",
        "primary_smtp_address": MAILBOX_ADDRESS,
        "display_name": "STM Ward 4 nursing station",
        # The group by its object id, as a stack names it; Exchange shows its name.
        "full_access": [MANAGER, nurses],
        "send_as": [nurses],
        **extra,
    }
    return checked(p, raw)


def test_a_hand_made_shared_mailbox_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    nurses = nurses_group(tenant)
    guid = hand_made_shared_mailbox(tenant, [MANAGER, "STM-Ward4-Nurses"], ["STM-Ward4-Nurses"])
    p = SharedMailboxProvider()
    props = mailbox_inputs(p, nurses)
    made = adopted_quietly(tenant, p, props, monkeypatch)
    outs = made.outs
    assert made.id == guid and outs["mailbox_guid"] == guid
    assert outs["full_access"] == [MANAGER, nurses] and outs["send_as"] == [nurses]
    assert outs["sign_in_blocked"] is True and outs["recipient_type_details"] == "SharedMailbox"
    assert set(outs["resolved"]) == {MANAGER, nurses} and outs["retained"] is True
    assert p.diff(guid, outs, props).changes is False

    def prepare(emu: Emulator, props: dict[str, Any]) -> dict[str, Any]:
        return mailbox_inputs(p, nurses_group(emu))

    assert set(outs) == created_keys(tenant, p, props, prepare)


def test_an_adopted_shared_mailbox_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    nurses = nurses_group(tenant)
    guid = hand_made_shared_mailbox(tenant, [MANAGER, "STM-Ward4-Nurses"], [])
    p = SharedMailboxProvider()
    props = mailbox_inputs(p, nurses)
    made = adopt(p, props, monkeypatch)
    planned = p.diff(guid, made.outs, props)
    assert planned.changes is True and not planned.replaces
    assert p.diff(guid, made.outs, mailbox_inputs(p, nurses, send_as=[])).changes is False


def test_no_live_shared_mailbox_is_refused(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    # Two mailboxes cannot match: Exchange gives an address to one recipient only, so
    # there is no ambiguous case to test.
    p = SharedMailboxProvider()
    refused_unmatched(tenant, p, mailbox_inputs(p, nurses_group(tenant)), monkeypatch)


def test_a_persons_mailbox_at_the_address_is_refused(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    # The address of a user mailbox: no shared mailbox to adopt, and none can be made.
    p = SharedMailboxProvider()
    props = mailbox_inputs(p, nurses_group(tenant), primary_smtp_address=NURSE)
    mark = tenant.requests()["last"]
    with pytest.raises(MailboxConflict, match="belongs to a UserMailbox"):
        adopt(p, props, monkeypatch)
    assert tenant.requests(mark)["writes"] == 0


@pytest.fixture(params=["400-not-found", "no-sids", "innererror"])
def variant(request: pytest.FixtureRequest, tenant: Emulator) -> Iterator[Emulator]:
    """The emulator in each unverified Exchange answer shape (see docs/emulator.md)."""
    shapes = {
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


def test_exchange_kinds_adopt_in_each_answer_shape(
    variant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    p = SharedMailboxProvider()
    nurses = nurses_group(variant)
    props = mailbox_inputs(p, nurses)
    refused_unmatched(variant, p, props, monkeypatch)
    guid = hand_made_shared_mailbox(variant, [MANAGER, "STM-Ward4-Nurses"], ["STM-Ward4-Nurses"])
    made = adopted_quietly(variant, p, props, monkeypatch)
    assert made.id == guid and p.diff(guid, made.outs, props).changes is False
    g = MailSecurityGroupProvider()
    declared = mail_group_inputs(g, name="STM Nurses")
    refused_unmatched(variant, g, declared, monkeypatch)
    group = hand_made_mail_group(variant, [NURSE], name="STM Nurses")
    hand_made_mail_group(
        variant, [], name="stm-nurses-mail", alias="other", address="other@stm.northwindhealth.org"
    )
    assert adopted_quietly(variant, g, declared, monkeypatch).id == group


# -- GroupLicenseAssignment: by its group ---------------------------------------------


def licensed_group(emu: Emulator, disabled: list[str]) -> str:
    """A security group of two nurses, given SPE_F1 by hand (with `disabled` plans off)."""
    gid = emu.make_group("stm-nurses", [user_id(emu, NURSE), user_id(emu, NURSE2)])
    skus = {s["skuPartNumber"]: s for s in emu.graph("GET", "/subscribedSkus").json()["value"]}
    sku = skus["SPE_F1"]
    plans = {p["servicePlanName"]: p["servicePlanId"] for p in sku["servicePlans"]}
    add = [{"skuId": sku["skuId"], "disabledPlans": [plans[n] for n in disabled]}]
    r = emu.graph(
        "POST", f"/groups/{gid}/assignLicense", json={"addLicenses": add, "removeLicenses": []}
    )
    assert r.is_success, r.text
    return gid


def licence_inputs(p: GroupLicenseProvider, gid: str, **extra: Any) -> dict[str, Any]:
    raw = {"group_id": gid, "skus": [{"sku": "SPE_F1", "disabled_plans": ["TEAMS1"]}], **extra}
    return checked(p, raw)


def test_a_hand_made_group_licence_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = licensed_group(tenant, ["TEAMS1"])
    p = GroupLicenseProvider()
    props = licence_inputs(p, gid)
    made = adopted_quietly(tenant, p, props, monkeypatch)
    outs = made.outs
    assert made.id == gid and outs["group_id"] == gid
    assert outs["skus"] == [{"sku": "SPE_F1", "disabled_plans": ["TEAMS1"]}]
    assert set(outs["sku_ids"]) == {"SPE_F1"} and outs["unmanaged_skus"] == []
    assert p.diff(gid, outs, props).changes is False

    def prepare(emu: Emulator, props: dict[str, Any]) -> dict[str, Any]:
        group = emu.make_group("stm-nurses", [user_id(emu, NURSE)])
        return licence_inputs(p, group)

    assert set(outs) == created_keys(tenant, p, props, prepare)


def test_an_adopted_group_licence_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = licensed_group(tenant, [])  # Teams left on by hand
    p = GroupLicenseProvider()
    props = licence_inputs(p, gid)
    made = adopt(p, props, monkeypatch)
    planned = p.diff(gid, made.outs, props)
    assert planned.changes is True and not planned.replaces
    plain = licence_inputs(p, gid, skus=[{"sku": "SPE_F1"}])
    assert p.diff(gid, made.outs, plain).changes is False


def test_no_live_group_for_a_licence_is_refused(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    # One group has one set of licences: the group id names it, so two cannot match.
    p = GroupLicenseProvider()
    props = licence_inputs(p, "00000000-0000-4000-8000-000000000001")
    refused_unmatched(tenant, p, props, monkeypatch)
