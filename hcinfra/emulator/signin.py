"""A device code sign-in approved on a running emulator, as a person approves it at the
device login page: `hcinfra emulator approve-signin`, which `make demo` runs for the
emulator's operator while `hcinfra signin` waits. It only calls the emulator's admin hook
(`POST /_emulator/devicecode/approve`, docs/emulator.md), so it needs only httpx, not the
emulator extra.
"""

from __future__ import annotations

import ssl
import time

import httpx

from hcinfra.errors import HcinfraError


class ApprovalFailed(HcinfraError):
    """The emulator approved no device code."""


def approve_signin(
    endpoint: str, ca_bundle: str, user: str, code: str = "", timeout: float = 60
) -> list[str]:
    """`user` approves the pending device code `code` (every pending one without it),
    waiting up to `timeout` seconds for one to be pending; the user codes approved."""
    if not endpoint:
        raise ApprovalFailed(
            "no emulator to approve the sign-in on: set HCINFRA_ENDPOINT or pass --endpoint"
        )
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True
    )
    body = {"user": user, **({"userCode": code} if code else {})}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=endpoint.rstrip("/"), verify=verify, timeout=30) as client:
        while True:
            answer = client.post("/_emulator/devicecode/approve", json=body)
            if not answer.is_success:
                raise ApprovalFailed(
                    f"the emulator at {endpoint} refused the approval ({answer.status_code}): "
                    f"{' '.join(answer.text.split())[:300]}"
                )
            approved = [str(c) for c in answer.json().get("approved") or []]
            if approved:
                return approved
            if time.monotonic() >= deadline:
                raise ApprovalFailed(
                    f"no pending device code{f' {code}' if code else ''} to approve after "
                    f"{timeout:g} s: start `hcinfra signin` first"
                )
            time.sleep(0.2)
