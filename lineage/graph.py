"""The lineage graph: what each system holds, in which form, and from where.

:func:`build` turns a :class:`~lineage.model.Model` into a :class:`Lineage`,
computed once and read by every rule, output and diagram.

Graph attributes
----------------
``Lineage.G`` is a ``networkx.MultiDiGraph``. Nodes are system ids, with
attribute ``system`` (the entity). Edges go from a flow's source to its
target, keyed by flow id, with attribute ``flow`` (the entity).

Holdings
--------
Field sets are integer bitsets (bit ``i`` is ``Lineage.field_ids[i]``). A
holding is kept as 8 cumulative masks per system: ``held[s][k]`` is the set
of fields that system ``s`` holds in a form of rank ``k`` or more
identifying (ranks follow :data:`lineage.model.entities.FORMS`, ``raw`` = 0).

Two holdings are computed (SPEC section 2, "Lineage"):

* ``sourced``: the least fixed point from collection and derivation, where a
  flow passes on a field only if its source holds it, and never in a more
  identifying form than the source holds it. A field no one collects or
  derives is held nowhere, however the flows loop. It is computed by one
  worklist propagation seeded in topological order of the strongly
  connected components.
* ``held``: what systems hold once every flow delivers what it declares
  (collection, inbound flows, derivation). Rules read this one, so one
  mistake upstream does not cascade into findings downstream.

A derived field is held where all its sources are held: raw (SPEC) when
one of them is held in a form its value can be read back from (raw;
encrypted, the key being at hand; hashed, by enumeration), else in the most
identifying form they are held in: no age band can be computed from a
pseudonymised date of birth, and what is computed from statistics is
statistics.
``Lineage.derivations`` lists each derived field's bit with its sources'.

Subjects
--------
``Lineage.subject_reach(form)`` propagates each subject's fields from where
they are collected from that subject, as ``sourced`` does (all subjects in
one bitset, a block of ``len(field_ids)`` bits each), so that
:func:`subjects_held` names the people whose data a system holds, not
everyone who shares a field id with them.

A flow that declares a field its source does not hold in ``sourced``, or
holds only in a less identifying form, is a *candidate*. A candidate is
reported (LIN001 when the source holds nothing of the field, LIN002 when it
holds it less identifiably) when its source does not hold the field in that
form even in ``held``, or when it belongs to a loop of candidates for that
field that no other candidate feeds. Candidates explained by a broken flow
upstream are not reported again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import networkx as nx

from lineage.model import Model
from lineage.model.entities import FORM_RANK, FORMS

NFORMS = len(FORMS)
EXAMPLE = """
fields: [{id: full_name, category: identity.name}, {id: email, category: contact.personal}]
subjects: [{id: people}]
purposes: [{id: service}]
organizations: [{id: acme, role: controller, country: FR}]
systems:
  - {id: app, organization: acme, collects: [{subject: people, purpose: service, fields: [full_name, email]}]}
  - {id: crm, organization: acme}
flows:
  - {id: app-to-crm, from: app, to: crm, fields: [full_name, {field: email, form: hashed}]}
"""
ANY = NFORMS - 1  # rank of the least identifying form: held[s][ANY] is "held in any form"


@dataclass(frozen=True)
class Broken:
    """A flow that sends a field its source does not hold (LIN001) or holds less identifiably (LIN002)."""

    flow: str
    field: str
    rule: str
    declared: str
    held: str | None  # form the source holds, None when it holds none


@dataclass(frozen=True)
class Origin:
    """Where a system's holding of a field comes from."""

    kind: str  # collected | flow | derived
    ref: str  # "subject/purpose", flow id, or the fields derived from
    form: str


