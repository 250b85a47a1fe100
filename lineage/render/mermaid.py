"""Mermaid ``flowchart LR`` of a :class:`~lineage.render.view.Map`, for GitHub Markdown.

GitHub renders Mermaid in Markdown, issues and pull requests with a strict
configuration a diagram cannot change: at most :data:`MAX_EDGES` edges and
:data:`MAX_CHARS` characters (JavaScript's: UTF-16 code units, see
:func:`js_length`), no HTML labels, no click handlers
(shared/domain/ci-conventions.md, section 6.1). So:

* node ids are generated (``sys_0``, ``org_0`` ...), never a user id and never
  ``end``; every label is a quoted string whose text goes through :func:`text`,
  which writes quotes, brackets, braces, pipes, ``<``, ``>``, ``&`` and ``#``
  as Mermaid entity codes (``#quot;``, ``#91;`` ...);
* organizations are subgraphs, styled by role (dashed outside the EEA, as is
  a system placed outside the EEA by its own ``country``, which its label says);
  systems are shaped by type and carry ``classDef`` classes for their score
  band and their worst finding (``finding_critical`` ...); flows are drawn
  by form (raw ``==>``, encrypted / hashed / masked ``-->``, pseudonymised
  and less identifying ``-.->``) and coloured with ``linkStyle`` when they
  have findings;
* a map over the limits is drawn collapsed (one node per organization), with
  a ``%%`` comment and a note for stderr; if even that is too big, the least
  important organization links are left out, and the note says how many.
"""

from __future__ import annotations

from lineage.findings import SEVERITY_RANK
from lineage.model.places import EEA
from lineage.render.dot import (
    FILLS,
    FINDING_STYLE,
    FORM_GROUPS,
    ROLE_STYLE,
    clean,
    describe,
    flow_label,
    most_that_fit,
    own_country,
    place,
)
from lineage.render.view import Link, Map, collapse

MAX_EDGES = 500
MAX_CHARS = 50_000

_ENTITIES = {
    ord("#"): "#35;",
    ord('"'): "#quot;",
    ord("<"): "#lt;",
    ord(">"): "#gt;",
    ord("&"): "#amp;",
    ord("["): "#91;",
    ord("]"): "#93;",
    ord("("): "#40;",
    ord(")"): "#41;",
    ord("{"): "#123;",
    ord("}"): "#125;",
    ord("%"): "#37;",
    ord("|"): "#124;",
    ord("`"): "#96;",
    ord("\n"): " ",
}
SHAPES = {  # system type -> (open, close) around a quoted label
    "application": ("[", "]"),
    "database": ("[(", ")]"),
    "saas": ("[[", "]]"),
    "file_share": ("[/", "/]"),
    "spreadsheet": ("[/", "/]"),
    "mailbox": (">", "]"),
    "api": ("{{", "}}"),
    "analytics": ("(", ")"),
    "backup": ("[(", ")]"),
    "endpoint": ("([", "])"),
}
ARROWS = {
    "raw": "==>",
    "encrypted": "-->",
    "hashed": "-->",
    "masked": "-->",
    "pseudonymised": "-.->",
    "generalised": "-.->",
    "aggregated": "-.->",
    "anonymised": "-.->",
    None: "-->",
}


def text(value) -> str:
    r"""Return `value` safe inside a quoted Mermaid label: entity codes, one line.

    Examples
    --------
    >>> text('CRM "EU" <b> [x] (y) {z} a|b #1 & 50% co\nnext')
    'CRM #quot;EU#quot; #lt;b#gt; #91;x#93; #40;y#41; #123;z#125; a#124;b #35;1 #amp; 50#37; co next'
    """
    return clean(value).translate(_ENTITIES)


def label(*lines) -> str:
    """Return a quoted label of escaped lines joined by ``<br>``."""
    return '"' + "<br>".join(text(line) for line in lines if line) + '"'


def _comment(value) -> str:
    """Return `value` as the text of a ``%%`` comment: one line, no directive."""
    return clean(value).replace("\n", " ").replace("%%{", "%% {")


def _cls(name: str) -> str:
    return name.replace(" ", "_").replace("-", "_")


def _class_lines(classes: dict[str, list[str]]) -> list[str]:
    return [f"  class {','.join(ids)} {name}" for name, ids in sorted(classes.items()) if ids]


def _class_defs() -> list[str]:
    out = [f"  classDef band_{_cls(b)} fill:{fill},color:#000000" for b, fill in FILLS.items()]
    for sev, (colour, width) in FINDING_STYLE.items():
        out.append(f"  classDef finding_{sev} stroke:{colour},stroke-width:{width:g}px")
    out.append("  classDef focus stroke-width:4px,stroke-dasharray:0")
    out.append("  classDef outside_eea stroke-dasharray:6 4")
    return out


