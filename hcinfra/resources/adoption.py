"""Adoption: a kind's create, when `hcinfra adopt` runs it, takes the live object instead.

Pulumi's `import` does not reach dynamic resources, so `hcinfra adopt` runs `up` with
HCINFRA_ADOPT=1. Each create then finds the live object by the kind's natural key
(`KindProvider.find`: reads only), reads it as refresh would (`read`), and records it:
the state holds the live values as outputs, so the next preview plans an update where
the tenant differs from the file, and nothing else. No create, update or delete writes
while adopting; a resource already in the state is left as it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hcinfra.errors import HcinfraError

ENV = "HCINFRA_ADOPT"
# The first words of each refusal: the worker sorts a failed resource by them.
NOT_FOUND = "no live object matches"
AMBIGUOUS = "more than one live object matches"
UNSUPPORTED = "cannot be adopted"


def adopting() -> bool:
    """True in a provider process that `hcinfra adopt` started."""
    return os.environ.get(ENV) == "1"


@dataclass(frozen=True)
class Candidate:
    """A live object a declared one may be: its id, and how a person recognises it."""

    id: str
    label: str


class NotAdopted(HcinfraError):
    """A declared object adopt leaves alone: none, or more than one, live object matches."""


def pick(kind: str, key: str, found: list[Candidate]) -> Candidate:
    """The one candidate for `key`, or NotAdopted naming none or every candidate."""
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotAdopted(f"{NOT_FOUND} the {kind} {key}: `hcinfra sites up` will create it")
    shown = " and ".join(f"{c.label} ({c.id})" for c in found)
    raise NotAdopted(
        f"{AMBIGUOUS} the {kind} {key}: {shown}; rename or remove one, then adopt again"
    )
