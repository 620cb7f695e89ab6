"""Team's owners and members: resolved to object ids, bound at create, reconciled after."""

from __future__ import annotations

from functools import partial

from hcinfra.clients.errors import TenantError
from hcinfra.resources.directory import chunks, resolve_users
from hcinfra.resources.group_refs import ALREADY, add_ref, bind_members, ref_ids, remove_ref
from hcinfra.resources.team.calls import TeamCalls
from hcinfra.resources.team.inputs import TeamInputs

Refs = dict[str, set[str]]  # "owners" and "members" to object ids


class TeamMembers(TeamCalls):
    """The owner and member steps of Team's provider."""

    # -- owners and members ----------------------------------------------------
    def _resolve(self, principals: list[str], known: dict[str, str]) -> dict[str, str]:
        """Object ids: known ones kept, names resolved once per process (in one `$batch`)."""
        conn = self.connection()
        return self.call(lambda: resolve_users(conn, principals, known), writing=False)

    def _wanted(self, inputs: TeamInputs, resolved: dict[str, str]) -> dict[str, list[str]]:
        """The group's owners and members; owners are members too, or Teams hides the team."""
        owners = [resolved[n] for n in inputs.owners]
        members = list(dict.fromkeys([*owners, *(resolved[n] for n in inputs.members)]))
        return {"owners": owners, "members": members}

    def _reconcile(self, gid: str, inputs: TeamInputs, known: dict[str, str]) -> dict[str, str]:
        """Read the group's owners and members, add what is missing, remove the rest."""
        resolved = self._resolve([*inputs.owners, *inputs.members], known)
        wanted = self._wanted(inputs, resolved)
        # A group made a moment ago may not be visible yet: Graph answers 404.
        have = {r: set(self._patient(partial(ref_ids, gid, r), inputs)) for r in wanted}
        self._add_missing(gid, inputs, wanted, have)
        # Added before removing: a Microsoft 365 group keeps at least one owner.
        for relation, want in wanted.items():
            for oid in sorted(have[relation] - set(want)):
                self._run(partial(remove_ref, gid, relation, oid))
        return resolved

    def _add_missing(
        self, gid: str, inputs: TeamInputs, wanted: dict[str, list[str]], have: Refs
    ) -> None:
        """Add the owners one a request (`owners/$ref`) and the members 20 a request."""
        for oid in sorted(set(wanted["owners"]) - have["owners"]):
            self._add_ref(gid, "owners", oid, inputs)
        missing = sorted(set(wanted["members"]) - have["members"])
        for chunk in chunks(missing):
            try:
                self._patient(partial(bind_members, gid, chunk), inputs)
            except TenantError as err:
                if not (err.status == 400 and ALREADY in err.message):
                    raise
                # All or none: one of them was there already. Add the others one by one.
                for oid in chunk:
                    self._add_ref(gid, "members", oid, inputs)

    def _add_ref(self, gid: str, relation: str, oid: str, inputs: TeamInputs) -> None:
        try:
            self._patient(partial(add_ref, gid, relation, oid), inputs)
        except TenantError as err:
            if not (err.status == 400 and ALREADY in err.message):
                raise
