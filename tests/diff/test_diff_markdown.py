"""`lineage diff --format markdown`: table cells and code spans show the text as it is."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import body_rows as table_rows

from lineage import diff as differ
from lineage.errors import Loc
from lineage.findings import Finding


@pytest.fixture
def one_new_finding(repo, monkeypatch):
    """Return a function making the diff of an unchanged model with one new finding, changed as asked."""
    monkeypatch.chdir(repo.root)
    unchanged = differ.compare(repo.base)
    finding = Finding(rule="MIN001", name="excess-field", severity="high", target="flow:a-to-b",
                      fields=("nationality",), message="drop nationality", loc=Loc("flows/flows.yaml", 3, 1),
                      fingerprint="f" * 16)

    def make(base_label="main", **changes) -> differ.ModelDiff:
        return dataclasses.replace(unchanged, base_label=base_label,
                                   new_findings=[dataclasses.replace(finding, **changes)], resolved_findings=[])
    return make


def test_a_code_span_shows_an_ampersand_as_is(one_new_finding):
    text = differ.to_markdown(one_new_finding(loc=Loc("R&D/flows.yaml", 3, 1)))
    assert "`R&D/flows.yaml:3:1`" in text and "&amp;" not in text
    (row,) = table_rows(text)
    assert row[-1] == "<code>R&amp;D/flows.yaml:3:1</code>"  # the HTML of what a reader sees: R&D/...


def test_backslashes_and_backticks_in_a_cell_show_as_is(one_new_finding):
    message = r"move C:\exports\ to `vault`"
    (row,) = table_rows(differ.to_markdown(one_new_finding(message=message)))
    assert row[4] == r"move C:\exports\ to `vault`"  # not a code span, no backslash lost


def test_pipes_and_backticks_in_code_keep_the_row_whole(one_new_finding):
    text = differ.to_markdown(one_new_finding(target="flow:a|b`c", loc=Loc("x|y.yaml", 2, 1)))
    (row,) = table_rows(text)
    assert len(row) == 6
    assert (row[2], row[5]) == ("<code>flow:a|b`c</code>", "<code>x|y.yaml:2:1</code>")


def test_the_heading_names_the_revisions_in_code(one_new_finding):
    heading = differ.to_markdown(one_new_finding(base_label="R&D`main")).splitlines()[1]
    assert heading == "### lineage diff: ``R&D`main`` → `working tree`"
