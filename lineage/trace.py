"""``lineage trace FIELD``: where one field is held, in which form, from where, and how it gets there.

:func:`trace` reads a :class:`~lineage.graph.Lineage` and returns a :class:`Trace`:
every holder with its form and origins (:func:`lineage.graph.origins`), the
hop chains from where the field enters the graph (collection or derivation)
to every holder, the flows that break lineage for it (LIN001/LIN002), and the
fields derived from it. :func:`format_trace` turns it into text or JSON.
Nothing here prints.

Chains follow the holdings of SPEC section 2 in which every flow delivers
what it declares: a chain starts at a system that collects or derives the
field (or at a system that sends it without holding it, LIN001), and
follows every flow that declares the field, in the form the flow declares.
Chains never visit a system twice, except that a chain may end where it
already passed (a loop, e.g. a back-flow to the collecting system).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lineage.errors import unknown_id
from lineage.graph import ANY, Lineage, build, holders, origins
from lineage.model.entities import FORM_RANK

#: At most this many chains, the shortest, are listed; the holders' origins always list every flow.
MAX_CHAINS = 500


@dataclass(frozen=True)
class Hop:
    """One flow of a chain, with the form in which it carries the field."""

    flow: str
    source: str
    target: str
    form: str


@dataclass(frozen=True)
class Chain:
    """A route of the field from where it enters (`start`) to a holder (the last hop's target)."""

    start: str
    entry: str  # collected | derived | unsourced
    hops: tuple[Hop, ...]

    @property
    def end(self) -> str:
        """The holder this chain reaches."""
        return self.hops[-1].target

    def text(self) -> str:
        """Return the chain as text: ``a --raw--> b --pseudonymised--> c``."""
        return self.start + "".join(f" --{h.form}--> {h.target}" for h in self.hops)


@dataclass(frozen=True)
class Holding:
    """A system holding the field: the most identifying form and every origin of it."""

    system: str
    form: str
    origins: tuple[dict, ...]  # {kind, ref, form}; for flows also {source}
    sourced: bool = True  # False: it gets there only through flows that break lineage (LIN001)


@dataclass(frozen=True)
class Derivative:
    """A field computed (directly or through others) from the traced one."""

    field: str
    derived_from: tuple[str, ...]
    derived_at: tuple[str, ...]


@dataclass
class Trace:
    """Everything ``lineage trace`` reports about one field."""

    field: str
    category: str
    tier: int
    identifier: str
    special: str
    derived_from: tuple[str, ...]
    holders: list[Holding]
    entries: list[str]
    chains: list[Chain]
    truncated: bool
    broken: list[dict]
    derivatives: list[Derivative] = field(default_factory=list)


def trace_folder(folder, field_id: str, rules=None) -> Trace:
    """Load the model under `folder` and check the rule files, then :func:`trace` `field_id`.

    Raises
    ------
    InputErrors
        If the model or a rule file is invalid, or the model does not declare `field_id`.
    """
    from lineage.pipeline import load_inputs

    model, _ = load_inputs(folder, rules)
    return trace(build(model), field_id, where=str(folder))


def trace(L: Lineage, field_id: str, where: str = "model", max_chains: int = MAX_CHAINS) -> Trace:
    """Trace `field_id` through the lineage graph.

    Parameters
    ----------
    L : Lineage
        A lineage graph made by :func:`lineage.graph.build`.
    field_id : str
        The field to trace.
    where : str
        The model folder, named in the error for an unknown field.
    max_chains : int
        List at most this many chains, the shortest ones (``Trace.truncated`` is then true).

    Returns
    -------
    Trace
        Holders sorted by system id; chains in tree order (each chain right
        after its prefix), the shortest ones kept when `max_chains` cuts
        them; derivatives by depth, then id.

    Raises
    ------
    InputErrors
        If the model does not declare `field_id`.
    """
    model = L.model
    if field_id not in model.fields:
        raise unknown_id("field", field_id, model.fields, where)
    info = model.field_info(field_id)
    held = holders(L, field_id)
    holdings, entries = [], {}
    for sid, form in held.items():
        found = origins(L, sid, field_id)
        items = []
        for o in found:
            item = {"kind": o.kind, "ref": o.ref, "form": o.form}
            if o.kind == "flow":
                item["source"] = model.flows[o.ref].source
            items.append(item)
        sourced = bool(L.sourced[sid][ANY] >> L.bit[field_id] & 1)
        holdings.append(Holding(sid, form, tuple(items), sourced))
        kinds = [o.kind for o in found if o.kind != "flow"]
        if kinds:
            entries[sid] = kinds[0]
    broken = [{"flow": b.flow, "rule": b.rule, "declared": b.declared, "held": b.held}
              for b in L.broken if b.field == field_id]
    chains, truncated = _chains(L, field_id, held, entries, max_chains)
    return Trace(field_id, model.fields[field_id].category, info.tier, info.identifier, info.special,
                 tuple(model.fields[field_id].derived_from), holdings, sorted(entries), chains,
                 truncated, broken, _derivatives(L, field_id))


def _carrying(L: Lineage, field_id: str) -> dict[str, list[Hop]]:
    """System -> the flows leaving it that declare `field_id`, by flow id."""
    out: dict[str, list[Hop]] = {}
    for fid in sorted(L.model.flows):
        flow = L.model.flows[fid]
        for use in flow.fields:
            if use.field == field_id:
                out.setdefault(flow.source, []).append(Hop(fid, flow.source, flow.target, use.form))
    return out


def _chains(L: Lineage, field_id: str, held: dict[str, str], entries: dict[str, str],
            limit: int) -> tuple[list[Chain], bool]:
    """Every chain from each entry, shortest first; then from senders no entry explains.

    Chains grow breadth-first, one hop at a time from every start together,
    so that when `limit` cuts the list, the chains kept are the shortest
    ones: every holder reached within the hops listed has its shortest
    chains there. A chain only goes on through a flow that carries the field
    in the form it arrived in or a less identifying one: a copy that arrived
    pseudonymised is not sent on raw. A flow that breaks lineage (LIN001,
    LIN002) is the exception, so the holders it feeds are still reached.
    """
    out_hops = _carrying(L, field_id)
    broken = {b.flow for b in L.broken if b.field == field_id}
    starts = dict(sorted(entries.items()))
    for sid in sorted(out_hops):
        if sid not in held:
            starts.setdefault(sid, "unsourced")
    chains: list[Chain] = []
    covered: set[str] = set()

    def grow(roots: dict[str, str]) -> bool:
        """Add the chains from `roots`, level by level; False when the limit cut them."""
        frontier = [(start, entry, (), start, frozenset([start]), 0) for start, entry in roots.items()]
        while frontier:
            nxt = []
            for start, entry, path, node, visited, rank in frontier:
                for hop in out_hops.get(node, ()):
                    hop_rank = FORM_RANK[hop.form]
                    if hop_rank < rank and hop.flow not in broken:
                        continue
                    if len(chains) >= limit:
                        return False
                    covered.add(hop.flow)
                    chain = (*path, hop)
                    chains.append(Chain(start, entry, chain))
                    if hop.target not in visited:
                        nxt.append((start, entry, chain, hop.target, visited | {hop.target}, hop_rank))
            frontier = nxt
        return True

    complete = grow(starts)
    # flows that only a loop of senders feeds (each holds it through the others)
    while complete:
        left = sorted(h.source for hops in out_hops.values() for h in hops if h.flow not in covered)
        if not left:
            break
        complete = grow({left[0]: "unsourced"})
    chains.sort(key=lambda c: (c.start, [(h.target, FORM_RANK[h.form], h.flow) for h in c.hops]))
    return chains, not complete


def _derivatives(L: Lineage, field_id: str) -> list[Derivative]:
    """Fields derived from `field_id`, directly or through other derived fields."""
    model = L.model
    depth = {field_id: 0}
    frontier = [field_id]
    while frontier:
        nxt = []
        for fid in sorted(model.fields):
            f = model.fields[fid]
            if fid not in depth and any(s in frontier for s in f.derived_from):
                depth[fid] = depth[frontier[0]] + 1
                nxt.append(fid)
        frontier = nxt
    out = []
    for fid in sorted((f for f in depth if f != field_id), key=lambda f: (depth[f], f)):
        at = tuple(sid for sid in sorted(model.systems)
                   if any(o.kind == "derived" for o in origins(L, sid, fid)))
        out.append(Derivative(fid, tuple(model.fields[fid].derived_from), at))
    return out


def as_dict(t: Trace) -> dict:
    """Return the JSON shape of a trace (stable key order)."""
    rules = {b["flow"]: b["rule"] for b in t.broken}
    return {
        "field": {"id": t.field, "category": t.category, "tier": t.tier, "identifier": t.identifier,
                  "special": t.special, "derived_from": list(t.derived_from)},
        "holders": [{"system": h.system, "form": h.form, "origins": list(h.origins), "sourced": h.sourced}
                    for h in t.holders],
        "entries": t.entries,
        "chains": [{"start": c.start, "entry": c.entry, "to": c.end, "path": c.text(),
                    "hops": [{"flow": h.flow, "from": h.source, "to": h.target, "form": h.form,
                              "broken": rules.get(h.flow)} for h in c.hops]}
                   for c in t.chains],
        "truncated": t.truncated,
        "broken": t.broken,
        "derivatives": [{"field": d.field, "derived_from": list(d.derived_from),
                         "derived_at": list(d.derived_at)} for d in t.derivatives],
    }


def _origin_text(o: dict) -> str:
    if o["kind"] == "collected":
        subject, purpose = o["ref"].split("/", 1)
        return f"collected from {subject} for {purpose}"
    if o["kind"] == "derived":
        return f"derived from {o['ref']}"
    return f"via {o['ref']} from {o['source']} ({o['form']})"


def format_trace(t: Trace, fmt: str = "text") -> str:
    """Return the trace as ``text`` or ``json``, ending with a newline."""
    if fmt == "json":
        return json.dumps(as_dict(t), indent=2, ensure_ascii=False) + "\n"
    kind = {"direct": "direct identifier", "quasi": "quasi-identifier", "none": "not an identifier"}
    head = f"{t.field}: category {t.category}, tier {t.tier}, {kind.get(t.identifier, t.identifier)}"
    if t.special != "none":
        head += f", {t.special.replace('art', 'Art. ')} data"
    lines = [head]
    if t.derived_from:
        lines.append(f"derived from: {', '.join(t.derived_from)}")
    if not t.holders:
        lines.append("held by no system: no system collects or derives it, and no flow carries it")
    else:
        lines.append(f"held by {len(t.holders)} system{'s' if len(t.holders) != 1 else ''}:")
        width = max(len(h.system) for h in t.holders)
        form_width = max(len(h.form) for h in t.holders)
        for h in t.holders:
            lead = f"  {h.system:<{width}}  {h.form:<{form_width}}  "
            for i, o in enumerate(h.origins):
                lines.append((lead if i == 0 else " " * len(lead)) + _origin_text(o))
            if not h.sourced:
                lines.append(" " * len(lead) + "but no one upstream holds it: only flows that break lineage bring it")
    if t.chains:
        lines.append("paths from where it enters (collection or derivation):")
        text_width = max(len(c.text()) for c in t.chains)
        broken = {b["flow"]: b["rule"] for b in t.broken}
        for c in t.chains:
            bad = [f"{h.flow} {broken[h.flow]}" for h in c.hops if h.flow in broken]
            mark = f"  [breaks lineage: {', '.join(bad)}]" if bad else ""
            lines.append(f"  {c.text():<{text_width}}  ({', '.join(h.flow for h in c.hops)}){mark}")
        if t.truncated:
            hops = max(len(c.hops) for c in t.chains)
            lines.append(f"  ... only the {len(t.chains)} shortest paths are listed (up to {hops} hops); "
                         "the holders above name every flow")
    if not t.chains and t.holders:
        lines.append("paths: none (it is held only where it enters)")
    for b in t.broken:
        held = f"holds it only {b['held']}" if b["held"] else "does not hold it"
        lines.append(f"broken: {b['flow']} declares it {b['declared']} but its source {held} ({b['rule']})")
    if t.derivatives:
        lines.append("fields derived from it:")
        for d in t.derivatives:
            at = f"derived at {', '.join(d.derived_at)}" if d.derived_at else "derived nowhere"
            lines.append(f"  {d.field} (from {', '.join(d.derived_from)}): {at}")
    else:
        lines.append("fields derived from it: none")
    return "\n".join(lines) + "\n"
