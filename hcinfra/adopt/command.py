"""`hcinfra adopt --network FILE [--site CODE ...] [--dry-run]`: take a tenant as it is.

After a read-only preflight, each selected stack (the tenant baseline first, then the
sites in parallel) runs through the stack worker's `adopt` (hcinfra.sites.adopt_run):
every declared object is matched to the live one by its natural key and written into
the stack's state, with no write to the tenant. The report lists, per stack, what was
adopted, what no live object matches (the next `hcinfra sites up` creates it), what
matches ambiguously (refused, naming every candidate), what was skipped because it
depends on one of those, and the live objects the file does not declare (shadows, as
`hcinfra drift` names them: adopt never deletes). Exit 0, or 2 when something was
refused or failed, or 1 when adopt could not run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hcinfra.network import NetworkError, load_network
from hcinfra.network.model import Network
from hcinfra.sites.runner import TENANT, Runner, StackRun, make_console, order, run_preflight

CLEAN, ERROR, REFUSED = 0, 1, 2
HEADINGS = {
    "unmatched": "not matched: the next `hcinfra sites up` creates them",
    "ambiguous": "ambiguous: refused, the candidates named",
    "conflict": "conflicts: a live object holds the key but is not what the file declares",
    "unsupported": "not adoptable by hcinfra yet: the next `hcinfra sites up` creates them",
    "skipped": "skipped: they depend on an object not adopted",
    "failed": "failed",
}


def _shadows(network: Network, codes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The live objects under each site's names that the file does not declare."""
    from hcinfra.audit.audit import read

    found = read(network, codes)
    return {code: list(found.shadows.get(code) or []) for code in codes}


def report(
    runs: list[StackRun], shadows: dict[str, list[dict[str, Any]]], dry_run: bool
) -> list[str]:
    """The adoption report as lines."""
    title = "hcinfra adopt --dry-run (nothing was kept)" if dry_run else "hcinfra adopt"
    lines = [f"{title}: {len(runs)} stack(s)"]
    for run in runs:
        result = run.result
        tally = result.get("adoption")
        if not result.get("ok") or tally is None:
            lines.append(f"{run.code}: FAILED: {result.get('error', 'no result')}")
            continue
        counts = ", ".join(
            f"{len(tally[k])} {word}"
            for k, word in (
                ("adopted", "adopted"),
                ("managed", "already in the state"),
                ("unmatched", "not matched"),
                ("ambiguous", "ambiguous"),
                ("skipped", "skipped"),
            )
        )
        lines.append(f"{run.code}: {counts}")
        for key, heading in HEADINGS.items():
            if tally.get(key):
                lines.append(f"  {heading}:")
                for r in tally[key]:
                    why = f": {r['message']}" if r.get("message") else ""
                    lines.append(f"    {r['kind']} {r['name']}{why}")
        extra = shadows.get(run.code) or []
        if extra:
            lines.append("  shadows: live, not declared (adopt never deletes):")
            lines += [f"    {s['kind']} {s['name']} ({s.get('id', '?')})" for s in extra]
    return lines


def adopt_command(network_file: str, codes: list[str] | None, dry_run: bool, parallel: int) -> int:
    """Adopt the live objects the network declares into its stacks' state."""
    err = make_console(stderr=True)
    out = make_console()
    try:
        network = load_network(network_file)
    except NetworkError as error:
        err.print(str(error), markup=False, highlight=False)
        return ERROR
    unknown = [c for c in codes or [] if c != TENANT and c not in network.codes()]
    if unknown:
        err.print(
            f"unknown site(s): {', '.join(unknown)}; the network has {', '.join(network.codes())}",
            markup=False,
        )
        return ERROR
    problems = run_preflight(network, network_file, "adopt")
    if problems:
        err.print(
            "hcinfra adopt: the tenant preflight found problems; nothing was adopted:",
            markup=False,
        )
        for line in problems:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        return ERROR
    options = ("--dry-run",) if dry_run else ()
    stages = order(network, codes, "up")
    runs = Runner("adopt", Path(network_file), err, options).execute(stages, parallel)
    chosen = [code for stage in stages for code in stage]
    shadows = _shadows(network, chosen)
    for line in report(runs, shadows, dry_run):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    refused = [
        r
        for r in runs
        if not r.result.get("ok")
        or any((r.result.get("adoption") or {}).get(k) for k in ("ambiguous", "conflict", "failed"))
    ]
    if not refused:
        out.print(
            "next: `hcinfra sites preview --diff` shows the updates that would make the "
            "tenant match the file",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return REFUSED if refused else CLEAN
