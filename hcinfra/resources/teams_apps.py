"""Teams apps that policies pin or pre-install, by the names admins know them by.

App setup policies hold app ids. hcinfra lets a program name the built-in apps
instead ("Shifts", "Approvals"), and maps ids read back from the tenant to those
names so a refresh shows names too. Ids come from Microsoft's app catalogue.
"""

from __future__ import annotations

import re

from hcinfra.errors import HcinfraError

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
CATALOG_QUERY = "GET /appCatalogs/teamsApps?$filter=displayName eq '{name}'"

# None marks an app whose id Microsoft does not publish: it is looked up by name in
# the tenant's app catalog (CATALOG_QUERY) when the policy is made, never guessed.
TEAMS_APPS: dict[str, str | None] = {
    "Activity": "14d6962d-6eeb-4f48-8890-de55454bb136",
    "Chat": "86fcd49b-61a2-4701-b771-54728cd291fb",
    "Teams": "2a84919f-59d8-4441-a975-2a8c2643b741",
    "Calendar": "ef56c0de-36fc-4ef8-b417-3d82ba9d073c",
    "Calling": "20c3440d-c67e-4420-9f80-0e50c39693df",
    "Files": "5af6a76b-40fc-4ba1-af29-8f49b08e44fd",
    "Shifts": "42f6c1da-a241-483a-a3cc-4f5be9185951",
    "Approvals": "7c316234-ded0-4f95-8a83-8453d0876592",
    "Tasks": "com.microsoft.teamspace.tab.planner",  # Tasks by Planner and To Do
    "Lists": None,  # looked up in the tenant's catalog
    "Bookings": None,  # looked up in the tenant's catalog
}

_BY_NAME = {name.lower(): name for name in TEAMS_APPS}
_BY_ID = {app_id.lower(): name for name, app_id in TEAMS_APPS.items() if app_id}


class UnknownApp(HcinfraError, ValueError):
    """An app reference that is neither a catalogue name nor an app id."""


def catalog_names() -> list[str]:
    """The names a program may use, for error messages."""
    return list(TEAMS_APPS)


def canonical(ref: str) -> str:
    """The catalogue name of a reference (name in any case, or a catalogue id), else the id."""
    value = ref.strip()
    if value.lower() in _BY_NAME:
        return _BY_NAME[value.lower()]
    if value.lower() in _BY_ID:
        return _BY_ID[value.lower()]
    if GUID.match(value):
        return value.lower()
    raise UnknownApp(
        f"unknown app '{ref}': use one of {', '.join(catalog_names())}, or an app id (a GUID)"
    )


def needs_lookup(names: list[str]) -> list[str]:
    """The catalogue names whose ids must be read from the tenant's app catalog."""
    return [n for n in names if n in TEAMS_APPS and TEAMS_APPS[n] is None]


def app_id(ref: str, looked_up: dict[str, str] | None = None) -> str:
    """The app id a reference stands for (ids looked up in the tenant included)."""
    name = canonical(ref)
    if name in TEAMS_APPS and TEAMS_APPS[name] is None:
        found = (looked_up or {}).get(name)
        if not found:
            raise UnknownApp(
                f"the tenant's app catalog has no app named '{name}' "
                f"({CATALOG_QUERY.format(name=name)})"
            )
        return found
    return TEAMS_APPS.get(name) or name


def app_name(identifier: str, looked_up: dict[str, str] | None = None) -> str:
    """The catalogue name of an app id read from the tenant, or the id itself."""
    for name, found in (looked_up or {}).items():
        if found.lower() == identifier.lower():
            return name
    return _BY_ID.get(identifier.lower(), identifier)
