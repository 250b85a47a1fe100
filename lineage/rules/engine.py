"""The policy engine: load rule packs, run checks, stamp and waive findings.

Packs merge like yamllint's ``extends``: the built-in pack (the top-level
``rules/`` folder, shipped as ``lineage.pack``) first, then each user rule
folder. A rule entry whose id is already known overrides its severity
(replaces) or params (merged per key; a mapping param such as RISK001's
``weights`` merges per key too); a new id names the ``check`` it runs
(``match`` for declarative rules, or a built-in check reused with other
params: it starts as a copy of that rule, as configured so far).
``settings`` (``fail_on``, ``disable``, ``severity``) may stand in any rule
file and in ``lineage.yaml``; they apply once every rule file is read, so
they may name a rule defined in a later file.

Rules are pure: they read a :class:`Context` and yield hits. The engine
stamps id, name, severity (default, then the check's ``severity`` hook,
then overrides), location and fingerprint, and applies waivers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lineage import __version__
from lineage.errors import InputErrors, LineageError, Loc, did_you_mean, read_input
from lineage.findings import SEVERITIES, Finding, fingerprint
from lineage.load import Mapping, Node, Scalar, Sequence, Source, display_path, load_sources, read_folder
from lineage.model import Model
from lineage.model.types import Bool, Context, Enum, Invalid, ListOf, MapOf, Pattern, Text, _text
from lineage.outputs import FILE_SUFFIXES, FORMATS
from lineage.rules import CHECKS, get

RULE_ID = r"[A-Za-z][A-Za-z0-9_.-]*"  # matched whole (re.fullmatch)
_RULE_KEYS = ("id", "name", "check", "severity", "title", "rationale", "params", "disable")
_SETTINGS = {
    "fail_on": Enum(SEVERITIES),
    "disable": ListOf(Pattern(RULE_ID, "a rule id")),
    "severity": MapOf(Enum(SEVERITIES), key=Pattern(RULE_ID, "a rule id")),
    # output defaults of `lineage check`; its command-line options win
    "format": Enum(tuple(FORMATS)),
    "outputs": MapOf(Text(), key=Enum(tuple(FILE_SUFFIXES.values()))),
    # a shared pack or lineage.yaml that needs a newer lineage says so, rather than failing on what it cannot read
    "min_version": Pattern(r"\d+(\.\d+){0,2}", "a version such as '1.2'"),
}


@dataclasses.dataclass
class Rule:
    """One configured rule of the merged pack."""

    id: str
    check: str
    name: str
    severity: str
    title: str
    rationale: str
    params: dict[str, Any]
    loc: Loc
    severity_fixed: bool = False  # set by an override: the check's severity hook is skipped
    enabled: bool = True
    skipped: bool = False  # left out of this run (``check --check/--skip-check``), not disabled

    @property
    def module(self):
        """The check module that runs this rule (imported once, then cached by importlib)."""
        return get(self.check)

    @property
    def severity_varies(self) -> bool:
        """Whether findings take their own severity (by field tier, outside the controller), not the rule's."""
        return not self.severity_fixed and hasattr(self.module, "severity")

    @property
    def doc(self) -> str:
        """The check module's docstring: the rule's documentation."""
        return (self.module.__doc__ or "").strip()


