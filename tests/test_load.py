"""Bad input of every kind: exit 2, file:line:col, no traceback, files untouched."""

from __future__ import annotations

import hashlib

import pytest
import yaml
from helpers import BASE, REPO, run_cli, write_files

from lineage import load
from lineage.errors import InputErrors
from lineage.load import Mapping, Source, load_sources
from lineage.model import load_model


def errors_of(tmp_path, files: dict[str, str | bytes]) -> list[str]:
    """Validate a model folder; return its error lines (and check the CLI agrees)."""
    model = tmp_path / "flows"
    model.mkdir(exist_ok=True)
    for name, content in files.items():
        path = model / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.rglob("*") if p.is_file()}
    result = run_cli("validate", "flows", cwd=tmp_path)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.rglob("*") if p.is_file()}
    assert before == after, "validate must never change the model files"
    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


def test_duplicate_key_names_both_places(tmp_path):
    lines = errors_of(tmp_path, {"a.yaml": "fields:\n  - id: x\n    category: nationality\n    id: y\n"})
    assert lines == ["flows/a.yaml:4:5: error: duplicate key 'id' (first at line 2, column 5)"]


@pytest.mark.parametrize("word", ["yes", "off", "On", "NO"])
def test_yaml11_boolean_where_a_boolean_is_expected(tmp_path, word):
    text = BASE.replace("encrypted: true", f"encrypted: {word}")
    lines = errors_of(tmp_path, {"m.yaml": text})
    line = text.splitlines().index(f"    encrypted: {word}") + 1
    assert lines == [f"flows/m.yaml:{line}:16: error: '{word}' is a YAML 1.1 boolean; write true or false"]


def test_yaml11_boolean_where_a_string_is_expected(tmp_path):
    text = BASE.replace("  - {id: office, role: controller, country: FR}",
                        "  - {id: office, role: controller, country: FR, name: yes}")
    lines = errors_of(tmp_path, {"m.yaml": text})
    assert len(lines) == 1
    assert "'yes' is a boolean in YAML 1.1, not text; quote it" in lines[0]
    assert lines[0].startswith("flows/m.yaml:")


def test_norway_is_a_country_not_a_boolean(tmp_path):
    write_files(tmp_path / "flows", {"m.yaml": BASE.replace("country: FR}", "country: NO}")})
    model = load_model(tmp_path / "flows")
    assert model.organizations["office"].country == "NO"


def test_octal_where_a_number_is_expected(tmp_path):
    text = BASE.replace("population: 1000", "population: 0777")
    lines = errors_of(tmp_path, {"m.yaml": text})
    column = text.splitlines()[7].index("0777") + 1
    assert lines == [f"flows/m.yaml:8:{column}: error: '0777' is an octal number in YAML 1.1; "
                     "write it without the leading 0"]


def test_octal_where_a_string_is_expected(tmp_path):
    text = BASE.replace("reference: DPA-1", "reference: 012")
    lines = errors_of(tmp_path, {"m.yaml": text})
    assert len(lines) == 1 and "'012' is an octal number in YAML 1.1, not text; quote it" in lines[0]


def test_unquoted_date_where_a_string_is_expected(tmp_path):
    text = BASE.replace("reference: DPA-1", "reference: 2024-03-01")
    lines = errors_of(tmp_path, {"m.yaml": text})
    line, column = next((i, t.index("2024")) for i, t in enumerate(text.splitlines(), 1) if "2024-03-01" in t)
    assert lines == [f"flows/m.yaml:{line}:{column + 1}: error: '2024-03-01' is an unquoted date, not text; quote it"]


def test_dates_and_durations_are_checked(tmp_path):
    text = BASE.replace("date: 2025-01-01", "date: 2025-02-30").replace("max_retention: P2Y", "max_retention: 2 years")
    lines = errors_of(tmp_path, {"m.yaml": text})
    assert any("'2025-02-30' is not a real calendar date" in x for x in lines)
    assert any("'2 years' is not an ISO 8601 duration" in x for x in lines)


def test_alias_bomb_is_refused_quickly(tmp_path):
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        refs = ",".join([f"*{prev}"] * 10)
        bomb.append(f"{name}: &{name} [{refs}]")
    bomb.append("fields: *i")
    lines = errors_of(tmp_path, {"bomb.yaml": "\n".join(bomb) + "\n"})
    assert len(lines) == 1
    assert lines[0].startswith("flows/bomb.yaml:1:1: error: YAML aliases expand this file to more than")


def test_recursive_alias_is_refused(tmp_path):
    lines = errors_of(tmp_path, {"r.yaml": "fields: &a\n  - *a\n"})
    assert lines == ["flows/r.yaml:2:5: error: recursive alias: a node contains itself"]


