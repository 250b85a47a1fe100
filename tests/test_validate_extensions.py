"""Validation of the optional model keys: organization contact, dpo, representative (Art. 30(1)(a),
37, 27) and several special-category conditions per purpose (``special_condition: [h, art10]``)."""

from __future__ import annotations

import re

import pytest
from helpers import BASE, edited

from lineage.errors import InputErrors
from lineage.model import model_from_text
from lineage.model.schema import json_schema

OFFICE = "  - {id: office, role: controller, country: FR}\n"
TRAINING = "  - id: training\n    legal_basis: public_task\n"


def messages(text: str) -> list[str]:
    with pytest.raises(InputErrors) as info:
        model_from_text(text)
    return [str(e) for e in info.value.errors]


def at(text: str, line_text: str, column_of: str) -> str:
    """``model.yaml:LINE:COL`` of `column_of` on the line that is `line_text`."""
    lines = text.splitlines()
    line = lines.index(line_text)
    return f"model.yaml:{line + 1}:{lines[line].index(column_of) + 1}"


def with_condition(value: str) -> str:
    return edited((TRAINING, f"{TRAINING}    special_condition: {value}\n"))


# --- organization contact, dpo, representative ----------------------------------------------------


def test_contact_dpo_representative_are_optional_text():
    model = model_from_text(edited((OFFICE, (
        "  - id: office\n    role: controller\n    country: FR\n"
        "    contact: 1 rue de l'Exemple, 75015 Paris, office@example.org, +33 1 00 00 00 00\n"
        "    dpo: 'DPO: dpo@example.org'\n"
        "    representative: Rep SARL, rep@example.org\n"))))
    office, trainer = model.organizations["office"], model.organizations["trainer"]
    assert (office.contact, office.dpo, office.representative) == (
        "1 rue de l'Exemple, 75015 Paris, office@example.org, +33 1 00 00 00 00", "DPO: dpo@example.org",
        "Rep SARL, rep@example.org")
    assert (trainer.contact, trainer.dpo, trainer.representative) == (None, None, None)


def test_a_model_without_the_new_keys_loads_as_before():
    model = model_from_text(BASE)
    assert model.purposes["training"].special_condition == ("none",)
    assert model.organizations["office"].contact is None


@pytest.mark.parametrize(("value", "error"), [
    ("3", "'3' is a number in YAML, not text; quote it"),
    ("yes", "'yes' is a boolean in YAML 1.1, not text; quote it"),
    ("{email: dpo@example.org}", "expected text, found a mapping"),
    ("[a, b]", "expected text, found a list"),
])
@pytest.mark.parametrize("key", ["contact", "dpo", "representative"])
def test_contact_keys_take_text_only(key, value, error):
    text = edited((OFFICE, f"  - id: office\n    role: controller\n    country: FR\n    {key}: {value}\n"))
    assert messages(text) == [f"{at(text, f'    {key}: {value}', value)}: error: {error}"]


@pytest.mark.parametrize(("written", "meant"), [
    ("contacts", "contact"), ("DPO", "dpo"), ("representitive", "representative"),
])
def test_a_misspelt_contact_key_suggests_the_right_one(written, meant):
    text = edited((OFFICE, f"  - id: office\n    role: controller\n    country: FR\n    {written}: x@example.org\n"))
    (message,) = messages(text)
    assert message.startswith(f"{at(text, f'    {written}: x@example.org', written)}: error: unknown key '{written}'")
    assert message.endswith(f"(did you mean '{meant}'?)")


# --- special_condition: one value or a list --------------------------------------------------------


@pytest.mark.parametrize(("value", "stored"), [
    ("none", ("none",)),
    ("h", ("h",)),
    ("art10", ("art10",)),
    ("[h, art10]", ("h", "art10")),
    ("[none]", ("none",)),
    ("\n      - b\n      - art10", ("b", "art10")),
])
def test_special_condition_is_one_value_or_a_list(value, stored):
    assert model_from_text(with_condition(value)).purposes["training"].special_condition == stored


@pytest.mark.parametrize(("value", "column_of", "error"), [
    ("[h, none]", "none", "'none' is listed with other values; remove it, or list it alone"),
    ("[none, art10]", "none", "'none' is listed with other values; remove it, or list it alone"),
    ("[h, art10, h]", "h]", "'h' is listed twice (first at line {line})"),
    ("[]", "[", "an empty list; write none, or leave the key out"),
    ("[h, k]", "k", "'k' is not one of none, a, b, c, d, e, f, g, h, i, j, art10"),
    ("art9", "art9", "'art9' is not one of none, a, b, c, d, e, f, g, h, i, j, art10 (did you mean 'art10'?)"),
    ("{h: true}", "{", "expected one of none, a, b, c, d, e, f, g, h, i, j, art10, found a mapping"),
])
def test_bad_special_conditions_are_errors_at_their_place(value, column_of, error):
    text = with_condition(value)
    line = f"    special_condition: {value}"
    where = at(text, line, column_of) if column_of != "h]" else re.sub(
        r":\d+$", f":{line.rindex('h') + 1}", at(text, line, "h"))
    assert messages(text) == [f"{where}: error: " + error.format(line=text.splitlines().index(line) + 1)]


def test_a_misspelt_special_condition_key_suggests_it():
    text = edited((TRAINING, f"{TRAINING}    special_conditions: [h, art10]\n"))
    (message,) = messages(text)
    assert "unknown key 'special_conditions' (did you mean 'special_condition'?)" in message


# --- the JSON Schema allows what the validator allows -------------------------------------------


def test_schema_describes_the_new_keys():
    schema = json_schema()
    org = schema["properties"]["organizations"]["items"]["properties"]
    assert {org[k]["type"] for k in ("contact", "dpo", "representative")} == {"string"}
    one, many = schema["properties"]["purposes"]["items"]["properties"]["special_condition"]["oneOf"]
    assert one["enum"] == many["items"]["enum"] == ["none", *"abcdefghij", "art10"]
