"""Benchmark: `hcinfra sites up` at Microsoft 365's pace, against a lower bound from the plan.

Run with `.venv/bin/python bench/realistic.py [--sites 10,50] [--parallel 4,8,16]`. For each
size and --parallel it starts an emulator under the realistic latency profile
(docs/emulator.md, "Latency profile"), deploys a generated network (bench/sites.py's
generator) with `hcinfra sites up`, then reads every stack's state back (`pulumi stack
export`) and prints:

- the wall time, split into the preflight, the plans and the deploy;
- a lower bound: the larger of the longest dependency chain at the profile's least
  latencies (each kind costs the minimum any implementation needs, MINIMAL below) and
  the time Graph's throttle budgets need for the writes the plan makes; the chain bound
  is given for all sites at once and with --parallel's waves, and bound/wall for both
  (the goal, issue 13: at least 80 % with --parallel's waves);
- tenant calls and writes per resource, and the 429s met;
- the peak memory of the process tree (bench/sites.py's Sampler);
- after the sweep, the --parallel it recommends.

A 50-site run takes many minutes (each wave waits for team provisioning); `--sites 10`
runs the small one only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.sites import (  # noqa: E402
    PASSPHRASE,
    Sampler,
    generate,
    log_since,
    mib,
    sampled,
    seed_with_domains,
    summary,
)
from hcinfra.emulator.core.faults import GRAPH_LIMITS  # noqa: E402
from hcinfra.emulator.core.profiles import load_profile  # noqa: E402
from hcinfra.engine import find_engine  # noqa: E402
from tests.emulator.delegated import operator_env  # noqa: E402
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator, start_emulator  # noqa: E402

PROFILE = load_profile("realistic")
# The least latency of one request of each service under the profile, in ms.
GRAPH_MS = PROFILE.latency_ms("GET", "/v1.0/groups")[0]
CMDLET_MS = PROFILE.latency_ms("POST", "/adminapi/beta/tenant/InvokeCommand")[0]
TEAMS_ADMIN_MS = PROFILE.latency_ms("PUT", "/Skype.Policy/groupPolicyAssignments/g/policyTypes/t")[
    0
]
TOKEN_MS = PROFILE.latency_ms("POST", "/tenant/oauth2/v2.0/token")[0]
TEAMS_OPERATION_MS = PROFILE.teams_operation_ms.value
PHASES = re.compile(r"preflight ([\d.]+) s, plans of \d+ stack\(s\) ([\d.]+) s")


# --- the least cost of each kind on a dependency chain -----------------------------------------


@dataclass(frozen=True)
class Cost:
    """What one resource's create needs at least, in sequence, and the Graph writes it makes."""

    graph: int = 0  # Graph round trips
    cmdlets: int = 0  # Exchange cmdlets
    teams_admin: int = 0  # Teams admin service round trips
    provisioning: bool = False  # waits for a Teams operation (teamsOperationMs)
    writes: dict[str, int] = field(default_factory=dict)  # Graph writes by throttle scope

    def ms(self) -> int:
        """The cost at the profile's least latencies."""
        wait = TEAMS_OPERATION_MS if self.provisioning else 0
        return (
            self.graph * GRAPH_MS
            + self.cmdlets * CMDLET_MS
            + self.teams_admin * TEAMS_ADMIN_MS
            + wait
        )


def _group_cost(inputs: dict[str, Any]) -> Cost:
    # One upsert carries the group and its first 20 owner and member binds; the rest go
    # in further PATCHes of 20 binds each, which can all run at once (one more round trip).
    binds = len(inputs.get("owners") or []) + len(inputs.get("members") or [])
    more = math.ceil(max(0, binds - 20) / 20)
    return Cost(graph=1 + bool(more), writes={"directory-write": 1 + more})


def _placed(inputs: dict[str, Any]) -> int:
    # A place among ranked peers needs the live list (GET) before the PUT; alone, the PUT.
    return 2 if inputs.get("ranked_with") else 1


