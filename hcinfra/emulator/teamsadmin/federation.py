"""The tenant's federation configuration (Get-/Set-CsTenantFederationConfiguration).

REF: https://learn.microsoft.com/powershell/module/teams/set-cstenantfederationconfiguration
The wire format is undocumented; what the emulator serves follows the public evidence
(docs/emulator.md, "Evidence (Teams admin service)"), and refuses everything else:

- `GET /Skype.Policy/configurations/TenantFederationSettings/configuration/Global` answers
  one object (CIPP's ConfigAPI client); the collection `GET …/TenantFederationSettings`
  a bare array holding it, as the policy types answer (Monkey365 reads this route).
- `AllowedDomains` is read nested: `{"AllowedDomain": [{"Domain": "x"}]}` for an allow
  list, `{}` when every known domain is allowed (MicrosoftTeams' own
  Set-FixTenantFedConfigObject, and CIPP's note of the GET/PUT asymmetry).
- `PUT …/configuration/Global` merges bare properties: `AllowedDomains` is
  `{"AllowList": ["x", …]}`, or `[]` or an empty AllowList (every known domain);
  `BlockedDomains` a list of domain strings (CIPP's production write). Any other shape
  is 400.

Semantics from the cmdlet page: with AllowFederatedUsers false nobody federates; an
allow list lets only its domains in and BlockedDomains is then ignored; either list
holds at most 4,000 domains.
"""

from __future__ import annotations

import re
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.teamsadmin.errors import bad_request, not_found

FEDERATION = "teams.federation"
TYPE = "TenantFederationSettings"
PATH = f"/Skype.Policy/configurations/{TYPE}"
MAX_DOMAINS = 4000
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
FLAGS = {
    "AllowFederatedUsers": True,
    "AllowTeamsConsumer": True,
    "AllowTeamsConsumerInbound": True,
    "TreatDiscoveredPartnersAsUnverified": False,
    "SharedSipAddressSpace": False,
    "RestrictTeamsConsumerToExternalUserProfiles": False,
    "BlockAllSubdomains": False,
}


def _stored(req: Req) -> dict[str, Any]:
    """The Global configuration: a new tenant allows every known domain (the default)."""
    doc = req.service.store.get(FEDERATION, "Global")
    if doc is None:
        doc = {**FLAGS, "AllowList": None, "BlockedDomains": []}
    return doc


def _view(doc: dict[str, Any]) -> dict[str, Any]:
    allowed = doc["AllowList"]
    nested = {} if allowed is None else {"AllowedDomain": [{"Domain": d} for d in allowed]}
    return {
        "Identity": "Global",
        "AllowedDomains": nested,
        "BlockedDomains": [{"Domain": d} for d in doc["BlockedDomains"]],
        **{k: doc[k] for k in FLAGS},
    }


def _identity(identity: str) -> None:
    if identity.lower() != "global":
        raise not_found(f"{TYPE} '{identity}' does not exist; the tenant has only Global.")


def _domains(name: str, raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise bad_request(f"'{name}' must be an array of domain names.", name)
    out: list[str] = []
    for value in raw:
        domain = value.strip().lower()
        if not DOMAIN.match(domain):
            raise bad_request(f"'{value}' in '{name}' is not a domain name.", name)
        if domain not in out:
            out.append(domain)
    if len(out) > MAX_DOMAINS:
        raise bad_request(f"'{name}' holds more than {MAX_DOMAINS} domains.", name)
    return out


def _allowed(raw: Any) -> list[str] | None:
    """An allow list, or None for every known domain; the read shape is refused here."""
    if raw == []:
        return None
    if isinstance(raw, dict) and set(raw) == {"AllowList"}:
        # CIPP writes {"AllowList": []} to allow every known domain again, and reads it back
        # so: an empty allow list is not "nobody".
        return _domains("AllowedDomains.AllowList", raw["AllowList"]) or None
    raise bad_request(
        "'AllowedDomains' must be {\"AllowList\": [domains]} or [] (every known domain).",
        "AllowedDomains",
    )


def get_configuration(req: Req, identity: str) -> Resp:
    """Get-CsTenantFederationConfiguration: the Global object."""
    _identity(identity)
    return Resp(200, _view(_stored(req)))


def list_configuration(req: Req) -> Resp:
    """The type's instances, as a bare array (one: Global)."""
    return Resp(200, [_view(_stored(req))])


def set_configuration(req: Req, identity: str) -> Resp:
    """Set-CsTenantFederationConfiguration: a merge of the properties sent; 204 (unverified)."""
    _identity(identity)
    body = req.json()
    if not isinstance(body, dict) or not body:
        raise bad_request("The request body must be a JSON object with properties to set.")
    doc = dict(_stored(req))
    for key, value in body.items():
        if key == "AllowedDomains":
            doc["AllowList"] = _allowed(value)
        elif key == "BlockedDomains":
            doc["BlockedDomains"] = _domains(key, value)
        elif key in FLAGS:
            if not isinstance(value, bool):
                raise bad_request(f"Setting '{key}' must be a Boolean (true or false).", key)
            doc[key] = value
        else:
            raise bad_request(f"'{key}' is not a setting of {TYPE} the emulator serves.", key)
    req.service.store.put(FEDERATION, "Global", doc)
    return Resp(204)
