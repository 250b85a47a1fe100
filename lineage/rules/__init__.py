"""Built-in checks: an explicit table from check name to module.

A check module defines ``ID``, ``NAME``, ``PARAMS`` (param name ->
:mod:`lineage.model.types` type), ``check(ctx, params)`` yielding
:class:`lineage.findings.Hit` (its target is ``kind:id``, kind ``flow``,
``system`` or ``organization``), and optionally:

- ``severity(hit, ctx, params)``: the severity of each finding, for rules
  whose severity depends on what they found (the engine; SARIF leaves such
  rules without a ``security-severity``); ``SEVERITY_NOTE`` says how, in
  ``lineage rules list`` and ``explain``;
- ``AFTER_WAIVERS = True``: run after waivers are applied, reading
  ``ctx.findings`` and the waiver counts (WAIV001, WAIV002);
- ``validate(params)``: checks across params, returning (keys, message)
  pairs located at those keys; ``TOP_LEVEL_PARAMS`` (params written beside
  ``id`` rather than under ``params:``) and ``REQUIRED`` (params that must
  be given), both for ``check: match``;
- ``score(ctx, system_id, params)``: RISK001's exposure score, which
  ``--explain``, maps, ``diff`` and ``impact`` show.

Its docstring is the rule's documentation. Modules are imported only when a
pack enables them (:func:`get`).
"""

from __future__ import annotations

import importlib
from types import ModuleType

CHECKS: dict[str, str] = {
    "LIN001": "lin001_unsourced_field",
    "LIN002": "lin002_reidentified_field",
    "LIN003": "lin003_orphan_system",
    "MIN001": "min001_excess_field",
    "MIN002": "min002_missing_minimisation",
    "MIN003": "min003_missing_purpose",
    "MIN004": "min004_missing_retention",
    "MIN005": "min005_excess_retention",
    "RISK001": "risk001_high_risk_node",
    "RISK002": "risk002_toxic_combination",
    "RISK003": "risk003_special_data_without_condition",
    "PROC001": "proc001_processor_without_contract",
    "PROC002": "proc002_unauthorised_subprocessor",
    "PROC003": "proc003_broken_chain",
    "XFER001": "xfer001_unsafe_transfer",
    "SEC001": "sec001_insecure_channel",
    "WAIV001": "waiv001_expired_waiver",
    "WAIV002": "waiv002_stale_waiver",
    "match": "match",
}


def get(check: str) -> ModuleType:
    """Import and return the module of `check`.

    Raises
    ------
    KeyError
        If no built-in check has that name.
    """
    return importlib.import_module(f"lineage.rules.{CHECKS[check]}")
