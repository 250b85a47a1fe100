"""The README's tour shows real output: its console blocks are what lineage prints (excerpts: in order)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
from helpers import REPO, run_cli

BLOCKS = re.findall(r"```console\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)
TODAY = ("--today", "2026-11-28")  # the waivers of the example, as the README was written


@pytest.mark.parametrize(("command", "pinned", "code"), [
    ("validate flows", (), 0),
    ("rules list", (), 0),
    ("trace nationality", (), 0),
    ("check flows", TODAY, 1),
])
def test_a_console_block_is_what_lineage_prints(command, pinned, code):
    block = next(b for b in BLOCKS if b.startswith(f"$ lineage {command}\n"))
    shown = block.splitlines()[1:]
    result = run_cli(*shlex.split(command), *pinned, cwd=REPO)
    assert result.code == code, result
    assert (result.stdout + result.stderr).splitlines() == shown


def _block(command):
    return next(b for b in BLOCKS if b.startswith(f"$ lineage {command}\n")).splitlines()[1:]


def _shown_in_order(shown, printed):
    """Every line of an excerpt is printed, in order; a line `...` skips lines, `...` in one ends it early."""
    rest = iter(printed)
    for line in shown:
        if line == "...":
            continue
        head = line.split("...")[0] if "..." in line else None
        if not any(out.startswith(head) if head is not None else out == line for out in rest):
            return line
    return None


@pytest.mark.parametrize(("command", "pinned", "code"), [
    ("check flows --explain", TODAY, 1),
    ("impact trainer_crm", (), 0),
])
def test_an_excerpt_block_is_what_lineage_prints(command, pinned, code):
    result = run_cli(*shlex.split(command), *pinned, cwd=REPO)
    assert result.code == code, result
    assert _shown_in_order(_block(command), (result.stdout + result.stderr).splitlines()) is None, result


def test_the_bad_input_block_is_what_validate_prints(tmp_path):
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    (tmp_path / "flows" / "bad.yaml").write_text(
        "version: 1\n\nsystems:\n  - id: extra_share\n    organization: trainer\n    type: file_share\n"
        "    exposure: internal\n    retension: P1Y\n\nflows:\n  - id: share-to-mail\n    from: extra_share\n"
        "    to: mailbx\n    encrypted: off\n    fields: [emial]\n    purpose: language_training\n", encoding="utf-8")
    shown = next(b for b in BLOCKS if b.startswith("$ lineage validate flows\nflows/bad.yaml")).splitlines()[1:]
    result = run_cli("validate", "flows", cwd=tmp_path)
    assert result.code == 2, result
    assert result.stderr.splitlines() == shown


def test_the_init_block_is_what_init_prints(tmp_path):
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 0, result
    assert (result.stdout + result.stderr).splitlines() == _block("init")


def test_the_diff_block_is_what_diff_prints(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_NOSYSTEM": "1", "PATH": ""}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "m"],
                 ["branch", "-M", "main"]):
        subprocess.run([shutil.which("git"), *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    flows = tmp_path / "flows" / "flows.yaml"
    text = flows.read_text(encoding="utf-8")
    old = "fields: [full_name, phone, language_level]\n"
    assert text.count(old) == 1  # crm-to-planning, as the README tells it
    flows.write_text(text.replace(old, "fields: [full_name, phone, language_level, nationality]\n"), encoding="utf-8")
    result = run_cli("diff", "main", *TODAY, cwd=tmp_path)
    assert result.code == 0, result
    assert _shown_in_order(_block("diff main"), result.stdout.splitlines()) is None, result
    result = run_cli("check", "--diff-base", "main", *TODAY, cwd=tmp_path)
    shown = [line.replace("3f2a9c1", "...") for line in _block("check --diff-base main")]  # the hash varies
    assert result.code == 1, result
    assert _shown_in_order(shown, (result.stdout + result.stderr).splitlines()) is None, result


def test_the_category_table_is_the_built_in_taxonomy():
    from lineage.model.taxonomy import BUILTIN

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_.0-9]+)` \| (\d) \| (\w+) \| (\w+) \|$", readme, re.M)
    assert rows == [(k, str(v.tier), v.identifier, v.special) for k, v in BUILTIN.items()]
