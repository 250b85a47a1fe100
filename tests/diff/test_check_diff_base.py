"""`lineage check --diff-base REF`: only findings the base revision does not have."""

from __future__ import annotations

import json

from .gitrepo import BASE_FINDINGS, MODEL


def findings(result) -> list[tuple[str, str, list[str]]]:
    return [(f["rule"], f["target"], f["fields"]) for f in json.loads(result.stdout)["findings"]]


def test_base_findings_are_what_the_tests_expect(repo):
    result = repo.run("check", "-f", "json")
    assert {(r, t) for r, t, _ in findings(result)} == BASE_FINDINGS, result


def test_one_excess_field_is_the_only_new_finding(repo):
    repo.edit("flows/flows.yaml", "    fields: [email]\n", "    fields: [email, nationality]\n")
    repo.commit("send nationality to the mailer")
    result = repo.run("check", "--diff-base", repo.base, "-f", "json")
    assert result.code == 1, result
    assert findings(result) == [("MIN001", "flow:a-to-m", ["nationality"])]
    doc = json.loads(result.stdout)
    assert doc["summary"]["preexisting"] == len(BASE_FINDINGS)
    assert doc["summary"]["high"] == 1


def test_text_summary_counts_preexisting_findings(repo):
    repo.edit("flows/flows.yaml", "    fields: [email]\n", "    fields: [email, nationality]\n")
    result = repo.run("check", "--diff-base", repo.base)  # uncommitted change: the working tree is HEAD
    assert result.code == 1, result
    assert "MIN001 flow:a-to-m" in result.stdout
    assert "b-to-c" not in result.stdout
    assert f"{len(BASE_FINDINGS)} already in the base" in result.stderr


def test_comments_and_blank_lines_make_no_new_finding(repo):
    for name, text in MODEL.items():
        lines = text.splitlines()
        commented = ["# reviewed 2025-11", ""] + [line + ("   # note" if line.strip().startswith("- id:") else "")
                                                   for line in lines] + ["", "# end"]
        repo.write({name: "\n".join(commented) + "\n"})
    repo.commit("comments only")
    result = repo.run("check", "--diff-base", repo.base, "-f", "json")
    assert result.code == 0, result
    assert findings(result) == []
    assert json.loads(result.stdout)["summary"]["preexisting"] == len(BASE_FINDINGS)
    assert repo.run("diff", repo.base).stdout.startswith(f"lineage diff {repo.base} -> working tree: no changes")


def test_moving_an_entry_to_another_file_is_no_change(repo):
    repo.edit("flows/flows.yaml", "  - id: a-to-m\n", "# moved\n  - id: a-to-m\n")
    flows = repo.read("flows/flows.yaml")
    head, moved = flows.split("# moved\n")
    repo.write({"flows/flows.yaml": head, "flows/more/mailer.yaml": "flows:\n" + moved})
    repo.commit("split files")
    result = repo.run("check", "--diff-base", repo.base, "-f", "json")
    assert (result.code, findings(result)) == (0, []), result
    assert json.loads(repo.run("diff", repo.base, "-f", "json").stdout)["flows"]["changed"] == []


def test_fixing_a_finding_passes(repo):
    repo.edit("flows/systems.yaml", "  - id: c\n", "  - id: c\n    retention: P1Y\n")
    result = repo.run("check", "--diff-base", repo.base, "-f", "json")
    assert (result.code, findings(result)) == (0, []), result
    assert json.loads(result.stdout)["summary"]["preexisting"] == len(BASE_FINDINGS) - 1
    assert json.loads(result.stdout)["summary"]["resolved"] == 1
    text = repo.run("check", "--diff-base", repo.base)
    assert "; 1 fixed since the base;" in text.stderr


def test_removing_a_waiver_makes_its_finding_new(repo):
    waiver = """\
        waivers:
          - rule: MIN001
            target: flow:b-to-c
            fields: [phone]
            reason: call-back service, DPIA-7
            expires: 2099-01-01
        """
    repo.commit("waive", {"flows/waivers.yaml": waiver})
    waived_base = repo.git("rev-parse", "HEAD")
    added = repo.run("check", "--diff-base", repo.base, "-f", "json", "--fail-on", "medium")
    assert added.code == 0, added  # the change waived it: listed, as waived
    assert [(f["rule"], f["waived"]) for f in json.loads(added.stdout)["findings"]] == [("MIN001", True)]
    summary = json.loads(added.stdout)["summary"]
    assert (summary["waived"], summary["preexisting"]) == (1, len(BASE_FINDINGS) - 1)
    unchanged = repo.run("check", "--diff-base", waived_base, "-f", "json", "--fail-on", "medium")
    assert unchanged.code == 0, unchanged  # waived in the base too: counted, not listed
    assert json.loads(unchanged.stdout)["findings"] == []
    summary = json.loads(unchanged.stdout)["summary"]
    assert (summary["waived"], summary["preexisting"]) == (0, len(BASE_FINDINGS))
    repo.remove("flows/waivers.yaml")
    result = repo.run("check", "--diff-base", waived_base, "-f", "json", "--fail-on", "medium")
    assert result.code == 1, result
    assert findings(result) == [("MIN001", "flow:b-to-c", ["phone"])]


def test_a_base_waiving_a_rule_the_pack_no_longer_has_is_no_crash(repo):
    waiver = """\
        waivers:
          - {rule: GONE001, target: flow:b-to-c, reason: an old custom rule, expires: 2099-01-01}
        """
    repo.commit("waive a custom rule", {"flows/waivers.yaml": waiver, "rules/custom.yaml": (
        "rules:\n  - {id: GONE001, check: match, target: flow}\n")})
    base = repo.git("rev-parse", "HEAD")
    repo.remove("flows/waivers.yaml")
    repo.remove("rules/custom.yaml")
    result = repo.run("check", "--diff-base", base, "-f", "json")
    assert result.code == 0, result
    assert json.loads(result.stdout)["summary"]["preexisting"] == len(BASE_FINDINGS)


