"""MIN001 excess-field: a flow carries a field that its purpose's `needs` does not list.

Why     GDPR Art. 5(1)(c), data minimisation: only what the purpose needs. A field
        a recipient does not need is exposed for nothing when it leaks: in the
        January 2026 leak reported at a training subcontractor of the French
        immigration office, the type and ground of stay and the entry date were
        reportedly among the fields leaked, fields that a training purpose
        plausibly does not need.
Fix     Drop the field from the flow, or add it to the purpose's `needs` if the
        purpose truly requires it.
Params  ignore_categories: list of category patterns never reported, default [].
Fails   purpose needs [full_name]; flow carries [full_name, nationality] -> flow:ID [nationality]
Passes  the flow carries [full_name].

One finding per field; severity follows the field's tier: 1 low, 2 medium,
3 high, 4 critical. Flows without a purpose are MIN003's. A field sent
anonymised is not personal data (GDPR Recital 26) and is never excess.
"""

from lineage.findings import Hit
from lineage.model.entities import is_personal
from lineage.model.types import ListOf
from lineage.rules.common import CategoryPattern, category_matches, flows_with_needs, tier_severity

ID, NAME = "MIN001", "excess-field"
SEVERITY_NOTE = "by field tier"
PARAMS = {"ignore_categories": ListOf(CategoryPattern())}


def check(ctx, params):
    """Yield a hit per carried field that the flow's purpose does not need."""
    ignored = params.get("ignore_categories", ())
    for flow, needed in flows_with_needs(ctx):
        for use in flow.fields:
            if use.field in needed or not is_personal(use.form):
                continue
            category = ctx.model.fields[use.field].category
            if not category_matches(category, ignored):
                yield Hit(f"flow:{flow.id}", (use.field,),
                          f"carries {use.field}, which purpose {flow.purpose} does not need: drop it "
                          f"from the flow, or add it to the purpose's needs")


def severity(hit, ctx, params):
    """By the field's tier."""
    return tier_severity(ctx, hit.fields)
