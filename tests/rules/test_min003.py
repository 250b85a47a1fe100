"""MIN003 missing-purpose: a flow carrying personal data has no purpose."""

from .util import analyse, base, disable, found, severities

NO_PURPOSE = base(("    purpose: training\n    channel: sftp", "    channel: sftp"))


def test_no_purpose(tmp_path):
    a = analyse(tmp_path, model=NO_PURPOSE)
    assert found(a, "MIN003") == [("MIN003", "flow:cases-to-crm", ("email", "foreigner_id", "full_name"))]
    assert severities(a, "MIN003") == {("flow:cases-to-crm", ("email", "foreigner_id", "full_name")): "medium"}


def test_near_miss_with_purpose(tmp_path):
    a = analyse(tmp_path)
    assert found(a, "MIN003") == []


def test_near_miss_no_personal_data(tmp_path):
    # a flow that carries no field, or only anonymised ones (not personal data, Recital 26).
    a = analyse(tmp_path, """\
        systems:
          - {id: bi, organization: office, retention: P1Y}
        flows:
          - {id: ping, from: cases, to: crm}
          - {id: cases-to-bi, from: cases, to: bi, fields: [{field: nationality, form: anonymised}]}
        """)
    assert found(a, "MIN003") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, model=NO_PURPOSE, rules=disable("MIN003"))
    assert found(a, "MIN003") == []
