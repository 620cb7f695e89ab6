"""Drift, controls and export with network-wide policy groups, against the real emulator.

The tenant side of a deployment is made through the emulator's own APIs, as the tenant
stack's NetworkPolicyGroups would leave it (no Pulumi): the policy instances, one group
per role with the union of the sites' members, and each role's assignments ranked by
the declared precedence. The audit then reads it over loopback like any tenant.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from hcinfra.audit import audit
from hcinfra.audit.model import ControlResult, Finding
from hcinfra.audit.permissions import USER_CONFIGURATIONS
from hcinfra.audit.records import (
    EFFECTIVE,
    declared_site,
    declared_tenant,
    policy_plan,
    user_policies,
)
from hcinfra.clients.connection import Connection
from hcinfra.clients.settings import Settings
from hcinfra.network import load_network
from hcinfra.network.model import Network
from hcinfra.network.policy_groups import NETWORK
from tests.emulator.harness import (
    GRAPH_SCOPE,
    HCINFRA_APP,
    HCINFRA_SECRET,
    Emulator,
    start_emulator,
)
from tests.network.test_policy_groups import network_of

GROUP_KINDS = ("SecurityGroup", EFFECTIVE)
NURSE = "nurse001@northwindhealth.org"  # a clinical worker at every generated site
CLAIRE = "claire.dubois@northwindhealth.org"  # a nurse manager and clinical, everywhere


def seed_for(sites: int, tmp: Path) -> Path:
    """The default seed, with the generated networks' users, and hcinfra's app granted
    what the audit reads effective policies with."""
    text = resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
    seed = yaml.safe_load(text)
    _, data, _ = network_of(tmp, sites)
    known = {u["userPrincipalName"].lower() for u in seed["users"]}
    upns = sorted({m.lower() for s in data["sites"] for ms in s["members"].values() for m in ms})
    seed["users"] += [
        {"userPrincipalName": u, "displayName": u.split("@")[0], "usageLocation": "CA"}
        for u in upns
        if u not in known
    ]
    app = next(a for a in seed["apps"] if a["displayName"] == "hcinfra-automation")
    app["graphPermissions"] = sorted({*app["graphPermissions"], USER_CONFIGURATIONS})
    path = tmp / "seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def emulator70(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator whose directory holds every member of a 70-site generated network."""
    tmp = tmp_path_factory.mktemp("emulator70")
    emu = start_emulator(tmp, "--seed", str(seed_for(70, tmp)))
    yield emu
    emu.stop()


@pytest.fixture
def emu70(emulator70: Emulator) -> Emulator:
    emulator70.reset()
    return emulator70


def connection(emu: Emulator) -> Connection:
    return Connection(
        Settings(
            tenant_id=emu.tenant_id,
            client_id=HCINFRA_APP,
            client_secret=HCINFRA_SECRET,
            endpoint=emu.url,
            ca_bundle=emu.ca,
        )
    )


