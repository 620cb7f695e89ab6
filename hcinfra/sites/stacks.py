"""One site's stack through the Automation API, with the same program as stacks/."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection
from pathlib import Path

import yaml
from pulumi import automation as auto

from hcinfra.engine import Engine, find_engine
from hcinfra.program import TENANT, deploy
from hcinfra.sites.automation import SiteStack, select_stack
from hcinfra.sites.stackfile import network_setting, stack_file, update_stack_file

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


def backend_key(url: str) -> str:
    """A folder name for a backend: its scheme and a short hash of its URL.

    Not the URL itself, which may name accounts or carry a token in its query.
    """
    scheme = re.sub(r"[^a-z0-9]", "", url.split("://", 1)[0].lower()) if "://" in url else ""
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:12]
    return f"{scheme or 'backend'}-{digest}"


def workspace_dir(root: Path, backend: str, stack: str) -> Path:
    """The Automation workspace of `stack` on `backend`: `.state/sites/<backend key>/<stack>`."""
    return root / ".state" / "sites" / backend_key(backend) / stack


def plain_cli_file(root: Path, stack: str) -> Path | None:
    """The config file the plain CLI reads for `stack` in the project at `root`, if any.

    None when `root` holds no Pulumi.yaml of the hcinfra project: without one the plain CLI
    has no program to run, and another project's stacks are not these.
    """
    try:
        settings = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(settings, dict) or settings.get("name") != PROJECT:
        return None
    return stack_file(root / str(settings.get("stackConfigDir") or "."), stack)


def open_stack(
    code: str,
    network: Path,
    engine: Engine | None = None,
    plain: bool = True,
    keep: Collection[str] = (),
) -> SiteStack:
    """Create or select the stack of one site (or the tenant baseline); with `plain`, keep
    the plain CLI's Pulumi.<stack>.yaml up to date (not for a throwaway backend). `keep`
    is read when the program runs (hcinfra.program.deploy): a list may be filled later."""
    root = repo_root(network.parent)
    engine = engine or find_engine(root)
    backend = backend_url(root)
    if backend.startswith("file://"):
        Path(backend[len("file://") :]).mkdir(parents=True, exist_ok=True)
    name = stack_name(code)
    config = {"hcinfra:site": code, "hcinfra:network": str(network.resolve())}
    plain_file = plain_cli_file(root, name) if plain else None
    if plain_file is not None:
        # For `pulumi preview --stack <name>` from the project folder. Never read here:
        # a salt the CLI adds to it may be another backend's or passphrase's.
        update_stack_file(plain_file, {**config, "hcinfra:network": network_setting(network, root)})
    # One workspace per backend and stack, so that runs against other backends (at the
    # same time, too) share neither the project settings (the URL) nor the stack's file.
    workdir = workspace_dir(root, backend, name)
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
        lambda: deploy(code, str(network), keep),
        workdir,
        engine,
        env,
        settings,
        config,
    )
