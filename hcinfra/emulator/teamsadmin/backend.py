"""Teams admin state and rules: policy instances, and group and user assignments.

Every write validates the whole request first, so a refused request stores nothing.

Each instance carries a GUID, `PolicyId`, the id Graph's Teams administration API names
policies by (teamsPolicyUserAssignment.policyId, policyIdentifierDetail, policyAssignment).
The Teams admin service's own answers keep the Get-CsTeams*Policy shape and never show
it: `policy_id` and `find_policy_by_id` are how other code reaches it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from hcinfra.emulator.core.seed import stable_id
from hcinfra.emulator.teamsadmin.errors import bad_request, conflict, not_found
from hcinfra.emulator.teamsadmin.policytypes import POLICY_TYPES, find_type
from hcinfra.emulator.teamsadmin.schemas import Doc, PolicyType

POLICY = "teams.policy"
GROUP_ASSIGNMENT = "teams.groupPolicyAssignment"
USER_ASSIGNMENT = "teams.userPolicyAssignment"
GLOBAL = "Global"
MAX_GROUPS_PER_TYPE = 64  # Microsoft's documented cap on groups per policy type


def iso(seconds: float) -> str:
    """A UTC timestamp as the service writes it."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def policy_type(name: str) -> PolicyType:
    """The policy type named in a path, or 404."""
    found = find_type(name)
    if found is None:
        raise not_found(f"Policy type '{name}' does not exist.", "PolicyType")
    return found


def policy_name(identity: str) -> str:
    """The bare name of an identity: Global, or the part after Tag:."""
    return identity if identity == GLOBAL else identity[4:]


def parse_identity(raw: Any, target: str = "Identity") -> str:
    """Global or Tag:Name from "Global", "Name" or "Tag:Name"; 400 when malformed."""
    if not isinstance(raw, str) or not raw.strip():
        raise bad_request(f"'{target}' must be a non-empty string.", target)
    value = raw.strip()
    if value.lower() == "global":
        return GLOBAL
    if value.lower().startswith("tag:"):
        name = value[4:].strip()
    elif ":" in value:
        # Teams keeps only the Global and Tag: scopes of Skype for Business identities.
        raise bad_request(f"Identity '{value}' has a scope other than Global or Tag:.", target)
    else:
        name = value
    if not name:
        raise bad_request(f"'{target}' must name a policy.", target)
    return f"Tag:{name}"


