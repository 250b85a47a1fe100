"""The pre-commit hook (.pre-commit-hooks.yaml), run as pre-commit runs it.

``pre-commit try-repo`` builds the hook's environment as a user's pre-commit
does: it clones this repository (with its uncommitted changes), makes a
virtualenv and pip-installs the project and its dependencies from the package
index, then runs the hook in a scratch git repository. That costs 20 to 35
seconds, measured on the 2-core CI machine, so it runs once; the other tests
check the manifest, its ``files`` pattern and the entry point directly.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from helpers import REPO, git_commit_all, write_files

MANIFEST = REPO / ".pre-commit-hooks.yaml"
GIT = shutil.which("git")
#: pip's messages when the package index cannot be reached (not when our package fails to build).
NETWORK = re.compile(
    r"NewConnectionError|Max retries exceeded|Temporary failure in name resolution|"
    r"Read timed out|No matching distribution found for (?!lineage)\S+"
)
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")

COMPLIANT = {
    f"flows/{p.name}": p.read_text(encoding="utf-8")
    for p in sorted((REPO / "tests" / "data" / "compliant" / "flows").glob("*.yaml"))
}
_SENT = "      - language_level\n      - {field: foreigner_id, form: pseudonymised}\n"
assert COMPLIANT["flows/systems.yaml"].count(_SENT) == 1
#: The compliant model, except that a flow sends the permit type to a purpose that does not need it.
FAILING = {
    **COMPLIANT,
    "flows/systems.yaml": COMPLIANT["flows/systems.yaml"].replace(
        _SENT, _SENT + "      - residence_permit_type\n"
    ),
}
NEW_FINDING = "HIGH MIN001 flow:cir-to-trainer-language: carries residence_permit_type"


@pytest.fixture(scope="module")
def hook():
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and [h["id"] for h in hooks] == ["lineage-check", "lineage-render-check"]
    return hooks[0]


def git_repo(root: Path, files: dict[str, str]) -> Path:
    """A git repository at `root` with `files` committed."""
    write_files(root, files)
    return git_commit_all(root)


def test_manifest(hook):
    assert hook["id"] == "lineage-check"
    assert hook["entry"] == "lineage check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["require_serial"] is True
    assert hook["name"]
    assert set(hook) <= {
        "id",
        "name",
        "description",
        "entry",
        "language",
        "files",
        "exclude",
        "types",
        "types_or",
        "pass_filenames",
        "require_serial",
        "always_run",
        "args",
        "stages",
        "minimum_pre_commit_version",
        "verbose",
        "log_file",
        "fail_fast",
    }


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("flows/flows.yaml", True),
        ("flows/systems/crm.yml", True),
        ("rules/org.yaml", True),
        ("lineage.yaml", True),
        ("lineage-baseline.json", True),
        ("flows/notes.md", False),
        ("README.md", False),
        ("docs/flows/a.yaml", False),
        ("tests/data/flows/a.yaml", False),
        ("lineage.yaml.bak", False),
        ("rules.yaml", False),
        ("docs/lineage-baseline.json", False),
    ],
)
def test_files_pattern_selects_the_model_rules_and_settings(hook, path, selected):
    # pre-commit matches `files` with re.search on paths relative to the repository root
    assert bool(re.search(hook["files"], path)) is selected


@needs_git
def test_entry_with_the_installed_console_script(hook, tmp_path):
    script = Path(sys.executable).parent / "lineage"
    if not script.exists():
        pytest.skip("the lineage console script is not installed next to this Python")
    command = [str(script), *shlex.split(hook["entry"])[1:]]
    ok = git_repo(tmp_path / "ok", {**COMPLIANT, "README.md": "x\n"})
    result = subprocess.run(
        command, cwd=ok, check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    bad = git_repo(tmp_path / "bad", FAILING)
    result = subprocess.run(
        command, cwd=bad, check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert NEW_FINDING in result.stdout


def readme_hook_example() -> dict:
    """The ``lineage-check`` hook of the README's .pre-commit-config.yaml example."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^( *)```yaml\n(.*?)^\1```", readme, re.M | re.S)
    configs = [yaml.safe_load(textwrap.dedent(body)) for _, body in blocks if "id: lineage-check" in body]
    assert len(configs) == 1, "the README shows one pre-commit config with lineage-check"
    [repo] = configs[0]["repos"]
    [hook] = repo["hooks"]
    assert hook["id"] == "lineage-check"
    return hook


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("model/flows.yaml", True),
        ("model/sub/crm.yml", True),
        ("rules/org.yaml", True),
        ("lineage.yaml", True),
        ("lineage-baseline.json", True),
        ("flows/flows.yaml", False),
        ("model/notes.md", False),
    ],
)
def test_readme_hook_example_files_pattern(path, selected):
    assert bool(re.search(readme_hook_example()["files"], path)) is selected


@needs_git
def test_readme_hook_example_with_a_baseline(hook, tmp_path):
    script = Path(sys.executable).parent / "lineage"
    if not script.exists():
        pytest.skip("the lineage console script is not installed next to this Python")
    example = readme_hook_example()
    command = [str(script), *shlex.split(hook["entry"])[1:], *example["args"]]
    baseline = example["args"][example["args"].index("--baseline") + 1]
    files = {name.replace("flows/", "model/", 1): text for name, text in FAILING.items()}
    repo = git_repo(tmp_path / "user-repo", files)
    result = subprocess.run(command, cwd=repo, check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "baseline" in result.stderr  # no baseline file yet
    written = subprocess.run([str(script), "check", "model", "--write-baseline", baseline], cwd=repo,
                             check=False, capture_output=True, text=True, timeout=60)
    assert written.returncode == 1, written.stderr
    result = subprocess.run(command, cwd=repo, check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr  # the finding is accepted
    assert NEW_FINDING not in result.stdout


@needs_git
@pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed"
)
def test_pre_commit_try_repo(tmp_path):
    repo = git_repo(
        tmp_path / "user-repo", {**FAILING, "README.md": "Our personal-data model is in flows/.\n"}
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(REPO),
            "lineage-check",
            "--all-files",
            "--color",
            "never",
        ],
        cwd=repo,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout + result.stderr
    if result.returncode == 3 and NETWORK.search(
        out
    ):  # pre-commit could not reach the package index
        pytest.skip(
            f"pre-commit could not install the hook's environment: {NETWORK.search(out).group(0)}"
        )
    assert result.returncode == 1, out
    assert re.search(r"lineage check \(personal-data flows\)\.+Failed", out), out
    assert "- hook id: lineage-check" in out and "- exit code: 1" in out
    assert f"flows/systems.yaml:57:5: {NEW_FINDING}" in out
