"""The diff map: the union of two models' graphs, painted by what changed.

Systems and flows added are green, removed red and dashed, changed amber,
unchanged grey (the convention of Terraform plan visualisers). A system
counts as changed when its attributes, what it holds or its exposure score
changed. Organizations are clusters; a legend explains the colours. In the
SVG each system's group has ``id="system-<id>"``, each flow's
``id="flow-<id>"``, each organization's ``id="organization-<id>"``, and each
carries the class ``diff-added``, ``diff-removed``, ``diff-changed`` or
``diff-unchanged``.

A union too big for dot to lay out in a few seconds (the limits of
``lineage render``'s overview: :data:`~lineage.render.view.AUTO_COLLAPSE`
systems, :data:`~lineage.render.view.AUTO_COLLAPSE_FLOWS` flows,
:data:`~lineage.render.dot.LAYOUT_BUDGET`) is drawn smaller, with a note:
the changed systems and their neighbours, else the changed systems alone,
else one node per organization (``id="organization-<id>"``), with one edge per
pair of organizations (``id="orgflow-<source>-TO-<target>"``) counting its
flows by status; with fewer than
:data:`~lineage.render.view.MIN_ORGANIZATIONS` organizations, one node per
organization and system type (``id="group-<organization>--<type>"``), as
``lineage render`` does.

The DOT text is written here, sorted (user text escaped with
:func:`lineage.render.dot.quote`), ranked like ``lineage render``'s maps
(``newrank``, edges pointed down :func:`lineage.render.dot.layers`) and laid
out by :func:`lineage.render.dot.run_dot`; the SVG is byte-for-byte the same
for the same two models (the comment naming the Graphviz version is
normalised).
"""

from __future__ import annotations

from collections.abc import Callable

from lineage.render.dot import (
    INSTALL,
    LAYOUT_BUDGET,
    attrs,
    edge_line,
    layers,
    layout_attrs,
    layout_cost,
    most_that_fit,
    node_id,
    quote,
)
from lineage.render.view import AUTO_COLLAPSE, AUTO_COLLAPSE_FLOWS, split_by_type

STYLES = {
    "added": {"color": "#2e7d32", "fillcolor": "#e8f5e9", "fontcolor": "#1b5e20", "penwidth": "2"},
    "removed": {"color": "#c62828", "fillcolor": "#ffebee", "fontcolor": "#b71c1c", "penwidth": "2"},
    "changed": {"color": "#ef8f00", "fillcolor": "#fff3e0", "fontcolor": "#7a4500", "penwidth": "2"},
    "unchanged": {"color": "#9e9e9e", "fillcolor": "#f5f5f5", "fontcolor": "#616161", "penwidth": "1"},
}
#: How to get a smaller diff map when dot runs out of time: the options ``lineage diff`` has.
SMALLER = "compare a part of the model (--model SUB-FOLDER), or leave out --render"


class RenderError(Exception):
    """Graphviz is missing or failed; the message says what to do."""


class _Union:
    """The systems, flows and organizations of both models, with the status of each."""

    def __init__(self, diff):
        base, head = diff.base.model, diff.head.model
        self.diff = diff
        self.systems = {**base.systems, **head.systems}
        self.orgs = {**base.organizations, **head.organizations}
        self.flows = {**base.flows, **head.flows}
        self._status = {(e.kind, e.id): e.status for items in diff.entities.values() for e in items}
        self.holdings = {d.owner: d for d in diff.holdings}
        self.scores = {s.system: s for s in diff.exposure}
        self.flow_fields = {d.owner: d for d in diff.flow_fields}

    def status(self, kind: str, ident: str) -> str:
        """Return ``added``, ``removed``, ``changed`` or ``unchanged`` (a system: also holdings, score)."""
        status = self._status.get((kind, ident))
        if status:
            return status
        if kind == "system" and (ident in self.holdings or ident in self.scores):
            return "changed"
        return "unchanged"

    def org_of(self, sid: str) -> str:
        return self.systems[sid].organization

    def by_org_and_type(self, sid: str) -> str:
        """Return the node of the view per organization and system type a system is in: ``<organization>/<type>``."""
        system = self.systems[sid]
        return f"{system.organization}/{system.type}"

    def ends(self, fid: str) -> tuple[str, str]:
        return self.flows[fid].source, self.flows[fid].target


