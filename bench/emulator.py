"""Benchmark: group reads and writes per second the emulator sustains over HTTPS.

Run with `.venv/bin/python bench/emulator.py`. It starts two emulators side by
side (in memory, and persisting to a SQLite file) and drives each from several
client processes with keep-alive connections (http.client: a lean client, so the
figure is the emulator's and not the client's). It prints requests per second.
The targets later scale tests need: >= 1,000 reads/s and >= 300 writes/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import ssl
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.emulator.harness import GRAPH_SCOPE, Emulator, start_emulator


def _client(url: str, ca: str) -> http.client.HTTPSConnection:
    parts = urlsplit(url)
    ctx = ssl.create_default_context(cafile=ca)
    return http.client.HTTPSConnection(parts.hostname or "", parts.port, context=ctx)


def _worker(
    url: str, ca: str, token: str, kind: str, start: int, count: int, ids: list[str]
) -> list[str]:
    conn = _client(url, ca)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    made = []
    for n in range(start, start + count):
        if kind == "write":
            body = json.dumps(
                {
                    "displayName": f"Bench {n}",
                    "mailNickname": f"bench-{n}",
                    "mailEnabled": False,
                    "securityEnabled": True,
                }
            )
            conn.request("POST", "/v1.0/groups", body, headers)
        else:
            conn.request("GET", f"/v1.0/groups/{ids[n % len(ids)]}", headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status >= 400:
            raise RuntimeError(f"{resp.status}: {data[:200]!r}")
        if kind == "write":
            made.append(json.loads(data)["id"])
    conn.close()
    return made


def _run(emu: Emulator, kind: str, total: int, procs: int, ids: list[str]) -> tuple[float, list]:
    token = emu.token(GRAPH_SCOPE)
    share = total // procs
    with ProcessPoolExecutor(procs) as pool:
        begin = time.perf_counter()
        futures = [
            pool.submit(_worker, emu.url, emu.ca, token, kind, i * share, share, ids)
            for i in range(procs)
        ]
        made = [x for f in futures for x in f.result()]
        elapsed = time.perf_counter() - begin
    return share * procs / elapsed, made


def measure(emu: Emulator, n: int, procs: int) -> dict[str, float]:
    """Writes (POST /groups), then reads (GET /groups/{id}), per second."""
    writes, ids = _run(emu, "write", n, procs, [])
    reads, _ = _run(emu, "read", n * 3, procs, ids)
    return {"writes_per_s": writes, "reads_per_s": reads}


def main() -> None:
    """Print the figures for the in-memory and the persisted emulator."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hcinfra-bench-"))
    results = {}
    for label, extra in (("memory", ()), ("sqlite-file", ("--state", str(tmp / "t.db")))):
        emu = start_emulator(tmp / label, *extra)
        try:
            results[label] = measure(emu, args.requests, args.clients)
        finally:
            emu.stop()
    print(
        f"emulator benchmark: {args.requests} group writes then {args.requests * 3} reads, "
        f"{args.clients} client processes, HTTPS on loopback, 2 cores shared with the clients"
    )
    for label, r in results.items():
        print(f"  {label:12s} reads/s {r['reads_per_s']:7.0f}   writes/s {r['writes_per_s']:7.0f}")
    mem, disk = results["memory"], results["sqlite-file"]
    print(
        f"  ratio file/memory: reads {disk['reads_per_s'] / mem['reads_per_s']:.2f}, "
        f"writes {disk['writes_per_s'] / mem['writes_per_s']:.2f}"
    )
    ok = all(r["reads_per_s"] >= 1000 and r["writes_per_s"] >= 300 for r in results.values())
    print(f"  targets (>= 1000 reads/s, >= 300 writes/s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
