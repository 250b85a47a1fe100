"""PROC001 processor-without-contract: an organization holds personal data without a signed DPA.

Why     GDPR Art. 28(3): processing by a processor is governed by a contract or legal
        act; Art. 28(4) binds subprocessors the same way.
Fix     Record the signed agreement: `dpa: {signed: true, reference: ..., date: ...}`.
Params  none.
Fails   organization trainer (processor) holds data, dpa missing -> organization:trainer

Fires for every role but controller, joint controller (bound by an Art. 26
arrangement instead) and authority (the controller of its own processing).
For a recipient the message names both agreements it may need: a DPA if it
processes on the controller's behalf, else a data-sharing agreement. Anonymised
data are not personal data (GDPR Recital 26) and do not count.
"""

from lineage.findings import Hit
from lineage.model.entities import CONTROLLER_ROLES
from lineage.rules.common import org_holdings

ID, NAME = "PROC001", "processor-without-contract"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per non-controller organization holding data without ``dpa.signed: true``."""
    held = org_holdings(ctx)
    for oid, org in ctx.model.organizations.items():
        if org.role in CONTROLLER_ROLES or not held.get(oid):
            continue
        if not (org.dpa and org.dpa.signed):
            fix = ("record `dpa: {signed: true, reference, date}`" if org.role != "recipient" else
                   "if it processes on the controller's behalf, record its data-processing agreement in "
                   "`dpa: {signed: true, reference, date}`; if it uses the data for its own purposes, make it "
                   "a controller (role: controller) under a data-sharing agreement")
            yield Hit(f"organization:{oid}", tuple(ctx.lineage.fields_in(held[oid])),
                      f"{org.role} {oid} holds personal data without a signed data-processing agreement: {fix}",
                      identity=())
