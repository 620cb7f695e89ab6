"""Learn's examples for cross-tenant access partners, replayed."""

from __future__ import annotations

from tests.emulator.docexamples import Example, check, replay
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, GRAPH_SCOPE, TENANT_ID, Emulator

POST = "https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicy-post-partners"
GET = "https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicyconfigurationpartner-get"
UPDATE = (
    "https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicyconfigurationpartner-update"
)
DELETE = (
    "https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicyconfigurationpartner-delete"
)
PARTNERS = "/policies/crossTenantAccessPolicy/partners"
POST_BODY = {
    "tenantId": "3d0f5dec-5d3d-455c-8016-e2af1ae4d31a",
    "b2bDirectConnectOutbound": {
        "usersAndGroups": {
            "accessType": "blocked",
            "targets": [{"target": "6f546279-4da5-4b53-a095-09ea0cef9971", "targetType": "group"}],
        }
    },
    "b2bDirectConnectInbound": {
        "applications": {
            "accessType": "allowed",
            "targets": [{"target": "Office365", "targetType": "application"}],
        }
    },
}
GET_PARTNER = "9c5d131d-b1c3-4fc4-9e3f-c6557947d551"
DIRECT_CONNECT_ALL = {
    "usersAndGroups": {
        "accessType": "allowed",
        "targets": [{"target": "AllUsers", "targetType": "user"}],
    },
    "applications": {
        "accessType": "allowed",
        "targets": [{"target": "Office365", "targetType": "application"}],
    },
}
UPDATE_PARTNER = "90e29127-71ad-49c7-9ce8-db3f41ea06f1"


def test_post_partners_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicy-post-partners"""
    ex = Example(POST, "POST", PARTNERS, body=POST_BODY, status=201)
    ex.context = "policies/crossTenantAccessPolicy/partners/$entity"
    ex.props = {
        "tenantId": POST_BODY["tenantId"],
        "inboundTrust": None,
        "b2bCollaborationInbound": None,
        "b2bCollaborationOutbound": None,
        "b2bDirectConnectOutbound": POST_BODY["b2bDirectConnectOutbound"],
        "b2bDirectConnectInbound": POST_BODY["b2bDirectConnectInbound"],
    }
    check(replay(emu, ex), ex)


def test_post_partners_twice_is_a_conflict(emu: Emulator):
    """A second partner for one tenant (the page documents no error: ours is 409)."""
    first = Example(POST, "POST", PARTNERS, body=POST_BODY, status=201)
    check(replay(emu, first), first)
    again = Example(POST, "POST", PARTNERS, body=POST_BODY, status=409)
    again.error = "Request_MultipleObjectsWithSameKeyValue"
    check(replay(emu, again), again)


def test_post_partners_refuses_bad_settings_and_stores_nothing(emu: Emulator):
    bad = {**POST_BODY, "b2bDirectConnectInbound": {"applications": {"accessType": "maybe"}}}
    ex = Example(POST, "POST", PARTNERS, body=bad, status=400)
    ex.error = "Request_BadRequest"
    check(replay(emu, ex), ex)
    unknown = Example(POST, "POST", PARTNERS, body={**POST_BODY, "colour": "red"}, status=400)
    unknown.error = "BadRequest"
    check(replay(emu, unknown), unknown)
    own = Example(POST, "POST", PARTNERS, body={"tenantId": TENANT_ID}, status=400)
    check(replay(emu, own), own)
    assert emu.graph("GET", PARTNERS).json()["value"] == []


def test_get_partner_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicyconfigurationpartner-get"""
    body = {"tenantId": GET_PARTNER, "b2bDirectConnectInbound": DIRECT_CONNECT_ALL}
    assert emu.graph("POST", PARTNERS, json=body).status_code == 201
    ex = Example(GET, "GET", f"{PARTNERS}/{GET_PARTNER}")
    ex.context = "policies/crossTenantAccessPolicy/partners/$entity"
    ex.props = {
        "tenantId": GET_PARTNER,
        "inboundTrust": None,
        "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None},
        "b2bCollaborationInbound": None,
        "b2bCollaborationOutbound": None,
        "b2bDirectConnectOutbound": None,
        "b2bDirectConnectInbound": DIRECT_CONNECT_ALL,
    }
    check(replay(emu, ex), ex)
    missing = Example(GET, "GET", f"{PARTNERS}/{UPDATE_PARTNER}", status=404)
    missing.error = "Request_ResourceNotFound"
    check(replay(emu, missing), missing)


def test_get_partner_with_read_permission_only(emu: Emulator):
    """Policy.Read.All reads (the auditor); it may not write (403)."""
    assert emu.graph("POST", PARTNERS, json={"tenantId": GET_PARTNER}).status_code == 201
    headers = emu.headers(GRAPH_SCOPE, AUDITOR_APP, AUDITOR_SECRET)
    with emu.client(headers=headers) as c:
        assert c.get(f"/v1.0{PARTNERS}/{GET_PARTNER}").status_code == 200
        r = c.delete(f"/v1.0{PARTNERS}/{GET_PARTNER}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "Authorization_RequestDenied"


def test_update_partner_examples(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicyconfigurationpartner-update"""
    assert emu.graph("POST", PARTNERS, json={"tenantId": UPDATE_PARTNER}).status_code == 201
    trust = {
        "inboundTrust": {
            "isMfaAccepted": True,
            "isCompliantDeviceAccepted": True,
            "isHybridAzureADJoinedDeviceAccepted": True,
        }
    }
    ex = Example(UPDATE, "PATCH", f"{PARTNERS}/{UPDATE_PARTNER}", body=trust, status=204)
    check(replay(emu, ex), ex)
    consent = {"automaticUserConsentSettings": {"inboundAllowed": True, "outboundAllowed": True}}
    ex2 = Example(UPDATE, "PATCH", f"{PARTNERS}/{UPDATE_PARTNER}", body=consent, status=204)
    check(replay(emu, ex2), ex2)
    doc = emu.graph("GET", f"{PARTNERS}/{UPDATE_PARTNER}").json()
    assert doc["inboundTrust"] == trust["inboundTrust"]
    assert doc["automaticUserConsentSettings"] == consent["automaticUserConsentSettings"]


def test_delete_partner_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/crosstenantaccesspolicyconfigurationpartner-delete"""
    assert emu.graph("POST", PARTNERS, json={"tenantId": GET_PARTNER}).status_code == 201
    ex = Example(DELETE, "DELETE", f"{PARTNERS}/{GET_PARTNER}", status=204)
    check(replay(emu, ex), ex)
    gone = Example(DELETE, "DELETE", f"{PARTNERS}/{GET_PARTNER}", status=404)
    check(replay(emu, gone), gone)
