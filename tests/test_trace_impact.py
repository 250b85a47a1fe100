"""`lineage trace FIELD` and `lineage impact SYSTEM`: the example model, hand-built models, errors."""

from __future__ import annotations

import json

import pytest
from helpers import BASE, REPO, lineage_of, run_cli, write_files

from lineage.impact import band, impact
from lineage.trace import trace

RISK001 = {"threshold": 4.5, "weights": {"vulnerable_uplift": 1, "internet": 0.5, "partner": 0.25,
                                         "missing_control": 0.25, "outside_controller": 0.5,
                                         "per_subcontracting_level": 0.25, "large_population": 0.25,
                                         "very_large_population": 0.5}}


def cli_json(*args):
    result = run_cli(*args, "--format", "json", cwd=REPO)
    assert result.code == 0, result
    return json.loads(result.stdout)


def chains(t):
    return [(c.text(), [h.flow for h in c.hops]) for c in t.chains]


# --- trace on the example model ------------------------------------------------------------


def test_trace_nationality_lists_every_holder_with_form_and_origin():
    result = run_cli("trace", "nationality", cwd=REPO)
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    crm = next(x for x in lines if x.strip().startswith("cir_platform "))
    assert "raw" in crm and "collected from cir_signatories for cir_management" in crm
    trainer = next(x for x in lines if x.strip().startswith("trainer_crm "))
    assert "raw" in trainer and "via cir-to-trainer-language from cir_platform (raw)" in trainer
    assert any(x.strip().startswith("trainer_mailbox ") and " raw " in x for x in lines)
    assert any(x.strip().startswith("cir_platform --raw--> trainer_crm --raw--> trainer_mailbox") for x in lines)

    doc = cli_json("trace", "nationality")
    holders = {h["system"]: h for h in doc["holders"]}
    assert holders["cir_platform"]["form"] == "raw"
    assert holders["cir_platform"]["origins"] == [
        {"kind": "collected", "ref": "cir_signatories/cir_management", "form": "raw"}]
    assert holders["trainer_crm"]["origins"] == [
        {"kind": "flow", "ref": "cir-to-trainer-language", "form": "raw", "source": "cir_platform"}]
    assert holders["trainer_mailbox"]["form"] == "raw"
    assert holders["ofii_stats_dwh"]["form"] == "aggregated"
    assert doc["entries"] == ["cir_platform"]
    assert doc["broken"] == [] and doc["truncated"] is False
    assert {c["to"] for c in doc["chains"]} == set(holders) - {"cir_platform"}


def test_trace_foreigner_id_shows_the_pseudonymised_form_at_the_statistics_warehouse():
    doc = cli_json("trace", "foreigner_id")
    holders = {h["system"]: h["form"] for h in doc["holders"]}
    assert holders["ofii_stats_dwh"] == "pseudonymised"
    assert holders["trainer_crm"] == "raw"
    paths = [c["path"] for c in doc["chains"]]
    assert "cir_platform --pseudonymised--> ofii_stats_dwh" in paths
    # a copy that arrived pseudonymised is not sent on raw: the mailbox's raw copy comes via the raw flow
    mailbox = [c for c in doc["chains"] if c["to"] == "trainer_mailbox"]
    assert [c["path"] for c in mailbox] == ["cir_platform --raw--> trainer_crm --raw--> trainer_mailbox"]
    text = run_cli("trace", "foreigner_id", cwd=REPO).stdout
    assert "pseudonymised" in next(x for x in text.splitlines() if x.strip().startswith("ofii_stats_dwh "))


def test_trace_shows_fields_derived_from_it():
    doc = cli_json("trace", "date_of_birth")
    assert doc["derivatives"] == [{"field": "age_band", "derived_from": ["date_of_birth"],
                                   "derived_at": ["cir_platform", "trainer_crm"]}]
    age = cli_json("trace", "age_band")
    assert age["field"]["derived_from"] == ["date_of_birth"]
    assert sorted(age["entries"]) == ["cir_platform", "trainer_crm"]


# --- impact on the example model -----------------------------------------------------------


