"""Graphviz DOT text of a :class:`~lineage.render.view.Map`, and SVG/PNG through ``dot``.

The DOT is built with plain f-strings (about 7x faster than the ``graphviz``
package's ``Digraph``, shared/domain/perf-baselines.md section 3); every piece
of user text goes through :func:`quote` (attribute values) or :func:`html`
(HTML-like labels).

What the map shows
------------------
* Organizations are clusters (``id="organization-<id>"``), bordered by role:
  controllers blue, processors amber, subprocessors purple, recipients green,
  authorities grey. Outside the EEA the border is dashed and thicker and the
  label says so with the country code.
* Systems (``id="system-<id>"``) are shaped by type (database cylinder, saas
  component, mailbox note, spreadsheet tab, file share folder, api cds,
  analytics rounded box, backup box3d, endpoint house, application box) and
  filled by the band of their RISK001 exposure score. The label shows name,
  type, exposure and score, and how many findings with the worst severity.
  A system whose own ``country`` is not its organization's says where it is;
  outside the EEA its border is dashed and thicker, as a cluster's would be,
  and it has the class ``outside-eea``.
* Flows (``id="flow-<id>"``) are labelled with their fields (or "N fields"
  beyond :data:`~lineage.render.view.LABEL_FIELDS`, with every field in the
  tooltip) and styled by the most identifying form carried: raw solid dark,
  encrypted / hashed / masked solid blue, pseudonymised dashed, generalised /
  aggregated / anonymised dotted grey.
* Anything with a non-waived finding gets a red (medium: orange) thicker
  border or line, and the SVG class ``finding-<severity>`` of the worst one;
  tooltips list every finding, waived ones marked.
* A legend cluster (``id="legend"``) explains shapes, fills, lines and borders.
* In the collapsed view, each organization is a node (``id="organization-<id>"``)
  and the flows between two organizations one edge
  (``id="orgflow-<source>-TO-<target>"``: ids are lower case, so the upper-case
  ``TO`` cannot be part of one, and the id is a valid XML name, usable in CSS).
  With fewer than :data:`~lineage.render.view.MIN_ORGANIZATIONS` organizations,
  a node holds the systems of one type of an organization
  (``id="group-<organization>--<type>"``, edges
  ``orgflow-<organization>--<type>-TO-<organization>--<type>``).

Output is deterministic: nodes, clusters and edges sorted by id, explicit
``id`` attributes, no timestamps, and the Graphviz version comment of the SVG
replaced by a fixed one (:func:`normalise_svg`).
"""

from __future__ import annotations

import html as _html
import re
import shutil
import subprocess
import textwrap

from lineage.model.places import EEA
from lineage.render.view import LABEL_FIELDS, SHORT_LABELS, Map, band_limits, collapse, worst_of

#: Above this many nodes, dot gets the network-simplex and crossing limits that
#: divide its time by about 3 (perf-baselines section 3, "limits").
FAST_LAYOUT = 150
#: Estimated layout work (:func:`layout_cost`) above which dot would take more
#: than a few seconds: a denser map is collapsed, a denser collapsed map trimmed.
#: Measured with benchmarks/render.py on 2 vCPUs: cost 3,000 lays out in 0.5 to
#: 2.7 s; 5,000 to 6,000 in 5 to 50 s.
LAYOUT_BUDGET = 3000
#: Seconds `dot` may run before rendering gives up.
TIMEOUT = 60
#: The longest side of a PNG, in pixels: a bigger map is scaled down to it. Rasterising
#: costs by the pixel: a 299-system map drawn at full size (20,087 x 10,435 px) took
#: 13 CPU-s and 850 MB in dot, against 2.3 s at 8,000 x 4,156 (benchmarks/render.py).
PNG_PIXELS = 8000
#: Graphviz's resolution for PNG, pixels per inch (its default).
PNG_DPI = 96
INSTALL = (
    "install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), "
    "'brew install graphviz' (macOS) or see https://graphviz.org/download/"
)
INSTALL_HINT = f"{INSTALL}; --format dot and --format mermaid work without it"
#: What ``lineage render`` offers when dot runs out of time.
SMALLER = "draw a smaller view (--group organization, --field, --system or --min-severity)"

FONT = "Helvetica,Arial,sans-serif"
SHAPES = {
    "application": ("box", ""),
    "database": ("cylinder", ""),
    "saas": ("component", ""),
    "file_share": ("folder", ""),
    "spreadsheet": ("tab", ""),
    "mailbox": ("note", ""),
    "api": ("cds", ""),
    "analytics": ("box", "rounded"),
    "backup": ("box3d", ""),
    "endpoint": ("house", ""),
}
FILLS = {
    "none": "#ffffff",
    "low": "#d9f0d3",
    "medium": "#fff2a8",
    "high": "#fdb863",
    "very high": "#f4795b",
}
ROLE_STYLE = {  # border, background
    "controller": ("#1b4f8a", "#eef3fa"),
    "joint_controller": ("#1b4f8a", "#eef3fa"),
    "processor": ("#b36b00", "#fdf5e6"),
    "subprocessor": ("#7b2a8c", "#f7eef9"),
    "recipient": ("#3f7a2a", "#f0f6ec"),
    "authority": ("#555555", "#f3f3f3"),
}
FORM_GROUPS = {  # form -> (group, style, colour, penwidth)
    "raw": ("raw", "solid", "#222222", 1.6),
    "encrypted": ("protected", "solid", "#2b6cb0", 1.2),
    "hashed": ("protected", "solid", "#2b6cb0", 1.2),
    "masked": ("protected", "solid", "#2b6cb0", 1.2),
    "pseudonymised": ("pseudonymised", "dashed", "#2b6cb0", 1.2),
    "generalised": ("reduced", "dotted", "#777777", 1.2),
    "aggregated": ("reduced", "dotted", "#777777", 1.2),
    "anonymised": ("reduced", "dotted", "#777777", 1.2),
}
FINDING_STYLE = {  # severity -> colour, penwidth
    "critical": ("#b2182b", 4.0),
    "high": ("#d7301f", 3.0),
    "medium": ("#e6550d", 2.2),
    "low": ("#6a51a3", 1.6),
    "info": ("#6a51a3", 1.3),
}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_ID_OR_CLASS = re.compile(rb'\b(?:id|class)="[^"]*"')
_GENERATED = re.compile(rb"<!-- Generated by graphviz version [^>]*?-->")
#: An edge written reversed (:func:`edge_line`): Graphviz names it tail->head, in its comment and <title>.
_REVERSED = re.compile(rb"<!-- (?P<tail>.*?)&#45;&gt;(?P<head>.*?) -->\n<!-- reversed -->\n(?P<group><g [^\n]*>)\n"
                       rb"<title>(?P=tail)&#45;&gt;(?P=head)</title>")


