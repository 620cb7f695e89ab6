"""`hcinfra sites` end to end: the sample network's stacks deployed to the emulator through
the Automation API, a quiet preview, site selection, failure isolation and early refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hcinfra.network import load_network
from hcinfra.network.plan import plan_site
from tests.e2e.sites_harness import Sites, graph_group, one_line, summary, workspaces
from tests.emulator.harness import GRAPH_SCOPE, Emulator

pytestmark = pytest.mark.e2e


def assert_site_deployed(emu: Emulator, network_file: Path, code: str) -> None:
    """The site's groups, shared mailboxes and teams are in the tenant, each exactly once."""
    plan = plan_site(load_network(network_file), code)
    for group in plan.groups:
        found = graph_group(emu, group.mail_nickname)
        assert [g["displayName"] for g in found] == [group.display_name], group.mail_nickname
    mailboxes = emu.admin("GET", "state").json()["exo.mailbox"].values()
    shared = {
        m["PrimarySmtpAddress"] for m in mailboxes if m["RecipientTypeDetails"] == "SharedMailbox"
    }
    assert {m.address for m in plan.mailboxes} <= shared
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        for team in plan.teams:
            found = graph_group(emu, team.mail_nickname)
            assert len(found) == 1, team.mail_nickname
            r = c.get(f"/v1.0/teams/{found[0]['id']}")
            assert r.status_code == 200 and r.json()["displayName"] == team.display_name


