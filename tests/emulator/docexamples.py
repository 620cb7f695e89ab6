"""Replaying the request/response examples of Microsoft Learn's Graph v1.0 pages.

Each example is data: the page, the request (method, path, headers, body) and what the page
shows of the answer (status, headers, body properties, `@odata.context` fragment, error
code). Placeholders such as `{group}` or `{user}` stand for the page's ids and are filled with
objects of the emulator's tenant. `replay` sends the request over HTTPS as the automation
app; `check` compares the answer with the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.emulator.harness import GRAPH_SCOPE, Emulator

ODATA_JSON = "application/json;odata.metadata=minimal"
ABSENT = object()  # a property the answer must not carry


@dataclass
class Example:
    """One request/response example of a Learn page."""

    page: str  # the page's URL
    method: str
    path: str  # after /v1.0, with {placeholders}
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    context: str | None = None  # the part of @odata.context after "$metadata#"
    props: dict[str, Any] = field(default_factory=dict)  # top-level properties shown
    item_keys: set[str] | None = None  # exactly these keys in each value item (besides id)
    resp_headers: dict[str, str] = field(default_factory=dict)  # name -> expected prefix
    error: str | None = None  # error.code
    message: str | None = None  # error.message


def fill(value: Any, ids: dict[str, str]) -> Any:
    """The value with {placeholders} replaced, inside strings, lists and dicts."""
    if isinstance(value, str):
        for key, ident in ids.items():
            value = value.replace("{" + key + "}", ident)
        return value
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {fill(k, ids): fill(v, ids) for k, v in value.items()}
    return value


def replay(emu: Emulator, ex: Example, ids: dict[str, str] | None = None) -> httpx.Response:
    """Send the example's request to the emulator as the automation app."""
    ids = ids or {}
    headers = {**emu.headers(GRAPH_SCOPE), **fill(ex.headers, ids)}
    with emu.client(headers=headers) as c:
        return c.request(
            ex.method,
            "/v1.0" + fill(ex.path, ids),
            json=fill(ex.body, ids) if ex.body is not None else None,
        )


def check(r: httpx.Response, ex: Example, ids: dict[str, str] | None = None) -> Any:
    """Assert the answer agrees with the page; returns the parsed JSON body (or None)."""
    ids = ids or {}
    assert r.status_code == ex.status, (ex.page, r.status_code, r.text)
    for name, prefix in fill(ex.resp_headers, ids).items():
        assert r.headers.get(name, "").startswith(prefix), (ex.page, name, r.headers.get(name))
    if not r.content:
        return None
    body = r.json() if "json" in r.headers.get("content-type", "") else r.text
    if ex.error is not None:
        assert body["error"]["code"] == ex.error, (ex.page, body)
        if ex.message is not None:
            assert body["error"]["message"] == fill(ex.message, ids), (ex.page, body)
        return body
    if ex.context is not None:
        expected = f"{emu_base(r)}/v1.0/$metadata#{fill(ex.context, ids)}"
        assert body["@odata.context"] == expected, (ex.page, body.get("@odata.context"))
    for name, value in fill(ex.props, ids).items():
        if value is ABSENT:
            assert name not in body, (ex.page, name)
        else:
            assert body.get(name) == value, (ex.page, name, body.get(name))
    if ex.item_keys is not None:
        for item in body["value"]:
            assert set(item) - {"id", "@odata.type"} == ex.item_keys, (ex.page, item)
    return body


def emu_base(r: httpx.Response) -> str:
    """The emulator's base URL, as its answers name it."""
    return f"{r.url.scheme}://{r.url.netloc.decode()}"


def user_id(emu: Emulator, upn: str) -> str:
    """A seeded user's object id."""
    r = emu.graph("GET", f"/users/{upn}")
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def unified_group(emu: Emulator, nickname: str, owner: str) -> str:
    """A Microsoft 365 group with an owner; its id."""
    r = emu.graph(
        "POST",
        "/groups",
        json={
            "displayName": nickname,
            "mailNickname": nickname,
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "owners@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{owner}"],
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])
