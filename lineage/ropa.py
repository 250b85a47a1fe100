"""The record of processing activities (GDPR Art. 30), generated from the model.

:func:`records` reads a :class:`~lineage.model.Model` and returns one
:class:`Record` per controller and purpose (Art. 30(1), the *controller
view*) and one per processor or subprocessor (Art. 30(2), the *processor
view*). :func:`render` writes them as Markdown (a section per record) or CSV
(a row per record, :data:`COLUMNS`).

The controller view also reads the lineage graph (:func:`lineage.graph.build`):
the data subjects of a record are the people whose data its flows carry. Pass
the graph already built (``lineage=``), or :func:`records` builds it.

An item the model cannot fill is written ``MISSING: <what to add>``, so a
gap in the record is a gap in the model, visible and fixable.

Who does what
-------------
An organization's *controller* is itself when its role is ``controller`` or
``joint_controller``; for a processor or subprocessor it is found by
following ``processor_for`` up to a controller
(:func:`lineage.model.processor_chain`). A controller's *sphere* is
itself plus every organization whose chain ends at it. A collection, or a
flow with an end in the sphere, is processing of the controller for the
collection's or flow's purpose. Recipients, transfers, time limits and
security measures of a (controller, purpose) record are read from those
collections and flows. Two controllers processing the same purpose are joint
controllers when either has the role ``joint_controller``; each record names
the other.

References
----------
GDPR Art. 30(1) and 30(2) (records), Art. 6(1) (lawful bases), Art. 9(2),
Art. 32(1) (security), Chapter V (transfers). See
shared/domain/gdpr-reference.md, sections 3 and 6.

Examples
--------
>>> from lineage.model import model_from_text
>>> recs = records(model_from_text(EXAMPLE))
>>> [(r.view, r.organization, r.purpose) for r in recs]
[('controller', 'acme', 'service'), ('processor', 'host', None)]
>>> recs[0].value("recipients")
('Host Ltd (host): processor, CH, third country',)
>>> print(*recs[0].value("transfers"))
crm (Host Ltd, CH) via app-to-crm: safeguard none recorded; CH has an adequacy decision (Art. 45)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from lineage.model import Model, processor_chain
from lineage.model.entities import (
    CONTROLLER_ROLES,
    FORM_RANK,
    FORMS,
    LAST_IDENTIFIABLE_FORM,
    PROCESSOR_ROLES,
    is_personal,
)
from lineage.model.places import ADEQUATE, EEA, PARTIAL_ADEQUACY

#: Whom a partial adequacy decision covers (gdpr-reference, Chapter V).
PARTIAL_SCOPE = {"US": "organisations certified under the EU-US Data Privacy Framework",
                 "CA": "commercial organisations under PIPEDA"}

EXAMPLE = """
fields: [{id: full_name, category: identity.name}, {id: email, category: contact.personal}]
subjects: [{id: people, population: 500}]
purposes: [{id: service, legal_basis: contract, max_retention: P1Y}]
organizations:
  - {id: acme, name: Acme SA, role: controller, country: FR}
  - {id: host, name: Host Ltd, role: processor, processor_for: acme, country: CH}
systems:
  - id: app
    organization: acme
    retention: P1Y
    security: {encryption_at_rest: true, mfa: true, access_logging: true}
    collects: [{subject: people, purpose: service, fields: [full_name, email]}]
  - {id: crm, organization: host, retention: P6M}
flows:
  - {id: app-to-crm, from: app, to: crm, purpose: service, fields: [email], channel: api,
     encrypted: true}
