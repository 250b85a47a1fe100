"""Hostile input: every kind of damage gives ``file:line:col: error`` (or ``error:``) and exit 2.

Never a traceback, never exit 0 or 1 by accident, and the user's files stay as they were.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from helpers import BASE, run_cli, write_files
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import load
from lineage.errors import InputErrors
from lineage.load import Source


def _model(tmp_path: Path, text: str | bytes, name: str = "m.yaml") -> Path:
    folder = tmp_path / "flows"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def _invalid(result, where: str | None = None) -> None:
    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(" error: " in line or line.startswith("error: ") for line in lines), result
    if where is not None:
        assert where in result.stderr, result


# --------------------------------------------------------------------------- model files

DEEP = 10_000


@pytest.mark.parametrize("text", [
    "fields: " + "[" * DEEP + "]" * DEEP + "\n",
    "fields: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n",
    # just under libyaml's own depth limit: our node builder must not recurse
    "fields: " + "[" * 990 + "]" * 990 + "\n",
    "fields: " + "{a: " * 990 + "1" + "}" * 990 + "\n",
    "fields:\n  - id: x\n    category: identity.name\n    derived_from: " + "[" * 990 + "]" * 990 + "\n",
], ids=["seq-10000", "map-10000", "seq-990", "map-990", "in-entry-990"])
def test_deep_nesting_is_an_error_not_a_recursion_error(tmp_path, text):
    _invalid(run_cli("validate", _model(tmp_path, text)), "flows/m.yaml:")


def test_deep_nesting_with_the_pure_python_composer(tmp_path, monkeypatch):
    import yaml

    monkeypatch.setattr(load, "_PARSER", yaml.SafeLoader)
    text = "fields: " + "[" * DEEP + "]" * DEEP + "\n"
    too_deep = 8 + load.MAX_DEPTH  # the root mapping is the first level; "fields: " is 8 characters
    _invalid(run_cli("validate", _model(tmp_path, text)), f"flows/m.yaml:1:{too_deep}: error: YAML nested too deeply")


def test_aliases_still_shared_and_recursive_ones_refused(tmp_path):
    _invalid(run_cli("validate", _model(tmp_path, "fields: &a [*a]\n")), "recursive alias")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True))
    _invalid(run_cli("validate", _model(tmp_path, bomb)), "expand")


@pytest.mark.parametrize("value", ["9" * 30, "9" * 5000, "9007199254740993"])
def test_huge_whole_numbers(tmp_path, value):
    text = f"subjects:\n  - id: s\n    population: {value}\n"
    result = run_cli("validate", _model(tmp_path, text))
    _invalid(result, "flows/m.yaml:3:17: error: ")
    assert "is too large (at most 9007199254740992)" in result.stderr


def test_long_derivation_chain_does_not_exhaust_the_stack(tmp_path):
    n = 3000
    chain = "fields:\n" + "".join(
        f"  - {{id: d{i}, category: identity.name, derived_from: [d{i + 1}]}}\n" for i in range(n))
    chain += f"  - {{id: d{n}, category: identity.name, derived_from: [d0]}}\n"
    _invalid(run_cli("validate", _model(tmp_path, chain)), "derived_from loops: d")


@pytest.mark.parametrize("name, text", [
    ("several-documents", "fields: []\n---\nsystems: []\n"),
    ("tab", "fields:\n\t- id: x\n"),
    ("scalar", "hello\n"),
    ("list-key", "? [a, b]\n: 1\n"),
    ("mapping-key", "fields:\n  - ? {a: 1}\n    : 1\n"),
    ("latin-1", b"fields:\n  - id: caf\xe9\n"),
    ("utf-16", "fields: []\n".encode("utf-16")),
    ("nul", b"fields: [\x00]\n"),
    ("escape-char", b"a: 1\nfields: [\x1b]\n"),
])
def test_damaged_model_files(tmp_path, name, text):
    folder = _model(tmp_path, text)
    before = (folder / "m.yaml").read_bytes()
    _invalid(run_cli("validate", folder), "flows/m.yaml:")
    if name in ("nul", "escape-char"):
        assert "flows/m.yaml:" + ("1:10" if name == "nul" else "2:10") + ": error: character U+00" in \
            run_cli("validate", folder).stderr
    result = run_cli("check", folder, "--format", "json")
    assert result.code == 2 and '"errors"' in result.stdout and "Traceback" not in result.stderr, result
    assert (folder / "m.yaml").read_bytes() == before


def test_broken_symbolic_link_is_reported(tmp_path):
    folder = _model(tmp_path, BASE)
    (folder / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    _invalid(run_cli("validate", folder), "flows/gone.yaml: error: cannot read: a broken symbolic link")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_in_the_model_folder_is_skipped_not_read(tmp_path):
    folder = _model(tmp_path, BASE)
    os.mkfifo(folder / "pipe.yaml")
    assert run_cli("validate", folder).code == 0


@pytest.mark.skipif(os.name == "nt", reason="POSIX file names are bytes")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "github"])
def test_file_names_that_are_not_utf8(tmp_path, fmt):
    name = b"fl\xe9ws.yaml".decode("utf-8", "surrogateescape")
    folder = _model(tmp_path, BASE, name)
    result = run_cli("check", folder, "--format", fmt, "-o", tmp_path / f"out.{fmt}")
    assert result.code == 1, result
    assert "xe9ws.yaml" in (tmp_path / f"out.{fmt}").read_text(encoding="utf-8")
    assert run_cli("report", folder, "-o", tmp_path / "r.html").code == 0
    assert run_cli("check", folder, "--write-baseline", tmp_path / "b.json").code == 1


# --------------------------------------------------------------------------- rule files

MATCH = """\
rules:
  - id: ORG-1
    check: match
    severity: high
    title: t
    target: system
    message: {message}