def _style(status: str, shape_style: str) -> dict[str, str]:
    style = dict(STYLES[status])
    style["style"] = shape_style + (",dashed" if status == "removed" else "")
    return style


def to_dot(diff, notes: list[str] | None = None) -> str:
    """Return the DOT text of the diff map of a :class:`lineage.diff.ModelDiff`.

    Parameters
    ----------
    diff : lineage.diff.ModelDiff
    notes : list of str, optional
        Receives a note (for stderr) when the map is drawn smaller than the
        union of both models; see the module docstring.
    """
    union = _Union(diff)
    systems, flows, node_of = _scope(union, [] if notes is None else notes)
    nodes = len({node_of(s) for s in systems}) if node_of else len(systems)
    graph = attrs(**layout_attrs(nodes), rankdir="LR", fontname="Helvetica", fontsize="11",
                  nodesep="0.35", ranksep="0.9", id="lineage-diff",
                  label=f"lineage diff: {diff.base_label} -> {diff.head_label}", labelloc="t")
    lines = [
        f"digraph {quote('lineage diff')} {{",
        f"  graph {graph};",
        "  node " + attrs(shape="box", fontname="Helvetica", fontsize="10") + ";",
        "  edge " + attrs(fontname="Helvetica", fontsize="9") + ";",
    ]
    lines += _organizations(union, systems, flows, node_of) if node_of else _systems(union, systems, flows)
    lines += _legend()
    lines.append("}")
    return "\n".join(lines) + "\n"


def _fits(union: _Union, systems, flows) -> bool:
    """Whether dot lays out these systems and flows in a few seconds (the limits of ``render``)."""
    if len(systems) > AUTO_COLLAPSE or len(flows) > AUTO_COLLAPSE_FLOWS:
        return False
    return layout_cost(sorted(systems), [union.ends(f) for f in flows]) <= LAYOUT_BUDGET


def _scope(union: _Union, notes: list[str]) -> tuple[list[str], list[str], Callable[[str], str] | None]:
    """Return the systems and flows to draw and, when they are drawn grouped, the node of each system.

    The node is the system's organization, or its organization and type
    when there are too few organizations for the grouped view to say much.
    """
    systems, flows = sorted(union.systems), sorted(union.flows)
    if _fits(union, systems, flows):
        return systems, flows, None
    changed = {s for s in systems if union.status("system", s) != "unchanged"}
    changed |= {end for f in flows if union.status("flow", f) != "unchanged" for end in union.ends(f)}
    near = changed | {end for f in flows if set(union.ends(f)) & changed for end in union.ends(f)}
    size = f"the diff map of {len(systems)} systems and {len(flows)} flows is too big to lay out in a few seconds"
    for kept, what in ((near, "and their neighbours"), (changed, "only")):
        inside = [f for f in flows if set(union.ends(f)) <= kept]
        if kept and _fits(union, kept, inside):
            notes.append(f"{size}: drawing the {len(changed)} changed systems {what} "
                         f"({len(kept)} systems, {len(inside)} flows)")
            return sorted(kept), inside, None
    why = f"so are its {len(changed)} changed systems" if changed else "no system changed"
    by_type = split_by_type(len({union.org_of(s) for s in systems}),
                            len({union.by_org_and_type(s) for s in systems}))
    per = "organization and system type" if by_type else "organization"
    notes.append(f"{size}, and {why}: drawing one node per {per} instead")
    return systems, flows, union.by_org_and_type if by_type else union.org_of


