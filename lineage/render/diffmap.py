"""The diff map: the union of two models' graphs, painted by what changed.

Systems and flows added are green, removed red and dashed, changed amber,
unchanged grey (the convention of Terraform plan visualisers). A system
counts as changed when its attributes, what it holds or its exposure score
changed. Organizations are clusters; a legend explains the colours. In the
SVG each system's group has ``id="system-<id>"``, each flow's
``id="flow-<id>"``, each organization's ``id="organization-<id>"``, and each
carries the class ``diff-added``, ``diff-removed``, ``diff-changed`` or
``diff-unchanged``.

The DOT text is written here, sorted (user text escaped with
:func:`lineage.render.dot.quote`), and laid out by
:func:`lineage.render.dot.run_dot`; the SVG is byte-for-byte the same for the
same two models (the comment naming the Graphviz version is normalised).
"""

from __future__ import annotations

from lineage.render.dot import INSTALL, attrs, quote

STYLES = {
    "added": {"color": "#2e7d32", "fillcolor": "#e8f5e9", "fontcolor": "#1b5e20", "penwidth": "2"},
    "removed": {"color": "#c62828", "fillcolor": "#ffebee", "fontcolor": "#b71c1c", "penwidth": "2"},
    "changed": {"color": "#ef8f00", "fillcolor": "#fff3e0", "fontcolor": "#7a4500", "penwidth": "2"},
    "unchanged": {"color": "#9e9e9e", "fillcolor": "#f5f5f5", "fontcolor": "#616161", "penwidth": "1"},
}


class RenderError(Exception):
    """Graphviz is missing or failed; the message says what to do."""


def _style(status: str, shape_style: str) -> dict[str, str]:
    style = dict(STYLES[status])
    style["style"] = shape_style + (",dashed" if status == "removed" else "")
    return style


def system_status(diff, sid: str) -> str:
    """Return ``added``, ``removed``, ``changed`` (attributes, holdings or exposure) or ``unchanged``."""
    status = diff.status("system", sid)
    if status:
        return status
    if any(d.owner == sid for d in diff.holdings) or any(s.system == sid for s in diff.exposure):
        return "changed"
    return "unchanged"


def to_dot(diff) -> str:
    """Return the DOT text of the diff map of a :class:`lineage.diff.ModelDiff`."""
    from lineage.diff import delta_text

    base, head = diff.base.model, diff.head.model
    systems = {**base.systems, **head.systems}
    orgs = {**base.organizations, **head.organizations}
    flows = {**base.flows, **head.flows}
    holdings = {d.owner: d for d in diff.holdings}
    scores = {s.system: s for s in diff.exposure}
    flow_fields = {d.owner: d for d in diff.flow_fields}

    lines = [
        f"digraph {quote('lineage diff')} {{",
        "  " + "graph " + attrs(rankdir="LR", fontname="Helvetica", fontsize="11", nodesep="0.35",
                                 ranksep="0.9", id="lineage-diff",
                                 label=f"lineage diff: {diff.base_label} -> {diff.head_label}",
                                 labelloc="t") + ";",
        "  node " + attrs(shape="box", fontname="Helvetica", fontsize="10") + ";",
        "  edge " + attrs(fontname="Helvetica", fontsize="9") + ";",
    ]
    members: dict[str, list[str]] = {}
    for sid in sorted(systems):
        members.setdefault(systems[sid].organization, []).append(sid)
    for oid in sorted(members):
        org = orgs[oid]
        status = diff.status("organization", oid) or "unchanged"
        style = _style(status, "rounded")
        style.pop("fillcolor")
        lines.append(f"  subgraph {quote('cluster_org_' + oid)} {{")
        lines.append("    graph " + attrs(id=f"organization-{oid}", **{"class": f"diff-{status}"},
                                           label=f"{oid} ({org.role}, {org.country})",
                                           tooltip=f"organization {oid}: {status}", **style) + ";")
        lines += ["    " + _system(diff, sid, holdings.get(sid), scores.get(sid)) for sid in members[oid]]
        lines.append("  }")
    for fid in sorted(flows):
        flow = flows[fid]
        status = diff.status("flow", fid) or "unchanged"
        style = _style(status, "solid")
        style.pop("fillcolor")
        label = fid
        delta = flow_fields.get(fid)
        if delta:
            label += "\n" + delta_text(delta)
        carried = ", ".join(u.field if u.form == "raw" else f"{u.field} ({u.form})" for u in flow.fields)
        lines.append(f"  {quote(flow.source)} -> {quote(flow.target)} "
                     + attrs(id=f"flow-{fid}", **{"class": f"diff-{status}"}, label=label,
                              tooltip=f"flow {fid} ({status}): {carried or 'no fields'}", **style) + ";")
    lines += _legend()
    lines.append("}")
    return "\n".join(lines) + "\n"


def _system(diff, sid: str, delta, score) -> str:
    status = system_status(diff, sid)
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


def render_svg(diff) -> str:
    """Lay out :func:`to_dot` with Graphviz and return the SVG text.

    Raises
    ------
    RenderError
        When Graphviz ``dot`` is not installed, fails or runs out of time.
    """
    from lineage.render.dot import GraphvizFailed, GraphvizMissing, run_dot

    try:
        svg = run_dot(to_dot(diff), "svg")
    except GraphvizMissing:
        raise RenderError(f"Graphviz 'dot' was not found on the PATH, it is needed for --render: {INSTALL}") from None
    except GraphvizFailed as exc:
        raise RenderError(str(exc)) from None
    return svg.decode("utf-8")