"""

VIEWS = ("controller", "processor")

#: CSV columns, in order; the same for every row, whichever view. A column that
#: does not belong to a record's view is left empty.
COLUMNS = (
    "view",
    "organization",
    "organization_name",
    "country",
    "contact",
    "dpo",
    "representative",
    "joint_controllers",
    "controllers_served",
    "controllers_contact",
    "purpose",
    "legal_basis",
    "processing",
    "data_subjects",
    "personal_data",
    "recipients",
    "transfers",
    "erasure_time_limits",
    "security_measures",
)

#: Item labels, by view and column, in the order of the Article.
LABELS = {
    "controller": {
        "organization": "(a) Controller",
        "organization_name": "(a) Name",
        "country": "(a) Country",
        "contact": "(a) Contact details",
        "dpo": "(a) Data protection officer",
        "representative": "(a) Representative in the Union (Art. 27)",
        "joint_controllers": "(a) Joint controllers",
        "purpose": "(b) Purpose",
        "legal_basis": "(b) Legal basis",
        "data_subjects": "(c) Categories of data subjects",
        "personal_data": "(c) Categories of personal data",
        "recipients": "(d) Categories of recipients",
        "transfers": "(e) Transfers to third countries",
        "erasure_time_limits": "(f) Erasure time limits",
        "security_measures": "(g) Security measures (Art. 32(1))",
    },
    "processor": {
        "organization": "(a) Processor",
        "organization_name": "(a) Name",
        "country": "(a) Country",
        "contact": "(a) Contact details",
        "dpo": "(a) Data protection officer",
        "representative": "(a) Representative in the Union (Art. 27)",
        "controllers_served": "(a) Controllers served",
        "controllers_contact": "(a) Contact details of the controllers served",
        "processing": "(b) Categories of processing, per controller",
        "transfers": "(c) Transfers to third countries",
        "security_measures": "(d) Security measures (Art. 32(1))",
    },
}

ARTICLE = {"controller": "Art. 30(1)", "processor": "Art. 30(2)"}
MISSING = "MISSING: "
#: Said of subjects whose data a record's flows carry only aggregated or anonymised.
STATISTICS_ONLY = " (only aggregated or anonymised data)"
ART6 = {
    "consent": "a",
    "contract": "b",
    "legal_obligation": "c",
    "vital_interests": "d",
    "public_task": "e",
    "legitimate_interests": "f",
}
NOTE = (
    "Generated from the model: an item it cannot fill reads MISSING: <what to add to the model>. "
    "Contact details, data protection officer and representative come from each organization's "
    "contact, dpo and representative."
)


@dataclass(frozen=True)
class Item:
    """One item of a record: its CSV column, its label and its values (one line each)."""

    column: str
    label: str
    values: tuple[str, ...]

    @property
    def missing(self) -> bool:
        """Whether any value is a ``MISSING:`` gap."""
        return any(v.startswith(MISSING) for v in self.values)


@dataclass(frozen=True)
class Record:
    """One Art. 30 record: a controller and purpose, or a processor."""

    view: str  # controller | processor
    organization: str  # organization id, "" when no controller could be found
    purpose: str | None  # controller view only; None for flows without a purpose
    items: tuple[Item, ...]

    @property
    def title(self) -> str:
        """A heading: ``controller ofii, purpose language_training`` or ``processor trainer``."""
        org = self.organization or "unknown controller"
        if self.view == "processor":
            return f"Processor {org}"
        return f"Controller {org}, purpose {self.purpose or '(none)'}"

    @property
    def anchor(self) -> str:
        """An HTML id for in-page links; no model id has a ``:``, so no two records share one."""
        tail = f":{self.purpose or ''}" if self.view == "controller" else ""
        return f"ropa:{self.view}:{self.organization}{tail}"

    def value(self, column: str) -> tuple[str, ...]:
        """Return the values of the item in `column`, or ``()``."""
        return next((i.values for i in self.items if i.column == column), ())

    def row(self) -> dict[str, str]:
        """Return the CSV row: every column of :data:`COLUMNS`, values joined with ``"; "``."""
        row = dict.fromkeys(COLUMNS, "")
        row["view"] = self.view
        for item in self.items:
            row[item.column] = "; ".join(item.values)
        return row


# --- who is whose ---------------------------------------------------------------


def _joint(model: Model, ctrl_of: dict[str, str | None], one: str, other: str, purpose_id: str | None) -> bool:
    """Whether two controllers that both process a purpose are joint controllers of it.

    Two joint controllers are; a controller and a joint controller only when
    data of the purpose pass between them, either way.
    """
    joint = [model.organizations[o].role == "joint_controller" for o in (one, other)]
    if all(joint):
        return True
    pair = {one, other}
    return any(joint) and any(
        flow.purpose == purpose_id
        and {ctrl_of[model.systems[flow.source].organization], ctrl_of[model.systems[flow.target].organization]} == pair
        for flow in model.flows.values()
    )


def _controllers(model: Model) -> dict[str, str | None]:
    """Organization id -> its controller's id (None when it has none)."""
    return {oid: processor_chain(model, oid)[1] for oid in model.organizations}


# --- wording ----------------------------------------------------------------------


def _dpo_and_representative(org) -> str:
    """Return '; data protection officer: ...; representative in the Union: ...' for what `org` records."""
    return "".join(f"; {what}: {value}" for what, value in (
        ("data protection officer", org.dpo), ("representative in the Union", org.representative)) if value)


