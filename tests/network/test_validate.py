"""The network file: every problem found before any tenant call, named by site and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hcinfra.network import NetworkError, load_network
from hcinfra.network.naming import ascii_slug, group_nickname
from hcinfra.network.plan import plan_site
from tests.conftest import REPO

SAMPLE = REPO / "stacks" / "network.yaml"


def sample() -> dict:
    return yaml.safe_load(SAMPLE.read_text())


def problems_of(tmp_path: Path, data: dict | str) -> list[str]:
    path = tmp_path / "network.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(NetworkError) as err:
        load_network(path)
    return [str(p) for p in err.value.problems]


def test_the_sample_network_is_valid_and_names_are_ascii():
    network = load_network(SAMPLE)
    assert network.codes() == ["STM", "HSA", "CHM"]
    chm = plan_site(network, "CHM")
    assert chm.group("clinical").display_name == "CHM-Clinical-Workers"
    assert chm.group("clinical").mail_nickname == "chm-clinical-workers"
    hsa = plan_site(network, "HSA")
    assert [t.mail_nickname for t in hsa.teams] == [
        "hsa-hospital",
        "hsa-ward-cardiologie",
        "hsa-ward-pediatrie",
    ]
    assert hsa.teams[2].display_name == "HSA Pédiatrie"
    assert all(t.mail_nickname.isascii() for p in (chm, hsa) for t in p.teams)
    assert ascii_slug("Centre hospitalier de Montréal") == "centre-hospitalier-de-montreal"
    assert group_nickname("HSA", "Soins-Intensifs-Pédiatriques") == (
        "hsa-soins-intensifs-pediatriques"
    )


def test_overrides_merge_field_by_field_and_lists_by_key():
    network = load_network(SAMPLE)
    chm = plan_site(network, "CHM")
    info = next(m for m in chm.mailboxes if m.key == "info")
    assert info.display_name == "Centre hospitalier de Montréal — Renseignements"
    assert info.full_access == ["information"]  # untouched fields keep the baseline's


def test_ranks_are_places_among_a_sites_groups_in_precedence_order():
    network = load_network(SAMPLE)
    for code in network.codes():
        plan = plan_site(network, code)
        assert plan.ranked == [
            "nurse-managers",
            "virtual-care",
            "clinical",
            "information",
            "patient-rooms",
        ]
        assert {g.role: g.rank for g in plan.groups} == {
            "nurse-managers": 1,
            "virtual-care": 2,
            "clinical": 3,
            "information": 4,
            "patient-rooms": 5,
        }
        assert {(p.role, p.rank) for p in plan.policies} == {
            ("nurse-managers", 1),
            ("virtual-care", 2),
        }


def test_precedence_defaults_to_role_order_and_names_only_ranked_roles(tmp_path: Path):
    data = sample()
    del data["baseline"]["policies"]["precedence"]
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    plan = plan_site(load_network(path), "STM")
    assert plan.ranked == [
        "clinical",
        "information",
        "patient-rooms",
        "nurse-managers",
        "virtual-care",
    ]

    data["baseline"]["policies"]["precedence"] = ["nurse-managers", "surgeons", "nurse-managers"]
    data["baseline"]["roles"].append({"key": "porters", "name": "Porters"})
    data["baseline"]["policies"]["precedence"].append("porters")
    found = problems_of(tmp_path, data)
    assert any(
        "baseline.policies.precedence[1]" in p and "unknown role 'surgeons'" in p for p in found
    )
    assert any("precedence[2]" in p and "listed twice" in p for p in found)
    assert any("precedence[3]" in p and "holds no Teams policy" in p for p in found)


def test_every_problem_is_listed_with_its_site_and_field(tmp_path: Path):
    data = sample()
    data["baseline"]["roles"][0]["licences"][0]["sku"] = "SPE_F9"
    data["baseline"]["teams"]["ward"]["template"] = "healthcareClinic"
    data["baseline"]["roles"][1]["policy_package"] = "Healthcare_Doctor"
    data["baseline"]["policies"]["app_setup"]["pinned_apps"].append("Fax")
    data["sites"][1]["code"] = "STM"
    data["sites"][2]["mail_domain"] = "chm.example.org"
    found = problems_of(tmp_path, data)
    text = "\n".join(found)
    assert "baseline.roles[0].licences[0].sku" in text and "unknown SKU 'SPE_F9'" in text
    assert "SPE_F1" in text  # the known SKUs are listed
    assert "unknown template 'healthcareClinic'" in text
    assert "unknown policy package 'Healthcare_Doctor'" in text
    assert "unknown app 'Fax'" in text
    assert "site STM: sites[1].code" in text and "duplicate site code 'STM'" in text
    assert "site CHM: sites[2].mail_domain" in text
    assert len(found) >= 6
    assert all("(line " in p for p in found)


def test_two_sites_deriving_the_same_names(tmp_path: Path):
    data = sample()
    data["sites"][2]["code"] = "STM2"
    data["sites"][2]["mail_domain"] = "stm.northwindhealth.org"
    text = "\n".join(problems_of(tmp_path, data))
    assert "site STM2" in text
    assert "mail address 'info@stm.northwindhealth.org'" in text
    assert "which site STM derives too" in text


def test_licence_pool_exceeded(tmp_path: Path):
    data = sample()
    data["tenant"]["licence_pool"]["SPE_F1"] = 100
    text = "\n".join(problems_of(tmp_path, data))
    assert "tenant.licence_pool.SPE_F1" in text and "need 140 SPE_F1 seats" in text


def test_structure_errors_name_site_field_and_line(tmp_path: Path):
    data = sample()
    data["sites"][0]["code"] = "stm"
    data["sites"][1]["members"]["clinical"] = ["not-an-address"]
    data["baseline"]["mailboxes"][0]["colour"] = "blue"
    found = problems_of(tmp_path, data)
    text = "\n".join(found)
    assert "site stm: sites[0].code" in text
    assert "site HSA: sites[1].members" in text
    assert "baseline.mailboxes[0].colour" in text and "Extra inputs are not permitted" in text


def test_malformed_yaml_gives_its_line(tmp_path: Path):
    [problem] = problems_of(tmp_path, "tenant:\n  id: x\n  domains: [a, b\nsites: []\n")
    assert "malformed YAML" in problem and "(line " in problem


def test_references_to_unknown_roles_and_missing_owners(tmp_path: Path):
    data = sample()
    data["baseline"]["mailboxes"][0]["full_access"] = ["janitors"]
    data["sites"][2]["members"].pop("nurse-managers")
    data["baseline"]["policies"]["messaging"]["roles"] = ["clinical"]
    text = "\n".join(problems_of(tmp_path, data))
    assert "baseline.mailboxes[0].full_access" in text and "unknown role 'janitors'" in text
    assert "site CHM" in text and "needs an owner" in text
    assert "already gets this policy type from its policy package" in text


def test_validate_command_exit_codes(tmp_path: Path):
    ok = subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", "validate", "--network", str(SAMPLE)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "valid (3 sites" in ok.stdout
    bad = tmp_path / "bad.yaml"
    data = sample()
    data["sites"][0]["mail_domain"] = "nope.example"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    fail = subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", "validate", "--network", str(bad)],
        capture_output=True,
        text=True,
    )
    assert fail.returncode == 1 and "site STM: sites[0].mail_domain" in fail.stderr


def test_a_baseline_problem_is_reported_once_not_again_per_site(tmp_path: Path):
    data = sample()
    data["baseline"]["roles"][0]["licences"][0]["sku"] = "SPE_F9"  # HSA and CHM override
    found = problems_of(tmp_path, data)
    assert sum("unknown SKU 'SPE_F9'" in p for p in found) == 1
    data["sites"][1]["overrides"]["roles"] = [{"key": "clinical", "policy_package": "Nope"}]
    found = problems_of(tmp_path, data)
    assert any(p.startswith("site HSA:") and "'Nope'" in p for p in found)


def test_more_site_groups_per_policy_type_than_teams_allows_is_refused(tmp_path: Path):
    data = sample()
    del data["tenant"]["licence_pool"]
    data["tenant"]["policy_groups"] = "site"
    template = data["sites"][0]
    data["sites"] = []
    for n in range(22):  # three packaged roles each: 66 groups per package type
        domain = f"h{n:02d}.northwindhealth.org"
        data["tenant"]["domains"].append(domain)
        data["sites"].append({**template, "code": f"H{n:02d}", "mail_domain": domain})
    found = problems_of(tmp_path, data)
    assert len(found) == 1, found
    assert found[0].startswith("tenant.policy_groups (line ")
    assert "64 groups per policy type" in found[0]
    assert "TeamsCallingPolicy 66" in found[0] and "TeamsMessagingPolicy 88" in found[0]
    assert "set tenant.policy_groups to auto or network" in found[0]
    # 21 sites fit: 63 groups for the package types, though messaging has 84.
    data["sites"] = data["sites"][:21]
    assert "TeamsCallingPolicy" not in problems_of(tmp_path, data)[0]
    # auto (the default) serves all 22 with one network-wide group per role.
    del data["tenant"]["policy_groups"]
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump({**data, "sites": data["sites"]}, allow_unicode=True))
    assert len(load_network(path).sites) == 21


def test_roles_with_mailbox_rights_get_a_mail_enabled_group_named_by_the_convention():
    stm = plan_site(load_network(SAMPLE), "STM")
    holders = {r for m in stm.mailboxes for r in (*m.full_access, *m.send_as)}
    assert {g.role for g in stm.mail_groups} == holders
    group = stm.mail_group(sorted(holders)[0])
    assert group.name == f"{stm.group(group.role).display_name}-Mail"
    assert group.alias == ascii_slug(group.name)
    assert group.address == f"{group.alias}@{stm.mail_domain}"
    assert group.members == stm.group(group.role).members


def test_a_mail_group_name_over_exchanges_64_characters_is_refused(tmp_path: Path):
    data = sample()
    holder = data["baseline"]["mailboxes"][0]["full_access"][0]
    role = next(r for r in data["baseline"]["roles"] if r["key"] == holder)
    role["name"] = "R" * 58  # STM- + 58 + -Mail = 67
    found = problems_of(tmp_path, data)
    assert any("mail-enabled security group name" in p and "Exchange allows 64" in p for p in found)
