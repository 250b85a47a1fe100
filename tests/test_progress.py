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


def test_an_error_is_printed_after_the_bar_is_cleared_not_under_it(tmp_path):
    """On a real terminal (a pty), the bar is taken down before the error is printed, so it stays on screen."""
    import os
    import pty
    import subprocess

    from helpers import REPO

    main, side = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run([sys.executable, "-m", "lineage", "check", "flows", "--check", "NOPE"], cwd=REPO,
                          stdin=side, stdout=side, stderr=side, env=env, timeout=60, check=False)
    os.close(side)
    screen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the pty is closed and drained
            break
        if not chunk:
            break
        screen += chunk
    os.close(main)
    text = screen.decode("utf-8", "replace")
    assert done.returncode == 2
    assert "\x1b[2K" in text  # the bar was drawn, then cleared
    assert text.rindex("error: no rule is named 'NOPE'") > text.rindex("\x1b[2K")
