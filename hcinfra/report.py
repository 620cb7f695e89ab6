"""Tables for people: `python -m hcinfra.report < objects.json` prints a site's objects."""

from __future__ import annotations

import json
import sys
from typing import Any


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain text table with a header row."""
    widths = [max([len(c), *(len(str(r.get(c, ""))) for r in rows)]) for c in columns]
    line = "  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))
    body = [
        "  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True))
        for r in rows
    ]
    return "\n".join([line, *body])


def main() -> None:
    """Read a HospitalSite's `objects` output (JSON) from stdin and print it."""
    rows = json.load(sys.stdin) or []
    print(table(rows, ["kind", "name", "id"]))


if __name__ == "__main__":
    main()
