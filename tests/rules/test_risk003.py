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


# --- several conditions: special_condition: [h, art10] ----------------------------------------


@pytest.mark.parametrize(("condition", "reported"), [
    ("[h]", ["conviction"]),  # a letter, even in a list, does not cover Art. 10 data
    ("[art10]", ["disability"]),
    ("[h, art10]", []),  # both kinds, both conditions
    ("[art10, b, h]", []),
])
def test_a_list_of_conditions_covers_each_kind_it_names(tmp_path, condition, reported):
    a = analyse(tmp_path, SPECIAL % "disability, conviction", model=with_condition(condition))
    assert found(a, "RISK003") == [("RISK003", "flow:medical-to-crm", (f,)) for f in reported]


def test_near_miss_a_list_with_a_letter_for_art9_data_only(tmp_path):
    a = analyse(tmp_path, SPECIAL % "disability", model=with_condition("[h, art10]"))
    assert found(a, "RISK003") == []


def test_a_purpose_with_one_kind_is_told_to_add_the_other_as_a_list(tmp_path):
    a = analyse(tmp_path, SPECIAL % "disability, conviction", model=with_condition("h"))
    (message,) = [f.message for f in a.findings if f.rule == "RISK003"]
    assert message == ("carries conviction (art10 data) for training whose special_condition is h: add art10 to it "
                       "(special_condition: [h, art10]), or stop sending it")
    a = analyse(tmp_path, SPECIAL % "disability, conviction", model=with_condition("art10"))
    (message,) = [f.message for f in a.findings if f.rule == "RISK003"]
    assert message == ("carries disability (art9 data) for training whose special_condition is art10: add the "
                       "Art. 9(2) letter (a..j) to it (special_condition: [<letter>, art10]), or stop sending it")


def test_none_is_still_told_to_set_the_condition(tmp_path):
    a = analyse(tmp_path, SPECIAL % "conviction")
    (message,) = [f.message for f in a.findings if f.rule == "RISK003"]
    assert message == ("carries conviction (art10 data) for training whose special_condition is none: set "
                       "special_condition to art10, or stop sending it")


def test_none_listed_with_a_condition_is_an_error_at_its_place(tmp_path):
    from lineage.errors import InputErrors

    model = with_condition("[h, none]")
    line = model.splitlines().index("    special_condition: [h, none]") + 1
    with pytest.raises(InputErrors) as info:
        analyse(tmp_path, SPECIAL % "disability", model=model)
    assert [str(e) for e in info.value.errors] == [
        f"{tmp_path / 'flows' / 'base.yaml'}:{line}:28: error: "
        "'none' is listed with other values; remove it, or list it alone"]


def test_a_flow_with_both_kinds_and_no_condition_is_told_to_set_both(tmp_path):
    a = analyse(tmp_path, SPECIAL % "disability, conviction")
    messages = {f.message for f in a.findings if f.rule == "RISK003"}
    assert len(messages) == 2 and all("set special_condition to [<letter a..j>, art10] (the flow carries both "
                                      "Art. 9 and Art. 10 data)" in m for m in messages), messages
