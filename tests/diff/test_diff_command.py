"""`lineage diff BASE [HEAD]`: revisions, the working tree and folders; text, json and markdown."""

from __future__ import annotations

import json
import textwrap

from helpers import run_cli

from lineage import diff as differ

from .gitrepo import MODEL, GitRepo

PIPE_NATIONALITY = {  # nationality travels a -> b -> c
    "    fields: [full_name, email]\n": "    fields: [full_name, email, nationality]\n",
    "    fields: [full_name, email, phone]\n": "    fields: [full_name, email, phone, nationality]\n",
}


def as_json(result) -> dict:
    assert result.code == 0, result
    return json.loads(result.stdout)


def test_added_field_shows_on_the_flows_and_at_every_downstream_holder(repo):
    for old, new in PIPE_NATIONALITY.items():
        repo.edit("flows/flows.yaml", old, new)
    doc = as_json(repo.run("diff", repo.base, "-f", "json"))
    assert [c["id"] for c in doc["flows"]["changed"]] == ["a-to-b", "b-to-c"]
    assert doc["flows"]["changed"][0]["changes"][0]["attribute"] == "fields"
    assert doc["flow_fields"] == [
        {"flow": "a-to-b", "added": {"nationality": "raw"}, "removed": {}, "changed": {}},
        {"flow": "b-to-c", "added": {"nationality": "raw"}, "removed": {}, "changed": {}},
    ]
    assert doc["holdings"] == [
        {"system": "b", "added": {"nationality": "raw"}, "removed": {}, "changed": {}},
        {"system": "c", "added": {"nationality": "raw"}, "removed": {}, "changed": {}},
    ]
    text = repo.run("diff", repo.base)
    assert text.code == 0, text
    assert "  ~ a-to-b: fields +nationality\n" in text.stdout
    assert "  b: +nationality\n" in text.stdout and "  c: +nationality\n" in text.stdout


def test_form_changes_and_dropped_fields(repo):
    repo.edit("flows/flows.yaml", "    fields: [full_name, email]\n",
              "    fields: [full_name, {field: email, form: hashed}]\n")
    repo.edit("flows/flows.yaml", "    fields: [full_name, email, phone]\n", "    fields: [full_name]\n")
    doc = as_json(repo.run("diff", repo.base, "-f", "json"))
    assert doc["flow_fields"] == [
        {"flow": "a-to-b", "added": {}, "removed": {}, "changed": {"email": {"base": "raw", "head": "hashed"}}},
        {"flow": "b-to-c", "added": {}, "removed": {"email": "raw", "phone": "raw"}, "changed": {}},
    ]
    holdings = {h["system"]: h for h in doc["holdings"]}
    assert holdings["b"]["changed"] == {"email": {"base": "raw", "head": "hashed"}}
    assert holdings["c"]["removed"] == {"email": "raw", "phone": "raw"}


def test_added_and_removed_systems_and_flows(repo):
    repo.edit("flows/flows.yaml", "  - id: b-to-c\n    from: b\n    to: c\n",
              "  - id: b-to-d\n    from: b\n    to: d\n")
    repo.edit("flows/systems.yaml", "  - id: c\n", "  - id: d\n")
    repo.write({"flows/partner.yaml": """\
        organizations:
          - {id: partner, role: recipient, country: DE}
        """})
    repo.commit("replace c by d")
    doc = as_json(repo.run("diff", repo.base, "HEAD", "-f", "json"))
    assert [e["id"] for e in doc["systems"]["added"]] == ["d"]
    assert [e["id"] for e in doc["systems"]["removed"]] == ["c"]
    assert [e["id"] for e in doc["flows"]["added"]] == ["b-to-d"]
    assert [e["id"] for e in doc["flows"]["removed"]] == ["b-to-c"]
    assert doc["flows"]["added"][0]["attributes"]["to"] == "d"
    assert [e["id"] for e in doc["organizations"]["added"]] == ["partner"]
    holdings = {h["system"]: h for h in doc["holdings"]}
    assert holdings["c"]["removed"] == {"email": "raw", "full_name": "raw", "phone": "raw"}
    assert holdings["d"]["added"] == {"email": "raw", "full_name": "raw", "phone": "raw"}
    text = repo.run("diff", repo.base, "HEAD").stdout
    assert "  + d: organization acme, exposure internal\n" in text
    assert "  - c: organization acme, exposure internal\n" in text
    assert "  + b-to-d: b -> d [email, full_name, phone]\n" in text
    assert "  - b-to-c: b -> c [email, full_name, phone]\n" in text