def _org_label(model: Model, org_id: str) -> str:
    org = model.organizations[org_id]
    return f"{org.name} ({org.id})" if org.name else org.id


def _system_place(model: Model, sid: str) -> str:
    """``crm (Host Ltd, CH)``."""
    org = model.organizations[model.systems[sid].organization]
    return f"{sid} ({org.name or org.id}, {model.country(sid)})"


def _safeguard(model: Model, sid: str) -> str:
    org = model.organizations[model.systems[sid].organization]
    country = model.country(sid)
    text = (
        f"safeguard {org.transfer_safeguard}"
        if org.transfer_safeguard not in (None, "none")
        else "safeguard none recorded"
    )
    if country in ADEQUATE:
        text += f"; {country} has an adequacy decision (Art. 45)"
    elif country in PARTIAL_ADEQUACY and org.transfer_safeguard in (None, "none", "adequacy"):
        text += f"; {country} adequacy covers {PARTIAL_SCOPE[country]} only"
    return text


def _legal_basis(purpose) -> str:
    if not purpose.legal_basis:
        return f"{MISSING}legal_basis of purpose {purpose.id} (one of {', '.join(ART6)})"
    text = f"{purpose.legal_basis} (Art. 6(1)({ART6[purpose.legal_basis]}))"
    conditions = [c for c in purpose.special_condition if c != "none"]
    if conditions:
        said = ", ".join("Art. 10" if c == "art10" else f"Art. 9(2)({c})" for c in conditions)
        text += f"; special condition{'s' if len(conditions) > 1 else ''}: {said}"
    return text


def security_controls(sec) -> list[str]:
    """Describe each Art. 32 control of a system: present, absent (``no MFA``) or not recorded."""
    parts = []
    for name, label in (("encryption_at_rest", "encryption at rest"), ("mfa", "MFA"),
                        ("access_logging", "access logging")):
        value = getattr(sec, name)
        parts.append(label if value else f"no {label}" if value is False else f"{label} not recorded")
    return parts


def _system_security(model: Model, sid: str) -> str:
    sec = model.systems[sid].security
    if sec is None:
        return f"{MISSING}security of system {sid} (encryption_at_rest, mfa, access_logging)"
    return f"system {sid}: {', '.join(security_controls(sec))}"


def _flow_security(flow) -> str:
    if flow.channel is None and flow.encrypted is None:
        return f"{MISSING}channel and encrypted of flow {flow.id}"
    channel = flow.channel or "channel not recorded"
    encrypted = {
        True: "encrypted in transit",
        False: "not encrypted in transit",
        None: "encryption in transit not recorded",
    }[flow.encrypted]
    return f"flow {flow.id} ({channel}): {encrypted}"


def _personal_data(model: Model, forms: dict[str, int]) -> list[str]:
    """Fields grouped by category; the most identifying form shown when it is not raw."""
    by_category: dict[str, list[str]] = {}
    for fid in sorted(forms):
        form = FORMS[forms[fid]]
        by_category.setdefault(model.fields[fid].category, []).append(
            fid if form == "raw" else f"{fid} ({form})"
        )
    out = []
    for cat in sorted(by_category):
        special = model.category_info[cat].special
        mark = f" [special: {special}]" if special != "none" else ""
        out.append(f"{cat}{mark}: {', '.join(by_category[cat])}")
    return out


def _subject_label(subject) -> str:
    traits = [
        t for t, on in (("vulnerable", subject.vulnerable), ("children", subject.children)) if on
    ]
    if subject.population is not None:
        traits.append(f"about {subject.population} people")
    return f"{subject.id} ({', '.join(traits)})" if traits else subject.id


