"""The import footprint of fast commands: no networkx, rich, graphviz or pydantic."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import REPO

HEAVY = ("networkx", "rich", "graphviz", "pydantic")

PROBE = """
import json, sys
sys.argv = ["lineage", *json.loads(sys.argv[1])]
from lineage.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def loaded_modules(*args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):]))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["validate", "flows"], ["check", "--help"],
                                  ["schema"]])
def test_fast_commands_stay_light(args):
    modules = loaded_modules(*args)
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"{args} imported {heavy[:5]}"


def test_check_does_load_the_graph():
    assert "networkx" in loaded_modules("check", "flows", "--today", "2026-11-28")
