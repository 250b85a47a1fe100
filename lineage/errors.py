"""Locations and input errors shared by every stage.

Every stage reports bad input as :class:`LineageError` values carrying a
:class:`Loc`; a stage that finds any raises :class:`InputErrors` with all of
them, and only the CLI turns that into stderr lines and exit code 2.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple


class Loc(NamedTuple):
    """A position in a user's file: 1-based line and column (line 0: the file or folder as a whole).

    A named tuple, because the loader makes one per YAML node: it orders by
    file, line and column, and costs a fifth of a frozen dataclass to build.

    Examples
    --------
    >>> str(Loc("flows/flows.yaml", 12, 5))
    'flows/flows.yaml:12:5'
    """

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file


@dataclass(frozen=True, order=True)
class LineageError:
    """One problem in the user's input, at a location."""

    loc: Loc
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: error: {self.message}"

    def as_dict(self) -> dict:
        """Return the JSON shape of SPEC section 4: file, line, column, message."""
        return {
            "file": self.loc.file,
            "line": self.loc.line,
            "column": self.loc.column,
            "message": self.message,
        }


class InputErrors(Exception):
    """Raised with every error found in the input, sorted by location."""

    def __init__(self, errors: list[LineageError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


def did_you_mean(word: str, candidates) -> str:
    """Return `` (did you mean 'x'?)`` for the closest candidate, or ``""``.

    Examples
    --------
    >>> did_you_mean("retension", ["retention", "exposure"])
    " (did you mean 'retention'?)"
    >>> did_you_mean("min001", ["MIN001", "MIN002"])
    " (did you mean 'MIN001'?)"
    >>> did_you_mean("zzz", ["retention"])
    ''
    """
    import difflib

    names = sorted(map(str, candidates))
    same_but_case = [name for name in names if name.lower() == str(word).lower()]
    close = same_but_case or difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class OutputError(Exception):
    """A file the user asked for cannot be written; the message says which and why."""


_INPUTS: set = set()  # resolved paths of the files this run read: outputs never overwrite them


def unknown_id(kind: str, ident: str, known, where: str) -> InputErrors:
    """Return the input error for an unknown id, with a closest-name hint.

    Examples
    --------
    >>> str(unknown_id("field", "natonality", ["nationality", "email"], "flows").errors[0])
    "flows: error: no field 'natonality' in the model (did you mean 'nationality'?)"
    """
    return InputErrors([LineageError(Loc(str(where), 0, 0),
                                     f"no {kind} {ident!r} in the model{did_you_mean(ident, known)}")])


def read_input(path) -> bytes:
    """Read a file the user wrote (model, rules, settings, import source) and remember it.

    :func:`write_output` refuses to overwrite a file read this way, so that
    ``-o flows/flows.yaml`` cannot destroy the model it was made from.

    Raises
    ------
    OSError
        As :meth:`pathlib.Path.read_bytes`; callers report it with the file's name.
    """
    from pathlib import Path

    data = Path(path).read_bytes()
    _INPUTS.add(Path(path).resolve())
    return data


def forget_inputs() -> None:
    """Start a new run: the files read so far may be written again."""
    _INPUTS.clear()


def write_output(path, data: str | bytes) -> None:
    """Write `data` to `path` (text as UTF-8), creating missing parent folders.

    The GitHub Actions job summary (the file ``$GITHUB_STEP_SUMMARY`` names)
    is appended to, as GitHub asks, so that what the step wrote there before
    stays.

    Raises
    ------
    OutputError
        When `path` is a folder, a part of it is a file, an input file of
        this run, or the system refuses.
    """
    from pathlib import Path

    path = Path(path)
    if path.resolve() in _INPUTS:
        raise OutputError(f"cannot write {path.as_posix()}: it is an input of this run (a model, rule or "
                          "settings file); choose another output file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        mode = "a" if summary and path.resolve() == Path(summary).resolve() else "w"
        with path.open(mode + "b") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        if path.is_dir():
            why = "it is a folder"
        elif isinstance(exc, FileExistsError | NotADirectoryError):
            why = "a part of the path is a file, not a folder"
        else:
            why = exc.strerror or str(exc)
        raise OutputError(f"cannot write {path.as_posix()}: {why}") from None
