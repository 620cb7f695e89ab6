"""Stack config files (`Pulumi.<stack>.yaml`): hcinfra's values set, the rest of the file kept.

Two files per stack get hcinfra's config (`hcinfra:site`, `hcinfra:network`): the one in
the stack's Automation workspace, and the one beside the project's Pulumi.yaml, for the
plain Pulumi CLI (docs/operations.md, "Workspaces"). Users edit the second (other config,
comments, the salt the CLI wrote), so an update edits the lines it changes and keeps the
others; when the text cannot be edited line by line with the same meaning, the file is
written whole from its parsed content. A file is rewritten only when its content changes,
and replaced whole, so that a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from hcinfra.errors import HcinfraError


class StackFileError(HcinfraError):
    """A stack config file hcinfra must update is not one Pulumi could read."""


def stack_file(folder: Path, stack: str) -> Path:
    """The config file of `stack` (a fully qualified name's last part) in `folder`."""
    return folder / f"Pulumi.{stack.split('/')[-1]}.yaml"


def network_setting(network: Path, project: Path) -> str:
    """`hcinfra:network` for the plain CLI: relative to the project folder when inside it.

    The program resolves a relative path against the project's root, so a clone of the
    repository elsewhere still finds the file; one outside the project stays absolute.
    """
    path = network.resolve()
    try:
        return path.relative_to(project.resolve()).as_posix()
    except ValueError:
        return str(path)


def update_stack_file(path: Path, values: Mapping[str, str], drop: Collection[str] = ()) -> bool:
    """Set `values` under `config` and remove the top-level keys `drop`; True if written."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        loaded = yaml.load(text, Loader=_UniqueKeys)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as err:
        # Pulumi could not read it either; rewriting it would lose what the user meant.
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise StackFileError(f"{path}{where}: {problem}; Pulumi cannot read it either") from err
    if loaded is not None and not isinstance(loaded, dict):
        raise StackFileError(f"{path} is not a YAML mapping: fix it")
    doc: dict[str, Any] = dict(loaded) if isinstance(loaded, dict) else {}
    wanted = {key: value for key, value in doc.items() if key not in drop}
    if values:
        config = doc.get("config")
        wanted["config"] = {**(config if isinstance(config, dict) else {}), **values}
    if wanted == doc:
        return False
    edited = _edit_lines(text, values, drop)
    if edited is None or _parsed(edited) != wanted:
        edited = yaml.safe_dump(wanted, sort_keys=False, allow_unicode=True)
    _replace(path, edited)
    return True


class _UniqueKeys(yaml.SafeLoader):
    """A safe loader that refuses a mapping with a key twice, as Pulumi's parser does."""


def _mapping(loader: _UniqueKeys, node: yaml.MappingNode) -> dict[Any, Any]:
    merges = any(key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value)
    mapping = loader.construct_mapping(node)
    if not merges and len(mapping) < len(node.value):
        raise yaml.constructor.ConstructorError(None, None, "a key given twice", node.start_mark)
    return mapping


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _parsed(text: str) -> Any:
    """`text` parsed, or None when it is not YAML Pulumi would read the same way."""
    try:
        return yaml.load(text, Loader=_UniqueKeys)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError:
        return None


def _edit_lines(text: str, values: Mapping[str, str], drop: Collection[str]) -> str | None:
    """`text` with the dropped keys' lines removed and the values' lines set or added.

    Block-style YAML only, else None; the caller checks the result means what it should.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    out: list[str] = []
    dropping = False
    for line in lines:
        top = re.match(r"([^\s#][^:]*):", line)
        if top:
            dropping = top.group(1).strip("'\"") in drop
        elif not (dropping and line[:1] in (" ", "\t")):
            dropping = False  # a blank line or a comment ends a dropped key's lines
        if not dropping:
            out.append(line)
    start = next((i for i, ln in enumerate(out) if re.match(r"config:\s*(#.*)?$", ln)), None)
    if start is None:
        if any(re.match(r"config\s*:", ln) for ln in out):
            return None  # `config: {…}` or the like: not a block to edit
        block = [_line("  ", key, value) for key, value in values.items()]
        return "".join(out + (["config:\n", *block] if block else []))
    end = start + 1
    while end < len(out) and (out[end][:1] in (" ", "\t", "#") or not out[end].strip()):
        end += 1
    keys = [i for i in range(start + 1, end) if re.match(r"\s+[^\s#]", out[i])]
    found = re.match(r"\s+", out[keys[0]]) if keys else None
    indent = found.group(0) if found else "  "
    last = keys[-1] + 1 if keys else start + 1
    added: list[str] = []
    for key, value in values.items():
        named = rf"{indent}['\"]?{re.escape(key)}['\"]?\s*:"
        at = next((i for i in keys if re.match(named, out[i])), None)
        if at is None:
            added.append(_line(indent, key, value))
        elif at + 1 < len(out) and out[at + 1].startswith(indent + " "):
            return None  # a value over several lines
        else:
            out[at] = _line(indent, key, value)
    return "".join(out[:last] + added + out[last:])


def _line(indent: str, key: str, value: str) -> str:
    """One `key: value` line of a block mapping, as PyYAML quotes them."""
    return indent + yaml.safe_dump({key: value}, allow_unicode=True, width=1 << 16)


def _replace(path: Path, text: str) -> None:
    """Write `text` to a new file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666  # then the umask
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
