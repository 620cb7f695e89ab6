"""The staged rollout's rings without a tenant: their validation, which ring runs next, what
stops the rollout, and the command's flow with the runner and the audit stood in for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hcinfra.network import NetworkError, load_network
from hcinfra.network.model import Network
from hcinfra.sites import rings, runner
from hcinfra.sites.rings import Health, Ring, decide, next_ring, ring_problem, rings_of
from hcinfra.sites.runner import TENANT, StackRun
from tests.conftest import REPO

SAMPLE = REPO / "stacks" / "network.yaml"
FILE = "net.yaml"
SAME = {"ok": True, "changes": {"same": 9}}
NEW = {"ok": True, "changes": {"create": 9}}


def write(tmp_path: Path, ring_list: Any) -> Path:
    data = yaml.safe_load(SAMPLE.read_text())
    data["rings"] = ring_list
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def network(tmp_path: Path, ring_list: Any) -> Network:
    return load_network(write(tmp_path, ring_list))


def problems(tmp_path: Path, ring_list: Any) -> list[str]:
    with pytest.raises(NetworkError) as err:
        network(tmp_path, ring_list)
    return [str(p) for p in err.value.problems]


PILOT = [{"name": "pilot", "sites": ["STM"]}, {"name": "wave-2", "sites": ["HSA"]}]


# --- the file ---------------------------------------------------------------------------


def test_rings_parse_and_the_sites_in_none_form_the_last_ring_rest(tmp_path: Path):
    net = network(tmp_path, PILOT)
    assert [(r.name, r.sites) for r in net.rings] == [("pilot", ["STM"]), ("wave-2", ["HSA"])]
    assert rings_of(net) == [
        Ring("pilot", ("STM",), with_tenant=True),
        Ring("wave-2", ("HSA",)),
        Ring("rest", ("CHM",)),
    ]
    assert rings_of(net)[0].stacks == [TENANT, "STM"]


def test_a_ring_lists_its_sites_in_file_order_and_rest_is_left_out_when_empty(tmp_path: Path):
    net = network(tmp_path, [{"name": "all-three", "sites": ["CHM", "STM", "HSA"]}])
    assert rings_of(net) == [Ring("all-three", ("STM", "HSA", "CHM"), with_tenant=True)]


def test_no_rings_no_rollout():
    assert rings_of(load_network(SAMPLE)) == []
    assert load_network(SAMPLE).rings == []


def test_every_ring_problem_at_once_naming_field_and_value(tmp_path: Path):
    found = problems(
        tmp_path,
        [
            {"name": "pilot", "sites": ["STM"]},
            {"name": "Wave 2", "sites": ["STN", "STM"]},
            {"name": "pilot", "sites": []},
            {"name": "rest", "sites": ["HSA"]},
            {"name": "all", "sites": ["HSA"]},
            {"name": "late"},
            {"sites": ["CHM"], "when": "monday"},
        ],
    )
    text = "\n".join(found)
    assert "rings[1].name" in text and "'Wave 2'" in text and "lowercase" in text
    assert "rings[1].sites[0]" in text and "unknown site 'STN'" in text
    assert "did you mean 'STM'" in text
    assert "site STM: rings[1].sites[1]" in text and "in ring 'pilot' already" in text
    assert "rings[2].name" in text and "duplicate ring name 'pilot'" in text
    assert "rings[2].sites" in text and "ring 'pilot' has no sites" in text
    assert "rings[3].name" in text and "'rest' is reserved" in text
    assert "rings[4].name" in text and "'all' is reserved" in text
    assert "site HSA: rings[4].sites[0]" in text and "in ring 'rest' already" in text
    assert "rings[5].sites" in text and "ring 'late' has no sites" in text
    assert "rings[6].name" in text and "missing" in text
    assert "rings[6].when" in text and "unknown field 'when'" in text
    assert len(found) == 11, found
    assert all("(line " in p for p in found), found


def test_rings_that_are_not_a_list_and_ring_problems_beside_site_problems(tmp_path: Path):
    [problem] = problems(tmp_path, "pilot")
    assert problem.startswith("rings (line ")
    assert problem.endswith("): rings should be a list of rings; got 'pilot'")
    data = yaml.safe_load(SAMPLE.read_text())
    data["rings"] = [{"name": "pilot", "sites": ["XYZ"]}]
    data["sites"][1]["mail_domain"] = "elsewhere.org"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(NetworkError) as err:
        load_network(path)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "unknown site 'XYZ'" in text and "elsewhere.org" in text


# --- which ring runs ----------------------------------------------------------------------


THREE = [
    Ring("pilot", ("STM",), with_tenant=True),
    Ring("wave-2", ("HSA",)),
    Ring("rest", ("CHM",)),
]


def plans(**by_stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {code: SAME for ring in THREE for code in ring.stacks}
    found.update({(TENANT if k == "tenant" else k): v for k, v in by_stack.items()})
    return found


def test_the_next_ring_is_the_first_with_a_stack_not_deployed():
    fresh = {code: NEW for ring in THREE for code in ring.stacks}
    assert next_ring(THREE, fresh) == 0
    assert next_ring(THREE, plans(HSA=NEW, CHM=NEW)) == 1
    assert next_ring(THREE, plans(CHM=NEW)) == 2
    assert next_ring(THREE, plans()) is None
    # A change to the file for one pilot site, or the tenant alone, makes the pilot next again.
    assert next_ring(THREE, plans(STM={"ok": True, "changes": {"same": 8, "update": 1}})) == 0
    assert next_ring(THREE, plans(tenant={"ok": True, "changes": {"update": 1}})) == 0
    # A plan that failed tells nothing: that ring is not deployed.
    assert next_ring(THREE, plans(HSA={"ok": False, "error": "boom"})) == 1


def test_a_clean_pilot_lets_the_next_ring_go():
    decision = decide(THREE, plans(HSA=NEW, CHM=NEW), {"STM": Health(), TENANT: Health()}, FILE)
    assert decision.target == 1 and decision.stops == []


def test_drift_or_a_failed_shall_control_before_the_next_ring_stops_it():
    health = {TENANT: Health(), "STM": Health(drift=2, failed=("HC.AAD.1.1",))}
    decision = decide(THREE, plans(HSA=NEW, CHM=NEW), health, FILE)
    assert decision.target == 1
    assert [(b.ring, b.stack, b.kind) for b in decision.stops] == [
        ("pilot", "STM", "drift"),
        ("pilot", "STM", "control"),
    ]
    assert "2 drift finding(s)" in decision.stops[0].what
    assert "`hcinfra drift --network net.yaml --site STM`" in decision.stops[0].what
    assert "HC.AAD.1.1" in decision.stops[1].what
    assert "`hcinfra check --network net.yaml --site STM`" in decision.stops[1].what
    lines = rings.stop_message(decision, FILE)
    assert lines[0] == (
        "hcinfra sites up: ring wave-2 (2 of 3: HSA) is next, but ring pilot before it is not "
        "clean; nothing was written:"
    )
    assert lines[1].startswith("  STM (ring pilot): 2 drift finding(s)")
    assert "hcinfra sites refresh --network net.yaml --site STM" in lines[-1]
    assert "hcinfra sites up --network net.yaml --ring pilot" in lines[-1]


def test_the_tenant_is_checked_with_the_first_ring():
    decision = decide(THREE, plans(CHM=NEW), {TENANT: Health(drift=1)}, FILE)
    assert decision.target == 2
    assert [(b.ring, b.stack) for b in decision.stops] == [("pilot", TENANT)]


def test_every_ring_deployed_means_every_ring_is_checked():
    decision = decide(THREE, plans(), {"CHM": Health(drift=1)}, FILE)
    assert decision.target is None and decision.before == THREE
    assert [(b.ring, b.stack) for b in decision.stops] == [("rest", "CHM")]
    assert rings.stop_message(decision, FILE)[0].startswith(
        "hcinfra sites up: every ring is deployed, but ring rest is not clean"
    )
    assert decide(THREE, plans(), {}, FILE).stops == []


def test_a_chosen_ring_needs_the_rings_before_it_deployed_and_clean():
    # The pilot's own drift does not stop `--ring pilot`: that run is its repair.
    chosen = decide(THREE, plans(), {"STM": Health(drift=3)}, FILE, chosen="pilot")
    assert chosen.target == 0 and chosen.stops == []
    # wave-2 while the pilot still has changes to deploy: refused, and told how to go on.
    early = decide(THREE, plans(STM=NEW), {}, FILE, chosen="wave-2")
    assert [(b.stack, b.kind) for b in early.stops] == [("STM", "pending")]
    assert "create 9" in early.stops[0].what and "deploys ring pilot first" in early.stops[0].what
    assert "refresh" not in " ".join(rings.stop_message(early, FILE))
    failed = decide(THREE, plans(STM={"ok": False, "error": "boom"}), {}, FILE, chosen="rest")
    assert [(b.stack, b.kind) for b in failed.stops] == [("STM", "plan")]
    assert "boom" in failed.stops[0].what


def test_only_the_deployed_stacks_before_the_target_are_read():
    before = decide(THREE, plans(HSA=NEW), {}, FILE).before
    assert rings.gated_stacks(before, plans(HSA=NEW)) == [TENANT, "STM"]
    assert rings.gated_stacks(THREE[:2], plans(HSA=NEW)) == [TENANT, "STM"]
    assert rings.gated_stacks([], plans()) == []


def test_the_summary_says_which_ring_ran_and_which_is_next():
    ok = [StackRun("HSA", result={"ok": True})]
    assert rings.after_message(rings.Decision(THREE, 1), ok) == (
        "ring wave-2 (2 of 3: HSA) ran; next: ring rest (3 of 3: CHM), which the next "
        "`hcinfra sites up` deploys once ring wave-2 is clean (no drift, no failed shall-control)"
    )
    assert "it is the last ring" in rings.after_message(rings.Decision(THREE, 2), ok)
    bad = [StackRun("HSA", result={"ok": False})]
    assert "deploys ring wave-2 again" in rings.after_message(rings.Decision(THREE, 1), bad)


@pytest.mark.parametrize(
    ("action", "ring", "codes", "words"),
    [
        ("preview", "pilot", None, "--ring goes with up only"),
        ("up", "pilot", ["STM"], "--ring and --site: give one"),
        (
            "up",
            "wave-3",
            None,
            "unknown ring 'wave-3'; the network's rings are pilot, wave-2, rest",
        ),
        ("up", "pilot", None, ""),
        ("up", "rest", None, ""),
        ("up", "all", None, ""),
        ("up", None, None, ""),
    ],
)
def test_ring_selection_problems(tmp_path: Path, action, ring, codes, words):
    found = ring_problem(network(tmp_path, PILOT), action, ring, codes)
    assert found.startswith(words) and bool(found) == bool(words)


def test_a_ring_of_a_network_without_rings():
    net = load_network(SAMPLE)
    assert "declares no rings" in ring_problem(net, "up", "pilot", None)
    assert ring_problem(net, "up", "all", None) == ""


# --- the command, with the runner and the tenant stood in for ---------------------------


class Tenant:
    """What the stand-ins answer: each stack's plan and health; what ran."""

    def __init__(self, plans: dict[str, dict[str, Any]], health: dict[str, Health]) -> None:
        self.plans, self.health = plans, health
        self.actions: list[tuple[str, list[list[str]]]] = []
        self.read: list[list[str]] = []


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch) -> Tenant:
    fake = Tenant({}, {})

    class FakeRunner:
        def __init__(self, action: str, *args: Any, **kwargs: Any) -> None:
            self.action = action

        def execute(self, stages: list[list[str]], parallel: int) -> list[StackRun]:
            fake.actions.append((self.action, stages))
            if self.action == "preview":
                return [StackRun(c, result=fake.plans[c]) for s in stages for c in s]
            return [
                StackRun(c, result={"ok": True, "changes": {"create": 1}})
                for s in stages
                for c in s
            ]

    def health(network: Network, stacks: list[str]) -> tuple[dict[str, Health], str]:
        fake.read.append(stacks)
        return {c: fake.health.get(c, Health()) for c in stacks}, ""

    monkeypatch.setattr(rings, "Runner", FakeRunner)
    monkeypatch.setattr(rings, "read_health", health)
    monkeypatch.setattr(rings, "preflight_passes", lambda *a: True)
    monkeypatch.setattr(runner, "run_preflight", lambda *a: pytest.fail("not in ring mode"))
    return fake


