"""Stack config files: hcinfra sets its two values and keeps the rest; where they are written;
the per-backend workspace folders (hcinfra.sites.stackfile, hcinfra.sites.stacks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from hcinfra.sites.stackfile import StackFileError, network_setting, update_stack_file
from hcinfra.sites.stacks import backend_key, plain_cli_file, workspace_dir
from tests.conftest import REPO

VALUES = {"hcinfra:site": "STM", "hcinfra:network": "sites/network.yaml"}


def test_a_new_file_holds_the_config_alone(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.stm.yaml"
    assert update_stack_file(path, VALUES)
    lines = ["config:", "  hcinfra:site: STM", "  hcinfra:network: sites/network.yaml"]
    assert path.read_text().splitlines() == lines
    assert [p.name for p in tmp_path.iterdir()] == ["Pulumi.stm.yaml"]  # no partial file left


def test_other_config_the_salt_and_comments_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.stm.yaml"
    path.write_text(
        "# Saint-Michel, deployed by CI\n"
        "encryptionsalt: v1:abc:def\n"
        "config:\n"
        "  # the app that signs in\n"
        "  hcinfra:clientId: 3c9a\n"
        "  hcinfra:site: HSA\n"
        "  hcinfra:tags:\n"
        "    ward: nord\n"
        "# end\n"
    )
    assert update_stack_file(path, VALUES)
    assert path.read_text() == (
        "# Saint-Michel, deployed by CI\n"
        "encryptionsalt: v1:abc:def\n"
        "config:\n"
        "  # the app that signs in\n"
        "  hcinfra:clientId: 3c9a\n"
        "  hcinfra:site: STM\n"
        "  hcinfra:tags:\n"
        "    ward: nord\n"
        "  hcinfra:network: sites/network.yaml\n"
        "# end\n"
    )


def test_the_file_is_rewritten_only_when_a_value_changes(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.stm.yaml"
    update_stack_file(path, VALUES)
    path.write_text(path.read_text() + "encryptionsalt: v1:abc:def  # the CLI's\n")
    before = path.stat()
    assert not update_stack_file(path, VALUES)
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert update_stack_file(path, {"hcinfra:site": "HSA"})
    assert path.stat().st_ino != before.st_ino  # replaced whole, not written in place
    assert yaml.safe_load(path.read_text()) == {
        "config": {"hcinfra:site": "HSA", "hcinfra:network": "sites/network.yaml"},
        "encryptionsalt": "v1:abc:def",
    }


def test_a_dropped_key_goes_with_its_lines_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.stm.yaml"
    path.write_text("encryptionsalt: v1:abc:def\n# kept\nconfig:\n  hcinfra:site: STM\n")
    assert update_stack_file(path, {"hcinfra:site": "STM"}, drop=("encryptionsalt",))
    assert path.read_text() == "# kept\nconfig:\n  hcinfra:site: STM\n"
    assert not update_stack_file(path, {"hcinfra:site": "STM"}, drop=("encryptionsalt",))


def test_a_layout_it_cannot_edit_line_by_line_is_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.stm.yaml"
    path.write_text("config: {hcinfra:site: HSA, aws:region: eu-west-1}\nencryptionsalt: v1:x\n")
    assert update_stack_file(path, VALUES)
    assert yaml.safe_load(path.read_text()) == {
        "config": {**VALUES, "aws:region": "eu-west-1"},
        "encryptionsalt": "v1:x",
    }
    # A quoted key is the same key: set, not added a second time.
    path.write_text("config:\n  'hcinfra:site': HSA\n")
    update_stack_file(path, VALUES)
    assert path.read_text().count("hcinfra:site") == 1
    assert yaml.safe_load(path.read_text())["config"] == VALUES


def test_a_file_pulumi_could_not_read_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.stm.yaml"
    for text in ("config: [\n", "config:\n  a: 1\n  a: 2\n", "- a list\n"):
        path.write_text(text)
        with pytest.raises(StackFileError, match=r"Pulumi\.stm\.yaml"):
            update_stack_file(path, VALUES)
        assert path.read_text() == text


def test_the_network_is_relative_to_the_project_unless_outside_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "sites").mkdir(parents=True)
    assert network_setting(project / "sites" / "network.yaml", project) == "sites/network.yaml"
    outside = tmp_path / "elsewhere" / "network.yaml"
    assert network_setting(outside, project) == str(outside.resolve())


def test_the_committed_tenant_file_already_holds_what_hcinfra_writes(tmp_path: Path) -> None:
    # The values open_stack writes for `tenant` from the repository's sample network.
    network = network_setting(REPO / "stacks" / "network.yaml", REPO)
    assert plain_cli_file(REPO, "tenant") == REPO / "Pulumi.tenant.yaml"
    copy = tmp_path / "Pulumi.tenant.yaml"
    shutil.copy(REPO / "Pulumi.tenant.yaml", copy)
    assert not update_stack_file(copy, {"hcinfra:site": "tenant", "hcinfra:network": network})


def test_the_plain_cli_file_needs_the_hcinfra_project(tmp_path: Path) -> None:
    assert plain_cli_file(tmp_path, "stm") is None  # no Pulumi.yaml: no program to run
    (tmp_path / "Pulumi.yaml").write_text("name: billing\nruntime: python\n")
    assert plain_cli_file(tmp_path, "stm") is None  # another project's stacks
    (tmp_path / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    assert plain_cli_file(tmp_path, "stm") == tmp_path / "Pulumi.stm.yaml"
    (tmp_path / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\nstackConfigDir: cfg\n")
    assert plain_cli_file(tmp_path, "stm") == tmp_path / "cfg" / "Pulumi.stm.yaml"


def test_each_backend_has_its_own_workspaces_named_without_its_url(tmp_path: Path) -> None:
    s3 = "s3://state?endpoint=minio:9000&token=s3cr3t"
    key = backend_key(s3)
    assert key.startswith("s3-") and len(key) == 15
    assert "state" not in key and "s3cr3t" not in key
    assert backend_key(s3) == key and backend_key("s3://other") != key
    assert backend_key("file:///srv/state/") == backend_key("file:///srv/state")
    assert workspace_dir(tmp_path, s3, "stm") == tmp_path / ".state" / "sites" / key / "stm"
