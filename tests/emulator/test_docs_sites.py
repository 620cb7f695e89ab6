"""Learn's examples for a group's team site, its lists and their columns, replayed."""

from __future__ import annotations

from tests.emulator.docexamples import Example, check, replay, unified_group
from tests.emulator.harness import GRAPH_SCOPE, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET, Emulator

SITE_GET = "https://learn.microsoft.com/en-us/graph/api/site-get"
LIST_CREATE = "https://learn.microsoft.com/en-us/graph/api/list-create"
LIST_LIST = "https://learn.microsoft.com/en-us/graph/api/list-list"
LIST_GET = "https://learn.microsoft.com/en-us/graph/api/list-get"
COLUMNS_LIST = "https://learn.microsoft.com/en-us/graph/api/list-list-columns"
COLUMN_POST = "https://learn.microsoft.com/en-us/graph/api/list-post-columns"
COLUMN_UPDATE = "https://learn.microsoft.com/en-us/graph/api/columndefinition-update"
ERRORS = "https://learn.microsoft.com/en-us/graph/errors"
BOOKS = {
    "displayName": "Books",
    "columns": [{"name": "Author", "text": {}}, {"name": "PageCount", "number": {}}],
    "list": {"template": "genericList"},
}
CREATE = Example(LIST_CREATE, "POST", "/sites/{site}/lists", BOOKS, status=201)


def site(emu: Emulator) -> dict[str, str]:
    """A Microsoft 365 group and its team site's id."""
    gid = unified_group(emu, "stm-ward-3n", "claire.dubois@northwindhealth.org")
    r = emu.graph("GET", f"/groups/{gid}/sites/root")
    assert r.status_code == 200, r.text
    return {"group": gid, "site": r.json()["id"]}


def books(emu: Emulator) -> dict[str, str]:
    """The page's Books list, made: the site's and the list's ids."""
    ids = site(emu)
    body = check(replay(emu, CREATE, ids), CREATE)
    return {**ids, "list": body["id"]}


