"""The policy engine: pack loading and merging, settings, match rules, the catalogue, outputs."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from helpers import REPO, run_cli, write_files

from lineage.rules import CHECKS, get
from lineage.rules.engine import load_rules

from .util import analyse, base, found, severities

SPEC = REPO.parent / "shared" / "SPEC.md"

# BASE with MIN004 (medium) on crm as its only finding once RISK002 is off.
MEDIUM_ONLY = base(("    organization: trainer\n    retention: P1Y\n", "    organization: trainer\n"),
                   ("    encrypted: true\n    retention: P1Y\n", "    encrypted: true\n"))
NO_RISK002 = "settings: {disable: [RISK002]}\n"


def project(tmp_path: Path, rules: dict[str, str] | None = None, model: str = MEDIUM_ONLY,
            settings: str | None = None) -> Path:
    """A user's repository: flows/, rules/ and lineage.yaml; run the CLI with cwd=tmp_path."""
    files = {"flows/model.yaml": model}
    for name, text in (rules or {}).items():
        files[f"rules/{name}"] = text
    if settings is not None:
        files["lineage.yaml"] = settings
    return write_files(tmp_path, files)


def errors(result) -> list[str]:
    return result.stderr.strip().splitlines()


# --- merging --------------------------------------------------------------------------


def test_builtin_pack_alone():
    ruleset = load_rules()
    assert ruleset.fail_on == "high"
    assert ruleset.rules["MIN004"].severity == "medium"
    assert ruleset.rules["RISK001"].params["threshold"] == 4.5
    assert all(rule.enabled for rule in ruleset.rules.values())


def test_severity_override_replaces_the_tiered_severity(tmp_path):
    model = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                  "fields: [full_name, email, nationality, {field: foreigner_id, form: pseudonymised}]"))
    a = analyse(tmp_path, model=model)
    assert severities(a, "MIN001") == {("flow:cases-to-crm", ("nationality",)): "high"}  # tier 3
    a = analyse(tmp_path, model=model, rules="rules:\n  - {id: MIN001, severity: low}\n")
    assert severities(a, "MIN001") == {("flow:cases-to-crm", ("nationality",)): "low"}
    a = analyse(tmp_path, model=model, rules="settings: {severity: {MIN001: critical, RISK002: info}}\n")
    assert severities(a, "MIN001") == {("flow:cases-to-crm", ("nationality",)): "critical"}
    assert set(severities(a, "RISK002").values()) == {"info"}


def test_restating_the_default_severity_keeps_the_tiers(tmp_path):
    model = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                  "fields: [full_name, email, nationality, {field: foreigner_id, form: pseudonymised}]"))
    for rules in ("rules:\n  - {id: MIN001, severity: medium}\n", "settings: {severity: {MIN001: medium}}\n",
                  (REPO / "rules" / "builtin.yaml").read_text()):  # a copy of the pack, as a team may start one
        a = analyse(tmp_path, model=model, rules=rules)
        assert severities(a, "MIN001") == {("flow:cases-to-crm", ("nationality",)): "high"}  # tier 3 still


def test_params_merge_per_key(tmp_path):
    write_files(tmp_path, {
        "a/1.yaml": "rules:\n  - {id: RISK001, params: {threshold: 6}}\n",
        "b/1.yaml": "rules:\n  - {id: RISK001, params: {weights: {internet: 2}}}\n",
    })
    params = load_rules([tmp_path / "a", tmp_path / "b"]).rules["RISK001"].params
    assert params["threshold"] == 6  # from a, kept when b changes another key
    assert params["weights"]["internet"] == 2  # from b
    assert params["weights"]["partner"] == 0.25  # built-in, kept
    # a list param is replaced as a whole
    write_files(tmp_path, {"c/1.yaml": "rules:\n  - {id: SEC001, params: {min_tier: 4}}\n"
                                       "  - {id: MIN001, params: {ignore_categories: [contact]}}\n"})
    rules = load_rules([tmp_path / "c"]).rules
    assert rules["SEC001"].params == {"min_tier": 4}
    assert rules["MIN001"].params == {"ignore_categories": ("contact",)}


def test_disable(tmp_path):
    a = analyse(tmp_path, rules="rules:\n  - {id: RISK002, disable: true}\n")
    assert found(a, "RISK002") == []
    a = analyse(tmp_path, rules=NO_RISK002)
    assert found(a, "RISK002") == []
    assert not a.ruleset.rules["RISK002"].enabled


