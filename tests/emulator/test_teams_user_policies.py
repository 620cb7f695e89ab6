"""Graph's Teams administration API over HTTPS: direct policy assignment per user
(assign, unassign), policy ids (getPolicyId), and effective policies (userConfigurations).

The Teams admin service and Graph share one store: a direct assignment made through
Graph is the Teams admin service's per-user assignment, and group assignments made
there rank the groups Graph resolves effective policies from.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import httpx
import pytest
import yaml

from tests.emulator.harness import (
    AUDITOR_APP,
    AUDITOR_SECRET,
    GRAPH_SCOPE,
    UNPRIVILEGED_APP,
    UNPRIVILEGED_SECRET,
    Emulator,
)

# An app granted only TeamsPolicyUserAssign.ReadWrite.All: what assign, unassign and
# getPolicyId need. hcinfra's own app does not hold it (it only reads effective policies).
ASSIGNER_APP = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
ASSIGNER_SECRET = "emulator-only-teams-policy-assigner-secret"
ASSIGN = "/v1.0/admin/teams/policy/userAssignments/assign"
UNASSIGN = "/v1.0/admin/teams/policy/userAssignments/unassign"
CONFIGS = "/v1.0/admin/teams/userConfigurations"
ITEM_TYPE = "#microsoft.graph.teamsAdministration.teamsPolicyUserAssignment"
CFG = "/Skype.Policy/configurations"
GPA = "/Skype.Policy/groupPolicyAssignments"
MESSAGING = "TeamsMessagingPolicy"
NURSE = "nurse001@northwindhealth.org"
CLERK = "clerk001@northwindhealth.org"
POLICY_TYPES = [
    "TeamsMessagingPolicy",
    "TeamsAppSetupPolicy",
    "TeamsMeetingPolicy",
    "TeamsCallingPolicy",
    "TeamsMeetingBroadcastPolicy",
    "TeamsChannelsPolicy",
    "TeamsVirtualAppointmentsPolicy",
]


@pytest.fixture
def assigner(emu: Emulator) -> Iterator[Emulator]:
    """The default seed plus ASSIGNER_APP; the default seed again afterwards."""
    text = resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
    seed = yaml.safe_load(text)
    seed["apps"].append(
        {
            "clientId": ASSIGNER_APP,
            "displayName": "teams-policy-assigner",
            "clientSecret": ASSIGNER_SECRET,
            "graphPermissions": ["TeamsPolicyUserAssign.ReadWrite.All"],
        }
    )
    emu.admin("POST", "seed", content=yaml.safe_dump(seed)).raise_for_status()
    try:
        yield emu
    finally:
        emu.admin("POST", "seed", content=text).raise_for_status()


# -- helpers ---------------------------------------------------------------------------


def as_app(emu: Emulator, app: str, secret: str) -> httpx.Client:
    return emu.client(headers=emu.headers(GRAPH_SCOPE, app, secret))


def as_assigner(emu: Emulator) -> httpx.Client:
    return as_app(emu, ASSIGNER_APP, ASSIGNER_SECRET)


def as_reader(emu: Emulator) -> httpx.Client:
    """The auditor app: it holds TeamsUserConfiguration.Read.All."""
    return as_app(emu, AUDITOR_APP, AUDITOR_SECRET)


def user_id(emu: Emulator, upn: str) -> str:
    r = emu.graph("GET", f"/users/{upn}")
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def make_policy(emu: Emulator, name: str, ptype: str = MESSAGING) -> None:
    r = emu.teams_admin("POST", f"{CFG}/{ptype}", json={"Identity": name})
    assert r.status_code == 201, r.text


def policy_id(emu: Emulator, name: str, ptype: str = MESSAGING) -> str:
    with as_assigner(emu) as c:
        r = c.get(f"/v1.0/admin/teams/policy/getPolicyId(type='{ptype}',name='{name}')")
    assert r.status_code == 200, r.text
    [detail] = r.json()["value"]
    return str(detail["policyId"])


def item(uid: str, ptype: str = MESSAGING, pid: Any = None, **extra: Any) -> dict:
    out: dict[str, Any] = {"@odata.type": ITEM_TYPE, "userId": uid, "policyType": ptype}
    if pid is not None:
        out["policyId"] = pid
    return {**out, **extra}


def post(c: httpx.Client, path: str, *items: dict) -> httpx.Response:
    return c.post(path, json={"value": list(items)})


def assign_group(emu: Emulator, gid: str, name: str, priority: int | None = None) -> None:
    body: dict[str, Any] = {"policyName": name}
    if priority is not None:
        body["priority"] = priority
    r = emu.teams_admin("PUT", f"{GPA}/{gid}/policyTypes/{MESSAGING}", json=body)
    assert r.status_code == 204, r.text


def effective(emu: Emulator, uid: str, ptype: str = MESSAGING) -> dict[str, Any]:
    with as_reader(emu) as c:
        r = c.get(f"{CONFIGS}/{uid}")
    assert r.status_code == 200, r.text
    [entry] = [e for e in r.json()["effectivePolicyAssignments"] if e["policyType"] == ptype]
    return dict(entry["policyAssignment"])


def graph_error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and set(error) == {"code", "message", "innerError"}
    return str(error["message"])


def direct_in_teams_admin(emu: Emulator, upn: str) -> list[dict[str, Any]]:
    r = emu.teams_admin("GET", f"/Skype.Policy/users/{upn}/policies")
    assert r.status_code == 200, r.text
    return list(r.json())


# -- assign and unassign ---------------------------------------------------------------


def test_assign_and_unassign_answer_204_and_both_services_agree(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    nurse = user_id(emu, NURSE)
    pid = policy_id(emu, "Ward-Chat")
    with as_assigner(emu) as c:
        r = post(c, ASSIGN, item(nurse, MESSAGING, pid))
        assert r.status_code == 204 and r.content == b""
    # The Teams admin service sees the direct assignment Graph made …
    assert direct_in_teams_admin(emu, NURSE) == [
        {"PolicyType": MESSAGING, "PolicyName": "Ward-Chat"}
    ]
    # … and Graph's effective policy is that one, direct, with its id and no groupId.
    assert effective(emu, nurse) == {
        "displayName": "Ward-Chat",
        "assignmentType": "direct",
        "policyId": pid,
    }
    # The policy is in use: the Teams admin service will not delete it.
    r = emu.teams_admin("DELETE", f"{CFG}/{MESSAGING}/configuration/Tag:Ward-Chat")
    assert r.status_code == 409, r.text
    with as_assigner(emu) as c:
        # unassign names the user and the type; policyId may be left out.
        r = post(c, UNASSIGN, item(nurse, MESSAGING))
        assert r.status_code == 204 and r.content == b""
        # Nothing left to remove is not an error (our choice: the pages say nothing).
        assert post(c, UNASSIGN, item(nurse, MESSAGING, pid)).status_code == 204
    assert direct_in_teams_admin(emu, NURSE) == []
    assert effective(emu, nurse)["displayName"] == "Global"


def test_a_direct_assignment_made_in_teams_admin_shows_in_graph(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    r = emu.teams_admin(
        "PATCH",
        f"/Skype.Policy/users/{CLERK}/policies/{MESSAGING}",
        json={"PolicyName": "Ward-Chat"},
    )
    assert r.status_code == 200, r.text
    clerk = user_id(emu, CLERK)
    assert effective(emu, clerk) == {
        "displayName": "Ward-Chat",
        "assignmentType": "direct",
        "policyId": policy_id(emu, "Ward-Chat"),
    }


def test_several_users_and_types_in_one_request(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    make_policy(emu, "Rounds", "TeamsMeetingPolicy")
    nurse, clerk = user_id(emu, NURSE), user_id(emu, CLERK)
    chat, rounds = policy_id(emu, "Ward-Chat"), policy_id(emu, "Rounds", "TeamsMeetingPolicy")
    with as_assigner(emu) as c:
        r = post(
            c,
            ASSIGN,
            item(nurse, MESSAGING, chat),
            item(clerk, "teamsMessagingPolicy", chat),  # types match whatever their case
            item(nurse, "TeamsMeetingPolicy", rounds, id="anything"),  # id: the example's
        )
    assert r.status_code == 204, r.text
    assert effective(emu, clerk)["displayName"] == "Ward-Chat"
    assert effective(emu, nurse, "TeamsMeetingPolicy")["policyId"] == rounds
    assert {d["PolicyType"] for d in direct_in_teams_admin(emu, NURSE)} == {
        MESSAGING,
        "TeamsMeetingPolicy",
    }


def test_assign_needs_teams_policy_user_assign(assigner: Emulator):
    emu = assigner
    nurse = user_id(emu, NURSE)
    body = {"value": [item(nurse, MESSAGING, policy_id(emu, "Global"))]}
    # hcinfra's app, the auditor and an app granted nothing: 403 in the Teams workload's words.
    for client in (
        emu.client(headers=emu.headers(GRAPH_SCOPE)),
        as_reader(emu),
        as_app(emu, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET),
    ):
        with client as c:
            for path in (ASSIGN, UNASSIGN):
                message = graph_error(c.post(path, json=body), 403, "Forbidden")
                assert "TeamsPolicyUserAssign.ReadWrite.All" in message
            r = c.get(f"/v1.0/admin/teams/policy/getPolicyId(type='{MESSAGING}',name='Global')")
            graph_error(r, 403, "Forbidden")
    assert direct_in_teams_admin(emu, NURSE) == []


def test_user_configurations_need_teams_user_configuration_read(assigner: Emulator):
    emu = assigner
    nurse = user_id(emu, NURSE)
    # The assigner holds only TeamsPolicyUserAssign.ReadWrite.All: reading is refused.
    with as_assigner(emu) as c:
        for path in (CONFIGS, f"{CONFIGS}/{nurse}"):
            message = graph_error(c.get(path), 403, "Forbidden")
            assert "TeamsUserConfiguration.Read.All" in message
    # hcinfra's app (the audit reads effective policies) and the auditor's may read.
    for client in (emu.client(headers=emu.headers(GRAPH_SCOPE)), as_reader(emu)):
        with client as c:
            assert c.get(f"{CONFIGS}/{nurse}").status_code == 200


BAD_BODIES: list[tuple[str, Any, str]] = [
    ("not an object", [1], "a JSON object"),
    ("another parameter", {"value": [], "users": []}, "'users' in the request payload"),
    ("no value", {}, "non-empty array"),
    ("empty value", {"value": []}, "non-empty array"),
    ("value not an array", {"value": {"userId": "x"}}, "non-empty array"),
    ("an item not an object", {"value": ["x"]}, "must be a teamsPolicyUserAssignment"),
]


@pytest.mark.parametrize("case,body,text", BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_malformed_bodies_are_refused(assigner: Emulator, case: str, body: Any, text: str):
    with as_assigner(assigner) as c:
        for path in (ASSIGN, UNASSIGN):
            assert text in graph_error(c.post(path, json=body), 400, "BadRequest")


def test_bad_items_are_refused_and_nothing_is_stored(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    make_policy(emu, "Rounds", "TeamsMeetingPolicy")
    nurse, clerk = user_id(emu, NURSE), user_id(emu, CLERK)
    chat = policy_id(emu, "Ward-Chat")
    glob = policy_id(emu, "Global")
    rounds = policy_id(emu, "Rounds", "TeamsMeetingPolicy")
    good = item(clerk, MESSAGING, chat)
    bad: list[tuple[dict[str, Any], str, str]] = [
        (item(nurse, MESSAGING, chat, UserId=nurse), "BadRequest", "'UserId' does not exist"),
        (item(nurse, MESSAGING, chat, priority=1), "BadRequest", "'priority' does not exist"),
        ({**item(nurse, MESSAGING, chat), "@odata.type": "#x"}, "BadRequest", "@odata.type"),
        ({"policyType": MESSAGING, "policyId": chat}, "BadRequest", "'userId'"),
        ({"userId": nurse, "policyId": chat}, "BadRequest", "'policyType'"),
        (item(nurse, MESSAGING), "BadRequest", "'policyId'"),  # assign needs the policy
        (item(nurse, MESSAGING, 7), "BadRequest", "'policyId'"),  # not a string
        (item(NURSE, MESSAGING, chat), "BadRequest", "object id"),  # a UPN is not an id
        (item("00000000-0000-4000-8000-000000000000", MESSAGING, chat), "BadRequest", "exist"),
        (item(nurse, "TeamsPizzaPolicy", chat), "BadRequest", "TeamsPizzaPolicy"),
        (item(nurse, MESSAGING, "00000000-0000-4000-8000-000000000000"), "BadRequest", "exist"),
        (item(nurse, MESSAGING, rounds), "BadRequest", "exist"),  # another type's policy
        (item(nurse, MESSAGING, glob), "BadRequest", "Global"),
    ]
    with as_assigner(emu) as c:
        for one, code, text in bad:
            # The good item first: a refused request stores none of its items.
            assert text in graph_error(post(c, ASSIGN, good, one), 400, code), one
        twice = post(c, ASSIGN, item(nurse, MESSAGING, chat), item(nurse, MESSAGING, chat))
        assert "twice" in graph_error(twice, 400, "BadRequest")
        many = [
            item(user_id(emu, f"nurse{n:03d}@northwindhealth.org"), MESSAGING, chat)
            for n in range(1, 22)
        ]
        assert "At most 20" in graph_error(post(c, ASSIGN, *many), 400, "BadRequest")
        # Twenty is the bound (our choice; the pages give none).
        assert post(c, ASSIGN, *many[:20]).status_code == 204
        # unassign: the same checks of users and types; a policyId, when given, must exist.
        assert "exist" in graph_error(
            post(c, UNASSIGN, item(clerk, MESSAGING, rounds)), 400, "BadRequest"
        )
    assert direct_in_teams_admin(emu, CLERK) == []
    assert direct_in_teams_admin(emu, NURSE) == [
        {"PolicyType": MESSAGING, "PolicyName": "Ward-Chat"}
    ]


# -- getPolicyId -----------------------------------------------------------------------


def test_get_policy_id_answers_the_policy_identifier_detail_collection(assigner: Emulator):
    emu = assigner
    make_policy(emu, "AllOn", "TeamsMeetingPolicy")
    base = "/v1.0/admin/teams/policy"
    with as_assigner(emu) as c:
        r = c.get(f"{base}/getPolicyId(type='TeamsMeetingPolicy',name='AllOn')")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["@odata.context"].endswith(
            "/v1.0/$metadata#Collection(microsoft.graph.teamsAdministration.policyIdentifierDetail)"
        )
        [detail] = body["value"]
        assert (
            detail["@odata.type"] == "#microsoft.graph.teamsAdministration.policyIdentifierDetail"
        )
        assert detail["name"] == "Tag:AllOn"  # as the page's example names it
        pid = detail["policyId"]
        assert len(pid) == 36 and pid.count("-") == 4  # a GUID
        # The same instance however it is named, and whatever the case of the type.
        for path in (
            f"{base}/getPolicyId(type='teamsMeetingPolicy',name='Tag:AllOn')",
            f"{base}/getPolicyId(name='AllOn',type='TeamsMeetingPolicy')",
        ):
            assert c.get(path).json()["value"][0]["policyId"] == pid
        glob = c.get(f"{base}/getPolicyId(type='TeamsMeetingPolicy',name='Global')").json()
        assert glob["value"][0]["name"] == "Global" and glob["value"][0]["policyId"] != pid
        other = c.get(f"{base}/getPolicyId(type='{MESSAGING}',name='Global')").json()
        assert other["value"][0]["policyId"] != glob["value"][0]["policyId"]
        graph_error(
            c.get(f"{base}/getPolicyId(type='TeamsPizzaPolicy',name='AllOn')"), 400, "BadRequest"
        )
        graph_error(
            c.get(f"{base}/getPolicyId(type='TeamsMeetingPolicy',name='Nope')"), 404, "NotFound"
        )
    # Ids are stable: a settings update, or a reset to the seed, keeps them.
    r = emu.teams_admin(
        "PUT", f"{CFG}/TeamsMeetingPolicy/configuration/Tag:AllOn", json={"AllowMeetNow": False}
    )
    assert r.status_code == 200, r.text
    assert "PolicyId" not in r.json()  # the Teams admin service's answers do not show it
    assert policy_id(emu, "AllOn", "TeamsMeetingPolicy") == pid
    global_id = policy_id(emu, "Global", "TeamsMeetingPolicy")
    emu.reset()
    assert policy_id(emu, "Global", "TeamsMeetingPolicy") == global_id
    listed = emu.teams_admin("GET", f"{CFG}/TeamsMeetingPolicy").json()
    assert all("PolicyId" not in p for p in listed)


def test_a_policy_made_again_gets_a_new_id(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    first = policy_id(emu, "Ward-Chat")
    r = emu.teams_admin("DELETE", f"{CFG}/{MESSAGING}/configuration/Tag:Ward-Chat")
    assert r.status_code == 204, r.text
    make_policy(emu, "Ward-Chat")
    assert policy_id(emu, "Ward-Chat") != first


# -- effective policies ----------------------------------------------------------------


def test_global_is_the_effective_policy_without_any_assignment(assigner: Emulator):
    emu = assigner
    nurse = user_id(emu, NURSE)
    with as_reader(emu) as c:
        r = c.get(f"{CONFIGS}/{nurse}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#admin/teams/userConfigurations/$entity")
    assert body["id"] == nurse and body["userPrincipalName"] == NURSE
    assert body["tenantId"] == emu.tenant_id and body["accountType"] == "user"
    assert set(body) == {
        "@odata.context",
        "id",
        "userPrincipalName",
        "tenantId",
        "effectivePolicyAssignments",
        "telephoneNumbers",
        "isEnterpriseVoiceEnabled",
        "featureTypes",
        "accountType",
        "createdDateTime",
        "modifiedDateTime",
    }
    entries = body["effectivePolicyAssignments"]
    assert [e["policyType"] for e in entries] == POLICY_TYPES
    for entry in entries:
        assert entry["policyAssignment"] == {
            "displayName": "Global",
            "assignmentType": "direct",
            "policyId": policy_id(emu, "Global", entry["policyType"]),
        }


def test_the_best_ranked_group_wins_and_a_reorder_changes_it(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    make_policy(emu, "Pharmacy-Chat")
    nurse = user_id(emu, NURSE)
    ward = emu.make_group("ward4", members=[nurse])
    pharmacy = emu.make_group("pharmacy", members=[nurse])
    assign_group(emu, ward, "Ward-Chat")  # priority 1
    assign_group(emu, pharmacy, "Pharmacy-Chat")  # priority 2 (last)
    assert effective(emu, nurse) == {
        "displayName": "Ward-Chat",
        "assignmentType": "group",
        "policyId": policy_id(emu, "Ward-Chat"),
        "groupId": ward,
    }
    # Set-CsGroupPolicyAssignment moves the pharmacy group to rank 1: it wins now.
    r = emu.teams_admin("PATCH", f"{GPA}/{pharmacy}/policyTypes/{MESSAGING}", json={"priority": 1})
    assert r.status_code == 204, r.text
    assert effective(emu, nurse) == {
        "displayName": "Pharmacy-Chat",
        "assignmentType": "group",
        "policyId": policy_id(emu, "Pharmacy-Chat"),
        "groupId": pharmacy,
    }
    # Removing that assignment leaves the ward's; removing the user from the ward, Global.
    assert emu.teams_admin("DELETE", f"{GPA}/{pharmacy}/policyTypes/{MESSAGING}").status_code == 204
    assert effective(emu, nurse)["groupId"] == ward
    assert emu.graph("DELETE", f"/groups/{ward}/members/{nurse}/$ref").status_code == 204
    assert effective(emu, nurse)["displayName"] == "Global"
    # Other types are not affected by messaging assignments.
    assert effective(emu, nurse, "TeamsMeetingPolicy")["displayName"] == "Global"


def test_a_direct_assignment_beats_every_group(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    make_policy(emu, "Personal")
    nurse = user_id(emu, NURSE)
    ward = emu.make_group("ward4", members=[nurse])
    assign_group(emu, ward, "Ward-Chat", priority=1)
    personal = policy_id(emu, "Personal")
    with as_assigner(emu) as c:
        assert post(c, ASSIGN, item(nurse, MESSAGING, personal)).status_code == 204
    assert effective(emu, nurse) == {
        "displayName": "Personal",
        "assignmentType": "direct",
        "policyId": personal,
    }
    with as_assigner(emu) as c:
        assert post(c, UNASSIGN, item(nurse, MESSAGING)).status_code == 204
    assert effective(emu, nurse)["groupId"] == ward  # the group's applies again


def test_members_of_a_nested_group_do_not_inherit(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    nurse, clerk = user_id(emu, NURSE), user_id(emu, CLERK)
    inner = emu.make_group("ward4-clerks", members=[clerk])
    outer = emu.make_group("ward4", members=[nurse, inner])
    assign_group(emu, outer, "Ward-Chat")
    assert effective(emu, nurse)["groupId"] == outer
    assert effective(emu, clerk) == {
        "displayName": "Global",
        "assignmentType": "direct",
        "policyId": policy_id(emu, "Global"),
    }


def test_a_deleted_group_no_longer_gives_its_policy(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    nurse = user_id(emu, NURSE)
    ward = emu.make_group("ward4", members=[nurse])
    assign_group(emu, ward, "Ward-Chat")
    assert emu.graph("DELETE", f"/groups/{ward}").status_code == 204
    assert effective(emu, nurse)["displayName"] == "Global"


def test_the_group_assignment_cap_is_still_64(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    clerk = user_id(emu, CLERK)
    groups = [emu.make_group(f"unit{n}") for n in range(64)]
    groups.append(emu.make_group("unit64", members=[clerk]))
    for gid in groups[:64]:
        assign_group(emu, gid, "Ward-Chat")
    r = emu.teams_admin(
        "PUT", f"{GPA}/{groups[64]}/policyTypes/{MESSAGING}", json={"policyName": "Ward-Chat"}
    )
    assert r.status_code == 400 and r.json()["code"] == "BadRequest", r.text
    assert len(emu.teams_admin("GET", GPA, params={"policyType": MESSAGING}).json()) == 64
    assert effective(emu, clerk)["displayName"] == "Global"


# -- the list: paging, filters, query options ------------------------------------------


def test_the_list_pages_through_every_user(assigner: Emulator):
    emu = assigner
    make_policy(emu, "Ward-Chat")
    nurse = user_id(emu, NURSE)
    with as_assigner(emu) as c:
        assert (
            post(c, ASSIGN, item(nurse, MESSAGING, policy_id(emu, "Ward-Chat"))).status_code == 204
        )
    seen: list[dict[str, Any]] = []
    pages = 0
    with as_reader(emu) as c:
        r = c.get(CONFIGS, params={"$top": "70"})
        while True:
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["@odata.context"].endswith("/v1.0/$metadata#admin/teams/userConfigurations")
            assert len(body["value"]) <= 70
            seen.extend(body["value"])
            pages += 1
            if "@odata.nextLink" not in body:
                break
            r = c.get(body["@odata.nextLink"])
        r = c.get("/v1.0/users", params={"$select": "id", "$top": "999"})
        users = [u["id"] for u in r.json()["value"]]
    assert pages == -(-len(users) // 70) and pages > 1
    assert [s["id"] for s in seen] == users  # every user once, in one order
    [mine] = [s for s in seen if s["id"] == nurse]
    assert mine["effectivePolicyAssignments"][0]["policyAssignment"]["displayName"] == "Ward-Chat"


def test_the_list_filters_on_id_and_user_principal_name(assigner: Emulator):
    emu = assigner
    nurse = user_id(emu, NURSE)
    with as_reader(emu) as c:
        for flt in (f"userPrincipalName eq '{NURSE}'", f"id eq '{nurse}'"):
            r = c.get(CONFIGS, params={"$filter": flt})
            assert r.status_code == 200, r.text
            assert [v["id"] for v in r.json()["value"]] == [nurse]
        r = c.get(CONFIGS, params={"$filter": f"userPrincipalName in ('{NURSE}', '{CLERK}')"})
        assert {v["userPrincipalName"] for v in r.json()["value"]} == {NURSE, CLERK}
        r = c.get(CONFIGS, params={"$filter": "userPrincipalName eq 'nobody@northwindhealth.org'"})
        assert r.json()["value"] == []
        r = c.get(CONFIGS, params={"$filter": f"id eq '{nurse}'", "$select": "userPrincipalName"})
        assert r.json()["value"] == [{"userPrincipalName": NURSE, "id": nurse}]
        assert r.json()["@odata.context"].endswith(
            "#admin/teams/userConfigurations(userPrincipalName)"
        )
        # What the emulator does not serve is refused, never ignored.
        for params in (
            {"$filter": "accountType eq 'user'"},
            {"$filter": "startswith(userPrincipalName,'nurse')"},
            {"$orderby": "userPrincipalName"},
            {"$expand": "user"},
            {"$skip": "10"},
            {"$top": "0"},
            {"$select": "nonsense"},
        ):
            r = c.get(CONFIGS, params=params)
            assert r.status_code == 400, (params, r.text)
        graph_error(
            c.get(f"{CONFIGS}/{nurse}", params={"$expand": "user"}), 400, "Request_UnsupportedQuery"
        )


def test_one_user_by_object_id_only(assigner: Emulator):
    emu = assigner
    nurse = user_id(emu, NURSE)
    with as_reader(emu) as c:
        graph_error(c.get(f"{CONFIGS}/{NURSE}"), 404, "NotFound")  # a UPN is not the id
        graph_error(c.get(f"{CONFIGS}/00000000-0000-4000-8000-000000000000"), 404, "NotFound")
        r = c.get(f"{CONFIGS}/{nurse}", params={"$select": "effectivePolicyAssignments"})
        assert r.status_code == 200, r.text
        assert set(r.json()) == {"@odata.context", "effectivePolicyAssignments", "id"}
        # Inside $batch too, with the items' own answers.
        batch = {
            "requests": [
                {"id": "1", "method": "GET", "url": f"/admin/teams/userConfigurations/{nurse}"},
                {"id": "2", "method": "GET", "url": "/admin/teams/userConfigurations?$top=2"},
            ]
        }
        r = c.post("/v1.0/$batch", json=batch)
    assert r.status_code == 200, r.text
    one, two = r.json()["responses"]
    assert one["status"] == 200 and one["body"]["id"] == nurse
    assert two["status"] == 200 and len(two["body"]["value"]) == 2


# -- throttling ------------------------------------------------------------------------


def test_throttling_mode_limits_teams_administration_to_30_per_second(assigner: Emulator):
    emu = assigner
    emu.admin("PUT", "faults", json={"throttling": True}).raise_for_status()
    nurse = user_id(emu, NURSE)
    glob = policy_id(emu, "Global")
    with as_reader(emu) as c:
        # $batch items are throttled one by one: 20 at once, then 20 more, go past 30.
        items = [
            {"id": str(i), "method": "GET", "url": f"/admin/teams/userConfigurations/{nurse}"}
            for i in range(20)
        ]
        statuses: list[int] = []
        throttled: dict[str, Any] = {}
        for _ in range(10):
            responses = c.post("/v1.0/$batch", json={"requests": items}).json()["responses"]
            statuses += [i["status"] for i in responses]
            throttled = next((i for i in responses if i["status"] == 429), {})
            if throttled:
                break
        assert statuses[:30] == [200] * 30 and throttled
        assert throttled["headers"]["x-ms-throttle-scope"] == "teams-admin-read"
        assert throttled["headers"]["Retry-After"] == "1"
        # On the wire: 429 with Retry-After in Graph's error body.
        for _ in range(300):
            r = c.get(f"{CONFIGS}/{nurse}")
            if r.status_code == 429:
                break
        graph_error(r, 429, "TooManyRequests")
        assert r.headers["Retry-After"] == "1"
        assert r.headers["x-ms-throttle-scope"] == "teams-admin-read"
    with as_assigner(emu) as c:
        body = {"value": [item(nurse, MESSAGING)]}  # an unassign: repeatable
        for _ in range(300):
            r = c.post(UNASSIGN, json=body)
            if r.status_code == 429:
                break
            assert r.status_code == 204, r.text
        graph_error(r, 429, "TooManyRequests")
        assert r.headers["x-ms-throttle-scope"] == "teams-admin-write"
        assert int(r.headers["Retry-After"]) >= 1
        # Budgets are per app and per kind: this app's reads are not spent (getPolicyId is
        # a GET), nor by the auditor's reads above.
        r = c.get(f"/v1.0/admin/teams/policy/getPolicyId(type='{MESSAGING}',name='Global')")
        assert r.status_code == 200, r.text
        assert r.json()["value"][0]["policyId"] == glob
    # Without throttling mode nothing is limited.
    emu.admin("PUT", "faults", json={}).raise_for_status()
    with as_reader(emu) as c:
        assert all(c.get(f"{CONFIGS}/{nurse}").status_code == 200 for _ in range(40))
