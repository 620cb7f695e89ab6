"""Binding a cmdlet's JSON `Parameters` the way PowerShell binds them.

Names match case-insensitively; an unknown name, a missing mandatory parameter or a
value that does not convert fails before the cmdlet runs, so a bad call changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hcinfra.emulator.exchange import errors

SMTP = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
SMTP_TYPE = "Microsoft.Exchange.Data.SmtpAddress"
BAD_SMTP = (
    'The email address "{0}" isn\'t correct. Please use this format: user name, the @ '
    "sign, followed by the domain name. For example, tonysmith@contoso.com or "
    "tony.smith@contoso.com."
)


@dataclass(frozen=True)
class Param:
    """One parameter: its name, how its value converts, and whether it is mandatory."""

    name: str
    # string | bool | smtp | strings | enum | enums | resultsize | multivalued | any
    kind: str = "string"
    required: bool = False
    choices: tuple[str, ...] = ()
    type_name: str = ""  # the .NET type PowerShell names when conversion fails


# PowerShell's common parameters (and the ShouldProcess ones), accepted by every cmdlet.
COMMON = (
    Param("Confirm", "bool"),
    Param("WhatIf", "bool"),
    Param("ErrorAction", "any"),
    Param("WarningAction", "any"),
    Param("Verbose", "bool"),
    Param("Debug", "bool"),
)


def bind(spec: tuple[Param, ...], raw: Any) -> dict[str, Any]:
    """Canonical parameter names to converted values, or the binding error."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise errors.CmdletError(
            400, errors.BINDING, "The Parameters of CmdletInput must be a JSON object."
        )
    by_name = {p.name.lower(): p for p in (*spec, *COMMON)}
    bound: dict[str, Any] = {}
    for key, value in raw.items():
        param = by_name.get(str(key).lower())
        if param is None:
            raise errors.unknown_parameter(str(key))
        bound[param.name] = CONVERTERS[param.kind](param, value)
    missing = [p.name for p in spec if p.required and bound.get(p.name) in (None, "", [])]
    if missing:
        raise errors.missing_parameters(missing)
    return bound


def _any(param: Param, value: Any) -> Any:
    return value


def _string(param: Param, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise errors.cannot_convert(
            param.name, value, param.type_name or "System.String", "Invalid value type."
        )
    return str(value).strip()


def _bool(param: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower().lstrip("$") in ("true", "false"):
        return value.strip().lower().lstrip("$") == "true"
    raise errors.cannot_convert(
        param.name,
        value,
        "System.Boolean",
        "Cannot convert value to type System.Boolean. Boolean parameters accept only "
        "Boolean values and numbers, such as $True, $False, 1 or 0.",
    )


def _smtp(param: Param, value: Any) -> str:
    text = _string(param, value)
    if not SMTP.match(text):
        raise errors.cannot_convert(param.name, text, SMTP_TYPE, BAD_SMTP.format(text))
    return text


def _strings(param: Param, value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [_string(param, v) for v in items if v is not None]


def _enum_one(param: Param, value: str) -> str:
    for choice in param.choices:
        if choice.lower() == value.strip().lower():
            return choice
    raise errors.cannot_convert(
        param.name,
        value,
        param.type_name,
        f"Unable to match the identifier name {value} to a valid enumerator name. Specify "
        f"one of the following enumerator names and try again: {', '.join(param.choices)}",
    )


def _enum(param: Param, value: Any) -> str:
    return _enum_one(param, _string(param, value))


def _enums(param: Param, value: Any) -> list[str]:
    out: list[str] = []
    for item in _strings(param, value):
        # A flags value may arrive as one comma-separated string, as PowerShell prints it.
        for part in item.split(","):
            if part.strip():
                choice = _enum_one(param, part)
                if choice not in out:
                    out.append(choice)
    if not out:
        raise errors.cannot_convert(
            param.name, value, param.type_name, "The argument is null or empty."
        )
    return out


def _resultsize(param: Param, value: Any) -> int | None:
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        return None
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if isinstance(value, bool) or size < 1:
        raise errors.cannot_convert(
            param.name,
            value,
            "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]",
            "The value must be a positive integer or Unlimited.",
        )
    return size


def _multivalued(param: Param, value: Any) -> dict[str, list[str]]:
    """A list replaces the values; @{Add=...; Remove=...} edits them, as in PowerShell."""
    if isinstance(value, dict):
        edits: dict[str, list[str]] = {"add": [], "remove": []}
        for key, items in value.items():
            op = str(key).lower()
            if op not in edits:
                raise errors.cannot_convert(
                    param.name,
                    value,
                    "Microsoft.Exchange.Data.MultiValuedProperty",
                    f"The key {key} isn't valid. Use Add or Remove.",
                )
            edits[op] = _strings(param, items)
        return edits
    return {"replace": _strings(param, value)}


CONVERTERS: dict[str, Callable[[Param, Any], Any]] = {
    "any": _any,
    "string": _string,
    "bool": _bool,
    "smtp": _smtp,
    "strings": _strings,
    "enum": _enum,
    "enums": _enums,
    "resultsize": _resultsize,
    "multivalued": _multivalued,
}
