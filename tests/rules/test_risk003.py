"""RISK003 special-data-without-condition: art9/art10 data flow for a purpose without a condition."""

import pytest

from .util import analyse, base, disable, found, severities

SPECIAL = """\
fields:
  - {id: disability, category: health}
  - {id: conviction, category: criminal}
systems:
  - id: medical
    organization: office
    retention: P1Y
    collects: [{subject: migrants, purpose: casework, fields: [disability, conviction]}]
flows:
  - {id: medical-to-crm, from: medical, to: crm, purpose: training, retention: P1Y, fields: [%s]}
"""


def with_condition(condition: str) -> str:
    return base(("  - id: training\n    legal_basis: public_task\n",
                 f"  - id: training\n    legal_basis: public_task\n    special_condition: {condition}\n"))


def test_special_data_without_condition(tmp_path):
    a = analyse(tmp_path, SPECIAL % "disability, conviction")
    assert found(a, "RISK003") == [
        ("RISK003", "flow:medical-to-crm", ("conviction",)),
        ("RISK003", "flow:medical-to-crm", ("disability",)),
    ]
    assert set(severities(a, "RISK003").values()) == {"high"}


@pytest.mark.parametrize(("condition", "reported"), [
    ("b", ["conviction"]),  # an Art. 9(2) letter does not cover Art. 10 data
    ("art10", ["disability"]),  # art10 does not cover Art. 9 data
])
def test_condition_must_fit_the_kind(tmp_path, condition, reported):
    a = analyse(tmp_path, SPECIAL % "disability, conviction", model=with_condition(condition))
    assert found(a, "RISK003") == [("RISK003", "flow:medical-to-crm", (f,)) for f in reported]


@pytest.mark.parametrize(("condition", "field"), [("h", "disability"), ("art10", "conviction")])
def test_near_miss_fitting_condition(tmp_path, condition, field):
    a = analyse(tmp_path, SPECIAL % field, model=with_condition(condition))
    assert found(a, "RISK003") == []


def test_near_miss_anonymised(tmp_path):
    a = analyse(tmp_path, SPECIAL % "{field: disability, form: anonymised}")
    assert found(a, "RISK003") == []


def test_near_miss_no_special_data(tmp_path):
    a = analyse(tmp_path)  # nationality is not Art. 9 data
    assert found(a, "RISK003") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, SPECIAL % "disability", rules=disable("RISK003"))
    assert found(a, "RISK003") == []


def test_a_flow_with_no_purpose_is_told_to_set_one(tmp_path):
    extra = ("fields:\n  - {id: diagnosis, category: health}\n"
             "flows:\n  - {id: cases-to-crm-health, from: cases, to: crm, fields: [diagnosis]}\n")
    a = analyse(tmp_path, extra.replace("flows:", "systems:\n  - id: x\n    organization: office\n    collects: "
                                        "[{subject: migrants, purpose: casework, fields: [diagnosis]}]\nflows:")
                .replace("from: cases", "from: x"))
    message = next(f.message for f in a.findings if f.rule == "RISK003")
    assert message == ("carries diagnosis (art9 data) for no purpose: set the flow's purpose, with special_condition "
                       "the Art. 9(2) letter (a..j) on it, or stop sending it")
