"""The typed entities of the model format, one frozen dataclass per kind.

Each attribute is declared once with :func:`lineage.model.types.attr`: its
type, its documentation and whether it is required. Validation
(:func:`lineage.model.types.build`) and the JSON Schema (``lineage schema``)
both read these declarations. Every entity keeps ``loc`` (where its mapping
starts) and ``key_locs`` (where each of its keys is written).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lineage.errors import Loc
from lineage.model.types import (
    Bool,
    Country,
    Date,
    Details,
    Duration,
    Enum,
    Id,
    Int,
    ListOf,
    Obj,
    OneOrMany,
    Ref,
    Shorthand,
    Target,
    Text,
    attr,
)

#: Forms of a field, most to least identifying; the index is the form's rank.
FORMS = ("raw", "encrypted", "hashed", "masked", "pseudonymised", "generalised", "aggregated", "anonymised")
FORM_RANK = {form: rank for rank, form in enumerate(FORMS)}
#: The least identifying form that is still personal data: anonymised data are not (GDPR Recital 26).
LAST_PERSONAL_FORM = "aggregated"
#: The least identifying form that still says something of a person one can single out: aggregated
#: data are statistics over groups. Exposure scores (RISK001, impact) count these forms; the duties
#: (retention, contracts, transfers, records) cover every personal form, since the model does not
#: say how large the groups are.
LAST_IDENTIFIABLE_FORM = "generalised"
IDENTIFIERS = ("direct", "quasi", "none")
SPECIALS = ("none", "art9", "art10")
LEGAL_BASES = ("consent", "contract", "legal_obligation", "vital_interests", "public_task",
               "legitimate_interests")
SPECIAL_CONDITIONS = ("none", *"abcdefghij", "art10")
ROLES = ("controller", "joint_controller", "processor", "subprocessor", "recipient", "authority")
#: Roles that decide purposes and means themselves: a public authority is the controller of its own
#: processing (Art. 4(7)); processors work for one of these, and "outside the controller" is any other.
CONTROLLER_ROLES = ("controller", "joint_controller", "authority")
#: Roles that work for another organization, named by ``processor_for`` (Art. 28; a subprocessor
#: works for a processor).
PROCESSOR_ROLES = ("processor", "subprocessor")
SUBPROCESSING = ("none", "specific", "general")
SAFEGUARDS = ("adequacy", "scc", "bcr", "derogation", "none")
SYSTEM_TYPES = ("application", "database", "saas", "file_share", "spreadsheet", "mailbox", "api",
                "analytics", "backup", "endpoint")
EXPOSURES = ("internet", "partner", "internal")
CHANNELS = ("api", "sftp", "email", "file_export", "shared_database", "queue", "web", "manual")
TARGET_KINDS = ("flow", "system", "organization")


def is_personal(form: str) -> bool:
    """Whether a field in `form` is still personal data (any form but anonymised).

    Examples
    --------
    >>> is_personal("aggregated"), is_personal("anonymised")
    (True, False)
    """
    return FORM_RANK[form] <= FORM_RANK[LAST_PERSONAL_FORM]


@dataclass(frozen=True, kw_only=True)
class Entity:
    """Base of every entity: where it is written."""

    loc: Loc = field(compare=False, repr=False)
    key_locs: dict = field(compare=False, repr=False, default_factory=dict)

    def at(self, key: str) -> Loc:
        """Return where `key` is written in this entity, or the entity's own location."""
        return self.key_locs.get(key, self.loc)


@dataclass(frozen=True, kw_only=True)
class Category(Entity):
    """A field category that extends the built-in taxonomy."""

    id: str = attr(Id(), "Dotted category id, e.g. case.file_number", required=True)
    tier: int | None = attr(Int(1, 4), "1 low .. 4 very high; inherited from the parent category if left out")
    identifier: str | None = attr(Enum(IDENTIFIERS), "direct | quasi | none")
    special: str | None = attr(Enum(SPECIALS), "none | art9 | art10 (GDPR Art. 9 or 10 data)")
    description: str | None = attr(Text(), "What the category covers")