def test_up_deploys_the_network_then_preview_writes_nothing_and_site_selects(
    sites: Sites, emu: Emulator
):
    # 1. up: the tenant baseline, then the three sites
    up = sites.run("up")
    assert up.returncode == 0, up.stdout + up.stderr
    rows = summary(up.stdout)
    assert list(rows) == ["tenant", "STM", "HSA", "CHM"]
    for code, row in rows.items():
        assert row["result"] == "ok", (code, row)
        assert row["changes"].startswith("create"), (code, row)
    for code in ("STM", "HSA", "CHM"):
        assert_site_deployed(emu, sites.network, code)
    assert [g["displayName"] for g in graph_group(emu, "stm-clinical-workers")] == [
        "STM-Clinical-Workers"
    ]
    assert [g["displayName"] for g in graph_group(emu, "chm-clinical-workers")] == [
        "CHM-Clinical-Workers"
    ]
    # The default backend is the file backend beside the network file; one workspace per stack.
    stacks = sites.folder / ".pulumi" / ".pulumi" / "stacks" / "hcinfra"
    assert {p.name for p in stacks.glob("*.json")} == {
        "tenant.json",
        "stm.json",
        "hsa.json",
        "chm.json",
    }
    assert {p.name for p in workspaces(sites).iterdir()} == {"tenant", "stm", "hsa", "chm"}

    # 2. preview: nothing to change, and not one write reaches the tenant
    mark = emu.requests()["last"]
    preview = sites.run("preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    during = emu.requests(since=mark)
    assert during["writes"] == 0, [e for e in during["entries"] if e["write"]]
    rows = summary(preview.stdout)
    assert list(rows) == ["tenant", "STM", "HSA", "CHM"]
    for code, row in rows.items():
        assert row["result"] == "ok" and row["changes"].startswith("same"), (code, row)
        assert "create" not in row["changes"] and "update" not in row["changes"], (code, row)

    # 3. --site STM runs that one stack only (no tenant stack): a change every site would
    # get reaches STM's group and no other site's
    def describe(data: dict[str, Any]) -> None:
        role = next(r for r in data["baseline"]["roles"] if r["key"] == "clinical")
        role["description"] = "Nurses, physicians and midwives"

    before = graph_group(emu, "hsa-clinical-workers")[0]["description"]
    sites.edit(describe)
    mark = emu.requests()["last"]
    one = sites.run("up", "--site", "STM")
    assert one.returncode == 0, one.stdout + one.stderr
    rows = summary(one.stdout)
    assert list(rows) == ["STM"]
    assert "update 1" in rows["STM"]["changes"], rows
    assert emu.requests(since=mark)["writes"] > 0
    stm = graph_group(emu, "stm-clinical-workers")[0]
    assert stm["description"] == "Nurses, physicians and midwives"
    for code in ("hsa", "chm"):
        assert graph_group(emu, f"{code}-clinical-workers")[0]["description"] == before


REFUSAL = "Property 'description' has an invalid value (the emulator's canned refusal)"


def test_a_failing_site_does_not_stop_the_others(sites: Sites, emu: Emulator):
    # A failure neither the preflight nor the plans can see: the tenant refuses one of CHM's
    # writes. (A member the tenant does not have stops the whole run before any write:
    # tests/e2e/test_sites_preflight.py.)
    rule = {
        "match": "PATCH /v1.0/groups(uniqueName=*chm-clinical-workers*",
        "respond": {
            "status": 400,
            "body": {"error": {"code": "Request_BadRequest", "message": REFUSAL}},
        },
    }
    quick = {"teamsOperationMs": 200, "licenseProcessingMs": 100}
    emu.admin("PUT", "faults", json={**quick, "rules": [rule]}).raise_for_status()

    up = sites.run("up")
    assert up.returncode == 1, up.stdout + up.stderr
    rows = summary(up.stdout)
    assert {code: row["result"] for code, row in rows.items()} == {
        "tenant": "ok",
        "STM": "ok",
        "HSA": "ok",
        "CHM": "failed",
    }
    # The site's own error, the tenant's answer, not the engine's "update failed".
    printed = one_line(up.stderr)
    assert "CHM: " in printed, up.stderr
    error = printed[printed.index("CHM: ") :]
    assert REFUSAL in error and "400" in error, up.stderr
    assert "Request_BadRequest" in rows["CHM"]["error"]
    for code in ("STM", "HSA"):
        assert_site_deployed(emu, sites.network, code)

    # Once the tenant accepts it, a rerun of that site alone converges: no duplicates of what
    # the failed run already made (creates adopt what they find under their key).
    emu.admin("PUT", "faults", json=quick).raise_for_status()
    again = sites.run("up", "--site", "CHM")
    assert again.returncode == 0, again.stdout + again.stderr
    assert list(summary(again.stdout)) == ["CHM"]
    assert_site_deployed(emu, sites.network, "CHM")


def test_site_selection_runs_no_tenant_stack_unless_named(sites: Sites, emu: Emulator):
    # On a fresh tenant, STM alone cannot deploy: `--site STM` does not add the tenant stack,
    # so the baseline's policies its groups are assigned to are missing.
    alone = sites.run("up", "--site", "STM")
    assert alone.returncode == 1
    rows = summary(alone.stdout)
    assert list(rows) == ["STM"] and rows["STM"]["result"] == "failed"
    assert "does not exist" in rows["STM"]["error"], rows
    assert not (workspaces(sites) / "tenant").exists()
    # Naming the tenant too runs it first, and STM then deploys.
    both = sites.run("up", "--site", "tenant", "--site", "STM")
    assert both.returncode == 0, both.stdout + both.stderr
    assert list(summary(both.stdout)) == ["tenant", "STM"]
    assert_site_deployed(emu, sites.network, "STM")


def test_list_and_early_refusals_touch_nothing(sites: Sites, emu: Emulator):
    listed = sites.run("list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == ["tenant", "STM", "HSA", "CHM"]

    mark = emu.requests()["last"]
    unknown = sites.run("up", "--site", "XYZ")
    assert unknown.returncode == 1
    assert "unknown site(s): XYZ" in one_line(unknown.stderr)

    sites.edit(lambda data: data["sites"][0]["members"]["clinical"].append("not-a-upn"))
    bad = sites.run("up")
    assert bad.returncode == 1
    assert "not-a-upn" in bad.stderr
    assert sites.run("list", "--format", "json").returncode == 1

    sites.network.write_text("sites: [unclosed\n")
    broken = sites.run("preview")
    assert broken.returncode == 1 and broken.stderr.strip()

    after = emu.requests(since=mark)
    assert after["writes"] == 0 and after["total"] == 0, after["counts"]
    assert not (sites.folder / ".state").exists()
    assert not (sites.folder / ".pulumi").exists()
