"""`hcinfra doctor --network FILE`: exit 0 when every check is ok (warnings allowed), 2 when a
problem was found or a check could not be made, 1 when the doctor could not run at all."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hcinfra.clients.connection import Connection
from hcinfra.clients.settings import load_settings
from hcinfra.doctor import contracts, domains, identity, licences, members, signin
from hcinfra.doctor.context import SERVICE_NAMES, Context, fetch_tokens
from hcinfra.doctor.model import Check, unchecked
from hcinfra.doctor.report import Report, render
from hcinfra.network import Network, NetworkError, load_network

CLEAN, ERROR, FOUND = 0, 1, 2
log = logging.getLogger("hcinfra.doctor")
CheckFn = Callable[[Context], Check | list[Check]]


def _checks(manifest: Future[dict[str, Any]]) -> list[tuple[tuple[str, ...], CheckFn]]:
    """Every check after the tokens, with the ids it reports, in report order."""
    return [
        (("tenant.id",), identity.tenant_check),
        (
            ("permissions.graph", "permissions.exchange", "roles.directory"),
            lambda ctx: identity.permission_checks(ctx, manifest.result()),
        ),
        ((domains.CHECK,), domains.domain_check),
        (licences.IDS, licences.licence_checks),
        ((members.CHECK,), members.member_check),
        ((signin.CHECK,), signin.signin_check),
        ((contracts.EXCHANGE_ID,), contracts.exchange_not_found_check),
        ((contracts.ASSIGNMENTS_ID,), contracts.assignments_check),
        ((contracts.POLICY_ID,), contracts.policy_read_check),
        ((contracts.FEDERATION_ID,), contracts.federation_check),
    ]


def _guarded(ids: tuple[str, ...], fn: CheckFn, ctx: Context) -> list[Check]:
    try:
        got = fn(ctx)
    # A doctor reports what it could not check instead of stopping: an unexpected
    # answer or a dropped connection in one area must not hide the others' results.
    except Exception as err:
        log.debug("check %s failed", ids[0], exc_info=True)
        return [unchecked(i, f"{type(err).__name__}: {err}") for i in ids]
    return got if isinstance(got, list) else [got]


def diagnose(
    network: Network, source: str, conn: Connection, only: Collection[str] | None = None
) -> Report | str:
    """Run every check (or those whose ids are in `only`); the report, or why the doctor
    could not run (no token at all). `hcinfra sites up` runs its preflight through here."""
    from hcinfra.permissions import manifest

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        # The manifest imports every resource kind: load it while the tokens come.
        wanted = pool.submit(manifest)
        claims, errors = fetch_tokens(conn)
        if not claims:
            lines = [f"  {SERVICE_NAMES[s]}: {why}" for s, why in errors.items()]
            return "no token for any service:\n" + "\n".join(lines)
        ctx = Context(network, conn, claims, errors)
        planned = [(ids, fn) for ids, fn in _checks(wanted) if only is None or set(ids) & set(only)]
        futures = [pool.submit(_guarded, ids, fn, ctx) for ids, fn in planned]
        found = identity.token_checks(ctx) + [c for f in futures for c in f.result()]
        found = [c for c in found if only is None or c.id in only]
    tenant = next(iter(claims.values())).get("tid") or conn.settings.tenant_id
    return Report(source, str(tenant), found, time.monotonic() - started)


def doctor_command(network_file: str, fmt: str, out: str | None) -> int:
    """Check the tenant before a first deploy; print or write the report."""
    try:
        network = load_network(network_file)
    except NetworkError as err:
        print(str(err), file=sys.stderr)
        return ERROR
    settings = load_settings()
    missing = settings.missing()
    if missing:
        print(
            f"hcinfra doctor: cannot reach the tenant: set {', '.join(missing)} (stack config) "
            "or the matching environment variables (docs/resources.md).",
            file=sys.stderr,
        )
        return ERROR
    try:
        result = diagnose(network, network_file, Connection(settings))
    except (ValueError, OSError) as err:  # e.g. a certificate file that cannot be read
        print(f"hcinfra doctor: {err}", file=sys.stderr)
        return ERROR
    if isinstance(result, str):
        print(f"hcinfra doctor: {result}", file=sys.stderr)
        return ERROR
    text = render(result, fmt)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(render(result, "text").splitlines()[-1])
    else:
        sys.stdout.write(text)
    return CLEAN if result.clean else FOUND
