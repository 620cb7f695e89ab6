"""Typed policy settings: names, types, allowed values and defaults, and their validation.

Setting names are matched exactly (a misspelt or mis-cased name is refused), while
enumerated values are matched case-insensitively and stored in Microsoft's spelling:
the cmdlet reference documents values such as STRICT or ENABLEDOUTGOINGINCOMING in
upper case, so the service must fold case for them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from hcinfra.emulator.teamsadmin.errors import bad_request

Doc = dict[str, Any]


@dataclass(frozen=True)
class Setting:
    """One policy setting. kind: bool, str, int, enum or apps."""

    name: str
    kind: str
    default: Any = None
    values: tuple[str, ...] = ()  # enum values, in Microsoft's spelling
    minimum: int | None = None
    maximum: int | None = None
    also: tuple[int, ...] = ()  # int values allowed outside [minimum, maximum], e.g. -1
    ordered: bool = False  # apps: items carry Order (pinned lists) as well as Id
    nullable: bool = False

    def check(self, value: Any) -> Any:
        """The value as stored, or a 400 naming this setting."""
        if value is None:
            if self.nullable:
                return None
            raise bad_request(f"Setting '{self.name}' cannot be null.", self.name)
        checker = getattr(self, f"_check_{self.kind}")
        return checker(value)

    def _check_bool(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self._wrong_type(value, "a Boolean (true or false)")
        return value

    def _check_str(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong_type(value, "a string")
        if self.maximum is not None and len(value) > self.maximum:
            raise bad_request(
                f"Setting '{self.name}' is longer than {self.maximum} characters.", self.name
            )
        return value

    def _check_int(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong_type(value, "an integer")
        if value in self.also:
            return value
        low = self.minimum if self.minimum is not None else value
        high = self.maximum if self.maximum is not None else value
        if not low <= value <= high:
            extra = f" or {', '.join(map(str, self.also))}" if self.also else ""
            raise bad_request(
                f"Setting '{self.name}' must be between {self.minimum} and {self.maximum}"
                f"{extra}; got {value}.",
                self.name,
            )
        return value

    def _check_enum(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong_type(value, f"one of {', '.join(self.values)}")
        for allowed in self.values:
            if allowed.lower() == value.lower():
                return allowed
        raise bad_request(
            f"Value '{value}' is not valid for setting '{self.name}'. "
            f"Allowed values: {', '.join(self.values)}.",
            self.name,
        )

    def _check_apps(self, value: Any) -> list[Doc]:
        if not isinstance(value, list):
            raise self._wrong_type(value, "an array of app objects")
        keys = {"Id", "Order"} if self.ordered else {"Id"}
        out: list[Doc] = []
        for index, item in enumerate(value):
            where = f"{self.name}[{index}]"
            if not isinstance(item, dict):
                raise bad_request(f"'{where}' must be an object with {sorted(keys)}.", self.name)
            unknown = sorted(set(item) - keys)
            if unknown:
                raise bad_request(f"'{where}' has unknown property '{unknown[0]}'.", self.name)
            app_id = item.get("Id")
            if not isinstance(app_id, str) or not app_id.strip():
                raise bad_request(f"'{where}.Id' must be a non-empty string.", self.name)
            entry: Doc = {"Id": app_id}
            if self.ordered:
                # PowerShell lets admins omit Order; the list position is used then.
                order = item.get("Order", index + 1)
                if isinstance(order, bool) or not isinstance(order, int) or order < 1:
                    raise bad_request(f"'{where}.Order' must be an integer >= 1.", self.name)
                entry["Order"] = order
            out.append(entry)
        ids = [e["Id"].lower() for e in out]
        if len(set(ids)) != len(ids):
            raise bad_request(f"Setting '{self.name}' lists an app more than once.", self.name)
        if self.ordered:
            orders = [e["Order"] for e in out]
            if len(set(orders)) != len(orders):
                raise bad_request(f"Setting '{self.name}' repeats an Order value.", self.name)
            out.sort(key=lambda e: e["Order"])
        return out

    def _wrong_type(self, value: Any, expected: str) -> Exception:
        return bad_request(
            f"Setting '{self.name}' must be {expected}; got {type(value).__name__} {value!r}.",
            self.name,
        )


@dataclass(frozen=True)
class PolicyType:
    """A policy type such as TeamsMessagingPolicy and its settings, in output order."""

    name: str
    settings: tuple[Setting, ...]
    by_name: dict[str, Setting] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {s.name: s for s in self.settings})
        for s in self.settings:
            if s.kind == "enum" and s.default not in s.values:
                raise ValueError(f"{self.name}.{s.name}: default {s.default!r} not allowed")

    def defaults(self) -> Doc:
        """Every setting at its default."""
        return {s.name: copy.deepcopy(s.default) for s in self.settings}

    def validate(self, body: Doc) -> Doc:
        """The settings in `body`, checked and normalised; 400 on the first bad one."""
        out: Doc = {}
        for key, value in body.items():
            setting = self.by_name.get(key)
            if setting is None:
                raise bad_request(
                    f"'{key}' is not a setting of {self.name}.",
                    key,
                )
            out[key] = setting.check(value)
        return out

    def ordered(self, settings: Doc) -> Doc:
        """Settings in the type's declared order."""
        return {s.name: settings.get(s.name, s.default) for s in self.settings}


def boolean(name: str, default: bool) -> Setting:
    """A Boolean setting."""
    return Setting(name, "bool", default)


def enum(name: str, default: str, *values: str) -> Setting:
    """A setting taking one of a fixed set of strings."""
    return Setting(name, "enum", default, values=values)


def text(name: str, default: str | None = None, maximum: int | None = None) -> Setting:
    """A free-text setting (null allowed)."""
    return Setting(name, "str", default, maximum=maximum, nullable=True)


def integer(
    name: str, default: int, minimum: int, maximum: int, also: tuple[int, ...] = ()
) -> Setting:
    """An integer setting within a range."""
    return Setting(name, "int", default, minimum=minimum, maximum=maximum, also=also)


def apps(name: str, default: list[Doc], ordered: bool = False) -> Setting:
    """A list of Teams apps ({Id} or, for pinned lists, {Id, Order})."""
    return Setting(name, "apps", default, ordered=ordered)
