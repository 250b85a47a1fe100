"""Findings: what a rule found, stamped by the engine, and their order.

A rule yields :class:`Hit` values (target, fields, message); the engine
turns each into a :class:`Finding` with the rule's id, name and severity,
the location of the target's definition, a fingerprint and the waiver state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from lineage.errors import Loc

if TYPE_CHECKING:
    from lineage.model.entities import Waiver

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Hit:
    """What a rule reports: a target (``kind:id``), the fields involved and what to change.

    `loc` overrides the target's location (WAIV001 points at the waiver).
    `key` tells apart two
    hits of one rule on the same target and fields (the waived rule of
    WAIV001, the combination of RISK002); it enters the fingerprint.
    `about` names the target's key the finding is about (``retention``), for
    outputs that annotate the changed line rather than the definition.
    `identity` lists the fields that make the finding what it is, when that
    is not all of `fields`: a finding about a whole system (RISK001, MIN004)
    names every field it holds, yet stays the same finding when one more
    field arrives, so baselines and ``--diff-base`` report only what is new.
    """

    target: str
    fields: tuple[str, ...]
    message: str
    loc: Loc | None = None
    key: str = ""
    identity: tuple[str, ...] | None = None
    about: str = ""


@dataclass(frozen=True)
class Finding:
    """A stamped finding; see SPEC section 4 for its JSON shape."""

    rule: str
    name: str
    severity: str
    target: str
    fields: tuple[str, ...]
    message: str
    loc: Loc
    fingerprint: str
    waived: bool = False
    waiver: Waiver | None = None  # the waiver that waives it
    key: str = ""  # the Hit's key: with rule and target, what kind of finding this is
    about: str = field(default="", compare=False)  # the Hit's: the target's key the finding is about

    @property
    def waiver_reason(self) -> str | None:
        """The reason of the waiver that waives this finding, if any."""
        return self.waiver.reason if self.waiver else None

    @property
    def sort_key(self):
        """File, line, column, then rule, target and fields."""
        return (self.loc.file, self.loc.line, self.loc.column, self.rule, self.target, self.fields)

    def as_dict(self) -> dict:
        """Return the JSON shape of a finding (SPEC section 4)."""
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "target": self.target,
            "fields": list(self.fields),
            "message": self.message,
            "file": self.loc.file,
            "line": self.loc.line,
            "column": self.loc.column,
            "fingerprint": self.fingerprint,
            "waived": self.waived,
        }


def fingerprint(rule: str, target: str, fields, key: str = "") -> str:
    """Return a stable id of a finding: rule, target and fields, never line numbers.

    `key` (see :class:`Hit`) separates findings that share all three; an empty
    key leaves the fingerprint as it was.

    Examples
    --------
    >>> fingerprint("MIN001", "flow:a", ["y", "x"]) == fingerprint("MIN001", "flow:a", ["x", "y"])
    True
    >>> len(fingerprint("MIN001", "flow:a", []))
    32
    >>> fingerprint("WAIV001", "flow:a", [], "MIN001") != fingerprint("WAIV001", "flow:a", [], "SEC001")
    True
    """
    text = "\x1f".join([rule, target, *sorted(fields)] + ([f"\x1e{key}"] if key else []))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Identity(NamedTuple):
    """What :class:`KnownFindings` reads of a finding (a :class:`Finding` has it all, so does a baseline entry)."""

    fingerprint: str
    rule: str
    target: str
    key: str
    fields: tuple[str, ...]


class KnownFindings:
    """Findings already accepted (a baseline, or the base revision of a pull request).

    A finding is known when a known one has its fingerprint, or when a known
    finding of the same rule, target and key names all its fields and more:
    a partial fix (one field of two dropped from a flow sent by email) keeps
    its finding known instead of making it new.

    Parameters
    ----------
    findings : iterable of Finding or Identity
        Only their fingerprint, rule, target, key and fields are read.
    """

    def __init__(self, findings):
        self.fingerprints: set[str] = set()
        self._fields: dict[tuple[str, str, str], list[frozenset]] = {}
        for f in findings:
            self.fingerprints.add(f.fingerprint)
            self._fields.setdefault((f.rule, f.target, f.key), []).append(frozenset(f.fields))

    def __contains__(self, finding) -> bool:
        if finding.fingerprint in self.fingerprints:
            return True
        fields = set(finding.fields)
        return bool(fields) and any(fields <= known for known in self._same_kind(finding))

    def holds_part_of(self, finding) -> bool:
        """Whether a known finding is `finding`, or `finding` with fewer fields (what a partial fix leaves)."""
        if finding.fingerprint in self.fingerprints:
            return True
        return any(known and known <= set(finding.fields) for known in self._same_kind(finding))

    def _same_kind(self, finding) -> list[frozenset]:
        return self._fields.get((finding.rule, finding.target, finding.key), [])


def at_least(severity: str, threshold: str) -> bool:
    """Return whether `severity` is `threshold` or worse.

    Examples
    --------
    >>> at_least("critical", "high"), at_least("medium", "high")
    (True, False)
    """
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


def failing(findings: Iterable[Finding], fail_on: str) -> list[Finding]:
    """Return the findings that make ``check`` exit 1: not waived, at or above `fail_on`."""
    return [f for f in findings if not f.waived and at_least(f.severity, fail_on)]


def summary(findings) -> dict[str, int]:
    """Count findings by severity (worst first), waived ones apart."""
    counts = dict.fromkeys(reversed(SEVERITIES), 0)
    counts["waived"] = 0
    for f in findings:
        counts["waived" if f.waived else f.severity] += 1
    return counts
