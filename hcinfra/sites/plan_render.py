"""Stack plans as reports: terminal text, a pull-request comment in Markdown, and JSON.

Output depends on the plans only: stacks in the order given (the tenant first, then the
network file's sites), changes sorted by op, kind and name, no timestamps. The JSON
document follows docs/plan.schema.json; `schema_version` changes when a field does.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from hcinfra.sites.plan_diff import KNOWN_AFTER_APPLY, OPS, SECRET, Change, StackPlan

FORMATS = ("text", "markdown", "json")
SCHEMA_VERSION = 1
TITLE = "hcinfra sites preview --diff"
# Pulumi's own marks for each op.
_MARK = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "import": "="}
_SHOWN_OPS = ("create", "update", "replace", "delete")


def render(plans: Iterable[StackPlan], fmt: str) -> str:
    """The plans in `fmt` (text, markdown or json), ending with a newline."""
    stacks = list(plans)
    if fmt == "json":
        return json.dumps(to_json(stacks), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(stacks)
    if fmt == "text":
        return text(stacks)
    raise ValueError(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")


def totals(plans: Iterable[StackPlan]) -> dict[str, int]:
    """The engine's counts per op, summed over stacks."""
    total: Counter[str] = Counter()
    for plan in plans:
        total.update(plan.counts)
    return dict(sorted(total.items()))


def to_json(plans: list[StackPlan]) -> dict[str, Any]:
    """The plans as one JSON document (docs/plan.schema.json)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": TITLE,
        "totals": totals(plans),
        "failed": [p.stack for p in plans if not p.ok],
        "stacks": [p.to_json() for p in plans],
    }


def counts_text(counts: dict[str, int]) -> str:
    """`create 1, update 2`: the ops in the order of OPS, then the others by name."""
    order = [*OPS, *sorted(k for k in counts if k not in OPS)]
    shown = [f"{op} {counts[op]}" for op in order if counts.get(op)]
    return ", ".join(shown) or "no changes"


def _changes_text(counts: dict[str, int]) -> str:
    changed = {k: v for k, v in counts.items() if k != "same"}
    head = counts_text(changed) if changed else "no changes"
    return f"{head} (same {counts['same']})" if counts.get("same") else head


def show(value: Any) -> str:
    """A value for people: strings as they are, anything else as compact JSON."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _identity(change: Change) -> str:
    return ", ".join(f"{k}: {show(v)}" for k, v in change.identity.items())


def _headline(change: Change) -> str:
    ident = _identity(change)
    return f"{change.op} {change.kind} {change.name}" + (f" ({ident})" if ident else "")


def _property_lines(change: Change) -> list[str]:
    """One line a property (a list's items one line each): `members: + a`, `x: 1 → 2`."""
    lines = []
    for prop in change.properties:
        forced = "  (forces replace)" if prop.forces_replace else ""
        if prop.items:
            lines += [f"{prop.path}: + {show(v)}{forced}" for v in prop.added]
            lines += [f"{prop.path}: - {show(v)}{forced}" for v in prop.removed]
        elif change.op == "create":
            lines.append(f"{prop.path}: {show(prop.after)}{forced}")
        else:
            lines.append(f"{prop.path}: {show(prop.before)} → {show(prop.after)}{forced}")
    return lines


def _retention_text(change: Change) -> str:
    if change.retention is None:
        return ""
    what = "the old object: " if change.op == "replace" else ""
    kept = "; ".join(change.retention.details)
    return f"{what}{change.retention.summary}" + (f": {kept}" if kept else "")


def text(plans: list[StackPlan]) -> str:
    """The plans for a terminal or a CI log: one line a change and one a property."""
    lines = [f"{TITLE}: {len(plans)} stack(s), {_changes_text(totals(plans))}"]
    for plan in plans:
        lines.append("")
        if not plan.ok:
            lines.append(f"{plan.stack}: FAILED to plan: {plan.error}")
            continue
        lines.append(f"{plan.stack}: {_changes_text(plan.counts)}")
        for change in plan.changes:
            lines.append(f"  {_MARK.get(change.op, '?')} {_headline(change)}")
            if change.replace_keys:
                lines.append(f"      replaced because of: {', '.join(change.replace_keys)}")
            lines += [f"      {line}" for line in _property_lines(change)]
            if retention := _retention_text(change):
                lines.append(f"      {retention}")
    return "\n".join(lines) + "\n"


def code(value: Any) -> str:
    """A value as a Markdown code span, whatever backticks it holds."""
    raw = " ".join(show(value).split())
    if raw in (KNOWN_AFTER_APPLY, SECRET):
        return f"_{raw}_"
    fence = "``" if "`" in raw else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{raw}{pad}{fence}"


def _md_properties(change: Change) -> list[str]:
    lines = []
    for prop in change.properties:
        path = code(prop.path)
        forced = " (forces replace)" if prop.forces_replace else ""
        if prop.items:
            if prop.added:
                lines.append(f"  - {path} added: {', '.join(code(v) for v in prop.added)}{forced}")
            if prop.removed:
                removed = ", ".join(code(v) for v in prop.removed)
                lines.append(f"  - {path} removed: {removed}{forced}")
        elif change.op == "create":
            lines.append(f"  - {path}: {code(prop.after)}{forced}")
        else:
            lines.append(f"  - {path}: {code(prop.before)} → {code(prop.after)}{forced}")
    return lines


def _md_change(change: Change) -> list[str]:
    ident = ", ".join(f"{k} {code(v)}" for k, v in change.identity.items())
    head = f"- **{change.op}** {change.kind} {code(change.name)}" + (f" ({ident})" if ident else "")
    lines = [head]
    if change.replace_keys:
        lines.append(f"  - replaced because of: {', '.join(code(k) for k in change.replace_keys)}")
    lines += _md_properties(change)
    if retention := _retention_text(change):
        lines.append(f"  - {html.escape(retention, quote=False)}")
    return lines


def markdown(plans: list[StackPlan]) -> str:
    """The plans as a pull-request comment: a summary table, then one section per stack."""
    total = totals(plans)
    extra = sorted(k for k in total if k not in (*_SHOWN_OPS, "same"))
    ops = [*_SHOWN_OPS, *extra, "same"]
    lines = [
        f"### Plan: `{TITLE}`",
        "",
        "| stack | result | " + " | ".join(ops) + " |",
        "|---|---|" + "---:|" * len(ops),
    ]
    for plan in plans:
        cells = [str(plan.counts.get(op, 0)) for op in ops]
        result = "ok" if plan.ok else "**failed**"
        lines.append(f"| {html.escape(plan.stack)} | {result} | " + " | ".join(cells) + " |")
    for plan in plans:
        stack = html.escape(plan.stack)
        summary = _changes_text(plan.counts) if plan.ok else "failed to plan"
        lines += ["", f"<details><summary><b>{stack}</b>: {summary}</summary>", ""]
        if not plan.ok:
            lines.append(f"The plan failed: {code(plan.error or 'unknown error')}")
        elif not plan.changes:
            lines.append("No changes.")
        for change in plan.changes:
            lines += _md_change(change)
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
