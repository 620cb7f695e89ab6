"""The realistic latency profile: it loads, its jitter is seeded, and requests meet its delays.

Timing assertions are lower bounds only, and loose: a loaded machine may be slower,
never faster than the emulator sleeps.
"""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from hcinfra.emulator.core.faults import Faults, FaultsConfig
from hcinfra.emulator.core.profiles import load_profile, names
from tests.emulator.harness import EXCHANGE_SCOPE, GRAPH_SCOPE, Emulator

GRAPH = ("GET", "/v1.0/groups")
CMDLET = ("POST", "/adminapi/beta/tenant/InvokeCommand")


def draws(config: FaultsConfig, count: int = 20) -> list[int]:
    """The latencies of `count` Graph reads under a fresh fault layer."""
    faults = Faults(config)
    return [faults.decide(*GRAPH, "app", 0.0).latency_ms for _ in range(count)]


def test_the_realistic_profile_loads_with_a_source_for_every_figure():
    assert "realistic" in names()
    profile = load_profile("realistic")
    assert profile.throttling.value is True
    assert profile.teams_operation_ms.value >= 10_000  # tens of seconds
    assert all(rule.source for rule in profile.rules)
    assert profile.latency_ms(*GRAPH) == (100, 200)
    low, _ = profile.latency_ms(*CMDLET)
    assert low >= 1000  # Exchange cmdlets take seconds
    assert profile.latency_ms("POST", "/tid/oauth2/v2.0/token")[0] > 0
    assert profile.latency_ms("GET", "/Skype.Policy/configurations/TeamsMessagingPolicy")[0] > 0


def test_a_profile_rule_without_a_source_is_refused():
    data = load_profile("realistic").model_dump(by_alias=True)
    data["rules"][0]["source"] = None
    with pytest.raises(ValidationError, match="names its source"):
        type(load_profile("realistic")).model_validate(data)


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(ValidationError, match="known: realistic"):
        Faults.load({"profile": "instant"})


def test_the_document_s_own_figures_and_rules_apply_on_top_of_the_profile():
    own = {"match": "GET /v1.0/groups", "latencyMs": 1000}
    config = Faults.load({"profile": "realistic", "teamsOperationMs": 50, "rules": [own]})
    assert config.teams_operation_ms == 50
    assert config.license_processing_ms == load_profile("realistic").license_processing_ms.value
    assert config.throttling is True
    assert config.all_rules()[-1].latency_ms == 1000
    assert all(1100 <= ms <= 1200 for ms in draws(config))
    # Read back and written again, the document applies the profile once, not twice.
    again = Faults.load(config.model_dump(by_alias=True))
    assert len(again.all_rules()) == len(config.all_rules())


def test_jitter_is_drawn_from_the_rule_s_seed():
    seeded = Faults.load({"profile": "realistic", "seed": 7})
    first, second = draws(seeded), draws(Faults.load({"profile": "realistic", "seed": 7}))
    assert first == second
    assert all(100 <= ms <= 200 for ms in first)
    assert len(set(first)) > 1  # a range, not one figure
    assert draws(Faults.load({"profile": "realistic", "seed": 8})) != first


def test_a_rule_without_jitter_keeps_its_fault_sequence():
    rule = {"match": "GET /v1.0/*", "throttle": 0.5}

    def statuses(config: FaultsConfig) -> list[int | None]:
        faults = Faults(config)
        return [faults.decide(*GRAPH, "app", 0.0).status for _ in range(30)]

    plain = statuses(Faults.load({"seed": 3, "rules": [rule]}))
    # The profile's own rules draw from sequences of their own.
    assert statuses(Faults.load({"seed": 3, "rules": [rule], "profile": "realistic"})) == plain


def test_requests_under_the_profile_are_delayed(emu: Emulator):
    # Tokens first: their own (profile) latency is not what this test measures.
    graph, exchange = emu.headers(GRAPH_SCOPE), emu.headers(EXCHANGE_SCOPE)
    emu.admin("PUT", "faults", json={"profile": "realistic"}).raise_for_status()
    try:
        shown = emu.admin("GET", "faults").json()
        assert shown["profile"] == "realistic" and shown["throttling"] is True
        with emu.client(headers=graph) as c:
            begin = time.monotonic()
            assert c.get("/v1.0/groups").status_code == 200
            assert time.monotonic() - begin >= 0.09
        with emu.client(headers=exchange) as c:
            begin = time.monotonic()
            r = c.post(
                f"/adminapi/beta/{emu.tenant_id}/InvokeCommand",
                json={"CmdletInput": {"CmdletName": "Get-AcceptedDomain", "Parameters": {}}},
            )
            assert r.status_code == 200
            assert time.monotonic() - begin >= 0.95
    finally:
        emu.admin("PUT", "faults", json={}).raise_for_status()


def test_serve_takes_a_profile(emulator_factory):
    emu = emulator_factory("--profile", "realistic")
    shown = emu.admin("GET", "faults").json()
    assert shown["profile"] == "realistic"
    assert shown["teamsOperationMs"] == load_profile("realistic").teams_operation_ms.value
    begin = time.monotonic()
    emu.token(GRAPH_SCOPE)
    assert time.monotonic() - begin >= 0.09  # the token endpoint's round trip
