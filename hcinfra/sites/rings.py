"""The staged rollout of `hcinfra sites up`: a network's rings, deployed one per run.

A network file may name rings (`rings: [{name: pilot, sites: [STM]}, …]`); the sites in no
ring form the last ring, `rest`. The tenant stack goes with the first ring: its policies
are tenant-wide, so they cannot be staged, and every site needs them.

`hcinfra sites up` then deploys the next ring only. Every run first plans every stack (a
preview, as `up` always does), and reads:

- a stack is *deployed* when its plan changes nothing: its state holds what the file
  declares (a stack never deployed plans creates; one behind the file plans updates);
- the next ring is the first with a stack not deployed;
- every ring before it must be *clean*: its stacks deployed, no drift (`hcinfra drift`)
  and no failed shall-control (`hcinfra check`). The tenant is read for those rings only.

When a ring before the next is not clean, nothing is written: the run names the ring,
the stack and what is wrong, and exits 3. `--ring NAME` deploys that ring, with the same
check of the rings before it; `--ring all` and `--site` bypass rings.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from hcinfra.network.model import ALL_RINGS, REST_RING, Network
from hcinfra.sites.runner import (
    PLANS,
    TENANT,
    Runner,
    StackRun,
    _print_runs,
    make_console,
    preflight_passes,
    running_sites,
    staged,
)

STOPPED = 3  # a ring before the next is not clean: nothing was written


@dataclass(frozen=True)
class Ring:
    """The stacks one rollout step deploys: the tenant's too in the first ring."""

    name: str
    sites: tuple[str, ...]
    with_tenant: bool = False

    @property
    def stacks(self) -> list[str]:
        """Its stack codes, the tenant first."""
        return [TENANT, *self.sites] if self.with_tenant else list(self.sites)


def rings_of(network: Network) -> list[Ring]:
    """The declared rings in order, then `rest` (the sites in none) when it has any; sites
    in file order. Empty when the file declares no rings."""
    if not network.rings:
        return []
    codes = network.codes()
    taken = {code for ring in network.rings for code in ring.sites}
    rings = [Ring(r.name, tuple(c for c in codes if c in r.sites)) for r in network.rings]
    rest = tuple(c for c in codes if c not in taken)
    if rest:
        rings.append(Ring(REST_RING, rest))
    first = rings[0]
    rings[0] = Ring(first.name, first.sites, with_tenant=True)
    return rings


def ring_problem(network: Network, action: str, ring: str | None, codes: list[str] | None) -> str:
    """Why `hcinfra sites ACTION --ring RING` is refused, or ''."""
    if ring is None:
        return ""
    if action != "up":
        return "--ring goes with up only"
    if codes:
        return "--ring and --site: give one (--site runs the stacks named, whatever their ring)"
    names = [r.name for r in rings_of(network)]
    if ring == ALL_RINGS or ring in names:
        return ""
    if not names:
        return f"the network file declares no rings; --ring takes '{ALL_RINGS}' only"
    return f"unknown ring '{ring}'; the network's rings are {', '.join(names)} (and '{ALL_RINGS}')"


@dataclass(frozen=True)
class Health:
    """What the audit found at one stack: drift findings and failed shall-controls."""

    drift: int = 0
    failed: tuple[str, ...] = ()  # control ids


def planned_changes(result: dict[str, Any]) -> dict[str, int]:
    """The changes a plan result holds, without `same`."""
    changes = result.get("changes") or {}
    return {k: int(n) for k, n in sorted(changes.items()) if k != "same" and n}


def deployed(result: dict[str, Any]) -> bool:
    """A stack whose plan succeeded and changes nothing holds what the file declares."""
    return bool(result.get("ok")) and not planned_changes(result)


def next_ring(rings: list[Ring], plans: dict[str, dict[str, Any]]) -> int | None:
    """The index of the first ring with a stack not deployed, or None."""
    for i, ring in enumerate(rings):
        if not all(deployed(plans.get(code, {})) for code in ring.stacks):
            return i
    return None


@dataclass(frozen=True)
class Blocker:
    """Why one stack of a ring before the next keeps the rollout from going on."""

    ring: str
    stack: str
    kind: str  # plan (failed), pending (changes not deployed), drift, control
    what: str  # in words, with the command that shows the details