@pytest.mark.parametrize(("only", "skip", "runs"), [
    (["MIN001"], [], {"MIN001"}),
    (["min00*"], ["MIN003", "missing-retention"], {"MIN001", "MIN002", "MIN005"}),
    (["excess-*"], [], {"MIN001", "MIN005"}),
])
def test_select_runs_only_the_rules_named(only, skip, runs):
    ruleset = load_rules()
    assert ruleset.select(only, skip) == []
    assert {r.id for r in ruleset.enabled()} == runs
    assert all(r.enabled for r in ruleset.rules.values())  # left out of this run, not disabled


def test_select_names_each_pattern_that_matches_nothing():
    assert load_rules().select(["MIN01", "MIN001"], ["nothing-*"]) == [
        "no rule is named 'MIN01' (did you mean 'MIN001'?)", "no rule is named 'nothing-*'"]


def test_check_and_skip_check_options(tmp_path):
    project(tmp_path, {"settings.yaml": "settings: {fail_on: medium}\n"})
    full = run_cli("check", "--format", "json", cwd=tmp_path)
    assert {f["rule"] for f in json.loads(full.stdout)["findings"]} == {"MIN004", "RISK002"}
    only = run_cli("check", "--format", "json", "--check", "RISK002,LIN*", cwd=tmp_path)
    assert {f["rule"] for f in json.loads(only.stdout)["findings"]} == {"RISK002"}
    skipped = run_cli("check", "--skip-check", "toxic-combination", "--skip-check", "MIN004", cwd=tmp_path)
    assert skipped.code == 0 and skipped.stdout == ""
    wrong = run_cli("check", "--check", "MIN04", cwd=tmp_path)
    assert wrong.code == 2 and errors(wrong) == ["error: no rule is named 'MIN04' (did you mean 'MIN004'?)"]
    project(tmp_path, {"settings.yaml": "settings: {fail_on: medium, disable: [MIN004]}\n"})
    disabled = run_cli("check", "--check", "MIN004", cwd=tmp_path)
    assert disabled.code == 2 and errors(disabled) == [
        "error: 'MIN004' names only rules the settings disable (MIN004): remove them from `disable` to run them"]
    nothing = run_cli("check", "--check", "RISK002", "--skip-check", "toxic-*", cwd=tmp_path)
    assert nothing.code == 2 and errors(nothing) == ["error: this selection leaves no rule to run"]
    empty = run_cli("check", "--check", ",", cwd=tmp_path)  # an unset variable in CI: not a full run
    assert empty.code == 2 and errors(empty) == ["error: --check needs rule ids, names or globs, not ','"]
    every_rule = ", ".join(load_rules().rules)
    project(tmp_path, {"settings.yaml": f"settings: {{disable: [{every_rule}]}}\n"})
    assert run_cli("check", cwd=tmp_path).code == 0  # every rule disabled by the settings: no selection, no misuse


def test_a_partial_run_neither_writes_a_baseline_nor_calls_the_others_entries_stale(tmp_path):
    project(tmp_path, {"settings.yaml": "settings: {fail_on: medium}\n"})
    assert run_cli("check", "--write-baseline", "b.json", cwd=tmp_path).code == 1
    refused = run_cli("check", "--check", "RISK002", "--write-baseline", "b.json", cwd=tmp_path)
    assert refused.code == 2 and "--write-baseline writes the findings of every rule" in refused.stderr
    partial = run_cli("check", "--check", "RISK002", "--baseline", "b.json", cwd=tmp_path)
    assert partial.code == 0, partial
    assert "1 in the baseline" in partial.stderr and "match nothing" not in partial.stderr


def test_settings_may_name_a_rule_of_a_later_file(tmp_path):
    project(tmp_path, {
        "0-settings.yaml": "settings: {disable: [ORG-ANY], severity: {ORG-ANY: low}}\n",
        "1-custom.yaml": "rules:\n  - {id: ORG-ANY, check: match, target: system}\n",
    })
    ruleset = load_rules([tmp_path / "rules"])
    assert not ruleset.rules["ORG-ANY"].enabled
    assert ruleset.rules["ORG-ANY"].severity == "low"


# --- fail_on and exit codes -------------------------------------------------------------


def test_fail_on_setting_changes_the_exit_code(tmp_path):
    project(tmp_path, {"settings.yaml": NO_RISK002})
    default = run_cli("check", cwd=tmp_path)  # ./flows and ./rules
    assert default.code == 0, default
    assert "MIN004" in default.stdout
    project(tmp_path, {"settings.yaml": "settings: {fail_on: medium, disable: [RISK002]}\n"})
    assert run_cli("check", cwd=tmp_path).code == 1


