"""Report formats of ``lineage check``: each module has ``render(analysis) -> str``.

:data:`FORMATS` maps a format name to its module; it also supplies the
CLI's choices. Modules are imported only when used.
"""

from __future__ import annotations

import functools
import importlib
import os
import re

FORMATS = {
    "text": "text",
    "json": "json",
    "sarif": "sarif",
    "junit": "junit",
    "markdown": "markdown",
    "github": "github",
}
#: The formats written to files (``-o``, ``--output-*``, the settings' ``outputs:``), by file suffix.
FILE_SUFFIXES = {".json": "json", ".sarif": "sarif", ".xml": "junit", ".md": "markdown"}


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]|\r(?!\n)")  # CRLF stays: CSV lines end so


def printable(text: str) -> str:
    r"""Return `text` with its control characters (but tab, newline and CRLF) written ``\xNN``.

    Names and descriptions come from model files under review: printed on a
    terminal as they are, an ESC or a carriage return could recolour it,
    retitle it or hide a line. JSON never holds them raw.

    Examples
    --------
    >>> printable("Sys\x1b]0;pwned\x07 ok\tx"), printable("a,b\r\nc\rd")
    ('Sys\\x1b]0;pwned\\x07 ok\tx', 'a,b\r\nc\\x0dd')
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def render(fmt: str, analysis, **options) -> str:
    """Render `analysis` in format `fmt`."""
    module = importlib.import_module(f"lineage.outputs.{FORMATS[fmt]}")
    return module.render(analysis, **options)


def render_errors(fmt: str, errors) -> str:
    """Render input errors (a list of :class:`~lineage.errors.LineageError`) in format `fmt`.

    When the model cannot be checked, CI still gets each report it asked
    for: a SARIF log whose invocation failed, a JUnit error per input error,
    annotations on the offending lines, a job summary that says why.
    """
    module = importlib.import_module(f"lineage.outputs.{FORMATS[fmt]}")
    return module.render_errors(errors)


def on_disk(error) -> bool:
    """Whether an input error points at a path on disk, not at a git revision (``main``, ``main:flows/x.yaml``)."""
    return bool(error.loc.file) and os.path.exists(error.loc.file)


def located_message(error) -> str:
    """Return an input error's message led by its location, for a report that cannot point at it.

    Examples
    --------
    >>> from lineage.errors import LineageError, Loc
    >>> located_message(LineageError(Loc("main", 0, 0), "'main' is not a git revision"))
    "main: 'main' is not a git revision"
    """
    return f"{error.loc}: {error.message}" if error.loc.file else error.message


def exposure_scores(analysis, systems=None):
    """Return the RISK001 rule and the exposure score of each system (text, JSON, diff, maps).

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
    systems : iterable of str, optional
        The systems to score, in this order; default every system of the model.

    Returns
    -------
    tuple
        ``(rule, {system id: Score})``, or ``(None, {})`` when the rule set has no RISK001.
    """
    rule = analysis.ruleset.rules.get("RISK001")
    if rule is None:
        return None, {}
    from lineage.rules.engine import RunContext

    ctx = RunContext(analysis.model, analysis.lineage, None)
    ids = analysis.model.systems if systems is None else systems
    return rule, {sid: rule.module.score(ctx, sid, rule.params) for sid in ids}


def changed_line(finding, model):
    """Return the line in its target's definition that a finding is about, or None.

    GitHub shows an alert or annotation in a pull request only on lines the
    pull request changed: the key the finding is about (MIN005's
    ``retention``), or the first list item of a flow that names one of its
    fields, is such a line; the ``id`` line is not. None when the finding
    points elsewhere (WAIV001 and WAIV002 point at the waiver) or names
    neither; it then stays at its target's definition.
    """
    kind, _, ident = finding.target.partition(":")
    entity = model.section(kind).get(ident)
    if entity is None or finding.loc != entity.loc:
        return None
    if finding.about in entity.key_locs:
        return entity.key_locs[finding.about]
    if kind != "flow":
        return None
    items = [use.loc for use in entity.fields if use.field in finding.fields]
    return min(items) if items else None


def repo_path(file: str) -> str:
    """Return `file` relative to the root of the git work tree holding it, with forward slashes.

    Code scanning and workflow annotations resolve paths from the repository
    root, whatever folder lineage ran in. Outside a work tree the path is
    returned as given (relative to the current folder, as the user typed it).
    """
    file = file.replace("\\", "/")
    path = os.path.abspath(file)
    root = _work_tree(os.path.dirname(path))
    if root is None:
        return file
    return os.path.relpath(path, root).replace(os.sep, "/")


@functools.lru_cache(maxsize=256)
def _work_tree(folder: str) -> str | None:
    """Return the nearest folder at or above `folder` holding ``.git`` (a folder, or a file in a worktree)."""
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        up = os.path.dirname(folder)
        if up == folder:
            return None
        folder = up
