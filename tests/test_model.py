"""Validation of the model: references, enumerations, ids, categories, the JSON Schema."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from helpers import BASE, run_cli, write_files

from lineage.errors import InputErrors
from lineage.model import load_model, model_from_text, processor_chain
from lineage.model.entities import SECTIONS
from lineage.model.schema import json_schema
from lineage.model.types import attributes


def messages(text: str) -> list[str]:
    with pytest.raises(InputErrors) as info:
        model_from_text(text)
    return [str(e) for e in info.value.errors]


def test_base_model_is_valid():
    model = model_from_text(BASE)
    assert sorted(model.systems) == ["cases", "crm"]
    assert model.flows["cases-to-crm"].fields[2].form == "pseudonymised"
    assert model.country("crm") == "FR"


def test_dangling_references_with_hints():
    text = BASE.replace("to: crm", "to: crn").replace("purpose: training\n", "purpose: trainng\n")
    lines = text.splitlines()
    to_line = lines.index("    to: crn") + 1
    assert messages(text) == [
        f"model.yaml:{to_line}:9: error: unknown system 'crn' (did you mean 'crm'?)",
        f"model.yaml:{to_line + 1}:14: error: unknown purpose 'trainng' (did you mean 'training'?)",
    ]


def test_enumerations_and_countries():
    text = (BASE.replace("role: processor", "role: procesor")
            .replace("country: FR}", "country: fr}")
            .replace("channel: sftp", "channel: pigeon"))
    found = messages(text)
    assert any("'procesor' is not one of controller" in m and "(did you mean 'processor'?)" in m for m in found)
    assert any("'fr' is not an ISO 3166-1 alpha-2 country code (did you mean 'FR'?)" in m for m in found)
    assert any("'pigeon' is not one of api, sftp" in m for m in found)
    for written, meant in (("UK", "GB"), ("el", "GR")):
        assert any(f"'{written}' is not an ISO 3166-1 alpha-2 country code (did you mean '{meant}'?)" in m
                   for m in messages(BASE.replace("country: FR}", f"country: {written}}}")))


def test_id_syntax():
    found = messages(BASE.replace("id: crm\n", "id: CRM_Main\n").replace("to: crm", "to: CRM_Main"))
    assert any("'CRM_Main' is not a valid id" in m for m in found)


def test_unknown_section_and_missing_required_key():
    found = messages(BASE + "sytems: []\n" + "waivers:\n  - {rule: MIN001, target: flow:cases-to-crm}\n")
    assert any("unknown section 'sytems' (did you mean 'systems'?)" in m for m in found)
    assert any("missing required key 'reason'" in m for m in found)
    assert any("missing required key 'expires'" in m for m in found)


def test_waiver_target_must_exist():
    text = BASE + ("waivers:\n  - {rule: MIN001, target: flow:cases-to-crn, reason: r, expires: 2030-01-01}\n"
                   "  - {rule: MIN001, target: table:x, reason: r, expires: 2030-01-01}\n")
    line = text.splitlines().index("waivers:") + 2
    assert messages(text) == [
        f"model.yaml:{line}:28: error: unknown flow 'cases-to-crn' (did you mean 'cases-to-crm'?)",
        f"model.yaml:{line + 1}:28: error: 'table:x' is not kind:id with kind flow, system or organization",
    ]


def test_custom_categories_extend_and_inherit():
    text = BASE.replace("fields:\n",
                        "categories:\n  - {id: gov_id.file_number}\n  - {id: case.note, tier: 4, special: art9}\n"
                        "fields:\n  - {id: file_no, category: gov_id.file_number}\n"
                        "  - {id: note, category: case.note}\n", 1)
    model = model_from_text(text)
    assert model.field_info("file_no").tier == 3 and model.field_info("file_no").identifier == "direct"
    assert model.field_info("note").special == "art9"
    found = messages(BASE.replace("fields:\n", "categories:\n  - {id: orphan.kind}\nfields:\n", 1))
    assert found == ["model.yaml:2:5: error: category 'orphan.kind' needs a tier (1..4): it has no parent "
                     "category to inherit one from"]


def test_field_overrides_tier_and_identifier():
    model = model_from_text(BASE.replace("{id: email, category: contact.personal}",
                                         "{id: email, category: contact.personal, tier: 4, identifier: quasi}"))
    info = model.field_info("email")
    assert (info.tier, info.identifier) == (4, "quasi")


def test_derivation_cycle():
    text = BASE.replace("{id: full_name, category: identity.name}",
                        "{id: full_name, category: identity.name, derived_from: [email]}").replace(
                        "{id: email, category: contact.personal}",
                        "{id: email, category: contact.personal, derived_from: [full_name]}")
    assert any("derived_from loops: " in m for m in messages(text))


def test_flow_to_itself():
    assert any("goes from 'cases' to itself" in m for m in messages(BASE.replace("to: crm", "to: cases")))


def test_schema_is_derived_from_the_entities():
    schema = json_schema()
    for section, cls in SECTIONS.items():
        props = schema["properties"][section]["items"]["properties"]
        assert set(props) == set(attributes(cls)), section
        assert schema["properties"][section]["items"]["additionalProperties"] is False


class _Yaml12(yaml.SafeLoader):
    """What an editor's YAML 1.2 reader makes of a file: core-schema scalars, dates as strings."""


