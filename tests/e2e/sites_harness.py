"""What the `hcinfra sites` end-to-end tests share: the settings that point hcinfra at the
emulator, a project folder holding the sample network, the command run in it, and its
summary table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from hcinfra.sites.stacks import workspace_dir
from tests.conftest import REPO
from tests.emulator.delegated import operator_env
from tests.emulator.harness import GRAPH_SCOPE, HCINFRA_APP, HCINFRA_SECRET, Emulator

GHOST = "ghost.nurse@northwindhealth.org"  # a well-formed UPN the tenant does not have


class Sites:
    """`python -m hcinfra.cli sites …` run in a folder of its own, pointed at the emulator."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.network = folder / "network.yaml"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hcinfra.cli", "sites", *args, "--network", str(self.network)],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def edit(self, change: Any) -> None:
        """Load the network file, let `change` edit the dict, write it back."""
        data = yaml.safe_load(self.network.read_text())
        change(data)
        self.network.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def summary(stdout: str) -> dict[str, dict[str, str]]:
    """The summary table's rows by stack: result, changes, seconds, error."""
    rows: dict[str, dict[str, str]] = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 5 and cells[0] and cells[0] != "stack":
            rows[cells[0]] = dict(
                zip(("result", "changes", "seconds", "error"), cells[1:], strict=True)
            )
    return rows


def workspaces(sites: Sites) -> Path:
    """The folder of the default file backend's stack workspaces."""
    return workspace_dir(sites.folder, (sites.folder.resolve() / ".pulumi").as_uri(), "x").parent


def one_line(text: str) -> str:
    return " ".join(text.split())


def emulator_settings(emu: Emulator) -> dict[str, str]:
    """The settings that point hcinfra at the emulator, as its automation app, with the
    emulator's operator signed in for VirtualVisits' delegated-only calls (once per
    emulator; HOME is a temp folder holding the sign-in's token cache)."""
    return {
        "HCINFRA_ENDPOINT": emu.url,
        "HCINFRA_CA_BUNDLE": emu.ca,
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": HCINFRA_APP,
        "AZURE_CLIENT_SECRET": HCINFRA_SECRET,
        "COLUMNS": "400",  # one line per row in rich's tables
        **operator_env(emu),
    }


def sample_project(folder: Path, pulumi_env: dict[str, str], emu: Emulator) -> Sites:
    """A copy of stacks/network.yaml beside a minimal Pulumi.yaml: workspaces and the default
    file backend land in `folder`. PULUMI_BACKEND_URL is unset so that default is used."""
    emu.admin("PUT", "faults", json={"teamsOperationMs": 200, "licenseProcessingMs": 100})
    (folder / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    (folder / "network.yaml").write_text((REPO / "stacks" / "network.yaml").read_text())
    env = {k: v for k, v in pulumi_env.items() if k != "PULUMI_BACKEND_URL"}
    return Sites(folder, {**env, **emulator_settings(emu)})


def graph_group(emu: Emulator, nickname: str) -> list[dict[str, Any]]:
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.get("/v1.0/groups", params={"$filter": f"mailNickname eq '{nickname}'"})
        r.raise_for_status()
        return r.json()["value"]
