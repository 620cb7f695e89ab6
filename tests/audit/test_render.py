"""The audit reports: every format deterministic, escaped, and honest about clean sites."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from typing import Any, TypeVar

import pytest

from hcinfra.audit.model import CATEGORIES, Category, ControlResult, Finding
from hcinfra.audit.render import FORMATS, render_controls, render_drift

T = TypeVar("T")
HSA = "Hôpital Sainte-Anne"
SITES = ["STM", HSA, "CHM"]  # CHM has no drift
MEMBERS = [f"user{n:02d}@hsa.example.org" for n in range(40)]


def _finding(
    site: str, kind: str, name: str, field: str | None, category: Category, **kw: Any
) -> Finding:
    defaults = {
        "object_id": None,
        "declared": None,
        "actual": None,
        "message": f"{category} {name}",
    }
    return Finding(site, kind, name, field=field, category=category, **(defaults | kw))


FINDINGS = [
    _finding(
        "STM",
        "SecurityGroup",
        "STM-Clinical-Workers",
        "description",
        "changed",
        object_id="0b5c-11",
        declared="Clinical | staff\nÉquipe soins",
        actual="<b>x</b>",
        message="description: declared 'Clinical | staff\\nÉquipe soins', actual '<b>x</b>'",
    ),
    _finding(
        "STM",
        "SharedMailbox",
        "STM-Pharmacie",
        None,
        "missing",
        declared={"displayName": "Pharmacie", "members": ["a", "b"]},
    ),
    _finding(
        HSA, "Team", "HSA-Urgences", "members", "extra", declared=MEMBERS, actual=[*MEMBERS, "x"]
    ),
    _finding(HSA, "Team", "HSA-Archive", "archived", "archived", declared=False, actual=True),
    _finding(HSA, "SecurityGroup", "HSA-Copy", None, "shadow", object_id="9f", actual={"id": "9f"}),
]

RESULTS = [
    ControlResult("MS.AAD.1.1v1", "STM", "shall", "Legacy auth SHALL be blocked.", True, "on", ""),
    ControlResult(
        "MS.AAD.3.1v1",
        "STM",
        "shall",
        "MFA SHALL be required.",
        False,
        2,
        "2 admins lack MFA\nsee list",
    ),
    ControlResult("MS.AAD.10.1v1", "STM", "should", "Sessions SHOULD expire.", True, "8h", ""),
    ControlResult(
        "MS.TEAMS.1.1v1", HSA, "should", "Guests SHOULD be limited.", False, True, "open"
    ),
    ControlResult("MS.EXO.2.2v1", HSA, "shall", "SPF SHALL be set.", True, ["v=spf1 -all"], ""),
]


def _shuffled(items: list[T], seed: int) -> list[T]:
    return random.Random(seed).sample(items, len(items))


def _data_rows(markdown: str) -> list[str]:
    """Table rows that are neither a header nor a separator."""
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [r for r in rows if not r.startswith(("| ---", "| category", "| result"))]


def _cells(row: str) -> list[str]:
    """A markdown row split on its unescaped pipes."""
    return re.split(r"(?<!\\)\|", row)[1:-1]


# --- drift ------------------------------------------------------------------------------


def test_text_lists_each_site_and_counts_categories() -> None:
    text = render_drift(FINDINGS, "text", sites=SITES)
    lines = text.splitlines()
    assert lines[0] == "STM: 2 finding(s)"
    assert (
        "  changed  SecurityGroup STM-Clinical-Workers  description: declared 'Clinical | staff"
        in text
    )
    assert "CHM: no drift" in lines
    assert lines[-1] == (
        "drift: 5 finding(s) in 2 site(s) (missing 1, changed 1, extra 1, archived 1, shadow 1)"
    )
    # 3 site headings + 5 findings + summary: no value spills onto a line of its own.
    assert len(lines) == 9
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")][:3] == SITES


def test_text_neutralises_terminal_escapes() -> None:
    evil = _finding("STM", "Team", "T\x1b[31m", None, "shadow", message="x\x1b[2Jy\nz")
    text = render_drift([evil], "text", sites=["STM"])
    assert "\x1b" not in text
    assert "x\\x1b[2Jy\\nz" in text


def test_markdown_has_a_table_row_per_finding_with_escaped_cells() -> None:
    md = render_drift(FINDINGS, "markdown", sites=SITES)
    assert md.startswith("### hcinfra drift\n")
    assert "#### STM" in md and f"#### {HSA}" in md
    rows = _data_rows(md)
    assert len(rows) == len(FINDINGS)
    assert all(len(_cells(r)) == 6 for r in rows)  # the pipe in a value did not add a column
    assert "\\|" in md
    changed = next(r for r in rows if "STM-Clinical-Workers" in r)
    assert "Clinical \\| staff\\nÉquipe soins" in changed  # newline shown, not taken
    long_list = next(r for r in rows if "HSA-Urgences" in r)
    assert all(len(c.strip()) <= 125 for c in _cells(long_list))
    assert "…" in long_list and "user00@hsa.example.org, user01@" in long_list
    assert '`{"displayName":"Pharmacie","members":["a","b"]}`' in md
    assert md.split("#### CHM", 1)[1].strip() == "No drift."


def test_json_is_stable_and_counts_match_the_input() -> None:
    out = render_drift(FINDINGS, "json", sites=SITES)
    assert out.endswith("}\n") and HSA in out  # not \u-escaped
    doc = json.loads(out)
    assert doc["schema"] == "hcinfra.drift/v1"
    assert doc["sites"] == SITES
    assert doc["summary"]["findings"] == len(FINDINGS)
    assert doc["summary"]["by_category"] == {c: 0 for c in CATEGORIES} | Counter(
        f.category for f in FINDINGS
    )
    assert doc["summary"]["drifted_sites"] == ["STM", HSA]
    assert [f["name"] for f in doc["findings"]] == [
        "STM-Clinical-Workers",
        "STM-Pharmacie",
        "HSA-Copy",  # by kind first: SecurityGroup before Team
        "HSA-Archive",
        "HSA-Urgences",
    ]
    assert doc["findings"][0] == FINDINGS[0].as_dict()
    assert "generated" not in doc


def test_html_is_self_contained_and_escaped() -> None:
    page = render_drift(FINDINGS, "html", sites=SITES)
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    for banned in ("<script", "http://", "https://", "<link", "<img", "@import", "url("):
        assert banned not in page.lower()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert f"<h2>{HSA}</h2>" in page
    assert 'class="tag changed"' in page and 'class="tag shadow"' in page
    assert "No drift." in page.split("<h2>CHM</h2>", 1)[1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_drift_output_ignores_input_order(fmt: str) -> None:
    expected = render_drift(FINDINGS, fmt, sites=SITES)
    assert render_drift(FINDINGS, fmt, sites=SITES) == expected
    for seed in range(5):
        assert render_drift(_shuffled(FINDINGS, seed), fmt, sites=SITES) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_findings_reads_as_no_drift(fmt: str) -> None:
    out = render_drift([], fmt, sites=SITES)
    if fmt == "json":
        summary = json.loads(out)["summary"]
        assert summary == {
            "findings": 0,
            "by_category": {c: 0 for c in CATEGORIES},
            "drifted_sites": [],
        }
    else:
        assert "no drift in 3 site(s)" in out.lower()


@pytest.mark.parametrize("fmt", FORMATS)
def test_generated_is_shown_only_when_given(fmt: str) -> None:
    assert "2031" not in render_drift(FINDINGS, fmt, sites=SITES)
    assert "2031-05-04T10:00Z" in render_drift(
        FINDINGS, fmt, sites=SITES, generated="2031-05-04T10:00Z"
    )


def test_sites_not_compared_are_listed_after_the_given_ones() -> None:
    tenant = _finding("tenant", "TeamsPolicy", "Global", "allowGuests", "changed")
    doc = json.loads(render_drift([tenant, *FINDINGS], "json", sites=SITES))
    assert doc["sites"] == [*SITES, "tenant"]
    assert doc["findings"][-1]["site"] == "tenant"


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="text, markdown, json, html"):
        render_drift(FINDINGS, "csv", sites=SITES)
    with pytest.raises(ValueError, match="known formats"):
        render_controls([], "yaml", sites=SITES)


# --- controls ---------------------------------------------------------------------------


def test_controls_text_counts_failed_shall_and_shows_details() -> None:
    text = render_controls(RESULTS, "text", sites=SITES)
    lines = text.splitlines()
    assert lines[-1] == "controls: 3 passed, 2 failed (1 shall)"
    assert "STM: 2 passed, 1 failed" in lines
    fail = lines.index("  FAIL  shall   MS.AAD.3.1v1  MFA SHALL be required.")
    assert lines[fail + 1 : fail + 3] == ["        2 admins lack MFA", "        see list"]
    assert "  PASS  shall   MS.AAD.1.1v1  Legacy auth SHALL be blocked." in lines
    # Natural order: 3.1 before 10.1.
    assert text.index("MS.AAD.3.1v1") < text.index("MS.AAD.10.1v1")


def test_controls_markdown_marks_results() -> None:
    md = render_controls(RESULTS, "markdown", sites=SITES)
    assert md.startswith("### hcinfra controls\n")
    assert md.count("✅") == 3 and md.count("❌") == 2
    assert "| result | control | criticality | requirement | actual | details |" in md
    assert len(_data_rows(md)) == len(RESULTS)
    assert "| 2 admins lack MFA<br>see list |" in md
    assert md.split("#### CHM", 1)[1].strip() == "No controls evaluated."


def test_controls_json_summary() -> None:
    doc = json.loads(render_controls(RESULTS, "json", sites=SITES, generated="today"))
    assert doc["schema"] == "hcinfra.controls/v1"
    assert doc["summary"] == {"passed": 3, "failed": 2, "failed_shall": 1, "manual": 0}
    assert doc["generated"] == "today"
    assert [(r["site"], r["control_id"]) for r in doc["results"]] == [
        ("STM", "MS.AAD.1.1v1"),
        ("STM", "MS.AAD.3.1v1"),
        ("STM", "MS.AAD.10.1v1"),
        (HSA, "MS.EXO.2.2v1"),
        (HSA, "MS.TEAMS.1.1v1"),
    ]


def test_controls_html_is_self_contained() -> None:
    page = render_controls(RESULTS, "html", sites=SITES)
    assert "<script" not in page and "http" not in page
    assert page.count('class="tag pass"') == 3 and page.count('class="tag fail"') == 2
    assert HSA in page


@pytest.mark.parametrize("fmt", FORMATS)
def test_controls_output_ignores_input_order(fmt: str) -> None:
    expected = render_controls(RESULTS, fmt, sites=SITES)
    for seed in range(5):
        assert render_controls(_shuffled(RESULTS, seed), fmt, sites=SITES) == expected


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_no_results_reads_as_none_evaluated(fmt: str) -> None:
    assert "no controls evaluated in 3 site(s)" in render_controls([], fmt, sites=SITES).lower()