@dataclass
class Lineage:
    """The lineage graph of a model, with holdings; see the module docstring."""

    model: Model
    G: nx.MultiDiGraph
    field_ids: list[str]
    bit: dict[str, int]
    declared: dict[str, list[int]]
    held: dict[str, list[int]]
    sourced: dict[str, list[int]]
    broken: list[Broken] = field(default_factory=list)
    derivations: list[tuple[int, int]] = field(default_factory=list)  # (derived field's bit, its sources' bits)
    components: list[set[str]] = field(default_factory=list)  # strongly connected, in topological order

    _reach: dict[int, dict[str, int]] = field(default_factory=dict, repr=False)

    def subject_reach(self, form: str = "anonymised") -> dict[str, int]:
        """Per system, the fields of each subject that reach it in `form` or a more identifying one.

        Subject ``i`` (in id order) has the bits ``i * len(field_ids)`` and up.
        A subject's fields start where they are collected from that subject,
        and go only where a flow carries them on, in that form or above, from a
        system that has them of that subject (the least fixed point, as
        ``sourced``), so two subjects sharing a field id (``email``) do not
        share their systems. A field a flow sends that its source has of no
        one (the flow breaks lineage, and still delivers it) is about every
        subject its source has data of, and goes on from there: one slip
        upstream does not hide people downstream. A field derived from a
        subject's fields is about that subject too (here: when all its
        sources reach in that form). Computed on first use, once per form.
        """
        rank = FORM_RANK[form]
        if rank not in self._reach:
            self._reach[rank] = _subject_reach(self, rank)
        return self._reach[rank]

    def mask(self, field_ids) -> int:
        """Return the bitset of `field_ids`."""
        m = 0
        for f in field_ids:
            m |= 1 << self.bit[f]
        return m

    def fields_in(self, mask: int) -> list[str]:
        """Return the field ids of a bitset, sorted."""
        return [self.field_ids[b] for b in _bits(mask)]

    def held_mask(self, system: str, form: str = "anonymised") -> int:
        """Return the fields `system` holds in `form` or a more identifying one."""
        return self.held[system][FORM_RANK[form]]


def build(model: Model) -> Lineage:
    """Build the lineage graph of `model` and compute its holdings.

    Parameters
    ----------
    model : Model
        A validated model.

    Returns
    -------
    Lineage

    Notes
    -----
    Cost is linear in systems plus field references, times the number of
    passes a strongly connected component needs to stabilise; field sets
    are Python ints, so a flow costs 8 integer operations per pass.

    Examples
    --------
    >>> from lineage.model import model_from_text
    >>> L = build(model_from_text(EXAMPLE))
    >>> holdings(L, "crm"), L.broken
    ({'email': 'hashed', 'full_name': 'raw'}, [])
    """
    from lineage.load import paused_gc

    with paused_gc():
        return _build(model)


def _build(model: Model) -> Lineage:
    field_ids = sorted(model.fields)
    bit = {f: i for i, f in enumerate(field_ids)}
    G = nx.MultiDiGraph()
    for sid in sorted(model.systems):
        G.add_node(sid, system=model.systems[sid])
    declared: dict[str, list[int]] = {}
    for fid in sorted(model.flows):
        flow = model.flows[fid]
        G.add_edge(flow.source, flow.target, key=fid, flow=flow)
        by_rank = [0] * NFORMS
        for use in flow.fields:
            by_rank[FORM_RANK[use.form]] |= 1 << bit[use.field]
        declared[fid] = _cumulative(by_rank)

    seed = {}
    for sid, system in model.systems.items():
        m = 0
        for collect in system.collects:
            for f in collect.fields:
                m |= 1 << bit[f]
        seed[sid] = [m] * NFORMS
    derivations = [(1 << bit[f.id], sum(1 << bit[s] for s in set(f.derived_from)))
                   for f in model.fields.values() if f.derived_from]

    L = Lineage(model, G, field_ids, bit, declared, held={}, sourced={}, derivations=derivations)
    L.components = _scc_order(G)
    L.sourced = _sourced(G, L.components, seed, declared, derivations)
    L.held = _delivered(G, seed, declared, derivations)
    L.broken = _broken(L)
    return L


def _cumulative(by_rank: list[int]) -> list[int]:
    out, acc = [], 0
    for m in by_rank:
        acc |= m
        out.append(acc)
    return out


def _derive(masks: list[int], derivations) -> bool:
    """Add derived fields whose sources are all held; return whether anything changed.

    A derived field is a new value, computed where its sources are, and
    held raw (SPEC section 2), except where every source is held only as
    statistics (aggregated, anonymised): a value computed from them is a
    statistic too, not raw data about someone.
    """
    changed_any = False
    changed = bool(derivations)
    while changed:
        changed = False
        for target, sources in derivations:
            rank = _derived_rank(masks, sources)
            if rank < NFORMS and not masks[rank] & target:
                for k in range(rank, NFORMS):  # cumulative masks
                    masks[k] |= target
                changed = changed_any = True
    return changed_any


