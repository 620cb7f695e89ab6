"""`hcinfra export`, `hcinfra drift` and `hcinfra check`: exit 0 clean, 2 on drift or a
failed shall-control, 1 on error."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from hcinfra.audit import audit
from hcinfra.audit.render import render_controls, render_drift
from hcinfra.errors import HcinfraError
from hcinfra.network import NetworkError, load_network

CLEAN, ERROR, FOUND = 0, 1, 2


def _read(network_file: str, codes: list[str] | None) -> audit.Audit:
    network = load_network(network_file)
    known = {audit.TENANT, *network.codes()}
    unknown = [c for c in codes or [] if c not in known]
    if unknown:
        raise ValueError(
            f"unknown site(s): {', '.join(unknown)}; the network has "
            f"{', '.join(network.codes())} (and 'tenant')"
        )
    return audit.read(network, audit.choose(network, codes))


def _guarded(work: Callable[[], int]) -> int:
    try:
        return work()
    except NetworkError as err:
        print(str(err), file=sys.stderr)
    except (HcinfraError, ValueError, httpx.HTTPError) as err:
        print(f"hcinfra: {err}", file=sys.stderr)
    return ERROR


def _emit(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def export_command(network_file: str, codes: list[str] | None, out: str) -> int:
    """Write one YAML file per site of what the tenant holds."""

    def work() -> int:
        found = _read(network_file, codes)
        for path in found.export(Path(out)):
            print(path)
        return CLEAN

    return _guarded(work)


def drift_command(network_file: str, codes: list[str] | None, fmt: str, out: str | None) -> int:
    """Report declared against live; 2 when anything drifted."""

    def work() -> int:
        found = _read(network_file, codes)
        findings = found.findings()
        _emit(render_drift(findings, fmt, sites=found.codes), out)
        return FOUND if findings else CLEAN

    return _guarded(work)


def check_command(network_file: str, codes: list[str] | None, fmt: str, out: str | None) -> int:
    """Run the compliance controls; 2 when a shall-control fails."""

    def work() -> int:
        found = _read(network_file, codes)
        results = found.controls()
        _emit(render_controls(results, fmt, sites=found.codes), out)
        failed = [r for r in results if r.criticality == "shall" and not r.requirement_met]
        return FOUND if failed else CLEAN

    return _guarded(work)
