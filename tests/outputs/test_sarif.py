"""SARIF 2.1.0 output: schema-valid, GitHub's required properties, locations, fingerprints, code flows.

tests/data/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 JSON schema (draft-04, errata01
id), copied from shared/schemas (source: the public repository oasis-tcs/sarif-spec, path
sarif-2.1/schema/sarif-schema-2.1.0.json, commit e0583813964ec43cea53b6b531b402866095ed1f),
kept as test data so that the tests do not depend on files outside the repository.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from helpers import REPO, git_commit_all, run_cli

from lineage import __version__
from lineage.outputs import sarif

SCHEMA = json.loads(
    (REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
ARGS = ("check", "flows", "--today", "2026-11-28")


@pytest.fixture(scope="module")
def cli_sarif():
    result = run_cli(*ARGS, "--format", "sarif", cwd=REPO)
    assert result.code == 1, result
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cli_json():
    result = run_cli(*ARGS, "--format", "json", cwd=REPO)
    assert result.code == 1, result
    return json.loads(result.stdout)


def test_validates_against_the_sarif_schema(cli_sarif):
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(cli_sarif), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_include_waived_and_truncated_logs_are_schema_valid(example):
    for doc in (
        sarif.document(example, include_waived=True),
        sarif.document(example, max_results=3),
    ):
        assert not list(jsonschema.Draft4Validator(SCHEMA).iter_errors(doc))


def test_log_header_and_driver(cli_sarif):
    assert cli_sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert cli_sarif["version"] == "2.1.0"
    assert len(cli_sarif["runs"]) == 1
    driver = cli_sarif["runs"][0]["tool"]["driver"]
    assert driver["name"] == "lineage"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert cli_sarif["runs"][0]["automationDetails"]["id"] == "lineage/flows/"


def test_every_enabled_rule_is_described(cli_sarif):
    listed = json.loads(run_cli("rules", "list", "--format", "json", cwd=REPO).stdout)
    enabled = sorted(r["id"] for r in listed if r["enabled"])
    rules = cli_sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == enabled
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"] == f"https://lineage.dev/rules/{rule['id']}"
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = rule["properties"]
        if "security-severity" in props:
            assert isinstance(props["security-severity"], str)
            assert 0.1 <= float(props["security-severity"]) <= 10
        assert props["tags"][:3] == ["security", "privacy", "gdpr"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["PROC002"]["properties"]["security-severity"] == "9.5"  # critical
    assert by_id["MIN003"]["properties"]["security-severity"] == "5.5"  # medium
    assert by_id["MIN001"]["properties"]["tags"][3] == "minimisation"
    assert "Art. 5(1)(c)" in by_id["MIN001"]["help"]["text"]  # rationale
    assert "MIN001 excess-field" in by_id["MIN001"]["help"]["text"]  # module docstring


def test_results_name_their_rule(cli_sarif):
    run = cli_sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert run["results"]
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]


def test_locations_are_relative_forward_slash_and_match_json(cli_sarif, cli_json):
    lines = {f["fingerprint"]: (f["file"], f["line"], f["column"]) for f in cli_json["findings"]}
    for result in cli_sarif["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert "\\" not in uri and not uri.startswith(("/", "./", "file:")) and ":" not in uri
        assert (REPO / uri).is_file()
        fp = result["partialFingerprints"]["lineage/v1"]
        region = (uri, physical["region"]["startLine"], physical["region"]["startColumn"])
        related = {r["message"]["text"]: r["physicalLocation"] for r in result.get("relatedLocations", ())}
        target = related.get(result["properties"]["target"].replace(":", " "))
        if target is None:  # at the target's definition, as in JSON
            assert region == lines[fp]
        else:  # at the line inside the definition the finding is about; the definition is related
            text = (REPO / uri).read_text().splitlines()[region[1] - 1]
            if result["ruleId"] == "MIN005":
                assert text.strip().startswith("retention:"), text
            else:  # a flow finding: the list item of its (first) field
                assert any(field in text for field in result["properties"]["fields"]), text
            assert (target["artifactLocation"]["uri"], target["region"]["startLine"],
                    target["region"]["startColumn"]) == lines[fp]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == f"{fp[:16]}:1"


def test_levels_follow_severity(cli_sarif, cli_json):
    severity = {f["fingerprint"]: f["severity"] for f in cli_json["findings"]}
    expected = {
        "critical": "error",
        "high": "error",
        "medium": "warning",
        "low": "note",
        "info": "note",
    }
    for result in cli_sarif["runs"][0]["results"]:
        assert result["level"] == expected[severity[result["partialFingerprints"]["lineage/v1"]]]


def test_waived_findings_are_left_out_by_default(cli_sarif, cli_json, example):
    waived = {f["fingerprint"] for f in cli_json["findings"] if f["waived"]}
    assert waived
    results = cli_sarif["runs"][0]["results"]
    assert not waived & {r["partialFingerprints"]["lineage/v1"] for r in results}
    assert len(results) == sum(1 for f in cli_json["findings"] if not f["waived"])

    with_waived = sarif.document(example, include_waived=True)["runs"][0]["results"]
    suppressed = [r for r in with_waived if "suppressions" in r]
    assert {r["partialFingerprints"]["lineage/v1"] for r in suppressed} == waived
    [suppression] = suppressed[0]["suppressions"]
    assert suppression["kind"] == "external"
    assert "DPIA-2025-07" in suppression["justification"]


def test_code_flows_follow_the_fields_to_trainer_crm(cli_sarif):
    results = [
        r
        for r in cli_sarif["runs"][0]["results"]
        if r["properties"]["target"] == "system:trainer_crm" and r["ruleId"] == "RISK001"
    ]
    assert len(results) == 1
    flows = results[0]["codeFlows"]
    assert flows
    messages = [f["message"]["text"] for f in flows]
    assert any("cir_platform -> trainer_crm" in m for m in messages)
    assert any(
        m.startswith("training_attendance: trainer_planning -> trainer_crm") for m in messages
    )
    flows_yaml = (REPO / "flows" / "flows.yaml").read_text(encoding="utf-8").splitlines()
    for flow in flows:
        [thread] = flow["threadFlows"]
        hops, sink = thread["locations"][:-1], thread["locations"][-1]
        assert hops
        for hop in hops:
            loc = hop["location"]
            assert " -> " in loc["message"]["text"] and "(" in loc["message"]["text"]
            physical = loc["physicalLocation"]
            assert physical["artifactLocation"]["uri"] == "flows/flows.yaml"
            assert flows_yaml[physical["region"]["startLine"] - 1].strip().startswith("- id:")
        assert sink["location"]["message"]["text"] == "held by trainer_crm"


def test_code_flows_of_a_flow_finding_reach_back_to_the_collection(cli_sarif):
    [result] = [
        r
        for r in cli_sarif["runs"][0]["results"]
        if r["ruleId"] == "MIN001" and r["properties"]["target"] == "flow:crm-rosters-to-mailbox"
    ]
    [flow] = result["codeFlows"]
    assert flow["message"]["text"].startswith(
        "nationality: cir_platform -> trainer_crm -> trainer_mailbox"
    )
    assert len(flow["threadFlows"][0]["locations"]) == 2


def test_render_is_deterministic(example):
    assert sarif.render(example) == sarif.render(example)


def test_over_the_limit_keeps_the_most_severe_and_says_what_was_cut(synthetic):
    # 3,000 MIN001 findings, 750 of each severity from low to critical
    doc = sarif.document(synthetic, max_results=1000)
    run = doc["runs"][0]
    assert len(run["results"]) == 1000
    kept = [r["properties"]["severity"] for r in run["results"]]
    assert kept.count("critical") == 750 and kept.count("high") == 250
    cut = run["properties"]["truncated"]
    assert cut["limit"] == 1000 and cut["omitted"] == 2000
    assert cut["omittedBySeverity"] == {"high": 500, "medium": 750, "low": 750}
    assert "2000" in cut["note"]
    assert "truncated" not in sarif.document(synthetic)["runs"][0]["properties"]


def test_artifact_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sarif.artifact_uri("./flows/a.yaml") == "flows/a.yaml"
    assert sarif.artifact_uri("flows\\sub\\a.yaml") == "flows/sub/a.yaml"
    assert sarif.artifact_uri(str(tmp_path / "flows" / "a b.yaml")) == "flows/a%20b.yaml"
    outside = Path(os.path.abspath(os.sep)) / "elsewhere" / "a.yaml"
    assert sarif.artifact_uri(str(outside)).startswith("file:///")


def test_paths_and_category_are_relative_to_the_repository_wherever_lineage_runs(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "flows", repo / "flows")
    git_commit_all(repo)
    runs = [("check", "..", "--format", "sarif", repo / "flows" / "systems"),
            ("check", "flows", "--format", "sarif", repo),
            ("check", str(repo / "flows"), "--format", "sarif", tmp_path)]
    seen = set()
    for *args, cwd in runs:
        run = json.loads(run_cli(*args, cwd=cwd).stdout)["runs"][0]
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
        seen.add((run["automationDetails"]["id"], frozenset(uris)))
    ((category, uris),) = seen
    assert category == "lineage/flows/"
    assert "flows/systems/trainer.yaml" in uris and all(u.startswith("flows/") for u in uris)
    annotations = run_cli("check", "..", "--format", "github", cwd=repo / "flows" / "systems").stdout
    assert "::error file=flows/systems/trainer.yaml,line=" in annotations
    junit = ET.fromstring(run_cli("check", "..", "--format", "junit", cwd=repo / "flows" / "systems").stdout)
    files = {case.get("file") for case in junit.iter("testcase") if case.get("file")}
    assert "flows/systems/trainer.yaml" in files and all(f.startswith("flows/") for f in files)


def test_a_partial_run_or_a_named_category_does_not_replace_the_whole_models_alerts(tmp_path, cli_sarif):
    def category(*args):
        result = run_cli("check", "flows", "-f", "sarif", *args, cwd=REPO)
        run = json.loads(result.stdout)["runs"][0]
        assert run["invocations"] == [{"executionSuccessful": True}]
        return run["automationDetails"]["id"]

    assert cli_sarif["runs"][0]["automationDetails"]["id"] == "lineage/flows/"
    assert category("--check", "MIN001,SEC001") == "lineage/flows/rules-MIN001+SEC001/"
    many = category("--skip-check", "MIN001")  # 17 rules: named by a hash of their ids
    assert many.startswith("lineage/flows/rules-") and many != category("--skip-check", "MIN002")
    assert category("--sarif-category", "privacy/eu") == "privacy/eu/"
    blank = run_cli("check", "flows", "-f", "sarif", "--sarif-category", " ", cwd=REPO)
    assert blank.code == 2 and "--sarif-category is blank" in blank.stderr
    out = tmp_path / "x.sarif"
    run_cli("check", "flows", "--output-sarif", str(out), "--sarif-category", "mine", cwd=REPO)
    assert json.loads(out.read_text(encoding="utf-8"))["runs"][0]["automationDetails"]["id"] == "mine/"


def test_a_custom_match_rule_is_described(tmp_path):
    shutil.copytree(REPO / "tests" / "data" / "compliant" / "flows", tmp_path / "flows")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "org.yaml").write_text(
        "rules:\n"
        "  - id: ORG-1\n"
        "    check: match\n"
        "    severity: low\n"
        "    title: Every system is listed\n"
        "    target: system\n"
        "    message: '{target} <is> listed'\n",
        encoding="utf-8",
    )
    result = run_cli("check", "--format", "sarif", cwd=tmp_path)
    assert result.code in (0, 1), result
    doc = json.loads(result.stdout)
    assert not list(jsonschema.Draft4Validator(SCHEMA).iter_errors(doc))
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ORG-1"]["helpUri"] == "https://lineage.dev/rules/match"
    assert rules["ORG-1"]["properties"]["tags"] == ["security", "privacy", "gdpr", "custom"]
    assert rules["ORG-1"]["properties"]["security-severity"] == "3.0"
    assert "rules/org.yaml" in rules["ORG-1"]["help"]["text"]
    assert any(r["ruleId"] == "ORG-1" and r["level"] == "note" for r in doc["runs"][0]["results"])


def test_a_finding_outside_the_ruleset_still_gets_a_rule(example):
    odd = dataclasses.replace(example.findings[0], rule="GONE01")
    copy = dataclasses.replace(example, findings=[odd])
    run = sarif.document(copy)["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "GONE01" in ids and run["results"][0]["ruleIndex"] == ids.index("GONE01")
    assert not list(jsonschema.Draft4Validator(SCHEMA).iter_errors(sarif.document(copy)))


def test_security_severity_is_the_rules_own_and_absent_where_findings_vary(cli_sarif, example, tmp_path):
    """GitHub gives a rule's security-severity to all its alerts: a rule whose findings vary has none,
    so that each alert shows by its own level, and the rule's metadata does not change from run to run."""
    run = cli_sarif["runs"][0]
    rules = {r["id"]: r["properties"] for r in run["tool"]["driver"]["rules"]}
    severities = {}
    for result in run["results"]:
        severities.setdefault(result["ruleId"], set()).add(result["properties"]["severity"])
        assert result["level"] == sarif.LEVELS[result["properties"]["severity"]]
    assert len(severities["MIN001"]) > 1  # by field tier: medium, high and critical ones
    for rule_id in ("MIN001", "MIN002", "SEC001", "RISK001", "RISK002"):
        assert "security-severity" not in rules[rule_id], rule_id
    assert rules["PROC002"]["security-severity"] == "9.5" and rules["MIN003"]["security-severity"] == "5.5"
    assert rules["LIN001"]["security-severity"] == "8.0"  # no result: still its own, high
    assert all(props["tags"][0] == "security" for props in rules.values())
    fewer = dataclasses.replace(example, findings=[f for f in example.findings if f.severity == "medium"])
    assert sarif.document(fewer)["runs"][0]["tool"]["driver"]["rules"] == run["tool"]["driver"]["rules"]
    # a severity override fixes the severity of every finding: the rule has one again
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text("settings: {severity: {MIN001: high}}\n", encoding="utf-8")
    fixed = run_cli("check", str(REPO / "flows"), "--rules", str(tmp_path / "rules"), "-f", "sarif")
    by_id = {r["id"]: r["properties"] for r in json.loads(fixed.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert by_id["MIN001"]["security-severity"] == "8.0"