def _derived_rank(masks: list[int], sources: int) -> int:
    """Rank of the form of a field derived from `sources` (see :func:`_derive`); NFORMS when not all are held."""
    if masks[ANY] & sources != sources:
        return NFORMS
    rank = next(k for k in range(NFORMS) if masks[k] & sources)  # cumulative: the first rank any source is at
    return rank if rank >= _STATISTICS else 0


#: The first form that is only statistics: what is derived from statistics alone is statistics.
_STATISTICS = FORM_RANK["aggregated"]


def _sourced(G, components, seed, declared, derivations) -> dict[str, list[int]]:
    """Return the holdings at the least fixed point: flows pass on only what their source holds."""
    held = {s: list(m) for s, m in seed.items()}
    for masks in held.values():
        _derive(masks, derivations)
    order = [s for scc in components for s in sorted(scc)]
    queue, queued = deque(order), set(order)
    while queue:
        u = queue.popleft()
        queued.discard(u)
        hu = held[u]
        for _, v, fid in G.out_edges(u, keys=True):
            d, hv = declared[fid], held[v]
            grew = False
            for k in range(NFORMS):
                new = d[k] & hu[k]
                if new & ~hv[k]:
                    hv[k] |= new
                    grew = True
            if grew:
                _derive(hv, derivations)
                if v not in queued:
                    queue.append(v)
                    queued.add(v)
    return held


def _scc_order(G):
    """Strongly connected components in topological order of the condensation."""
    C = nx.condensation(G)
    return [C.nodes[c]["members"] for c in nx.lexicographical_topological_sort(
        C, key=lambda c: min(C.nodes[c]["members"]))]


def _subject_reach(L: Lineage, rank: int) -> dict[str, int]:
    """Propagate each subject's fields from their collection, all subjects in one bitset (see Lineage.subject_reach).

    One pull per system in topological order of the strongly connected
    components; inside a component of several systems, a worklist until
    nothing grows.
    """
    model, width = L.model, len(L.field_ids)
    shift = {s: i * width for i, s in enumerate(sorted(model.subjects))}
    reach = dict.fromkeys(model.systems, 0)
    for sid, system in model.systems.items():
        for collect in system.collects:
            for f in collect.fields:
                reach[sid] |= 1 << (L.bit[f] + shift[collect.subject])
    every_subject = sum(1 << offset for offset in shift.values())
    carried = {fid: masks[rank] * every_subject for fid, masks in L.declared.items()}  # a copy per subject
    # each derivation: its field's bit, its sources' bits, and its sources copied for every subject
    # (to skip it at once where none is held)
    derivations = [(target.bit_length() - 1, _bits(sources), sources * every_subject)
                   for target, sources in L.derivations]
    any_source = 0
    for _, _, spread in derivations:
        any_source |= spread
    inbound: dict[str, list[tuple[str, int]]] = {sid: [] for sid in model.systems}  # plain lists: faster
    outbound: dict[str, list[tuple[str, int]]] = {sid: [] for sid in model.systems}  # than networkx views
    for fid, flow in model.flows.items():
        inbound[flow.target].append((flow.source, carried[fid]))
        outbound[flow.source].append((flow.target, carried[fid]))

    block = (1 << width) - 1
    present: dict[str, tuple[int, int]] = {}  # system -> (its reach, the subjects it has data of)

    def sent(u: str, carries: int) -> int:
        """Return what a flow carrying `carries` takes from `u`, per subject.

        Each subject's own fields; and a field `u` does not hold in the least
        fixed point (``sourced``: the flow breaks lineage, and still delivers
        it) is about every subject `u` has data of. Judged on ``sourced``, not
        on what reached `u` so far, so that the result does not depend on the
        order in which the flows are followed.
        """
        got, mine = carries & reach[u], reach[u]
        orphans = carries & block & ~L.sourced[u][rank]
        if not orphans:
            return got
        cached = present.get(u)
        if cached is None or cached[0] is not mine:  # reach[u] grew since: a new int
            cached = present[u] = (mine, _present(mine, shift, block))
        return got | orphans * cached[1]  # a copy in the block of each subject it has data of

    def derive(sid: str) -> None:
        """Add the fields derived at `sid`, for every subject at once.

        Shifting the reach right by a source's bit brings that source of each
        subject to the lowest bit of the subject's block; ANDing over the
        sources leaves a bit for each subject that has them all.
        """
        held, grown = reach[sid], True
        while grown:  # derivations chain (age band from date of birth from ...)
            grown = False
            for target, sources, spread in derivations:
                if not held & spread:
                    continue
                complete = every_subject
                for source in sources:
                    complete &= held >> source
                new = complete << target & ~held
                if new:
                    held |= new
                    grown = True
        reach[sid] = held

    def pull(v: str) -> None:
        """Take in what the inbound flows carry, then derive."""
        got = reach[v]
        for u, carries in inbound[v]:
            got |= sent(u, carries)
        reach[v] = got
        if got & any_source:
            derive(v)

    for scc in L.components:
        members = sorted(scc)
        for v in members:
            pull(v)
        if len(members) == 1:
            continue
        queue, queued = deque(members), set(members)
        while queue:  # round the loops of the component until nothing grows
            u = queue.popleft()
            queued.discard(u)
            for v, carries in outbound[u]:
                new = sent(u, carries) & ~reach[v] if v in scc else 0
                if new:
                    reach[v] |= new
                    if new & any_source:
                        derive(v)
                    if v not in queued:
                        queue.append(v)
                        queued.add(v)
    return reach


