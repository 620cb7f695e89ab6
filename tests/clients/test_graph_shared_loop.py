"""GraphApi: one event loop and connection pool per process, interactions kept apart."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.group import Group

from hcinfra.clients.connection import Connection
from tests.emulator.harness import Emulator
from tests.resources.conftest import settings_for

GRAPH = "https://graph.microsoft.com/.default"


def test_concurrent_upserts_from_many_threads_stay_apart(emu: Emulator):
    # Sharing one GraphServiceClient across concurrent interactions let one request's
    # headers reach another: an upsert lost its Prefer header and answered 404.
    graph = Connection(settings_for(emu)).graph

    def make(n: int) -> tuple[str, str]:
        async def upsert(client: GraphServiceClient) -> str:
            config: RequestConfiguration[object] = RequestConfiguration()
            config.headers.add("Prefer", "create-if-missing")
            body = Group(
                display_name=f"G{n}",
                mail_nickname=f"g{n}",
                mail_enabled=False,
                security_enabled=True,
                group_types=[],
            )
            made = await client.groups_with_unique_name(f"g{n}").patch(body, config)
            assert made is not None and made.id
            return made.id

        return f"g{n}", graph.run(upsert)

    with ThreadPoolExecutor(8) as pool:
        made = dict(pool.map(make, range(16)))
    state = emu.admin("GET", "state").json()["group"]
    assert {g["uniqueName"]: gid for gid, g in state.items()} == made


def test_interactions_share_one_loop_thread(emu: Emulator):
    graph = Connection(settings_for(emu)).graph
    seen: set[int] = set()

    async def where(client: GraphServiceClient) -> None:
        seen.add(threading.get_ident())
        await client.subscribed_skus.get()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: graph.run(where), range(8)))
    assert len(seen) == 1 and threading.get_ident() not in seen


def test_threads_meeting_an_empty_token_cache_fetch_one_token(emu: Emulator):
    conn = Connection(settings_for(emu))
    mark = emu.requests()["last"]
    with ThreadPoolExecutor(8) as pool:
        tokens = set(pool.map(lambda _: conn.credential.get_token(GRAPH).token, range(16)))
    fetched = [e for e in emu.requests(since=mark)["entries"] if e["path"].endswith("/token")]
    assert len(tokens) == 1 and len(fetched) == 1
