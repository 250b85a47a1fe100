"""Views of the example model: what each one selects, and how flows and systems are labelled."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.findings import SEVERITY_RANK
from lineage.graph import holders, neighbourhood
from lineage.model import model_from_text
from lineage.pipeline import analyse, load_ruleset
from lineage.render import dot, mermaid
from lineage.render.view import ViewError, band, select

from .conftest import worst


def edges_of(source: str) -> dict[str, str]:
    """Flow id -> the DOT attribute text of its edge."""
    return dict(re.findall(r'\[id="flow-([^"]+)"(.*)\];', source))


def test_overview_draws_everything(example):
    m = select(example)
    assert (m.kind, m.collapsed, m.notes) == ("overview", False, [])
    assert m.systems == sorted(example.model.systems)
    assert m.flows == sorted(example.model.flows)


def test_field_view_holders_and_carriers_with_the_form_on_every_hop(example):
    m = select(example, field="foreigner_id")
    carriers = {
        f
        for f, flow in example.model.flows.items()
        if any(u.field == "foreigner_id" for u in flow.fields)
    }
    assert set(m.flows) == carriers
    assert set(holders(example.lineage, "foreigner_id")) <= set(m.systems)
    assert "dgef_reporting" not in m.systems
    source = dot.to_dot(m)
    edges = edges_of(source)
    assert set(edges) == carriers
    for fid, text in edges.items():
        form = next(u.form for u in example.model.flows[fid].fields if u.field == "foreigner_id")
        assert f'label="foreigner_id: {form}"' in text
        assert f"form-{form}" in text
    assert "holds foreigner_id pseudonymised" in source  # the statistics warehouse


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_system_view_is_the_neighbourhood(example, depth):
    m = select(example, system="trainer_mailbox", depth=depth)
    assert set(m.systems) == neighbourhood(example.lineage, "trainer_mailbox", depth)
    assert all(
        example.model.flows[f].source in m.systems and example.model.flows[f].target in m.systems
        for f in m.flows
    )
    assert 'peripheries="2"' in dot.to_dot(m)


def test_min_severity_keeps_findings_and_what_connects_them(example):
    m = select(example, min_severity="critical")
    model = example.model

    def hot(target):
        sev = worst(example, target)
        return sev is not None and SEVERITY_RANK[sev] >= SEVERITY_RANK["critical"]

    expected = {
        s
        for s in model.systems
        if hot(f"system:{s}") or hot(f"organization:{model.systems[s].organization}")
    }
    for f in model.flows:
        if hot(f"flow:{f}"):
            expected |= {model.flows[f].source, model.flows[f].target}
    assert set(m.systems) == expected
    assert "trainer_crm" in m.systems and "ofii_stats_dwh" not in m.systems
    assert set(m.flows) == {
        f for f, flow in model.flows.items() if flow.source in expected and flow.target in expected
    }
    assert m.kind == "findings"
    assert "critical or worse" in dot.describe(m)
    assert select(example, min_severity="info").systems  # every finding level


def test_collapsed_view_summarises_flows_per_pair_of_organizations(example):
    m = select(example, group="organization")
    assert m.collapsed
    links = {(k.source, k.target): k for k in m.links()}
    ofii_trainer = links[("ofii", "trainer")]
    assert set(ofii_trainer.flows) == {"cir-to-trainer-civic", "cir-to-trainer-language"}
    assert ofii_trainer.form == "raw"
    assert ofii_trainer.worst == "critical"  # MIN001 on residence_permit_ground, tier 4
    source = dot.to_dot(m)
    assert 'id="orgflow-ofii-TO-trainer"' in source and 'label="2 flows\\n11 fields"' in source
    assert 'id="organization-learnhub"' in source and "outside-eea" in source


def test_combined_field_and_collapsed(example):
    m = select(example, field="foreigner_id", group="organization")
    assert m.collapsed and m.field == "foreigner_id"
    assert m.organizations == ["ofii", "trainer"] and m.by_type  # two organizations: split by type
    assert {k.source for k in m.links()} <= {"ofii/analytics", "ofii/application", "trainer/saas"}


def test_styles_by_form_and_findings(example):
    edges = edges_of(dot.to_dot(select(example)))
    assert 'style="dotted"' in edges["stats-to-dgef"]  # aggregated
    assert (
        'style="solid"' in edges["crm-to-lms"] and 'color="#222222"' in edges["crm-to-lms"]
    )  # raw
    assert 'color="#d7301f"' in edges["crm-rosters-to-mailbox"]  # high finding: red
    assert "finding-high" in edges["crm-rosters-to-mailbox"]


def test_long_field_lists_become_a_count_with_the_list_in_the_tooltip(example):
    text = edges_of(dot.to_dot(select(example)))["cir-to-trainer-language"]
    assert 'label="10 fields"' in text
    assert "residence_permit_ground (raw)" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"field": "foreigner"},
            "no field 'foreigner' in the model (did you mean 'foreigner_id'?)",
        ),
        ({"system": "crm"}, "no system 'crm' in the model (did you mean 'trainer_crm'?)"),
        ({"field": "email", "system": "trainer_crm"}, "cannot be combined"),
        ({"group": "country"}, "--group must be one of organization"),
        ({"min_severity": "urgent"}, "--min-severity must be one of"),
        ({"system": "trainer_crm", "depth": -1}, "--depth must be 0 or more"),
    ],
)
def test_bad_views(example, options, message):
    with pytest.raises(ViewError, match=re.escape(message)):
        select(example, **options)


def test_bands():
    assert [band(s, 6) for s in (0, 1.9, 2, 4, 6, 9)] == [
        "none",
        "low",
        "medium",
        "high",
        "very high",
        "very high",
    ]


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=30))
def test_orient_always_gives_dot_an_acyclic_graph(pairs):
    nodes = [f"n{i}" for i in range(8)]
    edges = [(f"n{a}", f"n{b}") for a, b in pairs]
    rank = dot.layers(nodes, edges)
    oriented = [dot.orient(u, v, rank)[:2] for u, v in edges if u != v]
    # an acyclic graph has a topological order: repeatedly remove nodes without inbound edges
    left = set(nodes)
    while left:
        free = {n for n in left if not any(v == n and u in left for u, v in oriented)}
        assert free, "cycle"
        left -= free
    assert dot.layout_cost(nodes, edges) >= 0


PLACED = """\
fields: [{id: full_name, category: identity.name}]
organizations:
  - {id: acme, role: controller, country: FR}
  - {id: far, role: processor, processor_for: acme, country: US}
