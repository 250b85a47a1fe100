"""WAIV001 expired-waiver: a waiver's `expires` date is past; its findings come back."""

import datetime as dt

from helpers import run_cli

from lineage.findings import failing

from .util import TODAY, analyse, base, disable, found, severities

# cases-to-crm also carries nationality, which training does not need: MIN001 (high).
EXCESS = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
               "fields: [full_name, email, nationality, {field: foreigner_id, form: pseudonymised}]"))
WAIVER = """\
# an accepted risk
waivers:
  - rule: MIN001
    target: flow:cases-to-crm
    fields: [nationality]
    reason: DPIA-2026-01
    expires: {expires}
"""


def waiver(expires: dt.date) -> str:
    return WAIVER.format(expires=expires.isoformat())


def test_expired_waiver_is_reported_at_the_waiver(tmp_path):
    a = analyse(tmp_path, waiver(TODAY - dt.timedelta(days=1)), model=EXCESS)
    assert found(a, "WAIV001") == [("WAIV001", "flow:cases-to-crm", ("nationality",))]
    assert severities(a, "WAIV001") == {("flow:cases-to-crm", ("nationality",)): "medium"}
    (finding,) = [f for f in a.findings if f.rule == "WAIV001"]
    assert (finding.loc.file.endswith("flows/extra.yaml"), finding.loc.line) == (True, 3)


def test_the_waived_finding_comes_back(tmp_path):
    a = analyse(tmp_path, waiver(TODAY - dt.timedelta(days=1)), model=EXCESS)
    (finding,) = [f for f in a.findings if f.rule == "MIN001"]
    assert (finding.target, finding.fields, finding.waived) == ("flow:cases-to-crm", ("nationality",), False)
    assert finding in failing(a.findings, "high")


def test_near_miss_unexpired_waiver_waives(tmp_path):
    for expires in (TODAY, TODAY + dt.timedelta(days=30)):  # valid through its last day
        a = analyse(tmp_path, waiver(expires), model=EXCESS)
        assert found(a, "WAIV001") == []
        (finding,) = [f for f in a.findings if f.rule == "MIN001"]
        assert finding.waived
        assert "MIN001" not in {f.rule for f in failing(a.findings, "info")}
        assert a.summary["waived"] == 1


def test_today_decides_on_the_cli(tmp_path):
    analyse(tmp_path, waiver(dt.date(2026, 6, 30)), model=EXCESS)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "quiet.yaml").write_text("settings: {disable: [RISK001, RISK002]}\n")  # crm now holds nationality
    base_args = ("check", tmp_path / "flows", "--rules", rules, "--format", "json")
    assert run_cli(*base_args, "--today", "2026-06-30").code == 0  # waived: does not count
    late = run_cli(*base_args, "--today", "2026-07-01")
    assert late.code == 1
    assert '"rule": "WAIV001"' in late.stdout


def test_disabled(tmp_path):
    a = analyse(tmp_path, waiver(TODAY - dt.timedelta(days=1)), model=EXCESS, rules=disable("WAIV001"))
    assert found(a, "WAIV001") == []
    # the expired waiver still waives nothing
    assert [f.waived for f in a.findings if f.rule == "MIN001"] == [False]


def test_two_expired_waivers_on_one_target_stay_apart(tmp_path):
    extra = """\
        waivers:
          - {rule: MIN001, target: flow:cases-to-crm, reason: r, expires: 2026-01-31}
          - {rule: SEC001, target: flow:cases-to-crm, reason: r, expires: 2026-01-31}
        """
    a = analyse(tmp_path, extra, model=EXCESS)
    expired = [f for f in a.findings if f.rule == "WAIV001"]
    assert [(f.target, f.fields) for f in expired] == [("flow:cases-to-crm", ())] * 2
    assert len({f.fingerprint for f in expired}) == 2


def test_an_expired_waiver_with_no_finding_left_says_to_delete_it(tmp_path):
    a = analyse(tmp_path, waiver(TODAY - dt.timedelta(days=1)))  # BASE: the flow no longer carries nationality
    assert next(f.message for f in a.findings if f.rule == "WAIV001").endswith(
        "and no finding is left for it: delete it")
    b = analyse(tmp_path, waiver(TODAY - dt.timedelta(days=1)), model=EXCESS)
    assert next(f.message for f in b.findings if f.rule == "WAIV001").endswith("fix the finding or renew the waiver")
