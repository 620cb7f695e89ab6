"""A stack worker runs the Pulumi CLI twice per action (the tenant stack's preview and up
three), and its change summary is the CLI's.

hcinfra.sites.automation skips runs the Automation API would make (`version`, `config set`
per key, `stack init`, `stack output` twice, `stack history`) by relying on how the pinned
SDK works. Each action here goes through a `pulumi` that logs its runs, and its result is
checked against what the CLI itself records, so a changed SDK fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from semver import VersionInfo

from hcinfra.engine import Engine
from hcinfra.engine.version import cli_version
from hcinfra.sites.automation import KnownCommand
from hcinfra.sites.stacks import workspace_dir
from tests.cli_runs import clear, command, counting_tools, runs
from tests.conftest import REPO
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator

pytestmark = pytest.mark.e2e


def test_each_action_runs_the_cli_twice_and_reports_the_clis_changes(
    tmp_path: Path, engine: Engine, pulumi_env: dict[str, str], emu: Emulator
) -> None:
    emu.admin("PUT", "faults", json={"teamsOperationMs": 200, "licenseProcessingMs": 100})
    tools = counting_tools(engine, tmp_path / "tools")
    real = subprocess.run(
        [str(engine.pulumi), "version"], env=pulumi_env, capture_output=True, text=True
    ).stdout.strip()
    # The cached version is the CLI's; the first ask runs it, later ones do not.
    assert KnownCommand(tools).version == VersionInfo.parse(real.removeprefix("v"))
    assert cli_version(tools) == real.removeprefix("v")
    assert [command(a) for args in runs(tools).values() for a in args] == ["version"]
    clear(tools)

    (tmp_path / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    network = tmp_path / "network.yaml"
    network.write_text((REPO / "stacks" / "network.yaml").read_text())
    env = {
        **pulumi_env,
        "HCINFRA_TOOLS": str(tools.tools),
        "HCINFRA_ENDPOINT": emu.url,
        "HCINFRA_CA_BUNDLE": emu.ca,
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": HCINFRA_APP,
        "AZURE_CLIENT_SECRET": HCINFRA_SECRET,
    }
    workdir = workspace_dir(tmp_path, pulumi_env["PULUMI_BACKEND_URL"], "tenant")

    def worker(action: str) -> tuple[dict[str, Any], list[str]]:
        """One worker action on the tenant stack: its result and its CLI runs."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "hcinfra.sites.worker", action, "tenant", "--network", network],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        out, _ = proc.communicate(timeout=600)
        line = next((ln for ln in out.splitlines() if ln.startswith("result ")), "")
        assert line, out
        result = json.loads(line[len("result ") :])
        assert result["ok"], out
        made = runs(tools).get(proc.pid, [])
        clear(tools)
        return result, made

    def cli(*args: str) -> Any:
        """The real CLI, in the stack's workspace, its JSON answer."""
        done = subprocess.run(
            [str(engine.pulumi), *args, "--stack", "tenant", "--json"],
            env=pulumi_env,
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    def state_salt() -> str:
        """The salt the stack's state records, as `pulumi stack export` shows it."""
        done = subprocess.run(
            [str(engine.pulumi), "stack", "export", "--stack", "tenant"],
            env=pulumi_env,
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        salt: str = json.loads(done.stdout)["deployment"]["secrets_providers"]["state"]["salt"]
        return salt

    def last_update() -> dict[str, int]:
        return dict(cli("stack", "history")[0]["resourceChanges"])

    # A new stack: created by `stack select --create`, then planned. The tenant stack of a
    # network on site groups reads its last outputs too: were any sites on network-wide
    # policy groups, they would be moving off them (hcinfra.sites.group_move).
    planned, made = worker("preview")
    assert [command(a) for a in made] == ["stack select", "stack output", "preview"], made
    assert "--create" in made[0] and "--secrets-provider passphrase" in made[0]
    count = planned["changes"]["create"]
    assert set(planned["changes"]) == {"create"} and count > 2

    # The config is in the stack's settings file beside the salt the CLI wrote back (the
    # one the new stack's state records), and the CLI reads it.
    settings = yaml.safe_load((workdir / "Pulumi.tenant.yaml").read_text())
    assert settings["encryptionsalt"] == state_salt()
    assert cli("config") == {
        "hcinfra:network": {"value": str(network.resolve()), "secret": False},
        "hcinfra:site": {"value": "tenant", "secret": False},
    }

    for action, expected in (
        ("up", {"create": count}),
        ("up", {"same": count}),
        ("refresh", {"same": count}),
        ("destroy", {"delete": count}),
    ):
        result, made = worker(action)
        read = ["stack output"] if action == "up" else []
        assert [command(a) for a in made] == ["stack select", *read, action], (action, made)
        assert result["changes"] == expected, action
        # The summary event's counts are those the CLI records for the update.
        assert result["changes"] == last_update(), action
    # Each run drops the salt and the CLI writes the state's back: the file is as it was.
    assert yaml.safe_load((workdir / "Pulumi.tenant.yaml").read_text()) == settings