systems:
  - {id: abroad, organization: acme, type: database, country: US}
  - {id: nearby, organization: acme, type: database, country: DE}
  - {id: home, organization: acme, type: database}
  - {id: there, organization: far, type: saas, country: US}
flows:
  - {id: f1, from: home, to: abroad, fields: [full_name]}
  - {id: f2, from: abroad, to: nearby, fields: [full_name]}
  - {id: f3, from: nearby, to: there, fields: [full_name]}
"""


def test_a_system_placed_outside_the_eea_is_marked_like_an_organization():
    m = select(analyse(model_from_text(PLACED), load_ruleset()))
    nodes = dict(re.findall(r'^\s+"(\w+)" (\[id="system-.*\]);$', dot.to_dot(m), flags=re.MULTILINE))
    assert "outside-eea" in nodes["abroad"] and 'style="filled,dashed"' in nodes["abroad"]
    assert "\nin US, outside the EEA" in dot.system_label(m, "abroad")
    assert dot.system_label(m, "abroad", short=True).endswith(" · US")
    assert "\nin DE" in dot.system_label(m, "nearby") and "dashed" not in nodes["nearby"]
    for sid in ("home", "there"):  # in their organization's country: the cluster says it
        assert "outside-eea" not in nodes[sid] and "\nin " not in dot.system_label(m, sid)
    text = mermaid.to_mermaid(m)
    assert "<br>in US, outside the EEA" in text
    assert re.search(r"^  class sys_0 outside_eea$", text, flags=re.MULTILINE)  # abroad, first by id
