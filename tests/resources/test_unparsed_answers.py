"""A first deploy's Graph calls read JSON, so the provider never loads msgraph-sdk's models.

Parsing one answer into a model makes kiota import every type it refers to, some 1,200
modules (1.3 to 1.8 s and about 40 MiB per provider process): hcinfra.clients.graph_raw.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.emulator.harness import Emulator

CREATE = r"""
import json, sys
from tests.emulator.harness import Emulator
from tests.resources.conftest import configure_for
from hcinfra.resources.group_license import GroupLicenseProvider
from hcinfra.resources.security_group import SecurityGroupProvider
from hcinfra.resources.team import TeamProvider

e = json.loads(sys.argv[1])
configure_for(Emulator(url=e["url"], ca=e["ca"], tenant_id=e["tenant"], proc=None))
group = SecurityGroupProvider()
made = group.create(group.check({}, {
    "display_name": "STM-Clinical", "mail_nickname": "stm-clinical",
    "members": ["nurse001@northwindhealth.org"], "owners": ["claire.dubois@northwindhealth.org"],
}).inputs)
lic = GroupLicenseProvider()
lic.create(lic.check({}, {"group_id": made.id, "skus": [{"sku": "SPE_F1"}]}).inputs)
team = TeamProvider()
team.create(team.check({}, {
    "display_name": "STM Ward", "template": "healthcareWard",
    "owners": ["claire.dubois@northwindhealth.org"], "members": ["nurse001@northwindhealth.org"],
}).inputs)
print(json.dumps(sorted(m for m in sys.modules if m.startswith("msgraph.generated.models."))))
"""


def test_first_creates_load_no_model_cascade(emu: Emulator):
    args = json.dumps({"url": emu.url, "ca": emu.ca, "tenant": emu.tenant_id})
    done = subprocess.run(
        [sys.executable, "-c", CREATE, args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    models = json.loads(done.stdout.strip().splitlines()[-1])
    # The request bodies' own models (a group, a team, a channel, a licence) only.
    assert len(models) < 40, models
