"""Named latency profiles: rules and figures that make the emulator answer at Microsoft's pace.

A profile is data, one YAML file per name under hcinfra/emulator/profiles/, each figure
with its source. `hcinfra emulator serve --profile NAME` or `"profile": NAME` in a faults
document applies it; the document's own figures and rules still apply on top.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hcinfra.emulator.core.faults import FaultRule

PROFILES = Path(__file__).resolve().parents[1] / "profiles"
T = TypeVar("T")


class Figure(BaseModel, Generic[T]):
    """One figure of a profile and where it comes from."""

    model_config = ConfigDict(extra="forbid")

    value: T
    source: str = Field(min_length=1)


class Profile(BaseModel):
    """A named set of latency rules and asynchronous-operation times."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    description: str
    throttling: Figure[bool]
    teams_operation_ms: Figure[int] = Field(alias="teamsOperationMs")
    license_processing_ms: Figure[int] = Field(alias="licenseProcessingMs")
    rules: list[FaultRule]

    @field_validator("rules")
    @classmethod
    def _sourced(cls, rules: list[FaultRule]) -> list[FaultRule]:
        missing = [r.match for r in rules if not r.source]
        if missing:
            raise ValueError(f"every profile rule names its source; these do not: {missing}")
        return rules

    def figures(self) -> dict[str, Any]:
        """The FaultsConfig fields the profile sets, by field name."""
        return {
            "throttling": self.throttling.value,
            "teams_operation_ms": self.teams_operation_ms.value,
            "license_processing_ms": self.license_processing_ms.value,
        }

    def latency_ms(self, method: str, path: str) -> tuple[int, int]:
        """The least and most latency a request meets under the profile's rules."""
        rules = [r for r in self.rules if r.matches(method, path)]
        low = sum(r.latency_ms for r in rules)
        return low, low + sum(r.latency_jitter_ms for r in rules)


def names() -> list[str]:
    """The profiles the package ships."""
    return sorted(p.stem for p in PROFILES.glob("*.yaml"))


@cache
def load_profile(name: str) -> Profile:
    """The profile of that name; ValueError naming the known ones if there is none."""
    path = PROFILES / f"{name}.yaml"
    if name not in names():
        raise ValueError(f"no latency profile {name!r}; known: {', '.join(names()) or 'none'}")
    return Profile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
