"""Hostile names: valid DOT, valid XML SVG, Mermaid without raw quotes or brackets."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.model import model_from_text
from lineage.pipeline import analyse, load_ruleset
from lineage.render import dot, mermaid
from lineage.render.view import select

from .conftest import SVG, groups, needs_dot, texts

HOSTILE = (
    "Tom & Jerry <b>\"quoted\"</b> 'single' back\\slash {brace} [bracket] (paren) |pipe| #hash; "
    "&amp; &foo; &#1; %% end \\N \\l\nsecond line\ttab"
)


def _model(text: str = HOSTILE):
    q = json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar
    return model_from_text(
        textwrap.dedent(f"""\
        fields:
          - {{id: full_name, category: identity.name, description: {q}}}
          - {{id: email, category: contact.personal}}
        subjects: [{{id: people, name: {q}, vulnerable: true}}]
        purposes: [{{id: service, name: {q}, legal_basis: contract, needs: [full_name]}}]
        organizations:
          - {{id: acme, name: {q}, role: controller, country: FR, description: {q}}}
          - id: far
            name: {q}
            role: processor
            processor_for: acme
            country: US
            dpa: {{signed: true, reference: {q}}}
        systems:
          - id: end
            name: {q}
            description: {q}
            organization: acme
            type: database
            collects: [{{subject: people, purpose: service, fields: [full_name, email]}}]
          - {{id: a.b-c, name: {q}, organization: far, type: saas, exposure: internet}}
        flows:
          - id: end-to-abc
            from: end
            to: a.b-c
            purpose: service
            description: {q}
            channel: email
            encrypted: false
            fields: [full_name, {{field: email, form: hashed}}]
        """)
    )


@pytest.fixture(scope="module")
def hostile():
    model = _model()
    return analyse(model, load_ruleset())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a "b"', '"a \\"b\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("line\nbreak", '"line\\nbreak"'),
        ("\\N", '"\\\\N"'),
        ("x & <y>", '"x &amp; <y>"'),
        ("{[(|)]}", '"{[(|)]}"'),
        ("tab\tbell\x07", '"tab bell "'),
        ("crlf\r\nend", '"crlf\\nend"'),
    ],
)
def test_quote(text, expected):
    assert dot.quote(text) == expected


@pytest.mark.parametrize("tooltip", [False, True])
@given(st.lists(st.text(alphabet='a&"\\\né<', max_size=60), max_size=900))
@settings(max_examples=40, deadline=None)
def test_a_quoted_string_stays_within_graphviz_limit(tooltip, lines):
    text = "\n".join(lines)
    quoted = dot.quote(text, tooltip)
    assert len(quoted.encode("utf-8")) <= 16_384
    if len(quoted) < dot.MAX_DOT_STRING:  # short texts are kept whole
        assert quoted == '"' + dot._escape(dot.clean(text), tooltip) + '"'
    else:
        assert quoted.endswith('more characters not shown"')
    body = quoted[1:-1].replace("\\\\", "")  # an escape is never split at the cut
    assert not body.endswith("\\") and body.count('"') == body.count('\\"')


@needs_dot
def test_a_system_holding_thousands_of_fields_renders(tmp_path):
    names = [f"field_{i:04d}_with_a_long_descriptive_name" for i in range(3000)]
    listed = ", ".join(names)
    model = model_from_text(textwrap.dedent(f"""\
        fields: [{", ".join(f"{{id: {n}, category: identity.name}}" for n in names)}]
        subjects: [{{id: s}}]
        purposes: [{{id: p, legal_basis: contract, needs: [{names[0]}], max_retention: P1Y}}]
        organizations: [{{id: o, role: controller, country: FR}}]
        systems:
          - {{id: a, organization: o, type: database, retention: P1Y,
              collects: [{{subject: s, purpose: p, fields: [{listed}]}}]}}
          - {{id: b, organization: o, type: database, retention: P1Y}}
        flows: [{{id: ab, from: a, to: b, purpose: p, fields: [{listed}]}}]
        """))
    svg = dot.render(select(analyse(model, load_ruleset())), "svg")
    assert {"system-a", "system-b", "flow-ab"} <= groups(svg).keys()
    assert b"more characters not shown" in svg


def test_html_and_mermaid_text():
    assert dot.html('<b>&"') == "&lt;b&gt;&amp;&quot;"
    assert mermaid.text('a"b') == "a#quot;b"
    assert mermaid.text("#quot;") == "#35;quot;"


def test_dot_text_is_well_formed(hostile):
    source = dot.to_dot(select(hostile))
    # every line of the DOT is balanced in quotes once escapes are removed
    for line in source.splitlines():
        if "<<TABLE" in line:
            continue
        assert line.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 0, line
    assert "\t" not in source


@needs_dot
def test_dot_accepts_it_and_svg_is_xml_with_the_names_intact(hostile):
    source = dot.to_dot(select(hostile))
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr
    svg = dot.render(select(hostile), "svg")
    ids = groups(svg)  # parses as XML
    assert {"system-end", "system-a.b-c", "flow-end-to-abc", "organization-acme"} <= ids.keys()
    lines = texts(svg, "system-end")
    shown = " ".join(lines)
    for piece in (
        'Tom & Jerry <b>"quoted"</b>',
        "'single'",
        "back\\slash",
        "{brace}",
        "[bracket]",
        "(paren)",
        "|pipe|",
        "#hash;",
        "&amp; &foo; &#1;",
        "%% end \\N \\l",
    ):
        assert piece in shown, piece
    assert any(line.startswith("second line") for line in lines)


BACKSLASHES = "Share \\\\srv\\Nantes\\Gen\\Lyon \\E\\T\\H\\L\\G\\n\\l\\r\\\\ and\\"


def tooltips(svg: bytes) -> dict[str, str]:
    """The tooltip of each SVG element, by id: Graphviz wraps it in ``<g id="a_<id>"><a xlink:title>``.

    Graphviz writes runs of spaces as no-break spaces; they are read back as spaces.
    """
    root = ET.fromstring(svg)
    return {
        g.get("id")[2:]: g.find(f"{SVG}a").get("{http://www.w3.org/1999/xlink}title").replace("\xa0", " ")
        for g in root.iter(f"{SVG}g")
        if (g.get("id") or "").startswith("a_")
    }


@pytest.fixture(scope="module")
def backslashes():
    return analyse(_model(BACKSLASHES), load_ruleset())


@needs_dot
def test_tooltips_show_backslashes_as_written(backslashes):
    m = select(backslashes)
    svg = dot.render(m, "svg")
    tips = tooltips(svg)
    assert tips["system-end"] == dot.system_tooltip(m, "end")
    assert tips["flow-end-to-abc"] == tips["flow-end-to-abc-label"] == dot.flow_tooltip(m, "end-to-abc")
    assert tips["organization-acme"] == dot.org_tooltip(m, "acme")
    assert f"\n{BACKSLASHES}\n" in tips["system-end"]  # the description
    assert f"purpose: {BACKSLASHES}, legal basis" in tips["flow-end-to-abc"]
    assert f"organization acme: {BACKSLASHES}\n" in tips["organization-acme"]
    assert "\\\\srv\\Nantes\\Gen\\Lyon" in " ".join(texts(svg, "system-end"))  # labels as before


@needs_dot
def test_collapsed_tooltips_show_backslashes_as_written(backslashes):
    m = select(backslashes, group="organization")
    tips = tooltips(dot.render(m, "svg"))
    assert tips["organization-acme"].startswith(dot.org_tooltip(m, "acme") + "\nsystems: end (score")
    assert dot.png_size(dot.render(m, "png")) > (0, 0)


@needs_dot
@pytest.mark.parametrize("group", [None, "organization"])
def test_png_and_collapsed_survive_hostile_names(hostile, group):
    m = select(hostile, group=group)
    assert dot.render(m, "png").startswith(b"\x89PNG")
    groups(dot.render(m, "svg"))


@pytest.mark.parametrize("group", [None, "organization"])
def test_mermaid_has_no_raw_quotes_or_brackets_in_labels(hostile, group):
    text = mermaid.to_mermaid(select(hostile, group=group))
    assert text.startswith("flowchart LR\n")
    for line in text.splitlines():
        assert line.count('"') in (0, 2), line
        assert not re.match(r"\s*end\b", line) or line.strip() == "end", line
    labels = re.findall(r'"([^"]*)"', text)
    assert labels
    for label in labels:
        bare = label.replace("<br>", "")
        assert not set(bare) & set("[](){}|<>&`"), label
    assert "Tom #amp; Jerry #lt;b#gt;#quot;quoted#quot;#lt;/b#gt;" in text
    assert "#91;bracket#93; #40;paren#41; #124;pipe#124; #35;hash;" in text
    # node ids are generated, never a user id such as "end"
    ids = set(re.findall(r"^\s*(\w+)[\[\(>{]", text, flags=re.MULTILINE))
    assert ids and all(re.fullmatch(r"(sys|org)_\d+", i) for i in ids - {"subgraph"})