def test_impact_trainer_crm_is_very_high_and_both_notifications_are_likely():
    doc = cli_json("impact", "trainer_crm")
    assert doc["subjects"] == [{"subject": "cir_signatories", "vulnerable": True, "children": False,
                                "population": 110000, "identifiable": True}]
    assert doc["people"] == 110000
    assert doc["records"]["received_per_year"] == 340000 and doc["records"]["collected_from"] == []
    sev = doc["severity"]
    assert (sev["dpc"], sev["ei"], sev["cb"], sev["se"], sev["band"]) == (4.0, 1.0, 1.0, 5.0, "very high")
    assert doc["notification"]["art33"]["likely"] is True
    assert doc["notification"]["art34"]["likely"] is True
    assert doc["notification"]["controller"] == "ofii"
    fields = {f["field"]: f for f in doc["fields"]}
    assert fields["nationality"]["form"] == "raw" and fields["nationality"]["tier"] == 3
    downstream = {d["system"]: d for d in doc["downstream"]}
    assert downstream["learnhub_lms"]["fields"] == {"email": "raw", "full_name": "raw", "language_level": "raw"}
    assert downstream["trainer_mailbox"]["depth"] == 1
    assert downstream["ofii_stats_dwh"]["depth"] == 2
    assert downstream["ofii_stats_dwh"]["fields"]["foreigner_id"] == "pseudonymised"

    art33, art34 = doc["notification"]["art33"]["reason"], doc["notification"]["art34"]["reason"]
    assert art33.endswith("notify the supervisory authority without undue delay and, where feasible, within 72 "
                          "hours of becoming aware (Art. 33(1)), with what Art. 33(3) lists (nature, categories "
                          "and numbers, DPO contact, likely consequences, measures)")
    assert "tell them without undue delay, in clear and plain language" in art34
    text = run_cli("impact", "trainer_crm", cwd=REPO).stdout
    assert "VERY HIGH" in text and "110,000" in text and "vulnerable" in text
    assert "it tells ofii without undue delay (Art. 33(2)); ofii decides" in text  # a processor of the controller
    assert "Art. 33 notify the supervisory authority: LIKELY" in text
    assert "Art. 34 tell the people: LIKELY" in text
    assert "estimate" in text and "not to replace it" in text


def test_impact_of_the_statistics_warehouse_does_not_call_for_telling_the_people():
    doc = cli_json("impact", "ofii_stats_dwh")
    # pseudonymised foreigner_id: gov_id 1 raised to 3, one lower, + 1 vulnerable; EI 0.5 (the pseudonymised
    # foreigner_id; age band and region are coarse: together they count as one quasi-identifier)
    sev = doc["severity"]
    assert (sev["dpc"], sev["ei"], sev["se"], sev["band"]) == (3.0, 0.5, 2.5, "medium")
    art34 = doc["notification"]["art34"]
    assert art34["likely"] is False
    assert art34["reason"] == ("severity medium (SE 2.5 = DPC 3 x EI 0.5 + CB 1): a high risk is not indicated "
                               "(Art. 34(1))")
    assert doc["notification"]["art33"]["likely"] is True  # pseudonymised data are still personal data
    text = run_cli("impact", "ofii_stats_dwh", cwd=REPO).stdout
    assert "Art. 34 tell the people: not likely" in text


def test_impact_of_aggregated_dashboards_needs_no_notification():
    doc = cli_json("impact", "ofii_dashboards")
    assert doc["notification"]["art33"]["likely"] is False
    assert doc["notification"]["art34"]["likely"] is False
    assert doc["people"] == 0 and doc["severity"]["band"] == "low"
    assert doc["subjects"][0]["identifiable"] is False


def test_impact_circumstances_change_cb():
    doc = cli_json("impact", "trainer_crm", "--recipients", "known", "--not-malicious")
    assert doc["severity"]["cb"] == 0.25 and doc["severity"]["se"] == 4.25
    bad = run_cli("impact", "trainer_crm", "--recipients", "everyone", cwd=REPO)
    assert bad.code == 2 and "--recipients" in bad.stderr


# --- errors and stability ------------------------------------------------------------------


@pytest.mark.parametrize(("args", "hint"), [
    (("trace", "natonality"), "did you mean 'nationality'?"),
    (("impact", "trainer_cr"), "did you mean 'trainer_crm'?"),
])
def test_unknown_ids_exit_2_with_a_hint(args, hint):
    result = run_cli(*args, cwd=REPO)
    assert result.code == 2, result
    assert hint in result.stderr and "Traceback" not in result.stderr
    doc = json.loads(run_cli(*args, "--format", "json", cwd=REPO).stdout)
    assert hint in doc["errors"][0]["message"]


