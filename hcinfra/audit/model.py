"""What the audit commands report: drift findings and control results."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

# missing: declared, not in the tenant (an object, a member, a permission, an assignment);
# changed: a setting differs; extra: a member, permission or pinned app nobody declared;
# archived: a declared team is archived; shadow: named like a site's objects, undeclared.
Category = Literal["missing", "changed", "extra", "archived", "shadow"]
CATEGORIES: tuple[Category, ...] = ("missing", "changed", "extra", "archived", "shadow")


@dataclass(frozen=True)
class Finding:
    """One difference between what the network declares and what the tenant holds."""

    site: str  # a site code, or "tenant" for tenant-wide objects
    kind: str  # SecurityGroup, SharedMailbox, Team, TeamsPolicy
    name: str
    object_id: str | None
    field: str | None  # None when the whole object is missing or a shadow
    category: Category
    declared: Any
    actual: Any
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (docs/auditors.md documents its schema)."""
        return asdict(self)


# shall: mandatory; should: recommended, reported without failing the run; manual: a step
# done by hand where Microsoft offers no API, reported with requirement_met None, never
# failed (ScubaGear reports such policies apart from its passes and failures too).
Criticality = Literal["shall", "should", "manual"]


@dataclass(frozen=True)
class ControlResult:
    """One compliance control at one site, in ScubaGear's result shape."""

    control_id: str
    site: str
    criticality: Criticality
    requirement: str
    requirement_met: bool | None  # None for a manual step: hcinfra cannot tell
    actual_value: Any
    details: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (docs/controls.md documents its schema)."""
        return asdict(self)
