"""Benchmark: `hcinfra sites` over a generated network of N hospital sites.

Run with `.venv/bin/python bench/sites.py [--sites 10] [--parallel 4]`. It starts its
own emulator (seeded with one mail domain per generated site), writes a network of
N sites built from the sample's baseline (stacks/network.yaml) with generated codes,
wards and members drawn from the seed's staff, and uses a temporary file backend.
It prints:

- the wall and CPU time of `hcinfra sites up` (every stack created) and of a `hcinfra
  sites preview` with nothing to change (which must write nothing to the tenant);
- tenant requests per resource, from the emulator's request log;
- the Pulumi CLI processes per stack, per worker action, and which commands they ran
  (the CLI runs behind a `pulumi` that logs them: tests/cli_runs.py);
- peak memory: the largest process (getrusage of the children), the tree's RSS and PSS
  at their largest, and per kind of process (runner, site workers, Pulumi CLI, dynamic
  providers) its peak RSS and anonymous memory, sampled from /proc;
- one more site's `up`, against an `up` of as many trivial dynamic resources
  (DeploymentStamp) through the same engine: hcinfra's cost over the engine's floor.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hcinfra.engine import Engine, find_engine  # noqa: E402
from hcinfra.engine.version import cli_version  # noqa: E402
from hcinfra.network.catalog import MAX_GROUPS_PER_POLICY_TYPE  # noqa: E402
from tests.cli_runs import clear, command, counting_tools, log  # noqa: E402
from tests.emulator.delegated import operator_env  # noqa: E402
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator, start_emulator  # noqa: E402

SAMPLE = REPO / "stacks" / "network.yaml"
SEED = REPO / "hcinfra" / "emulator" / "seeds" / "default.yaml"
# The seed's prepaid seats.
SEED_SKUS = {"SPE_F1": 250, "M365_F1_COMM": 60, "SPE_E3": 100, "SPE_E5": 25}
PASSPHRASE = "bench-passphrase"


# --- the generated network --------------------------------------------------------------------


def site_code(n: int) -> str:
    """H01, H02, … (site codes are 2-8 capitals or digits)."""
    return f"H{n:02d}" if n < 100 else f"H{n}"


def staff(prefix: str, n: int, count: int) -> str:
    """The n-th user (from 0) of a seeded batch, wrapping around the batch."""
    return f"{prefix}{n % count + 1:03d}@northwindhealth.org"


def generate(count: int) -> tuple[dict[str, Any], list[str]]:
    """The sample's tenant and baseline with `count` generated sites; notes on what was cut."""
    sample = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    baseline = sample["baseline"]
    notes: list[str] = []
    sites = []
    for i in range(count):
        code = site_code(i + 1)
        sites.append(
            {
                "code": code,
                "name": f"Hospital {code}",
                "mail_domain": f"{code.lower()}.northwindhealth.org",
                "wards": [f"Ward {i + 1}A", f"Ward {i + 1}B"],
                "members": {
                    "nurse-managers": [staff("manager", i, 12)],
                    "clinical": [
                        staff("nurse", 2 * i, 120),
                        staff("nurse", 2 * i + 1, 120),
                        staff("physician", i, 40),
                    ],
                    "information": [staff("clerk", i, 50)],
                    "patient-rooms": [staff("room", i, 40)],
                },
            }
        )
    for role in baseline["roles"]:
        role["seats"] = 0  # each site's members count for the pool check
    # The tenant's seats always suffice: members come from the seed's batches, and a user
    # in several groups takes one seat per SKU (at most 160 SPE_F1, 62 SPE_E3, 40
    # M365_F1_COMM). The pool check sums members per site, so it may not: then it goes.
    tenant = {
        "id": sample["tenant"]["id"],
        "domains": ["northwindhealth.org", *(s["mail_domain"] for s in sites)],
        "licence_pool": dict(SEED_SKUS),
    }
    need: Counter[str] = Counter()
    for role in baseline["roles"]:
        for site in sites:
            for lic in role.get("licences", []):
                need[lic["sku"]] += len(site["members"].get(role["key"], []))
    if any(n > SEED_SKUS.get(sku, 0) for sku, n in need.items()):
        del tenant["licence_pool"]
        notes.append(f"licence pool dropped: the sites' members need {dict(need)} seats")
    # Teams takes 64 groups per policy type: drop what the sites cannot all hold, packages
    # (six types, one group per packaged role) first, then the tenant-wide policies.
    packaged = [r for r in baseline["roles"] if r.get("policy_package")]
    policies = baseline.get("policies", {})
    direct = max(
        (len(p.get("roles", [])) for p in policies.values() if isinstance(p, dict)), default=0
    )
    if (len(packaged) + direct) * count > MAX_GROUPS_PER_POLICY_TYPE:
        for role in packaged:
            role.pop("policy_package")
        notes.append(
            f"Teams policy packages dropped: {len(packaged)} packaged groups per site exceed "
            f"{MAX_GROUPS_PER_POLICY_TYPE} groups per policy type"
        )
        if direct * count > MAX_GROUPS_PER_POLICY_TYPE:
            baseline["policies"] = {}
            notes.append("tenant-wide Teams policies dropped too")
        else:
            holders = {
                k for p in policies.values() if isinstance(p, dict) for k in p.get("roles", [])
            }
            policies["precedence"] = [r for r in policies.get("precedence", []) if r in holders]
    return {"tenant": tenant, "baseline": baseline, "sites": sites}, notes