def contact_details(org, view: str) -> tuple[str, str, str]:
    """Return the contact, DPO and representative items of an organization's record (Art. 30(1)(a), 30(2)(a)).

    A missing contact is a gap; so is a missing DPO of a public authority
    (Art. 37(1)(a)). Other organizations need a DPO or a representative only in
    cases the model does not say, so their absence is a hint, not a gap.

    Examples
    --------
    >>> from lineage.model import model_from_text
    >>> model = model_from_text(EXAMPLE)
    >>> contact_details(model.organizations["acme"], "controller")[2]
    'not needed: established in the EEA'
    >>> for value in contact_details(model.organizations["host"], "processor"):
    ...     print(value[:60])
    MISSING: contact of organization host (set contact: its addr
    none recorded; Art. 37(1)(b), (c) require one when core acti
    none recorded; Art. 27 requires one when Art. 3(2) applies (
    """
    article = "Art. 30(1)(a)" if view == "controller" else "Art. 30(2)(a)"
    contact = org.contact or (
        f"{MISSING}contact of organization {org.id} (set contact: its address, email, phone; {article} requires it)"
    )
    if org.dpo:
        dpo = org.dpo
    elif org.role == "authority":
        dpo = (f"{MISSING}dpo of organization {org.id} (set dpo: its contact; Art. 37(1)(a): a public "
               "authority must designate a data protection officer)")
    else:
        dpo = ("none recorded; Art. 37(1)(b), (c) require one when core activities are large-scale regular "
               "and systematic monitoring, or large-scale Art. 9 or Art. 10 data")
    if org.representative:
        representative = org.representative
    elif org.country in EEA:
        representative = "not needed: established in the EEA"
    else:
        representative = ("none recorded; Art. 27 requires one when Art. 3(2) applies (it offers goods or "
                          "services to people in the Union, or monitors their behaviour there)")
    return contact, dpo, representative


def _org_items(model: Model, org_id: str) -> list[Item]:
    org = model.organizations[org_id]
    view = "controller" if org.role in CONTROLLER_ROLES else "processor"
    labels = LABELS[view]
    name = org.name or f"{MISSING}name of organization {org.id}"
    contact, dpo, representative = contact_details(org, view)
    return [
        Item("organization", labels["organization"], (org.id,)),
        Item("organization_name", labels["organization_name"], (name,)),
        Item("country", labels["country"], (org.country,)),
        Item("contact", labels["contact"], (contact,)),
        Item("dpo", labels["dpo"], (dpo,)),
        Item("representative", labels["representative"], (representative,)),
    ]


# --- the controller view ------------------------------------------------------------


@dataclass
class _Activity:
    """What a controller does for one purpose: collections and flows."""

    collects: list  # (system id, Collect)
    flows: list  # Flow


def _activities(
    model: Model, ctrl_of: dict[str, str | None]
) -> dict[tuple[str, str | None], _Activity]:
    """Group collections and flows by (controller id or "", purpose id or None).

    Processing among recipients and authorities only is theirs, not in this record;
    processing at a processor whose chain reaches no controller goes under ``""``.
    """
    out: dict[tuple[str, str | None], _Activity] = {}

    def add(system_ids, purpose):
        orgs = [model.systems[s].organization for s in system_ids]
        keys = sorted({ctrl_of[o] for o in orgs if ctrl_of[o]})
        if not keys and any(model.organizations[o].role in PROCESSOR_ROLES for o in orgs):
            keys = [""]  # a processor's chain reaches no controller: show the gap
        return [out.setdefault((c, purpose), _Activity([], [])) for c in keys]

    for sid, system in model.systems.items():
        for collect in system.collects:
            for act in add([sid], collect.purpose):
                act.collects.append((sid, collect))
    for flow in model.flows.values():
        for act in add([flow.source, flow.target], flow.purpose):
            act.flows.append(flow)
    return out


def _controller_record(
    model: Model,
    ctrl_of,
    controller: str,
    purpose_id: str | None,
    act: _Activity,
    sharing: dict[str | None, set[str]],
    lineage,
) -> Record:
    """Return the Art. 30(1) record of a controller ("" when none was found) and purpose: items (a) to (g)."""
    sphere = {o for o, c in ctrl_of.items() if c == controller} if controller else set()
    in_sphere = {s for s, sys in model.systems.items() if sys.organization in sphere}  # its and its processors'
    items = [
        *_controller_items(model, ctrl_of, controller, purpose_id, act, sharing),
        *_purpose_items(model, purpose_id, act),
        *_subject_items(model, purpose_id, act, lineage),
        *_recipient_items(model, controller, act, in_sphere),
        *_transfer_items(model, controller, act, in_sphere),
        *_time_limit_items(model, purpose_id, act),
        *_security_items(model, controller, act, in_sphere),
    ]
    return Record("controller", controller, purpose_id, tuple(items))


def _item(column: str, values) -> Item:
    """Return an item of the controller view, labelled from :data:`LABELS`."""
    return Item(column, LABELS["controller"][column], tuple(values))