"""


@pytest.mark.parametrize("message", [
    '"{0} holds it"', '"{target"', '"}"', '"{nope}"', '"{target.__class__}"', '"{fields!r:>999999999}"',
])
def test_match_message_templates_are_checked(tmp_path, message):
    write_files(tmp_path, {"flows/m.yaml": BASE, "rules/r.yaml": MATCH.format(message=message)})
    _invalid(run_cli("check", "flows", cwd=tmp_path), "rules/r.yaml:7:5: error: rule 'ORG-1': message:")


def test_match_message_placeholders_still_work(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE,
                           "rules/r.yaml": MATCH.format(message='"{{x}} {rule} {target} {id} [{fields}]"')})
    result = run_cli("check", "flows", cwd=tmp_path)
    assert "{x} ORG-1 system:crm crm []" in result.stdout, result


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "0x1f", "0b11", "190:20:30", "1:30.5"])
def test_numbers_in_params_that_are_not_decimal(tmp_path, value):
    write_files(tmp_path, {"flows/m.yaml": BASE,
                           "rules/r.yaml": f"rules:\n  - id: RISK001\n    params: {{threshold: {value}}}\n"})
    _invalid(run_cli("check", "flows", cwd=tmp_path), f"rules/r.yaml:3:25: error: expected a number, found '{value}'")


# --------------------------------------------------------------------------- outputs

@pytest.mark.parametrize("args", [
    ["check", "flows", "--output", "adir"],
    ["check", "flows", "--format", "markdown", "--output", "afile/x.md"],
    ["check", "flows", "--output-sarif", "adir"],
    ["check", "flows", "--output-junit", "afile/x.xml"],
    ["check", "flows", "--write-baseline", "adir"],
    ["check", "flows", "--write-baseline", "afile/b.json"],
    ["render", "flows", "--format", "dot", "-o", "adir"],
    ["render", "flows", "--format", "mermaid", "-o", "afile/x.mmd"],
    ["report", "flows", "-o", "adir"],
    ["ropa", "flows", "-o", "afile/r.md"],
    ["diff", "flows", "flows", "--output", "adir"],
    ["init", "afile"],
])
def test_outputs_that_cannot_be_written(tmp_path, args):
    write_files(tmp_path, {"flows/m.yaml": BASE, "afile": "keep me\n"})
    (tmp_path / "adir").mkdir()
    result = run_cli(*args, cwd=tmp_path)
    _invalid(result)
    assert (tmp_path / "afile").read_text() == "keep me\n"
    assert (tmp_path / "flows" / "m.yaml").read_text() == BASE


@pytest.mark.parametrize("args", [
    ["check", "flows", "--output", "flows/m.yaml"],
    ["check", "flows", "--output-sarif", "./flows/../flows/m.yaml"],
    ["check", "flows", "--write-baseline", "rules/r.yaml"],
    ["check", "flows", "--output-junit", "lineage.yaml"],
    ["render", "flows", "--format", "dot", "-o", "flows/m.yaml"],
    ["ropa", "flows", "-o", "flows/m.yaml"],
    ["report", "flows", "-o", "flows/m.yaml"],
])
def test_outputs_never_overwrite_an_input(tmp_path, args):
    inputs = {"flows/m.yaml": BASE, "rules/r.yaml": "rules: []\n", "lineage.yaml": "settings: {fail_on: high}\n"}
    write_files(tmp_path, inputs)
    result = run_cli(*args, cwd=tmp_path)
    _invalid(result)
    assert "it is an input of this run" in result.stderr
    assert {name: (tmp_path / name).read_text() for name in inputs} == inputs


def test_each_command_starts_with_nothing_read(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE, "other/m.yaml": BASE})
    assert run_cli("validate", "flows", cwd=tmp_path).code == 0  # reads flows/m.yaml, in this process
    result = run_cli("render", "other", "-f", "dot", "-o", "flows/m.yaml", cwd=tmp_path)
    assert result.code == 0, result  # what an earlier command read is not an input of this one
    assert (tmp_path / "flows" / "m.yaml").read_text().startswith("digraph")


def test_unwritable_output_with_json_format_prints_json_errors(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE})
    (tmp_path / "adir").mkdir()
    result = run_cli("check", "flows", "--format", "json", "--output", "adir", cwd=tmp_path)
    assert result.code == 2
    assert '"message": "cannot write adir: it is a folder"' in result.stdout


# --------------------------------------------------------------------------- importers

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("tool", ["threagile", "fides"])
def test_import_from_a_fifo_does_not_hang(tmp_path, tool):
    os.mkfifo(tmp_path / "model.yaml")
    _invalid(run_cli("import", tool, tmp_path / "model.yaml", "-o", tmp_path / "out"))


@pytest.mark.parametrize("value", ["A\n", "plain words\n", "x\n\n"])
def test_imported_text_keeps_a_final_newline(value):
    from lineage.importers import scalar
    from lineage.model import model_from_text

    doc = f"fields:\n  - id: f\n    category: education\n    description: {scalar(value)}\n"
    assert model_from_text(doc).fields["f"].description == value


def test_two_undefined_fields_in_one_list_are_two_plain_errors(tmp_path):
    text = BASE.replace("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                        "fields: [{field: nope1}, {field: nope2}]")
    write_files(tmp_path / "flows", {"m.yaml": text})
    result = run_cli("validate", "flows", cwd=tmp_path)
    assert result.code == 2
    assert "listed twice" not in result.stderr
    assert "unknown field 'nope1'" in result.stderr and "unknown field 'nope2'" in result.stderr


def test_init_refuses_a_folder_that_is_a_model_already(tmp_path):
    write_files(tmp_path / "flows", {"m.yaml": BASE})
    result = run_cli("init", str(tmp_path / "flows"))
    assert result.code == 2 and "m.yaml already exists" in result.stderr
    assert sorted(p.name for p in (tmp_path / "flows").iterdir()) == ["m.yaml"]


# --------------------------------------------------------------------------- whole-text patterns

@pytest.mark.parametrize("text, error", [
    ('fields:\n  - id: "evil\\n"\n    category: identity.name\n',
     "flows/m.yaml:2:9: error: 'evil\\n' is not a valid id (lower-case letters, digits, '_', '.', '-', "
     "starting with a letter or digit)"),
    ("purposes:\n  - id: p\n    max_retention: \"P1Y\\n\"\n",
     "flows/m.yaml:3:20: error: 'P1Y\\n' is not an ISO 8601 duration (such as P30D, P6M, P5Y)"),
    ("purposes:\n  - id: p\n    max_retention: P\u0663Y\n",  # an Arabic-Indic digit: Python's \d takes it
     "flows/m.yaml:3:20: error: 'P\u0663Y' is not an ISO 8601 duration (such as P30D, P6M, P5Y)"),
    ("waivers:\n  - {rule: MIN001, target: flow:x, reason: r, expires: \"2030-01-01\\n\"}\n",
     "flows/m.yaml:2:56: error: '2030-01-01\\n' is not a date in the form YYYY-MM-DD"),
], ids=["id", "duration", "duration-digit", "date"])
def test_patterns_match_the_whole_text(text, error):
    from lineage.errors import InputErrors
    from lineage.load import Source
    from lineage.model import load_model_sources

    with pytest.raises(InputErrors) as info:
        load_model_sources([Source("flows/m.yaml", text.encode())])
    assert error in [str(e) for e in info.value.errors]


def test_rule_ids_match_the_whole_text(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE, "rules/r.yaml": 'settings:\n  disable: ["MIN001\\n"]\n'})
    result = run_cli("check", "flows", cwd=tmp_path)
    _invalid(result, "rules/r.yaml:2:13: error: 'MIN001\\n' is not a rule id")


def test_names_with_a_newline_in_rule_files_keep_one_error_per_line(tmp_path):
    """Rule-file errors quote what the file says as the model's do ('a\\nb'): a raw newline broke an error in two."""
    rules = ('rules:\n'
             '  - {id: ORG-1, check: "a\\nb"}\n'
             '  - {id: ORG-2, check: match, target: system, where: {organization.role: "x\\ny", "p\\nq": 1}}\n'
             '  - {id: RISK001, params: {weights: {"in\\nternet": 1}, "p\\nx": 1}, "k\\ney": 1}\n'
             '  - {id: RISK002, params: {combinations: [{name: "n\\nm", members: []}]}}\n'
             'settings: {"fail\\non": high}\n'
             '"se\\nttings": 1\n')
    write_files(tmp_path, {"flows/m.yaml": BASE, "rules/r.yaml": rules})
    result = run_cli("check", "flows", cwd=tmp_path)
    _invalid(result)
    assert result.stderr.splitlines() == [
        "rules/r.yaml:2:24: error: no check named 'a\\nb'; a new rule needs 'check: match' or the id of a "
        "built-in check",
        "rules/r.yaml:3:55: error: rule 'ORG-2': where: 'organization.role' is never 'x\\ny' "
        "(it is controller, joint_controller, processor, subprocessor, recipient, authority)",
        "rules/r.yaml:3:82: error: rule 'ORG-2': where: 'p\\nq': system has no 'p\\nq'",
        "rules/r.yaml:4:38: error: rule 'RISK001': unknown weight 'in\\nternet' (did you mean 'internet'?) "
        "(known: vulnerable_uplift, internet, partner, missing_control, outside_controller, "
        "per_subcontracting_level, large_population, very_large_population)",
        "rules/r.yaml:4:56: error: unknown param 'p\\nx' for rule 'RISK001'",
        "rules/r.yaml:4:68: error: unknown key 'k\\ney' in rule 'RISK001'",
        "rules/r.yaml:5:58: error: rule 'RISK002': combination 'n\\nm' has no members: list what must be held together",
        "rules/r.yaml:6:12: error: unknown setting 'fail\\non' (did you mean 'fail_on'?)",
        "rules/r.yaml:7:1: error: unknown key 'se\\nttings' (did you mean 'settings'?)",
    ]