class TeamsAdminBackend:
    """The state the Teams admin service keeps in the tenant store."""

    def __init__(
        self, store: Any, now: Callable[[], float], tenant_id: Callable[[], str] = str
    ) -> None:
        self.store = store
        self.now = now
        self.tenant_id = tenant_id

    # -- policy instances -------------------------------------------------------------

    @staticmethod
    def _key(ptype: PolicyType, identity: str) -> str:
        return f"{ptype.name}|{identity.lower()}"

    def view(self, ptype: PolicyType, doc: Doc) -> Doc:
        """An instance as the API returns it: Identity, then every setting."""
        return {"Identity": doc["Identity"], **ptype.ordered(doc["Settings"])}

    def instances(self, ptype: PolicyType) -> list[Doc]:
        """Global first, then custom instances in creation order."""
        docs = [d for d in self.store.values(POLICY) if d["PolicyType"] == ptype.name]
        docs.sort(key=lambda d: d["Identity"] != GLOBAL)
        return [self.view(ptype, d) for d in docs]

    def find_policy(self, ptype: PolicyType, identity: str) -> Doc | None:
        """The stored instance, or None."""
        return self.store.get(POLICY, self._key(ptype, identity))

    def policy_id(self, ptype: PolicyType, doc: Doc) -> str:
        """The instance's GUID; one stored before instances had one gets one now."""
        if not doc.get("PolicyId"):
            doc = self.store.get(POLICY, self._key(ptype, doc["Identity"])) or doc
            doc["PolicyId"] = (
                self._global_id(ptype) if doc["Identity"] == GLOBAL else str(uuid.uuid4())
            )
            self.store.put(POLICY, self._key(ptype, doc["Identity"]), doc)
        return str(doc["PolicyId"])

    def find_policy_by_id(self, ptype: PolicyType, policy_id: str) -> Doc | None:
        """The instance of this type whose GUID is `policy_id` (case-insensitive), or None."""
        wanted = policy_id.lower()
        for doc in self.store.values(POLICY):
            if doc["PolicyType"] == ptype.name and self.policy_id(ptype, doc).lower() == wanted:
                return self.store.get(POLICY, self._key(ptype, doc["Identity"]))
        return None

    def _global_id(self, ptype: PolicyType) -> str:
        # Stable across resets and restarts of one tenant, different between tenants.
        return stable_id("teams-policy", self.tenant_id(), ptype.name, GLOBAL)

    def get_policy(self, ptype: PolicyType, raw_identity: str) -> Doc:
        """The stored instance named in a path, or 404."""
        identity = parse_identity(raw_identity)
        doc = self.find_policy(ptype, identity)
        if doc is None:
            raise not_found(
                f"{ptype.name} '{identity}' does not exist.",
                "Identity",
            )
        return doc

    def create_policy(self, ptype: PolicyType, body: Any) -> Doc:
        """A new custom instance; missing settings take the type's defaults."""
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        if "Identity" not in body:
            raise bad_request("'Identity' is required.", "Identity")
        identity = parse_identity(body["Identity"])
        settings = ptype.validate({k: v for k, v in body.items() if k != "Identity"})
        if identity.lower() == "tag:global":
            raise bad_request("'Global' is reserved for the built-in instance.", "Identity")
        existing = self.find_policy(ptype, identity)
        if existing is not None:
            raise conflict(f"{ptype.name} '{existing['Identity']}' already exists.", "Identity")
        doc: Doc = {
            "PolicyType": ptype.name,
            "Identity": identity,
            "PolicyId": str(uuid.uuid4()),
            "Settings": {**ptype.defaults(), **settings},
        }
        self.store.put(POLICY, self._key(ptype, identity), doc)
        return doc

    def update_policy(self, ptype: PolicyType, raw_identity: str, body: Any) -> Doc:
        """Merge settings into an instance (Global included)."""
        doc = self.get_policy(ptype, raw_identity)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        if "Identity" in body:
            raise bad_request(
                "'Identity' cannot be set in an update; name the policy in the path.",
                "Identity",
            )
        doc["Settings"].update(ptype.validate(body))
        self.store.put(POLICY, self._key(ptype, doc["Identity"]), doc)
        return doc

    def delete_policy(self, ptype: PolicyType, raw_identity: str) -> None:
        """Remove a custom instance; Global is reset to its defaults instead."""
        doc = self.get_policy(ptype, raw_identity)
        if doc["Identity"] == GLOBAL:
            # As Remove-CsTeams*Policy -Identity Global does: the instance stays, reset.
            doc["Settings"] = ptype.defaults()
            self.store.put(POLICY, self._key(ptype, GLOBAL), doc)
            return
        name = policy_name(doc["Identity"]).lower()
        groups = sorted(
            a["groupId"]
            for a in self.store.values(GROUP_ASSIGNMENT)
            if a["policyType"] == ptype.name and a["policyName"].lower() == name
        )
        if groups:
            raise conflict(
                f"{ptype.name} '{doc['Identity']}' is assigned to groups "
                f"{', '.join(groups)}; remove those group policy assignments first.",
                "Identity",
            )
        users = sum(
            1
            for a in self.store.values(USER_ASSIGNMENT)
            if a["PolicyType"] == ptype.name and a["PolicyName"].lower() == name
        )
        if users:
            raise conflict(
                f"{ptype.name} '{doc['Identity']}' is assigned directly to {users} user(s); "
                "unassign it first.",
                "Identity",
            )
        self.store.delete(POLICY, self._key(ptype, doc["Identity"]))

    def assignable(self, ptype: PolicyType, raw: Any, target: str = "PolicyName") -> str:
        """The stored name of the custom instance a body's policy name refers to, or 400."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise bad_request(f"'{target}' is required.", target)
        identity = parse_identity(raw, target)
        if identity == GLOBAL:
            raise bad_request(
                "The Global policy applies to everyone without another assignment and "
                "cannot be assigned.",
                target,
            )
        doc = self.find_policy(ptype, identity)
        if doc is None:
            raise bad_request(f"{ptype.name} '{identity}' does not exist.", target)
        return policy_name(doc["Identity"])

    # -- directory objects (written by the Graph service) ---------------------------

    def _visible(self, doc: Doc | None) -> bool:
        return doc is not None and doc.get("_visibleAt", 0) <= self.now()

    def find_group(self, ident: str) -> Doc | None:
        """A visible group by object id, or by mail address as the cmdlets allow."""
        doc = self.store.peek("group", ident)
        if self._visible(doc):
            return doc
        if "@" in ident:
            for doc in self.store.values("group"):
                if (doc.get("mail") or "").lower() == ident.lower() and self._visible(doc):
                    return doc
        return None

    def find_user(self, ident: str) -> Doc | None:
        """A visible user by userPrincipalName or object id."""
        doc = self.store.peek("user", ident)
        if self._visible(doc):
            return doc
        for doc in self.store.values("user"):
            if (doc.get("userPrincipalName") or "").lower() == ident.lower() and self._visible(doc):
                return doc
        return None

    # -- seeding ------------------------------------------------------------------------

    def seed(self) -> None:
        """The Global instance of every type: a tenant where no policy package was applied.

        Microsoft creates a package's `Tag:<package>` instances when the package is first
        assigned ("Teams policy packages for healthcare"), so a new tenant has none.
        """
        for ptype in POLICY_TYPES.values():
            doc = {
                "PolicyType": ptype.name,
                "Identity": GLOBAL,
                "PolicyId": self._global_id(ptype),
                "Settings": ptype.defaults(),
            }
            self.store.put(POLICY, self._key(ptype, GLOBAL), doc)
