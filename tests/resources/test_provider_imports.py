"""A provider process imports the SDKs when a kind is configured, before any call on the
engine's threads: two threads importing kiota's and msgraph_core's client factories at once
can each get the other's half-made module (seen once: `cannot import name
'KiotaClientFactory' from partially initialized module`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    import sys
    from pulumi.dynamic import Config, ConfigureRequest
    from hcinfra.resources.security_group import SecurityGroupProvider

    before = {m for m in ("msgraph", "kiota_http.kiota_client_factory", "azure.identity")
              if m in sys.modules}
    SecurityGroupProvider().configure(ConfigureRequest(Config({}, "hcinfra")))
    after = [m for m in ("msgraph", "msgraph_core", "kiota_http.kiota_client_factory",
                         "azure.identity", "httpx") if m not in sys.modules]
    print(sorted(before), after)
    """
)


def test_configuring_a_kind_loads_the_sdks_first() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, check=True
    )
    # Nothing of the SDKs before (the kind's module stays lean), everything after.
    assert done.stdout.strip() == "[] []", done.stdout + done.stderr
