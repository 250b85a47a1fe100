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
from lineage.model.entities import CONTROLLER_ROLES

ID, NAME, TARGET = "PROC003", "broken-chain", "organization"
PARAMS: dict = {}
PROCESSING_ROLES = ("processor", "subprocessor")


def check(ctx, params):
    """Yield a hit per processor or subprocessor whose chain does not end at a controller."""
    model = ctx.model
    for oid, org in model.organizations.items():
        if org.role in PROCESSING_ROLES:
            problem = _problem(model, org)
            if problem:
                yield Hit(f"organization:{oid}", (), problem)


def _problem(model, org) -> str | None:
    """Say where the chain up from `org` breaks, or None when it ends at a controller."""
    chain = []
    while org.role in PROCESSING_ROLES:
        chain.append(org.id)
        if not org.processor_for:
            whom = "controller" if org.role == "processor" else "processor"
            ends = "" if len(chain) == 1 else f" (chain: {' -> '.join(chain)})"
            return f"{org.role} {org.id} has no processor_for{ends}: name the {whom} it works for"
        above = model.organizations[org.processor_for]
        if above.id in chain:
            return "processor_for loops: " + " -> ".join([*chain, above.id])
        org = above
    if org.role in CONTROLLER_ROLES:
        return None
    return (f"the chain {' -> '.join([*chain, org.id])} ends at {org.id}, a {org.role}, not a controller: "
            f"set processor_for to the controller (or the processor) the work is done for")
