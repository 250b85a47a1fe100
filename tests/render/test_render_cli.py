"""`lineage render`: every view in every format, outputs, missing dot, bad input (exit 2)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from helpers import REPO, run_cli

from .conftest import needs_dot

VIEWS = {
    "overview": [],
    "field": ["--field", "foreigner_id"],
    "system": ["--system", "trainer_crm", "--depth", "2"],
    "collapsed": ["--group", "organization"],
    "findings": ["--min-severity", "high"],
}
FLOWS = REPO / "flows"


@pytest.mark.parametrize(
    "fmt",
    [pytest.param("svg", marks=needs_dot), pytest.param("png", marks=needs_dot), "dot", "mermaid"],
)
@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_in_every_format(tmp_path, view, fmt):
    out = tmp_path / f"map.{fmt}"
    result = run_cli("render", FLOWS, "-f", fmt, "-o", out, *VIEWS[view])
    assert result.code == 0, result
    assert result.stderr.startswith(f"wrote {out}: Personal-data lineage")
    data = out.read_bytes()
    if fmt == "svg":
        ET.fromstring(data)
    elif fmt == "png":
        assert data.startswith(b"\x89PNG")
    elif fmt == "dot":
        assert data.startswith(b"digraph lineage {") and b"newrank" in data
    else:
        assert data.startswith(b"flowchart LR\n")


def test_dot_and_mermaid_go_to_stdout():
    result = run_cli("render", FLOWS, "--format", "dot")
    assert result.code == 0 and result.stdout.startswith("digraph lineage {"), result
    result = run_cli("render", FLOWS, "-f", "mermaid", "--field", "email")
    assert result.code == 0 and result.stdout.startswith("flowchart LR"), result
    assert result.stderr == ""


@needs_dot
def test_svg_goes_to_stdout_as_text():
    result = run_cli("render", FLOWS)
    assert result.code == 0, result
    assert result.stdout.startswith("<?xml") and 'id="system-trainer_crm"' in result.stdout


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("map.dot", "digraph"),
        ("map.gv", "digraph"),
        ("map.mmd", "flowchart LR"),
        ("map.md", "```mermaid\nflowchart LR"),
    ],
)
def test_format_follows_the_output_suffix(tmp_path, name, start):
    out = tmp_path / name
    assert run_cli("render", FLOWS, "-o", out).code == 0
    assert out.read_text(encoding="utf-8").startswith(start)


def test_missing_dot_exits_2_with_the_install_hint_while_dot_and_mermaid_work(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot on the PATH
    for fmt in ("svg", "png"):
        result = run_cli("render", FLOWS, "-f", fmt, "-o", tmp_path / f"map.{fmt}")
        assert result.code == 2, result
        assert "Graphviz 'dot' was not found" in result.stderr
        assert (
            "apt-get install graphviz" in result.stderr and "brew install graphviz" in result.stderr
        )
        assert "Traceback" not in result.stderr
        assert not (tmp_path / f"map.{fmt}").exists()
    for fmt in ("dot", "mermaid"):
        result = run_cli("render", FLOWS, "-f", fmt)
        assert result.code == 0, result


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--field", "foreigner"],
            "error: no field 'foreigner' in the model (did you mean 'foreigner_id'?)",
        ),
        (["--system", "trainer_crn"], "did you mean 'trainer_crm'?"),
        (["--field", "email", "--system", "trainer_crm"], "cannot be combined"),
        (["--depth", "2"], "--depth goes with --system"),
        (["--group", "country"], "--group must be one of organization"),
        (["--min-severity", "urgent"], "--min-severity must be one of"),
        (["--format", "gif"], "--format must be one of svg, png, dot, mermaid"),
        (["--format", "svg", "-o", "map.png"], "-o map.png names a png file but --format is svg"),
        (["-o", "map.jpg"], "cannot tell the format of map.jpg from its suffix"),
    ],
)
def test_misuse_exits_2(args, message):
    result = (
        run_cli("render", FLOWS, "-f", "dot", *args)
        if "--format" not in args and "-o" not in args
        else run_cli("render", FLOWS, *args)
    )
    assert result.code == 2, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_invalid_model_exits_2_with_every_error(tmp_path):
    model = tmp_path / "flows"
    model.mkdir()
    (model / "m.yaml").write_text("systems:\n  - id: a\n    organisation: x\n", encoding="utf-8")
    result = run_cli("render", model, "-f", "dot")
    assert result.code == 2, result
    assert "m.yaml:3:5: error: unknown key 'organisation'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_model_folder_exits_2(tmp_path):
    result = run_cli("render", tmp_path / "nothing", "-f", "mermaid")
    assert result.code == 2 and "Traceback" not in result.stderr, result


@pytest.mark.parametrize(("render_args", "other"), [
    (("--system", "nonexistent"), ("impact", "nonexistent")),
    (("--system", "trainer_crn"), ("impact", "trainer_crn")),
    (("--field", "natonality"), ("trace", "natonality")),
])
def test_unknown_ids_are_reported_as_impact_and_trace_report_them(render_args, other):
    result = run_cli("render", FLOWS, "-f", "dot", *render_args)
    assert result.code == 2 and result.stdout == "", result
    expected = run_cli(*other, FLOWS)
    assert expected.code == 2
    assert result.stderr == expected.stderr  # '<model>: error: no system ... (did you mean ...)'


@needs_dot
@pytest.mark.parametrize("view", ["overview", "collapsed"])
def test_each_element_links_to_the_line_that_declares_it(tmp_path, example, view):
    out = tmp_path / "docs" / "map.svg"
    assert run_cli("render", FLOWS, "-o", out, *VIEWS[view], cwd=REPO).code == 0
    svg_ns, xlink = "{http://www.w3.org/2000/svg}", "{http://www.w3.org/1999/xlink}href"
    model = example.model
    entities = {"system": model.systems, "flow": model.flows, "organization": model.organizations}
    linked = 0
    for group in ET.fromstring(out.read_bytes()).iter(svg_ns + "g"):
        kind, _, ident = (group.get("id") or "").partition("-")
        anchor = group.find(f".//{svg_ns}a[@{xlink}]")
        if kind not in entities or anchor is None:
            continue
        path, _, line = anchor.get(xlink).partition("#L")
        declared = entities[kind][ident].loc
        assert ((out.parent / path).resolve(), int(line)) == ((REPO / declared.file).resolve(), declared.line)
        linked += 1
    assert linked == (23 if view == "overview" else 4)  # 8 systems, 11 flows and 4 organizations; 4 organizations