def test_small_aliases_are_fine():
    text = b"x: &f [a, b]\ny: *f\n"
    [doc] = load_sources([Source("m.yaml", text)])
    assert isinstance(doc.root, Mapping)
    assert [s.text for s in doc.root.get("y").items] == ["a", "b"]


def test_non_utf8_file(tmp_path):
    lines = errors_of(tmp_path, {"latin1.yaml": "fields:\n  - id: x\n    description: caf\xe9\n".encode("latin-1")})
    assert lines == ["flows/latin1.yaml:3:21: error: file is not valid UTF-8 (byte 0xe9); save it as UTF-8"]


def test_syntax_error_has_position(tmp_path):
    lines = errors_of(tmp_path, {"bad.yaml": "fields:\n  - id: [x\n"})
    assert len(lines) == 1 and lines[0].startswith("flows/bad.yaml:2:9: error: YAML syntax:")  # the open [


def test_top_level_list(tmp_path):
    lines = errors_of(tmp_path, {"list.yaml": "- id: x\n"})
    assert lines == ["flows/list.yaml:1:1: error: a model file must be a mapping of sections (version, "
                     "categories, fields, subjects, purposes, organizations, systems, flows, waivers), not a list"]


def test_empty_model_folder(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "notes.txt").write_text("not yaml")
    result = run_cli("validate", "flows", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr == "flows: error: no model files (*.yaml, *.yml) in this folder\n"


def test_missing_model_folder(tmp_path):
    result = run_cli("validate", "nowhere", cwd=tmp_path)
    assert result.code == 2 and result.stderr == "nowhere: error: no such model folder (lineage init starts one)\n"


def test_all_errors_of_all_files_at_once(tmp_path):
    lines = errors_of(tmp_path, {
        "a.yaml": BASE.replace("retention: P1Y\n    security", "retension: P1Y\n    security"),
        "sub/b.yml": "fields:\n  - {id: full_name, category: identity.nmae}\n",
    })
    assert any(x.startswith("flows/a.yaml:") and "unknown key 'retension' (did you mean 'retention'?)" in x
               for x in lines)
    assert any(x.startswith("flows/sub/b.yml:2:10: error: duplicate field id 'full_name' (first declared at "
                            "flows/a.yaml:2:10)") for x in lines)
    assert any("unknown category 'identity.nmae' (did you mean 'identity.name'?)" in x for x in lines)


def test_files_are_read_sorted_with_subfolders(tmp_path):
    write_files(tmp_path / "flows", {"b.yaml": "fields: []\n", "a/z.yml": "fields: []\n", "a.yaml": BASE,
                                     ".hidden/x.yaml": "garbage: [\n"})
    model = load_model(tmp_path / "flows")
    assert [f.split("flows/")[1] for f in model.files] == ["a.yaml", "a/z.yml", "b.yaml"]


def test_load_errors_are_input_errors():
    with pytest.raises(InputErrors) as info:
        load_sources([Source("x.yaml", b"a: 1\na: 2\n")])
    assert [str(e) for e in info.value.errors] == ["x.yaml:2:1: error: duplicate key 'a' (first at line 1, column 1)"]


def test_date_must_be_written_yyyy_mm_dd(tmp_path):
    text = BASE.replace("date: 2025-01-01", "date: 01/01/2025")
    lines = errors_of(tmp_path, {"m.yaml": text})
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "01/01/2025" in t)
    assert len(lines) == 1 and lines[0].startswith(f"flows/m.yaml:{line}:")
    assert lines[0].endswith("error: '01/01/2025' is not a date in the form YYYY-MM-DD")


@pytest.mark.parametrize("version", ["2", "'1'", "one"])
def test_only_version_1_is_read(tmp_path, version):
    lines = errors_of(tmp_path, {"m.yaml": f"version: {version}\n" + BASE})
    assert lines == ["flows/m.yaml:1:10: error: unsupported version: this lineage reads version 1"]


def test_version_1_is_accepted(tmp_path):
    write_files(tmp_path / "flows", {"m.yaml": "version: 1\n" + BASE})
    assert sorted(load_model(tmp_path / "flows").systems) == ["cases", "crm"]


def test_a_section_must_be_a_list(tmp_path):
    lines = errors_of(tmp_path, {"m.yaml": BASE, "extra.yaml": "flows: {id: x}\n"})
    assert lines == ["flows/extra.yaml:1:8: error: section 'flows' must be a list of entries"]