def test_changed_attributes_are_listed(repo):
    repo.edit("flows/systems.yaml", "    exposure: internal\n", "    exposure: internet\n")
    repo.edit("flows/flows.yaml", "    channel: api\n", "    channel: email\n")
    doc = as_json(repo.run("diff", repo.base, "-f", "json"))
    assert doc["systems"]["changed"] == [
        {"id": "m", "changes": [{"attribute": "exposure", "base": "internal", "head": "internet"}]}]
    assert doc["flows"]["changed"] == [
        {"id": "a-to-b", "changes": [{"attribute": "channel", "base": "api", "head": "email"}]}]


def test_new_and_resolved_findings(repo):
    repo.edit("flows/systems.yaml", "  - id: c\n", "  - id: c\n    retention: P1Y\n")  # resolves MIN004
    repo.edit("flows/flows.yaml", "    fields: [email]\n", "    fields: [email, nationality]\n")  # MIN001
    doc = as_json(repo.run("diff", repo.base, "-f", "json"))
    assert [(f["rule"], f["target"], f["fields"]) for f in doc["findings"]["new"]] == [
        ("MIN001", "flow:a-to-m", ["nationality"])]
    assert [(f["rule"], f["target"]) for f in doc["findings"]["resolved"]] == [("MIN004", "system:c")]
    assert doc["findings"]["resolved"][0]["file"] == f"{repo.base}:flows/systems.yaml"
    assert doc["summary"]["new_findings"] == 1 and doc["summary"]["resolved_findings"] == 1


def test_exposure_changes(repo):
    repo.edit("flows/systems.yaml",
              "    exposure: internal\n"
              "    security: {encryption_at_rest: true, mfa: true, access_logging: true}\n",
              "    exposure: internet\n")
    doc = as_json(repo.run("diff", repo.base, "-f", "json"))
    [change] = doc["exposure"]
    assert change["system"] == "m" and change["head"] > change["base"]
    text = repo.run("diff", repo.base).stdout
    assert f"  m: {change['base']:g} -> {change['head']:g}" in text


def test_head_revision_is_read_not_the_working_tree(repo):
    repo.edit("flows/systems.yaml", "    exposure: internal\n", "    exposure: internet\n")
    pr = repo.commit("expose m")
    repo.edit("flows/systems.yaml", "  - id: c\n", "  - id: c\n    retention: P1Y\n")  # uncommitted
    doc = as_json(repo.run("diff", repo.base, pr, "-f", "json"))
    assert [e["id"] for e in doc["systems"]["changed"]] == ["m"]
    assert doc["head"] == pr
    assert as_json(repo.run("diff", pr, repo.base, "-f", "json"))["systems"]["changed"][0]["changes"] == [
        {"attribute": "exposure", "base": "internet", "head": "internal"}]