def _controller_items(model: Model, ctrl_of, controller: str, purpose_id: str | None, act: _Activity,
                      sharing: dict[str | None, set[str]]) -> list[Item]:
    """Return (a): the controller and the joint controllers, or gaps naming the organizations."""
    if not controller:
        orgs = sorted(
            {model.systems[s].organization for s, _ in act.collects}
            | {model.systems[s].organization for f in act.flows for s in (f.source, f.target)}
        )
        gap = (
            f"{MISSING}a controller for this processing: {', '.join(orgs)} "
            "(set role controller, or processor_for up to a controller)"
        )
        columns = ("organization", "organization_name", "country", "contact", "dpo", "representative")
        return [*(_item(column, (gap,)) for column in columns), _item("joint_controllers", ("none",))]
    # sharing a purpose id alone does not make an independent controller a joint one (_joint)
    is_joint = model.organizations[controller].role == "joint_controller"
    joint = sorted(o for o in sharing.get(purpose_id, ())
                   if o != controller and _joint(model, ctrl_of, controller, o, purpose_id))
    if joint:
        joint_values = tuple(
            f"{_org_label(model, o)}, {model.organizations[o].country}"
            + (f", contact: {model.organizations[o].contact}" if model.organizations[o].contact else "")
            for o in joint
        )
    elif is_joint:
        joint_values = (
            (
                f"{MISSING}the other joint controller of purpose {purpose_id}: an organization "
                "with role joint_controller whose systems process it"
            ),
        )
    else:
        joint_values = ("none",)
    return [*_org_items(model, controller), _item("joint_controllers", joint_values)]


def _purpose_items(model: Model, purpose_id: str | None, act: _Activity) -> list[Item]:
    """Return (b): the purpose and its legal basis, or a gap naming the flows without a purpose."""
    if purpose_id is None:
        gap = f"{MISSING}purpose of flow {', '.join(f.id for f in act.flows)}"
        return [_item("purpose", (gap,)), _item("legal_basis", (gap,))]
    purpose = model.purposes[purpose_id]
    shown = f"{purpose.id}: {purpose.name}" if purpose.name else purpose.id
    if purpose.description:
        shown += f" ({purpose.description})"
    return [_item("purpose", (shown,)), _item("legal_basis", (_legal_basis(purpose),))]


def _subject_items(model: Model, purpose_id: str | None, act: _Activity, lineage) -> list[Item]:
    """Return (c): the data subjects (collected from, or whose data the flows carry) and the data."""
    forms: dict[str, int] = {}
    subjects: set[str] = set()
    for _, collect in act.collects:
        subjects.add(collect.subject)
        for f in collect.fields:
            forms[f] = 0
    for flow in act.flows:
        for use in flow.fields:
            forms[use.field] = min(forms.get(use.field, len(FORMS)), FORM_RANK[use.form])
    from lineage.graph import subjects_carried

    personal = set(subjects)  # collected here: raw
    for flow in act.flows:  # the people whose data the flows carry (lineage), not whoever shares a field id
        subjects.update(subjects_carried(lineage, flow.id))
        personal.update(subjects_carried(lineage, flow.id, LAST_IDENTIFIABLE_FORM))
    subject_values = tuple(_subject_label(model.subjects[s]) + ("" if s in personal else STATISTICS_ONLY)
                           for s in sorted(subjects)) or (
        (
            f"{MISSING}the data subjects: a collects entry (subject, purpose {purpose_id}, fields) "
            "at the system where the data enter"
        ),
    )
    data_values = tuple(_personal_data(model, forms)) or (
        f"{MISSING}fields collected or carried for purpose {purpose_id}",
    )
    return [_item("data_subjects", subject_values), _item("personal_data", data_values)]


def _recipient_items(model: Model, controller: str, act: _Activity, in_sphere: set[str]) -> list[Item]:
    """Return (d): the organizations receiving data of the purpose on flows, or collecting it."""
    receivers: dict[str, set[str]] = {}
    for flow in act.flows:
        if not controller or flow.source in in_sphere:
            receivers.setdefault(model.systems[flow.target].organization, set()).add(flow.id)
    for sid, _ in act.collects:
        receivers.setdefault(model.systems[sid].organization, set())
    recipients = []
    for oid in sorted(receivers):
        if oid == controller:
            continue
        org = model.organizations[oid]
        where = f"{org.country}, third country" if org.country not in EEA else org.country
        recipients.append(f"{_org_label(model, oid)}: {org.role}, {where}")
    return [_item("recipients", tuple(recipients) or ("none",))]


