"""GitHub Actions workflow-command annotations, one line per finding.

``::error file=F,line=L,col=C,title=RULE name::target: message``; critical and
high findings are errors, medium ones warnings, low and info ones notices.
GitHub shows only about 10 annotations of each level per step, so at most
:data:`PER_LEVEL` of each are written, most severe first, and a last line
counts every finding (and what was not annotated; waived findings never are),
always as a ``::notice``, so that the summary shows on the run's page: it is
one of the :data:`PER_LEVEL` notices, so at most ``PER_LEVEL - 1`` findings
are annotated as notices. The job summary
(``--output-markdown "$GITHUB_STEP_SUMMARY"``) and SARIF hold the full list.
"""

from __future__ import annotations

import os

from lineage.findings import SEVERITIES, SEVERITY_RANK, summary
from lineage.outputs import changed_line, located_message, repo_path
from lineage.outputs.text import context_notes

LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}
PER_LEVEL = 10


def escape_data(text: str) -> str:
    r"""Escape a workflow command's message: ``%``, CR and LF.

    Examples
    --------
    >>> escape_data("100%\nsure")
    '100%25%0Asure'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: also ``:`` and ``,``.

    Examples
    --------
    >>> escape_property("a: b, c")
    'a%3A b%2C c'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding, model) -> str:
    """Return the workflow command that annotates `finding` (a flow's at its field's list item)."""
    loc = changed_line(finding, model) or finding.loc
    return _command(LEVELS[finding.severity], loc, f"{finding.rule} {finding.name}",
                    f"{finding.target}: {finding.message}")


def render_errors(errors) -> str:
    """Return an ``::error`` annotation on each input error's line (all of them: there are few).

    An error located in no file on disk (a git revision, a file at one,
    ``REF:path``, a missing folder) is annotated without a file, with its
    location in the message.
    """
    lines = []
    for e in errors:
        in_file = os.path.isfile(e.loc.file)
        message = e.message if in_file else located_message(e)
        lines.append(_command("error", e.loc if in_file else None, "lineage: invalid input", message))
    return "".join(line + "\n" for line in lines)


def _command(level: str, loc, title: str, message: str) -> str:
    """Return a workflow command; `loc` None: about no file."""
    props = {} if loc is None else {"file": repo_path(loc.file), "line": str(max(1, loc.line)),
                                    "col": str(max(1, loc.column))}
    props["title"] = title
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{level} {head}::{escape_data(message)}"


def render(analysis, per_level: int = PER_LEVEL) -> str:
    """Render annotations for the open findings, at most `per_level` per level, and a summary line.

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
    per_level : int
        At most this many ``error``, ``warning`` and ``notice`` lines each,
        the summary notice included.

    Returns
    -------
    str
        The annotation lines, most severe first, then one ``::notice`` summary
        line (with what was not annotated, if anything).
    """
    open_ = sorted(
        (f for f in analysis.findings if not f.waived),
        key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key),
    )
    room = {level: per_level - (level == "notice") for level in LEVELS.values()}  # a notice for the summary
    used = dict.fromkeys(LEVELS.values(), 0)
    lines, skipped = [], []
    for f in open_:
        level = LEVELS[f.severity]
        if used[level] < room[level]:
            used[level] += 1
            lines.append(annotation(f, analysis.model))
        else:
            skipped.append(f)
    counts = analysis.summary
    total = sum(counts[s] for s in SEVERITIES)
    shown = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s])
    text = f"lineage: {total} finding{'' if total == 1 else 's'}" + (
        f" ({shown})" if shown else ""
    )
    text += "".join(f"; {note}" for note in context_notes(analysis))
    if skipped:
        detail = ", ".join(f"{n} {s}" for s, n in summary(skipped).items() if n)
        text += (
            f"; {len(skipped)} not annotated ({detail}): see the job summary or the code scanning "
            "alerts for the full list"
        )
    lines.append(f"::notice title=lineage summary::{escape_data(text)}")
    return "\n".join(lines) + "\n"
