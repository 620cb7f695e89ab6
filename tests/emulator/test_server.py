"""The emulator process: tokens required, faults, persistence across restarts, clean stop."""

from __future__ import annotations

import httpx
import jwt
import pytest

from tests.emulator.harness import GRAPH_SCOPE, TEAMS_SCOPE, Emulator

GROUP = {
    "displayName": "Persisted",
    "mailNickname": "persisted",
    "mailEnabled": False,
    "securityEnabled": True,
}


def test_requests_need_a_valid_token_for_the_service(emu: Emulator):
    with emu.client() as c:
        r = c.get("/v1.0/groups")
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert r.json()["error"]["message"] == "Access token is empty."
        # A Teams admin token is for another audience.
        r = c.get("/v1.0/groups", headers=emu.headers(TEAMS_SCOPE))
        assert r.status_code == 401 and "Invalid audience" in r.json()["error"]["message"]
        forged = jwt.encode(
            {
                "aud": "https://graph.microsoft.com",
                "tid": emu.tenant_id,
                "exp": 9999999999,
                "roles": ["Group.ReadWrite.All"],
            },
            "guess",
            algorithm="HS256",
        )
        r = c.get("/v1.0/groups", headers={"Authorization": f"Bearer {forged}"})
        assert r.status_code == 401


def test_expired_token_is_refused(emu: Emulator):
    token = emu.token(GRAPH_SCOPE)
    emu.admin("POST", "clock", json={"advanceSeconds": 3700}).raise_for_status()
    with emu.client() as c:
        r = c.get("/v1.0/groups", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]
    emu._tokens.clear()


def test_faults_throttle_with_retry_after_deterministically(emu: Emulator):
    faults = {
        "seed": 42,
        "rules": [{"match": "GET /v1.0/users*", "throttle": 0.3, "retryAfter": 2}],
    }

    def sequence() -> list[int]:
        emu.admin("PUT", "faults", json=faults).raise_for_status()
        with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
            return [c.get("/v1.0/users", params={"$top": "1"}).status_code for _ in range(30)]

    first, second = sequence(), sequence()
    assert first == second and 429 in first and 200 in first
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        emu.admin(
            "PUT",
            "faults",
            json={"rules": [{"match": "* /v1.0/users*", "throttle": 1, "retryAfter": 7}]},
        )
        r = c.get("/v1.0/users")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert r.json()["error"]["code"] == "TooManyRequests"


def test_unavailable_dropped_and_latency(emu: Emulator):
    emu.admin(
        "PUT",
        "faults",
        json={
            "rules": [
                {"match": "GET /v1.0/subscribedSkus", "unavailable": 1, "limit": 1},
                {"match": "GET /v1.0/groups", "drop": 1, "limit": 1},
            ]
        },
    ).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        assert c.get("/v1.0/subscribedSkus").status_code == 503
        assert c.get("/v1.0/subscribedSkus").status_code == 200  # the limit is spent
        with pytest.raises(httpx.TransportError):
            c.get("/v1.0/groups")
        assert c.get("/v1.0/groups").status_code == 200


def test_dropped_connections_log_no_traceback(emulator_factory, tmp_path):
    # A traceback per emulated drop filled the log (and, through an unread pipe, once
    # froze the emulator); drops are faults asked for, not errors.
    emu = emulator_factory()
    rule = {"match": "GET /v1.0/groups", "drop": 1, "limit": 20}
    emu.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        for _ in range(20):
            with pytest.raises(httpx.TransportError):
                c.get("/v1.0/groups")
        assert c.get("/v1.0/groups").status_code == 200
    emu.stop()
    log = (tmp_path / "emu0" / "emulator.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and "emulated dropped connection" not in log, log[:500]


def test_dropped_response_after_the_write(emu: Emulator):
    emu.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": "POST /v1.0/groups", "dropResponse": 1, "limit": 1}]},
    ).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        with pytest.raises(httpx.TransportError):
            c.post("/v1.0/groups", json=GROUP)
        # The write happened even though its answer was lost.
        found = c.get("/v1.0/groups", params={"$filter": "mailNickname eq 'persisted'"})
    assert len(found.json()["value"]) == 1


def test_throttling_mode_enforces_teams_create_rate(emu: Emulator):
    emu.admin("PUT", "faults", json={"throttling": True}).raise_for_status()
    items = [
        {
            "id": str(i),
            "method": "POST",
            "url": "/teams",
            "body": {},
            "headers": {"Content-Type": "application/json"},
        }
        for i in range(20)
    ]
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        # 20 creates in one instant: POST /teams allows 10 per second; bad bodies count too.
        r = c.post("/v1.0/$batch", json={"requests": items})
    responses = r.json()["responses"]
    statuses = [i["status"] for i in responses]
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429] * 10
    assert responses[-1]["headers"]["x-ms-throttle-scope"] == "teams-create"


def test_state_persists_across_restart_and_sigterm_is_clean(emulator_factory, tmp_path):
    state = str(tmp_path / "tenant.db")
    first = emulator_factory("--state", state)
    with first.client(headers=first.headers(GRAPH_SCOPE)) as c:
        gid = c.post("/v1.0/groups", json=GROUP).json()["id"]
    assert first.stop() == 0
    second = emulator_factory("--state", state)
    with second.client(headers=second.headers(GRAPH_SCOPE)) as c:
        assert c.get(f"/v1.0/groups/{gid}").json()["displayName"] == "Persisted"
    assert second.stop() == 0


def test_admin_request_log_counts_routes(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        c.get("/v1.0/groups")
        c.get("/v1.0/groups")
        c.post("/v1.0/groups", json=GROUP)
    counts = {(x["method"], x["route"], x["status"]): x["count"] for x in emu.requests()["counts"]}
    assert counts[("GET", "/groups", 200)] == 2
    assert counts[("POST", "/groups", 201)] == 1
    assert emu.requests()["writes"] == 1
