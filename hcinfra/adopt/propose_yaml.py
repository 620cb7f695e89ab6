"""The draft's YAML: block mappings and lists in the order given, short lists of scalars
inline, and `# review:` comments above the keys they are about.

Comments are keyed by path: mapping keys, and for a list item its `code` or `key` (the
items of a network file's lists are named so) or else its index. Scalars are quoted as
PyYAML quotes them inside a flow list, which is valid in block context too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

Path = tuple[Any, ...]
INLINE = 96  # longest inline list of scalars, in characters


def scalar(value: Any) -> str:
    """One scalar as YAML text (quoted where YAML needs it)."""
    text = yaml.safe_dump(
        [value], default_flow_style=True, allow_unicode=True, width=1_000_000
    ).strip()
    return text[1:-1]


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (Mapping, list))


def _item_id(item: Any, index: int) -> Any:
    if isinstance(item, Mapping):
        for name in ("code", "key"):
            if isinstance(item.get(name), str):
                return item[name]
    return index


def _comment(lines: list[str], texts: list[str], indent: int) -> None:
    for text in texts:
        lines.append(f"{' ' * indent}# review: {text}")


def _mapping(
    data: Mapping[str, Any], path: Path, indent: int, notes: dict[Path, list[str]]
) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, value in data.items():
        here = (*path, key)
        _comment(lines, notes.get(here, []), indent)
        lines.extend(_entry(f"{pad}{scalar(key)}:", value, here, indent, notes))
    return lines


def _entry(
    head: str, value: Any, path: Path, indent: int, notes: dict[Path, list[str]]
) -> list[str]:
    if _is_scalar(value):
        return [f"{head} {scalar(value)}"]
    if isinstance(value, Mapping):
        if not value:
            return [f"{head} {{}}"]
        return [head, *_mapping(value, path, indent + 2, notes)]
    if not value:
        return [f"{head} []"]
    if all(_is_scalar(v) for v in value):
        inline = f"[{', '.join(scalar(v) for v in value)}]"
        if len(head) + len(inline) < INLINE:
            return [f"{head} {inline}"]
    return [head, *_sequence(value, path, indent + 2, notes)]


def _sequence(items: list[Any], path: Path, indent: int, notes: dict[Path, list[str]]) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for n, item in enumerate(items):
        here = (*path, _item_id(item, n))
        _comment(lines, notes.get(here, []), indent)
        if _is_scalar(item):
            lines.append(f"{pad}- {scalar(item)}")
            continue
        if isinstance(item, list):
            lines.append(f"{pad}- {scalar(item)}")  # not in a network file
            continue
        body = _mapping(item, here, indent + 2, notes)
        if not body:
            lines.append(f"{pad}- {{}}")
            continue
        first = next(i for i, line in enumerate(body) if not line.lstrip().startswith("#"))
        for i in range(first):
            body[i] = pad + body[i].lstrip()  # a comment above the item's first key
        body[first] = f"{pad}- {body[first].lstrip()}"
        lines.extend(body)
    return lines


def dump(data: Mapping[str, Any], notes: dict[Path, list[str]], header: list[str]) -> str:
    """The document: header comment lines, then the data with its review comments."""
    lines = [f"# {h}" if h else "#" for h in header]
    for n, (key, value) in enumerate(data.items()):
        if n or lines:
            lines.append("")
        _comment(lines, notes.get((key,), []), 0)
        lines.extend(_entry(f"{scalar(key)}:", value, (key,), 0, notes))
    return "\n".join(lines) + "\n"
