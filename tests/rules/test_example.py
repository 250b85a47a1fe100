"""The example model (flows/, the OFII / CIR case) and the compliant variant, end to end."""

from __future__ import annotations

import json

import pytest
from helpers import REPO, run_cli

TODAY = "2026-11-28"
LANGUAGE = "flow:cir-to-trainer-language"


@pytest.fixture(scope="module")
def example():
    result = run_cli("check", "flows", "--today", TODAY, "--format", "json", cwd=REPO)
    assert result.code == 1, result
    return json.loads(result.stdout)


def open_findings(doc) -> dict[tuple[str, str, tuple[str, ...]], str]:
    """(rule, target, fields) -> severity of every finding that is not waived."""
    return {(f["rule"], f["target"], tuple(f["fields"])): f["severity"] for f in doc["findings"] if not f["waived"]}


def test_excess_fields_to_the_training_operator(example):
    got = {k: v for k, v in open_findings(example).items() if k[:2] == ("MIN001", LANGUAGE)}
    assert got == {
        ("MIN001", LANGUAGE, ("nationality",)): "high",
        ("MIN001", LANGUAGE, ("residence_permit_type",)): "high",
        ("MIN001", LANGUAGE, ("residence_permit_ground",)): "critical",  # immigration.asylum, tier 4
        ("MIN001", LANGUAGE, ("entry_date",)): "high",
        ("MIN001", LANGUAGE, ("date_of_birth",)): "medium",
    }


def test_foreigner_id_sent_raw_instead_of_pseudonymised(example):
    assert open_findings(example)[("MIN002", LANGUAGE, ("foreigner_id",))] == "high"


def test_the_operators_crm_is_the_hot_spot(example):
    crm = {(f["rule"], f["severity"]) for f in example["findings"] if f["target"] == "system:trainer_crm"}
    assert ("RISK001", "critical") in crm
    assert ("RISK002", "critical") in crm
    toxic = [f for f in example["findings"] if f["rule"] == "RISK002" and f["target"] == "system:trainer_crm"]
    assert {"full_name", "email", "nationality", "residence_permit_type"} <= {x for f in toxic for x in f["fields"]}


def test_subprocessor_and_transfer(example):
    rules_by_target = {(f["rule"], f["target"]) for f in example["findings"] if not f["waived"]}
    assert ("PROC002", "organization:learnhub") in rules_by_target
    assert ("XFER001", "system:learnhub_lms") in rules_by_target


def test_rosters_mailed_and_kept_forever(example):
    got = open_findings(example)
    assert got[("SEC001", "flow:crm-rosters-to-mailbox", ("foreigner_id", "nationality"))] == "high"
    assert ("MIN004", "system:trainer_mailbox") in {(r, t) for r, t, _ in got}


def test_expired_waiver_located_in_waivers_file(example):
    (expired,) = [f for f in example["findings"] if f["rule"] == "WAIV001"]
    assert (expired["target"], expired["file"], expired["waived"]) == (
        "flow:crm-rosters-to-mailbox", "flows/waivers.yaml", False)
    assert expired["line"] > 1


def test_one_waived_finding(example):
    waived = [(f["rule"], f["target"], f["fields"]) for f in example["findings"] if f["waived"]]
    assert waived == [("MIN001", "flow:cir-to-trainer-civic", ["preferred_language"])]
    assert example["summary"]["waived"] == 1


def test_nothing_on_the_statistics_warehouse(example):
    assert [f for f in example["findings"] if "ofii_stats_dwh" in f["target"]] == []
    assert [f for f in example["findings"] if f["target"].startswith(("system:ofii_dashboards",
                                                                        "system:dgef_reporting"))] == []


def test_the_model_is_consistent(example):
    # no lineage break, no missing contract or broken chain in the example
    assert {f["rule"] for f in example["findings"]}.isdisjoint({"LIN001", "LIN002", "LIN003", "PROC001", "PROC003",
                                                               "MIN003", "RISK003", "WAIV002"})


def test_every_file_path_is_as_typed(example):
    assert {f["file"].split("/")[0] for f in example["findings"]} == {"flows"}


def test_compliant_model_passes():
    result = run_cli("check", "tests/data/compliant/flows", "--today", TODAY, cwd=REPO)
    assert result.code == 0, result
    assert result.stdout == ""
