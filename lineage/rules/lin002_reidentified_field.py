"""LIN002 reidentified-field: a flow sends a field more identifiably than its source holds it.

Why     A system cannot turn a pseudonymised or aggregated field back into raw data
        without the key or the source; a flow claiming it can hides a re-identification
        step or a wrong form (Art. 4(5), Art. 25).
Fix     Declare the form the source really holds (e.g. pseudonymised), or model the
        flow that brings the identifying form to the source.
Params  none.
Fails   dwh holds foreigner_id pseudonymised; flow dwh -> bi carries foreigner_id raw -> flow:ID
Passes  the same flow carrying {field: foreigner_id, form: pseudonymised}.
"""

from lineage.findings import Hit

ID, NAME = "LIN002", "reidentified-field"
PARAMS: dict = {}


def check(ctx, params):
    """Yield one hit per (flow, field) sent in a more identifying form than held."""
    for broken in ctx.lineage.broken:
        if broken.rule == ID:
            source = ctx.model.flows[broken.flow].source
            yield Hit(f"flow:{broken.flow}", (broken.field,),
                      f"sends {broken.field} {broken.declared} but {source} holds it only "
                      f"{broken.held}: declare form {broken.held}, or model where the "
                      f"{broken.declared} form comes from")
