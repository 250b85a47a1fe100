"""LIN001 unsourced-field: a flow sends a field its source system does not hold."""

from .util import analyse, disable, found, severities

# crm (the processor's CRM) receives full_name, email and a pseudonymised foreigner_id.
MAILER = """\
systems:
  - {id: mailer, organization: trainer, retention: P1Y}
  - {id: archive, organization: trainer, retention: P1Y}
"""


def flows(*lines: str) -> str:
    return MAILER + "flows:\n" + "".join(f"  - {line}\n" for line in lines)


def test_field_from_nowhere(tmp_path):
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, retention: P1Y, "
        "fields: [full_name, nationality]}"))
    assert found(a, "LIN001") == [("LIN001", "flow:crm-to-mailer", ("nationality",))]
    assert severities(a, "LIN001") == {("flow:crm-to-mailer", ("nationality",)): "high"}


def test_chain_reports_only_the_first_broken_flow(tmp_path):
    # crm -> mailer -> archive: crm lacks nationality; mailer -> archive is explained upstream.
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [nationality]}",
        "{id: mailer-to-archive, from: mailer, to: archive, purpose: training, fields: [nationality]}"))
    assert found(a, "LIN001") == [("LIN001", "flow:crm-to-mailer", ("nationality",))]


def test_loop_that_nothing_feeds_reports_every_flow(tmp_path):
    # no one collects language; crm -> mailer -> crm carries it round.
    extra = flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [language]}",
        "{id: mailer-to-crm, from: mailer, to: crm, purpose: training, fields: [language]}",
    ) + "fields:\n  - {id: language, category: education}\n"
    a = analyse(tmp_path, extra)
    assert found(a, "LIN001") == [
        ("LIN001", "flow:crm-to-mailer", ("language",)),
        ("LIN001", "flow:mailer-to-crm", ("language",)),
    ]


def test_loop_fed_from_outside_is_fine(tmp_path):
    # the same loop over full_name, which crm receives from cases.
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [full_name]}",
        "{id: mailer-to-crm, from: mailer, to: crm, purpose: training, fields: [full_name]}"))
    assert found(a, "LIN001") == []


def test_near_miss_field_held_in_the_form_sent(tmp_path):
    # crm holds foreigner_id pseudonymised and sends it so: held, not unsourced.
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, "
        "fields: [email, {field: foreigner_id, form: pseudonymised}]}"))
    assert found(a, "LIN001") == []


def test_derived_field_is_held(tmp_path):
    extra = flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [initials]}"
    ) + "fields:\n  - {id: initials, category: identity.name, derived_from: [full_name]}\n"
    a = analyse(tmp_path, extra)
    assert found(a, "LIN001") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, flows(
        "{id: crm-to-mailer, from: crm, to: mailer, purpose: training, fields: [nationality]}"),
        rules=disable("LIN001"))
    assert found(a, "LIN001") == []
