"""Which OData query options each Graph route serves; any other is refused with a 400.

Graph documents the options per method ("Optional query parameters"). Where the emulator
leaves a documented option out (`$expand`, `$select` on a team, `$filter` on channels), it
answers 400 Request_UnsupportedQuery rather than ignore it, so a test never passes on a
query the emulator did not run. `$skip` is refused on directory collections as the list
pages state ("`$skip` isn't supported"). The message text is ours.

REF: https://learn.microsoft.com/en-us/graph/api/group-list
REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-list
REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-get
"""

from __future__ import annotations

from hcinfra.emulator.core.http import Req
from hcinfra.emulator.graph.errors import GraphError

PAGING = {"$top", "$skiptoken"}
DIRECTORY_LIST = {"$filter", "$select", "$count", "$orderby", "$search", *PAGING}
REFERENCES = {"$select", "$count", *PAGING}

QUERY_OPTIONS: dict[tuple[str, str], set[str]] = {
    ("GET", "/groups"): DIRECTORY_LIST,
    ("GET", "/users"): DIRECTORY_LIST,
    ("GET", "/groups/$count"): {"$filter", "$search"},
    ("GET", "/users/$count"): {"$filter", "$search"},
    ("GET", "/groups/{gid}"): {"$select"},
    ("GET", "/groups(uniqueName='{unique}')"): {"$select"},
    ("GET", "/users/{ident}"): {"$select"},
    ("GET", "/groups/{gid}/members"): REFERENCES,
    ("GET", "/groups/{gid}/owners"): REFERENCES,
    ("GET", "/groups/{gid}/membersWithLicenseErrors"): {"$select", *PAGING},
    ("GET", "/directory/deletedItems/microsoft.graph.group"): DIRECTORY_LIST - {"$search"},
    ("GET", "/directory/deletedItems/graph.group"): DIRECTORY_LIST - {"$search"},
    ("GET", "/directory/deletedItems/{gid}"): {"$select"},
    # "This method supports only the $select OData query parameter" / "does not support".
    ("GET", "/subscribedSkus"): {"$select"},
    ("GET", "/appCatalogs/teamsApps"): {"$filter", "$select"},
    ("GET", "/teamwork/teamTemplates"): {"$expand"},
    ("GET", "/groups/{gid}/sites/root"): {"$select"},
    ("GET", "/sites/{sid}"): {"$select"},
    ("GET", "/sites/{sid}/lists"): {"$select", *PAGING},
    ("GET", "/sites/{sid}/lists/{lid}"): {"$select", "$expand"},
    # The pages also name $expand (and $orderBy on the list): not served, so refused.
    ("GET", "/admin/teams/userConfigurations"): {"$select", "$filter", *PAGING},
    ("GET", "/admin/teams/userConfigurations/{uid}"): {"$select"},
}
# Values an option may take on a route, where the emulator serves only some.
OPTION_VALUES: dict[tuple[str, str, str], set[str]] = {
    ("GET", "/teamwork/teamTemplates", "$expand"): {"definitions"},
    ("GET", "/sites/{sid}/lists/{lid}", "$expand"): {"columns"},
}


def unsupported_option(name: str) -> GraphError:
    """400 for a query option this route does not serve."""
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"The query option '{name}' is not supported on this request.",
    )


def check_options(req: Req, method: str, pattern: str) -> None:
    """Refuse every query option the route does not serve (query keys already lower-cased)."""
    allowed = QUERY_OPTIONS.get((method, pattern), set())
    for name, value in req.query.items():
        if name not in allowed:
            raise unsupported_option(name)
        values = OPTION_VALUES.get((method, pattern, name))
        if values is not None and value not in values:
            raise unsupported_option(f"{name}={value}")
