"""SEC001 insecure-channel: a tier 3 or 4 field travels raw over an unprotected channel.

Why     GDPR Art. 32(1)(a): encryption of personal data in transit; e-mail and manual
        transfers get mis-sent, forwarded and lost (EDPB Guidelines 01/2021, cases
        on mis-sent post and e-mail).
Fix     Move the flow to an encrypted channel (sftp, api with TLS) and set
        `encrypted: true`, or send the field pseudonymised.
Params  min_tier: lowest tier that counts, default 3.
Fails   flow over email carrying nationality raw -> flow:ID [nationality]
        flow with encrypted: false carrying foreigner_id raw
Passes  the same fields over sftp with encrypted: true.

Severity follows the highest tier sent, as MIN001's (SPEC section 3: field
tiers drive SEC001 severities): tier 3 high, tier 4 critical.
"""

from lineage.findings import Hit
from lineage.model.types import Int
from lineage.rules.common import tier_severity

ID, NAME = "SEC001", "insecure-channel"
PARAMS = {"min_tier": Int(1, 4)}
UNSAFE_CHANNELS = ("email", "manual")
SEVERITY_NOTE = "by field tier"


def check(ctx, params):
    """Yield a hit per flow carrying high-tier raw fields unencrypted or by e-mail or hand."""
    model = ctx.model
    for flow in model.flows.values():
        unsafe = flow.encrypted is False or flow.channel in UNSAFE_CHANNELS
        if not unsafe:
            continue
        fields = tuple(sorted(u.field for u in flow.fields
                              if u.form == "raw" and model.field_info(u.field).tier >= params["min_tier"]))
        if fields:
            yield Hit(f"flow:{flow.id}", fields, f"sends {', '.join(fields)} raw {_how(flow)}")


def _how(flow) -> str:
    """Say what is unsafe about the flow's channel, and what to do."""
    fix = "use an encrypted channel (sftp, api) with `encrypted: true`, or pseudonymise"
    if flow.channel not in UNSAFE_CHANNELS:
        return f"unencrypted: {fix}"
    if flow.encrypted:  # S/MIME, secure messaging: the copies still sit in mailboxes, printouts, hands
        return (f"over {flow.channel}, which leaves copies in mailboxes or on paper even when encrypted in "
                f"transit: {fix}")
    return f"over {flow.channel}: {fix}"


def severity(hit, ctx, params):
    """By the highest tier among the fields sent."""
    return tier_severity(ctx, hit.fields)
