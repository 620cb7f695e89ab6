"""Run an action over a network's stacks: the tenant baseline first, then the sites in parallel.

`up` and `destroy` write nothing until everything would succeed: a read-only tenant
preflight (hcinfra.sites.preflight), then a plan of every selected stack (a preview, or a
preview of the destroy), all at once; only when each plans cleanly does any stack run.
A move of sites off the network-wide policy groups runs the tenant stack twice, around
the sites (hcinfra.sites.group_move).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from hcinfra.network import NetworkError, load_network
from hcinfra.network.model import ALL_RINGS, Network
from hcinfra.network.policy_groups import NETWORK, plan_policy_groups
from hcinfra.sites.group_move import EXPAND

# hcinfra.program.TENANT (tests/test_sites_lean.py checks it), not imported: the program
# brings in Pulumi and every resource kind, 50 MiB the runner would hold for the whole run.
TENANT = "tenant"
# The tenant stack's first run of a move off the network-wide groups (group_move).
TENANT_EXPAND = f"{TENANT}:{EXPAND}"

# Without a terminal (a CI log), rich would fit the tables to 80 columns and cut cells to `…`.
CI_WIDTH = 200
PLANS = {"up": "preview", "destroy": "preview-destroy"}


def make_console(stderr: bool = False) -> Console:
    """A console for the progress table (stderr) or the summary (stdout), wide in a CI log."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")
    width = None if tty or os.environ.get("COLUMNS") else CI_WIDTH
    return Console(stderr=stderr, width=width)


@dataclass
class StackRun:
    """One stack's progress and result."""

    code: str
    status: str = "waiting"
    last: str = ""
    result: dict[str, Any] = field(default_factory=dict)


def order(network: Network, codes: list[str] | None, action: str) -> list[list[str]]:
    """Stages of stack codes: the tenant alone, then the sites (reversed for destroy).

    With network-wide policy groups, the tenant stack goes first even when only sites
    are named: it keeps those groups' members, which are the sites' own.
    """
    sites = codes or network.codes()
    wanted = [c for c in sites if c != TENANT]
    with_tenant = not codes or TENANT in codes
    if wanted and action != "destroy" and not with_tenant:
        # Network-wide policy groups hold the sites' members: the tenant stack keeps them.
        with_tenant = plan_policy_groups(network).strategy == NETWORK
    stages = ([[TENANT]] if with_tenant else []) + ([wanted] if wanted else [])
    return list(reversed(stages)) if action == "destroy" else stages


def staged(
    network: Network, codes: list[str] | None, action: str, plans: dict[str, dict[str, Any]]
) -> list[list[str]]:
    """order(), and when the tenant's plan moves running sites off the network-wide
    groups: the tenant keeping them, then the sites, then the tenant again."""
    stages = order(network, codes, action)
    if action != "up" or len(stages) < 2 or stages[0] != [TENANT]:
        return stages
    moves = (plans.get(TENANT) or {}).get("moving") or []
    if not set(moves) & set(stages[1]):
        return stages
    return [[TENANT_EXPAND], stages[1], [TENANT]]


def running_sites(stages: list[list[str]]) -> list[str]:
    """The site codes among the stages (the tenant's runs aside)."""
    return [c for stage in stages for c in stage if c not in (TENANT, TENANT_EXPAND)]


