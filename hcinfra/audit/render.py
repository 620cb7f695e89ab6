"""Drift findings and control results as reports: terminal text, PR markdown, JSON, HTML."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from hcinfra.audit.model import CATEGORIES, ControlResult, Finding

FORMATS = ("text", "markdown", "json", "html")

_CELL_MAX = 120  # wider cells make GitHub tables scroll sideways
# Backslash-escaped in markdown cells so tenant-supplied names never turn into markup.
_MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|~&])")

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:80em;color:#1b1b1b}
h2{margin-top:1.6em;border-bottom:1px solid #ccc}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}code,.details{white-space:pre-wrap;word-break:break-word}
small,.generated{color:#666}
.tag{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-weight:bold}
.missing,.fail{background:#b71c1c}.changed{background:#e65100}.extra{background:#0d47a1}
.archived{background:#555}.shadow{background:#6a1b9a}.pass{background:#1b5e20}
.manual{background:#37474f}
.clean{color:#1b5e20;font-weight:bold}
@media print{.tag{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _check(fmt: str) -> None:
    """Reject an unknown format before any work is done."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")


def _site_order(sites: list[str], seen: Iterable[str]) -> list[str]:
    """The compared sites as given, then any other site a row names (e.g. "tenant")."""
    ordered = list(dict.fromkeys(sites))
    return ordered + sorted(set(seen) - set(ordered))


