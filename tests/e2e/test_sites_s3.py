"""`hcinfra sites` with its state in S3 (moto's server on loopback): the stacks' state is in
the bucket, `pulumi stack ls` finds it there, and a machine without the local workspaces
(a CI job elsewhere) previews the same stacks with no changes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from hcinfra.engine import Engine
from tests.conftest import REPO
from tests.e2e.sites_harness import emulator_settings, summary
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e

BUCKET = "hcinfra-state"
STACKS = ("tenant", "STM", "HSA")


@pytest.fixture
def s3() -> Iterator[str]:
    """moto's S3 on a free loopback port, with an empty bucket; its endpoint `host:port`."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    yield f"{host}:{port}"
    server.stop()


def keys(endpoint: str) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{endpoint}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def test_state_in_s3_serves_a_machine_without_the_workspaces(
    engine: Engine, pulumi_env: dict[str, str], tmp_path: Path, emu: Emulator, s3: str
):
    emu.admin("PUT", "faults", json={"teamsOperationMs": 200, "licenseProcessingMs": 100})
    (tmp_path / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    network = tmp_path / "network.yaml"
    network.write_text((REPO / "stacks" / "network.yaml").read_text())
    backend = f"s3://{BUCKET}?endpoint={s3}&disableSSL=true&s3ForcePathStyle=true&region=us-east-1"
    # The passphrase from a file, as a CI secret would be mounted: the stacks must be
    # encrypted with it, not with hcinfra's development default.
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("s3-test-passphrase\n")
    env = {
        k: v
        for k, v in pulumi_env.items()
        if not k.startswith("AWS_") and k != "PULUMI_CONFIG_PASSPHRASE"
    }
    env.update(
        PULUMI_BACKEND_URL=backend,
        PULUMI_CONFIG_PASSPHRASE_FILE=str(passphrase),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        **emulator_settings(emu),
    )
    selected = [arg for code in STACKS for arg in ("--site", code)]

    def sites(action: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "hcinfra.cli",
                "sites",
                action,
                "--network",
                str(network),
                *selected,
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    # 1. up: the tenant and two sites, their state written to the bucket
    rows = summary(sites("up").stdout)
    assert list(rows) == list(STACKS)
    assert all(r["result"] == "ok" and r["changes"].startswith("create") for r in rows.values())

    stored = keys(s3)
    for stack in ("tenant", "stm", "hsa"):
        assert f".pulumi/stacks/hcinfra/{stack}.json" in stored, stored
    assert not [k for k in stored if k.startswith(".pulumi/locks/") and k.endswith(".json")]
    assert not (tmp_path / ".pulumi").exists()  # nothing fell back to the file backend

    # 2. the Pulumi CLI, given only the backend URL, lists the stacks
    def pulumi(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(engine.pulumi), *args, "--non-interactive"],
            env={**env, **extra},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ls = pulumi("stack", "ls", "--json")
    assert ls.returncode == 0, ls.stderr
    listed = {s["name"]: s for s in json.loads(ls.stdout)}
    assert set(listed) == {"tenant", "stm", "hsa"}
    assert listed["stm"]["resourceCount"] > 10
    # Its secrets open with the file's passphrase, and not with the development one.
    assert pulumi("stack", "export", "--stack", "stm", "--show-secrets").returncode == 0
    wrong = pulumi(
        "stack",
        "export",
        "--stack",
        "stm",
        "--show-secrets",
        PULUMI_CONFIG_PASSPHRASE="hcinfra-dev-passphrase",
    )
    assert wrong.returncode != 0 and "passphrase" in wrong.stderr.lower(), wrong.stderr

    # 3. another machine: no per-stack workspace folders, only the bucket and the passphrase
    shutil.rmtree(tmp_path / ".state" / "sites")
    mark = emu.requests()["last"]
    preview = sites("preview")
    rows = summary(preview.stdout)
    assert list(rows) == list(STACKS)
    for code, row in rows.items():
        assert row["result"] == "ok" and row["changes"].startswith("same"), (code, row)
        assert "create" not in row["changes"] and "update" not in row["changes"], (code, row)
    assert emu.requests(since=mark)["writes"] == 0
