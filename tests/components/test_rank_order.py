"""RankOrder: what an assignment or network group waits for, by rank."""

from __future__ import annotations

from typing import Any

from hcinfra.components.rank_order import RankOrder


def test_above_and_below_are_the_resources_of_the_other_ranks_in_rank_order():
    order = RankOrder()
    made: dict[str, Any] = {name: object() for name in ("a1", "b1", "c2", "d4")}
    order.add(1, made["a1"])
    order.add(1, made["b1"])
    assert order.add(2, made["c2"]) is made["c2"]
    order.add(4, made["d4"])
    assert order.above(1) == []
    assert order.above(2) == [made["a1"], made["b1"]]
    assert order.above(3) == [made["a1"], made["b1"], made["c2"]]
    assert order.below(1) == [made["c2"], made["d4"]]
    assert order.below(4) == []
    assert order.below(3) == [made["d4"]]
