"""The README's tour shows real output: its complete console blocks are what lineage prints."""

from __future__ import annotations

import re
import shlex

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


def test_the_category_table_is_the_built_in_taxonomy():
    from lineage.model.taxonomy import BUILTIN

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_.0-9]+)` \| (\d) \| (\w+) \| (\w+) \|$", readme, re.M)
    assert rows == [(k, str(v.tier), v.identifier, v.special) for k, v in BUILTIN.items()]
