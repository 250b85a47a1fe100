"""Several reports from one run: text on stdout, SARIF, JUnit, JSON and Markdown in files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from helpers import REPO, run_cli


def test_text_on_stdout_and_machine_formats_in_files(tmp_path):
    paths = {
        fmt: tmp_path / "reports" / f"lineage.{ext}"
        for fmt, ext in (("sarif", "sarif"), ("junit", "xml"), ("json", "json"), ("markdown", "md"))
    }
    result = run_cli(
        "check",
        "flows",
        "--today",
        "2026-11-28",
        *(arg for fmt, path in paths.items() for arg in (f"--output-{fmt}", path)),
        cwd=REPO,
    )
    assert result.code == 1, result
    assert result.stdout.startswith("flows/flows.yaml:9:5: MEDIUM MIN001 ")
    assert "21 findings" in result.stderr
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    sarif = json.loads(paths["sarif"].read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == len([f for f in doc["findings"] if not f["waived"]])
    root = ET.parse(paths["junit"]).getroot()
    assert int(root.get("failures")) == len(sarif["runs"][0]["results"])
    assert paths["markdown"].read_text(encoding="utf-8").startswith("<!-- lineage-report -->")
    assert len(result.stdout.splitlines()) == len(doc["findings"])


def test_github_format_with_sarif_and_summary_files(tmp_path):
    summary = tmp_path / "step-summary.md"
    result = run_cli(
        "check",
        "flows",
        "--today",
        "2026-11-28",
        "--format",
        "github",
        "--output-sarif",
        tmp_path / "lineage.sarif",
        "--output-markdown",
        summary,
        cwd=REPO,
    )
    assert result.code == 1, result
    assert result.stdout.startswith("::error file=")
    assert (
        json.loads((tmp_path / "lineage.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    )
    assert "<!-- lineage-report -->" in summary.read_text(encoding="utf-8")


def test_the_job_summary_is_appended_to_and_other_files_replaced(tmp_path, monkeypatch):
    summary, other = tmp_path / "step-summary.md", tmp_path / "other.md"
    for path in (summary, other):
        path.write_text("## written earlier in the step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    for path in (summary, other):
        result = run_cli("check", "flows", "--today", "2026-11-28", "--output-markdown", path, cwd=REPO)
        assert result.code == 1, result
    assert summary.read_text(encoding="utf-8").startswith("## written earlier in the step\n<!-- lineage-report -->")
    assert other.read_text(encoding="utf-8").startswith("<!-- lineage-report -->")


def test_invalid_input_still_gives_every_report_asked_for(tmp_path):
    import jsonschema

    from .test_sarif import SCHEMA

    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "m.yaml").write_text(
        "fields:\n  - {id: a, category: identity.name}\nsystems:\n  - {id: s, organisation: x}\n")
    paths = {fmt: tmp_path / f"out.{fmt}" for fmt in ("sarif", "junit", "json", "markdown")}
    result = run_cli("check", "flows", "--format", "github",
                     *(arg for fmt, path in paths.items() for arg in (f"--output-{fmt}", str(path))), cwd=tmp_path)
    assert result.code == 2
    expected = "flows/m.yaml:4:13: error: unknown key 'organisation' (did you mean 'organization'?)"
    assert expected in result.stderr.splitlines()
    assert ("::error file=flows/m.yaml,line=4,col=13,title=lineage%3A invalid input::unknown key 'organisation' "
            "(did you mean 'organization'?)") in result.stdout.splitlines()
    sarif = json.loads(paths["sarif"].read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and sarif["runs"][0]["results"] == []
    notes = invocation["toolExecutionNotifications"]
    assert {(n["locations"][0]["physicalLocation"]["region"]["startLine"], n["message"]["text"]) for n in notes} >= {
        (4, "unknown key 'organisation' (did you mean 'organization'?)")}
    root = ET.parse(paths["junit"]).getroot()
    assert int(root.get("errors")) == len(notes) == len(json.loads(paths["json"].read_text())["errors"])
    assert "**The model could not be checked**" in paths["markdown"].read_text()


def test_the_output_suffix_names_the_format_unless_format_is_given(tmp_path):
    for name, start in (("r.sarif", '{\n  "$schema"'), ("r.json", '{\n  "tool"'), ("r.xml", "<?xml"),
                        ("r.md", "<!-- lineage-report -->"), ("r.txt", "flows/flows.yaml:")):
        assert run_cli("check", "flows", "-o", tmp_path / name, cwd=REPO).code == 1
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start), name
    assert run_cli("check", "flows", "-f", "json", "-o", tmp_path / "j.txt", cwd=REPO).code == 1
    assert (tmp_path / "j.txt").read_text(encoding="utf-8").startswith('{\n  "tool"')
    clash = run_cli("check", "flows", "-f", "json", "-o", tmp_path / "c.sarif", cwd=REPO)
    assert clash.code == 2
    assert "names a sarif file but --format is json" in json.loads(clash.stdout)["errors"][0]["message"]
    assert "error: -o " in clash.stderr  # the report was to go to a file: the error is on stderr too
    # the suffix wins over the settings' format, which wins over text
    settings = tmp_path / "rules"
    settings.mkdir()
    (settings / "s.yaml").write_text("settings: {format: sarif}\n", encoding="utf-8")
    for name, start in (("s.json", '{\n  "tool"'), ("s.txt", '{\n  "$schema"')):
        assert run_cli("check", "flows", "--rules", settings, "-o", tmp_path / name, cwd=REPO).code == 1
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start), name


@pytest.mark.parametrize("args", [("-o", "r.json"), ("-f", "json", "-o", "r.json"), ("-f", "sarif", "-o", "r.sarif")])
def test_errors_reach_stderr_when_the_report_goes_to_a_file(tmp_path, args):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "m.yaml").write_text("systems:\n  - {id: s, organisation: x}\n", encoding="utf-8")
    result = run_cli("check", "flows", *args, cwd=tmp_path)
    assert result.code == 2 and result.stdout == "", result
    assert "flows/m.yaml:2:13: error: unknown key 'organisation' (did you mean 'organization'?)" in result.stderr
    assert "organisation" in (tmp_path / args[-1]).read_text(encoding="utf-8")  # the report says why too
    misuse = run_cli("check", "flows", "--fail-on", "bogus", *args, cwd=tmp_path)
    assert misuse.code == 2, misuse
    assert misuse.stderr.startswith("error: --fail-on must be one of")  # JSON asked for: on stdout too
    assert misuse.stdout == "" if args[-1] == "r.sarif" else json.loads(misuse.stdout)["errors"]


def test_json_errors_go_to_stdout_when_the_json_report_does(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "m.yaml").write_text("systems:\n  - {id: s, organisation: x}\n", encoding="utf-8")
    for args in (("flows",), ("flows", "--fail-on", "bogus")):
        result = run_cli("check", *args, "-f", "json", cwd=tmp_path)
        assert result.code == 2 and result.stderr == "", result
        assert json.loads(result.stdout)["errors"]


@pytest.mark.parametrize("args", [
    ("check", "flows", "--today", "2026-11-28", "-f", "json"),
    ("diff", "flows", "flows"),
    ("ropa", "flows"),
    ("render", "flows", "-f", "mermaid"),
])
def test_dash_as_output_is_stdout(tmp_path, args):
    with_dash = run_cli(*args, "-o", "-", cwd=REPO)
    assert with_dash.stdout and with_dash == run_cli(*args, cwd=REPO)
    assert not (REPO / "-").exists()


@pytest.mark.parametrize("option", ["--output-json", "--output-sarif", "--write-baseline"])
def test_dash_for_a_second_output_is_misuse_not_a_file_named_dash(option):
    result = run_cli("check", "flows", option, "-", cwd=REPO)
    assert result.code == 2 and f"error: {option} needs a file name, not '-'" in result.stderr
    assert not (REPO / "-").exists()
