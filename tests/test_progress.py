"""Progress: a rich bar on a terminal, nothing in CI or in a pipe."""

from __future__ import annotations

import io
import sys

import pytest

from lineage import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("tty", "ci", "rich"), [(True, None, True), (True, "true", False), (False, None, False)])
def test_a_bar_only_on_a_terminal_outside_ci(monkeypatch, tty, ci, rich):
    monkeypatch.setattr(sys, "stderr", Terminal() if tty else io.StringIO())
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with progress.for_terminal() as shown:
        tick = shown.step("reading 2 model files", 2)
        tick()
        tick()
        shown.step("validating")
    assert (shown is not progress.QUIET) is rich
    assert (sys.stderr.getvalue() != "") is rich  # quiet means not a byte
