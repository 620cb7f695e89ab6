"""PatientList's dynamic provider: check, diff, create, read, update and delete a list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    ReadResult,
    UpdateResult,
)

from hcinfra.clients.errors import TenantError
from hcinfra.errors import HcinfraError
from hcinfra.resources.adoption import UNSUPPORTED, Candidate, NotAdopted
from hcinfra.resources.base import KindProvider, until_found, warn
from hcinfra.resources.patient_list import calls
from hcinfra.resources.patient_list.columns import PATIENT_COLUMNS, declared, definition, normal
from hcinfra.resources.patient_list.inputs import PatientListInputs
from hcinfra.resources.patient_list.permissions import PERMISSIONS

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

T = TypeVar("T")
RETAINED = ["the list, its columns and every item in it"]
TEMPLATE = "genericList"


class PatientListError(HcinfraError):
    """A Patients list that cannot be made or changed as declared."""


class PatientListProvider(KindProvider):
    """Dynamic provider of PatientList."""

    kind = "PatientList"
    inputs_model = PatientListInputs
    # Graph v1.0 documents no list update: a new name or description is a new list.
    replace_on = ("group_id", "display_name", "description")
    # A Patients column removed or changed by hand: the update puts it back.
    drift_outputs = ("drifted_columns",)
    permissions = PERMISSIONS

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        result = super().check(olds, news)
        if result.failures or not olds:
            return result
        before = {str(c["name"]).lower(): c for c in olds.get("columns") or []}
        changed = [
            f"'{c['name']}' from {before[c['name'].lower()]['type']} to {c['type']}"
            for c in result.inputs.get("columns") or []
            if c["name"].lower() in before and before[c["name"].lower()]["type"] != c["type"]
        ]
        if not changed:
            return result
        reason = (
            f"a column's type cannot change ({'; '.join(changed)}): its items hold values of "
            "the old type. Add a column with a new name instead (hcinfra keeps the old one)"
        )
        return CheckResult(result.inputs, [CheckFailure("columns", reason)])

    # -- lifecycle -------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, PatientListInputs)
        sid = str(self._site(inputs)["id"])
        body: dict[str, Any] = {
            "displayName": inputs.display_name,
            "columns": [definition(c) for c in inputs.all_columns()],
            "list": {"template": TEMPLATE},
        }
        if inputs.description:
            body["description"] = inputs.description
        try:
            made = self._run(partial(calls.create_list, sid, body))
        except TenantError as err:
            if not name_taken(err):
                raise
            # A retried create met the list it made (nameAlreadyExists): adopt it.
            lid = self._find(sid, inputs)
            self.notice(f"list '{inputs.display_name}' existed already on the site: adopted it")
            listed = self._run(partial(calls.get_list, sid, lid))
            self._reconcile(sid, lid, inputs, listed.get("columns") or [])
            return CreateResult(lid, self._outputs(inputs, sid, listed))
        return CreateResult(str(made["id"]), self._outputs(inputs, sid, made))

    def find(self, inputs: PatientListInputs) -> tuple[str, list[Candidate]]:
        # By the group's root site and the list's name (SharePoint compares titles in any
        # case); no site yet (a new team, or a security group) is no list.
        key = f"list '{inputs.display_name}' of group {inputs.group_id}"
        try:
            site = self._run(partial(calls.get_team_site, inputs.group_id), writing=False)
        except TenantError as err:
            if err.not_found:
                return key, []
            raise
        found = self._named(str(site["id"]), inputs.display_name, writing=False)
        if len(found) == 1 and _template(found[0]) not in (None, TEMPLATE):
            raise NotAdopted(
                f"the {self.kind} {key} {UNSUPPORTED}: the site's "
                f"'{found[0].get('displayName')}' is a {_template(found[0])}, not a list; "
                "rename one of them"
            )
        return key, [
            Candidate(str(lst["id"]), f"list '{lst.get('displayName')}' at {lst.get('webUrl')}")
            for lst in found
        ]

    def adopted(self, id_: str, inputs: PatientListInputs, props: dict[str, Any]) -> dict[str, Any]:
        # As a create records it, then read: columns, drift and unmanaged columns as they are.
        site = self._run(partial(calls.get_team_site, inputs.group_id), writing=False)
        outs = self._outputs(inputs, str(site["id"]), {"id": id_})
        return super().adopted(id_, inputs, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = self.parse(props, PatientListInputs)
        sid = str(props.get("site_id") or "")
        try:
            if not sid:
                sid = str(self._run(partial(calls.get_team_site, inputs.group_id), False)["id"])
            listed = self._run(partial(calls.get_list, sid, id_), writing=False)
        except TenantError as err:
            if err.not_found:
                return ReadResult(None, {})  # gone: dropped from state
            raise
        actual = {str(c.get("name")).lower(): declared(c) for c in listed.get("columns") or []}
        columns = []
        for col in props.get("columns") or []:
            seen = actual.get(str(col["name"]).lower())
            if seen is None:
                continue  # removed by hand: drift, which update repairs
            if not col.get("display_name") and seen["display_name"] == seen["name"]:
                seen = {**seen, "display_name": None}
            columns.append(seen)
        outs = {
            **props,
            "display_name": listed.get("displayName"),
            "description": listed.get("description") or None,
            "columns": columns,
            "site_id": sid,
            **self._observed(inputs, listed),
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, PatientListInputs)
        sid = str(olds.get("site_id") or self._site(inputs)["id"])
        listed = self._run(partial(calls.get_list, sid, id_))
        self._reconcile(sid, id_, inputs, listed.get("columns") or [])
        return UpdateResult(self._outputs(inputs, sid, listed))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = self.parse(props, PatientListInputs)
        name = f"Patients list '{inputs.display_name}' ({id_})"
        if not inputs.allow_data_deletion:
            self.notice(
                f"{name} kept, not deleted (retained on destroy): {'; '.join(RETAINED)}. To "
                "delete it, set allow_data_deletion=True, run `pulumi up`, then destroy again."
            )
            return
        sid = str(props.get("site_id") or "")
        try:
            if not sid:
                sid = str(self._run(partial(calls.get_team_site, inputs.group_id))["id"])
            self._run(partial(calls.delete_list, sid, id_))
        except TenantError as err:
            if not err.not_found:
                raise
            pulumi.log.info(f"{name} was already gone")
            return
        warn(
            f"{self.kind}: {name} was deleted with its items; SharePoint keeps it in the "
            "site's recycle bin, restorable for 93 days"
        )

    # -- steps -----------------------------------------------------------------
    def _run(self, action: Callable[[GraphServiceClient], Awaitable[T]], writing: bool = True) -> T:
        graph = self.connection().graph
        return self.call(lambda: graph.run(action), writing=writing)

    def _site(self, inputs: PatientListInputs) -> dict[str, Any]:
        """The team's site, waiting while a new team's site is not provisioned yet (404)."""
        graph = self.connection().graph
        # Microsoft advises retrying 404s 10 s apart after a group is made.
        interval = 0.25 if self.connection().settings.endpoint else 10.0
        act = partial(graph.run, partial(calls.get_team_site, inputs.group_id))
        try:
            return self.call(
                partial(until_found, act, timeout=inputs.timeout_seconds, interval=interval)
            )
        except TenantError as err:
            if not err.not_found:
                raise
            raise PatientListError(
                f"{self.kind} {inputs.display_name}: group {inputs.group_id} has no SharePoint "
                f"site within {inputs.timeout_seconds:g}s ({err.message}). A new team's site "
                "can take a while: the next `pulumi up` tries again."
            ) from None

    def _find(self, sid: str, inputs: PatientListInputs) -> str:
        """The id of the site's list named as declared; refused unless it is a genericList."""
        found = self._named(sid, inputs.display_name)
        if not found:
            raise PatientListError(
                f"{self.kind} {inputs.display_name}: Graph said the name is taken, yet no list "
                "of that name is visible on the site; run `pulumi up` again"
            )
        template = _template(found[0])
        if template not in (None, TEMPLATE):
            raise PatientListError(
                f"{self.kind} {inputs.display_name}: the site's '{found[0].get('displayName')}' "
                f"is a {template}, not a list hcinfra made: rename one of them"
            )
        return str(found[0]["id"])

    def _named(self, sid: str, name: str, writing: bool = True) -> list[dict[str, Any]]:
        """The site's lists of this name, whatever its case."""
        return [
            lst
            for lst in self._run(partial(calls.list_lists, sid), writing)
            if str(lst.get("displayName") or "").lower() == name.lower()
        ]

    def _reconcile(
        self, sid: str, lid: str, inputs: PatientListInputs, have: list[dict[str, Any]]
    ) -> None:
        """Add the declared columns the list lacks and put back changed ones."""
        by_name = {str(c.get("name")).lower(): c for c in have}
        for want in inputs.all_columns():
            current = by_name.get(str(want["name"]).lower())
            if current is None:
                self._add(sid, lid, want)
                continue
            seen = declared(current)
            if seen["type"] != want["type"]:
                raise PatientListError(
                    f"{self.kind} {inputs.display_name}: column '{want['name']}' is a "
                    f"{seen['type']} column in the list, declared {want['type']}; a column's "
                    "type cannot change with its values kept: rename the declared column"
                )
            if {**seen, "name": want["name"]} != normal(want):
                body = {k: v for k, v in definition(want).items() if k != "name"}
                self._run(partial(calls.update_column, sid, lid, str(current["id"]), body))

    def _add(self, sid: str, lid: str, column: dict[str, Any]) -> None:
        try:
            self._run(partial(calls.add_column, sid, lid, definition(column)))
        except TenantError as err:
            # A retried POST met the column it made; any other refusal is the caller's.
            if not name_taken(err):
                raise

    def _observed(self, inputs: PatientListInputs, listed: dict[str, Any]) -> dict[str, Any]:
        """Outputs read from the list: its URL, drifted Patients columns, unmanaged columns."""
        actual = {str(c.get("name")).lower(): c for c in listed.get("columns") or []}
        drifted = [
            str(c["name"])
            for c in PATIENT_COLUMNS
            if str(c["name"]).lower() not in actual
            or {**declared(actual[str(c["name"]).lower()]), "name": c["name"]} != normal(c)
        ]
        mine = {str(c["name"]).lower() for c in inputs.all_columns()}
        unmanaged = sorted(
            str(c.get("name"))
            for c in listed.get("columns") or []
            if str(c.get("name")).lower() not in mine
            and not c.get("readOnly")
            and str(c.get("name")) != "Title"
        )
        return {
            "web_url": listed.get("webUrl"),
            "drifted_columns": drifted,
            "unmanaged_columns": unmanaged,
        }

    def _outputs(
        self, inputs: PatientListInputs, sid: str, listed: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "list_id": str(listed.get("id")),
            "site_id": sid,
            "web_url": listed.get("webUrl"),
            "column_names": [str(c["name"]) for c in inputs.all_columns()],
            "drifted_columns": [],
            "unmanaged_columns": [],
            "retained": [] if inputs.allow_data_deletion else RETAINED,
        }


def _template(listed: dict[str, Any]) -> Any:
    """A list's base template as listed (None when the list facet is not shown)."""
    return (listed.get("list") or {}).get("template")


def name_taken(err: TenantError) -> bool:
    """Whether a refused create says the name is taken (409 nameAlreadyExists, or a 400 so worded).

    Graph documents nameAlreadyExists as a 409; SharePoint's own words for a taken list
    title or column name may come as a 400 instead, which means the same here.
    """
    words = err.message.lower()
    return (
        err.status == 409
        or err.code == "nameAlreadyExists"
        or (err.status == 400 and ("already exists" in words or "duplicate field name" in words))
    )
