"""Fixtures of the output tests: the example model's analysis and a synthetic model with many findings."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from helpers import REPO

from lineage.pipeline import analyse_folder

#: The date the example model's waivers are judged at (one waiver is live, one expired).
TODAY = dt.date(2026, 11, 28)


def analyse_in(folder, model: str = "flows", today: dt.date = TODAY):
    """Analyse `model` with `folder` as the current folder, so file paths read as a user types them."""
    old = os.getcwd()
    os.chdir(folder)
    try:
        return analyse_folder(model, today=today)
    finally:
        os.chdir(old)


@pytest.fixture(scope="session")
def example():
    """The analysis of the repository's example model (flows/), as `lineage check flows` sees it."""
    return analyse_in(REPO)


def synthetic_model(n_fields: int = 60, n_flows: int = 50) -> str:
    """A model whose flows each carry every field to a purpose that needs none of them.

    It yields ``n_fields * n_flows`` MIN001 findings, with severities spread over the
    four field tiers, plus a few system findings.
    """
    lines = ["categories:"]
    lines += [f"  - {{id: synth.tier{t}, tier: {t}, identifier: none}}" for t in (1, 2, 3, 4)]
    lines.append("fields:")
    lines += [f"  - {{id: f{i:03d}, category: synth.tier{i % 4 + 1}}}" for i in range(n_fields)]
    fields = ", ".join(f"f{i:03d}" for i in range(n_fields))
    lines += [
        "subjects:",
        "  - {id: people}",
        "purposes:",
        "  - {id: service, legal_basis: contract, max_retention: P1Y, needs: [" + fields + "]}",
        "  - {id: newsletter, legal_basis: consent, max_retention: P1Y}",
        "organizations:",
        "  - {id: acme, role: controller, country: FR}",
        "systems:",
        "  - id: source",
        "    organization: acme",
        "    retention: P1Y",
        "    security: {encryption_at_rest: true, mfa: true, access_logging: true}",
        f"    collects: [{{subject: people, purpose: service, fields: [{fields}]}}]",
    ]
    for j in range(n_flows):
        lines += [
            f"  - id: sink{j:03d}",
            "    organization: acme",
            "    retention: P1Y",
            "    security: {encryption_at_rest: true, mfa: true, access_logging: true}",
        ]
    lines.append("flows:")
    for j in range(n_flows):
        lines += [
            f"  - id: flow{j:03d}",
            "    from: source",
            f"    to: sink{j:03d}",
            "    purpose: newsletter",
            "    channel: api",
            "    encrypted: true",
            "    retention: P1Y",
            f"    fields: [{fields}]",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """The analysis of :func:`synthetic_model`: thousands of findings."""
    root = tmp_path_factory.mktemp("synthetic")
    (root / "flows").mkdir()
    (root / "flows" / "model.yaml").write_text(synthetic_model(), encoding="utf-8")
    return analyse_in(root)
