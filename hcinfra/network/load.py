"""Reading a network file: YAML with line numbers, then every problem at once.

Every command that reads a network file calls load_network, which raises only
NetworkError: every problem, each with its site, field path, line and words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hcinfra.errors import HcinfraError
from hcinfra.network.model import Network
from hcinfra.network.source import Document, SourceError, parse, read_text
from hcinfra.network.structure import check_structure, site_label


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


class NetworkError(HcinfraError):
    """A network file that cannot be deployed, with every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")

    def for_user(self, command: str) -> str:
        """The file's problems, one a line: the message on its own."""
        return str(self)


def _site_of(data: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "sites" and isinstance(loc[1], int):
        return site_label(data, loc[1])
    return None


def format_path(loc: tuple[Any, ...]) -> str:
    """sites[0].members.clinical → the way a user reads it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def parse_text(text: str, source: str = "network file") -> tuple[Network, dict]:
    """Parse and validate the structure; NetworkError lists every problem."""
    doc = parse_document(text, source)
    structure = check_structure(doc.data)
    problems = yaml_problems(doc) + [
        Problem(site, format_path(loc), message, _line_for(doc.lines, loc))
        for site, loc, message in structure.problems
    ]
    network = structure.network()
    if problems or network is None:
        raise NetworkError(source, problems)
    return network, doc.lines


def parse_document(text: str, source: str = "network file") -> Document:
    """The YAML document with its lines; NetworkError when it is no YAML mapping."""
    try:
        return parse(text)
    except SourceError as err:
        raise NetworkError(source, [Problem(None, "(file)", err.message, err.line)]) from None


def yaml_problems(doc: Document) -> list[Problem]:
    """Keys a YAML mapping gives twice: YAML would silently keep only the last."""
    return [
        Problem(
            _site_of(doc.data, (*path, key)),
            format_path((*path, key)),
            f"the key {key!r} is given twice (lines {first} and {again}); YAML would keep "
            "only the last: remove one",
            again,
        )
        for path, key, first, again in doc.duplicate_keys
    ]


def _line_for(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def load_network(path: str | Path) -> Network:
    """Read, parse and fully validate a network file; NetworkError lists every problem."""
    from hcinfra.network.validate import document_problems

    source = str(path)
    try:
        text = read_text(path)
    except SourceError as err:
        raise NetworkError(source, [Problem(None, "(file)", err.message, err.line)]) from None
    doc = parse_document(text, source)
    network, problems = document_problems(doc)
    if problems or network is None:
        raise NetworkError(source, problems)
    return network
