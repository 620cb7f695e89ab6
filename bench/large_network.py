"""Benchmark: a network past Teams' 64 groups per policy type, deployed through the real engine.

Run with `.venv/bin/python bench/large_network.py [--runs network:200,site:15,network:15]
[--parallel 16] [--profile realistic]`. Each run starts its own emulator (seeded with the
network's mail domains and generated staff; under the latency profile unless `--profile
none`), writes a generated lean network (tests/e2e/test_large_network.py's generator: the
sample's roles, Teams policies and precedence; no teams, mailboxes, care coordination,
virtual visits, partners or licences; members per site, a few shared between sites) with
`tenant.policy_groups` set to the run's strategy, deploys it with `hcinfra sites up
--parallel N` on a file backend, and prints, side by side:

- the wall time of `sites up`, split into the preflight, the plans and the deploy, and
  the tenant stack's own seconds;
- tenant calls and writes per resource (the emulator's request log over the dynamic
  resources in the stacks' checkpoints), by service, and the 429s met;
- peak memory of `sites up`'s process tree (bench/sites.py's Sampler);
- the effective-policy check: every role member's effective policy per type (Graph's
  `admin/teams/userConfigurations/{id}`, by $batch, as the auditors' app) against
  `expected_policies`: users checked, matching, the calls it took and its time;
- `hcinfra drift` over the deployed network: findings, requests and time;
- with a run written `network>site:15`, a move: the network deployed under the first
  strategy, then `tenant.policy_groups` set to the second and `sites up` run again (the
  staged move, hcinfra.sites.group_move) while every member's effective policies are read
  over and over (tests/e2e/test_policy_group_moves.py's Watcher): the move's wall time,
  its stages, calls and writes, the readings taken and those outside the policy before
  or after the move (a Global reading is a gap), and the effective check after it.

Site groups hold at most 16 sites of the sample's roles (4 groups a site for messaging);
past that, only the network strategy deploys.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.realistic import PHASES, failure, throttled_calls  # noqa: E402
from bench.sites import PASSPHRASE, Sampler, log_since, mib, sampled, summary  # noqa: E402
from hcinfra.engine import find_engine  # noqa: E402
from hcinfra.network import load_network  # noqa: E402
from hcinfra.network.policy_groups import expected_policies, plan_policy_groups  # noqa: E402
from tests.e2e.sites_harness import emulator_settings  # noqa: E402
from tests.e2e.test_large_network import (  # noqa: E402
    EffectiveCheck,
    check_effective,
    lean_network,
    lean_seed,
)
from tests.e2e.test_policy_group_moves import Watcher  # noqa: E402
from tests.emulator.harness import start_emulator  # noqa: E402


@dataclass
class Run:
    """One generated network deployed, and its figures."""

    strategy: str
    sites: int
    parallel: int
    profile: str
    ok: bool = False
    error: str = ""
    wall: float = 0.0
    preflight: float = 0.0
    plans: float = 0.0
    stack_seconds: dict[str, float] = field(default_factory=dict)
    resources: int = 0  # dynamic resources (tenant objects) in the checkpoints
    log: dict[str, Any] = field(default_factory=dict)
    throttled: int = 0
    sampler: Sampler | None = None
    groups_per_type: int = 0  # the most groups any policy type holds under the strategy
    members: int = 0  # direct members of the network-wide groups, all roles
    check: EffectiveCheck | None = None
    drift: dict[str, Any] = field(default_factory=dict)
    move_to: str = ""  # the strategy a move goes to after the deploy, if any
    move: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """`network groups, 200 sites`, or `network>site groups, 15 sites` for a move."""
        moved = f">{self.move_to}" if self.move_to else ""
        return f"{self.strategy}{moved} groups, {self.sites} sites"


def dynamic_resources(backend: Path) -> int:
    """Tenant objects (dynamic resources) in every stack's checkpoint of a file backend."""
    count = 0
    for path in (backend / ".pulumi" / "stacks" / "hcinfra").glob("*.json"):
        state = json.loads(path.read_text(encoding="utf-8"))
        resources = (state.get("checkpoint", {}).get("latest") or {}).get("resources") or []
        count += sum(1 for r in resources if str(r["type"]).startswith("pulumi-python:dynamic"))
    return count