@pytest.mark.parametrize("args", [["trace", "a\nb"], ["impact", "a\nb"], ["render", "--field", "a\nb"],
                                  ["render", "--system", "a\nb"], ["ropa", "--organization", "a\nb"]])
def test_an_unknown_id_with_a_newline_is_one_error_line(tmp_path, args):
    _model(tmp_path, BASE)
    _invalid(run_cli(*args[:1], "flows", *args[1:], cwd=tmp_path) if args[0] in ("render", "ropa")
             else run_cli(*args, "flows", cwd=tmp_path), "'a\\nb' in the model")


# --------------------------------------------------------------------------- tags

def test_tags_other_than_the_core_ones_and_tags_that_contradict_the_type(tmp_path):
    text = ("fields:\n"
            "  - {id: a, category: !foo identity.name, description: !!binary aGVsbG8=}\n"
            "  - {id: b, category: identity.name, tier: !!str 2}\n"
            "  - {id: c, category: identity.name, tier: !!float 2}\n"
            "  - {id: d, category: identity.name, derived_from: !!set {a: null}}\n"
            "organizations:\n"
            "  - {id: o, role: recipient, country: !!bool NO}\n"
            "subjects:\n"
            "  - {id: s, vulnerable: !!str true}\n")
    _model(tmp_path, text)
    result = run_cli("validate", "flows", cwd=tmp_path)
    _invalid(result)
    assert result.stderr.splitlines() == [
        "flows/m.yaml:2:23: error: unsupported YAML tag !foo; remove it",
        "flows/m.yaml:2:56: error: unsupported YAML tag !!binary; remove it",
        "flows/m.yaml:3:44: error: '2' is tagged !!str, not a whole number; remove the tag",
        "flows/m.yaml:4:44: error: '2' is tagged !!float, not a whole number; remove the tag",
        "flows/m.yaml:5:52: error: expected a list",
        "flows/m.yaml:5:52: error: unsupported YAML tag !!set; remove it",
        "flows/m.yaml:7:39: error: 'NO' is tagged !!bool, not a country code; remove the tag",
        "flows/m.yaml:9:25: error: 'true' is tagged !!str, not true or false; remove the tag",
    ]


