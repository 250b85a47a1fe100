"""MIN004 missing-retention: a system holding personal data has no retention."""

from .util import analyse, base, disable, found, severities

# crm has retention P1Y and the flow into it P1Y.
NO_RETENTION = base(("    organization: trainer\n    retention: P1Y\n", "    organization: trainer\n"),
                    ("    encrypted: true\n    retention: P1Y\n", "    encrypted: true\n"))


def test_no_retention_anywhere(tmp_path):
    a = analyse(tmp_path, model=NO_RETENTION)
    assert found(a, "MIN004") == [("MIN004", "system:crm", ("email", "foreigner_id", "full_name"))]
    assert severities(a, "MIN004") == {("system:crm", ("email", "foreigner_id", "full_name")): "medium"}


def test_collecting_system_without_retention(tmp_path):
    a = analyse(tmp_path, model=base(("    organization: office\n    retention: P5Y\n", "    organization: office\n")))
    assert found(a, "MIN004") == [("MIN004", "system:cases",
                                   ("email", "foreigner_id", "full_name", "nationality", "permit_type"))]


def test_near_miss_inbound_flow_sets_retention(tmp_path):
    model = base(("    organization: trainer\n    retention: P1Y\n", "    organization: trainer\n"))
    a = analyse(tmp_path, model=model)
    assert found(a, "MIN004") == []


def test_near_miss_holds_nothing_personal(tmp_path):
    # a system that holds nothing, and one that receives only anonymised data.
    a = analyse(tmp_path, """\
        systems:
          - {id: spare, organization: office}
          - {id: open_data, organization: office}
        flows:
          - {id: cases-to-open-data, from: cases, to: open_data, purpose: casework,
             fields: [{field: nationality, form: anonymised}]}
        """)
    assert found(a, "MIN004") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, model=NO_RETENTION, rules=disable("MIN004"))
    assert found(a, "MIN004") == []
