"""A network past Teams' 64 groups per policy type, deployed through the real engine.

17 generated lean sites (the sample's roles, policies and precedence; no teams,
mailboxes, care coordination, virtual visits, partners or licences) would rank 68 site
groups for the messaging policy, so `tenant.policy_groups: auto` takes one
network-wide group per role in the tenant stack. The test checks what Teams holds (the
assignment lists), who is in the network groups (the union of the sites' members), every
member's effective policy per type (Graph's userConfigurations) against
`expected_policies`, a quiet preview, no drift and every control met (`hcinfra drift`
and `hcinfra check`, which read the same), and a site taken out of the file.
bench/large_network.py deploys the same network at 200 sites.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from hcinfra.network import load_network
from hcinfra.network.model import Network
from hcinfra.network.policy_groups import NETWORK, expected_policies, plan_policy_groups
from tests.conftest import REPO
from tests.e2e.sites_harness import Sites, emulator_settings, graph_group, summary
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, GRAPH_SCOPE, Emulator

pytestmark = pytest.mark.e2e

SAMPLE = REPO / "stacks" / "network.yaml"
SEED = REPO / "hcinfra" / "emulator" / "seeds" / "default.yaml"
DOMAIN = "northwindhealth.org"
# Users at every site: a nurse manager who also works as a nurse, and a float nurse.
EVERYWHERE = {
    "nurse-managers": ["claire.dubois@northwindhealth.org"],
    "clinical": ["claire.dubois@northwindhealth.org", "nurse001@northwindhealth.org"],
}
# The generated staff, one seed batch per role: `{prefix}{n:03}@northwindhealth.org`.
BATCHES = {
    "nurse-managers": "lnm",
    "clinical": "lcw",
    "information": "liw",
    "patient-rooms": "lpr",
}


def site_code(n: int) -> str:
    """L01, L02, … L200 (2-8 capitals or digits)."""
    return f"L{n:02d}"


def person(role: str, n: int) -> str:
    """The n-th (from 0) generated member of a role's batch."""
    return f"{BATCHES[role]}{n + 1:03d}@{DOMAIN}"


def site_members(i: int) -> dict[str, list[str]]:
    """Site i's members (from 0): its own staff, the clinician it shares with the next
    site (its third clinician is the next site's first), and the users of every site."""
    clinical = [person("clinical", 2 * i + k) for k in range(3)]
    return {
        "nurse-managers": [person("nurse-managers", i), *EVERYWHERE["nurse-managers"]],
        "clinical": [*clinical, *EVERYWHERE["clinical"]],
        "information": [person("information", i)],
        "patient-rooms": [person("patient-rooms", i)],
        "virtual-care": [clinical[1]],  # a clinician of this site only
    }


def lean_network(count: int, policy_groups: str = "auto") -> dict[str, Any]:
    """The sample's tenant, roles, Teams policies and precedence with `count` generated
    sites, without teams, mailboxes, care coordination, virtual visits, partners or
    licences: each site stack holds its five role groups (and their assignments under
    site groups)."""
    sample = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    baseline = sample["baseline"]
    for key in ("mailboxes", "teams", "care_coordination", "virtual_visits", "partners"):
        baseline.pop(key, None)
    for role in baseline["roles"]:
        role.pop("licences", None)
        role.pop("seats", None)
    sites = [
        {
            "code": site_code(i + 1),
            "name": f"Hospital {site_code(i + 1)}",
            "mail_domain": f"{site_code(i + 1).lower()}.{DOMAIN}",
            "members": site_members(i),
        }
        for i in range(count)
    ]
    tenant = {
        "id": sample["tenant"]["id"],
        "domains": [DOMAIN, *(s["mail_domain"] for s in sites)],
        "policy_groups": policy_groups,
    }
    return {"tenant": tenant, "baseline": baseline, "sites": sites}


def lean_seed(network: dict[str, Any], folder: Path) -> Path:
    """The default seed with the network's mail domains and its generated staff."""
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    known = seed["tenant"]["domains"]
    seed["tenant"]["domains"] = known + [d for d in network["tenant"]["domains"] if d not in known]
    count = len(network["sites"])
    sizes = {role: count for role in BATCHES} | {"clinical": 2 * count + 1}
    titles = {
        "nurse-managers": "Nurse Manager",
        "clinical": "Clinician",
        "information": "Unit Clerk",
        "patient-rooms": "Patient Room Device",
    }
    for role, prefix in BATCHES.items():
        seed["userBatches"].append(
            {
                "prefix": prefix,
                "count": sizes[role],
                "domain": DOMAIN,
                "displayName": f"{titles[role]} {{n}}",
                "usageLocation": "CA",
                "jobTitle": titles[role],
            }
        )
    path = folder / "seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- reading the tenant -------------------------------------------------------------------------


