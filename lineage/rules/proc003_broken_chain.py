"""PROC003 broken-chain: a processor's `processor_for` chain does not end at a controller.

Why     GDPR Art. 28 and EDPB Opinion 22/2024: the controller must know every processor
        and subprocessor down the chain; each link acts for the one above it.
Fix     Set `processor_for`: a processor names its controller, a subprocessor its
        processor.
Params  none.
Fails   processor trainer without processor_for -> organization:trainer
        subprocessor lms for trainer, a processor for a recipient (not a controller)
Passes  processor for an authority (a public body is the controller of its own processing);
        a processor for a processor for a controller (the chain ends at the controller,
        as SPEC section 3 says, whatever the roles on the way are called)
"""

from lineage.findings import Hit
from lineage.model import processor_chain
from lineage.model.entities import PROCESSOR_ROLES

ID, NAME = "PROC003", "broken-chain"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per processor or subprocessor whose chain does not end at a controller."""
    model = ctx.model
    for oid, org in model.organizations.items():
        if org.role in PROCESSOR_ROLES:
            problem = _problem(model, oid)
            if problem:
                yield Hit(f"organization:{oid}", (), problem)


def _problem(model, org_id) -> str | None:
    """Say where the chain up from `org_id` breaks, or None when it ends at a controller."""
    chain, controller = processor_chain(model, org_id)
    if controller:
        return None
    org = model.organizations[chain[-1]]
    if org.role not in PROCESSOR_ROLES:
        return (f"the chain {' -> '.join(chain)} ends at {org.id}, a {org.role}, not a controller: "
                f"set processor_for to the controller (or the processor) the work is done for")
    if org.processor_for:
        return "processor_for loops: " + " -> ".join([*chain, org.processor_for])
    whom = "controller" if org.role == "processor" else "processor"
    ends = "" if len(chain) == 1 else f" (chain: {' -> '.join(chain)})"
    return f"{org.role} {org.id} has no processor_for{ends}: name the {whom} it works for"
