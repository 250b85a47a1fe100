"""`lineage ropa`: the special-category conditions of a purpose in its legal basis."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from helpers import BASE, run_cli, write_files


def edited(*edits: tuple[str, str]) -> str:
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def ropa(tmp_path: Path, text: str, *args: str) -> str:
    write_files(tmp_path, {"flows/model.yaml": text})
    result = run_cli("ropa", tmp_path / "flows", *args, cwd=tmp_path)
    assert result.code == 0, result
    return result.stdout


def records(tmp_path: Path, text: str) -> dict[tuple[str, str], dict[str, str]]:
    """(view, organization) -> CSV row; the controller view keeps the record of purpose training."""
    out = {}
    for row in csv.DictReader(io.StringIO(ropa(tmp_path, text, "-f", "csv"), newline="")):
        if row["purpose"] in ("", "training"):
            out[(row["view"], row["organization"])] = row
    return out


# --- special conditions in the legal basis ------------------------------------------------------


@pytest.mark.parametrize(("condition", "said"), [
    ("h", "; special condition: Art. 9(2)(h)"),
    ("art10", "; special condition: Art. 10"),
    ("[h, art10]", "; special conditions: Art. 9(2)(h), Art. 10"),
    ("none", ""),
])
def test_the_legal_basis_names_every_special_condition(tmp_path, condition, said):
    text = edited(("  - id: training\n    legal_basis: public_task\n",
                   f"  - id: training\n    legal_basis: public_task\n    special_condition: {condition}\n"))
    recs = records(tmp_path, text)
    assert recs[("controller", "office")]["legal_basis"] == "public_task (Art. 6(1)(e))" + said