def _link_styles(styles: dict[str, list[int]]) -> list[str]:
    return [
        f"  linkStyle {','.join(map(str, idx))} {style}"
        for style, idx in sorted(styles.items())
        if idx
    ]


def _edge_style(form: str | None, worst: str | None) -> str:
    if worst:
        colour, width = FINDING_STYLE[worst]
        return f"stroke:{colour},stroke-width:{width:g}px,color:{colour}"
    return f"stroke:{FORM_GROUPS[form or 'raw'][2]}"  # the colours of the DOT map


def _systems(m: Map) -> str:
    model = m.model
    ids = {sid: f"sys_{n}" for n, sid in enumerate(m.systems)}
    out = ["flowchart LR", f"  %% {_comment(describe(m))}"]
    classes: dict[str, list[str]] = {}
    by_org: dict[str, list[str]] = {}
    for sid in m.systems:
        by_org.setdefault(model.systems[sid].organization, []).append(sid)
    org_styles = []
    for n, org_id in enumerate(sorted(by_org)):
        org = model.organizations[org_id]
        outside = org.country not in EEA
        worst = m.worst(f"organization:{org_id}")
        caption = f"{org.name or org.id} · {org.role.replace('_', ' ')} · {place(org.country)}"
        if worst:
            caption += f" · ⚠ {worst}"
        out.append(f"  subgraph org_{n}[{label(caption)}]")
        for sid in by_org[org_id]:
            system = model.systems[sid]
            opening, closing = SHAPES[system.type]
            score = m.scores.get(sid)
            details = " · ".join(
                x for x in (system.type, f"score {score.total:g}" if score else "") if x
            )
            sev = m.worst(f"system:{sid}")
            extra = None
            if m.field:
                from lineage.graph import holdings

                form = holdings(m.lineage, sid).get(m.field)
                extra = f"holds {m.field} {form}" if form else f"does not hold {m.field}"
            count = f"⚠ {sev}" if sev else None
            country = own_country(model, sid)
            where = f"in {place(country)}" if country else None
            out.append(
                f"    {ids[sid]}{opening}"
                f"{label(system.name or sid, details, where, extra, count)}{closing}"
            )
            classes.setdefault(f"band_{_cls(m.band(sid))}", []).append(ids[sid])
            if country and country not in EEA:
                classes.setdefault("outside_eea", []).append(ids[sid])
            if sev:
                classes.setdefault(f"finding_{sev}", []).append(ids[sid])
            if sid == m.focus:
                classes.setdefault("focus", []).append(ids[sid])
        out.append("  end")
        border, fill = ROLE_STYLE[org.role]
        if worst:
            border = FINDING_STYLE[worst][0]
        dash = ",stroke-dasharray:6 4" if outside else ""
        org_styles.append(f"  style org_{n} fill:{fill},stroke:{border},stroke-width:2px{dash}")
    styles: dict[str, list[int]] = {}
    for n, fid in enumerate(m.flows):
        flow = model.flows[fid]
        form = m.flow_form(fid)
        edge_label = flow_label(m, fid, short=len(m.flows) > 150).replace("\n", ", ")
        out.append(f"  {ids[flow.source]} {ARROWS[form]}|{label(edge_label)}| {ids[flow.target]}")
        styles.setdefault(_edge_style(form, m.worst(f"flow:{fid}")), []).append(n)
    return (
        "\n".join(out + _class_defs() + _class_lines(classes) + org_styles + _link_styles(styles))
        + "\n"
    )


def _org_nodes(m: Map) -> dict[str, tuple[str, str, list[str]]]:
    """Return each collapsed node's id, line and classes, written once however often the map is drawn.

    A node is an organization, or its systems of one type (:meth:`Map.group`).
    Node ids (``org_<n>``) number the nodes of the whole map, so that a node
    reads the same in every trimmed attempt of :func:`to_mermaid`.
    """
    nodes = {}
    for n, (group, members) in enumerate(m.members.items()):
        org_id, _, kind = group.partition("/")
        org = m.model.organizations[org_id]
        top = max(members, key=lambda s: (m.score(s), s))
        worst = m.group_worst(group)
        alert = f"⚠ {worst}" if worst else None
        size = f"{len(members)} {kind.replace('_', ' ') + ' ' if kind else ''}systems"
        if m.scores.get(top):
            size += f" · max score {m.score(top):g}"
        line = f"  org_{n}({label(org.name or org_id, f'{org.role} · {place(org.country)}', size, alert)})"
        classes = [f"band_{_cls(m.band(top))}"]
        classes += [f"finding_{worst}"] if worst else []
        classes += ["outside_eea"] if org.country not in EEA else []
        nodes[group] = (f"org_{n}", line, classes)
    return nodes


