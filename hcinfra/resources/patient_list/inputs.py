"""What a PatientList declares: the ward team's group, the list's name, extra columns.

REF: https://learn.microsoft.com/en-us/graph/api/list-create
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict

from pydantic import Field, ValidationInfo, field_validator

from hcinfra.resources.base import Inputs
from hcinfra.resources.patient_list.columns import BUILT_IN, PATIENT_COLUMNS

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# SharePoint internal names: ASCII, a letter first, 32 characters at most (longer ones are
# cut, and names with other characters escaped, so a declared name would never read back).
COLUMN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
ColumnType = Literal["text", "note", "dateTime", "choice", "personOrGroup", "number", "boolean"]
DEFAULT_NAMES = frozenset(str(c["name"]).lower() for c in PATIENT_COLUMNS)
DEFAULT_DISPLAY = frozenset(str(c["display_name"]).lower() for c in PATIENT_COLUMNS)


class ColumnArgs(TypedDict, total=False):
    """One extra column of a PatientList, as the Resource takes it."""

    name: str
    display_name: str
    type: str
    required: bool
    description: str
    choices: list[str]


class ColumnSpec(Inputs):
    """A column a site adds to its Patients list."""

    name: str = Field(pattern=COLUMN_NAME.pattern)
    display_name: str | None = Field(None, min_length=1, max_length=255)
    type: ColumnType
    required: bool = False
    description: str | None = Field(None, max_length=1024)
    choices: list[str] | None = Field(None, validate_default=True)

    @field_validator("choices")
    @classmethod
    def _choices(cls, values: list[str] | None, info: ValidationInfo) -> list[str] | None:
        kind = info.data.get("type")
        if values is None:
            if kind == "choice":
                raise ValueError("a choice column needs its choices")
            return None
        if kind != "choice":
            raise ValueError(f"only a choice column has choices (this one is {kind})")
        if not values:
            raise ValueError("a choice column needs at least one choice")
        bad = [v for v in values if not v.strip() or len(v) > 255]
        if bad:
            raise ValueError("each choice is 1 to 255 characters, not blank")
        if len({v.lower() for v in values}) != len(values):
            raise ValueError("each choice may appear once")
        return values


class PatientListInputs(Inputs):
    """What a PatientList declares."""

    group_id: str = Field(pattern=GUID.pattern)
    display_name: str = Field("Patients", min_length=1, max_length=255)
    description: str | None = Field(None, max_length=1024)
    columns: list[ColumnSpec] = Field(default_factory=list)
    allow_data_deletion: bool = False
    timeout_seconds: float = Field(300, gt=0, le=3600)

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("no leading or trailing spaces (the list is found by its name)")
        return value

    @field_validator("columns")
    @classmethod
    def _columns(cls, values: list[ColumnSpec]) -> list[ColumnSpec]:
        problems, names, shown = [], set(), set()
        for col in values:
            name, display = col.name.lower(), (col.display_name or col.name).lower()
            if name in BUILT_IN:
                problems.append(f"'{col.name}' is a column every SharePoint list has")
            elif name in DEFAULT_NAMES:
                problems.append(f"'{col.name}' is one of the Patients columns already")
            elif name in names:
                problems.append(f"'{col.name}' appears twice (names are case-insensitive)")
            elif display in DEFAULT_DISPLAY or display in shown:
                problems.append(f"display name '{col.display_name or col.name}' is taken")
            names.add(name)
            shown.add(display)
        if problems:
            raise ValueError("; ".join(problems))
        return values

    def all_columns(self) -> list[dict[str, Any]]:
        """The Patients columns, then the site's own, in the inputs' JSON shape."""
        extra = [c.model_dump(mode="json") for c in self.columns]
        return [dict(c) for c in PATIENT_COLUMNS] + extra
