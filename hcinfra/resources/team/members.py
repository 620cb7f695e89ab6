"""Team's owners and members: resolved to object ids, then reconciled on its group."""

from __future__ import annotations

from functools import partial

from hcinfra.clients.errors import TenantError
from hcinfra.resources.group_refs import ALREADY, add_ref, get_user, ref_ids, remove_ref
from hcinfra.resources.security_group import GUID
from hcinfra.resources.team.calls import TeamCalls
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
                user = self._run(partial(get_user, name))
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
            have = set(self._patient(partial(ref_ids, gid, relation), inputs))
            for oid in sorted(want - have):
                try:
                    self._patient(partial(add_ref, gid, relation, oid), inputs)
                except TenantError as err:
                    if not (err.status == 400 and ALREADY in err.message):
                        raise
            # Added before removing: a Microsoft 365 group keeps at least one owner.
            for oid in sorted(have - want):
                self._run(partial(remove_ref, gid, relation, oid))
        return resolved