def _systems(union: _Union, systems: list[str], flows: list[str]) -> list[str]:
    """Clusters of systems, one per organization, and the flows between them."""
    lines = []
    members: dict[str, list[str]] = {}
    for sid in systems:
        members.setdefault(union.org_of(sid), []).append(sid)
    for oid in sorted(members):
        org = union.orgs[oid]
        status = union.status("organization", oid)
        style = _style(status, "rounded")
        style.pop("fillcolor")
        lines.append(f"  subgraph {quote('cluster_org_' + oid)} {{")
        lines.append("    graph " + attrs(id=f"organization-{oid}", **{"class": f"diff-{status}"},
                                           label=f"{oid} ({org.role}, {org.country})",
                                           tooltip=f"organization {oid}: {status}", **style) + ";")
        lines += ["    " + _system(union, sid) for sid in members[oid]]
        lines.append("  }")
    from lineage.diff import delta_text

    edges = [union.ends(f) for f in flows]
    rank = layers(systems, edges)
    for fid, (source, target) in zip(flows, edges, strict=True):
        flow = union.flows[fid]
        status = union.status("flow", fid)
        style = _style(status, "solid")
        style.pop("fillcolor")
        label = fid
        delta = union.flow_fields.get(fid)
        if delta:
            label += "\n" + delta_text(delta)
        carried = ", ".join(u.field if u.form == "raw" else f"{u.field} ({u.form})" for u in flow.fields)
        edge = {"id": f"flow-{fid}", "class": f"diff-{status}", "label": label,
                "tooltip": f"flow {fid} ({status}): {carried or 'no fields'}", **style}
        lines.append(edge_line(source, target, edge, rank))
    return lines


def _system(union: _Union, sid: str) -> str:
    status = union.status("system", sid)
    delta, score = union.holdings.get(sid), union.scores.get(sid)
    label = [sid]
    tip = [f"system {sid}: {status}"]
    if delta:
        counts = []
        if delta.added:
            counts.append(f"+{len(delta.added)} held")
        if delta.removed:
            counts.append(f"-{len(delta.removed)} held")
        if delta.changed:
            counts.append(f"{len(delta.changed)} re-formed")
        label.append(", ".join(counts))
        from lineage.diff import delta_text

        tip.append(f"holds {delta_text(delta)}")
    if score and None in (score.base, score.head):
        label.append(f"exposure {score.head if score.base is None else score.base:g}")
    elif score:
        label.append(f"exposure {score.base:g} -> {score.head:g}")
    return (f"{quote(sid)} " + attrs(id=f"system-{sid}", **{"class": f"diff-{status}"}, label="\n".join(label),
                                      tooltip="; ".join(tip), **_style(status, "rounded,filled")) + ";")


def _tally(statuses) -> str:
    """E.g. ``2 added, 5 unchanged``: how many of each status, in the legend's order.

    Examples
    --------
    >>> _tally(["unchanged", "added", "unchanged"])
    '1 added, 2 unchanged'
    """
    statuses = list(statuses)
    return ", ".join(f"{statuses.count(s)} {s}" for s in STYLES if s in statuses)


def _overall(statuses) -> str:
    """Return the status of a group: the one status all share, else ``changed``."""
    found = set(statuses)
    return found.pop() if len(found) == 1 else "changed"


