"""Reading a network file: YAML with line numbers, then every problem at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hcinfra.network.model import Network


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a network file: where, and what."""

    site: str | None
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"site {self.site}: " if self.site else ""
        at = f" (line {self.line})" if self.line else ""
        return f"{where}{self.path}{at}: {self.message}"


class NetworkError(Exception):
    """A network file that cannot be deployed, with every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """The line of every mapping key and sequence item, by its path."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out.update(_lines(value, (*path, key.value)))
            out[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_lines(item, (*path, i)))
    return out


def _site_of(data: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "sites" and isinstance(loc[1], int):
        try:
            return str(data["sites"][loc[1]].get("code") or f"#{loc[1] + 1}")
        except (KeyError, IndexError, TypeError, AttributeError):
            return f"#{loc[1] + 1}"
    return None


def format_path(loc: tuple[Any, ...]) -> str:
    """sites[0].members.clinical → the way a user reads it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def parse_text(text: str, source: str = "network file") -> tuple[Network, dict]:
    """Parse and validate the structure; NetworkError lists every problem."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(err, "problem", None) or str(err)
        problem = Problem(None, "(file)", f"malformed YAML: {reason}", line)
        raise NetworkError(source, [problem]) from None
    if not isinstance(data, dict):
        raise NetworkError(source, [Problem(None, "(file)", "a network file is a YAML mapping")])
    lines = _lines(node) if node is not None else {}
    try:
        network = Network.model_validate(data)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            loc = tuple(e["loc"])
            problems.append(
                Problem(_site_of(data, loc), format_path(loc), e["msg"], _line_for(lines, loc))
            )
        raise NetworkError(source, problems) from None
    return network, lines


def _line_for(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def load_network(path: str | Path) -> Network:
    """Read, parse and fully validate a network file; NetworkError lists every problem."""
    from hcinfra.network.validate import semantic_problems

    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise NetworkError(source, [Problem(None, "(file)", f"cannot read it: {err}")]) from None
    network, lines = parse_text(text, source)
    problems = semantic_problems(network, lines)
    if problems:
        raise NetworkError(source, problems)
    return network
