"""Small helpers shared by the built-in checks."""

from __future__ import annotations

from lineage.errors import Loc
from lineage.model.entities import CONTROLLER_ROLES, FORM_RANK, LAST_PERSONAL_FORM, is_personal
from lineage.model.types import Text

TIER_SEVERITY = {1: "low", 2: "medium", 3: "high", 4: "critical"}

def personal_fields(flow) -> tuple[str, ...]:
    """Return the fields a flow carries as personal data, i.e. in any form but anonymised."""
    return tuple(u.field for u in flow.fields if is_personal(u.form))


def carries_personal(ctx, flow_id: str) -> bool:
    """Whether a flow carries any field as personal data (the bitset test of :func:`personal_fields`)."""
    return bool(ctx.lineage.declared[flow_id][FORM_RANK[LAST_PERSONAL_FORM]])


def personal_mask(ctx, system_id: str) -> int:
    """Return the fields a system holds as personal data (any form but anonymised), as a bitset."""
    return ctx.lineage.held_mask(system_id, LAST_PERSONAL_FORM)


def tier_severity(ctx, fields) -> str:
    """Severity by the highest tier among `fields`: 1 low, 2 medium, 3 high, 4 critical."""
    return TIER_SEVERITY[max(ctx.model.field_info(f).tier for f in fields)]


def needs(purpose) -> dict[str, int]:
    """Return the fields a purpose needs and the most identifying form rank it needs each in."""
    return {use.field: FORM_RANK[use.form] for use in purpose.needs}


def flows_with_needs(ctx):
    """Yield each flow that has a purpose, with what that purpose needs (see :func:`needs`)."""
    needed_by = {pid: needs(p) for pid, p in ctx.model.purposes.items()}
    for flow in ctx.model.flows.values():
        if flow.purpose is not None:
            yield flow, needed_by[flow.purpose]


def system_purposes(ctx, system_id: str) -> set[str]:
    """Return the purposes a system holds personal data for: those of its collections and inbound flows.

    A flow that brings only anonymised data brings no personal data, nor its purpose.
    """
    flows = ctx.model.flows
    out = {c.purpose for c in ctx.model.systems[system_id].collects}
    out |= {flows[fid].purpose for _, _, fid in ctx.lineage.G.in_edges(system_id, keys=True)
            if carries_personal(ctx, fid)}
    out.discard(None)
    return out


def outside_controller(ctx, system_id: str) -> bool:
    """Whether a system belongs to an organization that is not a (joint) controller or an authority."""
    org = ctx.model.organizations[ctx.model.systems[system_id].organization]
    return org.role not in CONTROLLER_ROLES


def critical_outside_controller(hit, ctx, params) -> str:
    """Severity hook of system rules: high; critical when the system is outside the controller."""
    return "critical" if outside_controller(ctx, hit.target.split(":", 1)[1]) else "high"


class ModelRef(str):
    """A name written in a rule file that the model must define, with where it is written."""

    loc: Loc

    def __new__(cls, value: str, loc: Loc):
        """Make the text `value`, remembering `loc`."""
        ref = super().__new__(cls, value)
        ref.loc = loc
        return ref


class CategoryRef(ModelRef):
    """A category id or glob written in a rule file."""


class FieldRef(ModelRef):
    """A field id written in a rule file."""


class CategoryPattern(Text):
    """A category id or glob (``immigration.*``); checked against the model's categories once both are read."""

    def convert(self, node, ctx):
        """Return the pattern as a :class:`CategoryRef`."""
        return CategoryRef(super().convert(node, ctx), node.loc)


class FieldId(Text):
    """A field id; checked against the model's fields once both are read."""

    def convert(self, node, ctx):
        """Return the id as a :class:`FieldRef`."""
        return FieldRef(super().convert(node, ctx), node.loc)


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
    """Return, per organization id, the fields its systems hold as personal data (not anonymised)."""
    out: dict[str, int] = {}
    for sid, system in ctx.model.systems.items():
        out[system.organization] = out.get(system.organization, 0) | personal_mask(ctx, sid)
    return out
