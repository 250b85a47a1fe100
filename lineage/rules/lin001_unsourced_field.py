"""LIN001 unsourced-field: a flow sends a field its source system does not hold.

Why     A system can only send what it holds (SPEC section 2, "Lineage"); a field
        that appears from nowhere means the model misses a collection point or a
        flow, so the real holders of the data are unknown (Art. 5(2), Art. 30).
Fix     Add the collection or the inbound flow that brings the field to the
        source system, or drop the field from the flow.
Params  none.
Fails   crm collects [full_name]; flow crm -> mailer carries [full_name, phone] -> flow:ID [phone]
Passes  the same flow after crm collects phone, or receives it on a flow.

A flow explained by a broken flow upstream is not reported again; the
flows of a loop that nothing feeds are all reported.
"""

from lineage.findings import Hit

ID, NAME = "LIN001", "unsourced-field"
PARAMS: dict = {}


def check(ctx, params):
    """Yield one hit per (flow, field) whose source holds none of the field."""
    for broken in ctx.lineage.broken:
        if broken.rule == ID:
            source = ctx.model.flows[broken.flow].source
            yield Hit(f"flow:{broken.flow}", (broken.field,),
                      f"sends {broken.field} but {source} does not hold it (no collection, derivation "
                      f"or inbound flow brings it): add where it comes from, or drop it from the flow")