def test_fail_on_in_lineage_yaml(tmp_path):
    project(tmp_path, {"settings.yaml": NO_RISK002}, settings="settings: {fail_on: medium}\n")
    assert run_cli("check", cwd=tmp_path).code == 1


def test_cli_fail_on_wins(tmp_path):
    project(tmp_path, {"settings.yaml": "settings: {fail_on: medium, disable: [RISK002]}\n"})
    assert run_cli("check", "--fail-on", "high", cwd=tmp_path).code == 0
    project(tmp_path, {"settings.yaml": "settings: {fail_on: critical, disable: [RISK002]}\n"})
    assert run_cli("check", "--fail-on", "medium", cwd=tmp_path).code == 1
    assert run_cli("check", "--fail-on", "severe", cwd=tmp_path).code == 2


def test_soft_fail_reports_but_exits_0_and_bad_input_still_exits_2(tmp_path):
    project(tmp_path, {"settings.yaml": "settings: {fail_on: medium, disable: [RISK002]}\n"})
    result = run_cli("check", "--soft-fail", cwd=tmp_path)
    assert result.code == 0 and " MEDIUM MIN004 " in result.stdout
    assert "1 at or above medium" in result.stderr
    (tmp_path / "flows" / "model.yaml").write_text("nope: 1\n")
    assert run_cli("check", "--soft-fail", cwd=tmp_path).code == 2


def test_rules_option_replaces_local_rules(tmp_path):
    project(tmp_path, {"settings.yaml": "settings: {fail_on: medium, disable: [RISK002]}\n"})
    write_files(tmp_path, {"other/quiet.yaml": NO_RISK002})
    assert run_cli("check", "--rules", "other", cwd=tmp_path).code == 0  # ./rules not read


# --- bad rule files ----------------------------------------------------------------------


def test_unknown_check_is_an_error_at_its_line(tmp_path):
    project(tmp_path, {"custom.yaml": """\
        # organisation rules
        rules:
          - id: ORG-X
            check: nope
        """})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2, result
    assert errors(result) == [("rules/custom.yaml:4:12: error: no check named 'nope'; a new rule needs "
                               "'check: match' or the id of a built-in check")]