# Per kind: its least cost from its inputs. Each is a floor any implementation meets, not
# what hcinfra does today, so that bound/wall shows what is left to gain.
MINIMAL: dict[str, Callable[[dict[str, Any]], Cost]] = {
    "SecurityGroup": _group_cost,
    # One assignLicense; licence processing is asynchronous and nothing waits for it.
    "GroupLicenseAssignment": lambda i: Cost(graph=1, writes={"directory-write": 1}),
    # POST /teams with the template, the owners and the group in one request, then one
    # poll of the operation once provisioning is done.
    "Team": lambda i: Cost(graph=2, provisioning=True, writes={"teams-create": 1}),
    # New-DistributionGroup (members, ManagedBy), then Set-DistributionGroup for
    # HiddenFromAddressListsEnabled, which New-DistributionGroup does not take.
    "MailSecurityGroup": lambda i: Cost(cmdlets=2),
    # New-Mailbox -Shared, then its grants (Add-MailboxPermission, Add-RecipientPermission)
    # all at once; blocking sign-in (one Graph PATCH) runs beside them.
    "SharedMailbox": lambda i: Cost(
        cmdlets=1 + bool(i.get("full_access") or i.get("send_as")),
        writes={"directory-write": 1},
    ),
    # One PUT of the assignment, placed among its ranked peers.
    "GroupPolicyAssignment": lambda i: Cost(teams_admin=_placed(i)),
    # One PUT per policy type of the package, all at once, each placed as above.
    "PolicyPackageAssignment": lambda i: Cost(teams_admin=_placed(i)),
    # One POST of the policy instance.
    "TeamsPolicy": lambda i: Cost(teams_admin=1),
    # PUT of the schedule, one read once Shifts has provisioned it, then every group's POST
    # at once. (Schedule provisioning has no figure in the profile: not counted as a wait.)
    "WardSchedule": lambda i: Cost(
        graph=2 + bool(i.get("groups")),
        writes={"teams-schedule-write": 1 + len(i.get("groups") or [])},
    ),
    # The team's site (its id names the list's parent), then the list with every column.
    "PatientList": lambda i: Cost(graph=2),
    # One POST of the partner configuration, and one read of the federation settings (an
    # allow list is changed by read-modify-write; a tenant federating with every domain
    # needs no write).
    "PartnerTenant": lambda i: Cost(graph=1, teams_admin=1),
    # POST of the business, then its staff (4 at a time per mailbox: one round trip for
    # up to 4), then its services naming them, then publish when declared.
    "VirtualVisits": lambda i: Cost(
        graph=1
        + math.ceil(len(i.get("staff") or []) / 4)
        + math.ceil(len(i.get("services") or []) / 4)
        + bool(i.get("published")),
    ),
    # No tenant call.
    "DeploymentStamp": lambda i: Cost(),
}
KIND_TYPE = "pulumi-python:dynamic/hcinfra:"  # then the kind's name
# The least a stack's chain starts with: its provider process's first token.
FIRST_TOKEN_MS = TOKEN_MS
# The preflight reads at least one token and then one Exchange cmdlet (Get-AcceptedDomain).
PREFLIGHT_MS = TOKEN_MS + CMDLET_MS


def kind_of(res: dict[str, Any]) -> str | None:
    """A dynamic resource's kind: the name its type token ends with."""
    if res["type"].startswith(KIND_TYPE):
        return str(res["type"][len(KIND_TYPE) :])
    return None


def is_dynamic(res: dict[str, Any]) -> bool:
    """A tenant object (not the stack, a component or a provider)."""
    return str(res["type"]).startswith("pulumi-python:dynamic")


@dataclass
class StackPlan:
    """One stack's resources as its state holds them, with the least chain through them."""

    name: str
    resources: list[dict[str, Any]]
    chain_ms: int = 0
    path: list[tuple[str, str, int]] = field(default_factory=list)  # (name, kind, ms)
    writes: Counter[str] = field(default_factory=Counter)
    unknown: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        by_urn = {r["urn"]: r for r in self.resources}
        best: dict[str, tuple[int, list[tuple[str, str, int]]]] = {}

        def cost(res: dict[str, Any]) -> tuple[str, int]:
            if not is_dynamic(res):
                return "", 0
            kind = kind_of(res)
            if kind is None:
                self.unknown.append(res["urn"].split("::")[-1])
                return "?", 0
            c = MINIMAL[kind](res.get("inputs") or {})
            self.writes.update(c.writes)
            return kind, c.ms()

        def longest(urn: str) -> tuple[int, list[tuple[str, str, int]]]:
            if urn not in best:
                res = by_urn[urn]
                kind, own = cost(res)
                deps = [longest(d) for d in res.get("dependencies") or [] if d in by_urn]
                before, path = max(deps, default=(0, []), key=lambda d: d[0])
                step = [(res["urn"].split("::")[-1], kind, own)] if kind else []
                best[urn] = (before + own, path + step)
            return best[urn]

        ends = [longest(urn) for urn in by_urn]
        chain, self.path = max(ends, default=(0, []), key=lambda e: e[0])
        self.chain_ms = FIRST_TOKEN_MS + chain

    @property
    def dynamic(self) -> int:
        """How many tenant objects the stack holds."""
        return sum(1 for r in self.resources if is_dynamic(r))


