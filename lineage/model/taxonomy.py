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
device_online_id       2 quasi  none
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


#: ENISA's data processing context (DPC, 1..4) of each built-in category: the base score
#: and the score raised in context (for vulnerable people or children, ENISA's "special
#: groups"). From the ENISA column of section 8; "1→3" there is base 1, raised 3.
#: Credentials score as what they unlock; the model does not say what, so they count as an
#: account takeover: 3, like financial data.
_ENISA = """
identity.name          1 1
identity.dob_age       1 1
contact.personal       1 1
contact.business       1 1
gov_id                 1 3
immigration.status     1 3
immigration.asylum     4 4
nationality            1 3
location.precise       2 2
location.coarse        2 2
financial              3 3
credentials            3 3
device_online_id       2 2
behavioural            2 2
communications         2 3
employment_hr          1 3
education              1 1
image_voice            1 1
health                 4 4
biometric              4 4
genetic                4 4
ethnic_origin          4 4
religion_belief        4 4
political              4 4
trade_union            4 4
sex_life_orientation   4 4
criminal               4 4
"""

ENISA_DPC: dict[str, tuple[int, int]] = {
    cid: (int(base), int(raised)) for cid, base, raised in (line.split() for line in _ENISA.strip().splitlines())
}


def parent(category: str) -> str | None:
    """Return the parent id of a dotted category id, or None.

    Examples
    --------
    >>> parent("gov_id.passport"), parent("gov_id")
    ('gov_id', None)
    """
    return category.rsplit(".", 1)[0] if "." in category else None