def test_tags_that_agree_with_the_type_are_fine(tmp_path):
    text = BASE.replace("population: 1000", "population: !!int 1000, name: !!str 2024")
    folder = _model(tmp_path, text)
    assert run_cli("validate", folder).code == 0
    from lineage.model import load_model

    assert load_model(folder).subjects["migrants"].name == "2024"


def test_rule_files_refuse_unsupported_tags_too(tmp_path):
    write_files(tmp_path, {"flows/m.yaml": BASE, "rules/r.yaml": "settings: {fail_on: !sev high}\n"})
    result = run_cli("check", "flows", cwd=tmp_path)
    _invalid(result)
    assert result.stderr == "rules/r.yaml:1:21: error: unsupported YAML tag !sev; remove it\n"


def test_import_refuses_an_empty_output_folder(tmp_path):
    (tmp_path / "threagile.yaml").write_text("title: t\n", encoding="utf-8")
    result = run_cli("import", "threagile", "threagile.yaml", "-o", "", cwd=tmp_path)
    assert result.code == 2 and result.stderr.startswith("error: -o needs a folder")
    assert [p.name for p in tmp_path.iterdir()] == ["threagile.yaml"]  # nothing written


def _on_a_terminal(*args: str) -> str:
    """Run ``lineage ARGS`` with stdout and stderr on a pseudo-terminal; return what it printed."""
    import pty
    import subprocess
    import sys

    primary, secondary = pty.openpty()
    try:
        subprocess.run([sys.executable, "-m", "lineage", *args], stdout=secondary, stderr=secondary,
                       timeout=60, check=False)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: all written and read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    return b"".join(chunks).decode("utf-8")


