"""DeploymentStamp: a tenant-free dynamic resource that records what deployed a stack.

It proves the engine path end to end (program, engine, dynamic provider process)
without touching a tenant, and it tells auditors which hcinfra version last
deployed a stack.
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from hcinfra.resources.kind_resource import KindResource

INPUTS = ("site", "labels")


class DeploymentStampProvider(ResourceProvider):
    """Holds no client or secret: Pulumi pickles this object into the stack state."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        site = news.get("site")
        if not isinstance(site, str) or not site.strip():
            failures.append(CheckFailure("site", "site must be a non-empty string"))
        labels = news.get("labels") or {}
        if not isinstance(labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
        ):
            failures.append(CheckFailure("labels", "labels must map strings to strings"))
        return CheckResult({"site": site, "labels": labels}, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in INPUTS if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(uuid.uuid4()), {**props, "hcinfra_version": _version()})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({**news, "hcinfra_version": _version()})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


def _version() -> str:
    from hcinfra import __version__

    return __version__


class DeploymentStamp(KindResource):
    """Records the site and the hcinfra version that deployed the stack."""

    site: pulumi.Output[str]
    labels: pulumi.Output[dict[str, str]]
    hcinfra_version: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        site: pulumi.Input[str],
        labels: pulumi.Input[dict[str, str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            DeploymentStampProvider(),
            name,
            {"site": site, "labels": labels or {}, "hcinfra_version": None},
            opts,
        )
