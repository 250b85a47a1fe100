"""The built-in field-category taxonomy: tier, identifier kind, special flag.

Tiers: 1 low, 2 moderate, 3 high, 4 very high. ``identifier`` says whether a
field of the category identifies a person directly, indirectly (quasi) or
not at all; ``special`` marks Art. 9 and Art. 10 data. A model extends this
table with ``categories:``; a custom category may leave out what its parent
(the id up to its last dot) already defines.

References
----------
GDPR Art. 9, 10, 87; ENISA severity methodology (2013); WP248 rev.01.
See shared/domain/gdpr-reference.md, section 8.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryInfo:
    """Resolved properties of a category."""

    tier: int
    identifier: str  # direct | quasi | none
    special: str  # none | art9 | art10


_TABLE = """
identity.name          2 direct none
identity.dob_age       2 quasi  none
contact.personal       2 direct none
contact.business       1 direct none
gov_id                 3 direct none
immigration.status     3 quasi  none
immigration.asylum     4 quasi  none
nationality            3 quasi  none
location.precise       3 quasi  none
location.coarse        1 quasi  none
financial              3 quasi  none
credentials            3 none   none
device_online_id       2 direct none
behavioural            2 none   none
communications         3 none   none
employment_hr          3 none   none
education              2 none   none
image_voice            2 direct none
health                 4 none   art9
biometric              4 direct art9
genetic                4 direct art9
ethnic_origin          4 none   art9
religion_belief        4 none   art9
political              4 none   art9
trade_union            4 none   art9
sex_life_orientation   4 none   art9
criminal               4 none   art10
"""

BUILTIN: dict[str, CategoryInfo] = {
    cid: CategoryInfo(int(tier), ident, special)
    for cid, tier, ident, special in (line.split() for line in _TABLE.strip().splitlines())
}


def parent(category: str) -> str | None:
    """Return the parent id of a dotted category id, or None.

    Examples
    --------
    >>> parent("gov_id.passport"), parent("gov_id")
    ('gov_id', None)
    """
    return category.rsplit(".", 1)[0] if "." in category else None
