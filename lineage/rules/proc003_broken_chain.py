"""PROC003 broken-chain: a processor's `processor_for` chain does not end at a controller.

Why     GDPR Art. 28 and EDPB Opinion 22/2024: the controller must know every processor
        and subprocessor down the chain; each link acts for the one above it.
Fix     Set `processor_for`: a processor names its controller, a subprocessor its
        processor.
Params  none.
Fails   processor trainer without processor_for -> organization:trainer
        subprocessor lms with processor_for: ofii (a controller, not a processor)
Passes  processor for an authority (a public body is the controller of its own processing)
"""

from lineage.findings import Hit
from lineage.model.entities import CONTROLLER_ROLES

ID, NAME, TARGET = "PROC003", "broken-chain", "organization"
PARAMS: dict = {}
EXPECTED_ABOVE = {"processor": CONTROLLER_ROLES, "subprocessor": ("processor", "subprocessor")}


def check(ctx, params):
    """Yield a hit per processor or subprocessor whose chain is broken."""
    model = ctx.model
    for oid, org in model.organizations.items():
        if org.role not in EXPECTED_ABOVE:
            continue
        problem = _problem(model, org)
        if problem:
            yield Hit(f"organization:{oid}", (), f"{org.role} {oid}: {problem}")


def _problem(model, org) -> str | None:
    seen = []
    while org.role in EXPECTED_ABOVE:
        seen.append(org.id)
        if not org.processor_for:
            return (f"{org.id} has no processor_for: name the "
                    f"{'controller' if org.role == 'processor' else 'processor'} it works for")
        above = model.organizations[org.processor_for]
        if above.id in seen:
            return "processor_for loops: " + " -> ".join([*seen, above.id])
        if above.role not in EXPECTED_ABOVE[org.role]:
            return (f"{org.id} is a {org.role} for {above.id}, a {above.role}; a {org.role} works for a "
                    f"{' or '.join(EXPECTED_ABOVE[org.role])}")
        org = above
    return None
