"""MIN002 missing-minimisation: a flow carries a field more identifiably than its purpose needs.

Why     GDPR Art. 5(1)(c) and Art. 25(1): pseudonymise or aggregate where the purpose
        can work with it; an identifying form the purpose does not need is excess risk.
Fix     Send the field in the form the purpose needs (e.g. pseudonymised), or relax
        the purpose's need if it truly requires the identifying form.
Params  none.
Fails   purpose needs {field: foreigner_id, form: pseudonymised}; flow carries foreigner_id raw
        -> flow:ID [foreigner_id]
Passes  the flow carries {field: foreigner_id, form: pseudonymised} (or aggregated).

One finding per field; severity follows the field's tier, as MIN001.
"""

from lineage.findings import Hit
from lineage.model.entities import FORM_RANK, FORMS
from lineage.rules.common import flows_with_needs, tier_severity

ID, NAME = "MIN002", "missing-minimisation"
SEVERITY_NOTE = "by field tier"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per needed field carried in a more identifying form than needed."""
    for flow, needed in flows_with_needs(ctx):
        for use in flow.fields:
            rank = needed.get(use.field)
            if rank is not None and FORM_RANK[use.form] < rank:
                yield Hit(f"flow:{flow.id}", (use.field,),
                          f"carries {use.field} {use.form} but purpose {flow.purpose} needs it only "
                          f"{FORMS[rank]}: send it {FORMS[rank]}")


def severity(hit, ctx, params):
    """By the field's tier."""
    return tier_severity(ctx, hit.fields)
