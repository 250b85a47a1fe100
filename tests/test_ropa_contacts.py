"""`lineage ropa`, item (a): contact details, DPO and representative (Art. 30(1)(a), 30(2)(a), 27, 37),
and the special-category conditions of a purpose in its legal basis."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from helpers import BASE, REPO, edited, run_cli, write_files

from lineage.ropa import COLUMNS

OFFICE = "  - {id: office, role: controller, country: FR}\n"
TRAINER = "  - id: trainer\n    role: processor\n    processor_for: office\n    country: FR\n"
CONTACT = "1 rue de l'Exemple, 75015 Paris, office@example.org"
DPO_HINT = ("none recorded; Art. 37(1)(b), (c) require one when core activities are large-scale regular and "
            "systematic monitoring, or large-scale Art. 9 or Art. 10 data")
REP_HINT = ("none recorded; Art. 27 requires one when Art. 3(2) applies (it offers goods or services to people "
            "in the Union, or monitors their behaviour there)")


def office(*lines: str, role: str = "controller", country: str = "FR") -> tuple[str, str]:
    body = "".join(f"    {line}\n" for line in lines)
    return OFFICE, f"  - id: office\n    name: Office\n    role: {role}\n    country: {country}\n{body}"


def trainer(*lines: str, country: str = "FR") -> tuple[str, str]:
    new = TRAINER.replace("country: FR", f"country: {country}").replace("role:", "name: Trainer\n    role:")
    return TRAINER, new + "".join(f"    {x}\n" for x in lines)


def ropa(tmp_path: Path, text: str, *args: str) -> str:
    write_files(tmp_path, {"flows/model.yaml": text})
    result = run_cli("ropa", tmp_path / "flows", *args, cwd=tmp_path)
    assert result.code == 0, result
    return result.stdout


def records(tmp_path: Path, text: str) -> dict[tuple[str, str], dict[str, str]]:
    """(view, organization) -> CSV row; the controller view keeps the record of purpose training."""
    out = {}
    for row in csv.DictReader(io.StringIO(ropa(tmp_path, text, "-f", "csv"), newline="")):
        if row["purpose"] in ("", "training"):
            out[(row["view"], row["organization"])] = row
    return out


def test_the_contact_columns_follow_country_on_every_row():
    assert COLUMNS[COLUMNS.index("country") + 1:COLUMNS.index("country") + 4] == ("contact", "dpo", "representative")
    assert COLUMNS.index("controllers_contact") == COLUMNS.index("controllers_served") + 1


def test_without_contact_details_the_contact_is_missing_and_dpo_representative_are_hints(tmp_path):
    recs = records(tmp_path, BASE)
    controller, processor = recs[("controller", "office")], recs[("processor", "trainer")]
    assert controller["contact"] == ("MISSING: contact of organization office (set contact: its address, email, "
                                     "phone; Art. 30(1)(a) requires it)")
    assert processor["contact"] == ("MISSING: contact of organization trainer (set contact: its address, email, "
                                    "phone; Art. 30(2)(a) requires it)")
    for rec in (controller, processor):
        assert rec["dpo"] == DPO_HINT  # not a gap: Art. 37(1)(b), (c) depend on facts the model does not hold
        assert rec["representative"] == "not needed: established in the EEA"
    assert processor["controllers_contact"] == (
        "MISSING: contact of organization office, the controller served (set contact: its address, email, "
        "phone; Art. 30(2)(a) requires it)")
    assert controller["controllers_contact"] == processor["joint_controllers"] == ""  # the other view's columns


def test_contact_details_fill_the_items_of_both_views(tmp_path):
    text = edited(office(f"contact: {CONTACT}", "dpo: dpo@office.example.org"),
                  trainer("contact: 2 avenue de l'Exemple, Lyon, trainer@example.org", "dpo: dpo@trainer.example.org"))
    recs = records(tmp_path, text)
    controller, processor = recs[("controller", "office")], recs[("processor", "trainer")]
    assert (controller["contact"], controller["dpo"]) == (CONTACT, "dpo@office.example.org")
    assert (processor["contact"], processor["dpo"]) == (
        "2 avenue de l'Exemple, Lyon, trainer@example.org", "dpo@trainer.example.org")
    assert processor["controllers_served"] == "Office (office), FR"
    assert processor["controllers_contact"] == (
        f"Office (office): {CONTACT}; data protection officer: dpo@office.example.org")
    md = ropa(tmp_path, text)
    assert "item(s) MISSING" not in md  # BASE fills every other item
    assert (
        "- **(a) Controller:** office\n- **(a) Name:** Office\n- **(a) Country:** FR\n"
        f"- **(a) Contact details:** {CONTACT}\n"
        "- **(a) Data protection officer:** dpo@office.example.org\n"
        "- **(a) Representative in the Union (Art. 27):** not needed: established in the EEA\n"
        "- **(a) Joint controllers:** none\n"
    ) in md
    assert (
        "- **(a) Controllers served:** Office (office), FR\n"
        f"- **(a) Contact details of the controllers served:** Office (office): {CONTACT}; "
        "data protection officer: dpo@office.example.org\n"
    ) in md


def test_each_missing_contact_is_counted_as_a_gap(tmp_path):
    contacts = (office(f"contact: {CONTACT}"), trainer("contact: trainer@example.org"))
    assert "item(s) MISSING" not in ropa(tmp_path, edited(*contacts))
    # office's contact: its two controller records, and the trainer's record of the controller it serves
    assert "**3 item(s) MISSING**" in ropa(tmp_path, edited(office(), contacts[1]))
    assert "**1 item(s) MISSING**" in ropa(tmp_path, edited(contacts[0], trainer()))


def test_a_public_authority_without_a_dpo_is_a_gap(tmp_path):
    recs = records(tmp_path, edited(office(f"contact: {CONTACT}", role="authority")))
    assert recs[("controller", "office")]["dpo"] == (
        "MISSING: dpo of organization office (set dpo: its contact; Art. 37(1)(a): a public authority must "
        "designate a data protection officer)")
    recs = records(tmp_path, edited(office(f"contact: {CONTACT}", "dpo: dpo@office.example.org", role="authority")))
    assert recs[("controller", "office")]["dpo"] == "dpo@office.example.org"


@pytest.mark.parametrize("country", ["US", "CH", "GB"])  # adequacy does not matter: Art. 27 is about establishment
def test_outside_the_eea_a_representative_is_a_hint_not_a_gap(tmp_path, country):
    recs = records(tmp_path, edited(office(country=country), trainer(country=country)))
    for key in (("controller", "office"), ("processor", "trainer")):
        assert recs[key]["representative"] == REP_HINT
        assert not recs[key]["representative"].startswith("MISSING")


@pytest.mark.parametrize("country", ["FR", "NO", "GP"])  # EU, EEA-EFTA, an outermost region
def test_in_the_eea_no_representative_is_needed(tmp_path, country):
    recs = records(tmp_path, edited(office(country=country)))
    assert recs[("controller", "office")]["representative"] == "not needed: established in the EEA"


def test_a_representative_is_shown_and_given_with_the_controller_served(tmp_path):
    text = edited(office(f"contact: {CONTACT}", "representative: Rep SARL, Paris, rep@example.org", country="US"),
                  trainer("representative: Rep GmbH, Berlin", country="US"))
    recs = records(tmp_path, text)
    assert recs[("controller", "office")]["representative"] == "Rep SARL, Paris, rep@example.org"
    assert recs[("processor", "trainer")]["representative"] == "Rep GmbH, Berlin"
    assert recs[("processor", "trainer")]["controllers_contact"] == (
        f"Office (office): {CONTACT}; representative in the Union: Rep SARL, Paris, rep@example.org")


def test_the_controllers_dpo_is_given_with_its_contact(tmp_path):
    text = edited(office(f"contact: {CONTACT}", "dpo: dpo@office.example.org"))
    assert records(tmp_path, text)[("processor", "trainer")]["controllers_contact"] == (
        f"Office (office): {CONTACT}; data protection officer: dpo@office.example.org")


SUBPROCESSOR = """\
  - id: saas
    name: SaaS
    role: subprocessor
    processor_for: trainer
    country: FR
