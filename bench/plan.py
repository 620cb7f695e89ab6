"""Benchmark: what `hcinfra sites preview --diff` costs over a plain preview, and its plan's size.

Run with `.venv/bin/python bench/plan.py [--sites 10] [--parallel 4] [--rounds 3]`. It starts
its own emulator, deploys a generated network of N sites (bench/sites.py's generator) with
`hcinfra sites up` on a temporary file backend, then changes the baseline (a Teams policy
setting, a disabled plan of the clinical licence) and adds one member per site. It then
runs, round after round and in a rotating order so each sees the same machine load:

- `hcinfra sites preview`;
- `hcinfra sites preview --diff --format json --out F`;
- `hcinfra sites preview --diff --format markdown --out F` (shortened to a comment).

It prints each one's wall and CPU seconds (median over the rounds), the tenant writes
during each (must be 0: a preview writes nothing), the plan's size per format, the number
of changes, the Markdown's length with and without the limit (one more run with
`--max-chars 0`), and what the limit makes of this run's plans repeated over 50 and 200
sites.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.sites import PASSPHRASE, generate, log_since, seed_with_domains, staff, timed  # noqa: E402
from hcinfra.engine import find_engine  # noqa: E402
from hcinfra.network import load_network  # noqa: E402
from hcinfra.sites.plan_diff import Change, StackPlan  # noqa: E402
from hcinfra.sites.plan_render import COMMENT_LIMIT, render  # noqa: E402
from tests.e2e.sites_harness import emulator_settings  # noqa: E402
from tests.emulator.harness import start_emulator  # noqa: E402

VARIANTS = {
    "preview": [],
    "preview --diff json": ["--diff", "--format", "json", "--out", "plan.json"],
    "preview --diff markdown": ["--diff", "--format", "markdown", "--out", "plan.md"],
}


def change_network(network: dict[str, Any]) -> list[str]:
    """The reviewed change, in place: a Teams setting and a licence's disabled plans in the
    baseline, and one more clinical member per site. What it changed, for the printout."""
    made = []
    baseline = network["baseline"]
    messaging = baseline.get("policies", {}).get("messaging")
    if isinstance(messaging, dict) and "AllowPriorityMessages" in messaging.get("settings", {}):
        messaging["settings"]["AllowPriorityMessages"] = False
        made.append("Teams messaging policy AllowPriorityMessages true → false")
    clinical = next(r for r in baseline["roles"] if r["key"] == "clinical")
    clinical["licences"][0].setdefault("disabled_plans", []).append("SWAY")
    made.append(f"{clinical['licences'][0]['sku']} disables SWAY too")
    for n, site in enumerate(network["sites"]):
        members = site["members"]["clinical"]
        members.append(
            next(u for k in range(120) if (u := staff("nurse", 3 * n + k, 120)) not in members)
        )
    made.append("one more clinical member per site")
    return made


def plans_of(document: dict[str, Any]) -> list[StackPlan]:
    """The plans of a `--format json` document, as the renderer takes them."""
    return [
        StackPlan(
            s["stack"],
            s["ok"],
            dict(s["counts"]),
            tuple(Change.from_json(c) for c in s["changes"]),
            s["error"],
        )
        for s in document["stacks"]
    ]


def repeated(plans: list[StackPlan], sites: int) -> list[StackPlan]:
    """The tenant's plan, then this run's site plans repeated to `sites` sites."""
    tenant, own = plans[0], plans[1:]
    more = [own[n % len(own)] for n in range(sites)]
    return [
        tenant,
        *(
            StackPlan(f"X{n + 1:03d}", p.ok, p.counts, p.changes, p.error)
            for n, p in enumerate(more)
        ),
    ]


def main() -> None:
    """Deploy a generated network, change it, and time the previews side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=10, help="sites in the generated network")
    parser.add_argument("--parallel", type=int, default=4, help="hcinfra sites --parallel")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each preview")
    parser.add_argument("--keep", action="store_true", help="keep the state and workspaces")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-plan-"))
    network, notes = generate(args.sites)
    (tmp / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    net_file = tmp / "network.yaml"
    net_file.write_text(yaml.safe_dump(network, allow_unicode=True, sort_keys=False), "utf-8")
    (tmp / "backend").mkdir()
    seed = seed_with_domains(network["tenant"]["domains"], tmp)
    emu = start_emulator(tmp / "emulator", "--seed", str(seed))
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    writes: dict[str, int] = dict.fromkeys(VARIANTS, 0)
    digests: dict[str, set[str]] = {"plan.json": set(), "plan.md": set()}
    try:
        emu.admin("PUT", "faults", json={"teamsOperationMs": 100, "licenseProcessingMs": 50})
        engine = find_engine(REPO)
        env = engine.env(
            PULUMI_BACKEND_URL=(tmp / "backend").as_uri(),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        )
        env.update(emulator_settings(emu))
        cli = [sys.executable, "-m", "hcinfra.cli", "sites"]
        where = ["--network", str(net_file), "--parallel", str(args.parallel)]
        up_s, _, _ = timed([*cli, "up", *where], env, tmp)

        made = change_network(network)
        net_file.write_text(yaml.safe_dump(network, allow_unicode=True, sort_keys=False), "utf-8")
        load_network(net_file)  # a bad edit fails here, not in every preview

        names = list(VARIANTS)
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                mark = emu.requests()["last"]
                took, _, sampler = timed([*cli, "preview", *where, *VARIANTS[name]], env, tmp)
                writes[name] += log_since(emu, mark)["writes"]
                seconds[name].append(took)
                cpu[name].append(sampler.cpu)
                for out in digests:
                    if out in VARIANTS[name]:
                        digests[out].add(hashlib.sha256((tmp / out).read_bytes()).hexdigest())
        mark = emu.requests()["last"]
        unlimited = ["--diff", "--format", "markdown", "--max-chars", "0", "--out", "whole.md"]
        whole_s, _, _ = timed([*cli, "preview", *where, *unlimited], env, tmp)
        writes["--max-chars 0"] = log_since(emu, mark)["writes"]
    finally:
        emu.stop()

    document = json.loads((tmp / "plan.json").read_text(encoding="utf-8"))
    plan_json = (tmp / "plan.json").read_bytes()
    plan_md = (tmp / "plan.md").read_text(encoding="utf-8")
    whole_md = (tmp / "whole.md").read_text(encoding="utf-8")
    plans = plans_of(document)
    changes = sum(len(p.changes) for p in plans)
    properties = sum(len(c.properties) for p in plans for c in p.changes)
    counted = {k: v for k, v in document["totals"].items() if k != "same"}

    print(
        f"hcinfra sites preview --diff benchmark: {args.sites} generated sites (+ the tenant "
        f"stack), --parallel {args.parallel}, {args.rounds} rounds, {os.cpu_count()} cores "
        "shared with the emulator"
    )
    for note in notes:
        print(f"  note: {note}")
    print(f"  sites up {up_s:.1f} s; then the change: {'; '.join(made)}")
    base = statistics.median(seconds["preview"])
    for name in VARIANTS:
        wall = statistics.median(seconds[name])
        runs = ", ".join(f"{s:.1f}" for s in seconds[name])
        print(
            f"  {name:24s} {wall:6.1f} s wall (median; runs {runs}), "
            f"{statistics.median(cpu[name]):5.1f} s CPU, x{wall / base:.2f} the plain preview; "
            f"tenant writes {writes[name]}"
        )
    print(
        f"  preview --diff markdown --max-chars 0: {whole_s:.1f} s (once), "
        f"tenant writes {writes['--max-chars 0']}"
    )
    print(
        f"  plan: {changes} changes listed ({properties} property changes) in {len(plans)} "
        f"stacks; the engine's counts {counted}, same {document['totals'].get('same', 0)}"
    )
    print(
        f"  sizes: JSON {len(plan_json):,} bytes; Markdown {len(plan_md.encode()):,} bytes "
        f"({len(plan_md):,} characters) with the default limit, {len(whole_md):,} characters "
        f"without (--max-chars 0); the same over the rounds: "
        f"{'yes' if all(len(d) == 1 for d in digests.values()) else 'NO'}"
    )
    print(
        f"  rendered from the JSON here, the Markdown is byte for byte the command's: "
        f"{'yes' if render(plans, 'markdown') == whole_md else 'NO'}"
    )
    for sites in (50, 200):
        bigger = repeated(plans, sites)
        full = render(bigger, "markdown")
        short = render(bigger, "markdown", COMMENT_LIMIT)
        said = "unchanged"
        if short != full:
            # The last line's "(N stack(s) list …; M have only their counts in the table: …)".
            said = short.splitlines()[-1].split(" characters (", 1)[1]
            said = said.rsplit("). For the whole plan", 1)[0].split(" in the table: ", 1)[0]
        json_bytes = len(render(bigger, "json").encode())
        print(
            f"  this run's site plans repeated to {sites} sites: Markdown {len(full):,} "
            f"characters, {len(short):,} with the limit ({said}); JSON {json_bytes:,} bytes"
        )
    if args.keep:
        print(f"  (state, workspaces and plans kept in {tmp})")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
