"""RISK002 toxic-combination: a system holds every member of a combination in identifying form."""

import pytest
from helpers import BASE, run_cli, write_files

from .util import analyse, base, disable, found, severities

# cases (controller) collects full_name, email, nationality, permit_type, foreigner_id: the
# name+contact+nationality+immigration-status combination. crm (processor) gets name and email.
OFII = ("email", "full_name", "nationality", "permit_type")
FLOW = "fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]"


def crm_gets(*extra: str) -> str:
    return base((FLOW, FLOW[:-1] + "".join(f", {e}" for e in extra) + "]"))


def test_controller_is_high(tmp_path):
    a = analyse(tmp_path)
    assert found(a, "RISK002") == [("RISK002", "system:cases", OFII)]
    assert severities(a, "RISK002") == {("system:cases", OFII): "high"}


def test_outside_the_controller_is_critical(tmp_path):
    a = analyse(tmp_path, model=crm_gets("nationality", "permit_type"))
    assert found(a, "RISK002") == [("RISK002", "system:cases", OFII), ("RISK002", "system:crm", OFII)]
    assert severities(a, "RISK002")[("system:crm", OFII)] == "critical"


def test_the_fix_depends_on_what_the_purposes_need(tmp_path):
    a = analyse(tmp_path, model=crm_gets("nationality", "permit_type"))
    messages = {f.target: f.message for f in a.findings if f.rule == "RISK002"}
    assert messages["system:cases"].endswith("its purposes need every member: protect the system (access "
                                             "control, encryption, logging) and assess it in a DPIA, or split "
                                             "the work so that no one system holds them all")
    assert messages["system:crm"].endswith(  # its flow's purpose, training, needs name and email only
        "drop a member its purposes do not need (nationality, permit_type), or pseudonymise it")


@pytest.mark.parametrize("form", ["encrypted", "hashed"])
def test_reversible_forms_count(tmp_path, form):
    a = analyse(tmp_path, model=crm_gets(f"{{field: nationality, form: {form}}}", "permit_type"))
    assert ("RISK002", "system:crm", OFII) in found(a, "RISK002")


@pytest.mark.parametrize("form", ["masked", "pseudonymised", "generalised", "aggregated"])
def test_near_miss_one_member_not_identifying(tmp_path, form):
    a = analyse(tmp_path, model=crm_gets(f"{{field: nationality, form: {form}}}", "permit_type"))
    assert found(a, "RISK002") == [("RISK002", "system:cases", OFII)]


def test_direct_identifier_and_special_data(tmp_path):
    extra = """\
        fields:
          - {id: disability, category: health}
        systems:
          - id: nurse
            organization: office
            retention: P1Y
            collects: [{subject: migrants, purpose: casework, fields: [email, disability]}]
        """
    a = analyse(tmp_path, extra)
    assert ("RISK002", "system:nurse", ("disability", "email")) in found(a, "RISK002")


def test_near_miss_one_field_cannot_make_a_combination(tmp_path):
    # a face template is both a direct identifier and art9 data, but it is one field: no combination.
    extra = """\
        fields:
          - {id: face, category: biometric}
        systems:
          - id: gate
            organization: office
            retention: P1Y
            collects: [{subject: migrants, purpose: casework, fields: [face]}]
        """
    a = analyse(tmp_path, extra)
    assert "system:gate" not in {target for _, target, _ in found(a, "RISK002")}


def test_combinations_and_forms_params(tmp_path):
    rules = """\
        rules:
          - id: RISK002
            params:
              forms: [raw]
              combinations:
                - name: name+email
                  members: [{fields: [full_name]}, {categories: ["contact.*"]}]
        """
    a = analyse(tmp_path, model=crm_gets(), rules=rules)
    assert found(a, "RISK002") == [
        ("RISK002", "system:cases", ("email", "full_name")),
        ("RISK002", "system:crm", ("email", "full_name")),
    ]
    # with forms [raw], a hashed email no longer counts
    a = analyse(tmp_path, model=base((FLOW, "fields: [full_name, {field: email, form: hashed}]")), rules=rules)
    assert found(a, "RISK002") == [("RISK002", "system:cases", ("email", "full_name"))]


def test_params_that_leave_nothing_to_match_are_located_errors(tmp_path):
    # forms: [] crashed the check (max() of nothing); a combination without members was held by every system
    rules = """\
        rules:
          - id: RISK002
            params:
              forms: []
              combinations:
                - {name: none, members: []}
                - name: blank-member
                  members: [{categories: [contact]}, {}]
        """
    write_files(tmp_path, {"flows/m.yaml": BASE, "rules/r.yaml": rules})
    result = run_cli("check", "flows", cwd=tmp_path)
    assert result.code == 2, result
    assert result.stderr.splitlines() == [
        "rules/r.yaml:4:7: error: rule 'RISK002': forms: list at least one form that counts as identifying "
        "(to turn the rule off, disable it)",
        "rules/r.yaml:6:24: error: rule 'RISK002': combination 'none' has no members: list what must be held "
        "together",
        "rules/r.yaml:8:46: error: rule 'RISK002': a member of combination 'blank-member' selects nothing: "
        "give it fields, categories, identifier or special",
    ]


def test_disabled(tmp_path):
    a = analyse(tmp_path, rules=disable("RISK002"))
    assert found(a, "RISK002") == []


def test_members_must_be_about_the_same_people(tmp_path):
    # audit holds staff names and emails, and migrants' nationality and permit type: no migrant is named there
    def model(carried: str) -> str:
        return base(("subjects:\n", "subjects:\n  - {id: staff, population: 40}\n"),
                    ("flows:\n", "  - id: audit\n    organization: office\n    retention: P1Y\n"
                                 "    collects: [{subject: staff, purpose: casework, fields: [full_name, email]}]\n"
                                 f"flows:\n  - {{id: cases-to-audit, from: cases, to: audit, purpose: casework, "
                                 f"fields: [{carried}]}}\n"))
    a = analyse(tmp_path, model=model("nationality, permit_type"))
    assert found(a, "RISK002") == [("RISK002", "system:cases", OFII)]
    b = analyse(tmp_path, model=model("nationality, permit_type, full_name, email"))
    assert ("RISK002", "system:audit", OFII) in found(b, "RISK002")
