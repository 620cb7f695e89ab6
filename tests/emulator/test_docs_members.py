"""Learn's examples for a group's members and owners, replayed."""

from __future__ import annotations

from tests.emulator.docexamples import Example, check, replay, user_id
from tests.emulator.harness import Emulator

POST_MEMBERS = "https://learn.microsoft.com/en-us/graph/api/group-post-members"
LIST_MEMBERS = "https://learn.microsoft.com/en-us/graph/api/group-list-members"
DELETE_MEMBERS = "https://learn.microsoft.com/en-us/graph/api/group-delete-members"
POST_OWNERS = "https://learn.microsoft.com/en-us/graph/api/group-post-owners"
LIST_OWNERS = "https://learn.microsoft.com/en-us/graph/api/group-list-owners"
DELETE_OWNERS = "https://learn.microsoft.com/en-us/graph/api/group-delete-owners"

ADD_MEMBER = Example(
    POST_MEMBERS,
    "POST",
    "/groups/{group}/members/$ref",
    body={"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"},
    status=204,
)
ADD_OWNER = Example(
    POST_OWNERS,
    "POST",
    "/groups/{group}/owners/$ref",
    body={"@odata.id": "https://graph.microsoft.com/v1.0/users/{id}"},
    status=204,
)


def ids(emu: Emulator, *names: str) -> list[str]:
    """Seeded users' object ids."""
    return [user_id(emu, f"{n}@northwindhealth.org") for n in names]


def test_group_post_members_example_1_add_a_member(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-post-members"""
    gid = emu.make_group("ward4")
    [uid] = ids(emu, "nurse001")
    assert check(replay(emu, ADD_MEMBER, {"group": gid, "id": uid}), ADD_MEMBER) is None
    members = emu.graph("GET", f"/groups/{gid}/members").json()["value"]
    assert [m["id"] for m in members] == [uid]


def test_group_post_members_existing_member_is_400(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-post-members"""
    [uid] = ids(emu, "nurse001")
    gid = emu.make_group("ward4", members=[uid])
    ex = Example(POST_MEMBERS, "POST", ADD_MEMBER.path, ADD_MEMBER.body, status=400)
    ex.error, ex.message = (
        "Request_BadRequest",
        (
            "One or more added object references already exist for the following modified "
            "properties: 'members'."
        ),
    )
    check(replay(emu, ex, {"group": gid, "id": uid}), ex)


def test_group_post_members_unknown_object_is_404(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-post-members"""
    gid = emu.make_group("ward4")
    ex = Example(POST_MEMBERS, "POST", ADD_MEMBER.path, ADD_MEMBER.body, status=404)
    ex.error = "Request_ResourceNotFound"
    check(replay(emu, ex, {"group": gid, "id": "6f6e0ad1-0c4f-4f5c-9b1e-000000000000"}), ex)


def test_group_post_members_example_2_several_members_in_one_patch(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-post-members"""
    gid = emu.make_group("ward4")
    people = ids(emu, "nurse001", "nurse002", "nurse003")
    ex = Example(
        POST_MEMBERS,
        "PATCH",
        "/groups/{group}",
        body={
            "members@odata.bind": [
                f"https://graph.microsoft.com/v1.0/directoryObjects/{p}" for p in people
            ]
        },
        status=204,
    )
    assert check(replay(emu, ex, {"group": gid}), ex) is None
    members = emu.graph("GET", f"/groups/{gid}/members").json()["value"]
    assert sorted(m["id"] for m in members) == sorted(people)


def test_group_post_members_patch_with_an_error_adds_nobody(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-post-members"""
    # "If an error condition exists in the request body, no members are added."
    gid = emu.make_group("ward4")
    [uid] = ids(emu, "nurse001")
    binds = [
        f"https://graph.microsoft.com/v1.0/directoryObjects/{uid}",
        "https://graph.microsoft.com/v1.0/directoryObjects/6f6e0ad1-0c4f-4f5c-9b1e-000000000000",
    ]
    ex = Example(POST_MEMBERS, "PATCH", "/groups/{group}", {"members@odata.bind": binds})
    ex.status, ex.error = 404, "Request_ResourceNotFound"
    check(replay(emu, ex, {"group": gid}), ex)
    assert emu.graph("GET", f"/groups/{gid}/members").json()["value"] == []


def test_group_post_members_patch_over_20_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-post-members"""
    gid = emu.make_group("ward4")
    binds = [
        f"https://graph.microsoft.com/v1.0/users/nurse{n:03}@northwindhealth.org"
        for n in range(1, 22)
    ]
    ex = Example(POST_MEMBERS, "PATCH", "/groups/{group}", {"members@odata.bind": binds})
    ex.status, ex.error = 400, "Request_BadRequest"
    check(replay(emu, ex, {"group": gid}), ex)


def test_group_list_members_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list-members"""
    [uid] = ids(emu, "nurse001")
    gid = emu.make_group("ward4", members=[uid])
    ex = Example(LIST_MEMBERS, "GET", "/groups/{group}/members", context="directoryObjects")
    body = check(replay(emu, ex, {"group": gid}), ex)
    assert [(m["@odata.type"], m["id"]) for m in body["value"]] == [("#microsoft.graph.user", uid)]


def test_group_list_members_filter_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    gid = emu.make_group("ward4")
    ex = Example(LIST_MEMBERS, "GET", "/groups/{group}/members?$filter=startswith(displayName,'N')")
    ex.status, ex.error = 400, "Request_UnsupportedQuery"
    check(replay(emu, ex, {"group": gid}), ex)


def test_group_delete_members_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-delete-members"""
    [uid] = ids(emu, "nurse001")
    gid = emu.make_group("ward4", members=[uid])
    ex = Example(DELETE_MEMBERS, "DELETE", "/groups/{group}/members/{member}/$ref", status=204)
    assert check(replay(emu, ex, {"group": gid, "member": uid}), ex) is None
    assert emu.graph("GET", f"/groups/{gid}/members").json()["value"] == []


def test_group_post_owners_and_list_owners_examples(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list-owners"""
    gid = emu.make_group("ward4")
    people = ids(emu, "claire.dubois", "nurse001")
    for uid in people:
        assert check(replay(emu, ADD_OWNER, {"group": gid, "id": uid}), ADD_OWNER) is None
    ex = Example(LIST_OWNERS, "GET", "/groups/{group}/owners", context="directoryObjects")
    body = check(replay(emu, ex, {"group": gid}), ex)
    assert [o["@odata.type"] for o in body["value"]] == ["#microsoft.graph.user"] * 2
    assert sorted(o["id"] for o in body["value"]) == sorted(people)
    assert all(o["displayName"] and o["userPrincipalName"] for o in body["value"])


def test_group_delete_owners_example_and_last_owner(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-delete-owners"""
    gid = emu.make_group("ward4")
    first, second = ids(emu, "claire.dubois", "nurse001")
    for uid in (first, second):
        check(replay(emu, ADD_OWNER, {"group": gid, "id": uid}), ADD_OWNER)
    ex = Example(DELETE_OWNERS, "DELETE", "/groups/{group}/owners/{owner}/$ref", status=204)
    assert check(replay(emu, ex, {"group": gid, "owner": first}), ex) is None
    # "the last owner (a user object) of the group cannot be removed"
    last = Example(DELETE_OWNERS, "DELETE", ex.path, status=400, error="Request_BadRequest")
    check(replay(emu, last, {"group": gid, "owner": second}), last)