def export_stack(name: str, env: dict[str, str], cwd: Path) -> StackPlan:
    """A stack's state through the engine (`pulumi stack export`)."""
    proc = subprocess.run(
        ["pulumi", "stack", "export", "--stack", name],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pulumi stack export {name}: {proc.stderr[-2000:]}")
    return StackPlan(name, json.loads(proc.stdout)["deployment"].get("resources") or [])


def throttle_seconds(writes: Counter[str]) -> tuple[float, str]:
    """The least time Graph's budgets allow for `writes` (by scope), and the scope that sets it.

    A bucket starts full: writes past its capacity come at its refill rate.
    """
    worst, scope = 0.0, "none"
    seen: set[str] = set()
    for _, _, name, capacity, seconds in GRAPH_LIMITS:
        if name in seen:
            continue
        seen.add(name)
        need = max(0.0, writes.get(name, 0) - capacity) / (capacity / seconds)
        if need > worst:
            worst, scope = need, name
    return worst, scope


# --- one run -----------------------------------------------------------------------------------


@dataclass
class Run:
    """One `hcinfra sites up`: its times, calls, memory and the bound from its plan."""

    sites: int
    parallel: int
    wall: float = 0.0
    ok: bool = False
    error: str = ""
    preflight: float = 0.0
    plans: float = 0.0
    stack_seconds: dict[str, float] = field(default_factory=dict)
    log: dict[str, Any] = field(default_factory=dict)
    throttled: int = 0
    plans_by_stack: dict[str, StackPlan] = field(default_factory=dict)
    sampler: Sampler | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def site_plans(self) -> list[StackPlan]:
        """The site stacks' plans."""
        return [p for n, p in self.plans_by_stack.items() if n != "tenant"]

    def bounds(self) -> dict[str, float]:
        """The lower bounds in seconds: all sites at once, with --parallel's waves, throttle."""
        chains = sorted((p.chain_ms for p in self.site_plans), reverse=True) or [0]
        tenant = self.plans_by_stack["tenant"].chain_ms if "tenant" in self.plans_by_stack else 0
        waves = math.ceil(len(chains) / self.parallel)
        # With at most `parallel` stacks at once: some worker runs `waves` sites in turn,
        # and the work cannot beat its total spread over every worker.
        site_floor = max(chains[0], waves * chains[-1], sum(chains) / self.parallel)
        writes: Counter[str] = Counter()
        for plan in self.plans_by_stack.values():
            writes.update(plan.writes)
        throttle, _ = throttle_seconds(writes)
        before = PREFLIGHT_MS + tenant
        return {
            "unlimited": (before + chains[0]) / 1000,
            "parallel": (before + site_floor) / 1000,
            "throttle": throttle,
            "waves": waves,
            "site_chain": chains[0] / 1000,
            "tenant_chain": tenant / 1000,
        }


def failure(stderr: str) -> str:
    """What `hcinfra sites` printed after its last progress table: the failed stacks' errors."""
    lines = stderr.splitlines()
    last = max((i for i, ln in enumerate(lines) if "┘" in ln), default=-1)
    return " ".join(ln.strip() for ln in lines[last + 1 :] if ln.strip())[:600] or "?"


def throttled_calls(emu: Emulator, mark: int) -> int:
    """429s the emulator answered after `mark`."""
    return sum(1 for e in emu.requests(since=mark)["entries"] if e["status"] == 429)


def deploy(count: int, parallel: int, keep: bool) -> Run:
    """Deploy `count` generated sites at `parallel` under the profile; the figures of the run."""
    run = Run(count, parallel)
    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-realistic-"))
    network, run.notes = generate(count)
    net_file = tmp / "network.yaml"
    net_file.write_text(yaml.safe_dump(network, allow_unicode=True, sort_keys=False), "utf-8")
    (tmp / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    (tmp / "backend").mkdir()
    seed = seed_with_domains(network["tenant"]["domains"], tmp)
    emu = start_emulator(tmp / "emulator", "--seed", str(seed), "--profile", "realistic")
    try:
        env = find_engine(REPO).env(
            PULUMI_BACKEND_URL=(tmp / "backend").as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            HCINFRA_ENDPOINT=emu.url,
            HCINFRA_CA_BUNDLE=emu.ca,
            AZURE_TENANT_ID=emu.tenant_id,
            AZURE_CLIENT_ID=HCINFRA_APP,
            AZURE_CLIENT_SECRET=HCINFRA_SECRET,
            **operator_env(emu),  # the sample's virtual visits take an operator's sign-in
            COLUMNS="200",
        )
        cmd = [sys.executable, "-m", "hcinfra.cli", "sites", "up", "--network", str(net_file)]
        mark = emu.requests()["last"]
        run.wall, code, out, err, run.sampler = sampled(
            [*cmd, "--parallel", str(parallel)], env, tmp
        )
        run.ok = code == 0
        run.error = "" if run.ok else failure(err)
        phases = PHASES.search(err)
        if phases:
            run.preflight, run.plans = float(phases.group(1)), float(phases.group(2))
        run.stack_seconds = {code: row[2] for code, row in summary(out).items()}
        run.log = log_since(emu, mark)
        run.throttled = throttled_calls(emu, mark)
        names = ["tenant", *(s["code"].lower() for s in network["sites"])]
        with ThreadPoolExecutor(4) as pool:
            plans = list(pool.map(lambda n: export_stack(n, env, tmp), names))
        run.plans_by_stack = {p.name: p for p in plans}
    finally:
        emu.stop()
        if keep:
            print(f"  (state and workspaces kept in {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return run


# --- printing ----------------------------------------------------------------------------------


def profile_line() -> str:
    """The profile's figures in one line."""

    def span(method: str, path: str) -> str:
        low, high = PROFILE.latency_ms(method, path)
        return f"{low}-{high} ms"

    return (
        f"Graph {span('GET', '/v1.0/groups')}, cmdlet {span('POST', '/adminapi/x')}, "
        f"Teams admin {span('GET', '/Skype.Policy/x')}, "
        f"token {span('POST', '/t/oauth2/v2.0/token')}, "
        f"team provisioning {TEAMS_OPERATION_MS / 1000:.0f} s, licence processing "
        f"{PROFILE.license_processing_ms.value / 1000:.0f} s, throttling "
        f"{'on' if PROFILE.throttling.value else 'off'}"
    )


def print_run(run: Run) -> None:
    """The figures of one run."""
    print(f"{run.sites} sites, --parallel {run.parallel}: {'ok' if run.ok else 'FAILED'}")
    for note in run.notes:
        print(f"  note: {note}")
    if not run.ok:
        print(f"  error: {run.error}")
    deploy_s = run.wall - run.preflight - run.plans
    sites = [s for code, s in run.stack_seconds.items() if code != "tenant"]
    spread = (
        f"{min(sites):.1f}-{max(sites):.1f} s, median {statistics.median(sites):.1f}"
        if sites
        else "-"
    )
    print(
        f"  wall {run.wall:.1f} s: preflight {run.preflight:.1f} s, plans {run.plans:.1f} s, "
        f"deploy {deploy_s:.1f} s (tenant stack {run.stack_seconds.get('tenant', 0):.1f} s, "
        f"each site {spread})"
    )
    if not run.plans_by_stack:
        return
    b = run.bounds()
    worst = max(run.site_plans, key=lambda p: p.chain_ms, default=None)
    if worst is not None:
        steps = " -> ".join(f"{n} ({k} {ms / 1000:.1f} s)" for n, k, ms in worst.path)
        print(
            f"  longest chain: {worst.name} {worst.chain_ms / 1000:.1f} s = first token "
            f"{FIRST_TOKEN_MS / 1000:.1f} s + {steps}"
        )
    chains = {p.name.upper(): p.chain_ms / 1000 for p in run.site_plans}
    over = [run.stack_seconds[c] / chains[c] for c in chains if c in run.stack_seconds]
    if over:
        print(
            f"  each site's stack took x{statistics.median(over):.1f} its own chain (median; "
            "the rest is the engine, the workers' start and hcinfra's calls beyond the least)"
        )
    print(
        f"  lower bound: preflight {PREFLIGHT_MS / 1000:.1f} s + tenant chain "
        f"{b['tenant_chain']:.1f} s + sites; all sites at once {b['unlimited']:.1f} s, with "
        f"--parallel {run.parallel} ({b['waves']:.0f} waves) {b['parallel']:.1f} s; Graph "
        f"throttle budget for the writes needed {b['throttle']:.1f} s"
    )
    chosen = max(b["parallel"], b["throttle"])
    free = max(b["unlimited"], b["throttle"])
    # The deploy phase's own bound: the chain after the preflight, or the throttle budget.
    deploy_bound = max(b["parallel"] - PREFLIGHT_MS / 1000, b["throttle"])
    print(
        f"  bound/wall: {100 * chosen / run.wall:.1f} % with --parallel {run.parallel}'s waves "
        f"(the ratio issue 13 asks >= 80 % of), {100 * free / run.wall:.1f} % against all "
        f"sites at once; the deploy phase alone {100 * deploy_bound / max(deploy_s, 1e-9):.1f} %"
    )
    unknown = [u for p in run.plans_by_stack.values() for u in p.unknown]
    if unknown:
        print(f"  note: no cost known for {len(unknown)} resources (counted 0): {unknown[:5]}")
    dynamic = sum(p.dynamic for p in run.plans_by_stack.values()) or 1
    log = run.log
    print(
        f"  tenant calls per resource {log['total'] / dynamic:.2f}, writes "
        f"{log['writes'] / dynamic:.2f} ({dynamic} resources, {log['total']} requests, "
        f"{run.throttled} answered 429); by service {log['services']}"
    )
    if run.sampler is not None:
        kinds = ", ".join(
            f"{k} {mib(v).strip()} (x{len(run.sampler.count[k])})"
            for k, v in sorted(run.sampler.peak.items())
        )
        print(
            f"  peak memory: the tree's RSS at its largest {mib(run.sampler.total).strip()}; "
            f"per process: {kinds}"
        )


def recommend(runs: list[Run]) -> str:
    """The --parallel to default to: the smallest within 10 % of the fastest at every size."""
    ok = [r for r in runs if r.ok]
    sizes = sorted({r.sites for r in ok})
    levels = sorted({r.parallel for r in ok})
    if not ok or len(levels) < 2:
        return "recommendation: sweep more than one --parallel to compare"
    best = {n: min(r.wall for r in ok if r.sites == n) for n in sizes}

    def slowdown(p: int) -> float:
        walls = [r.wall / best[r.sites] for r in ok if r.parallel == p]
        return max(walls) if len(walls) == len(sizes) else math.inf

    close = [p for p in levels if slowdown(p) <= 1.10]
    pick = close[0] if close else min(levels, key=slowdown)
    if slowdown(pick) == math.inf:
        return "recommendation: none (no --parallel level succeeded at every size)"
    why = (
        "the smallest level within 10 % of the fastest at every size"
        if close
        else "no level is within 10 % of the fastest at every size: the least worst one"
    )
    memory = max((r.sampler.total for r in ok if r.parallel == pick and r.sampler), default=0)
    return (
        f"recommendation: --parallel {pick} ({why}; its slowest run x{slowdown(pick):.2f} the "
        f"fastest at that size; peak tree memory {mib(memory).strip()})"
    )


def main() -> None:
    """Sweep sizes and --parallel levels; print each run and a recommendation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", default="10,50", help="site counts, comma-separated")
    parser.add_argument("--parallel", default="4,8,16", help="--parallel levels to sweep")
    parser.add_argument("--keep", action="store_true", help="keep the state and workspaces")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sites.split(",") if s]
    levels = [int(p) for p in args.parallel.split(",") if p]
    print(
        f"hcinfra realistic benchmark: profile realistic ({profile_line()}); "
        f"{os.cpu_count()} cores shared with the emulator"
    )
    print(
        "  least cost per kind on a chain, as MINIMAL charges it (ms): "
        + ", ".join(f"{kind} {MINIMAL[kind]({}).ms()}" for kind in MINIMAL)
        + f" (SharedMailbox +{CMDLET_MS} with grants, assignments +{TEAMS_ADMIN_MS} among "
        f"ranked peers); first token {FIRST_TOKEN_MS}, preflight {PREFLIGHT_MS}"
    )
    runs = []
    for count in sizes:
        for parallel in levels:
            run = deploy(count, parallel, args.keep)
            print_run(run)
            runs.append(run)
    print("sweep (wall s / bound with waves s / bound/wall):")
    for run in runs:
        bound = max(run.bounds()["parallel"], run.bounds()["throttle"]) if run.plans_by_stack else 0
        print(
            f"  {run.sites:3d} sites --parallel {run.parallel:2d}: {run.wall:7.1f} / "
            f"{bound:6.1f} / {100 * bound / run.wall:5.1f} %{'' if run.ok else '  FAILED'}"
        )
    print(recommend(runs))


if __name__ == "__main__":
    main()
