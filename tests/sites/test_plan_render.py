"""`hcinfra sites preview --diff`'s reports: text, Markdown for a pull request, and JSON that
validates against docs/plan.schema.json; and the flags the command refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hcinfra import cli
from hcinfra.sites.plan_diff import Change, PropertyChange, StackPlan, plan_of
from hcinfra.sites.plan_render import render, to_json
from tests.conftest import REPO
from tests.sites.test_plan_diff import MASKED, recorded, step

SCHEMA = REPO / "docs" / "plan.schema.json"


def plans() -> list[StackPlan]:
    """The recorded preview's plans, and a stack whose plan failed."""
    return [
        StackPlan("tenant", True, {"same": 21, "update": 1}, tuple(plan_of(recorded("tenant")))),
        StackPlan(
            "STM",
            True,
            {"create": 1, "delete": 1, "replace": 1, "same": 18, "update": 2},
            tuple(plan_of(recorded("STM"))),
        ),
        StackPlan("HSA", False, {}, (), "SecurityGroupError: no such user nurse999"),
    ]


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "$") -> None:
    """Check `value` against the JSON Schema keywords docs/plan.schema.json uses."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        validate(value, root["$defs"][name], root, where)
        return
    if "oneOf" in schema:
        passed = 0
        for option in schema["oneOf"]:
            try:
                validate(value, option, root, where)
                passed += 1
            except AssertionError:
                pass
        assert passed == 1, f"{where}: matches {passed} of oneOf"
        return
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    if "type" in schema:
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, int) and not isinstance(value, bool)
            if t == "integer"
            else isinstance(value, types[t])
            for t in wanted
        )
        assert ok, f"{where}: {value!r} is not {wanted}"
    if "const" in schema:
        assert value == schema["const"], f"{where}: {value!r} != {schema['const']!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if "minimum" in schema:
        assert value >= schema["minimum"], where
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: {key} missing"
        known = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in known:
                validate(item, known[key], root, f"{where}.{key}")
            else:
                assert extra is not False, f"{where}: unexpected {key}"
                if isinstance(extra, dict):
                    validate(item, extra, root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            validate(item, schema["items"], root, f"{where}[{n}]")


def test_json_follows_the_documented_schema():
    schema = json.loads(SCHEMA.read_text())
    document = json.loads(render(plans(), "json"))
    validate(document, schema, schema)
    assert document["schema_version"] == 1
    assert document["failed"] == ["HSA"]
    assert document["totals"] == {"create": 1, "delete": 1, "replace": 1, "same": 39, "update": 3}
    assert [s["stack"] for s in document["stacks"]] == ["tenant", "STM", "HSA"]
    # A document the schema must refuse: the validator does check.
    document["stacks"][1]["changes"][0]["op"] = "rename"
    with pytest.raises(AssertionError):
        validate(document, schema, schema)


def test_json_also_passes_a_full_json_schema_validator_when_installed():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(render(plans(), "json")), schema)


def test_text_shows_one_line_per_change_and_per_property():
    out = render(plans(), "text")
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == (
        "hcinfra sites preview --diff: 3 stack(s), create 1, update 3, replace 1, delete 1 "
        "(same 39)"
    )
    for expected in (
        "tenant: update 1 (same 21)",
        "~ update TeamsPolicy tenant-messaging (name: Secure-Messaging, policy_type: "
        "TeamsMessagingPolicy)",
        "settings.AllowPriorityMessages: true → false",
        "+ create Team stm-team-ward-5-est (display_name: STM 5 Est, template: healthcareWard)",
        "template: healthcareWard",
        "members: + nurse003@northwindhealth.org",
        "members: - physician001@northwindhealth.org",
        "skus[SPE_F1].disabled_plans: + SWAY",
        "replaced because of: alias, name, primary_smtp_address",
        "primary_smtp_address: scheduling@stm.northwindhealth.org → "
        "planning@stm.northwindhealth.org  (forces replace)",
        "HSA: FAILED to plan: SecurityGroupError: no such user nurse999",
    ):
        assert expected in lines, expected
    deleted = next(line for line in lines if line.startswith("- delete Team stm-team-ward-4-sud"))
    after = lines[lines.index(deleted) + 1]
    assert after.startswith("archived, not deleted (allow_data_deletion is false): the team")
    assert "ciphertext" not in out and "__provider" not in out


def test_markdown_is_a_summary_table_then_a_collapsible_section_per_stack():
    out = render(plans(), "markdown")
    lines = out.splitlines()
    assert lines[0] == "### Plan: `hcinfra sites preview --diff`"
    assert "| stack | result | create | update | replace | delete | same |" in lines
    assert "| STM | ok | 1 | 2 | 1 | 1 | 18 |" in lines
    assert "| HSA | **failed** | 0 | 0 | 0 | 0 | 0 |" in lines
    sections = [line for line in lines if line.startswith("<details>")]
    assert sections == [
        "<details><summary><b>tenant</b>: update 1 (same 21)</summary>",
        "<details><summary><b>STM</b>: create 1, update 2, replace 1, delete 1 (same 18)</summary>",
        "<details><summary><b>HSA</b>: failed to plan</summary>",
    ]
    assert out.count("</details>") == 3
    # GitHub renders Markdown inside <details> only after a blank line.
    for n, line in enumerate(lines):
        if line.startswith("<details>"):
            assert lines[n + 1] == ""
    assert "  - `members` added: `nurse003@northwindhealth.org`" in lines
    assert "  - `members` removed: `physician001@northwindhealth.org`" in lines
    assert "  - `settings.AllowPriorityMessages`: `true` → `false`" in lines
    assert (
        "- **create** Team `stm-team-ward-5-est` (display_name `STM 5 Est`, "
        "template `healthcareWard`)"
    ) in lines


def test_markdown_keeps_values_inert():
    change = Change(
        "update",
        "Team",
        "stm-x",
        "t",
        {"display_name": "a `b` <script>"},
        (PropertyChange("description", before="x|y", after="(known after apply)"),),
    )
    out = render([StackPlan("S<1>", True, {"update": 1}, (change,))], "markdown")
    assert "``` " not in out and "`` a `b` <script> ``" in out
    assert "_(known after apply)_" in out
    assert "<b>S&lt;1&gt;</b>" in out


def test_secrets_are_never_printed_in_any_format():
    change = plan_of(
        [step("update", "stm-app", old={"key": MASKED}, new={"key": MASKED}, diffs=["key"])]
    )
    plan = [StackPlan("STM", True, {"update": 1}, tuple(change))]
    for fmt in ("text", "markdown", "json"):
        out = render(plan, fmt)
        assert "[secret]" in out and "ciphertext" not in out, fmt


def test_an_empty_plan_says_so():
    out = render([StackPlan("STM", True, {"same": 12})], "markdown")
    assert "<details><summary><b>STM</b>: no changes (same 12)</summary>" in out
    assert "No changes." in out
    assert to_json([])["totals"] == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["up", "--diff"], "--diff goes with preview only"),
        (["preview", "--out", "plan.md"], "--out goes with preview --diff"),
        (["preview", "--format", "markdown"], "--format markdown goes with preview --diff"),
        (["list", "--format", "markdown"], "list takes text or json"),
        (["list", "--out", "x"], "--out goes with preview --diff"),
    ],
)
def test_misplaced_flags_are_refused_before_anything_runs(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    code = cli.main(["sites", *args, "--network", str(REPO / "stacks" / "network.yaml")])
    assert code == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "plan.md").exists()


def test_the_plan_goes_to_the_file_or_else_alone_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from rich.console import Console

    from hcinfra.sites.runner import StackRun, write_plan

    sent = [c.to_json() for c in plan_of(recorded("tenant"))]
    runs = [
        StackRun("tenant", result={"ok": True, "changes": {"update": 1}, "plan": sent}),
        StackRun("STM", result={"ok": False, "error": "boom"}),
    ]
    err = Console(stderr=True)
    out = tmp_path / "plan.json"
    write_plan(runs, "json", str(out), err)
    captured = capsys.readouterr()
    assert captured.out == "" and f"plan written to {out}" in " ".join(captured.err.split())
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["failed"] == ["STM"]
    assert document["stacks"][0]["changes"][0]["name"] == "tenant-messaging"

    write_plan(runs, "text", None, err)
    printed = capsys.readouterr().out
    assert printed.startswith("hcinfra sites preview --diff: 2 stack(s)")
    assert "STM: FAILED to plan: boom" in printed


def test_an_update_says_when_a_value_is_new_or_gone():
    change = Change(
        "update",
        "TeamsPolicy",
        "tenant-messaging",
        "t",
        properties=(
            PropertyChange("settings.A", before=None, after=3),
            PropertyChange("settings.B", before="x", after=None),
        ),
    )
    out = render([StackPlan("tenant", True, {"update": 1}, (change,))], "text")
    assert "settings.A: (none) → 3" in out and "settings.B: x → (none)" in out
