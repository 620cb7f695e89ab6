"""SharedMailbox's provider against the emulator: create, adopt, refuse, drift, retain, delete."""

from __future__ import annotations

from typing import Any

import pytest

from hcinfra.clients import connection
from hcinfra.clients.errors import PermissionDenied, TenantError
from hcinfra.resources.shared_mailbox import SharedMailboxProvider
from hcinfra.resources.shared_mailbox.provider import MailboxConflict
from tests.emulator.harness import (
    AUDITOR_APP,
    AUDITOR_SECRET,
    GRAPH_SCOPE,
    Emulator,
)
from tests.resources.conftest import configure_for
from tests.resources.exchange_spy import cmdlets

MANAGER = "claire.dubois@northwindhealth.org"
OTHER = "marc.tremblay@northwindhealth.org"
NURSES = "STM-Ward4-Nurses"
ADDRESS = "ward4@stm.northwindhealth.org"
INVOKE = "/adminapi/beta/{tenant}/InvokeCommand"


def make_group(emu: Emulator, name: str = NURSES) -> str:
    """A mail-enabled security group made in Exchange (the principals Exchange accepts)."""
    [made] = emu.exo("New-DistributionGroup", Name=name, Alias=name.lower(), Type="Security")
    return str(made["ExternalDirectoryObjectId"])


def account_enabled(emu: Emulator, uid: str) -> bool:
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        return c.get(f"/v1.0/users/{uid}?$select=accountEnabled").json()["accountEnabled"]


def set_enabled(emu: Emulator, uid: str, enabled: bool) -> None:
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        c.patch(f"/v1.0/users/{uid}", json={"accountEnabled": enabled}).raise_for_status()


def holders(emu: Emulator, guid: str) -> tuple[set[str], set[str]]:
    """Who holds FullAccess and SendAs, as Exchange names them (without NT AUTHORITY\\SELF)."""
    full = {r["User"] for r in emu.exo("Get-MailboxPermission", Identity=guid)}
    send = {r["Trustee"] for r in emu.exo("Get-RecipientPermission", Identity=guid)}
    return full - {"NT AUTHORITY\\SELF"}, send - {"NT AUTHORITY\\SELF"}


def snapshot(emu: Emulator) -> dict:
    state = emu.admin("GET", "state").json()
    return {k: state.get(k) for k in ("exo.mailbox", "exo.acl", "user")}


def inputs(**extra: Any) -> dict:
    base = {
        "name": "STM Ward 4",
        "alias": "stm-ward4",
        "primary_smtp_address": ADDRESS,
        "display_name": "STM Ward 4 nursing station",
        "full_access": [MANAGER, NURSES],
        "send_as": [NURSES],
    }
    return {**base, **extra}


def checked(p: SharedMailboxProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def test_create_makes_the_mailbox_blocks_sign_in_and_grants(tenant: Emulator):
    make_group(tenant)
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs()))
    [mailbox] = tenant.exo("Get-Mailbox", Identity=ADDRESS)
    assert made.id == mailbox["Guid"] and mailbox["RecipientTypeDetails"] == "SharedMailbox"
    assert mailbox["DisplayName"] == "STM Ward 4 nursing station"
    uid = made.outs["external_directory_object_id"]
    assert uid == mailbox["ExternalDirectoryObjectId"]
    assert account_enabled(tenant, uid) is False and made.outs["sign_in_blocked"] is True
    assert holders(tenant, made.id) == ({MANAGER, NURSES}, {NURSES})
    assert set(made.outs["resolved"]) == {MANAGER, NURSES}
    assert len(made.outs["full_access_sids"]) == 2 and len(made.outs["send_as_sids"]) == 1
    assert made.outs["retained"] is True
    acl = tenant.admin("GET", "state").json()["exo.acl"][made.id]
    assert {e["autoMapping"] for e in acl["fullAccess"]} == {False}
    read = p.read(made.id, made.outs)
    assert p.diff(made.id, read.outs, checked(p, inputs())).changes is False


