"""Run an action over a network's stacks: the tenant baseline first, then the sites in parallel."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from hcinfra.network import NetworkError, load_network
from hcinfra.network.model import Network
from hcinfra.program import TENANT


@dataclass
class StackRun:
    """One stack's progress and result."""

    code: str
    status: str = "waiting"
    last: str = ""
    result: dict[str, Any] = field(default_factory=dict)


def order(network: Network, codes: list[str] | None, action: str) -> list[list[str]]:
    """Stages of stack codes: the tenant alone, then the sites (reversed for destroy)."""
    sites = codes or network.codes()
    wanted = [c for c in sites if c != TENANT]
    with_tenant = not codes or TENANT in codes
    stages = ([[TENANT]] if with_tenant else []) + ([wanted] if wanted else [])
    return list(reversed(stages)) if action == "destroy" else stages


class Runner:
    """Drives worker processes and shows their progress."""

    def __init__(
        self,
        action: str,
        network_file: Path,
        console: Console | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        self.action = action
        self.options = options  # passed on to every worker
        self.network_file = network_file.resolve()
        self.console = console or Console(stderr=True)
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

    def run_one(self, code: str) -> StackRun:
        """One stack's worker process, its lines fed to the progress table."""
        run = self.runs[code]
        run.status = "running"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hcinfra.sites.worker",
                self.action,
                code,
                "--network",
                str(self.network_file),
                *self.options,
            ],
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
                if stage == [TENANT] and not self.runs[TENANT].result.get("ok"):
                    # Sites refer to the baseline's policies: without it they cannot deploy.
                    for later in stages[1:]:
                        for code in later:
                            self.runs[code].status = "skipped"
                            self.runs[code].result = {
                                "ok": False,
                                "error": "skipped: the tenant baseline failed",
                            }
                    break
            stop.set()
            live.update(self.table())
        return list(self.runs.values())


def summary(runs: list[StackRun]) -> Table:
    """The table printed once every stack is done."""
    table = Table(title="hcinfra sites", show_header=True, header_style="bold")
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


def sites_command(
    action: str,
    network_file: str,
    codes: list[str] | None,
    parallel: int,
    clear_pending_creates: bool = False,
) -> int:
    """`hcinfra sites ACTION`: 0 when every stack succeeded, 1 otherwise."""
    console = Console(stderr=True)
    try:
        network = load_network(network_file)
    except NetworkError as err:
        console.print(str(err), markup=False, highlight=False)
        return 1
    unknown = [c for c in codes or [] if c != TENANT and c not in network.codes()]
    if unknown:
        console.print(
            f"unknown site(s): {', '.join(unknown)}; the network has {', '.join(network.codes())}",
            markup=False,
        )
        return 1
    if clear_pending_creates and action != "refresh":
        console.print("--clear-pending-creates goes with refresh only", markup=False)
        return 1
    options = ("--clear-pending-creates",) if clear_pending_creates else ()
    runs = Runner(action, Path(network_file), console, options).execute(
        order(network, codes, action), parallel
    )
    Console().print(summary(runs))
    failed = [r for r in runs if not r.result.get("ok")]
    for run in failed:
        console.print(f"{run.code}: {run.result.get('error')}", markup=False, highlight=False)
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
