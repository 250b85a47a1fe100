"""`lineage render --check`: a committed map is compared, never written."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from helpers import REPO, run_cli

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz dot")


def test_a_fresh_map_is_up_to_date(tmp_path):
    out = tmp_path / "map.svg"
    assert run_cli("render", str(REPO / "flows"), "-o", str(out)).code == 0
    before = out.read_bytes()
    result = run_cli("render", str(REPO / "flows"), "-o", str(out), "--check")
    assert result.code == 0, result
    assert out.read_bytes() == before


def test_stale_map_fails_and_is_left_alone(tmp_path):
    stale = tmp_path / "map.svg"
    stale.write_text("<svg/>")
    result = run_cli("render", str(REPO / "flows"), "-o", str(stale), "--check")
    assert result.code == 1 and "is stale" in result.stderr
    assert stale.read_text() == "<svg/>"
    missing = run_cli("render", str(REPO / "flows"), "-o", str(tmp_path / "none.svg"), "--check")
    assert missing.code == 1 and "does not exist" in missing.stderr and not (tmp_path / "none.svg").exists()


def test_check_against_a_folder_is_misuse(tmp_path):
    result = run_cli("render", str(REPO / "flows"), "-o", str(tmp_path), "-f", "svg", "--check")
    assert result.code == 2 and "it is a folder" in result.stderr


def test_check_needs_an_output_file():
    assert run_cli("render", "flows", "--check", cwd=REPO).code == 2


def test_the_render_hook_runs_the_same_command():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "lineage-render-check")
    assert hook["entry"] == "lineage render --check" and hook["pass_filenames"] is False


def test_the_committed_docs_map_says_what_the_model_says(tmp_path):
    """docs/map.svg (`make docs`) carries today's ids, classes and tooltips; coordinates may
    differ with the Graphviz version, so only the text is compared."""
    fresh = tmp_path / "map.svg"
    assert run_cli("render", "flows", "--today", "2026-11-28", "-o", str(fresh), cwd=REPO).code == 0

    def text_of(svg: str) -> list[str]:
        return re.findall(r'(?:id|class|xlink:title)="[^"]*"', svg)

    committed = (REPO / "docs" / "map.svg").read_text(encoding="utf-8")
    assert text_of(committed) == text_of(fresh.read_text(encoding="utf-8")), "run `make docs`"
