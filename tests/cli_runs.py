"""A tools folder whose `pulumi` logs every run, for counting the CLI runs of a stack worker.

Point HCINFRA_TOOLS at `counting_tools(...)`: its `pulumi` is a shell script that appends
one line (the parent's pid and command line, then the arguments) to `cli.log` and execs the
real CLI, so the process tree and the memory it measures are the real CLI's. Used by
tests/e2e/test_sites_cli_runs.py and bench/sites.py.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from pathlib import Path

from hcinfra.engine import Engine

LOG = "cli.log"


def counting_tools(real: Engine, folder: Path) -> Engine:
    """An engine in `folder` running `real`'s CLI and plugins, its `pulumi` logging each run."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in real.bin_dir.iterdir():
        if tool.name != "pulumi":
            (bin_dir / tool.name).symlink_to(tool.resolve())
    (folder / "pulumi-home").symlink_to(real.home.resolve())
    logfile = folder / LOG
    logfile.touch()
    shim = bin_dir / "pulumi"
    shim.write_text(
        "#!/bin/sh\n"
        # The parent's command line says which worker (action and stack) ran it.
        'parent=$(tr "\\0" " " < /proc/$PPID/cmdline 2>/dev/null)\n'
        f'printf \'%s\\t%s\\t%s\\n\' "$PPID" "$parent" "$*" >> {shlex.quote(str(logfile))}\n'
        f'exec {shlex.quote(str(real.pulumi.resolve()))} "$@"\n'
    )
    shim.chmod(0o755)
    return Engine(folder)


def command(args: str) -> str:
    """A run's command without its flags and values: `stack select`, `config set`, `up`."""
    words: list[str] = []
    for word in args.split():
        if word.startswith("-"):
            if words:
                break
            continue  # the SDK's leading --non-interactive
        words.append(word)
        if len(words) == 2:
            break
    return " ".join(words)


def log(tools: Engine) -> list[tuple[int, str, str]]:
    """Every logged run: the parent's pid and command line, and the run's arguments."""
    found = []
    for line in (tools.tools / LOG).read_text().splitlines():
        pid, parent, args = line.split("\t", 2)
        found.append((int(pid), parent.strip(), args))
    return found


def runs(tools: Engine) -> dict[int, list[str]]:
    """The logged runs by parent pid (one stack worker each), as their arguments."""
    found: dict[int, list[str]] = defaultdict(list)
    for pid, _, args in log(tools):
        found[pid].append(args)
    return dict(found)


def clear(tools: Engine) -> None:
    """Forget the runs logged so far."""
    (tools.tools / LOG).write_text("")
