"""No secret in state or logs: deploy with a known client secret, then look for it everywhere."""

from __future__ import annotations

import base64
import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from hcinfra.engine import Engine
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator

pytestmark = pytest.mark.e2e


def run(cli: str, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [cli, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"pulumi {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_client_secret_never_reaches_state_or_logs(
    engine: Engine, pulumi_env: dict[str, str], tmp_path: Path, emu: Emulator
):
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text(
        f"name: secret-check\nruntime:\n  name: python\n  options:\n"
        f"    virtualenv: {pulumi_env['PULUMI_RUNTIME_VIRTUALENV']}\n"
    )
    (program / "__main__.py").write_text(
        textwrap.dedent(
            """\
            import pulumi
            from hcinfra.resources import SecurityGroup

            group = SecurityGroup(
                "clinical",
                display_name="STM-Clinical-Workers",
                mail_nickname="stm-clinical-workers",
                members=["nurse001@northwindhealth.org"],
                owners=["claire.dubois@northwindhealth.org"],
            )
            pulumi.export("groupId", group.object_id)
            """
        )
    )
    cli = str(engine.pulumi)
    run(cli, ["stack", "init", "check"], pulumi_env, program)
    for key, value in (
        ("tenantId", emu.tenant_id),
        ("clientId", HCINFRA_APP),
        ("endpoint", emu.url),
        ("caBundle", emu.ca),
    ):
        run(cli, ["config", "set", f"hcinfra:{key}", value], pulumi_env, program)
    run(
        cli,
        ["config", "set", "--secret", "hcinfra:clientSecret", HCINFRA_SECRET],
        pulumi_env,
        program,
    )

    up = run(
        cli,
        ["up", "--yes", "--non-interactive", "-v", "9", "--logtostderr", "--logflow"],
        pulumi_env,
        program,
    )
    outputs = json.loads(run(cli, ["stack", "output", "--json"], pulumi_env, program).stdout)
    assert outputs["groupId"]

    plain = run(cli, ["stack", "export"], pulumi_env, program).stdout
    exported = run(cli, ["stack", "export", "--show-secrets"], pulumi_env, program).stdout
    state = json.loads(exported)
    # The engine hands the stack config to the pulumi-python default provider and keeps
    # it there encrypted; every other resource (ours) must not hold the secret at all.
    ours = [
        r for r in state["deployment"]["resources"] if not r["type"].startswith("pulumi:providers:")
    ]
    pickled = [
        base64.b64decode(r["outputs"]["__provider"]["plaintext"].strip('"'))
        if isinstance(r["outputs"].get("__provider"), dict)
        else base64.b64decode(r["outputs"].get("__provider", ""))
        for r in ours
        if "__provider" in r.get("outputs", {})
    ]
    assert pickled, "the dynamic provider should be in the state"
    haystacks = {
        "state": plain,
        "resources in the decrypted state": json.dumps(ours),
        "pickled provider": b"".join(pickled).decode("latin-1"),
        "stdout": up.stdout,
        "engine and provider logs": up.stderr,
    }
    for where, text in haystacks.items():
        assert HCINFRA_SECRET not in text, f"the client secret leaked into the {where}"
    config_file = (program / "Pulumi.check.yaml").read_text()
    assert HCINFRA_SECRET not in config_file  # stored encrypted
