"""The library's errors share one base, HcinfraError, which the CLI prints as one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import hcinfra
from hcinfra import cli
from hcinfra.clients.connection import MissingSettings
from hcinfra.clients.errors import PermissionDenied, TenantError
from hcinfra.engine import EngineNotFound
from hcinfra.errors import HcinfraError
from hcinfra.network import NetworkError
from hcinfra.network.load import Problem

# The emulator's errors are the services' error bodies, rendered to clients, not raised to
# users; the bootstrap stack needs its providers' SDKs (the bootstrap extra).
NOT_LIBRARY = ("hcinfra.emulator", "hcinfra.bootstrap")


def _library_modules() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages(hcinfra.__path__, "hcinfra.")
        if not m.name.startswith(NOT_LIBRARY) and not m.name.endswith("__main__")
    ]


def test_every_error_the_library_defines_is_an_hcinfra_error() -> None:
    defined: list[type[BaseException]] = []
    for name in _library_modules():
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == name:
                defined.append(value)
    assert len(defined) >= 10, defined  # the walk found the library's errors
    outside = [f"{e.__module__}.{e.__name__}" for e in defined if not issubclass(e, HcinfraError)]
    assert outside == []


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            TenantError("Microsoft Graph", 404, "Request_ResourceNotFound", "no such group", "r1"),
            "hcinfra sites up: Microsoft Graph answered 404 Request_ResourceNotFound: "
            "no such group (request-id r1)",
        ),
        (
            MissingSettings("hcinfra cannot reach the tenant: set tenant_id"),
            "hcinfra drift: hcinfra cannot reach the tenant: set tenant_id",
        ),
        (EngineNotFound("No Pulumi CLI found"), "hcinfra sites up: No Pulumi CLI found"),
    ],
)
def test_the_cli_prints_an_hcinfra_error_as_its_message(error: HcinfraError, expected: str) -> None:
    command = expected.split(":")[0]
    assert cli.explain(command, error) == expected


def test_a_network_error_keeps_one_problem_a_line() -> None:
    error = NetworkError("net.yaml", [Problem("STM", "roles", "missing"), Problem(None, "x", "y")])
    assert cli.explain("hcinfra validate", error).splitlines() == [
        "net.yaml: 2 problem(s)",
        "  - site STM: roles: missing",
        "  - x: y",
    ]


def test_a_permission_error_still_names_the_kind_and_the_permission() -> None:
    refused = TenantError("Microsoft Graph", 403, "Authorization_RequestDenied", "denied")
    error = PermissionDenied(refused, "SecurityGroup", ["Group.ReadWrite.All"])
    assert isinstance(error, HcinfraError)
    line = cli.explain("hcinfra sites up", error)
    assert "SecurityGroup" in line and "Group.ReadWrite.All" in line, line


def test_main_prints_an_hcinfra_error_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refused(args: object) -> int:
        raise EngineNotFound("No Pulumi CLI found: run `make demo`")

    monkeypatch.setattr(cli, "_permissions", refused)
    assert cli.main(["permissions"]) == 1
    err = capsys.readouterr().err
    assert err == "hcinfra permissions: No Pulumi CLI found: run `make demo`\n"
