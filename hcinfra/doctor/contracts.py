"""contract.*: harmless reads that show whether the tenant answers as hcinfra expects.

The Exchange admin API and the Teams admin service are undocumented; hcinfra's
clients follow what reverse-engineered clients report (docs/emulator.md). Each probe
reads something that changes nothing and compares the answer's shape with the one
hcinfra's client relies on. `/Teams.VerticalPackaging/…` is never called: Microsoft
documents the `*PolicyPackage*` cmdlets as unsupported with app-only authentication.
The federation probe reads Get-CsTenantFederationConfiguration's object, which
PartnerTenant changes (its route and shape are unverified).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from hcinfra.clients.errors import EXCHANGE_NOT_FOUND, TenantError
from hcinfra.doctor.context import Context
from hcinfra.doctor.model import OK, PROBLEM, WARNING, Check, unchecked

EXCHANGE_ID = "contract.exchange.not-found"
ASSIGNMENTS_ID = "contract.teams.group-assignments"
POLICY_ID = "contract.teams.policy-read"
FEDERATION_ID = "contract.teams.federation"
FEDERATION = "/Skype.Policy/configurations/TenantFederationSettings/configuration/Global"
ASSIGNMENTS = "/Skype.Policy/groupPolicyAssignments?policyType=TeamsMessagingPolicy"
POLICY = "/Skype.Policy/configurations/TeamsMessagingPolicy"
# The corrected contract (docs/emulator.md): camelCase keys, read case-sensitively.
ASSIGNMENT_KEYS = ("groupId", "policyType", "policyName", "priority")
PASCAL_KEYS = ("GroupId", "PolicyType", "PolicyName", "Rank", "Priority")
REPORT = (
    "do not deploy the {what} until hcinfra's client handles this answer: report it to "
    "hcinfra's maintainers with the request id and this check's details"
)


def _refused(err: TenantError) -> bool:
    return err.status in (401, 403)


def exchange_not_found_check(ctx: Context) -> Check:
    """Get-Mailbox of an address that cannot exist: a 404, or a 400 naming the exception."""
    why = ctx.no_token("exchange")
    if why:
        return unchecked(EXCHANGE_ID, why)
    identity = f"hcinfra-doctor-{uuid.uuid4().hex[:12]}@{ctx.network.tenant.domains[0]}"
    expected = f"hcinfra expects 404, or 400 with {EXCHANGE_NOT_FOUND} in details"
    fix = REPORT.format(what="shared mailboxes")
    try:
        found = ctx.conn.exchange.invoke("Get-Mailbox", Identity=identity)
    except TenantError as err:
        exception = err.exception
        # The Exchange client's own classifier: what hcinfra reads as "no such object".
        if err.not_found:
            variant = "404" if err.status == 404 else f"{err.status} with {exception}"
            return Check(
                EXCHANGE_ID,
                OK,
                f"Get-Mailbox of a missing mailbox: the tenant "
                f"answered {variant}, which hcinfra reads as not found",
            )
        if _refused(err):
            return unchecked(EXCHANGE_ID, f"Get-Mailbox was refused: {err.describe()}")
        return Check(
            EXCHANGE_ID,
            PROBLEM,
            f"Get-Mailbox of a missing mailbox answered {err.status} {err.code}; {expected}",
            fix,
            (err.describe(), f"exception: {exception or '(none)'}"),
        )
    except (ValueError, AttributeError, TypeError):
        return Check(
            EXCHANGE_ID,
            PROBLEM,
            f"Get-Mailbox of a missing mailbox answered a body that is not Exchange's; {expected}",
            fix,
        )
    return Check(
        EXCHANGE_ID,
        PROBLEM,
        f"Get-Mailbox of a mailbox that cannot exist succeeded ({len(found)} objects); {expected}",
        fix,
        (identity,),
    )


def _teams_get(ctx: Context, check_id: str, path: str) -> Any | Check:
    """The JSON answer, or the Check that says why there is none."""
    why = ctx.no_token("teamsadmin")
    if why:
        return unchecked(check_id, why)
    try:
        return ctx.conn.teams.call("GET", path)
    except TenantError as err:
        if _refused(err):
            return unchecked(check_id, f"GET {path} was refused: {err.describe()}")
        return Check(
            check_id,
            PROBLEM,
            f"GET {path} failed: {err.describe()}",
            REPORT.format(what="Teams policies"),
        )
    except ValueError:
        return Check(
            check_id,
            PROBLEM,
            f"GET {path} answered something that is not JSON",
            REPORT.format(what="Teams policies"),
        )


def _item_keys(item: Any) -> str:
    return ", ".join(sorted(item)) if isinstance(item, dict) else type(item).__name__


def assignments_check(ctx: Context) -> Check:
    """The group policy assignment list: a bare array of camelCase items."""
    body = _teams_get(ctx, ASSIGNMENTS_ID, ASSIGNMENTS)
    if isinstance(body, Check):
        return body
    fix = REPORT.format(what="group policy assignments")
    if not isinstance(body, list):
        return Check(
            ASSIGNMENTS_ID,
            PROBLEM,
            f"GET {ASSIGNMENTS} answered a JSON {type(body).__name__}, not a bare array",
            fix,
        )
    if not body:
        return Check(
            ASSIGNMENTS_ID,
            WARNING,
            "answered an empty array: the item shape was not "
            "seen (no group holds a TeamsMessagingPolicy yet)",
        )
    bad = [
        item
        for item in body
        if not isinstance(item, dict)
        or any(k not in item for k in ASSIGNMENT_KEYS)
        or any(k in item for k in PASCAL_KEYS)
        or not isinstance(item.get("priority"), int)
    ]
    if not bad:
        return Check(
            ASSIGNMENTS_ID,
            OK,
            f"a bare array of {len(body)} item(s) with "
            f"{', '.join(ASSIGNMENT_KEYS)}, as hcinfra reads them",
        )
    return Check(
        ASSIGNMENTS_ID,
        PROBLEM,
        f"{len(bad)} of {len(body)} assignment(s) lack the camelCase keys "
        f"{', '.join(ASSIGNMENT_KEYS)} (keys seen: {_item_keys(bad[0])})",
        fix,
        tuple(f"keys: {_item_keys(item)}" for item in bad[:3]),
    )


def policy_read_check(ctx: Context) -> Check:
    """One policy type read: a bare array holding the `Global` instance."""
    body = _teams_get(ctx, POLICY_ID, POLICY)
    if isinstance(body, Check):
        return body
    fix = REPORT.format(what="Teams policies")
    if not isinstance(body, list):
        return Check(
            POLICY_ID,
            PROBLEM,
            f"GET {POLICY} answered a JSON {type(body).__name__}, not a bare array",
            fix,
        )
    identities = [str(i.get("Identity")) for i in body if isinstance(i, dict)]
    if "Global" in identities:
        return Check(
            POLICY_ID,
            OK,
            f"a bare array of {len(body)} TeamsMessagingPolicy instance(s), Global among them",
        )
    return Check(
        POLICY_ID,
        PROBLEM,
        f"GET {POLICY} holds no instance with Identity Global "
        f"(identities: {', '.join(identities[:5]) or 'none'})",
        fix,
    )


def _evidenced_shape(body: Any) -> str:
    """Why an answer differs from the evidenced shape, or '' when it is that shape."""
    if not isinstance(body, dict):
        return f"a JSON {type(body).__name__}, not one object"
    allowed = body.get("AllowedDomains")
    if allowed != {} and not (
        isinstance(allowed, dict)
        and set(allowed) == {"AllowedDomain"}
        and isinstance(allowed["AllowedDomain"], list)
        and all(
            isinstance(d, dict) and isinstance(d.get("Domain"), str)
            for d in allowed["AllowedDomain"]
        )
    ):
        seen = json.dumps(allowed)[:80]
        return f"AllowedDomains is {seen}, not {{}} or {{AllowedDomain: [{{Domain}}]}}"
    if not isinstance(body.get("AllowFederatedUsers"), bool):
        return "AllowFederatedUsers is not a Boolean"
    return ""


def federation_check(ctx: Context) -> Check:
    """The federation configuration: one object, AllowedDomains nested as PartnerTenant reads it.

    The route and shape are unverified (docs/emulator.md): hcinfra's reader accepts other
    shapes too, and this says which one the tenant answers before a PartnerTenant writes.
    """
    from hcinfra.resources.partner_tenant.federation import FederationShapeUnknown, parse

    body = _teams_get(ctx, FEDERATION_ID, FEDERATION)
    if isinstance(body, Check):
        return body
    try:
        fed = parse(body)
    except FederationShapeUnknown as err:
        return Check(
            FEDERATION_ID,
            PROBLEM,
            f"GET {FEDERATION} answered a shape hcinfra cannot read ({err})",
            REPORT.format(what="partner tenants"),
        )
    mode = "an allow list" if fed.allowed is not None else "every known domain"
    why = _evidenced_shape(body)
    if why:
        return Check(
            FEDERATION_ID,
            WARNING,
            f"the federation configuration is readable ({mode}) but not in the evidenced "
            f"shape: {why}; report it to hcinfra's maintainers so the contract is corrected",
        )
    return Check(
        FEDERATION_ID,
        OK,
        f"the federation configuration answers as hcinfra reads it: federation "
        f"{'on' if fed.enabled else 'off'}, {mode}"
        + (f" of {len(fed.allowed)} domain(s)" if fed.allowed is not None else ""),
    )
