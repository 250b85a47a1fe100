"""MIN003 missing-purpose: a flow carrying personal data has no purpose.

Why     GDPR Art. 5(1)(b), purpose limitation: data move only for a specified,
        explicit purpose, and the purpose is what minimisation is checked against.
Fix     Add `purpose:` to the flow.
Params  none.
Fails   flow crm -> bi carries [email] with no purpose -> flow:ID [email]
Passes  the flow has `purpose: ...`; or it carries nothing, or only anonymised fields
        (not personal data, GDPR Recital 26).
"""

from lineage.findings import Hit
from lineage.rules.common import personal_fields

ID, NAME = "MIN003", "missing-purpose"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per flow with personal data and no purpose."""
    for flow in ctx.model.flows.values():
        fields = personal_fields(flow)
        if flow.purpose is None and fields:
            yield Hit(f"flow:{flow.id}", fields,
                      "carries personal data without a purpose: add `purpose:` to the flow", identity=())
