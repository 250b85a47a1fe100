"""WAIV001 expired-waiver: a waiver's `expires` date is past.

Why     An accepted risk must be reviewed; once its date passes, the waived findings
        come back and this finding says so (or that none is left, and the waiver can go).
Fix     Fix the finding, or renew the waiver with a new reason and date.
Params  none.
Fails   waiver for MIN001 on flow:x expired 2026-01-31 -> flow:x (located at the waiver)
"""

from lineage.findings import Hit

ID, NAME = "WAIV001", "expired-waiver"
PARAMS: dict = {}
AFTER_WAIVERS = True


def check(ctx, params):
    """Yield a hit per expired waiver, located at the waiver."""
    for index, waiver in enumerate(ctx.model.waivers):
        if waiver.expires < ctx.today:
            rule = ctx.rules.get(waiver.rule)
            ran = rule is not None and rule.enabled and not rule.skipped
            fix = ("and no finding is left for it: delete it" if ran and not ctx.waiver_matches.get(index)
                   else "fix the finding or renew the waiver")
            yield Hit(waiver.target, waiver.fields,
                      f"the waiver of {waiver.rule} expired on {waiver.expires.isoformat()}: {fix}",
                      loc=waiver.loc, key=waiver.rule)
