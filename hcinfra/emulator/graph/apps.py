"""The tenant's Teams app catalog: `GET /appCatalogs/teamsApps`, to look apps up by name."""

from __future__ import annotations

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.core.seed import stable_id
from hcinfra.emulator.graph.capabilities import TEAMS_APP_FILTERS
from hcinfra.emulator.graph.objects import listing
from hcinfra.emulator.graph.odata import apply_filter
from hcinfra.emulator.graph.router import router

TYPE = "microsoft.graph.teamsApp"
DEFAULT = ["id", "externalId", "displayName", "distributionMethod"]
# Microsoft's published ids where it publishes them; Lists and Bookings get ids the
# emulator makes up (stable), as Microsoft does not publish theirs.
APPS = {
    "Activity": "14d6962d-6eeb-4f48-8890-de55454bb136",
    "Chat": "86fcd49b-61a2-4701-b771-54728cd291fb",
    "Teams": "2a84919f-59d8-4441-a975-2a8c2643b741",
    "Calendar": "ef56c0de-36fc-4ef8-b417-3d82ba9d073c",
    "Calling": "20c3440d-c67e-4420-9f80-0e50c39693df",
    "Files": "5af6a76b-40fc-4ba1-af29-8f49b08e44fd",
    "Shifts": "42f6c1da-a241-483a-a3cc-4f5be9185951",
    "Approvals": "7c316234-ded0-4f95-8a83-8453d0876592",
    "Tasks by Planner and To Do": "com.microsoft.teamspace.tab.planner",
    "Lists": stable_id("teamsapp", "Lists"),
    "Bookings": stable_id("teamsapp", "Bookings"),
}


@router.add("GET", "/appCatalogs/teamsApps", "appcatalog.read")
def list_apps(req: Req) -> Resp:
    docs = [
        {"id": app_id, "externalId": None, "displayName": name, "distributionMethod": "store"}
        for name, app_id in APPS.items()
    ]
    docs = apply_filter(docs, req.query, req.headers, "TeamsApp", TEAMS_APP_FILTERS)
    return listing(req, docs, "appCatalogs/teamsApps", DEFAULT, set(DEFAULT), TYPE)
