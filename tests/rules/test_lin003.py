"""LIN003 orphan-system: a system takes part in no flow and collects nothing."""

from .util import analyse, disable, found, severities

ORPHAN = """\
systems:
  - {id: old_archive, organization: office, retention: P1Y}
"""


def test_orphan(tmp_path):
    a = analyse(tmp_path, ORPHAN)
    assert found(a, "LIN003") == [("LIN003", "system:old_archive", ())]
    assert severities(a, "LIN003") == {("system:old_archive", ()): "info"}


def test_near_miss_collects_only_or_receives_only(tmp_path):
    # cases only collects and sends; a new system that only collects, one that only receives.
    a = analyse(tmp_path, """\
        systems:
          - id: kiosk
            organization: office
            retention: P1Y
            collects: [{subject: migrants, purpose: casework, fields: [email]}]
          - {id: backup, organization: office, retention: P1Y}
        flows:
          - {id: cases-to-backup, from: cases, to: backup, purpose: casework, fields: [email]}
        """)
    assert found(a, "LIN003") == []


def test_flow_without_fields_still_connects(tmp_path):
    a = analyse(tmp_path, ORPHAN + "flows:\n  - {id: ping, from: cases, to: old_archive}\n")
    assert found(a, "LIN003") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, ORPHAN, rules=disable("LIN003"))
    assert found(a, "LIN003") == []