def blockers(
    rings: list[Ring],
    plans: dict[str, dict[str, Any]],
    health: dict[str, Health],
    network_file: str,
) -> list[Blocker]:
    """What is not clean in these rings (the ones before the next): a stack not deployed,
    drift, a failed shall-control."""
    found: list[Blocker] = []
    for ring in rings:
        for code in ring.stacks:
            plan = plans.get(code, {})
            if not plan.get("ok"):
                error = plan.get("error") or "not planned"
                found.append(Blocker(ring.name, code, "plan", f"its plan failed: {error}"))
                continue
            if changes := planned_changes(plan):
                text = ", ".join(f"{k} {n}" for k, n in changes.items())
                found.append(
                    Blocker(
                        ring.name,
                        code,
                        "pending",
                        f"changes not yet deployed (plan: {text}); `hcinfra sites up` without "
                        f"--ring deploys ring {ring.name} first",
                    )
                )
                continue
            seen = health.get(code, Health())
            site = f"--network {network_file} --site {code}"
            if seen.drift:
                found.append(
                    Blocker(
                        ring.name,
                        code,
                        "drift",
                        f"{seen.drift} drift finding(s); `hcinfra drift {site}` lists them",
                    )
                )
            if seen.failed:
                found.append(
                    Blocker(
                        ring.name,
                        code,
                        "control",
                        f"failed shall-control(s) {', '.join(seen.failed)}; "
                        f"`hcinfra check {site}` shows them",
                    )
                )
    return found


@dataclass
class Decision:
    """A rollout step: the ring to deploy (None: every ring is deployed), the rings before
    it, and what keeps them from being clean."""

    rings: list[Ring]
    target: int | None
    stops: list[Blocker] = field(default_factory=list)

    @property
    def before(self) -> list[Ring]:
        """The rings that must be clean: those before the target, or all of them."""
        return self.rings if self.target is None else self.rings[: self.target]


def pick(rings: list[Ring], plans: dict[str, dict[str, Any]], chosen: str | None) -> int | None:
    """The index of the ring this run deploys: `chosen`, else the next one (None: none)."""
    if chosen is not None:
        return [r.name for r in rings].index(chosen)
    return next_ring(rings, plans)


def decide(
    rings: list[Ring],
    plans: dict[str, dict[str, Any]],
    health: dict[str, Health],
    network_file: str,
    chosen: str | None = None,
) -> Decision:
    """The ring this run deploys (`chosen`, or the next one) and what stops it."""
    decision = Decision(rings, pick(rings, plans, chosen))
    decision.stops = blockers(decision.before, plans, health, network_file)
    return decision


def gated_stacks(rings: list[Ring], plans: dict[str, dict[str, Any]]) -> list[str]:
    """The stacks of these rings the tenant is read for: the deployed ones (the others
    stop the rollout already)."""
    return [code for ring in rings for code in ring.stacks if deployed(plans.get(code, {}))]


def _read_health(network: Network, stacks: list[str]) -> tuple[dict[str, Health], str]:
    """Drift findings and failed shall-controls per stack, read from the tenant; or an
    error in words (an exception might not cross the process boundary)."""
    try:
        from hcinfra.audit import audit

        found = audit.read(network, audit.choose(network, stacks))
        drift = Counter(f.site for f in found.findings())
        failed: dict[str, list[str]] = {}
        for result in found.controls():
            if result.criticality == "shall" and not result.requirement_met:
                failed.setdefault(result.site, []).append(result.control_id)
    except Exception as err:  # reported, and the rollout stops before any write
        return {}, f"{type(err).__name__}: {' '.join(str(err).split())}"
    return {
        code: Health(drift[code], tuple(sorted(set(failed.get(code, []))))) for code in stacks
    }, ""


def read_health(network: Network, stacks: list[str]) -> tuple[dict[str, Health], str]:
    """_read_health in a forked process where fork is available, as the preflight: the
    audit's tenant clients are never loaded into the runner."""
    if not stacks:
        return {}, ""
    if "fork" not in multiprocessing.get_all_start_methods():
        return _read_health(network, stacks)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(_read_health, network, stacks).result()