def test_model_absent_at_base_makes_every_finding_new(repo):
    empty = repo.git("commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "empty")  # git's empty tree
    result = repo.run("check", "--diff-base", empty, "-f", "json")
    assert {(r, t) for r, t, _ in findings(result)} == BASE_FINDINGS
    assert json.loads(result.stdout)["summary"]["preexisting"] == 0
    assert f"{empty} has no model files there, so every finding is new" in result.stderr


def test_unknown_ref_exits_2(repo):
    result = repo.run("check", "--diff-base", "no-such-branch")
    assert result.code == 2, result
    assert "no-such-branch" in result.stderr and "not a git revision" in result.stderr
    result = repo.run("check", "--diff-base", "no-such-branch", "-f", "json")
    assert result.code == 2, result
    assert "not a git revision" in json.loads(result.stdout)["errors"][0]["message"]


def test_invalid_yaml_in_base_exits_2_with_revision_and_position(repo):
    repo.edit("flows/flows.yaml", "  - id: b-to-c\n", "  - id: b-to-c\n    bad: [\n")
    broken = repo.commit("broken")
    repo.commit("fixed", MODEL)
    result = repo.run("check", "--diff-base", "HEAD~1")
    assert result.code == 2, result
    assert result.stderr.startswith("HEAD~1:flows/flows.yaml:13:7: error: YAML syntax"), result
    assert broken not in result.stderr


def test_a_partial_fix_of_a_finding_is_not_new(repo):
    repo.write({"rules/email.yaml": """\
        rules:
          - id: NO-MAILER
            check: match
            target: flow
            where: {to: [m]}
            carries: {categories: [contact.personal, identity.name]}
            message: "{target} sends {fields} to the mailer"
        """})
    repo.edit("flows/flows.yaml", "    fields: [email]\n", "    fields: [email, full_name]\n")
    repo.commit("the mailer gets names too")
    base = repo.run("check", "-f", "json")
    assert ("NO-MAILER", "flow:a-to-m", ["email", "full_name"]) in findings(base)
    repo.edit("flows/flows.yaml", "    fields: [email, full_name]\n", "    fields: [email]\n")
    result = repo.run("check", "--diff-base", "HEAD", "-f", "json")
    assert (result.code, findings(result)) == (0, []), result
    # MIN001 full_name is fixed; NO-MAILER, partly fixed, is still there
    assert json.loads(result.stdout)["summary"]["resolved"] == 1


def test_the_model_repository_is_used_wherever_lineage_runs(repo):
    repo.edit("flows/flows.yaml", "    fields: [email]\n", "    fields: [email, nationality]\n")
    outside = repo.root.parent
    assert not (outside / ".git").exists()
    result = repo.run("check", str(repo.root / "flows"), "--diff-base", repo.base, "-f", "json", cwd=outside)
    assert result.code == 1, result
    assert findings(result) == [("MIN001", "flow:a-to-m", ["nationality"])]


def test_a_branch_behind_the_base_is_judged_at_the_merge_base(repo):
    repo.git("branch", "feature")
    repo.edit("flows/systems.yaml", "  - id: c\n", "  - id: c\n    retention: P1Y\n")  # main fixes MIN004
    repo.commit("main: retention at c")
    repo.git("checkout", "-q", "feature")
    repo.edit("flows/flows.yaml", "    fields: [email]\n", "    fields: [email, nationality]\n")
    repo.commit("feature: send nationality to the mailer")
    fork = repo.git("rev-parse", "--short", repo.base)
    result = repo.run("check", "--diff-base", "main", "-f", "json")
    assert result.code == 1, result
    assert findings(result) == [("MIN001", "flow:a-to-m", ["nationality"])]  # not MIN004 system:c
    assert json.loads(result.stdout)["summary"]["preexisting"] == len(BASE_FINDINGS)
    assert f"; base: merge-base of main and HEAD, {fork};" in result.stderr


def test_without_a_common_ancestor_the_ref_itself_is_the_base(repo):
    repo.git("checkout", "-q", "--orphan", "other")
    repo.edit("flows/systems.yaml", "  - id: c\n", "  - id: c\n    retention: P1Y\n")
    repo.commit("unrelated history")
    repo.git("checkout", "-q", "main")
    result = repo.run("check", "--diff-base", "other", "--fail-on", "medium")
    assert result.code == 1, result
    assert "MIN004 system:c" in result.stdout  # other has no MIN004: it is new
    assert "; base: other (no common ancestor with HEAD);" in result.stderr


def test_write_baseline_with_diff_base_writes_every_current_finding(repo):
    repo.edit("flows/flows.yaml", "    fields: [email]\n", "    fields: [email, nationality]\n")
    result = repo.run("check", "--diff-base", repo.base, "--write-baseline", "../b.json", "-f", "json")
    assert findings(result) == [("MIN001", "flow:a-to-m", ["nationality"])], result
    written = json.loads((repo.root.parent / "b.json").read_text(encoding="utf-8"))["findings"]
    assert {(e["rule"], e["target"]) for e in written.values()} == BASE_FINDINGS | {("MIN001", "flow:a-to-m")}
    assert f"wrote baseline ../b.json: {len(BASE_FINDINGS) + 1} findings" in result.stderr