def _link_edges(nodes: dict, links: list[Link]) -> dict[Link, tuple[str, str]]:
    """Return each link's edge line and ``linkStyle``, written once."""
    ids = {group: node[0] for group, node in nodes.items()}
    edges = {}
    for link in links:
        flows = f"{len(link.flows)} flow{'' if len(link.flows) == 1 else 's'}"
        fields = f"{len(link.fields)} field{'' if len(link.fields) == 1 else 's'}"
        line = (
            f"  {ids[link.source]} {ARROWS[link.form]}|{label(f'{flows}, {fields}')}| "
            f"{ids[link.target]}"
        )
        edges[link] = (line, _edge_style(link.form, link.worst))
    return edges


def _collapsed(m: Map, nodes: dict, edges: dict, groups: list[str], links: list[Link], note: str | None) -> str:
    """Assemble the collapsed diagram of `groups` and `links` from :func:`_org_nodes` and :func:`_link_edges`."""
    out = ["flowchart LR", f"  %% {_comment(describe(m))}"]
    if note:
        out.append(f"  %% {_comment(note)}")
    classes: dict[str, list[str]] = {}
    for group in groups:
        node_id, line, names = nodes[group]
        out.append(line)
        for name in names:
            classes.setdefault(name, []).append(node_id)
    styles: dict[str, list[int]] = {}
    for n, link in enumerate(links):
        line, style = edges[link]
        out.append(line)
        styles.setdefault(style, []).append(n)
    return "\n".join(out + _class_defs() + _class_lines(classes) + _link_styles(styles)) + "\n"


def js_length(text: str) -> int:
    """Return the length of `text` as JavaScript counts it, in UTF-16 code units.

    Mermaid's ``maxTextSize`` compares it with the JavaScript string length:
    a character beyond the Basic Multilingual Plane (an emoji) counts twice.

    Examples
    --------
    >>> len("a😀"), js_length("a😀")
    (2, 3)
    """
    return len(text.encode("utf-16-le")) // 2


def fits(source: str, edges: int) -> bool:
    """Whether a diagram is within GitHub's limits (:data:`MAX_EDGES`, :data:`MAX_CHARS` UTF-16 units)."""
    return edges <= MAX_EDGES and js_length(source) <= MAX_CHARS


def to_mermaid(m: Map) -> str:
    """Return the Mermaid text of a map, within GitHub's limits.

    A map over the limits is drawn collapsed and, if need be, trimmed of its
    least important organization links (those without findings, carrying
    fewest flows); each such step adds a note to ``m.notes`` for stderr and a
    ``%%`` comment to the diagram.
    """
    if not m.collapsed:
        source = _systems(m)
        if fits(source, len(m.flows)):
            return source
        m.notes.append(
            f"the Mermaid diagram of {len(m.systems)} systems and {len(m.flows)} flows exceeds "
            f"GitHub's limits ({MAX_EDGES} edges, {MAX_CHARS:,} characters): drawing one node "
            f"per organization instead"
        )
        m = collapse(m)
        note = (
            "collapsed to one node per organization: the full map exceeds GitHub's Mermaid limits"
        )
    else:
        note = None
    links = m.links()
    nodes = _org_nodes(m)
    edges = _link_edges(nodes, links)
    source = _collapsed(m, nodes, edges, list(m.members), links, note)
    if fits(source, len(links)):
        return source

    def priority(link: Link):
        return (
            -(SEVERITY_RANK[link.worst] + 1 if link.worst else 0),
            -len(link.flows),
            link.source,
            link.target,
        )

    ranked = sorted(links, key=priority)

    def attempt(k: int) -> str:
        kept = sorted(ranked[:k], key=lambda link: (link.source, link.target))
        touched = sorted({o for link in kept for o in (link.source, link.target)})
        cut = (
            f"{len(links) - k} of {len(links)} organization links left out "
            "to stay within GitHub's limits"
        )
        return _collapsed(m, nodes, edges, touched, kept, f"{note + '; ' if note else ''}{cut}")

    lo = most_that_fit(min(len(ranked), MAX_EDGES), lambda k: fits(attempt(k), k), least=0)
    m.notes.append(
        f"Mermaid: {len(links) - lo} of {len(links)} organization links left out to stay within "
        f"GitHub's limits; those with findings and the most flows are kept"
    )
    return attempt(lo)
