"""Moving sites off the network-wide policy groups: who moves, who is kept, the stages."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import yaml

from hcinfra.network import load_network
from hcinfra.network.policy_groups import NETWORK, SITE, plan_policy_groups
from hcinfra.sites import group_move
from hcinfra.sites.runner import TENANT, TENANT_EXPAND, Runner, running_sites, staged
from tests.network.test_policy_groups import network_of

OVERRIDE = {"roles": [{"key": "information", "policy_package": "Healthcare_ClinicalWorker"}]}


def _with(tmp_path: Path, data: dict, name: str):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return load_network(path)


def test_served_before_reads_the_tenants_output_and_tolerates_older_stacks():
    recorded = {"policy_groups": SimpleNamespace(value={"served": ["H00", "H01"]})}
    assert group_move.served_before(recorded) == ["H00", "H01"]
    assert group_move.served_before({"policy_groups": {"served": ["H02"]}}) == ["H02"]
    assert group_move.served_before({}) == []  # never deployed, or before the output
    assert group_move.served_before({"policies": SimpleNamespace(value={})}) == []


def test_a_site_that_starts_overriding_moves_and_keep_holds_it_in_the_groups(tmp_path: Path):
    network, data, _ = network_of(tmp_path, 3, policy_groups=NETWORK)
    before = plan_policy_groups(network).served()
    assert before == ["H00", "H01", "H02"]
    data["sites"][1]["overrides"] = OVERRIDE
    changed = _with(tmp_path, data, "override.yaml")
    assert group_move.moving(changed, before) == ["H01"]
    plan = plan_policy_groups(changed)
    assert plan.served() == ["H00", "H02"] and plan.own_groups == ["H01"]
    kept = plan_policy_groups(changed, keep=["H01"])
    assert kept.served() == ["H00", "H01", "H02"] and kept.kept == ["H01"]
    h01 = {m.lower() for m in changed.sites[1].members["information"]}
    info = next(g for g in kept.groups if g.role == "information")
    assert h01 <= {m.lower() for m in info.members}
    assert not h01 & {m.lower() for m in plan.group("information").members}
    # Keeping changes no site's own assignments: H01 assigns its groups either way.
    assert [kept.site_assigns(c) for c in changed.codes()] == [False, True, False]
    assert kept.holdings == plan.holdings


def test_back_to_site_groups_every_served_site_moves(tmp_path: Path):
    network, data, _ = network_of(tmp_path, 3, policy_groups=NETWORK)
    before = plan_policy_groups(network).served()
    data["tenant"]["policy_groups"] = SITE
    back = _with(tmp_path, data, "site.yaml")
    assert group_move.moving(back, before) == ["H00", "H01", "H02"]
    assert plan_policy_groups(back).groups == []
    kept = plan_policy_groups(back, keep=["H00", "H02"])
    assert kept.strategy == SITE and kept.served() == ["H00", "H02"]
    assert all(kept.site_assigns(c) for c in back.codes())
    # Onto network groups, or a site leaving the file, nobody moves.
    assert group_move.moving(network, []) == []
    data["tenant"]["policy_groups"] = NETWORK
    data["sites"] = data["sites"][:2]
    assert group_move.moving(_with(tmp_path, data, "smaller.yaml"), before) == []


def test_kept_expands_everyone_and_contracts_all_but_the_sites_not_running():
    moves = ["H00", "H02"]
    assert group_move.kept(moves, group_move.EXPAND, ["H00"]) == moves
    assert group_move.kept(moves, group_move.CONTRACT, None) == []
    assert group_move.kept(moves, group_move.CONTRACT, ["H00", "H01", "H02"]) == []
    assert group_move.kept(moves, group_move.CONTRACT, ["H00"]) == ["H02"]
    assert "H02" in group_move.kept_note(["H02"])


def test_staged_runs_the_tenant_around_the_sites_only_when_running_sites_move(tmp_path: Path):
    network, _, _ = network_of(tmp_path, 3, policy_groups=NETWORK)
    codes = network.codes()
    plans = {TENANT: {"moving": ["H01"]}}
    assert staged(network, None, "up", plans) == [[TENANT_EXPAND], codes, [TENANT]]
    # --site H01 under network groups runs the tenant too; H01 moves, so around it.
    assert staged(network, ["H01"], "up", plans) == [[TENANT_EXPAND], ["H01"], [TENANT]]
    # H01 does not run: the plain order (the tenant keeps H01, see kept()).
    assert staged(network, ["H00"], "up", plans) == [[TENANT], ["H00"]]
    assert staged(network, None, "up", {TENANT: {"moving": []}}) == [[TENANT], codes]
    assert staged(network, None, "up", {}) == [[TENANT], codes]
    assert staged(network, None, "destroy", plans) == [codes, [TENANT]]
    assert running_sites([[TENANT_EXPAND], codes, [TENANT]]) == codes


def test_the_tenants_workers_learn_the_stage_and_the_running_sites(tmp_path: Path):
    runner = Runner("up", tmp_path / "network.yaml", sites=["H00", "H01"])
    expand = runner.worker_args(TENANT_EXPAND)
    assert expand[:2] == ["up", TENANT]
    assert expand[-4:] == ["--sites", "H00,H01", "--stage", group_move.EXPAND]
    assert runner.worker_args(TENANT)[-2:] == ["--sites", "H00,H01"]
    assert "--sites" not in runner.worker_args("H00")
    assert "--sites" not in Runner("up", tmp_path / "n.yaml").worker_args(TENANT)