def seed_with_domains(domains: list[str], folder: Path) -> Path:
    """The default seed plus the generated sites' mail domains."""
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    known = seed["tenant"]["domains"]
    seed["tenant"]["domains"] = known + [d for d in domains if d not in known]
    path = folder / "seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- measuring processes -----------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except OSError:
            continue
    return out


def _kind(pid: int) -> str | None:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    text = " ".join(part.decode(errors="replace") for part in cmd)
    if "hcinfra.sites.worker" in text or "bench/sites.py stamps" in text:
        return "stack worker (Automation API)"
    if "hcinfra.cli sites" in text:
        return "hcinfra sites (runner)"
    if "pulumi.dynamic" in text:
        return "dynamic provider"
    if cmd and cmd[0].endswith(b"/pulumi"):
        return "pulumi CLI"
    return None


def _kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    """Proportional set size: pages shared by N processes (the CLI's binary, the interpreter's
    libraries) count 1/N in each, so a tree's sum of PSS is the memory it really takes."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak resident memory of a process tree, per kind of process and in total.

    `total` is the largest sum of the tree's RSS (shared pages counted once per process),
    `pss_total` the largest sum of its PSS; per kind, `peak` is the largest VmHWM and
    `anon` the largest RssAnon (the process's own heap and stacks, no file pages). `cpu` is
    the tree's CPU seconds (user and system), set by timed(): on a loaded machine a fairer
    measure of work than the wall time.
    """

    def __init__(self, root: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root, self.every = root, every
        self.peak: dict[str, int] = {}
        self.anon: dict[str, int] = {}
        self.count: dict[str, set[int]] = {}
        self.total = 0
        self.pss_total = 0
        self.cpu = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            rss = pss = 0
            todo: list[tuple[int, str | None]] = [(self.root, None)]
            while todo:
                pid, parent = todo.pop()
                kind = _kind(pid)
                rss += _kib(pid, "VmRSS")
                pss += _pss_kib(pid)
                # A short-lived fork of a process counts as that process.
                if kind and kind != parent:
                    self.peak[kind] = max(self.peak.get(kind, 0), _kib(pid, "VmHWM"))
                    self.anon[kind] = max(self.anon.get(kind, 0), _kib(pid, "RssAnon"))
                    self.count.setdefault(kind, set()).add(pid)
                todo += [(child, kind) for child in _children(pid)]
            self.total = max(self.total, rss)
            self.pss_total = max(self.pss_total, pss)
            self.stop.wait(self.every)


def sampled(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, str, str, Sampler]:
    """Run a command; wall time, exit code, stdout, stderr, and its tree's memory and CPU."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    begin = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = Sampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - begin
    sampler.stop.set()
    sampler.join()
    # Every process of the tree has been waited for by its parent, so it counts here.
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.cpu = done.ru_utime + done.ru_stime - used.ru_utime - used.ru_stime
    return seconds, proc.returncode, out, err, sampler


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str, Sampler]:
    """Run a command that must succeed; its wall time, its stdout, and its tree's figures."""
    seconds, code, out, err, sampler = sampled(cmd, env, cwd)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])} exited {code}:\n{out}\n{err[-3000:]}")
    return seconds, out, sampler


