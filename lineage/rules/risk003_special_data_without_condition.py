"""RISK003 special-data-without-condition: art9/art10 data flow for a purpose without a condition.

Why     GDPR Art. 9(1) prohibits processing special categories unless an Art. 9(2)
        condition applies; Art. 10 data need official authority or a legal basis with
        safeguards. A purpose that carries such data must name its condition.
Fix     Set the purpose's `special_condition` (the Art. 9(2) letter a..j, or art10),
        or stop sending the field.
Params  none.
Fails   flow carries health for purpose hr_admin with special_condition none -> flow:ID [health]
Passes  purpose hr_admin has special_condition: b.

An art10 field needs `art10`; an art9 field needs a letter. A field sent
anonymised is not personal data (GDPR Recital 26) and is not reported.
"""

from lineage.findings import Hit
from lineage.rules.common import is_personal

ID, NAME, TARGET = "RISK003", "special-data-without-condition", "flow"
PARAMS: dict = {}


def check(ctx, params):
    """Yield a hit per (flow, special field) whose purpose names no fitting condition."""
    model = ctx.model
    for flow in model.flows.values():
        condition = model.purposes[flow.purpose].special_condition if flow.purpose else "none"
        for use in flow.fields:
            special = model.field_info(use.field).special
            if special == "none" or not is_personal(use.form):
                continue
            fits = condition == "art10" if special == "art10" else condition not in ("none", "art10")
            if not fits:
                want = "art10" if special == "art10" else "the Art. 9(2) letter (a..j)"
                why = (f"for {flow.purpose} whose special_condition is {condition}: set special_condition to "
                       f"{want}" if flow.purpose else
                       f"for no purpose: set the flow's purpose, with special_condition {want} on it")
                yield Hit(f"flow:{flow.id}", (use.field,),
                          f"carries {use.field} ({special} data) {why}, or stop sending it")