def test_invalid_model_and_format_exit_2(tmp_path):
    (tmp_path / "m.yaml").write_text("fields: [{id: a, category: nope}]\n", encoding="utf-8")
    for cmd, ident in (("trace", "a"), ("impact", "x")):
        result = run_cli(cmd, ident, str(tmp_path))
        assert result.code == 2 and "error:" in result.stderr, result
    assert run_cli("trace", "nationality", "--format", "sarif", cwd=REPO).code == 2


@pytest.mark.parametrize("args", [("trace", "foreigner_id"), ("impact", "trainer_crm"),
                                  ("impact", "cir_platform")])
def test_outputs_are_stable(args):
    for fmt in ("json", "text"):
        first = run_cli(*args, "--format", fmt, cwd=REPO).stdout
        assert first == run_cli(*args, "--format", fmt, cwd=REPO).stdout


def test_help_stays_light():
    from test_startup import loaded_modules

    for cmd in ("trace", "impact"):
        assert not [m for m in loaded_modules(cmd, "--help") if m.split(".")[0] == "networkx"]


# --- hand-built models ---------------------------------------------------------------------

#: BASE plus a derived field, a subprocessor LMS two hops from the collecting system, and an archive.
CHAIN = BASE.replace("""  - {id: foreigner_id, category: gov_id}
""", """  - {id: foreigner_id, category: gov_id}
  - {id: initials, category: identity.name, derived_from: [full_name]}
  - {id: login, category: device_online_id, derived_from: [email, initials]}
""").replace("""flows:
""", """  - {id: lms, organization: trainer}
  - {id: archive, organization: office}
flows:
  - {id: crm-to-lms, from: crm, to: lms, fields: [full_name, login, {field: foreigner_id, form: pseudonymised}]}
  - {id: lms-to-archive, from: lms, to: archive, fields: [{field: full_name, form: masked}]}
""")


def test_trace_multi_hop_paths_in_tree_order():
    L = lineage_of(CHAIN)
    t = trace(L, "full_name")
    assert chains(t) == [
        ("cases --raw--> crm", ["cases-to-crm"]),
        ("cases --raw--> crm --raw--> lms", ["cases-to-crm", "crm-to-lms"]),
        ("cases --raw--> crm --raw--> lms --masked--> archive", ["cases-to-crm", "crm-to-lms", "lms-to-archive"]),
    ]
    assert {h.system: h.form for h in t.holders} == {"archive": "masked", "cases": "raw", "crm": "raw", "lms": "raw"}
    fid = trace(L, "foreigner_id")
    assert [c for c, _ in chains(fid)] == ["cases --pseudonymised--> crm",
                                           "cases --pseudonymised--> crm --pseudonymised--> lms"]


def test_trace_derived_fields_enter_where_they_are_derived():
    L = lineage_of(CHAIN)
    t = trace(L, "full_name")
    assert [(d.field, d.derived_from, d.derived_at) for d in t.derivatives] == [
        ("initials", ("full_name",), ("archive", "cases", "crm", "lms")),  # archive: from the masked name
        ("login", ("email", "initials"), ("cases", "crm")),
    ]
    login = trace(L, "login")
    assert login.entries == ["cases", "crm"]
    assert [(h.system, h.form, [o["kind"] for o in h.origins]) for h in login.holders] == [
        ("cases", "raw", ["derived"]), ("crm", "raw", ["derived"]), ("lms", "raw", ["flow"])]
    assert chains(login) == [("crm --raw--> lms", ["crm-to-lms"])]
    assert "initials (from full_name): derived at archive, cases, crm, lms" in _trace_text(L, "full_name")


def _trace_text(L, field_id):
    from lineage.trace import format_trace

    return format_trace(trace(L, field_id))


def test_trace_marks_flows_that_break_lineage():
    text = CHAIN.replace("fields: [{field: full_name, form: masked}]",
                         "fields: [{field: full_name, form: masked}, foreigner_id, email]")
    L = lineage_of(text)
    t = trace(L, "foreigner_id")
    # lms holds foreigner_id only pseudonymised, yet sends it raw: LIN002, and the chain still reaches archive
    assert t.broken == [{"flow": "lms-to-archive", "rule": "LIN002", "declared": "raw", "held": "pseudonymised"}]
    assert "cases --pseudonymised--> crm --pseudonymised--> lms --raw--> archive" in [c for c, _ in chains(t)]
    assert "[breaks lineage: lms-to-archive LIN002]" in _trace_text(L, "foreigner_id")
    e = trace(L, "email")  # lms never received email: the flow starts from nowhere
    assert [(c.start, c.entry) for c in e.chains if c.end == "archive"] == [("lms", "unsourced")]