class GraphvizMissing(RuntimeError):
    """The ``dot`` program is not installed."""


class GraphvizFailed(RuntimeError):
    """``dot`` failed or did not finish in time."""


def clean(text) -> str:
    r"""Return `text` as one string without characters XML cannot hold.

    Tabs and other control characters become spaces, ``\r\n`` and ``\r``
    become ``\n``.

    Examples
    --------
    >>> clean("a\tb\r\nc\x00")
    'a b\nc '
    """
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub(" ", text)


def quote(text, tooltip: bool = False) -> str:
    r"""Return `text` as a DOT double-quoted string that Graphviz shows verbatim.

    Backslashes are doubled (Graphviz would read ``\N``, ``\l`` ... as
    escapes), double quotes escaped, newlines turned into ``\n`` line breaks
    and ``&`` written ``&amp;`` (Graphviz decodes entities in labels, so a
    literal ``&lt;`` would otherwise show as ``<``). ``<``, ``>``, braces and
    brackets need nothing inside quotes; Graphviz escapes them in SVG.
    Control characters XML cannot hold become spaces.

    In a tooltip a backslash is written four times: Graphviz undoes backslash
    escapes of tooltips twice (``interpretCRNL``, then the substitution of
    ``\N``, ``\G``, ``\E``, ``\T``, ``\H``, ``\L``), so a doubled one would
    show ``\\Nantes`` as ``\`` and the node's name. A character reference
    (``&#92;``) does not help: Graphviz decodes it before those two passes.

    Parameters
    ----------
    text : object
        Any text; converted with ``str``.
    tooltip : bool
        Whether the string is a ``tooltip`` or ``labeltooltip``.

    Returns
    -------
    str
        The quoted string, quotes included, for a label, tooltip, id or name.

    See Also
    --------
    html : text for HTML-like labels.

    Examples
    --------
    >>> print(quote('Say "hi" & <bye> \\o/\nnext'))
    "Say \"hi\" &amp; <bye> \\o/\nnext"
    >>> print(quote('\\\\srv\\Nantes', tooltip=True))
    "\\\\\\\\srv\\\\Nantes"
    """
    text = clean(text)
    escaped = _escape(text, tooltip)
    if len(escaped.encode("utf-8")) > MAX_DOT_STRING:
        escaped = _escape(_shorten(text, MAX_DOT_STRING, tooltip), tooltip)
    return f'"{escaped}"'


#: Graphviz's lexer refuses a quoted string over 16,384 bytes ("longer than 16384?"):
#: a tooltip listing thousands of fields is cut below that, saying how much is left out.
MAX_DOT_STRING = 16_000


def _escape(text: str, tooltip: bool = False) -> str:
    backslash = "\\" * (4 if tooltip else 2)
    return text.replace("\\", backslash).replace('"', '\\"').replace("&", "&amp;").replace("\n", "\\n")