def _organizations(union: _Union, systems: list[str], flows: list[str], node_of: Callable[[str], str]) -> list[str]:
    """One node per organization (or per organization and system type), one edge per pair.

    Nodes count their systems and the flows inside by status, edges their
    flows. Nodes are kept, as many as dot lays out in a few seconds, in this
    order: the most changed systems and flows, then the most flows.
    """
    members: dict[str, list[str]] = {}
    for sid in systems:
        members.setdefault(node_of(sid), []).append(sid)
    inside: dict[str, list[str]] = {o: [] for o in members}
    between: dict[tuple[str, str], list[str]] = {}
    for fid in flows:
        pair = tuple(node_of(end) for end in union.ends(fid))
        if pair[0] == pair[1]:
            inside[pair[0]].append(fid)
        else:
            between.setdefault(pair, []).append(fid)
    changes = {o: sum(union.status("system", s) != "unchanged" for s in members[o])
               + sum(union.status("flow", f) != "unchanged" for f in inside[o]) for o in members}
    degree = dict.fromkeys(members, 0)
    for (src, dst), fids in between.items():
        degree[src] += len(fids)
        degree[dst] += len(fids)
    ranked = sorted(members, key=lambda o: (-changes[o], -degree[o] - len(inside[o]), o))

    def links(orgs) -> list[tuple[str, str]]:
        return sorted(pair for pair in between if set(pair) <= orgs)

    k = most_that_fit(len(ranked), lambda n: layout_cost(ranked[:n], links(set(ranked[:n]))) <= LAYOUT_BUDGET)
    kept = sorted(ranked[:k])
    lines = []
    for group in kept:
        oid, _, kind = group.partition("/")
        org = union.orgs[oid]
        status = union.status("organization", oid)
        if status == "unchanged" and changes[group]:
            status = "changed"
        kind_text = kind.replace("_", " ") + " " if kind else ""
        label = f"{oid} ({org.role}, {org.country})\n{len(members[group])} {kind_text}systems: "
        label += _tally(union.status("system", s) for s in members[group])
        if inside[group]:
            label += f"\n{len(inside[group])} flows inside: " + _tally(union.status("flow", f) for f in inside[group])
        moved = [s for s in members[group] if union.status("system", s) != "unchanged"]
        tooltip = f"organization {oid}: {status}" + (f"\nsystems changed: {', '.join(moved)}" if moved else "")
        node = attrs(id=f"group-{node_id(group)}" if kind else f"organization-{oid}", **{"class": f"diff-{status}"},
                     label=label, tooltip=tooltip, **_style(status, "rounded,filled"))
        lines.append(f"  {quote('org:' + group)} {node};")
    pairs = links(set(kept))
    rank = layers([f"org:{o}" for o in kept], [(f"org:{s}", f"org:{t}") for s, t in pairs])
    for src, dst in pairs:
        statuses = [union.status("flow", f) for f in between[src, dst]]
        status = _overall(statuses)
        style = _style(status, "solid")
        style.pop("fillcolor")
        edge = {"id": f"orgflow-{node_id(src)}-TO-{node_id(dst)}", "class": f"orgflow diff-{status}",
                "label": f"{len(statuses)} flows\n{_tally(statuses)}",
                "tooltip": f"{src} -> {dst}: " + ", ".join(between[src, dst]), **style}
        lines.append(edge_line(f"org:{src}", f"org:{dst}", edge, rank))
    return lines


def _legend() -> list[str]:
    """One node with an HTML-like table: a swatch per status."""
    cells = []
    for status, text in (("added", "added"), ("removed", "removed"), ("changed", "changed"),
                         ("unchanged", "unchanged")):
        style = STYLES[status]
        dashed = ' STYLE="dashed"' if status == "removed" else ""
        cells.append(f'<TD BGCOLOR="{style["fillcolor"]}" COLOR="{style["color"]}"{dashed}>'
                     f'<FONT COLOR="{style["fontcolor"]}">{text}</FONT></TD>')
    table = ('<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="4" CELLPADDING="4">'
             '<TR><TD BORDER="0" COLSPAN="4"><B>Legend</B></TD></TR>'
             f'<TR>{"".join(cells)}</TR></TABLE>')
    node = attrs(id="legend-table", shape="plaintext", fontname="Helvetica", fontsize="10",
                  tooltip="green added, red dashed removed, amber changed, grey unchanged")
    return ["  subgraph \"cluster_legend\" {",
            "    graph " + attrs(id="legend", label="", color="#9e9e9e", style="rounded") + ";",
            f"    \"legend-table\" {node[:-1]}, label=<{table}>];",
            "  }"]


