"""Holdings on hand-built graphs: chains, cycles, derived fields, forms; and properties."""

from __future__ import annotations

import random

import pytest
from helpers import BASE, lineage_of
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lineage.graph import (
    build,
    holders,
    holdings,
    neighbourhood,
    origins,
    path_to,
    subjects_carried,
    subjects_held,
)
from lineage.load import Source
from lineage.model import load_model_sources
from lineage.model.entities import FORM_RANK

FIELDS = ("a", "b", "c", "d")


def model_text(collects: dict[str, list[str]], flows, derived=None, systems=None) -> str:
    """A one-organization model: `collects` system -> fields; flows (id, src, dst, [field or (field, form)])."""
    derived = derived or {}
    names = sorted(set(systems or ()) | set(collects) | {s for _, u, v, _ in flows for s in (u, v)})
    lines = ["fields:"]
    for f in FIELDS:
        extra = f", derived_from: [{', '.join(derived[f])}]" if f in derived else ""
        lines.append(f"  - {{id: {f}, category: identity.name{extra}}}")
    lines += ["subjects: [{id: people}]", "purposes: [{id: p}]",
              "organizations: [{id: org, role: controller, country: FR}]", "systems:"]
    for s in names:
        got = collects.get(s)
        coll = f", collects: [{{subject: people, purpose: p, fields: [{', '.join(got)}]}}]" if got else ""
        lines.append(f"  - {{id: {s}, organization: org{coll}}}")
    lines.append("flows:" if flows else "flows: []")
    for fid, u, v, fields in flows:
        items = ", ".join(f if isinstance(f, str) else f"{{field: {f[0]}, form: {f[1]}}}" for f in fields)
        lines.append(f"  - {{id: {fid}, from: {u}, to: {v}, fields: [{items}]}}")
    return "\n".join(lines) + "\n"


def broken(L):
    return sorted((b.flow, b.field, b.rule) for b in L.broken)


def test_chain_holds_transitively_and_reports_only_the_first_break():
    L = lineage_of(model_text({"x": ["a"]}, [("x-y", "x", "y", ["a", "b"]), ("y-z", "y", "z", ["a", "b"])]))
    assert holdings(L, "z") == {"a": "raw", "b": "raw"}
    assert broken(L) == [("x-y", "b", "LIN001")]
    assert path_to(L, "a", "z") == ["x-y", "y-z"]


def test_a_loop_holds_nothing_nobody_collects():
    text = model_text({"x": ["a"]}, [("l1-l2", "l1", "l2", ["b"]), ("l2-l1", "l2", "l1", ["b"]),
                                     ("x-l1", "x", "l1", ["a"]), ("l1-x", "l1", "x", ["a"])])
    L = lineage_of(text)
    assert L.sourced["l1"][7] & L.mask(["b"]) == 0, "a loop must not create a field"
    assert broken(L) == [("l1-l2", "b", "LIN001"), ("l2-l1", "b", "LIN001")]
    assert holdings(L, "l1")["a"] == "raw" and holdings(L, "x") == {"a": "raw"}


def test_a_loop_fed_by_a_broken_flow_is_explained_by_it():
    text = model_text({}, [("w-a", "w", "a", ["b"]), ("a-b", "a", "b", ["b"]), ("b-a", "b", "a", ["b"])])
    assert broken(lineage_of(text)) == [("w-a", "b", "LIN001")]


def test_a_loop_that_raises_a_form_breaks_where_the_field_enters_it():
    """b gets a pseudonymised; b-c sends it raw (the break); c-b sends back what c now holds: no cascade."""
    flows = [("x-b", "x", "b", [("a", "pseudonymised")]), ("b-c", "b", "c", ["a"]), ("c-b", "c", "b", ["a"])]
    L = lineage_of(model_text({"x": ["a"]}, flows))
    assert broken(L) == [("b-c", "a", "LIN002")]
    assert holdings(L, "c") == {"a": "raw"} and holdings(L, "b") == {"a": "raw"}
    # entering at both loop members, each raising flow is a break of its own
    both = lineage_of(model_text({"x": ["a"]}, [*flows, ("x-c", "x", "c", [("a", "pseudonymised")])]))
    assert broken(both) == [("b-c", "a", "LIN002"), ("c-b", "a", "LIN002")]
    # a derived field enters the loop where it is derived
    derived = lineage_of(model_text({"x": ["a"]}, [("x-b", "x", "b", [("a", "aggregated")]), ("b-c", "b", "c", ["d"]),
                                                  ("c-b", "c", "b", ["d"])], derived={"d": ["a"]}))
    assert broken(derived) == [("b-c", "d", "LIN002")]


