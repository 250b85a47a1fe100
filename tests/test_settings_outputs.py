"""Output defaults in lineage.yaml (SPEC section 1): format and files written on every check."""

from __future__ import annotations

import json

from helpers import BASE, run_cli, write_files


def test_settings_choose_the_format_and_extra_files(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE,
                           "lineage.yaml": "settings:\n  format: json\n  outputs: {sarif: out/l.sarif}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 1, result  # BASE has a high finding: the controller holds a toxic combination
    assert json.loads(result.stdout)["tool"] == "lineage"
    assert json.loads((tmp_path / "out" / "l.sarif").read_text())["version"] == "2.1.0"


def test_command_line_options_win_over_settings(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE,
                           "lineage.yaml": "settings:\n  format: json\n  outputs: {sarif: out/l.sarif}\n"})
    result = run_cli("check", "--format", "text", "--output-sarif", "other.sarif", cwd=tmp_path)
    assert result.code == 1 and not result.stdout.startswith("{")
    assert (tmp_path / "other.sarif").is_file() and not (tmp_path / "out").exists()


def test_bad_output_setting_is_located(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE, "lineage.yaml": "settings:\n  outputs: {pdf: x.pdf}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.startswith("lineage.yaml:2:13: error: 'pdf' is not one of json, sarif, junit, markdown")


def test_a_settings_file_that_cannot_be_read_is_an_error_not_ignored(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE})
    (tmp_path / "lineage.yaml").symlink_to("nowhere.yaml")
    result = run_cli("check", cwd=tmp_path)
    assert (result.code, result.stderr) == (2, "lineage.yaml: error: cannot read the settings: a link to nothing\n")
    (tmp_path / "lineage.yaml").unlink()
    (tmp_path / "lineage.yaml").mkdir()
    result = run_cli("validate", "flows", cwd=tmp_path)
    assert (result.code, result.stderr) == (2, "lineage.yaml: error: cannot read the settings: not a regular file\n")


def test_settings_that_need_a_newer_lineage_say_so(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE, "lineage.yaml": "settings:\n  min_version: '99.0'\n"})
    result = run_cli("validate", "flows", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.startswith("lineage.yaml:2:16: error: these settings need lineage 99.0 or later, and this is ")
    (tmp_path / "lineage.yaml").write_text("min_version: '1.0'\n")
    assert run_cli("validate", "flows", cwd=tmp_path).code == 0
