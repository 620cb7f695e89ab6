"""A team as Graph shows it, read in one `$batch`: the team, its channels, owners, members.

These reads do not depend on each other, so they go in one request (Graph's JSON
batching, 20 at most) instead of one each. A team Teams has not finished making answers
404, its channels too: the caller waits that out.

REF: https://learn.microsoft.com/en-us/graph/json-batching
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hcinfra.clients.connection import Connection
    from hcinfra.clients.graph_batch import Answer, GraphBatch


@dataclass(frozen=True)
class TeamState:
    """What hcinfra reads of a team."""

    display_name: str | None
    description: str | None
    visibility: str | None
    archived: bool
    web_url: str | None
    internal_id: str | None

    @classmethod
    def of(cls, body: dict[str, Any]) -> TeamState:
        """From a team's JSON."""
        return cls(
            display_name=body.get("displayName"),
            description=body.get("description"),
            visibility=body.get("visibility"),
            archived=bool(body.get("isArchived")),
            web_url=body.get("webUrl"),
            internal_id=body.get("internalId"),
        )

    def unarchived(self) -> TeamState:
        """The same team, active again."""
        return replace(self, archived=False)


@lru_cache(maxsize=8)
def _reader(conn: Connection) -> GraphBatch:
    from hcinfra.clients.graph_batch import GraphBatch

    return GraphBatch(conn.settings, conn.credential)


def read_team(
    conn: Connection, tid: str, people: bool = False
) -> tuple[TeamState, list[dict[str, Any]], dict[str, list[str]]]:
    """The team, its channels and (with `people`) its owner and member ids: one `$batch`."""
    requests = {"team": f"/teams/{tid}", "channels": f"/teams/{tid}/channels"}
    if people:
        requests |= {r: f"/groups/{tid}/{r}?$select=id" for r in ("owners", "members")}
    answers = _reader(conn).get(requests)
    for name in requests:
        _raise_for(answers[name], f"{name} of team {tid}")
    ids: dict[str, list[str]] = {
        r: [str(o["id"]) for o in answers[r].values() if o.get("id")]
        for r in ("owners", "members")
        if r in answers
    }
    channels = [c for c in answers["channels"].values() if c.get("displayName")]
    return TeamState.of(answers["team"].body), channels, ids


def _raise_for(answer: Answer, what: str) -> None:
    answer.raise_for(what)
