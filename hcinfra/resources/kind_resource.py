"""The base of every kind's Resource: a type token that names the kind.

Pulumi's dynamic Resources all share the type `pulumi-python:dynamic:Resource` unless
a subclass registers a module and name; each kind registers `hcinfra` and its class
name, so previews and the state say `pulumi-python:dynamic/hcinfra:SecurityGroup`.
A resource's type is part of its URN: every one also aliases the old type, so a stack
deployed before keeps its objects (the engine matches them, nothing is replaced).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource, ResourceProvider

from hcinfra.resources.registry import MODULE, OLD_TYPE


class KindResource(Resource):
    """A dynamic Resource typed `pulumi-python:dynamic/hcinfra:<its class name>`."""

    # The provider's outputs beyond the inputs: each is passed as None, so that Pulumi
    # gives the Resource an attribute for it (unknown until the provider answers).
    outputs: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Type a kind's Resource by its class name, unless it names its own type."""
        kwargs.setdefault("module", MODULE)
        kwargs.setdefault("name", cls.__name__)
        super().__init_subclass__(**kwargs)

    def __init__(
        self,
        provider: ResourceProvider,
        name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Register the resource with its kind's type, aliased to the old type."""
        props = {**props, **dict.fromkeys(self.outputs)}
        super().__init__(provider, name, props, with_old_type(opts, self._resource_type_name))


def with_old_type(opts: pulumi.ResourceOptions | None, type_name: str) -> pulumi.ResourceOptions:
    """`opts` (left unchanged) plus an alias to the type resources had before kinds named it."""
    if f"pulumi-python:{type_name}" == OLD_TYPE:
        return opts or pulumi.ResourceOptions()  # typed the old way already: nothing to alias
    return pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=OLD_TYPE)])
    )
