"""XFER001 unsafe-transfer: personal data reach a system outside the EEA without a safeguard.

Why     GDPR Chapter V (Art. 44-49): a transfer to a third country needs an adequacy
        decision or an Art. 46 safeguard (SCCs, BCRs ...) or an Art. 49 derogation.
        US and Canadian adequacy is partial (DPF certification, PIPEDA): it counts only
        when the organization declares `transfer_safeguard: adequacy`.
Fix     Record the organization's `transfer_safeguard` (scc, bcr, adequacy for a DPF
        certified US company, derogation), or keep the data in the EEA.
Params  none.
Fails   learnhub_lms in US, organization without transfer_safeguard, receives email
        -> system:learnhub_lms [email]
Passes  the same in CH (adequacy) or NO (EEA); in the US with `transfer_safeguard:
        adequacy` (DPF) or scc; a flow that carries only anonymised fields.

The system's country defaults to its organization's. Data a system collects
itself are not a transfer; only inbound flows are.
"""

from lineage.findings import Hit
from lineage.model.places import transfer_is_safe
from lineage.rules.common import personal_fields

ID, NAME = "XFER001", "unsafe-transfer"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per receiving system in an unsafe third country."""
    model, L = ctx.model, ctx.lineage
    for sid, system in model.systems.items():
        country = model.country(sid)
        org = model.organizations[system.organization]
        if transfer_is_safe(country, org.transfer_safeguard):
            continue
        carried = {fid: personal_fields(model.flows[fid]) for _, _, fid in L.G.in_edges(sid, keys=True)}
        received = sorted({f for fields in carried.values() for f in fields})
        if not received:
            continue
        safeguard = org.transfer_safeguard or "not set"
        yield Hit(f"system:{sid}", tuple(received),
                  f"receives personal data in {country}, outside the EEA without full adequacy, and "
                  f"{org.id}'s transfer_safeguard is {safeguard}: record SCCs, BCRs or another Art. 46 "
                  f"safeguard, or keep the data in the EEA", identity=())
