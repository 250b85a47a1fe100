"""GitHub workflow-command annotations: escaping, levels, at most 10 per level, summary line."""

from __future__ import annotations

import dataclasses

from helpers import REPO, run_cli

from lineage.errors import Loc
from lineage.outputs import github

ARGS = ("check", "flows", "--today", "2026-11-28")


def test_escaping(example):
    finding = dataclasses.replace(
        example.findings[0],
        message="100% sure, really: yes\r\nnext line",
        loc=Loc("flows/a,b:c%.yaml", 3, 7),
        rule="MIN001",
        name="excess-field",
    )
    line = github.annotation(finding, example.model)
    head, message = line.split("::", 2)[1:]
    assert "\n" not in line and "\r" not in line
    assert message == f"{finding.target}: 100%25 sure, really: yes%0D%0Anext line"
    props = dict(p.split("=", 1) for p in head.split(" ", 1)[1].split(","))
    assert props == {
        "file": "flows/a%2Cb%3Ac%25.yaml",
        "line": "3",
        "col": "7",
        "title": "MIN001 excess-field",
    }
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_levels_order_and_summary_of_the_example():
    result = run_cli(*ARGS, "--format", "github", cwd=REPO)
    assert result.code == 1, result
    lines = result.stdout.splitlines()
    levels = [line.split(" ", 1)[0] for line in lines[:-1]]
    assert levels == ["::error"] * 10 + ["::warning"] * 4  # 17 critical/high, 10 shown
    assert lines[0].startswith("::error file=flows/flows.yaml,line=22,col=9,title=MIN001 ")  # critical: tier 4
    assert lines[-1].startswith("::notice title=lineage summary::lineage: 21 findings")
    assert "7 not annotated (7 high)" in lines[-1] and "1 waived" in lines[-1]


def test_at_most_ten_per_level(synthetic):
    lines = github.render(synthetic).splitlines()
    counts = {
        level: sum(1 for line in lines if line.startswith(f"::{level} "))
        for level in ("error", "warning", "notice")
    }
    assert counts == {"error": 10, "warning": 10, "notice": 10}  # 9 low findings and the summary
    assert all(" file=" in line for line in lines[:-1])
    assert lines[-1].startswith("::notice title=lineage summary::")
    assert "2971 not annotated (740 critical, 750 high, 740 medium, 741 low)" in lines[-1]


def test_the_summary_is_always_a_notice():
    result = run_cli("check", "tests/data/compliant/flows", "--format", "github", cwd=REPO)
    assert result.code == 0, result
    assert result.stdout == "::notice title=lineage summary::lineage: 0 findings\n"


def test_a_summary_with_every_finding_annotated_is_a_notice_too(example):
    lines = github.render(example, per_level=20).splitlines()
    assert all(line.startswith(("::error ", "::warning ")) for line in lines[:-1])
    assert lines[-1].startswith("::notice title=lineage summary::lineage: 21 findings (")
    assert "not annotated" not in lines[-1] and "1 waived" in lines[-1]


def test_a_flow_finding_is_annotated_at_its_field(example):
    finding = next(f for f in example.findings if f.rule == "MIN001" and f.fields == ("nationality",)
                   and f.target == "flow:cir-to-trainer-language")
    assert github.annotation(finding, example.model).startswith(
        "::error file=flows/flows.yaml,line=20,col=9,title=MIN001 excess-field::")


def test_excess_retention_is_annotated_at_the_retention_line(example):
    lines = (REPO / "flows" / "flows.yaml").read_text(encoding="utf-8").splitlines()
    excess = [f for f in example.findings if f.rule == "MIN005"]
    assert excess
    for finding in excess:
        line = int(github.annotation(finding, example.model).split("line=")[1].split(",")[0])
        assert lines[line - 1].strip().startswith("retention:"), (finding.target, lines[line - 1])
        assert line != finding.loc.line


def test_in_a_github_actions_job_the_default_text_report_comes_with_annotations_on_stderr(monkeypatch, tmp_path):
    plain = run_cli(*ARGS, cwd=REPO)
    annotations = run_cli(*ARGS, "-f", "github", cwd=REPO).stdout
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    annotated = run_cli(*ARGS, cwd=REPO)
    assert annotated.stdout == plain.stdout  # the text format, line for line
    assert annotated.stderr == annotations + plain.stderr
    assert run_cli(*ARGS, "-f", "text", cwd=REPO).stderr == plain.stderr  # a format asked for is that format alone
    assert run_cli(*ARGS, "-o", tmp_path / "r.txt", cwd=REPO).stderr.startswith("21 findings")
