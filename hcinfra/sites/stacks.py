"""One site's stack through the Automation API, with the same program as stacks/."""

from __future__ import annotations

import os
from pathlib import Path

from pulumi import automation as auto

from hcinfra.engine import Engine, find_engine
from hcinfra.program import TENANT, deploy
from hcinfra.sites.automation import SiteStack, select_stack

PROJECT = "hcinfra"
DEV_PASSPHRASE = "hcinfra-dev-passphrase"


def repo_root(start: Path | None = None) -> Path:
    """The folder holding Pulumi.yaml above `start` (or the current folder)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").exists():
            return folder
    return here


def backend_url(root: Path) -> str:
    """PULUMI_BACKEND_URL, or the file backend in the repo."""
    return os.environ.get("PULUMI_BACKEND_URL") or (root / ".pulumi").as_uri()


def stack_name(code: str) -> str:
    """The stack of a site: its code in lower case; `tenant` for the baseline."""
    return TENANT if code == TENANT else code.lower()


def open_stack(code: str, network: Path, engine: Engine | None = None) -> SiteStack:
    """Create or select the stack of one site (or the tenant baseline)."""
    root = repo_root(network.parent)
    engine = engine or find_engine(root)
    backend = backend_url(root)
    if backend.startswith("file://"):
        Path(backend[len("file://") :]).mkdir(parents=True, exist_ok=True)
    name = stack_name(code)
    # Each stack keeps its own workspace folder: its config file holds the secrets salt.
    workdir = root / ".state" / "sites" / name
    workdir.mkdir(parents=True, exist_ok=True)
    env = engine.env(PULUMI_BACKEND_URL=backend)
    if "PULUMI_CONFIG_PASSPHRASE" not in env and not env.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        # The development passphrase, for local use only; Pulumi would prefer it to a file.
        env["PULUMI_CONFIG_PASSPHRASE"] = DEV_PASSPHRASE
    settings = auto.ProjectSettings(
        name=PROJECT,
        runtime="python",
        backend=auto.ProjectBackend(url=backend),
    )
    # The program takes the site and file as arguments; the config records them in the stack.
    return select_stack(
        name,
        lambda: deploy(code, str(network)),
        workdir,
        engine,
        env,
        settings,
        {"hcinfra:site": code, "hcinfra:network": str(network)},
    )
