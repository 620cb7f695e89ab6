"""The soak: three sites deployed in parallel under heavy faults on every service.

Each seeded run meets 20 % 429 (Retry-After 1 s), 10 % 503, 3 % connections dropped
unanswered on every Graph, Exchange and Teams admin route, and 5 s of eventual
consistency on every route that creates objects. It must end with:

- each declared object made exactly once (no duplicate from a retried create);
- each site's groups in its precedence order in every Teams policy type (ranks are
  placed against the live list and checked, under contention from the other sites);
- a second `up`, under the same faults, that writes nothing;
- once the faults are cleared, a refresh and a preview that find nothing to change.

About 3 minutes a run on two shared cores; the runs spread over pytest's workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_faults_recovery import (
    CREATING_ROUTES,
    QUICK,
    assert_declared_once,
    assert_only_same,
    assert_policies_assigned,
    assert_site_precedence,
    plans,
    sites,
    statuses,
    summary,
    tenant_env,
    workspace,
)
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e

STACKS = {"tenant", "STM", "HSA", "CHM"}
SERVICE_ROUTES = ("* /v1.0/*", "POST /adminapi/*", "* /Skype.Policy/*")


def soak_faults(seed: int) -> dict:
    """The issue's faults: on every service route, with lag on the creating ones."""
    noisy = {"throttle": 0.20, "retryAfter": 1, "unavailable": 0.10, "drop": 0.03}
    return {
        "seed": seed,
        **QUICK,
        "rules": [
            *({"match": route, **noisy} for route in SERVICE_ROUTES),
            *({"match": route, "consistencyMs": 5000} for route in CREATING_ROUTES),
        ],
    }


@pytest.mark.parametrize("seed", [20261201, 42])
def test_soak_three_sites_under_faults(
    emu: Emulator, pulumi_env: dict[str, str], tmp_path: Path, seed: int
):
    network = workspace(tmp_path)
    env = tenant_env(pulumi_env, emu)
    emu.admin("PUT", "faults", json=soak_faults(seed)).raise_for_status()

    up = sites(env, network, "up", timeout=900)
    assert up.returncode == 0, up.stdout + up.stderr
    rows = summary(up.stdout)
    assert set(rows) == STACKS, up.stdout
    assert all(result == "ok" and "create" in changes for result, changes in rows.values())
    log = emu.requests()
    met = statuses(log, r"^(GET|POST|PUT|PATCH) /(v1\.0|adminapi|Skype\.Policy)")
    assert met[429] > 0 and met[503] > 0, met
    assert statuses(log, r"^(PUT|PATCH) /Skype\.Policy/groupPolicyAssignments")[429] > 0
    assert_declared_once(emu, plans(network), whole_tenant=True)
    assert_site_precedence(emu, plans(network))
    assert_policies_assigned(emu, plans(network))

    # A second `up` under the same faults finds everything in place and writes nothing.
    mark = emu.requests()["last"]
    again = sites(env, network, "up", timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert_only_same(again.stdout, STACKS)
    during = emu.requests(since=mark)
    assert during["writes"] == 0, [e for e in during["entries"] if e["write"]]

    # No drift once the tenant behaves: a refresh, then a preview with nothing to do.
    emu.admin("PUT", "faults", json=QUICK).raise_for_status()
    refresh = sites(env, network, "refresh")
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    mark = emu.requests()["last"]
    preview = sites(env, network, "preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert emu.requests(since=mark)["writes"] == 0
    assert_only_same(preview.stdout, STACKS)
    assert_site_precedence(emu, plans(network))
