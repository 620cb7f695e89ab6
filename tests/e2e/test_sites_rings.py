"""The staged rollout end to end: a network with a pilot ring of one site, deployed ring by
ring to the emulator through the real engine. `sites up` deploys the pilot only; drift made
by hand in the pilot stops the next `sites up` before any write, naming it; once the pilot
is repaired, `sites up` deploys the last ring, and then finds nothing left to deploy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.sites_harness import Sites, graph_group, one_line, summary
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e

INTRUDER = "nurse010@northwindhealth.org"  # HSA's nurse, added to STM's group by hand


def reduce(data: dict[str, Any]) -> None:
    """Two sites, a pilot ring of STM; no wards, schedules, lists, visits or partners, which
    slow a deploy and have nothing to do with rings."""
    data["sites"] = [s for s in data["sites"] if s["code"] in ("STM", "HSA")]
    for site in data["sites"]:
        site["wards"] = []
        site.get("overrides", {}).pop("virtual_visits", None)
    data["tenant"]["domains"].remove("chm.northwindhealth.org")
    baseline = data["baseline"]
    for key in ("care_coordination", "virtual_visits", "partners"):
        baseline.pop(key, None)
    baseline["teams"].pop("ward")
    data["rings"] = [{"name": "pilot", "sites": ["STM"]}]


def members(emu: Emulator, group: str) -> set[str]:
    r = emu.graph("GET", f"/groups/{group}/members")
    assert r.is_success, r.text
    return {m["userPrincipalName"] for m in r.json()["value"]}


def test_sites_up_deploys_ring_by_ring_and_stops_on_drift_in_the_pilot(sites: Sites, emu: Emulator):
    sites.edit(reduce)

    # 1. The pilot (and the tenant baseline, which goes with the first ring), nothing else.
    first = sites.run("up")
    assert first.returncode == 0, first.stdout + first.stderr
    rows = summary(first.stdout)
    assert list(rows) == ["tenant", "STM"], first.stdout
    assert all(row["result"] == "ok" for row in rows.values()), rows
    said = one_line(first.stdout)
    assert "hcinfra sites up: ring pilot" in said
    assert "ring pilot (1 of 2: tenant, STM) ran; next: ring rest (2 of 2: HSA)" in said
    assert graph_group(emu, "hsa-clinical-workers") == []
    [stm] = graph_group(emu, "stm-clinical-workers")

    # 2. A member added by hand to a pilot group: the next run stops before any write.
    user = emu.graph("GET", f"/users/{INTRUDER}").json()["id"]
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user}"}
    r = emu.graph("POST", f"/groups/{stm['id']}/members/$ref", json=ref)
    assert r.status_code == 204, r.text
    mark = emu.requests()["last"]
    stopped = sites.run("up")
    during = emu.requests(since=mark)
    assert during["writes"] == 0, [e for e in during["entries"] if e["write"]]
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    told = one_line(stopped.stderr)
    assert "ring rest (2 of 2: HSA) is next, but ring pilot before it is not clean" in told
    assert "nothing was written" in told
    assert "STM (ring pilot): 1 drift finding(s); `hcinfra drift --network" in told
    assert "--site STM` lists them" in told
    assert summary(stopped.stdout) == {}
    assert graph_group(emu, "hsa-clinical-workers") == []
    # `--ring rest` is refused the same way.
    skipped = sites.run("up", "--ring", "rest")
    assert skipped.returncode == 3, skipped.stdout + skipped.stderr
    assert graph_group(emu, "hsa-clinical-workers") == []

    # 3. The repair the message gives: the hand change taken into the stack, then the
    # pilot's declared state put back.
    refresh = sites.run("refresh", "--site", "STM")
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    repair = sites.run("up", "--ring", "pilot")
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert "update" in summary(repair.stdout)["STM"]["changes"], repair.stdout
    assert INTRUDER not in members(emu, stm["id"])

    # 4. The pilot is clean: the next run deploys the last ring, without the tenant stack.
    second = sites.run("up")
    assert second.returncode == 0, second.stdout + second.stderr
    assert list(summary(second.stdout)) == ["HSA"], second.stdout
    assert "ring rest (2 of 2: HSA) ran; it is the last ring" in one_line(second.stdout)
    assert [g["displayName"] for g in graph_group(emu, "hsa-clinical-workers")] == [
        "HSA-Clinical-Workers"
    ]

    # 5. Every ring deployed and clean: nothing to deploy, nothing written.
    mark = emu.requests()["last"]
    done = sites.run("up")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every ring is deployed and clean (pilot, rest): nothing to deploy" in one_line(
        done.stdout
    )
    assert emu.requests(since=mark)["writes"] == 0
