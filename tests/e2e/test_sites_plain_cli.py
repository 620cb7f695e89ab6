"""Stacks made by `hcinfra sites` with the plain Pulumi CLI, and workspaces that never break a
run against another backend or passphrase (docs/operations.md, "Workspaces").

The project folder is a copy of the repository's: its Pulumi.yaml (`main: stacks/`) and
program, with the network file in a subfolder, so that the plain CLI runs the same program
from the config `hcinfra sites` wrote beside Pulumi.yaml.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hcinfra.engine import Engine
from tests.conftest import REPO
from tests.e2e.sites_harness import emulator_settings, summary
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The hcinfra project copied into tmp_path/project, its network in sites/."""
    folder = tmp_path / "project"
    for sub in ("sites", "stacks"):
        (folder / sub).mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", folder / "Pulumi.yaml")
    shutil.copy(REPO / "stacks" / "__main__.py", folder / "stacks" / "__main__.py")
    shutil.copy(REPO / "stacks" / "network.yaml", folder / "sites" / "network.yaml")
    return folder


@pytest.fixture
def env(pulumi_env: dict[str, str], emu: Emulator) -> dict[str, str]:
    """The Pulumi environment with the emulator's connection, `python` the test's own."""
    emu.admin("PUT", "faults", json={"teamsOperationMs": 200, "licenseProcessingMs": 100})
    return {
        **pulumi_env,
        "PATH": f"{Path(sys.executable).parent}:{pulumi_env['PATH']}",
        **emulator_settings(emu),
    }


def sites(project: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`hcinfra sites …` on the project's network, started in the project folder."""
    command = [sys.executable, "-m", "hcinfra.cli", "sites", *args]
    return subprocess.Popen(
        [*command, "--network", "sites/network.yaml"],
        env=env,
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def succeeded(proc: subprocess.Popen[str]) -> dict[str, dict[str, str]]:
    """The summary rows of a finished `hcinfra sites` run, which must have succeeded."""
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    rows = summary(out)
    assert rows and all(row["result"] == "ok" for row in rows.values()), out
    return rows


def backend(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return folder.as_uri()


def test_the_plain_cli_runs_a_stack_hcinfra_sites_made(
    project: Path, env: dict[str, str], engine: Engine, emu: Emulator
) -> None:
    succeeded(sites(project, env, "up", "--site", "tenant", "--site", "STM"))
    # The config beside Pulumi.yaml, the network relative to the project folder.
    written = yaml.safe_load((project / "Pulumi.stm.yaml").read_text())
    assert written == {"config": {"hcinfra:site": "STM", "hcinfra:network": "sites/network.yaml"}}

    def pulumi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(engine.pulumi), *args, "--stack", "stm", "--non-interactive", "--color=never"],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=600,
        )

    mark = emu.requests()["last"]
    preview = pulumi("preview", "--expect-no-changes")  # no --config
    assert preview.returncode == 0, preview.stdout + preview.stderr
    up = pulumi("up", "--yes", "--expect-no-changes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert emu.requests(since=mark)["writes"] == 0
    # The CLI added its salt to the file; hcinfra keeps it, and does not read it.
    written = yaml.safe_load((project / "Pulumi.stm.yaml").read_text())
    assert written["encryptionsalt"] and written["config"]["hcinfra:site"] == "STM"
    rows = succeeded(sites(project, env, "preview", "--site", "STM"))
    assert rows["STM"]["changes"].startswith("same"), rows
    assert yaml.safe_load((project / "Pulumi.stm.yaml").read_text()) == written


def test_a_fresh_backend_with_another_passphrase_after_an_earlier_run(
    project: Path, env: dict[str, str], tmp_path: Path
) -> None:
    first = {**env, "PULUMI_CONFIG_PASSPHRASE": "first-passphrase"}
    succeeded(sites(project, first, "up", "--site", "tenant"))
    # A salt of the first passphrase where the plain CLI would keep one: hcinfra ignores it.
    (workspace,) = (project / ".state" / "sites").glob("file-*/tenant")
    salt = yaml.safe_load((workspace / "Pulumi.tenant.yaml").read_text())["encryptionsalt"]
    plain = project / "Pulumi.tenant.yaml"
    plain.write_text(plain.read_text() + f"encryptionsalt: {salt}\n")

    # Another backend, another passphrase: its own workspace, and the stack is made there.
    second = {
        **env,
        "PULUMI_BACKEND_URL": backend(tmp_path / "second"),
        "PULUMI_CONFIG_PASSPHRASE": "second-passphrase",
    }
    rows = succeeded(sites(project, second, "up", "--site", "tenant"))
    assert rows["tenant"]["changes"].startswith("create"), rows
    # The first backend's URL again, emptied, with a third passphrase: the workspace it had
    # holds the first passphrase's salt, which the run drops.
    shutil.rmtree(tmp_path / "state")
    third = {
        **env,
        "PULUMI_BACKEND_URL": backend(tmp_path / "state"),
        "PULUMI_CONFIG_PASSPHRASE": "third-passphrase",
    }
    assert succeeded(sites(project, third, "preview", "--site", "tenant"))
    assert yaml.safe_load(plain.read_text())["encryptionsalt"] == salt  # left as it was

    # Two runs at once from the same folder, against two new backends and passphrases.
    runs = [
        sites(
            project,
            {
                **env,
                "PULUMI_BACKEND_URL": backend(tmp_path / name),
                "PULUMI_CONFIG_PASSPHRASE": f"{name}-passphrase",
            },
            "preview",
            "--site",
            "tenant",
        )
        for name in ("fourth", "fifth")
    ]
    for run in runs:
        assert succeeded(run)["tenant"]["changes"].startswith("create")
    # One workspace per backend: the first (twice), the second, the fourth and the fifth.
    assert len(list((project / ".state" / "sites").glob("file-*/tenant"))) == 4