def _transfer_items(model: Model, controller: str, act: _Activity, in_sphere: set[str]) -> list[Item]:
    """Return (e): the systems outside the EEA that receive (or collect) data of the purpose."""
    via: dict[str, list[str]] = {}
    for flow in act.flows:
        if (not controller or flow.source in in_sphere) and model.country(flow.target) not in EEA:
            via.setdefault(flow.target, []).append(f"via {flow.id}")
    for sid, collect in act.collects:
        if model.country(sid) not in EEA:
            via.setdefault(sid, []).append(f"collects from {collect.subject}")
    transfers = tuple(
        f"{_system_place(model, sid)} {', '.join(sorted(set(how)))}: {_safeguard(model, sid)}"
        for sid, how in sorted(via.items())
    )
    return [_item("transfers", transfers or ("none",))]


def _time_limit_items(model: Model, purpose_id: str | None, act: _Activity) -> list[Item]:
    """Return (f): the erasure time limits of the purpose, of each collecting system and flow, then per category.

    Art. 30(1)(f) asks for the limits "of the different categories of data":
    each category's line gives the longest limit among the places that keep
    its fields for this purpose.
    """
    limits = []
    if purpose_id is not None:
        purpose = model.purposes[purpose_id]
        limits.append(
            f"purpose {purpose.id}: at most {purpose.max_retention}"
            if purpose.max_retention
            else f"{MISSING}max_retention of purpose {purpose.id}"
        )
    for sid in sorted({s for s, _ in act.collects}):
        retention = model.systems[sid].retention
        limits.append(
            f"system {sid}: {retention}" if retention else f"{MISSING}retention of system {sid}"
        )
    for flow in sorted(act.flows, key=lambda f: f.id):
        target_retention = model.systems[flow.target].retention
        if flow.retention:
            limits.append(f"flow {flow.id} into {flow.target}: {flow.retention}")
        elif target_retention:
            limits.append(
                f"flow {flow.id} into {flow.target}: {target_retention} (system retention)"
            )
        else:
            limits.append(f"{MISSING}retention of flow {flow.id} or of system {flow.target}")
    return [_item("erasure_time_limits", limits + _limits_by_category(model, act))]


def _limits_by_category(model: Model, act: _Activity) -> list[str]:
    """Return, per category of personal data, the longest limit of a place that keeps it, and where.

    A place with no limit (reported MISSING above) makes the category's limit none.
    """
    from lineage.model.types import duration_days

    kept: dict[str, tuple[float, str, str]] = {}  # category -> (days, limit, where), the longest

    def keep(field_id: str, limit: str | None, where: str) -> None:
        category = model.fields[field_id].category
        days = duration_days(limit) if limit else float("inf")
        if days > kept.get(category, (-1.0,))[0]:
            kept[category] = (days, f"up to {limit}" if limit else "no limit set", where)

    for sid, collect in sorted(act.collects, key=lambda c: c[0]):
        for field_id in collect.fields:
            keep(field_id, model.systems[sid].retention, f"system {sid}")
    for flow in sorted(act.flows, key=lambda f: f.id):
        for use in flow.fields:
            if is_personal(use.form):
                keep(use.field, flow.retention or model.systems[flow.target].retention, f"flow {flow.id}")
    return [f"category {category}: {limit} ({where})" for category, (_, limit, where) in sorted(kept.items())]


def _security_items(model: Model, controller: str, act: _Activity, in_sphere: set[str]) -> list[Item]:
    """Return (g): the security measures of the sphere's systems involved, and of the flows."""
    involved = {s for s, _ in act.collects} | {s for f in act.flows for s in (f.source, f.target)}
    if controller:
        involved &= in_sphere
    security = [_system_security(model, s) for s in sorted(involved)]
    security += [_flow_security(f) for f in sorted(act.flows, key=lambda f: f.id)]
    return [_item("security_measures", tuple(security) or ("none",))]


def controller_records(model: Model, lineage=None) -> list[Record]:
    """One Art. 30(1) record per controller and purpose, sorted by controller then purpose.

    Flows without a purpose give a record with purpose None (after the others of
    that controller); processing that reaches no controller gives records with
    organization ``""`` (last). `lineage` is the lineage graph of `model`, built
    here when None.
    """
    ctrl_of = _controllers(model)
    acts = _activities(model, ctrl_of)
    sharing: dict[str | None, set[str]] = {}
    for controller, purpose in acts:
        if controller:
            sharing.setdefault(purpose, set()).add(controller)
    if lineage is None:
        from lineage.graph import build

        lineage = build(model)
    keys = sorted(acts, key=lambda k: (k[0] == "", k[0], k[1] is None, k[1] or ""))
    return [_controller_record(model, ctrl_of, c, p, acts[(c, p)], sharing, lineage) for c, p in keys]


