"""The composite GitHub Action (action.yml) and the example workflow (docs/github-workflow.yml).

The action's check step is run with bash as a runner would run it: inputs in
environment variables, ``RUNNER_TEMP`` holding the virtualenv the install step
makes (here a link to the installed console script), ``GITHUB_STEP_SUMMARY`` a file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO, git_commit_all

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
WORKFLOW = yaml.safe_load((REPO / "docs" / "github-workflow.yml").read_text(encoding="utf-8"))
BASH, GIT = shutil.which("bash"), shutil.which("git")
SCRIPT = Path(sys.executable).parent / "lineage"


def step(name: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("name") == name)


def test_action_metadata():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {
        "model", "rules", "fail-on", "baseline", "soft-fail", "diff-base", "version"
    }
    assert all(i.get("description") for i in ACTION["inputs"].values())
    assert ACTION["inputs"]["model"]["default"] == "flows"
    assert ACTION["inputs"]["fail-on"]["default"] == ""  # the project's settings decide
    assert ACTION["inputs"]["baseline"]["default"] == ""
    assert ACTION["inputs"]["soft-fail"]["default"] == "false"
    assert "Linux and macOS" in ACTION["description"]
    assert ACTION["outputs"]["sarif-file"]["value"] == "lineage.sarif"
    for s in ACTION["runs"]["steps"]:
        if "run" in s:
            assert s["shell"] == "bash"
            assert "${{" not in s["run"], (
                "inputs reach run: scripts through env: only (template injection)"
            )
    check = step("lineage check")
    assert check["env"] == {
        "MODEL": "${{ inputs.model }}",
        "RULES": "${{ inputs.rules }}",
        "FAIL_ON": "${{ inputs.fail-on }}",
        "BASELINE": "${{ inputs.baseline }}",
        "SOFT_FAIL": "${{ inputs.soft-fail }}",
        "DIFF_BASE": "${{ inputs.diff-base }}",
    }
    assert "--format github" in check["run"] and "--output-sarif lineage.sarif" in check["run"]
    assert '--output-markdown "$GITHUB_STEP_SUMMARY"' in check["run"]


def test_example_workflow():
    assert WORKFLOW["permissions"] == {
        "contents": "read", "security-events": "write", "actions": "read"
    }
    [job] = WORKFLOW["jobs"].values()
    checkout, check, upload = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    assert check["uses"].endswith("/lineage@v1") and "diff-base" in check["with"]
    assert "fail-on" not in check["with"]  # fail_on in lineage.yaml decides
    assert set(check["with"]) <= set(ACTION["inputs"])
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert upload["if"] == "always() && hashFiles('lineage.sarif') != ''"
    assert upload["with"] == {"sarif_file": "lineage.sarif", "category": "lineage"}
    text = (REPO / "docs" / "github-workflow.yml").read_text(encoding="utf-8")
    assert re.search(r"^ *# *baseline: ", text, re.M)  # shown, commented
    assert "fork" in text and "private" in text


def test_readme_lists_every_input():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("`action.yml` is a composite action"):]
    section = section[:section.index("\n#")]
    listed = re.findall(r"^ *- `([a-z-]+)`: ", section, re.M)
    assert listed == list(ACTION["inputs"])


def run_step(cwd: Path, tmp: Path, **inputs: str) -> subprocess.CompletedProcess:
    venv_bin = tmp / "runner-temp" / "lineage-venv" / "bin"
    venv_bin.mkdir(parents=True, exist_ok=True)
    if not (venv_bin / "lineage").exists():
        (venv_bin / "lineage").symlink_to(SCRIPT)
    env = {
        **os.environ,
        "RUNNER_TEMP": str(tmp / "runner-temp"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "MODEL": "flows",
        "RULES": "",
        "FAIL_ON": "",
        "BASELINE": "",
        "SOFT_FAIL": "false",
        "DIFF_BASE": "",
        **inputs,
    }
    return subprocess.run(
        [BASH, "-c", step("lineage check")["run"]],
        cwd=cwd,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


needs_tools = pytest.mark.skipif(
    BASH is None or not SCRIPT.exists(), reason="needs bash and the lineage console script"
)


@pytest.fixture
def project(tmp_path):
    shutil.copytree(REPO / "flows", tmp_path / "project" / "flows")
    return tmp_path / "project"


@needs_tools
def test_check_step_writes_annotations_sarif_and_summary(project, tmp_path):
    (project / "org-rules").mkdir()
    (project / "org-rules" / "a.yaml").write_text(
        "settings:\n  severity: {MIN004: low}\n", encoding="utf-8"
    )
    (project / "more-rules").mkdir()
    (project / "more-rules" / "b.yaml").write_text(
        "settings:\n  disable: [LIN003]\n", encoding="utf-8"
    )
    result = run_step(project, tmp_path, RULES="org-rules\nmore-rules ", FAIL_ON="critical")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("::error file=flows/")
    loud = [
        line for line in result.stdout.splitlines() if line.startswith(("::error", "::warning"))
    ]
    assert loud and not any("title=MIN004" in line for line in loud)  # MIN004 is low now: a notice
    sarif = json.loads((project / "lineage.sarif").read_text(encoding="utf-8"))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "LIN003" not in rules  # both rule folders were read
    assert rules["MIN004"]["defaultConfiguration"]["level"] == "note"
    assert sarif["runs"][0]["results"]
    assert (
        (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("<!-- lineage-report -->")
    )


@needs_tools
def test_check_step_passes_on_a_compliant_model(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(REPO / "tests" / "data" / "compliant" / "flows", project / "flows")
    result = run_step(project, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "::notice title=lineage summary::lineage: 0 findings\n"


@needs_tools
@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_diff_base_fails_only_on_new_findings_but_uploads_them_all(project, tmp_path):
    git_commit_all(project, "base")
    result = run_step(project, tmp_path, DIFF_BASE="HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::error" not in result.stdout
    sarif = json.loads((project / "lineage.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 21  # code scanning gets every finding


SETTINGS_WITH_OUTPUTS = "settings:\n  outputs: {sarif: lineage.sarif, junit: lineage.xml}\n"


@needs_tools
@pytest.mark.skipif(GIT is None, reason="git is not installed")
@pytest.mark.parametrize("where", ["lineage.yaml", "rules/settings.yaml"])
def test_diff_base_keeps_the_full_reports_that_settings_name(project, tmp_path, where):
    (project / where).parent.mkdir(exist_ok=True)
    (project / where).write_text(SETTINGS_WITH_OUTPUTS, encoding="utf-8")
    git_commit_all(project, "base")
    result = run_step(project, tmp_path, DIFF_BASE="HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::error" not in result.stdout  # nothing new
    sarif = json.loads((project / "lineage.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 21  # not only the (no) new findings
    junit = (project / "lineage.xml").read_text(encoding="utf-8")
    assert "<failure" in junit  # as on a push: every finding


INVALID_SYSTEM = "systems:\n  - {id: s, organisation: x}\n"
INVALID_ANNOTATION = (
    "::error file=flows/broken.yaml,line=2,col=13,title=lineage%3A invalid input::"
    "unknown key 'organisation' (did you mean 'organization'?)"
)


@needs_tools
@pytest.mark.skipif(GIT is None, reason="git is not installed")
@pytest.mark.parametrize("diff_base", ["", "HEAD"])
def test_invalid_model_is_annotated_and_summarised_in_both_modes(project, tmp_path, diff_base):
    git_commit_all(project, "base")
    (project / "flows" / "broken.yaml").write_text(INVALID_SYSTEM, encoding="utf-8")
    result = run_step(project, tmp_path, DIFF_BASE=diff_base)
    assert result.returncode == 2, result.stdout + result.stderr
    assert INVALID_ANNOTATION in result.stdout.splitlines()
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "unknown key 'organisation'" in summary
    sarif = json.loads((project / "lineage.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


@needs_tools
@pytest.mark.parametrize("diff_base", ["", "HEAD"])
def test_baseline_input(project, tmp_path, diff_base):
    if diff_base and GIT is None:
        pytest.skip("git is not installed")
    written = subprocess.run(
        [str(SCRIPT), "check", "flows", "--write-baseline", "lineage-baseline.json"],
        cwd=project, check=False, capture_output=True, text=True, timeout=120,
    )
    assert written.returncode == 1 and (project / "lineage-baseline.json").is_file(), written.stderr
    if diff_base:
        git_commit_all(project, "base")
    result = run_step(project, tmp_path, BASELINE="lineage-baseline.json", DIFF_BASE=diff_base)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::error" not in result.stdout and "::warning" not in result.stdout
    sarif = json.loads((project / "lineage.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"] == []  # the baseline's findings are accepted everywhere
    result = run_step(project, tmp_path, BASELINE="missing.json", DIFF_BASE=diff_base)
    assert result.returncode == 2


@needs_tools
@pytest.mark.parametrize("value", ["true", "True"])
def test_soft_fail_input(project, tmp_path, value):
    result = run_step(project, tmp_path, SOFT_FAIL=value)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("::error file=flows/")  # still reported
    assert json.loads((project / "lineage.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]


@needs_tools
def test_soft_fail_input_must_be_a_boolean(project, tmp_path):
    result = run_step(project, tmp_path, SOFT_FAIL="maybe")
    assert result.returncode == 2
    assert "soft-fail must be true or false" in result.stdout


@needs_tools
def test_fail_on_input_must_be_a_severity(project, tmp_path):  # annotated, as the other inputs
    result = run_step(project, tmp_path, FAIL_ON="severe")
    assert result.returncode == 2
    assert result.stdout == "::error title=lineage::the input fail-on must be info, low, medium, high or critical\n"


@needs_tools
def test_soft_fail_does_not_hide_invalid_input(project, tmp_path):
    (project / "flows" / "broken.yaml").write_text(INVALID_SYSTEM, encoding="utf-8")
    result = run_step(project, tmp_path, SOFT_FAIL="true")
    assert result.returncode == 2
    assert INVALID_ANNOTATION in result.stdout.splitlines()


@needs_tools
def test_fail_on_comes_from_the_settings_when_the_input_is_empty(project, tmp_path):
    (project / "lineage.yaml").write_text("settings:\n  fail_on: critical\n", encoding="utf-8")
    (project / "rules").mkdir()
    (project / "rules" / "org.yaml").write_text(
        "settings:\n  disable: [MIN001, PROC002, RISK001, RISK002]\n", encoding="utf-8"
    )  # the rules of the example's critical findings
    result = run_step(project, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("::error file=flows/")
    assert run_step(project, tmp_path, FAIL_ON="high").returncode == 1


#: Arrays the run: scripts may leave empty; bash 3.2 (macOS runners) treats a bare
#: "${a[@]}" of an empty array as an unbound variable under `set -u`.
ARRAY_USE = re.compile(r'(\$\{(\w+)\[@\]\+)?"\$\{(\w+)\[@\]\}"')


@pytest.mark.parametrize("name", ["Install lineage", "lineage check"])
def test_scripts_expand_possibly_empty_arrays_safely(name):
    script = step(name)["run"]
    for guarded, guard_name, array in ARRAY_USE.findall(script):
        if guarded:
            assert guard_name == array
            continue
        # a bare expansion only of an array created with at least one element
        assert re.search(rf"^\s*{array}=\(\S", script, re.M), (
            f'"${{{array}[@]}}" may be empty: use ${{{array}[@]+"${{{array}[@]}}"}}'
        )


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_windows_runners_are_refused_clearly(tmp_path):
    result = subprocess.run(
        [BASH, "-c", step("Check the runner")["run"]],
        cwd=tmp_path, env={**os.environ, "RUNNER_OS": "Windows"},
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "Linux and macOS" in result.stdout and result.stdout.startswith("::error ")
    ok = subprocess.run(
        [BASH, "-c", step("Check the runner")["run"]],
        cwd=tmp_path, env={**os.environ, "RUNNER_OS": "macOS"},
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert ok.returncode == 0 and ok.stdout == ""
