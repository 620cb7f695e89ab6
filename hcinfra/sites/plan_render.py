"""Stack plans as reports: terminal text, a pull-request comment in Markdown, and JSON.

Output depends on the plans only: stacks in the order given (the tenant first, then the
network file's sites), changes sorted by op, kind and name, no timestamps. The JSON
document follows docs/plan.schema.json; `schema_version` changes when a field does. A
Markdown plan longer than GitHub takes in a comment can be shortened to fit (`markdown`).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from hcinfra.errors import HcinfraError
from hcinfra.sites.plan_diff import KNOWN_AFTER_APPLY, OPS, SECRET, Change, StackPlan

FORMATS = ("text", "markdown", "json")
SCHEMA_VERSION = 1
TITLE = "hcinfra sites preview --diff"
# Pulumi's own marks for each op.
_MARK = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "import": "="}
_SHOWN_OPS = ("create", "update", "replace", "delete")


def render(plans: Iterable[StackPlan], fmt: str, max_chars: int = 0) -> str:
    """The plans in `fmt` (text, markdown or json), ending with a newline; a Markdown plan
    shortened to `max_chars` characters (0: no limit)."""
    stacks = list(plans)
    if max_chars and fmt != "markdown":
        raise ValueError(f"max_chars goes with markdown, not {fmt}")
    if fmt == "json":
        return json.dumps(to_json(stacks), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(stacks, max_chars)
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


def _md_headline(change: Change) -> str:
    ident = ", ".join(f"{k} {code(v)}" for k, v in change.identity.items())
    return f"- **{change.op}** {change.kind} {code(change.name)}" + (f" ({ident})" if ident else "")


def _md_change(change: Change) -> list[str]:
    lines = [_md_headline(change)]
    if change.replace_keys:
        lines.append(f"  - replaced because of: {', '.join(code(k) for k in change.replace_keys)}")
    lines += _md_properties(change)
    if retention := _retention_text(change):
        lines.append(f"  - {html.escape(retention, quote=False)}")
    return lines


# GitHub refuses an issue or pull-request comment body longer than this (HTTP 422, "Body is
# too long (maximum is 65536 characters)"). Counted in code points, as len() does: 65,536 of
# them are at most 262,144 UTF-8 bytes, so a comment this long also fits a byte limit of 2^18.
COMMENT_LIMIT = 65_536
# How much of a stack's section a shortened Markdown plan keeps, most first: everything, its
# changes one line each, or no section (the summary table has its counts).
FULL, CHANGES, COUNTS = "full", "changes", "counts"


class PlanTooLong(HcinfraError):
    """Not even the summary table of a Markdown plan fits in --max-chars."""


def _md_table(plans: list[StackPlan]) -> list[str]:
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
    return lines


def _md_change_only(change: Change) -> str:
    """A change on one line: its headline, how many properties change, why it replaces, and
    what a delete keeps (the line a reviewer must not lose)."""
    notes = []
    if change.properties:
        notes.append(
            f"{len(change.properties)} propert{'y' if len(change.properties) == 1 else 'ies'}"
        )
    if change.replace_keys:
        notes.append(f"replaced because of {', '.join(code(k) for k in change.replace_keys)}")
    if change.retention is not None:
        what = "the old object: " if change.op == "replace" else ""
        notes.append(html.escape(what + change.retention.summary, quote=False))
    return _md_headline(change) + (f": {'; '.join(notes)}" if notes else "")


def _md_section(plan: StackPlan, level: str) -> str:
    """A stack's collapsible section at `level`, with the blank line before it."""
    if level == COUNTS:
        return ""
    stack = html.escape(plan.stack)
    summary = _changes_text(plan.counts) if plan.ok else "failed to plan"
    lines = ["", f"<details><summary><b>{stack}</b>: {summary}</summary>", ""]
    if not plan.ok:
        lines.append(f"The plan failed: {code(plan.error or 'unknown error')}")
    elif not plan.changes:
        lines.append("No changes.")
    for change in plan.changes:
        lines += _md_change(change) if level == FULL else [_md_change_only(change)]
    lines += ["", "</details>"]
    return "\n" + "\n".join(lines)


# Begins the last line of a shortened Markdown plan.
SHORTENED = "**This plan was shortened**"


def _md_footer(plans: list[StackPlan], levels: list[str], limit: int) -> str:
    """The line that ends a shortened plan: what was left out and where the whole plan is."""
    parts = []
    if brief := levels.count(CHANGES):
        parts.append(f"{brief} stack(s) list their changes without properties")
    gone = [html.escape(p.stack) for p, lvl in zip(plans, levels, strict=True) if lvl == COUNTS]
    if gone:
        parts.append(f"{len(gone)} have only their counts in the table: {', '.join(gone)}")
    return (
        f"\n\n{SHORTENED} to fit {limit:,} characters ({'; '.join(parts)}). "
        "For the whole plan, rerun with `--format markdown --max-chars 0 --out plan.md`, or "
        "read the `--format json` plan kept as the run's artifact."
    )


def markdown(plans: list[StackPlan], max_chars: int = 0) -> str:
    """The plans as a pull-request comment: a summary table, then one section per stack.

    With `max_chars` (0: no limit), a longer plan is shortened a section at a time, the
    longest first: its per-property lines go, then if need be the section, the table keeping
    its counts; a last line says what was left out. A plan that fits is unchanged.
    """
    head = "\n".join(_md_table(plans))
    full = [_md_section(plan, FULL) for plan in plans]
    whole = head + "".join(full) + "\n"
    if not max_chars or len(whole) <= max_chars:
        return whole
    return _shortened(plans, head, full, max_chars)


def _shortened(plans: list[StackPlan], head: str, full: list[str], limit: int) -> str:
    """The plan shortened to `limit` characters (see `markdown`). Deterministic: the longest
    sections go first and, of sections as long, the later stack's, so the plan still reads
    from its most detailed part (the tenant first)."""
    forms = {FULL: full}
    levels = [FULL] * len(plans)

    def size() -> int:
        body = sum(len(forms[level][n]) for n, level in enumerate(levels))
        return len(head) + body + len(_md_footer(plans, levels, limit)) + 1

    for smaller in (CHANGES, COUNTS):
        forms[smaller] = [_md_section(plan, smaller) for plan in plans]
        by_length = sorted(range(len(plans)), key=lambda n: (-len(forms[levels[n]][n]), -n))
        for n in by_length:
            if size() <= limit:
                break
            # A section with nothing to drop at this step (no properties) stays as it is.
            if smaller == COUNTS or len(forms[smaller][n]) < len(forms[levels[n]][n]):
                levels[n] = smaller
    if size() > limit:
        raise PlanTooLong(
            f"--max-chars {limit} is too small: the plan's summary table and the line saying "
            f"it was shortened take {size()} characters; give a larger limit, or 0 for none"
        )
    sections = "".join(forms[level][n] for n, level in enumerate(levels))
    return head + sections + _md_footer(plans, levels, limit) + "\n"
