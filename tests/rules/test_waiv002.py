"""WAIV002 stale-waiver: a waiver matches no finding."""

import datetime as dt

import pytest

from lineage.errors import InputErrors

from .util import TODAY, analyse, base, disable, found, severities

EXCESS = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
               "fields: [full_name, email, nationality, {field: foreigner_id, form: pseudonymised}]"))
WAIVER = """\
waivers:
  - rule: {rule}
    target: flow:cases-to-crm
    fields: [{fields}]
    reason: DPIA-2026-01
    expires: {expires}
"""


def waiver(rule="MIN001", fields="nationality", expires=TODAY + dt.timedelta(days=30)) -> str:
    return WAIVER.format(rule=rule, fields=fields, expires=expires.isoformat())


def test_waiver_without_finding(tmp_path):
    # BASE's flow carries nothing excess: the waiver waives nothing.
    a = analyse(tmp_path, waiver())
    assert found(a, "WAIV002") == [("WAIV002", "flow:cases-to-crm", ("nationality",))]
    assert severities(a, "WAIV002") == {("flow:cases-to-crm", ("nationality",)): "low"}
    (finding,) = [f for f in a.findings if f.rule == "WAIV002"]
    assert (finding.loc.file.endswith("flows/extra.yaml"), finding.loc.line) == (True, 2)


def test_waiver_of_other_fields_or_rule(tmp_path):
    for extra in (waiver(fields="email"), waiver(rule="SEC001")):
        a = analyse(tmp_path, extra, model=EXCESS)
        assert found(a, "WAIV002") == [("WAIV002", "flow:cases-to-crm", (extra.split("[")[1].split("]")[0],))]


def test_waiver_of_a_disabled_rule(tmp_path):
    a = analyse(tmp_path, waiver(), model=EXCESS, rules="settings: {disable: [MIN001]}\n")
    assert found(a, "WAIV002") == [("WAIV002", "flow:cases-to-crm", ("nationality",))]
    (finding,) = [f for f in a.findings if f.rule == "WAIV002"]
    assert "(rule MIN001 is disabled)" in finding.message


def test_waiver_of_a_rule_left_out_of_the_run_is_not_stale(tmp_path):
    from lineage.graph import build
    from lineage.rules.engine import run

    a = analyse(tmp_path, waiver(), model=EXCESS)
    assert found(a, "WAIV002") == []
    a.ruleset.select(skip=["MIN001"])
    assert "WAIV002" not in {f.rule for f in run(a.model, build(a.model), a.ruleset, TODAY)}


def test_waiver_of_an_unknown_rule_is_an_input_error(tmp_path):
    with pytest.raises(InputErrors) as caught:
        analyse(tmp_path, waiver(rule="min001"), model=EXCESS)
    assert [str(e).split("flows/")[-1] for e in caught.value.errors] == [
        "extra.yaml:2:5: error: waiver of unknown rule 'min001' (did you mean 'MIN001'?)"]
    with pytest.raises(InputErrors) as caught:
        analyse(tmp_path, waiver(rule="excess-field"), model=EXCESS)
    assert str(caught.value.errors[0]).endswith(
        "waiver of unknown rule 'excess-field' (a waiver names the rule by id: 'MIN001')")


def test_near_miss_waiver_in_use(tmp_path):
    a = analyse(tmp_path, waiver(), model=EXCESS)
    assert found(a, "WAIV002") == []


def test_near_miss_expired_waiver_is_waiv001s(tmp_path):
    a = analyse(tmp_path, waiver(expires=TODAY - dt.timedelta(days=1)))
    assert found(a, "WAIV002") == []
    assert found(a, "WAIV001") == [("WAIV001", "flow:cases-to-crm", ("nationality",))]


def test_disabled(tmp_path):
    a = analyse(tmp_path, waiver(), rules=disable("WAIV002"))
    assert found(a, "WAIV002") == []



def test_a_waiver_narrowed_to_fields_does_not_waive_a_finding_without_fields(tmp_path):
    model = base(("    processor_for: office\n", ""))  # PROC003: a finding with no fields
    extra = ("waivers:\n"
             "  - {rule: PROC003, target: organization:trainer, fields: [email], reason: r, expires: 2099-01-01}\n")
    a = analyse(tmp_path, extra, model=model)
    assert [f.waived for f in a.findings if f.rule == "PROC003"] == [False]
    assert found(a, "WAIV002") == [("WAIV002", "organization:trainer", ("email",))]


def test_an_unknown_rule_is_reported_with_the_model_s_other_errors(tmp_path):
    # one run shows both: the dangling organization and the waiver of a rule that does not exist
    model = EXCESS.replace("organization: office", "organization: offce", 1)
    with pytest.raises(InputErrors) as caught:
        analyse(tmp_path, waiver(rule="MIN999"), model=model)
    messages = [e.message for e in caught.value.errors]
    assert any(m.startswith("unknown organization 'offce'") for m in messages), messages
    assert any(m.startswith("waiver of unknown rule 'MIN999'") for m in messages), messages


def test_a_waiver_covering_part_of_a_finding_says_what_the_finding_is_about(tmp_path):
    # SEC001 on the flow is about foreigner_id and nationality (both raw, by email); the waiver names one
    model = base(("    channel: sftp\n", "    channel: email\n"),
                 ("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                  "fields: [full_name, email, nationality, foreigner_id]"))
    a = analyse(tmp_path, waiver(rule="SEC001"), model=model)
    assert found(a, "SEC001") == [("SEC001", "flow:cases-to-crm", ("foreigner_id", "nationality"))]
    assert next(f.message for f in a.findings if f.rule == "WAIV002") == (
        "the waiver of SEC001 matches no finding: the SEC001 finding on flow:cases-to-crm is about foreigner_id, "
        "nationality; list them all in its fields to waive it, or delete it")