#: An inline map of the changes, in a PR comment, draws at most this many flows and systems.
MERMAID_FLOWS = 60
MERMAID_SYSTEMS = 60


def to_mermaid(diff) -> tuple[str | None, str | None]:
    """Return a Mermaid flowchart of what changed, for the Markdown of ``lineage diff``, or a note why not.

    It draws the changed systems and the ends of the changed flows, with
    every flow between them (the unchanged ones grey, for context): colours
    and dashes as in the SVG. Over :data:`MERMAID_FLOWS` flows the unchanged
    ones are left out; over that again, or over :data:`MERMAID_SYSTEMS`
    systems, there is no chart but a note pointing to ``--render``.

    Returns
    -------
    (chart, note)
        ``(chart, None)``; ``(None, note)`` when the changes are too many to
        draw inline; ``(None, None)`` when no system or flow changed.
    """
    from lineage.diff import delta_text
    from lineage.render.mermaid import SHAPES, label

    union = _Union(diff)
    flows = sorted(union.flows)
    moved = [f for f in flows if union.status("flow", f) != "unchanged"]
    shown = {s for s in union.systems if union.status("system", s) != "unchanged"}
    shown |= {end for f in moved for end in union.ends(f)}
    if not shown:
        return None, None
    drawn = [f for f in flows if set(union.ends(f)) <= shown]
    if len(drawn) > MERMAID_FLOWS:
        drawn = moved
    if len(drawn) > MERMAID_FLOWS or len(shown) > MERMAID_SYSTEMS:
        changed = sum(1 for s in shown if union.status("system", s) != "unchanged")
        return None, (f"{changed} systems and {len(moved)} flows changed ({len(shown)} systems involved), "
                      "too many to draw here: `lineage diff --render diff.svg` draws them")
    ids = {sid: f"sys_{n}" for n, sid in enumerate(sorted(shown))}
    lines = ["flowchart LR"]
    for status, style in STYLES.items():
        dash = ",stroke-dasharray:6 4" if status == "removed" else ""
        lines.append(f"  classDef {status} fill:{style['fillcolor']},stroke:{style['color']},"
                     f"color:{style['fontcolor']},stroke-width:{style['penwidth']}px{dash}")
    for sid in sorted(shown):
        status = union.status("system", sid)
        delta = union.holdings.get(sid)
        opening, closing = SHAPES[union.systems[sid].type]
        lines.append(f"  {ids[sid]}{opening}{label(sid, f'holds {delta_text(delta)}' if delta else '')}{closing}"
                     f":::{status}")
    for n, fid in enumerate(drawn):
        source, target = union.ends(fid)
        status = union.status("flow", fid)
        delta = union.flow_fields.get(fid)
        arrow = "-.->" if status == "removed" else "-->"
        lines.append(f"  {ids[source]} {arrow}|{label(fid, delta_text(delta) if delta else '')}| {ids[target]}")
        style = STYLES[status]
        lines.append(f"  linkStyle {n} stroke:{style['color']},stroke-width:{style['penwidth']}px")
    return "\n".join(lines) + "\n", None


def render_svg(diff, notes: list[str] | None = None) -> str:
    """Lay out :func:`to_dot` with Graphviz and return the SVG text.

    Parameters
    ----------
    diff : lineage.diff.ModelDiff
    notes : list of str, optional
        Receives a note when the map is drawn smaller (see :func:`to_dot`).

    Raises
    ------
    RenderError
        When Graphviz ``dot`` is not installed, fails or runs out of time.
    """
    from lineage.render.dot import GraphvizFailed, GraphvizMissing, run_dot

    try:
        svg = run_dot(to_dot(diff, notes), "svg", smaller=SMALLER)
    except GraphvizMissing:
        raise RenderError(f"Graphviz 'dot' was not found on the PATH, it is needed for --render: {INSTALL}") from None
    except GraphvizFailed as exc:
        raise RenderError(str(exc)) from None
    return svg.decode("utf-8")