# --- the processor view -------------------------------------------------------------------


def _processor_record(model: Model, org_id: str) -> Record:
    labels = LABELS["processor"]
    items = _org_items(model, org_id)
    path, controller = processor_chain(model, org_id)
    mine = sorted(s for s, sys in model.systems.items() if sys.organization == org_id)

    # (a) controllers served
    if controller:
        through = f" (through {', '.join(path[1:-1])})" if len(path) > 2 else ""
        org = model.organizations[controller]
        served = (f"{_org_label(model, controller)}, {org.country}{through}",)
    else:
        end = path[-1]
        served = (
            f"{MISSING}processor_for of {end}, so that the chain from {org_id} ends at a controller"
            if end == path[0] or model.organizations[end].role in PROCESSOR_ROLES
            else f"{MISSING}a controller at the end of the chain from {org_id} "
            f"({' -> '.join(path)}: {end} is a {model.organizations[end].role})",
        )
    items.append(Item("controllers_served", labels["controllers_served"], served))
    # Art. 30(2)(a): the name and contact details of each controller served, its representative and
    # DPO, and of the processors between (a subprocessor's record names the processor it works for)
    if controller:
        org = model.organizations[controller]
        reach = (f"{_org_label(model, controller)}: {org.contact}" if org.contact else
                 f"{MISSING}contact of organization {controller}, the controller served (set contact: its "
                 "address, email, phone; Art. 30(2)(a) requires it)")
        reached = (reach + _dpo_and_representative(org),
                   *(f"through processor {_org_label(model, oid)}: "
                     f"{model.organizations[oid].contact or 'no contact recorded (see its own record)'}"
                     f"{_dpo_and_representative(model.organizations[oid])}" for oid in path[1:-1]))
    else:
        reached = ("no controller found: see the controllers served",)
    items.append(Item("controllers_contact", labels["controllers_contact"], reached))

    # (b) categories of processing per controller: purposes of collections, inbound and outbound flows
    # (compiling and sending data on the controller's behalf is processing too)
    ctrl_label = controller or "an unknown controller"
    purposes: dict[str, set[str]] = {}
    gaps = []
    for flow in sorted(model.flows.values(), key=lambda f: f.id):
        inbound, outbound = flow.target in mine, flow.source in mine
        if not (inbound or outbound):
            continue
        how = "moves internally" if inbound and outbound else "receives" if inbound else "sends"
        if flow.purpose is None:
            where = (f"between {flow.source} and {flow.target}" if inbound and outbound
                     else f"inbound to {flow.target}" if inbound else f"outbound from {flow.source}")
            gaps.append(f"{MISSING}purpose of flow {flow.id} ({where})")
        else:
            purposes.setdefault(flow.purpose, set()).add(f"{how} on {flow.id}")
    for sid in mine:
        for collect in model.systems[sid].collects:
            purposes.setdefault(collect.purpose, set()).add(f"collects at {sid}")
    processing = []
    for pid in sorted(purposes):
        basis = model.purposes[pid].legal_basis or "MISSING legal_basis"
        processing.append(f"for {ctrl_label}: {pid} ({basis}): {', '.join(sorted(purposes[pid]))}")
    processing += gaps
    if not processing:
        processing = [
            f"{MISSING}a flow with a purpose into a system of {org_id}, or a collects entry"
            if mine
            else f"{MISSING}the systems of {org_id} (systems with organization {org_id})"
        ]
    items.append(Item("processing", labels["processing"], tuple(processing)))

    # (c) transfers: its own systems outside the EEA, and its flows to systems outside the EEA
    via: dict[str, set[str]] = {}
    for sid in mine:
        if model.country(sid) not in EEA:
            via.setdefault(sid, set()).add("hosted there")
    for flow in model.flows.values():
        if (
            flow.source in mine
            and flow.target not in mine
            and model.country(flow.target) not in EEA
        ):
            via.setdefault(flow.target, set()).add(f"via {flow.id}")
    transfers = tuple(
        f"{_system_place(model, sid)} {', '.join(sorted(how))}: {_safeguard(model, sid)}"
        for sid, how in sorted(via.items())
    )
    items.append(Item("transfers", labels["transfers"], transfers or ("none",)))

    # (d) security: its systems, and the flows into or out of them
    security = [_system_security(model, s) for s in mine]
    security += [
        _flow_security(f)
        for f in sorted(model.flows.values(), key=lambda f: f.id)
        if f.source in mine or f.target in mine
    ]
    items.append(
        Item(
            "security_measures",
            labels["security_measures"],
            tuple(security) or (f"{MISSING}the systems of {org_id}, with their security",),
        )
    )
    return Record("processor", org_id, None, tuple(items))


