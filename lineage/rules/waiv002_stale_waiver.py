"""WAIV002 stale-waiver: a waiver matches no finding.

Why     A waiver that waives nothing hides nothing today but will silently hide a
        future finding; remove it once its finding is fixed.
Fix     Delete the waiver, or correct its rule, target or fields.
Params  none.
Fails   waiver for MIN001 on flow:x while flow:x has no MIN001 finding -> flow:x
        waiver for a disabled rule -> flow:x
Passes  waiver of a rule left out of this run (check --skip-check, --check)

The message says when the waiver's rule is disabled. A waiver naming no rule
of the pack is an input error (exit 2), like any dangling reference.
"""

from lineage.findings import Hit

ID, NAME = "WAIV002", "stale-waiver"
PARAMS: dict = {}
AFTER_WAIVERS = True


def check(ctx, params):
    """Yield a hit per unexpired waiver that matched no finding."""
    for index, waiver in enumerate(ctx.model.waivers):
        rule = ctx.rules.get(waiver.rule)  # None: a base revision's waiver of a rule the pack lacks (--diff-base)
        if rule is None or rule.skipped:
            continue
        if waiver.expires >= ctx.today and not ctx.waiver_matches.get(index):
            partial = ctx.waiver_partial.get(index)
            if not rule.enabled:
                fix = f" (rule {waiver.rule} is disabled): delete it"
            elif partial:
                fix = (f": the {waiver.rule} finding on {waiver.target} is about {', '.join(partial)}; "
                       f"list them all in its fields to waive it, or delete it")
            else:
                fix = ": delete it or correct its rule, target or fields"
            yield Hit(waiver.target, waiver.fields, f"the waiver of {waiver.rule} matches no finding{fix}",
                      loc=waiver.loc, key=waiver.rule)
