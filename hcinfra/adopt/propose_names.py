"""How the draft reads and writes names: the --pattern, network-file keys, display names.

A group's name gives its site code and role name only through the pattern; a team's or
mailbox's display name goes into the draft as a pattern with the site, ward and code as
placeholders, so the baseline holds one name for every site.
"""

from __future__ import annotations

import re
import string

from hcinfra.errors import HcinfraError
from hcinfra.network import naming

DEFAULT_PATTERN = "{code}-{role}"


class PatternError(HcinfraError):
    """A --pattern that cannot read site codes and role names from group names."""


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The pattern as a regular expression with the groups `code` and `role`."""
    problem = naming.pattern_problem(pattern, ("code", "role"))
    if problem:
        raise PatternError(f"--pattern: {problem}")
    parts = list(string.Formatter().parse(pattern))
    names = sorted(name for _, name, _, _ in parts if name is not None)
    if names != ["code", "role"]:
        raise PatternError(
            f"--pattern: {pattern!r} must hold {{code}} and {{role}} once each, "
            "such as '{code}-{role}' or '{role} ({code})'"
        )
    regex = ""
    for literal, name, _, _ in parts:
        regex += re.escape(literal)
        if name == "code":
            regex += r"(?P<code>[A-Z][A-Z0-9]{1,7})"
        elif name == "role":
            regex += r"(?P<role>\S(?:.*\S)?)"
    return re.compile(rf"^{regex}$", re.DOTALL)


def make_key(slug: str, taken: set[str]) -> str:
    """A network-file key from a slug, unique among `taken`."""
    key = slug[:32].rstrip("-")
    if not key or not key[0].isalpha():
        key = f"r-{key}"[:32].rstrip("-")
    base, n = key, 2
    while key in taken:
        suffix = f"-{n}"
        key = f"{base[: 32 - len(suffix)].rstrip('-')}{suffix}"
        n += 1
    return key


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not before.isalnum() and not after.isalnum()


def to_template(text: str, values: dict[str, str]) -> str:
    """A display name as a pattern: the site's name, the ward and the code as placeholders.

    The longest value found wins at each place; a code only as a word of its own.
    Literal braces are doubled. Rendering the pattern gives the text back.
    """
    tokens = sorted(((v, k) for k, v in values.items() if v), key=lambda t: (-len(t[0]), t[1]))
    out: list[str] = []
    literal = ""
    i = 0
    while i < len(text):
        for value, name in tokens:
            end = i + len(value)
            if text.startswith(value, i) and (name != "code" or _bounded(text, i, end)):
                out.append(literal.replace("{", "{{").replace("}", "}}"))
                out.append(f"{{{name}}}")
                literal, i = "", end
                break
        else:
            literal += text[i]
            i += 1
    out.append(literal.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def ward_name(display_name: str, slug: str) -> str | None:
    """The shortest part of a ward team's name whose slug is the ward's, or None."""
    best: str | None = None
    for i in range(len(display_name)):
        if not display_name[i].isalnum():
            continue
        for j in range(i + 1, len(display_name) + 1):
            part = display_name[i:j]
            if part[-1].isalnum() and naming.ascii_slug(part) == slug:
                if best is None or len(part) < len(best):
                    best = part
                break
    return best
