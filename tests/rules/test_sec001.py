"""SEC001 insecure-channel: a tier 3 or 4 field travels raw over an unprotected channel."""

import pytest

from .util import analyse, base, disable, found, severities

CHANNEL = "    channel: sftp\n    encrypted: true\n"
FIELDS = "fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]"


def flow(channel: str = CHANNEL, fields: str = FIELDS) -> str:
    return base((CHANNEL, channel), (FIELDS, fields))


@pytest.mark.parametrize("channel", [
    "    channel: email\n    encrypted: true\n",
    "    channel: manual\n",
    "    channel: sftp\n    encrypted: false\n",
    "    channel: api\n    encrypted: false\n",
])
def test_tier3_raw_over_unsafe_channel(tmp_path, channel):
    a = analyse(tmp_path, model=flow(channel, "fields: [full_name, email, foreigner_id, nationality]"))
    assert found(a, "SEC001") == [("SEC001", "flow:cases-to-crm", ("foreigner_id", "nationality"))]
    assert severities(a, "SEC001") == {("flow:cases-to-crm", ("foreigner_id", "nationality")): "high"}


def test_near_miss_pseudonymised_over_email(tmp_path):
    # BASE's flow carries foreigner_id pseudonymised; full_name and email are tier 2.
    a = analyse(tmp_path, model=flow("    channel: email\n    encrypted: false\n"))
    assert found(a, "SEC001") == []


def test_near_miss_encrypted_channel(tmp_path):
    a = analyse(tmp_path, model=flow(fields="fields: [full_name, email, foreigner_id, nationality]"))
    assert found(a, "SEC001") == []


def test_min_tier_param(tmp_path):
    a = analyse(tmp_path, model=flow("    channel: email\n"),
                rules="rules:\n  - {id: SEC001, params: {min_tier: 2}}\n")
    assert found(a, "SEC001") == [("SEC001", "flow:cases-to-crm", ("email", "full_name"))]
    assert severities(a, "SEC001") == {("flow:cases-to-crm", ("email", "full_name")): "medium"}


def test_a_tier4_field_makes_it_critical(tmp_path):
    model = base((CHANNEL, "    channel: email\n"), (FIELDS, "fields: [foreigner_id, nationality]"),
                 ("  - {id: nationality, category: nationality}\n",
                  "  - {id: nationality, category: nationality, tier: 4}\n"))
    a = analyse(tmp_path, model=model)
    assert severities(a, "SEC001") == {("flow:cases-to-crm", ("foreigner_id", "nationality")): "critical"}


def test_disabled(tmp_path):
    a = analyse(tmp_path, model=flow("    channel: email\n", "fields: [foreigner_id]"), rules=disable("SEC001"))
    assert found(a, "SEC001") == []


@pytest.mark.parametrize(("channel", "why"), [
    ("    channel: email\n    encrypted: true\n", "over email, which leaves copies in mailboxes or on paper even "
                                                  "when encrypted in transit: use"),
    ("    channel: email\n    encrypted: false\n", "over email: use"),
    ("    channel: api\n    encrypted: false\n", "unencrypted: use"),
])
def test_the_message_says_what_is_unsafe(tmp_path, channel, why):
    a = analyse(tmp_path, model=flow(channel, "fields: [full_name, foreigner_id]"))
    message = next(f.message for f in a.findings if f.rule == "SEC001")
    assert message.startswith(f"sends foreigner_id raw {why} an encrypted channel")
