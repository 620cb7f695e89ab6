"""`hcinfra sites up` and `destroy` write nothing until everything would succeed: the tenant
preflight lists every problem with its site and field, a failed plan stops every stack, and
the summary lists what the providers kept, archived or adopted. Each run is checked against
the emulator's request log."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.sites_harness import GHOST, Sites, graph_group, one_line, summary
from tests.emulator.harness import GRAPH_SCOPE, Emulator

pytestmark = pytest.mark.e2e
FOREIGN = "clinique-nord.example.org"  # a domain the tenant has not accepted


def _site(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in data["sites"] if s["code"] == code)


def test_bad_input_stops_up_listing_every_problem_and_writes_nothing(sites: Sites, emu: Emulator):
    def bad(data: dict[str, Any]) -> None:
        _site(data, "CHM")["members"]["clinical"].insert(0, GHOST)
        roles = {r["key"]: r for r in data["baseline"]["roles"]}
        roles["nurse-managers"]["licences"] = [{"sku": "ENTERPRISEPACK"}]
        data["tenant"]["domains"].append(FOREIGN)
        _site(data, "STM")["mail_domain"] = FOREIGN

    sites.edit(bad)
    mark = emu.requests()["last"]
    up = sites.run("up")
    assert up.returncode == 1, up.stdout + up.stderr
    printed = one_line(up.stderr)
    assert "Traceback" not in up.stderr
    assert "the tenant preflight found problems" in printed
    # Each problem with its site and field (role), and the value.
    assert f"members.resolve: 1 declared member not in the tenant: {GHOST}" in printed
    assert f"- {GHOST} (CHM clinical)" in printed
    assert "licences.skus: the tenant has no subscription to ENTERPRISEPACK" in printed
    assert "- ENTERPRISEPACK (STM nurse-managers, HSA nurse-managers, CHM nurse-managers)" in (
        printed
    )
    assert f"domains.accepted: not accepted by Exchange Online: {FOREIGN}" in printed
    assert f"- {FOREIGN}: not accepted (tenant.domains, STM mail_domain)" in printed
    assert printed.count("fix: ") == 3
    during = emu.requests(since=mark)
    assert during["writes"] == 0, [e for e in during["entries"] if e["write"]]
    # Reads only, and no stack was opened: no workspace, no state.
    assert not (sites.folder / ".state").exists()
    assert not (sites.folder / ".pulumi").exists()


def test_a_failed_plan_stops_every_stack_and_destroy_lists_what_was_kept(
    sites: Sites, emu: Emulator
):
    up = sites.run("up", "--site", "tenant", "--site", "STM")
    assert up.returncode == 0, up.stdout + up.stderr
    timing = re.search(r"preflight ([\d.]+) s, plans of 2 stack\(s\) ([\d.]+) s", up.stderr)
    assert timing, up.stderr

    # 1. Changes to STM, but the tenant changes between the preflight and the plans: from
    # the second read of the SKUs on, it no longer subscribes to SPE_E3. The plan checks
    # the licences whose inputs change (unchanged ones passed when deployed): STM's
    # information workers' SPE_E3 now disables SWAY, and its check fails, so neither
    # stack runs, and the clinical description waits too.
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        skus = c.get("/v1.0/subscribedSkus").json()
    skus["value"] = [s for s in skus["value"] if s["skuPartNumber"] != "SPE_E3"]
    rule = {
        "match": "GET /v1.0/subscribedSkus",
        "after": 1,
        "respond": {"status": 200, "body": skus},
    }
    quick = {"teamsOperationMs": 200, "licenseProcessingMs": 100}
    emu.admin("PUT", "faults", json={**quick, "rules": [rule]}).raise_for_status()

    def describe(data: dict[str, Any]) -> None:
        role = next(r for r in data["baseline"]["roles"] if r["key"] == "clinical")
        role["description"] = "Nurses, physicians and midwives"
        clerks = next(r for r in data["baseline"]["roles"] if r["key"] == "information")
        clerks["licences"] = [{"sku": "SPE_E3", "disabled_plans": ["SWAY"]}]

    sites.edit(describe)
    sites.env.pop("COLUMNS", None)  # as in a CI log: no COLUMNS, stdout and stderr pipes
    mark = emu.requests()["last"]
    failed = sites.run("up", "--site", "tenant", "--site", "STM")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "hcinfra sites up: plans" in failed.stdout, failed.stdout  # no table of an up
    rows = summary(failed.stdout)
    assert {code: row["result"] for code, row in rows.items()} == {"tenant": "ok", "STM": "failed"}
    printed = one_line(failed.stderr)
    assert "the tenant has no SKU 'SPE_E3'" in printed[printed.index("STM: ") :], failed.stderr
    assert "1 of 2 stack(s) failed to plan; no stack was changed" in printed
    during = emu.requests(since=mark)
    assert during["writes"] == 0, [e for e in during["entries"] if e["write"]]
    stm = graph_group(emu, "stm-clinical-workers")[0]
    assert stm["description"] != "Nurses, physicians and midwives"
    # In a pipe, rich's tables keep every cell whole: nothing cut to `…`.
    for line in (failed.stdout + failed.stderr).splitlines():
        if "│" in line or "┃" in line:
            assert "…" not in line, line
    emu.admin("PUT", "faults", json=quick).raise_for_status()

    # 2. destroy plans first, then lists each mailbox kept and each team archived, by the
    # first sentence of its warning.
    down = sites.run("destroy", "--site", "STM")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "plans of 1 stack(s)" in down.stderr, down.stderr
    assert list(summary(down.stdout)) == ["STM"]
    notes = down.stdout[down.stdout.index("notes:") :]
    lines = [" ".join(line.split()) for line in notes.splitlines()[1:] if line.strip()]
    kept = "STM: SharedMailbox: mailbox info@stm.northwindhealth.org kept (retained on destroy)"
    assert kept in lines, notes
    archived = [ln for ln in lines if ln.startswith("STM: Team: ") and "archived" in ln]
    assert len(archived) >= 2, notes  # the hospital team and its ward teams
    assert all("(retained on destroy)" in ln for ln in archived), notes
