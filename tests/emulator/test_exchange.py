"""The Exchange admin API (InvokeCommand): shared mailboxes, permissions, and Exchange's errors."""

from __future__ import annotations

from importlib import resources
from typing import Any

import httpx
import pytest
import yaml

from tests.emulator.harness import (
    AUDITOR_APP,
    AUDITOR_SECRET,
    EXCHANGE_SCOPE,
    GRAPH_SCOPE,
    HCINFRA_APP,
    HCINFRA_SECRET,
    UNPRIVILEGED_APP,
    UNPRIVILEGED_SECRET,
    Emulator,
)

NURSE = "nurse001@northwindhealth.org"
NOT_FOUND = "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|"


def invoke(
    emu: Emulator,
    cmdlet: str,
    params: dict[str, Any] | None = None,
    *,
    app: str = HCINFRA_APP,
    secret: str = HCINFRA_SECRET,
    url: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST one cmdlet to InvokeCommand, as the ExchangeOnlineManagement module does."""
    with emu.client() as c:
        return c.post(
            url or f"/adminapi/beta/{emu.tenant_id}/InvokeCommand",
            headers={
                **emu.headers(EXCHANGE_SCOPE, app, secret),
                "X-AnchorMailbox": f"APP:SystemMailbox{{bb558c35-97f1-4cb9-8ff7-d53741dc928c}}"
                f"@{emu.tenant_id}",
                **(headers or {}),
            },
            json={"CmdletInput": {"CmdletName": cmdlet, "Parameters": params or {}}},
        )


def ok(r: httpx.Response) -> list[dict[str, Any]]:
    """The value of a successful answer."""
    assert r.status_code == 200, r.text
    return r.json()["value"]


def detail(r: httpx.Response) -> str:
    """The `<id>|<exception>|<text>` message of a cmdlet error."""
    body = r.json()
    assert body["error"]["message"] == "Error executing cmdlet"
    assert body["error"]["details"][0]["code"] == "Client"
    return body["error"]["details"][0]["message"]


def new_shared(emu: Emulator, name: str = "Ward 4 Nursing", **params: Any) -> httpx.Response:
    """New-Mailbox -Shared with the usual parameters."""
    alias = params.pop("Alias", "ward4")
    body = {
        "Shared": True,
        "Name": name,
        "DisplayName": params.pop("DisplayName", name),
        "Alias": alias,
        "PrimarySmtpAddress": params.pop("PrimarySmtpAddress", f"{alias}@northwindhealth.org"),
        **params,
    }
    return invoke(emu, "New-Mailbox", body)


def state(emu: Emulator) -> dict[str, dict[str, Any]]:
    """The emulator's whole store."""
    return emu.admin("GET", "state").json()


def counts(emu: Emulator) -> tuple[int, int, int]:
    """How many users, Exchange mailbox documents and access lists are stored."""
    s = state(emu)
    return len(s.get("user", {})), len(s.get("exo.mailbox", {})), len(s.get("exo.acl", {}))


def graph_get(emu: Emulator, path: str) -> httpx.Response:
    with emu.client() as c:
        return c.get(f"/v1.0/{path}", headers=emu.headers(GRAPH_SCOPE))


def make_group(emu: Emulator, name: str) -> dict[str, Any]:
    """A mail-enabled security group made in Exchange, as Graph shows it."""
    params = {"Name": name, "Alias": name.replace(" ", "").lower(), "Type": "Security"}
    [made] = ok(invoke(emu, "New-DistributionGroup", params))
    r = graph_get(emu, f"groups/{made['ExternalDirectoryObjectId']}")
    assert r.status_code == 200, r.text
    return r.json()


def make_graph_group(emu: Emulator, name: str) -> dict[str, Any]:
    """A cloud security group made through Graph: not mail-enabled."""
    with emu.client() as c:
        r = c.post(
            "/v1.0/groups",
            headers=emu.headers(GRAPH_SCOPE),
            json={
                "displayName": name,
                "mailNickname": name.replace(" ", "").lower(),
                "mailEnabled": False,
                "securityEnabled": True,
            },
        )
    assert r.status_code == 201, r.text
    return r.json()


# Route, tenant, token and permission checks ---------------------------------------------


def test_app_without_manage_as_app_gets_401_with_an_error_body(emu: Emulator):
    for app, secret in ((AUDITOR_APP, AUDITOR_SECRET), (UNPRIVILEGED_APP, UNPRIVILEGED_SECRET)):
        r = invoke(emu, "Get-Mailbox", app=app, secret=secret)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "Unauthorized"
        assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_manage_as_app_without_exchange_admin_role_gets_403_with_no_body(emu: Emulator):
    seed = yaml.safe_load(
        resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
    )
    original = yaml.safe_dump(seed)
    seed["apps"].append(
        {
            "clientId": "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "displayName": "no-exchange-role",
            "clientSecret": "emulator-only-no-role-secret",
            "exchangePermissions": ["Exchange.ManageAsApp"],
            "directoryRoles": ["Teams Administrator"],
        }
    )
    emu.admin("POST", "seed", content=yaml.safe_dump(seed)).raise_for_status()
    try:
        r = invoke(
            emu,
            "Get-Mailbox",
            app="5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            secret="emulator-only-no-role-secret",
        )
        assert r.status_code == 403 and r.content == b""
    finally:
        emu.admin("POST", "seed", content=original).raise_for_status()


def test_graph_token_is_refused(emu: Emulator):
    with emu.client() as c:
        r = c.post(
            f"/adminapi/beta/{emu.tenant_id}/InvokeCommand",
            headers=emu.headers(GRAPH_SCOPE),
            json={"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {}}},
        )
    assert r.status_code == 401 and "www-authenticate" in r.headers


def test_unknown_cmdlet_is_403_with_no_body(emu: Emulator):
    r = invoke(emu, "Get-Mailboxx")
    assert r.status_code == 403 and r.content == b""


def test_only_beta_answers_and_tenant_must_be_known(emu: Emulator):
    r = invoke(emu, "Get-Mailbox", url=f"/adminapi/v1.0/{emu.tenant_id}/InvokeCommand")
    assert r.status_code == 404
    r = invoke(emu, "Get-Mailbox", url="/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand")
    assert r.status_code == 404
    r = invoke(emu, "Get-Mailbox", url="/adminapi/beta/northwindhealth.org/InvokeCommand")
    assert r.status_code == 200
    with emu.client() as c:
        r = c.get(
            f"/adminapi/beta/{emu.tenant_id}/InvokeCommand", headers=emu.headers(EXCHANGE_SCOPE)
        )
    assert r.status_code == 405


def test_body_without_cmdlet_input_is_400(emu: Emulator):
    with emu.client() as c:
        r = c.post(
            f"/adminapi/beta/{emu.tenant_id}/InvokeCommand",
            headers=emu.headers(EXCHANGE_SCOPE),
            json={"CmdletName": "Get-Mailbox"},
        )
    assert r.status_code == 400


# New-Mailbox ------------------------------------------------------------------------------


def test_new_mailbox_creates_shared_mailbox_and_linked_graph_user(emu: Emulator):
    r = new_shared(emu)
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"] == (
        f"{emu.url}/adminapi/beta/{emu.tenant_id}/$metadata#Collection(Exchange.GenericHashTable)"
    )
    assert body["@adminapi.warnings"] == []
    [mbx] = body["value"]
    assert mbx["Name"] == "Ward 4 Nursing" and mbx["Alias"] == "ward4"
    assert mbx["PrimarySmtpAddress"] == "ward4@northwindhealth.org"
    assert "SMTP:ward4@northwindhealth.org" in mbx["EmailAddresses"]
    assert mbx["RecipientType"] == "UserMailbox"
    assert mbx["RecipientTypeDetails"] == "SharedMailbox"
    assert mbx["UserPrincipalName"] == "ward4@northwindhealth.org"
    assert mbx["HiddenFromAddressListsEnabled"] is False
    assert mbx["Guid"] != mbx["ExchangeGuid"]
    assert mbx["WhenCreated"].endswith("Z")

    user = graph_get(
        emu,
        f"users/{mbx['ExternalDirectoryObjectId']}?$select=id,accountEnabled,"
        "userType,mail,mailNickname,userPrincipalName,displayName",
    )
    assert user.status_code == 200, user.text
    doc = user.json()
    assert doc["accountEnabled"] is True  # sign-in is not blocked: tools block it via Graph
    assert doc["userType"] == "Member" and doc["mail"] == "ward4@northwindhealth.org"
    assert doc["mailNickname"] == "ward4" and doc["displayName"] == "Ward 4 Nursing"
    stored = state(emu)["user"][mbx["ExternalDirectoryObjectId"]]
    assert stored["_mailboxType"] == "SharedMailbox" and stored["assignedLicenses"] == []
    assert stored["usageLocation"] is None and stored["createdDateTime"].endswith("Z")


def test_new_mailbox_defaults_alias_address_and_display_name(emu: Emulator):
    [mbx] = ok(invoke(emu, "New-Mailbox", {"Shared": True, "Name": "Pharmacy Desk"}))
    assert mbx["Alias"] == "PharmacyDesk" and mbx["DisplayName"] == "Pharmacy Desk"
    assert mbx["PrimarySmtpAddress"] == "PharmacyDesk@northwindhealth.onmicrosoft.com"


@pytest.mark.parametrize(
    ("params", "exception", "text"),
    [
        # Another recipient's address (a seeded Graph user).
        (
            {"Name": "Nurse Desk", "Alias": "nursedesk", "PrimarySmtpAddress": NURSE},
            "ProxyAddressExistsException",
            f'The proxy address "SMTP:{NURSE}" is already being used',
        ),
        # An alias that is taken: its address at the initial domain clashes.
        (
            {
                "Name": "Nurse Desk",
                "Alias": "nurse001",
                "PrimarySmtpAddress": "nd@northwindhealth.org",
            },
            "ProxyAddressExistsException",
            "smtp:nurse001@northwindhealth.onmicrosoft.com",
        ),
        # A name another recipient has.
        (
            {"Name": "nurse001", "Alias": "nd2", "PrimarySmtpAddress": "nd2@northwindhealth.org"},
            "ADObjectAlreadyExistsException",
            'The name "nurse001" is already being used. Please try another name.',
        ),
        (
            {"Name": "Desk", "Alias": "desk", "PrimarySmtpAddress": "desk@contoso.com"},
            "NotAcceptedDomainException",
            "contoso.com",
        ),
        (
            {"Name": "Desk", "Alias": "desk", "Colour": "blue"},
            "ParameterBindingException",
            "A parameter cannot be found that matches parameter name 'Colour'.",
        ),
        (
            {"Alias": "desk"},
            "ParameterBindingException",
            "missing mandatory parameters: Name.",
        ),
        (
            {"Name": "Desk", "Alias": "front desk"},
            "DataValidationException",
            'Property expression "front desk" isn\'t valid.',
        ),
        (
            {"Name": "Desk", "PrimarySmtpAddress": "not-an-address"},
            "ParameterBindingArgumentTransformationException",
            "Cannot process argument transformation on parameter 'PrimarySmtpAddress'.",
        ),
    ],
)
def test_new_mailbox_refusals_store_nothing(
    emu: Emulator, params: dict[str, Any], exception: str, text: str
):
    before = counts(emu)
    r = invoke(emu, "New-Mailbox", {"Shared": True, **params})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BadRequest"
    message = detail(r)
    assert f".{exception}|" in message and text in message
    assert counts(emu) == before


def test_new_mailbox_twice_is_refused(emu: Emulator):
    ok(new_shared(emu))
    before = counts(emu)
    r = new_shared(emu, Alias="ward4b")  # same Name, new addresses
    assert r.status_code == 400 and "ADObjectAlreadyExistsException" in detail(r)
    r = new_shared(emu, "Ward 4 Desk", PrimarySmtpAddress="ward4@northwindhealth.org", Alias="w4")
    assert r.status_code == 400 and "ProxyAddressExistsException" in detail(r)
    assert counts(emu) == before


# Get-Mailbox ------------------------------------------------------------------------------


def test_get_mailbox_by_every_kind_of_identity(emu: Emulator):
    [mbx] = ok(new_shared(emu))
    for identity in (
        "Ward 4 Nursing",
        "WARD4",
        "ward4@northwindhealth.org",
        "ward4@northwindhealth.onmicrosoft.com",
        mbx["Guid"],
        mbx["ExternalDirectoryObjectId"],
        mbx["UserPrincipalName"],
    ):
        [found] = ok(invoke(emu, "Get-Mailbox", {"Identity": identity}))
        assert found["Guid"] == mbx["Guid"], identity


def test_graph_users_are_user_mailboxes(emu: Emulator):
    user = graph_get(emu, f"users/{NURSE}").json()
    [mbx] = ok(invoke(emu, "Get-Mailbox", {"Identity": NURSE}))
    assert mbx["RecipientTypeDetails"] == "UserMailbox"
    assert mbx["ExternalDirectoryObjectId"] == user["id"]
    shared = ok(invoke(emu, "Get-Mailbox", {"RecipientTypeDetails": "SharedMailbox"}))
    assert shared == []
    ok(new_shared(emu))
    shared = ok(invoke(emu, "Get-Mailbox", {"RecipientTypeDetails": ["SharedMailbox"]}))
    assert [m["Alias"] for m in shared] == ["ward4"]


def test_get_mailbox_not_found_is_exchanges_404(emu: Emulator):
    r = invoke(emu, "Get-Mailbox", {"Identity": "nobody@northwindhealth.org"})
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "NotFound" and error["message"] == "Error executing cmdlet"
    assert error["details"][0]["target"] == ""
    message = error["details"][0]["message"]
    assert message.startswith(NOT_FOUND)
    assert "object 'nobody@northwindhealth.org' couldn't be found on '" in message


def test_get_mailbox_result_size_and_bad_type_filter(emu: Emulator):
    assert len(ok(invoke(emu, "Get-Mailbox", {"ResultSize": 5}))) == 5
    r = invoke(emu, "Get-Mailbox", {"RecipientTypeDetails": "Mailboxish"})
    assert r.status_code == 400 and "Mailboxish" in detail(r)


def test_paging_follows_next_link_with_the_same_body(emu: Emulator):
    everything = ok(invoke(emu, "Get-Mailbox", {"ResultSize": "Unlimited"}))
    assert len(everything) > 250
    url: str | None = f"/adminapi/beta/{emu.tenant_id}/InvokeCommand"
    seen: list[str] = []
    pages = 0
    while url:
        r = invoke(
            emu,
            "Get-Mailbox",
            {"ResultSize": "Unlimited"},
            url=url,
            headers={"Prefer": "odata.maxpagesize=100"},
        )
        page = r.json()
        assert r.status_code == 200 and len(page["value"]) <= 100
        assert r.headers["preference-applied"] == "odata.maxpagesize=100"
        seen += [m["Guid"] for m in page["value"]]
        url = page.get("@odata.nextLink")
        assert url is None or url.startswith(f"{emu.url}/adminapi/beta/")
        pages += 1
    assert pages == -(-len(everything) // 100)
    assert seen == [m["Guid"] for m in everything]
    # The module's default page of 1000 holds this tenant in one page.
    r = invoke(emu, "Get-Mailbox", headers={"Prefer": "odata.maxpagesize=1000"})
    assert "@odata.nextLink" not in r.json()


def test_select_query_limits_properties(emu: Emulator):
    r = invoke(
        emu,
        "Get-Mailbox",
        {"Identity": NURSE},
        url=f"/adminapi/beta/{emu.tenant_id}/InvokeCommand?$select=Guid,Alias",
    )
    assert ok(r)[0].keys() == {"Guid", "Alias"}


# Set-Mailbox ------------------------------------------------------------------------------


def test_set_mailbox_changes_settings_and_reaches_graph(emu: Emulator):
    [mbx] = ok(new_shared(emu))
    r = invoke(
        emu,
        "Set-Mailbox",
        {
            "Identity": "ward4",
            "DisplayName": "Ward 4 - Nursing Station",
            "HiddenFromAddressListsEnabled": True,
            "MessageCopyForSentAsEnabled": True,
            "MessageCopyForSendOnBehalfEnabled": True,
            "GrantSendOnBehalfTo": [NURSE],
        },
    )
    assert ok(r) == []
    [after] = ok(invoke(emu, "Get-Mailbox", {"Identity": mbx["Guid"]}))
    assert after["DisplayName"] == "Ward 4 - Nursing Station"
    assert after["HiddenFromAddressListsEnabled"] is True
    assert after["MessageCopyForSentAsEnabled"] is True
    assert after["MessageCopyForSendOnBehalfEnabled"] is True
    assert after["GrantSendOnBehalfTo"] == [NURSE]
    user = graph_get(emu, f"users/{mbx['ExternalDirectoryObjectId']}").json()
    assert user["displayName"] == "Ward 4 - Nursing Station"
    edit = {"Identity": "ward4", "GrantSendOnBehalfTo": {"Remove": [NURSE]}}
    ok(invoke(emu, "Set-Mailbox", edit))
    [after] = ok(invoke(emu, "Get-Mailbox", {"Identity": "ward4"}))
    assert after["GrantSendOnBehalfTo"] == []


def test_set_mailbox_type_converts_between_regular_and_shared(emu: Emulator):
    ok(invoke(emu, "Set-Mailbox", {"Identity": NURSE, "Type": "Shared"}))
    [mbx] = ok(invoke(emu, "Get-Mailbox", {"Identity": NURSE}))
    assert mbx["RecipientTypeDetails"] == "SharedMailbox"
    assert state(emu)["user"][mbx["ExternalDirectoryObjectId"]]["_mailboxType"] == "SharedMailbox"
    ok(invoke(emu, "Set-Mailbox", {"Identity": NURSE, "Type": "Regular"}))
    [mbx] = ok(invoke(emu, "Get-Mailbox", {"Identity": NURSE}))
    assert mbx["RecipientTypeDetails"] == "UserMailbox"


def test_set_mailbox_refusals_change_nothing(emu: Emulator):
    ok(new_shared(emu))
    before = state(emu)
    r = invoke(emu, "Set-Mailbox", {"Identity": "ward4", "DisplayName": "X", "Colour": "red"})
    assert r.status_code == 400
    assert detail(r).endswith("A parameter cannot be found that matches parameter name 'Colour'.")
    r = invoke(emu, "Set-Mailbox", {"Identity": "ward4", "Type": "Kiosk"})
    assert r.status_code == 400 and "ParameterBindingArgumentTransformationException" in detail(r)
    r = invoke(emu, "Set-Mailbox", {"Identity": "ward9", "DisplayName": "X"})
    assert r.status_code == 404 and detail(r).startswith(NOT_FOUND)
    r = invoke(emu, "Set-Mailbox", {"Identity": "ward4", "GrantSendOnBehalfTo": ["ghost@x.org"]})
    assert r.status_code == 404
    assert state(emu) == before


# Remove-Mailbox ---------------------------------------------------------------------------


def test_remove_mailbox_soft_deletes_and_removes_the_linked_user(emu: Emulator):
    [mbx] = ok(new_shared(emu))
    uid = mbx["ExternalDirectoryObjectId"]
    assert ok(invoke(emu, "Remove-Mailbox", {"Identity": "ward4", "Confirm": False})) == []
    r = invoke(emu, "Get-Mailbox", {"Identity": "ward4"})
    assert r.status_code == 404
    assert graph_get(emu, f"users/{uid}").status_code == 404
    assert uid not in state(emu)["user"]
    [gone] = ok(invoke(emu, "Get-Mailbox", {"Identity": "ward4", "SoftDeletedMailbox": True}))
    assert gone["Guid"] == mbx["Guid"] and gone["IsSoftDeletedByRemove"] is True
    assert gone["WhenSoftDeleted"]
    listed = ok(invoke(emu, "Get-Mailbox", {"SoftDeletedMailbox": True}))
    assert [m["Guid"] for m in listed] == [mbx["Guid"]]
    # Its addresses are free again for a new mailbox.
    ok(new_shared(emu, "Ward 4 Nursing"))
    ok(
        invoke(
            emu,
            "Remove-Mailbox",
            {"Identity": mbx["Guid"], "PermanentlyDelete": True, "Confirm": False},
        )
    )
    assert ok(invoke(emu, "Get-Mailbox", {"SoftDeletedMailbox": True})) == []


def test_remove_mailbox_permanently_delete_purges_at_once(emu: Emulator):
    [mbx] = ok(new_shared(emu))
    params = {"Identity": "ward4", "PermanentlyDelete": True, "Confirm": False}
    ok(invoke(emu, "Remove-Mailbox", params))
    assert ok(invoke(emu, "Get-Mailbox", {"SoftDeletedMailbox": True})) == []
    assert mbx["ExternalDirectoryObjectId"] not in state(emu)["user"]
    r = invoke(emu, "Remove-Mailbox", {"Identity": "ward4", "Confirm": False})
    assert r.status_code == 404 and detail(r).startswith(NOT_FOUND)


# Mailbox permissions ----------------------------------------------------------------------


def test_mailbox_permission_add_get_remove(emu: Emulator):
    ok(new_shared(emu))
    nurse = graph_get(emu, f"users/{NURSE}").json()
    add = {
        "Identity": "ward4",
        "User": NURSE,
        "AccessRights": ["FullAccess"],
        "AutoMapping": False,
        "InheritanceType": "All",
        "Confirm": False,
    }
    r = invoke(emu, "Add-MailboxPermission", add)
    [ace] = ok(r)
    assert r.json()["@adminapi.warnings"] == []
    assert ace["User"] == NURSE and ace["AccessRights"] == ["FullAccess"]
    assert ace["IsInherited"] is False and ace["Deny"] is False

    # Adding it again: a warning, no second entry.
    r = invoke(emu, "Add-MailboxPermission", {**add, "User": nurse["id"]})
    assert ok(r) == []
    [warning] = r.json()["@adminapi.warnings"]
    assert "The appropriate access control entry is already present" in warning

    aces = ok(invoke(emu, "Get-MailboxPermission", {"Identity": "ward4"}))
    assert [a["User"] for a in aces] == ["NT AUTHORITY\\SELF", NURSE]
    assert aces[1]["UserSid"].startswith("S-1-12-1-")
    mine = ok(invoke(emu, "Get-MailboxPermission", {"Identity": "ward4", "User": NURSE}))
    assert [a["User"] for a in mine] == [NURSE]

    remove = {"Identity": "ward4", "User": NURSE, "AccessRights": ["FullAccess"], "Confirm": False}
    r = invoke(emu, "Remove-MailboxPermission", remove)
    assert ok(r) == [] and r.json()["@adminapi.warnings"] == []
    aces = ok(invoke(emu, "Get-MailboxPermission", {"Identity": "ward4"}))
    assert [a["User"] for a in aces] == ["NT AUTHORITY\\SELF"]
    r = invoke(emu, "Remove-MailboxPermission", remove)
    assert ok(r) == []
    [warning] = r.json()["@adminapi.warnings"]
    assert "because the ACE doesn't exist on the object" in warning


def test_mailbox_permission_for_a_security_group(emu: Emulator):
    ok(new_shared(emu))
    group = make_group(emu, "Ward 4 Nurses")
    for user in ("Ward 4 Nurses", group["id"]):
        params = {
            "Identity": "ward4",
            "User": user,
            "AccessRights": ["FullAccess", "ReadPermission"],
        }
        ok(invoke(emu, "Add-MailboxPermission", params))
    aces = ok(invoke(emu, "Get-MailboxPermission", {"Identity": "ward4"}))
    assert len(aces) == 2
    assert aces[1]["User"] == "Ward 4 Nurses"
    assert aces[1]["AccessRights"] == ["FullAccess", "ReadPermission"]
    assert aces[1]["UserSid"] == group["securityIdentifier"]


def test_mailbox_permission_refusals_store_nothing(emu: Emulator):
    ok(new_shared(emu))
    before = state(emu)
    base = {"Identity": "ward4", "User": NURSE, "AccessRights": ["FullAccess"]}
    r = invoke(emu, "Add-MailboxPermission", {**base, "AccessRights": ["FullAccess", "Bogus"]})
    assert r.status_code == 400
    message = detail(r)
    assert "ParameterBindingArgumentTransformationException" in message
    assert "Cannot process argument transformation on parameter 'AccessRights'" in message
    r = invoke(emu, "Add-MailboxPermission", {**base, "User": "ghost@northwindhealth.org"})
    assert r.status_code == 404 and detail(r).startswith(NOT_FOUND)
    assert "'ghost@northwindhealth.org'" in detail(r)
    r = invoke(emu, "Add-MailboxPermission", {**base, "Identity": "ward9"})
    assert r.status_code == 404
    r = invoke(emu, "Add-MailboxPermission", {**base, "Owner": NURSE})
    assert r.status_code == 400 and "parameter name 'Owner'" in detail(r)
    assert state(emu) == before


def test_permissions_on_a_user_mailbox(emu: Emulator):
    params = {
        "Identity": NURSE,
        "User": "nurse002@northwindhealth.org",
        "AccessRights": "ReadPermission",
    }
    [ace] = ok(invoke(emu, "Add-MailboxPermission", params))
    assert ace["AccessRights"] == ["ReadPermission"]
    aces = ok(invoke(emu, "Get-MailboxPermission", {"Identity": NURSE}))
    assert [a["User"] for a in aces] == ["NT AUTHORITY\\SELF", "nurse002@northwindhealth.org"]


# Recipient permissions (SendAs) -----------------------------------------------------------


def test_recipient_permission_add_get_remove(emu: Emulator):
    ok(new_shared(emu))
    add = {"Identity": "ward4", "Trustee": NURSE, "AccessRights": ["SendAs"], "Confirm": False}
    [entry] = ok(invoke(emu, "Add-RecipientPermission", add))
    assert entry["Trustee"] == NURSE and entry["AccessRights"] == ["SendAs"]
    assert entry["AccessControlType"] == "Allow"
    r = invoke(emu, "Add-RecipientPermission", add)
    assert ok(r) == [] and len(r.json()["@adminapi.warnings"]) == 1

    entries = ok(invoke(emu, "Get-RecipientPermission", {"Identity": "ward4"}))
    assert [e["Trustee"] for e in entries] == ["NT AUTHORITY\\SELF", NURSE]
    only = ok(invoke(emu, "Get-RecipientPermission", {"Identity": "ward4", "Trustee": NURSE}))
    assert len(only) == 1

    ok(invoke(emu, "Remove-RecipientPermission", add))
    entries = ok(invoke(emu, "Get-RecipientPermission", {"Identity": "ward4"}))
    assert [e["Trustee"] for e in entries] == ["NT AUTHORITY\\SELF"]
    r = invoke(emu, "Remove-RecipientPermission", add)
    assert ok(r) == [] and "doesn't exist on the object" in r.json()["@adminapi.warnings"][0]


def test_recipient_permission_refusals_store_nothing(emu: Emulator):
    ok(new_shared(emu))
    group = make_group(emu, "Unit Clerks")
    before = state(emu)
    base = {"Identity": "ward4", "Trustee": NURSE, "AccessRights": ["SendAs"]}
    r = invoke(emu, "Add-RecipientPermission", {**base, "AccessRights": ["FullAccess"]})
    assert r.status_code == 400 and "parameter 'AccessRights'" in detail(r)
    r = invoke(emu, "Add-RecipientPermission", {**base, "Trustee": "Nobody Group"})
    assert r.status_code == 404 and detail(r).startswith(NOT_FOUND)
    assert state(emu) == before
    [entry] = ok(invoke(emu, "Add-RecipientPermission", {**base, "Trustee": group["id"]}))
    assert entry["Trustee"] == "Unit Clerks"


def test_a_group_that_is_not_mail_enabled_is_refused_as_a_principal(emu: Emulator):
    ok(new_shared(emu))
    group = make_graph_group(emu, "Cloud Clerks")
    before = state(emu)
    for cmdlet, who, right in (
        ("Add-MailboxPermission", "User", "FullAccess"),
        ("Add-RecipientPermission", "Trustee", "SendAs"),
    ):
        params = {"Identity": "ward4", who: group["id"], "AccessRights": [right]}
        r = invoke(emu, cmdlet, params)
        assert r.status_code == 400
        assert "TaskInvalidOperationException|The group 'Cloud Clerks' isn't mail-enabled" in (
            detail(r)
        )
    assert state(emu) == before


# Faults -----------------------------------------------------------------------------------


def test_linked_user_reaches_graph_after_the_replication_delay(emu: Emulator):
    rule = {"match": "POST /adminapi/*", "consistencyMs": 60_000}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    [mbx] = ok(new_shared(emu))
    uid = mbx["ExternalDirectoryObjectId"]
    # Exchange sees its own mailbox at once; Graph does not see the user yet.
    assert ok(invoke(emu, "Get-Mailbox", {"Identity": "ward4"}))[0]["Guid"] == mbx["Guid"]
    assert graph_get(emu, f"users/{uid}").status_code == 404
    emu.admin("POST", "clock", json={"advanceSeconds": 61}).raise_for_status()
    assert graph_get(emu, f"users/{uid}").status_code == 200


def test_throttled_calls_get_429_with_retry_after(emu: Emulator):
    rule = {"match": "POST /adminapi/*", "throttle": 1, "retryAfter": 7}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    before = counts(emu)
    r = new_shared(emu)
    assert r.status_code == 429 and r.headers["retry-after"] == "7"
    assert r.json()["error"]["code"] == "TooManyRequests"
    assert counts(emu) == before
