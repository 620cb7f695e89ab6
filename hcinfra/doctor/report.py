"""The doctor's report: terminal text, or JSON (schema `hcinfra.doctor/v1`)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hcinfra.doctor.model import OK, PROBLEM, STATUSES, UNCHECKED, WARNING, Check

FORMATS = ("text", "json")
SCHEMA = "hcinfra.doctor/v1"
LABELS = {OK: "OK", PROBLEM: "PROBLEM", WARNING: "WARNING", UNCHECKED: "UNCHECKED"}


@dataclass(frozen=True)
class Report:
    """Every check of one run, in a fixed order, and how long the run took."""

    network: str
    tenant: str
    checks: list[Check]
    seconds: float

    @property
    def clean(self) -> bool:
        """True when nothing is a problem and every check could be made (warnings allowed)."""
        return all(c.status in (OK, WARNING) for c in self.checks)

    def counts(self) -> dict[str, int]:
        """Checks per status."""
        seen = Counter(c.status for c in self.checks)
        return {s: seen[s] for s in STATUSES}


def plain(text: str) -> str:
    """One safe line: tenant-supplied control characters (ANSI escapes too) shown escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _summary(report: Report) -> str:
    n = report.counts()
    parts = [f"{n[OK]} ok", f"{n[PROBLEM]} problem(s)", f"{n[WARNING]} warning(s)"]
    if n[UNCHECKED]:
        parts.append(f"{n[UNCHECKED]} could not be checked")
    verdict = "ready to deploy" if report.clean else "fix the problems above before deploying"
    return f"{len(report.checks)} checks: {', '.join(parts)} in {report.seconds:.2f} s — {verdict}"


def _text(report: Report) -> str:
    width = max((len(c.id) for c in report.checks), default=0)
    lines = [f"hcinfra doctor: tenant {plain(report.tenant)}, network {plain(report.network)}"]
    for c in report.checks:
        lines.append(f"  {LABELS[c.status]:<9} {c.id:<{width}}  {plain(c.finding)}")
        pad = " " * (12 + width)
        if c.fix:
            lines.append(f"{pad}fix: {plain(c.fix)}")
        if c.status != OK:
            # Details the finding already names (missing permissions) are for JSON readers.
            lines += [f"{pad}- {plain(d)}" for d in c.details if d and d not in c.finding]
    return "\n".join([*lines, _summary(report)]) + "\n"


def as_json(report: Report) -> dict[str, Any]:
    """The JSON document (docs/operations.md, "Before your first deploy")."""
    return {
        "schema": SCHEMA,
        "network": report.network,
        "tenant": report.tenant,
        "result": "ok" if report.clean else "problems",
        "summary": {"checks": len(report.checks), **report.counts()},
        "seconds": round(report.seconds, 3),
        "checks": [c.as_dict() for c in report.checks],
    }


def render(report: Report, fmt: str) -> str:
    """The report in one of FORMATS."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps(as_json(report), indent=2, ensure_ascii=False) + "\n"
    return _text(report)
