"""`hcinfra sites preview --diff` end to end: the tenant and STM deployed to the emulator,
the network changed, then the plan in JSON, Markdown and text from the real engine.

The Markdown plan is also docs/auditors.md's example: the test compares the two, and
HCINFRA_UPDATE_DOCS=1 rewrites the example instead, so it cannot go stale.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

from tests.conftest import REPO
from tests.e2e.sites_harness import Sites, summary
from tests.emulator.harness import Emulator
from tests.sites.test_plan_render import SCHEMA, validate

pytestmark = pytest.mark.e2e

DOC = REPO / "docs" / "auditors.md"
# The example sits between these lines, in a ```markdown fence.
START = "<!-- plan-example: made by tests/e2e/test_sites_diff.py (HCINFRA_UPDATE_DOCS=1) -->"
END = "<!-- /plan-example -->"
STACKS = ("--site", "tenant", "--site", "STM")


def change_network(data: dict[str, Any]) -> None:
    """The reviewed change: a member in and one out, a setting, a licence's plans, a ward
    renamed (a team made from its template, one removed), a mailbox readdressed."""
    stm = next(s for s in data["sites"] if s["code"] == "STM")
    stm["members"]["clinical"].append("nurse003@northwindhealth.org")
    stm["members"]["clinical"].remove("physician001@northwindhealth.org")
    stm["wards"] = ["3 Nord", "5 Est"]
    baseline = data["baseline"]
    baseline["policies"]["messaging"]["settings"]["AllowPriorityMessages"] = False
    clinical = next(r for r in baseline["roles"] if r["key"] == "clinical")
    clinical["licences"][0]["disabled_plans"] = ["YAMMER_ENTERPRISE", "SWAY"]
    scheduling = next(m for m in baseline["mailboxes"] if m["key"] == "scheduling")
    scheduling["local_part"] = "planning"


def changes_of(document: dict[str, Any], stack: str) -> dict[str, dict[str, Any]]:
    found = next(s for s in document["stacks"] if s["stack"] == stack)
    return {c["name"]: c for c in found["changes"]}


def properties(change: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["path"]: p for p in change["properties"]}


def doc_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n```markdown\n(.*?)```\n" + re.escape(END), text, re.S)
    assert found, f"docs/auditors.md has no plan example between {START} and {END}"
    return found.group(1)


def write_doc_example(plan: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n```markdown\n{plan}```\n{END}{tail}", encoding="utf-8")


def test_preview_diff_shows_each_change_by_property(sites: Sites, emu: Emulator):
    up = sites.run("up", *STACKS)
    assert up.returncode == 0, up.stdout + up.stderr
    sites.edit(change_network)

    # JSON to a file: the summary table stays on stdout; not one write reaches the tenant.
    mark = emu.requests()["last"]
    plan_json = sites.folder / "plan.json"
    run = sites.run("preview", *STACKS, "--diff", "--format", "json", "--out", str(plan_json))
    assert run.returncode == 0, run.stdout + run.stderr
    assert emu.requests(since=mark)["writes"] == 0
    rows = summary(run.stdout)
    assert list(rows) == ["tenant", "STM"], run.stdout
    assert "plan written to" in run.stderr
    document = json.loads(plan_json.read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text())
    validate(document, schema, schema)
    assert document["failed"] == []
    assert [s["stack"] for s in document["stacks"]] == ["tenant", "STM"]

    tenant = changes_of(document, "tenant")
    assert list(tenant) == ["tenant-messaging"]
    setting = properties(tenant["tenant-messaging"])["settings.AllowPriorityMessages"]
    assert (setting["before"], setting["after"]) == (True, False)

    stm = changes_of(document, "STM")
    assert {name: c["op"] for name, c in stm.items()} == {
        "stm-team-ward-5-est": "create",
        "stm-schedule-ward-5-est": "create",
        "stm-patients-ward-5-est": "create",
        "stm-clinical": "update",
        "stm-clinical-licences": "update",
        # The clinical members are the ward staff: on the ward's team and schedule.
        "stm-team-ward-3-nord": "update",
        "stm-schedule-ward-3-nord": "update",
        "stm-mailbox-scheduling": "replace",
        "stm-team-ward-4-sud": "delete",
        "stm-schedule-ward-4-sud": "delete",
        "stm-patients-ward-4-sud": "delete",
    }
    members = properties(stm["stm-clinical"])["members"]
    assert members["added"] == ["nurse003@northwindhealth.org"]
    assert members["removed"] == ["physician001@northwindhealth.org"]
    plans = properties(stm["stm-clinical-licences"])["skus[SPE_F1].disabled_plans"]
    assert (plans["added"], plans["removed"]) == (["SWAY"], [])
    team = stm["stm-team-ward-5-est"]
    assert team["identity"]["template"] == "healthcareWard"
    assert properties(team)["template"]["after"] == "healthcareWard"
    mailbox = stm["stm-mailbox-scheduling"]
    assert mailbox["replace_keys"] == ["alias", "name", "primary_smtp_address"]
    address = properties(mailbox)["primary_smtp_address"]
    assert address["forces_replace"] and address["after"] == "planning@stm.northwindhealth.org"
    assert mailbox["retention"]["kept"]
    gone = stm["stm-team-ward-4-sud"]
    assert gone["retention"]["kept"] and "archived" in gone["retention"]["summary"]
    schedule = stm["stm-schedule-ward-4-sud"]["retention"]
    assert schedule["kept"] and "scheduling groups deactivated" in schedule["summary"]
    patients = stm["stm-patients-ward-4-sud"]["retention"]
    assert patients["kept"] and "list and its items kept" in patients["summary"]
    staff = properties(stm["stm-schedule-ward-3-nord"])["groups[Nurses].members"]
    assert (staff["added"], staff["removed"]) == (
        ["nurse003@northwindhealth.org"],
        ["physician001@northwindhealth.org"],
    )
    # Counted, not detailed: the stack, its component, the provider and unchanged objects.
    counts = next(s for s in document["stacks"] if s["stack"] == "STM")["counts"]
    assert counts["same"] > 0 and counts["update"] == 4 and counts["replace"] == 1
    assert not any(c["kind"] in ("Stack", "HospitalSite") for c in stm.values())
    assert "ciphertext" not in plan_json.read_text()

    # Markdown: docs/auditors.md's example is this very output.
    plan_md = sites.folder / "plan.md"
    run = sites.run("preview", *STACKS, "--diff", "--format", "markdown", "--out", str(plan_md))
    assert run.returncode == 0, run.stdout + run.stderr
    markdown = plan_md.read_text(encoding="utf-8")
    assert "| STM | ok | 3 | 4 | 1 | 3 |" in markdown
    assert "  - `members` added: `nurse003@northwindhealth.org`" in markdown
    if os.environ.get("HCINFRA_UPDATE_DOCS") == "1":
        write_doc_example(markdown)
    assert doc_example() == markdown, (
        "docs/auditors.md's plan example is stale: rerun this test with HCINFRA_UPDATE_DOCS=1"
    )

    # Text to stdout: stdout holds the plan alone, the summary table goes to stderr.
    run = sites.run("preview", *STACKS, "--diff")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("hcinfra sites preview --diff: 2 stack(s)"), run.stdout
    assert "members: + nurse003@northwindhealth.org" in run.stdout
    assert "│" not in run.stdout and list(summary(run.stderr)) == ["tenant", "STM"]
