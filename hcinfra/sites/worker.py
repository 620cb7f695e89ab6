"""One stack, one action, in its own process: `python -m hcinfra.sites.worker up STM --network F`.

Inline Automation API programs share the Pulumi runtime's process-wide state, so
`hcinfra sites` runs each site's stack in a process of its own. The worker prints
`progress <line>` as the engine reports, then one `result <json>` line.
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

from hcinfra.sites.stacks import open_stack

ACTIONS = ("preview", "up", "refresh", "destroy")


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


def run_action(
    action: str, code: str, network: Path, clear_pending_creates: bool = False
) -> dict[str, Any]:
    """Run one action on one stack; a summary of what changed."""
    stack = open_stack(code, network)

    def progress(line: str) -> None:
        _emit("progress", line)

    if action == "preview":
        preview = stack.preview(on_output=progress)
        return {"changes": dict(preview.change_summary)}
    if action == "up":
        up = stack.up(on_output=progress)
        return {"changes": dict(up.summary.resource_changes or {})}
    if action == "refresh":
        # After an interrupted run: drop creates whose objects the rerun has adopted.
        refresh = stack.refresh(on_output=progress, clear_pending_creates=clear_pending_creates)
        return {"changes": dict(refresh.summary.resource_changes or {})}
    destroy = stack.destroy(on_output=progress)
    return {"changes": dict(destroy.summary.resource_changes or {})}


def main(argv: list[str] | None = None) -> int:
    """Run the worker; exit 1 when the stack's action failed."""
    parser = argparse.ArgumentParser(prog="hcinfra.sites.worker")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("code")
    parser.add_argument("--network", required=True)
    parser.add_argument("--clear-pending-creates", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result: dict[str, Any] = {"code": args.code, "action": args.action}
    try:
        network = Path(args.network).resolve()
        result.update(run_action(args.action, args.code, network, args.clear_pending_creates))
        result["ok"] = True
    except auto.CommandError as err:
        result.update(ok=False, error=first_error(str(err)))
    except Exception as err:  # a site's failure is reported, never raised past its process
        result.update(ok=False, error=f"{type(err).__name__}: {err}")
    result["seconds"] = round(time.monotonic() - started, 1)
    _emit("result", json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
