"""`hcinfra sites` after a killed `up`, and with a bad file (the soak under faults is
tests/e2e/test_soak.py, which shares the helpers below).

- A site's `up` killed with SIGKILL mid-deployment (the worker, the Pulumi CLI and
  its provider plugins), then the recovery of docs/operations.md: `pulumi cancel`
  releases the dead update's lock, the rerun converges by adopting what the killed
  run made instead of duplicating it, and `pulumi refresh --clear-pending-creates`
  in the stack's workspace folder drops the creates the kill left pending.
- An invalid network file stops `hcinfra sites up` before any tenant call.

On two shared cores: about 1 minute for the kill test, 2 seconds for the invalid file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hcinfra.engine import Engine
from hcinfra.network import load_network
from hcinfra.network.plan import SitePlan, plan_site
from hcinfra.resources import healthcare_packages
from tests.conftest import REPO
from tests.e2e.sites_harness import emulator_settings
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e

SAMPLE = REPO / "stacks" / "network.yaml"
CREATING_ROUTES = (
    "PATCH /v1.0/groups(uniqueName=*",
    "POST /v1.0/groups*",
    "POST /v1.0/teams*",
    "POST /adminapi/*",
)
# Quick asynchronous operations: the faults, not the waits, are under test.
QUICK = {"teamsOperationMs": 200, "licenseProcessingMs": 100}

# --- helpers ---------------------------------------------------------------------------------


def workspace(tmp_path: Path) -> Path:
    """A copy of the sample network beside a Pulumi.yaml, so that state lands in tmp_path."""
    (tmp_path / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    network = tmp_path / "network.yaml"
    network.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return network


def backend_file(env: dict[str, str], name: str) -> Path:
    """A stack's checkpoint file in the file backend of `env`."""
    root = Path(env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    return root / ".pulumi" / "stacks" / "hcinfra" / name


def tenant_env(pulumi_env: dict[str, str], emu: Emulator) -> dict[str, str]:
    """The Pulumi environment plus the settings that point hcinfra at the emulator."""
    return {**pulumi_env, **emulator_settings(emu)}


def sites(env: dict[str, str], network: Path, action: str, *extra: str, timeout: int = 420):
    """`hcinfra sites ACTION --network FILE`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", "sites", action, "--network", str(network), *extra],
        env=env,
        cwd=network.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def summary(stdout: str) -> dict[str, tuple[str, str]]:
    """The summary table's rows: stack → (result, changes)."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 5 and cells[0] and cells[0] != "stack":
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def assert_only_same(stdout: str, stacks: set[str]) -> None:
    """Every stack ran and reports only unchanged resources."""
    rows = summary(stdout)
    assert set(rows) == stacks, stdout
    for stack, (result, changes) in rows.items():
        assert result == "ok", stdout
        assert re.fullmatch(r"same \d+", changes), f"{stack} would change: {changes}\n{stdout}"


def plans(network: Path, codes: list[str] | None = None) -> list[SitePlan]:
    """What the network file declares, site by site."""
    net = load_network(network)
    return [plan_site(net, code) for code in codes or net.codes()]


def assert_declared_once(emu: Emulator, site_plans: list[SitePlan], whole_tenant: bool) -> None:
    """Each declared group, team and shared mailbox exists exactly once; nothing else was made.

    `whole_tenant`: the plans cover every site, so the tenant may hold no other group,
    team or shared mailbox (the seed has none).
    """
    state = emu.admin("GET", "state").json()
    groups = list(state.get("group", {}).values())
    teams = list(state.get("team", {}).values())
    mailboxes = [m for m in state.get("exo.mailbox", {}).values() if not m.get("_softDeleted")]
    users = Counter(u["userPrincipalName"].lower() for u in state.get("user", {}).values())
    by_nickname = Counter(g["mailNickname"] for g in groups)
    by_unique = Counter(g.get("uniqueName") for g in groups)
    team_names = Counter(t["displayName"] for t in teams)
    aliases = Counter(m["Alias"] for m in mailboxes)
    # Nothing was made twice and then cleaned up: no group or mailbox was ever deleted.
    assert not state.get("deletedGroup"), state.get("deletedGroup")
    assert not [m for m in state.get("exo.mailbox", {}).values() if m.get("_softDeleted")]

    want_groups: set[str] = set()
    want_teams: set[str] = set()
    want_aliases: set[str] = set()
    for plan in site_plans:
        for g in plan.groups:
            want_groups.add(g.mail_nickname)
            assert by_nickname[g.mail_nickname] == 1, (g.mail_nickname, by_nickname)
            assert by_unique[g.mail_nickname] == 1, (g.mail_nickname, by_unique)
            (group,) = [x for x in groups if x["mailNickname"] == g.mail_nickname]
            assert group["displayName"] == g.display_name and group["securityEnabled"]
        for t in plan.teams:
            want_groups.add(t.mail_nickname)
            want_teams.add(t.display_name)
            assert by_nickname[t.mail_nickname] == 1, (t.mail_nickname, by_nickname)
            assert team_names[t.display_name] == 1, (t.display_name, team_names)
            (group,) = [x for x in groups if x["mailNickname"] == t.mail_nickname]
            (team,) = [x for x in teams if x["displayName"] == t.display_name]
            assert team["id"] == group["id"], "a team is its Microsoft 365 group"
        for mg in plan.mail_groups:
            # The mail-enabled security groups holding the mailboxes' rights (Exchange's).
            want_groups.add(mg.alias)
            assert by_nickname[mg.alias] == 1, (mg.alias, by_nickname)
            (group,) = [x for x in groups if x["mailNickname"] == mg.alias]
            assert group["mailEnabled"] and group["securityEnabled"]
        for m in plan.mailboxes:
            want_aliases.add(m.alias)
            assert aliases[m.alias] == 1, (m.alias, aliases)
            (mailbox,) = [x for x in mailboxes if x["Alias"] == m.alias]
            assert mailbox["PrimarySmtpAddress"] == m.address
            assert mailbox["RecipientTypeDetails"] == "SharedMailbox"
            assert users[m.address.lower()] == 1, f"the mailbox user {m.address}"
    if whole_tenant:
        assert set(by_nickname) == want_groups and len(groups) == len(want_groups)
        assert set(team_names) == want_teams and len(teams) == len(want_teams)
        assert set(aliases) == want_aliases and len(mailboxes) == len(want_aliases)
    else:
        prefixes = tuple(f"{p.code.lower()}-" for p in site_plans)
        assert {n for n in by_nickname if n.startswith(prefixes)} == want_groups


def statuses(log: dict[str, Any], pattern: str) -> Counter[int]:
    """Statuses of the logged requests whose `METHOD /path` matches a regular expression."""
    return Counter(
        e["status"] for e in log["entries"] if re.search(pattern, f"{e['method']} {e['path']}")
    )


def assert_site_precedence(emu: Emulator, site_plans: list[SitePlan]) -> None:
    """In every policy type's list, each site's groups sit in the site's precedence order."""
    state = emu.admin("GET", "state").json()
    groups = {g["id"]: g["mailNickname"] for g in state["group"].values()}
    lists: dict[str, list[str]] = {}
    for a in sorted(state["teams.groupPolicyAssignment"].values(), key=lambda a: a["priority"]):
        lists.setdefault(a["policyType"], []).append(groups.get(a["groupId"], a["groupId"]))
    for plan in site_plans:
        declared = [plan.group(role).mail_nickname for role in plan.ranked]
        for policy_type, held in lists.items():
            mine = [n for n in held if n in declared]
            assert mine == [n for n in declared if n in mine], (plan.code, policy_type, held)


def assert_policies_assigned(emu: Emulator, site_plans: list[SitePlan]) -> None:
    """Each site group holds its package's policies, or the baseline's, once per policy type."""
    state = emu.admin("GET", "state").json()
    groups = {g["mailNickname"]: g["id"] for g in state["group"].values()}
    held: dict[tuple[str, str], list[str]] = {}
    for a in state.get("teams.groupPolicyAssignment", {}).values():
        name = str(a["policyName"]).removeprefix("Tag:")
        held.setdefault((a["groupId"], a["policyType"]), []).append(name)
    want: dict[tuple[str, str], list[str]] = {}
    for plan in site_plans:
        for g in plan.groups:
            if g.package:
                # The healthcare page: a package's policies carry the package's name.
                for policy_type in healthcare_packages.POLICY_TYPES:
                    want[(groups[g.mail_nickname], policy_type)] = [g.package]
        for a in plan.policies:
            want[(groups[plan.group(a.role).mail_nickname], a.policy_type)] = [a.policy_name]
    assert held == want


# --- kill and rerun --------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def alive(pid: int) -> bool:
    """True unless the process is gone or a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_tree(proc: subprocess.Popen[str]) -> list[int]:
    """SIGKILL the worker's session and every process below it; the pids killed.

    The Pulumi CLI starts its provider plugins in process groups of their own, so
    killing the worker's group alone would leave the dynamic provider running.
    The tree is frozen with SIGSTOP first, so that nothing new starts meanwhile.
    """
    frozen: set[int] = set()
    while True:
        tree = {proc.pid, *descendants(proc.pid)} - frozen
        if not tree:
            break
        for pid in tree:
            with_signal(pid, signal.SIGSTOP)
        frozen |= tree
    groups = {os.getpgid(pid) for pid in frozen if alive(pid)}
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    for pid in frozen:
        with_signal(pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return sorted(frozen)


def with_signal(pid: int, sig: signal.Signals) -> None:
    """Send a signal to a process that may be gone already."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def test_killed_up_recovers_with_cancel_and_clear_pending_creates(
    emu: Emulator, pulumi_env: dict[str, str], engine: Engine, tmp_path: Path
):
    network = workspace(tmp_path)
    env = tenant_env(pulumi_env, emu)
    # Slow owner additions keep each group's create in flight for a while after its
    # upsert, so that the kill lands inside resource operations.
    emu.admin(
        "PUT",
        "faults",
        json={**QUICK, "rules": [{"match": "POST /v1.0/groups/*/owners/*", "latencyMs": 400}]},
    ).raise_for_status()
    tenant = sites(env, network, "up", "--site", "tenant")
    assert tenant.returncode == 0, tenant.stdout + tenant.stderr

    mark = emu.requests()["last"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "hcinfra.sites.worker", "up", "STM", "--network", str(network)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    upserts = 0
    deadline = time.monotonic() + 180
    try:
        while upserts < 3:
            assert worker.poll() is None, "the worker ended before it could be killed"
            assert time.monotonic() < deadline, "no group was created"
            entries = emu.requests(since=mark)["entries"]
            upserts = sum(
                1
                for e in entries
                if e["method"] == "PATCH"
                and "groups(uniqueName=" in e["path"]
                and e["status"] < 300
            )
            time.sleep(0.05)
    finally:
        killed = kill_tree(worker)
    assert len(killed) >= 3, killed  # the worker, the Pulumi CLI and the provider plugin
    time.sleep(0.5)
    assert not [pid for pid in killed if alive(pid)]
    emu.admin("PUT", "faults", json=QUICK).raise_for_status()
    made = {
        g["mailNickname"]: g["id"]
        for g in emu.admin("GET", "state").json()["group"].values()
        if g["mailNickname"].startswith("stm-")
    }
    assert len(made) >= 3, made

    # Before any recovery the stack is still locked by the dead update.
    locked = sites(env, network, "up", "--site", "STM")
    assert locked.returncode == 1
    said = (locked.stdout + locked.stderr).lower()
    # Or the kill came while the CLI wrote the checkpoint (a file backend's write is not
    # atomic): the file is cut short, and hcinfra says to put Pulumi's backup back.
    cut_short = "failed to load checkpoint" in said
    if cut_short:
        assert "restore" in said and ".json.bak" in said, said
        checkpoint = backend_file(env, "stm.json")
        shutil.copyfile(checkpoint.with_name("stm.json.bak"), checkpoint)
    else:
        assert "lock" in said, said

    def pulumi(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(engine.pulumi), *args, "--non-interactive"],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, f"pulumi {args}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    qualified = "organization/hcinfra/stm"

    def pending() -> list[str]:
        exported = pulumi(anywhere, "stack", "export", "--stack", qualified).stdout
        return [
            op["type"] for op in json.loads(exported)["deployment"].get("pending_operations") or []
        ]

    # The recovery of docs/operations.md ("After an interrupted run"):
    # 1-2. release the dead update's lock, from any folder.
    pulumi(anywhere, "cancel", "--stack", qualified, "--yes")
    # (The backup is the checkpoint before the last write: it may hold no pending create.)
    assert cut_short or "creating" in pending(), "the kill left resource creates pending"
    # 3. run the stack again: each kind's create adopts what the killed run made.
    rerun = sites(env, network, "up", "--site", "STM")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert_declared_once(emu, plans(network, ["STM"]), whole_tenant=False)
    state = emu.admin("GET", "state").json()
    now = {g["mailNickname"]: g["id"] for g in state["group"].values()}
    assert {n: now[n] for n in made} == made, "the rerun adopted the groups the killed run made"
    mark = emu.requests()["last"]
    preview = sites(env, network, "preview", "--site", "STM")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert_only_same(preview.stdout, {"STM"})
    assert emu.requests(since=mark)["writes"] == 0
    # 4. the rerun keeps the pending creates; a refresh that clears them drops them.
    assert cut_short or "creating" in pending()
    cleared = sites(env, network, "refresh", "--site", "STM", "--clear-pending-creates")
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    assert pending() == []
    assert_declared_once(emu, plans(network, ["STM"]), whole_tenant=False)


def test_a_checkpoint_cut_short_names_its_backup(
    emu: Emulator, pulumi_env: dict[str, str], tmp_path: Path
):
    network = workspace(tmp_path)
    env = tenant_env(pulumi_env, emu)
    first = sites(env, network, "up", "--site", "tenant")
    assert first.returncode == 0, first.stdout + first.stderr
    # A second run writes the checkpoint again: Pulumi keeps the one before as .bak.
    again = sites(env, network, "up", "--site", "tenant")
    assert again.returncode == 0, again.stdout + again.stderr
    checkpoint = backend_file(env, "tenant.json")
    checkpoint.write_bytes(checkpoint.read_bytes()[:0])  # what a kill mid-write leaves
    cut = sites(env, network, "preview", "--site", "tenant")
    assert cut.returncode == 1
    said = " ".join((cut.stdout + cut.stderr).split())
    assert "failed to load checkpoint" in said, said
    assert "restore Pulumi's copy of the previous checkpoint" in said
    assert "tenant.json.bak" in said and "Traceback" not in said
    shutil.copyfile(checkpoint.with_name("tenant.json.bak"), checkpoint)
    mark = emu.requests()["last"]
    fixed = sites(env, network, "preview", "--site", "tenant")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert emu.requests(since=mark)["writes"] == 0


# --- bad network file ------------------------------------------------------------------------


def test_an_invalid_network_file_changes_nothing(
    emu: Emulator, pulumi_env: dict[str, str], tmp_path: Path
):
    network = workspace(tmp_path)
    text = network.read_text(encoding="utf-8")
    bad = (
        text.replace("wards: [3 Nord, 4 Sud]", "wards: [3 Nord, 3 nord]")
        .replace("mail_domain: hsa.northwindhealth.org", "mail_domain: hsa.example.org")
        .replace("information: [clerk020@", "informatics: [clerk020@")
    )
    assert "3 nord]" in bad and "hsa.example.org" in bad and "informatics" in bad
    network.write_text(bad, encoding="utf-8")
    env = tenant_env(pulumi_env, emu)  # its sign-in's calls before the mark
    mark = emu.requests()["last"]

    proc = sites(env, network, "up", timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "3 problem(s)" in proc.stderr, proc.stderr
    assert "site STM: sites[0].wards" in proc.stderr
    assert "ward '3 nord' is listed twice" in proc.stderr
    assert "site HSA: sites[1].mail_domain" in proc.stderr
    assert "'hsa.example.org' is not one of the tenant's domains" in proc.stderr
    assert "site CHM: sites[2].members.informatics" in proc.stderr
    assert "unknown role 'informatics'" in proc.stderr
    log = emu.requests(since=mark)
    assert log["writes"] == 0 and log["total"] == 0, log["counts"]
    assert not (tmp_path / ".state").exists(), "no stack was even opened"
