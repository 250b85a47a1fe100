"""Compare two versions of a model: what changed, what each system now holds, which findings are new.

Two entry points serve the CLI:

* :func:`only_new_findings` (``lineage check --diff-base REF``) analyses the
  model at a git revision with the same rule set and keeps only the findings
  that revision does not have.
* :func:`compare` (``lineage diff BASE [HEAD]``) analyses two git revisions,
  a revision and the working tree, or two folders, and returns a
  :class:`ModelDiff`, which :func:`render` writes as text, JSON or Markdown.

Git revisions are read without touching the working tree or the index:
``git rev-parse`` resolves the revision, ``git ls-tree`` lists the model
files at it and one ``git cat-file --batch`` process reads all their bytes.
Files read from a revision are shown as ``REF:path`` (the path from the
repository's top, as ``git show REF:path`` takes it), so invalid input in a
revision is reported as ``REF:flows/flows.yaml:3:7: error: ...``.

A finding is identified by its fingerprint (rule, target, fields), so moving
or reformatting YAML never makes a finding "new". A finding that the base
has waived and the head has open counts as new: the change removed its
waiver; one the base has open and the head waived is listed (as waived):
the change added its waiver.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lineage.errors import InputErrors, LineageError, Loc
from lineage.findings import SEVERITY_RANK, KnownFindings, summary
from lineage.load import Source, display_path, read_folder

MODEL_SUFFIXES = (".yaml", ".yml")
WORKING_TREE = "working tree"
#: Entity sections compared, in the order outputs show them.
SECTIONS = ("organizations", "systems", "flows", "purposes", "fields", "subjects", "categories", "waivers")
STATUSES = ("added", "removed", "changed")
#: GitHub refuses comments longer than this.
MARKDOWN_LIMIT = 65_536
MARKER = "<!-- lineage-diff -->"


# --------------------------------------------------------------------------------------------
# Reading a git revision


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run one read-only git command (list arguments, never a shell)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        return subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, input=stdin,
                              capture_output=True, env=env, check=False)
    except FileNotFoundError:
        raise InputErrors([LineageError(Loc("git", 0, 0), "git is not installed or not on PATH; "
                                        "to compare two model folders, give both: lineage diff OLD NEW")]) from None


def _stderr(result: subprocess.CompletedProcess) -> str:
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return f" ({text[-1]})" if text else ""


def toplevel(cwd: Path) -> Path:
    """Return the top folder of the git work tree that holds `cwd`.

    Raises
    ------
    InputErrors
        When `cwd` is not inside a git work tree.
    """
    result = _git(["rev-parse", "--show-toplevel"], cwd)
    if result.returncode or not result.stdout.strip():
        raise InputErrors([LineageError(Loc(str(cwd.resolve()), 0, 0),
                                        "not inside a git work tree; to compare two model folders, "
                                        "give both: lineage diff OLD NEW" + _stderr(result))])
    return Path(os.fsdecode(result.stdout.rstrip(b"\r\n")))


def resolve_revision(ref: str, cwd: Path) -> str:
    """Return the commit id that `ref` names.

    Raises
    ------
    InputErrors
        When `ref` names no commit (unknown branch, tag or id, or history not fetched).
    """
    commit = _commit_of(ref, cwd)
    if commit is None:
        hint = ("; it is a folder: to compare two folders, give both as BASE and HEAD"
                if ref and Path(cwd, ref).is_dir() else "")
        raise InputErrors([LineageError(
            Loc(ref or "''", 0, 0),
            f"'{ref}' is not a git revision (no such branch, tag or commit{hint}); in CI, fetch the "
            f"history first (actions/checkout with fetch-depth: 0)")])
    return commit


def _commit_of(ref: str, cwd: Path) -> str | None:
    """Return the commit id that `ref` names, or None (never an option: ``-x`` names nothing)."""
    if not ref or ref.startswith("-"):
        return None
    result = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    return None if result.returncode else result.stdout.decode().strip()


def _repo_relative(model: Path, top: Path) -> str:
    """`model` (absolute, or relative to the current folder) as a path from the repository's top."""
    absolute = Path(os.path.realpath(model))
    try:
        rel = absolute.relative_to(os.path.realpath(top))
    except ValueError:
        raise InputErrors([LineageError(Loc(display_path(model), 0, 0),
                                        f"the model folder is outside the git repository {top}")]) from None
    text = rel.as_posix()
    return "" if text == "." else text


