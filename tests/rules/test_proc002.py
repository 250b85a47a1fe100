"""PROC002 unauthorised-subprocessor: a subprocessor holds data its processor may not pass on."""

import pytest

from .util import analyse, base, disable, found, severities

# trainer (processor) has subprocessing: none in BASE.
LMS = """\
organizations:
  - id: lms_co
    role: subprocessor
    processor_for: %s
    country: FR
    dpa: {signed: true, reference: DPA-2, date: 2025-01-01}
systems:
  - {id: lms, organization: lms_co, retention: P1Y}
flows:
  - {id: crm-to-lms, from: crm, to: lms, purpose: training, retention: P1Y, fields: [%s]}
"""


def test_processor_may_not_subprocess(tmp_path):
    a = analyse(tmp_path, LMS % ("trainer", "full_name, email"))
    assert found(a, "PROC002") == [("PROC002", "organization:lms_co", ("email", "full_name"))]
    assert severities(a, "PROC002") == {("organization:lms_co", ("email", "full_name")): "critical"}


def test_unset_subprocessing_counts_as_none(tmp_path):
    a = analyse(tmp_path, LMS % ("trainer", "email"), model=base(("    subprocessing: none\n", "")))
    assert found(a, "PROC002") == [("PROC002", "organization:lms_co", ("email",))]


@pytest.mark.parametrize("setting", ["specific", "general"])
def test_near_miss_authorised(tmp_path, setting):
    a = analyse(tmp_path, LMS % ("trainer", "email"),
                model=base(("    subprocessing: none\n", f"    subprocessing: {setting}\n")))
    assert found(a, "PROC002") == []


def test_near_miss_subprocessor_holds_nothing(tmp_path):
    a = analyse(tmp_path, LMS.replace("flows:\n  - {id: crm-to-lms", "#  - {id: crm-to-lms") % ("trainer", "email"))
    assert found(a, "PROC002") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, LMS % ("trainer", "email"), rules=disable("PROC002"))
    assert found(a, "PROC002") == []


def test_a_processor_working_for_a_processor_is_a_subprocessor(tmp_path):
    a = analyse(tmp_path, LMS.replace("role: subprocessor", "role: processor") % ("trainer", "email"))
    assert found(a, "PROC002") == [("PROC002", "organization:lms_co", ("email",))]
    assert next(f.message for f in a.findings if f.rule == "PROC002").startswith(
        "lms_co (a processor working for processor trainer: a subprocessor) holds personal data but trainer's "
        "subprocessing is none")


def test_near_miss_a_subprocessor_working_for_the_controller(tmp_path):
    # it acts for the controller directly: a processor in all but name, no subprocessing to authorise
    a = analyse(tmp_path, LMS % ("office", "email"))
    assert found(a, "PROC002") == [] and found(a, "PROC003") == []