def _bits(mask: int) -> list[int]:
    """Return the indexes of the bits set in `mask`, lowest first.

    Examples
    --------
    >>> _bits(0b10110)
    [1, 2, 4]
    """
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _present(reach: int, shift: dict[str, int], block: int) -> int:
    """Return the subjects a system has data of, as the lowest bit of each one's block of `reach`.

    Multiplying a field set by it copies the set into each of their blocks.
    """
    present = 0
    for offset in shift.values():
        if reach >> offset & block:
            present |= 1 << offset
    return present


def _delivered(G, seed, declared, derivations) -> dict[str, list[int]]:
    """Return the holdings when every flow delivers what it declares."""
    held = {s: list(m) for s, m in seed.items()}
    for _, v, fid in G.edges(keys=True):
        hv, d = held[v], declared[fid]
        for k in range(NFORMS):
            hv[k] |= d[k]
    for masks in held.values():
        _derive(masks, derivations)
    return held


def _rank(masks: list[int], b: int) -> int:
    """Rank of the most identifying form in which bit `b` is held, or NFORMS when not held."""
    for k in range(NFORMS):
        if masks[k] >> b & 1:
            return k
    return NFORMS


def _broken(L: Lineage) -> list[Broken]:
    """Find candidates, then keep the ones that are not explained by another upstream."""
    candidates: dict[int, list[tuple[str, str, str, int]]] = {}  # bit -> [(flow, u, v, declared rank)]
    for u, v, fid in L.G.edges(keys=True):
        d, hu = L.declared[fid], L.sourced[u]
        bad = 0
        for k in range(NFORMS):
            bad |= d[k] & ~hu[k]
        for b in _bits(bad):
            candidates.setdefault(b, []).append((fid, u, v, _rank(d, b)))
    out = []
    for b, edges in candidates.items():
        unfed_loops = _unfed_loops([(u, v) for _, u, v, _ in edges])
        entries = {u for u in unfed_loops if _enters_loop(L, u, b, unfed_loops)}
        entered = {unfed_loops[u] for u in entries}
        fname = L.field_ids[b]
        for fid, u, _, d in edges:
            if u in unfed_loops:
                if u not in entries and unfed_loops[u] in entered:
                    continue  # the loop's break is where the field enters it; the rest follows from that
                rank = _rank(L.sourced[u], b)
            elif d < _rank(L.held[u], b):
                rank = _rank(L.held[u], b)
            else:
                continue
            rule = "LIN001" if rank == NFORMS else "LIN002"
            out.append(Broken(fid, fname, rule, FORMS[d], None if rank == NFORMS else FORMS[rank]))
    return sorted(out, key=lambda x: (x.flow, x.field))


