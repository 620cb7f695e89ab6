"""`hcinfra adopt --propose`: a draft network file from the tenant as it is.

The tenant is only read (propose_read): every security group, whose display name the
pattern splits into a site code and a role name; the groups' members, licences and Teams
policy assignments; the teams and shared mailboxes, placed at a site by their alias
prefix; the accepted domains. propose_build makes the network from that: roles in the
baseline (the union across sites), members under each site, the value most sites have
in the baseline and overrides where a site differs, a `# review:` comment at each guess.
What cannot be placed comes back as notes, which the file repeats at its end.

The output is sorted, so two runs on an unchanged tenant differ only in the date line.
It is checked as `hcinfra validate` checks a file; a problem left is a note too.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
from pathlib import Path

import httpx

from hcinfra.adopt.propose_build import Builder, Draft
from hcinfra.adopt.propose_names import DEFAULT_PATTERN, PatternError
from hcinfra.adopt.propose_read import read_live
from hcinfra.adopt.propose_yaml import dump
from hcinfra.clients.connection import Connection, connect
from hcinfra.errors import HcinfraError
from hcinfra.network.load import NetworkError, parse_document
from hcinfra.network.validate import document_problems

__all__ = ["DEFAULT_PATTERN", "PatternError", "propose", "propose_command"]

FIRST_LINE = "A draft network file, written by `hcinfra adopt --propose` from the live tenant"
DATE_PREFIX = "Generated on "
CLEAN, ERROR = 0, 1


def _header(tenant_id: str, pattern: str, today: datetime.date | None) -> list[str]:
    lines = [
        FIRST_LINE,
        f"{tenant_id or '(unknown)'}, group names read with the pattern '{pattern}'.",
    ]
    if today is not None:
        lines.append(f"{DATE_PREFIX}{today.isoformat()}.")
    lines += [
        "",
        "Nothing in it is deployed. Each `# review:` comment marks a guess: check it, and",
        "the notes at the end (what could not be placed), then `hcinfra validate --network",
        "<this file>`, `hcinfra sites preview` and `hcinfra adopt` (docs/operations.md).",
    ]
    return lines


def _footer(notes: list[str]) -> str:
    if not notes:
        return ""
    lines = ["", "# Not placed, or to check (also printed when this file was written):"]
    lines += [f"#   - {' '.join(n.split())}" for n in notes]
    return "\n".join(lines) + "\n"


def render(draft: Draft, tenant_id: str, pattern: str, today: datetime.date | None) -> str:
    """The draft as text, checked as `hcinfra validate` checks it (problems become notes)."""
    text = dump(draft.data, draft.review, _header(tenant_id, pattern, today))
    try:
        _, problems = document_problems(parse_document(text, "the draft"))
    except NetworkError as err:  # not expected: the emitter writes plain YAML
        problems = list(err.problems)
    for p in problems:
        draft.notes.append(f"the draft does not pass `hcinfra validate` yet: {p}")
    return text + _footer(draft.notes)


def propose(
    conn: Connection,
    pattern: str = DEFAULT_PATTERN,
    tenant_id: str | None = None,
    today: datetime.date | None = None,
) -> tuple[str, list[str]]:
    """The YAML text of a draft network file from the tenant, and the notes: what could not
    be placed. Reads only. `today` adds a "Generated on" line (left out when None)."""
    builder = Builder(read_live(conn), pattern, tenant_id or conn.settings.tenant_id)
    draft = builder.build()
    text = render(draft, builder.tenant_id, pattern, today)
    return text, list(draft.notes)


def _is_draft(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return f.readline().strip() == f"# {FIRST_LINE}"
    except OSError:
        return False


def _write(path: Path, text: str) -> None:
    """Write the file whole or not at all."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def propose_command(out: str, pattern: str) -> int:
    """Write the draft to `out`; notes go to stderr. 0 when written, 1 on an error."""
    path = Path(out)
    try:
        if path.is_dir():
            raise HcinfraError(f"{out} is a directory: give --out a file name")
        if path.exists() and not _is_draft(path):
            raise HcinfraError(
                f"{out} exists and is not a draft this command wrote: it is left as it is; "
                "give --out another file (a network file is never overwritten)"
            )
        text, notes = propose(connect(), pattern, today=datetime.date.today())
        _write(path, text)
    except HcinfraError as err:
        print(err.for_user("hcinfra adopt --propose"), file=sys.stderr)
        return ERROR
    except (httpx.HTTPError, OSError, ValueError) as err:
        print(f"hcinfra adopt --propose: {' '.join(str(err).split())}", file=sys.stderr)
        return ERROR
    for note in notes:
        print(f"note: {' '.join(note.split())}", file=sys.stderr)
    reviews = text.count("# review:")
    print(
        f"{out}: a draft network file; {reviews} review comment(s), {len(notes)} note(s). "
        f"Check it with `hcinfra validate --network {out}`."
    )
    return CLEAN