def test_control_characters_escaped_into_names_are_refused_where_written(tmp_path):
    """An ESC, BEL or lone CR in a name could recolour, retitle or hide a line of a terminal or CI log."""
    from helpers import edited

    text = edited(("  - {id: office, role: controller, country: FR}",
                   '  - {id: office, role: controller, country: FR, name: "Office\\e[2J\\rfake ok"}'),
                  ("  - id: cases\n", '  - id: cases\n    name: "Cases\\e]0;pwned\\a"\n'))
    result = run_cli("validate", _model(tmp_path, text))
    assert result.code == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    refused = [line for line in result.stderr.splitlines() if "error: control character" in line]
    assert [line.split(": error: ")[1].split(" (")[0] for line in refused] == [
        "control character U+001B", "control character U+001B"]
    assert [text.splitlines()[int(line.split(":")[1]) - 1].strip()[:12] for line in refused] == [
        "- {id: offic", "name: \"Cases"]


def test_control_characters_in_a_file_name_never_reach_the_terminal(tmp_path):
    """On a terminal, and always on stderr (CI logs), an ESC or lone CR in a path is shown as \\xNN."""
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "evil\x1b[2J\rname.yaml").write_text("fields: [x]\n", encoding="utf-8")
    shown = _on_a_terminal("validate", str(folder))
    assert "evil\\x1b[2J\\x0dname.yaml:1:" in shown and "\x1b[2J" not in shown
    assert "evil\\x1b[2J\\x0dname.yaml:1:" in run_cli("validate", str(folder)).stderr


