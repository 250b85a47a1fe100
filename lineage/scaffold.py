"""``lineage init``: a starting model that passes ``validate``."""

from __future__ import annotations

import json
from pathlib import Path

MODEL = """\
# yaml-language-server: $schema=../lineage.schema.json
# A first model: one controller collects from customers and sends to a processor.
# Describe every system that receives personal data, and every flow between them.
fields:
  - id: full_name
    category: identity.name
  - id: email
    category: contact.personal

subjects:
  - id: customers
    population: 1000

purposes:
  - id: customer_service
    legal_basis: contract
    needs: [full_name, email]
    max_retention: P3Y

organizations:
  - id: my_company
    name: My Company SAS
    role: controller
    country: FR
    contact: 1 rue Exemple, 75001 Paris, privacy@my-company.example   # Art. 30 record (lineage ropa)
  - id: helpdesk_vendor
    name: Helpdesk Vendor SARL
    role: processor
    contact: support@helpdesk-vendor.example
    processor_for: my_company
    country: FR
    dpa: {signed: true, reference: DPA-001, date: 2026-01-15}
    subprocessing: none

systems:
  - id: crm
    organization: my_company
    type: application
    exposure: internal
    retention: P3Y
    security: {encryption_at_rest: true, mfa: true, access_logging: true}
    collects:
      - subject: customers
        purpose: customer_service
        fields: [full_name, email]
  - id: helpdesk
    organization: helpdesk_vendor
    type: saas
    exposure: internet
    retention: P1Y
    security: {encryption_at_rest: true, mfa: true, access_logging: true}

flows:
  - id: crm-to-helpdesk
    from: crm
    to: helpdesk
    purpose: customer_service
    fields: [full_name, email]
    channel: api
    encrypted: true
    retention: P1Y
"""

POLICY = """\
# Your organisation's policy: settings and rules on top of the built-in pack.
settings:
  fail_on: high      # lowest severity that makes `lineage check` exit 1
  disable: []
rules: []
"""


class ScaffoldError(Exception):
    """The folder already holds a model or rules."""


def scaffold(folder: Path) -> list[Path]:
    """Write ``flows/model.yaml``, ``rules/policy.yaml`` and ``lineage.schema.json``.

    Raises
    ------
    ScaffoldError
        When any of them exists already: nothing is overwritten.
    """
    from lineage.model.schema import json_schema

    files = {
        folder / "flows" / "model.yaml": MODEL,
        folder / "rules" / "policy.yaml": POLICY,
        folder / "lineage.schema.json": json.dumps(json_schema(), indent=2) + "\n",
    }
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} is a file, not a folder")
    blocked = next((p for p in (folder / "flows", folder / "rules") if p.exists() and not p.is_dir()), None)
    if blocked is not None:
        raise ScaffoldError(f"{blocked} is a file, not a folder")
    existing = [p for p in files if p.exists()]
    existing += sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))  # a model folder itself
    # a non-empty rules/ too: a policy.yaml beside the user's would change their fail_on
    existing += [sub for sub in (folder / "flows", folder / "rules") if sub.is_dir() and any(sub.iterdir())]
    if existing:
        raise ScaffoldError(f"{existing[0]} already exists; lineage init only writes into an empty folder")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)
