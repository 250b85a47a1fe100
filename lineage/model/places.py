"""Countries, the EEA and adequacy decisions (GDPR Chapter V).

References
----------
GDPR Art. 45 (adequacy), Art. 46 (safeguards); Commission adequacy decisions
as of early 2026 (see shared/domain/gdpr-reference.md, section 6).
"""

COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())  # noqa: SIM905

#: EU 27, the EEA-EFTA states, and the EU outermost regions that ISO codes apart.
EEA = frozenset("""
AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE
IS LI NO GF GP MQ RE YT MF AX
""".split())  # noqa: SIM905

#: Countries with a full adequacy decision (Art. 45).
ADEQUATE = frozenset({"AD", "AR", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY", "BR"})

#: Adequacy that holds only for certified or covered organisations (US DPF, Canada PIPEDA):
#: it counts only when the organization declares ``transfer_safeguard: adequacy``.
PARTIAL_ADEQUACY = frozenset({"US", "CA"})


def transfer_is_safe(country: str, safeguard: str | None) -> bool:
    """Return whether personal data may reach `country` under `safeguard`.

    Examples
    --------
    >>> transfer_is_safe("NO", None), transfer_is_safe("CH", None)
    (True, True)
    >>> transfer_is_safe("US", None), transfer_is_safe("US", "adequacy"), transfer_is_safe("IN", "scc")
    (False, True, True)
    """
    if country in EEA or country in ADEQUATE:
        return True
    if safeguard in (None, "none"):
        return False
    if safeguard == "adequacy":
        return country in PARTIAL_ADEQUACY
    return True
