"""The Pulumi CLI's version, asked once per binary rather than once per Automation API run."""

from __future__ import annotations

import json
import os
import subprocess

from hcinfra.engine import Engine

CACHE = "pulumi.version"


def _identity(engine: Engine) -> str:
    """The CLI binary as it is now: its real path, size and modification time."""
    binary = engine.pulumi.resolve()
    stat = binary.stat()
    return f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"


def cli_version(engine: Engine) -> str:
    """`pulumi version` of the engine's CLI (without its `v`), cached in the tools folder.

    The cache is keyed by the binary's identity, so a rebuilt or upgraded CLI is asked again.
    """
    identity = _identity(engine)
    cache = engine.tools / CACHE
    try:
        held = json.loads(cache.read_text(encoding="utf-8"))
        if held["binary"] == identity:
            return str(held["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    out = subprocess.run(
        [str(engine.pulumi), "version"],
        env=engine.env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    version = out.stdout.strip().removeprefix("v")
    partial = cache.with_name(f".{CACHE}.{os.getpid()}")
    try:
        partial.write_text(json.dumps({"binary": identity, "version": version}), encoding="utf-8")
        os.replace(partial, cache)  # whole or absent, with workers writing at once
    except OSError:
        pass  # a read-only tools folder: ask again next time
    return version