def _shorten(text: str, budget: int, tooltip: bool = False) -> str:
    """Keep the first lines of `text` whose escaped form fits in `budget` bytes, and say what is cut.

    A character escapes to at most 5 bytes (``&amp;``) and UTF-8 takes at most
    4, so a line too long for what is left is cut to a fifth of it.
    """
    budget -= 100  # room for the note
    kept: list[str] = []
    for line in text.split("\n"):
        size = len(_escape(line, tooltip).encode("utf-8")) + 2  # and the escaped newline
        if size > budget:
            kept.append(line[: budget // 5])
            break
        kept.append(line)
        budget -= size
    cut = len(text) - len("\n".join(kept))
    return "\n".join(kept) + f"\n… ({cut:,} more characters not shown)"


def html(text) -> str:
    r"""Return `text` escaped for a Graphviz HTML-like label, newlines as ``<BR/>``.

    Examples
    --------
    >>> html('a < b & "c"\nd')
    'a &lt; b &amp; &quot;c&quot;<BR/>d'
    """
    return _html.escape(clean(text), quote=True).replace("\n", "<BR/>")


def attrs(**values) -> str:
    r"""Return a DOT attribute list; None values are left out, the rest quoted, in the given order.

    Tooltips (``tooltip``, ``labeltooltip``) are quoted as such (:func:`quote`).

    Examples
    --------
    >>> attrs(id="system-a", label='A "1"', penwidth=None)
    '[id="system-a", label="A \\"1\\""]'
    """
    return "[" + ", ".join(f"{k}={quote(v, k.endswith('tooltip'))}" for k, v in values.items() if v is not None) + "]"


def wrap(text: str, width: int = 30) -> str:
    r"""Wrap a display name on word boundaries (existing line breaks kept).

    Examples
    --------
    >>> wrap("Office français de l'immigration et de l'intégration")
    "Office français de\nl'immigration et de\nl'intégration"
    """
    return "\n".join(textwrap.fill(line, width) or line for line in clean(text).split("\n"))


# --------------------------------------------------------------------------- texts


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _yes(value) -> str:
    return "unset" if value is None else "yes" if value else "no"


def place(country: str) -> str:
    """Return a country code as maps show it, saying when it is outside the EEA.

    Examples
    --------
    >>> place("FR"), place("US")
    ('FR', 'US, outside the EEA')
    """
    return country if country in EEA else f"{country}, outside the EEA"


def own_country(model, sid: str) -> str | None:
    """Return a system's country when it is not its organization's (the map shows it), else None."""
    system = model.systems[sid]
    if system.country and system.country != model.organizations[system.organization].country:
        return system.country
    return None


def org_caption(model, org_id: str) -> tuple[str, bool]:
    """Return an organization's label text and whether it is outside the EEA."""
    org = model.organizations[org_id]
    caption = f"{wrap(org.name or org.id, 48)}\n{org.role.replace('_', ' ')} · {place(org.country)}"
    return caption, org.country not in EEA


def _findings_lines(m: Map, target: str, brief: bool = False) -> list[str]:
    items = m.findings.get(target, ())
    if not items:
        return []
    lines = ["findings:"]
    for f in items:
        waived = " [waived]" if f.waived else ""
        fields = f" ({', '.join(f.fields)})" if f.fields else ""
        message = "" if brief else f": {f.message}"
        lines.append(f"  {f.severity.upper()} {f.rule} {f.name}{fields}{waived}{message}")
    return lines


def _count_line(m: Map, targets) -> str | None:
    items = [f for t in targets for f in m.findings.get(t, ()) if not f.waived]
    if not items:
        return None
    return f"⚠ {_plural(len(items), 'finding')}, worst {worst_of(f.severity for f in items)}"


def system_label(m: Map, sid: str, short: bool = False) -> str:
    """Return the visible label of a system: name, type, exposure, score, findings.

    A system in another country than its organization says where (``in US,
    outside the EEA``). A `short` label (big maps) has the name, type, score
    and that country code only: two lines keep dot's layout fast; the border
    and the tooltip still show findings.
    """
    system = m.model.systems[sid]
    lines = [wrap(system.name or sid)]
    score = m.scores.get(sid)
    score_text = f"score {score.total:g}" if score else ""
    country = own_country(m.model, sid)
    if short:
        lines.append(" · ".join(x for x in (system.type, score_text, country) if x))
    else:
        lines.append(" · ".join(x for x in (system.type, system.exposure, score_text) if x))
        if country:
            lines.append(f"in {place(country)}")
    if m.field:
        from lineage.graph import holdings

        form = holdings(m.lineage, sid).get(m.field)
        lines.append(f"holds {m.field} {form}" if form else f"does not hold {m.field}")
    count = None if short else _count_line(m, [f"system:{sid}"])
    if count:
        lines.append(count)
    return "\n".join(lines)


def system_tooltip(m: Map, sid: str, brief: bool = False) -> str:
    """Return the tooltip of a system: all a reviewer asks (`brief`: findings without messages)."""
    from lineage.graph import holdings

    model = m.model
    system = model.systems[sid]
    org = model.organizations[system.organization]
    sec = system.security
    lines = [f"system {sid}" + (f": {system.name}" if system.name else "")]
    if system.description:
        lines.append(system.description)
    lines.append(f"organization: {org.name or org.id} ({org.role}, {org.country})")
    lines.append(f"type {system.type}, exposure {system.exposure}, country {model.country(sid)}")
    lines.append(f"retention: {system.retention or 'not set'}")
    lines.append(
        f"security: encryption at rest {_yes(sec and sec.encryption_at_rest)}, "
        f"MFA {_yes(sec and sec.mfa)}, access logging {_yes(sec and sec.access_logging)}"
    )
    score = m.scores.get(sid)
    if score:
        lines.append(
            f"exposure score {score.total:g} = "
            f"DPC {score.dpc:g} x EI {score.ei:g} + CB {score.cb:g} "
            f"(band {m.band(sid)}, RISK001 threshold {m.threshold:g})"
        )
    held = holdings(m.lineage, sid)
    if held:
        lines.append("holds: " + ", ".join(f"{f} ({form})" for f, form in held.items()))
    lines.extend(f"collects from {c.subject} for {c.purpose}: {', '.join(sorted(c.fields))}" for c in system.collects)
    return "\n".join(lines + _findings_lines(m, f"system:{sid}", brief))


def flow_label(m: Map, fid: str, short: bool = False) -> str:
    """Return the visible label of a flow: its fields (with non-raw forms) or a count."""
    uses = sorted(m.model.flows[fid].fields, key=lambda u: u.field)  # the map does not change when a list is reordered
    if m.field:
        return "\n".join(f"{u.field}: {u.form}" for u in uses if u.field == m.field)
    if short or len(uses) > LABEL_FIELDS:
        return _plural(len(uses), "field")
    return "\n".join(u.field if u.form == "raw" else f"{u.field} ({u.form})" for u in uses)


def flow_tooltip(m: Map, fid: str, brief: bool = False) -> str:
    """Return the tooltip of a flow: ends, fields, purpose, basis, retention, channel, findings."""
    model = m.model
    flow = model.flows[fid]
    lines = [f"flow {fid}: {flow.source} -> {flow.target}"]
    if flow.description:
        lines.append(flow.description)
    if flow.purpose:
        purpose = model.purposes[flow.purpose]
        basis = (
            f", legal basis {purpose.legal_basis}"
            if purpose.legal_basis
            else ", no legal basis set"
        )
        lines.append(f"purpose: {purpose.name or purpose.id}{basis}")
    else:
        lines.append("purpose: none")
    lines.append(f"retention: {flow.retention or 'not set'}")
    channel = flow.channel or "channel not set"
    encrypted = {True: "encrypted", False: "not encrypted", None: "encryption not set"}[
        flow.encrypted
    ]
    volume = f", {flow.volume:,} records a year" if flow.volume is not None else ""
    lines.append(f"channel: {channel}, {encrypted}{volume}")
    uses = sorted(flow.fields, key=lambda u: u.field)
    lines.append(f"fields ({len(uses)}): " + ", ".join(f"{u.field} ({u.form})" for u in uses))
    return "\n".join(lines + _findings_lines(m, f"flow:{fid}", brief))


def org_tooltip(m: Map, org_id: str) -> str:
    """Return the tooltip of an organization: role, country, contract, safeguard, findings."""
    org = m.model.organizations[org_id]
    lines = [
        f"organization {org_id}" + (f": {org.name}" if org.name else ""),
        f"role {org.role}"
        + (f" for {org.processor_for}" if org.processor_for else "")
        + f", country {org.country}",
    ]
    if org.description:
        lines.append(org.description)
    if org.dpa is not None:
        lines.append(
            f"DPA signed: {_yes(org.dpa.signed)}"
            + (f", {org.dpa.reference}" if org.dpa.reference else "")
        )
    if org.subprocessing:
        lines.append(f"subprocessing: {org.subprocessing}")
    if org.country not in EEA:
        lines.append(f"outside the EEA; transfer safeguard: {org.transfer_safeguard or 'none'}")
    return "\n".join(lines + _findings_lines(m, f"organization:{org_id}"))


# --------------------------------------------------------------------------- DOT


def _classes(*names) -> str:
    return " ".join(n.replace(" ", "-").replace("_", "-") for n in names if n)


def _finding_class(severity: str | None) -> str | None:
    return f"finding-{severity}" if severity else None


def _edge_style(form: str | None, worst: str | None) -> dict:
    _, style, colour, width = FORM_GROUPS.get(form, ("none", "solid", "#aaaaaa", 1.0))
    if worst:
        colour, width = FINDING_STYLE[worst]
    return {
        "style": style,
        "color": colour,
        "penwidth": f"{width:g}",
        "fontcolor": colour if worst else "#333333",
    }


def layout_attrs(nodes: int) -> dict[str, str]:
    """Return the graph attributes that keep dot's layout of `nodes` nodes correct and quick.

    ``newrank=true`` ranks the whole graph at once: without it, dot 2.43 (and
    Graphviz 16) fails on clustered graphs of a few hundred nodes with "trouble
    in init_rank" (perf-baselines section 3). Above :data:`FAST_LAYOUT` nodes,
    the network-simplex and crossing limits divide the time by about 3.

    Examples
    --------
    >>> layout_attrs(10)
    {'newrank': 'true'}
    """
    graph = {"newrank": "true"}
    if nodes > FAST_LAYOUT:
        graph.update({"nslimit1": "2", "mclimit": "0.2", "remincross": "false"})
    return graph


def _graph_header(m: Map, nodes: int) -> list[str]:
    title = describe(m)
    graph = {
        "id": "lineage-map",
        **layout_attrs(nodes),
        "rankdir": "LR",
        "fontname": FONT,
        "fontsize": "12",
        "label": title,
        "labelloc": "t",
        "labeljust": "l",
        "nodesep": "0.25",
        "ranksep": "0.5",
        "tooltip": title,
        "outputorder": "edgesfirst",
    }
    return [
        "digraph lineage {",
        f"  graph {attrs(**graph)};",
        "  node "
        + attrs(
            fontname=FONT,
            fontsize="10",
            style="filled",
            fillcolor="#ffffff",
            color="#444444",
            margin="0.12,0.06",
        )
        + ";",
        f"  edge {attrs(fontname=FONT, fontsize='9', arrowsize='0.7')};",
    ]


def describe(m: Map) -> str:
    """Return the title of a map: which view, how much it shows."""
    what = {
        "overview": "all systems",
        "field": f"paths of field {m.field}",
        "system": f"neighbourhood of {m.focus} (depth {m.depth})",
        "findings": f"systems and flows with {m.min_severity} or worse findings",
    }[m.kind]
    if m.min_severity and m.kind != "findings":
        what += f", only where findings are {m.min_severity} or worse"
    counts = f"{_plural(len(m.systems), 'system')}, {_plural(len(m.flows), 'flow')}"
    if m.by_type:
        counts += f", grouped by organization and system type into {_plural(len(m.members), 'node')}"
    elif m.collapsed:
        counts += f", grouped into {_plural(len(m.organizations), 'organization')}"
    return f"Personal-data lineage: {what} ({counts})"


def to_dot(m: Map) -> str:
    """Return the DOT text of a map (collapsed or not), legend included.

    A map dot could not lay out within a few seconds (:data:`LAYOUT_BUDGET`)
    is drawn collapsed, or trimmed, by :func:`fit`, with a note in ``m.notes``.

    Parameters
    ----------
    m : Map
        From :func:`lineage.render.view.select`.

    Returns
    -------
    str
        A ``digraph`` with ``newrank=true``; the same map gives the same text.
    """
    m = fit(m)
    lines = _collapsed(m) if m.collapsed else _systems(m)
    lines += _legend(m)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _graph_of(m: Map):
    """Nodes, edges (source, target) and start weights of the graph dot lays out for `m`."""
    model = m.model
    if m.collapsed:
        links = m.links()
        return (
            [f"org:{g}" for g in m.members],
            [(f"org:{k.source}", f"org:{k.target}") for k in links],
            {},
        )
    weight = {s: sum(len(c.fields) for c in model.systems[s].collects) for s in m.systems}
    return m.systems, [(model.flows[f].source, model.flows[f].target) for f in m.flows], weight


def layout_cost(nodes, edges, weight=None) -> int:
    """Return an estimate of dot's layout work: the sum of the rank spans of the edges.

    Edges are ranked by :func:`layers` and pointed down the ranks by
    :func:`orient`, then nodes placed at their longest path; an edge spanning
    k ranks costs dot k - 1 virtual nodes (and a label node), which is what
    makes dense maps slow.

    Examples
    --------
    >>> layout_cost(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c"), ("c", "a")])
    6
    """
    from collections import deque

    rank = layers(nodes, edges, weight)
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    indegree = dict.fromkeys(nodes, 0)
    oriented = []
    for u, v in edges:
        if u != v:
            tail, head, _ = orient(u, v, rank)
            succ[tail].append(head)
            indegree[head] += 1
            oriented.append((tail, head))
    depth = dict.fromkeys(nodes, 0)
    queue = deque(n for n in nodes if not indegree[n])
    while queue:
        u = queue.popleft()
        for v in succ[u]:
            depth[v] = max(depth[v], depth[u] + 1)
            indegree[v] -= 1
            if not indegree[v]:
                queue.append(v)
    return sum(depth[head] - depth[tail] for tail, head in oriented)


def fit(m: Map, budget: int | None = None) -> Map:
    """Return the map to lay out: `m`, or collapsed, or trimmed, within the layout `budget`.

    A system-level map over the budget is drawn one node per organization. A
    collapsed map over the budget keeps the organizations with the worst
    findings, the highest scores and the most flows, as many as fit. Each
    step appends a note to ``m.notes`` (the list is shared with the result).
    `budget` defaults to :data:`LAYOUT_BUDGET`.
    """
    import dataclasses

    from lineage.findings import SEVERITY_RANK

    budget = LAYOUT_BUDGET if budget is None else budget
    if not m.collapsed:
        cost = layout_cost(*_graph_of(m))
        if cost <= budget:
            return m
        m.notes.append(
            f"{len(m.flows)} flows between {len(m.systems)} systems are too dense to lay out "
            f"in a few seconds (layout cost {cost:,} > {budget:,}): drawing one node per "
            f"organization instead; use --field, --system or --min-severity for details"
        )
        m = collapse(m)
    nodes, edges, _ = _graph_of(m)
    if layout_cost(nodes, edges) <= budget:
        return m
    model = m.model
    flows_of: dict[str, int] = {}
    for fid in m.flows:
        for end in (model.flows[fid].source, model.flows[fid].target):
            org = model.systems[end].organization
            flows_of[org] = flows_of.get(org, 0) + 1
    best = {}
    for sid in m.systems:
        org = model.systems[sid].organization
        best[org] = max(best.get(org, 0.0), m.score(sid))
    orgs = sorted(
        m.organizations,
        key=lambda o: (
            -(SEVERITY_RANK[m.org_worst(o)] + 1 if m.org_worst(o) else 0),
            -best.get(o, 0.0),
            -flows_of.get(o, 0),
            o,
        ),
    )

    def keep(k: int) -> Map:
        kept = set(orgs[:k])
        systems = [s for s in m.systems if model.systems[s].organization in kept]
        inside = set(systems)
        flows = [
            f
            for f in m.flows
            if model.flows[f].source in inside and model.flows[f].target in inside
        ]
        return dataclasses.replace(m, systems=systems, flows=flows)

    org_of = {n: n.removeprefix("org:").split("/")[0] for n in nodes}  # node -> organization

    def fits(k: int) -> bool:  # the graph of keep(k), from the collapsed graph made once
        kept = set(orgs[:k])
        inside = [n for n in nodes if org_of[n] in kept]
        return layout_cost(inside, [(u, v) for u, v in edges if org_of[u] in kept and org_of[v] in kept]) <= budget

    lo = most_that_fit(len(orgs), fits)
    m.notes.append(
        f"{len(orgs) - lo} of {len(orgs)} organizations left out so that dot can lay out the map "
        f"in a few seconds; kept: those with the worst findings, highest scores and most flows"
    )
    return keep(lo)


def most_that_fit(n: int, fits, least: int = 1) -> int:
    """Return the largest k in [`least`, `n`] for which ``fits(k)`` holds, by binary search.

    `fits` must be monotonic (true up to some k, false after); `least` is
    returned when even it does not fit.

    Examples
    --------
    >>> most_that_fit(100, lambda k: k * k <= 50), most_that_fit(5, lambda k: False)
    (7, 1)
    """
    lo, hi = least, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def layers(nodes, edges, weight=None) -> dict[str, int]:
    """Return a rank per node: hops from where data enter, breadth first.

    Dot breaks the cycles of a lineage graph (back flows, loops inside an
    organization) with a depth-first search, which can stack a few hundred
    systems into more than a hundred ranks and tens of thousands of virtual
    nodes: 13 s instead of 0.2 s for 300 systems (benchmarks/render.py).
    Ranking breadth first from the nodes no edge reaches (else the heaviest
    one left, then the smallest id) keeps the map as shallow as its shortest
    paths; :func:`orient` then points every edge down these ranks.

    Parameters
    ----------
    nodes : list[str]
    edges : iterable of (str, str)
        Source and target of each edge.
    weight : dict[str, float], optional
        Preference among nodes to start from when every one is reached (higher first).

    Examples
    --------
    >>> layers(["x", "y", "z"], [("x", "y"), ("y", "x"), ("y", "z")])
    {'x': 0, 'y': 1, 'z': 2}
    >>> layers(["x", "y"], [("x", "y"), ("y", "x")], weight={"y": 3})
    {'x': 1, 'y': 0}
    """
    from collections import deque

    succ: dict[str, list[str]] = {n: [] for n in nodes}
    reached = set()
    for u, v in edges:
        succ[u].append(v)
        if u != v:
            reached.add(v)
    weight = weight or {}
    level: dict[str, int] = {}
    roots = [n for n in nodes if n not in reached]
    waiting = sorted(nodes, key=lambda n: (-weight.get(n, 0), n))
    while True:
        queue = deque()
        for root in roots:
            if root not in level:
                level[root] = 0
                queue.append(root)
        while queue:
            u = queue.popleft()
            for v in succ[u]:
                if v not in level:
                    level[v] = level[u] + 1
                    queue.append(v)
        waiting = [n for n in waiting if n not in level]
        if not waiting:
            return {n: level[n] for n in nodes}
        roots = waiting[:1]


def orient(source: str, target: str, rank: dict[str, int]) -> tuple[str, str, bool]:
    """Return (tail, head, reversed) so that the DOT edge points down the ranks.

    A flow that goes back up (or sideways, by name) is written reversed with
    ``dir=back``: it looks the same, but the graph dot ranks is acyclic, so
    dot keeps :func:`layers`' shallow ranking. (``constraint=false`` would
    do the same in theory, but crashes dot 2.43 inside clusters with
    "trouble in init_rank" or an assertion.)

    Examples
    --------
    >>> orient("b", "a", {"a": 0, "b": 1}), orient("a", "b", {"a": 0, "b": 0})
    (('a', 'b', True), ('a', 'b', False))
    """
    if rank[target] > rank[source] or (rank[target] == rank[source] and source <= target):
        return source, target, False
    return target, source, True


def _systems(m: Map) -> list[str]:
    model = m.model
    short = len(m.systems) > SHORT_LABELS
    rank = layers(*_graph_of(m))
    lines = _graph_header(m, len(m.systems))
    by_org: dict[str, list[str]] = {}
    for sid in m.systems:
        by_org.setdefault(model.systems[sid].organization, []).append(sid)
    for org_id in sorted(by_org):
        org = model.organizations[org_id]
        caption, outside = org_caption(model, org_id)
        worst = m.worst(f"organization:{org_id}")
        count = _count_line(m, [f"organization:{org_id}"])
        if count:
            caption += "\n" + count
        border, fill = ROLE_STYLE[org.role]
        width = 2.0 if outside else 1.2
        if worst:
            border, width = FINDING_STYLE[worst][0], max(width, FINDING_STYLE[worst][1] - 1)
        cluster = attrs(
            id=f"organization-{org_id}",
            **{
                "class": _classes(
                    "organization",
                    f"role-{org.role}",
                    "outside-eea" if outside else None,
                    _finding_class(worst),
                )
            },
            label=caption,
            tooltip=org_tooltip(m, org_id),
            URL=_href(m, "organization", org_id),
            style="rounded,filled,dashed" if outside else "rounded,filled",
            color=border,
            fillcolor=fill,
            penwidth=f"{width:g}",
            fontname=FONT,
            fontsize="11",
            fontcolor=ROLE_STYLE[org.role][0],
        )
        lines.append(f"  subgraph {quote('cluster_' + org_id)} {{")
        lines.append(f"    graph {cluster};")
        for sid in by_org[org_id]:
            lines.append(f"    {quote(sid)} {_system_attrs(m, sid, short)};")
        lines.append("  }")
    for fid in m.flows:
        flow = model.flows[fid]
        worst = m.worst(f"flow:{fid}")
        form = m.flow_form(fid)
        tooltip = flow_tooltip(m, fid, brief=short)
        edge = {
            "id": f"flow-{fid}",
            "class": _classes(
                "flow", f"form-{form}" if form else "form-none", _finding_class(worst)
            ),
            **_edge_label(flow_label(m, fid, short), tooltip, short),
            **_edge_style(form, worst),
            "URL": _href(m, "flow", fid),
        }
        lines.append(edge_line(flow.source, flow.target, edge, rank))
    return lines


def edge_line(source: str, target: str, edge: dict, rank: dict[str, int]) -> str:
    """Return the DOT line of an edge with attributes `edge`, pointed down `rank` (:func:`orient`)."""
    tail, head, back = orient(source, target, rank)
    if back:  # the comment lets normalise_svg name the edge source->target again
        edge = {**edge, "dir": "back", "comment": "reversed"}
    return f"  {quote(tail)} -> {quote(head)} {attrs(**edge)};"


def _edge_label(label: str, tooltip: str, short: bool) -> dict:
    """Label attributes of an edge; the label gets the tooltip too, except in big maps."""
    if short:
        return {"label": label, "tooltip": tooltip}
    return {"label": label, "tooltip": tooltip, "labeltooltip": tooltip}


def _system_attrs(m: Map, sid: str, short: bool) -> str:
    system = m.model.systems[sid]
    shape, extra = SHAPES[system.type]
    worst = m.worst(f"system:{sid}")
    colour, width = FINDING_STYLE[worst] if worst else ("#444444", 1.0)
    country = own_country(m.model, sid)
    outside = country is not None and country not in EEA  # dashed and thicker, as organizations outside the EEA
    if outside:
        width = max(width, 2.0)
    style = ",".join(x for x in ("filled", extra, "dashed" if outside else None) if x)
    focus = sid == m.focus
    return attrs(
        id=f"system-{sid}",
        **{
            "class": _classes(
                "system",
                f"type-{system.type}",
                f"score-{m.band(sid)}",
                "outside-eea" if outside else None,
                "focus" if focus else None,
                _finding_class(worst),
            )
        },
        label=system_label(m, sid, short),
        tooltip=system_tooltip(m, sid, brief=short),
        URL=_href(m, "system", sid),
        shape=shape,
        style=style,
        fillcolor=FILLS[m.band(sid)],
        color=colour,
        penwidth=f"{width:g}",
        peripheries="2" if focus else None,
    )


def node_id(group: str) -> str:
    """Return the SVG id part of a node of the collapsed view: ``<organization>`` or ``<organization>--<type>``.

    Examples
    --------
    >>> node_id("ofii"), node_id("ofii/file_share")
    ('ofii', 'ofii--file_share')
    """
    return group.replace("/", "--")


def _href(m: Map, kind: str, ident: str) -> str | None:
    """Return the link of a system, flow or organization of the map (:attr:`~lineage.render.view.Map.href`), if any."""
    return m.href(kind, ident) if m.href else None


def _collapsed(m: Map) -> list[str]:
    model = m.model
    links = m.links()
    short = len(m.members) > SHORT_LABELS
    lines = _graph_header(m, len(m.members))
    rank = layers(*_graph_of(m))
    for group, members in m.members.items():
        org_id, _, kind = group.partition("/")
        org = model.organizations[org_id]
        caption, outside = org_caption(model, org_id)
        top = max(members, key=lambda s: (m.score(s), s))
        score = m.scores.get(top)
        caption += f"\n{_plural(len(members), kind.replace('_', ' ') + ' system' if kind else 'system')}"
        if score:
            caption += f" · max score {score.total:g}"
        targets = [f"organization:{org_id}", *(f"system:{s}" for s in members)]
        count = _count_line(m, targets)
        if count:
            caption += "\n" + count
        worst = m.group_worst(group)
        border = ROLE_STYLE[org.role][0]
        colour, width = FINDING_STYLE[worst] if worst else (border, 2.0 if outside else 1.2)
        tooltip = (
            org_tooltip(m, org_id)
            + f"\n{kind.replace('_', ' ') + ' ' if kind else ''}systems: "
            + ", ".join(f"{s} (score {m.score(s):g})" for s in members)
        )
        node = attrs(
            id=f"group-{node_id(group)}" if kind else f"organization-{org_id}",
            **{
                "class": _classes(
                    "group" if kind else "organization",
                    f"role-{org.role}",
                    f"type-{kind}" if kind else None,
                    f"score-{m.band(top)}",
                    "outside-eea" if outside else None,
                    _finding_class(worst),
                )
            },
            label=caption,
            tooltip=tooltip,
            URL=None if kind else _href(m, "organization", org_id),
            shape="box",
            style="rounded,filled,dashed" if outside else "rounded,filled",
            fillcolor=FILLS[m.band(top)],
            color=colour,
            penwidth=f"{width:g}",
        )
        lines.append(f"  {quote('org:' + group)} {node};")
    for link in links:
        label = f"{_plural(len(link.flows), 'flow')}\n{_plural(len(link.fields), 'field')}"
        if short:
            label = f"{len(link.flows)} · {len(link.fields)}"
        tooltip = (
            f"{link.source} -> {link.target}: {_plural(len(link.flows), 'flow')}\n"
            f"flows: {', '.join(link.flows)}\nfields: {', '.join(link.fields)}"
        )
        if link.worst:
            tooltip += f"\nworst finding: {link.worst}"
        edge = {
            "id": f"orgflow-{node_id(link.source)}-TO-{node_id(link.target)}",
            "class": _classes(
                "orgflow",
                f"form-{link.form}" if link.form else "form-none",
                _finding_class(link.worst),
            ),
            **_edge_label(label, tooltip, short),
            **_edge_style(link.form, link.worst),
        }
        lines.append(edge_line("org:" + link.source, "org:" + link.target, edge, rank))
    return lines


def _legend(m: Map) -> list[str]:
    """Build the legend: a cluster (``id="legend"``) holding one compact HTML-like table."""

    def title(text: str, span: int) -> str:
        return f'<TR><TD COLSPAN="{span}" ALIGN="LEFT" BORDER="0"><B>{html(text)}</B></TD></TR>'

    def cells(items, span: int) -> list[str]:
        out, row = [], []
        for text, bg, border in items:
            cell = f' BGCOLOR="{bg}"' if bg else ""
            cell += f' COLOR="{border}"' if border else ""
            row.append(f"<TD{cell}>{html(text)}</TD>")
            if len(row) == span:
                out.append("<TR>" + "".join(row) + "</TR>")
                row = []
        if row:
            out.append(
                "<TR>" + "".join(row) + f'<TD COLSPAN="{span - len(row)}" BORDER="0"></TD></TR>'
            )
        return out

    def pairs(items) -> list[str]:
        return [
            f'<TR><TD BORDER="0"><FONT COLOR="{colour}">{glyph}</FONT></TD>'
            f'<TD ALIGN="LEFT" BORDER="0" COLSPAN="2">{html(text)}</TD></TR>'
            for glyph, colour, text in items
        ]

    limits = band_limits(m.threshold)
    rows = [title("Legend · fill: exposure score (RISK001)", 3)]
    rows += cells(
        [
            (f"{b}\n{limits[b]}", FILLS[b], None)
            for b in ("very high", "high", "medium", "low", "none")
        ],
        3,
    )
    rows.append(title("lines: most identifying form carried", 3))
    rows += pairs(
        [
            ("━━━", FORM_GROUPS["raw"][2], "raw"),
            ("━━━", FORM_GROUPS["encrypted"][2], "encrypted, hashed, masked"),
            ("╍╍╍", FORM_GROUPS["pseudonymised"][2], "pseudonymised (dashed)"),
            ("┈┈┈", FORM_GROUPS["aggregated"][2], "generalised, aggregated, anonymised"),
        ]
    )
    rows.append(title("red / orange / purple border or line: finding", 3))
    rows += pairs(
        [
            ("▬▬", FINDING_STYLE["critical"][0], "critical or high (thicker for critical)"),
            ("▬▬", FINDING_STYLE["medium"][0], "medium"),
            ("▬▬", FINDING_STYLE["low"][0], "low or info"),
        ]
    )
    rows.append(title("organizations, by border", 3))
    roles = ("controller", "processor", "subprocessor", "recipient", "authority")
    rows += cells([(r, ROLE_STYLE[r][1], ROLE_STYLE[r][0]) for r in roles], 3)
    rows.append(
        '<TR><TD COLSPAN="3" ALIGN="LEFT" BORDER="0">'
        + html("dashed border: outside the EEA (organization or system)")
        + "</TD></TR>"
    )
    if m.collapsed:
        what = "organization and system type" if m.by_type else "organization"
        text = (
            f"one box per {what},\nfilled by its highest score;\n"
            "edges: flows and distinct fields\nbetween two boxes"
        )
    else:
        text = (
            "shapes: box application, cylinder database,\ncomponent saas, folder file share,\n"
            "tab spreadsheet, note mailbox, cds api,\nrounded analytics, box3d backup,\n"
            "house endpoint; double border: in focus"
        )
    rows.append(f'<TR><TD COLSPAN="3" ALIGN="LEFT" BORDER="0" BALIGN="LEFT">{html(text)}</TD></TR>')
    table = (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="1" CELLPADDING="2">'
        + "".join(rows)
        + "</TABLE>>"
    )
    graph = attrs(
        id="legend",
        **{"class": "legend"},
        label="",
        style="rounded",
        color="#bbbbbb",
        tooltip="Legend",
    )
    return [
        f"  subgraph {quote('cluster_legend')} {{",
        f"    graph {graph};",
        (
            f'    {quote("legend")} [id="legend-table", shape=plain, fontsize="8", '
            f'tooltip="Legend", label={table}];'
        ),
        "  }",
    ]


# --------------------------------------------------------------------------- running dot


def dot_path() -> str | None:
    """Return the path of Graphviz's ``dot``, or None when it is not installed."""
    return shutil.which("dot")


def run_dot(source: str, fmt: str = "svg", timeout: float = TIMEOUT, smaller: str = SMALLER) -> bytes:
    """Lay out DOT `source` with ``dot`` and return the output bytes.

    Parameters
    ----------
    source : str
        DOT text.
    fmt : str
        ``svg`` or ``png``. SVG is passed through :func:`normalise_svg`; a PNG
        is scaled down to at most :data:`PNG_PIXELS` on its longest side.
    timeout : float
        Seconds before giving up.
    smaller : str
        How to ask for a smaller drawing, said when dot runs out of time: the
        options of the command that draws (:data:`SMALLER` for ``render``).

    Raises
    ------
    GraphvizMissing
        When ``dot`` is not on the PATH; the message says how to install it.
    GraphvizFailed
        When ``dot`` exits with an error or runs out of time.
    """
    exe = dot_path()
    if exe is None:
        raise GraphvizMissing(
            f"Graphviz 'dot' was not found on the PATH, it is needed for --format {fmt}: "
            f"{INSTALL_HINT}"
        )
    command = [exe, f"-T{fmt}"]
    if fmt == "png":  # at most PNG_PIXELS a side
        command += [f"-Gdpi={PNG_DPI}", f"-Gsize={PNG_PIXELS / PNG_DPI:.4f},{PNG_PIXELS / PNG_DPI:.4f}"]
    try:
        done = subprocess.run(
            command,
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GraphvizFailed(f"dot did not finish within {timeout:g} s: {smaller}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        message = " / ".join(lines[:3]) + (" ..." if len(lines) > 3 else "")
        if done.returncode < 0:
            message = f"crashed with signal {-done.returncode}" + (
                f": {message}" if message else ""
            )
        raise GraphvizFailed(f"dot failed: {message or f'exit status {done.returncode}'}")
    return normalise_svg(done.stdout) if fmt == "svg" else done.stdout


def normalise_svg(svg: bytes) -> bytes:
    r"""Replace the Graphviz version comment, write ``-`` plainly in ids and classes, name reversed edges rightly.

    The comment would change the bytes with every Graphviz upgrade. Graphviz
    writes ``-`` as ``&#45;`` everywhere; in ``id`` and ``class`` attributes
    the plain form lets ``id="system-<id>"`` (SPEC section 5) match as
    written. Comments keep the escape: ``--`` is not allowed in them. An
    edge written reversed (``dir=back``, :func:`edge_line`) is titled
    source->target, as screen readers and SVG tools read it.

    Examples
    --------
    >>> normalise_svg(b"<!-- Generated by graphviz version 2.43.0 (0)\n -->\n<g id=\"flow&#45;a\"/>")
    b'<!-- Generated by lineage with Graphviz -->\n<g id="flow-a"/>'
    >>> normalise_svg(b'<!-- b&#45;&gt;a -->\n<!-- reversed -->\n<g id="e">\n<title>b&#45;&gt;a</title>')
    b'<!-- a&#45;&gt;b -->\n<g id="e">\n<title>a&#45;&gt;b</title>'
    """
    svg = _GENERATED.sub(b"<!-- Generated by lineage with Graphviz -->", svg, count=1)
    svg = _REVERSED.sub(
        rb"<!-- \g<head>&#45;&gt;\g<tail> -->\n\g<group>\n<title>\g<head>&#45;&gt;\g<tail></title>", svg)
    return _ID_OR_CLASS.sub(lambda m: m.group(0).replace(b"&#45;", b"-"), svg)


def render(m: Map, fmt: str = "svg", timeout: float = TIMEOUT) -> bytes:
    """Return a map as DOT text (UTF-8 bytes) or as SVG or PNG laid out by ``dot``.

    Raises
    ------
    GraphvizMissing, GraphvizFailed
        For ``svg`` and ``png``, see :func:`run_dot`.
    """
    source = to_dot(m)
    if fmt == "dot":
        return source.encode("utf-8")
    try:
        data = run_dot(source, fmt, timeout)
    except GraphvizFailed as exc:
        if m.collapsed or not any(sign in str(exc) for sign in ("signal", "trouble", "Assertion")):
            raise
        # dot 2.43 has layout bugs that crash on some clustered graphs: fall back to the collapsed view
        m.notes.append(
            f"Graphviz could not lay out the system-level map ({exc}): "
            f"drawing one node per organization instead"
        )
        data = run_dot(to_dot(collapse(m)), fmt, timeout)
    if fmt == "png" and max(png_size(data)) >= PNG_PIXELS:
        m.notes.append(
            f"the PNG is scaled down to {PNG_PIXELS:,} pixels on its longest side, "
            f"so that it is drawn in seconds; the SVG shows the map at full size"
        )
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """Return the width and height in pixels of a PNG image (from its IHDR header).

    Examples
    --------
    >>> png_size(bytes(16) + (640).to_bytes(4, "big") + (480).to_bytes(4, "big"))
    (640, 480)
    """
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


__all__ = [
    "GraphvizFailed",
    "GraphvizMissing",
    "attrs",
    "clean",
    "html",
    "normalise_svg",
    "quote",
    "render",
    "run_dot",
    "to_dot",
]
