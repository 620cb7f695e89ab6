"""What a preview plans, per property: the model behind `hcinfra sites preview --diff`.

The engine's `ResourcePreEvent`s carry each step's op, URN, type, old and new inputs and the
keys that force a replace. Dynamic providers return no detailed diff (`diffs` is empty), so
the changes are computed here from the old and new inputs: a list's items added and
removed, a scalar or a dict key from → to. The worker builds the plan of its stack and sends
it as JSON; the parent renders every stack's (hcinfra.sites.plan_render). Values are the
engine's: secrets come masked, values not known until apply come as the engine's unknown
sentinel and are shown as "(known after apply)". Only the standard library is imported: the
runner loads this module and stays small (tests/test_sites_lean.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# The engine's stand-in for a value not known until apply (plugin.UnknownStringValue).
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
KNOWN_AFTER_APPLY = "(known after apply)"
SECRET = "[secret]"
# A secret as the engine serializes it (its signature key and value), ciphertext masked.
_SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")

# Ops shown in detail, in the order plans list them; every op is counted.
OPS = ("create", "update", "replace", "delete", "import")
# Types that are engine plumbing or grouping, never tenant objects.
_PLUMBING = ("pulumi:pulumi:Stack", "pulumi:providers:")
_COMPONENTS = "hcinfra:index:"
# Inputs that say which object a change is about, shown beside its name.
IDENTITY = (
    "display_name",
    "name",
    "primary_smtp_address",
    "policy_type",
    "policy_name",
    "package",
    "template",
)
# List items matched by one of these keys, so a changed item diffs per field.
_ITEM_KEYS = ("sku", "name", "key", "policy_type", "id")
# What a kind with allow_data_deletion keeps when it is deleted without it.
_KEPT = {
    "Team": "archived, not deleted",
    "SharedMailbox": "mailbox kept in Exchange Online with sign-in blocked, no longer managed",
    "WardSchedule": "schedule and its shifts kept; its scheduling groups deactivated",
    "PatientList": "list and its items kept, no longer managed",
    "VirtualVisits": "calendar unpublished and kept, with its appointments",
}


@dataclass(frozen=True)
class PropertyChange:
    """One property's planned change.

    `items`: a list whose `added` and `removed` items are given (not the whole list);
    otherwise `before` → `after` (None when absent). `forces_replace`: the property is one
    of the keys the provider replaces the object for.
    """

    path: str
    items: bool = False
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()
    before: Any = None
    after: Any = None
    forces_replace: bool = False

    def to_json(self) -> dict[str, Any]:
        """The property change as plain JSON (docs/plan.schema.json, `property`)."""
        out: dict[str, Any] = {"path": self.path, "change": "items" if self.items else "value"}
        if self.items:
            out.update(added=list(self.added), removed=list(self.removed))
        else:
            out.update(before=self.before, after=self.after)
        out["forces_replace"] = self.forces_replace
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PropertyChange:
        """A property change read back from `to_json`."""
        items = data.get("change") == "items"
        return cls(
            path=str(data["path"]),
            items=items,
            added=tuple(data.get("added") or ()),
            removed=tuple(data.get("removed") or ()),
            before=data.get("before"),
            after=data.get("after"),
            forces_replace=bool(data.get("forces_replace")),
        )


@dataclass(frozen=True)
class Retention:
    """What a delete (or a replace's delete of the old object) keeps in the tenant.

    Read from the state: kinds with `allow_data_deletion` keep their data unless it is set.
    """

    kept: bool
    summary: str
    details: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The retention as plain JSON."""
        return {"kept": self.kept, "summary": self.summary, "details": list(self.details)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Retention:
        """A retention read back from `to_json`."""
        return cls(bool(data["kept"]), str(data["summary"]), tuple(data.get("details") or ()))


@dataclass(frozen=True)
class Change:
    """One planned create, update, replace or delete of a tenant object."""

    op: str
    kind: str
    name: str
    type: str
    identity: dict[str, Any] = field(default_factory=dict)
    properties: tuple[PropertyChange, ...] = ()
    replace_keys: tuple[str, ...] = ()
    retention: Retention | None = None

    def sort_key(self) -> tuple[int, str, str]:
        """Creates, updates, replaces, deletes; then by kind and name."""
        rank = OPS.index(self.op) if self.op in OPS else len(OPS)
        return (rank, self.kind, self.name)

    def to_json(self) -> dict[str, Any]:
        """The change as plain JSON (docs/plan.schema.json, `change`)."""
        return {
            "op": self.op,
            "kind": self.kind,
            "name": self.name,
            "type": self.type,
            "identity": dict(self.identity),
            "replace_keys": list(self.replace_keys),
            "properties": [p.to_json() for p in self.properties],
            "retention": self.retention.to_json() if self.retention else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        """A change read back from `to_json`."""
        retention = data.get("retention")
        return cls(
            op=str(data["op"]),
            kind=str(data["kind"]),
            name=str(data["name"]),
            type=str(data.get("type", "")),
            identity=dict(data.get("identity") or {}),
            properties=tuple(PropertyChange.from_json(p) for p in data.get("properties") or ()),
            replace_keys=tuple(data.get("replace_keys") or ()),
            retention=Retention.from_json(retention) if retention else None,
        )


@dataclass(frozen=True)
class StackPlan:
    """One stack's plan: the engine's counts per op (every step) and its changes in detail."""

    stack: str
    ok: bool
    counts: dict[str, int] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stack's plan as plain JSON (docs/plan.schema.json, `stack`)."""
        return {
            "stack": self.stack,
            "ok": self.ok,
            "error": self.error,
            "counts": dict(sorted(self.counts.items())),
            "changes": [c.to_json() for c in self.changes],
        }


def kind_of(type_token: str) -> str:
    """The kind a type token names: `pulumi-python:dynamic/hcinfra:Team` → `Team`.

    The older token of every dynamic resource, `pulumi-python:dynamic:Resource`, names no
    kind: it gives `Resource`. Other tokens give their last part.
    """
    return type_token.rsplit(":", 1)[-1] or type_token


def name_of(urn: str) -> str:
    """The logical name in a URN (`urn:pulumi:STACK::PROJECT::TYPE::NAME`)."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def is_detailed(type_token: str) -> bool:
    """Whether a step's type is a tenant object (not the stack, a provider or a component)."""
    return not type_token.startswith((*_PLUMBING, _COMPONENTS))


def clean(value: Any) -> Any:
    """An engine value for a plan: secrets as "[secret]", unknowns as "(known after apply)"."""
    if isinstance(value, Mapping):
        if value.get(_SECRET_SIG[0]) == _SECRET_SIG[1]:
            return SECRET
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if value == UNKNOWN_SENTINEL:
        return KNOWN_AFTER_APPLY
    return value


def inputs_of(state: Any) -> dict[str, Any]:
    """A step state's inputs without the engine's own (`__provider`, the pickled provider)."""
    raw = getattr(state, "inputs", None) if state is not None else None
    return {k: clean(v) for k, v in (raw or {}).items() if not str(k).startswith("__")}


def _unknown(value: Any) -> bool:
    if value == KNOWN_AFTER_APPLY:
        return True
    if isinstance(value, list):
        return any(_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_unknown(v) for v in value.values())
    return False


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _item_key(before: list[Any], after: list[Any]) -> str | None:
    """The key that identifies the items of two lists of dicts, unique on each side."""
    items = before + after
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _ITEM_KEYS:
        if all(_scalar(i.get(key)) and i.get(key) is not None for i in items) and all(
            len({json.dumps(i[key]) for i in side}) == len(side) for side in (before, after)
        ):
            return key
    return None


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def diff_values(path: str, before: Any, after: Any) -> list[PropertyChange]:
    """The changes from `before` to `after` under `path` (None: absent)."""
    if _dumps(before) == _dumps(after):
        return []
    both_dicts = isinstance(before, dict | None) and isinstance(after, dict | None)
    if both_dicts and not (before is None and after is None):
        old, new = before or {}, after or {}
        found: list[PropertyChange] = []
        for key in sorted(set(old) | set(new)):
            found += diff_values(f"{path}.{key}" if path else key, old.get(key), new.get(key))
        return found
    lists = isinstance(before, list | None) and isinstance(after, list | None)
    if lists and not _unknown(after) and not _unknown(before):
        old_items, new_items = list(before or []), list(after or [])
        key = _item_key(old_items, new_items)
        if key is not None:
            return _diff_keyed(path, key, old_items, new_items)
        old_set = {_dumps(v) for v in old_items}
        new_set = {_dumps(v) for v in new_items}
        added = tuple(v for v in new_items if _dumps(v) not in old_set)
        removed = tuple(v for v in old_items if _dumps(v) not in new_set)
        if not added and not removed:
            # Absent and empty are the same list; else only the order changed.
            same = not old_items or not new_items
            return [] if same else [PropertyChange(path, before=before, after=after)]
        return [PropertyChange(path, items=True, added=added, removed=removed)]
    return [PropertyChange(path, before=before, after=after)]


def _diff_keyed(path: str, key: str, before: list[Any], after: list[Any]) -> list[PropertyChange]:
    """Lists of dicts matched by `key`: whole items added or removed, matched ones per field."""
    old = {_dumps(i[key]): i for i in before}
    new = {_dumps(i[key]): i for i in after}
    added = tuple(i for k, i in new.items() if k not in old)
    removed = tuple(i for k, i in old.items() if k not in new)
    found = []
    if added or removed:
        found.append(PropertyChange(path, items=True, added=added, removed=removed))
    for k in (k for k in old if k in new):
        label = old[k][key]
        found += diff_values(f"{path}[{label}]", old[k], new[k])
    return found


def retention_of(kind: str, state: Any) -> Retention | None:
    """What deleting the object in `state` keeps, for kinds with `allow_data_deletion`."""
    inputs = inputs_of(state)
    if "allow_data_deletion" not in inputs:
        return None
    if inputs["allow_data_deletion"] is True:
        return Retention(False, "deleted with its data (allow_data_deletion is true)")
    outputs = getattr(state, "outputs", None) or {}
    listed = outputs.get("retained")
    details = tuple(str(d) for d in listed) if isinstance(listed, list) else ()
    summary = _KEPT.get(kind, "kept, not deleted")
    return Retention(True, f"{summary} (allow_data_deletion is false)", details)


def change_of(step: Any) -> Change | None:
    """The change a step's metadata (a StepEventMetadata) plans, or None when not shown."""
    op = str(getattr(step.op, "value", step.op))
    type_token = str(step.type or "")
    if op not in OPS or not is_detailed(type_token):
        return None
    kind = kind_of(type_token)
    old = inputs_of(step.old) if op != "create" else {}
    new = inputs_of(step.new) if op != "delete" else {}
    keys = tuple(sorted(str(k) for k in step.keys or ())) if op == "replace" else ()
    properties: list[PropertyChange] = []
    if op != "delete":
        top = set(keys)
        for p in diff_values("", old or None, new or None):
            head = p.path.split(".", 1)[0].split("[", 1)[0]
            properties.append(replace(p, forces_replace=head in top))
        # A secret shows masked on both sides: the engine's diff says whether it changed.
        shown = {p.path.split(".", 1)[0].split("[", 1)[0] for p in properties}
        for key in sorted(str(k) for k in step.diffs or ()):
            if key not in shown and new.get(key) == SECRET:
                properties.append(PropertyChange(key, before=SECRET, after=SECRET))
    source = new or old
    identity = {k: source[k] for k in IDENTITY if source.get(k) is not None}
    retention = retention_of(kind, step.old) if op in ("delete", "replace") else None
    return Change(
        op=op,
        kind=kind,
        name=name_of(str(step.urn or "")),
        type=type_token,
        identity=identity,
        properties=tuple(sorted(properties, key=lambda p: p.path)),
        replace_keys=keys,
        retention=retention,
    )


def plan_of(steps: Iterable[Any]) -> list[Change]:
    """The changes of a preview's steps (ResourcePreEvent metadata), sorted and unique."""
    found: dict[tuple[str, str], Change] = {}
    for step in steps:
        change = change_of(step)
        if change is not None:
            found[(str(step.urn), change.op)] = change
    return sorted(found.values(), key=Change.sort_key)


def stack_plan(stack: str, result: Mapping[str, Any]) -> StackPlan:
    """A stack's plan from its worker's result (its `plan`, `changes`, `ok` and `error`)."""
    counts = {str(k): int(v) for k, v in (result.get("changes") or {}).items()}
    changes = tuple(Change.from_json(c) for c in result.get("plan") or ())
    ok = bool(result.get("ok"))
    return StackPlan(stack, ok, counts, changes, None if ok else str(result.get("error", "")))
