"""The composite GitHub Action (action.yml) and the example workflow (docs/github-workflow.yml).

The action's check step is run with bash as a runner would run it: inputs in
environment variables, ``RUNNER_TEMP`` holding the virtualenv the install step
makes (here a link to the installed console script), ``GITHUB_STEP_SUMMARY`` a file.
"""

from __future__ import annotations

import json
import os
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
    assert set(ACTION["inputs"]) == {"model", "rules", "fail-on", "diff-base", "version"}
    assert all(i.get("description") for i in ACTION["inputs"].values())
    assert ACTION["inputs"]["model"]["default"] == "flows"
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
        "DIFF_BASE": "${{ inputs.diff-base }}",
    }
    assert "--format github" in check["run"] and "--output-sarif lineage.sarif" in check["run"]
    assert '--output-markdown "$GITHUB_STEP_SUMMARY"' in check["run"]


def test_example_workflow():
    assert WORKFLOW["permissions"] == {"contents": "read", "security-events": "write"}
    [job] = WORKFLOW["jobs"].values()
    checkout, check, upload = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    assert check["uses"].endswith("/lineage@v1") and "diff-base" in check["with"]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert upload["if"] == "always()"
    assert upload["with"] == {"sarif_file": "lineage.sarif", "category": "lineage"}


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
def test_check_step_reports_bad_input_as_exit_2(project, tmp_path):
    result = run_step(project, tmp_path, FAIL_ON="severe")
    assert result.returncode == 2
    assert "--fail-on" in result.stderr


@needs_tools
@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_diff_base_fails_only_on_new_findings_but_uploads_them_all(project, tmp_path):
    git_commit_all(project, "base")
    result = run_step(project, tmp_path, DIFF_BASE="HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::error" not in result.stdout
    sarif = json.loads((project / "lineage.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 21  # code scanning gets every finding
