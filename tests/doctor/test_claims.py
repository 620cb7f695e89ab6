"""Reading permissions and roles from token claims, on claims as Entra ID writes them."""

from __future__ import annotations

from typing import Any

from hcinfra.doctor.context import Context, decode_claims
from hcinfra.doctor.identity import ROLE_TEMPLATES, permission_checks
from hcinfra.network.load import parse_text
from tests.doctor.conftest import NETWORK
from tests.emulator.harness import GRAPH_SCOPE, Emulator

MANIFEST = {
    "services": {
        "graph": ["Group.ReadWrite.All", "User.Read.All"],
        "exchange": ["Exchange.ManageAsApp"],
        "directory_roles": ["Exchange Administrator", "Teams Administrator"],
    }
}


def checks(claims: dict[str, dict[str, Any]]) -> dict[str, Any]:
    network, _ = parse_text(NETWORK.read_text(encoding="utf-8"))
    # No call is made: the checks read the claims only, so no connection is needed.
    ctx = Context(network, conn=None, claims=claims)  # type: ignore[arg-type]
    return {c.id: c for c in permission_checks(ctx, MANIFEST)}


def test_decode_claims_of_an_emulator_token(emu: Emulator) -> None:
    claims = decode_claims(emu.token(GRAPH_SCOPE))
    assert claims["aud"] == "https://graph.microsoft.com" and claims["tid"] == emu.tenant_id
    assert "Group.ReadWrite.All" in claims["roles"]
    assert decode_claims("not-a-jwt") == {} and decode_claims("a.!!!.c") == {}


def test_read_write_covers_read_and_global_admin_covers_roles() -> None:
    got = checks(
        {
            "graph": {"roles": ["Group.ReadWrite.All", "User.ReadWrite.All"], "wids": []},
            "exchange": {
                "roles": ["Exchange.ManageAsApp"],
                "wids": [ROLE_TEMPLATES["Global Administrator"]],
            },
        }
    )
    assert got["permissions.graph"].status == "ok"
    assert got["permissions.exchange"].status == "ok"
    assert got["roles.directory"].status == "ok"
    assert "Global Administrator" in got["roles.directory"].finding


def test_no_roles_claim_means_no_permission_and_no_wids_is_a_warning() -> None:
    # Entra leaves `roles` out of a token for an app granted nothing on that API.
    got = checks({"graph": {}, "exchange": {}})
    assert got["permissions.graph"].details == ("Group.ReadWrite.All", "User.Read.All")
    assert got["roles.directory"].status == "warning"


def test_missing_token_leaves_its_permissions_unchecked() -> None:
    got = checks({"graph": {"roles": ["Group.ReadWrite.All", "User.Read.All"], "wids": []}})
    assert got["permissions.exchange"].status == "could-not-check"
    assert "token.exchange" in got["permissions.exchange"].finding
    assert got["roles.directory"].details == ("Exchange Administrator", "Teams Administrator")
