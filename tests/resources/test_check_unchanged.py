"""KindProvider.check: inputs unchanged since the last deploy are not checked against the tenant."""

from __future__ import annotations

from typing import Any

from hcinfra.resources.base import CheckError, Inputs, KindProvider


class NameInputs(Inputs):
    name: str
    size: int = 1


class Counting(KindProvider):
    """A kind whose extra check stands for a tenant read, and refuses one name."""

    kind = "Counting"
    inputs_model = NameInputs

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def check_more(self, inputs: Any) -> None:
        self.reads += 1
        if inputs.name == "gone":
            raise CheckError([("name", "not in the tenant")])


def test_a_first_check_reads_the_tenant():
    p = Counting()
    assert p.check({}, {"name": "a"}).failures == []
    assert p.reads == 1


def test_unchanged_inputs_read_nothing():
    p = Counting()
    deployed = p.check({}, {"name": "a"}).inputs
    again = p.check(deployed, {"name": "a"})
    assert again.failures == [] and again.inputs == deployed
    assert p.reads == 1


def test_changed_inputs_are_checked_again():
    p = Counting()
    deployed = p.check({}, {"name": "a"}).inputs
    assert p.check(deployed, {"name": "a", "size": 2}).failures == []
    refused = p.check(deployed, {"name": "gone"})
    assert [f.property for f in refused.failures] == ["name"]
    assert p.reads == 3


def test_invalid_inputs_fail_even_when_the_olds_match():
    p = Counting()
    refused = p.check({"name": "a", "size": "x"}, {"name": "a", "size": "x"})
    assert [f.property for f in refused.failures] == ["size"]