def test_model_in_a_sub_folder_run_from_there(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("model", {f"svc/{name}": text for name, text in MODEL.items()})
    repo.edit("svc/flows/flows.yaml", "    fields: [email]\n", "    fields: [email, phone]\n")
    result = repo.run("diff", base, "-f", "json", cwd=repo.path("svc"))
    assert as_json(result)["flow_fields"][0]["added"] == {"phone": "raw"}
    repo.edit("svc/flows/flows.yaml", "  - id: a-to-m\n", "  - id: a-to-m\n    bad: [\n")
    repo.commit("broken")
    repo.commit("fixed", {f"svc/{name}": text for name, text in MODEL.items()})
    result = repo.run("diff", "HEAD~1", "--model", "flows", cwd=repo.path("svc"))
    assert result.code == 2, result
    assert result.stderr.startswith("HEAD~1:svc/flows/flows.yaml:"), result


def test_two_folders(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        for name, text in MODEL.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
    path = new / "flows/flows.yaml"
    path.write_text(path.read_text().replace("    fields: [email]\n", "    fields: [email, nationality]\n"))
    result = run_cli("diff", "old/flows", "new/flows", "-f", "json", cwd=tmp_path)  # not a git repository
    doc = as_json(result)
    assert (doc["base"], doc["head"]) == ("old/flows", "new/flows")
    assert doc["flow_fields"][0]["flow"] == "a-to-m"
    assert [f["file"] for f in doc["findings"]["new"]] == ["new/flows/flows.yaml"]
    assert as_json(run_cli("diff", "old", "new", "--model", "flows", "-f", "json", cwd=tmp_path)) == {
        **doc, "base": "old", "head": "new"}


def test_a_waiver_of_an_unknown_rule_is_an_input_error(tmp_path):
    for folder in ("old", "new"):
        for name, text in MODEL.items():
            (tmp_path / folder / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "new/flows/waivers.yaml").write_text(
        "waivers:\n  - {rule: MIN01, target: flow:a-to-m, reason: x, expires: 2099-01-01}\n")
    result = run_cli("diff", "old/flows", "new/flows", cwd=tmp_path)
    assert result.code == 2
    assert "new/flows/waivers.yaml:2:6: error: waiver of unknown rule 'MIN01' (did you mean 'MIN001'?)" in result.stderr


def test_json_is_stable(repo):
    for old, new in PIPE_NATIONALITY.items():
        repo.edit("flows/flows.yaml", old, new)
    first = repo.run("diff", repo.base, "-f", "json").stdout
    assert first == repo.run("diff", repo.base, "-f", "json").stdout
    assert first == json.dumps(json.loads(first), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    doc = json.loads(first)
    assert set(doc) >= {"tool", "version", "base", "head", "summary", "organizations", "systems", "flows",
                        "flow_fields", "holdings", "findings", "exposure"}


def test_output_file_and_markdown(repo, tmp_path):
    for old, new in PIPE_NATIONALITY.items():
        repo.edit("flows/flows.yaml", old, new)
    out = tmp_path / "comment.md"
    result = repo.run("diff", repo.base, "-f", "markdown", "-o", str(out))
    assert (result.code, result.stdout) == (0, ""), result
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!-- lineage-diff -->\n")
    assert "#### Flows" in text and "| 🟠 changed | `a-to-b` | fields +nationality |" in text
    assert "| `c` | nationality |  |  |" in text


def test_markdown_stays_under_github_limit(repo):
    many = "flows:\n" + "".join(
        f"  - {{id: extra-{i:04d}, from: a, to: m, purpose: newsletter, fields: [email, phone, nationality]}}\n"
        for i in range(1500))
    repo.write({"flows/many.yaml": many})
    text = repo.run("diff", repo.base, "-f", "markdown").stdout
    assert len(text) < 65_536
    assert "more: run `lineage diff` for the full list." in text


def test_no_changes(repo):
    result = repo.run("diff", repo.base)
    assert result.stdout == f"lineage diff {repo.base} -> working tree: no changes\n"
    assert "No changes" in repo.run("diff", repo.base, "-f", "markdown").stdout
    assert as_json(repo.run("diff", "HEAD", "-f", "json"))["summary"]["new_findings"] == 0


def test_model_absent_at_base_shows_everything_added(repo):
    empty = repo.git("commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "empty")
    doc = as_json(repo.run("diff", empty, "-f", "json"))
    assert len(doc["systems"]["added"]) == 4 and len(doc["findings"]["new"]) == 3


def test_misuse_and_bad_input_exit_2(repo, tmp_path):
    unknown = repo.run("diff", "no-such-ref")
    assert unknown.code == 2 and unknown.stderr.startswith("no-such-ref: error: 'no-such-ref' is not a git revision")
    bad_head = repo.run("diff", repo.base, "nope")
    assert bad_head.code == 2 and "'nope' is not a git revision" in bad_head.stderr
    assert repo.run("diff", repo.base, "-f", "sarif").code == 2
    missing = repo.run("diff", repo.base, "--model", "nowhere")
    assert missing.code == 2 and "nowhere" in missing.stderr, missing
    outside = run_cli("diff", "HEAD", cwd=tmp_path)  # tmp_path holds the repository but is not one
    assert outside.code == 2 and f"{tmp_path}: error: not inside a git work tree" in outside.stderr, outside
    folder = repo.run("diff", "flows")
    assert folder.code == 2 and "it is a folder: to compare two folders, give both as BASE and HEAD" in folder.stderr


def test_invalid_head_and_base_errors_are_all_reported(repo):
    repo.edit("flows/flows.yaml", "  - id: a-to-m\n", "  - id: a-to-m\n    bad: [\n")
    broken = repo.commit("broken")
    repo.write({"flows/flows.yaml": MODEL["flows/flows.yaml"]})
    repo.edit("flows/systems.yaml", "    retention: P1Y\n", "    retension: P1Y\n")
    result = repo.run("diff", broken)
    assert result.code == 2, result
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{broken}:flows/flows.yaml:") for line in lines)
    assert any(line.startswith("flows/systems.yaml:") and "retension" in line for line in lines)


def test_read_revision_filters_like_read_folder(repo):
    repo.commit("extras", {"flows/.hidden/x.yaml": "bad: [\n", "flows/notes.txt": "x",
                           "flows/sub/extra.yml": "version: 1\n", "flows-other/y.yaml": "bad: [\n"})
    sources = differ.read_revision("HEAD", "flows", cwd=repo.root)
    assert [s.path for s in sources] == ["HEAD:flows/catalogue.yaml", "HEAD:flows/flows.yaml",
                                         "HEAD:flows/sub/extra.yml", "HEAD:flows/systems.yaml"]
    assert sources[1].data.decode() == MODEL["flows/flows.yaml"]


def test_waiver_changes_are_listed(repo):
    repo.write({"flows/waivers.yaml": textwrap.dedent("""\
        waivers:
          - {rule: MIN001, target: flow:b-to-c, fields: [phone], reason: DPIA-7, expires: 2099-01-01}
        """)})
    doc = as_json(repo.run("diff", repo.base, "-f", "json"))
    assert [w["id"] for w in doc["waivers"]["added"]] == ["MIN001 flow:b-to-c [phone]"]
    [resolved] = doc["findings"]["resolved"]
    assert (resolved["rule"], resolved["waived"]) == ("MIN001", True)


def test_a_system_finding_whose_fields_grew_stays_the_same_finding(repo):
    for old, new in PIPE_NATIONALITY.items():
        repo.edit("flows/flows.yaml", old, new)
    doc = as_json(repo.run("diff", repo.base, "-f", "json"))
    new = {(f["rule"], f["target"]) for f in doc["findings"]["new"]}
    resolved = {(f["rule"], f["target"]) for f in doc["findings"]["resolved"]}
    assert ("MIN004", "system:c") not in new | resolved


def test_a_missing_folder_is_called_one(tmp_path, repo):
    (tmp_path / "old").mkdir()
    outside = run_cli("diff", "old", "nonexistent_dir", cwd=tmp_path)  # tmp_path is no git repository
    assert outside.code == 2 and outside.stderr == "nonexistent_dir: error: no such folder\n", outside
    both = run_cli("diff", "gone", "nowhere", cwd=tmp_path)
    assert both.stderr == "gone: error: no such folder\nnowhere: error: no such folder\n", both
    inside = repo.run("diff", "flows", "flows-new")  # a folder and a name that is no revision
    assert inside.stderr == "flows-new: error: no such folder, nor a git revision\n", inside
    slashed = repo.run("diff", repo.base, "new/flows")
    assert slashed.stderr == "new/flows: error: no such folder, nor a git revision\n", slashed
    assert repo.run("diff", repo.base, "main").code == 0  # revisions are still revisions


def test_errors_about_a_revision_point_at_no_file(repo):
    github = repo.run("check", "--diff-base", "nope", "-f", "github")
    assert github.code == 2
    assert github.stdout.startswith("::error title=lineage%3A invalid input::nope: 'nope' is not a git revision")
    [error] = json.loads(repo.run("check", "--diff-base", "nope", "-f", "json").stdout)["errors"]
    assert (error["file"], error["line"], error["column"]) == ("", 0, 0)
    assert error["message"].startswith("nope: 'nope' is not a git revision")
    sarif = json.loads(repo.run("check", "--diff-base", "nope", "-f", "sarif").stdout)
    [note] = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "locations" not in note and note["message"]["text"].startswith("nope: 'nope' is not a git revision")
    junit = repo.run("check", "--diff-base", "nope", "-f", "junit").stdout
    assert '<testcase classname="lineage input" name="nope">' in junit and 'file="nope"' not in junit
    repo.edit("flows/flows.yaml", "    retention: P1Y\n", "    retension: P1Y\n")
    in_file = repo.run("check", "-f", "github")
    assert in_file.stdout.startswith("::error file=flows/flows.yaml,line=")  # a file on disk: annotated there
    [error] = json.loads(repo.run("check", "-f", "json").stdout)["errors"]
    assert error["file"] == "flows/flows.yaml" and error["line"] > 0


def test_a_report_file_asked_for_says_why_the_diff_failed(repo, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    stale = out / "d.json"
    stale.write_text('{"old": "report"}', encoding="utf-8")
    result = repo.run("diff", "nope", "-f", "json", "-o", str(stale))
    assert result.code == 2 and "'nope' is not a git revision" in result.stderr  # also on the terminal
    [error] = json.loads(stale.read_text(encoding="utf-8"))["errors"]  # no stale report left for CI
    assert "'nope' is not a git revision" in error["message"]
    markdown = repo.run("diff", "nope", "-f", "markdown", "-o", str(out / "d.md"))
    assert markdown.code == 2 and "'nope' is not a git revision" in (out / "d.md").read_text(encoding="utf-8")