def test_duplicate_id_across_files_names_both_places(tmp_path):
    lines = errors_of(tmp_path, {"a.yaml": BASE, "b.yaml": "subjects:\n  - {id: migrants}\n"})
    line = BASE.splitlines().index("  - {id: migrants, vulnerable: true, population: 1000}") + 1
    assert lines == [f"flows/b.yaml:2:10: error: duplicate subject id 'migrants' (first declared at "
                     f"flows/a.yaml:{line}:10)"]


def test_wrong_type_is_an_error_not_a_coercion(tmp_path):
    text = BASE.replace("population: 1000", "population: many")
    lines = errors_of(tmp_path, {"m.yaml": text})
    assert len(lines) == 1 and lines[0].endswith("error: expected a whole number, found 'many'")


def test_a_file_that_does_not_compose_hides_no_other_error(tmp_path):
    lines = errors_of(tmp_path, {
        "a.yaml": "fields: [{id: zz, category: identity.name, tier: 7}]\n",
        "b.yaml": b"fields:\n  - id: x\n    description: caf\xe9\n",
        "c.yaml": "fields: [{id: zz, category: identity.name}]\n",
    })
    assert lines == [
        "flows/a.yaml:1:50: error: 7 is above the maximum 4",
        "flows/b.yaml:3:21: error: file is not valid UTF-8 (byte 0xe9); save it as UTF-8",
        "flows/c.yaml:1:15: error: duplicate field id 'zz' (first declared at flows/a.yaml:1:15)",
    ]


@pytest.mark.parametrize("broken, error", [
    ("fields: [x\n", "flows/b.yaml:1:9: error: YAML syntax: while parsing a flow sequence did not find "
                     "expected ',' or ']'"),
    ("a: 1\na: 2\n", "flows/b.yaml:2:1: error: duplicate key 'a' (first at line 1, column 1)"),
    ("x: &x {a: 1}\ny: {<<: *x}\n", "flows/b.yaml:2:5: error: merge keys ('<<') are not supported; write the keys out"),
], ids=["syntax", "duplicate-key", "merge-key"])
def test_dangling_references_are_quiet_while_a_file_is_missing(tmp_path, broken, error):
    lines = errors_of(tmp_path, {
        "a.yaml": "fields:\n  - {id: f, category: case.kind}\n  - {id: g, category: identity.nmae, tier: 9}\n"
                  "categories:\n  - {id: case.kind.sub}\n"
                  "waivers:\n  - {rule: MIN001, target: 'flow:x', reason: r, expires: 2030-01-01}\n",
        "b.yaml": broken,
    })
    # case.kind, identity.nmae and flow x may be declared in b.yaml: only the tier is certainly wrong
    assert lines == ["flows/a.yaml:3:44: error: 9 is above the maximum 4", error]


@pytest.mark.parametrize("text, error", [
    ("a: &x [1]\nb: &x [2]\nc: *x\n",
     "x.yaml:2:4: error: anchor &x is defined again (first at line 1, column 4); give each anchor its own name"),
    ("a: *nowhere\n", "x.yaml:1:4: error: YAML syntax: found undefined alias 'nowhere'"),
    ("a: 1\n---\nb: 2\n",
     "x.yaml:2:1: error: YAML syntax: expected a single document in the stream but found another document"),
    ("? [a, b]\n: 1\nc: 2\n", "x.yaml:1:3: error: a mapping key must be a plain word"),
], ids=["anchor-again", "undefined-alias", "two-documents", "complex-key"])
def test_what_the_strict_loader_refuses(text, error):
    with pytest.raises(InputErrors) as caught:
        load_sources([Source("x.yaml", text.encode())])
    assert [str(e) for e in caught.value.errors] == [error]


def test_an_alias_of_a_mapping_or_list_is_placed_where_it_is_written():
    root = load_sources([Source("x.yaml", b"a: &m {k: v}\nb: &l [1]\nc:\n  - *m\n  - *l\n")])[0].root
    aliased = root.get("c").items
    assert [tuple(n.loc) for n in aliased] == [("x.yaml", 4, 5), ("x.yaml", 5, 5)]
    assert aliased[0].get("k") is root.get("a").get("k") and aliased[1].items is root.get("b").items


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n# header\n", "---\n...\n", "~\n"])
def test_an_empty_document_is_an_empty_file(tmp_path, text):
    write_files(tmp_path / "flows", {"m.yaml": BASE, "x.yaml": text})
    assert sorted(load_model(tmp_path / "flows").systems) == ["cases", "crm"]