def test_derived_fields_need_all_their_sources():
    derived = {"c": ["a", "b"]}
    L = lineage_of(model_text({"x": ["a", "b"], "y": ["a"]}, [("x-z", "x", "z", ["c"]), ("y-w", "y", "w", ["c"])],
                              derived=derived))
    assert holdings(L, "x") == {"a": "raw", "b": "raw", "c": "raw"}
    assert "c" not in holdings(L, "y")
    assert broken(L) == [("y-w", "c", "LIN001")]
    assert [o.kind for o in origins(L, "x", "c")] == ["derived"]


def test_a_system_holding_only_derived_data_holds_data_of_their_subjects():
    derived = {"c": ["a"], "d": ["c"]}
    L = lineage_of(model_text({"x": ["a"]}, [("x-y", "x", "y", ["d"])], derived=derived))
    assert holdings(L, "y") == {"d": "raw"}
    assert subjects_held(L, "y") == ["people"]
    assert subjects_held(lineage_of(model_text({"x": ["a"]}, [], derived=derived, systems=["y"])), "y") == []


def two_subjects(flows) -> str:
    """A shop collects a from people; an NGO collects a and b from refugees (vulnerable)."""
    text = model_text({"shop": ["a"], "ngo": ["a", "b"]}, flows)
    text = text.replace("subjects: [{id: people}]", "subjects: [{id: people}, {id: refugees, vulnerable: true}]")
    return text.replace("{id: ngo, organization: org, collects: [{subject: people",
                        "{id: ngo, organization: org, collects: [{subject: refugees")


def test_subjects_follow_their_own_data_not_a_shared_field_id():
    flows = [("shop-mail", "shop", "mailer", ["a"]), ("ngo-files", "ngo", "files", ["a", "b"])]
    L = lineage_of(two_subjects(flows))
    assert subjects_held(L, "shop") == ["people"]
    assert subjects_held(L, "files") == ["refugees"]
    assert subjects_held(L, "mailer") == ["people"]  # it holds a, as the NGO's files do: only the shop's a
    L = lineage_of(two_subjects([*flows, ("files-mail", "files", "mailer", ["b"])]))
    assert subjects_held(L, "mailer") == ["people", "refugees"]  # b came from the refugees' files


def test_a_subject_counts_in_the_form_their_data_arrive():
    flows = [("shop-x", "shop", "x", ["a"]), ("ngo-x", "ngo", "x", [("a", "anonymised")])]
    L = lineage_of(two_subjects(flows))
    assert subjects_held(L, "x") == ["people", "refugees"]
    assert subjects_held(L, "x", "generalised") == ["people"]  # the refugees' a arrives anonymised


def test_a_field_brought_by_a_broken_flow_is_about_the_people_its_sender_holds_data_of():
    # w holds only the shop's a; its flow to x declares b, which only the NGO collects (LIN001)
    L = lineage_of(two_subjects([("shop-w", "shop", "w", ["a"]), ("w-x", "w", "x", ["b"])]))
    assert [b.rule for b in L.broken] == ["LIN001"]
    assert subjects_held(L, "x") == ["people"]  # not the NGO's refugees, who share the field id b
    assert subjects_carried(L, "w-x") == ["people"]
    assert subjects_carried(L, "shop-w") == ["people"]
    further = lineage_of(two_subjects([("shop-w", "shop", "w", ["a"]), ("w-x", "w", "x", ["b"]),
                                       ("x-y", "x", "y", ["b"])]))
    assert subjects_held(further, "y") == ["people"]  # and on downstream, not lost after one hop


def test_a_field_derived_from_statistics_is_statistics():
    derived = {"c": ["a", "b"], "d": ["a"]}
    L = lineage_of(model_text({"x": ["a", "b"]}, [("x-y", "x", "y", [("a", "aggregated"), ("b", "anonymised")]),
                                                  ("x-z", "x", "z", [("a", "anonymised")]),
                                                  ("x-w", "x", "w", [("a", "generalised"), ("b", "anonymised")])],
                              derived=derived))
    assert holdings(L, "y") == {"a": "aggregated", "b": "anonymised", "c": "aggregated", "d": "aggregated"}
    assert holdings(L, "z") == {"a": "anonymised", "d": "anonymised"}
    assert [(o.kind, o.form) for o in origins(L, "y", "c")] == [("derived", "aggregated")]
    assert holdings(L, "w")["c"] == "raw"  # a is still about someone: c is a new value about them (SPEC section 2)


@pytest.mark.parametrize(("form", "derived"), [("encrypted", "raw"), ("hashed", "raw"), ("masked", "raw"),
                                               ("pseudonymised", "raw"), ("generalised", "raw"),
                                               ("aggregated", "aggregated"), ("anonymised", "anonymised")])
