"""Small helpers shared by the built-in checks."""

from __future__ import annotations

from lineage.model.entities import FORM_RANK

TIER_SEVERITY = {1: "low", 2: "medium", 3: "high", 4: "critical"}
CONTROLLER_ROLES = ("controller", "joint_controller")


def tier_severity(ctx, fields) -> str:
    """Severity by the highest tier among `fields`: 1 low, 2 medium, 3 high, 4 critical."""
    return TIER_SEVERITY[max(ctx.model.field_info(f).tier for f in fields)]


def needs(purpose) -> dict[str, int]:
    """Return the fields a purpose needs and the most identifying form rank it needs each in."""
    return {use.field: FORM_RANK[use.form] for use in purpose.needs}


def outside_controller(ctx, system_id: str) -> bool:
    """Whether a system belongs to an organization that is not a (joint) controller."""
    org = ctx.model.organizations[ctx.model.systems[system_id].organization]
    return org.role not in CONTROLLER_ROLES


def listing(ids) -> str:
    """Join ids for a message.

    Examples
    --------
    >>> listing(["a", "b"])
    'a, b'
    """
    return ", ".join(ids)


def duration_days(text: str) -> float:
    """Return an ISO 8601 duration in days (a month is 30.44 days, a year 365.25).

    Examples
    --------
    >>> duration_days("P1Y") > duration_days("P11M") > duration_days("P30D")
    True
    """
    import re

    m = re.match(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$",
                 text)
    y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return y * 365.25 + mo * 30.44 + w * 7 + d + (h * 3600 + mi * 60 + s) / 86400


def category_matches(category: str, patterns) -> bool:
    """Whether `category` matches any pattern: a glob, or a parent of the category.

    Examples
    --------
    >>> category_matches("gov_id.passport", ["gov_id"]), category_matches("contact.personal", ["contact.*"])
    (True, True)
    >>> category_matches("identity.name", ["identity.dob_age", "nationality"])
    False
    """
    from fnmatch import fnmatchcase

    return any(fnmatchcase(category, p) or category.startswith(p + ".") for p in patterns)


def org_holdings(ctx) -> dict[str, int]:
    """Return, per organization id, the fields its systems hold (any form)."""
    out: dict[str, int] = {}
    for sid, system in ctx.model.systems.items():
        out[system.organization] = out.get(system.organization, 0) | ctx.lineage.held_mask(sid)
    return out
