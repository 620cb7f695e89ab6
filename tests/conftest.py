"""Shared fixtures: the Pulumi engine that `make` set up, with a throwaway backend per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hcinfra.engine import Engine, find_engine

REPO = Path(__file__).resolve().parents[1]

# The emulator fixtures (emulator, emu, emulator_factory) for every test folder.
pytest_plugins = ["tests.emulator.harness"]


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The Pulumi CLI and plugins under .tools/ (never skipped: `make test` installs them)."""
    found = find_engine(REPO)
    assert found.pulumi.exists(), "run `make test`: it builds the Pulumi engine first"
    return found


@pytest.fixture
def pulumi_env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    """Environment for one isolated Pulumi run: local file backend in tmp, dev passphrase."""
    backend = tmp_path / "state"
    backend.mkdir()
    return engine.env(
        PULUMI_BACKEND_URL=backend.as_uri(),
        PULUMI_CONFIG_PASSPHRASE="test-passphrase",
        PULUMI_RUNTIME_VIRTUALENV=sys.prefix,
    )