class Runner:
    """Drives worker processes and shows their progress."""

    def __init__(
        self,
        action: str,
        network_file: Path,
        console: Console | None = None,
        options: tuple[str, ...] = (),
        sites: list[str] | None = None,
    ) -> None:
        self.action = action
        self.options = options  # passed on to every worker
        self.sites = sites  # the sites this invocation runs, for the tenant's workers
        self.network_file = network_file.resolve()
        self.console = console or make_console(stderr=True)
        self.runs: dict[str, StackRun] = {}
        self.lock = threading.Lock()

    def table(self) -> Table:
        """The live progress table: one line per stack."""
        table = Table(show_header=True, header_style="bold", expand=True)
        for col in ("stack", "status", "progress"):
            table.add_column(col, overflow="ellipsis", no_wrap=True)
        with self.lock:
            for run in self.runs.values():
                table.add_row(run.code, run.status, run.last[-100:])
        return table

    def worker_args(self, entry: str) -> list[str]:
        """The worker's arguments for a stage entry (a stack code, or TENANT_EXPAND)."""
        code = TENANT if entry == TENANT_EXPAND else entry
        args = [self.action, code, "--network", str(self.network_file), *self.options]
        if code == TENANT and self.sites is not None:
            args += ["--sites", ",".join(self.sites)]
        if entry == TENANT_EXPAND:
            args += ["--stage", EXPAND]
        return args

    def run_one(self, code: str) -> StackRun:
        """One stack's worker process, its lines fed to the progress table."""
        run = self.runs[code]
        run.status = "running"
        proc = subprocess.Popen(
            [sys.executable, "-m", "hcinfra.sites.worker", *self.worker_args(code)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            kind, _, text = line.rstrip("\n").partition(" ")
            with self.lock:
                if kind == "result":
                    run.result = json.loads(text)
                elif text.strip():
                    run.last = text.strip()
        proc.wait()
        if not run.result:
            run.result = {"ok": False, "error": f"worker exited with {proc.returncode}: {run.last}"}
        run.status = "done" if run.result.get("ok") else "FAILED"
        return run

    def execute(self, stages: list[list[str]], parallel: int) -> list[StackRun]:
        """Every stage in turn; within a stage, up to `parallel` stacks at once."""
        for stage in stages:
            for code in stage:
                self.runs[code] = StackRun(code)
        with Live(self.table(), console=self.console, refresh_per_second=4) as live:
            stop = threading.Event()

            def refresh() -> None:
                while not stop.wait(0.25):
                    live.update(self.table())

            ticker = threading.Thread(target=refresh, daemon=True)
            ticker.start()
            for stage in stages:
                with ThreadPoolExecutor(max(1, parallel)) as pool:
                    list(pool.map(self.run_one, stage))
                if stage in ([TENANT], [TENANT_EXPAND]) and not self.runs[stage[0]].result.get(
                    "ok"
                ):
                    # Sites refer to the baseline's policies: without it they cannot deploy.
                    for later in stages[stages.index(stage) + 1 :]:
                        for code in later:
                            self.runs[code].status = "skipped"
                            self.runs[code].result = {
                                "ok": False,
                                "error": "skipped: the tenant baseline failed",
                            }
                    break
            stop.set()
            ticker.join()  # the runner may fork next (hcinfra.sites.rings): one thread only
            live.update(self.table())
        if not self.console.is_terminal:
            self.console.line()  # rich ends the table it prints once without a newline
        return list(self.runs.values())


def summary(runs: list[StackRun], title: str = "hcinfra sites") -> Table:
    """The table printed once every stack is done."""
    table = Table(title=title, show_header=True, header_style="bold")
    for col in ("stack", "result", "changes", "seconds", "error"):
        table.add_column(col)
    for run in runs:
        changes = run.result.get("changes") or {}
        text = ", ".join(f"{k} {v}" for k, v in sorted(changes.items())) or "-"
        table.add_row(
            run.code,
            "ok" if run.result.get("ok") else "failed",
            text,
            str(run.result.get("seconds", "")),
            run.result.get("error", ""),
        )
    return table


def notes(runs: list[StackRun]) -> list[str]:
    """The warnings of every stack, one line each: `STM: SharedMailbox: mailbox … kept`."""
    return [f"{run.code}: {note}" for run in runs for note in run.result.get("notes") or []]


def _print_runs(
    runs: list[StackRun], err: Console, title: str = "hcinfra sites", out: Console | None = None
) -> list[StackRun]:
    """The summary table and its notes on stdout (or `out`), each failure on stderr; the
    failed runs."""
    out = out or make_console()
    out.print(summary(runs, title))
    lines = notes(runs)
    if lines:
        out.print("notes:", markup=False, highlight=False)
        for line in lines:
            out.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    failed = [r for r in runs if not r.result.get("ok")]
    for run in failed:
        err.print(f"{run.code}: {run.result.get('error')}", markup=False, highlight=False)
    return failed


def _preflight(network: Network, network_file: str, action: str) -> list[str]:
    from hcinfra.sites.preflight import preflight

    return preflight(network, network_file, action)


def run_preflight(network: Network, network_file: str, action: str) -> list[str]:
    """The preflight, in a forked process where fork is available.

    Its tenant clients (azure-identity, httpx, msgraph-sdk: about 30 MiB) are then never
    loaded into the runner, which lives as long as every stack's run.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return _preflight(network, network_file, action)
    # Forked before any thread of the runner starts; the child inherits what is imported.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(_preflight, network, network_file, action).result()


def preflight_passes(network: Network, network_file: str, action: str, err: Console) -> bool:
    """The tenant preflight: True when it found nothing, else its problems printed."""
    problems = run_preflight(network, network_file, action)
    if not problems:
        return True
    err.print(
        f"hcinfra sites {action}: the tenant preflight found problems; nothing was sent "
        "but reads, no stack was planned or changed:",
        markup=False,
        highlight=False,
    )
    for line in problems:
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    err.print(
        "Fix them (`hcinfra doctor` shows every check), then run again.",
        markup=False,
        highlight=False,
    )
    return False


def plan_first(
    action: str, network: Network, network_file: str, codes: list[str] | None, parallel: int
) -> dict[str, dict[str, Any]] | None:
    """The preflight, then every selected stack's plan at once: each stack's plan result
    by code when `action` may run, else None."""
    err = make_console(stderr=True)
    started = time.monotonic()
    if not preflight_passes(network, network_file, action, err):
        return None
    checked = time.monotonic()
    # Plans write nothing, so every stack is planned at once: no baseline-first ordering.
    stages = order(network, codes, action)
    stacks = [code for stage in stages for code in stage]
    runs = Runner(PLANS[action], Path(network_file), err, sites=running_sites(stages)).execute(
        [stacks], parallel
    )
    planned = time.monotonic()
    bad = [r for r in runs if not r.result.get("ok")]
    if bad:
        _print_runs(runs, err, f"hcinfra sites {action}: plans")
        err.print(
            f"hcinfra sites {action}: {len(bad)} of {len(runs)} stack(s) failed to plan; "
            "no stack was changed. Fix the errors above, then run again.",
            markup=False,
            highlight=False,
        )
        return None
    err.print(
        f"preflight {checked - started:.1f} s, plans of {len(runs)} stack(s) "
        f"{planned - checked:.1f} s: {action} may go on",
        markup=False,
        highlight=False,
    )
    return {run.code: run.result for run in runs}


def flag_problem(
    action: str, diff: bool, fmt: str | None, out: str | None, max_chars: int | None = None
) -> str | None:
    """Why `hcinfra sites ACTION` refuses these --diff, --format, --out and --max-chars, or
    None."""
    if diff and action != "preview":
        return "--diff goes with preview only"
    if max_chars is not None and not (diff and fmt == "markdown"):
        return "--max-chars goes with preview --diff --format markdown"
    if max_chars is not None and max_chars < 0:
        return "--max-chars takes a number of characters, or 0 for no limit"
    if action == "list":
        if fmt not in (None, "text", "json"):
            return f"--format {fmt} goes with preview --diff; list takes text or json"
        return "--out goes with preview --diff" if out else None
    if not diff and (out or fmt not in (None, "text")):
        flag = "--out" if out else f"--format {fmt}"
        return f"{flag} goes with preview --diff (or --format with list)"
    return None


def write_plan(
    runs: list[StackRun], fmt: str, out: str | None, err: Console, max_chars: int | None = None
) -> None:
    """Every stack's plan in `fmt`, to the file `out` or else stdout; Markdown shortened to
    `max_chars` (default: what a GitHub comment takes; 0: no limit)."""
    from hcinfra.sites.plan_diff import stack_plan
    from hcinfra.sites.plan_render import COMMENT_LIMIT, SHORTENED, render

    if max_chars is None:
        max_chars = COMMENT_LIMIT if fmt == "markdown" else 0
    rendered = render([stack_plan(run.code, run.result) for run in runs], fmt, max_chars)
    if fmt == "markdown" and SHORTENED in rendered:
        # Said in the log too: a CI run that posts the comment shows why details are missing.
        err.print(
            f"the Markdown plan was shortened to fit {max_chars:,} characters; "
            "--max-chars 0 gives the whole plan",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if out is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
        return
    Path(out).write_text(rendered, encoding="utf-8")
    err.print(f"plan written to {out} ({fmt})", markup=False, highlight=False, soft_wrap=True)


def sites_command(
    action: str,
    network_file: str,
    codes: list[str] | None,
    parallel: int,
    clear_pending_creates: bool = False,
    diff_format: str | None = None,
    out: str | None = None,
    max_chars: int | None = None,
    ring: str | None = None,
) -> int:
    """`hcinfra sites ACTION`: 0 when every stack succeeded, 1 otherwise.

    With `diff_format` (a preview only), every stack's plan is rendered in that format to
    the file `out`, else to stdout, and then the summary table goes to stderr; a Markdown
    plan is shortened to `max_chars` (write_plan). `up` of a network with rings, without
    `--site`, or with `ring`, is a staged rollout (hcinfra.sites.rings; 3 when it stops).
    """
    err = make_console(stderr=True)
    try:
        network = load_network(network_file)
    except NetworkError as error:
        err.print(str(error), markup=False, highlight=False)
        return 1
    unknown = [c for c in codes or [] if c != TENANT and c not in network.codes()]
    if unknown:
        err.print(
            f"unknown site(s): {', '.join(unknown)}; the network has {', '.join(network.codes())}",
            markup=False,
        )
        return 1
    if clear_pending_creates and action != "refresh":
        err.print("--clear-pending-creates goes with refresh only", markup=False)
        return 1
    if ring is not None or (action == "up" and network.rings and not codes):
        from hcinfra.sites.rings import ring_problem, rollout_command

        if problem := ring_problem(network, action, ring, codes):
            err.print(f"hcinfra sites {action}: {problem}", markup=False, highlight=False)
            return 1
        if ring != ALL_RINGS:
            return rollout_command(network, network_file, ring, parallel)
    plans: dict[str, dict[str, Any]] = {}
    if action in PLANS:
        planned = plan_first(action, network, network_file, codes, parallel)
        if not planned:
            return 1
        plans = planned
    options: tuple[str, ...] = ("--clear-pending-creates",) if clear_pending_creates else ()
    options += ("--diff",) if diff_format else ()
    stages = staged(network, codes, action, plans)
    runs = Runner(action, Path(network_file), err, options, running_sites(stages)).execute(
        stages, parallel
    )
    # Stdout carries the plan alone when it is not written to a file.
    failed = _print_runs(runs, err, out=err if diff_format and out is None else None)
    if diff_format:
        write_plan(runs, diff_format, out, err, max_chars)
    return 1 if failed else 0


def list_command(network_file: str, fmt: str) -> int:
    """`hcinfra sites list`: the stacks in dependency order (the tenant first)."""
    try:
        network = load_network(network_file)
    except NetworkError as err:
        print(err, file=sys.stderr)
        return 1
    codes = [TENANT, *network.codes()]
    print(json.dumps(codes) if fmt == "json" else "\n".join(codes))
    return 0