@dataclasses.dataclass
class RuleSet:
    """The merged rule pack and settings."""

    rules: dict[str, Rule]
    fail_on: str = "high"
    format: str | None = None  # default report format of `check`
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)  # format -> file written on every check

    def enabled(self) -> list[Rule]:
        """Return the rules that run, by id: enabled by the settings and not left out of this run."""
        return [r for _, r in sorted(self.rules.items()) if r.enabled and not r.skipped]

    @property
    def selected(self) -> bool:
        """Whether some enabled rules are left out of this run (a partial run)."""
        return any(r.skipped and r.enabled for r in self.rules.values())

    def select(self, only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[str]:
        """Leave out of this run the rules that `only` does not name (when given) and those `skip` names.

        Parameters
        ----------
        only, skip : iterable of str
            Patterns: a rule id or name, or a glob over them (``MIN*``), in any case.

        Returns
        -------
        list of str
            A message for each pattern that names no rule, or (in `only`) only
            rules the settings disable; empty when the selection is good. The
            rules left out are marked ``skipped`` either way.
        """
        import fnmatch

        def named(pattern: str) -> set[str]:
            pattern = pattern.lower()
            return {r.id for r in self.rules.values()
                    if fnmatch.fnmatchcase(r.id.lower(), pattern) or fnmatch.fnmatchcase(r.name.lower(), pattern)}

        only, skip = list(only), list(skip)
        unknown = [f"no rule is named {p!r}{did_you_mean(p, self.rules)}" for p in only + skip if not named(p)]
        unknown += [f"{p!r} names only rules the settings disable ({', '.join(sorted(named(p)))}): "
                    "remove them from `disable` to run them"
                    for p in only if named(p) and not any(self.rules[r].enabled for r in named(p))]
        chosen = set().union(*map(named, only)) if only else set(self.rules)
        chosen -= set().union(*map(named, skip))
        if (only or skip) and not unknown and not any(self.rules[r].enabled for r in chosen):
            unknown.append("this selection leaves no rule to run")
        for rule in self.rules.values():
            rule.skipped = rule.id not in chosen
        return unknown


@dataclasses.dataclass
class RunContext:
    """What rules read: the model, its lineage graph and today's date. Read-only for rules.

    The engine fills `findings`, `waiver_matches` (waiver index -> number
    of findings it matches) and `waiver_partial` (waiver index -> the fields
    of a finding of its rule and target that its fields only partly cover)
    before it runs the checks marked ``AFTER_WAIVERS`` (WAIV001, WAIV002).
    """

    model: Model
    lineage: Any
    today: dt.date
    findings: list[Finding] = dataclasses.field(default_factory=list)
    waiver_matches: dict[int, int] = dataclasses.field(default_factory=dict)
    waiver_partial: dict[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    rules: dict[str, Rule] = dataclasses.field(default_factory=dict)  # by id, disabled and skipped ones too



def builtin_sources() -> list[Source]:
    """Return the files of the built-in pack, from the installed package."""
    from importlib import resources

    pack = resources.files("lineage") / "pack"
    return [Source(f"<builtin>/{p.name}", p.read_bytes())
            for p in sorted(pack.iterdir(), key=lambda p: p.name) if p.name.endswith((".yaml", ".yml"))]


class RuleFileErrors(InputErrors):
    """The errors of the rule files, with the rules that `loaded` all the same.

    Their references to the model can still be checked, so that a typo in
    one rule file does not hide a dangling field id in another.
    """

    def __init__(self, errors: list[LineageError], loaded: RuleSet):
        super().__init__(errors)
        self.loaded = loaded


def load_rules(folders: Iterable[str | Path] = (), settings_file: str | Path | None = None) -> RuleSet:
    """Load the built-in pack, then each folder in `folders`, then `settings_file`.

    Raises
    ------
    RuleFileErrors
        For any error in any rule file: unknown keys, checks or params, bad values.
    """
    errors: list[LineageError] = []
    ruleset = RuleSet(rules={})
    sources = [builtin_sources()]
    for folder in folders:
        path = Path(folder)
        if not path.exists():
            errors.append(LineageError(Loc(display_path(path), 0, 0), "no such rules folder"))
            continue
        try:  # a rules folder with no rule file (as `lineage init` may leave it) adds nothing
            sources.append(read_folder(folder, empty_ok=True))
        except InputErrors as exc:
            errors.extend(exc.errors)
    settings_path = None if settings_file is None else Path(settings_file)
    if settings_path is not None and settings_path.is_file():
        try:
            sources.append([Source(str(settings_file), read_input(settings_file))])
        except OSError as exc:
            errors.append(LineageError(Loc(str(settings_file), 0, 0), f"cannot read: {exc.strerror or exc}"))
    elif settings_path is not None and (settings_path.exists() or settings_path.is_symlink()):
        why = "a link to nothing" if not settings_path.exists() else "not a regular file"
        errors.append(LineageError(Loc(display_path(settings_path), 0, 0), f"cannot read the settings: {why}"))
    settings: list[Node] = []
    for group in sources:
        try:
            documents = load_sources(group)
        except InputErrors as exc:
            errors.extend(exc.errors)
            continue
        for doc in documents:
            if doc.root is not None:
                _apply_file(ruleset, doc.root, errors, settings, builtin=doc.path.startswith("<builtin>"),
                            settings_file=settings_file is not None and doc.path == str(settings_file))
    for node in settings:  # once every rule is known: a setting may name a rule of a later file
        _apply_settings(ruleset, node, errors)
    if errors:
        raise RuleFileErrors(errors, ruleset)
    return ruleset


def _apply_file(ruleset: RuleSet, root: Node, errors: list[LineageError], settings: list[Node],
                builtin: bool, settings_file: bool = False) -> None:
    """Apply the rules of one file; gather its settings (`settings_file`: also its top-level ones)."""
    if not isinstance(root, Mapping):
        errors.append(LineageError(root.loc, "a rule file must be a mapping with 'settings' and/or 'rules'"))
        return
    for key, value in root.items:
        if key.text == "settings":
            settings.append(value)
        elif key.text == "rules":
            if not isinstance(value, Sequence):
                if not (isinstance(value, Scalar) and value.kind == "null"):
                    errors.append(LineageError(value.loc, "'rules' must be a list of rules"))
                continue
            first_seen: dict[str, Loc] = {}
            for node in value.items:
                id_node = node.get("id") if isinstance(node, Mapping) else None
                if isinstance(id_node, Scalar) and id_node.text in first_seen:
                    # within one file a second entry is a slip, not an override (those come from later folders)
                    errors.append(LineageError(id_node.loc, f"duplicate rule id {id_node.text!r} "
                                                            f"(first declared at {first_seen[id_node.text]})"))
                    continue
                if isinstance(id_node, Scalar):
                    first_seen[id_node.text] = id_node.loc
                _apply_rule(ruleset, node, errors, builtin)
        elif key.text in _SETTINGS and settings_file:  # lineage.yaml is all settings: `fail_on: high` will do
            settings.append(Mapping([(key, value)], key.loc, {key.text: 0}))
        elif key.text in _SETTINGS:
            errors.append(LineageError(key.loc, f"'{key.text}' is a setting: write it under 'settings:'"))
        else:
            errors.append(LineageError(key.loc, f"unknown key {key.text!r}"
                                                f"{did_you_mean(key.text, ['settings', 'rules'])}"))


def _apply_settings(ruleset: RuleSet, node: Node, errors: list[LineageError]) -> None:
    if not isinstance(node, Mapping):
        errors.append(LineageError(node.loc, "'settings' must be a mapping"))
        return
    ctx = Context(ids={}, errors=errors)
    for key, value in node.items:
        kind = _SETTINGS.get(key.text)
        if kind is None:
            errors.append(LineageError(key.loc, f"unknown setting {key.text!r}{did_you_mean(key.text, _SETTINGS)}"))
            continue
        try:
            converted = kind.convert(value, ctx)
        except Invalid as exc:
            errors.append(exc.error)
            continue
        if key.text in ("fail_on", "format"):
            setattr(ruleset, key.text, converted)
        elif key.text == "outputs":
            ruleset.outputs.update(converted)
        elif key.text == "disable":
            for rule_id, item in zip(converted, value.items, strict=False):
                if _known(ruleset, rule_id, item.loc, errors):
                    ruleset.rules[rule_id].enabled = False
        elif key.text == "severity":
            for rule_id, severity in converted.items():
                if _known(ruleset, rule_id, value.key_loc(rule_id), errors):
                    _set_severity(ruleset.rules[rule_id], severity, fixed=True)
        elif key.text == "min_version" and _release(__version__) < _release(converted):
            errors.append(LineageError(value.loc, f"these settings need lineage {converted} or later, "
                                                  f"and this is {__version__}: upgrade lineage"))


def _release(version: str) -> tuple[int, ...]:
    """Return a version's numbers, for comparing: ``1.10`` is after ``1.9``.

    Examples
    --------
    >>> _release("1.10") > _release("1.9"), _release("1.0.0") == _release("1"), _release("2.0.0.dev1")
    (True, True, (2, 0, 0))
    """
    numbers = [int(part) for part in re.findall(r"\d+", version)[:3]]
    return tuple(numbers + [0] * (3 - len(numbers)))


def _set_severity(rule: Rule, severity: str, fixed: bool) -> None:
    """Override a rule's severity; `fixed` turns off its check's severity hook (tiers, outside the controller).

    Restating the severity a rule already has changes nothing: a copy of the
    built-in pack must not flatten MIN001's tiers or RISK001's critical.
    """
    if severity != rule.severity:
        rule.severity = severity
        rule.severity_fixed = fixed


def _known(ruleset: RuleSet, rule_id: str, loc: Loc, errors: list[LineageError]) -> bool:
    if rule_id in ruleset.rules:
        return True
    errors.append(LineageError(loc, f"unknown rule '{rule_id}'{did_you_mean(rule_id, ruleset.rules)}"))
    return False


def _apply_rule(ruleset: RuleSet, node: Node, errors: list[LineageError], builtin: bool) -> None:
    if not isinstance(node, Mapping):
        errors.append(LineageError(node.loc, "a rule must be a mapping with at least 'id'"))
        return
    ctx = Context(ids={}, errors=errors)
    id_node = node.get("id")
    if id_node is None:
        errors.append(LineageError(node.loc, "missing required key 'id'"))
        return
    try:
        rule_id = Pattern(RULE_ID, "a rule id (letters, digits, '_', '.', '-')").convert(id_node, ctx)
    except Invalid as exc:
        errors.append(exc.error)
        return
    existing = ruleset.rules.get(rule_id)
    check_node = node.get("check")
    try:
        check = None if check_node is None else _text(check_node, "a check name")
    except Invalid as exc:  # `check:` left empty, or a list or mapping
        errors.append(exc.error)
        return
    if existing is None:
        check = rule_id if check is None else check
        if check not in CHECKS:
            where = check_node.loc if check_node is not None else id_node.loc
            hint = did_you_mean(check, CHECKS)
            errors.append(LineageError(where, f"no check named {check!r}{hint}; a new rule needs "
                                              "'check: match' or the id of a built-in check"))
            return
        template = ruleset.rules.get(check)
        if template is not None and template.check == check:
            # a built-in check under a new id: a copy of its rule (name, severity, title,
            # params ...) that this entry then overrides, as an override of the built-in would
            rule = dataclasses.replace(template, id=rule_id, params=dict(template.params), loc=node.loc,
                                       enabled=True)
        else:
            rule = Rule(rule_id, check, name=rule_id.lower(), severity="medium", title=rule_id,
                        rationale="", params={}, loc=node.loc)
    else:
        if check is not None and check != existing.check:
            errors.append(LineageError(check_node.loc, f"rule '{rule_id}' already runs check "
                                                       f"'{existing.check}'; give a new id to run another"))
            return
        rule = existing
    module = rule.module
    param_types = module.PARAMS
    top_params = getattr(module, "TOP_LEVEL_PARAMS", ())
    params: dict[str, Any] = {}
    for key, value in node.items:
        name = key.text
        if name in ("id", "check"):
            continue
        try:
            if name == "severity":
                _set_severity(rule, Enum(SEVERITIES).convert(value, ctx), fixed=not builtin)
            elif name in ("name", "title", "rationale"):
                setattr(rule, name, Text().convert(value, ctx))
            elif name == "disable":
                rule.enabled = not Bool().convert(value, ctx)
            elif name == "params":
                params.update(_params(rule, module, value, ctx))
            elif name in top_params:
                params[name] = _param(param_types[name], value, ctx)
            else:
                allowed = [*_RULE_KEYS, *top_params]
                errors.append(LineageError(key.loc, f"unknown key {name!r} in rule '{rule_id}'"
                                                    f"{did_you_mean(name, allowed)}"))
        except Invalid as exc:
            errors.append(exc.error)
        except _Reported:
            pass
    rule.params = _merge(rule.params, params)
    missing = [p for p in getattr(module, "REQUIRED", ()) if p not in rule.params]
    errors.extend(LineageError(node.loc, f"rule '{rule_id}' needs '{p}'") for p in missing)
    validate = getattr(module, "validate", None)
    if validate is not None and not missing:
        for where, message in validate(rule.params):
            errors.append(LineageError(_locate(node, where), f"rule '{rule_id}': {message}"))
    ruleset.rules[rule_id] = rule


def waiver_error(waiver, ruleset: RuleSet) -> LineageError | None:
    """Report a waiver naming a rule that the merged pack does not define (a dangling reference)."""
    if waiver.rule in ruleset.rules:
        return None
    by_name = {r.name: r.id for r in ruleset.rules.values()}
    if waiver.rule.lower() in by_name:
        hint = f" (a waiver names the rule by id: {by_name[waiver.rule.lower()]!r})"
    else:
        hint = did_you_mean(waiver.rule, ruleset.rules)
    return LineageError(waiver.at("rule"), f"waiver of unknown rule {waiver.rule!r}{hint}")


def waiver_errors(model: Model, ruleset: RuleSet) -> list[LineageError]:
    """Report each waiver of `model` naming a rule that the merged pack does not define."""
    return [e for e in (waiver_error(w, ruleset) for w in model.waivers) if e is not None]


def reference_errors(model: Model, ruleset: RuleSet) -> list[LineageError]:
    """Report each category pattern or field id in a rule's params that the model does not define.

    A typo (``immigraton.*``, ``nationalty``) would otherwise leave the rule
    silently matching nothing. References are
    :class:`lineage.rules.common.ModelRef`, found wherever they sit in the
    params (lists, mappings, entities).
    """
    from lineage.rules.common import CategoryRef, FieldRef, ModelRef, category_matches

    categories, fields = sorted(model.category_info), sorted(model.fields)
    errors = []
    for rule in ruleset.rules.values():
        for ref in _refs(rule.params, ModelRef):
            if isinstance(ref, CategoryRef):
                if not any(category_matches(c, [ref]) for c in categories):
                    errors.append(LineageError(
                        ref.loc, f"rule '{rule.id}': no category matches {str(ref)!r}{did_you_mean(ref, categories)}"))
            elif isinstance(ref, FieldRef) and ref not in model.fields:
                errors.append(LineageError(
                    ref.loc, f"rule '{rule.id}': no field {str(ref)!r} in the model{did_you_mean(ref, fields)}"))
    return errors


def _refs(value, kind) -> Iterable:
    """Yield the instances of `kind` anywhere inside params: lists, tuples, mappings, dataclasses."""
    if isinstance(value, kind):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item, kind)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _refs(item, kind)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _refs(getattr(value, f.name), kind)


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Merge params per key; a mapping value (RISK001 ``weights``) merges per key too.

    Examples
    --------
    >>> _merge({"threshold": 4.5, "weights": {"a": 1, "b": 2}}, {"weights": {"b": 3}})
    {'threshold': 4.5, 'weights': {'a': 1, 'b': 3}}
    """
    out = dict(old)
    for key, value in new.items():
        before = out.get(key)
        out[key] = {**before, **value} if isinstance(before, dict) and isinstance(value, dict) else value
    return out


def _locate(node: Node, path: tuple[str | int, ...]) -> Loc:
    """Where the key (or list item, by index) at `path` from a rule entry or its ``params`` is written.

    Where the file does not write it (the params come from an earlier pack), the nearest that it does.
    """
    loc = node.loc
    for key in path:
        if isinstance(key, int):
            if not isinstance(node, Sequence) or key >= len(node.items):
                break
            node = node.items[key]
            loc = node.loc
            continue
        if not isinstance(node, Mapping):
            break
        if node.get(key) is None and isinstance(node.get("params"), Mapping):
            node = node.get("params")
        if node.get(key) is None:
            break
        loc, node = node.key_loc(key), node.get(key)
    return loc


def _params(rule: Rule, module, node: Node, ctx) -> dict[str, Any]:
    if not isinstance(node, Mapping):
        raise Invalid(node.loc, "'params' must be a mapping")
    out = {}
    for key, value in node.items:
        kind = module.PARAMS.get(key.text)
        if kind is None:
            known = sorted(module.PARAMS)
            ctx.errors.append(LineageError(key.loc, f"unknown param {key.text!r} for rule '{rule.id}'"
                                                    f"{did_you_mean(key.text, known)}"
                                                    + ("" if known else " (it takes none)")))
            continue
        try:
            out[key.text] = _param(kind, value, ctx)
        except Invalid as exc:
            ctx.errors.append(exc.error)
        except _Reported:
            pass
    return out


class _Reported(Exception):
    """A param whose errors are already in the list: skip it without another error."""


def _param(kind, value: Node, ctx):
    before = len(ctx.errors)
    converted = kind.convert(value, ctx)
    if len(ctx.errors) > before:
        raise _Reported
    return converted


def run(model: Model, lineage, ruleset: RuleSet, today: dt.date | None = None, tick=None) -> list[Finding]:
    """Run every enabled rule and return the findings, waivers applied, sorted.

    Parameters
    ----------
    model : Model
    lineage : lineage.graph.Lineage
        Built from `model` by :func:`lineage.graph.build`.
    ruleset : RuleSet
        From :func:`load_rules`.
    today : datetime.date, optional
        The date waivers are judged at; defaults to today.
    tick : callable, optional
        Called after each rule (progress display).

    Returns
    -------
    list[Finding]
        Sorted by file, line, column, rule, target and fields; one per fingerprint.
    """
    ctx = RunContext(model, lineage, today or dt.date.today(), rules=ruleset.rules)
    rules = ruleset.enabled()
    late = [rule for rule in rules if getattr(rule.module, "AFTER_WAIVERS", False)]
    findings: list[Finding] = []
    for rule in rules:
        if rule not in late:
            findings.extend(_findings(rule, ctx))
            if tick:
                tick()
    findings = _apply_waivers(findings, ctx)
    ctx.findings = findings
    for rule in late:
        findings.extend(_findings(rule, ctx))
        if tick:
            tick()
    return _unique(sorted(findings, key=lambda f: f.sort_key))


def _unique(findings: list[Finding]) -> list[Finding]:
    """Keep the first finding of each fingerprint: a rule that yields one twice reports it once."""
    seen: set[str] = set()
    unique = []
    for finding in findings:
        if finding.fingerprint not in seen:
            seen.add(finding.fingerprint)
            unique.append(finding)
    return unique


def _findings(rule: Rule, ctx: RunContext) -> Iterator[Finding]:
    """Run one rule and stamp each of its hits: severity, location, sorted fields, fingerprint."""
    module = rule.module
    severity_of = module.severity if rule.severity_varies else None
    for hit in module.check(ctx, rule.params):
        fields = tuple(sorted(hit.fields))
        identity = fields if hit.identity is None else hit.identity
        yield Finding(
            rule.id, rule.name, severity_of(hit, ctx, rule.params) if severity_of else rule.severity,
            hit.target, fields, hit.message.replace("{rule}", rule.id) if rule.check == "match" else hit.message,
            hit.loc or ctx.model.entity(hit.target).loc, fingerprint(rule.id, hit.target, identity, hit.key),
            key=hit.key, about=hit.about)


def _apply_waivers(findings: list[Finding], ctx: RunContext) -> list[Finding]:
    """Mark findings matched by an unexpired waiver; count each waiver's matches."""
    by_key: dict[tuple[str, str], list] = {}  # (rule, target) -> [(index, waiver, its fields)], in file order
    for index, waiver in enumerate(ctx.model.waivers):
        by_key.setdefault((waiver.rule, waiver.target), []).append((index, waiver, frozenset(waiver.fields)))
    out = []
    for finding in findings:
        matched = None
        for index, waiver, fields in by_key.get((finding.rule, finding.target), ()):
            if not fields or (finding.fields and fields.issuperset(finding.fields)):
                ctx.waiver_matches[index] = ctx.waiver_matches.get(index, 0) + 1
                if waiver.expires >= ctx.today and matched is None:
                    matched = waiver
            elif fields.intersection(finding.fields):
                ctx.waiver_partial.setdefault(index, finding.fields)
        if matched is not None:
            finding = dataclasses.replace(finding, waived=True, waiver=matched)
        out.append(finding)
    return out
