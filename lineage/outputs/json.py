"""JSON output, with the documented shape of SPEC section 4."""

from __future__ import annotations

import json

from lineage import __version__
from lineage.outputs import located_message, on_disk


def document(analysis) -> dict:
    """Return the JSON document as a dict: tool, version, summary, findings."""
    return {
        "tool": "lineage",
        "version": __version__,
        "summary": analysis.summary,
        "findings": [f.as_dict() for f in analysis.findings],
    }


def render(analysis, explain: bool = False) -> str:
    """Render the findings as JSON; with `explain`, a ``scores`` key is added."""
    doc = document(analysis)
    if explain:
        doc["scores"] = scores(analysis)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_errors(errors) -> str:
    """Return ``{"errors": [{"file", "line", "column", "message"}]}`` (SPEC section 4)."""
    return json.dumps({"errors": [_error(e) for e in errors]}, indent=2, ensure_ascii=False) + "\n"


def _error(error) -> dict:
    """One error; about no line of a path on disk (a git revision, a missing folder), its ``file`` is empty.

    The location then starts the message, as in the text output.
    """
    if error.loc.line or not error.loc.file or on_disk(error):
        return error.as_dict()
    return {"file": "", "line": 0, "column": 0, "message": located_message(error)}


def scores(analysis) -> list[dict]:
    """Return the RISK001 exposure score of every system, with its terms."""
    from lineage.outputs import exposure_scores

    out = []
    for sid, s in exposure_scores(analysis)[1].items():
        out.append({"system": sid, "score": s.total, "dpc": s.dpc, "ei": s.ei, "cb": s.cb,
                    "terms": [{"name": t.name, "value": t.value, "why": t.why} for t in s.terms]})
    return out
