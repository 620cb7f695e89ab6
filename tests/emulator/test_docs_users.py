"""Learn's examples for reading, listing and updating users, replayed against the seed."""

from __future__ import annotations

from tests.emulator.docexamples import ODATA_JSON, Example, check, replay, user_id
from tests.emulator.harness import Emulator

GET = "https://learn.microsoft.com/en-us/graph/api/user-get"
LIST = "https://learn.microsoft.com/en-us/graph/api/user-list"
UPDATE = "https://learn.microsoft.com/en-us/graph/api/user-update"
ADVANCED = "https://learn.microsoft.com/en-us/graph/aad-advanced-queries"
EVENTUAL = {"ConsistencyLevel": "eventual"}
DEFAULT_KEYS = {
    "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
    "officeLocation", "preferredLanguage", "surname", "userPrincipalName",
}  # fmt: skip
SEEDED_USERS = 283
DELEGATED_ONLY = "/me request is only valid with delegated authentication flow."


def claire(emu: Emulator) -> str:
    return user_id(emu, "claire.dubois@northwindhealth.org")


def test_user_get_example_1_default_properties(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-get"""
    ex = Example(GET, "GET", "/users/{user}", context="users/$entity")
    ex.resp_headers = {"Content-Type": ODATA_JSON}
    body = check(replay(emu, ex, {"user": claire(emu)}), ex)
    assert set(body) - {"@odata.context", "id"} == DEFAULT_KEYS


def test_user_get_example_2_me_needs_a_signed_in_user(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-get"""
    ex = Example(GET, "GET", "/me", status=400, error="BadRequest", message=DELEGATED_ONLY)
    check(replay(emu, ex), ex)


def test_user_get_example_3_select(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-get"""
    ex = Example(
        GET,
        "GET",
        "/users/{user}?$select=displayName,givenName,postalCode,identities",
        context="users(displayName,givenName,postalCode,identities)/$entity",
        props={"displayName": "Claire Dubois", "givenName": "Claire", "postalCode": None},
    )
    body = check(replay(emu, ex, {"user": claire(emu)}), ex)
    assert body["identities"] == [
        {
            "signInType": "userPrincipalName",
            "issuer": "northwindhealth.onmicrosoft.com",
            "issuerAssignedId": "claire.dubois@northwindhealth.org",
        }
    ]


def test_user_get_example_4_schema_extension_is_not_served(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-get"""
    ex = Example(GET, "GET", "/users/{user}?$select=ext55gb1l09_msLearnCourses", status=400)
    ex.error = "BadRequest"
    check(replay(emu, ex, {"user": claire(emu)}), ex)


def test_user_get_missing_user_is_404(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-get"""
    ex = Example(GET, "GET", "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd", status=404)
    ex.error = "Request_ResourceNotFound"
    check(replay(emu, ex), ex)


def test_user_list_example_1_all_users(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(LIST, "GET", "/users", context="users", item_keys=DEFAULT_KEYS)
    body = check(replay(emu, ex), ex)
    assert len(body["value"]) == 100 and "$skiptoken=" in body["@odata.nextLink"]


def test_user_list_example_2_identities_filter_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(
        LIST,
        "GET",
        "/users?$select=displayName,id&$filter=identities/any(c:c/issuerAssignedId eq "
        "'j.smith@yahoo.com' and c/issuer eq 'My B2C tenant')",
        status=400,
        error="Request_UnsupportedQuery",
    )
    check(replay(emu, ex), ex)


def test_user_list_example_3_count_only(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(LIST, "GET", "/users/$count", headers=EVENTUAL)
    ex.resp_headers = {"Content-Type": "text/plain"}
    assert check(replay(emu, ex), ex) == str(SEEDED_USERS)


def test_user_list_example_4_startswith_orderby_top(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(
        LIST,
        "GET",
        "/users?$filter=startswith(displayName,'a')&$orderby=displayName&$count=true&$top=1",
        headers=EVENTUAL,
        context="users",
        props={"@odata.count": 16},  # 15 agency nurses and Amina Haddad
    )
    body = check(replay(emu, ex), ex)
    assert [u["displayName"] for u in body["value"]] == ["Agency Nurse 1"]


def test_user_list_example_5_endswith_mail_ordered_by_upn(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(
        LIST,
        "GET",
        "/users?$filter=endswith(mail,'001@northwindhealth.org')&$orderby=userPrincipalName"
        "&$count=true",
        headers=EVENTUAL,
        context="users",
        props={"@odata.count": 6},
    )
    body = check(replay(emu, ex), ex)
    upns = [u["userPrincipalName"] for u in body["value"]]
    assert upns == sorted(upns) and upns[0] == "agency001@northwindhealth.org"


def test_user_list_example_6_search_display_name(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(
        LIST,
        "GET",
        '/users?$search="displayName:clerk"&$orderby=displayName&$count=true',
        headers=EVENTUAL,
        context="users",
        props={"@odata.count": 50},
    )
    assert check(replay(emu, ex), ex)["value"][0]["displayName"] == "Unit Clerk 1"


def test_user_list_example_7_search_or(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(
        LIST,
        "GET",
        '/users?$search="displayName:clerk" OR "displayName:room"&$orderby=displayName&$count=true',
        headers=EVENTUAL,
        context="users",
        props={"@odata.count": 90},
    )
    check(replay(emu, ex), ex)


def test_user_list_example_8_guests_by_upn_suffix(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(
        LIST,
        "GET",
        "/users?$select=id,displayName,mail,identities"
        "&$filter=endsWith(userPrincipalName,'%23EXT%23@northwindhealth.org')&$count=true",
        headers=EVENTUAL,
        context="users(id,displayName,mail,identities)",
        props={"@odata.count": 0, "value": []},
    )
    check(replay(emu, ex), ex)


def test_user_list_example_9_assigned_licenses_filter_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""
    ex = Example(
        LIST,
        "GET",
        "/users?$select=id,mail,assignedLicenses"
        "&$filter=assignedLicenses/any(u:u/skuId eq cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46)",
        status=400,
    )
    ex.error = "Request_UnsupportedQuery"
    check(replay(emu, ex), ex)


def test_advanced_queries_option_1_and_2(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    plain = Example(ADVANCED, "GET", "/users?$filter=accountEnabled eq false", context="users")
    assert check(replay(emu, plain), plain)["value"] == []
    advanced = Example(
        ADVANCED,
        "GET",
        "/users?$filter=accountEnabled ne true&$count=true",
        headers=EVENTUAL,
        props={"@odata.count": 0},
    )
    check(replay(emu, advanced), advanced)
    refused = Example(ADVANCED, "GET", "/users?$filter=accountEnabled ne true", status=400)
    refused.error = "Request_UnsupportedQuery"
    check(replay(emu, refused), refused)


def test_advanced_queries_endswith_without_parameters_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    ex = Example(
        ADVANCED,
        "GET",
        "/users?$filter=endsWith(userPrincipalName,'%23EXT%23@contoso.com')",
        status=400,
        error="Request_UnsupportedQuery",
        message="Operator 'endsWith' is not supported because the required parameters might be "
        "missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
        "Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    )
    check(replay(emu, ex), ex)


def test_advanced_queries_orderby_with_filter_needs_parameters(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    ex = Example(
        ADVANCED,
        "GET",
        "/users?$filter=startswith(displayName,'a')&$orderby=displayName",
        status=400,
        error="Request_UnsupportedQuery",
    )
    check(replay(emu, ex), ex)
    created = Example(ADVANCED, "GET", "/users?$orderby=createdDateTime", status=400)
    created.error = "Request_UnsupportedQuery"  # createdDateTime sorts in advanced queries only
    check(replay(emu, created), created)


def test_user_update_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-update"""
    body = {"accountEnabled": True, "businessPhones": ["+1 514 555 0100"], "city": "Montréal"}
    me = Example(UPDATE, "PATCH", "/me", body, status=400, error="BadRequest")
    check(replay(emu, me), me)
    # The page's properties need User.ReadWrite.All, which hcinfra's app does not hold.
    uid = claire(emu)
    denied = Example(UPDATE, "PATCH", "/users/{user}", body, status=403)
    denied.error = "Authorization_RequestDenied"
    check(replay(emu, denied, {"user": uid}), denied)
    # accountEnabled alone is what User.EnableDisableAccount.All may write.
    ex = Example(UPDATE, "PATCH", "/users/{user}", {"accountEnabled": False}, status=204)
    assert check(replay(emu, ex, {"user": uid}), ex) is None
    after = emu.graph("GET", f"/users/{uid}?$select=accountEnabled,city").json()
    assert after["accountEnabled"] is False and after["city"] is None


KNOWN_ISSUES = "https://developer.microsoft.com/en-us/graph/known-issues/?search=13635"


def _upns(emu: Emulator, n: int) -> list[str]:
    r = emu.graph("GET", "/users?$select=userPrincipalName&$top=999")
    listed = r.json()["value"]
    return sorted(u["userPrincipalName"] for u in listed)[:n]


def _in(values: list[str]) -> str:
    return "userPrincipalName in (" + ",".join(f"'{v}'" for v in values) + ")"


def test_in_filter_takes_fifteen_expressions_by_default(emu: Emulator):
    """REF: Graph known issues, query parameters: "in" takes 15 expressions by default."""
    upns = _upns(emu, 16)
    fifteen = Example(KNOWN_ISSUES, "GET", f"/users?$filter={_in(upns[:15])}", context="users")
    found = check(replay(emu, fifteen), fifteen)["value"]
    assert sorted(u["userPrincipalName"] for u in found) == upns[:15]
    sixteen = Example(
        KNOWN_ISSUES,
        "GET",
        f"/users?$filter={_in(upns)}",
        status=400,
        error="Request_UnsupportedQuery",
        message="Too many child clauses specified in search filter expression containing 'OR' "
        "operators: 16. Max allowed: 15.",
    )
    check(replay(emu, sixteen), sixteen)
    # An `or` beside the `in` counts too: 14 values and two comparisons are 16.
    mixed = f"{_in(upns[:14])} or accountEnabled eq false or displayName eq 'x'"
    refused = Example(KNOWN_ISSUES, "GET", f"/users?$filter={mixed}", status=400)
    refused.error = "Request_UnsupportedQuery"
    check(replay(emu, refused), refused)


def test_in_filter_past_fifteen_in_an_advanced_query(emu: Emulator):
    """REF: Graph known issues: advanced queries are bounded by URL length instead."""
    upns = _upns(emu, 16)
    ex = Example(KNOWN_ISSUES, "GET", f"/users?$filter={_in(upns)}&$count=true", headers=EVENTUAL)
    found = check(replay(emu, ex), ex)["value"]
    assert len(found) == 16
