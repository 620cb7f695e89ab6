"""A minimal Python language host for the Pulumi CLI.

Pulumi's own host (`pulumi-language-python`) is a Go module published only under
pseudo-versions, which the module proxy reachable from our build machines does not
serve. This host implements the same LanguageRuntime gRPC service with the
generated stubs that ship in the Pulumi Python SDK, and runs the program through
the SDK's own `pulumi-language-python-exec` script, exactly as the Go host does.
`scripts/install-pulumi` installs it only when the real host is unavailable.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# The exec script exits with this code once it has shown the user an actionable error.
USER_ACTIONABLE_EXIT = 32


def _program_path(req: Any) -> str:
    """Resolve the program the engine asked for to a path the exec script can run."""
    info = req.info
    if info.program_directory:
        entry = info.entry_point or "."
        return os.path.normpath(os.path.join(info.program_directory, entry))
    return req.program or "."


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """Runs Python programs for the engine by spawning the SDK's exec script."""

    def __init__(self, exec_script: str, engine_address: str, version: str) -> None:
        self.exec_script = exec_script
        self.engine_address = engine_address
        self.version = version

    def Handshake(self, request: Any, context: Any) -> Any:
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        # Dynamic providers need only the bundled pulumi-python plugin.
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=self.version)

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        # The virtualenv is prepared by `make`; nothing to install at run time.
        return iter(())

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        return language_pb2.RuntimeOptionsResponse()

    def About(self, request: Any, context: Any) -> Any:
        return language_pb2.AboutResponse(executable=sys.executable, version=sys.version.split()[0])

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        return language_pb2.GetProgramDependenciesResponse()

    def Run(self, request: Any, context: Any) -> Any:
        args = [sys.executable, "-u", self.exec_script]

        def opt(name: str, value: str) -> None:
            if value:
                args.extend([f"--{name}", value])

        opt("monitor", request.monitor_address)
        opt("engine", self.engine_address)
        opt("project", request.project)
        opt("root_directory", request.info.root_directory)
        opt("stack", request.stack)
        opt("pwd", request.pwd)
        opt("dry_run", "true" if request.dryRun else "false")
        opt("parallel", str(request.parallel))
        opt("organization", request.organization)
        args.append(_program_path(request))
        args.extend(request.args)

        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        code = subprocess.call(args, env=env)
        if code == 0:
            return language_pb2.RunResponse()
        if code == USER_ACTIONABLE_EXIT:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {code}")


def main(argv: list[str] | None = None) -> None:
    """Serve the language host on a free loopback port and print the port, as plugins do."""
    parser = argparse.ArgumentParser(prog="pulumi-language-python")
    parser.add_argument("--exec-script", required=True)
    parser.add_argument("--version", default="3.0.0")
    known, rest = parser.parse_known_args(argv)
    # The engine passes Go-style flags (-root=…, -tracing …) and then its own address.
    positional = [a for a in rest if not a.startswith("-")]
    engine_address = positional[-1] if positional else ""

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        LanguageHost(known.exec_script, engine_address, known.version), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(grace=1)


if __name__ == "__main__":
    main()
