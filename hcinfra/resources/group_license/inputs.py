"""What a GroupLicenseAssignment declares: SKUs by part number, service plans by name."""

from __future__ import annotations

import re
from typing import TypedDict

from pydantic import Field, field_validator

from hcinfra.resources.base import Inputs

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
NAME = re.compile(r"^\S+$")


class SkuLicenseArgs(TypedDict, total=False):
    """One SKU of a GroupLicenseAssignment, as the Resource takes it."""

    sku: str
    disabled_plans: list[str]


class SkuLicense(Inputs):
    """A SKU by part number, with the service plans its users do not get."""

    sku: str = Field(min_length=1, max_length=128, pattern=NAME.pattern)
    disabled_plans: list[str] = Field(default_factory=list)

    @field_validator("disabled_plans")
    @classmethod
    def _plans(cls, values: list[str]) -> list[str]:
        if any(not NAME.match(v) for v in values):
            raise ValueError("service plan names have no spaces (e.g. TEAMS1)")
        if len(set(values)) != len(values):
            raise ValueError("each service plan may appear once")
        return values


class GroupLicenseInputs(Inputs):
    """What a GroupLicenseAssignment declares."""

    group_id: str = Field(pattern=GUID.pattern)
    skus: list[SkuLicense] = Field(min_length=1)

    @field_validator("skus")
    @classmethod
    def _unique(cls, values: list[SkuLicense]) -> list[SkuLicense]:
        names = [v.sku.upper() for v in values]
        dupes = sorted({v.sku for v in values if names.count(v.sku.upper()) > 1})
        if dupes:
            raise ValueError(f"each SKU may appear once; repeated: {', '.join(dupes)}")
        return values