def test_trace_caps_the_number_of_chains():
    t = trace(lineage_of(CHAIN), "full_name", max_chains=2)
    assert len(t.chains) == 2 and t.truncated


def test_impact_downstream_follows_copies_not_field_names():
    # crm sends a pseudonym back to cases; cases sends its own raw foreigner_id elsewhere: not crm's data
    systems = "  - {id: archive, organization: office}\n  - {id: vault, organization: office}\n"
    text = BASE.replace("flows:\n", systems + "flows:\n") + (
        "  - {id: crm-back, from: crm, to: cases, fields: [{field: foreigner_id, form: pseudonymised}]}\n"
        "  - {id: cases-to-archive, from: cases, to: archive, fields: [foreigner_id]}\n"
        "  - {id: cases-to-vault, from: cases, to: vault, fields: [{field: foreigner_id, form: aggregated}]}\n")
    down = {d["system"]: d for d in impact(lineage_of(text), "crm", RISK001).downstream}
    assert sorted(down) == ["cases", "vault"]  # the pseudonym may go on aggregated, not as the raw id
    assert down["cases"]["fields"] == {"foreigner_id": "pseudonymised"}
    assert (down["vault"]["fields"], down["vault"]["depth"]) == ({"foreigner_id": "aggregated"}, 2)


def test_impact_downstream_forms_and_depth_on_a_hand_built_model():
    L = lineage_of(CHAIN)
    imp = impact(L, "cases", RISK001)
    assert [(d["system"], d["depth"], [v["flow"] for v in d["via"]]) for d in imp.downstream] == [
        ("crm", 1, ["cases-to-crm"]), ("lms", 2, ["crm-to-lms"]), ("archive", 3, ["lms-to-archive"])]
    lms = next(d for d in imp.downstream if d["system"] == "lms")
    assert lms["fields"] == {"foreigner_id": "pseudonymised", "full_name": "raw"}  # login is crm's, not cases'
    assert imp.people == 1000
    assert imp.records == {"received_per_year": 0, "inbound": [], "unknown": [], "collected_from": ["migrants"]}
    crm = impact(L, "crm", RISK001)
    assert crm.records == {"received_per_year": None,
                           "inbound": [{"flow": "cases-to-crm", "from": "cases", "volume": None}],
                           "unknown": ["cases-to-crm"], "collected_from": []}
    assert crm.notification["processor_chain"] == ["trainer", "office"]


STATS = BASE.replace("""flows:
""", """  - {id: stats, organization: office}
  - {id: stats2, organization: office}
flows:
  - {id: to-stats, from: cases, to: stats, fields: [{field: foreigner_id, form: pseudonymised}, nationality]}
  - id: to-stats2
    from: cases
    to: stats2
    fields: [{field: foreigner_id, form: pseudonymised}, nationality, permit_type]
""")


def test_impact_art34_depends_on_band_and_intelligibility():
    L = lineage_of(STATS)
    one_quasi = impact(L, "stats", RISK001)  # DPC 4 x EI 0.5 + CB 1 = 3: high, but no one can be named
    assert (one_quasi.severity["se"], one_quasi.severity["band"]) == (3.0, "high")
    assert one_quasi.notification["art33"]["likely"] and not one_quasi.notification["art34"]["likely"]
    reason = one_quasi.notification["art34"]["reason"]
    assert "unintelligible" in reason and "the readable quasi-identifiers (nationality) weigh less than two" in reason
    two_quasi = impact(L, "stats2", RISK001)  # nationality + permit type single people out: EI 0.75
    assert (two_quasi.severity["se"], two_quasi.severity["band"]) == (4.0, "very high")
    assert two_quasi.notification["art34"]["likely"]
    assert "nationality, permit_type" in two_quasi.notification["art34"]["reason"]
    mild = impact(L, "stats2", RISK001, recipients="none", malicious=False)
    assert mild.severity["band"] == "high" and mild.severity["cb"] == 0
    calm = impact(L, "stats", RISK001, recipients="none", malicious=False)
    assert calm.severity["band"] == "medium" and not calm.notification["art34"]["likely"]
    assert "high risk is not indicated" in calm.notification["art34"]["reason"]


