"""Benchmark: `hcinfra drift` of one site against `pulumi refresh --preview-only` of its stack.

Run with `.venv/bin/python bench/drift.py [--rounds 3]`. It starts its own emulator,
deploys the sample network's tenant baseline and site STM with `hcinfra sites up` (a
temporary file backend), then runs the two checks in turn, round after round, so that
both see the same machine load. It prints, from the emulator's request log and the
wall clock:

- requests per object of each (calls on the wire, and `$batch` items apart);
- the time per object, medians over the rounds;
- the ratio refresh / drift (the issue asks for at least 5).

Objects are the site stack's dynamic resources (what refresh reads); the drift report
covers the same objects plus shadow objects.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hcinfra.engine import find_engine  # noqa: E402
from hcinfra.sites.stacks import workspace_dir  # noqa: E402
from tests.emulator.delegated import operator_env  # noqa: E402
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, start_emulator  # noqa: E402

PASSPHRASE = "bench-passphrase"
SITE = "STM"


def run(cmd: list[str], env: dict[str, str], cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    """Seconds a command took; it must exit with one of `ok`."""
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)
    took = time.monotonic() - started
    if proc.returncode not in ok:
        raise SystemExit(
            f"{' '.join(cmd[:4])} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return took


def main() -> None:
    """Deploy one site, then time both checks side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each check")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-drift-"))
    (tmp / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    network = tmp / "network.yaml"
    network.write_text((REPO / "stacks" / "network.yaml").read_text("utf-8"), "utf-8")
    (tmp / "backend").mkdir()
    emu = start_emulator(tmp / "emulator")
    try:
        emu.admin("PUT", "faults", json={"teamsOperationMs": 100, "licenseProcessingMs": 50})
        engine = find_engine(REPO)
        env = engine.env(
            PULUMI_BACKEND_URL=(tmp / "backend").as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            HCINFRA_ENDPOINT=emu.url,
            HCINFRA_CA_BUNDLE=emu.ca,
            AZURE_TENANT_ID=emu.tenant_id,
            AZURE_CLIENT_ID=HCINFRA_APP,
            AZURE_CLIENT_SECRET=HCINFRA_SECRET,
            **operator_env(emu),  # the sample's virtual visits take an operator's sign-in
        )
        hcinfra = [sys.executable, "-m", "hcinfra.cli"]
        where = ["--network", str(network)]
        run([*hcinfra, "sites", "up", *where, "--site", "tenant", "--site", SITE], env, tmp)

        folder = workspace_dir(tmp.resolve(), (tmp / "backend").as_uri(), SITE.lower())
        pulumi = str(engine.pulumi)
        exported = subprocess.run(
            [pulumi, "stack", "export", "--stack", SITE.lower()],
            env=env, cwd=folder, capture_output=True, text=True, check=True,
        )  # fmt: skip
        resources = json.loads(exported.stdout)["deployment"]["resources"]
        objects = sum(1 for r in resources if r["type"].startswith("pulumi-python:dynamic"))

        drift_cmd = [*hcinfra, "drift", *where, "--site", SITE, "--format", "json"]
        refresh_cmd = [pulumi, "refresh", "--preview-only", "--stack", SITE.lower()]
        refresh_cmd += ["--non-interactive", "--color", "never"]
        times: dict[str, list[float]] = {"drift": [], "refresh": []}
        logs: dict[str, dict[str, Any]] = {}
        for _ in range(args.rounds):
            for name, cmd, cwd in (("drift", drift_cmd, tmp), ("refresh", refresh_cmd, folder)):
                mark = emu.requests()["last"]
                times[name].append(run(cmd, env, cwd))
                logs[name] = emu.requests(since=mark)
    finally:
        emu.stop()

    print(
        f"hcinfra drift benchmark: site {SITE} of the sample network, {objects} objects "
        f"(dynamic resources), {args.rounds} rounds, {os.cpu_count()} cores"
    )
    medians = {k: statistics.median(v) for k, v in times.items()}
    for name in ("drift", "refresh"):
        log = logs[name]
        items = log["total"] - log["calls"]
        each = ", ".join(f"{t:.2f}" for t in times[name])
        print(
            f"  {name:8} {medians[name]:6.2f} s median ({each})"
            f"   {medians[name] / objects * 1000:6.0f} ms per object   requests per object: "
            f"{log['calls'] / objects:.2f} on the wire"
            + (f" (+{items / objects:.2f} $batch items)" if items else "")
            + f", writes {log['writes']}"
        )
    print(f"  refresh / drift: x{medians['refresh'] / medians['drift']:.1f} (target: at least x5)")


if __name__ == "__main__":
    main()