def merge_base(ref: str, cwd: Path) -> tuple[str, str]:
    """Return the revision ``check --diff-base REF`` compares with, and how to name it.

    A branch is judged against the commit it forked from, ``git merge-base
    REF HEAD``, so that what REF gained (or fixed) since then is not blamed
    on it. Returns the revision to read (`ref` itself when the fork point is
    REF's commit, else the fork point's short id) and a label such as
    ``merge-base of main and HEAD, abc1234``; without a common ancestor (or
    without a HEAD commit), `ref` and ``main (no common ancestor with HEAD)``.

    Raises
    ------
    InputErrors
        When `cwd` is not in a git work tree or `ref` names no commit.
    """
    toplevel(cwd)
    commit = resolve_revision(ref, cwd)
    found = _git(["merge-base", commit, "HEAD"], cwd)
    if found.returncode or not found.stdout.strip():
        return ref, f"{ref} (no common ancestor with HEAD)"
    fork = found.stdout.decode().strip()
    short = _git(["rev-parse", "--short", fork], cwd).stdout.decode().strip() or fork
    return (ref if fork == commit else short), f"merge-base of {ref} and HEAD, {short}"


def read_revision(ref: str, model: str | Path, cwd: str | Path | None = None) -> list[Source]:
    """Return the model files under `model` at git revision `ref`, without touching the work tree.

    Parameters
    ----------
    ref : str
        A git revision: branch, tag, commit id, ``HEAD~1``, ``origin/main`` ...
    model : str or Path
        The model folder (or file), relative to `cwd` as the user typed it.
    cwd : str or Path, optional
        The folder git runs from; defaults to the current folder.

    Returns
    -------
    list[Source]
        Every ``*.yaml``/``*.yml`` file under `model` at `ref` (hidden ones
        skipped, sorted by path, as :func:`lineage.load.read_folder` does),
        shown as ``REF:path``; empty when `ref` has no model there.

    Raises
    ------
    InputErrors
        When git is missing, `cwd` is not in a git work tree, `ref` names no
        commit or `model` lies outside the repository.
    """
    cwd = Path.cwd() if cwd is None else Path(cwd)
    top = toplevel(cwd)
    commit = resolve_revision(ref, cwd)
    prefix = _repo_relative(cwd / model, top)
    listing = _git(["ls-tree", "-r", "-z", "--full-name", commit, "--", *([prefix] if prefix else [])], top)
    if listing.returncode:
        raise InputErrors([LineageError(Loc(f"{ref}:{prefix}", 0, 0), "git ls-tree failed" + _stderr(listing))])
    wanted: list[tuple[str, str, str]] = []  # (path inside the model folder, repository path, object id)
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        path = os.fsdecode(raw_path)
        if kind != "blob" or mode == "120000":  # submodules and symbolic links are not model files
            continue
        if prefix and path != prefix and not path.startswith(prefix + "/"):
            continue
        inner = path[len(prefix) + 1:] if prefix and path != prefix else path
        if path != prefix and (PurePosixPath(inner).suffix not in MODEL_SUFFIXES
                               or any(part.startswith(".") for part in PurePosixPath(inner).parts)):
            continue
        wanted.append((inner, path, oid))
    wanted.sort()
    if not wanted:
        return []
    blobs = _cat_blobs([oid for _, _, oid in wanted], top)
    return [Source(f"{ref}:{path}", blobs[oid]) for _, path, oid in wanted]


