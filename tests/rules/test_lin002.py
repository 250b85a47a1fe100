"""LIN002 reidentified-field: a flow sends a field more identifiably than its source holds it."""

from .util import analyse, disable, found, severities

# crm holds foreigner_id pseudonymised only (BASE flow cases-to-crm).
MAILER = """\
systems:
  - {id: mailer, organization: trainer, retention: P1Y}
  - {id: archive, organization: trainer, retention: P1Y}
flows:
"""


def flows(*lines: str) -> str:
    return MAILER + "".join(f"  - {line}\n" for line in lines)


def test_raw_from_pseudonymised(tmp_path):
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [email, foreigner_id]}"))
    assert found(a, "LIN002") == [("LIN002", "flow:crm-to-mailer", ("foreigner_id",))]
    assert severities(a, "LIN002") == {("flow:crm-to-mailer", ("foreigner_id",)): "high"}
    assert found(a, "LIN001") == []  # held, only less identifiably: LIN002, not LIN001


def test_hashed_from_pseudonymised(tmp_path):
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, "
        "fields: [{field: foreigner_id, form: hashed}]}"))
    assert found(a, "LIN002") == [("LIN002", "flow:crm-to-mailer", ("foreigner_id",))]


def test_no_cascade_downstream(tmp_path):
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [foreigner_id]}",
        "{id: mailer-to-archive, from: mailer, to: archive, purpose: training, fields: [foreigner_id]}"))
    assert found(a, "LIN002") == [("LIN002", "flow:crm-to-mailer", ("foreigner_id",))]


def test_near_miss_same_or_less_identifying_form(tmp_path):
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, "
        "fields: [{field: foreigner_id, form: pseudonymised}]}",
        "{id: crm-to-archive, from: crm, to: archive, purpose: training, "
        "fields: [{field: foreigner_id, form: aggregated}]}"))
    assert found(a, "LIN002") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [foreigner_id]}"),
        rules=disable("LIN002"))
    assert found(a, "LIN002") == []