systems:
  - id: lms
    organization: saas
"""


def test_a_subprocessor_record_names_the_processor_it_works_for_with_its_contact(tmp_path):
    processor = trainer("contact: trainer@example.org", "dpo: dpo@trainer.example.org")
    text = edited(office(f"contact: {CONTACT}"), processor, ("systems:\n", SUBPROCESSOR))
    recs = records(tmp_path, text)
    assert recs[("processor", "saas")]["controllers_served"] == "Office (office), FR (through trainer)"
    assert recs[("processor", "saas")]["controllers_contact"] == (
        f"Office (office): {CONTACT}; "
        "through processor Trainer (trainer): trainer@example.org; data protection officer: dpo@trainer.example.org")
    assert recs[("processor", "trainer")]["controllers_contact"] == f"Office (office): {CONTACT}"  # no one between
    # the processor's missing contact is a gap of its own record, not counted again in its subprocessor's
    recs = records(tmp_path, edited(office(f"contact: {CONTACT}"), ("systems:\n", SUBPROCESSOR)))
    assert recs[("processor", "saas")]["controllers_contact"].endswith(
        "through processor trainer: no contact recorded (see its own record)")


def test_a_processor_with_no_controller_has_no_second_gap_for_its_contact(tmp_path):
    recs = records(tmp_path, edited(("    processor_for: office\n", "")))
    trainer_rec = recs[("processor", "trainer")]
    assert trainer_rec["controllers_served"].startswith("MISSING: processor_for of trainer")
    assert trainer_rec["controllers_contact"] == "no controller found: see the controllers served"


def test_the_example_model_fills_item_a(tmp_path):
    result = run_cli("ropa", "flows", "--format", "csv", cwd=REPO)
    assert result.code == 0, result
    recs = {(r["view"], r["organization"]): r for r in csv.DictReader(io.StringIO(result.stdout, newline=""))}
    assert not any(r[c].startswith("MISSING") for r in recs.values()
                   for c in ("contact", "dpo", "representative", "controllers_contact"))
    assert recs[("controller", "dgef")]["dpo"]  # an authority: Art. 37(1)(a)
    assert recs[("processor", "learnhub")]["representative"] == REP_HINT  # US, none on record
    assert recs[("processor", "trainer")]["controllers_contact"].startswith(
        "Office français de l'immigration et de l'intégration (ofii): ")


# --- special conditions in the legal basis ------------------------------------------------------


@pytest.mark.parametrize(("condition", "said"), [
    ("h", "; special condition: Art. 9(2)(h)"),
    ("art10", "; special condition: Art. 10"),
    ("[h, art10]", "; special conditions: Art. 9(2)(h), Art. 10"),
    ("none", ""),
])
def test_the_legal_basis_names_every_special_condition(tmp_path, condition, said):
    text = edited(("  - id: training\n    legal_basis: public_task\n",
                   f"  - id: training\n    legal_basis: public_task\n    special_condition: {condition}\n"))
    recs = records(tmp_path, text)
    assert recs[("controller", "office")]["legal_basis"] == "public_task (Art. 6(1)(e))" + said
