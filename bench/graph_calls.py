"""Benchmark: Graph calls on one shared event loop and connection pool, against a new loop,
HTTP client and TLS session per call (what each call did before).

Run with `.venv/bin/python bench/graph_calls.py [--calls 200] [--threads 4]`. It starts
its own emulator (HTTPS), makes one group, then reads it `--calls` times from
`--threads` threads (as the engine's provider thread pool calls a provider), first one
way then the other, alternating for three rounds so both see the same machine load. It
prints the median milliseconds per call of each and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hcinfra.clients.connection import Connection  # noqa: E402
from hcinfra.clients.graph import GraphApi  # noqa: E402
from hcinfra.clients.retry import AsyncRetryTransport  # noqa: E402
from tests.emulator.harness import start_emulator  # noqa: E402
from tests.resources.conftest import settings_for  # noqa: E402


def per_call(api: GraphApi, gid: str) -> None:
    """The former way: a new event loop, client and TLS session for one call."""

    async def go() -> None:
        transport = AsyncRetryTransport(httpx.AsyncHTTPTransport(verify=api.settings.verify))
        async with httpx.AsyncClient(transport=transport, timeout=60) as http:
            await api._client(http).groups.by_group_id(gid).get()

    asyncio.run(go())


def shared(api: GraphApi, gid: str) -> None:
    """The way GraphApi.run works: one loop and one pool per process, a client per call."""
    api.run(lambda c: c.groups.by_group_id(gid).get())


def timed(fn, api: GraphApi, gid: str, calls: int, threads: int) -> float:  # type: ignore[no-untyped-def]
    """Milliseconds per call."""
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: fn(api, gid), range(calls)))
    return (time.monotonic() - started) * 1000 / calls


def main() -> None:
    """Both ways, side by side, three rounds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    emu = start_emulator(Path(tempfile.mkdtemp(prefix="hcinfra-bench-graph-")))
    try:
        gid = emu.make_group("bench-graph")
        api = Connection(settings_for(emu)).graph
        shared(api, gid)  # tokens and imports warm for both
        old, new = [], []
        for _ in range(3):
            old.append(timed(per_call, api, gid, args.calls, args.threads))
            new.append(timed(shared, api, gid, args.calls, args.threads))
        o, n = statistics.median(old), statistics.median(new)
        print(f"{args.calls} group reads from {args.threads} threads, medians of 3 rounds")
        print(f"  new loop, client and TLS session per call: {o:6.1f} ms per call")
        print(f"  one shared loop and connection pool:       {n:6.1f} ms per call")
        print(f"  ratio: {o / n:.2f}x")
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
