"""Baselines: --write-baseline then --baseline, stable files, new findings only, malformed files."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import REPO, run_cli

from lineage.baseline import apply_baseline, baseline_text, read_baseline
from lineage.errors import InputErrors

TODAY = ("--today", "2026-11-28")


@pytest.fixture
def project(tmp_path):
    """A copy of the example model in a fresh folder, used as the current folder."""
    shutil.copytree(REPO / "flows", tmp_path / "flows")
    return tmp_path


MAILBOX_FIELDS = "    fields: [full_name, phone, nationality, foreigner_id]\n"


def edit_after_baseline(project, old: str, new: str) -> None:
    """Write the baseline b.json of the example, then replace `old` (once in flows.yaml) by `new`."""
    assert run_cli("check", *TODAY, "--write-baseline", "b.json", cwd=project).code == 1
    flows = project / "flows" / "flows.yaml"
    text = flows.read_text(encoding="utf-8")
    assert text.count(old) == 1
    flows.write_text(text.replace(old, new), encoding="utf-8")


def test_write_then_apply_reports_nothing(project):
    written = run_cli("check", *TODAY, "--write-baseline", "lineage-baseline.json", cwd=project)
    assert written.code == 1, written  # writing a baseline does not change the verdict
    assert "wrote baseline lineage-baseline.json: 21 findings" in written.stderr
    result = run_cli(
        "check", *TODAY, "--baseline", "lineage-baseline.json", "--format", "json", cwd=project
    )
    assert result.code == 0, result
    doc = json.loads(result.stdout)
    assert [f for f in doc["findings"] if not f["waived"]] == []
    assert sum(n for s, n in doc["summary"].items() if s != "waived") == 0
    text = run_cli("check", *TODAY, "--baseline", "lineage-baseline.json", cwd=project)
    assert text.code == 0, text
    assert "21 in the baseline" in text.stderr


def test_a_new_excess_field_is_the_only_finding(project):
    anchor = "      - preferred_language        # waived, see waivers.yaml\n"
    edit_after_baseline(project, anchor, anchor + "      - nationality\n")
    result = run_cli("check", *TODAY, "--baseline", "b.json", "--format", "json", cwd=project)
    assert result.code == 1, result
    open_ = [f for f in json.loads(result.stdout)["findings"] if not f["waived"]]
    assert [(f["rule"], f["target"], f["fields"]) for f in open_] == [
        ("MIN001", "flow:cir-to-trainer-civic", ["nationality"])
    ]


def test_a_partial_fix_is_no_new_finding(project):
    edit_after_baseline(project, MAILBOX_FIELDS, "    fields: [full_name, phone, foreigner_id]\n")
    now = json.loads(run_cli("check", *TODAY, "--format", "json", cwd=project).stdout)["findings"]
    assert ("SEC001", ["foreigner_id"]) in [(f["rule"], f["fields"]) for f in now]  # one field of two left
    result = run_cli("check", *TODAY, "--baseline", "b.json", "--format", "json", cwd=project)
    assert result.code == 0, result
    assert [f for f in json.loads(result.stdout)["findings"] if not f["waived"]] == []
    text = run_cli("check", *TODAY, "--baseline", "b.json", cwd=project)
    assert "1 baseline entry matches nothing (refresh: --baseline FILE --write-baseline FILE)" in text.stderr


def test_a_finding_with_a_field_more_is_new(project):
    edit_after_baseline(project, MAILBOX_FIELDS, MAILBOX_FIELDS.replace("]", ", residence_permit_type]"))
    result = run_cli("check", *TODAY, "--baseline", "b.json", "--format", "json", cwd=project)
    assert result.code == 1, result
    new = {(f["rule"], tuple(f["fields"])) for f in json.loads(result.stdout)["findings"] if not f["waived"]}
    assert ("SEC001", ("foreigner_id", "nationality", "residence_permit_type")) in new


def test_moving_definitions_keeps_the_baseline_valid(project):
    assert run_cli("check", *TODAY, "--write-baseline", "b.json", cwd=project).code == 1
    flows = project / "flows" / "flows.yaml"
    flows.write_text(
        "# a comment that moves every line down\n\n\n" + flows.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert run_cli("check", *TODAY, "--baseline", "b.json", cwd=project).code == 0


def test_baseline_file_is_stable_and_readable(project):
    for name in ("one.json", "two.json"):
        assert run_cli("check", *TODAY, "--write-baseline", name, cwd=project).code == 1
    one = (project / "one.json").read_bytes()
    assert one == (project / "two.json").read_bytes()
    assert one.endswith(b"\n")
    doc = json.loads(one)
    assert doc["tool"] == "lineage" and doc["version"] == 1
    assert list(doc["findings"]) == sorted(doc["findings"])
    assert len(doc["findings"]) == 21  # open findings only; the waived one is not baselined
    entry = doc["findings"]["d91ddb8b4a2f3a4d4981d36265b4475d"]
    assert entry == {
        "rule": "MIN001",
        "target": "flow:cir-to-trainer-language",
        "fields": ["nationality"],
    }
    assert b'"line"' not in one and b'"message"' not in one


def test_refreshing_a_baseline_keeps_what_is_still_found(project):
    assert run_cli("check", *TODAY, "--write-baseline", "b.json", cwd=project).code == 1
    before = (project / "b.json").read_bytes()
    again = run_cli(
        "check", *TODAY, "--baseline", "b.json", "--write-baseline", "b.json", cwd=project
    )
    assert again.code == 0, again
    assert (project / "b.json").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "where", "why"),
    [
        ('{\n  "findings": {\n    "abc":\n  }\n}\n', "bad.json:4:3:", "not valid JSON"),
        ("[1, 2]\n", "bad.json:1:1:", "'findings' object"),
        (
            '{"version": 1,\n "findings": {"zz": {}}}\n',
            "bad.json:2:15:",
            "'zz' is not a finding fingerprint",
        ),
        ('{"version": 9, "findings": {}}\n', "bad.json:1:2:", "unsupported baseline version 9"),
        ("\xff\xfe{", "bad.json:1:1:", "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "bad.json:1:1:", "nested too deeply"),  # no RecursionError
        ('{"findings": {"%s": {"rule": ["MIN001"]}}}' % ("a" * 32), "bad.json:1:15:", "the rule of aaaa"),
        ('{"findings": {"%s": {"target": {}}}}' % ("a" * 32), "bad.json:1:15:", "the target of aaaa"),
        ('{"findings": {"%s": {"key": 5}}}' % ("a" * 32), "bad.json:1:15:", "the key of aaaa"),
    ],
)
def test_a_malformed_baseline_exits_2_with_its_location(project, content, where, why):
    (project / "bad.json").write_bytes(content.encode("latin-1"))
    result = run_cli("check", *TODAY, "--baseline", "bad.json", cwd=project)
    assert result.code == 2, result
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{where} error: ") and why in line


def test_a_missing_baseline_exits_2(project):
    result = run_cli("check", *TODAY, "--baseline", "nope.json", cwd=project)
    assert result.code == 2, result
    assert result.stderr.startswith("nope.json:1:1: error: no such baseline file")
    as_json = run_cli("check", *TODAY, "--baseline", "nope.json", "--format", "json", cwd=project)
    assert as_json.code == 2
    [error] = json.loads(as_json.stdout)["errors"]
    assert (error["file"], error["line"]) == ("nope.json", 1)


def test_api_counts_what_it_dropped(example, tmp_path):
    import dataclasses

    path = tmp_path / "b.json"
    path.write_text(baseline_text(example)[0], encoding="utf-8")
    assert len(read_baseline(path)) == 21
    copy = dataclasses.replace(example, findings=list(example.findings))
    assert apply_baseline(copy, path) == 21
    assert copy.baselined == 21 and copy.baseline_stale == 0
    assert [f.waived for f in copy.findings] == [True]
    with pytest.raises(InputErrors):
        read_baseline(tmp_path)


@pytest.mark.parametrize(("args", "message"), [
    (("--baseline", "b.json", "-o", "./b.json"), "cannot write b.json (-o): it is an input of this run (the"),
    (("--baseline", "b.json", "--output-json", "b.json"), "(--output-json): it is an input of this run"),
    (("--baseline", "b.json", "-f", "json", "--write-baseline", "b.json", "-o", "b.json"), "it is an input of"),
    (("--write-baseline", "r.json", "--output-json", "r.json"), "--write-baseline and --output-json both name r.json"),
    (("-o", "r.md", "--output-sarif", "sub/../r.md"), "-o and --output-sarif both name sub/../r.md"),
    (("--output-json", "r.json", "--output-markdown", "r.json"), "--output-json and --output-markdown both name"),
])
def test_outputs_sharing_a_file_are_refused_before_anything_is_written(project, args, message):
    assert run_cli("check", *TODAY, "--write-baseline", "b.json", cwd=project).code == 1
    before = (project / "b.json").read_bytes()
    (project / "sub").mkdir()
    result = run_cli("check", *TODAY, *args, cwd=project)
    assert result.code == 2, result
    assert message in result.stderr, result
    assert (project / "b.json").read_bytes() == before
    assert sorted(p.name for p in project.iterdir()) == ["b.json", "flows", "sub"]  # nothing else written


def test_a_settings_output_on_the_baseline_or_another_output_is_refused(project):
    assert run_cli("check", *TODAY, "--write-baseline", "b.json", cwd=project).code == 1
    (project / "lineage.yaml").write_text("settings:\n  outputs: {sarif: b.json}\n", encoding="utf-8")
    result = run_cli("check", *TODAY, "--baseline", "b.json", "--output-json", "r.json", cwd=project)
    assert result.code == 2 and "(settings outputs.sarif): it is an input of this run" in result.stderr, result
    result = run_cli("check", *TODAY, "--output-markdown", "b.json", cwd=project)
    assert result.code == 2 and "settings outputs.sarif and --output-markdown both name b.json" in result.stderr
    assert not (project / "r.json").exists()


def test_one_report_named_twice_is_no_clash(project):
    (project / "lineage.yaml").write_text("settings:\n  outputs: {sarif: r.sarif}\n", encoding="utf-8")
    result = run_cli("check", *TODAY, "-f", "sarif", "-o", "r.sarif", cwd=project)
    assert result.code == 1, result
    assert json.loads((project / "r.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_refreshing_a_baseline_in_place_is_no_clash(project):
    edit_after_baseline(project, MAILBOX_FIELDS, "    fields: [full_name, phone, foreigner_id]\n")
    result = run_cli("check", *TODAY, "--baseline", "b.json", "--write-baseline", "./b.json", cwd=project)
    assert result.code == 0, result
