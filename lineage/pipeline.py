"""The whole pipeline in one call: load, validate, build the lineage graph, run the rules.

Commands that need findings (check, render, diff, report) call :func:`analyse`
so that each stage runs once and in one order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from lineage.findings import Finding, summary
from lineage.load import compose_sources, read_folder
from lineage.model import Model, build_model
from lineage.progress import QUIET, Progress
from lineage.rules.engine import RuleFileErrors, RuleSet, load_rules, reference_errors, run, waiver_error

SETTINGS_FILE = "lineage.yaml"
DEFAULT_RULES = "rules"


@dataclass
class Analysis:
    """A model with its lineage graph, the rules run on it and their findings.

    `findings` are the ones reported; `left_out` holds the findings of this
    run that are not, being already in the ``--diff-base`` or in the
    ``--baseline`` (``--write-baseline`` writes both lists).

    Attributes
    ----------
    preexisting, resolved : int or None
        With ``--diff-base``: findings already in the base (left out), and
        the base's open findings that this run no longer has.
    diff_base : str or None
        With ``--diff-base``: the name of the commit the findings were
        compared with, e.g. ``merge-base of main and HEAD, abc1234``; set by
        :func:`lineage.diff.only_new_findings`.
    base_without_model : str or None
        With ``--diff-base``: the revision read as the base, when it has no
        model files (a new or moved model folder), so that every finding is new.
    baselined : int or None
        With ``--baseline``: how many findings the baseline lists (left
        out); set by :func:`lineage.baseline.apply_baseline`.
    baseline_stale : int
        With ``--baseline``: how many of its entries match no finding.
    """

    model: Model
    lineage: object
    ruleset: RuleSet
    findings: list[Finding]
    preexisting: int | None = None
    resolved: int | None = None
    diff_base: str | None = None
    base_without_model: str | None = None
    baselined: int | None = None
    baseline_stale: int = 0
    left_out: list[Finding] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        """Counts by severity and waived (and preexisting and resolved, with --diff-base)."""
        counts = summary(self.findings)
        if self.preexisting is not None:
            counts["preexisting"] = self.preexisting
        if self.resolved is not None:
            counts["resolved"] = self.resolved
        return counts


def rule_folders(explicit: list[Path] | None) -> list[Path]:
    """Return the user's rule folders: `explicit`, else ``./rules`` when present.

    ``./rules`` is skipped when it is the built-in pack itself (lineage's own
    repository), which is always read first anyway.
    """
    if explicit:
        return list(explicit)
    local = Path(DEFAULT_RULES)
    if not local.is_dir():
        return []
    from importlib import resources

    builtin = Path(str(resources.files("lineage") / "pack")).resolve()
    return [] if local.resolve() == builtin else [local]


def load_ruleset(explicit: list[Path] | None = None) -> RuleSet:
    """Load the built-in pack, the user's rule folders and ``lineage.yaml``."""
    return load_rules(rule_folders(explicit), SETTINGS_FILE)


def analyse(model: Model, ruleset: RuleSet, today: dt.date | None = None, progress: Progress = QUIET) -> Analysis:
    """Build the lineage graph of `model` and run `ruleset` on it."""
    from lineage.graph import build

    progress.step("building the lineage graph")
    lineage = build(model)
    tick = progress.step("running rules", len(ruleset.enabled()))
    return Analysis(model, lineage, ruleset, run(model, lineage, ruleset, today, tick))


def load_inputs(folder: str | Path, rules: list[Path] | None = None,
                progress: Progress = QUIET) -> tuple[Model, RuleSet]:
    """Load and validate the model under `folder` and the rule packs.

    Raises
    ------
    lineage.errors.InputErrors
        With every error of the model and of the rule files together.
    """
    from lineage.errors import InputErrors

    errors, rule_errors = [], []
    model = ruleset = loaded = None
    try:
        ruleset = loaded = load_ruleset(rules)  # first: the model's waivers name its rules
    except RuleFileErrors as exc:
        rule_errors, loaded = exc.errors, exc.loaded  # waivers are not checked against a pack that failed
    try:
        sources = read_folder(folder)
        documents = compose_sources(sources, progress.step(f"reading {len(sources)} model files", len(sources)))
        progress.step("validating")
        model = build_model(documents, check_waiver=ruleset and (lambda waiver: waiver_error(waiver, ruleset)))
    except InputErrors as exc:
        errors.extend(exc.errors)
    errors.extend(rule_errors)
    if model is not None:
        errors.extend(reference_errors(model, loaded))
    if errors:
        raise InputErrors(errors)
    return model, ruleset


def analyse_folder(folder: str | Path, rules: list[Path] | None = None, today: dt.date | None = None,
                   progress: Progress = QUIET) -> Analysis:
    """Load the model under `folder` and the rules (:func:`load_inputs`), then :func:`analyse`."""
    model, ruleset = load_inputs(folder, rules, progress)
    return analyse(model, ruleset, today, progress)


