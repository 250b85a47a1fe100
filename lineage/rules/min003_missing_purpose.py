"""MIN003 missing-purpose: a flow carrying personal data has no purpose.

Why     GDPR Art. 5(1)(b), purpose limitation: data move only for a specified,
        explicit purpose, and the purpose is what minimisation is checked against.
Fix     Add `purpose:` to the flow.
Params  none.
Fails   flow crm -> bi carries [email] with no purpose -> flow:ID
"""

from lineage.findings import Hit

ID, NAME, TARGET = "MIN003", "missing-purpose", "flow"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per flow with fields and no purpose."""
    for flow in ctx.model.flows.values():
        if flow.purpose is None and flow.fields:
            yield Hit(f"flow:{flow.id}", tuple(u.field for u in flow.fields),
                      "carries personal data without a purpose: add `purpose:` to the flow")
