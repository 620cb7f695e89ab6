"""One stack, one action, in its own process: `python -m hcinfra.sites.worker up STM --network F`.

Inline Automation API programs share the Pulumi runtime's process-wide state, so
`hcinfra sites` runs each site's stack in a process of its own. The worker prints
`progress <line>` as the engine reports, then one `result <json>` line, whose `notes`
are the warnings of the run (a retained mailbox, an archived team, an adopted object),
each by its first sentence. A preview with `--diff` adds its `plan`: every planned
change, property by property (hcinfra.sites.plan_diff). The tenant stack's preview and
up add `moving` and `kept`: the sites leaving the network-wide policy groups, and those
the groups keep in this run (hcinfra.sites.group_move; `--stage`, `--sites`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from hcinfra.program import TENANT
from hcinfra.sites import group_move
from hcinfra.sites.adopt_run import adopt_stack
from hcinfra.sites.plan_diff import plan_of
from hcinfra.sites.stacks import open_stack, stack_name

# `preview-destroy` is the plan `hcinfra sites destroy` makes of every stack first.
ACTIONS = ("preview", "up", "refresh", "destroy", "preview-destroy", "adopt")
NOTE_CHARS = 200


def _emit(kind: str, text: str) -> None:
    sys.stdout.write(f"{kind} {text.rstrip()}\n")
    sys.stdout.flush()


# The engine's own summary lines, which say that something failed but not what.
_GENERIC = ("update failed", "preview failed", "refresh failed", "destroy failed")


def first_error(text: str) -> str:
    """The first resource's error from the engine's output, else its first `error:` line.

    A dynamic provider's exception shows as `error: Traceback ...`: its message is
    the traceback's last line (`module.SomeError: message`), given as `SomeError: message`.
    """
    lines = text.splitlines()
    generic = ""
    for n, raw in enumerate(lines):
        # CommandError's text puts `stdout: ` and `stderr: ` before each stream's first line.
        line = re.sub(r"^(stdout|stderr): ", "", raw.strip())
        if not line.startswith("error:"):
            continue
        message = line[len("error:") :].strip()
        if message.startswith("Traceback"):
            # The exception line is the traceback's last one as indented as `error:`.
            indent = len(raw) - len(raw.lstrip())
            found = ""
            for later in lines[n + 1 :]:
                if not later.strip() or later.strip().startswith("error:"):
                    break
                if len(later) - len(later.lstrip()) <= indent:
                    found = later.strip()
            if found:
                kind, sep, rest = found.partition(": ")
                if sep and re.fullmatch(r"[\w.]+", kind):
                    found = f"{kind.rsplit('.', 1)[-1]}: {rest}"
                return found
        elif (
            message.lower().startswith(_GENERIC)
            or "unhandled error" in message
            or "Resource monitor has terminated" in message
        ):
            generic = generic or message
        else:
            return message
    if generic:
        return generic
    shown = [ln.strip() for ln in lines if ln.strip()]
    return shown[-1] if shown else "failed"


def with_hint(error: str, code: str) -> str:
    """The engine's error, with what to do where hcinfra knows it."""
    if "failed to load checkpoint" in error:
        # A file backend's checkpoint write is not atomic: a kill mid-write cuts it short.
        stack = stack_name(code)
        return (
            f"{error}: the stack's state file was cut short by an interrupted write; "
            f"restore Pulumi's copy of the previous checkpoint, .pulumi/stacks/hcinfra/"
            f"{stack}.json.bak in the backend, over {stack}.json, then follow "
            "docs/operations.md, 'After an interrupted run'"
        )
    return error


def warning_of(event: auto.EngineEvent) -> str:
    """The text of a warning among the engine's events, else "".

    Warnings of the program have severity `warning`. A dynamic provider has no engine
    connection: its `pulumi.log.warn` is a `warning: ` line on the provider's stderr,
    which the engine reports with severity `info#err`.
    """
    diag = event.diagnostic_event
    if diag is None:
        return ""
    text = (diag.message or "").strip()
    if diag.severity == "warning":
        return text
    if diag.severity == "info#err" and text.startswith("warning: "):
        return text[len("warning: ") :].strip()
    return ""


def first_sentence(text: str) -> str:
    """A note for the summary: the warning's first sentence, on one line."""
    line = " ".join(text.split())
    head = line.split(". ", 1)[0].rstrip(".")
    return head if len(head) <= NOTE_CHARS else head[: NOTE_CHARS - 1] + "…"


