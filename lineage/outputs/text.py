"""Text output: one ``path:line:col: SEVERITY RULE message`` line per finding.

Waived findings follow, marked ``[waived]`` with their reason; the summary
line is separate (:func:`summary_line`) because the CLI writes it to stderr.
"""

from __future__ import annotations

from lineage.findings import SEVERITIES, failing


def line(finding) -> str:
    """Format one finding, editor- and errorformat-friendly."""
    text = f"{finding.loc}: {finding.severity.upper()} {finding.rule} {finding.target}: {finding.message}"
    if finding.waived:
        text += f" [waived: {finding.waiver_reason}]"
    return text


def render(analysis, explain: bool = False, quiet: bool = False) -> str:
    """Render every finding, open ones first, then waived ones; with `explain`, the scores.

    With `quiet`, only the findings that fail the check (open, at or above ``fail_on``).
    """
    open_ = [f for f in analysis.findings if not f.waived]
    waived = [f for f in analysis.findings if f.waived]
    shown = failing(open_, analysis.ruleset.fail_on) if quiet else open_ + waived
    lines = [line(f) for f in shown]
    if explain:
        lines.extend(explain_lines(analysis))
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(analysis, failing: int) -> str:
    """E.g. ``12 findings: 3 critical, 6 high, 3 medium; 1 waived; 9 at or above high``."""
    counts = analysis.summary
    shown = [f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s]]
    total = sum(counts[s] for s in SEVERITIES)
    parts = [f"{total} finding{'s' if total != 1 else ''}" + (f": {', '.join(shown)}" if shown else "")]
    parts += context_notes(analysis)
    parts.append(f"{failing} at or above {analysis.ruleset.fail_on}")
    return "; ".join(parts)


def context_notes(analysis) -> list[str]:
    """Return what the counts leave out: waived, already in the base, fixed since it, in the baseline."""
    counts = analysis.summary
    notes = [f"{counts[key]} {label}" for key, label in (
        ("waived", "waived"), ("preexisting", "already in the base"), ("resolved", "fixed since the base"))
        if counts.get(key)]
    if analysis.diff_base is not None:  # --diff-base: say which commit "the base" is
        notes.append(f"base: {analysis.diff_base}")
    if analysis.baselined:
        notes.append(f"{analysis.baselined} in the baseline")
    if analysis.base_without_model:
        notes.append(f"{analysis.base_without_model} has no model files there, so every finding is new")
    stale = analysis.baseline_stale
    if stale:
        notes.append(f"{stale} baseline entr{'y matches' if stale == 1 else 'ies match'} nothing "
                     "(refresh: --baseline FILE --write-baseline FILE)")
    return notes


def explain_lines(analysis) -> list[str]:
    """Every term of the RISK001 exposure score, for every system holding personal data."""
    from lineage.outputs import exposure_scores

    rule, scores = exposure_scores(analysis)
    if rule is None:
        return []
    out = ["", f"Exposure scores (RISK001, threshold {rule.params['threshold']:g}): SE = DPC x EI + CB"]
    for sid, s in scores.items():
        mark = "  >= threshold" if s.total >= rule.params["threshold"] else ""
        out.append(f"  {sid}: {s.total:g} = {s.dpc:g} x {s.ei:g} + {s.cb:g}{mark}")
        out.extend(f"      {term.name:<24} {term.value:>5g}  {term.why}" for term in s.terms)
    return out


def render_errors(errors) -> str:
    """Return one ``file:line:col: error: message`` line per input error."""
    return "".join(f"{e}\n" for e in errors)
