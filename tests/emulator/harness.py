"""The emulator as tests meet it: a real subprocess on a free loopback port, over HTTPS."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

HCINFRA_APP = "3c9a6b1e-5d2f-4e8a-b7c4-0a1d2e3f4a5b"
HCINFRA_SECRET = "emulator-only-secret-not-for-production"
AUDITOR_APP = "7e2b4c6d-1a3f-4b5e-8c7d-9f0a1b2c3d4e"
AUDITOR_SECRET = "emulator-only-auditor-secret"
UNPRIVILEGED_APP = "0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d"
UNPRIVILEGED_SECRET = "emulator-only-unprivileged-secret"
TENANT_ID = "6f1d2c3b-8a4e-4b7d-9c2a-1e5f7a9b0c41"

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
EXCHANGE_SCOPE = "https://outlook.office365.com/.default"
TEAMS_SCOPE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default"


@dataclass
class Emulator:
    """A running emulator process and what a client needs to reach it."""

    url: str
    ca: str
    tenant_id: str
    proc: subprocess.Popen[str]
    state: Path | None = None
    _tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def client(self, **kw: Any) -> httpx.Client:
        """An httpx client that trusts the emulator's CA."""
        return httpx.Client(base_url=self.url, verify=self.ssl_context(), timeout=30, **kw)

    def ssl_context(self) -> ssl.SSLContext:
        """An SSL context trusting the emulator's CA."""
        return ssl.create_default_context(cafile=self.ca)

    def token(self, scope: str, app: str = HCINFRA_APP, secret: str = HCINFRA_SECRET) -> str:
        """An access token for the app, by client credentials."""
        key = (app, scope)
        if key not in self._tokens:
            with self.client() as c:
                r = c.post(
                    f"/{self.tenant_id}/oauth2/v2.0/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": app,
                        "client_secret": secret,
                        "scope": scope,
                    },
                )
                r.raise_for_status()
                self._tokens[key] = r.json()["access_token"]
        return self._tokens[key]

    def headers(self, scope: str, app: str = HCINFRA_APP, secret: str = HCINFRA_SECRET) -> dict:
        """Authorization header for the app and scope."""
        return {"Authorization": f"Bearer {self.token(scope, app, secret)}"}

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Call an /_emulator/ admin route."""
        with self.client() as c:
            return c.request(method, f"/_emulator/{path}", **kw)

    def teams_admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Call the Teams admin service as the automation app (behind any provider)."""
        with self.client(headers=self.headers(TEAMS_SCOPE)) as c:
            return c.request(method, path, **kw)

    def exo(self, cmdlet: str, **params: Any) -> list[dict[str, Any]]:
        """Run an Exchange cmdlet as the automation app, as an administrator would."""
        with self.client(headers=self.headers(EXCHANGE_SCOPE)) as c:
            r = c.post(
                f"/adminapi/beta/{self.tenant_id}/InvokeCommand",
                json={"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}},
            )
        assert r.is_success, r.text
        return list(r.json().get("value") or [])

    def graph(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Call Graph as the automation app (behind any provider)."""
        with self.client(headers=self.headers(GRAPH_SCOPE)) as c:
            return c.request(method, f"/v1.0{path}", **kw)

    def make_group(self, nickname: str, members: list[str] | None = None) -> str:
        """A security group made straight through Graph; its id."""
        body: dict[str, Any] = {
            "displayName": nickname,
            "mailNickname": nickname,
            "mailEnabled": False,
            "securityEnabled": True,
        }
        if members:
            body["members@odata.bind"] = [
                f"https://graph.microsoft.com/v1.0/directoryObjects/{m}" for m in members
            ]
        with self.client(headers=self.headers(GRAPH_SCOPE)) as c:
            r = c.post("/v1.0/groups", json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def make_package_policies(self, *packages: str) -> None:
        """The Tag:<package> instance of each healthcare package's policy types, as the
        tenant baseline declares them (default settings); then an empty request log."""
        from hcinfra.resources import healthcare_packages

        for package in packages or healthcare_packages.PACKAGES:
            for policy_type in healthcare_packages.POLICY_TYPES:
                path = f"/Skype.Policy/configurations/{policy_type}"
                r = self.teams_admin("POST", path, json={"Identity": package})
                assert r.status_code == 201, r.text
        self.admin("DELETE", "requests").raise_for_status()

    def requests(self, since: int = 0) -> dict[str, Any]:
        """The request log after `since`."""
        return self.admin("GET", f"requests?since={since}").json()

    def reset(self) -> None:
        """Back to the seed, no faults, empty log."""
        self.admin("PUT", "faults", json={}).raise_for_status()
        self.admin("POST", "reset").raise_for_status()

    def stop(self) -> int:
        """SIGTERM, and the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


def start_emulator(tmp: Path, *args: str) -> Emulator:
    """Start `hcinfra emulator serve` and read its first lines.

    Its log goes to `emulator.log` beside its TLS folder, and its standard output is
    drained after the first lines: an unread pipe fills (64 KiB) and then blocks the
    emulator's event loop on its next log line, which freezes every test using it.
    """
    tls = tmp / "tls"
    tmp.mkdir(parents=True, exist_ok=True)
    log = (tmp / "emulator.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hcinfra.cli",
            "emulator",
            "serve",
            "--port",
            "0",
            "--tls-dir",
            str(tls),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()  # the child holds its own descriptor
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        proc.wait()
        detail = (tmp / "emulator.log").read_text(encoding="utf-8")
        raise RuntimeError(f"emulator did not start: {url}\n{detail}")
    ca = proc.stdout.readline().split(":", 1)[1].strip()
    tenant = proc.stdout.readline().split(":", 1)[1].strip()
    threading.Thread(target=proc.stdout.read, name="emulator-stdout", daemon=True).start()
    return Emulator(url=url, ca=ca, tenant_id=tenant, proc=proc)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One emulator per test session (per xdist worker); tests reset it as they need."""
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The session emulator, reset to its seed before the test."""
    emulator.reset()
    return emulator


@pytest.fixture
def emulator_factory(tmp_path: Path) -> Iterator[Callable[..., Emulator]]:
    """Start extra emulators with their own arguments; all stopped at the end."""
    started: list[Emulator] = []

    def make(*args: str) -> Emulator:
        emu = start_emulator(tmp_path / f"emu{len(started)}", *args)
        started.append(emu)
        return emu

    yield make
    for emu in started:
        if emu.proc.poll() is None:
            emu.stop()
