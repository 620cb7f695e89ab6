"""The `hcinfra` command.

Every command's failures reach the user as one line saying what failed and what to do,
and exit 1 (`main`); `--debug` (anywhere on the line, or HCINFRA_DEBUG=1) adds the
traceback. Commands print their own known errors (an invalid network file, missing
settings, the tenant's refusals) before that, with their own messages.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Any

DEBUG_FLAG = "--debug"

# Stacks at once. Against the emulator's realistic profile (bench/realistic.py), 10 and
# 50 sites deployed fastest at 16 of the levels tried (4, 8, 16), since a stack mostly
# waits on the services; each running stack holds about 0.3 GiB (docs/operations.md).
DEFAULT_PARALLEL = 16


def _emulator_serve(args: argparse.Namespace) -> int:
    from hcinfra.emulator import INSTALL_HINT, missing_modules

    if missing := missing_modules():
        print(
            f"hcinfra emulator serve: {INSTALL_HINT} ({', '.join(missing)} missing)",
            file=sys.stderr,
        )
        return 1
    from hcinfra.emulator.server import serve

    serve(
        host=args.host,
        port=args.port,
        state=args.state,
        seed=args.seed,
        faults=args.faults,
        tls=not args.no_tls,
        tls_dir=args.tls_dir,
        profile=args.profile,
    )
    return 0


def _emulator_approve_signin(args: argparse.Namespace) -> int:
    from hcinfra.emulator.signin import approve_signin

    codes = approve_signin(args.endpoint, args.ca_bundle, args.user, args.code, args.timeout)
    print(f"{args.user} approved the device code {', '.join(codes)}")
    return 0


def _permissions(args: argparse.Namespace) -> int:
    from hcinfra.permissions import render

    print(render(args.format))
    return 0


def _signin(args: argparse.Namespace) -> int:
    from hcinfra.clients.delegated import sign_in
    from hcinfra.clients.settings import load_settings

    path = sign_in(load_settings())
    print(f"signed in; the sign-in's record (no secret) is in {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from hcinfra.network import NetworkError, load_network

    try:
        network = load_network(args.network)
    except NetworkError as err:
        print(err, file=sys.stderr)
        return 1
    from hcinfra.network.policy_groups import plan_policy_groups

    print(f"{args.network}: valid ({len(network.sites)} sites: {', '.join(network.codes())})")
    for line in plan_policy_groups(network).describe():
        print(line)
    return 0


def _sites(args: argparse.Namespace) -> int:
    from hcinfra.sites.runner import flag_problem, list_command, sites_command

    if problem := flag_problem(args.action, args.diff, args.format, args.out, args.max_chars):
        print(f"hcinfra sites {args.action}: {problem}", file=sys.stderr)
        return 1
    if args.action == "list":
        return list_command(args.network, args.format or "text")
    return sites_command(
        args.action,
        args.network,
        args.site or None,
        args.parallel,
        args.clear_pending_creates,
        diff_format=(args.format or "text") if args.diff else None,
        out=args.out,
        max_chars=args.max_chars,
        ring=args.ring,
    )


def _export(args: argparse.Namespace) -> int:
    from hcinfra.audit.commands import export_command

    return export_command(args.network, args.site or None, args.out)


def _drift(args: argparse.Namespace) -> int:
    from hcinfra.audit.commands import drift_command

    return drift_command(args.network, args.site or None, args.format, args.out)


def _check(args: argparse.Namespace) -> int:
    from hcinfra.audit.commands import check_command

    return check_command(args.network, args.site or None, args.format, args.out)


def _adopt(args: argparse.Namespace) -> int:
    if args.propose:
        from hcinfra.adopt.propose import propose_command

        if not args.out:
            print("hcinfra adopt --propose: give --out FILE for the draft", file=sys.stderr)
            return 1
        return propose_command(args.out, args.pattern)
    from hcinfra.adopt.command import adopt_command

    if not args.network:
        print("hcinfra adopt: give --network FILE (or --propose --out FILE)", file=sys.stderr)
        return 1
    return adopt_command(args.network, args.site or None, args.dry_run, args.parallel)


def _doctor(args: argparse.Namespace) -> int:
    from hcinfra.doctor.command import doctor_command

    return doctor_command(args.network, args.format, args.out)


def _audit_commands(sub: Any) -> None:
    formats = ["text", "markdown", "json", "html"]
    export = sub.add_parser("export", help="write what the tenant holds, one YAML file per site")
    drift = sub.add_parser("drift", help="declared against live; exit 2 on drift")
    check = sub.add_parser("check", help="healthcare compliance controls; exit 2 on a failure")
    for parser in (export, drift, check):
        parser.add_argument("--network", required=True, help="the network YAML file")
        parser.add_argument("--site", action="append", help="a site code (repeat); 'tenant' too")
    export.add_argument("--out", required=True, help="the folder to write into")
    export.set_defaults(func=_export)
    for parser, func in ((drift, _drift), (check, _check)):
        parser.add_argument("--format", choices=formats, default="text")
        parser.add_argument("--out", help="write the report here instead of stdout")
        parser.set_defaults(func=func)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="hcinfra", description="Microsoft 365 tenants of hospital networks, as code."
    )
    parser.add_argument(
        DEBUG_FLAG, action="store_true", help="show the traceback of an unexpected failure"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    emulator = sub.add_parser("emulator", help="the local Microsoft 365 emulator")
    emu_sub = emulator.add_subparsers(dest="emulator_command", required=True)
    serve = emu_sub.add_parser("serve", help="serve the emulator until SIGTERM or SIGINT")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    serve.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    serve.add_argument("--state", help="SQLite file that keeps the tenant across restarts")
    serve.add_argument("--seed", help="seed YAML (default: the bundled hospital network)")
    serve.add_argument("--faults", help="faults YAML")
    serve.add_argument(
        "--profile", help="a latency profile, e.g. realistic (docs/emulator.md, Latency profile)"
    )
    serve.add_argument("--no-tls", action="store_true", help="plain HTTP (quick manual use)")
    serve.add_argument("--tls-dir", help="where to write the generated CA and certificate")
    serve.set_defaults(func=_emulator_serve)
    approve = emu_sub.add_parser(
        "approve-signin",
        help="approve a pending `hcinfra signin` device code as a seeded user (as a person "
        "would at the device login page; `make demo` does it)",
    )
    approve.add_argument(
        "--user",
        default="admin@northwindhealth.onmicrosoft.com",
        help="the seeded user who signs in (default: the seed's tenant administrator)",
    )
    approve.add_argument(
        "--code", default="", help="the code `hcinfra signin` printed (default: every pending one)"
    )
    approve.add_argument(
        "--endpoint",
        default=os.environ.get("HCINFRA_ENDPOINT", ""),
        help="the emulator's URL (default: HCINFRA_ENDPOINT)",
    )
    approve.add_argument(
        "--ca-bundle",
        default=os.environ.get("HCINFRA_CA_BUNDLE", ""),
        help="the emulator's CA certificate (default: HCINFRA_CA_BUNDLE)",
    )
    approve.add_argument(
        "--timeout", type=float, default=60, help="seconds to wait for a pending code (60)"
    )
    approve.set_defaults(func=_emulator_approve_signin)

    validate = sub.add_parser("validate", help="check a network file; nothing is sent")
    validate.add_argument("--network", required=True, help="the network YAML file")
    validate.set_defaults(func=_validate)

    sites = sub.add_parser("sites", help="one stack per site, through the Automation API")
    sites.add_argument("action", choices=["preview", "up", "refresh", "destroy", "list"])
    sites.add_argument("--network", required=True, help="the network YAML file")
    sites.add_argument("--site", action="append", help="a site code (repeat); 'tenant' too")
    sites.add_argument(
        "--ring",
        help="with up: deploy this ring of the network's rings once the rings before it are "
        "clean ('all': every stack); without it, up deploys the next ring (docs/operations.md)",
    )
    sites.add_argument(
        "--parallel",
        type=int,
        default=DEFAULT_PARALLEL,
        help=f"sites deployed at once (default {DEFAULT_PARALLEL}; each takes about 0.3 GiB)",
    )
    sites.add_argument(
        "--diff",
        action="store_true",
        help="with preview: every planned change, property by property (docs/auditors.md)",
    )
    sites.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        help="list: text or json; preview --diff: text, markdown or json (default text)",
    )
    sites.add_argument("--out", help="with preview --diff: write the plan here, not to stdout")
    sites.add_argument(
        "--max-chars",
        type=int,
        help="with preview --diff --format markdown: shorten the plan to this many characters "
        "(default 65536, what a GitHub comment takes; 0: no limit)",
    )
    sites.add_argument(
        "--clear-pending-creates",
        action="store_true",
        help="with refresh: drop creates an interrupted run left pending (after a rerun)",
    )
    sites.set_defaults(func=_sites)

    _audit_commands(sub)

    adopt = sub.add_parser(
        "adopt", help="take the tenant's existing objects into the stacks, writing nothing to it"
    )
    adopt.add_argument("--network", help="the network YAML file")
    adopt.add_argument("--site", action="append", help="a site code, or tenant (repeatable)")
    adopt.add_argument("--dry-run", action="store_true", help="report the matches, keep nothing")
    adopt.add_argument("--parallel", type=int, default=16, help="stacks at once (default 16)")
    adopt.add_argument(
        "--propose", action="store_true", help="write a draft network file from the tenant"
    )
    adopt.add_argument("--out", help="with --propose: the draft's path")
    adopt.add_argument(
        "--pattern",
        default="{code}-{role}",
        help="with --propose: how group names hold the site and role (default {code}-{role})",
    )
    adopt.set_defaults(func=_adopt)

    doctor = sub.add_parser("doctor", help="read-only check of the tenant before a first deploy")
    doctor.add_argument("--network", required=True, help="the network YAML file")
    doctor.add_argument("--format", choices=["text", "json"], default="text")
    doctor.add_argument("--out", help="write the report here instead of stdout")
    doctor.set_defaults(func=_doctor)

    signin = sub.add_parser(
        "signin", help="sign a user in once for VirtualVisits' delegated-only Bookings calls"
    )
    signin.set_defaults(func=_signin)

    perms = sub.add_parser("permissions", help="the permissions hcinfra's app needs")
    perms.add_argument("--format", choices=["text", "json"], default="text")
    perms.set_defaults(func=_permissions)
    return parser


def _command(args: argparse.Namespace) -> str:
    words = ["hcinfra", str(args.command)]
    for name in ("emulator_command", "action"):
        if getattr(args, name, None):
            words.append(str(getattr(args, name)))
    return " ".join(words)


def explain(command: str, err: BaseException) -> str:
    """One line for a failure no command handled: what failed and what to do."""
    from hcinfra.errors import HcinfraError

    if isinstance(err, HcinfraError):
        return err.for_user(command)  # raised on purpose: its message says what to do
    text = " ".join(str(err).split()) or type(err).__name__
    if isinstance(err, OSError):
        return f"{command}: {text}: check the path, its permissions or the address, then rerun"
    return (
        f"{command} failed: {type(err).__name__}: {text}. Nothing more was done; rerun with "
        f"{DEBUG_FLAG} for the traceback, and report it if the cause is not yours to fix"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line: the command's exit code, 1 on a failure it did not handle."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in argv or os.environ.get("HCINFRA_DEBUG", "") not in ("", "0")
    # Accepted anywhere on the line: before the command or after its options.
    args = build_parser().parse_args([a for a in argv if a != DEBUG_FLAG])
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print(f"{_command(args)}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if debug:
            traceback.print_exc()
        print(explain(_command(args), err), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
