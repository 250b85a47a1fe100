"""Markdown output: a GitHub job summary or a sticky pull-request comment.

The report starts with a hidden marker (``<!-- lineage-report -->``) that a
workflow uses to find and edit its own comment, then the counts by severity
(and waived, preexisting and baseline counts when they apply), a table of
open findings (most severe first), and ``<details>`` blocks with each rule's
findings and help. Waived findings are listed in a last, folded block.

A pull-request comment holds at most 65,536 characters; the report stays
under :data:`MAX_CHARS` by leaving out the least severe findings (waived ones
first) and says what it left out. A finding's field list and message are cut
to about :data:`MAX_TEXT` characters, saying how much was cut, so that one
finding about thousands of fields does not crowd every other row out.
"""

from __future__ import annotations

import re

from lineage.findings import SEVERITIES, SEVERITY_RANK, failing, summary
from lineage.outputs.sarif import help_uri

MARKER = "<!-- lineage-report -->"
#: GitHub rejects comments over 65,536 characters; tools cap near 60k.
MAX_CHARS = 60_000
#: A field list or a message longer than this is cut, with what was left out counted.
MAX_TEXT = 300


def render(analysis, max_chars: int = MAX_CHARS) -> str:
    """Render `analysis` as GitHub-flavoured Markdown of at most `max_chars` characters.

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
    max_chars : int
        Upper bound of the report's length; the least severe findings are
        left out (and counted in a closing note) to stay under it.

    Returns
    -------
    str
    """
    ordered = sorted(analysis.findings, key=_priority)
    text = _report(analysis, ordered, len(ordered))
    if len(text) <= max_chars:
        return text
    lo, hi = 0, len(ordered)  # find the most findings that fit, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(_report(analysis, ordered, mid)) <= max_chars:
            lo = mid
        else:
            hi = mid - 1
    return _report(analysis, ordered, lo)


def render_errors(errors, max_chars: int = MAX_CHARS) -> str:
    """Say that the model could not be checked, and list the input errors (as many as fit)."""
    head = [MARKER, "## lineage: personal-data flow check", "",
            f"**The model could not be checked**: {len(errors)} input error{'' if len(errors) == 1 else 's'} "
            "(fix them, then run the check again).", "", "| where | error |", "|---|---|"]
    rows, size = [], sum(len(line) + 1 for line in head) + 200
    for e in errors:
        row = f"| {code(str(e.loc), in_table=True)} | {cell(e.message)} |"
        size += len(row) + 1
        if size > max_chars:
            rows.append(f"\n{len(errors) - len(rows)} more errors left out; see the job log.")
            break
        rows.append(row)
    return "\n".join([*head, *rows]) + "\n"


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    """Return `text`, or its first `limit` characters, an ellipsis and how many more there were.

    Examples
    --------
    >>> shorten("abcdef", 3)
    'abc… (+3 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}… (+{len(text) - limit:,} characters)"


def field_list(fields, limit: int = MAX_TEXT) -> str:
    """Return the fields, comma-separated, as many as fit in about `limit` characters, then how many more.

    Examples
    --------
    >>> field_list(["email", "phone", "full_name"], 12)
    'email, phone… (+1 more field)'
    """
    shown, size = [], 0
    for name in fields:
        size += len(name) + 2 * bool(shown)
        if size > limit and shown:
            more = len(fields) - len(shown)
            return f"{', '.join(shown)}… (+{more:,} more field{'s' * (more != 1)})"
        shown.append(name)
    return ", ".join(shown)


def _priority(finding):
    """Open findings, most severe first, then waived ones; report order within."""
    return (finding.waived, -SEVERITY_RANK[finding.severity], finding.sort_key)


def cell(text: str, limit: int | None = None) -> str:
    r"""Escape `text` for a Markdown table cell: one line, no HTML, no column breaks.

    Parameters
    ----------
    text : str
    limit : int, optional
        Longest text kept; a longer one is cut to ``limit - 1`` characters
        and an ellipsis (before escaping, so no escape is cut in half).

    Returns
    -------
    str
        `text` with each run of whitespace (line breaks included) made one
        space, ``&``, ``<`` and ``>`` written as entities, and ``\``, ``|``
        and backticks escaped with a backslash, so that the cell shows `text`
        as it is.

    See Also
    --------
    code : for text shown as code, which takes no escapes.

    Examples
    --------
    >>> cell("a|b <c> `d`")
    'a\\|b &lt;c&gt; \\`d\\`'
    >>> cell("C:\\data\n  and more", limit=10)
    'C:\\\\data a…'
    """
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def _inline(text: str) -> str:
    """Escape `text` for a list item or a paragraph: no raw HTML, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"[\r\n]+", " ", text)