def _enters_loop(L: Lineage, u: str, b: int, loops: dict[str, int]) -> bool:
    """Whether field bit `b` reaches loop node `u` from outside its loop: collected there, or on a flow from outside."""
    if b in {L.bit[f] for c in L.model.systems[u].collects for f in c.fields}:
        return True
    if any(target >> b & 1 and _derived_rank(L.sourced[u], sources) < NFORMS for target, sources in L.derivations):
        return True
    return any(L.declared[fid][ANY] & L.sourced[w][ANY] & (1 << b) and loops.get(w) != loops[u]
               for w, _, fid in L.G.in_edges(u, keys=True))


def _unfed_loops(edges: list[tuple[str, str]]) -> dict[str, int]:
    """Nodes of the cycles of `edges` that no edge from outside their component enters, with their component.

    Tarjan's algorithm, iterative; the candidate graphs are small, so a
    plain adjacency dict beats building a networkx graph per field.
    """
    succ: dict[str, list[str]] = {}
    for u, v in edges:
        succ.setdefault(u, []).append(v)
        succ.setdefault(v, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    counter = 0
    for root in succ:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
            children = succ[node]
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child not in comp:
                    low[node] = min(low[node], index[child])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    comp[member] = index[node]
                    if member == node:
                        break
    size: dict[int, int] = {}
    for c in comp.values():
        size[c] = size.get(c, 0) + 1
    looped = {c for c, n in size.items() if n > 1} | {comp[u] for u, v in edges if u == v}
    fed = {comp[v] for u, v in edges if comp[u] != comp[v]}
    return {n: c for n, c in comp.items() if c in looped and c not in fed}


def holdings(L: Lineage, system: str) -> dict[str, str]:
    """Return every field `system` holds, with the most identifying form it holds it in.

    Parameters
    ----------
    L : Lineage
    system : str
        A system id.

    Returns
    -------
    dict[str, str]
        Field id -> form, sorted by field id.
    """
    masks = L.held[system]
    return {fid: FORMS[_rank(masks, L.bit[fid])] for fid in L.fields_in(masks[ANY])}


def holders(L: Lineage, field_id: str) -> dict[str, str]:
    """Return every system that holds `field_id`, with the form it holds it in.

    Raises
    ------
    KeyError
        If the model does not declare `field_id`.
    """
    b = L.bit[field_id]
    out = {}
    for sid in sorted(L.held):
        r = _rank(L.held[sid], b)
        if r < NFORMS:
            out[sid] = FORMS[r]
    return out


def origins(L: Lineage, system: str, field_id: str) -> list[Origin]:
    """Return where `system`'s holding of `field_id` comes from: collection, flows, derivation."""
    model = L.model
    out = [Origin("collected", f"{c.subject}/{c.purpose}", "raw")
           for c in model.systems[system].collects if field_id in c.fields]
    for _, _, fid in sorted(L.G.in_edges(system, keys=True), key=lambda e: e[2]):
        out.extend(Origin("flow", fid, use.form) for use in model.flows[fid].fields if use.field == field_id)
    f = model.fields[field_id]
    rank = _derived_rank(L.held[system], L.mask(f.derived_from)) if f.derived_from else NFORMS
    if rank < NFORMS:
        out.append(Origin("derived", ", ".join(f.derived_from), FORMS[rank]))
    return out


def path_to(L: Lineage, field_id: str, system: str) -> list[str]:
    """Return the flow ids of a shortest path by which `field_id` reaches `system`.

    The path explains the form `system` holds: each flow on it delivers the
    form its target holds, and it starts at a system that collects or
    derives the field in that form, or at a flow whose source does not hold
    the field at all (LIN001). Empty when `system` itself is where the
    field enters, or does not hold it.

    Examples
    --------
    >>> from lineage.model import model_from_text
    >>> path_to(build(model_from_text(EXAMPLE)), "email", "crm")
    ['app-to-crm']
    """
    b = L.bit[field_id]
    start = (system, _rank(L.held[system], b))
    if start[1] == NFORMS:
        return []
    previous: dict[tuple[str, int], tuple[str, tuple[str, int]]] = {}
    queue, seen = deque([start]), {start}
    fallback: tuple[str, tuple[str, int]] | None = None
    while queue:
        state = queue.popleft()
        v, rank = state
        if _enters(L, v, field_id, rank):
            return _walk(previous, state, start)
        for u, _, fid in sorted(L.G.in_edges(v, keys=True), key=lambda e: e[2]):
            if _rank(L.declared[fid], b) != rank:
                continue  # this flow does not bring the form v holds
            before = (u, _rank(L.held[u], b))
            if before[1] == NFORMS:
                fallback = fallback or (fid, state)
            elif before not in seen:
                seen.add(before)
                previous[before] = (fid, state)
                queue.append(before)
    if fallback is None:
        return []
    return [fallback[0], *_walk(previous, fallback[1], start)]


def _walk(previous, state, start) -> list[str]:
    path = []
    while state != start:
        fid, state = previous[state]
        path.append(fid)
    return path


def _enters(L: Lineage, system: str, field_id: str, rank: int) -> bool:
    """Whether `system` collects or derives `field_id` in the form of `rank`."""
    return any(o.kind != "flow" and FORM_RANK[o.form] == rank for o in origins(L, system, field_id))


def neighbourhood(L: Lineage, system: str, depth: int = 1) -> set[str]:
    """Return the systems within `depth` flows of `system`, either direction."""
    U = L.G.to_undirected(as_view=True)
    return set(nx.single_source_shortest_path_length(U, system, cutoff=depth))


def subjects_held(L: Lineage, system: str, form: str = "anonymised") -> list[str]:
    """Return the subjects some of whose fields `system` holds, in `form` or a more identifying one.

    A subject counts when some of the fields collected from them (or derived
    from these) reach `system`, in that form, by flows from where they were
    collected (:meth:`Lineage.subject_reach`, which says what a flow that
    breaks lineage brings): a field id that other subjects share does not
    bring those people along.

    Returns
    -------
    list of str
        Subject ids, sorted.

    Examples
    --------
    >>> from lineage.model import model_from_text
    >>> subjects_held(build(model_from_text(EXAMPLE)), "crm")
    ['people']
    """
    return sorted(_subjects_in(L, L.subject_reach(form)[system], L.held_mask(system, form))[0])


def fields_by_subject(L: Lineage, system: str, form: str = "anonymised") -> dict[str | None, int]:
    """Return, per subject, the fields `system` holds of them in `form` or a more identifying one.

    A combination of fields is about someone only when all of them are about
    the same people: a clinician's name and a patient's diagnosis at the same
    system name no patient. Fields the system holds of no one in particular
    (no subject declared, or brought by a flow that breaks lineage from a
    source with no one's data) count for every subject, or stand under the
    key None when the system holds no one's data.
    """
    held = L.held_mask(system, form)
    reach = L.subject_reach(form)[system]
    width = len(L.field_ids)
    groups, known = {}, 0
    for i, subject in enumerate(sorted(L.model.subjects)):
        theirs = reach >> (i * width) & held
        if theirs:
            groups[subject] = theirs
            known |= theirs
    orphans = held & ~known
    if orphans:
        groups = {subject: fields | orphans for subject, fields in groups.items()} or {None: orphans}
    return groups


def subjects_carried(L: Lineage, flow_id: str, form: str = "anonymised") -> list[str]:
    """Return the subjects whose data flow `flow_id` carries, in `form` or a more identifying one.

    Those of whom its source has some of the fields it carries; when its
    source has none of them (the flow breaks lineage), the people its source
    holds data of.
    """
    source = L.model.flows[flow_id].source
    carries, reach = L.declared[flow_id][FORM_RANK[form]], L.subject_reach(form)[source]
    found, known = _subjects_in(L, reach, carries)
    if carries & ~known:  # fields its source has of no one: about everyone it has data of
        found |= _subjects_in(L, reach)[0]
    return sorted(found)


def _subjects_in(L: Lineage, reach: int, fields: int | None = None) -> tuple[set[str], int]:
    """Return the subjects with bits in `reach` (among `fields` when given) and the fields found."""
    width = len(L.field_ids)
    mask = (1 << width) - 1 if fields is None else fields
    found, seen = set(), 0
    for i, subject in enumerate(sorted(L.model.subjects)):
        theirs = reach >> (i * width) & mask
        if theirs:
            found.add(subject)
            seen |= theirs
    return found, seen
