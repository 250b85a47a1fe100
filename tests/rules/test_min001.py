"""MIN001 excess-field: a flow carries a field its purpose's `needs` does not list."""

from .util import analyse, base, disable, found, severities

# cases collects every field; casework needs them all, training does not need nationality
# or permit_type. Extra fields of tiers 1 and 4 come from extra.yaml.
EXTRA = """\
fields:
  - {id: work_email, category: contact.business}
  - {id: asylum_ground, category: immigration.asylum}
  - {id: birth_date, category: identity.dob_age}
systems:
  - id: intake
    organization: office
    retention: P1Y
    collects: [{subject: migrants, purpose: casework, fields: [work_email, asylum_ground, birth_date]}]
flows:
  - id: intake-to-crm
    from: intake
    to: crm
    purpose: training
    channel: sftp
    encrypted: true
    retention: P1Y
    fields: [work_email, asylum_ground, birth_date]
"""
EXCESS = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]\n",
               "fields: [full_name, email, nationality, permit_type, {field: foreigner_id, form: pseudonymised}]\n"))


def test_excess_fields_one_finding_each(tmp_path):
    a = analyse(tmp_path, model=EXCESS)
    assert found(a, "MIN001") == [
        ("MIN001", "flow:cases-to-crm", ("nationality",)),
        ("MIN001", "flow:cases-to-crm", ("permit_type",)),
    ]


def test_severity_by_field_tier_not_by_subject(tmp_path):
    # the subjects are vulnerable; that raises RISK001's score, not MIN001's severity.
    a = analyse(tmp_path, EXTRA, model=EXCESS)
    assert severities(a, "MIN001") == {
        ("flow:intake-to-crm", ("work_email",)): "low",  # tier 1
        ("flow:intake-to-crm", ("birth_date",)): "medium",  # tier 2
        ("flow:cases-to-crm", ("nationality",)): "high",  # tier 3
        ("flow:cases-to-crm", ("permit_type",)): "high",
        ("flow:intake-to-crm", ("asylum_ground",)): "critical",  # tier 4
    }


def test_field_tier_override_drives_severity(tmp_path):
    model = base(("{id: nationality, category: nationality}", "{id: nationality, category: nationality, tier: 1}"),
                 ("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]\n",
                  "fields: [full_name, email, nationality, {field: foreigner_id, form: pseudonymised}]\n"))
    a = analyse(tmp_path, model=model)
    assert severities(a, "MIN001") == {("flow:cases-to-crm", ("nationality",)): "low"}


def test_near_miss_only_needed_fields(tmp_path):
    # BASE: training needs full_name, email and foreigner_id pseudonymised; the flow carries just that.
    a = analyse(tmp_path)
    assert found(a, "MIN001") == []


def test_near_miss_anonymised_is_not_personal_data(tmp_path):
    sent = "fields: [full_name, email, {field: nationality, form: anonymised}, {field: permit_type, form: aggregated}]"
    model = base(("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]", sent))
    a = analyse(tmp_path, model=model)
    assert found(a, "MIN001") == [("MIN001", "flow:cases-to-crm", ("permit_type",))]  # aggregated still counts


def test_near_miss_flow_without_purpose_is_min003s(tmp_path):
    a = analyse(tmp_path, model=base(("    purpose: training\n    channel: sftp", "    channel: sftp")))
    assert found(a, "MIN001") == []
    assert found(a, "MIN003") == [("MIN003", "flow:cases-to-crm", ("email", "foreigner_id", "full_name"))]


def test_ignore_categories(tmp_path):
    rules = """\
        rules:
          - id: MIN001
            params: {ignore_categories: [contact.business, "immigration.*"]}
        """
    a = analyse(tmp_path, EXTRA, model=EXCESS, rules=rules)
    assert found(a, "MIN001") == [
        ("MIN001", "flow:cases-to-crm", ("nationality",)),
        ("MIN001", "flow:intake-to-crm", ("birth_date",)),
    ]


def test_disabled(tmp_path):
    a = analyse(tmp_path, EXTRA, model=EXCESS, rules=disable("MIN001"))
    assert found(a, "MIN001") == []