@pytest.mark.parametrize("rule_id", ["MIN01", "min001"])  # a typo; ids are case-sensitive
def test_new_id_without_check_is_an_error_with_a_hint(tmp_path, rule_id):
    project(tmp_path, {"custom.yaml": f"rules:\n  - id: {rule_id}\n    severity: low\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    (line,) = errors(result)
    assert line.startswith(f"rules/custom.yaml:2:9: error: no check named '{rule_id}' (did you mean 'MIN001'?)")


def test_a_rule_id_twice_in_one_file_is_an_error_naming_both(tmp_path):
    match = "    check: match\n    target: system\n    message: '{target}'\n"
    project(tmp_path, {"custom.yaml": f"rules:\n  - id: ORG-1\n{match}  - id: ORG-1\n{match}"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert errors(result) == ["rules/custom.yaml:6:9: error: duplicate rule id 'ORG-1' "
                              "(first declared at rules/custom.yaml:2:9)"]


def test_a_later_folder_may_override_a_rule_of_an_earlier_one(tmp_path):
    match = "    check: match\n    target: system\n    message: '{target}'\n"
    write_files(tmp_path, {"team/a.yaml": f"rules:\n  - id: ORG-1\n{match}",
                           "project/b.yaml": "rules:\n  - id: ORG-1\n    severity: critical\n"})
    pack = load_rules([tmp_path / "team", tmp_path / "project"])
    assert pack.rules["ORG-1"].severity == "critical"


def test_param_errors_are_located(tmp_path):
    project(tmp_path, {"custom.yaml": """\
        rules:
          - id: RISK001
            params:
              threshold: high
              treshold: 3
              weights: {internett: 1}
          - id: MIN001
            severty: low
          - id: SEC001
            params: {min_tier: 7}
        settings:
          fail_on: hihg
          disabel: [LIN003]
        """})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2, result
    got = errors(result)
    assert [line.split(": error: ")[0] for line in got] == [
        "rules/custom.yaml:4:18", "rules/custom.yaml:5:7", "rules/custom.yaml:6:17",
        "rules/custom.yaml:8:5", "rules/custom.yaml:10:24", "rules/custom.yaml:12:12",
        "rules/custom.yaml:13:3",
    ]
    assert "'high'" in got[0]
    assert "(did you mean 'threshold'?)" in got[1]
    assert "(did you mean 'internet'?)" in got[2]
    assert "(did you mean 'severity'?)" in got[3]
    assert "7" in got[4]
    assert "(did you mean 'high'?)" in got[5]
    assert "(did you mean 'disable'?)" in got[6]


def test_unknown_top_level_key(tmp_path):
    project(tmp_path, {"custom.yaml": "rule:\n  - {id: MIN001, severity: low}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert errors(result) == ["rules/custom.yaml:1:1: error: unknown key 'rule' (did you mean 'rules'?)"]


def test_lineage_yaml_takes_settings_at_the_top_level_too(tmp_path):
    assert run_cli("check", cwd=project(tmp_path)).code == 1  # a high finding; fail_on high
    for text in ("fail_on: critical\n", "settings:\n  fail_on: critical\n"):
        assert run_cli("check", cwd=project(tmp_path, settings=text)).code == 0, text


def test_a_setting_outside_settings_in_a_rule_file_says_where_it_goes(tmp_path):
    project(tmp_path, {"custom.yaml": "fail_on: low\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert errors(result) == ["rules/custom.yaml:1:1: error: 'fail_on' is a setting: write it under 'settings:'"]


def test_unknown_rule_in_settings(tmp_path):
    project(tmp_path, {"s.yaml": "settings:\n  disable: [LIN03]\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert errors(result) == ["rules/s.yaml:2:13: error: unknown rule 'LIN03' (did you mean 'LIN003'?)"]


def test_bad_rule_file_errors_come_with_model_errors(tmp_path):
    project(tmp_path, {"s.yaml": "settings: {fail_on: never}\n"},
            model=MEDIUM_ONLY.replace("retention: P5Y", "retension: P5Y", 1))
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert [line.split(":")[0] for line in errors(result)] == ["flows/model.yaml", "rules/s.yaml"]


def test_invalid_input_as_json(tmp_path):
    project(tmp_path, {"s.yaml": "settings: {fail_on: never}\n"})
    result = run_cli("check", "--format", "json", cwd=tmp_path)
    assert result.code == 2
    doc = json.loads(result.stdout)
    assert list(doc) == ["errors"]
    assert [sorted(e) for e in doc["errors"]] == [["column", "file", "line", "message"]]
    assert (doc["errors"][0]["file"], doc["errors"][0]["line"], doc["errors"][0]["column"]) == ("rules/s.yaml", 1, 21)


# --- match rules ---------------------------------------------------------------------------

IMMIGRATION_AT_SUBPROCESSORS = """\
    rules:
      - id: ORG-IMM-01
        check: match
        severity: critical
        title: No immigration data at subprocessors
        target: system
        where: {organization.role: [subprocessor]}
        holds: {categories: ["immigration.*", nationality], forms: [raw, encrypted, hashed]}
        message: "{target} holds {fields} in identifying form ({rule})"
    """
# two subprocessors: lms gets nationality and permit type raw, stats_co's bi only aggregated;
# crm (a processor) gets nationality raw too.
SUBPROCESSORS = """\
organizations:
  - {id: lms_co, role: subprocessor, processor_for: trainer, country: US, transfer_safeguard: scc,
     dpa: {signed: true}}
  - {id: stats_co, role: subprocessor, processor_for: trainer, country: FR, dpa: {signed: true}}
systems:
  - {id: lms, organization: lms_co, type: saas, exposure: internet, retention: P1Y}
  - {id: bi, organization: stats_co, type: analytics, retention: P1Y}
flows:
  - {id: cases-to-lms, from: cases, to: lms, purpose: casework, channel: email, encrypted: false,
     retention: P1Y, fields: [full_name, nationality, permit_type]}
  - {id: cases-to-bi, from: cases, to: bi, purpose: casework, retention: P1Y,
     fields: [{field: nationality, form: aggregated}, {field: permit_type, form: aggregated}]}
  - {id: cases-to-crm-2, from: cases, to: crm, purpose: casework, retention: P1Y, fields: [nationality]}
"""


def test_match_rule_fires_on_the_right_system(tmp_path):
    a = analyse(tmp_path, SUBPROCESSORS, rules=IMMIGRATION_AT_SUBPROCESSORS)
    assert found(a, "ORG-IMM-01") == [("ORG-IMM-01", "system:lms", ("nationality", "permit_type"))]
    (finding,) = [f for f in a.findings if f.rule == "ORG-IMM-01"]
    assert finding.severity == "critical"
    assert finding.message == "system:lms holds nationality, permit_type in identifying form (ORG-IMM-01)"
    assert (finding.loc.file.endswith("flows/extra.yaml"), finding.loc.line) == (True, 6)


@pytest.mark.parametrize(("where", "targets"), [
    ("{organization.role: [subprocessor]}", ["lms", "bi"]),
    ("{organization.role: subprocessor, country: [US]}", ["lms"]),
    ("{country: FR}", ["bi", "cases", "crm"]),
    ("{organization.country: [US, CA]}", ["lms"]),
    ("{exposure: [internet, partner]}", ["lms"]),
    ("{type: [analytics, database]}", ["bi"]),
    ("{organization.transfer_safeguard: [none]}", ["bi", "cases", "crm"]),  # none matches unset
    ("{security.mfa: [false, none]}", ["bi", "lms"]),
    ("{security: none}", ["bi", "lms"]),  # a block that is written is not unset
    ("{organization.dpa: none}", ["cases"]),
    ("{organization: office}", ["cases"]),
])
def test_match_where_on_systems(tmp_path, where, targets):
    rules = f"rules:\n  - {{id: ORG-W, check: match, target: system, where: {where}}}\n"
    a = analyse(tmp_path, SUBPROCESSORS, rules=rules)
    assert sorted(t for _, t, _ in found(a, "ORG-W")) == sorted(f"system:{t}" for t in targets)


@pytest.mark.parametrize(("where", "carries", "expected"), [
    ("{channel: email}", "{min_tier: 3}", [("cases-to-lms", ("nationality", "permit_type"))]),
    ("{encrypted: false}", "{fields: [full_name]}", [("cases-to-lms", ("full_name",))]),
    ("{to.organization.role: [subprocessor]}", "{forms: [aggregated]}",
     [("cases-to-bi", ("nationality", "permit_type"))]),
    ("{purpose.legal_basis: public_task, to.exposure: internal}", "{fields: [nationality], categories: [contact]}",
     [("cases-to-bi", ("nationality",)), ("cases-to-crm", ("email",)), ("cases-to-crm-2", ("nationality",))]),
    ("{from: cases}", "{fields: [full_name, nationality], all: true}",
     [("cases-to-lms", ("full_name", "nationality"))]),
])
def test_match_where_and_carries_on_flows(tmp_path, where, carries, expected):
    rules = f"rules:\n  - {{id: ORG-F, check: match, target: flow, where: {where}, carries: {carries}}}\n"
    a = analyse(tmp_path, SUBPROCESSORS, rules=rules)
    assert found(a, "ORG-F") == [("ORG-F", f"flow:{flow}", fields) for flow, fields in expected]


@pytest.mark.parametrize(("rule", "at", "hint"), [
    ("{id: ORG-X, check: match, target: system, where: {organization.rol: [subprocessor]}}", "organization.rol",
     "'role'"),
    ("{id: ORG-X, check: match, target: system, where: {organization.role: [subprocesor]}}", "organization.role",
     "'subprocessor'"),
    ("{id: ORG-X, check: match, target: flow, where: {chanel: email}}", "chanel", "'channel'"),
    ("{id: ORG-X, check: match, target: system, where: {exposure.level: high}}", "exposure.level", None),
    ("{id: ORG-X, check: match, target: system, where: {security.mfa: [no]}}", "security.mfa", None),
    ("{id: ORG-X, check: match, target: system, carries: {min_tier: 3}}", "carries", None),
    ("{id: ORG-X, check: match, targt: system}", "targt", "'target'"),
])
def test_match_rule_errors(tmp_path, rule, at, hint):
    project(tmp_path, {"custom.yaml": f"rules:\n  - {rule}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2, result
    column = len("  - ") + rule.index(at) + 1
    (line,) = [line for line in errors(result) if line.startswith(f"rules/custom.yaml:2:{column}: error: ")]
    if hint:
        assert f"(did you mean {hint}?)" in line


def test_match_rule_needs_a_target(tmp_path):
    project(tmp_path, {"custom.yaml": "rules:\n  - {id: ORG-X, check: match, where: {type: saas}}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert errors(result) == ["rules/custom.yaml:2:5: error: rule 'ORG-X' needs 'target'"]


def test_builtin_check_reused_under_a_new_id(tmp_path):
    rules = """\
        rules:
          - id: ORG-RISK002-strict
            check: RISK002
            params:
              combinations:
                - name: name+email
                  members: [{categories: [identity.name]}, {categories: [contact]}]
          - id: ORG-SEC001-all
            check: SEC001
            severity: medium
            params: {min_tier: 1}
        """
    model = base(("    channel: sftp\n    encrypted: true\n", "    channel: email\n"))
    a = analyse(tmp_path, model=model, rules=rules)
    # the built-ins run unchanged
    assert found(a, "RISK002") == [("RISK002", "system:cases", ("email", "full_name", "nationality", "permit_type"))]
    assert found(a, "SEC001") == []
    # the copies run with their own params; the rest comes from the built-in rule
    assert found(a, "ORG-RISK002-strict") == [
        ("ORG-RISK002-strict", "system:cases", ("email", "full_name")),
        ("ORG-RISK002-strict", "system:crm", ("email", "full_name")),
    ]
    assert severities(a, "ORG-RISK002-strict") == {
        ("system:cases", ("email", "full_name")): "high",
        ("system:crm", ("email", "full_name")): "critical",  # the severity hook still applies
    }
    assert a.ruleset.rules["ORG-RISK002-strict"].params["forms"] == ("raw", "encrypted", "hashed")
    assert found(a, "ORG-SEC001-all") == [("ORG-SEC001-all", "flow:cases-to-crm", ("email", "full_name"))]
    assert set(severities(a, "ORG-SEC001-all").values()) == {"medium"}


def test_a_rule_cannot_change_its_check(tmp_path):
    project(tmp_path, {"custom.yaml": "rules:\n  - {id: MIN001, check: MIN002}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert errors(result)[0].startswith("rules/custom.yaml:2:25: error: rule 'MIN001' already runs check 'MIN001'")


@pytest.mark.parametrize("rule, error", [
    ("{id: ORG-X, check: {match: 1}, target: system}", "2:24: error: expected a check name, found a mapping"),
    ("{id: ORG-X, check: [match], target: system}", "2:24: error: expected a check name, found a list"),
    ("{id: ORG-X, check: , target: system}", "2:24: error: expected a check name, found nothing"),
    ("{id: ORG-X, check: !!bool match}", "2:24: error: 'match' is tagged !!bool, not a check name; remove the tag"),
    ("{id: MIN001, check: [MIN001]}", "2:25: error: expected a check name, found a list"),
    ("{id: MIN001, check: 12}", "2:25: error: '12' is a number in YAML, not a check name; quote it"),
], ids=["mapping", "list", "empty", "tagged", "override-list", "override-number"])
def test_a_check_that_is_not_a_name_is_an_error_not_a_crash(tmp_path, rule, error):
    project(tmp_path, {"custom.yaml": f"rules:\n  - {rule}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2, result
    assert errors(result) == [f"rules/custom.yaml:{error}"]


# --- the catalogue agrees everywhere ------------------------------------------------------------

def spec_catalogue() -> dict[str, str]:
    if not SPEC.is_file():
        pytest.skip("shared/SPEC.md is not next to the repository")
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("## 3. Rule catalogue", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| ([A-Z]+\d{3}) \| ([a-z-]+) \|", section, re.MULTILINE))


def test_checks_modules_pack_and_catalogue_agree():
    modules = {p.stem for p in (REPO / "lineage" / "rules").glob("*.py")} - {"__init__", "engine", "common"}
    assert set(CHECKS.values()) == modules
    pack = yaml.safe_load((REPO / "rules" / "builtin.yaml").read_text(encoding="utf-8"))
    pack_names = {rule["id"]: rule["name"] for rule in pack["rules"]}
    catalogue = spec_catalogue()
    assert len(catalogue) == 18
    assert set(CHECKS) - {"match"} == set(pack_names) == set(catalogue)
    assert pack_names == catalogue
    for rule_id, name in catalogue.items():
        module = get(rule_id)
        assert (rule_id, name) == (module.ID, module.NAME)
        assert CHECKS[rule_id].startswith(rule_id.lower() + "_" + name.split("-")[0])
        doc = module.__doc__
        assert doc.startswith(f"{rule_id} {name}: ")
        for section in ("Why", "Fix", "Params", "Fails"):
            assert re.search(rf"^{section} ", doc, re.MULTILINE), (rule_id, section)


def test_the_package_pack_is_the_top_level_rules_folder():
    assert (REPO / "lineage" / "pack" / "builtin.yaml").resolve() == (REPO / "rules" / "builtin.yaml").resolve()


def test_pack_severities_are_the_catalogue_defaults():
    if not SPEC.is_file():
        pytest.skip("shared/SPEC.md is not next to the repository")
    section = SPEC.read_text(encoding="utf-8").split("## 3. Rule catalogue", 1)[1].split("\n## ", 1)[0]
    rules = load_rules().rules
    rows = re.findall(r"^\| ([A-Z]+\d{3}) \| [a-z-]+ \| .* \| ([a-z]+)[;:|]? ?[^|]*\|$", section, re.MULTILINE)
    fixed = {rule_id: default for rule_id, default in rows if default in ("info", "low", "medium", "high", "critical")}
    assert len(fixed) == 16  # all but MIN001 and MIN002, whose severity follows the field's tier
    assert {rule_id: rules[rule_id].severity for rule_id in fixed} == fixed


# --- outputs ----------------------------------------------------------------------------------------


def test_fingerprints_survive_moved_lines(tmp_path):
    project(tmp_path, {"s.yaml": "settings: {fail_on: critical}\n"})
    before = json.loads(run_cli("check", "--format", "json", cwd=tmp_path).stdout)
    moved = "# a comment\n\n\n# and another\nversion: 1\n\n" + MEDIUM_ONLY.replace("\n  - id:", "\n\n  - id:")
    (tmp_path / "flows" / "model.yaml").write_text(moved, encoding="utf-8")
    after = json.loads(run_cli("check", "--format", "json", cwd=tmp_path).stdout)
    assert [f["line"] for f in before["findings"]] != [f["line"] for f in after["findings"]]

    def key(doc):
        return sorted((f["rule"], f["target"], tuple(f["fields"]), f["fingerprint"]) for f in doc["findings"])

    assert key(before) == key(after)
    assert len({f["fingerprint"] for f in after["findings"]}) == len(after["findings"])


def test_json_shape(tmp_path):
    model = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                  "fields: [full_name, email, nationality, {field: foreigner_id, form: pseudonymised}]"))
    extra = "waivers:\n  - {rule: MIN001, target: flow:cases-to-crm, reason: r, expires: 2099-01-01}\n"
    project(tmp_path, {"s.yaml": NO_RISK002}, model=model)
    write_files(tmp_path, {"flows/waivers.yaml": extra})
    result = run_cli("check", "--format", "json", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert list(doc) == ["tool", "version", "summary", "findings"]
    assert doc["tool"] == "lineage" and re.match(r"^\d+\.\d+\.\d+", doc["version"])
    assert list(doc["summary"]) == ["critical", "high", "medium", "low", "info", "waived"]
    assert doc["summary"]["waived"] == 1
    assert sum(doc["summary"].values()) == len(doc["findings"])
    keys = ["rule", "name", "severity", "target", "fields", "message", "file", "line", "column",
            "fingerprint", "waived"]
    for f in doc["findings"]:
        assert list(f) == keys
        assert isinstance(f["fields"], list) and isinstance(f["line"], int) and isinstance(f["waived"], bool)
        assert f["file"] == "flows/model.yaml"
    (waived,) = [f for f in doc["findings"] if f["waived"]]
    assert (waived["rule"], waived["name"], waived["target"], waived["fields"]) == (
        "MIN001", "excess-field", "flow:cases-to-crm", ["nationality"])
    counted = {s: sum(1 for f in doc["findings"] if f["severity"] == s and not f["waived"])
               for s in ("critical", "high", "medium", "low", "info")}
    assert {s: doc["summary"][s] for s in counted} == counted
    assert result.code == (1 if counted["critical"] or counted["high"] else 0)


def test_rules_list_json(tmp_path):
    custom = textwrap.dedent(IMMIGRATION_AT_SUBPROCESSORS) + "settings: {disable: [LIN003]}\n"
    project(tmp_path, {"custom.yaml": custom})
    result = run_cli("rules", "list", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result
    doc = json.loads(result.stdout)
    by_id = {r["id"]: r for r in doc}
    assert len(by_id) == 19 and "ORG-IMM-01" in by_id
    assert {"id", "name", "severity", "title", "check", "enabled", "params"} <= set(by_id["MIN001"])
    assert (by_id["MIN001"]["name"], by_id["MIN001"]["check"]) == ("excess-field", "MIN001")
    assert by_id["LIN003"]["enabled"] is False
    assert (by_id["ORG-IMM-01"]["check"], by_id["ORG-IMM-01"]["severity"]) == ("match", "critical")
    assert by_id["RISK001"]["params"]["threshold"] == 4.5


def test_rules_explain():
    result = run_cli("rules", "explain", "MIN001")
    assert result.code == 0, result
    assert result.stdout.startswith("MIN001 excess-field")
    for section in ("Why", "Fix", "Params", "Fails"):
        assert re.search(rf"^{section} ", result.stdout, re.MULTILINE)
    assert run_cli("rules", "explain", "min001").code == 0
    assert run_cli("rules", "explain", "Excess-Field").stdout == result.stdout


def test_rules_explain_unknown():
    result = run_cli("rules", "explain", "NOPE")
    assert result.code == 2
    assert "NOPE" in result.stderr
    assert "Traceback" not in result.stderr
    assert "(did you mean 'excess-field'?)" in run_cli("rules", "explain", "excess-fild").stderr


@pytest.mark.parametrize("inside", [None, ".draft.yaml", "README.md"])
def test_empty_rules_folder_adds_nothing(tmp_path, inside):
    project(tmp_path)
    (tmp_path / "rules").mkdir()
    if inside:  # a hidden YAML file is not read, as in model folders
        (tmp_path / "rules" / inside).write_text("rules: [{id: X}]\n")
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 1, result  # the built-in pack alone: RISK002 on cases
    assert "error" not in result.stderr


def test_missing_rules_folder_is_an_error(tmp_path):
    project(tmp_path)
    result = run_cli("check", "--rules", "nope", cwd=tmp_path)
    assert result.code == 2
    assert errors(result) == ["nope: error: no such rules folder"]


@pytest.mark.parametrize(("rule", "error"), [
    ("  - {id: MIN001, params: {ignore_categories: [contact.bussiness]}}\n",
     "rule 'MIN001': no category matches 'contact.bussiness' (did you mean 'contact.business'?)"),
    ("  - id: ORG-1\n    check: match\n    severity: high\n    title: t\n    target: system\n"
     "    holds: {categories: [contact.bussiness]}\n",
     "rule 'ORG-1': no category matches 'contact.bussiness' (did you mean 'contact.business'?)"),
    ("  - id: ORG-1\n    check: match\n    severity: high\n    title: t\n    target: system\n"
     "    holds: {fields: [emial]}\n",
     "rule 'ORG-1': no field 'emial' in the model (did you mean 'email'?)"),
    ("  - id: RISK002\n    params:\n      combinations:\n        - name: x\n          members:\n"
     "            - {fields: [emial]}\n",
     "rule 'RISK002': no field 'emial' in the model (did you mean 'email'?)"),
])
def test_a_category_or_field_the_model_does_not_have_is_an_error(tmp_path, rule, error):
    """A typo would leave the rule matching nothing, silently."""
    write_files(tmp_path, {"flows/m.yaml": base(), "rules/r.yaml": "rules:\n" + rule})
    result = run_cli("validate", str(tmp_path / "flows"), "--rules", str(tmp_path / "rules"))
    assert result.code == 2
    assert re.fullmatch(r"\S*r\.yaml:\d+:\d+: error: " + re.escape(error) + "\n", result.stderr), result.stderr


def test_a_broken_rule_file_hides_no_dangling_reference_of_another(tmp_path):
    write_files(tmp_path, {
        "flows/m.yaml": base(),
        "rules/a.yaml": "rules:\n  - {id: MIN001, params: {ignore_categories: [contact.bussiness]}}\n",
        "rules/b.yaml": "rules:\n  - {id: MIN002, severity: urgent}\n",
    })
    result = run_cli("validate", str(tmp_path / "flows"), "--rules", str(tmp_path / "rules"))
    assert result.code == 2
    assert [line.split(": error: ")[1][:31] for line in result.stderr.splitlines()] == [
        "rule 'MIN001': no category matc", "'urgent' is not one of info, lo"]


def test_near_miss_category_patterns_that_match(tmp_path):
    rule = "  - {id: MIN001, params: {ignore_categories: [contact, 'immigration.*', 'gov_*']}}\n"
    write_files(tmp_path, {"flows/m.yaml": base(), "rules/r.yaml": "rules:\n" + rule})
    assert run_cli("validate", str(tmp_path / "flows"), "--rules", str(tmp_path / "rules")).code == 0


def test_a_finding_yielded_twice_is_reported_once(tmp_path, monkeypatch):
    module = get("RISK002")
    once = found(analyse(tmp_path / "once"), "RISK002")
    assert once, "the base model must have a RISK002 finding"
    plain = module.check

    def twice(ctx, params):
        for hit in plain(ctx, params):
            yield hit
            yield dataclasses.replace(hit, message=hit.message + " (again, in other words)")

    monkeypatch.setattr(module, "check", twice)
    analysis = analyse(tmp_path / "twice")
    assert found(analysis, "RISK002") == once
    assert all("again" not in f.message for f in analysis.findings)


def test_quiet_lists_only_the_findings_that_fail_the_check():
    full = run_cli("check", "flows", "--today", "2026-11-28", cwd=REPO)
    quiet = run_cli("check", "flows", "--today", "2026-11-28", "-q", "--fail-on", "critical", cwd=REPO)
    assert quiet.code == full.code == 1
    lines = quiet.stdout.splitlines()
    assert lines and all(" CRITICAL " in line for line in lines) and "[waived" not in quiet.stdout
    assert set(lines) < set(full.stdout.splitlines())
    assert quiet.stderr.endswith("7 at or above critical\n")  # the summary still counts everything
    assert "21 findings" in quiet.stderr
