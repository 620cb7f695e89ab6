"""Which groups hold Teams policies: site groups under the cap, network-wide groups past it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from hcinfra.network import load_network
from hcinfra.network.policy_groups import NETWORK, SITE, conflicts, expected_policies
from hcinfra.network.policy_groups import plan_policy_groups as plan_of
from tests.conftest import REPO

SAMPLE = REPO / "stacks" / "network.yaml"


def network_of(tmp_path: Path, sites: int, **tenant: object):
    """The sample's baseline with `sites` copies of STM (distinct members per site)."""
    data = yaml.safe_load(SAMPLE.read_text())
    data["tenant"].pop("licence_pool", None)
    data["tenant"].update(tenant)
    template = data["sites"][0]
    data["sites"] = []
    for n in range(sites):
        domain = f"h{n:02d}.northwindhealth.org"
        data["tenant"]["domains"].append(domain)
        members = {
            role: [f"{role}.{n:03d}.{i}@northwindhealth.org" for i in range(len(upns))]
            for role, upns in template["members"].items()
        }
        members["clinical"].append("nurse001@northwindhealth.org")  # one nurse at every site
        claire = "claire.dubois@northwindhealth.org"  # manages nurses and nurses, everywhere
        members["nurse-managers"].append(claire)
        members["clinical"].append(claire)
        data["sites"].append(
            {**template, "code": f"H{n:02d}", "mail_domain": domain, "members": members}
        )
    path = tmp_path / f"network-{sites}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return load_network(path), data, path


def test_a_small_network_keeps_site_groups(tmp_path: Path):
    network, _, _ = network_of(tmp_path, 3)
    plan = plan_of(network)
    assert plan.strategy == SITE and plan.groups == []
    assert all(plan.site_assigns(c) for c in network.codes())
    messaging = next(t for t in plan.types if t.policy_type == "TeamsMessagingPolicy")
    assert (messaging.site_groups, messaging.network_groups) == (12, 4)


def test_auto_moves_to_network_groups_only_when_they_no_longer_fit_beside_the_site_groups(
    tmp_path: Path,
):
    # 4 groups per site for messaging: 15 sites hold 60, and the 4 network groups fit beside.
    fits, _, _ = network_of(tmp_path, 15)
    assert plan_of(fits).strategy == SITE
    past, _, _ = network_of(tmp_path, 16)  # 64 + 4 would not fit during the move
    plan = plan_of(past)
    assert plan.strategy == NETWORK and plan.own_groups == []
    assert not any(plan.site_assigns(c) for c in past.codes())
    assert plan.over_cap() == {}


def test_network_groups_hold_the_union_of_the_sites_members_once(tmp_path: Path):
    network, data, _ = network_of(tmp_path, 20)
    plan = plan_of(network)
    clinical = plan.group("clinical")
    assert clinical.display_name == "Teams-Policy-Clinical-Workers"
    assert clinical.mail_nickname == "teams-policy-clinical-workers"
    per_site = len(data["sites"][0]["members"]["clinical"]) - 1
    assert len(clinical.members) == 20 * (per_site - 1) + 2  # the shared two once
    assert [g.role for g in plan.groups] == [
        "nurse-managers",
        "virtual-care",
        "clinical",
        "information",
        "patient-rooms",
    ]  # the declared precedence
    assert clinical.sites == network.codes()


def test_a_site_overriding_a_package_keeps_its_own_groups_and_counts_against_the_cap(
    tmp_path: Path,
):
    _, data, path = network_of(tmp_path, 20)
    data["sites"][3]["overrides"] = {
        "roles": [{"key": "clinical", "policy_package": "Healthcare_InformationWorker"}]
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    plan = plan_of(load_network(path))
    assert plan.strategy == NETWORK and plan.own_groups == ["H03"]
    assert plan.site_assigns("H03") and not plan.site_assigns("H04")
    calling = next(t for t in plan.types if t.policy_type == "TeamsCallingPolicy")
    assert calling.network_groups == 3 + 3  # the network's three, and H03's own three
    assert "clinical.003.0@northwindhealth.org" not in plan.group("clinical").members


def test_each_user_expects_the_policy_of_their_first_role_in_precedence(tmp_path: Path):
    network, data, path = network_of(tmp_path, 20)
    expected = expected_policies(network)
    # Claire is a nurse manager and clinical: nurse-managers rank first and hold the
    # messaging policy; calling comes from the clinical package, which they lack.
    claire = expected["claire.dubois@northwindhealth.org"]
    assert claire["TeamsMessagingPolicy"] == "Secure-Messaging"
    assert claire["TeamsCallingPolicy"] == "Healthcare_ClinicalWorker"
    room = expected["patient-rooms.000.0@northwindhealth.org"]
    assert room["TeamsCallingPolicy"] == "Healthcare_PatientRoom"
    assert conflicts(network) == {}
    # A site giving the clinical role another package: the shared nurse now expects two
    # policies, one from each scope, and Teams' answer depends on unordered ranks.
    data["sites"][3]["overrides"] = {
        "roles": [{"key": "clinical", "policy_package": "Healthcare_InformationWorker"}]
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    changed = load_network(path)
    nurse = "nurse001@northwindhealth.org"
    assert "TeamsCallingPolicy" in conflicts(changed)[nurse]
    assert "TeamsCallingPolicy" not in expected_policies(changed)[nurse]


def test_a_pinned_network_strategy_is_used_even_for_a_small_network(tmp_path: Path):
    network, _, _ = network_of(tmp_path, 2, policy_groups="network")
    plan = plan_of(network)
    assert plan.strategy == NETWORK and len(plan.groups) == 5


def test_validate_reports_the_strategy_of_each_policy_type(tmp_path: Path):
    _, _, path = network_of(tmp_path, 70)
    out = subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", "validate", "--network", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "Teams policies: 5 network-wide role groups (tenant.policy_groups: auto)" in out.stdout
    assert (
        "TeamsCallingPolicy: network groups, 3 of 64 (site groups would be 210, network-wide 3)"
        in out.stdout
    )


def test_naming_sites_still_runs_the_tenant_stack_when_it_holds_their_members(tmp_path: Path):
    from hcinfra.sites.runner import order

    large, _, _ = network_of(tmp_path, 20)
    assert order(large, ["H03"], "up") == [["tenant"], ["H03"]]
    assert order(large, ["H03"], "preview") == [["tenant"], ["H03"]]
    assert order(large, ["H03"], "destroy") == [["H03"]]
    small, _, _ = network_of(tmp_path, 3)
    assert order(small, ["H01"], "up") == [["H01"]]
