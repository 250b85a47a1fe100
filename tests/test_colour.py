"""Colour only on a terminal, and never with NO_COLOR set."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from helpers import REPO


def run_on_terminal(extra_env: dict[str, str]) -> str:
    """Run `lineage check flows` with stdout on a pseudo-terminal; return what it wrote."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | extra_env
    proc = subprocess.Popen([sys.executable, "-m", "lineage", "check", "flows", "--today", "2026-11-28"],
                            cwd=REPO, stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:  # read while it writes, so a full terminal buffer never blocks it
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 1
    return b"".join(chunks).decode()


def test_severities_are_coloured_on_a_terminal():
    assert "\x1b[" in run_on_terminal({})


def test_no_color_turns_colour_off():
    out = run_on_terminal({"NO_COLOR": "1"})
    assert "MIN001" in out and "\x1b[" not in out