def run(path: Path, ring: str | None = None, codes: list[str] | None = None) -> int:
    return runner.sites_command("up", str(path), codes, 4, ring=ring)


def test_up_deploys_the_pilot_first_reading_nothing(tmp_path: Path, tenant: Tenant, capsys):
    path = write(tmp_path, PILOT)
    tenant.plans = {c: NEW for c in (TENANT, "STM", "HSA", "CHM")}
    assert run(path) == 0
    assert tenant.actions == [
        ("preview", [[TENANT, "STM", "HSA", "CHM"]]),
        ("up", [[TENANT], ["STM"]]),
    ]
    assert tenant.read == [[]]
    out = capsys.readouterr().out
    assert "hcinfra sites up: ring pilot" in out
    assert "ring pilot (1 of 3: tenant, STM) ran; next: ring wave-2 (2 of 3: HSA)" in " ".join(
        out.split()
    )


def test_up_goes_on_to_the_next_ring_without_the_tenant(tmp_path: Path, tenant: Tenant):
    path = write(tmp_path, PILOT)
    tenant.plans = {TENANT: SAME, "STM": SAME, "HSA": NEW, "CHM": NEW}
    assert run(path) == 0
    assert tenant.actions[-1] == ("up", [["HSA"]])
    assert tenant.read == [[TENANT, "STM"]]