# --------------------------------------------------------------------------- fuzz

#: What a hand or a bad merge leaves in a model file: YAML syntax, indentation, coercions, odd characters.
_DAMAGE = st.sampled_from([
    "", "\t", "\r", "\r\n", "\ufeff", "\x85", "\u2028", "\x1b", "- ", ": ", ",", "[", "]", "{", "}", '"', "'",
    "&a ", "*a", "<<: *a\n", "!!str ", "!x ", "? ", "#", "---\n", "...\n", "%YAML 1.1\n", "~", "NO", "012",
    "2024-01-01", "P-1Y", "9" * 30, "\n  - id: x\n", "\n    - ", "  ", "é",
]) | st.text(max_size=3)


def _values() -> dict[str, list[tuple[int, int]]]:
    """The spans of BASE's values (references, enums, numbers, durations) by the key they stand under."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in re.finditer(r"(?<=: |, )[\w.:-]+|(?<=\[)[\w.:-]+", BASE):
        line = BASE[BASE.rfind("\n", 0, m.start()) + 1:m.start()]
        spans.setdefault(re.findall(r"(\w+): ", line)[-1], []).append(m.span())
    return spans


_VALUES = _values()


@st.composite
def _damaged(draw) -> str:
    """BASE with values swapped for others of the same key (mostly valid, often odd: loops, a flow to
    itself, a processor of itself), or cut, filled or truncated anywhere."""
    if draw(st.booleans()):
        swaps = {}
        for _ in range(draw(st.integers(1, 3))):
            spans = _VALUES[draw(st.sampled_from(sorted(_VALUES)))]
            swaps[draw(st.sampled_from(spans))] = draw(st.sampled_from(spans))
        text = BASE
        for (start, end), (a, b) in sorted(swaps.items(), reverse=True):
            text = text[:start] + BASE[a:b] + text[end:]
        return text
    at, cut = draw(st.integers(0, len(BASE))), draw(st.integers(0, 40))
    return BASE[:at] + draw(_DAMAGE) + ("" if draw(st.booleans()) else BASE[at + cut:])


@settings(max_examples=80, deadline=None, derandomize=True)
@given(_damaged())
def test_a_damaged_model_is_located_errors_or_a_model_every_stage_takes(text):
    """Errors all located in the file, or a model that the lineage graph, the rules, every report
    format, the maps, trace, impact, the Art. 30 record and diff take without an exception."""
    from lineage import diff, ropa
    from lineage.impact import format_impact, impact
    from lineage.model import load_model_sources, model_from_text
    from lineage.outputs import FORMATS, render
    from lineage.pipeline import analyse
    from lineage.render import dot, mermaid
    from lineage.render.view import select
    from lineage.rules.engine import load_rules
    from lineage.trace import format_trace, trace

    try:
        model = load_model_sources([Source("flows/m.yaml", text.encode())])
    except InputErrors as exc:
        assert exc.errors and all(str(e).startswith("flows/m.yaml:") for e in exc.errors), exc.errors
        return
    ruleset, today = load_rules(), dt.date(2026, 1, 1)
    analysis = analyse(model, ruleset, today)
    for fmt in FORMATS:
        render(fmt, analysis)
    view = select(analysis)
    dot.to_dot(view), mermaid.to_mermaid(view)
    for fid in model.fields:
        format_trace(trace(analysis.lineage, fid), "json")
    for sid in model.systems:
        format_impact(impact(analysis.lineage, sid, ruleset.rules["RISK001"].params), "text")
    ropa.render(ropa.records(model), "csv")
    diff.render(diff.diff_models(analyse(model_from_text(BASE), ruleset, today), analysis), "json")
