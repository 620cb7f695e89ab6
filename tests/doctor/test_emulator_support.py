"""What the emulator gained for the doctor: Get-AcceptedDomain and the faults' `respond`."""

from __future__ import annotations

from tests.emulator.harness import (
    EXCHANGE_SCOPE,
    TEAMS_SCOPE,
    UNPRIVILEGED_APP,
    UNPRIVILEGED_SECRET,
    Emulator,
)

SEED_DOMAINS = [
    "northwindhealth.onmicrosoft.com",
    "northwindhealth.org",
    "stm.northwindhealth.org",
    "hsa.northwindhealth.org",
    "chm.northwindhealth.org",
]


def invoke(emu: Emulator, cmdlet: str, **params: object) -> tuple[int, dict]:
    with emu.client(headers=emu.headers(EXCHANGE_SCOPE)) as c:
        r = c.post(
            f"/adminapi/beta/{emu.tenant_id}/InvokeCommand",
            json={"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}},
        )
    return r.status_code, (r.json() if r.content else {})


def test_get_accepted_domain_lists_the_verified_domains(emu: Emulator) -> None:
    domains = emu.exo("Get-AcceptedDomain")
    assert [d["DomainName"] for d in domains] == SEED_DOMAINS
    assert all(d["DomainType"] == "Authoritative" for d in domains)
    assert [d["Name"] for d in domains if d["Default"]] == ["northwindhealth.onmicrosoft.com"]
    assert [d["DomainName"] for d in domains if d["InitialDomain"]] == [SEED_DOMAINS[0]]
    one = emu.exo("Get-AcceptedDomain", Identity="STM.northwindhealth.org")
    assert [d["DomainName"] for d in one] == ["stm.northwindhealth.org"]
    assert emu.exo("Get-AcceptedDomain", Identity=one[0]["Guid"]) == one
    assert len(emu.exo("Get-AcceptedDomain", ResultSize=2)) == 2
    log = emu.requests()
    assert log["writes"] == 0


def test_get_accepted_domain_of_an_unknown_domain_is_not_found(emu: Emulator) -> None:
    status, body = invoke(emu, "Get-AcceptedDomain", Identity="nowhere.example.org")
    assert status == 404
    assert "ManagementObjectNotFoundException" in body["error"]["details"][0]["message"]


def test_respond_answers_after_the_token_check_and_is_logged(emu: Emulator) -> None:
    canned = [{"GroupId": "g", "Rank": 1}]
    rule = {"match": "GET /Skype.Policy/groupPolicyAssignments*", "respond": {"body": canned}}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    since = emu.requests()["last"]
    with emu.client() as c:
        anonymous = c.get("/Skype.Policy/groupPolicyAssignments")
    assert anonymous.status_code == 401
    r = emu.teams_admin("GET", "/Skype.Policy/groupPolicyAssignments?policyType=X")
    assert r.status_code == 200 and r.json() == canned
    # Other routes answer as before.
    r = emu.teams_admin("GET", "/Skype.Policy/configurations/TeamsMessagingPolicy")
    assert r.status_code == 200 and r.json()[0]["Identity"] == "Global"
    statuses = [e["status"] for e in emu.requests(since)["entries"] if "groupPolicy" in e["path"]]
    assert statuses == [401, 200]
    assert emu.admin("GET", "faults").json()["rules"][0]["respond"]["status"] == 200


def test_respond_keeps_the_permission_check(emu: Emulator) -> None:
    rule = {"match": "GET /Skype.Policy/*", "respond": {"status": 200, "body": []}}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    headers = emu.headers(TEAMS_SCOPE, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET)
    with emu.client(headers=headers) as c:
        assert c.get("/Skype.Policy/configurations/TeamsMessagingPolicy").status_code == 403