def test_create_runs_new_and_the_grants_only(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    make_group(tenant)
    p = SharedMailboxProvider()
    ran = cmdlets(monkeypatch)
    since = tenant.requests()["last"]
    p.create(checked(p, inputs()))
    # No Get before New (its 400 tells a retry), none after it (its answer is the mailbox),
    # and no permission read on a mailbox that has no grant yet.
    assert ran == [
        "New-Mailbox",
        "Add-MailboxPermission",
        "Add-MailboxPermission",
        "Add-RecipientPermission",
    ]
    graph = [
        (e["method"], e["route"])
        for e in tenant.requests(since)["entries"]
        if "/adminapi/" not in e["path"] and "/oauth2/" not in e["path"]
    ]
    assert graph == [("PATCH", "/users/{ident}")]  # sign-in blocked


def test_create_after_a_lost_response_adopts_the_mailbox(tenant: Emulator):
    make_group(tenant)
    # The first cmdlet, New-Mailbox, is handled and its answer lost; the client sends it
    # again and Exchange answers that the address is taken.
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": "POST /adminapi/*", "dropResponse": 1, "limit": 1}]},
    )
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs()))
    counts = {(c["route"], c["status"]) for c in tenant.requests()["counts"]}
    assert (INVOKE, 400) in counts  # the repeated New-Mailbox was refused, then adopted
    mailboxes = tenant.admin("GET", "state").json()["exo.mailbox"]
    assert list(mailboxes) == [made.id]
    assert holders(tenant, made.id) == ({MANAGER, NURSES}, {NURSES})


def test_create_adopts_a_shared_mailbox_made_by_an_earlier_attempt(tenant: Emulator):
    make_group(tenant)
    [earlier] = tenant.exo(
        "New-Mailbox", Shared=True, Name="STM Ward 4", Alias="stm-ward4",
        PrimarySmtpAddress=ADDRESS,
    )  # fmt: skip
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs()))
    assert made.id == earlier["Guid"]
    assert len(tenant.admin("GET", "state").json()["exo.mailbox"]) == 1
    assert account_enabled(tenant, earlier["ExternalDirectoryObjectId"]) is False


def test_create_refuses_a_user_mailbox_and_changes_nothing(tenant: Emulator):
    p = SharedMailboxProvider()
    raw = checked(
        p,
        inputs(
            primary_smtp_address="nurse001@northwindhealth.org",
            full_access=[MANAGER],
            send_as=[],
        ),
    )
    before = snapshot(tenant)
    with pytest.raises(MailboxConflict) as err:
        p.create(raw)
    assert "UserMailbox" in str(err.value) and "nothing was changed" in str(err.value)
    assert snapshot(tenant) == before


def test_create_refuses_a_shared_mailbox_with_another_alias(tenant: Emulator):
    tenant.exo("New-Mailbox", Shared=True, Name="Ward 4", Alias="ward4", PrimarySmtpAddress=ADDRESS)
    p = SharedMailboxProvider()
    before = snapshot(tenant)
    with pytest.raises(MailboxConflict) as err:
        p.create(checked(p, inputs(full_access=[], send_as=[])))
    assert "alias is 'ward4'" in str(err.value)
    assert snapshot(tenant) == before


def test_an_address_outside_the_tenant_fails_at_create(tenant: Emulator):
    p = SharedMailboxProvider()
    raw = checked(p, inputs(primary_smtp_address="ward4@contoso.com", full_access=[], send_as=[]))
    with pytest.raises(TenantError) as err:
        p.create(raw)
    assert "isn't an accepted domain" in str(err.value)
    assert not tenant.admin("GET", "state").json().get("exo.mailbox")


def test_read_shows_drift_and_update_repairs_it(tenant: Emulator):
    make_group(tenant)
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs()))
    uid = made.outs["external_directory_object_id"]
    tenant.exo("Add-MailboxPermission", Identity=made.id, User=OTHER, AccessRights=["FullAccess"])
    tenant.exo("Add-RecipientPermission", Identity=made.id, Trustee=OTHER, AccessRights=["SendAs"])
    tenant.exo("Set-Mailbox", Identity=made.id, DisplayName="Renamed by hand")
    set_enabled(tenant, uid, True)
    read = p.read(made.id, made.outs)
    assert read.outs["full_access"] == [MANAGER, NURSES, OTHER]
    assert read.outs["send_as"] == [NURSES, OTHER]
    assert read.outs["display_name"] == "Renamed by hand"
    assert read.outs["sign_in_blocked"] is False
    diff = p.diff(made.id, read.outs, checked(p, inputs()))
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, checked(p, inputs()))
    assert holders(tenant, made.id) == ({MANAGER, NURSES}, {NURSES})
    assert account_enabled(tenant, uid) is False
    again = p.read(made.id, made.outs)
    assert again.outs["display_name"] == "STM Ward 4 nursing station"
    assert p.diff(made.id, again.outs, checked(p, inputs())).changes is False


def test_sign_in_re_enabled_alone_is_drift(tenant: Emulator):
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs(full_access=[], send_as=[])))
    set_enabled(tenant, made.outs["external_directory_object_id"], True)
    read = p.read(made.id, made.outs)
    assert p.diff(made.id, read.outs, checked(p, inputs(full_access=[], send_as=[]))).changes


def test_a_mailbox_converted_by_hand_is_converted_back(tenant: Emulator):
    p = SharedMailboxProvider()
    declared = checked(p, inputs(full_access=[], send_as=[]))
    made = p.create(declared)
    tenant.exo("Set-Mailbox", Identity=made.id, Type="Regular")
    read = p.read(made.id, made.outs)
    assert read.outs["recipient_type_details"] == "UserMailbox"
    assert p.diff(made.id, read.outs, declared).changes
    p.update(made.id, read.outs, declared)
    [mailbox] = tenant.exo("Get-Mailbox", Identity=made.id)
    assert mailbox["RecipientTypeDetails"] == "SharedMailbox"


def test_update_changes_grants_display_name_and_auto_mapping(tenant: Emulator):
    group = make_group(tenant)
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs()))
    new = checked(
        p,
        inputs(display_name=None, full_access=[group, OTHER], send_as=[MANAGER], auto_mapping=True),
    )
    out = p.update(made.id, made.outs, new)
    assert holders(tenant, made.id) == ({NURSES, OTHER}, {MANAGER})
    [mailbox] = tenant.exo("Get-Mailbox", Identity=made.id)
    assert mailbox["DisplayName"] == "STM Ward 4"
    acl = tenant.admin("GET", "state").json()["exo.acl"][made.id]
    assert {e["autoMapping"] for e in acl["fullAccess"]} == {True}
    read = p.read(made.id, out.outs)
    assert read.outs["full_access"] == [group, OTHER] and read.outs["display_name"] is None
    assert p.diff(made.id, read.outs, new).changes is False


def test_new_address_alias_or_name_is_a_replacement_made_first(tenant: Emulator):
    p = SharedMailboxProvider()
    old = checked(p, inputs())
    for change in ({"alias": "ward-4"}, {"name": "Ward 4"}, {"primary_smtp_address": "w4@x.org"}):
        diff = p.diff("x", old, {**old, **change})
        assert diff.replaces == list(change) and diff.delete_before_replace is False
    assert p.diff("x", old, {**old, "display_name": "Ward 4"}).replaces == []
    assert tenant.requests()["total"] == 0


def test_delete_keeps_the_mailbox_by_default(tenant: Emulator):
    make_group(tenant)
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs()))
    since = tenant.requests()["last"]
    before = snapshot(tenant)
    p.delete(made.id, made.outs)
    assert tenant.requests(since)["total"] == 0  # nothing sent: nothing removed
    assert snapshot(tenant) == before
    assert holders(tenant, made.id) == ({MANAGER, NURSES}, {NURSES})


def test_delete_with_allow_data_deletion_removes_the_mailbox(tenant: Emulator):
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs(full_access=[MANAGER], send_as=[], allow_data_deletion=True)))
    assert made.outs["retained"] is False
    p.delete(made.id, made.outs)
    assert p.read(made.id, made.outs).id is None
    [gone] = tenant.exo("Get-Mailbox", Identity=made.id, SoftDeletedMailbox=True)
    assert gone["IsSoftDeletedByRemove"] is True
    p.delete(made.id, made.outs)  # already gone: fine


def test_new_mailbox_user_not_yet_in_graph_is_waited_for(tenant: Emulator):
    tenant.admin(
        "PUT", "faults", json={"rules": [{"match": "POST /adminapi/*", "consistencyMs": 2500}]}
    )
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs(full_access=[MANAGER], send_as=[])))
    counts = {(c["method"], c["route"], c["status"]) for c in tenant.requests()["counts"]}
    assert ("PATCH", "/users/{ident}", 404) in counts
    assert account_enabled(tenant, made.outs["external_directory_object_id"]) is False


def test_throttling_is_retried_after_retry_after(tenant: Emulator):
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": "POST /adminapi/*", "throttle": 1, "retryAfter": 1, "limit": 2}]},
    )
    p = SharedMailboxProvider()
    made = p.create(checked(p, inputs(full_access=[MANAGER], send_as=[])))
    assert made.outs["sign_in_blocked"] is True
    statuses = {(c["route"], c["status"]) for c in tenant.requests()["counts"]}
    assert (INVOKE, 429) in statuses and (INVOKE, 200) in statuses


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"primary_smtp_address": "ward4"}, "primary_smtp_address"),
        ({"primary_smtp_address": "ward 4@stm.northwindhealth.org"}, "primary_smtp_address"),
        ({"primary_smtp_address": "ward4@northwindhealth"}, "primary_smtp_address"),
        ({"primary_smtp_address": ".ward4@stm.northwindhealth.org"}, "primary_smtp_address"),
        ({"alias": ".ward4"}, "alias"),
        ({"alias": "ward4."}, "alias"),
        ({"alias": "ward..4"}, "alias"),
        ({"alias": "ward 4"}, "alias"),
        ({"alias": "ward(4)"}, "alias"),
        ({"alias": "w" * 65}, "alias"),
        ({"name": "n" * 65}, "name"),
        ({"name": ""}, "name"),
        ({"full_access": [MANAGER, MANAGER.upper()]}, "full_access"),
        ({"send_as": ["claire@"]}, "send_as"),
        ({"send_as": [" "]}, "send_as"),
        ({"auto_mapping": "sometimes"}, "auto_mapping"),
        ({"quota": "50GB"}, "quota"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = SharedMailboxProvider()
    result = p.check({}, inputs(**change))
    assert [f.property for f in result.failures] == [field]
    assert tenant.requests()["total"] == 0


def test_check_lists_every_problem(tenant: Emulator):
    p = SharedMailboxProvider()
    result = p.check({}, inputs(alias="a..b", primary_smtp_address="x@", send_as=[" x"]))
    assert {f.property for f in result.failures} == {"alias", "primary_smtp_address", "send_as"}
    assert tenant.requests()["total"] == 0


def test_permission_denied_names_the_permission(emu: Emulator):
    configure_for(emu, AUDITOR_APP, AUDITOR_SECRET)
    try:
        p = SharedMailboxProvider()
        with pytest.raises(PermissionDenied) as err:
            p.create(checked(p, inputs(full_access=[], send_as=[])))
        message = str(err.value)
        assert "SharedMailbox needs" in message and "Exchange.ManageAsApp" in message
        assert "the Exchange Administrator role" in message
    finally:
        connection.configure({})
