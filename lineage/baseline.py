"""Baselines: accept today's findings, fail only on new ones.

``lineage check --write-baseline FILE`` records every open finding by its
fingerprint (rule, target and fields: never line numbers or messages), so a
baseline survives reformatting, moved definitions and reworded messages.
Targets are ``kind:id`` and ids are unique across the model, so, unlike
Checkov's baselines, an equal name in another file is never covered by
mistake. Rule, target and fields (and the kind of finding, ``key``, when a
rule has several per target) are kept next to each fingerprint: for the
reviewer of the baseline's diff, and so that a finding that lost fields (a
partial fix) still matches its entry (:class:`~lineage.findings.KnownFindings`).

``lineage check --baseline FILE`` drops the findings whose fingerprint the
file lists: they are neither reported nor counted for the exit code. Waived
findings are never written: a waiver has its own expiry, which a baseline
must not outlive.

The file is sorted JSON, byte-identical for the same findings::

    {
      "findings": {
        "3d533b789bd7ffdae2484f205c203cf2": {
          "fields": ["residence_permit_ground"],
          "rule": "MIN001",
          "target": "flow:cir-to-trainer-language"
        }
      },
      "tool": "lineage",
      "version": 1
    }
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lineage.errors import InputErrors, LineageError, Loc
from lineage.findings import Identity, KnownFindings

VERSION = 1
_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")


def document(findings) -> dict:
    """Return the baseline of `findings` (open ones only) as a dict."""
    entries = {
        f.fingerprint: {"rule": f.rule, "target": f.target, "fields": list(f.fields),
                        **({"key": f.key} if f.key else {})}
        for f in findings
        if not f.waived
    }
    return {"tool": "lineage", "version": VERSION, "findings": dict(sorted(entries.items()))}




def baseline_text(analysis) -> tuple[str, int]:
    """Return the baseline of the open findings of `analysis` (JSON text) and how many it holds.

    Findings left out of the report in the same run (by :func:`apply_baseline`
    or ``--diff-base``) are written too: the baseline holds every current
    finding, so ``--baseline B --write-baseline B`` refreshes a baseline: it
    keeps what is still found, adds what is new and drops entries that no
    longer match anything.
    """
    baseline = document([*analysis.findings, *analysis.left_out])
    return json.dumps(baseline, indent=2, sort_keys=True, ensure_ascii=False) + "\n", len(baseline["findings"])


def read_baseline(path: str | Path) -> dict[str, dict]:
    """Read a baseline file: fingerprint -> entry.

    Raises
    ------
    InputErrors
        When the file is missing or unreadable, is not JSON (with the line and
        column of the syntax error), or does not have the baseline's shape.
    """
    from lineage.load import display_path

    path = Path(path)
    shown = display_path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputErrors(
            [
                LineageError(
                    Loc(shown),
                    "no such baseline file (write one with `lineage check --write-baseline FILE`)",
                )
            ]
        ) from None
    except IsADirectoryError:
        raise InputErrors(
            [LineageError(Loc(shown), "a baseline must be a file, not a folder")]
        ) from None
    except OSError as exc:
        raise InputErrors(
            [LineageError(Loc(shown), f"cannot read the baseline: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError:
        raise InputErrors([LineageError(Loc(shown), "the baseline is not UTF-8 text")]) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputErrors(
            [
                LineageError(
                    Loc(shown, exc.lineno, exc.colno), f"the baseline is not valid JSON: {exc.msg}"
                )
            ]
        ) from None
    except RecursionError:  # json's decoder recurses once per nested array or object
        raise InputErrors(
            [LineageError(Loc(shown, *_position(text, None)),
                          "the baseline is JSON nested too deeply, not an object with a 'findings' object")]
        ) from None
    errors = []

    def error(message: str, needle: str | None = None) -> None:
        errors.append(LineageError(Loc(shown, *_position(text, needle)), message))

    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), dict):
        error(
            "a baseline is a JSON object with a 'findings' object (fingerprint -> finding)",
            '"findings"' if isinstance(doc, dict) and "findings" in doc else None,
        )
        raise InputErrors(errors)
    if doc.get("version", VERSION) != VERSION:
        error(
            f"unsupported baseline version {doc.get('version')!r} "
            f"(this lineage reads version {VERSION})",
            '"version"',
        )
    for key, value in doc["findings"].items():
        if not _FINGERPRINT.match(key):
            error(f"'{key}' is not a finding fingerprint (32 hexadecimal digits)", json.dumps(key))
        elif not isinstance(value, dict):
            error(f"the entry of {key} must be an object (rule, target, fields)", json.dumps(key))
        elif not _field_list(value.get("fields", [])):
            error(f"the fields of {key} must be a list of field ids", json.dumps(key))
        else:
            for name in ("rule", "target", "key"):
                if not isinstance(value.get(name, ""), str):
                    error(f"the {name} of {key} must be a string", json.dumps(key))
    if errors:
        raise InputErrors(errors)
    return doc["findings"]


def apply_baseline(analysis, path: str | Path) -> int:
    """Drop the findings of `analysis` that the baseline at `path` lists; return how many.

    The count is kept in ``analysis.baselined``, the dropped findings
    in ``analysis.left_out`` and the number of baseline
    entries that matched no finding in ``analysis.baseline_stale``
    (entries of rules that did not run are not counted: they may still hold).

    Raises
    ------
    InputErrors
        As :func:`read_baseline`.
    """
    listed = [Identity(fp, e.get("rule"), e.get("target"), e.get("key", ""), tuple(e.get("fields") or ()))
              for fp, e in read_baseline(path).items()]
    known = KnownFindings(listed)
    kept, dropped = [], []
    for f in analysis.findings:
        (dropped if f in known and not f.waived else kept).append(f)
    analysis.findings = kept
    analysis.baselined = len(dropped)
    analysis.left_out += dropped
    matched = KnownFindings(dropped)
    ran = {r.id for r in analysis.ruleset.enabled()}
    analysis.baseline_stale = sum(1 for entry in listed if entry.rule in ran and not matched.holds_part_of(entry))
    return len(dropped)


def _field_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _position(text: str, needle: str | None) -> tuple[int, int]:
    """1-based line and column of `needle` in `text`, or of the first non-blank character."""
    index = text.find(needle) if needle else -1
    if index < 0:
        stripped = text.lstrip()
        index = len(text) - len(stripped) if stripped else 0
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1
