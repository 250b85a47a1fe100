"""RISK001 high-risk-node: a system's exposure score reaches the threshold."""

from lineage.rules.engine import RunContext

from .util import TODAY, analyse, base, disable, found, severities

# A subprocessor of the processor gets name, contact, nationality and residence status of
# vulnerable people in raw form; the controller's analytics store gets them pseudonymised or
# aggregated. Both are internal and fully secured: the score comes from the data and the chain.
EXTRA = """\
organizations:
  - id: lms_co
    role: subprocessor
    processor_for: trainer
    country: FR
    dpa: {signed: true, reference: DPA-2, date: 2025-01-01}
systems:
  - id: lms
    organization: lms_co
    retention: P1Y
    security: {encryption_at_rest: true, mfa: true, access_logging: true}
  - id: stats
    organization: office
    type: analytics
    retention: P5Y
    security: {encryption_at_rest: true, mfa: true, access_logging: true}
flows:
  - id: cases-to-lms
    from: cases
    to: lms
    purpose: casework
    channel: api
    encrypted: true
    retention: P1Y
    fields: [full_name, email, nationality, permit_type]
  - id: cases-to-stats
    from: cases
    to: stats
    purpose: casework
    channel: shared_database
    encrypted: true
    retention: P5Y
    fields:
      - {field: foreigner_id, form: pseudonymised}
      - {field: nationality, form: aggregated}
      - {field: permit_type, form: aggregated}
"""
LMS_FIELDS = ("email", "full_name", "nationality", "permit_type")


def scores(a) -> dict[str, float]:
    rule = a.ruleset.rules["RISK001"]
    ctx = RunContext(a.model, a.lineage, TODAY)
    return {sid: rule.module.score(ctx, sid, rule.params).total for sid in a.model.systems}


def test_subcontractor_with_vulnerable_peoples_status_is_critical(tmp_path):
    a = analyse(tmp_path, EXTRA)
    assert found(a, "RISK001") == [("RISK001", "system:lms", LMS_FIELDS)]
    assert severities(a, "RISK001") == {("system:lms", LMS_FIELDS): "critical"}
    threshold = a.ruleset.rules["RISK001"].params["threshold"]
    assert scores(a)["lms"] > threshold


def test_processor_with_the_same_data_is_above_the_threshold_too(tmp_path):
    # the operator of the OFII case was a processor: internal, every control, 1,000 people.
    model = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                  "fields: [full_name, email, nationality, permit_type]"))
    a = analyse(tmp_path, model=model)
    assert severities(a, "RISK001") == {("system:crm", LMS_FIELDS): "critical"}
    assert scores(a)["crm"] > a.ruleset.rules["RISK001"].params["threshold"]


def test_near_miss_pseudonymised_store_inside_the_controller(tmp_path):
    a = analyse(tmp_path, EXTRA)
    threshold = a.ruleset.rules["RISK001"].params["threshold"]
    assert scores(a)["stats"] < threshold
    assert "system:stats" not in {target for _, target, _ in found(a, "RISK001")}


def test_inside_the_controller_is_high(tmp_path):
    # cases on the internet with no security controls.
    secured = "    security: {encryption_at_rest: true, mfa: true, access_logging: true}\n"
    model = base(("    organization: office\n    retention: P5Y\n" + secured,
                  "    organization: office\n    retention: P5Y\n    exposure: internet\n"))
    a = analyse(tmp_path, model=model)
    fields = ("email", "foreigner_id", "full_name", "nationality", "permit_type")
    assert severities(a, "RISK001") == {("system:cases", fields): "high"}


def test_an_authority_is_the_controller_of_its_own_systems(tmp_path):
    secured = "    security: {encryption_at_rest: true, mfa: true, access_logging: true}\n"
    model = base(("    organization: office\n    retention: P5Y\n" + secured,
                  "    organization: office\n    retention: P5Y\n    exposure: internet\n"),
                 ("{id: office, role: controller", "{id: office, role: authority"))
    a = analyse(tmp_path, model=model)
    fields = ("email", "foreigner_id", "full_name", "nationality", "permit_type")
    assert severities(a, "RISK001") == {("system:cases", fields): "high"}