def _dumps(value: Any) -> str:
    """Compact, key-sorted JSON."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    """Sets sorted and tuples as lists, so the output never depends on hash order."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v) for v in value), key=_dumps)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _compact(value: Any) -> str:
    """A value as one string: strings bare, lists joined by ", ", dicts as compact JSON."""
    value = _jsonable(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(v if isinstance(v, str) else _dumps(v) for v in value) if value else "[]"
    if isinstance(value, dict | bool | int | float):
        return _dumps(value)
    return str(value)


def _plain(text: str) -> str:
    """One safe line: newlines and control characters (ANSI escapes too) shown escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _truncate(text: str) -> str:
    """At most _CELL_MAX characters."""
    return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"


def _md_text(text: str) -> str:
    """A markdown table cell showing the text literally; line breaks as <br>."""
    lines = _truncate(text).splitlines()
    return "<br>".join(_MD_SPECIAL.sub(r"\\\1", _plain(line)) for line in lines)


def _md_code(value: Any) -> str:
    """A markdown table cell showing the value as inline code."""
    text = _truncate(_plain(_compact(value)))
    if not text:
        return ""
    # A fence longer than any backtick run inside keeps the span closed.
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence, pad = "`" * (run + 1), " " if run else ""
    # GitHub splits table cells on "|" even inside code spans; "\|" is its escape there too.
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


class _Row(Protocol):
    """What Finding and ControlResult share."""

    @property
    def site(self) -> str: ...
    def as_dict(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=_Row)


def _by_site(items: list[T], sites: list[str], key: Callable[[T], Any]) -> dict[str, list[T]]:
    """Rows grouped per site in site order, each group sorted by key."""
    order = _site_order(sites, (i.site for i in items))
    rank = {s: n for n, s in enumerate(order)}
    # The full JSON form breaks ties between otherwise equal rows: input order never shows.
    ordered = sorted(items, key=lambda i: (rank[i.site], key(i), _dumps(_jsonable(i.as_dict()))))
    return {s: [i for i in ordered if i.site == s] for s in order}


def _json(doc: dict[str, Any], generated: str | None) -> str:
    """Stable JSON with a trailing newline; "generated" only when given."""
    if generated is not None:
        doc["generated"] = generated
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


Tables = dict[str, list[list[str]]]  # site -> rendered cells, one list per row
_HEADERS = {
    "drift": ["category", "kind", "object", "field", "declared", "actual"],
    "controls": ["result", "control", "criticality", "requirement", "actual", "details"],
}
_EMPTY = {"drift": "No drift.", "controls": "No controls evaluated."}


def _markdown(what: str, summary: str, generated: str | None, tables: Tables) -> str:
    """A GitHub pull-request comment: heading, summary, one table per site."""
    lines = [f"### hcinfra {what}", "", summary]
    if generated:
        lines += ["", f"_generated {_md_text(generated)}_"]
    header = _HEADERS[what]
    for site, rows in tables.items():
        lines += ["", f"#### {_md_text(site)}", ""]
        table = [header, ["---"] * len(header), *rows] if rows else []
        lines += [f"| {' | '.join(r)} |" for r in table] or [_EMPTY[what]]
    return "\n".join(lines) + "\n"


def _html(what: str, summary: str, generated: str | None, tables: Tables) -> str:
    """One self-contained page for auditors: inline CSS, no scripts, nothing fetched."""
    title = f"hcinfra {what}"
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style></head>\n<body>",
        f'<h1>{html.escape(title)}</h1>\n<p class="summary">{html.escape(summary)}</p>',
    ]
    if generated:
        parts.append(f'<p class="generated">Generated {html.escape(generated)}</p>')
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in _HEADERS[what])
    for site, rows in tables.items():
        parts.append(f"<h2>{html.escape(site)}</h2>")
        if not rows:
            parts.append(f'<p class="clean">{html.escape(_EMPTY[what])}</p>')
            continue
        parts.append(f"<table><thead><tr>{ths}</tr></thead><tbody>")
        parts += ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows]
        parts.append("</tbody></table>")
    return "\n".join([*parts, "</body>", "</html>"]) + "\n"


def _tag(css: str, label: str) -> str:
    """A colour-coded label."""
    return f'<span class="tag {html.escape(css)}">{html.escape(label)}</span>'


def _code(value: Any) -> str:
    """An HTML-escaped value, in full: auditors see what the tenant holds."""
    return f"<code>{html.escape(_compact(value))}</code>"


# --- drift ------------------------------------------------------------------------------


def _drift_summary(by_site: Mapping[str, list[Finding]]) -> str:
    """One line: how many findings, in how many sites, per category."""
    counts = Counter(f.category for items in by_site.values() for f in items)
    total = sum(counts.values())
    if not total:
        return f"no drift in {len(by_site)} site(s)"
    drifted = sum(1 for items in by_site.values() if items)
    per = ", ".join(f"{c} {counts[c]}" for c in CATEGORIES if counts[c])
    return f"drift: {total} finding(s) in {drifted} site(s) ({per})"


def _drift_text(by_site: Mapping[str, list[Finding]], summary: str, generated: str | None) -> str:
    """Terminal lines: one heading per site, one line per finding, then the summary."""
    lines = [f"generated {_plain(generated)}"] if generated else []
    for site, items in by_site.items():
        lines.append(f"{_plain(site)}: " + (f"{len(items)} finding(s)" if items else "no drift"))
        lines += [
            f"  {_plain(f.category):<8} {_plain(f.kind)} {_plain(f.name)}  {_plain(f.message)}"
            for f in items
        ]
    return "\n".join([*lines, summary]) + "\n"


def _drift_md_cells(f: Finding) -> list[str]:
    """One markdown table row."""
    texts = [_md_text(t) for t in (f.category, f.kind, f.name, f.field or "")]
    return [*texts, _md_code(f.declared), _md_code(f.actual)]


def _drift_html_cells(f: Finding) -> list[str]:
    """One HTML table row's cells; the object id helps auditors find the object."""
    object_id = f"<br><small>{html.escape(f.object_id)}</small>" if f.object_id else ""
    first = [_tag(f.category, f.category), html.escape(f.kind), html.escape(f.name) + object_id]
    return [*first, html.escape(f.field or ""), _code(f.declared), _code(f.actual)]


def render_drift(
    findings: list[Finding], fmt: str, *, sites: list[str], generated: str | None = None
) -> str:
    """Drift findings as a report in one of FORMATS, listing clean sites too."""
    _check(fmt)
    by_site = _by_site(
        findings, sites, lambda f: (f.kind, f.name, f.field or "", f.category, f.message)
    )
    summary = _drift_summary(by_site)
    if fmt == "text":
        return _drift_text(by_site, summary, generated)
    if fmt == "markdown":
        md = {s: [_drift_md_cells(f) for f in items] for s, items in by_site.items()}
        return _markdown("drift", summary, generated, md)
    if fmt == "html":
        page = {s: [_drift_html_cells(f) for f in items] for s, items in by_site.items()}
        return _html("drift", summary, generated, page)
    flat = [f for items in by_site.values() for f in items]
    counts = Counter(f.category for f in flat)
    summary_doc = {
        "findings": len(flat),
        "by_category": {c: counts[c] for c in CATEGORIES},
        "drifted_sites": [s for s, items in by_site.items() if items],
    }
    doc = {"schema": "hcinfra.drift/v1", "sites": list(by_site), "summary": summary_doc}
    return _json(doc | {"findings": [_jsonable(f.as_dict()) for f in flat]}, generated)


# --- controls ---------------------------------------------------------------------------


def _natural(control_id: str) -> tuple[str | int, ...]:
    """Sort key putting MS.AAD.2.1v1 before MS.AAD.10.1v1."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", control_id))


def _manual(r: ControlResult) -> bool:
    """A step done by hand: neither passed nor failed."""
    return r.criticality == "manual"


def _counts(results: Iterable[ControlResult]) -> tuple[int, int, int]:
    """Passed, failed, failed with criticality "shall"; manual steps are neither."""
    rs = [r for r in results if not _manual(r)]
    failed = [r for r in rs if not r.requirement_met]
    return len(rs) - len(failed), len(failed), sum(r.criticality == "shall" for r in failed)


def _verdict(r: ControlResult) -> str:
    return "MANUAL" if _manual(r) else "PASS" if r.requirement_met else "FAIL"


def _controls_summary(by_site: Mapping[str, list[ControlResult]]) -> str:
    """One line: passed and failed, how many failures are mandatory, and manual steps."""
    results = [r for items in by_site.values() for r in items]
    passed, failed, shall = _counts(results)
    manual = sum(map(_manual, results))
    if not passed + failed + manual:
        return f"no controls evaluated in {len(by_site)} site(s)"
    return (
        f"controls: {passed} passed, {failed} failed"
        + (f" ({shall} shall)" if failed else "")
        + (f", {manual} manual step(s)" if manual else "")
    )


def _controls_text(
    by_site: Mapping[str, list[ControlResult]], summary: str, generated: str | None
) -> str:
    """Terminal lines: PASS/FAIL per control, failure details indented beneath."""
    lines = [f"generated {_plain(generated)}"] if generated else []
    for site, items in by_site.items():
        passed, failed, _ = _counts(items)
        manual = sum(map(_manual, items))
        lines.append(
            f"{_plain(site)}: {passed} passed, {failed} failed"
            + (f", {manual} manual" if manual else "")
        )
        for r in items:
            ident = f"{_plain(r.criticality):<6}  {_plain(r.control_id)}"
            lines.append(f"  {_verdict(r)}  {ident}  {_plain(r.requirement)}")
            if not r.requirement_met:  # failures, and what a manual step asks
                lines += [f"        {_plain(d)}" for d in r.details.splitlines() if d.strip()]
    return "\n".join([*lines, summary]) + "\n"


def _controls_md_cells(r: ControlResult) -> list[str]:
    """One markdown table row."""
    texts = [_md_text(t) for t in (r.control_id, r.criticality, r.requirement)]
    return [
        "📝" if _manual(r) else "✅" if r.requirement_met else "❌",
        *texts,
        _md_code(r.actual_value),
        _md_text(r.details),
    ]


def _controls_html_cells(r: ControlResult) -> list[str]:
    """One HTML table row's cells."""
    verdict = _tag({"PASS": "pass", "FAIL": "fail", "MANUAL": "manual"}[_verdict(r)], _verdict(r))
    texts = [html.escape(t) for t in (r.control_id, r.criticality, r.requirement)]
    details = f'<div class="details">{html.escape(r.details)}</div>'
    return [verdict, *texts, _code(r.actual_value), details]


def render_controls(
    results: list[ControlResult], fmt: str, *, sites: list[str], generated: str | None = None
) -> str:
    """Control results as a report in one of FORMATS."""
    _check(fmt)
    by_site = _by_site(results, sites, lambda r: _natural(r.control_id))
    summary = _controls_summary(by_site)
    if fmt == "text":
        return _controls_text(by_site, summary, generated)
    if fmt == "markdown":
        md = {s: [_controls_md_cells(r) for r in items] for s, items in by_site.items()}
        return _markdown("controls", summary, generated, md)
    if fmt == "html":
        page = {s: [_controls_html_cells(r) for r in items] for s, items in by_site.items()}
        return _html("controls", summary, generated, page)
    flat = [r for items in by_site.values() for r in items]
    passed, failed, shall = _counts(flat)
    manual = sum(map(_manual, flat))
    summary_doc = {"passed": passed, "failed": failed, "failed_shall": shall, "manual": manual}
    doc = {"schema": "hcinfra.controls/v1", "sites": list(by_site), "summary": summary_doc}
    return _json(doc | {"results": [_jsonable(r.as_dict()) for r in flat]}, generated)