@dataclass(frozen=True, kw_only=True)
class Field(Entity):
    """A personal-data element."""

    id: str = attr(Id(), "Field id, e.g. full_name", required=True)
    category: str = attr(Ref("categories"), "Category id (built-in or declared under categories)",
                         required=True)
    description: str | None = attr(Text(), "What the field holds")
    tier: int | None = attr(Int(1, 4), "Overrides the category's tier")
    identifier: str | None = attr(Enum(IDENTIFIERS), "Overrides the category's identifier kind")
    derived_from: tuple[str, ...] = attr(ListOf(Ref("fields")),
                                         "Fields this one is computed from; a system holding all of them "
                                         "holds this one", default=())


@dataclass(frozen=True, kw_only=True)
class Subject(Entity):
    """A category of data subjects."""

    id: str = attr(Id(), "Subject id", required=True)
    name: str | None = attr(Text(), "Display name")
    description: str | None = attr(Text(), "Who they are")
    vulnerable: bool = attr(Bool(), "Migrants, asylum seekers, patients, employees, victims ... (WP248 criterion 7)",
                            default=False)
    children: bool = attr(Bool(), "Includes people under 18", default=False)
    population: int | None = attr(Int(0), "Number of people, order of magnitude")


@dataclass(frozen=True, kw_only=True)
class FieldUse(Entity):
    """A field in a given form."""

    field: str = attr(Ref("fields"), "Field id", required=True)
    form: str = attr(Enum(FORMS), "Form of the field: " + " | ".join(FORMS), default="raw")

    @property
    def key(self) -> str:
        """The field id: a list holds each field once."""
        return self.field


@dataclass(frozen=True, kw_only=True)
class Purpose(Entity):
    """A purpose of processing with what it needs."""

    id: str = attr(Id(), "Purpose id", required=True)
    name: str | None = attr(Text(), "Display name")
    description: str | None = attr(Text(), "What the processing is for")
    legal_basis: str | None = attr(Enum(LEGAL_BASES), "Art. 6(1) lawful basis")
    special_condition: tuple[str, ...] = attr(
        OneOrMany(Enum(SPECIAL_CONDITIONS), unique=True, alone="none"),
        "none, or the conditions its special-category data need: an Art. 9(2) letter a..j for "
        "Art. 9 data, art10 for Art. 10 data; one value or a list ([h, art10])", default=("none",))
    needs: tuple[FieldUse, ...] = attr(ListOf(Shorthand(FieldUse, "field")),
                                       "The minimum the purpose requires: field ids, or {field, form}",
                                       default=())
    max_retention: str | None = attr(Duration(), "Longest retention the purpose justifies (ISO 8601)")


@dataclass(frozen=True, kw_only=True)
class Dpa(Entity):
    """An Art. 28(3) data-processing agreement."""

    signed: bool = attr(Bool(), "Whether the agreement is signed", default=False)
    reference: str | None = attr(Text(), "Contract reference")
    date: dt.date | None = attr(Date(), "Date signed (YYYY-MM-DD)")


@dataclass(frozen=True, kw_only=True)
class Organization(Entity):
    """A controller, processor, subprocessor, recipient or authority."""

    id: str = attr(Id(), "Organization id", required=True)
    name: str | None = attr(Text(), "Legal name")
    role: str = attr(Enum(ROLES), " | ".join(ROLES), required=True)
    country: str = attr(Country(), "ISO 3166-1 alpha-2 country code", required=True)
    contact: str | None = attr(Details(), "Name and contact details: address, email, phone "
                                       "(Art. 30(1)(a), 30(2)(a))")
    dpo: str | None = attr(Details(), "Contact of its data protection officer (Art. 37-39)")
    representative: str | None = attr(Details(), "Its representative in the Union, when established outside it "
                                              "(Art. 27): name and contact details")
    processor_for: str | None = attr(Ref("organizations"),
                                     "processor: its controller; subprocessor: its processor")
    dpa: Dpa | None = attr(Obj(Dpa), "Art. 28(3) contract")
    subprocessing: str | None = attr(Enum(SUBPROCESSING), "What this processor may engage: none | specific | general")
    transfer_safeguard: str | None = attr(Enum(SAFEGUARDS),
                                          "Chapter V tool when outside the EEA: " + " | ".join(SAFEGUARDS))
    description: str | None = attr(Text(), "What the organization does")


