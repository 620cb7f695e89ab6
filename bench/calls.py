"""Benchmark: the tenant calls of one site's first `up`, and of a preview with nothing to do.

Run with `.venv/bin/python bench/calls.py [--site STM]`. It starts its own emulator
(default seed), deploys the sample network's tenant stack, then one site's stack
through the stack worker, then previews that site. It prints the site's requests per
route and per resource, its writes, and the preview's requests: the figures that
issue 13's call budget is about (at most 5 calls and 2.5 writes per resource on a first
`up`, at most 0.1 calls per object in a no-change preview). HTTP requests on the wire
count once; the items of a `$batch` are shown apart.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hcinfra.engine import find_engine  # noqa: E402
from tests.emulator.delegated import operator_env  # noqa: E402
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, start_emulator  # noqa: E402

SAMPLE = REPO / "stacks" / "network.yaml"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def shape(method: str, path: str) -> str:
    """A request with its ids folded, so that calls of one kind count together."""
    path = GUID.sub("{id}", path)
    path = re.sub(r"/(adminapi/beta)/[^/]+/", r"/\1/{tenant}/", path)
    path = re.sub(r"\('[^']*'\)", "('{id}')", path)
    return f"{method} {path}"


def worker(action: str, code: str, network: Path, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Run the stack worker; its result line."""
    proc = subprocess.run(
        [sys.executable, "-m", "hcinfra.sites.worker", action, code, "--network", str(network)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("result ")), "")
    if proc.returncode != 0 or not line:
        raise RuntimeError(f"{action} {code} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(line[len("result ") :])
    return result


def main() -> None:
    """Deploy the tenant and one site; print the site's calls."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--site", default="STM")
    parser.add_argument("--top", type=int, default=40, help="request shapes to list")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-calls-"))
    (tmp / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    network = tmp / "network.yaml"
    shutil.copy(SAMPLE, network)
    (tmp / "backend").mkdir()
    emu = start_emulator(tmp / "emulator")
    try:
        emu.admin("PUT", "faults", json={"teamsOperationMs": 100, "licenseProcessingMs": 50})
        env = find_engine(REPO).env(
            PULUMI_BACKEND_URL=(tmp / "backend").as_uri(),
            PULUMI_CONFIG_PASSPHRASE="bench-passphrase",
            HCINFRA_ENDPOINT=emu.url,
            HCINFRA_CA_BUNDLE=emu.ca,
            AZURE_TENANT_ID=emu.tenant_id,
            AZURE_CLIENT_ID=HCINFRA_APP,
            AZURE_CLIENT_SECRET=HCINFRA_SECRET,
            **operator_env(emu),  # the sample's virtual visits take an operator's sign-in
        )
        worker("up", "tenant", network, env, tmp)
        phases = []
        for action in ("up", "preview"):
            mark = emu.requests()["last"]
            result = worker(action, args.site, network, env, tmp)
            phases.append((action, result, emu.requests(since=mark)))
    finally:
        emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    (_, up, up_log), (_, _, pv_log) = phases
    objects = up["changes"].get("create", 0) - 2  # less the Stack and the site component
    print(f"one site's calls: {args.site} of the sample network, {objects} tenant objects")
    for label, log in (("first up", up_log), ("no-change preview", pv_log)):
        entries = log["entries"]
        wire = [e for e in entries if not e["batch_item"]]
        writes = sum(1 for e in entries if e["write"])
        print(
            f"  {label}: {len(wire)} requests ({len(wire) / objects:.2f} per object), "
            f"{writes} writes ({writes / objects:.2f} per object), "
            f"{len(entries) - len(wire)} $batch items"
        )
    counts = Counter(
        ("item " if e["batch_item"] else "") + shape(e["method"], e["path"])
        for e in up_log["entries"]
    )
    print(f"  first up by request ({len(counts)} shapes):")
    for what, n in counts.most_common(args.top):
        print(f"    {n:4d}  {what}")
    if pv_log["entries"]:
        print("  preview by request:")
        for what, n in Counter(shape(e["method"], e["path"]) for e in pv_log["entries"]).items():
            print(f"    {n:4d}  {what}")


if __name__ == "__main__":
    main()
