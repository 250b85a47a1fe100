"""Markdown job summary / PR comment: marker, counts, table, details, escaping, size limit."""

from __future__ import annotations

import dataclasses

from helpers import REPO, body_rows, run_cli

from lineage.outputs import markdown

ARGS = ("check", "flows", "--today", "2026-11-28")


def test_report_of_the_example_model():
    result = run_cli(*ARGS, "--format", "markdown", cwd=REPO)
    assert result.code == 1, result
    text = result.stdout
    assert text.startswith("<!-- lineage-report -->\n")
    assert (
        "| critical | high | medium | low | info | waived |\n|---:|---:|---:|---:|---:|---:|\n"
        "| 7 | 10 | 4 | 0 | 0 | 1 |" in text
    )
    assert "| Severity | Rule | Target | Fields | Location |" in text
    assert (
        "| high | [MIN001](https://lineage.dev/rules/MIN001) excess-field | "
        "flow:cir-to-trainer-language | nationality | flows/flows.yaml:9:5 |"
    ) in text
    rows = [
        line
        for line in text.splitlines()
        if "](https://lineage.dev/rules/" in line and line.startswith("| ")
    ]
    assert len(rows) == 21
    order = ["critical", "high", "medium", "low", "info"]
    ranks = [order.index(r.split(" | ")[0][2:]) for r in rows]
    assert ranks == sorted(ranks)  # most severe first
    assert text.count("<details>") == text.count("</details>") > 1
    assert "<summary>RISK001 high-risk-node" in text
    assert "**Fix:**" in text and "1 waived finding</summary>" in text
    assert "Not shown" not in text


def test_preexisting_and_baseline_columns(example):
    copy = dataclasses.replace(example, preexisting=3, baselined=4)
    text = markdown.render(copy)
    assert "| critical | high | medium | low | info | waived | preexisting | in baseline |" in text
    assert "| 7 | 10 | 4 | 0 | 0 | 1 | 3 | 4 |" in text


def test_cells_are_escaped(example):
    finding = dataclasses.replace(
        example.findings[0],
        target="flow:a|b<c>`d`",
        fields=("x|y",),
        message="use <script>alert(1)</script> | now",
    )
    text = markdown.render(dataclasses.replace(example, findings=[finding]))
    row = next(line for line in text.splitlines() if "flow:a" in line and line.startswith("| "))
    assert "flow:a\\|b&lt;c&gt;\\`d\\`" in row and "x\\|y" in row
    assert row.count(" | ") == 4  # five cells, none split by the escaped pipes
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_no_findings():
    result = run_cli("check", "tests/data/compliant/flows", "--format", "markdown", cwd=REPO)
    assert result.code == 0, result
    assert "No open findings." in result.stdout and "the check passes" in result.stdout


def test_thousands_of_findings_stay_under_the_comment_limit(synthetic):
    assert len(synthetic.findings) == 3000
    text = markdown.render(synthetic)
    assert len(text) < 65_536
    assert len(text) <= markdown.MAX_CHARS
    assert text.startswith(markdown.MARKER)
    rows = [
        line
        for line in text.splitlines()
        if "](https://lineage.dev/rules/" in line and line.startswith("| ")
    ]
    assert 0 < len(rows) < 3000
    # the least severe are cut first: every critical row is kept before any lower one
    severities = [r.split(" | ")[0][2:] for r in rows]
    assert severities.count("critical") == 750 or set(severities) == {"critical"}
    last = text.rstrip().splitlines()[-1]
    assert last.startswith("**Not shown:**") and f"{3000 - len(rows)} more findings" in last
    assert "750 low" in last
    assert text.count("<details>") == text.count("</details>")


def test_small_limits_cut_more(synthetic):
    text = markdown.render(synthetic, max_chars=5_000)
    assert len(text) <= 5_000 and "**Not shown:**" in text


def test_one_huge_finding_is_cut_short_and_the_others_still_show(example):
    fields = tuple(f"field_with_a_rather_long_identifier_{i:05d}" for i in range(10_000))
    huge = dataclasses.replace(example.findings[0], severity="critical", fields=fields, message="m" * 100_000)
    text = markdown.render(dataclasses.replace(example, findings=[huge, *example.findings]))
    assert len(text) <= markdown.MAX_CHARS
    assert "Not shown" not in text  # every row fits
    row = next(line for line in text.splitlines() if "field_with_a_rather_long_identifier_00000" in line)
    assert row.startswith("| critical | ") and "… (+9,993 more fields) |" in row and len(row) < 600
    assert f"{'m' * markdown.MAX_TEXT}… (+99,700 characters)" in text


def test_error_location_with_a_pipe_stays_in_its_cell():
    from lineage.errors import LineageError, Loc

    text = markdown.render_errors([LineageError(Loc("a|b.yaml", 2, 3), "bad")])
    row = text.splitlines()[-1]
    assert row == "| `a\\|b.yaml:2:3` | bad |"
    assert len(body_rows(text)[0]) == 2 and body_rows(text)[0][0] == "<code>a|b.yaml:2:3</code>"


def test_code_spans_never_escape_and_fence_backticks():
    assert markdown.code("R&D/<x>.yaml") == "`R&D/<x>.yaml`"
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.code("`a``b") == "``` `a``b ```"
    assert markdown.code(" a ") == "`  a  `"
    assert markdown.code("a|b") == "`a|b`" and markdown.code("a|b", in_table=True) == "`a\\|b`"
    for text in ("a`b", "`a``b", "``", " a ", "a\\|b", "x\\"):
        (row,) = body_rows(f"| h |\n|---|\n| {markdown.code(text, in_table=True)} |\n")
        assert row == [f"<code>{text}</code>"]


def test_cells_show_backslashes_and_backticks_as_they_are():
    text = "C:\\tmp\\ `x` a|b\\|c <b>"
    (row,) = body_rows(f"| h |\n|---|\n| {markdown.cell(text)} |\n")
    assert row == ["C:\\tmp\\ `x` a|b\\|c &lt;b&gt;"]
    assert markdown.cell("one\n two   three", limit=9) == "one two …"
