"""scripts/install-pulumi is idempotent: a second run reuses the engine it built."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO


def test_second_run_rebuilds_nothing():
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "install-pulumi")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "building" not in proc.stdout + proc.stderr
    stamp = (REPO / ".tools" / "pulumi.stamp").read_text().strip()
    assert stamp in {"3.274.1", "external"}
    for tool in ("pulumi", "pulumi-resource-pulumi-python", "pulumi-language-python"):
        assert (REPO / ".tools" / "bin" / tool).exists(), tool


def test_pinned_versions_agree():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    cli = project["tool"]["hcinfra"]["pulumi-cli"]
    sdk = next(d for d in project["project"]["dependencies"] if d.startswith("pulumi=="))
    cli_minor = int(cli.split(".")[1])
    sdk_minor = int(sdk.split("==")[1].split(".")[1])
    # The CLI must be at least as new as the SDK it runs.
    assert cli_minor >= sdk_minor