@dataclass(frozen=True, kw_only=True)
class Security(Entity):
    """Security controls of a system (Art. 32)."""

    encryption_at_rest: bool | None = attr(Bool(), "Data encrypted at rest")
    mfa: bool | None = attr(Bool(), "Multi-factor authentication for access")
    access_logging: bool | None = attr(Bool(), "Access is logged")


@dataclass(frozen=True, kw_only=True)
class Collect(Entity):
    """Where data enter the graph: fields collected from a subject for a purpose."""

    subject: str = attr(Ref("subjects"), "Subject id", required=True)
    purpose: str = attr(Ref("purposes"), "Purpose id", required=True)
    fields: tuple[str, ...] = attr(ListOf(Ref("fields")), "Field ids collected", required=True)


@dataclass(frozen=True, kw_only=True)
class System(Entity):
    """An application, database, SaaS, mailbox ... run by an organization."""

    id: str = attr(Id(), "System id", required=True)
    name: str | None = attr(Text(), "Display name")
    description: str | None = attr(Text(), "What the system does")
    organization: str = attr(Ref("organizations"), "Organization that runs it", required=True)
    type: str = attr(Enum(SYSTEM_TYPES), " | ".join(SYSTEM_TYPES), default="application")
    country: str | None = attr(Country(), "ISO 3166-1 alpha-2; defaults to the organization's")
    exposure: str = attr(Enum(EXPOSURES), "internet | partner | internal", default="internal")
    retention: str | None = attr(Duration(), "How long it keeps personal data (ISO 8601)")
    security: Security | None = attr(Obj(Security), "Security controls")
    collects: tuple[Collect, ...] = attr(ListOf(Obj(Collect), unique=False), "Data collected here", default=())


@dataclass(frozen=True, kw_only=True)
class Flow(Entity):
    """Personal data moving from one system to another."""

    id: str = attr(Id(), "Flow id", required=True)
    source: str = attr(Ref("systems"), "Sending system", required=True, key="from")
    target: str = attr(Ref("systems"), "Receiving system", required=True, key="to")
    purpose: str | None = attr(Ref("purposes"), "Purpose of the flow")
    fields: tuple[FieldUse, ...] = attr(ListOf(Shorthand(FieldUse, "field")),
                                        "Fields carried: ids, or {field, form}", default=())
    channel: str | None = attr(Enum(CHANNELS), " | ".join(CHANNELS))
    encrypted: bool | None = attr(Bool(), "Encrypted in transit")
    volume: int | None = attr(Int(0), "Records a year")
    retention: str | None = attr(Duration(), "How long the recipient keeps what this flow brings")
    description: str | None = attr(Text(), "What the flow is")


@dataclass(frozen=True, kw_only=True)
class Waiver(Entity):
    """An accepted finding, with a reason and an expiry date."""

    rule: str = attr(Text(), "Rule id, e.g. MIN001", required=True)
    target: str = attr(Target(TARGET_KINDS), "kind:id, kind one of flow, system, organization", required=True)
    fields: tuple[str, ...] = attr(ListOf(Ref("fields")), "Only these fields of the finding", default=())
    reason: str = attr(Text(), "Why the finding is accepted (DPIA reference ...)", required=True)
    expires: dt.date = attr(Date(), "Date after which the waiver no longer applies", required=True)
    approved_by: str | None = attr(Text(), "Who approved it")


#: Top-level list sections and the entity each holds, in the order they are resolved.
SECTIONS: dict[str, type] = {
    "categories": Category,
    "fields": Field,
    "subjects": Subject,
    "purposes": Purpose,
    "organizations": Organization,
    "systems": System,
    "flows": Flow,
    "waivers": Waiver,
}
