"""What keeps `hcinfra sites` processes small: imports the runner and program avoid, and the
stack config written to its settings file instead of through one CLI run per key."""

from __future__ import annotations

import json
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import yaml
from pulumi import automation as auto

from hcinfra.program import TENANT
from hcinfra.sites import runner
from hcinfra.sites.automation import SiteWorkspace

HEAVY = ("pulumi", "azure.identity", "httpx", "msgraph")
# What only the dynamic provider processes use: msgraph-sdk and its kiota layers
# (kiota_abstractions, kiota_http, kiota_serialization_*), azure-identity and httpx.
SDK = ("msgraph", "msgraph_core", "kiota_*", "azure.identity", "httpx")


def modules_after(module: str) -> list[str]:
    """Every module a fresh interpreter holds after importing `module`."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names: list[str] = json.loads(out.stdout)
    return names


def loaded(module: str) -> list[str]:
    """The heavy packages a fresh interpreter holds after importing `module`."""
    held = modules_after(module)
    return [h for h in HEAVY if h in held]


def of_sdk(name: str) -> bool:
    return any(fnmatch(name, package) or fnmatch(name, f"{package}.*") for package in SDK)


def test_the_runner_loads_neither_pulumi_nor_the_tenant_clients() -> None:
    assert runner.TENANT == TENANT
    assert loaded("hcinfra.sites.runner") == []


def test_the_connection_module_loads_its_clients_only_when_connecting() -> None:
    assert loaded("hcinfra.clients.connection") == []


def test_the_program_loads_none_of_the_sdk_its_providers_call_graph_with() -> None:
    # A stack worker imports hcinfra.program for the kinds' Resources and provider classes;
    # only the provider process, which the engine starts, calls the tenant.
    found = [m for m in modules_after("hcinfra.program") if of_sdk(m)]
    packages = sorted({m.split(".")[0] for m in found})
    assert found == [], f"hcinfra.program loads {len(found)} SDK modules ({packages}): {found}"


def workspace(folder: Path) -> SiteWorkspace:
    # No CLI is run: the command is never used by write_config.
    return SiteWorkspace(
        work_dir=str(folder), pulumi_command=auto.PulumiCommand.__new__(auto.PulumiCommand)
    )


def test_config_goes_into_the_settings_file_and_the_salt_goes(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.stm.yaml"
    path.write_text(
        "encryptionsalt: v1:abc:def\nconfig:\n  hcinfra:tenantId: 6f1d\n  hcinfra:retries: 5\n"
    )
    ws = workspace(tmp_path)
    ws.write_config("stm", {"hcinfra:site": "STM", "hcinfra:network": "/n.yaml"})
    # The salt is the state's to give (a stale one fails a run on another backend).
    assert yaml.safe_load(path.read_text()) == {
        "config": {
            "hcinfra:tenantId": "6f1d",
            "hcinfra:retries": 5,
            "hcinfra:site": "STM",
            "hcinfra:network": "/n.yaml",
        },
    }
    # Unchanged values leave the file alone (its comments and layout too).
    path.write_text(path.read_text() + "# kept\n")
    ws.write_config("stm", {"hcinfra:site": "STM"})
    assert path.read_text().endswith("# kept\n")
    ws.write_config("stm", {"hcinfra:site": "HSA"})
    assert yaml.safe_load(path.read_text())["config"]["hcinfra:site"] == "HSA"
    assert [p.name for p in tmp_path.iterdir()] == ["Pulumi.stm.yaml"]


def test_config_makes_the_settings_file_when_there_is_none(tmp_path: Path) -> None:
    workspace(tmp_path).write_config("org/hcinfra/tenant", {"hcinfra:site": "tenant"})
    written = yaml.safe_load((tmp_path / "Pulumi.tenant.yaml").read_text())
    assert written == {"config": {"hcinfra:site": "tenant"}}