def test_a_derived_field_is_raw_unless_computed_from_statistics(form, derived):
    L = lineage_of(model_text({"x": ["a"]}, [("x-vault", "x", "vault", [("a", form)]),
                                             ("vault-y", "vault", "y", ["c"])], derived={"c": ["a"]}))
    assert holdings(L, "vault") == {"a": form, "c": derived}  # an age band from a birth date held in `form`
    assert [(o.kind, o.form) for o in origins(L, "vault", "c")] == [("derived", derived)]
    assert [(b.flow, b.rule) for b in L.broken] == ([] if derived == "raw" else [("vault-y", "LIN002")])


def test_a_derived_field_is_held_in_the_most_identifying_form_of_its_sources():
    derived = {"c": ["a", "b"]}
    L = lineage_of(model_text({"x": ["a", "b"]}, [("x-y", "x", "y", [("a", "masked"), "b"]),
                                                  ("y-z", "y", "z", ["c"])], derived=derived))
    assert holdings(L, "y") == {"a": "masked", "b": "raw", "c": "raw"}
    assert [(o.kind, o.form) for o in origins(L, "y", "c")] == [("derived", "raw")]
    assert broken(L) == []  # y sends c raw: it holds it raw, as it holds b (SPEC section 2)


def test_derivation_chains_and_happens_downstream():
    derived = {"c": ["a"], "d": ["c", "b"]}
    L = lineage_of(model_text({"x": ["a"], "y": ["b"]}, [("x-z", "x", "z", ["a"]), ("y-z", "y", "z", ["b"]),
                                                         ("z-o", "z", "o", ["d"])], derived=derived))
    assert holdings(L, "z") == {"a": "raw", "b": "raw", "c": "raw", "d": "raw"}
    assert broken(L) == []


def test_forms_least_minimised_wins_and_reidentification_is_caught():
    L = lineage_of(model_text({"x": ["a"]}, [
        ("x-p", "x", "p", [("a", "pseudonymised")]),
        ("x-q", "x", "q", [("a", "aggregated")]),
        ("p-q", "p", "q", [("a", "pseudonymised")]),
        ("q-r", "q", "r", ["a"]),
    ]))
    assert holdings(L, "q") == {"a": "pseudonymised"}
    assert holders(L, "a") == {"p": "pseudonymised", "q": "pseudonymised", "r": "raw", "x": "raw"}
    assert [(b.flow, b.rule, b.declared, b.held) for b in L.broken] == [("q-r", "LIN002", "raw", "pseudonymised")]


def test_a_form_error_upstream_is_not_repeated_downstream():
    L = lineage_of(model_text({"x": ["a"]}, [("x-p", "x", "p", [("a", "hashed")]), ("p-q", "p", "q", ["a"]),
                                             ("q-r", "q", "r", ["a"])]))
    assert broken(L) == [("p-q", "a", "LIN002")]


def test_neighbourhood_and_origins():
    L = lineage_of(BASE)
    assert neighbourhood(L, "crm") == {"crm", "cases"}
    assert [(o.kind, o.ref, o.form) for o in origins(L, "crm", "foreigner_id")] == [
        ("flow", "cases-to-crm", "pseudonymised")]
    assert origins(L, "cases", "email")[0].kind == "collected"


# --- properties ---------------------------------------------------------------------------

systems = st.sampled_from(["s0", "s1", "s2", "s3", "s4"])
forms = st.sampled_from(["raw", "hashed", "pseudonymised", "aggregated"])
field_use = st.tuples(st.sampled_from(FIELDS), forms)
flow = st.tuples(systems, systems, st.lists(field_use, min_size=1, max_size=3, unique_by=lambda u: u[0]))
collects = st.dictionaries(systems, st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True), max_size=3)


def _flows(raw):
    return [(f"f{i}", u, v, fields) for i, (u, v, fields) in enumerate(raw) if u != v]


def _state(L):
    return {s: holdings(L, s) for s in sorted(L.model.systems)}


@settings(max_examples=60, deadline=None)
@given(collects, st.lists(flow, max_size=8), flow)
def test_adding_a_flow_never_removes_a_holding(coll, raw_flows, extra):
    flows = _flows(raw_flows)
    everyone = ["s0", "s1", "s2", "s3", "s4"]
    before = _state(lineage_of(model_text(coll, flows, {"d": ["a", "b"]}, everyone)))
    if extra[0] == extra[1]:
        return
    after = _state(lineage_of(model_text(coll, [*flows, ("zz", *extra)], {"d": ["a", "b"]}, everyone)))
    rank = ["raw", "encrypted", "hashed", "masked", "pseudonymised", "generalised", "aggregated", "anonymised"]
    for system, held in before.items():
        for field_id, form in held.items():
            assert field_id in after[system]
            assert rank.index(after[system][field_id]) <= rank.index(form)