def test_not_vulnerable_scores_lower(tmp_path):
    a = analyse(tmp_path, EXTRA, model=base(("vulnerable: true", "vulnerable: false")))
    assert found(a, "RISK001") == []


def test_threshold_param(tmp_path):
    a = analyse(tmp_path, EXTRA, rules="rules:\n  - {id: RISK001, params: {threshold: 5.5}}\n")
    assert found(a, "RISK001") == []


def test_weights_merge_per_key(tmp_path):
    # one weight overridden, the others kept from the built-in pack; a heavier
    # outside_controller weight pushes crm (processor, 3.5 by default) over the threshold.
    rules = "rules:\n  - {id: RISK001, params: {weights: {outside_controller: 1.5}}}\n"
    a = analyse(tmp_path, EXTRA, rules=rules)
    weights = a.ruleset.rules["RISK001"].params["weights"]
    assert weights["outside_controller"] == 1.5 and weights["internet"] == 0.5
    assert found(a, "RISK001") == [
        ("RISK001", "system:crm", ("email", "foreigner_id", "full_name")),
        ("RISK001", "system:lms", LMS_FIELDS),
    ]


def test_disabled(tmp_path):
    a = analyse(tmp_path, EXTRA, rules=disable("RISK001"))
    assert found(a, "RISK001") == []


def terms(a, system: str) -> list[tuple[str, float, str]]:
    rule = a.ruleset.rules["RISK001"]
    s = rule.module.score(RunContext(a.model, a.lineage, TODAY), system, rule.params)
    return [(t.name, t.value, t.why) for t in s.terms]


def test_records_a_year_count_when_more_than_the_people(tmp_path):
    # 1,000 migrants, but the flow to lms brings 2,000,000 records a year: the volume term says so
    a = analyse(tmp_path, EXTRA.replace("    to: lms\n", "    to: lms\n    volume: 2000000\n"))
    assert ("CB", 0.5, "2,000,000 records a year (inbound flows' volume)") in terms(a, "lms")
    assert ("CB", 0.0, "1,000 people") in terms(analyse(tmp_path, EXTRA), "lms")


def test_explain_shows_every_term_even_when_it_adds_nothing(tmp_path):
    a = analyse(tmp_path, EXTRA)
    assert terms(a, "stats") == [
        ("DPC base", 2.0, "highest tier held: foreigner_id (tier 3, held pseudonymised: counts 2)"),
        ("DPC vulnerable subjects", 1.0, "migrants"),
        ("EI", 0.5, "direct identifier foreigner_id held pseudonymised"),
        ("CB", 0.0, "exposure internal"), ("CB", 0.0, "every security control set"),
        ("CB", 0.0, "inside the controller (office)"), ("CB", 0.0, "subcontracting level 0"),
        ("CB", 0.0, "1,000 people")]


def test_identifiability_is_judged_per_subject(tmp_path):
    # audit holds staff names and emails, and migrants' nationality with a pseudonymised id:
    # no migrant is named there, so the migrants' data score EI 0.5, not 1 from a clerk's name
    model = base(("subjects:\n", "subjects:\n  - {id: staff, population: 40}\n"),
                 ("flows:\n", "  - id: audit\n    organization: office\n    retention: P1Y\n"
                              "    collects: [{subject: staff, purpose: casework, fields: [full_name, email]}]\n"
                              "flows:\n  - {id: cases-to-audit, from: cases, to: audit, purpose: casework, "
                              "fields: [nationality, {field: foreigner_id, form: pseudonymised}]}\n"))
    a = analyse(tmp_path, model=model)
    got = terms(a, "audit")
    assert got[:3] == [
        ("DPC base", 3.0, "highest tier held of migrants: nationality (tier 3)"),
        ("DPC vulnerable subjects", 1.0, "migrants"),
        ("EI", 0.5, "direct identifier foreigner_id held pseudonymised")]
    assert scores(a)["audit"] == 4 * 0.5 + 0.25 * 3  # no security block: three controls missing