def graph_batch(emu: Emulator, urls: dict[str, str]) -> tuple[dict[str, dict[str, Any]], int]:
    """GET each url through Graph's $batch, 20 a post, as the auditor app (reads only):
    the answers by key, and the posts made. Items Graph throttles (429) go again after
    their Retry-After."""
    todo = list(urls)
    out: dict[str, dict[str, Any]] = {}
    posts = 0
    with emu.client(headers=emu.headers(GRAPH_SCOPE, AUDITOR_APP, AUDITOR_SECRET)) as c:
        while todo:
            chunk, todo = todo[:20], todo[20:]
            requests = [
                {"id": str(n), "method": "GET", "url": urls[k]} for n, k in enumerate(chunk)
            ]
            r = c.post("/v1.0/$batch", json={"requests": requests})
            posts += 1
            r.raise_for_status()
            wait = 0.0
            for answer in r.json()["responses"]:
                key = chunk[int(answer["id"])]
                if answer["status"] == 429:
                    todo.append(key)
                    headers = answer.get("headers") or {}
                    wait = max(wait, float(headers.get("Retry-After", 1)))
                    continue
                assert answer["status"] == 200, (urls[key], answer)
                out[key] = answer["body"]
            time.sleep(wait)
    return out, posts


@dataclass
class EffectiveCheck:
    """Every role member's effective Teams policy per type against expected_policies."""

    users: int = 0
    matching: int = 0
    mismatches: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    calls: int = 0  # Graph $batch posts (20 reads each)
    seconds: float = 0.0


def check_effective(
    emu: Emulator, network: Network, upns: list[str] | None = None
) -> EffectiveCheck:
    """Read each user's effective policies (GET /admin/teams/userConfigurations/{id}, by
    $batch) and compare every type the network assigns: the expected policy, else Global.
    `upns` defaults to every role member of the network."""
    began = time.perf_counter()
    expected = expected_policies(network)
    users = sorted({u.lower() for u in (upns if upns is not None else expected)})
    types = sorted({t.policy_type for t in plan_policy_groups(network).types})
    ids, calls = graph_batch(
        emu, {u: f"/users/{quote(u, safe='@')}?$select=id,userPrincipalName" for u in users}
    )
    select = "$select=id,effectivePolicyAssignments"
    configs, more = graph_batch(
        emu,
        {u: f"/admin/teams/userConfigurations/{ids[u]['id']}?{select}" for u in users},
    )
    result = EffectiveCheck(users=len(users), calls=calls + more)
    for upn in users:
        have = {
            a["policyType"]: a["policyAssignment"]["displayName"]
            for a in configs[upn]["effectivePolicyAssignments"]
        }
        want = expected.get(upn, {})
        wrong = {
            t: (want.get(t, "Global"), have.get(t, "?"))
            for t in types
            if want.get(t, "Global").lower() != have.get(t, "?").lower()
        }
        if wrong:
            result.mismatches[upn] = wrong
        else:
            result.matching += 1
    result.seconds = time.perf_counter() - began
    return result


def group_members(emu: Emulator, group_id: str) -> set[str]:
    """A group's direct members' UPNs, lower-cased (every page)."""
    found: set[str] = set()
    url: str | None = f"/v1.0/groups/{group_id}/members?$select=id,userPrincipalName&$top=999"
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        while url:
            r = c.get(url)
            r.raise_for_status()
            body = r.json()
            found |= {str(m["userPrincipalName"]).lower() for m in body["value"]}
            url = body.get("@odata.nextLink")
    return found


def network_group_ids(emu: Emulator, network: Network) -> dict[str, str]:
    """Each network-wide group's object id by role, found by its mail nickname."""
    out: dict[str, str] = {}
    for g in plan_policy_groups(network).groups:
        found = graph_group(emu, g.mail_nickname)
        assert [f["displayName"] for f in found] == [g.display_name], g.mail_nickname
        out[g.role] = str(found[0]["id"])
    return out


