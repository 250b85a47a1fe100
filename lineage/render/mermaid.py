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
* a map over the limits is drawn collapsed (one node per organization); if
  even that is too big, the least important organizations and links are left
  out (:func:`_ranked`: the controllers are always kept). Either way a note
  says so, with exact counts and how to see everything, where GitHub shows
  it: the diagram's title (front matter, :func:`_front_matter`), besides a
  ``%%`` comment and ``m.notes`` for stderr.
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
from lineage.render.view import Link, Map, collapse, worst_of

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


def _front_matter(title: str) -> list[str]:
    r"""Return the front matter that titles a diagram: GitHub draws the title, not a ``%%`` comment.

    The title is a double-quoted YAML scalar on one line; Mermaid writes it
    as plain text, so it needs no entity codes.

    Examples
    --------
    >>> _front_matter(r'a "b" c:\d')
    ['---', 'title: "a \\"b\\" c:\\\\d"', '---']
    """
    quoted = clean(title).replace("\n", " ").replace("\\", "\\\\").replace('"', '\\"')
    return ["---", f'title: "{quoted}"', "---"]


def _collapsed(
    m: Map,
    nodes: dict,
    edges: dict,
    groups: list[str],
    links: list[Link],
    note: str | None,
    drawn: str = "",
) -> str:
    """Assemble the collapsed diagram of `groups` and `links` from :func:`_org_nodes` and :func:`_link_edges`.

    `note`, if any, is the title and a comment; `drawn` ends the header
    comment when only part of the map is drawn.
    """
    out = [*_front_matter(note)] if note else []
    out += ["flowchart LR", f"  %% {_comment(describe(m) + drawn)}"]
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


CONTROLLERS = ("controller", "joint_controller")
#: Where to see what a collapsed diagram does not show; the end of its title.
EVERY_SYSTEM = "to see every system: lineage render -f svg, or --system ID / --field ID for a part"
EVERYTHING = (
    "to see everything: lineage render -f svg (with --group organization: one node per organization), "
    "or --system ID / --field ID for a part"
)


def _severity(worst: str | None) -> int:
    """Return how bad a worst finding is: 0 without one, then 1 (info) up."""
    return SEVERITY_RANK[worst] + 1 if worst else 0


def _ranked(m: Map, links: list[Link]) -> tuple[list, int]:
    """Return the nodes (ids of :attr:`Map.members`) and links of a collapsed map, most important first.

    The controllers' nodes come first, then the links between them; then
    every other node, by its worst finding (its own, its systems', its
    links'), number of links and of flows, each followed by its links to the
    nodes before it. Any prefix of the list is thus a diagram: the nodes that
    matter most and the links between them, those with the worst findings
    and the most flows first. The second value is the number of the
    controllers' nodes.
    """
    touching: dict[str, list[Link]] = {group: [] for group in m.members}
    for link in links:
        touching[link.source].append(link)
        if link.target != link.source:
            touching[link.target].append(link)

    def controller(group: str) -> bool:
        return m.model.organizations[group.split("/")[0]].role in CONTROLLERS

    def importance(group: str):
        worst = worst_of([m.group_worst(group), *(link.worst for link in touching[group])])
        flows = sum(len(link.flows) for link in touching[group])
        return (not controller(group), -_severity(worst), -len(touching[group]), -flows, group)

    def priority(link: Link):
        return (-_severity(link.worst), -len(link.flows), link.source, link.target)

    order = sorted(m.members, key=importance)
    controllers = [group for group in order if controller(group)]
    out: list = []
    kept: set[str] = set()
    for batch in [controllers, *([group] for group in order[len(controllers):])]:
        kept.update(batch)
        new = {link for group in batch for link in touching[group] if {link.source, link.target} <= kept}
        out += [*batch, *sorted(new, key=priority)]
    return out, len(controllers)


def _trimmed(m: Map, nodes: dict, edges: dict, links: list[Link], note: str | None) -> str:
    """Draw the longest prefix of :func:`_ranked` within GitHub's limits, and say what is left out.

    The title, a comment and ``m.notes`` give the exact numbers of nodes and
    links left out, and how to see everything (:data:`EVERYTHING`).
    """
    ranked, controllers = _ranked(m, links)
    unit = "node" if m.by_type else "organization"
    order = {group: n for n, group in enumerate(m.members)}

    def attempt(k: int) -> tuple[str, int, str]:
        groups = sorted((x for x in ranked[:k] if isinstance(x, str)), key=order.__getitem__)
        kept = sorted((x for x in ranked[:k] if isinstance(x, Link)), key=lambda x: (x.source, x.target))
        lost = f"{len(links) - len(kept)} of {len(links)} organization links left out"
        if len(groups) < len(order):
            lost = f"{len(order) - len(groups)} of {len(order)} {unit}s and {lost}"
        if len(groups) < controllers:  # only when the controllers alone are over the limits
            lost += f" (controllers among them: {controllers - len(groups)})"
        cut = (
            f"{lost} to stay within GitHub's limits (kept first: controllers, the worst findings, "
            f"the most links); {EVERYTHING}"
        )
        drawn = f"; drawn: {len(groups)} of {len(order)} {unit}s, {len(kept)} of {len(links)} organization links"
        title = f"{note}; {cut}" if note else cut
        return _collapsed(m, nodes, edges, groups, kept, title, drawn), len(kept), cut

    k = most_that_fit(len(ranked), lambda k: fits(*attempt(k)[:2]), least=0)
    source, _, cut = attempt(k)
    m.notes.append(f"Mermaid: {cut}")
    return source


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

    A map over the limits is drawn collapsed and, if need be, trimmed
    (:func:`_trimmed`); each such step adds a note to ``m.notes`` for stderr
    and to the diagram, as its title and a ``%%`` comment.
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
    source = _collapsed(m, nodes, edges, list(m.members), links, f"{note}; {EVERY_SYSTEM}" if note else None)
    if fits(source, len(links)):
        return source
    return _trimmed(m, nodes, edges, links, note)
