"""Locating and running the Pulumi engine the way every hcinfra entry point must.

Every Pulumi run hcinfra starts skips the update check, never downloads a plugin,
and keeps its PULUMI_HOME under `.tools/`, so tests never touch the user's home.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from hcinfra.errors import HcinfraError

TOOLS_ENV = "HCINFRA_TOOLS"


class EngineNotFound(HcinfraError, FileNotFoundError):
    """No Pulumi CLI where hcinfra looks for one."""


@dataclass(frozen=True)
class Engine:
    """Where the Pulumi CLI and its bundled plugins live, and the home it runs with."""

    tools: Path

    @property
    def bin_dir(self) -> Path:
        """Directory holding `pulumi` and the Python plugins."""
        return self.tools / "bin"

    @property
    def pulumi(self) -> Path:
        """Path of the Pulumi CLI."""
        return self.bin_dir / "pulumi"

    @property
    def home(self) -> Path:
        """PULUMI_HOME for every run hcinfra starts."""
        return self.tools / "pulumi-home"

    def env(self, base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
        """Return an environment for a Pulumi run: no update check, no downloads, own home."""
        env = dict(os.environ if base is None else base)
        env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
        env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
        env["PULUMI_HOME"] = str(self.home)
        paths = [str(self.bin_dir)]
        if sys.prefix != sys.base_prefix:
            # Run dynamic providers with this interpreter's virtualenv, which has hcinfra.
            env["PULUMI_RUNTIME_VIRTUALENV"] = sys.prefix
            paths.append(str(Path(sys.prefix) / "bin"))
        env["PATH"] = os.pathsep.join([*paths, env.get("PATH", "")])
        env.update(extra)
        return env


def find_engine(start: Path | None = None) -> Engine:
    """Find the `.tools/` folder that scripts/install-pulumi filled."""
    if os.environ.get(TOOLS_ENV):
        return Engine(Path(os.environ[TOOLS_ENV]).resolve())
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents, Path(__file__).resolve().parents[2]]:
        if (folder / ".tools" / "bin" / "pulumi").exists():
            return Engine(folder / ".tools")
    raise EngineNotFound(
        "No Pulumi CLI found: run `make demo` or scripts/install-pulumi, "
        f"or set {TOOLS_ENV} to a folder holding bin/pulumi."
    )