def assignment_lists(emu: Emulator, types: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The Teams admin service's group assignments per policy type, by priority."""
    out = {}
    for policy_type in types:
        r = emu.teams_admin(
            "GET", "/Skype.Policy/groupPolicyAssignments", params={"policyType": policy_type}
        )
        r.raise_for_status()
        out[policy_type] = sorted(r.json(), key=lambda a: int(a["priority"]))
    return out


# --- the test -----------------------------------------------------------------------------------

SITES = 17  # 17 sites x 4 groups = 68 for messaging, app setup and meeting under site groups
PARALLEL = 4
REMOVED = "L09"  # site 8 from 0: shares a clinician with L08 and one with L10


@pytest.fixture
def large(
    tmp_path: Path, pulumi_env: dict[str, str], emulator_factory: Callable[..., Emulator]
) -> tuple[Sites, Emulator]:
    """A project folder holding the generated network, and an emulator seeded with its
    staff; the default file backend beside the network file, as `sites` uses."""
    return lean_project(tmp_path, pulumi_env, emulator_factory, lean_network(SITES))


def lean_project(
    tmp_path: Path,
    pulumi_env: dict[str, str],
    emulator_factory: Callable[..., Emulator],
    network: dict[str, Any],
) -> tuple[Sites, Emulator]:
    """The network in a project folder of its own, and an emulator seeded with its staff."""
    emu = emulator_factory("--seed", str(lean_seed(network, tmp_path)))
    emu.admin("PUT", "faults", json={"teamsOperationMs": 200, "licenseProcessingMs": 100})
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    (folder / "network.yaml").write_text(yaml.safe_dump(network, sort_keys=False))
    env = {k: v for k, v in pulumi_env.items() if k != "PULUMI_BACKEND_URL"}
    return Sites(folder, {**env, **emulator_settings(emu)}), emu


def hcinfra(sites: Sites, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m hcinfra.cli ARGS --network <the network file>` in the project folder."""
    return subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", *args, "--network", str(sites.network)],
        env=sites.env,
        cwd=sites.folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_network_groups_hold_the_policies(emu: Emulator, network: Network) -> None:
    """Each type's assignment list holds the network-wide groups only, in precedence
    order; each group's direct members are the union of the sites' members of its role;
    every member's effective policy per type is the expected one."""
    plan = plan_policy_groups(network)
    ids = network_group_ids(emu, network)
    lists = assignment_lists(emu, [t.policy_type for t in plan.types])
    for t in plan.types:
        held = [h for h in plan.holdings if h.policy_type == t.policy_type]
        got = [(a["groupId"], a["policyName"]) for a in lists[t.policy_type]]
        assert got == [(ids[h.role], h.policy_name) for h in held], t.policy_type
        assert len(got) == t.network_groups <= len(plan.groups) <= 64
    for role, gid in ids.items():
        union = {m.lower() for s in network.sites for m in s.members.get(role, [])} | {
            m.lower() for r in network.baseline.roles if r.key == role for m in r.members
        }
        assert group_members(emu, gid) == union, role
    check = check_effective(emu, network)
    assert check.mismatches == {}
    assert check.matching == check.users == len(expected_policies(network))


def effective_controls(sites: Sites) -> dict[str, dict[str, Any]]:
    """`hcinfra drift` finds nothing (the network groups' members and policies, every
    member's effective policies: hcinfra.audit), and `hcinfra check` meets every control;
    each stack's effective Teams policies result (HC.TEAMS.1.4) by stack."""
    drift = hcinfra(sites, "drift", "--format", "json")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert json.loads(drift.stdout)["findings"] == []
    checked = hcinfra(sites, "check", "--format", "json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    results = json.loads(checked.stdout)["results"]
    assert [r for r in results if r["requirement_met"] is False] == []
    return {r["site"]: r["actual_value"] for r in results if r["control_id"] == "HC.TEAMS.1.4"}


def assert_no_drift_and_controls_met(sites: Sites, users: int) -> None:
    """No drift, every control met, and the tenant's network groups govern `users`."""
    effective = effective_controls(sites)
    assert effective["tenant"] == {"conflicts": {}, "differing": {}, "users": users}


def test_a_network_past_the_cap_deploys_with_network_groups_and_loses_a_site_cleanly(
    large: tuple[Sites, Emulator],
):
    sites, emu = large
    network = load_network(sites.network)
    codes = network.codes()

    # validate: site groups would not fit, so auto takes network-wide groups
    valid = hcinfra(sites, "validate")
    assert valid.returncode == 0, valid.stderr
    assert "Teams policies: 5 network-wide role groups (tenant.policy_groups: auto)" in valid.stdout
    assert (
        "TeamsMessagingPolicy: network groups, 4 of 64 (site groups would be 68, network-wide 4)"
        in valid.stdout
    )
    plan = plan_policy_groups(network)
    assert plan.strategy == NETWORK and max(t.site_groups for t in plan.types) > 64
    # The expectations themselves, for users whose roles overlap: Claire manages nurses
    # at every site and nurses too; each site's virtual-care clinician is clinical.
    expected = expected_policies(network)
    claire = expected["claire.dubois@northwindhealth.org"]
    assert claire["TeamsMessagingPolicy"] == "Secure-Messaging"
    assert claire["TeamsCallingPolicy"] == "Healthcare_ClinicalWorker"
    visits = expected[person("clinical", 1)]
    assert visits["TeamsMeetingPolicy"] == "Virtual-Visits"
    assert visits["TeamsMessagingPolicy"] == "Healthcare_ClinicalWorker"

    # 1. up: the tenant stack (policies, network groups, their assignments), then the sites
    up = sites.run("up", "--parallel", str(PARALLEL))
    assert up.returncode == 0, up.stdout + up.stderr
    rows = summary(up.stdout)
    assert list(rows) == ["tenant", *codes]
    assert all(r["result"] == "ok" for r in rows.values()), rows
    # A site stack: the stack, its component and its five role groups, no assignment.
    assert {rows[c]["changes"] for c in codes} == {"create 7"}
    assert_network_groups_hold_the_policies(emu, network)

    # 2. a second preview plans nothing and writes nothing; drift finds nothing
    mark = emu.requests()["last"]
    preview = sites.run("preview", "--parallel", str(PARALLEL))
    assert preview.returncode == 0, preview.stdout + preview.stderr
    rows = summary(preview.stdout)
    assert list(rows) == ["tenant", *codes]
    for code, row in rows.items():
        assert row["changes"].startswith("same") and "," not in row["changes"], (code, row)
    assert_no_drift_and_controls_met(sites, len(expected))
    assert emu.requests(since=mark)["writes"] == 0

    # 3. a site leaves the network file: its own staff leave the network groups, staff
    # it shares with another site stay, and no other stack changes (the site's own stack
    # and role groups stay until `sites destroy` takes them, before it leaves the file)
    gone = next(s for s in network.sites if s.code == REMOVED)
    ids = network_group_ids(emu, network)
    sites.edit(lambda d: d.update(sites=[s for s in d["sites"] if s["code"] != REMOVED]))
    smaller = load_network(sites.network)
    mark = emu.requests()["last"]
    again = sites.run("up", "--parallel", str(PARALLEL))
    assert again.returncode == 0, again.stdout + again.stderr
    rows = summary(again.stdout)
    assert list(rows) == ["tenant", *[c for c in codes if c != REMOVED]]
    assert {rows[c]["changes"] for c in rows if c != "tenant"} == {"same 7"}
    assert rows["tenant"]["changes"].endswith(f"update {len(ids)}"), rows["tenant"]
    writes = [e for e in emu.requests(since=mark)["entries"] if e["write"]]
    assert writes and all(any(g in e["path"] for g in ids.values()) for e in writes), writes
    assert_network_groups_hold_the_policies(emu, smaller)
    still = {m.lower() for s in smaller.sites for ms in s.members.values() for m in ms}
    own = {m.lower() for ms in gone.members.values() for m in ms} - still
    shared = {m.lower() for ms in gone.members.values() for m in ms} & still
    assert own == {
        person("nurse-managers", 8),
        person("clinical", 17),
        person("information", 8),
        person("patient-rooms", 8),
    }
    assert person("clinical", 16) in shared and person("clinical", 18) in shared
    left = check_effective(emu, smaller, sorted(own))
    assert left.mismatches == {} and left.users == 4  # Global in every type now
    assert_no_drift_and_controls_met(sites, len(expected_policies(smaller)))