def _say(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def describe(ring: Ring, rings: list[Ring]) -> str:
    """`ring pilot (1 of 3: tenant, STM)`."""
    return f"ring {ring.name} ({rings.index(ring) + 1} of {len(rings)}: {', '.join(ring.stacks)})"


def stop_message(decision: Decision, network_file: str) -> list[str]:
    """The lines that say why the rollout stopped, and what to do."""
    rings = decision.rings
    dirty = list(dict.fromkeys(b.ring for b in decision.stops))
    names = ", ".join(f"ring {name}" for name in dirty)
    if decision.target is None:
        head = f"every ring is deployed, but {names} is not clean"
    else:
        head = (
            f"{describe(rings[decision.target], rings)} is next, but {names} before it is not clean"
        )
    lines = [f"hcinfra sites up: {head}; nothing was written:"]
    lines += [f"  {b.stack} (ring {b.ring}): {b.what}" for b in decision.stops]
    unclean = [b for b in decision.stops if b.kind in ("drift", "control")]
    if unclean:
        stacks = list(dict.fromkeys(b.stack for b in unclean))
        sites = " ".join(f"--site {code}" for code in stacks)
        lines.append(
            "Undo a change made by hand in the tenant, or take it into the stacks with "
            f"`hcinfra sites refresh --network {network_file} {sites}` and put the file's "
            f"state back with `hcinfra sites up --network {network_file} --ring "
            f"{unclean[0].ring}`; a control the file itself fails is fixed in the file. "
            "Then run `hcinfra sites up` again."
        )
    return lines


def after_message(decision: Decision, runs: list[StackRun]) -> str:
    """The summary's last line: which ring ran, and which is next."""
    assert decision.target is not None
    rings = decision.rings
    ran = rings[decision.target]
    if any(not r.result.get("ok") for r in runs):
        return (
            f"{describe(ran, rings)} ran, with failures: fix them, then `hcinfra sites up` "
            f"deploys ring {ran.name} again"
        )
    later = rings[decision.target + 1 :]
    if not later:
        return f"{describe(ran, rings)} ran; it is the last ring: every ring is deployed"
    return (
        f"{describe(ran, rings)} ran; next: {describe(later[0], rings)}, which the next "
        f"`hcinfra sites up` deploys once ring {ran.name} is clean (no drift, no failed "
        "shall-control)"
    )


def rollout_command(network: Network, network_file: str, chosen: str | None, parallel: int) -> int:
    """`hcinfra sites up` on a network with rings: the next ring (or `chosen`) once the rings
    before it are clean. 0 when it ran (or nothing was left to deploy and every ring is
    clean), 1 when a stack failed or the preflight or a plan did, 3 when it stopped."""
    err = make_console(stderr=True)
    rings = rings_of(network)
    started = time.monotonic()
    if not preflight_passes(network, network_file, "up", err):
        return 1
    checked = time.monotonic()
    # Every stack the decision may need (those up to the chosen ring), planned at once.
    upto = rings if chosen is None else rings[: [r.name for r in rings].index(chosen) + 1]
    stacks = [code for ring in upto for code in ring.stacks]
    sites = running_sites([stacks])
    planned = Runner(PLANS["up"], Path(network_file), err, sites=sites).execute([stacks], parallel)
    plans = {run.code: run.result for run in planned}
    before = Decision(rings, pick(rings, plans, chosen)).before
    health, problem = read_health(network, gated_stacks(before, plans))
    if problem:
        names = ", ".join(r.name for r in before)
        _say(
            err, f"hcinfra sites up: reading the tenant to check ring(s) {names} failed: {problem}"
        )
        _say(err, "Nothing was written; fix it (`hcinfra doctor`), then run again.")
        return 1
    decision = decide(rings, plans, health, network_file, chosen)
    if decision.stops:
        for line in stop_message(decision, network_file):
            _say(err, line)
        return STOPPED
    if decision.target is None:
        _say(
            make_console(),
            f"hcinfra sites up: every ring is deployed and clean "
            f"({', '.join(r.name for r in rings)}): nothing to deploy",
        )
        return 0
    ring = rings[decision.target]
    mine = [run for run in planned if run.code in ring.stacks]
    bad = [run for run in mine if not run.result.get("ok")]
    if bad:
        _print_runs(mine, err, f"hcinfra sites up: plans of ring {ring.name}")
        _say(
            err,
            f"hcinfra sites up: {len(bad)} of {len(mine)} stack(s) of ring {ring.name} failed "
            "to plan; no stack was changed. Fix the errors above, then run again.",
        )
        return 1
    _say(
        err,
        f"preflight {checked - started:.1f} s, plans of {len(planned)} stack(s) and the check "
        f"of the rings before it {time.monotonic() - checked:.1f} s: {describe(ring, rings)} "
        "goes on",
    )
    stages = staged(network, ring.stacks, "up", plans)
    runs = Runner("up", Path(network_file), err, sites=running_sites(stages)).execute(
        stages, parallel
    )
    out = make_console()
    failed = _print_runs(runs, err, f"hcinfra sites up: ring {ring.name}", out=out)
    _say(out, after_message(decision, runs))
    return 1 if failed else 0
