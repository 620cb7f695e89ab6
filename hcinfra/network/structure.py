"""The file's structure, checked section by section so one type error hides nothing else.

The tenant, the baseline and every site are validated on their own: a wrong type
in site HSA is reported beside the semantic problems of the other sites, which
are still checked. Pydantic's messages are put into words here, each with the
offending value; a raw regular expression never reaches a user.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from hcinfra.network.model import Baseline, Network, Site, TenantSpec

# `rings` names sites and changes no stack: validate.check_rings checks it on its own.
SECTIONS = ("tenant", "baseline", "sites", "rings")


@dataclass
class Structure:
    """What survived structural validation, and what did not."""

    tenant: TenantSpec | None = None
    baseline: Baseline | None = None
    sites: list[Site] = field(default_factory=list)
    site_index: list[int] = field(default_factory=list)  # file index of each valid site
    problems: list[tuple[str | None, tuple[Any, ...], str]] = field(default_factory=list)

    def network(self) -> Network | None:
        """The valid part as a Network, when the tenant and the baseline are valid."""
        if self.tenant is None or self.baseline is None:
            return None
        return Network.model_construct(tenant=self.tenant, baseline=self.baseline, sites=self.sites)


def site_label(data: Any, index: int) -> str:
    """How a site is named in messages: its code when it has a usable one."""
    try:
        code = data["sites"][index].get("code")
    except (KeyError, IndexError, TypeError, AttributeError):
        code = None
    if isinstance(code, str) and code.strip():
        return code.strip()
    return f"#{index + 1}"


def check_structure(data: dict[str, Any]) -> Structure:
    """Validate each section and each site separately; collect every problem."""
    out = Structure()
    for key in data:
        if key not in SECTIONS:
            out.problems.append(
                (
                    None,
                    (key,),
                    f"unknown section {str(key)!r}; a network file has tenant, baseline, sites "
                    "and rings",
                )
            )
    for name in ("tenant", "baseline"):
        if name not in data:
            out.problems.append((None, (name,), f"the {name} section is missing"))
    if "tenant" in data:
        out.tenant = _validate(TenantSpec, data["tenant"], ("tenant",), None, out)
    if "baseline" in data:
        out.baseline = _validate(Baseline, data["baseline"], ("baseline",), None, out)
    sites = data.get("sites", [])
    if sites is None:
        sites = []
    if not isinstance(sites, list):
        out.problems.append(
            (None, ("sites",), f"sites should be a list of sites; got {_show(sites)}")
        )
        return out
    for i, raw in enumerate(sites):
        label = site_label(data, i)
        site = _validate(Site, raw, ("sites", i), label, out)
        if site is not None:
            out.sites.append(site)
            out.site_index.append(i)
    return out


def _validate(
    model: type[BaseModel], raw: Any, at: tuple[Any, ...], site: str | None, out: Structure
) -> Any:
    if raw is None and model is not Site:
        raw = {}
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        for e in err.errors():
            loc = (*at, *e["loc"])
            words = in_words(e, model)
            if loc and loc[-1] == "[key]":  # a mapping key of the wrong type
                loc, words = loc[:-1], f"a key here {words}"
            out.problems.append((site, loc, words))
        return None


def in_words(error: Any, model: type[BaseModel] | None = None) -> str:
    """One pydantic error as a sentence that names the offending value."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "missing: this field is required"
    if kind == "extra_forbidden":
        field_name = error["loc"][-1] if error["loc"] else "?"
        return f"Extra inputs are not permitted: unknown field {str(field_name)!r}" + _known_fields(
            error, model
        )
    if kind == "value_error":
        return str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
    if kind in ("string_type", "string_sub_type"):
        return f"should be text; got {_show(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"should be a whole number; got {_show(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"should be true or false; got {_show(value)}"
    if kind == "list_type":
        return f"should be a list; got {_show(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"should be a mapping of fields; got {_show(value)}"
    if kind in ("string_too_short", "too_short"):
        return f"should not be empty; got {_show(value)}"
    if kind == "string_too_long":
        return (
            f"is {len(value) if isinstance(value, str) else '?'} characters; at most "
            f"{ctx.get('max_length')}; got {_show(value)}"
        )
    if kind == "too_long":
        return f"has too many items; at most {ctx.get('max_length')}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"should be at least {ctx.get('ge', ctx.get('gt'))}; got {_show(value)}"
    if kind == "string_pattern_mismatch":  # every pattern has a validator in words; a fallback
        return f"has a form this field does not take; got {_show(value)}"
    return f"{error['msg']}; got {_show(value)}"


def _known_fields(error: Any, model: type[BaseModel] | None) -> str:
    target: Any = model
    for part in error["loc"][:-1]:
        if target is None or isinstance(part, int):
            continue
        info = getattr(target, "model_fields", {}).get(part)
        target = _model_of(info.annotation) if info else None
    fields = list(getattr(target, "model_fields", {}) or [])
    return f"; this section takes {', '.join(fields)}" if fields else ""


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _show(value: Any) -> str:
    """A value as the user wrote it, shortened."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "nothing (null)"
    elif isinstance(value, dict):
        text = "a mapping"
    elif isinstance(value, list):
        text = f"a list of {len(value)}"
    elif isinstance(value, (datetime.date, datetime.datetime)):
        text = f"{value.isoformat()} (YAML reads it as a date: put it in quotes)"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
