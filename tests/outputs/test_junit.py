"""JUnit XML output: Checkov's layout, counts that match the JSON summary, valid and escaped XML."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

from helpers import REPO, run_cli

from lineage.outputs import junit

ARGS = ("check", "flows", "--today", "2026-11-28")


def test_counts_match_the_json_summary():
    result = run_cli(*ARGS, "--format", "junit", cwd=REPO)
    assert result.code == 1, result
    root = ET.fromstring(result.stdout.encode())
    summary = json.loads(run_cli(*ARGS, "--format", "json", cwd=REPO).stdout)["summary"]
    open_total = sum(n for s, n in summary.items() if s not in ("waived", "preexisting"))
    assert root.tag == "testsuites" and root.get("name") == "lineage"
    assert int(root.get("failures")) == open_total
    assert int(root.get("skipped")) == summary["waived"]
    assert int(root.get("errors")) == 0
    cases = root.findall("./testsuite/testcase")
    assert int(root.get("tests")) == len(cases)
    assert len(root.findall("./testsuite/testcase/failure")) == open_total
    assert len(root.findall("./testsuite/testcase/skipped")) == summary["waived"]
    for suite in root.findall("testsuite"):
        suite_cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(suite_cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in suite_cases)
        assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in suite_cases)


def test_layout_of_a_failure_and_a_skip(example):
    root = ET.fromstring(junit.render(example).encode())
    suite = root.find("testsuite[@name='flows/flows.yaml']")
    assert suite is not None
    case = suite.find(
        "testcase[@name='[HIGH][MIN001] excess-field flow:cir-to-trainer-language nationality']"
    )
    assert case is not None
    assert case.get("classname") == case.get("file") == "flows/flows.yaml"
    assert case.get("line") == "9"
    failure = case.find("failure")
    assert failure.get("type") == "MIN001"
    assert "nationality" in failure.get("message")
    assert failure.text.startswith("flows/flows.yaml:9:5: HIGH MIN001 excess-field")
    assert "Guideline: https://lineage.dev/rules/MIN001" in failure.text
    skipped = root.findall(".//testcase/skipped")
    assert len(skipped) == 1 and "DPIA-2025-07" in skipped[0].get("message")


def test_rules_without_findings_pass(example):
    root = ET.fromstring(junit.render(example).encode())
    passes = root.find(f"testsuite[@name='{junit.SUITE_OF_PASSES}']")
    found = {f.rule for f in example.findings}
    quiet = sorted(r.id for r in example.ruleset.enabled() if r.id not in found)
    assert quiet, "the example model should leave some rules silent"
    names = [c.get("name") for c in passes.findall("testcase")]
    assert [n.split("]")[1].lstrip("[") for n in names] == quiet
    assert all(len(c) == 0 for c in passes.findall("testcase"))
    assert passes.get("failures") == "0"
    without = ET.fromstring(junit.render(example, passed=False).encode())
    assert without.find(f"testsuite[@name='{junit.SUITE_OF_PASSES}']") is None


def test_markup_and_control_characters_are_escaped(example):
    nasty = "drop <b>\"x\"</b> & 'y' ]]> \x01\x1b done\nnext line"
    finding = dataclasses.replace(example.findings[0], message=nasty, target="flow:a&b")
    waiver = dataclasses.replace(example.model.waivers[0], reason="<because> & \x02", approved_by="dpo@x")
    waived = dataclasses.replace(example.findings[1], waived=True, waiver=waiver)
    text = junit.render(dataclasses.replace(example, findings=[finding, waived]))
    root = ET.fromstring(text.encode())
    failure = root.find(".//failure")
    assert failure.get("message") == nasty.replace("\x01", "").replace("\x1b", "")
    assert "flow:a&b" in root.find(".//testcase").get("name")
    assert root.find(".//skipped").get("message") == (
        f"waived until {waiver.expires.isoformat()}, approved by dpo@x: <because> & ")


def test_render_is_deterministic(example):
    assert junit.render(example) == junit.render(example)