_Yaml12.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag.endswith((":null", ":str"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _kind, _pattern, _first in [
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    ("float", r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)",
     "-+0123456789."),
]:
    _Yaml12.add_implicit_resolver(f"tag:yaml.org,2002:{_kind}", re.compile(rf"^(?:{_pattern})$"), list(_first))


def _schema_errors(text: str) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft7Validator(json_schema(), format_checker=jsonschema.FormatChecker())
    return [e.message for e in validator.iter_errors(yaml.load(text, Loader=_Yaml12) or {})]


def test_example_model_files_satisfy_the_schema():
    from helpers import REPO

    files = sorted((REPO / "flows").rglob("*.yaml"))
    assert files
    for path in files:
        assert not _schema_errors(path.read_text()), path


@pytest.mark.parametrize("text, valid", [
    ("fields:\n", True),
    ("", True),
    ("subjects:\n  - {id: s, population: 9007199254740992}\n", True),
    ("waivers:\n  - {rule: MIN001, target: 'flow:cases-to-crm', reason: r, expires: 2030-01-01}\n", True),
    ("organizations:\n  - {id: o, role: recipient, country: NO}\n", True),
    ("fields:\n  - {id: f, category: identity.name, description: '3.14', tier: !!int 2}\n", True),
    ("fields:\n  - {id: f, category: identity.name, description:}\n", False),
    ("fields:\n  - {id: f, category: identity.name, tier: ~, derived_from: null}\n", False),
    ("subjects:\n  - {id: s, name: null}\n", False),
    ("fields:\n  - {id: 123, category: identity.name}\n", False),
    ("fields:\n  - {id: f, category: identity.name, description: 3.14}\n", False),
    ("fields:\n  - {id: f, category: identity.name, description: 0x1F}\n", False),
    ("fields:\n  - {id: f, category: identity.name, description: !!binary aGVsbG8=}\n", False),
    ("fields:\n  - {id: \"f\\n\", category: identity.name}\n", False),
    ("purposes:\n  - {id: p, max_retention: \"P1Y\\n\"}\n", False),
    ("subjects:\n  - {id: s, population: 1_000}\n", False),
    ("subjects:\n  - {id: s, population: 9007199254740993}\n", False),
    ("waivers:\n  - {rule: MIN001, target: flow, reason: r, expires: 2030-01-01}\n", False),
    ("systems:\n  - {id: s, organization: office, retension: P1Y}\n", False),
    ("purposes:\n  - {id: p, special_condition: h}\n", True),
    ("purposes:\n  - {id: p, special_condition: [h, art10]}\n", True),
    ("purposes:\n  - {id: p, special_condition: [none]}\n", True),
    ("purposes:\n  - {id: p, special_condition: [h, none]}\n", False),
    ("purposes:\n  - {id: p, special_condition: [h, h]}\n", False),
    ("purposes:\n  - {id: p, special_condition: []}\n", False),
    ("purposes:\n  - {id: p, special_condition: [h, x]}\n", False),
    ("organizations:\n  - {id: o, role: recipient, country: US, contact: a@example.org, dpo: d, "
     "representative: r}\n", True),
    ("organizations:\n  - {id: o, role: recipient, country: US, dpo: [d]}\n", False),
    ("organizations:\n  - {id: o, role: recipient, country: US, dpo: ' '}\n", False),
    ("organizations:\n  - {id: o, role: recipient, country: US, contact: ''}\n", False),
], ids=lambda v: v if isinstance(v, bool) else v.splitlines()[-1].strip()[:60] if v else "empty")
def test_schema_and_validation_agree(text, valid):
    """YAML 1.1 traps (``name: yes``) are left out: SPEC makes them errors, a YAML 1.2 editor reads text."""
    from lineage.load import Source
    from lineage.model import load_model_sources

    try:
        load_model_sources([Source("base.yaml", BASE.encode()), Source("x.yaml", text.encode())])
        validator = []
    except InputErrors as exc:
        validator = [str(e) for e in exc.errors]
    assert (not validator, not _schema_errors(text)) == (valid, valid), validator


def test_schema_command_prints_draft07(tmp_path):
    result = run_cli("schema")
    assert result.code == 0
    assert json.loads(result.stdout)["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_init_scaffold_validates_and_never_overwrites(tmp_path):
    first = run_cli("init", str(tmp_path))
    assert first.code == 0, first
    assert run_cli("validate", str(tmp_path / "flows")).code == 0
    policy = (tmp_path / "rules" / "policy.yaml").read_text()
    again = run_cli("init", str(tmp_path))
    assert again.code == 2 and "already exists" in again.stderr
    assert (tmp_path / "rules" / "policy.yaml").read_text() == policy
    check = run_cli("check", "flows", cwd=tmp_path)
    assert check.code == 0, check
    ropa = run_cli("ropa", "flows", cwd=tmp_path)  # the Art. 30 record of the scaffold is complete
    assert ropa.code == 0 and "item(s) MISSING" not in ropa.stdout and "- **(a) Contact details:** 1 rue" in ropa.stdout


def test_init_leaves_a_folder_with_the_users_rules_alone(tmp_path):
    write_files(tmp_path, {"rules/a-mine.yaml": "settings: {fail_on: low}\n"})
    result = run_cli("init", str(tmp_path))
    assert result.code == 2 and "rules already exists" in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a-mine.yaml", "rules"]


def test_validate_counts_and_json(tmp_path):
    write_files(tmp_path / "flows", {"m.yaml": BASE})
    result = run_cli("validate", "flows", "--format", "json", cwd=tmp_path)
    assert result.code == 0
    assert json.loads(result.stdout)["counts"]["systems"] == 2
    bad = run_cli("validate", "flows", "--format", "xml", cwd=tmp_path)
    assert bad.code == 2 and "--format must be one of" in bad.stderr


def test_load_model_of_a_single_file(tmp_path):
    write_files(tmp_path, {"one.yaml": BASE})
    assert sorted(load_model(tmp_path / "one.yaml").flows) == ["cases-to-crm"]


def test_validate_checks_the_rule_files_too(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE, "rules/policy.yaml": "rules:\n  - id: X1\n    check: matc\n"})
    result = run_cli("validate", "flows", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.startswith("rules/policy.yaml:3:12: error: no check named 'matc' (did you mean 'match'?)")
    (tmp_path / "rules" / "policy.yaml").write_text("settings: {fail_on: medium}\n")
    assert run_cli("validate", "flows", cwd=tmp_path).code == 0


def test_values_a_yaml_reader_would_take_for_something_else():
    text = ("subjects:\n"
            "  - id: s\n"
            "    name:\n"
            "    description: 3.14\n"
            "    population: 1_000\n"
            "  - {id: 123, vulnerable: ~}\n"
            "waivers:\n"
            "  - {rule: MIN001, target: flow, reason: r, expires: 2030-01-01}\n")
    assert messages(text) == [
        "model.yaml:3:5: error: 'name' has no value; write one or leave the key out",
        "model.yaml:4:18: error: '3.14' is a number in YAML, not text; quote it",
        "model.yaml:5:17: error: '1_000' is a number only in YAML 1.1 ('_' separators); write 1000",
        "model.yaml:6:10: error: '123' is a number in YAML, not an id; quote it",
        "model.yaml:6:15: error: 'vulnerable' has no value; write one or leave the key out",
        "model.yaml:8:28: error: 'flow' is not kind:id with kind flow, system or organization",
    ]


def test_a_section_without_entries_is_empty():
    model = model_from_text(BASE + "categories:\nwaivers: ~\n")
    assert model.categories == {} and model.waivers == []


def test_a_built_in_category_cannot_be_redefined():
    text = BASE.replace("fields:\n", "categories:\n  - {id: identity.name, tier: 1, identifier: none}\n"
                                     "  - {id: identity.name.legal, tier: 1}\nfields:\n", 1)
    assert messages(text) == [
        "model.yaml:2:5: error: category 'identity.name' is built in and cannot be redefined; declare a "
        "sub-category ('identity.name.<name>') or set tier or identifier on the fields"]


def test_a_sub_category_keeps_art9_and_art10_status():
    text = BASE.replace("fields:\n", "categories:\n  - {id: health.sick_leave, special: none}\n"
                                     "  - {id: criminal.fines, tier: 1, special: art10}\n"
                                     "  - {id: health.sick_leave.long, special: art10}\nfields:\n", 1)
    assert messages(text) == [
        "model.yaml:2:29: error: category 'health.sick_leave' is under 'health', art9 data: its special must "
        "be art9 too (or leave it out)",
        "model.yaml:4:34: error: category 'health.sick_leave.long' is under 'health.sick_leave', art9 data: its "
        "special must be art9 too (or leave it out)"]


def test_messages_say_what_the_fix_is():
    text = ("organizations:\n"
            "  - {id: o, role: recipient, country: no}\n"
            "subjects:\n"
            "  - {id: s1, population: 0o17}\n"
            "  - {id: s2, population: 0x1F}\n"
            "categories:\n"
            "  - {id: case.kind, tier: 5}\n")
    assert messages(text) == [
        "model.yaml:2:39: error: 'no' is not an ISO 3166-1 alpha-2 country code (did you mean 'NO'?)",
        "model.yaml:4:26: error: '0o17' is written in base 8; write the number in decimal",
        "model.yaml:5:26: error: '0x1F' is written in base 16; write the number in decimal",
        "model.yaml:7:27: error: 5 is above the maximum 4",
    ]


def test_a_reference_to_an_invalid_id_says_to_fix_the_declaration(tmp_path):
    text = ("organizations: [{id: acme, role: controller, country: FR}]\n"
            "systems:\n  - {id: CRM, organization: acme}\n  - {id: mailer, organization: acme}\n"
            "flows:\n  - {id: f, from: crm, to: mailer}\n  - {id: g, from: mailer, to: mailr}\n")
    write_files(tmp_path / "flows", {"m.yaml": text})
    lines = run_cli("validate", str(tmp_path / "flows")).stderr.splitlines()
    assert [line.split("m.yaml:")[1] for line in lines] == [
        "3:10: error: 'CRM' is not a valid id (lower-case letters, digits, '_', '.', '-', starting with a letter "
        "or digit)",
        "6:19: error: unknown system 'crm' ('CRM' is declared, but is not a valid id: fix it there)",
        "7:31: error: unknown system 'mailr' (did you mean 'mailer'?)"]


def test_an_unknown_sub_category_says_how_to_declare_it(tmp_path):
    write_files(tmp_path / "flows", {"m.yaml": "fields:\n  - {id: diag, category: health.diagnosis}\n"
                                               "  - {id: x, category: helth}\n"})
    lines = run_cli("validate", str(tmp_path / "flows")).stderr.splitlines()
    assert [line.split("m.yaml:")[1] for line in lines] == [
        "2:26: error: unknown category 'health.diagnosis' (to refine 'health', declare 'health.diagnosis' under "
        "`categories:`: it takes its tier from 'health')",
        "3:23: error: unknown category 'helth' (did you mean 'health'?)"]


CHAINS = """
organizations:
  - {id: acme, role: controller, country: FR}
  - {id: ministry, role: authority, country: FR}
  - {id: press, role: recipient, country: FR}
  - {id: host, role: processor, processor_for: acme, country: FR}
  - {id: cdn, role: subprocessor, processor_for: host, country: FR}
  - {id: agency, role: processor, processor_for: ministry, country: FR}
  - {id: orphan, role: processor, country: FR}
  - {id: below, role: subprocessor, processor_for: orphan, country: FR}
  - {id: leak, role: subprocessor, processor_for: press, country: FR}
  - {id: selfie, role: processor, processor_for: selfie, country: FR}
  - {id: a, role: subprocessor, processor_for: b, country: FR}
  - {id: b, role: subprocessor, processor_for: a, country: FR}
"""


@pytest.mark.parametrize(("org", "expected"), [
    ("acme", (["acme"], "acme")),
    ("press", (["press"], None)),
    ("cdn", (["cdn", "host", "acme"], "acme")),
    ("agency", (["agency", "ministry"], "ministry")),
    ("below", (["below", "orphan"], None)),
    ("leak", (["leak", "press"], None)),
    ("selfie", (["selfie"], None)),
    ("a", (["a", "b"], None)),
])
def test_processor_chain_ends_at_the_controller_or_where_it_breaks(org, expected):
    assert processor_chain(model_from_text(CHAINS), org) == expected
