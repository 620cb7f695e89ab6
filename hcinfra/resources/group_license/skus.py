"""The tenant's SKU catalog (`GET /subscribedSkus`), and declared names checked against it.

The catalog (part numbers, SKU ids, service plan names and ids) changes only when the
tenant buys or drops a subscription, so a provider process reads it once per connection
and every GroupLicenseAssignment of the stack shares it. A failed read is not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hcinfra.resources.group_license.inputs import GroupLicenseInputs

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

# Pulumi's placeholder for a value not known during preview.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Sku:
    """A subscribed SKU: its id and its service plans by name."""

    sku_id: str
    plans: dict[str, str]


Catalog = dict[str, Sku]
_lock = threading.Lock()
_catalogs: dict[tuple[str, ...], Catalog] = {}


def cached_catalog(key: tuple[str, ...], fetch: Callable[[], Catalog]) -> Catalog:
    """The catalog of the connection `key`, fetched on first use; the lock makes it once."""
    with _lock:
        found = _catalogs.get(key)
        if found is None:
            found = _catalogs[key] = fetch()
        return found


def forget_catalogs() -> None:
    """Drop the process's catalogs (tests that change the tenant's SKUs)."""
    with _lock:
        _catalogs.clear()


async def _fetch_catalog(client: GraphServiceClient) -> Catalog:
    from hcinfra.clients.graph_raw import json_of, unparsed

    response: Any = await client.subscribed_skus.get(unparsed())
    out = {}
    for sku in json_of(response).get("value") or []:
        if sku.get("skuPartNumber") and sku.get("skuId"):
            plans = {
                str(p["servicePlanName"]): str(p["servicePlanId"]).lower()
                for p in sku.get("servicePlans") or []
                if p.get("servicePlanName") and p.get("servicePlanId")
            }
            out[str(sku["skuPartNumber"])] = Sku(str(sku["skuId"]).lower(), plans)
    return out


def unknown_names(inputs: GroupLicenseInputs, catalog: Catalog) -> list[tuple[str, str]]:
    """Every declared SKU or plan the tenant does not know, with the names it does know."""
    failures = []
    for i, item in enumerate(inputs.skus):
        if item.sku == UNKNOWN:
            continue
        sku = catalog.get(item.sku)
        if sku is None:
            failures.append(
                (
                    f"skus.{i}.sku",
                    f"the tenant has no SKU '{item.sku}'; it subscribes to "
                    f"{', '.join(sorted(catalog)) or 'nothing'}",
                )
            )
            continue
        bad = [p for p in item.disabled_plans if p not in sku.plans and p != UNKNOWN]
        if bad:
            failures.append(
                (
                    f"skus.{i}.disabled_plans",
                    f"{item.sku} has no service plan {', '.join(bad)}; its plans are "
                    f"{', '.join(sorted(sku.plans))}",
                )
            )
    return failures


def _id_of(catalog: Catalog, name: str) -> str:
    sku = catalog.get(name)
    return sku.sku_id if sku else ""