def batch(emu: Emulator, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Graph `$batch` posts of 20, as the automation app; every answer."""
    out: list[dict[str, Any]] = []
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        for n in range(0, len(requests), 20):
            chunk = [
                {"id": str(i), **r, "headers": {"Content-Type": "application/json"}}
                for i, r in enumerate(requests[n : n + 20])
            ]
            r = c.post("/v1.0/$batch", json={"requests": chunk})
            assert r.status_code == 200, r.text
            out += r.json()["responses"]
    return out


def user_ids(emu: Emulator) -> dict[str, str]:
    """Every user's object id by lower-cased UPN."""
    found: dict[str, str] = {}
    url = "/v1.0/users?$select=id,userPrincipalName&$top=999"
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        while url:
            body = c.get(url).json()
            found.update({u["userPrincipalName"].lower(): u["id"] for u in body["value"]})
            url = body.get("@odata.nextLink", "").removeprefix(emu.url)
    return found


def deploy_network_groups(emu: Emulator, network: Network) -> dict[str, str]:
    """What the tenant stack's NetworkPolicyGroups makes; each role's group id."""
    plan = policy_plan(network)
    assert plan.strategy == NETWORK
    for policy_type, name in sorted({(h.policy_type, h.policy_name) for h in plan.holdings}):
        path = f"/Skype.Policy/configurations/{policy_type}"
        r = emu.teams_admin("POST", path, json={"Identity": name})
        assert r.status_code == 201, r.text
    ids = user_ids(emu)
    groups: dict[str, str] = {}
    adds: list[dict[str, Any]] = []
    for g in plan.groups:
        body = {
            "displayName": g.display_name,
            "mailNickname": g.mail_nickname,
            "description": g.description,
            "mailEnabled": False,
            "securityEnabled": True,
        }
        r = emu.graph("POST", "/groups", json=body)
        assert r.status_code == 201, r.text
        groups[g.role] = gid = r.json()["id"]
        ref = "https://graph.microsoft.com/v1.0/directoryObjects/"
        adds += [
            {
                "method": "POST",
                "url": f"/groups/{gid}/members/$ref",
                "body": {"@odata.id": ref + ids[m.lower()]},
            }
            for m in g.members
        ]
    assert {a["status"] for a in batch(emu, adds)} == {204}
    ranks = {g.role: n for n, g in enumerate(plan.groups, start=1)}
    for h in plan.holdings:
        path = f"/Skype.Policy/groupPolicyAssignments/{groups[h.role]}/policyTypes/{h.policy_type}"
        body = {"policyName": h.policy_name, "priority": ranks[h.role]}
        r = emu.teams_admin("PUT", path, json=body)
        assert r.is_success, r.text
    emu.admin("DELETE", "requests").raise_for_status()
    return groups


def group_findings(found: list[Finding]) -> list[Finding]:
    """The tenant's findings about the policy groups and the users' effective policies
    (the other objects, the sites' among them, are not made here)."""
    return [f for f in found if f.kind in GROUP_KINDS and f.site == "tenant"]


def result(results: list[ControlResult], control_id: str, site: str) -> ControlResult:
    [hit] = [r for r in results if r.control_id == control_id and r.site == site]
    return hit


# --- a small network pinned to network-wide groups ------------------------------------


@pytest.fixture
def small(emu70: Emulator, tmp_path: Path) -> tuple[Emulator, Network, dict[str, str]]:
    network, _, _ = network_of(tmp_path, 3, policy_groups="network")
    return emu70, network, deploy_network_groups(emu70, network)


def test_network_groups_read_back_as_declared(small: Any) -> None:
    emu, network, _ = small
    found = audit.read(network, ["tenant", "H01"], connection(emu))
    assert group_findings(found.findings()) == []
    names = [r["name"] for r in found.live["tenant"] if r["kind"] == "SecurityGroup"]
    assert names == [g.display_name for g in policy_plan(network).groups]
    # Every member's effective policies come from the network-wide groups: the tenant's.
    users = [r for r in found.live["tenant"] if r["kind"] == EFFECTIVE]
    assert len(users) == len(user_policies(network).expected)
    assert not [r for r in found.live["H01"] if r["kind"] == EFFECTIVE]
    nurse = next(r for r in users if r["name"] == NURSE)
    assert nurse["effective"]["TeamsCallingPolicy"] == {
        "policy_name": "Healthcare_ClinicalWorker",
        "assignment": "group",
        "via": "Teams-Policy-Clinical-Workers",
    }
    claire = next(r for r in users if r["name"] == CLAIRE)
    assert claire["effective"]["TeamsMessagingPolicy"]["via"] == "Teams-Policy-Nurse-Managers"
    results = found.controls()
    tenant = result(results, "HC.TEAMS.1.4", "tenant")
    assert tenant.requirement_met, tenant
    assert tenant.actual_value["users"] == len(users)
    # The site's package controls look at the network-wide groups (its own hold nothing).
    for control_id in ("HC.TEAMS.1.1", "HC.TEAMS.1.2", "HC.TEAMS.1.3"):
        r = result(results, control_id, "H01")
        assert r.requirement_met, r
        assert all(name.startswith("Teams-Policy-") for name in r.actual_value)
    visits = result(results, "HC.EHR.1.2", "H01")
    assert visits.actual_value == {"Teams-Policy-Virtual-Care": "assigned"}
    site = result(results, "HC.TEAMS.1.4", "H01")
    assert site.requirement_met and "network-wide groups hold them" in site.details


def test_drift_in_the_network_groups_and_the_effective_policies(small: Any) -> None:
    emu, network, groups = small
    ids = user_ids(emu)
    clinical, managers = groups["clinical"], groups["nurse-managers"]
    room = "patient-rooms.001.0@northwindhealth.org"
    # A member removed, a stranger added.
    r = emu.graph("DELETE", f"/groups/{clinical}/members/{ids[NURSE]}/$ref")
    assert r.status_code == 204, r.text
    clerk = ids["clerk001@northwindhealth.org"]
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{clerk}"}
    assert emu.graph("POST", f"/groups/{clinical}/members/$ref", json=ref).status_code == 204
    # A direct assignment overriding the group's.
    r = emu.teams_admin(
        "PATCH",
        f"/Skype.Policy/users/{CLAIRE}/policies/TeamsMessagingPolicy",
        json={"PolicyName": "Healthcare_ClinicalWorker"},
    )
    assert r.is_success, r.text
    # An assignment re-pointed, and one removed.
    base = "/Skype.Policy/groupPolicyAssignments"
    r = emu.teams_admin(
        "POST",
        f"{base}/{groups['patient-rooms']}/policyTypes/TeamsCallingPolicy",
        json={"policyName": "Healthcare_InformationWorker"},
    )
    assert r.is_success, r.text
    r = emu.teams_admin("DELETE", f"{base}/{managers}/policyTypes/TeamsMessagingPolicy")
    assert r.status_code == 204, r.text

    mark = emu.requests()["last"]
    found = audit.read(network, ["tenant"], connection(emu))
    drift = group_findings(found.findings())
    summary = {(f.kind, f.name, f.field, f.category, f.declared, f.actual) for f in drift}
    assert {
        ("SecurityGroup", "Teams-Policy-Clinical-Workers", "members", "missing", NURSE, None),
        ("SecurityGroup", "Teams-Policy-Clinical-Workers", "members", "extra", None,
         "clerk001@northwindhealth.org"),
        ("SecurityGroup", "Teams-Policy-Patient-Rooms", "policies.TeamsCallingPolicy",
         "changed", "Healthcare_PatientRoom", "Healthcare_InformationWorker"),
        ("SecurityGroup", "Teams-Policy-Nurse-Managers", "policies.TeamsMessagingPolicy",
         "missing", "Secure-Messaging", None),
        (EFFECTIVE, CLAIRE, "effective.TeamsMessagingPolicy", "changed", "Secure-Messaging",
         "Healthcare_ClinicalWorker"),
        (EFFECTIVE, room, "effective.TeamsCallingPolicy", "changed", "Healthcare_PatientRoom",
         "Healthcare_InformationWorker"),
    } <= summary, drift  # fmt: skip
    by = {(f.name, f.field): f for f in drift}
    claire = by[(CLAIRE, "effective.TeamsMessagingPolicy")]
    assert claire.site == "tenant" and claire.object_id == ids[CLAIRE].lower()
    assert claire.message == (
        "TeamsMessagingPolicy: direct assignment Healthcare_ClinicalWorker overrides group "
        "policy Secure-Messaging of Teams-Policy-Nurse-Managers"
    )
    # The nurse, out of the clinical group, falls back to the Global defaults.
    nurse = by[(NURSE, "effective.TeamsCallingPolicy")]
    assert nurse.actual == "Global" and "the Global default applies" in nurse.message
    # The other nurse managers lose Secure-Messaging to the clinical package beneath it.
    manager = next(
        f
        for f in drift
        if f.field == "effective.TeamsMessagingPolicy" and f.name.startswith("nurse-managers.")
    )
    assert manager.message == (
        "TeamsMessagingPolicy: the Global default applies instead of group policy "
        "Secure-Messaging of Teams-Policy-Nurse-Managers: no assignment reaches the user"
    )
    # The nurse, in no group read, was looked up by UPN: one item more, in round 3.
    used = emu.requests(since=mark)
    assert used["writes"] == 0
    configs = [e for e in used["entries"] if e["route"].startswith("/admin/teams/userConf")]
    assert len(configs) == len(user_policies(network).expected)
    assert all(e["batch_item"] for e in configs)

    results = found.controls()
    effective = result(results, "HC.TEAMS.1.4", "tenant")
    assert effective.requirement_met is False
    assert effective.actual_value["differing"][CLAIRE] == {
        "TeamsMessagingPolicy": "direct assignment Healthcare_ClinicalWorker overrides "
        "Secure-Messaging"
    }
    # A site whose members left the network-wide group fails HC.TEAMS.1.1 for it.
    site = audit.read(network, ["H01"], connection(emu)).controls()
    clinical_1 = result(site, "HC.TEAMS.1.1", "H01")
    assert clinical_1.requirement_met is False
    assert clinical_1.actual_value == {
        "Teams-Policy-Clinical-Workers": f"lacks 1 of the site's members: {NURSE}"
    }


def test_a_site_keeping_its_own_groups_owns_its_users_and_conflicts_are_reported(
    tmp_path: Path,
) -> None:
    _, data, path = network_of(tmp_path, 20)
    data["sites"][3]["overrides"] = {
        "roles": [{"key": "clinical", "policy_package": "Healthcare_InformationWorker"}]
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    changed = load_network(path)
    up = user_policies(changed)
    assert up.owners["clinical.003.0@northwindhealth.org"]["TeamsCallingPolicy"] == "H03"
    assert up.owners["clinical.004.0@northwindhealth.org"]["TeamsCallingPolicy"] == "tenant"
    # The shared nurse expects two calling policies: reported where it first arises.
    assert up.owners[NURSE]["TeamsCallingPolicy"] == "tenant"
    nurse = next(r for r in declared_tenant(changed) if r["name"] == NURSE)
    assert "TeamsCallingPolicy" in nurse["conflicts"]  # and the package's other types
    assert "TeamsCallingPolicy" not in nurse["effective"]
    own = {r["name"]: r for r in declared_site(changed, "H03")}
    assert own["H03-Clinical-Workers"]["policies"]  # H03 assigns its own
    other = {r["name"]: r for r in declared_site(changed, "H04")}
    assert other["H04-Clinical-Workers"]["policies"] == {}  # the network-wide group does
    assert own["clinical.003.0@northwindhealth.org"]["kind"] == EFFECTIVE
    assert "clinical.004.0@northwindhealth.org" not in other


# --- at size: 70 generated sites ----------------------------------------------------------


def test_the_export_of_a_70_site_network_is_byte_stable_and_costs_a_batch_per_20_users(
    emu70: Emulator, tmp_path: Path
) -> None:
    network, _, _ = network_of(tmp_path, 70)
    deploy_network_groups(emu70, network)
    users = len(user_policies(network).expected)
    assert users > 600

    mark = emu70.requests()["last"]
    first = audit.read(network, ["tenant"], connection(emu70))
    used = emu70.requests(since=mark)
    wire = [f"{e['method']} {e['route']}" for e in used["entries"] if not e["batch_item"]]
    configs = [e for e in used["entries"] if e["route"].startswith("/admin/teams/userConf")]
    assert len(configs) == users and all(e["batch_item"] for e in configs)
    # Round 1 (groups, SKUs, partners, app lookups) and round 2 (the five groups' members
    # and owners) take a post each; the users' effective policies one per 20 users.
    assert wire.count("POST /$batch") == 2 + math.ceil(users / 20), wire
    assert group_findings(first.findings()) == []
    assert result(first.controls(), "HC.TEAMS.1.4", "tenant").requirement_met

    one = first.export(tmp_path / "one")
    two = audit.read(network, ["tenant"], connection(emu70)).export(tmp_path / "two")
    assert [p.name for p in one] == ["tenant.yaml"]
    text = one[0].read_bytes()
    assert text == two[0].read_bytes()
    assert b"DateTime" not in text and b"priority" not in text
    doc = yaml.safe_load(text)
    groups = [o for o in doc["objects"] if o["kind"] == "SecurityGroup"]
    assert len(groups) == 5
    for g in groups:
        assert g["members"] == sorted(g["members"]) and g["members"]
    assert max(len(g["members"]) for g in groups) > 200
    effective = [o["name"] for o in doc["objects"] if o["kind"] == EFFECTIVE]
    assert effective == sorted(effective) and len(effective) == users
