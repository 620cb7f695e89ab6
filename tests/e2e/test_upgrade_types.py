"""Stacks deployed before the kinds named their types upgrade with nothing replaced.

The tenant baseline and a site (every kind a site uses, and a DeploymentStamp) are deployed
typed the old way, `pulumi-python:dynamic:Resource`, then `up` runs with the current code:
each resource's alias of the old type lets the engine match it, so nothing is created,
replaced or deleted, not one write reaches the tenant, and the state holds the new types.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hcinfra.engine import Engine
from hcinfra.resources import registry
from tests.conftest import REPO
from tests.emulator.delegated import operator_env
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator

pytestmark = pytest.mark.e2e

# The stacks' program. OLD_TYPES is this test's hook, not the product's: it types every
# kind as all dynamic Resources were typed before (and then no alias is added).
PROGRAM = """\
import os

import pulumi

from hcinfra.program import TENANT, deploy
from hcinfra.resources import DeploymentStamp, registry

if os.environ.get("OLD_TYPES") == "1":
    for kind in registry.KINDS:
        kind.resource_class()._resource_type_name = "dynamic:Resource"

config = pulumi.Config("hcinfra")
site = config.require("site")
deploy(site, config.require("network"))
if site != TENANT:
    DeploymentStamp("stamp", site=site)
"""
STACKS = {"tenant": "tenant", "stm": "STM"}
# The kinds stacks held typed `pulumi-python:dynamic:Resource`, before types named them.
TYPED_BEFORE = (
    "SecurityGroup",
    "GroupLicenseAssignment",
    "SharedMailbox",
    "MailSecurityGroup",
    "Team",
    "TeamsPolicy",
    "GroupPolicyAssignment",
    "PolicyPackageAssignment",
    "DeploymentStamp",
)


class Project:
    """The program on disk, its stacks run with the real Pulumi CLI against the emulator."""

    def __init__(self, engine: Engine, env: dict[str, str], folder: Path) -> None:
        self.cli, self.env, self.folder = str(engine.pulumi), env, folder

    def run(self, stack: str, *args: str, old_types: bool = False) -> str:
        env = {**self.env, "OLD_TYPES": "1" if old_types else "0"}
        proc = subprocess.run(
            [self.cli, *args, "--stack", stack, "--non-interactive"],
            env=env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, f"pulumi {args} ({stack}):\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def dynamic(self, stack: str) -> list[dict[str, Any]]:
        """The stack's dynamic resources as its state holds them."""
        state = json.loads(self.run(stack, "stack", "export"))
        resources = state["deployment"].get("resources") or []
        return [r for r in resources if r["type"].startswith("pulumi-python:dynamic")]

    def last_changes(self, stack: str) -> dict[str, int]:
        """The resource changes the stack's last update recorded."""
        history = json.loads(self.run(stack, "stack", "history", "--json"))
        changes: dict[str, int] = history[0]["resourceChanges"]
        return changes


@pytest.fixture
def project(engine: Engine, pulumi_env: dict[str, str], tmp_path: Path, emu: Emulator) -> Project:
    emu.admin("PUT", "faults", json={"teamsOperationMs": 200, "licenseProcessingMs": 100})
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(
        f"name: e2e-upgrade\nruntime:\n  name: python\n  options:\n"
        f"    virtualenv: {pulumi_env['PULUMI_RUNTIME_VIRTUALENV']}\n"
    )
    (folder / "__main__.py").write_text(PROGRAM)
    network = folder / "network.yaml"
    network.write_text((REPO / "stacks" / "network.yaml").read_text())
    env = {
        **pulumi_env,
        "HCINFRA_ENDPOINT": emu.url,
        "HCINFRA_CA_BUNDLE": emu.ca,
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": HCINFRA_APP,
        "AZURE_CLIENT_SECRET": HCINFRA_SECRET,
        **operator_env(emu),  # the sample's virtual visits take the operator's sign-in
    }
    p = Project(engine, env, folder)
    for stack, site in STACKS.items():
        p.run(stack, "stack", "init")
        p.run(stack, "config", "set", "hcinfra:site", site)
        p.run(stack, "config", "set", "hcinfra:network", str(network))
    return p


def test_stacks_typed_the_old_way_upgrade_with_nothing_replaced(project: Project, emu: Emulator):
    # 1. Deployed as before the kinds named their types: the tenant first, then the site.
    before: dict[str, list[str]] = {}
    for stack in STACKS:
        project.run(stack, "up", "--yes", old_types=True)
        resources = project.dynamic(stack)
        assert {r["type"] for r in resources} == {registry.OLD_TYPE}, stack
        before[stack] = sorted(r["urn"].rsplit("::", 1)[1] for r in resources)

    # 2. Upgraded: the engine matches every resource through its alias of the old type.
    mark = emu.requests()["last"]
    for stack in STACKS:
        project.run(stack, "up", "--yes")
        changes = project.last_changes(stack)
        assert set(changes) == {"same"}, (stack, changes)  # no create, replace or delete
    during = emu.requests(since=mark)
    assert during["writes"] == 0, [e for e in during["entries"] if e["method"] != "GET"]

    # 3. The state holds every kind's own type, for the same objects.
    tokens: set[str] = set()
    for stack in STACKS:
        resources = project.dynamic(stack)
        assert sorted(r["urn"].rsplit("::", 1)[1] for r in resources) == before[stack]
        assert registry.OLD_TYPE not in {r["type"] for r in resources}
        tokens |= {r["type"] for r in resources}
        project.run(stack, "preview", "--expect-no-changes")
    # Every kind deployed before kinds named their types, now under its own; a kind added
    # since never had the old type, and is covered once the stacks deploy it.
    assert tokens >= {registry.BY_NAME[name].token for name in TYPED_BEFORE}, tokens
    assert tokens <= {k.token for k in registry.KINDS}, tokens
