"""XFER001 unsafe-transfer: personal data reach a system outside the EEA without a safeguard."""

import pytest

from .util import analyse, disable, found, severities

ABROAD = """\
organizations:
  - id: lms_co
    role: subprocessor
    processor_for: trainer
    country: {country}
    dpa: {{signed: true, reference: DPA-2, date: 2025-01-01}}
{safeguard}
systems:
  - {{id: lms, organization: lms_co, retention: P1Y}}
flows:
  - {{id: crm-to-lms, from: crm, to: lms, purpose: training, retention: P1Y, fields: [{fields}]}}
"""


def abroad(country: str, safeguard: str | None = None, fields: str = "full_name, email") -> str:
    line = f"    transfer_safeguard: {safeguard}" if safeguard else ""
    return ABROAD.format(country=country, safeguard=line, fields=fields)


@pytest.mark.parametrize("safeguard", [None, "none"])
def test_us_without_safeguard(tmp_path, safeguard):
    a = analyse(tmp_path, abroad("US", safeguard))
    assert found(a, "XFER001") == [("XFER001", "system:lms", ("email", "full_name"))]
    assert severities(a, "XFER001") == {("system:lms", ("email", "full_name")): "high"}


def test_system_country_overrides_the_organizations(tmp_path):
    # an EEA company whose system is hosted in India
    a = analyse(tmp_path, abroad("FR").replace("organization: lms_co,", "organization: lms_co, country: IN,"))
    assert found(a, "XFER001") == [("XFER001", "system:lms", ("email", "full_name"))]


@pytest.mark.parametrize(("country", "safeguard"), [
    ("US", "adequacy"),  # DPF certified
    ("CA", "adequacy"),
    ("US", "scc"),
    ("IN", "bcr"),
    ("CH", None),  # full adequacy decision
    ("GB", None),
    ("NO", None),  # EEA, written unquoted: Norway, not false
    ("DE", None),
])
def test_near_miss_safe(tmp_path, country, safeguard):
    a = analyse(tmp_path, abroad(country, safeguard))
    assert found(a, "XFER001") == []


@pytest.mark.parametrize("country", ["IN", "CN"])
def test_adequacy_is_not_a_safeguard_where_there_is_none(tmp_path, country):
    a = analyse(tmp_path, abroad(country, "adequacy"))
    assert found(a, "XFER001") == [("XFER001", "system:lms", ("email", "full_name"))]


def test_near_miss_only_anonymised_data(tmp_path):
    a = analyse(tmp_path, abroad("US", fields="{field: email, form: anonymised}"))
    assert found(a, "XFER001") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, abroad("US"), rules=disable("XFER001"))
    assert found(a, "XFER001") == []