def processor_records(model: Model) -> list[Record]:
    """One Art. 30(2) record per processor or subprocessor, sorted by id."""
    return [
        _processor_record(model, oid)
        for oid, org in model.organizations.items()
        if org.role in PROCESSOR_ROLES
    ]


def records(
    model: Model, view: str | None = None, organization: str | None = None, lineage=None
) -> list[Record]:
    """Return the Art. 30 records of `model`: controller view, then processor view.

    Parameters
    ----------
    model : Model
        A validated model.
    view : str, optional
        ``controller`` or ``processor``; both when None.
    organization : str, optional
        Keep only the records of this organization id.
    lineage : lineage.graph.Lineage, optional
        The lineage graph of `model` (:func:`lineage.graph.build`), which the
        controller view reads for the data subjects; built when None.

    Returns
    -------
    list[Record]
        In a deterministic order: controller records by controller and purpose,
        then processor records by processor.
    """
    out = []
    if view in (None, "controller"):
        out += controller_records(model, lineage)
    if view in (None, "processor"):
        out += processor_records(model)
    if organization is not None:
        out = [r for r in out if r.organization == organization]
    return out


# --- output --------------------------------------------------------------------------


def count_gaps(recs: list[Record]) -> int:
    """Return how many items of `recs` are MISSING (``ropa --fail-on-missing`` fails on any)."""
    return sum(item.missing for record in recs for item in record.items)


def render(recs: list[Record], fmt: str = "markdown") -> str:
    """Render records as ``markdown`` or ``csv``."""
    return {"markdown": render_markdown, "csv": render_csv}[fmt](recs)


#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    r"""Return `text` safe to open in a spreadsheet: a formula-like start gets a ``'`` before it.

    The record has no placeholder that starts with one of :data:`FORMULA_STARTS`
    (its gaps are ``none``, ``MISSING: ...`` or an empty cell), so every such
    cell comes from a name or description of the model and is neutralised.

    References
    ----------
    OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://evil")'), csv_cell("-"), csv_cell("\tx"), csv_cell("\rx"), csv_cell("a=b")
    ('\'=HYPERLINK("http://evil")', "'-", "'\tx", "'\rx", 'a=b')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render_csv(recs: list[Record]) -> str:
    r"""Return one CSV row per record under :data:`COLUMNS` (RFC 4180: CRLF, quoted as needed).

    Cells that a spreadsheet would run as a formula are neutralised (:func:`csv_cell`).

    Examples
    --------
    >>> from lineage.model import model_from_text
    >>> render_csv(records(model_from_text(EXAMPLE), "processor")).splitlines()[1][:40]
    'processor,host,Host Ltd,CH,"MISSING: con'
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for rec in recs:
        writer.writerow({column: csv_cell(value) for column, value in rec.row().items()})
    return out.getvalue()


def md_escape(text: str) -> str:
    r"""Escape what Markdown would read as markup or a table cell break.

    Examples
    --------
    >>> md_escape("a*b <c> | [d]")
    'a\\*b \\<c\\> \\| \\[d\\]'
    """
    for ch in "\\`*[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def render_markdown(recs: list[Record]) -> str:
    """Return a Markdown document with a section per record."""
    lines = ["# Record of processing activities (GDPR Art. 30)", "", NOTE, ""]
    gaps = count_gaps(recs)
    if gaps:
        lines += [f"**{gaps} item(s) MISSING**: add what each one names to the model.", ""]
    for view in VIEWS:
        part = [r for r in recs if r.view == view]
        if not part:
            continue
        lines += [f"## {view.capitalize()} records ({ARTICLE[view]})", ""]
        for rec in part:
            lines += [f"### {md_escape(rec.title)}", ""]
            for item in rec.items:
                if len(item.values) == 1:
                    lines.append(f"- **{item.label}:** {md_escape(item.values[0])}")
                else:
                    lines.append(f"- **{item.label}:**")
                    lines += [f"  - {md_escape(v)}" for v in item.values]
            lines.append("")
    if not recs:
        lines += ["No records: no organization of the model matches.", ""]
    return "\n".join(lines)
