"""Benchmark: `hcinfra adopt` of a deployed site against the `hcinfra sites up` that made it.

Run with `.venv/bin/python bench/adopt.py [--rounds 2]`. It starts its own emulator,
then, round after round (so that each command sees the same machine load): deploys the
sample network's tenant baseline and site STM with `hcinfra sites up` on an empty file
backend, drops the backend (a state lost), and rebuilds it with `hcinfra adopt`. It
prints from the emulator's request log and the wall clock, for both:

- the wall time (medians) and the ratio adopt / up, side by side;
- requests per object on the wire, and writes (adopt must make none);
- the objects adopted, and what the preview after adopt plans (nothing, it must be).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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
from tests.emulator.delegated import operator_env  # noqa: E402
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, start_emulator  # noqa: E402

PASSPHRASE = "bench-passphrase"
STACKS = ["--site", "tenant", "--site", "STM"]


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Seconds a command took, and its stdout; it must succeed."""
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)
    took = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])} failed:\n{proc.stdout}\n{proc.stderr}")
    return took, proc.stdout


def main() -> None:
    """Deploy, lose the state, adopt: round after round."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of up then adopt")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-adopt-"))
    (tmp / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    network = tmp / "network.yaml"
    network.write_text((REPO / "stacks" / "network.yaml").read_text("utf-8"), "utf-8")
    backend = tmp / "backend"
    emu = start_emulator(tmp / "emulator")
    times: dict[str, list[float]] = {"up": [], "adopt": []}
    logs: dict[str, dict[str, Any]] = {}
    adopted = 0
    try:
        emu.admin("PUT", "faults", json={"teamsOperationMs": 100, "licenseProcessingMs": 50})
        env = find_engine(REPO).env(
            PULUMI_BACKEND_URL=backend.as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            HCINFRA_ENDPOINT=emu.url,
            HCINFRA_CA_BUNDLE=emu.ca,
            AZURE_TENANT_ID=emu.tenant_id,
            AZURE_CLIENT_ID=HCINFRA_APP,
            AZURE_CLIENT_SECRET=HCINFRA_SECRET,
            COLUMNS="200",
            **operator_env(emu),  # the sample's virtual visits take an operator's sign-in
        )
        hcinfra = [sys.executable, "-m", "hcinfra.cli"]
        where = ["--network", str(network)]
        for _ in range(args.rounds):
            emu.reset()
            env.update(operator_env(emu))
            for folder in (backend, tmp / ".state"):
                shutil.rmtree(folder, ignore_errors=True)
            backend.mkdir()
            for name, cmd in (
                ("up", [*hcinfra, "sites", "up", *where, *STACKS]),
                ("adopt", [*hcinfra, "adopt", *where, *STACKS]),
            ):
                if name == "adopt":  # the state lost
                    shutil.rmtree(backend)
                    shutil.rmtree(tmp / ".state")
                    backend.mkdir()
                mark = emu.requests()["last"]
                took, out = run(cmd, env, tmp)
                times[name].append(took)
                logs[name] = emu.requests(since=mark)
                if name == "adopt":
                    adopted = sum(int(n) for n in re.findall(r"^\S+: (\d+) adopted", out, re.M))
        plan = tmp / "plan.json"
        run([*hcinfra, "sites", "preview", *where, *STACKS, "--diff", "--format", "json",
             "--out", str(plan)], env, tmp)  # fmt: skip
        changes = sum(len(s["changes"]) for s in json.loads(plan.read_text())["stacks"])
    finally:
        emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"hcinfra adopt benchmark: the sample's tenant and STM stacks, {adopted} objects, "
        f"{args.rounds} rounds, {os.cpu_count()} cores"
    )
    medians = {k: statistics.median(v) for k, v in times.items()}
    for name in ("up", "adopt"):
        log = logs[name]
        each = ", ".join(f"{t:.1f}" for t in times[name])
        print(
            f"  {name:6} {medians[name]:6.1f} s median ({each})   requests per object "
            f"{log['calls'] / adopted:.2f} on the wire, writes {log['writes']}"
        )
    print(f"  adopt / up: x{medians['adopt'] / medians['up']:.2f}")
    print(f"  the preview after adopt plans {changes} change(s)")


if __name__ == "__main__":
    main()
