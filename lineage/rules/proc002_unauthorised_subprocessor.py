"""PROC002 unauthorised-subprocessor: a subprocessor holds data its processor may not pass on.

Why     GDPR Art. 28(2): a processor engages another processor only with the
        controller's prior specific or general written authorisation.
Fix     Record the authorisation on the processor (`subprocessing: specific` or
        `general`), or stop sending data to the subprocessor.
Params  none.
Fails   trainer has subprocessing: none; its subprocessor learnhub holds data
        -> organization:learnhub

An unset `subprocessing` counts as none: no authorisation is on record. What
makes a subprocessor is working for a processor: an organization with role
`processor` whose `processor_for` is a processor is checked too, and one with
role `subprocessor` working for the controller directly is not.
"""

from lineage.findings import Hit
from lineage.model.entities import PROCESSOR_ROLES
from lineage.rules.common import org_holdings

ID, NAME = "PROC002", "unauthorised-subprocessor"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per subprocessor holding data while its processor may not subprocess."""
    model = ctx.model
    held = org_holdings(ctx)
    for oid, org in model.organizations.items():
        if org.role not in PROCESSOR_ROLES or not held.get(oid) or not org.processor_for:
            continue
        processor = model.organizations[org.processor_for]
        if processor.role not in PROCESSOR_ROLES:
            continue
        if processor.subprocessing in (None, "none"):
            setting = processor.subprocessing or "not set"
            who = f"subprocessor {oid}" if org.role == "subprocessor" else \
                f"{oid} (a {org.role} working for {processor.role} {processor.id}: a subprocessor)"
            yield Hit(f"organization:{oid}", tuple(ctx.lineage.fields_in(held[oid])),
                      f"{who} holds personal data but {processor.id}'s subprocessing is "
                      f"{setting}: record the controller's authorisation (specific or general) "
                      f"or stop the flows to {oid}", identity=())
