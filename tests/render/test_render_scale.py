"""Big models: automatic switch to the collapsed view, layout budget, Mermaid limits."""

from __future__ import annotations

import re
import textwrap
import time

from helpers import run_cli

from lineage.model import model_from_text
from lineage.pipeline import analyse, load_ruleset
from lineage.render import dot, mermaid
from lineage.render.view import AUTO_COLLAPSE, select

from .conftest import groups, needs_dot


def test_big_overview_collapses_by_itself_and_says_so(synthetic):
    _, analysis = synthetic(400)
    m = select(analysis)
    assert len(m.systems) > AUTO_COLLAPSE
    assert m.collapsed
    assert len(m.notes) == 1 and "one node per organization" in m.notes[0]
    source = dot.to_dot(m)
    assert 'id="organization-o000"' in source and 'id="system-' not in source
    assert "grouped into 40 organizations" in source


@needs_dot
def test_big_model_renders_fast_through_the_cli(synthetic, tmp_path):
    folder, _ = synthetic(400)
    out = tmp_path / "big.svg"
    start = time.perf_counter()
    result = run_cli("render", folder, "-o", out)
    elapsed = time.perf_counter() - start
    assert result.code == 0, result
    assert elapsed < 10, f"render took {elapsed:.1f} s"
    assert result.stderr.startswith("note: 400 systems are more than")
    assert "one node per organization" in result.stderr
    ids = groups(out.read_bytes())
    assert "organization-o000" in ids and not [i for i in ids if i.startswith("system-")]


@needs_dot
def test_a_focused_view_of_a_big_model_stays_detailed(synthetic):
    _, analysis = synthetic(400)
    m = select(analysis, system="s0005")
    assert not m.collapsed and m.notes == []
    assert "system-s0005" in groups(dot.render(m, "svg"))


def test_a_dense_map_over_the_layout_budget_is_collapsed(synthetic):
    _, analysis = synthetic(100, 8, systems_per_org=100)  # 100 systems, 800 flows, one organization
    m = select(analysis)
    assert not m.collapsed
    assert dot.layout_cost(*dot._graph_of(m)) > dot.LAYOUT_BUDGET
    source = dot.to_dot(m)
    assert 'id="system-' not in source and 'id="group-o000--database"' in source
    assert "too dense to lay out" in m.notes[0]


def test_a_collapsed_map_of_one_organization_has_a_node_per_system_type(synthetic):
    _, analysis = synthetic(100, 8, systems_per_org=100)  # one organization, ten system types
    m = select(analysis, group="organization")
    assert m.by_type and len(m.members) == 10 and m.members["o000/database"] == [
        f"s{i:04d}" for i in range(1, 100, 10)
    ]
    assert m.notes == [
        "one node per organization would give 1 node: drawing one node per organization and "
        "system type instead (10 nodes)"
    ]
    source = dot.to_dot(m)
    assert source.count('[id="group-o000--') == 10 and 'id="organization-o000"' not in source
    assert 'id="orgflow-o000--api-TO-o000--database"' in source
    assert "\\n10 database systems · max score" in source
    assert "grouped by organization and system type into 10 nodes" in source
    text = mermaid.to_mermaid(select(analysis))  # over GitHub's 500 edges: the fallback splits too
    assert len(re.findall(r"^  org_\d+\(", text, flags=re.MULTILINE)) == 10
    assert "10 file share systems" in text


def test_a_collapsed_map_of_enough_organizations_is_not_split(example):
    m = select(example, group="organization")
    assert not m.by_type and list(m.members) == m.organizations and m.notes == []


def test_a_collapsed_map_over_the_budget_keeps_the_worst_organizations(synthetic):
    _, analysis = synthetic(60, 2, systems_per_org=1)
    m = select(analysis, group="organization")
    fitted = dot.fit(m, budget=20)
    assert len(fitted.organizations) < len(m.organizations)
    assert dot.layout_cost(*dot._graph_of(fitted)) <= 20
    assert "organizations left out" in m.notes[-1]
    kept_worst = {fitted.org_worst(o) for o in fitted.organizations}
    assert "critical" in kept_worst or "high" in kept_worst


