"""Progress for long work: a rich bar on a terminal, nothing in CI or pipes.

Stages report through a :class:`Progress`: ``step(description, total)``
starts a stage and returns a function to call once per unit done. The
silent :data:`QUIET` is the default everywhere; the CLI passes
:func:`for_terminal` only when stderr is a terminal and ``CI`` is unset.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Progress:
    """Silent progress: every call does nothing."""

    def step(self, description: str, total: int | None = None) -> Callable[[], None]:
        """Start a stage; return the function that advances it by one."""
        return _nothing


def _nothing() -> None:
    return None


QUIET = Progress()


class _Rich(Progress):
    def __init__(self, bar):
        self.bar = bar
        self.task = None

    def step(self, description, total=None):
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[self.task].total or 1)
        self.task = self.bar.add_task(description, total=total)
        task = self.task
        return lambda: self.bar.advance(task)


_live: list = []  # the bar on screen, if any


@contextmanager
def for_terminal() -> Iterator[Progress]:
    """Yield a rich progress display on stderr when it is a terminal and not in CI; else :data:`QUIET`."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield QUIET
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
             console=Console(stderr=True), transient=True) as bar:
        _live.append(bar)
        try:
            yield _Rich(bar)
        finally:
            _live.remove(bar)


def clear() -> None:
    """Take the bar off the screen now: call it before printing an error, which the bar would redraw over."""
    for bar in _live:
        bar.stop()
