"""Benchmark: `hcinfra doctor` of the sample network with 150 ms on every round trip.

Run with `.venv/bin/python bench/doctor.py [--rounds 3] [--latency-ms 150]`. It starts
its own emulator with a faults file that adds the latency to every route (tokens
included), roughly a real tenant seen from a CI runner, then runs `hcinfra doctor
--network stacks/network.yaml --format json` as a user would, round after round. It
prints, from the wall clock, the report and the emulator's request log:

- the wall time of the whole command (interpreter start included) and the doctor's own
  time, medians over the rounds;
- the requests made: calls on the wire, `$batch` items apart, and writes (always 0);
- the calls per route of one round, and the same run without latency for comparison.
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

from tests.emulator.delegated import operator_env  # noqa: E402
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator, start_emulator  # noqa: E402

NETWORK = REPO / "stacks" / "network.yaml"


def doctor(emu: Emulator) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """One run: wall seconds, the JSON report, and the request log it left."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HCINFRA_"))}
    env |= {
        "HCINFRA_ENDPOINT": emu.url,
        "HCINFRA_CA_BUNDLE": emu.ca,
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": HCINFRA_APP,
        "AZURE_CLIENT_SECRET": HCINFRA_SECRET,
        **operator_env(emu),  # signin.delegated: the sample's virtual visits
    }
    since = emu.requests()["last"]
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hcinfra.cli",
            "doctor",
            "--network",
            str(NETWORK),
            "--format",
            "json",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    took = time.monotonic() - started
    if proc.returncode not in (0, 2):
        raise SystemExit(f"hcinfra doctor failed ({proc.returncode}):\n{proc.stderr}")
    return took, json.loads(proc.stdout), emu.requests(since)


def rounds(emu: Emulator, n: int) -> dict[str, Any]:
    """Medians over n runs, and the last run's report and log."""
    walls, own = [], []
    report: dict[str, Any] = {}
    log: dict[str, Any] = {}
    for _ in range(n):
        wall, report, log = doctor(emu)
        walls.append(wall)
        own.append(float(report["seconds"]))
    return {
        "wall": statistics.median(walls),
        "own": statistics.median(own),
        "report": report,
        "log": log,
    }


def main() -> None:
    """Time the doctor with and without latency on every route."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="runs per setting")
    parser.add_argument("--latency-ms", type=int, default=150, help="added to every request")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-doctor-"))
    faults = tmp / "faults.yaml"
    faults.write_text(f'rules:\n  - match: "* *"\n    latencyMs: {args.latency_ms}\n')
    slow = start_emulator(tmp / "slow", "--faults", str(faults))
    fast = start_emulator(tmp / "fast")
    try:
        results = {"slow": rounds(slow, args.rounds), "fast": rounds(fast, args.rounds)}
    finally:
        slow.stop()
        fast.stop()

    print(f"hcinfra doctor --network stacks/network.yaml, {args.rounds} rounds (medians)")
    for name, label in (("slow", f"{args.latency_ms} ms on every route"), ("fast", "no latency")):
        r = results[name]
        log, summary = r["log"], r["report"]["summary"]
        items = log["total"] - log["calls"]
        print(
            f"  {label:<24} wall {r['wall']:.2f} s, doctor {r['own']:.2f} s; "
            f"{log['calls']} calls on the wire (+{items} $batch items), {log['writes']} writes; "
            f"{summary['checks']} checks, {summary['ok']} ok, {summary['warning']} warning(s), "
            f"{summary['problem']} problem(s)"
        )
    print("  calls per route (one round, with latency):")
    for c in results["slow"]["log"]["counts"]:
        print(f"    {c['count']:>3}  {c['method']} {c['route']} {c['status']}")


if __name__ == "__main__":
    main()