def deploy(
    strategy: str, count: int, parallel: int, profile: str, keep: bool, move_to: str = ""
) -> Run:
    """Deploy `count` generated sites under `strategy` (then move them to `move_to`); the
    figures of the run."""
    run = Run(strategy, count, parallel, profile, move_to=move_to)
    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-large-"))
    doc = lean_network(count, strategy)
    net_file = tmp / "network.yaml"
    net_file.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    (tmp / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    (tmp / "backend").mkdir()
    network = load_network(net_file)
    plan = plan_policy_groups(network)
    run.groups_per_type = max(
        t.site_groups if t.strategy == "site" else t.network_groups for t in plan.types
    )
    run.members = sum(len(g.members) for g in plan.groups)
    seed = lean_seed(doc, tmp)
    extra = [] if profile == "none" else ["--profile", profile]
    emu = start_emulator(tmp / "emulator", "--seed", str(seed), *extra)
    try:
        env = find_engine(REPO).env(
            PULUMI_BACKEND_URL=(tmp / "backend").as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            **emulator_settings(emu),
        )
        env["COLUMNS"] = "200"
        cli = [sys.executable, "-m", "hcinfra.cli"]
        mark = emu.requests()["last"]
        run.wall, code, out, err, run.sampler = sampled(
            [*cli, "sites", "up", "--network", str(net_file), "--parallel", str(parallel)],
            env,
            tmp,
        )
        run.ok = code == 0
        run.error = "" if run.ok else failure(err)
        phases = PHASES.search(err)
        if phases:
            run.preflight, run.plans = float(phases.group(1)), float(phases.group(2))
        run.stack_seconds = {c: row[2] for c, row in summary(out).items()}
        run.log = log_since(emu, mark)
        run.throttled = throttled_calls(emu, mark)
        run.resources = dynamic_resources(tmp / "backend")
        if run.ok:
            run.check = check_effective(emu, network)
            mark = emu.requests()["last"]
            began = time.perf_counter()
            drift = subprocess.run(
                [*cli, "drift", "--network", str(net_file), "--format", "json"],
                env=env,
                cwd=tmp,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - began
            requests = emu.requests(since=mark)["total"]
            try:
                findings = len(json.loads(drift.stdout)["findings"])
            except (ValueError, KeyError):
                findings = -1
            run.drift = {
                "exit": drift.returncode,
                "findings": findings,
                "requests": requests,
                "seconds": seconds,
                "error": " ".join(drift.stderr.split())[:300],
            }
        if run.ok and move_to:
            run.move = move(emu, env, tmp, net_file, network, move_to, parallel)
    finally:
        emu.stop()
        if keep:
            print(f"  (state and workspaces kept in {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return run


def move(
    emu: Any,
    env: dict[str, str],
    tmp: Path,
    net_file: Path,
    before: Any,
    to: str,
    parallel: int,
) -> dict[str, Any]:
    """Set tenant.policy_groups to `to` and run `sites up` while a Watcher reads every
    member's effective policies; the move's figures."""
    doc = yaml.safe_load(net_file.read_text(encoding="utf-8"))
    doc["tenant"]["policy_groups"] = to
    net_file.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    after = load_network(net_file)
    users = sorted(expected_policies(before))
    cli = [sys.executable, "-m", "hcinfra.cli", "sites", "up", "--network", str(net_file)]
    mark = emu.requests()["last"]
    with Watcher(emu, before, after, users) as watcher:
        began = time.perf_counter()
        done = subprocess.run(
            [*cli, "--parallel", str(parallel)], env=env, cwd=tmp, capture_output=True, text=True
        )
        wall = time.perf_counter() - began
    log = log_since(emu, mark)
    stages = list(summary(done.stdout))
    check = check_effective(emu, after) if done.returncode == 0 else None
    return {
        "ok": done.returncode == 0,
        "error": "" if done.returncode == 0 else failure(done.stderr),
        "wall": wall,
        "stages": " > ".join(
            f"{sum(1 for r in stages if not r.startswith('tenant'))} sites" if p == "sites" else p
            for p in _stages(stages)
        ),
        "calls": log.get("total", 0),
        "writes": log.get("writes", 0),
        "readings": watcher.readings,
        "users": len(users),
        "bad": len(watcher.bad),
        "global": sum(1 for *_, got in watcher.bad if got == "global"),
        "check": check,
    }


def _stages(rows: list[str]) -> list[str]:
    """The summary's rows as stages: tenant runs by name, the sites as one `sites`."""
    out: list[str] = []
    for row in rows:
        part = row if row.startswith("tenant") else "sites"
        if not out or out[-1] != part:
            out.append(part)
    return out


def rows(run: Run) -> dict[str, str]:
    """The run's figures as printed, by row name."""
    out: dict[str, str] = {"result": "ok" if run.ok else "FAILED"}
    out["groups per policy type (of 64)"] = str(run.groups_per_type)
    out["network groups' members"] = str(run.members) if run.members else "-"
    deploy_s = run.wall - run.preflight - run.plans
    out["sites up wall"] = f"{run.wall:.1f} s"
    out["  preflight / plans / deploy"] = (
        f"{run.preflight:.1f} / {run.plans:.1f} / {deploy_s:.1f} s"
    )
    out["  tenant stack"] = f"{run.stack_seconds.get('tenant', 0):.1f} s"
    sites = [s for c, s in run.stack_seconds.items() if c != "tenant"]
    out["  each site (min-max, median)"] = (
        f"{min(sites):.1f}-{max(sites):.1f}, {statistics.median(sites):.1f} s" if sites else "-"
    )
    if run.sampler is not None:
        out["  CPU (the tree)"] = f"{run.sampler.cpu:.0f} s"
    log = run.log
    dynamic = run.resources or 1
    out["resources (tenant objects)"] = str(run.resources)
    out["tenant calls / writes"] = f"{log.get('total', 0)} / {log.get('writes', 0)}"
    out["  per resource"] = (
        f"{log.get('total', 0) / dynamic:.2f} / {log.get('writes', 0) / dynamic:.2f}"
    )
    services = log.get("services", {})
    out["  by service"] = ", ".join(f"{k} {v}" for k, v in sorted(services.items()))
    out["  answered 429"] = str(run.throttled)
    if run.sampler is not None:
        out["peak memory: tree RSS / PSS"] = (
            f"{mib(run.sampler.total).strip()} / {mib(run.sampler.pss_total).strip()}"
        )
        for kind in sorted(run.sampler.peak):
            out[f"  {kind} (peak, x processes)"] = (
                f"{mib(run.sampler.peak[kind]).strip()} x{len(run.sampler.count[kind])}"
            )
    if run.check is not None:
        c = run.check
        out["effective policies: users"] = str(c.users)
        out["  matching"] = f"{c.matching} ({len(c.mismatches)} not)"
        out["  calls ($batch posts) / time"] = f"{c.calls} / {c.seconds:.2f} s"
    if run.drift:
        d = run.drift
        out["hcinfra drift: findings"] = (
            str(d["findings"]) if d["exit"] in (0, 2) else f"exit {d['exit']}: {d['error']}"
        )
        out["  requests / time"] = f"{d['requests']} / {d['seconds']:.1f} s"
    if run.move:
        m = run.move
        result = "ok" if m["ok"] else "FAILED"
        out["the move: result"] = f"{result}, to {run.move_to} groups"
        out["  move: sites up wall"] = f"{m['wall']:.1f} s"
        out["  move: stages"] = m["stages"]
        # The watcher's reads are among the calls; the writes are all the move's.
        out["  move: calls (watcher's too) / writes"] = f"{m['calls']} / {m['writes']}"
        out["  move: readings of every member"] = f"{m['readings']} ({m['users']} users each)"
        out["  move: readings not before/after"] = f"{m['bad']} ({m['global']} Global)"
        if m["check"] is not None:
            c = m["check"]
            out["  move: effective after, matching"] = f"{c.matching} of {c.users}"
    return out


def print_table(runs: list[Run]) -> None:
    """Every run's figures side by side."""
    table = [rows(r) for r in runs]
    names = list(dict.fromkeys(name for t in table for name in t))
    width = max(len(n) for n in names) + 2
    cols = [
        max(len(r.label), *(len(t.get(n, "-")) for n in names)) + 2
        for r, t in zip(runs, table, strict=True)
    ]
    print(" " * width + "".join(r.label.ljust(w) for r, w in zip(runs, cols, strict=True)))
    for name in names:
        cells = "".join(t.get(name, "-").ljust(w) for t, w in zip(table, cols, strict=True))
        print(name.ljust(width) + cells)
    for run in runs:
        if run.error:
            print(f"{run.label}: {run.error}")
        if run.move.get("error"):
            print(f"{run.label}: the move: {run.move['error']}")
        if run.check is not None and run.check.mismatches:
            some = dict(list(run.check.mismatches.items())[:3])
            print(f"{run.label}: effective policies not as expected, e.g. {some}")


def main() -> None:
    """Deploy each requested network and print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--runs",
        default="site:15,network:15,network:200",
        help="strategy:sites, comma-separated (strategy: site, network or auto; "
        "network>site: deployed under network groups, then moved to site groups)",
    )
    parser.add_argument("--parallel", type=int, default=16, help="hcinfra sites --parallel")
    parser.add_argument(
        "--profile", default="realistic", help="the emulator's latency profile, or none"
    )
    parser.add_argument("--keep", action="store_true", help="keep the state and workspaces")
    args = parser.parse_args()
    wanted = [(s.split(":")[0], int(s.split(":")[1])) for s in args.runs.split(",") if s]
    print(
        f"hcinfra large-network benchmark: lean generated sites (5 role groups each), profile "
        f"{args.profile}, --parallel {args.parallel}, {os.cpu_count()} cores shared with the "
        "emulator",
        flush=True,
    )
    runs = []
    for spec, count in wanted:
        strategy, _, move_to = spec.partition(">")
        began = time.perf_counter()
        run = deploy(strategy, count, args.parallel, args.profile, args.keep, move_to)
        print(
            f"  {run.label}: {'ok' if run.ok else 'FAILED'} "
            f"({time.perf_counter() - began:.0f} s in all)",
            flush=True,
        )
        runs.append(run)
    print_table(runs)


if __name__ == "__main__":
    main()
