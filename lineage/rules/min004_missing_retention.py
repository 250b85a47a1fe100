"""MIN004 missing-retention: a system holding personal data has no retention.

Why     GDPR Art. 5(1)(e), storage limitation, and Art. 30(1)(f): every store needs
        an erasure time limit.
Fix     Set `retention:` on the system, or on the flows that bring its data.
Params  none.
Fails   mailbox holds [email] with no retention and no inbound flow retention -> system:mailbox
Passes  the system has `retention: P1Y`, or one of its inbound flows sets one; or it
        holds nothing, or only anonymised fields (not personal data, GDPR Recital 26).
"""

from lineage.findings import Hit
from lineage.rules.common import personal_mask

ID, NAME = "MIN004", "missing-retention"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per system holding data with no retention on it or its inbound flows."""
    L = ctx.lineage
    for sid, system in ctx.model.systems.items():
        held = personal_mask(ctx, sid)
        if system.retention or not held:
            continue
        if any(ctx.model.flows[fid].retention for _, _, fid in L.G.in_edges(sid, keys=True)):
            continue
        yield Hit(f"system:{sid}", tuple(L.fields_in(held)),
                  "holds personal data with no retention: set `retention:` (ISO 8601, e.g. P1Y)", identity=())
