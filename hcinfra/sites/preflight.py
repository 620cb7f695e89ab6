"""The tenant preflight of `hcinfra sites up` and `destroy`: before any stack is planned, the
`hcinfra doctor` checks a deploy depends on, in one read-only pass (hcinfra.doctor.command).

`up` needs the tokens, the tenant, the app's permissions and directory roles, every
declared domain accepted, every SKU and disabled service plan subscribed, the seats (those
the network's own groups hold already count as free to it, so a re-run passes) and every
declared member and owner a user of the tenant, and, where a site declares virtual visits,
the operator's sign-in for Bookings' delegated-only creates. `destroy` needs only the first four: it
removes what the state holds, whatever the file declares. The doctor's contract probes of
the undocumented admin APIs stay with `hcinfra doctor`.
"""

from __future__ import annotations

from hcinfra.clients.connection import Connection
from hcinfra.clients.settings import load_settings
from hcinfra.doctor import domains
from hcinfra.doctor.command import diagnose
from hcinfra.doctor.model import OK, WARNING, Check
from hcinfra.doctor.report import plain
from hcinfra.network.model import Network

IDENTITY = (
    "token.graph",
    "token.exchange",
    "token.teamsadmin",
    "tenant.id",
    "permissions.graph",
    "permissions.exchange",
    "roles.directory",
)
DEPLOY = (
    *IDENTITY,
    "domains.accepted",
    "licences.skus",
    "licences.seats",
    "licences.plans",
    "members.resolve",
    "signin.delegated",
)
# adopt reads the tenant and writes only the state: who it is and what it may do.
CHECKS = {"up": DEPLOY, "destroy": IDENTITY, "adopt": IDENTITY}


def _details(check: Check) -> list[str]:
    """The details worth a line: the items behind the problem, not those that are fine."""
    shown = [d for d in check.details if d and d not in check.finding]
    if check.id == domains.CHECK:
        shown = [d for d in shown if "not accepted" in d]
    return shown


def describe(check: Check) -> list[str]:
    """A problem as the operator reads it: the check and finding, each item, the fix."""
    lines = [f"  {check.id}: {plain(check.finding)}"]
    lines += [f"    - {plain(d)}" for d in _details(check)]
    if check.fix:
        lines.append(f"    fix: {plain(check.fix)}")
    return lines


def preflight(network: Network, source: str, action: str) -> list[str]:
    """Every problem that stops `action`, as lines to print; none when the run may go on.

    Reads only: one token per service and the doctor's `$batch` and cmdlet reads.
    """
    settings = load_settings()
    missing = settings.missing()
    if missing:
        return [
            f"  cannot reach the tenant: set {', '.join(missing)} (stack config) or the "
            "matching environment variables (docs/resources.md)"
        ]
    try:
        report = diagnose(network, source, Connection(settings), CHECKS[action])
    except (ValueError, OSError) as err:  # e.g. a certificate file that cannot be read
        return [f"  {plain(str(err))}"]
    if isinstance(report, str):
        return [f"  {line}" for line in report.splitlines()]
    return [line for c in report.checks if c.status not in (OK, WARNING) for line in describe(c)]
