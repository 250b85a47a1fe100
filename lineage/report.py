"""``lineage report``: one self-contained HTML file about a model and its findings.

:func:`render` returns the whole page as a string: a summary, the map (the
overview SVG of :mod:`lineage.render.dot`, inlined), the findings (waived
ones apart, with their reason), every system's details (holdings with their
form and origin, exposure score with its terms) and the Art. 30 record
(:mod:`lineage.ropa`).

The page loads nothing: no external stylesheet, script, font or image; every
link is an in-page anchor. Every string from the model or the rules goes
through :func:`html.escape`. The output is byte-for-byte the same for the same
input (no timestamp, sorted everywhere, the SVG normalised by the renderer);
only waiver expiry depends on the date the findings are judged at.
"""

from __future__ import annotations

import dataclasses
import html
import re

from lineage import __version__, ropa
from lineage.findings import SEVERITIES
from lineage.outputs import printable

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       margin: 0 auto; padding: 1.5em 2em 4em; max-width: 1200px; }
h1 { font-size: 1.7em; margin: 0 0 .2em; }
h2 { font-size: 1.35em; margin: 2em 0 .6em; padding-bottom: .2em;
     border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1em; margin: 1.6em 0 .4em; }
p.meta { color: #57606a; margin: 0 0 1em; }
nav { margin: 1em 0; }
nav a { margin-right: 1.2em; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
table { border-collapse: collapse; margin: .5em 0 1em; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
table.counts { width: auto; }
table.counts td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.record th { width: 16em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
td ul { margin: 0; padding-left: 1.2em; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa;
       padding: 0 .25em; border-radius: 3px; }
.sev { display: inline-block; min-width: 5.5em; text-align: center; border-radius: 3px;
       padding: 0 .4em;
       font-size: .85em; font-weight: 600; text-transform: uppercase; color: #fff; }
.sev-critical { background: #8e0c24; }
.sev-high { background: #cf222e; }
.sev-medium { background: #bc4c00; }
.sev-low { background: #6639ba; }
.sev-info { background: #57606a; }
.missing { color: #a40e26; font-weight: 600; }
.note { background: #fff8c5; border: 1px solid #d4a72c; padding: .6em .9em; border-radius: 4px; }
.ok { color: #1a7f37; }
.map { overflow: auto; border: 1px solid #d0d7de; padding: .5em; }
.map svg { max-width: 100%; height: auto; }
article.system { border-top: 1px solid #d0d7de; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .1em 1em;
           margin: .4em 0 .8em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
@media print { nav, .map { display: none; } }
""".strip()

SECTIONS = (
    ("summary", "Summary"),
    ("map", "Map"),
    ("findings", "Findings"),
    ("systems", "Systems"),
    ("ropa", "Record of processing"),
)
_SVG_START = re.compile(r"<svg\b")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def esc(value) -> str:
    r"""Escape any value for HTML text or a quoted attribute; control characters are shown ``\xNN``.

    Examples
    --------
    >>> esc('<script>"x"</script>'), esc("a\x1b[2J")
    ('&lt;script&gt;&quot;x&quot;&lt;/script&gt;', 'a\\x1b[2J')
    """
    return html.escape(printable(str(value)), quote=True)


def render(analysis, title: str = "flows", notes: list[str] | None = None) -> str:
    """Return the HTML report of `analysis`.

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
        The model, its lineage graph, the rule set and the findings.
    title : str
        What the report is about, shown in the title (the model folder).
    notes : list of str, optional
        Filled with what the reader of the command should know (the map could
        not be drawn, and why).

    Returns
    -------
    str
        A whole HTML5 document, UTF-8, ending with a newline.
    """
    notes = notes if notes is not None else []
    records = ropa.records(analysis.model, lineage=analysis.lineage)
    scores = _scores(analysis)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>lineage report: {esc(title)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>Personal-data lineage report: {esc(title)}</h1>",
        (
            f'<p class="meta">lineage {esc(__version__)}, '
            f"model of {len(analysis.model.files)} file(s)</p>"
        ),
        "<nav>" + "".join(f'<a href="#{sid}">{esc(name)}</a>' for sid, name in SECTIONS) + "</nav>",
        "</header>",
        "<main>",
        *_summary(analysis, records),
        *_map(analysis, notes),
        *_findings(analysis),
        *_systems(analysis, scores),
        *_ropa(records),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# --- sections ---------------------------------------------------------------------


def _summary(analysis, records) -> list[str]:
    model = analysis.model
    counts = [
        ("organizations", len(model.organizations)),
        ("systems", len(model.systems)),
        ("flows", len(model.flows)),
        ("fields", len(model.fields)),
        ("subjects", len(model.subjects)),
        ("purposes", len(model.purposes)),
        ("waivers", len(model.waivers)),
    ]
    summary = analysis.summary
    missing = sum(1 for r in records for i in r.items if i.missing)
    out = [
        '<section id="summary">',
        "<h2>Summary</h2>",
        '<table class="counts">',
        "<tr><th>Model</th><th>Count</th></tr>",
    ]
    out += [f'<tr><td>{esc(k)}</td><td class="n">{n}</td></tr>' for k, n in counts]
    out += ["</table>", '<table class="counts">', "<tr><th>Findings</th><th>Count</th></tr>"]
    for sev in reversed(SEVERITIES):
        out.append(f'<tr><td>{_badge(sev)}</td><td class="n">{summary.get(sev, 0)}</td></tr>')
    out.append(f'<tr><td>waived</td><td class="n">{summary.get("waived", 0)}</td></tr>')
    out += [
        "</table>",
        f"<p>Art. 30 record: {len(records)} record(s), "
        + (
            f'<span class="missing">{missing} item(s) MISSING</span>'
            if missing
            else '<span class="ok">every item filled</span>'
        )
        + ' (<a href="#ropa">see below</a>).</p>',
        "</section>",
    ]
    return out


def map_svg(view) -> str:
    """Return the SVG of a map view (:func:`lineage.render.view.select`), ready to inline in HTML.

    The XML prologue, doctype and comments are dropped.

    Raises
    ------
    lineage.render.dot.GraphvizMissing, lineage.render.dot.GraphvizFailed
        When ``dot`` is not installed or fails.
    """
    from lineage.render import dot

    svg = dot.render(view, "svg").decode("utf-8")
    start = _SVG_START.search(svg)
    svg = svg[start.start() :] if start else svg
    return _COMMENT.sub("", svg).strip()


def _details_link(kind: str, ident: str) -> str | None:
    """Link a system of the map to its details below (other elements link nowhere)."""
    return f"#details-{ident}" if kind == "system" else None


def _note(text: str) -> str:
    return f'<p class="note">{esc(text[0].upper() + text[1:])}.</p>'


def _map(analysis, notes: list[str]) -> list[str]:
    """Return the overview map section, drawn as ``lineage render`` draws it; a note when it cannot be."""
    from lineage.render.dot import GraphvizFailed, GraphvizMissing
    from lineage.render.view import select

    out = ['<section id="map">', "<h2>Map</h2>"]
    view = dataclasses.replace(select(analysis), href=_details_link)
    try:
        svg = map_svg(view)
    except GraphvizMissing:
        note = (
            "the map is left out: Graphviz 'dot' was not found on the PATH; install Graphviz "
            "('sudo apt-get install graphviz', 'brew install graphviz' "
            "or https://graphviz.org/download/) and run lineage report again"
        )
        notes.append(note)
        out.append(_note(note))
    except GraphvizFailed as exc:
        note = f"the map is left out: {exc}"
        notes.append(note)
        out.append(_note(note))
    else:
        notes.extend(view.notes)
        out += [_note(n) for n in view.notes]
        out += [
            (
                "<p>Organizations are boxes, systems are filled by their exposure score, flows are "
                "labelled with the fields they carry; hover for details.</p>"
            ),
            f'<div class="map">\n{svg}\n</div>',
        ]
    out.append("</section>")
    return out


def _findings(analysis) -> list[str]:
    from lineage.findings import SEVERITY_RANK

    ordered = sorted(analysis.findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key))
    open_ = [f for f in ordered if not f.waived]
    waived = [f for f in ordered if f.waived]
    head = "<tr>" + "".join(
        f"<th>{h}</th>" for h in ("Severity", "Rule", "Target", "Fields", "Location", "Message")
    )
    out = [
        '<section id="findings">',
        "<h2>Findings</h2>",
        (
            "<p>Worst first; each links to its system "
            "where it has one. Locations are file:line:column of the target's definition.</p>"
        ),
    ]
    if open_:
        out += ["<table>", head + "</tr>"]
        out += [f"<tr>{_finding_cells(f)}</tr>" for f in open_]
        out.append("</table>")
    else:
        out.append('<p class="ok">No open finding.</p>')
    out.append('<h3 id="waived">Waived</h3>')
    if waived:
        out += ["<table>", head + "<th>Waiver reason</th></tr>"]
        out += [
            f"<tr>{_finding_cells(f)}<td>{esc(f.waiver_reason or '')}</td></tr>" for f in waived
        ]
        out.append("</table>")
    else:
        out.append("<p>No waived finding.</p>")
    out.append("</section>")
    return out


def _finding_cells(f) -> str:
    kind, _, ident = f.target.partition(":")
    target = f"<code>{esc(f.target)}</code>"
    if kind == "system":
        target = f'<a href="#details-{esc(ident)}">{target}</a>'
    fields = ", ".join(f"<code>{esc(x)}</code>" for x in f.fields)
    return (
        f"<td>{_badge(f.severity)}</td><td>{esc(f.rule)} {esc(f.name)}</td><td>{target}</td>"
        f"<td>{fields}</td><td><code>{esc(f.loc)}</code></td><td>{esc(f.message)}</td>"
    )


def _scores(analysis) -> dict:
    """System id -> RISK001 score, with the rule's threshold (empty without RISK001)."""
    from lineage.outputs import exposure_scores

    rule, by_system = exposure_scores(analysis)
    return {"threshold": rule.params["threshold"], "by_system": by_system} if rule else {}


def _systems(analysis, scores) -> list[str]:
    from lineage.graph import holdings, origins, subjects_held

    model, L = analysis.model, analysis.lineage
    by_target: dict[str, list] = {}
    for f in analysis.findings:
        by_target.setdefault(f.target, []).append(f)
    out = ['<section id="systems">', "<h2>Systems</h2>"]
    for sid, system in model.systems.items():
        org = model.organizations[system.organization]
        name = f"{system.name} ({sid})" if system.name else sid
        facts = [
            (
                "Organization",
                f"{esc(org.name or org.id)} (<code>{esc(org.id)}</code>, {esc(org.role)})",
            ),
            ("Type", esc(system.type)),
            (
                "Country",
                esc(model.country(sid))
                + (" (outside the EEA)" if _outside_eea(model.country(sid)) else ""),
            ),
            ("Exposure", esc(system.exposure)),
            ("Retention", _retention(L, sid)),
            ("Security", _security(system.security)),
            (
                "Data subjects",
                ", ".join(f"<code>{esc(s)}</code>" for s in subjects_held(L, sid)) or "none",
            ),
        ]
        score = scores.get("by_system", {}).get(sid)
        if score is not None:
            mark = " (reaches the threshold)" if score.total >= scores["threshold"] else ""
            facts.append(
                (
                    "Exposure score",
                    (
                        f"<strong>{score.total:g}</strong> = DPC {score.dpc:g} x EI "
                        f"{score.ei:g} + CB {score.cb:g}; threshold "
                        f"{esc(format(scores['threshold'], 'g'))}{esc(mark)}"
                    ),
                )
            )
        open_ = [f for f in by_target.get(f"system:{sid}", ()) if not f.waived]
        facts.append(
            ("Findings", ", ".join(f"{_badge(f.severity)} {esc(f.rule)}" for f in open_) or "none")
        )
        out += [
            f'<article class="system" id="details-{esc(sid)}">',
            f"<h3>{esc(name)}</h3>",
            '<dl class="facts">',
        ]
        out += [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts]
        out.append("</dl>")
        if system.description:
            out.append(f"<p>{esc(system.description)}</p>")
        held = holdings(L, sid)
        if held:
            out += [
                "<table>",
                "<tr><th>Field</th><th>Form</th><th>Category</th><th>Tier</th><th>From</th></tr>",
            ]
            for fid, form in held.items():
                info = model.field_info(fid)
                cat = model.fields[fid].category + (
                    f" ({info.special})" if info.special != "none" else ""
                )
                came = "; ".join(_origin(o) for o in origins(L, sid, fid))
                out.append(
                    f"<tr><td><code>{esc(fid)}</code></td><td>{esc(form)}</td><td>{esc(cat)}</td>"
                    f"<td>{info.tier}</td><td>{came}</td></tr>"
                )
            out.append("</table>")
        else:
            out.append("<p>Holds no personal data.</p>")
        if score is not None and held:
            out += ["<table>", "<tr><th>Score term</th><th>Value</th><th>Why</th></tr>"]
            out += [
                f"<tr><td>{esc(t.name)}</td><td>{t.value:g}</td><td>{esc(t.why)}</td></tr>"
                for t in score.terms
            ]
            out.append("</table>")
        out.append("</article>")
    out.append("</section>")
    return out


def _retention(L, sid: str) -> str:
    """Return the system's retention, else what its inbound flows set, else a visible gap."""
    model = L.model
    system = model.systems[sid]
    if system.retention:
        return esc(system.retention)
    inbound = sorted((fid, model.flows[fid].retention) for _, _, fid in L.G.in_edges(sid, keys=True))
    if not any(r for _, r in inbound):
        return '<span class="missing">not recorded</span>'
    gap = '<span class="missing">none</span>'
    per_flow = ", ".join(f"<code>{esc(fid)}</code> {esc(r) if r else gap}" for fid, r in inbound)
    return f"none for the system; per inbound flow: {per_flow}"


def _outside_eea(country: str) -> bool:
    from lineage.model.places import EEA

    return country not in EEA


def _security(sec) -> str:
    if sec is None:
        return '<span class="missing">not recorded</span>'
    return esc(", ".join(ropa.security_controls(sec)))


def _origin(o) -> str:
    if o.kind == "collected":
        return f"collected ({esc(o.ref)})"
    if o.kind == "flow":
        form = "" if o.form == "raw" else f", {esc(o.form)}"
        return f"flow <code>{esc(o.ref)}</code>{form}"
    return f"derived from {esc(o.ref)}"


def _ropa(records) -> list[str]:
    from lineage.ropa import ARTICLE, NOTE, VIEWS

    out = [
        '<section id="ropa">',
        "<h2>Record of processing (GDPR Art. 30)</h2>",
        f"<p>{esc(NOTE)}</p>",
    ]
    if not records:
        out.append("<p>No controller or processor in the model.</p>")
    for view in VIEWS:
        part = [r for r in records if r.view == view]
        if not part:
            continue
        out.append(f"<h3>{esc(view.capitalize())} records ({esc(ARTICLE[view])})</h3>")
        out.append(
            "<ul>"
            + "".join(f'<li><a href="#{esc(r.anchor)}">{esc(r.title)}</a></li>' for r in part)
            + "</ul>"
        )
        for rec in part:
            out += [
                f'<table class="record" id="{esc(rec.anchor)}">',
                f"<caption>{esc(rec.title)}</caption>",
            ]
            for item in rec.items:
                out.append(f"<tr><th>{esc(item.label)}</th><td>{_values(item.values)}</td></tr>")
            out.append("</table>")
    out.append("</section>")
    return out


def _values(values) -> str:
    def one(v: str) -> str:
        return f'<span class="missing">{esc(v)}</span>' if v.startswith(ropa.MISSING) else esc(v)

    if len(values) == 1:
        return one(values[0])
    return "<ul>" + "".join(f"<li>{one(v)}</li>" for v in values) + "</ul>"


def _badge(severity: str) -> str:
    return f'<span class="sev sev-{esc(severity)}">{esc(severity)}</span>'
