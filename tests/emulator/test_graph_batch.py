"""$batch: 20 items at most, relative and absolute URLs, dependsOn and 424."""

from __future__ import annotations

from tests.emulator.harness import GRAPH_SCOPE, Emulator


def test_batch_items_relative_absolute_and_dependencies(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post(
            "/v1.0/$batch",
            json={
                "requests": [
                    {
                        "id": "1",
                        "method": "POST",
                        "url": "/groups",
                        "headers": {"Content-Type": "application/json"},
                        "body": {
                            "displayName": "B",
                            "mailNickname": "b",
                            "mailEnabled": False,
                            "securityEnabled": True,
                        },
                    },
                    {
                        "id": "2",
                        "method": "GET",
                        "url": f"{emu.url}/v1.0/users?$top=1",
                        "dependsOn": ["1"],
                    },
                    {"id": "3", "method": "GET", "url": "/groups/not-a-group"},
                    {"id": "4", "method": "GET", "url": "/users?$top=1", "depends_on": ["3"]},
                    {"id": "5", "method": "POST", "url": "/groups", "body": {"displayName": "x"}},
                ]
            },
        )
        assert r.status_code == 200
        by_id = {item["id"]: item for item in r.json()["responses"]}
    assert by_id["1"]["status"] == 201 and by_id["1"]["body"]["displayName"] == "B"
    assert by_id["2"]["status"] == 200 and len(by_id["2"]["body"]["value"]) == 1
    assert by_id["3"]["status"] == 404
    assert by_id["4"]["status"] == 424
    assert by_id["5"]["status"] == 400  # a body without Content-Type
    log = emu.requests()
    # Items 1-3 reached the service; 4 never ran (424) and 5 was refused by $batch itself.
    assert sum(1 for e in log["entries"] if e["batch_item"]) == 3


def test_batch_limits(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        items = [{"id": str(i), "method": "GET", "url": "/users?$top=1"} for i in range(21)]
        assert c.post("/v1.0/$batch", json={"requests": items}).status_code == 400
        dup = [{"id": "1", "method": "GET", "url": "/users"}] * 2
        assert c.post("/v1.0/$batch", json={"requests": dup}).status_code == 400


def test_batch_items_are_throttled_one_by_one(emu: Emulator):
    emu.admin(
        "PUT",
        "faults",
        json={
            "seed": 7,
            "rules": [{"match": "GET /v1.0/users*", "throttle": 0.5, "retryAfter": 3}],
        },
    ).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        items = [{"id": str(i), "method": "GET", "url": "/users?$top=1"} for i in range(20)]
        r = c.post("/v1.0/$batch", json={"requests": items})
    statuses = [item["status"] for item in r.json()["responses"]]
    assert r.status_code == 200 and 429 in statuses and 200 in statuses
    throttled = next(i for i in r.json()["responses"] if i["status"] == 429)
    assert throttled["headers"]["Retry-After"] == "3"