def _cat_blobs(oids: list[str], top: Path) -> dict[str, bytes]:
    """Read blobs with one ``git cat-file --batch`` process."""
    result = _git(["cat-file", "--batch"], top, stdin="".join(f"{oid}\n" for oid in oids).encode())
    if result.returncode:
        raise InputErrors([LineageError(Loc("git", 0, 0), "git cat-file failed" + _stderr(result))])
    out, pos, data = {}, 0, result.stdout
    for oid in oids:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode().split()
        if len(header) != 3:
            raise InputErrors([LineageError(Loc("git", 0, 0), f"git cat-file: cannot read object {oid}")])
        size = int(header[2])
        out[oid] = data[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return out


# --------------------------------------------------------------------------------------------
# Analysing both sides


def analyse_sources(sources: list[Source], ruleset, today: dt.date | None = None):
    """Validate a model read from `sources` and analyse it with `ruleset`.

    An empty list gives an empty model (the revision before the model existed).
    """
    from lineage.model import load_model_sources
    from lineage.pipeline import analyse

    return analyse(load_model_sources(sources), ruleset, today)


def _is_new(finding, others: dict) -> bool:
    """Whether `others` (fingerprint -> finding) lacks `finding`, or has it waived while it is open."""
    other = others.get(finding.fingerprint)
    return other is None or (other.waived and not finding.waived)


def _in_its_repository(model: Path) -> tuple[Path, str | Path]:
    """Return the folder git runs from for `model` (in the repository that holds it), and `model` from there."""
    folder = model if model.is_dir() else model.parent
    if not folder.is_dir():  # gone from the working tree: the current folder's repository decides
        return Path.cwd(), model
    return folder, "." if model.is_dir() else model.name


def only_new_findings(analysis, ref: str, model_path, today: dt.date | None = None):
    """Keep in `analysis` only the findings that the merge-base of git revision `ref` and HEAD does not have.

    The base is where the branch forked from `ref` (:func:`merge_base`; `ref`
    itself when they share no history), and ``analysis.diff_base`` names
    it. The model there is analysed with the rule set of `analysis` (the one
    read from the working tree and ``--rules``), so a change to the rules alone
    never makes findings new. ``analysis.preexisting`` is set to the number
    of findings dropped, and they are kept in ``analysis.left_out``.

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
        The analysis of the working tree; changed in place and returned.
    ref : str
        The git revision to compare with (``origin/main``, a commit id ...).
    model_path : str or Path
        The model folder, relative to the current folder.
    today : datetime.date, optional
        The date waivers are judged at, the same for both sides.

    Returns
    -------
    lineage.pipeline.Analysis

    Raises
    ------
    InputErrors
        When `ref` is not a revision, or the model at `ref` is invalid
        (errors shown as ``REF:path:line:col``).
    """
    cwd, model = _in_its_repository(Path(model_path))
    revision, analysis.diff_base = merge_base(ref, cwd)
    sources = read_revision(revision, model, cwd=cwd)
    if not sources:  # a new or renamed model folder: say why everything is new
        analysis.base_without_model = revision
    base = analyse_sources(sources, analysis.ruleset, today)
    # a finding is new unless the base has it (or with more fields) open, or, when it is waived, waived: a
    # waiver the change removed makes its finding new, one the change added is listed, as waived
    known_as = {waived: KnownFindings(f for f in base.findings if f.waived == waived) for waived in (False, True)}
    keep, known = [], []
    for f in analysis.findings:
        (known if f in known_as[f.waived] else keep).append(f)
    analysis.preexisting = len(known)
    now = KnownFindings(analysis.findings)
    analysis.resolved = sum(1 for f in base.findings if not f.waived and not now.holds_part_of(f))
    analysis.findings = keep
    analysis.left_out += known
    return analysis


def compare(base: str, head: str | None = None, model: str | Path | None = None, rules=None,
            today: dt.date | None = None, progress=None) -> ModelDiff:
    """Analyse two versions of a model and diff them.

    Parameters
    ----------
    base, head : str
        Git revisions, or two existing folders. `head` defaults to the
        working tree (the model folder on disk).
    model : str or Path, optional
        With revisions, the model folder relative to the current folder
        (default ``flows``). With two folders, a sub-folder of each to read
        (default: each folder is the model).
    rules : list of Path, optional
        Rule folders; one rule set serves both sides.
    today : datetime.date, optional
        The date waivers are judged at.
    progress : lineage.progress.Progress, optional
        Told of each stage (a bar on a terminal).

    Raises
    ------
    InputErrors
        With every error of both sides and of the rule files.
    """
    from lineage.model import load_model_sources
    from lineage.pipeline import analyse, load_ruleset
    from lineage.progress import QUIET

    progress = progress or QUIET
    from lineage.rules.engine import waiver_errors

    errors: list[LineageError] = _missing_folders(base, head)
    if errors:
        raise InputErrors(errors)
    if head is not None and Path(base).is_dir() and Path(head).is_dir():
        labels = (display_path(Path(base)), display_path(Path(head)))
        readers = [lambda p=p: read_folder(Path(p) / model if model else Path(p)) for p in (base, head)]
    else:
        model = Path(model or "flows")
        labels = (base, head or WORKING_TREE)
        readers = [lambda: read_revision(base, model),
                   (lambda: read_revision(head, model)) if head else (lambda: read_folder(model))]
    ruleset = _collecting(errors, lambda: load_ruleset(rules))
    sides = [_collecting(errors, read) for read in readers]
    if not errors and not sides[0] and not sides[1]:  # only revisions can be empty
        errors.append(LineageError(Loc(display_path(Path(model or ".")), 0, 0),
                                   f"no model files (*.yaml, *.yml) here at {labels[0]} or at {labels[1]}"))
    progress.step(f"reading {labels[0]} and {labels[1]}")
    models = [_collecting(errors, lambda s=s: load_model_sources(s)) if s is not None else None for s in sides]
    if ruleset is not None:
        errors += [e for m in models if m is not None for e in waiver_errors(m, ruleset)]
    if errors:
        raise InputErrors(errors)
    before, after = (analyse(m, ruleset, today, progress) for m in models)
    progress.step("comparing")
    return diff_models(before, after, *labels)


def _missing_folders(base: str, head: str | None) -> list[LineageError]:
    """Return an error for each of BASE and HEAD meant as a folder that does not exist.

    An argument that is no folder is meant as one when it names no commit
    and it has a slash, or the other argument is a folder, or there is no git
    work tree to read revisions from; so ``lineage diff flows flows-new``
    with a typo says that the folder does not exist.
    """
    if head is None:
        return []
    out = []
    for arg, other in ((base, head), (head, base)):
        if Path(arg).is_dir():
            continue
        commit = _names_a_commit(arg)
        if commit is None or (not commit and ("/" in arg or os.sep in arg or Path(other).is_dir())):
            out.append(LineageError(Loc(display_path(Path(arg)), 0, 0),
                                    "no such folder" + ("" if commit is None else ", nor a git revision")))
    return out


def _names_a_commit(ref: str) -> bool | None:
    """Whether `ref` names a commit in the current folder's repository; None outside a git work tree."""
    try:
        toplevel(Path.cwd())
    except InputErrors:  # git missing, or no work tree here
        return None
    return _commit_of(ref, Path.cwd()) is not None


def _collecting(errors: list[LineageError], step):
    """Return what `step()` returns, or None after adding its input errors to `errors`."""
    try:
        return step()
    except InputErrors as exc:
        errors.extend(exc.errors)
        return None


# --------------------------------------------------------------------------------------------
# The diff


@dataclass(frozen=True)
class Change:
    """One attribute of an entity that differs: its YAML key and both values (JSON-ready)."""

    key: str
    before: object
    after: object


@dataclass(frozen=True)
class EntityDiff:
    """An organization, system, flow ... that was added, removed or changed.

    `attributes` holds every attribute of an added entity (after) or a removed
    one (before); `changes` lists the attributes of a changed one that differ.
    """

    kind: str
    id: str
    status: str
    changes: tuple[Change, ...] = ()
    attributes: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class FieldDelta:
    """Fields gained, lost and held in another form, by a flow (carried) or a system (held)."""

    owner: str
    added: dict[str, str]
    removed: dict[str, str]
    changed: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class ScoreChange:
    """A system's RISK001 exposure score in base and head (None where the system does not exist)."""

    system: str
    base: float | None
    head: float | None
    threshold: float

    @property
    def crossing(self) -> str:
        """``"now at or above"``, ``"now below"`` (the threshold) or ``""``."""
        above = [s is not None and s >= self.threshold for s in (self.base, self.head)]
        return "" if above[0] == above[1] else "now at or above" if above[1] else "now below"


@dataclass
class ModelDiff:
    """What differs between two analysed models; see :func:`diff_models`."""

    base_label: str
    head_label: str
    entities: dict[str, list[EntityDiff]]
    flow_fields: list[FieldDelta]
    holdings: list[FieldDelta]
    new_findings: list
    resolved_findings: list
    exposure: list[ScoreChange]
    threshold: float | None = None
    base: object = field(default=None, repr=False, compare=False)
    head: object = field(default=None, repr=False, compare=False)

    def counterpart(self, finding, new: bool):
        """Return the first finding of the other side (resolved for a `new` one) with its rule and target."""
        index = self._resolved_by_target if new else self._new_by_target
        return index.get((finding.rule, finding.target))

    @functools.cached_property
    def _resolved_by_target(self) -> dict:
        return _first_by_target(self.resolved_findings)

    @functools.cached_property
    def _new_by_target(self) -> dict:
        return _first_by_target(self.new_findings)

    def of(self, section: str, status: str | None = None) -> list[EntityDiff]:
        """Return the entity changes of `section` (e.g. ``"flows"``), optionally of one status."""
        return [e for e in self.entities.get(section, []) if status is None or e.status == status]

    def status(self, kind: str, ident: str) -> str | None:
        """Return ``added``, ``removed``, ``changed`` or None for one organization, system or flow."""
        for e in self.entities.get(kind + "s", []):
            if e.id == ident:
                return e.status
        return None

    @property
    def empty(self) -> bool:
        """Whether nothing at all differs."""
        return not (any(self.entities.values()) or self.holdings or self.new_findings
                    or self.resolved_findings or self.exposure)

    def counts(self) -> dict:
        """Numbers of changes by kind, for summaries."""
        out = {s: {st: len(self.of(s, st)) for st in STATUSES} for s in SECTIONS}
        out["holdings"] = len(self.holdings)
        out["new_findings"] = len(self.new_findings)
        out["resolved_findings"] = len(self.resolved_findings)
        out["exposure"] = len(self.exposure)
        return out


def diff_models(base, head, base_label: str = "base", head_label: str = "head") -> ModelDiff:
    """Compare two analyses (:class:`lineage.pipeline.Analysis`).

    Parameters
    ----------
    base, head : Analysis
        The two sides, each analysed with its rule set.
    base_label, head_label : str
        How outputs name the sides (a revision, ``working tree``, a folder).

    Returns
    -------
    ModelDiff
        Entities added, removed and changed, section by section (every id
        section, plus waivers keyed by rule, target and fields); fields
        added to, dropped from or re-formed on each flow present on both
        sides; per system, what it holds now and did not, no longer holds,
        or holds in another form (:func:`lineage.graph.holdings` of both
        sides); findings new in head and resolved from base (by
        fingerprint); RISK001 exposure scores that differ.

    Notes
    -----
    Attribute values are compared as written, with lists compared as sets
    (reordering a list is not a change). Holdings are the graph's: a system
    holds what it collects, receives on its inbound flows or derives, so a
    field added to a flow shows at its receiver, and at every system further
    down whose flows pass it on.
    """
    from lineage.graph import holdings

    entities = {s: _entity_diffs(s, _section(base.model, s), _section(head.model, s)) for s in SECTIONS}

    flow_fields = []
    for fid in sorted(base.model.flows.keys() & head.model.flows.keys()):
        delta = _delta(fid, _carried(base.model.flows[fid]), _carried(head.model.flows[fid]))
        if delta:
            flow_fields.append(delta)

    held = []
    for sid in sorted(base.model.systems.keys() | head.model.systems.keys()):
        before = holdings(base.lineage, sid) if sid in base.model.systems else {}
        after = holdings(head.lineage, sid) if sid in head.model.systems else {}
        delta = _delta(sid, before, after)
        if delta:
            held.append(delta)

    base_idx = {f.fingerprint: f for f in base.findings}
    head_idx = {f.fingerprint: f for f in head.findings}
    new = sorted((f for f in head.findings if _is_new(f, base_idx)), key=lambda f: f.sort_key)
    resolved = sorted((b if head_idx.get(b.fingerprint) is None else head_idx[b.fingerprint]
                       for b in base.findings if _is_new(b, head_idx)), key=lambda f: f.sort_key)

    base_scores, _ = _scores(base)
    head_scores, threshold = _scores(head)
    exposure = []
    if threshold is not None:
        for sid in sorted(base_scores.keys() | head_scores.keys()):
            b, h = base_scores.get(sid), head_scores.get(sid)
            if b != h and (b or h):
                exposure.append(ScoreChange(sid, b, h, threshold))
    return ModelDiff(base_label, head_label, entities, flow_fields, held, new, resolved, exposure,
                     threshold, base, head)


def _section(model, section: str) -> dict:
    if section != "waivers":
        return getattr(model, section)
    out = {}
    for w in model.waivers:
        key = f"{w.rule} {w.target}" + (f" [{', '.join(sorted(w.fields))}]" if w.fields else "")
        n, unique = 1, key
        while unique in out:
            n += 1
            unique = f"{key} #{n}"
        out[unique] = w
    return out


def _entity_diffs(section: str, before: dict, after: dict) -> list[EntityDiff]:
    from lineage.model import singular
    from lineage.model.types import attributes, plain

    kind = singular(section)
    out = []
    for key in sorted(before.keys() | after.keys()):
        b, a = before.get(key), after.get(key)
        if b is None:
            out.append(EntityDiff(kind, key, "added", attributes=plain(a, sort_lists=True)))
        elif a is None:
            out.append(EntityDiff(kind, key, "removed", attributes=plain(b, sort_lists=True)))
        else:
            pb, pa = plain(b, sort_lists=True), plain(a, sort_lists=True)
            changes = tuple(Change(k, pb.get(k), pa.get(k)) for k in attributes(type(a))
                            if pb.get(k) != pa.get(k))
            if changes:
                out.append(EntityDiff(kind, key, "changed", changes))
    return out


def _carried(flow) -> dict[str, str]:
    return {use.field: use.form for use in flow.fields}


def _delta(owner: str, before: dict[str, str], after: dict[str, str]) -> FieldDelta | None:
    added = {f: after[f] for f in sorted(after.keys() - before.keys())}
    removed = {f: before[f] for f in sorted(before.keys() - after.keys())}
    changed = {f: (before[f], after[f]) for f in sorted(before.keys() & after.keys()) if before[f] != after[f]}
    return FieldDelta(owner, added, removed, changed) if added or removed or changed else None


def _scores(analysis) -> tuple[dict[str, float], float | None]:
    """RISK001 exposure score of every system, and the threshold (None without RISK001)."""
    from lineage.outputs import exposure_scores

    rule, scores = exposure_scores(analysis)
    if rule is None:
        return {}, None
    return {sid: s.total for sid, s in scores.items()}, rule.params["threshold"]


# --------------------------------------------------------------------------------------------
# Outputs


def render(diff: ModelDiff, fmt: str = "text") -> str:
    """Render `diff` as ``text``, ``json`` or ``markdown``."""
    return FORMATS[fmt](diff)


def _show(value) -> str:
    """Show a value as a person reads it.

    Examples
    --------
    >>> _show(None), _show(True), _show([{"field": "email", "form": "hashed"}, {"field": "a", "form": "raw"}])
    ('unset', 'true', '[email (hashed), a]')
    """
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        if set(value) == {"field", "form"}:
            return value["field"] if value["form"] == "raw" else f"{value['field']} ({value['form']})"
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _fields(fields: dict[str, str], sign: str = "") -> list[str]:
    return [f"{sign}{f}" + ("" if form == "raw" else f" ({form})") for f, form in fields.items()]


def delta_text(delta: FieldDelta) -> str:
    """E.g. ``+nationality, -email (hashed), foreigner_id pseudonymised -> raw``."""
    parts = _fields(delta.added, "+") + _fields(delta.removed, "-")
    parts += [f"{f} {b} -> {a}" for f, (b, a) in delta.changed.items()]
    return ", ".join(parts)


def entity_detail(diff: ModelDiff, e: EntityDiff) -> str:
    """Describe an added or removed entity, or what changed in a changed one."""
    if e.status != "changed":
        a = e.attributes
        details = {
            "flow": lambda: f"{a.get('from')} -> {a.get('to')} [{', '.join(_show(f) for f in a.get('fields', []))}]",
            "system": lambda: f"organization {a.get('organization')}, exposure {a.get('exposure')}",
            "organization": lambda: f"{a.get('role')}, {a.get('country')}",
            "purpose": lambda: f"needs {_show(a.get('needs', []))}",
            "field": lambda: f"category {a.get('category')}",
            "waiver": lambda: f"expires {a.get('expires')}: {a.get('reason')}",
        }
        return details[e.kind]() if e.kind in details else ""
    parts = []
    for c in e.changes:
        if e.kind == "flow" and c.key == "fields":
            delta = next((d for d in diff.flow_fields if d.owner == e.id), None)
            parts.append(f"fields {delta_text(delta)}" if delta else "fields")
        elif e.kind == "purpose" and c.key == "special_condition":  # one value or a list, as written
            parts.append(f"{c.key} {_show_one_or_many(c.before)} -> {_show_one_or_many(c.after)}")
        else:
            parts.append(f"{c.key} {_show(c.before)} -> {_show(c.after)}")
    return "; ".join(parts)


def _show_one_or_many(value) -> str:
    """Show a one-or-many attribute as the model writes it: a single value bare.

    Examples
    --------
    >>> _show_one_or_many(["none"]), _show_one_or_many(["art10", "h"])
    ('none', '[art10, h]')
    """
    return _show(value[0]) if isinstance(value, list) and len(value) == 1 else _show(value)


def entity_text(diff: ModelDiff, e: EntityDiff) -> str:
    """One line about an added, removed or changed entity (without its sign)."""
    detail = entity_detail(diff, e)
    return f"{e.id}: {detail}" if detail else e.id


def _first_by_target(findings) -> dict:
    """Index `findings` by rule and target, keeping the first of each (a big diff pairs thousands)."""
    index: dict[tuple[str, str], object] = {}
    for f in findings:
        index.setdefault((f.rule, f.target), f)
    return index


def counterpart_note(diff: ModelDiff, finding, new: bool) -> str:
    """Pair a new (resolved) finding with the other side's finding of the same rule and target.

    Fingerprints include the fields, so when a change adds a field to a finding
    (MIN004 and RISK001 list every field a system holds), the head's finding is
    new and the base's resolved. The note says so, with the fields that
    differ from base to head: ``replaces the base's finding: fields +phone``
    and ``replaced in head: fields +phone``; empty when there is no such pair.
    """
    other = diff.counterpart(finding, new)
    if other is None:
        return ""
    base, head = (other, finding) if new else (finding, other)
    parts = [f"+{f}" for f in sorted(set(head.fields) - set(base.fields))]
    parts += [f"-{f}" for f in sorted(set(base.fields) - set(head.fields))]
    what = f"fields {' '.join(parts)}" if parts else "waived" if head.waived else "no longer waived"
    return f"replaces the base's finding: {what}" if new else f"replaced in head: {what}"


def _finding_text(diff: ModelDiff, f, new: bool) -> str:
    from lineage.outputs.text import line

    note = counterpart_note(diff, f, new)
    return line(f) + (f"\n      ({note})" if note else "")


def headline(diff: ModelDiff, findings: bool = True) -> str:
    """One line: what changed, in numbers (`findings`: with the new and resolved findings)."""
    if diff.empty:
        return "no changes"
    parts = []
    for section in SECTIONS:
        counted = [f"{len(diff.of(section, st))} {st}" for st in STATUSES if diff.of(section, st)]
        if counted:
            parts.append(f"{section} {', '.join(counted)}")
    if diff.holdings:
        parts.append(f"holdings changed at {len(diff.holdings)} system{'s' * (len(diff.holdings) != 1)}")
    if findings:
        parts.append(f"{len(diff.new_findings)} new finding{'s' * (len(diff.new_findings) != 1)}")
        parts.append(f"{len(diff.resolved_findings)} resolved")
    if diff.exposure:
        parts.append(f"{len(diff.exposure)} exposure change{'s' * (len(diff.exposure) != 1)}")
    return "; ".join(parts)


def _score(value: float | None) -> str:
    return "absent" if value is None else f"{value:g}"


def to_text(diff: ModelDiff) -> str:
    """Render a readable change list, section by section, sorted by id."""
    lines = [f"lineage diff {diff.base_label} -> {diff.head_label}: {headline(diff)}"]
    signs = {"added": "+", "removed": "-", "changed": "~"}
    for section in SECTIONS:
        items = diff.of(section)
        if items:
            lines += ["", section]
            lines += [f"  {signs[e.status]} {entity_text(diff, e)}" for e in items]
    if diff.holdings:
        lines += ["", "holdings (what each system holds)"]
        lines += [f"  {d.owner}: {delta_text(d)}" for d in diff.holdings]
    for title, found, new in (("new findings", diff.new_findings, True),
                              ("resolved findings", diff.resolved_findings, False)):
        if found:
            lines += ["", title]
            lines += [f"  {_finding_text(diff, f, new)}" for f in found]
    if diff.exposure:
        lines += ["", f"exposure (RISK001 score, threshold {diff.threshold:g})"]
        for s in diff.exposure:
            mark = f" ({s.crossing} the threshold)" if s.crossing else ""
            lines.append(f"  {s.system}: {_score(s.base)} -> {_score(s.head)}{mark}")
    return "\n".join(lines) + "\n"


def document(diff: ModelDiff) -> dict:
    """Return the JSON document as a dict."""
    from lineage import __version__

    def entity(e: EntityDiff) -> dict:
        out = {"id": e.id}
        if e.status == "changed":
            out["changes"] = [{"attribute": c.key, "base": c.before, "head": c.after} for c in e.changes]
        else:
            out["attributes"] = e.attributes
        return out

    def delta(d: FieldDelta, owner: str) -> dict:
        return {owner: d.owner, "added": d.added, "removed": d.removed,
                "changed": {f: {"base": b, "head": a} for f, (b, a) in d.changed.items()}}

    doc = {
        "tool": "lineage",
        "version": __version__,
        "base": diff.base_label,
        "head": diff.head_label,
        "summary": diff.counts(),
        "flow_fields": [delta(d, "flow") for d in diff.flow_fields],
        "holdings": [delta(d, "system") for d in diff.holdings],
        "findings": {"new": [f.as_dict() for f in diff.new_findings],
                     "resolved": [f.as_dict() for f in diff.resolved_findings]},
        "exposure": [{"system": s.system, "base": s.base, "head": s.head, "threshold": s.threshold}
                     for s in diff.exposure],
    }
    for section in SECTIONS:
        doc[section] = {st: [entity(e) for e in diff.of(section, st)] for st in STATUSES}
    return doc


def to_json(diff: ModelDiff) -> str:
    """Stable JSON: sorted keys, sorted lists."""
    return json.dumps(document(diff), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _table(title: str, header: list[str], rows: list[list[str]], cap: int | None) -> list[str]:
    if not rows:
        return []
    shown = rows if cap is None else rows[:cap]
    out = ["", f"#### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in shown]
    if len(shown) < len(rows):
        out += ["", f"… and {len(rows) - len(shown)} more: run `lineage diff` for the full list."]
    return out


STATUS_MD = {"added": "🟢 added", "removed": "🔴 removed", "changed": "🟠 changed"}


def to_markdown(diff: ModelDiff) -> str:
    """Render a PR comment: a summary line, then tables; always under GitHub's 65,536 characters."""
    for cap in (None, 200, 100, 50, 20, 10, 5, 0):
        text = _markdown(diff, cap)
        if len(text) < MARKDOWN_LIMIT - 512:
            return text
    return text[: MARKDOWN_LIMIT - 600] + "\n\n… (cut)\n"


def _markdown(diff: ModelDiff, cap: int | None) -> str:
    from lineage.outputs.markdown import cell, code

    def text_cell(text: str, limit: int = 300) -> str:  # arrows drawn as such, long texts cut
        return cell(text.replace(" -> ", " → "), limit)

    def code_cell(text: str) -> str:
        return code(text, in_table=True)

    out = [MARKER, f"### lineage diff: {code(diff.base_label)} → {code(diff.head_label)}", ""]
    if diff.empty:
        out.append("No changes to the personal-data model.")
        return "\n".join(out) + "\n"
    new = diff.new_findings
    by_sev = ", ".join(f"{n} {s}" for s, n in summary(new).items() if n and s != "waived")
    out.append(f"**{len(new)} new finding{'s' * (len(new) != 1)}**" + (f" ({by_sev})" if by_sev else "")
               + f" · {len(diff.resolved_findings)} resolved"
               + "".join(f" · {text_cell(part, 500)}" for part in headline(diff, findings=False).split("; ") if part))

    def finding_rows(found, new):
        rows = []
        for f in sorted(found, key=lambda f: (f.waived, -SEVERITY_RANK[f.severity])):  # worst first, stable
            note = counterpart_note(diff, f, new)
            rows.append([f.severity.upper() + (" (waived)" if f.waived else ""), f.rule, code_cell(f.target),
                         text_cell(", ".join(f.fields)) + (f" ({text_cell(note)})" if note else ""),
                         text_cell(f.message), code_cell(str(f.loc))])
        return rows

    header = ["Severity", "Rule", "Target", "Fields", "Message", "Where"]
    out += _changes_map(diff)  # bounded (60 systems, 60 flows): kept when the tables are cut
    out += _table("New findings", header, finding_rows(new, True), cap)
    out += _table("Resolved findings", header, finding_rows(diff.resolved_findings, False), cap)
    out += _table("Flows", ["", "Flow", "Change"],
                  [[STATUS_MD[e.status], code_cell(e.id), text_cell(entity_detail(diff, e))] for e in diff.of("flows")],
                  cap)
    out += _table("What systems hold", ["System", "Now holds", "No longer holds", "Form changed"],
                  [[code_cell(d.owner), text_cell(", ".join(_fields(d.added))),
                    text_cell(", ".join(_fields(d.removed))),
                    text_cell(", ".join(f"{f} {b} → {a}" for f, (b, a) in d.changed.items()))]
                   for d in diff.holdings], cap)
    if diff.exposure:
        out += _table(f"Exposure (RISK001 score, threshold {diff.threshold:g})", ["System", "Base", "Head", ""],
                      [[code_cell(s.system), _score(s.base), _score(s.head),
                        f"⚠️ {s.crossing}" if s.crossing == "now at or above" else s.crossing]
                       for s in diff.exposure], cap)
    for section in SECTIONS:
        if section == "flows":
            continue
        items = diff.of(section)
        kind = items[0].kind.capitalize() if items else ""
        out += _table(section.capitalize(), ["", kind, "Change"],
                      [[STATUS_MD[e.status], code_cell(e.id), text_cell(entity_detail(diff, e))] for e in items], cap)
    return "\n".join(out) + "\n"


def _changes_map(diff: ModelDiff) -> list[str]:
    """Return a Mermaid map of the changed systems and flows, folded, when it is small enough to draw inline."""
    from lineage.render.diffmap import to_mermaid

    chart, note = to_mermaid(diff)
    if chart is None:
        return ["", f"_{note}_"] if note else []
    return ["", "<details open><summary>Map of the changes (green added, red dashed removed, amber changed)</summary>",
            "", "```mermaid", chart.rstrip("\n"), "```", "", "</details>"]


#: Output formats of ``lineage diff``: name -> renderer.
FORMATS = {"text": to_text, "json": to_json, "markdown": to_markdown}