def code(text: str, in_table: bool = False) -> str:
    r"""Return `text` as an inline code span that shows it as it is.

    Parameters
    ----------
    text : str
    in_table : bool
        Whether the span goes in a table row, where GitHub ends the cell at
        any ``|``, even inside a code span: each is then written ``\|``, which
        GitHub shows as ``|``.

    Returns
    -------
    str
        The span, or ``""`` for an empty `text` (no code span can be empty).

    Notes
    -----
    Markdown decodes neither entities nor backslash escapes inside a code
    span, so nothing else is escaped. Line breaks become spaces (one row, one
    list item). A span holding backticks is fenced by a run one longer than
    its longest run of them, with a space inside each fence when `text`
    starts or ends with a backtick, or starts and ends with a space
    (CommonMark 0.31, 6.1: one space is stripped from each end).

    Examples
    --------
    >>> code("R&D/flows.yaml:3:1")
    '`R&D/flows.yaml:3:1`'
    >>> code("a|b", in_table=True)
    '`a\\|b`'
    >>> code("`x`")
    '`` `x` ``'
    """
    text = re.sub(r"[\r\n]+", " ", str(text))
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if "`" in (text[0], text[-1]) or (text[0] == text[-1] == " " and text.strip()) else ""
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def fix_text(doc: str) -> str:
    r"""Return the ``Fix`` section of a rule's docstring, on one line.

    Examples
    --------
    >>> fix_text("X\n\nWhy     because.\nFix     Drop it,\n        or not.\nParams  none.")
    'Drop it, or not.'
    """
    match = re.search(r"^Fix\s+(.*?)(?=^\S|\Z)", doc, re.MULTILINE | re.DOTALL)
    return " ".join(match.group(1).split()) if match else ""


def _report(analysis, ordered, keep: int) -> str:
    ruleset = analysis.ruleset
    shown, cut = ordered[:keep], ordered[keep:]
    counts = analysis.summary
    total = sum(counts[s] for s in SEVERITIES)
    blocking = len(failing(analysis.findings, ruleset.fail_on))
    verdict = (
        f"**{blocking}** at or above `{ruleset.fail_on}`: the check fails"
        if blocking
        else f"none at or above `{ruleset.fail_on}`: the check passes"
    )
    out = [
        MARKER,
        "## lineage: personal-data flow check",
        "",
        f"{total} finding{'' if total == 1 else 's'}; {verdict}.",
        "",
    ]

    columns = [*reversed(SEVERITIES), "waived"]
    extra = {}
    if analysis.preexisting is not None:
        extra["preexisting"] = analysis.preexisting
    if analysis.baselined is not None:
        extra["in baseline"] = analysis.baselined
    out.append("| " + " | ".join([*columns, *extra]) + " |")
    out.append("|" + "---:|" * (len(columns) + len(extra)))
    out.append(
        "| "
        + " | ".join([*(str(counts.get(c, 0)) for c in columns), *(str(n) for n in extra.values())])
        + " |"
    )
    out.append("")

    open_ = [f for f in shown if not f.waived]
    waived = [f for f in shown if f.waived]
    if open_:
        out += ["| Severity | Rule | Target | Fields | Location |", "|---|---|---|---|---|"]
        for f in open_:
            rule = f"[{cell(f.rule)}]({help_uri(f.rule, ruleset)}) {cell(f.name)}"
            out.append(
                f"| {f.severity} | {rule} | {cell(f.target)} | {cell(field_list(f.fields))} "
                f"| {cell(str(f.loc))} |"
            )
        out.append("")
    elif not cut:
        out += ["No open findings.", ""]

    by_rule: dict[str, list] = {}
    for f in open_:
        by_rule.setdefault(f.rule, []).append(f)
    for rule_id in sorted(
        by_rule, key=lambda r: (-max(SEVERITY_RANK[f.severity] for f in by_rule[r]), r)
    ):
        out += _details(rule_id, by_rule[rule_id], ruleset)

    if waived:
        plural = "" if len(waived) == 1 else "s"
        out += [f"<details><summary>{len(waived)} waived finding{plural}</summary>", ""]
        out += [
            f"- {code(str(f.loc))} {f.rule} {_inline(f.target)} "
            f"({_inline(field_list(f.fields))}): {_inline(shorten(f.waiver_reason or ''))}"
            for f in waived
        ]
        out += ["", "</details>", ""]

    if cut:
        detail = ", ".join(f"{n} {s}" for s, n in summary(cut).items() if n)
        out.append(
            f"**Not shown:** {len(cut)} more finding{'' if len(cut) == 1 else 's'} ({detail}) "
            "to keep this report under GitHub's size limit; the full list is in the "
            "SARIF, JSON or text report of this run."
        )
        out.append("")
    return "\n".join(out)


def _details(rule_id: str, findings, ruleset) -> list[str]:
    rule = ruleset.rules.get(rule_id)
    name = rule.name if rule is not None else findings[0].name
    title = f": {_inline(rule.title)}" if rule is not None else ""
    out = [
        f"<details><summary>{_inline(rule_id)} {_inline(name)}{title} ({len(findings)})</summary>",
        "",
    ]
    out += [
        f"- **{f.severity}** {code(str(f.loc))} {_inline(f.target)}: {_inline(shorten(f.message))}"
        for f in findings
    ]
    out.append("")
    if rule is not None:
        fix = fix_text(rule.doc) if rule.check != "match" else ""
        for label, text in (("**Why:**", rule.rationale), ("**Fix:**", fix)):
            if text:
                out += [f"{label} {_inline(text)}", ""]
    out += [f"Rule documentation: {help_uri(rule_id, ruleset)}", "", "</details>", ""]
    return out
