"""Sites moving off the network-wide Teams policy groups keep their policies throughout.

Three lean sites (tests/e2e/test_large_network.py's generator) pinned to network-wide
groups. Then one site overrides a role's healthcare package, so it takes its own groups;
then the network is pinned back to site groups, so every site does. Each move is
`hcinfra sites up` through the real engine, which runs the tenant stack keeping the
moving sites in the network groups, then the sites, then the tenant again
(hcinfra.sites.group_move). While it runs, the test reads the moving users' effective
policies from Graph again and again: none may fall back to Global (or to anything but
the policy before or after the move) at any moment. At the end, every member's effective
policy is the declared one and drift finds nothing.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from hcinfra.network import load_network
from hcinfra.network.model import Network
from hcinfra.network.policy_groups import NETWORK, SITE, expected_policies, plan_policy_groups
from tests.e2e.sites_harness import Sites, summary
from tests.e2e.test_large_network import (
    check_effective,
    effective_controls,
    graph_batch,
    group_members,
    lean_network,
    lean_project,
    network_group_ids,
)
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e

SITES = 3
MOVER = "L02"  # overrides the information role's package, so it takes its own groups
OVERRIDE = {"key": "information", "policy_package": "Healthcare_ClinicalWorker"}


@pytest.fixture
def small(
    tmp_path: Path, pulumi_env: dict[str, str], emulator_factory: Callable[..., Emulator]
) -> tuple[Sites, Emulator]:
    """Three lean sites pinned to network-wide groups, and an emulator with their staff."""
    network = lean_network(SITES, policy_groups=NETWORK)
    return lean_project(tmp_path, pulumi_env, emulator_factory, network)


class Watcher:
    """Reads users' effective Teams policies over and over while a run goes on; records
    every reading outside what is allowed (the policy before or after the move)."""

    def __init__(self, emu: Emulator, before: Network, after: Network, users: list[str]):
        self.emu = emu
        old, new = expected_policies(before), expected_policies(after)
        types = {t.policy_type for t in plan_policy_groups(after).types}
        self.allowed = {
            u: {
                t: {
                    old.get(u, {}).get(t, "Global").lower(),
                    new.get(u, {}).get(t, "Global").lower(),
                }
                for t in types
            }
            for u in users
        }
        ids, _ = graph_batch(
            emu, {u: f"/users/{quote(u, safe='@')}?$select=id,userPrincipalName" for u in users}
        )
        self.ids = {u: str(ids[u]["id"]) for u in users}
        self.readings = 0
        self.bad: list[tuple[str, str, str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        select = "$select=id,effectivePolicyAssignments"
        urls = {u: f"/admin/teams/userConfigurations/{i}?{select}" for u, i in self.ids.items()}
        while not self.stop.is_set():
            configs, _ = graph_batch(self.emu, urls)
            for upn, config in configs.items():
                have = {
                    a["policyType"]: a["policyAssignment"]["displayName"].lower()
                    for a in config["effectivePolicyAssignments"]
                }
                for policy_type, allowed in self.allowed[upn].items():
                    got = have.get(policy_type, "?")
                    if got not in allowed:
                        self.bad.append((upn, policy_type, got))
            self.readings += 1
            self.stop.wait(0.3)

    def __enter__(self) -> Watcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def up_watched(sites: Sites, emu: Emulator, before: Network, users: list[str]):
    """`hcinfra sites up` while a Watcher reads the users' effective policies."""
    after = load_network(sites.network)
    with Watcher(emu, before, after, users) as watcher:
        run = subprocess.run(
            [sys.executable, "-m", "hcinfra.cli", "sites", "up", "--network", str(sites.network)],
            env=sites.env,
            cwd=sites.folder,
            capture_output=True,
            text=True,
            timeout=600,
        )
    return run, watcher


def users_of(network: Network, codes: list[str]) -> list[str]:
    """The role members of those sites, lower-cased and sorted."""
    return sorted(
        {
            m.lower()
            for s in network.sites
            if s.code in codes
            for ms in s.members.values()
            for m in ms
        }
    )


def test_sites_move_off_network_groups_without_a_gap(small: tuple[Sites, Emulator]):
    sites, emu = small
    first = load_network(sites.network)
    codes = first.codes()
    up = sites.run("up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert list(summary(up.stdout)) == ["tenant", *codes]  # onto network groups: plain order
    ids = network_group_ids(emu, first)

    # 1. one site overrides a role's package: it takes its own groups, the others stay
    sites.edit(
        lambda d: next(s for s in d["sites"] if s["code"] == MOVER).update(
            overrides={"roles": [OVERRIDE]}
        )
    )
    second = load_network(sites.network)
    plan = plan_policy_groups(second)
    assert plan.strategy == NETWORK and plan.own_groups == [MOVER]
    movers = users_of(first, [MOVER])
    run, watcher = up_watched(sites, emu, first, movers)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = summary(run.stdout)
    assert list(rows) == ["tenant:expand", *codes, "tenant"], rows
    assert all(r["result"] == "ok" for r in rows.values()), rows
    assert watcher.readings >= 3 and watcher.bad == [], (watcher.readings, watcher.bad[:5])
    # The network groups now hold the other sites' members only (shared ones stay).
    others = {
        m.lower() for s in second.sites if s.code != MOVER for m in s.members.get("clinical", [])
    }
    assert group_members(emu, ids["clinical"]) == others
    check = check_effective(emu, second)
    assert check.mismatches == {}
    # The mover's information worker now holds the clinical package's messaging policy.
    info = next(m for m in second.sites[1].members["information"])
    assert expected_policies(second)[info.lower()]["TeamsMessagingPolicy"] == (
        "Healthcare_ClinicalWorker"
    )

    # 2. the network goes back to site groups: every site moves
    sites.edit(lambda d: d["tenant"].update(policy_groups=SITE))
    third = load_network(sites.network)
    everyone = users_of(second, [c for c in codes if c != MOVER])
    run, watcher = up_watched(sites, emu, second, everyone)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = summary(run.stdout)
    assert list(rows) == ["tenant:expand", *codes, "tenant"], rows
    assert watcher.readings >= 3 and watcher.bad == [], (watcher.readings, watcher.bad[:5])
    lists = {
        t.policy_type: emu.teams_admin(
            "GET", "/Skype.Policy/groupPolicyAssignments", params={"policyType": t.policy_type}
        ).json()
        for t in plan_policy_groups(third).types
    }
    held = {a["groupId"] for assigned in lists.values() for a in assigned}
    assert not held & set(ids.values())  # no network group holds a policy any more
    check = check_effective(emu, third)
    assert check.mismatches == {} and check.matching == len(expected_policies(third))
    # A plain run afterwards has nothing left to move: the usual order, nothing planned.
    preview = sites.run("preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    for code, row in summary(preview.stdout).items():
        assert row["changes"].startswith("same") and "," not in row["changes"], (code, row)
    # Drift finds nothing; the sites' HC.TEAMS.1.4 cover every member, none differs.
    effective = effective_controls(sites)
    assert effective["tenant"]["users"] == 0  # no network-wide group governs anyone
    assert all(effective[c]["differing"] == {} == effective[c]["conflicts"] for c in codes)
    # Each user's types are checked once, by the first site holding them.
    assert sum(effective[c]["users"] for c in codes) == len(expected_policies(third))
