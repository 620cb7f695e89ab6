"""A network file's text and YAML: decoded strictly, parsed safely, aliases bounded.

PyYAML's safe loader builds shared Python objects for aliases, but anything that
walks the result (pydantic, the line-number walker, deep copies) follows every
alias, so a "billion laughs" file of a few hundred bytes expands to 10^9 nodes.
The composed node graph is measured first, in time and memory linear in the
file, and refused before any Python object is built when its expansion passes
MAX_EXPANDED_NODES.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hcinfra.errors import HcinfraError

# A large network (hundreds of sites, thousands of members) stays far below this.
MAX_EXPANDED_NODES = 200_000
MAX_FILE_BYTES = 10_000_000


class SourceError(HcinfraError):
    """The file cannot be read as a network file at all; the message is in words."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Document:
    """A parsed network file: its data, the line of each path, and YAML-level warnings."""

    data: Any
    lines: dict[tuple[Any, ...], int]
    duplicate_keys: list[tuple[tuple[Any, ...], str, int, int]] = field(default_factory=list)


def read_text(path: str | Path) -> str:
    """The file's text, decoded as UTF-8; SourceError names the first bad byte."""
    try:
        p = Path(path)
        if p.is_dir():
            raise SourceError("cannot read it: it is a directory, not a file")
        raw = p.read_bytes()
    except OSError as err:
        raise SourceError(f"cannot read it: {err.strerror or err}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SourceError(f"the file is {len(raw)} bytes; a network file is at most 10 MB")
    return decode(raw)


def decode(raw: bytes) -> str:
    """UTF-8 (a leading byte-order mark is allowed); SourceError gives line and byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        line_start = raw.rfind(b"\n", 0, err.start) + 1
        column = err.start - line_start + 1
        bad = raw[err.start : err.start + 1].hex().upper()
        raise SourceError(
            f"the file is not UTF-8: byte 0x{bad} at line {line}, byte {column} of that line "
            f"(byte {err.start + 1} of the file); save it as UTF-8",
            line,
        ) from None


def parse(text: str) -> Document:
    """Compose, bound and construct the YAML; SourceError for syntax and alias bombs."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            reason = err.problem or err.context or "cannot be parsed"
            raise SourceError(
                f"malformed YAML: {reason}", mark.line + 1 if mark else None
            ) from None
        except yaml.YAMLError as err:
            raise SourceError(f"malformed YAML: {err}") from None
        if node is None:
            raise SourceError(
                "the file is empty; a network file is a YAML mapping with tenant, "
                "baseline and sites"
            )
        _check_expansion(node)
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            reason = err.problem or "cannot be read"
            raise SourceError(
                f"malformed YAML: {reason}", mark.line + 1 if mark else None
            ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = _kind(data)
        raise SourceError(
            f"the top level is {kind}; a network file is a YAML mapping with tenant, "
            "baseline and sites",
            node.start_mark.line + 1,
        )
    doc = Document(data, {})
    _walk(node, (), doc, set())
    return doc


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return f"the value {value!r}"[:60]


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand past MAX_EXPANDED_NODES, or loop."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    # Iterative post-order: a deep file cannot exhaust the interpreter's stack.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            total = 1 + sum(sizes[id(c)] for c in _children(node))
            open_.discard(key)
            sizes[key] = total
            if total > MAX_EXPANDED_NODES:
                raise SourceError(
                    f"YAML aliases expand this file past {MAX_EXPANDED_NODES} values "
                    f"(at the anchor on line {node.start_mark.line + 1}); a network file "
                    "needs no such repetition: write the values out, or use fewer aliases",
                    node.start_mark.line + 1,
                )
            continue
        if key in sizes:
            continue
        if key in open_:
            raise SourceError(
                "a YAML alias refers to the value that contains it, which never ends",
                node.start_mark.line + 1,
            )
        open_.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_:
                raise SourceError(
                    "a YAML alias refers to the value that contains it, which never ends",
                    child.start_mark.line + 1,
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _walk(node: yaml.Node, path: tuple[Any, ...], doc: Document, seen: set[int]) -> None:
    """Record the line of every key and item; an alias's target is walked once only."""
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else f"<{key.tag}>"
            line = key.start_mark.line + 1
            if name in first:
                doc.duplicate_keys.append((path, str(name), first[name], line))
            else:
                first[name] = line
            doc.lines[(*path, name)] = line
            _walk(value, (*path, name), doc, seen)
            doc.lines[(*path, name)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), doc, seen)
