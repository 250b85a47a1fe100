"""MIN005 excess-retention: data are kept longer than their purpose allows.

Why     GDPR Art. 5(1)(e), storage limitation: identifiable data no longer than the
        purpose needs.
Fix     Shorten the retention, or justify a longer `max_retention` on the purpose.
Params  none.
Fails   purpose max_retention P2Y; flow retention P5Y -> flow:ID.
        A system keeping P10Y while the purposes it holds data for allow at most P5Y -> system:ID.

A flow is checked against its purpose. A system is checked against the
longest `max_retention` of the purposes it holds data for (through
`collects` and inbound flows); when one of them sets no maximum, there is
no limit to check. Durations compare in days: a year is 365.25 days and a
month a twelfth of a year, so P24M equals P2Y, P31D exceeds P1M and P366D
exceeds P1Y. Anonymised data are not personal data (Recital 26): a flow
carrying only them, or a system holding only them, keeps no personal data.
"""

from lineage.findings import Hit
from lineage.model.types import duration_days
from lineage.rules.common import personal_fields, system_purposes

ID, NAME = "MIN005", "excess-retention"
PARAMS: dict = {}


def check(ctx, params):
    """Yield hits for flows and systems whose retention exceeds what the purposes allow."""
    model = ctx.model
    for flow in model.flows.values():
        purpose = model.purposes.get(flow.purpose) if flow.purpose else None
        if (flow.retention and purpose and purpose.max_retention and personal_fields(flow)
                and duration_days(flow.retention) > duration_days(purpose.max_retention)):
            yield Hit(f"flow:{flow.id}", tuple(u.field for u in flow.fields),
                      f"keeps data {flow.retention} but purpose {purpose.id} allows at most "
                      f"{purpose.max_retention}: shorten the flow's retention", identity=(), about="retention")
    for sid, system in model.systems.items():
        if not system.retention:
            continue
        purposes = system_purposes(ctx, sid)
        limits = [model.purposes[p].max_retention for p in purposes]
        if not limits or None in limits:
            continue
        longest = max(limits, key=duration_days)
        if duration_days(system.retention) > duration_days(longest):
            yield Hit(f"system:{sid}", (),
                      f"keeps data {system.retention} but its purposes ({', '.join(sorted(purposes))}) "
                      f"allow at most {longest}: shorten the system's retention", about="retention")
