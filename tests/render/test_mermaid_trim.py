"""A collapsed Mermaid map over GitHub's limits: what it keeps, and the visible title that says what it leaves out."""

from __future__ import annotations

import re
import subprocess

import pytest
from helpers import MERMAID_MODULES, mermaid_failures, needs_mermaid

from lineage.model import model_from_text
from lineage.pipeline import analyse, load_ruleset
from lineage.render import mermaid
from lineage.render.view import select

PROCESSORS = 600  # one system each, in a chain: 601 organizations, 600 links, over 50,000 characters
OUTSIDE = range(50, PROCESSORS, 97)  # in the US without a safeguard: high findings

SECURE = "retention: P1Y, security: {encryption_at_rest: true, mfa: true, access_logging: true}"
FLOW = "purpose: casework, channel: sftp, encrypted: true, retention: P1Y, fields: [full_name, email]"


def _model_text() -> str:
    """A controller sorted last, with one link and no finding: the first thing the old trimming dropped."""
    lines = [
        "fields: [{id: full_name, category: identity.name}, {id: email, category: contact.personal}]",
        "subjects: [{id: residents, population: 1000}]",
        "purposes: [{id: casework, legal_basis: public_task, needs: [full_name, email], max_retention: P2Y}]",
        "organizations:",
        "  - {id: zz_office, name: The controller, role: controller, country: FR}",
    ]
    for i in range(PROCESSORS):
        country = "US, transfer_safeguard: none" if i in OUTSIDE else "FR"
        lines.append(
            f"  - {{id: p{i:03d}, role: processor, processor_for: zz_office, country: {country}, "
            f"subprocessing: none, dpa: {{signed: true, reference: D{i}, date: 2025-01-01}}}}"
        )
    lines += [
        "systems:",
        f"  - {{id: office, organization: zz_office, {SECURE}, "
        "collects: [{subject: residents, purpose: casework, fields: [full_name, email]}]}",
    ]
    lines += [f"  - {{id: s{i:03d}, organization: p{i:03d}, {SECURE}}}" for i in range(PROCESSORS)]
    lines += ["flows:", f"  - {{id: f-office, from: office, to: s000, {FLOW}}}"]
    lines += [f"  - {{id: f{i:03d}, from: s{i:03d}, to: s{i + 1:03d}, {FLOW}}}" for i in range(PROCESSORS - 1)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def analysis():
    return analyse(model_from_text(_model_text()), load_ruleset())


@pytest.fixture(scope="module")
def trimmed(analysis):
    """The collapsed map, its Mermaid text, and the organizations drawn."""
    m = select(analysis)
    chart = mermaid.to_mermaid(m)
    ids = {f"org_{n}": group for n, group in enumerate(m.members)}
    drawn = {ids[node] for node in re.findall(r"^  (org_\d+)\(", chart, flags=re.MULTILINE)}
    return m, chart, drawn


def _edges(chart: str) -> int:
    return len(re.findall(r"^  \w+ (?:==>|-->|-\.->)\|", chart, flags=re.MULTILINE))


def _title(chart: str) -> str:
    match = re.match(r'---\ntitle: "(.*)"\n---\nflowchart LR\n', chart)
    assert match, chart[:500]
    return match.group(1)


def test_the_cut_keeps_the_controller_and_stays_within_the_limits(trimmed):
    m, chart, drawn = trimmed
    assert m.collapsed and len(m.members) == PROCESSORS + 1
    assert "zz_office" in drawn and "The controller" in chart
    assert len(drawn) < len(m.members)  # the model is big enough to force the cut
    assert _edges(chart) <= mermaid.MAX_EDGES
    assert mermaid.js_length(chart) <= mermaid.MAX_CHARS


def test_the_cut_keeps_the_worst_and_best_linked_organizations_first(trimmed):
    m, _, drawn = trimmed
    links = dict.fromkeys(m.members, 0)
    for link in m.links():
        links[link.source] += 1
        links[link.target] += link.target != link.source
    assert {f"p{i:03d}" for i in OUTSIDE} <= drawn
    assert all(m.group_worst(f"p{i:03d}") == "high" for i in OUTSIDE)

    def weight(group):
        return (mermaid._severity(m.group_worst(group)), links[group])

    left_out = set(m.members) - drawn
    assert max(map(weight, left_out)) <= min(weight(g) for g in drawn if g != "zz_office")


def test_the_note_gives_the_exact_counts_in_the_title_the_header_and_stderr(trimmed):
    m, chart, drawn = trimmed
    edges, links, orgs = _edges(chart), len(m.links()), len(m.members)
    expected = (
        f"{orgs - len(drawn)} of {orgs} organizations and {links - edges} of {links} organization "
        "links left out to stay within GitHub's limits"
    )
    title = _title(chart)
    assert title.startswith(expected)
    assert "lineage render -f svg" in title and "--group organization" in title and "--system ID" in title
    assert m.notes[-1] == f"Mermaid: {title}"
    header = chart.splitlines()[4]
    assert header.startswith("  %% Personal-data lineage: all systems (601 systems, 600 flows")
    assert header.endswith(f"; drawn: {len(drawn)} of {orgs} organizations, {edges} of {links} organization links")


def test_the_trimmed_chart_is_deterministic(analysis, trimmed):
    assert mermaid.to_mermaid(select(analysis)) == trimmed[1]


def test_a_collapsed_chart_that_fits_says_so_in_its_title(synthetic):
    _, analysis = synthetic(260)  # 520 flows: collapsed for Mermaid, and then within the limits
    chart = mermaid.to_mermaid(select(analysis))
    assert _title(chart) == (
        "collapsed to one node per organization: the full map exceeds GitHub's Mermaid limits; "
        + mermaid.EVERY_SYSTEM
    )
    assert len(re.findall(r"^  org_\d+\(", chart, flags=re.MULTILINE)) == 26


@needs_mermaid
def test_the_trimmed_chart_parses(trimmed, tmp_path):
    assert mermaid_failures({"trimmed": trimmed[1]}, tmp_path) == []


#: Render a chart's front matter above a one-node flowchart with the real Mermaid and print the title drawn.
DRAW_TITLE = """\
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
const [modules, frontMatter] = process.argv.slice(2);
const load = async (name) => import(pathToFileURL(createRequire(path.join(modules, "noop.js")).resolve(name)));
const { JSDOM } = await load("jsdom");
const { window } = new JSDOM("<!doctype html><html><body></body></html>");
Object.assign(globalThis, { window, document: window.document, CSSStyleSheet: window.CSSStyleSheet });
window.SVGElement.prototype.getBBox = () => ({ x: 0, y: 0, width: 10, height: 10 });
const mermaid = (await load("mermaid")).default;
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
const { svg } = await mermaid.render("chart", `${frontMatter}flowchart LR\\n  a\\n`);
const svgDocument = new window.DOMParser().parseFromString(svg, "image/svg+xml");
console.log(svgDocument.querySelector(".flowchartTitleText")?.textContent ?? "");
"""


@needs_mermaid
def test_mermaid_draws_the_note_as_the_title(trimmed, tmp_path):
    _, chart, _ = trimmed
    script = tmp_path / "draw_title.mjs"
    script.write_text(DRAW_TITLE, encoding="utf-8")
    front_matter = "".join(chart.splitlines(keepends=True)[:3])
    done = subprocess.run(["node", str(script), str(MERMAID_MODULES), front_matter],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == _title(chart).replace('\\"', '"')
    assert done.stdout.startswith("194 of 601 organizations and ")
