"""hcinfra's permission manifest: the union of what every resource kind declares, and
what the audit commands read beyond the kinds' reads (hcinfra.audit.permissions).

`hcinfra permissions` prints it; the bootstrap stack grants exactly it. The kinds are
those registered in hcinfra.resources.registry that call the tenant.
"""

from __future__ import annotations

import json
from typing import Any

from hcinfra.audit import permissions as audit
from hcinfra.resources import registry
from hcinfra.resources.base import Grants, KindProvider

SERVICES = {
    "graph": "Microsoft Graph (application permissions)",
    "exchange": "Office 365 Exchange Online (application permissions)",
    "directory_roles": "Entra ID directory roles (of the app's service principal)",
}


def kinds() -> list[type[KindProvider]]:
    """Every resource kind's provider class that calls the tenant, in manifest order."""
    return [k.provider_class() for k in registry.KINDS if k.tenant]


# What `hcinfra export`, `drift` and `check` read beyond the kinds' reads.
AUDIT = Grants(graph=audit.GRAPH)
DELEGATED = "Microsoft Graph (delegated permissions, of the operator who runs `hcinfra signin`)"


def _union(grants: list[Grants], attr: str) -> list[str]:
    names = {p for g in grants for p in getattr(g, attr)}
    # X.ReadWrite.All grants everything X.Read.All does, and X.Read.All everything
    # X.ReadBasic.All does (Graph's permission reference): grant only the stronger one.
    implied = {n.replace(".ReadWrite.", ".Read.") for n in names if ".ReadWrite." in n}
    implied |= {
        n
        for n in names
        if ".ReadBasic." in n
        and {n.replace(".ReadBasic.", ".Read."), n.replace(".ReadBasic.", ".ReadWrite.")} & names
    }
    return sorted(names - implied)


def manifest() -> dict[str, Any]:
    """Permissions per service (the union), per kind for reads and writes, and the
    audit's own reads."""
    providers = kinds()
    every = [g for k in providers for g in (k.permissions.read, k.permissions.write)]
    every.append(AUDIT)
    return {
        "services": {attr: _union(every, attr) for attr in SERVICES},
        # Not the app's: a user's, for the few calls Microsoft takes delegated only.
        "delegated": {
            "graph": sorted({p for k in providers for p in k.permissions.delegated}),
            "kinds": {
                k.kind: list(k.permissions.delegated) for k in providers if k.permissions.delegated
            },
        },
        "kinds": {
            k.kind: {
                "read": {attr: list(getattr(k.permissions.read, attr)) for attr in SERVICES},
                "write": {attr: list(getattr(k.permissions.write, attr)) for attr in SERVICES},
            }
            for k in providers
        },
        # Read by `hcinfra export`, `drift` and `check` (and the rings' gate), no kind.
        "audit": {"read": {attr: list(getattr(AUDIT, attr)) for attr in SERVICES}},
    }


def render(fmt: str = "text") -> str:
    """The manifest as text or JSON."""
    data = manifest()
    if fmt == "json":
        return json.dumps(data, indent=2, sort_keys=True)
    lines = ["Permissions hcinfra's app needs, by service:", ""]
    for attr, title in SERVICES.items():
        lines.append(title)
        lines.extend(f"  {p}" for p in data["services"][attr] or ["(none)"])
        lines.append("")
    delegated = data["delegated"]
    lines.append(DELEGATED)
    lines.extend(
        f"  {p} ({', '.join(k for k, ps in delegated['kinds'].items() if p in ps)})"
        for p in delegated["graph"] or ["(none)"]
    )
    lines.append("")
    lines.append("By resource kind (read = refresh and preview; write = up and destroy):")
    for kind, grants in data["kinds"].items():
        for direction in ("read", "write"):
            names = [p for attr in SERVICES for p in grants[direction][attr]]
            lines.append(f"  {kind:26s} {direction:5s} {', '.join(names) or '(none)'}")
    lines.append("")
    lines.append("Audit commands (export, drift, check), beyond the kinds' reads:")
    audit = [p for attr in SERVICES for p in data["audit"]["read"][attr]]
    lines.append(f"  {'audit':26s} {'read':5s} {', '.join(audit) or '(none)'}")
    return "\n".join(lines)