@settings(max_examples=40, deadline=None)
@given(collects, st.lists(flow, max_size=8), st.randoms(use_true_random=False))
def test_holdings_do_not_depend_on_file_order(coll, raw_flows, rnd: random.Random):
    flows = _flows(raw_flows)
    text = model_text(coll, flows, {"d": ["a", "b"]}, ["s0", "s1", "s2", "s3", "s4"])
    head, _, flow_lines = text.partition("flows:")
    lines = flow_lines.strip("\n").splitlines() if flows else []
    rnd.shuffle(lines)
    split = rnd.randint(0, len(lines))
    sources = [Source("one.yaml", (head + "flows:\n" + "\n".join(lines[:split]) + "\n").encode()),
               Source("two.yaml", ("flows:\n" + "\n".join(lines[split:]) + "\n").encode())]
    if not lines[:split]:
        sources[0] = Source("one.yaml", (head + "flows: []\n").encode())
    if not lines[split:]:
        sources[1] = Source("two.yaml", b"flows: []\n")
    reordered = build(load_model_sources(sources[::-1] if rnd.random() < 0.5 else sources))
    original = lineage_of(text)
    assert _state(reordered) == _state(original)
    assert broken(reordered) == broken(original)


def test_path_to_follows_the_form_the_system_holds():
    L = lineage_of(model_text({"x": ["a"]}, [
        ("x-p", "x", "p", [("a", "pseudonymised")]), ("p-z", "p", "z", [("a", "pseudonymised")]),
        ("x-q", "x", "q", ["a"]), ("q-r", "q", "r", ["a"]), ("r-z", "r", "z", ["a"]),
    ]))
    assert holdings(L, "z") == {"a": "raw"}
    assert path_to(L, "a", "z") == ["x-q", "q-r", "r-z"]
    assert path_to(L, "a", "p") == ["x-p"]
    assert path_to(L, "a", "x") == []


def test_path_to_starts_at_a_flow_from_nowhere():
    L = lineage_of(model_text({}, [("w-y", "w", "y", ["b"]), ("y-z", "y", "z", ["b"])]))
    assert path_to(L, "b", "z") == ["w-y", "y-z"]


def reference_reach(L, form: str) -> dict[tuple[str, str], set[str]]:
    """(subject, system) -> fields, by the rule of Lineage.subject_reach, with plain sets, to a fixed point."""
    model, rank = L.model, FORM_RANK[form]
    reach = {(x, s): set() for x in model.subjects for s in model.systems}
    for sid, system in model.systems.items():
        for collect in system.collects:
            reach[collect.subject, sid] |= set(collect.fields)
    grown = True
    while grown:
        grown = False
        for flow in model.flows.values():
            carried = {u.field for u in flow.fields if FORM_RANK[u.form] <= rank}
            known = set(L.fields_in(L.sourced[flow.source][rank]))  # what the source holds of someone
            for x in model.subjects:
                mine = reach[x, flow.source]
                new = (carried & mine) | (carried - known if mine else set())
                if not new <= reach[x, flow.target]:
                    reach[x, flow.target] |= new
                    grown = True
    return reach


@settings(max_examples=80, deadline=None)
@given(collects, st.lists(flow, max_size=8), st.sets(systems))
@example(coll={"s0": ["a"], "s1": ["a"], "s2": ["a"]},  # s2 -> s1 followed first, then s0 -> s2: order must not matter
         raw_flows=[("s2", "s1", [("b", "raw")]), ("s0", "s2", [("b", "raw")])], refugee_systems={"s0"})
def test_subject_reach_agrees_with_a_plain_reference(coll, raw_flows, refugee_systems):
    """One bitset for all subjects, in every form, equals each subject's sets computed one by one."""
    flows, everyone = _flows(raw_flows), ["s0", "s1", "s2", "s3", "s4"]
    text = model_text(coll, flows, {}, everyone)
    text = text.replace("subjects: [{id: people}]", "subjects: [{id: people}, {id: refugees}]")
    for s in refugee_systems:  # these systems collect from refugees, the others from people
        text = text.replace(f"{{id: {s}, organization: org, collects: [{{subject: people",
                            f"{{id: {s}, organization: org, collects: [{{subject: refugees")
    L = lineage_of(text)
    width = len(L.field_ids)
    for form in ("raw", "hashed", "pseudonymised", "aggregated", "anonymised"):
        expected, reach = reference_reach(L, form), L.subject_reach(form)
        for i, subject in enumerate(["people", "refugees"]):
            for system in everyone:
                got = set(L.fields_in(reach[system] >> (i * width) & ((1 << width) - 1)))
                assert got == expected[subject, system], (form, subject, system)
