"""The Teams federation allow list: reading it whatever its shape, adding and removing ours.

REF: https://learn.microsoft.com/powershell/module/teams/set-cstenantfederationconfiguration
The wire format is undocumented (docs/emulator.md, "Evidence (Teams admin service)"): the
item route and the write body follow CIPP's production ConfigAPI client, the read shape
Microsoft's MicrosoftTeams module and CIPP. Reads accept every shape seen or plausible
(a bare object, an array or a `value` wrapper; `AllowedDomains` nested as AllowedDomain,
as an AllowList, as strings or `{Domain}` objects, as PowerShell's `Domain=x` text); an
answer of no known shape stops the kind before it writes (`hcinfra doctor` probes it).

The list is tenant-wide and shared with whoever manages it by hand, so a write is a
read-modify-write of exactly our domains, one at a time per provider process, and is read
back: another writer's change in between means another round. A tenant that allows every
known domain has no list: adding one would cut off every other organisation, so it is left
alone (the partner is federated already, unless its domain is blocked). Emptying the list
would, by CIPP's evidence, allow every domain; the last removal turns federation off instead.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from hcinfra.errors import HcinfraError

if TYPE_CHECKING:
    from hcinfra.resources.base import KindProvider

CONFIG = "/Skype.Policy/configurations/TenantFederationSettings/configuration/Global"
ALL_KNOWN = "AllowAllKnownDomains"
ROUNDS = 4  # read-modify-write rounds before giving up on a list others keep changing
_WRITING = threading.Lock()


class FederationShapeUnknown(HcinfraError):
    """The federation configuration answered in a shape hcinfra does not know."""


class FederationNotApplied(HcinfraError):
    """The allow list kept losing our change to other writers."""


class DomainBlocked(HcinfraError):
    """A partner domain is on the federation block list, which hcinfra does not lift."""


@dataclass(frozen=True)
class Federation:
    """The federation settings PartnerTenant reads: on or off, the allow list, the blocks."""

    enabled: bool
    allowed: tuple[str, ...] | None  # None: every known domain not blocked
    blocked: tuple[str, ...]

    @property
    def mode(self) -> str:
        """`allow_list`, or `all_known_domains`."""
        return "all_known_domains" if self.allowed is None else "allow_list"

    def federated(self, domain: str) -> bool:
        """Whether the list lets the domain in (AllowFederatedUsers aside)."""
        if self.allowed is None:
            return domain not in self.blocked
        return domain in self.allowed  # an allow list ignores BlockedDomains


def pick_global(body: Any) -> dict[str, Any]:
    """The Global instance from an object, a bare array or a `value` wrapper."""
    items = body.get("value", [body]) if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise FederationShapeUnknown(
            f"the federation configuration is a JSON {type(body).__name__}"
        )
    docs = [d for d in items if isinstance(d, dict)]
    for doc in docs:
        ident = str(doc.get("Identity") or doc.get("identity") or "")
        if ident.lower().removeprefix("tag:") == "global":
            return doc
    if len(docs) == 1:
        return docs[0]
    raise FederationShapeUnknown("the federation configuration holds no Global instance")


def _names(value: Any) -> list[str] | None:
    """Domain names from strings, `{Domain}` objects or `Domain=x,Domain=y` text."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",")]
        return [p.split("=", 1)[-1].strip().lower() for p in parts if p.split("=", 1)[-1]]
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, str):
                out.append(item.strip().lower())
            elif isinstance(item, dict) and isinstance(
                item.get("Domain") or item.get("domain"), str
            ):
                out.append(str(item.get("Domain") or item.get("domain")).strip().lower())
            else:
                return None
        return out
    return None


def _allowed(raw: Any) -> tuple[str, ...] | None:
    if raw is None or raw == {} or raw == [] or raw == "" or raw == ALL_KNOWN:
        return None  # every known domain; an empty array is read so (the safe reading)
    if isinstance(raw, dict):
        keys = {k.lower(): v for k, v in raw.items()}
        if ALL_KNOWN.lower() in keys:
            return None
        for key in ("alloweddomain", "allowlist", "domains"):
            if key in keys:
                inner = keys[key]
                if inner is None or inner == []:
                    return None  # no entries: read as every known domain, the safe reading
                names = _names(inner if isinstance(inner, list) else [inner])
                if names is not None:
                    return tuple(names)
        raise FederationShapeUnknown(f"AllowedDomains has keys {', '.join(sorted(raw))}")
    names = _names(raw)
    if names is None:
        raise FederationShapeUnknown(
            f"AllowedDomains is a JSON {type(raw).__name__} of unknown items"
        )
    return tuple(names)


def parse(body: Any) -> Federation:
    """The federation settings from an answer of any shape seen; else FederationShapeUnknown."""
    doc = pick_global(body)
    enabled = doc.get("AllowFederatedUsers", True)
    if isinstance(enabled, str):
        enabled = enabled.lower() == "true"
    blocked = _names(doc.get("BlockedDomains") or [])
    if blocked is None:
        raise FederationShapeUnknown("BlockedDomains holds items of unknown shape")
    return Federation(bool(enabled), _allowed(doc.get("AllowedDomains")), tuple(blocked))


def read(provider: KindProvider, *, writing: bool = False) -> Federation:
    """The tenant's federation settings."""
    teams = provider.connection().teams
    return parse(provider.call(lambda: teams.call("GET", CONFIG), writing=writing))


def check_blocked(federation: Federation, domains: list[str]) -> None:
    """Refuse domains the tenant blocks while it allows every other known domain."""
    if federation.allowed is not None:
        return  # an allow list ignores the block list
    blocked = [d for d in domains if d in federation.blocked]
    if blocked:
        raise DomainBlocked(
            f"{', '.join(blocked)} is on the Teams federation block list (BlockedDomains). "
            "hcinfra does not lift a block someone set: remove it with "
            "Set-CsTenantFederationConfiguration -BlockedDomains @{Remove=...} if the partner "
            "is to be trusted, or drop the domain from the partner, and deploy again"
        )


def apply(
    provider: KindProvider, add: list[str], remove: list[str]
) -> tuple[Federation, list[str]]:
    """Put `add` on the allow list and take `remove` off it, leaving every other entry.

    Returns the settings as read back and what was done, for the operator's log.
    """
    with _WRITING:
        done: list[str] = []
        for attempt in range(ROUNDS):
            current = read(provider, writing=True)
            check_blocked(current, add)
            if current.allowed is None:
                return current, done  # no list to keep: every known domain is allowed
            wanted = [d for d in current.allowed if d not in remove]
            wanted += [d for d in add if d not in wanted]
            if wanted == list(current.allowed):
                return current, done
            body: dict[str, Any] = {"AllowedDomains": {"AllowList": wanted}}
            if not wanted:
                # An empty allow list reads as every known domain: turn federation off.
                body["AllowFederatedUsers"] = False
                done.append("the allow list is empty: federation turned off")
            teams = provider.connection().teams
            provider.call(partial(teams.call, "PUT", CONFIG, body))
            after = read(provider, writing=True)
            kept = after.allowed or ()
            if all(after.federated(d) for d in add) and not any(d in kept for d in remove):
                return after, done
            provider.notice(
                f"federation allow list changed meanwhile: applying again ({attempt + 1})"
            )
            time.sleep(0.2 * (attempt + 1))
    raise FederationNotApplied(
        f"the Teams federation allow list kept changing while hcinfra added {add or 'nothing'} "
        f"and removed {remove or 'nothing'}; run the deployment again"
    )
