"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.sites_harness import Sites, sample_project
from tests.emulator.harness import Emulator


@pytest.fixture
def sites(tmp_path: Path, pulumi_env: dict[str, str], emu: Emulator) -> Sites:
    """`hcinfra sites` in a project folder of its own holding the sample network."""
    return sample_project(tmp_path, pulumi_env, emu)
