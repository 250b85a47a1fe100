"""A finding about a whole system stays the same finding when the system gets one more field."""

from __future__ import annotations

from helpers import BASE, write_files

from lineage.pipeline import analyse_folder


def fingerprints(tmp_path, text, name):
    folder = write_files(tmp_path / name, {"m.yaml": text})
    return {(f.rule, f.target): f.fingerprint for f in analyse_folder(folder).findings}


def test_one_more_field_changes_only_the_per_field_findings(tmp_path):
    risky = BASE.replace("fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]",
                         "fields: [full_name, email, nationality, foreigner_id]").replace(
                         "    retention: P1Y\n"
                         "    security: {encryption_at_rest: true, mfa: true, access_logging: true}\n"
                         "flows:", "    security: {encryption_at_rest: true, mfa: true, access_logging: true}\nflows:")
    more = risky.replace("nationality, foreigner_id]", "nationality, permit_type, foreigner_id]")
    before, after = fingerprints(tmp_path, risky, "a"), fingerprints(tmp_path, more, "b")
    for key in [("RISK001", "system:crm"), ("MIN002", "flow:cases-to-crm")]:
        assert key in before and before[key] == after[key], key
    new = {k for k in after if k not in before} | {k for k in after if before.get(k) != after[k]}
    assert ("RISK002", "system:crm") in new  # the immigration combination is complete only now
    assert ("MIN001", "flow:cases-to-crm") in before