def test_linked_subfolders_are_read_once_and_link_loops_end(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE, "shared/more.yaml": "fields: [{id: linked, category: nationality}]\n"})
    (tmp_path / "flows" / "shared").symlink_to(tmp_path / "shared")
    (tmp_path / "flows" / "again").symlink_to(tmp_path / "shared")  # the same folder: read once
    (tmp_path / "flows" / "shared" / "up").symlink_to(tmp_path / "flows")  # a loop
    (tmp_path / "flows" / "self").symlink_to(tmp_path / "flows" / "self")  # a link to itself, not a model file
    (tmp_path / "flows" / "disk").symlink_to("/")  # holds the model folder: never walked
    (tmp_path / "flows" / "parent").symlink_to(tmp_path)
    model = load_model(tmp_path / "flows")
    assert "linked" in model.fields
    assert [f.split("flows/")[1] for f in model.files] == ["again/more.yaml", "m.yaml"]


def test_unreadable_files_and_folders_are_reported_with_the_other_errors(tmp_path, monkeypatch):
    import os

    from lineage import load

    write_files(tmp_path / "flows", {"m.yaml": BASE, "secret/s.yaml": "fields: []\n", "loop.yaml": "",
                                     "z.yaml": "fields: [{id: x, category: nationality, colour: red}]\n"})
    (tmp_path / "flows" / "loop.yaml").unlink()
    (tmp_path / "flows" / "loop.yaml").symlink_to(tmp_path / "flows" / "loop.yaml")
    scandir = os.scandir

    def refuse(path):  # chmod 000 does not stop root, who may run the tests
        if str(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(load.os, "scandir", refuse)
    result = run_cli("validate", "flows", cwd=tmp_path)
    assert result.code == 2, result
    assert result.stderr.splitlines() == ["flows/loop.yaml: error: cannot read: a broken symbolic link",
                                          "flows/secret: error: cannot read this folder: Permission denied",
                                          "flows/z.yaml:1:41: error: unknown key 'colour'"]


def test_a_duplicate_made_by_an_alias_is_named_at_the_alias(tmp_path):
    lines = errors_of(tmp_path, {"a.yaml": BASE, "b.yaml": (
        "systems:\n"
        "  - &s {id: more, organization: office}\n"
        "  - *s\n"
        "subjects:\n"
        "  - {id: &x kids}\n"
        "  - {id: *x}\n"
        "purposes:\n"
        "  - id: p\n"
        "    needs: [&n {field: email}, *n]\n")})
    assert lines == [
        "flows/b.yaml:3:5: error: duplicate system id 'more' (first declared at flows/b.yaml:2:13)",
        "flows/b.yaml:6:5: error: duplicate subject id 'kids' (first declared at flows/b.yaml:5:10)",
        "flows/b.yaml:9:32: error: 'email' is listed twice (first at line 9)",
    ]


def _shape(node):
    """A node tree as plain tuples: text, kind and position of every node."""
    if isinstance(node, load.Scalar):
        return ("scalar", node.text, node.kind, node.plain, tuple(node.loc), node.tagged)
    if isinstance(node, load.Mapping):
        return ("map", tuple(node.loc), tuple((_shape(k), _shape(v)) for k, v in node.items))
    return ("seq", tuple(node.loc), tuple(_shape(item) for item in node.items))


def test_the_pure_python_loader_builds_the_same_nodes_as_libyaml(monkeypatch):
    tricky = Source("tricky.yaml", (
        b"a: [yes, NO, 012, 1_000, 2026-01-31, ~, '', .inf, 0x1f, !!str 2, 'quoted', 1.5e3]\n"
        b"b: {c: null, d: -.5, e: +12, f: 12:30}\n"
        b"g: |\n  text\n"
    ))
    sources = [*load.read_folder(REPO / "flows"), tricky]
    fast = [load.compose(source) for source in sources]
    monkeypatch.setattr(load, "_PARSER", yaml.SafeLoader)
    pure = [load.compose(source) for source in sources]
    assert [_shape(d.root) for d in pure] == [_shape(d.root) for d in fast]


@pytest.mark.parametrize("text", ["", "yes", "NO", "012", "1_000", "2026-01-31", "~", "null", ".inf", "-.5",
                                  "0x1f", "12:30", "1.5e3", "+12", "=", "<<", "word", "a b"])
def test_plain_scalars_take_the_kind_pyyaml_resolves(text):
    pyyaml = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    assert load.plain_kind(text) == pyyaml.removeprefix("tag:yaml.org,2002:")


@pytest.mark.parametrize("text", ["'yes'", '"012"', "! 12", "!!str 12", "|\n  12\n"])
def test_quoted_and_tagged_scalars_keep_their_kind(text):
    scalar = load.compose(Source("k.yaml", f"k: {text}\n".encode())).root.get("k")
    assert (scalar.kind, scalar.tagged) == {"! 12": ("int", False), "!!str 12": ("str", True)}.get(text, ("str", False))
