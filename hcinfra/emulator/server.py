"""`hcinfra emulator serve`: the emulator on a loopback port, until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn
import yaml

from hcinfra.emulator.core.app import DROPPED, build_app
from hcinfra.emulator.core.faults import Faults, FaultsConfig
from hcinfra.emulator.core.seed import Seed
from hcinfra.emulator.core.tenant import Tenant
from hcinfra.emulator.core.tls import make_tls


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    state: str | None = None,
    seed: str | None = None,
    faults: str | None = None,
    tls: bool = True,
    tls_dir: str | None = None,
    profile: str | None = None,
) -> None:
    """Serve the emulator; print the base URL first, then the CA file and the tenant id."""
    tenant = Tenant(
        seed=Seed.from_file(seed) if seed else None,
        state_path=state,
        faults=faults_document(faults, profile),
    )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this: without it, Nagle and delayed ACKs add 40 ms a request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    # Listen before announcing the URL: early clients wait in the backlog, not refused.
    sock.listen(2048)
    bound = sock.getsockname()[1]
    url_host = f"[{host}]" if family == socket.AF_INET6 else host
    ssl: dict[str, str] = {}
    ca_pem = None
    if tls:
        folder = Path(tls_dir) if tls_dir else Path(tempfile.mkdtemp(prefix="hcinfra-tls-"))
        files = make_tls(folder, [host, "localhost", "127.0.0.1", "::1"])
        ssl = {"ssl_certfile": str(files.server_cert), "ssl_keyfile": str(files.server_key)}
        ca_pem = files.ca_cert.read_bytes()
    print(f"{'https' if tls else 'http'}://{url_host}:{bound}", flush=True)
    if tls:
        print(f"ca-certificate: {files.ca_cert}", flush=True)
    print(f"tenant: {tenant.tenant_id}", flush=True)
    config = uvicorn.Config(
        build_app(tenant, ca_pem),
        log_level="warning",
        access_log=False,
        lifespan="on",
        http="httptools",
        # uvloop where it is installed; asyncio where it has no build (Windows).
        loop="auto",
        timeout_graceful_shutdown=2,
        **ssl,  # type: ignore[arg-type]
    )
    # Configured by uvicorn.Config: emulated drops are faults asked for, not errors.
    logging.getLogger("uvicorn.error").addFilter(_quiet_drops)
    # uvicorn re-raises the signal it stopped on once it has shut down; exit 0 then.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    uvicorn.Server(config).run(sockets=[sock])


def faults_document(path: str | None, profile: str | None) -> FaultsConfig | None:
    """The faults file, with `profile` (from --profile) in place of any it names."""
    if path is None and profile is None:
        return None
    data = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) if path else None) or {}
    if profile is not None:
        data["profile"] = profile
    return Faults.load(data)


def _quiet_drops(record: logging.LogRecord) -> bool:
    """False for the traceback uvicorn logs when the faults drop a connection on purpose."""
    exc = record.exc_info[1] if record.exc_info else None
    return not (isinstance(exc, ConnectionAbortedError) and DROPPED in str(exc))