def test_band_edges():
    assert [band(x) for x in (0, 1.99, 2, 2.99, 3, 3.99, 4)] == [
        "low", "low", "medium", "medium", "high", "high", "very high"]


def test_trace_of_a_field_nobody_holds_and_of_one_held_only_where_it_enters():
    L = lineage_of(CHAIN.replace("  - {id: initials,", "  - {id: unused, category: education}\n  - {id: initials,"))
    t = trace(L, "unused")
    assert (t.holders, t.chains, t.entries) == ([], [], [])
    assert "held by no system" in _trace_text(L, "unused")
    assert "paths: none (it is held only where it enters)" in _trace_text(L, "permit_type")


def test_impact_names_the_last_organization_reached_when_the_processor_chain_is_broken():
    L = lineage_of(BASE.replace("    processor_for: office\n", ""))
    n = impact(L, "crm", RISK001).notification
    assert (n["controller"], n["processor_chain"], n["notes"]) == ("trainer", ["trainer"], [
        "encryption at rest does not make the data unintelligible to someone using the system's own accounts; "
        "it counts (Art. 34(3)(a)) only if storage media were taken and the key stayed safe"])
    sub = BASE.replace("role: processor\n    processor_for: office", "role: subprocessor\n    processor_for: helper") \
        .replace("organizations:\n", "organizations:\n  - {id: helper, role: processor, country: FR}\n")
    n = impact(lineage_of(sub), "crm", RISK001).notification
    assert (n["controller"], n["processor_chain"]) == ("helper", ["trainer", "helper"])
    assert n["notes"][0] == ("trainer is not the controller: it tells helper without undue delay (Art. 33(2), "
                             "passed down by its contract, Art. 28(4)); helper decides and notifies")


# --- ENISA data processing context ----------------------------------------------------------

#: ENISA's worked example: a processor holds name, contact, nationality and permit type of migrants.
OFII = BASE.replace("""flows:
""", """  - {id: leak, organization: trainer}
flows:
  - {id: to-leak, from: cases, to: leak, fields: [full_name, email, nationality, permit_type]}
""")


def test_impact_dpc_follows_enisa_on_its_worked_example():
    vulnerable = impact(lineage_of(OFII), "leak", RISK001).severity
    assert (vulnerable["dpc"], vulnerable["ei"], vulnerable["cb"], vulnerable["se"], vulnerable["band"]) == (
        4.0, 1.0, 1.0, 5.0, "very high")
    assert vulnerable["terms"][:2] == [
        {"name": "DPC raised in context", "value": 3.0,
         "why": "highest ENISA context held, raised for vulnerable people or children: immigration.status: "
                "base 1, raised to 3 (permit_type); nationality: base 1, raised to 3 (nationality)"},
        {"name": "DPC vulnerable subjects", "value": 1.0, "why": "migrants"}]
    plain = impact(lineage_of(OFII.replace("vulnerable: true", "vulnerable: false")), "leak", RISK001).severity
    assert (plain["dpc"], plain["se"], plain["band"]) == (1.0, 2.0, "medium")  # tier 3 would have made it 4
    assert plain["terms"][0] == {
        "name": "DPC base", "value": 1.0,
        "why": "highest ENISA context held: contact.personal: base 1 (email); identity.name: base 1 (full_name); "
               "immigration.status: base 1 (permit_type); nationality: base 1 (nationality)"}
    children = impact(lineage_of(OFII.replace("vulnerable: true", "children: true")), "leak", RISK001).severity
    assert (children["dpc"], children["band"]) == (4.0, "very high")


def test_enisa_dpc_of_custom_categories_and_tier_overrides():
    from lineage.impact import enisa_dpc
    from lineage.model.taxonomy import BUILTIN, ENISA_DPC

    assert set(ENISA_DPC) == set(BUILTIN)
    assert [ENISA_DPC[c] for c in ("identity.name", "gov_id", "communications", "employment_hr", "health",
                                   "location.coarse", "credentials")] == [(1, 1), (1, 3), (2, 3), (1, 3), (4, 4),
                                                                          (2, 2), (3, 3)]
    L = lineage_of(BASE.replace("fields:\n", """categories:
  - {id: gov_id.case_number}
  - {id: case.note, tier: 3}
  - {id: case.medical, tier: 2, special: art9}
  - {id: training.attendance, tier: 1}
fields:
  - {id: case_number, category: gov_id.case_number}
  - {id: note, category: case.note}
  - {id: medical, category: case.medical}
  - {id: attendance, category: training.attendance}
  - {id: alias, category: identity.name, tier: 4}
  - {id: diagnosis, category: health, tier: 2}
"""))
    model = L.model
    assert {f: enisa_dpc(model, f) for f in ("case_number", "note", "medical", "attendance", "alias", "diagnosis",
                                             "full_name")} == {
        "case_number": (1, 3, "gov_id.case_number (as gov_id)"),
        "note": (1, 3, "case.note (tier 3)"),
        "medical": (4, 4, "case.medical (Art. 9)"),
        "attendance": (1, 1, "training.attendance (tier 1)"),
        "alias": (4, 4, "identity.name (tier 4)"),
        "diagnosis": (4, 4, "health"),
        "full_name": (1, 1, "identity.name"),
    }


