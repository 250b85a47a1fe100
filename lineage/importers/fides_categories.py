"""How Fides data categories, subjects and legal bases map to the lineage model.

Fides (fideslang 2.x/3.x default taxonomy) classifies data by dotted keys such
as ``user.contact.email``; lineage uses the categories of
shared/domain/gdpr-reference.md, section 8 (:mod:`lineage.model.taxonomy`).
The table below maps every one of the 85 default Fides data categories:

* to a built-in lineage category where one fits (``user.contact.email`` ->
  ``contact.personal``);
* to ``None`` for ``system.*``, which is not personal data: fields that carry
  only such categories are not imported;
* to a :class:`Custom` entry where nothing fits: the importer declares the
  category ``fides.<key>`` with the tier, identifier kind and special flag
  given here.

A key that is not in the table (an organisation's own category) takes the
mapping of its nearest ancestor (``user.contact.email.work`` ->
``contact.personal``); one with no known ancestor becomes a custom category
``fides.<key>`` with :data:`UNKNOWN` (tier 2, quasi-identifier) and a TODO.

Choices worth knowing:

* ``user.contact.address.city/state/country/postal_code`` are
  ``location.coarse``; street and the whole address are ``contact.personal``.
* ``user.demographic.gender`` is ``identity.dob_age`` (the section 8 table
  puts the sex/gender marker there).
* ``user.government_id.immigration`` ("Immigration ID") is ``gov_id``, like
  the residence-permit and immigration-file numbers of section 8; residency
  *status* would be ``immigration.status``.
* ``user.health_and_medical.insurance_beneficiary_id`` and ``record_id`` are
  ``health``: a number assigned for health purposes is health data
  (GDPR Recital 35). ``user.biometric.health`` is ``health`` too.
* ``user.unique_id`` (a user id assigned by a system) is ``device_online_id``,
  an online identifier (Recital 30).
* ``user.childrens`` is not a category in lineage (children are a property of
  subjects): it becomes a custom tier 3 category, and the subjects of the
  declarations that declare it are marked ``children: true``.

References
----------
fideslang default taxonomy (github.com/ethyca/fideslang, data_files/, CC BY 4.0);
GDPR Art. 9, 10, Recitals 30 and 35; shared/domain/gdpr-reference.md section 8.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Custom:
    """A custom category declared as ``fides.<key>``: its tier, identifier kind and special flag."""

    tier: int
    identifier: str = "none"
    special: str = "none"


#: Fides data category -> lineage category id, a Custom category, or None (not personal data).
CATEGORIES: dict[str, str | Custom | None] = {
    "system": None,
    "system.authentication": None,
    "system.operations": None,
    "user": Custom(2, "quasi"),  # unspecified user data: declare the real fields
    "user.account": Custom(2, "direct"),  # registration data: an account identifies its holder
    "user.account.settings": "behavioural",
    "user.account.username": Custom(2, "direct"),
    "user.authorization": "credentials",
    "user.authorization.biometric": "biometric",
    "user.authorization.credentials": "credentials",
    "user.authorization.password": "credentials",
    "user.behavior": "behavioural",
    "user.behavior.browsing_history": "behavioural",
    "user.behavior.media_consumption": "behavioural",
    "user.behavior.purchase_history": "behavioural",
    "user.behavior.search_history": "behavioural",
    "user.biometric": "biometric",
    "user.biometric.fingerprint": "biometric",
    "user.biometric.health": "health",
    "user.biometric.retinal": "biometric",
    "user.biometric.voice": "biometric",
    "user.childrens": Custom(3, "quasi"),
    "user.contact": "contact.personal",
    "user.contact.address": "contact.personal",
    "user.contact.address.city": "location.coarse",
    "user.contact.address.country": "location.coarse",
    "user.contact.address.postal_code": "location.coarse",
    "user.contact.address.state": "location.coarse",
    "user.contact.address.street": "contact.personal",
    "user.contact.email": "contact.personal",
    "user.contact.fax_number": "contact.personal",
    "user.contact.organization": "contact.business",
    "user.contact.phone_number": "contact.personal",
    "user.contact.url": "contact.personal",
    "user.content": "communications",
    "user.content.private": "communications",
    "user.content.public": Custom(1),  # published by the subject
    "user.content.self_image": "image_voice",
    "user.criminal_history": "criminal",
    "user.demographic": Custom(2, "quasi"),
    "user.demographic.age_range": "identity.dob_age",
    "user.demographic.date_of_birth": "identity.dob_age",
    "user.demographic.gender": "identity.dob_age",
    "user.demographic.language": Custom(2, "quasi"),  # may reveal origin
    "user.demographic.marital_status": Custom(2, "quasi"),
    "user.demographic.political_opinion": "political",
    "user.demographic.profile": "behavioural",
    "user.demographic.race_ethnicity": "ethnic_origin",
    "user.demographic.religious_belief": "religion_belief",
    "user.demographic.sexual_orientation": "sex_life_orientation",
    "user.device": "device_online_id",
    "user.device.cookie": "device_online_id",
    "user.device.cookie_id": "device_online_id",
    "user.device.device_id": "device_online_id",
    "user.device.ip_address": "device_online_id",
    "user.financial": "financial",
    "user.financial.bank_account": "financial",
    "user.financial.credit_card": "financial",
    "user.government_id": "gov_id",
    "user.government_id.birth_certificate": "gov_id",
    "user.government_id.drivers_license_number": "gov_id",
    "user.government_id.immigration": "gov_id",
    "user.government_id.national_identification_number": "gov_id",
    "user.government_id.passport_number": "gov_id",
    "user.government_id.vehicle_registration": "gov_id",
    "user.health_and_medical": "health",
    "user.health_and_medical.genetic": "genetic",
    "user.health_and_medical.insurance_beneficiary_id": "health",
    "user.health_and_medical.record_id": "health",
    "user.job_title": "contact.business",
    "user.location": "location.precise",  # precision unknown: assume precise
    "user.location.imprecise": "location.coarse",
    "user.location.precise": "location.precise",
    "user.name": "identity.name",
    "user.name.first": "identity.name",
    "user.name.last": "identity.name",
    "user.payment": "financial",
    "user.privacy_preferences": Custom(1),
    "user.sensor": "behavioural",
    "user.social": "behavioural",
    "user.telemetry": "behavioural",
    "user.unique_id": "device_online_id",
    "user.unique_id.pseudonymous": Custom(2, "quasi"),
    "user.user_sensor": "behavioural",
    "user.workplace": "contact.business",
}

#: A category with no known ancestor: declared ``fides.<key>`` with this, and a TODO.
UNKNOWN = Custom(2, "quasi")

#: Default Fides data subjects that are vulnerable in the sense of WP248 criterion 7
#: (employees and applicants depend on the employer; patients).
VULNERABLE_SUBJECTS = frozenset({"employee", "job_applicant", "patient", "trainee"})

#: Fides ``legal_basis_for_processing`` (privacy declarations) -> Art. 6(1) legal basis.
LEGAL_BASES = {
    "consent": "consent",
    "contract": "contract",
    "legal obligations": "legal_obligation",
    "legal obligation": "legal_obligation",
    "vital interests": "vital_interests",
    "public interest": "public_task",
    "public task": "public_task",
    "legitimate interests": "legitimate_interests",
}

#: Fides ``special_category_legal_basis`` -> Art. 9(2) letter.
SPECIAL_CONDITIONS = {
    "explicit consent": "a",
    "consent": "a",
    "employment": "b",
    "vital interests": "c",
    "non-profit organisations": "d",
    "non-profit organizations": "d",
    "public by data subject": "e",
    "legal claims": "f",
    "substantial public interest": "g",
    "medical": "h",
    "public health interest": "i",
}


def lookup(
    key: str, parents: dict[str, str] | None = None
) -> tuple[str | None, str | Custom | None]:
    """Return the table key that decides `key`, and its mapping.

    The table key is `key` itself, or its nearest ancestor in the table, found
    through `parents` (declared ``parent_key`` of custom categories) or the
    dotted prefix. ``(None, UNKNOWN)`` when no ancestor is known.

    Examples
    --------
    >>> lookup("user.contact.email")
    ('user.contact.email', 'contact.personal')
    >>> lookup("user.contact.email.work")
    ('user.contact.email', 'contact.personal')
    >>> lookup("system.operations")
    ('system.operations', None)
    >>> lookup("crm.score")
    (None, Custom(tier=2, identifier='quasi', special='none'))
    """
    parents = parents or {}
    seen: set[str] = set()
    current: str | None = key
    while current and current not in seen:
        if current in CATEGORIES:
            return current, CATEGORIES[current]
        seen.add(current)
        current = parents.get(current) or (current.rsplit(".", 1)[0] if "." in current else None)
    return None, UNKNOWN
