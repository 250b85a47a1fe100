"""LIN003 orphan-system: a system takes part in no flow and collects nothing.

Why     A system with no data in or out is either dead weight in the model or a
        holder whose flows are missing (Art. 30 record completeness).
Fix     Model its flows and collections, or remove it.
Params  none.
Fails   system archive with no flow and no collects -> system:archive
"""

from lineage.findings import Hit

ID, NAME = "LIN003", "orphan-system"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per system with no flow in or out and no collection."""
    G = ctx.lineage.G
    for sid, system in ctx.model.systems.items():
        if not system.collects and G.degree(sid) == 0:
            yield Hit(f"system:{sid}", (), "takes part in no flow and collects nothing: "
                                           "model its flows or remove it")