def test_up_stops_before_any_write_when_the_pilot_drifted(tmp_path: Path, tenant: Tenant, capsys):
    path = write(tmp_path, PILOT)
    tenant.plans = {TENANT: SAME, "STM": SAME, "HSA": NEW, "CHM": NEW}
    tenant.health = {"STM": Health(drift=1)}
    assert run(path) == rings.STOPPED
    assert [a for a, _ in tenant.actions] == ["preview"]
    err = " ".join(capsys.readouterr().err.split())
    assert "ring wave-2 (2 of 3: HSA) is next, but ring pilot before it is not clean" in err
    assert "STM (ring pilot): 1 drift finding(s); `hcinfra drift --network" in err
    # `--ring pilot` repairs it; `--ring wave-2` is refused as the next ring is.
    assert run(path, ring="wave-2") == rings.STOPPED
    assert [a for a, _ in tenant.actions] == ["preview", "preview"]
    assert run(path, ring="pilot") == 0
    assert tenant.actions[-2:] == [("preview", [[TENANT, "STM"]]), ("up", [[TENANT], ["STM"]])]


def test_every_ring_deployed_and_clean_deploys_nothing(tmp_path: Path, tenant: Tenant, capsys):
    path = write(tmp_path, PILOT)
    tenant.plans = {c: SAME for c in (TENANT, "STM", "HSA", "CHM")}
    assert run(path) == 0
    assert [a for a, _ in tenant.actions] == ["preview"]
    assert tenant.read == [[TENANT, "STM", "HSA", "CHM"]]
    assert "every ring is deployed and clean (pilot, wave-2, rest)" in capsys.readouterr().out


