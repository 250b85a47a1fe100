"""RISK003 special-data-without-condition: art9/art10 data flow for a purpose without a condition.

Why     GDPR Art. 9(1) prohibits processing special categories unless an Art. 9(2)
        condition applies; Art. 10 data need official authority or a legal basis with
        safeguards. A purpose that carries such data must name its condition.
Fix     Set the purpose's `special_condition` (the Art. 9(2) letter a..j, or art10;
        a list such as [h, art10] when it carries both), or stop sending the field.
Params  none.
Fails   flow carries health for purpose hr_admin with special_condition none -> flow:ID [health]
Passes  purpose hr_admin has special_condition: b.

An art10 field needs `art10` among the purpose's conditions; an art9 field needs
a letter among them. A field sent anonymised is not personal data (GDPR
Recital 26) and is not reported.
"""

from lineage.findings import Hit
from lineage.model.entities import is_personal

ID, NAME = "RISK003", "special-data-without-condition"
PARAMS: dict = {}


def shown(conditions: tuple[str, ...]) -> str:
    """Write conditions as in the model: one value, or a YAML list.

    Examples
    --------
    >>> shown(("none",)), shown(("h", "art10"))
    ('none', '[h, art10]')
    """
    return conditions[0] if len(conditions) == 1 else f"[{', '.join(conditions)}]"


def fits(special: str, conditions: tuple[str, ...]) -> bool:
    """Whether `conditions` cover data of kind `special` (art9 or art10).

    Examples
    --------
    >>> fits("art10", ("h",)), fits("art10", ("h", "art10")), fits("art9", ("art10",)), fits("art9", ("b",))
    (False, True, False, True)
    """
    if special == "art10":
        return "art10" in conditions
    return any(c not in ("none", "art10") for c in conditions)


def check(ctx, params):
    """Yield a hit per (flow, special field) whose purpose names no fitting condition."""
    model = ctx.model
    for flow in model.flows.values():
        conditions = model.purposes[flow.purpose].special_condition if flow.purpose else ("none",)
        kinds = {model.field_info(use.field).special for use in flow.fields if is_personal(use.form)}
        for use in flow.fields:
            special = model.field_info(use.field).special
            if special == "none" or not is_personal(use.form) or fits(special, conditions):
                continue
            if {"art9", "art10"} <= kinds and not any(fits(kind, conditions) for kind in ("art9", "art10")):
                want = "[<letter a..j>, art10] (the flow carries both Art. 9 and Art. 10 data)"
            else:
                want = "art10" if special == "art10" else "the Art. 9(2) letter (a..j)"
            if not flow.purpose:
                why = f"for no purpose: set the flow's purpose, with special_condition {want} on it"
            elif conditions == ("none",):
                why = f"for {flow.purpose} whose special_condition is none: set special_condition to {want}"
            else:  # it has a condition for the other kind: both are needed, as a list
                example = [*conditions, "art10"] if special == "art10" else ["<letter>", *conditions]
                why = (f"for {flow.purpose} whose special_condition is {shown(conditions)}: add {want} to it "
                       f"(special_condition: {shown(tuple(example))})")
            yield Hit(f"flow:{flow.id}", (use.field,),
                      f"carries {use.field} ({special} data) {why}, or stop sending it")