def edges(text: str) -> int:
    return len(re.findall(r"^\s+\w+ (?:==>|-->|-\.->)\|", text, flags=re.MULTILINE))


def test_small_mermaid_is_the_full_map(example):
    text = mermaid.to_mermaid(select(example))
    assert edges(text) == len(example.model.flows)
    assert text.count("subgraph org_") == len(example.model.organizations)
    assert "classDef finding_critical" in text and "linkStyle" in text


def test_mermaid_over_500_edges_falls_back_to_organizations(synthetic):
    _, analysis = synthetic(260)  # 520 flows: under the Graphviz switch, over GitHub's edge limit
    m = select(analysis)
    assert not m.collapsed
    text = mermaid.to_mermaid(m)
    assert edges(text) <= mermaid.MAX_EDGES and len(text) <= mermaid.MAX_CHARS
    assert "%% collapsed to one node per organization" in text
    assert "GitHub's limits" in m.notes[0]
    assert "subgraph" not in text and "org_0(" in text


def test_mermaid_trims_organization_links_to_stay_within_the_limits(synthetic):
    _, analysis = synthetic(620, 1, systems_per_org=1)  # 620 organizations, ~620 links
    m = select(analysis)
    assert m.collapsed and len(m.links()) > mermaid.MAX_EDGES
    text = mermaid.to_mermaid(m)
    assert edges(text) <= mermaid.MAX_EDGES and len(text) <= mermaid.MAX_CHARS
    assert re.search(r"%% .*\d+ of \d+ organization links left out", text)
    assert "left out" in m.notes[-1]


def test_mermaid_cli_says_so_on_stderr(synthetic):
    folder, _ = synthetic(260)
    result = run_cli("render", folder, "-f", "mermaid")
    assert result.code == 0, result
    assert result.stderr.startswith(
        "note: the Mermaid diagram of 260 systems and 520 flows exceeds GitHub's limits"
    )
    assert len(result.stdout) <= mermaid.MAX_CHARS


@needs_dot
def test_a_png_is_at_most_png_pixels_on_its_longest_side():
    wide = 'digraph { a [shape=box, fixedsize=true, width=120, height=1] }'  # 11,520 px at 96 dpi
    width, height = dot.png_size(dot.run_dot(wide, "png"))
    assert width == dot.PNG_PIXELS and height < 200


@needs_dot
def test_a_scaled_down_png_says_so(example, monkeypatch):
    m = select(example)
    assert max(dot.png_size(dot.render(m, "png"))) < dot.PNG_PIXELS and m.notes == []
    monkeypatch.setattr(dot, "PNG_PIXELS", 300)
    m = select(example)
    assert max(dot.png_size(dot.render(m, "png"))) == 300
    assert m.notes == [
        "the PNG is scaled down to 300 pixels on its longest side, so that it is drawn in seconds; "
        "the SVG shows the map at full size"
    ]


def test_mermaid_trimming_writes_each_node_and_edge_label_once(synthetic, monkeypatch):
    _, analysis = synthetic(620, 1, systems_per_org=1)
    m = select(analysis)
    written = []
    real = mermaid.label
    monkeypatch.setattr(mermaid, "label", lambda *lines: written.append(lines) or real(*lines))
    text = mermaid.to_mermaid(m)
    assert "organization links left out" in m.notes[-1]
    assert len(written) == len(m.organizations) + len(m.links())  # not once per attempt of the search
    assert len(text) <= mermaid.MAX_CHARS


def test_mermaid_counts_characters_as_javascript_does():
    emoji = "😀" * 26_000  # 26,000 characters, 52,000 UTF-16 code units
    model = model_from_text(textwrap.dedent(f"""\
        fields: [{{id: full_name, category: identity.name}}]
        organizations: [{{id: o, role: controller, country: FR}}]
        systems:
          - {{id: a, name: "{emoji}", organization: o, type: database}}
          - {{id: b, organization: o, type: database}}
        flows: [{{id: ab, from: a, to: b, fields: [full_name]}}]
        """))
    m = select(analyse(model, load_ruleset()))
    text = mermaid.to_mermaid(m)
    assert len(text.encode("utf-16-le")) // 2 <= mermaid.MAX_CHARS
    assert "exceeds GitHub's limits" in m.notes[0] and emoji not in text
