"""What a doctor check reports: an id, a status, a one-line finding and, for problems, the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OK = "ok"
PROBLEM = "problem"
WARNING = "warning"
UNCHECKED = "could-not-check"
STATUSES = (OK, PROBLEM, WARNING, UNCHECKED)

# Where an operator grants what the app lacks; every permission fix points here.
BOOTSTRAP = (
    "the bootstrap stack (stacks/bootstrap, docs/bootstrap.md), which grants exactly what "
    "`hcinfra permissions` lists, with admin consent"
)


@dataclass(frozen=True)
class Check:
    """One check's result."""

    id: str
    status: str
    finding: str
    fix: str = ""
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (docs/operations.md, "Before your first deploy")."""
        return {
            "id": self.id,
            "status": self.status,
            "finding": self.finding,
            "fix": self.fix or None,
            "details": list(self.details),
        }


def unchecked(check_id: str, why: str) -> Check:
    """A check that could not be made, and why."""
    return Check(check_id, UNCHECKED, why)


def plural(n: int, word: str) -> str:
    """`1 domain`, `2 domains`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
