"""PROC001 processor-without-contract: an organization holds personal data without a signed DPA."""

import pytest

from .util import analyse, base, disable, found, severities

DPA = "    dpa: {signed: true, reference: DPA-1, date: 2025-01-01}\n"
CRM_FIELDS = ("email", "foreigner_id", "full_name")


def test_processor_without_dpa(tmp_path):
    a = analyse(tmp_path, model=base((DPA, "")))
    assert found(a, "PROC001") == [("PROC001", "organization:trainer", CRM_FIELDS)]
    assert severities(a, "PROC001") == {("organization:trainer", CRM_FIELDS): "high"}


def test_unsigned_dpa(tmp_path):
    a = analyse(tmp_path, model=base((DPA, "    dpa: {signed: false, reference: DPA-1}\n")))
    assert found(a, "PROC001") == [("PROC001", "organization:trainer", CRM_FIELDS)]


@pytest.mark.parametrize("role", ["subprocessor", "recipient"])
def test_other_roles_need_a_contract(tmp_path, role):
    extra = f"""\
        organizations:
          - {{id: other, role: {role}, processor_for: trainer, country: FR}}
        systems:
          - {{id: inbox, organization: other, retention: P1Y}}
        flows:
          - {{id: cases-to-inbox, from: cases, to: inbox, purpose: casework, retention: P1Y, fields: [email]}}
        """
    a = analyse(tmp_path, extra)
    assert found(a, "PROC001") == [("PROC001", "organization:other", ("email",))]
    (finding,) = [f for f in a.findings if f.rule == "PROC001"]
    assert ("data-sharing agreement" in finding.message) is (role == "recipient")


@pytest.mark.parametrize("role", ["controller", "joint_controller", "authority"])
def test_near_miss_controllers_and_authorities(tmp_path, role):
    extra = f"""\
        organizations:
          - {{id: other, role: {role}, country: FR}}
        systems:
          - {{id: inbox, organization: other, retention: P1Y}}
        flows:
          - {{id: cases-to-inbox, from: cases, to: inbox, purpose: casework, retention: P1Y, fields: [email]}}
        """
    a = analyse(tmp_path, extra)
    assert found(a, "PROC001") == []


def test_near_miss_holds_no_personal_data(tmp_path):
    # trainer's crm receives only anonymised data.
    model = base((DPA, ""), ("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                             "fields: [{field: nationality, form: anonymised}]"))
    a = analyse(tmp_path, model=model)
    assert found(a, "PROC001") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, model=base((DPA, "")), rules=disable("PROC001"))
    assert found(a, "PROC001") == []