def test_impact_dpc_uplift_is_capped_at_4_and_ignores_aggregated_fields():
    text = OFII.replace("  - {id: foreigner_id, category: gov_id}\n",
                        "  - {id: foreigner_id, category: gov_id}\n  - {id: diagnosis, category: health}\n") \
        .replace("fields: [full_name, email, nationality, permit_type, foreigner_id]}",
                 "fields: [full_name, email, nationality, permit_type, foreigner_id, diagnosis]}") \
        .replace("fields: [full_name, email, nationality, permit_type]}",
                 "fields: [full_name, email, {field: nationality, form: aggregated}, diagnosis]}")
    sev = impact(lineage_of(text), "leak", RISK001).severity
    assert (sev["dpc"], sev["se"]) == (4.0, 5.0)
    assert sev["terms"][:2] == [
        {"name": "DPC raised in context", "value": 4.0,
         "why": "highest ENISA context held, raised for vulnerable people or children: "
                "health: base 4 (diagnosis)"},
        {"name": "DPC vulnerable subjects", "value": 0.0, "why": "migrants (capped at 4)"}]
    aggregated = text.replace("aggregated}, diagnosis]}", "aggregated}, {field: diagnosis, form: aggregated}]}")
    sev = impact(lineage_of(aggregated), "leak", RISK001).severity
    assert (sev["dpc"], sev["terms"][0]["why"]) == (  # nationality and diagnosis only aggregated: name and email
        2.0, "highest ENISA context held, raised for vulnerable people or children: "
             "contact.personal: base 1 (email); identity.name: base 1 (full_name)")


# --- Art. 33: unlikely to result in a risk -----------------------------------------------------

#: A controller's register: one tier-1 field that identifies no one, about 20 staff.
REGISTER = """\
categories:
  - {id: training.attendance, tier: 1, identifier: none}
fields:
  - {id: attendance, category: training.attendance}
  - {id: email, category: contact.personal}
  - {id: sick_days, category: health}
subjects:
  - {id: staff, population: 20}
purposes:
  - {id: hr, legal_basis: contract, needs: [attendance, email, sick_days], max_retention: P1Y}
organizations:
  - {id: office, role: controller, country: FR}
systems:
  - id: register
    organization: office
    collects:
      - {subject: staff, purpose: hr, fields: [attendance]}
"""


def _art33(text, **circumstances):
    imp = impact(lineage_of(text), "register", RISK001, **circumstances)
    return imp.severity["se"], imp.severity["band"], imp.notification["art33"], imp.notification["art34"]


CALM = {"recipients": "known", "malicious": False}  # CB 0.25


def test_impact_art33_is_not_likely_for_a_low_band_without_special_data_or_vulnerable_people():
    se, level, art33, art34 = _art33(REGISTER, **CALM)
    assert (se, level, art33["likely"], art34["likely"]) == (0.5, "low", False, False)
    assert art33["reason"] == (
        "severity low (SE 0.5 = DPC 1 x EI 0.25 + CB 0.25), no Art. 9/10 data and no vulnerable people or "
        "children: a breach is unlikely to result in a risk to people (Art. 33(1)); record it anyway (Art. 33(5))")
    se, level, art33, _ = _art33(REGISTER)  # a malicious leak to unknown recipients: CB 1, still low
    assert (se, level, art33["likely"]) == (1.25, "low", False)


