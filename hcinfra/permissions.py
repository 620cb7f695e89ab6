"""hcinfra's permission manifest: the union of what every resource kind declares.

`hcinfra permissions` prints it; the bootstrap stack grants exactly it.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from hcinfra.resources.base import Grants, KindProvider

KIND_MODULES = (
    "security_group",
    "group_license",
    "shared_mailbox",
    "mail_security_group",
    "team",
    "teams_policy",
    "group_policy_assignment",
    "policy_package_assignment",
)
SERVICES = {
    "graph": "Microsoft Graph (application permissions)",
    "exchange": "Office 365 Exchange Online (application permissions)",
    "directory_roles": "Entra ID directory roles (of the app's service principal)",
}


def kinds() -> list[type[KindProvider]]:
    """Every resource kind's provider class, in manifest order."""
    found: list[type[KindProvider]] = []
    for name in KIND_MODULES:
        module = importlib.import_module(f"hcinfra.resources.{name}")
        for value in vars(module).values():
            # A kind may be a package (team): its provider is defined in a submodule and
            # re-exported; a base class without a kind (a package's steps) is no kind.
            if (
                isinstance(value, type)
                and issubclass(value, KindProvider)
                and value.kind
                and (value.__module__ + ".").startswith(module.__name__ + ".")
                and value not in found
            ):
                found.append(value)
    return found


def _union(grants: list[Grants], attr: str) -> list[str]:
    names = {p for g in grants for p in getattr(g, attr)}
    # X.ReadWrite.All grants everything X.Read.All does: grant only the stronger one.
    implied = {n.replace(".ReadWrite.", ".Read.") for n in names if ".ReadWrite." in n}
    return sorted(names - implied)


def manifest() -> dict[str, Any]:
    """Permissions per service (the union), and per kind for reads and writes."""
    providers = kinds()
    every = [g for k in providers for g in (k.permissions.read, k.permissions.write)]
    return {
        "services": {attr: _union(every, attr) for attr in SERVICES},
        "kinds": {
            k.kind: {
                "read": {attr: list(getattr(k.permissions.read, attr)) for attr in SERVICES},
                "write": {attr: list(getattr(k.permissions.write, attr)) for attr in SERVICES},
            }
            for k in providers
        },
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
    lines.append("By resource kind (read = refresh and preview; write = up and destroy):")
    for kind, grants in data["kinds"].items():
        for direction in ("read", "write"):
            names = [p for attr in SERVICES for p in grants[direction][attr]]
            lines.append(f"  {kind:26s} {direction:5s} {', '.join(names) or '(none)'}")
    return "\n".join(lines)
