"""MIN002 missing-minimisation: a flow carries a field more identifiably than its purpose needs."""

import pytest

from .util import analyse, base, disable, found, severities

# training needs foreigner_id pseudonymised; BASE sends it pseudonymised.
FLOW = "fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]"


def sent_as(form: str) -> str:
    return base((FLOW, f"fields: [full_name, email, {{field: foreigner_id, form: {form}}}]"))


@pytest.mark.parametrize("form", ["raw", "encrypted", "hashed", "masked"])
def test_more_identifying_than_needed(tmp_path, form):
    a = analyse(tmp_path, model=sent_as(form))
    assert found(a, "MIN002") == [("MIN002", "flow:cases-to-crm", ("foreigner_id",))]
    assert severities(a, "MIN002") == {("flow:cases-to-crm", ("foreigner_id",)): "high"}  # gov_id, tier 3


def test_severity_follows_tier(tmp_path):
    model = base(("{id: foreigner_id, category: gov_id}", "{id: foreigner_id, category: gov_id, tier: 2}"),
                 (FLOW, "fields: [full_name, email, foreigner_id]"))
    a = analyse(tmp_path, model=model)
    assert severities(a, "MIN002") == {("flow:cases-to-crm", ("foreigner_id",)): "medium"}


@pytest.mark.parametrize("form", ["pseudonymised", "generalised", "aggregated", "anonymised"])
def test_near_miss_as_or_less_identifying(tmp_path, form):
    a = analyse(tmp_path, model=sent_as(form))
    assert found(a, "MIN002") == []


def test_needed_raw_is_never_reported(tmp_path):
    # casework needs foreigner_id raw.
    model = base((FLOW, "fields: [full_name, email, foreigner_id]"),
                 ("    purpose: training\n    channel", "    purpose: casework\n    channel"))
    a = analyse(tmp_path, model=model)
    assert found(a, "MIN002") == []


def test_unneeded_field_is_min001s(tmp_path):
    a = analyse(tmp_path, model=base((FLOW, FLOW[:-1] + ", nationality]")))
    assert found(a, "MIN002") == []
    assert found(a, "MIN001") == [("MIN001", "flow:cases-to-crm", ("nationality",))]


def test_disabled(tmp_path):
    a = analyse(tmp_path, model=sent_as("raw"), rules=disable("MIN002"))
    assert found(a, "MIN002") == []
