"""Issue 12: every class of bad input gets a clear problem naming its site, field and value.

Each test writes a file a new user might write and asserts the message: the site
(or none, for the tenant and baseline), the field path and the offending value.
No test may see a traceback: load_network raises NetworkError and nothing else.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from hcinfra.network import NetworkError, load_network
from hcinfra.network.catalog import SERVICE_PLANS, SKUS
from hcinfra.network.load import Problem
from tests.conftest import REPO

SAMPLE = REPO / "stacks" / "network.yaml"
SEED = REPO / "hcinfra" / "emulator" / "seeds" / "default.yaml"


def sample() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def problems(tmp_path: Path, content: dict | str | bytes) -> list[Problem]:
    path = tmp_path / "network.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    with pytest.raises(NetworkError) as err:
        load_network(path)
    return err.value.problems


def one(found: list[Problem], path: str, *words: str) -> Problem:
    hits = [p for p in found if p.path == path and all(w in p.message for w in words)]
    assert hits, f"no problem at {path} with {words}: {[str(p) for p in found]}"
    return hits[0]


# -- the file itself ---------------------------------------------------------------


def test_a_missing_file_and_a_directory_are_problems_not_tracebacks(tmp_path: Path):
    for target in (tmp_path / "nope.yaml", tmp_path):
        with pytest.raises(NetworkError) as err:
            load_network(target)
        [p] = err.value.problems
        assert p.path == "(file)" and p.message.startswith("cannot read it:")


def test_a_file_that_is_not_utf8_names_its_line_and_byte(tmp_path: Path):
    text = SAMPLE.read_text(encoding="utf-8").replace("Hôpital Saint-Michel", "H\x00pital")
    raw = text.encode("utf-8").replace(b"H\x00pital", b"H\xf4pital")  # Latin-1 ô
    line = raw[: raw.index(b"H\xf4pital")].count(b"\n") + 1
    [p] = problems(tmp_path, raw)
    assert p.line == line
    assert f"byte 0xF4 at line {line}, byte 12 of that line" in p.message
    assert "save it as UTF-8" in p.message


def test_a_yaml_syntax_error_gives_its_line(tmp_path: Path):
    [p] = problems(tmp_path, "tenant:\n  id: x\n  domains: [a, b\nsites: []\n")
    assert p.message.startswith("malformed YAML") and p.line is not None


def test_a_billion_laughs_file_is_refused_fast(tmp_path: Path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 10):
        refs = ", ".join([f"*a{n - 1}"] * 10)
        lines.append(f"a{n}: &a{n} [{refs}]")
    lines.append("tenant: *a9")
    started = time.monotonic()
    [p] = problems(tmp_path, "\n".join(lines) + "\n")
    assert time.monotonic() - started < 5
    assert p.path == "(file)" and "YAML aliases expand this file past" in p.message


def test_an_alias_that_contains_itself_is_refused(tmp_path: Path):
    [p] = problems(tmp_path, "tenant: &t\n  id: *t\n")
    assert "refers to the value that contains it" in p.message


def test_aliases_that_stay_small_are_accepted(tmp_path: Path):
    stm = "[claire.dubois@northwindhealth.org, manager001@northwindhealth.org]"
    text = SAMPLE.read_text(encoding="utf-8").replace(
        f"      nurse-managers: {stm}", f"      nurse-managers: &stm {stm}"
    )
    text = text.replace(
        "      nurse-managers: [marc.tremblay@northwindhealth.org, manager002@northwindhealth.org]",
        "      nurse-managers: *stm",
    )
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    network = load_network(path)
    assert network.site("HSA").members["nurse-managers"][0] == "claire.dubois@northwindhealth.org"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- tenant\n- sites\n", "the top level is a list"),
        ("just text\n", "the top level is the text 'just text'"),
    ],
)
def test_an_empty_file_or_a_top_level_that_is_not_a_mapping(tmp_path: Path, content, words):
    [p] = problems(tmp_path, content)
    assert p.path == "(file)" and words in p.message and "a YAML mapping" in p.message


def test_a_key_given_twice_in_a_mapping_is_reported(tmp_path: Path):
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "    mail_domain: hsa.northwindhealth.org\n",
        "    mail_domain: hsa.northwindhealth.org\n    mail_domain: chm.northwindhealth.org\n",
    )
    found = problems(tmp_path, text)
    p = one(found, "sites[1].mail_domain", "the key 'mail_domain' is given twice")
    assert p.site == "HSA"


# -- one run reports everything --------------------------------------------------------


def test_a_type_error_in_one_site_does_not_hide_problems_elsewhere(tmp_path: Path):
    data = sample()
    data["sites"][1]["wards"] = "Cardiologie"  # a type error at HSA
    data["sites"][2]["mail_domain"] = "chm.example.org"  # a semantic problem at CHM
    data["baseline"]["roles"][0]["licences"][0]["sku"] = "SPE_F9"  # and in the baseline
    found = problems(tmp_path, data)
    wards = one(found, "sites[1].wards", "should be a list", "'Cardiologie'")
    assert wards.site == "HSA"
    assert one(found, "sites[2].mail_domain", "chm.example.org").site == "CHM"
    assert one(found, "baseline.roles[0].licences[0].sku", "SPE_F9").site is None


def test_a_type_error_in_the_baseline_does_not_hide_site_problems(tmp_path: Path):
    data = sample()
    data["baseline"]["roles"][0]["seats"] = "forty"
    data["sites"][0]["wards"] = ["3 Nord", "3 nord"]
    found = problems(tmp_path, data)
    one(found, "baseline.roles[0].seats", "should be a whole number", "'forty'")
    assert one(found, "sites[0].wards[1]", "'3 nord'", "listed twice").site == "STM"


def test_messages_are_words_never_a_regular_expression(tmp_path: Path):
    data = sample()
    data["baseline"]["mailboxes"][0]["local_part"] = "x y"
    data["tenant"]["id"] = "not-a-guid"
    data["baseline"]["teams"]["ward"]["visibility"] = "secret"
    found = problems(tmp_path, data)
    assert all("pattern" not in p.message and "^" not in p.message for p in found)
    one(
        found,
        "baseline.mailboxes[0].local_part",
        "a local part is 1 to 64 letters, digits, '.', '_' and '-'",
        "got 'x y'",
    )
    one(found, "tenant.id", "GUID", "got 'not-a-guid'")
    one(found, "baseline.teams.ward.visibility", "'private' or 'public'", "got 'secret'")


# -- derived names ---------------------------------------------------------------------


def test_a_mailbox_name_over_exchanges_limit_names_site_field_and_limit(tmp_path: Path):
    data = sample()
    data["baseline"]["mailboxes"][1]["local_part"] = "s" * 62  # STM-sss…: 66 > 64
    found = problems(tmp_path, data)
    p = one(found, "baseline.mailboxes[1].local_part", "shared mailbox name", "Exchange allows 64")
    assert p.site == "STM" and "66 characters" in p.message
    assert "new-mailbox" in p.message.lower() or "new-distributiongroup" in p.message.lower()


def test_a_group_nickname_over_graphs_limit_is_not_truncated(tmp_path: Path):
    data = sample()
    data["baseline"]["roles"][3]["name"] = "N" * 60  # stm- + 60: 64 fits; the -mail alias does not
    found = problems(tmp_path, data)
    p = one(found, "baseline.roles[3].name", "mail-enabled security group alias", "allows 64")
    assert p.site == "STM" and "-mail'" in p.message


def test_a_team_name_over_teams_limit_names_the_override(tmp_path: Path):
    data = sample()
    data["sites"][0]["name"] = "H" * 120
    data["sites"][0]["overrides"] = {
        "teams": {"hospital": {"display_name": "{site} — {site} — {site}"}}
    }
    found = problems(tmp_path, data)
    p = one(
        found,
        "sites[0].overrides.teams.hospital.display_name",
        "hospital team displayName",
        "Teams allows 256",
    )
    assert p.site == "STM"


def test_a_ward_name_with_a_control_character(tmp_path: Path):
    data = sample()
    data["sites"][0]["wards"] = ["3 Nord\t"]
    found = problems(tmp_path, data)
    p = one(found, "baseline.teams.ward.display_name", "ward team displayName", "U+0009")
    assert p.site == "STM"


# -- patterns --------------------------------------------------------------------------


def test_an_unknown_placeholder_is_an_error_on_its_field(tmp_path: Path):
    data = sample()
    data["baseline"]["mailboxes"][0]["display_name"] = "{site} — {ward}"
    found = problems(tmp_path, data)
    p = one(found, "baseline.mailboxes[0].display_name", "unknown placeholder {ward}")
    assert "{site}, {code}" in p.message and p.site is None


def test_an_unbalanced_brace_is_an_error_on_its_field(tmp_path: Path):
    data = sample()
    data["sites"][1]["overrides"]["teams"] = {"ward": {"display_name": "{code} {ward"}}
    found = problems(tmp_path, data)
    p = one(found, "sites[1].overrides.teams.ward.display_name", "unbalanced brace", "{ward")
    assert p.site == "HSA"


# -- keys ------------------------------------------------------------------------------


def test_keys_are_unique_in_roles_mailboxes_and_wards(tmp_path: Path):
    data = sample()
    data["baseline"]["roles"].append({**data["baseline"]["roles"][0]})
    data["baseline"]["mailboxes"].append({**data["baseline"]["mailboxes"][0]})
    data["sites"][1]["wards"] = ["Pédiatrie", "Pediatrie"]
    found = problems(tmp_path, data)
    one(found, "baseline.roles[5].key", "role key 'clinical' is used twice", "roles[0]")
    one(found, "baseline.mailboxes[2].key", "mailbox key 'info' is used twice")
    p = one(found, "sites[1].wards[1]", "'Pediatrie'", "same team alias as 'Pédiatrie'")
    assert p.site == "HSA"


def test_an_override_naming_an_unknown_role_key_names_that_key(tmp_path: Path):
    data = sample()
    data["sites"][1]["overrides"]["roles"] = [{"key": "clincal", "seats": 60}]
    found = problems(tmp_path, data)
    p = one(found, "sites[1].overrides.roles[0].name", "role key 'clincal'", "'clinical'")
    assert p.site == "HSA" and "missing" in p.message


def test_an_override_key_given_twice(tmp_path: Path):
    data = sample()
    data["sites"][1]["overrides"]["roles"] = [
        {"key": "clinical", "seats": 60},
        {"key": "clinical", "seats": 70},
    ]
    found = problems(tmp_path, data)
    assert one(found, "sites[1].overrides.roles[1].key", "'clinical' is used twice").site == "HSA"


# -- site codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [(" STM", "no surrounding spaces"), ("STM\u0007", "no control characters"), ("st", "2 to 8")],
)
def test_a_site_code_with_spaces_or_control_characters(tmp_path: Path, code, words):
    data = sample()
    data["sites"][0]["code"] = code
    found = problems(tmp_path, data)
    p = one(found, "sites[0].code", words, repr(code))
    assert p.site == (code.strip() or "#1")


# -- the SKU catalogue -----------------------------------------------------------------


def test_an_unknown_disabled_plan_names_the_sku_and_close_matches(tmp_path: Path):
    data = sample()
    data["baseline"]["roles"][0]["licences"][0]["disabled_plans"] = ["YAMMER_ENTERPRIZE", "TEAMS1"]
    found = problems(tmp_path, data)
    p = one(
        found,
        "baseline.roles[0].licences[0].disabled_plans[0]",
        "'YAMMER_ENTERPRIZE' is not part of SPE_F1",
        "did you mean 'YAMMER_ENTERPRISE'",
    )
    assert p.site is None
    assert not [q for q in found if q.path.endswith("disabled_plans[1]")]  # TEAMS1 is in F3


def test_plans_hospitals_disable_are_in_the_catalogue():
    for sku in ("SPE_F1", "M365_F1_COMM", "M365_F1", "DESKLESSPACK", "SPE_E3", "SPE_E5"):
        assert {"TEAMS1", "YAMMER_ENTERPRISE"} <= SERVICE_PLANS[sku], sku
    assert {"EXCHANGE_S_DESKLESS", "SWAY", "FORMS_PLAN_K"} <= SERVICE_PLANS["SPE_F1"]
    assert {"SWAY", "FORMS_PLAN_E3"} <= SERVICE_PLANS["ENTERPRISEPACK"] & SERVICE_PLANS["SPE_E3"]
    assert "FORMS_PLAN_E5" in SERVICE_PLANS["SPE_E5"]
    assert set(SERVICE_PLANS) == set(SKUS)


def test_the_emulator_seed_agrees_with_the_catalogue():
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    for sku in seed["skus"]:
        part = sku["skuPartNumber"]
        assert SKUS[part] == sku["skuId"], part
        plans = {p["servicePlanName"] for p in sku.get("servicePlans") or []}
        assert plans <= SERVICE_PLANS[part], (part, plans - SERVICE_PLANS[part])
    network = load_network(SAMPLE)
    for role in network.baseline.roles:
        for lic in role.licences:
            assert set(lic.disabled_plans) <= SERVICE_PLANS[lic.sku]
