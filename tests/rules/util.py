"""Helpers of the rule tests: write a small model, run the engine in-process, pick findings.

A rule test starts from :data:`helpers.BASE` (a controller that collects, a
processor that receives), changes what matters with :func:`base` and adds
entities in a second model file (files merge), then compares
``(rule, target, fields)`` tuples, never messages.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from helpers import BASE, write_files

from lineage.pipeline import analyse_folder

#: The date waivers are judged at, so that no test depends on the real date.
TODAY = dt.date(2026, 6, 1)


def base(*edits: tuple[str, str]) -> str:
    """BASE with each ``(old, new)`` replacement applied; `old` must occur exactly once."""
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in BASE"
        text = text.replace(old, new)
    return text


def analyse(tmp_path: Path, extra: str = "", *, model: str | None = None, rules: str | None = None,
            today: dt.date = TODAY):
    """Write ``flows/base.yaml`` (`model`, default BASE) and ``flows/extra.yaml``, then analyse.

    `rules` is the text of one rule file, written to ``rules/custom.yaml`` and passed as
    ``rules=[dir]`` (the built-in pack is always read first).
    """
    files = {"flows/base.yaml": BASE if model is None else model}
    if extra:
        files["flows/extra.yaml"] = extra
    if rules is not None:
        files["rules/custom.yaml"] = rules
    write_files(tmp_path, files)
    return analyse_folder(tmp_path / "flows", [tmp_path / "rules"] if rules is not None else None, today)


def found(analysis, rule: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """The ``(rule, target, fields)`` of every finding of `rule`, sorted."""
    return sorted((f.rule, f.target, f.fields) for f in analysis.findings if f.rule == rule)


def severities(analysis, rule: str) -> dict[tuple[str, tuple[str, ...]], str]:
    """``(target, fields) -> severity`` of every finding of `rule`."""
    return {(f.target, f.fields): f.severity for f in analysis.findings if f.rule == rule}


def disable(rule: str) -> str:
    """A rule file that disables `rule`."""
    return f"settings: {{disable: [{rule}]}}\n"


def dedent(text: str) -> str:
    return textwrap.dedent(text)