def test_a_failed_plan_in_the_next_ring_refuses_it(tmp_path: Path, tenant: Tenant, capsys):
    path = write(tmp_path, PILOT)
    tenant.plans = {TENANT: SAME, "STM": SAME, "HSA": {"ok": False, "error": "bad"}, "CHM": NEW}
    assert run(path) == 1
    assert [a for a, _ in tenant.actions] == ["preview"]
    assert "1 of 1 stack(s) of ring wave-2 failed to plan" in " ".join(
        capsys.readouterr().err.split()
    )


def test_site_and_all_bypass_rings_and_bad_selections_stop_early(
    tmp_path: Path, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, capsys
):
    path = write(tmp_path, PILOT)
    ran: list[Any] = []
    monkeypatch.setattr(runner, "plan_first", lambda *a: ran.append(a[3]) or False)
    assert run(path, codes=["HSA"]) == 1 and ran == [["HSA"]]
    assert run(path, ring="all") == 1 and ran[-1] is None
    assert tenant.actions == []
    assert run(path, ring="nope") == 1
    assert run(path, ring="pilot", codes=["STM"]) == 1
    assert runner.sites_command("preview", str(path), None, 4, ring="pilot") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "unknown ring 'nope'" in err and "--ring and --site" in err
    assert "--ring goes with up only" in err
    assert tenant.actions == [] and len(ran) == 2