@pytest.mark.parametrize(("change", "circumstances", "expected", "because"), [
    (("population: 20", "vulnerable: true, population: 20"), CALM, (0.75, "low", True),
     "vulnerable people or children (staff)"),
    (("population: 20", "children: true, population: 20"), CALM, (0.75, "low", True),
     "vulnerable people or children (staff)"),
    (("fields: [attendance]", "fields: [attendance, sick_days]"), CALM, (1.25, "low", True),
     "Art. 9/10 data (sick_days (Art. 9)): EDPB 9/2022 treats damage as likely"),
    (("fields: [attendance]", "fields: [attendance, email]"), CALM, (1.25, "low", False), "severity low"),
    (("fields: [attendance]", "fields: [attendance, email]"), {}, (2.0, "medium", True),
     "severity medium (SE 2 = DPC 1 x EI 1 + CB 1)"),
])
def test_impact_art33_is_likely_with_vulnerable_people_special_data_or_a_band_above_low(
        change, circumstances, expected, because):
    se, level, art33, _ = _art33(REGISTER.replace(*change), **circumstances)
    assert (se, level, art33["likely"]) == expected
    assert because in art33["reason"]


def test_impact_art33_is_not_likely_when_the_people_concerned_number_0():
    _, _, art33, art34 = _art33(REGISTER.replace("population: 20", "population: 0, vulnerable: true"))
    assert not art33["likely"] and not art34["likely"]
    assert art33["reason"].startswith("no identifiable person is concerned: the subjects whose data it holds number 0")


# --- records -------------------------------------------------------------------------------


def _records_text(text, system_id):
    from lineage.impact import format_impact

    lines = format_impact(impact(lineage_of(text), system_id, RISK001)).splitlines()
    return lines[next(i for i, x in enumerate(lines) if x.startswith("people concerned")) + 1:lines.index("", 4)]


def test_impact_records_say_what_comes_in_through_flows_and_what_is_collected():
    assert _records_text(CHAIN, "crm") == [  # the one inbound flow declares no volume
        "records received through inbound flows: unknown (no inbound flow declares its volume); by flow volume:",
        "  cases-to-crm ?"]
    assert _records_text(CHAIN, "cases") == [
        "records received through inbound flows: none (no flow comes in)",
        "records collected here directly (from migrants): not counted by the model;",
        "  the people concerned above come from the subjects' populations"]
    back = CHAIN.replace("""flows:
""", """flows:
  - {id: crm-back, from: crm, to: cases, volume: 300, fields: [full_name]}
  - {id: lms-back, from: lms, to: cases, fields: [full_name]}
""")
    assert impact(lineage_of(back), "cases", RISK001).records["received_per_year"] == 300
    assert _records_text(back, "cases") == [
        "records received through inbound flows: at least 300 a year (1 of 2 declare no volume); by flow volume:",
        "  crm-back 300, lms-back ?",
        "records collected here directly (from migrants): not counted by the model;",
        "  the people concerned above come from the subjects' populations"]
    both = back.replace("  - {id: lms-back, from: lms, to: cases, fields",
                        "  - {id: lms-back, from: lms, to: cases, volume: 1200, fields")
    assert _records_text(both, "cases")[:2] == [
        "records received through inbound flows: about 1,500 a year; by flow volume:", "  crm-back 300, lms-back 1,200"]


def test_impact_art34_without_any_direct_identifier_names_no_key():
    text = REGISTER.replace("  - {id: sick_days, category: health}\n",
                            "  - {id: sick_days, category: health}\n  - {id: region, category: location.coarse}\n"
                            "  - {id: town, category: location.coarse}\n") \
        .replace("needs: [attendance, email, sick_days]", "needs: [attendance, email, sick_days, region, town]") \
        .replace("fields: [attendance]", "fields: [attendance, sick_days, region, town]")
    se, level, art33, art34 = _art33(text)  # DPC 4 (health) x EI 0.5 (two coarse quasi-identifiers) + CB 1
    assert (se, level, art33["likely"], art34["likely"]) == (3.0, "high", True, False)
    assert art34["reason"].endswith(
        "Art. 34(3)(a) spares telling the people: no direct identifier is held; the readable quasi-identifiers "
        "(region, town) weigh less than two, a coarse one (tier 1) counting half: too few to single a person out; "
        "still readable: attendance, region, sick_days, town. This holds only if nothing else taken re-identifies "
        "them; otherwise tell them")
    one_coarse = text.replace(", town]", "]")  # EI 0.25: a region alone singles out no one
    assert _art33(one_coarse)[:2] == (2.0, "medium")
    town = "  - {id: town, category: location.coarse}\n"
    triad = text.replace(town, town + "  - {id: birth_date, category: identity.dob_age}\n") \
        .replace("region, town]", "region, town, birth_date]")
    se, level, art33, art34 = _art33(triad)  # date of birth + two coarse: weight 2, EI 0.75, as RISK001 counts it
    assert (se, level, art33["likely"], art34["likely"]) == (4.0, "very high", True, True)
    assert "identifying data readable (birth_date, region, town)" in art34["reason"]


