"""The real Pulumi engine deploys a dynamic resource: CLI on disk, and Automation API inline."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from pulumi import automation as auto

from hcinfra.engine import Engine

pytestmark = pytest.mark.e2e


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run the Pulumi CLI and return stdout; fail the test with its output otherwise."""
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def write_program(folder: Path, venv: str) -> None:
    """A throwaway Pulumi project whose program uses hcinfra's DeploymentStamp."""
    (folder / "Pulumi.yaml").write_text(
        textwrap.dedent(
            f"""\
            name: engine-check
            runtime:
              name: python
              options:
                virtualenv: {venv}
            """
        )
    )
    (folder / "__main__.py").write_text(
        textwrap.dedent(
            """\
            import pulumi
            from hcinfra.resources import DeploymentStamp

            cfg = pulumi.Config()
            stamp = DeploymentStamp("stamp", site=cfg.require("site"))
            pulumi.export("site", stamp.site)
            pulumi.export("version", stamp.hcinfra_version)
            """
        )
    )


def test_cli_up_preview_destroy(engine: Engine, pulumi_env: dict[str, str], tmp_path: Path):
    program = tmp_path / "program"
    program.mkdir()
    write_program(program, pulumi_env["PULUMI_RUNTIME_VIRTUALENV"])
    cli = str(engine.pulumi)

    run([cli, "stack", "init", "check"], pulumi_env, program)
    run([cli, "config", "set", "site", "STM"], pulumi_env, program)
    up = run([cli, "up", "--yes", "--non-interactive"], pulumi_env, program)
    assert "+ 2 created" in up  # the stack and the stamp

    outputs = json.loads(run([cli, "stack", "output", "--json"], pulumi_env, program))
    assert outputs["site"] == "STM"
    assert outputs["version"]

    # A second preview of the unchanged program must plan nothing.
    run([cli, "preview", "--expect-no-changes", "--non-interactive"], pulumi_env, program)

    # A changed input is an in-place update, not a replacement.
    run([cli, "config", "set", "site", "HSA"], pulumi_env, program)
    preview = run([cli, "preview", "--json"], pulumi_env, program)
    steps = json.loads(preview)["steps"]
    assert [s["op"] for s in steps if s["urn"].endswith("::stamp")] == ["update"]

    run([cli, "destroy", "--yes", "--non-interactive"], pulumi_env, program)
    state = json.loads(run([cli, "stack", "export"], pulumi_env, program))
    assert not state["deployment"].get("resources")


def test_automation_inline_up_preview_destroy(engine: Engine, pulumi_env: dict[str, str]):
    def program() -> None:
        import pulumi

        from hcinfra.resources import DeploymentStamp

        stamp = DeploymentStamp("stamp", site="HSA", labels={"wing": "north"})
        pulumi.export("site", stamp.site)

    stack = auto.create_or_select_stack(
        stack_name="inline",
        project_name="engine-check-inline",
        program=program,
        opts=auto.LocalWorkspaceOptions(
            env_vars=pulumi_env,
            pulumi_home=pulumi_env["PULUMI_HOME"],
            pulumi_command=auto.PulumiCommand(root=str(engine.tools)),
        ),
    )
    up = stack.up(on_output=lambda _line: None)
    assert up.summary.result == "succeeded"
    assert up.outputs["site"].value == "HSA"
    assert up.summary.resource_changes == {"create": 2}

    preview = stack.preview(on_output=lambda _line: None)
    assert preview.change_summary == {"same": 2}

    destroy = stack.destroy(on_output=lambda _line: None)
    assert destroy.summary.result == "succeeded"
    assert destroy.summary.resource_changes == {"delete": 2}


def test_program_error_fails_the_update(engine: Engine, pulumi_env: dict[str, str], tmp_path):
    program = tmp_path / "broken"
    program.mkdir()
    write_program(program, pulumi_env["PULUMI_RUNTIME_VIRTUALENV"])
    cli = str(engine.pulumi)
    run([cli, "stack", "init", "check"], pulumi_env, program)
    # `site` is not set: cfg.require raises, and the engine must report it and fail.
    proc = subprocess.run(
        [cli, "up", "--yes", "--non-interactive"],
        env=pulumi_env,
        cwd=program,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "Missing required configuration variable 'engine-check:site'" in proc.stdout