def run_action(
    action: str,
    code: str,
    network: Path,
    clear_pending_creates: bool = False,
    notes: list[str] | None = None,
    diff: bool = False,
    dry_run: bool = False,
    stage: str = group_move.CONTRACT,
    running: list[str] | None = None,
) -> dict[str, Any]:
    """Run one action on one stack; a summary of what changed. Warnings go to `notes`.

    With `diff`, a preview's result also holds its `plan` (hcinfra.sites.plan_diff);
    `adopt` (hcinfra.sites.adopt_run) adopts the live objects, on a throwaway backend
    with `dry_run`. The tenant's `stage` and the invocation's `running` sites decide
    which moving sites its network-wide groups keep (hcinfra.sites.group_move).
    """
    seen = notes if notes is not None else []
    steps: list[Any] = []  # each planned step's metadata, for the plan

    def progress(line: str) -> None:
        _emit("progress", line)

    def event(ev: auto.EngineEvent) -> None:
        note = first_sentence(warning_of(ev))
        if note and note not in seen:
            seen.append(note)
        if diff and ev.resource_pre_event is not None:
            steps.append(ev.resource_pre_event.metadata)

    if action == "adopt":
        return adopt_stack(open_stack, code, network, dry_run, progress, event)
    keep: list[str] = []  # filled before the program runs, which reads it
    stack = open_stack(code, network, keep=keep)
    moves: dict[str, Any] = {}
    if code == TENANT and action in ("preview", "up"):
        moves = _moves(stack, network, stage, running, keep)
        if moves["kept"] and stage == group_move.CONTRACT:
            seen.append(group_move.kept_note(moves["kept"]))
    if action == "preview":
        preview = stack.preview(on_output=progress, on_event=event)
        if diff:  # the SDK returns once its event stream is drained: every step is in
            plan = [change.to_json() for change in plan_of(steps)]
            return {"changes": dict(preview.change_summary), "plan": plan, **moves}
        return {"changes": dict(preview.change_summary), **moves}
    if action == "preview-destroy":
        planned = stack.preview_destroy(on_output=progress, on_event=event)
        return {"changes": dict(planned.change_summary)}
    if action == "up":
        up = stack.up(on_output=progress, on_event=event)
        return {"changes": dict(up.summary.resource_changes or {}), **moves}
    if action == "refresh":
        # After an interrupted run: drop creates whose objects the rerun has adopted.
        refresh = stack.refresh(
            on_output=progress, on_event=event, clear_pending_creates=clear_pending_creates
        )
        return {"changes": dict(refresh.summary.resource_changes or {})}
    destroy = stack.destroy(on_output=progress, on_event=event)
    return {"changes": dict(destroy.summary.resource_changes or {})}


def _moves(
    stack: Any, network: Path, stage: str, running: list[str] | None, keep: list[str]
) -> dict[str, Any]:
    """The sites leaving the network-wide groups, and those kept now (into `keep`)."""
    from hcinfra.network import load_network
    from hcinfra.network.policy_groups import plan_policy_groups

    declared = load_network(network)
    if set(plan_policy_groups(declared).served()) == set(declared.codes()):
        return {"moving": [], "kept": []}  # every site stays in the groups: nobody moves
    moves = group_move.moving(declared, group_move.served_before(stack.recorded_outputs()))
    keep[:] = group_move.kept(moves, stage, running)
    return {"moving": moves, "kept": list(keep)}


def main(argv: list[str] | None = None) -> int:
    """Run the worker; exit 1 when the stack's action failed."""
    parser = argparse.ArgumentParser(prog="hcinfra.sites.worker")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("code")
    parser.add_argument("--network", required=True)
    parser.add_argument("--clear-pending-creates", action="store_true")
    parser.add_argument("--diff", action="store_true", help="with preview: add the plan")
    parser.add_argument("--dry-run", action="store_true", help="with adopt: keep nothing")
    parser.add_argument(
        "--stage",
        choices=(group_move.EXPAND, group_move.CONTRACT),
        default=group_move.CONTRACT,
        help="the tenant stack: keep every moving site (expand) or only those not running",
    )
    parser.add_argument("--sites", help="the tenant stack: the sites this invocation runs")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result: dict[str, Any] = {"code": args.code, "action": args.action}
    notes: list[str] = []
    try:
        network = Path(args.network).resolve()
        result.update(
            run_action(
                args.action,
                args.code,
                network,
                args.clear_pending_creates,
                notes,
                args.diff,
                args.dry_run,
                args.stage,
                None if args.sites is None else [c for c in args.sites.split(",") if c],
            )
        )
        result["ok"] = True
    except auto.CommandError as err:
        result.update(ok=False, error=with_hint(first_error(str(err)), args.code))
    except Exception as err:  # a site's failure is reported, never raised past its process
        result.update(ok=False, error=f"{type(err).__name__}: {err}")
    # A failed run's warnings matter too: what it retained or adopted before the error.
    result["notes"] = notes
    result["seconds"] = round(time.monotonic() - started, 1)
    _emit("result", json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