def summary(stdout: str) -> dict[str, tuple[str, dict[str, int], float]]:
    """`hcinfra sites` summary rows: stack → (result, changes, seconds)."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 5 and cells[0] and cells[0] != "stack":
            changes = {m[0]: int(m[1]) for m in re.findall(r"(\w+) (\d+)", cells[2])}
            rows[cells[0]] = (cells[1], changes, float(cells[3] or 0))
    return rows


def worker_result(stdout: str) -> dict[str, Any]:
    """The `result <json>` line of a stack worker."""
    line = next(ln for ln in stdout.splitlines() if ln.startswith("result "))
    return json.loads(line[len("result ") :])


# --- the engine's floor: trivial dynamic resources ---------------------------------------------


def stamps(count: int, workdir: Path, backend: str) -> int:
    """A stack of `count` DeploymentStamps under one component, up through the Automation API.

    Same engine, same settings and the same CLI runs as a site's worker (hcinfra.sites.stacks),
    no tenant.
    """
    import pulumi
    from pulumi import automation as auto

    from hcinfra.resources import DeploymentStamp
    from hcinfra.sites.automation import select_stack

    engine = find_engine(REPO)

    def program() -> None:
        parent = pulumi.ComponentResource("hcinfra:bench:Stamps", "stamps")
        for n in range(count):
            DeploymentStamp(f"stamp-{n}", site="BENCH", opts=pulumi.ResourceOptions(parent=parent))

    workdir.mkdir(parents=True, exist_ok=True)
    env = engine.env(PULUMI_BACKEND_URL=backend, PULUMI_CONFIG_PASSPHRASE=PASSPHRASE)
    stack = select_stack(
        "stamps",
        program,
        workdir,
        engine,
        env,
        auto.ProjectSettings(
            name="hcinfra", runtime="python", backend=auto.ProjectBackend(url=backend)
        ),
        {"hcinfra:site": "BENCH"},
    )
    up = stack.up()
    print(f"result {json.dumps({'changes': dict(up.summary.resource_changes or {})})}")
    return 0


def cli_runs(tools: Engine) -> dict[str, list[list[str]]]:
    """The CLI runs logged since the last call, per worker action: one list per stack."""
    per_worker: dict[int, list[str]] = {}
    action: dict[int, str] = {}
    for pid, parent, args in log(tools):
        words = parent.split()
        if "hcinfra.sites.worker" in words:
            action[pid] = words[words.index("hcinfra.sites.worker") + 1]
        else:
            action[pid] = "stamps up" if "stamps" in words else parent
        per_worker.setdefault(pid, []).append(command(args))
    clear(tools)
    found: dict[str, list[list[str]]] = {}
    for pid, made in per_worker.items():
        found.setdefault(action[pid], []).append(made)
    return found


def describe_runs(found: dict[str, list[list[str]]]) -> str:
    """`preview 2 (stack select, preview), up 2 (…)`: runs per stack and which, per action."""
    parts = []
    for action, stacks in found.items():
        counts = sorted({len(made) for made in stacks})
        span = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        # The commands of the stack with the most runs, repeats counted: `config set x2`.
        most = Counter(max(stacks, key=len))
        which = ", ".join(f"{c} x{n}" if n > 1 else c for c, n in most.items())
        parts.append(f"{action} {span} ({which}) in {len(stacks)} stack(s)")
    return "; ".join(parts)


# --- the run -----------------------------------------------------------------------------------


def mib(kib: int) -> str:
    """KiB as MiB for printing."""
    return f"{kib / 1024:6.0f} MiB"


def log_since(emu: Emulator, mark: int) -> dict[str, Any]:
    """Requests after `mark`: total, writes, and per service."""
    log = emu.requests(since=mark)
    services: Counter[str] = Counter()
    for e in log["entries"]:
        path = e["path"]
        if path.startswith(("/v1.0/", "/beta/")):
            services["graph"] += 1
        elif path.startswith("/adminapi/"):
            services["exchange"] += 1
        elif path.startswith(("/Skype.Policy/", "/Teams.VerticalPackaging/")):
            services["teams admin"] += 1
        else:
            services["identity"] += 1
    return {"total": log["total"], "writes": log["writes"], "services": dict(services)}


def main() -> None:
    """Deploy a generated network and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=10, help="sites in the generated network")
    parser.add_argument("--parallel", type=int, default=4, help="hcinfra sites --parallel")
    parser.add_argument("--keep", action="store_true", help="keep the state and workspaces")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-sites-"))
    # One more site than measured, deployed alone afterwards for the single-site figures;
    # appending it changes nothing for the others (ranks follow file order).
    bigger, notes = generate(args.sites + 1)
    network = {**bigger, "sites": bigger["sites"][:-1]}
    one = bigger["sites"][-1]["code"]
    (tmp / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    net_file, one_file = tmp / "network.yaml", tmp / "network-plus-one.yaml"
    for path, doc in ((net_file, network), (one_file, bigger)):
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    backend = (tmp / "backend").as_uri()
    (tmp / "backend").mkdir()

    seed = seed_with_domains(bigger["tenant"]["domains"], tmp)
    emu = start_emulator(tmp / "emulator", "--seed", str(seed))
    try:
        # Quick emulated asynchronous operations: the figures are hcinfra's and the engine's.
        emu.admin("PUT", "faults", json={"teamsOperationMs": 100, "licenseProcessingMs": 50})
        # The real CLI behind a `pulumi` that logs each run, to count them per stack; its
        # version asked once up front, as a second run on the same engine would have it.
        engine = counting_tools(find_engine(REPO), tmp / "tools")
        cli_version(engine)
        clear(engine)
        env = engine.env(
            HCINFRA_TOOLS=str(engine.tools),
            PULUMI_BACKEND_URL=backend,
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            HCINFRA_ENDPOINT=emu.url,
            HCINFRA_CA_BUNDLE=emu.ca,
            AZURE_TENANT_ID=emu.tenant_id,
            AZURE_CLIENT_ID=HCINFRA_APP,
            AZURE_CLIENT_SECRET=HCINFRA_SECRET,
            **operator_env(emu),  # the sample's virtual visits take an operator's sign-in
            COLUMNS="200",
        )
        cli = [sys.executable, "-m", "hcinfra.cli", "sites"]

        mark = emu.requests()["last"]
        up_s, up_out, up_mem = timed(
            [*cli, "up", "--network", str(net_file), "--parallel", str(args.parallel)], env, tmp
        )
        up_log = log_since(emu, mark)
        up_runs = cli_runs(engine)
        up_rows = summary(up_out)
        stacks = len(up_rows)
        created = sum(r[1].get("create", 0) for r in up_rows.values())
        dynamic = created - 2 * stacks  # less each stack's Stack and its one component

        mark = emu.requests()["last"]
        pv_s, pv_out, pv_mem = timed(
            [*cli, "preview", "--network", str(net_file), "--parallel", str(args.parallel)],
            env,
            tmp,
        )
        pv_log = log_since(emu, mark)
        pv_runs = cli_runs(engine)
        pv_rows = summary(pv_out)
        quiet = all(set(r[1]) == {"same"} for r in pv_rows.values())

        worker = [sys.executable, "-m", "hcinfra.sites.worker", "up", one, "--network"]
        mark = emu.requests()["last"]
        site_s, site_out, site_mem = timed([*worker, str(one_file)], env, tmp)
        site_log = log_since(emu, mark)
        site_runs = cli_runs(engine)
        site_made = worker_result(site_out)["changes"].get("create", 0)
        stamp_cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "stamps",
            "--count",
            str(site_made - 2),
            "--backend",
            backend,
            "--workdir",
            str(tmp / "stamps"),
        ]
        stamp_s, stamp_out, stamp_mem = timed(stamp_cmd, env, tmp)
        stamp_made = worker_result(stamp_out)["changes"].get("create", 0)
        stamp_runs = cli_runs(engine)
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    finally:
        emu.stop()

    site_secs = [r[2] for code, r in up_rows.items() if code != "tenant"]
    print(
        f"hcinfra sites benchmark: {args.sites} generated sites (+ the tenant stack), "
        f"--parallel {args.parallel}, {os.cpu_count()} cores shared with the emulator"
    )
    for note in notes:
        print(f"  note: {note}")
    print(
        f"  sites up        {up_s:7.1f} s wall, {up_mem.cpu:.0f} s CPU   "
        f"{created} resources created in {stacks} stacks "
        f"({dynamic} tenant objects); per site {min(site_secs):.1f}-{max(site_secs):.1f} s, "
        f"median {statistics.median(site_secs):.1f} s"
    )
    print(
        f"  sites preview   {pv_s:7.1f} s wall, {pv_mem.cpu:.0f} s CPU   "
        f"no changes: {'yes' if quiet else 'NO'}; "
        f"tenant writes during it: {pv_log['writes']}"
    )
    print(
        f"  requests per tenant object: up {up_log['total'] / dynamic:.1f} "
        f"({up_log['writes'] / dynamic:.1f} writes), preview {pv_log['total'] / dynamic:.1f} "
        f"({pv_log['writes'] / dynamic:.1f} writes)"
    )
    print(f"    up by service: {up_log['services']}; preview: {pv_log['services']}")
    print("  CLI processes per stack, per worker action (each a `pulumi` run):")
    for label, found in (("sites up", up_runs), ("sites preview", pv_runs)):
        print(f"    {label}: {describe_runs(found)}")
    print(f"    one site's up: {describe_runs(site_runs)}; stamps: {describe_runs(stamp_runs)}")
    print(f"  peak memory: largest single process (getrusage children) {mib(largest)}")
    for label, sampled in (("up", up_mem), ("preview", pv_mem)):
        kinds = ", ".join(
            f"{k} {mib(v).strip()} (anon {mib(sampled.anon[k]).strip()}, x{len(sampled.count[k])})"
            for k, v in sorted(sampled.peak.items())
        )
        print(
            f"    {label:8s} sum of the tree's RSS at its largest {mib(sampled.total).strip()}, "
            f"of its PSS {mib(sampled.pss_total).strip()}; peak per process (processes): {kinds}"
        )
    print(
        f"  one site's up ({one}, {site_made} resources, {site_log['total']} requests): "
        f"{site_s:.1f} s ({site_mem.cpu:.1f} s CPU); {stamp_made} resources "
        f"({stamp_made - 2} DeploymentStamps) through the same engine: "
        f"{stamp_s:.1f} s ({stamp_mem.cpu:.1f} s CPU); "
        f"hcinfra over the engine's floor: x{site_s / stamp_s:.2f} "
        f"(+{site_s - stamp_s:.1f} s)"
    )
    print(
        f"    peak per process, site: {mib(max(site_mem.peak.values())).strip()}, "
        f"stamps: {mib(max(stamp_mem.peak.values())).strip()}"
    )
    if args.keep:
        print(f"  (state and workspaces kept in {tmp})")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "stamps":
        sub = argparse.ArgumentParser(prog="bench/sites.py stamps")
        sub.add_argument("stamps")
        sub.add_argument("--count", type=int, required=True)
        sub.add_argument("--backend", required=True)
        sub.add_argument("--workdir", required=True)
        a = sub.parse_args()
        sys.exit(stamps(a.count, Path(a.workdir), a.backend))
    main()
