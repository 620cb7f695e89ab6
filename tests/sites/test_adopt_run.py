"""How `hcinfra adopt` sorts a stack's resources by the engine's errors, and reports them."""

from __future__ import annotations

from hcinfra.adopt.command import report
from hcinfra.sites.adopt_run import _refusal
from hcinfra.sites.runner import StackRun

TRACE = 'error: Traceback (most recent call last):\n  File "x.py", line 1\n'


def test_each_refusal_is_sorted_by_its_words_without_the_traceback():
    ambiguous = _refusal(
        TRACE + "hcinfra.resources.adoption.NotAdopted: more than one live object matches "
        "the security group stm-x: group A (1) and group B (2); rename or remove one"
    )
    assert ambiguous == (
        "ambiguous",
        "more than one live object matches the security group stm-x: group A (1) and "
        "group B (2); rename or remove one",
    )
    assert _refusal(TRACE + "NotAdopted: no live object matches the team stm-a: x")[0] == (
        "unmatched"
    )
    conflict = _refusal(TRACE + "hcinfra.resources.adoption.NotAdopted: a@b is a UserMailbox")
    assert conflict == ("conflict", "a@b is a UserMailbox")
    assert _refusal(TRACE + "KeyError: 'id'") == ("failed", "KeyError: 'id'")


def test_the_report_lists_each_outcome_and_the_shadows():
    run = StackRun("STM", result={"ok": True, "adoption": {
        "adopted": [{"kind": "SecurityGroup", "name": "stm-clinical"}],
        "managed": [],
        "unmatched": [{"kind": "Team", "name": "stm-team-hospital", "message": "no live…"}],
        "ambiguous": [],
        "conflict": [{"kind": "SharedMailbox", "name": "stm-mailbox-info", "message": "user"}],
        "unsupported": [],
        "skipped": [{"kind": "GroupLicenseAssignment", "name": "stm-x-licences"}],
        "failed": [],
    }})  # fmt: skip
    failed = StackRun("HSA", result={"ok": False, "error": "boom"})
    shadow = {"kind": "SecurityGroup", "name": "STM-Porters", "id": "g1"}
    lines = report([run, failed], {"STM": [shadow]}, dry_run=True)
    assert lines[0] == "hcinfra adopt --dry-run (nothing was kept): 2 stack(s)"
    assert lines[1] == (
        "STM: 1 adopted, 0 already in the state, 1 not matched, 0 ambiguous, 1 skipped"
    )
    text = "\n".join(lines)
    assert "    Team stm-team-hospital: no live…" in text
    assert "  conflicts: a live object holds the key" in text
    assert "    SecurityGroup STM-Porters (g1)" in text
    assert "HSA: FAILED: boom" in text
