"""A Markdown plan too long for a GitHub comment is shortened to --max-chars: whole lines
only, every <details> closed, the summary table kept, a last line saying so; a plan that
fits is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from hcinfra import cli
from hcinfra.sites.plan_diff import Change, PropertyChange, Retention, StackPlan
from hcinfra.sites.plan_render import COMMENT_LIMIT, SHORTENED, PlanTooLong, render
from hcinfra.sites.runner import StackRun, write_plan
from tests.conftest import REPO
from tests.sites.test_plan_render import plans as recorded_plans


def site_plan(n: int, members: int = 20) -> StackPlan:
    """A site's plan after a baseline change: a licence's disabled plans, a Teams setting, new
    members, a ward renamed (a team created, one archived)."""
    code = f"H{n:03d}"
    low = code.lower()
    changes = (
        Change(
            "create",
            "Team",
            f"{low}-team-ward-b",
            "pulumi-python:dynamic/hcinfra:Team",
            {"display_name": f"{code} Ward B", "template": "healthcareWard"},
            (
                PropertyChange("description", after=f"Ward B at Hospital {code}"),
                PropertyChange("display_name", after=f"{code} Ward B"),
                PropertyChange("owners", items=True, added=(f"manager{n}@northwindhealth.org",)),
                PropertyChange("template", after="healthcareWard"),
            ),
        ),
        Change(
            "update",
            "GroupLicenseAssignment",
            f"{low}-clinical-licences",
            "pulumi-python:dynamic/hcinfra:GroupLicenseAssignment",
            properties=(
                PropertyChange("skus[SPE_F1].disabled_plans", items=True, added=("SWAY",)),
            ),
        ),
        Change(
            "update",
            "SecurityGroup",
            f"{low}-clinical",
            "pulumi-python:dynamic/hcinfra:SecurityGroup",
            {"display_name": f"{code}-Clinical-Workers"},
            (
                PropertyChange(
                    "members",
                    items=True,
                    added=tuple(f"nurse{n}-{m}@northwindhealth.org" for m in range(members)),
                ),
            ),
        ),
        Change(
            "delete",
            "Team",
            f"{low}-team-ward-a",
            "pulumi-python:dynamic/hcinfra:Team",
            {"display_name": f"{code} Ward A"},
            retention=Retention(True, "archived, not deleted (allow_data_deletion is false)"),
        ),
    )
    return StackPlan(code, True, {"create": 1, "update": 2, "delete": 1, "same": 30}, changes)


def network_plan(sites: int, members: int = 20) -> list[StackPlan]:
    """The tenant's plan (one Teams setting) and `sites` sites' plans."""
    setting = Change(
        "update",
        "TeamsPolicy",
        "tenant-messaging",
        "pulumi-python:dynamic/hcinfra:TeamsPolicy",
        {"name": "Secure-Messaging"},
        (PropertyChange("settings.AllowPriorityMessages", before=True, after=False),),
    )
    tenant = StackPlan("tenant", True, {"update": 1, "same": 21}, (setting,))
    failed = StackPlan("H999", False, {}, (), "SecurityGroupError: no such user nurse999")
    return [tenant, *(site_plan(n, members) for n in range(1, sites + 1)), failed]


def table_of(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def assert_well_formed(short: str, full: str, limit: int) -> None:
    """Within the limit, the table whole, tags closed, whole lines, the last line says so."""
    assert len(short) <= limit
    assert short.endswith("\n") and short.splitlines()[-1].startswith(SHORTENED)
    assert table_of(short) == table_of(full)
    lines = short.splitlines()
    assert short.count("<details>") == short.count("</details>")
    depth = 0
    for n, line in enumerate(lines):
        depth += line.startswith("<details>") - (line == "</details>")
        assert depth in (0, 1), f"line {n}: nested or unopened <details>"
        if line.startswith("<details>"):
            assert lines[n + 1] == "", "GitHub renders Markdown in <details> after a blank line"
    assert depth == 0
    assert "```" not in short
    full_lines = set(full.splitlines())
    for line in lines:
        # Code spans stay whole: the synthetic values hold no backtick of their own.
        assert line.count("`") % 2 == 0, line
        assert line in full_lines or line.startswith(("- **", SHORTENED)), line


def test_a_plan_that_fits_is_unchanged():
    for plans in (recorded_plans(), network_plan(3)):
        full = render(plans, "markdown")
        assert render(plans, "markdown", COMMENT_LIMIT) == full
        assert render(plans, "markdown", len(full)) == full
        assert SHORTENED not in full


@pytest.mark.parametrize("sites", [50, 120, 200])
@pytest.mark.parametrize("limit", [COMMENT_LIMIT, 30_000])
def test_a_large_network_fits_the_limit(sites: int, limit: int):
    plans = network_plan(sites)
    full = render(plans, "markdown")
    assert len(full) > limit
    short = render(plans, "markdown", limit)
    assert_well_formed(short, full, limit)
    assert render(plans, "markdown", limit) == short  # deterministic
    assert "| H999 | **failed** |" in short


def test_properties_go_first_from_the_longest_sections_only():
    plans = network_plan(30)
    # One site with many more members: its section is the longest, and goes first.
    plans[7] = site_plan(7, members=400)
    full = render(plans, "markdown")
    short = render(plans, "markdown", len(full) - 100)
    assert_well_formed(short, full, len(full) - 100)
    assert "nurse7-0@northwindhealth.org" not in short
    assert (
        "- **update** SecurityGroup `h007-clinical` (display_name `H007-Clinical-Workers`): "
        "1 property"
    ) in short
    # Every other site keeps its properties.
    assert "  - `members` added: `nurse8-0@northwindhealth.org`" in short
    assert "(1 stack(s) list their changes without properties)" in short


def test_a_change_listed_alone_keeps_what_a_reviewer_must_see():
    plans = network_plan(150)
    full = render(plans, "markdown")
    short = render(plans, "markdown", COMMENT_LIMIT)
    assert_well_formed(short, full, COMMENT_LIMIT)
    line = next(ln for ln in short.splitlines() if "`h042-team-ward-a`" in ln)
    assert line == (
        "- **delete** Team `h042-team-ward-a` (display_name `H042 Ward A`): archived, not "
        "deleted (allow_data_deletion is false)"
    )
    assert "The plan failed: `SecurityGroupError: no such user nurse999`" in short


def test_then_the_longest_sections_go_whole_their_counts_kept_in_the_table():
    plans = network_plan(200)
    full = render(plans, "markdown")
    table = sum(len(line) + 1 for line in full.splitlines() if line.startswith(("|", "#")))

    short = render(plans, "markdown", table + 25_000)
    assert_well_formed(short, full, table + 25_000)
    last = short.splitlines()[-1]
    assert "stack(s) list their changes without properties" in last
    assert "have only their counts in the table: " in last
    # Sections as long go from the end of the plan: the tenant and the first sites stay.
    sections = [ln for ln in short.splitlines() if ln.startswith("<details>")]
    assert sections[0].startswith("<details><summary><b>tenant</b>")
    assert sections[1].startswith("<details><summary><b>H001</b>")
    assert "H200" in last.split("in the table: ", 1)[1] and "H001" not in last

    with pytest.raises(PlanTooLong, match=r"take [0-9]+ characters") as refused:
        render(plans, "markdown", table)
    least = int(str(refused.value).split(" take ")[1].split()[0])
    bare = render(plans, "markdown", least)
    assert_well_formed(bare, full, least)
    assert "<details>" not in bare and "202 have only their counts in the table" in bare
    with pytest.raises(PlanTooLong):
        render(plans, "markdown", least - 1)


def test_the_last_line_says_how_to_get_the_whole_plan():
    short = render(network_plan(200), "markdown", COMMENT_LIMIT)
    last = short.splitlines()[-1]
    assert "--max-chars 0 --out plan.md" in last and "--format json" in last
    assert "65,536 characters" in last


def test_other_formats_take_no_limit():
    with pytest.raises(ValueError, match="markdown"):
        render(network_plan(2), "json", 1000)


def test_write_plan_shortens_markdown_to_a_comment_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    sent = network_plan(200)
    runs = [
        StackRun(
            p.stack,
            result={
                "ok": p.ok,
                "changes": p.counts,
                "plan": [c.to_json() for c in p.changes],
                "error": p.error,
            },
        )
        for p in sent
    ]
    err = Console(stderr=True)
    md, whole, data = tmp_path / "plan.md", tmp_path / "whole.md", tmp_path / "plan.json"
    write_plan(runs, "markdown", str(md), err)
    said = capsys.readouterr().err
    assert "the Markdown plan was shortened to fit 65,536 characters" in said, said
    write_plan(runs, "markdown", str(whole), err, max_chars=0)
    assert "shortened" not in capsys.readouterr().err
    write_plan(runs, "json", str(data), err)
    short = md.read_text(encoding="utf-8")
    assert len(short) <= COMMENT_LIMIT and SHORTENED in short
    assert whole.read_text(encoding="utf-8") == render(sent, "markdown")
    assert len(json.loads(data.read_text(encoding="utf-8"))["stacks"]) == len(sent)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["preview", "--diff", "--max-chars", "100"], "--max-chars goes with preview --diff"),
        (["preview", "--diff", "--format", "json", "--max-chars", "0"], "--format markdown"),
        (["preview", "--max-chars", "1000"], "--max-chars goes with preview --diff"),
        (["up", "--max-chars", "1000"], "--max-chars goes with preview --diff"),
        (["list", "--max-chars", "1000"], "--max-chars goes with preview --diff"),
        (
            ["preview", "--diff", "--format", "markdown", "--max-chars", "-1"],
            "0 for no limit",
        ),
    ],
)
def test_max_chars_is_refused_off_markdown_plans(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
):
    code = cli.main(["sites", *args, "--network", str(REPO / "stacks" / "network.yaml")])
    assert code == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
