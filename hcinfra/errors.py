"""The base of every error hcinfra raises on purpose.

Each one says what failed in words a platform engineer can act on, so the CLI prints it
without a traceback (`hcinfra.cli.main`). Anything else reaching the CLI is a bug, and is
reported as one.
"""

from __future__ import annotations


class HcinfraError(Exception):
    """An error hcinfra raised on purpose: its message says what failed and what to do."""

    def for_user(self, command: str) -> str:
        """The line the CLI prints for this error, after the command that failed."""
        return f"{command}: {' '.join(str(self).split())}"
