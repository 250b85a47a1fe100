"""The README's tour shows real output: its complete console blocks are what lineage prints."""

from __future__ import annotations

import re
import shlex

import pytest
from helpers import REPO, run_cli

BLOCKS = re.findall(r"```console\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("command", ["validate flows", "rules list", "trace nationality"])
def test_a_console_block_is_what_lineage_prints(command):
    block = next(b for b in BLOCKS if b.startswith(f"$ lineage {command}\n"))
    shown = block.splitlines()[1:]
    result = run_cli(*shlex.split(command), cwd=REPO)
    assert result.code == 0, result
    assert (result.stdout + result.stderr).splitlines() == shown
