"""One stack's adoption, in the stack worker: `up` with every create adopting (no writes).

The engine runs the stack's program as `up` would, with HCINFRA_ADOPT=1 for its
providers (hcinfra.resources.adoption) and --continue-on-error: an object no live one
matches fails its create, and whatever depends on it is skipped, while everything
else is adopted. The events sort each resource: adopted, not matched, ambiguous (the
refusal names every candidate), skipped, already in the state, or failed otherwise.
With `dry_run` the stack is a new one on a throwaway file backend, so nothing is kept.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from hcinfra.resources.adoption import AMBIGUOUS, ENV, NOT_FOUND, UNSUPPORTED
from hcinfra.sites.plan_diff import is_detailed, kind_of
from hcinfra.sites.stacks import repo_root, stack_name, workspace_dir

OUTCOMES = (
    "adopted",
    "unmatched",
    "ambiguous",
    "conflict",
    "unsupported",
    "skipped",
    "managed",
    "failed",
)


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _refusal(message: str) -> tuple[str, str]:
    """The outcome a create's error means, and its sentence without the traceback."""
    for outcome, words in (
        ("ambiguous", AMBIGUOUS),
        ("unmatched", NOT_FOUND),
        ("unsupported", UNSUPPORTED),
    ):
        at = message.find(words)
        if at >= 0:
            start = message.rfind("\n", 0, at) + 1
            line = message[start:].split("\n", 1)[0].strip()
            line = re.sub(r"^[\w.]*NotAdopted: ", "", line)
            return outcome, line
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    last = lines[-1] if lines else message.strip()
    # Any other refusal of a kind's find: a live object holds the key but is not the
    # declared one (a user mailbox at a shared mailbox's address, a group with no team).
    conflict = re.sub(r"^[\w.]*NotAdopted: ", "", last)
    return ("conflict", conflict) if conflict != last else ("failed", last)


class Tally:
    """What the engine's events say about each resource of the stack."""

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}  # urn → kind, of hcinfra's resources
        self.op: dict[str, str] = {}
        self.done: set[str] = set()
        self.errors: dict[str, str] = {}

    def event(self, ev: auto.EngineEvent) -> None:
        """Take one engine event."""
        pre = ev.resource_pre_event
        if pre is not None and is_detailed(str(pre.metadata.type or "")):
            urn = str(pre.metadata.urn)
            self.kinds[urn] = kind_of(str(pre.metadata.type))
            self.op[urn] = str(getattr(pre.metadata.op, "value", pre.metadata.op))
        out = ev.res_outputs_event
        if out is not None:
            self.done.add(str(out.metadata.urn))
        diag = ev.diagnostic_event
        if diag is not None and diag.urn and diag.severity == "error":
            self.errors.setdefault(str(diag.urn), diag.message or "")

    def outcome(self) -> dict[str, list[dict[str, str]]]:
        """Each of hcinfra's resources under its outcome, sorted by kind and name."""
        out: dict[str, list[dict[str, str]]] = {k: [] for k in OUTCOMES}
        for urn, kind in self.kinds.items():
            row = {"kind": kind, "name": _name(urn)}
            if urn in self.errors:
                outcome, row["message"] = _refusal(self.errors[urn])
            elif self.op[urn] == "create":
                outcome = "adopted" if urn in self.done else "skipped"
            else:
                outcome = "managed"
            out[outcome].append(row)
        return {k: sorted(v, key=lambda r: (r["kind"], r["name"])) for k, v in out.items()}


def adopt_stack(
    open_stack: Callable[..., Any],
    code: str,
    network: Path,
    dry_run: bool,
    on_output: Callable[[str], None],
    on_event: Callable[[auto.EngineEvent], None],
) -> dict[str, Any]:
    """Adopt one stack's declared objects; its result (hcinfra.sites.worker)."""
    tally = Tally()
    scratch = Path(tempfile.mkdtemp(prefix="hcinfra-adopt-")) if dry_run else None
    saved = {k: os.environ.get(k) for k in (ENV, "PULUMI_BACKEND_URL")}
    os.environ[ENV] = "1"
    if scratch is not None:
        os.environ["PULUMI_BACKEND_URL"] = scratch.as_uri()

    def event(ev: auto.EngineEvent) -> None:
        tally.event(ev)
        on_event(ev)

    try:
        stack = open_stack(code, network, plain=scratch is None)
        error = ""
        try:
            stack.up(on_output=on_output, on_event=event, continue_on_error=True)
        except auto.CommandError as err:
            error = str(err)  # a create that adopted nothing fails the run: sorted below
        outcome = tally.outcome()
        refused = ("unmatched", "ambiguous", "conflict", "unsupported")
        if error and not any(outcome[k] for k in refused):
            outcome["failed"].append({"kind": "-", "name": code, "message": error[-500:]})
        return {"adoption": outcome, "dry_run": dry_run, "changes": {}}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
            # The throwaway backend's workspaces too.
            root = repo_root(network.parent)
            folder = workspace_dir(root, scratch.as_uri(), stack_name(code)).parent
            shutil.rmtree(folder, ignore_errors=True)
