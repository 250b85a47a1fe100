"""MIN005 excess-retention: a flow or a system keeps data longer than its purposes allow."""

import pytest

from .util import analyse, base, disable, found, severities

# training allows P2Y, casework P5Y; cases keeps P5Y (casework), crm P1Y, the flow P1Y (training).
FLOW_RETENTION = "    encrypted: true\n    retention: P1Y\n"
CRM_RETENTION = "    organization: trainer\n    retention: P1Y\n"
FLOW_FIELDS = ("email", "foreigner_id", "full_name")


def test_flow_keeps_longer_than_its_purpose(tmp_path):
    a = analyse(tmp_path, model=base((FLOW_RETENTION, "    encrypted: true\n    retention: P3Y\n")))
    assert found(a, "MIN005") == [("MIN005", "flow:cases-to-crm", FLOW_FIELDS)]
    assert severities(a, "MIN005") == {("flow:cases-to-crm", FLOW_FIELDS): "medium"}


def test_system_keeps_longer_than_its_purposes(tmp_path):
    # crm holds data for training only (P2Y); cases for casework only (P5Y).
    a = analyse(tmp_path, model=base((CRM_RETENTION, "    organization: trainer\n    retention: P10Y\n"),
                                     ("    organization: office\n    retention: P5Y\n",
                                      "    organization: office\n    retention: P6Y\n")))
    assert found(a, "MIN005") == [("MIN005", "system:cases", ()), ("MIN005", "system:crm", ())]


def test_system_limit_is_the_longest_of_its_purposes(tmp_path):
    # crm now also receives casework data (P5Y): P3Y is within the longest limit.
    extra = """\
        flows:
          - {id: cases-to-crm-casework, from: cases, to: crm, purpose: casework, retention: P3Y, fields: [email]}
        """
    a = analyse(tmp_path, extra, model=base((CRM_RETENTION, "    organization: trainer\n    retention: P3Y\n")))
    assert found(a, "MIN005") == []


@pytest.mark.parametrize("retention", ["P2Y", "P24M", "P730D", "P1Y11M", "P104W"])
def test_near_miss_within_the_limit(tmp_path, retention):
    # the same length written in other units is not longer: P24M is P2Y.
    model = base((FLOW_RETENTION, f"    encrypted: true\n    retention: {retention}\n"),
                 (CRM_RETENTION, f"    organization: trainer\n    retention: {retention}\n"))
    a = analyse(tmp_path, model=model)
    assert found(a, "MIN005") == []


@pytest.mark.parametrize("retention", ["P25M", "P2Y1D", "P732D"])
def test_just_over_the_limit(tmp_path, retention):
    a = analyse(tmp_path, model=base((FLOW_RETENTION, f"    encrypted: true\n    retention: {retention}\n")))
    assert found(a, "MIN005") == [("MIN005", "flow:cases-to-crm", FLOW_FIELDS)]


def test_near_miss_purpose_without_max_retention(tmp_path):
    model = base(("    max_retention: P2Y\n", ""), (FLOW_RETENTION, "    encrypted: true\n    retention: P9Y\n"),
                 (CRM_RETENTION, "    organization: trainer\n    retention: P9Y\n"))
    a = analyse(tmp_path, model=model)
    assert found(a, "MIN005") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, model=base((FLOW_RETENTION, "    encrypted: true\n    retention: P3Y\n")),
                rules=disable("MIN005"))
    assert found(a, "MIN005") == []


def test_near_miss_only_anonymised_data(tmp_path):
    # stats keeps P10Y what training (max P2Y) sends it, but only anonymised: no personal data kept
    extra = ("systems:\n  - {id: stats, organization: office, retention: P10Y}\n"
             "flows:\n  - {id: crm-to-stats, from: crm, to: stats, purpose: training, retention: P10Y,"
             " fields: [{field: email, form: %s}]}\n")
    assert found(analyse(tmp_path, extra % "anonymised"), "MIN005") == []
    assert sorted(t for _, t, _ in found(analyse(tmp_path, extra % "aggregated"), "MIN005")) == [
        "flow:crm-to-stats", "system:stats"]