def test_site_get_a_groups_team_site(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/site-get"""
    gid = unified_group(emu, "stm-ward-3n", "claire.dubois@northwindhealth.org")
    ex = Example(SITE_GET, "GET", "/groups/{group}/sites/root", context="sites/$entity")
    body = check(replay(emu, ex, {"group": gid}), ex)
    host, collection, web = body["id"].split(",")
    assert host.endswith(".sharepoint.com") and collection and web
    assert body["webUrl"].endswith("/sites/stm-ward-3n") and body["displayName"] == "stm-ward-3n"
    again = Example(SITE_GET, "GET", f"/sites/{body['id']}", context="sites/$entity")
    assert check(replay(emu, again), again)["id"] == body["id"]


def test_site_get_of_a_security_group_is_item_not_found(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/errors"""
    gid = emu.make_group("stm-clinical-sg")
    ex = Example(ERRORS, "GET", "/groups/{group}/sites/root", status=404, error="itemNotFound")
    check(replay(emu, ex, {"group": gid}), ex)


def test_list_create_example_books(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/list-create"""
    ids = books(emu)
    ex = Example(COLUMNS_LIST, "GET", "/sites/{site}/lists/{list}/columns")
    columns = check(replay(emu, ex, ids), ex)["value"]
    # "new lists are created with columns defined in the referenced template": Title.
    named = {c["name"]: c for c in columns}
    assert {"Title", "Author", "PageCount"} <= set(named)
    assert "text" in named["Author"] and "number" in named["PageCount"]
    assert named["Title"]["required"] is True


def test_list_create_without_a_template_is_a_generic_list(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/list-create"""
    body = {"displayName": "Rounds"}
    ex = Example(LIST_CREATE, "POST", "/sites/{site}/lists", body, status=201)
    made = check(replay(emu, ex, site(emu)), ex)
    assert made["list"]["template"] == "genericList"


def test_list_create_refuses_a_lists_app_template_such_as_patients(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/list-create"""
    body = {**BOOKS, "list": {"template": "Patients"}}
    ex = Example(
        LIST_CREATE, "POST", "/sites/{site}/lists", body, status=400, error="invalidRequest"
    )
    check(replay(emu, ex, site(emu)), ex)


def test_list_create_of_a_taken_name_is_name_already_exists(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/errors"""
    ids = books(emu)
    body = {**BOOKS, "displayName": "BOOKS"}
    path = "/sites/{site}/lists"
    ex = Example(ERRORS, "POST", path, body, status=409, error="nameAlreadyExists")
    check(replay(emu, ex, ids), ex)


def test_list_create_refuses_bad_column_definitions(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/resources/columndefinition"""
    ids = site(emu)
    for columns in (
        [{"name": "Author"}],  # no type
        [{"name": "Author", "text": {}, "number": {}}],  # two types
        [{"name": "Status", "choice": {"choices": []}}],
        [{"name": "Ward", "lookup": {"listId": "x"}}],  # a type the emulator does not serve
        [{"name": "Author", "text": {}}, {"name": "author", "text": {}}],
    ):
        body = {"displayName": "Bad", "columns": columns}
        ex = Example(
            LIST_CREATE, "POST", "/sites/{site}/lists", body, status=400, error="invalidRequest"
        )
        check(replay(emu, ex, ids), ex)


def test_list_list_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/list-list"""
    ids = books(emu)
    ex = Example(LIST_LIST, "GET", "/sites/{site}/lists")
    [item] = check(replay(emu, ex, ids), ex)["value"]
    assert item["id"] == ids["list"] and item["list"] == {
        "template": "genericList",
        "hidden": False,
        "contentTypesEnabled": False,
    }


def test_list_get_example_and_its_columns(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/list-get"""
    ids = books(emu)
    ex = Example(LIST_GET, "GET", "/sites/{site}/lists/{list}", props={"name": "Books"})
    body = check(replay(emu, ex, ids), ex)
    assert body["list"]["template"] == "genericList" and "columns" not in body
    wide = Example(LIST_GET, "GET", "/sites/{site}/lists/{list}?$expand=columns")
    assert "Author" in {c["name"] for c in check(replay(emu, wide, ids), wide)["columns"]}
    # Items are not served: their expansion is refused, not ignored.
    items = Example(LIST_GET, "GET", "/sites/{site}/lists/{list}?$expand=items", status=400)
    check(replay(emu, items, ids), items)


def test_list_get_of_an_unknown_list_is_item_not_found(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/errors"""
    ids = {**site(emu), "list": "22e03ef3-6ef4-424d-a1d3-92a337807c30"}
    ex = Example(ERRORS, "GET", "/sites/{site}/lists/{list}", status=404, error="itemNotFound")
    check(replay(emu, ex, ids), ex)


def test_list_post_columns_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/list-post-columns"""
    ids = books(emu)
    text = {
        "allowMultipleLines": False,
        "appendChangesToExistingText": False,
        "linesForEditing": 0,
        "maxLength": 255,
    }
    body = {
        "description": "test",
        "enforceUniqueValues": False,
        "hidden": False,
        "indexed": False,
        "name": "Title",
        "text": text,
    }
    # The page's list has no Title column; a genericList has one, so Title is taken there.
    path = "/sites/{site}/lists/{list}/columns"
    taken = Example(COLUMN_POST, "POST", path, body, status=409, error="nameAlreadyExists")
    check(replay(emu, taken, ids), taken)
    ex = Example(
        COLUMN_POST,
        "POST",
        "/sites/{site}/lists/{list}/columns",
        {**body, "name": "Title2"},
        status=201,
        props={"description": "test", "displayName": "Title2", "text": text, "hidden": False},
    )
    check(replay(emu, ex, ids), ex)


def test_columndefinition_update_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/columndefinition-update"""
    ids = books(emu)
    columns = emu.graph("GET", f"/sites/{ids['site']}/lists/{ids['list']}/columns").json()
    ids["column"] = next(c["id"] for c in columns["value"] if c["name"] == "Author")
    body = {"required": True, "hidden": False, "description": "Who wrote it"}
    path = "/sites/{site}/lists/{list}/columns/{column}"
    ex = Example(COLUMN_UPDATE, "PATCH", path, body, props=body)
    check(replay(emu, ex, ids), ex)
    # Strict where the page is silent: a column's type does not change.
    retype = Example(
        COLUMN_UPDATE, "PATCH", path, {"number": {}}, status=400, error="invalidRequest"
    )
    check(replay(emu, retype, ids), retype)


def test_list_routes_refuse_an_app_without_sites_permissions(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/list-create"""
    ids = site(emu)
    headers = emu.headers(GRAPH_SCOPE, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET)
    with emu.client(headers=headers) as c:
        r = c.post(f"/v1.0/sites/{ids['site']}/lists", json=BOOKS)
        assert r.status_code == 403, r.text
        assert c.get(f"/v1.0/groups/{ids['group']}/sites/root").status_code == 403


def test_list_delete_takes_the_list_and_its_columns(emu: Emulator):
    """No Learn reference page; the route is in Graph's metadata (Remove-MgSiteList)."""
    ids = books(emu)
    path = f"/sites/{ids['site']}/lists/{ids['list']}"
    assert emu.graph("DELETE", path).status_code == 204
    assert emu.graph("GET", path).json()["error"]["code"] == "itemNotFound"