def test_impact_art34_spares_the_people_when_the_direct_identifier_is_pseudonymised():
    text = REGISTER.replace("systems:\n", "systems:\n  - id: hr\n    organization: office\n    collects:\n"
                            "      - {subject: staff, purpose: hr, fields: [attendance, email, sick_days]}\n") + (
        "flows:\n  - {id: hr-to-register, from: hr, to: register, purpose: hr,"
        " fields: [{field: email, form: pseudonymised}, sick_days]}\n")
    se, level, art33, art34 = _art33(text)  # DPC 4 (health) x EI 0.5 (email pseudonymised) + CB 1
    assert (se, level, art33["likely"], art34["likely"]) == (3.0, "high", True, False)
    assert "Art. 34(3)(a) spares telling the people: no direct identifier is readable (email pseudonymised)" in \
        art34["reason"]
    assert art34["reason"].endswith("This holds only if the pseudonymisation key stayed outside the breached system "
                                    "and nothing else taken re-identifies them; otherwise tell them")


# --- trace: the shortest chains survive the cap ------------------------------------------------


def _dense(n=25):
    """n systems of one controller, a flow between every ordered pair: n * (n - 1) flows carrying name."""
    systems = "".join(f"  - {{id: s{i:02}, organization: office}}\n" for i in range(1, n))
    flows = "".join(f"  - {{id: f{i:02}-{j:02}, from: s{i:02}, to: s{j:02}, fields: [name]}}\n"
                    for i in range(n) for j in range(n) if i != j)
    return f"""\
fields:
  - {{id: name, category: identity.name}}
subjects:
  - {{id: people, population: 10}}
purposes:
  - {{id: p, legal_basis: contract, needs: [name], max_retention: P1Y}}
organizations:
  - {{id: office, role: controller, country: FR}}
systems:
  - id: s00
    organization: office
    collects: [{{subject: people, purpose: p, fields: [name]}}]
{systems}flows:
{flows}"""


def test_trace_keeps_the_shortest_paths_when_it_truncates():
    L = lineage_of(_dense())
    assert len(L.model.flows) == 600
    t = trace(L, "name")
    assert (len(t.chains), t.truncated) == (500, True)
    one_hop = [c.text() for c in t.chains if len(c.hops) == 1]
    assert one_hop == [f"s00 --raw--> s{j:02}" for j in range(1, 25)]  # all 24, not 1
    assert {len(c.hops) for c in t.chains} == {1, 2}  # 24 + 476 of the 576 two-hop chains
    assert [c.text() for c in t.chains[:3]] == [
        "s00 --raw--> s01", "s00 --raw--> s01 --raw--> s00", "s00 --raw--> s01 --raw--> s02"]
    assert chains(t) == chains(trace(L, "name"))
    assert _trace_text(L, "name").splitlines()[-2] == (
        "  ... only the 500 shortest paths are listed (up to 2 hops); the holders above name every flow")


def test_trace_takes_rules_like_every_command(tmp_path):
    write_files(tmp_path, {"bad/r.yaml": "rules:\n  - id: NOPE\n"})
    result = run_cli("trace", "nationality", str(REPO / "flows"), "--rules", str(tmp_path / "bad"))
    assert result.code == 2 and "r.yaml:2:9: error: no check named 'NOPE'" in result.stderr


def test_trace_marks_holders_reached_only_by_broken_flows():
    loop = CHAIN.replace("flows:\n", "flows:\n  - {id: crm-to-lms-permit, from: crm, to: lms, fields: [permit_type]}\n"
                                     "  - {id: lms-to-crm-permit, from: lms, to: crm, fields: [permit_type]}\n", 1)
    t = trace(lineage_of(loop), "permit_type")
    assert {h.system: h.sourced for h in t.holders} == {"cases": True, "crm": False, "lms": False}
    assert {b["flow"] for b in t.broken} == {"crm-to-lms-permit", "lms-to-crm-permit"}
    assert trace(lineage_of(loop), "full_name").holders[0].sourced
