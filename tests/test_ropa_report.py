"""`lineage ropa` (Art. 30 records, Markdown and CSV) and `lineage report` (self-contained HTML)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import BASE, REPO, edited, run_cli, write_files

from lineage.model import load_model
from lineage.ropa import COLUMNS

TODAY = "2026-06-01"
SECURE = "encryption_at_rest: true, mfa: true, access_logging: true"
HAS_DOT = shutil.which("dot") is not None


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def example_csv(*args: str) -> list[dict[str, str]]:
    result = run_cli("ropa", "flows", "--format", "csv", *args, cwd=REPO)
    assert result.code == 0, result
    return rows(result.stdout)


def model_dir(tmp_path: Path, text: str, extra: str = "") -> Path:
    files = {"flows/model.yaml": text}
    if extra:
        files["flows/extra.yaml"] = extra
    write_files(tmp_path, files)
    return tmp_path / "flows"


# --- ropa on the example model -----------------------------------------------------


def test_controller_record_of_ofii_lists_purposes_with_legal_bases():
    recs = {r["purpose"]: r for r in example_csv("--view", "controller", "--organization", "ofii")}
    assert sorted(recs) == [
        "attendance_reporting",
        "cir_management",
        "civic_training",
        "language_training",
        "statistics",
    ]
    for rec in recs.values():
        assert rec["view"] == "controller"
        assert rec["organization"] == "ofii"
        assert rec["organization_name"] == "Office français de l'immigration et de l'intégration"
        assert rec["country"] == "FR"
        assert rec["legal_basis"] == "public_task (Art. 6(1)(e))"
        assert rec["data_subjects"].startswith("cir_signatories (vulnerable")


def test_controller_record_recipients_transfers_and_retention():
    language = next(
        r for r in example_csv("--view", "controller") if r["purpose"] == "language_training"
    )
    trainer = "Langues et Citoyenneté Formation SAS (trainer): processor, FR"
    assert trainer in language["recipients"]
    assert "LearnHub Inc. (learnhub): subprocessor, US, third country" in language["recipients"]
    assert "learnhub_lms (LearnHub Inc., US)" in language["transfers"]
    assert "via crm-to-lms" in language["transfers"]
    assert "safeguard none recorded" in language["transfers"]
    limits = language["erasure_time_limits"].split("; ")
    assert "purpose language_training: at most P2Y" in limits
    assert "flow cir-to-trainer-language into trainer_crm: P5Y" in limits
    assert (
        "MISSING: retention of flow crm-rosters-to-mailbox or of system trainer_mailbox" in limits
    )
    # per category (Art. 30(1)(f)): the longest limit of a place keeping it; none where one keeps it for ever
    assert "category training.attendance: up to P2Y (flow planning-attendance-to-crm)" in limits
    assert "category identity.dob_age: up to P5Y (flow cir-to-trainer-language)" in limits
    assert "category nationality: no limit set (flow crm-rosters-to-mailbox)" in limits
    assert (
        "system trainer_crm: encryption at rest, no MFA, no access logging"
        in language["security_measures"]
    )
    assert (
        "flow crm-rosters-to-mailbox (email): not encrypted in transit"
        in language["security_measures"]
    )
    records = {(r["organization"], r["purpose"]): r for r in example_csv("--view", "controller")}
    statistics = records[("ofii", "statistics")]
    # dgef, a public authority, is the controller of what it receives: a record of its own
    assert records[("dgef", "statistics")]["recipients"] == "none"
    assert (
        statistics["recipients"]
        == "Direction générale des étrangers en France (dgef): authority, FR"
    )
    assert statistics["transfers"] == "none"


def test_processor_record_of_trainer_names_ofii():
    (trainer,) = example_csv("--view", "processor", "--organization", "trainer")
    assert (
        trainer["controllers_served"]
        == "Office français de l'immigration et de l'intégration (ofii), FR"
    )
    assert (
        "for ofii: civic_training (public_task): receives on cir-to-trainer-civic"
        in trainer["processing"]
    )
    assert "via crm-to-lms: safeguard none recorded" in trainer["transfers"]
    # Art. 30(2)(b): compiling and sending attendance for ofii is processing too
    assert "for ofii: attendance_reporting (public_task): sends on trainer-attendance-to-ofii" in trainer["processing"]
    (learnhub,) = example_csv("--view", "processor", "--organization", "learnhub")
    assert learnhub["controllers_served"].endswith("(ofii), FR (through trainer)")
    assert ("hosted there: safeguard none recorded; US adequacy covers organisations certified under the "
            "EU-US Data Privacy Framework only") in learnhub["transfers"]


def test_markdown_has_a_section_per_record():
    result = run_cli("ropa", "flows", cwd=REPO)
    assert result.code == 0, result
    out = result.stdout
    assert out.count("\n### Controller ofii, purpose ") == 5
    assert "\n### Processor trainer\n" in out and "\n### Processor learnhub\n" in out
    assert out.index("## Controller records (Art. 30(1))") < out.index(
        "## Processor records (Art. 30(2))"
    )
    assert "- **(b) Legal basis:** public_task (Art. 6(1)(e))" in out
    ofii = "Office français de l'immigration et de l'intégration (ofii), FR"
    assert f"- **(a) Controllers served:** {ofii}\n" in out
    assert "safeguard none recorded" in out


def test_csv_has_the_same_columns_on_every_row(tmp_path):
    out = tmp_path / "ropa.csv"
    result = run_cli("ropa", "flows", "--format", "csv", "-o", out, cwd=REPO)
    assert result.code == 0, result
    data = out.read_bytes().decode("utf-8")
    assert data.count("\r\n") == data.count("\n") and data.endswith("\r\n")  # RFC 4180 line ends
    table = list(csv.reader(io.StringIO(data, newline="")))
    assert tuple(table[0]) == COLUMNS
    assert len(table) == 1 + 6 + 2
    assert {len(row) for row in table} == {len(COLUMNS)}
    assert [(r[0], r[1]) for r in table[1:]] == [("controller", "dgef")] + [("controller", "ofii")] * 5 + [
        ("processor", "learnhub"),
        ("processor", "trainer"),
    ]


def test_ropa_is_deterministic(tmp_path):
    first = run_cli("ropa", "flows", "-f", "csv", "-o", tmp_path / "a.csv", cwd=REPO)
    second = run_cli("ropa", "flows", "-f", "csv", "-o", tmp_path / "b.csv", cwd=REPO)
    assert first.code == second.code == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# --- gaps ---------------------------------------------------------------------------------


def test_missing_items_are_named(tmp_path):
    text = edited(
        ("  - id: training\n    legal_basis: public_task\n", "  - id: training\n"),
        ("    max_retention: P2Y\n", ""),
        ("    retention: P1Y\n    security: {" + SECURE + "}\n", ""),
        ("    retention: P1Y\n    fields:", "    fields:"),
        (
            "  - {id: office, role: controller, country: FR}",
            "  - {id: office, name: Office, role: controller, country: FR}",
        ),
    )
    result = run_cli("ropa", model_dir(tmp_path, text), "-f", "csv", cwd=tmp_path)
    assert result.code == 0, result
    recs = {(r["view"], r["organization"], r["purpose"]): r for r in rows(result.stdout)}
    training = recs[("controller", "office", "training")]
    assert training["legal_basis"].startswith("MISSING: legal_basis of purpose training")
    assert "MISSING: max_retention of purpose training" in training["erasure_time_limits"]
    assert (
        "MISSING: retention of flow cases-to-crm or of system crm"
        in training["erasure_time_limits"]
    )
    assert "MISSING: security of system crm" in training["security_measures"]
    assert recs[("controller", "office", "casework")]["legal_basis"] == "public_task (Art. 6(1)(e))"
    trainer = recs[("processor", "trainer", "")]
    assert trainer["organization_name"] == "MISSING: name of organization trainer"
    assert "training (MISSING legal_basis)" in trainer["processing"]
    md = run_cli("ropa", tmp_path / "flows", cwd=tmp_path).stdout
    assert "item(s) MISSING" in md
    assert "- **(b) Legal basis:** MISSING: legal_basis of purpose training" in md


def test_broken_chain_and_purposeless_flow(tmp_path):
    text = edited(("    processor_for: office\n", ""), ("    purpose: training\n", ""))
    result = run_cli("ropa", model_dir(tmp_path, text), "-f", "csv", cwd=tmp_path)
    assert result.code == 0, result
    recs = {(r["view"], r["organization"], r["purpose"]): r for r in rows(result.stdout)}
    assert recs[("processor", "trainer", "")]["controllers_served"].startswith(
        "MISSING: processor_for of trainer"
    )
    assert recs[("processor", "trainer", "")]["processing"] == (
        "MISSING: purpose of flow cases-to-crm (inbound to crm)"
    )
    gap = recs[("controller", "office", "MISSING: purpose of flow cases-to-crm")]
    assert gap["legal_basis"] == "MISSING: purpose of flow cases-to-crm"
    assert gap["recipients"] == "trainer: processor, FR"


def test_joint_controllers_name_each_other(tmp_path):
    extra = """\
    organizations:
      - {id: partner, name: Partner, role: joint_controller, country: BE}
    systems:
      - id: shared
        organization: partner
        collects: [{subject: migrants, purpose: casework, fields: [full_name]}]
    """
    text = edited(("{id: office, role: controller", "{id: office, role: joint_controller"))
    result = run_cli(
        "ropa", model_dir(tmp_path, text, extra), "-f", "csv", "--view", "controller", cwd=tmp_path
    )
    assert result.code == 0, result
    recs = {(r["organization"], r["purpose"]): r for r in rows(result.stdout)}
    assert recs[("office", "casework")]["joint_controllers"] == "Partner (partner), BE"
    assert recs[("partner", "casework")]["joint_controllers"] == "office, FR"
    assert recs[("office", "training")]["joint_controllers"].startswith(
        "MISSING: the other joint controller"
    )


def test_a_controller_and_a_joint_controller_name_each_other_when_data_pass_between_them(tmp_path):
    extra = """\
    organizations:
      - {id: partner, name: Partner, role: joint_controller, country: BE}
      - {id: other, name: Other, role: controller, country: DE}
      - {id: indep, name: Independent, role: controller, country: DE}
    systems:
      - id: shared
        organization: partner
        collects: [{subject: migrants, purpose: casework, fields: [full_name]}]
      - id: own
        organization: other
        collects: [{subject: migrants, purpose: training, fields: [email]}]
      - id: alone
        organization: indep
        collects: [{subject: migrants, purpose: casework, fields: [email]}]
    flows:
      - {id: shared-to-cases, from: shared, to: cases, purpose: casework, fields: [full_name]}
    """
    result = run_cli(
        "ropa", model_dir(tmp_path, BASE, extra), "-f", "csv", "--view", "controller", cwd=tmp_path
    )
    assert result.code == 0, result
    joint = {(r["organization"], r["purpose"]): r["joint_controllers"] for r in rows(result.stdout)}
    assert joint == {
        ("office", "casework"): "Partner (partner), BE",
        ("partner", "casework"): "office, FR",
        # indep processes casework too, but exchanges nothing with partner: an independent controller
        ("indep", "casework"): "none",
        # two controllers, neither joint, each process training: independent controllers
        ("office", "training"): "none",
        ("other", "training"): "none",
    }


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1 Agency", "'+1 Agency"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("Acme = good", "Acme = good"),
    ],
)
def test_csv_cells_cannot_start_a_formula(tmp_path, name, cell):
    quoted = json.dumps(name)  # a JSON string is a YAML double-quoted scalar
    text = edited(
        ("{id: office, role: controller", f"{{id: office, name: {quoted}, role: controller"),
        ("    processor_for: office\n", f"    name: {quoted}\n    processor_for: office\n"),
    )
    result = run_cli("ropa", model_dir(tmp_path, text), "-f", "csv", cwd=tmp_path)
    assert result.code == 0, result
    recs = {(r["view"], r["organization"], r["purpose"]): r for r in rows(result.stdout)}
    assert recs[("controller", "office", "training")]["organization_name"] == cell
    trainer = recs[("processor", "trainer", "")]
    assert trainer["organization_name"] == cell
    # a cell made of several values starts with the name too
    assert trainer["controllers_served"] == f"{cell} (office), FR"
    training = recs[("controller", "office", "training")]
    assert training["recipients"] == f"{cell} (trainer): processor, FR"
    # Markdown is not a spreadsheet: it keeps the name as written
    md = run_cli("ropa", tmp_path / "flows", cwd=tmp_path).stdout
    assert "'" + name not in md


def test_csv_quotes_hostile_text(tmp_path):
    name = 'Acme, "Quoted"\nsecond line'
    text = edited(
        (
            "{id: office, role: controller",
            ('{id: office, name: "Acme, \\"Quoted\\"\\nsecond line", role: controller'),
        )
    )
    result = run_cli(
        "ropa", model_dir(tmp_path, text), "-f", "csv", "--view", "controller", cwd=tmp_path
    )
    assert result.code == 0, result
    assert {r["organization_name"] for r in rows(result.stdout)} == {name}
    md = run_cli("ropa", tmp_path / "flows", "--view", "controller", cwd=tmp_path).stdout
    assert 'Acme, "Quoted" second line' in md


@pytest.mark.parametrize(
    "args",
    [
        ["ropa", "nowhere"],
        ["ropa", "flows", "--format", "xml"],
        ["ropa", "flows", "--view", "auditor"],
        ["ropa", "flows", "--organization", "ofi"],
        ["report", "nowhere"],
        ["report", "flows", "--rules", "nowhere"],
    ],
)
def test_bad_input_exits_2(args):
    result = run_cli(*args, cwd=REPO)
    assert result.code == 2, result
    assert "error" in result.stderr


def test_invalid_model_exits_2_with_locations(tmp_path):
    folder = model_dir(
        tmp_path, edited(("retention: P5Y\n    security", "retension: P5Y\n    security"))
    )
    for command in ("ropa", "report"):
        result = run_cli(command, folder, cwd=tmp_path)
        assert result.code == 2, result
        assert "model.yaml:" in result.stderr and "did you mean 'retention'" in result.stderr


# --- the HTML report ---------------------------------------------------------------------

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Checker(HTMLParser):
    """Check what the report emits: balanced tags, unique ids, in-page links, nothing external."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def _attrs(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
            if name in ("src", "href", "xlink:href", "srcset", "action", "data"):
                self.links.append(value or "")
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style" and "url(" in (value or ""):
                self.problems.append(f"url() in style of <{tag}>")

    def handle_starttag(self, tag, attrs):
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._attrs(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_html(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    assert checker.doctype == "DOCTYPE html"
    assert not checker.problems, checker.problems[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    assert (
        not {"script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignobject"}
        & checker.tags
    )
    for link in checker.links:
        assert link.startswith("#"), link
        assert link[1:] in checker.ids, f"dangling anchor {link}"
    style = page[page.index("<style>") : page.index("</style>")]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    return checker


def write_report(cwd: Path, model, out: Path, *extra: str):
    result = run_cli("report", model, "-o", out, "--today", TODAY, *extra, cwd=cwd)
    assert result.code == 0, result
    return result, out.read_text(encoding="utf-8")


def test_report_of_the_example_model(tmp_path):
    result, page = write_report(REPO, "flows", tmp_path / "report.html")
    assert result.stdout == ""
    assert f"wrote {tmp_path / 'report.html'}" in result.stderr
    checker = check_html(page)
    text = "".join(checker.text)
    for part in (
        "summary",
        "map",
        "findings",
        "waived",
        "systems",
        "ropa",
        "details-trainer_crm",
        "ropa:controller:ofii:language_training",
        "ropa:processor:trainer",
    ):
        assert part in checker.ids, part
    # findings, open and waived (with the waiver's reason)
    assert "RISK001 high-risk-node" in text and "system:trainer_crm" in text
    assert "XFER001 unsafe-transfer" in text and "flows/systems/learnhub.yaml:5:5" in text
    waived = page[page.index('id="waived"') : page.index('id="systems"')]
    assert "MIN001" in waived and "Civic sessions are held in the signatory" in waived
    # per-system details and the Art. 30 record
    crm = page[page.index('id="details-trainer_crm"') : page.index('id="details-trainer_mailbox"')]
    assert "Learner CRM" in crm and "Langues et Citoyenneté Formation SAS" in crm
    assert "internet" in crm
    assert (
        "no MFA" in crm
        and "Exposure score" in crm
        and "flow <code>cir-to-trainer-language</code>" in crm
    )
    assert "safeguard none recorded" in page and "public_task (Art. 6(1)(e))" in page
    if HAS_DOT:
        assert "system-trainer_crm" in checker.ids and "flow-crm-to-lms" in checker.ids
        assert "<svg" in page
        # each system of the map links to its details in the page
        links = set(re.findall(r'xlink:href="#(details-[^"]+)"', page))
        assert links == {f"details-{sid}" for sid in load_model(REPO / "flows").systems} and links <= set(checker.ids)
    else:
        assert "the map is left out" in page.lower()


def test_report_is_byte_identical_across_runs(tmp_path):
    _, first = write_report(REPO, "flows", tmp_path / "a.html")
    _, second = write_report(REPO, "flows", tmp_path / "b.html")
    assert first == second


def test_report_to_stdout(tmp_path):
    result = run_cli("report", "flows", "--today", TODAY, cwd=REPO)
    assert result.code == 0, result
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.endswith("</html>\n")


def test_report_without_dot_still_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result, page = write_report(REPO, "flows", tmp_path / "report.html")
    assert "note: the map is left out: Graphviz 'dot' was not found" in result.stderr
    check_html(page)
    assert '<p class="note">' in page and "<svg" not in page
    assert "RISK001" in page


HOSTILE = "<script>alert(1)</script>"


def test_report_escapes_model_strings(tmp_path):
    text = edited(
        ("{id: office, role: controller", f'{{id: office, name: "{HOSTILE}", role: controller'),
        (
            "  - id: crm\n",
            (
                f'  - id: crm\n    name: "\\"><img src=x onerror=alert(1)>"\n'
                f'    description: "{HOSTILE} & more"\n'
            ),
        ),
        ("  - id: training\n", '  - id: training\n    name: "<b>bold</b>"\n'),
    )
    extra = f"""\
    waivers:
      - rule: RISK002
        target: system:cases
        reason: "{HOSTILE} accepted"
        expires: 2099-01-01
    """
    folder = model_dir(tmp_path, text, extra)
    _, page = write_report(tmp_path, folder, tmp_path / "report.html")
    checker = check_html(page)
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    text_content = "".join(checker.text)
    assert HOSTILE in text_content and f"{HOSTILE} accepted" in text_content
    md = run_cli("ropa", folder, cwd=tmp_path).stdout
    assert "<script>" not in md and r"\<script\>" in md


def test_ropa_and_report_help_stay_light():
    """`ropa` builds the lineage graph (whose data subjects' data each flow carries) but loads no rich or
    graphviz; `--help` of both loads none of them."""
    probe = (
        "import json, sys\nsys.argv = ['lineage', *json.loads(sys.argv[1])]\n"
        "from lineage.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n')\n"
    )
    for args in (["ropa", "flows"], ["ropa", "--help"], ["report", "--help"]):
        proc = subprocess.run(
            [sys.executable, "-c", probe, json.dumps(args)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
        heavy_here = ("rich", "graphviz") if args == ["ropa", "flows"] else ("networkx", "rich", "graphviz")
        heavy = sorted(m for m in json.loads(line[8:]) if m.split(".")[0] in heavy_here)
        assert not heavy, f"{args} imported {heavy[:5]}"


def test_report_retention_falls_back_to_the_inbound_flows():
    from helpers import lineage_of

    from lineage.report import _retention

    text = edited(("    retention: P1Y\n    security", "    security"))
    assert _retention(lineage_of(text), "crm") == "none for the system; per inbound flow: <code>cases-to-crm</code> P1Y"
    assert _retention(lineage_of(text), "cases") == "P5Y"
    extra = text.replace("    retention: P1Y\n    fields", "    fields") + (
        "  - {id: cases-again, from: cases, to: crm, fields: [email]}\n")
    assert _retention(lineage_of(extra), "crm") == '<span class="missing">not recorded</span>'
    extra = extra.replace("fields: [email]}", "fields: [email], retention: P6M}")
    assert _retention(lineage_of(extra), "crm") == (
        'none for the system; per inbound flow: <code>cases-again</code> P6M, '
        '<code>cases-to-crm</code> <span class="missing">none</span>')


def test_ropa_takes_rules_like_every_command(tmp_path):
    write_files(tmp_path, {"bad/r.yaml": "rules:\n  - id: NOPE\n", "good/r.yaml": "settings: {fail_on: low}\n"})
    result = run_cli("ropa", str(REPO / "flows"), "--rules", str(tmp_path / "bad"))
    assert result.code == 2 and "r.yaml:2:9: error: no check named 'NOPE'" in result.stderr
    assert run_cli("ropa", str(REPO / "flows"), "--rules", str(tmp_path / "good")).code == 0


def test_a_record_names_the_people_whose_data_its_flows_carry_not_whoever_shares_a_field_id(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text("""\
fields:
  - {id: email, category: contact.personal}
  - {id: health_note, category: health}
subjects:
  - {id: patients, vulnerable: true, population: 5000}
  - {id: newsletter, population: 200000}
purposes:
  - {id: care, legal_basis: public_task, special_condition: h, needs: [email, health_note]}
  - {id: marketing, legal_basis: consent, needs: [email]}
organizations:
  - {id: hosp, role: controller, country: FR}
  - {id: mailer, role: processor, processor_for: hosp, country: FR, dpa: {signed: true}}
systems:
  - {id: ehr, organization: hosp, collects: [{subject: patients, purpose: care, fields: [email, health_note]}]}
  - {id: signup, organization: hosp, collects: [{subject: newsletter, purpose: marketing, fields: [email]}]}
  - {id: mailtool, organization: mailer}
  - {id: stats, organization: hosp}
flows:
  - {id: signup-to-mailtool, from: signup, to: mailtool, purpose: marketing, fields: [email]}
  - {id: ehr-to-stats, from: ehr, to: stats, purpose: care, fields: [{field: health_note, form: aggregated}]}
""", encoding="utf-8")
    result = run_cli("ropa", model, "-f", "csv", "--view", "controller", cwd=tmp_path)
    assert result.code == 0, result
    subjects = {r["purpose"]: r["data_subjects"] for r in rows(result.stdout)}
    assert subjects == {"care": "patients (vulnerable, about 5000 people)",
                        "marketing": "newsletter (about 200000 people)"}


def test_an_unknown_organization_is_reported_like_an_unknown_field_or_system():
    result = run_cli("ropa", "flows", "--organization", "ofi", cwd=REPO)
    assert result.code == 2
    assert result.stderr == "flows: error: no organization 'ofi' in the model (did you mean 'ofii'?)\n"
    assert run_cli("trace", "natonality", "flows", cwd=REPO).stderr.startswith("flows: error: no field 'natonality'")


def test_report_reuses_the_lineage_graph_of_the_analysis(monkeypatch):
    import datetime as dt

    import lineage.graph
    from lineage import report
    from lineage.pipeline import analyse_folder

    analysis = analyse_folder(REPO / "flows", today=dt.date.fromisoformat(TODAY))
    built = []
    monkeypatch.setattr(lineage.graph, "build", lambda model: built.append(model))
    assert report.render(analysis).startswith("<!DOCTYPE html>")
    assert built == []


def test_fail_on_missing_makes_a_gap_in_the_record_exit_1(tmp_path):
    gap = run_cli("ropa", "flows", "--fail-on-missing", "-o", str(tmp_path / "r.md"), cwd=REPO)
    assert gap.code == 1 and "1 item of the record MISSING" in gap.stderr  # trainer_mailbox keeps data with no limit
    assert "MISSING: retention of flow crm-rosters-to-mailbox" in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert run_cli("ropa", "flows", cwd=REPO).code == 0  # without it, a record with gaps is still written, exit 0
    complete = run_cli("ropa", "flows", "--fail-on-missing", "--view", "processor", "--organization", "trainer",
                       cwd=REPO)
    assert complete.code == 0, complete
