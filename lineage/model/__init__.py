"""The validated model: every section merged across files, references resolved.

:func:`load_model` is the front door: it reads a folder, composes the YAML
(:mod:`lineage.load`), converts every entry into its entity
(:mod:`lineage.model.entities`) and checks what types alone cannot
(duplicate ids across files, self-flows, derivation cycles). All
problems of all files are raised together as :class:`InputErrors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lineage.errors import InputErrors, LineageError, Loc, did_you_mean
from lineage.load import Document, Mapping, Scalar, Sequence, Source, compose_sources, paused_gc, read_folder
from lineage.model.entities import (
    CONTROLLER_ROLES,
    PROCESSOR_ROLES,
    SECTIONS,
    Category,
    Field,
    Flow,
    Organization,
    Purpose,
    Subject,
    System,
    Waiver,
)
from lineage.model.taxonomy import BUILTIN, CategoryInfo, parent
from lineage.model.types import Context, Int, Invalid, build, singular

TOP_LEVEL = ("version", *SECTIONS)
#: The section holding each kind of finding target (``flow:ID`` ...).
_TARGET_SECTIONS = {"flow": "flows", "system": "systems", "organization": "organizations"}


@dataclass
class Model:
    """A whole model. Each section maps id to entity, sorted by id; waivers keep file order."""

    categories: dict[str, Category]
    fields: dict[str, Field]
    subjects: dict[str, Subject]
    purposes: dict[str, Purpose]
    organizations: dict[str, Organization]
    systems: dict[str, System]
    flows: dict[str, Flow]
    waivers: list[Waiver]
    category_info: dict[str, CategoryInfo]
    files: list[str]

    def field_info(self, field_id: str) -> CategoryInfo:
        """Return the tier, identifier kind and special flag of a field, overrides applied."""
        return self._field_infos[field_id]

    @cached_property
    def _field_infos(self) -> dict[str, CategoryInfo]:
        out = {}
        for fid, f in self.fields.items():
            base = self.category_info[f.category]
            out[fid] = CategoryInfo(f.tier or base.tier, f.identifier or base.identifier, base.special)
        return out

    def country(self, system_id: str) -> str:
        """Return a system's country, defaulting to its organization's."""
        system = self.systems[system_id]
        return system.country or self.organizations[system.organization].country

    def entity(self, target: str):
        """Return the entity named by ``kind:id`` (flow, system, organization)."""
        kind, _, ident = target.partition(":")
        return self.section(kind)[ident]

    def section(self, kind: str) -> dict:
        """Return the entries of a target kind: flow, system or organization."""
        return getattr(self, _TARGET_SECTIONS[kind])


def processor_chain(model: Model, org_id: str) -> tuple[list[str], str | None]:
    """Follow ``processor_for`` up from an organization to its controller.

    Parameters
    ----------
    model : Model
        A validated model.
    org_id : str
        An organization id.

    Returns
    -------
    tuple[list[str], str | None]
        The organizations met, from `org_id` (included) up to the controller
        (included), and the controller's id. The id is None when the chain
        breaks (a processor or subprocessor without ``processor_for``), loops
        (the last one's ``processor_for`` is already in the chain) or ends at an
        organization of another role (a recipient). A controller, joint
        controller or authority is its own controller: ``([org_id], org_id)``.

    Notes
    -----
    The walk stops at the first organization met twice, so a loop ends it.

    References
    ----------
    GDPR Art. 28(1), (2) and (4): a processor acts for a controller, a
    subprocessor for a processor.

    Examples
    --------
    >>> model = model_from_text('''
    ... organizations:
    ...   - {id: acme, role: controller, country: FR}
    ...   - {id: host, role: processor, processor_for: acme, country: FR}
    ...   - {id: cdn, role: subprocessor, processor_for: host, country: FR}
    ...   - {id: a, role: subprocessor, processor_for: b, country: FR}
    ...   - {id: b, role: subprocessor, processor_for: a, country: FR}
    ... ''')
    >>> processor_chain(model, "cdn")
    (['cdn', 'host', 'acme'], 'acme')
    >>> processor_chain(model, "a")
    (['a', 'b'], None)
    """
    path: list[str] = []
    org = model.organizations[org_id]
    while True:
        path.append(org.id)
        if org.role in CONTROLLER_ROLES:
            return path, org.id
        if org.role not in PROCESSOR_ROLES or not org.processor_for or org.processor_for in path:
            return path, None
        org = model.organizations[org.processor_for]


def load_model(folder: str | Path) -> Model:
    """Read, compose and validate the model under `folder`.

    Raises
    ------
    InputErrors
        With every problem of every file, each with file:line:col.
    """
    return build_model(compose_sources(read_folder(folder)))


def load_model_sources(sources: list[Source]) -> Model:
    """Like :func:`load_model`, from sources read elsewhere (a git revision)."""
    return build_model(compose_sources(sources))


def model_from_text(text: str, path: str = "model.yaml") -> Model:
    """Validate a model written in one YAML text (tests and examples)."""
    return load_model_sources([Source(path, text.encode())])


def build_model(documents: list[Document], check_waiver=None) -> Model:
    """Merge and validate composed documents into a :class:`Model`.

    Documents that did not compose (:func:`lineage.load.compose_sources`)
    have their errors reported with those of the others; as such a file may
    declare what the others refer to, references to no known entry are then
    not reported. `check_waiver`, when given, returns the error of a waiver
    (a rule the pack does not define) or None, so that these errors come
    with all the others.

    Raises
    ------
    InputErrors
        With every problem found.
    """
    with paused_gc():
        return _build_model(documents, check_waiver)


def _build_model(documents: list[Document], check_waiver) -> Model:
    errors = [e for doc in documents for e in doc.errors]
    entries = _sections(documents, errors)
    ids = _collect_ids(entries, errors)
    ids["categories"] |= set(BUILTIN)
    # a file that did not compose may declare what the others refer to: check all but references
    ctx = Context(ids=ids, errors=errors, incomplete=any(doc.root is None and doc.errors for doc in documents))

    built: dict[str, list] = {}
    for section, cls in SECTIONS.items():
        built[section] = [e for e in (build(cls, node, ctx) for node in entries[section]) if e is not None]

    by_id = {s: {e.id: e for e in sorted(built[s], key=lambda e: e.id)} for s in SECTIONS if s != "waivers"}
    category_info = _resolve_categories(by_id["categories"], ctx)
    model = Model(**by_id, waivers=built["waivers"], category_info=category_info,
                  files=[d.path for d in documents])
    _check_semantics(model, ctx)
    if check_waiver is not None:
        errors.extend(e for e in map(check_waiver, model.waivers) if e is not None)
    if errors:
        raise InputErrors(errors)
    return model


def _sections(documents: list[Document], errors: list[LineageError]) -> dict[str, list]:
    """Gather the entries of each section from every document."""
    entries: dict[str, list] = {s: [] for s in SECTIONS}
    for doc in documents:
        root = doc.root
        if root is None:
            continue
        if not isinstance(root, Mapping):
            shape = "a list" if isinstance(root, Sequence) else "a single value"
            errors.append(LineageError(root.loc, f"a model file must be a mapping of sections "
                                                 f"({', '.join(TOP_LEVEL)}), not {shape}"))
            continue
        for key, value in root.items:
            if key.text == "version":
                try:
                    if Int(1, 1).convert(value, None) != 1:
                        raise Invalid(value.loc, "")
                except Invalid:
                    errors.append(LineageError(value.loc, "unsupported version: this lineage reads version 1"))
                continue
            if key.text not in SECTIONS:
                errors.append(LineageError(key.loc, f"unknown section {key.text!r}{did_you_mean(key.text, TOP_LEVEL)}"))
                continue
            if isinstance(value, Scalar) and value.kind == "null":
                continue
            if not isinstance(value, Sequence):
                errors.append(LineageError(value.loc, f"section {key.text!r} must be a list of entries"))
                continue
            entries[key.text].extend(value.items)
    return entries


def _collect_ids(entries: dict[str, list], errors: list[LineageError]) -> dict[str, set[str]]:
    """Return the ids of each section; report ids declared twice, naming both places."""
    ids: dict[str, set[str]] = {}
    for section, nodes in entries.items():
        seen: dict[str, Loc] = {}
        for node in nodes:
            id_node = node.get("id") if isinstance(node, Mapping) else None
            if not isinstance(id_node, Scalar):
                continue
            first = seen.get(id_node.text)
            if first is not None:
                # an entry repeated through an alias (`- *base`, `id: *x`) starts after its id: name the entry
                errors.append(LineageError(max(id_node.loc, node.loc), f"duplicate {singular(section)} id "
                                                                       f"{id_node.text!r} (first declared at {first})"))
                continue
            seen[id_node.text] = id_node.loc
        ids[section] = set(seen)
    return ids


def _resolve_categories(custom: dict[str, Category], ctx: Context) -> dict[str, CategoryInfo]:
    """Combine built-in and declared categories; declared ones inherit from their parent.

    A built-in category cannot be declared again: the taxonomy only grows
    (a lower tier for ``identity.name`` would hide risk in every model rule).
    Nor can a sub-category of Art. 9 or Art. 10 data drop that status
    (sick leave is health data).
    """
    info = dict(BUILTIN)
    for cid in sorted(custom, key=lambda c: (c.count("."), c)):
        cat = custom[cid]
        if cid in BUILTIN:
            ctx.errors.append(LineageError(cat.loc, f"category {cid!r} is built in and cannot be redefined; "
                                                    f"declare a sub-category ('{cid}.<name>') or set tier or "
                                                    "identifier on the fields"))
            continue
        base = info.get(parent(cid) or "")
        if base is None and cat.tier is None:
            if "tier" not in cat.key_locs:  # a tier written but invalid is reported already
                ctx.report(Invalid(cat.loc, f"category {cid!r} needs a tier (1..4): it has no parent category "
                                            "to inherit one from", dangling=parent(cid) is not None))
            continue
        special = cat.special or (base.special if base else "none")
        if base and base.special != "none" and special != base.special:
            ctx.errors.append(LineageError(cat.at("special"), f"category {cid!r} is under {parent(cid)!r}, "
                                                              f"{base.special} data: its special must be "
                                                              f"{base.special} too (or leave it out)"))
            special = base.special
        info[cid] = CategoryInfo(
            cat.tier or base.tier,
            cat.identifier or (base.identifier if base else "none"),
            special,
        )
    return info


def _check_semantics(model: Model, ctx: Context) -> None:
    """Check what types cannot: self-flows, derivation cycles."""
    errors = ctx.errors
    errors.extend(LineageError(flow.at("to"), f"flow {flow.id!r} goes from {flow.source!r} to itself")
                  for flow in model.flows.values() if flow.source == flow.target)
    _check_derivation_cycles(model.fields, errors)


def _check_derivation_cycles(fields: dict[str, Field], errors: list[LineageError]) -> None:
    """Report every derived_from loop; depth-first with an explicit stack, so long chains cannot exhaust it."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for first in fields:
        if first in state:
            continue
        state[first] = 1
        trail = [first]
        stack = [iter(fields[first].derived_from)]
        while stack:
            fid = trail[-1]
            src = next(stack[-1], None)
            if src is None:
                state[fid] = 2
                trail.pop()
                stack.pop()
            elif src not in fields:
                continue
            elif state.get(src) == 1:
                cycle = " -> ".join([*trail[trail.index(src):], src])
                errors.append(LineageError(fields[fid].at("derived_from"), f"derived_from loops: {cycle}"))
            elif src not in state:
                state[src] = 1
                trail.append(src)
                stack.append(iter(fields[src].derived_from))
