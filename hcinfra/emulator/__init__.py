"""A local emulator of the Microsoft 365 APIs hcinfra calls.

Organised like moto: one package per service (identity, graph, exchange,
teamsadmin), each with a backend that holds state and enforces the service's
rules, its routes, and error classes that render the service's own error body.
`core/` holds what they share: the SQLite store, tokens, faults and the request log.

It needs hcinfra's `emulator` extra, which a core install lacks; `hcinfra emulator
serve` checks for it before importing any of it.
"""

from __future__ import annotations

import importlib.util

# The import names of what the `emulator` extra (pyproject.toml) installs. uvloop is left
# out: it is optional (never on Windows).
EXTRA_MODULES = ("uvicorn", "httptools", "jwt", "cryptography")

INSTALL_HINT = "the emulator needs hcinfra's emulator extra: pip install 'hcinfra[emulator]'"


def missing_modules() -> list[str]:
    """The emulator extra's modules that are not installed; empty when it is."""
    return [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
