"""Team's owners and members: resolved to object ids, then reconciled on its group."""

from __future__ import annotations

from functools import partial

from msgraph import GraphServiceClient
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User

from hcinfra.clients.errors import TenantError
from hcinfra.resources.security_group import ALREADY, GUID
from hcinfra.resources.team.calls import GRAPH, TeamCalls
from hcinfra.resources.team.inputs import TeamInputs


class TeamMembers(TeamCalls):
    """The owner and member steps of Team's provider."""

    # -- owners and members ----------------------------------------------------
    def _resolve(self, principals: list[str], known: dict[str, str]) -> dict[str, str]:
        out = {}
        for name in principals:
            if name in known or GUID.match(name):
                out[name] = known.get(name, name)
            else:
                user = self._run(partial(_get_user, name))
                assert user is not None and user.id
                out[name] = user.id
        return out

    def _reconcile(self, gid: str, inputs: TeamInputs, known: dict[str, str]) -> dict[str, str]:
        resolved = self._resolve([*inputs.owners, *inputs.members], known)
        owners = {resolved[n] for n in inputs.owners}
        # Owners are members too, or Teams does not show them the team.
        wanted = {"owners": owners, "members": owners | {resolved[n] for n in inputs.members}}
        for relation, want in wanted.items():
            # A group made a moment ago may not be visible yet: Graph answers 404.
            have = set(self._patient(partial(_ids, gid, relation), inputs))
            for oid in sorted(want - have):
                try:
                    self._patient(partial(_add_ref, gid, relation, oid), inputs)
                except TenantError as err:
                    if not (err.status == 400 and ALREADY in err.message):
                        raise
            # Added before removing: a Microsoft 365 group keeps at least one owner.
            for oid in sorted(have - want):
                self._run(partial(_remove_ref, gid, relation, oid))
        return resolved


async def _ids(gid: str, relation: str, client: GraphServiceClient) -> list[str]:
    builder = getattr(client.groups.by_group_id(gid), relation)
    page = await builder.get()
    ids = [o.id for o in (page.value or []) if o.id]
    while page.odata_next_link:
        page = await builder.with_url(page.odata_next_link).get()
        ids += [o.id for o in (page.value or []) if o.id]
    return ids


async def _add_ref(gid: str, relation: str, oid: str, client: GraphServiceClient) -> None:
    ref = ReferenceCreate(odata_id=f"{GRAPH}/directoryObjects/{oid}")
    await getattr(client.groups.by_group_id(gid), relation).ref.post(ref)


async def _remove_ref(gid: str, relation: str, oid: str, client: GraphServiceClient) -> None:
    group = client.groups.by_group_id(gid)
    await getattr(group, relation).by_directory_object_id(oid).ref.delete()


async def _get_user(name: str, client: GraphServiceClient) -> User | None:
    return await client.users.by_user_id(name).get()
