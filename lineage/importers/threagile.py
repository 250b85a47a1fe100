"""``lineage import threagile``: a Threagile model to the lineage model format.

=================================  ================================================================
Threagile                          lineage
=================================  ================================================================
data asset (personal data only)    a field; category from the PR #138 ``pinametype`` when it names
                                   one, else from keywords of its title, id and description
                                   (:data:`KEYWORDS`), else a custom category ``threagile.<id>``
                                   whose tier comes from ``confidentiality`` (:data:`TIERS`)
technical asset                    a system: type from ``technology`` (:data:`TECHNOLOGIES`), else
                                   ``datastore`` -> database, else application; exposure internet
                                   when ``internet: true``; encryption at rest from ``encryption``;
                                   it collects only where data enter: what it processes or stores
                                   and no link brings it (an external entity, a source), and what
                                   it sends with no holder before it; the rest it holds through
                                   flows (:meth:`_Converter.lineage`); one that processes and
                                   stores no personal data and is the end of no flow (a source
                                   code repository, a build server) is no system, only listed,
                                   with what it holds, in a comment above the systems
communication link                 a flow from the asset that declares it to its target, carrying
                                   ``data_assets_sent``; ``data_assets_received`` become a second
                                   flow back (``<id>.response``); ``encrypted`` from the protocol
                                   or ``vpn``, ``channel`` from the protocol (:data:`PROTOCOLS`);
                                   a link carrying no personal data (code, configuration) is no
                                   flow, only listed in a comment above the flows
owner (or trust boundary)          an organization per ``owner`` of a technical or a personal data
                                   asset; a technical asset without one belongs to its trust
                                   boundary's organization (with ``organizations="boundary"``: one
                                   organization per trust boundary); role as below, country a TODO
                                   placeholder; one that runs no system and owns no personal
                                   data asset is not made, only listed in a comment above the
                                   organizations
usage (business, devops)           a purpose per usage, needing the data assets of that usage
=================================  ================================================================

Only personal data become fields (:func:`not_personal`). Threagile models
describe every asset worth protecting: source code, build configuration and
marketing material too. A data asset is left out when Threagile says it is not
personal data, in this order: the PR #138 ``dataassettype`` (``no-pi`` leaves it
out, ``pi`` keeps it) or ``pinametype`` (``data-asset`` and ``other-non-pi`` leave
it out, any other keeps it); else a ``description`` or
``justification_cia_rating`` saying it holds no PII or personal data ("Logs
should not contain PII data"); else a title or id naming what it is
(:data:`NOT_PERSONAL_WORDS`: code, config, build, marketing ...) with no word of
personal data (:data:`PERSONAL_WORDS`: customer, account, dump ...) nor keyword of
a personal category (:data:`KEYWORDS`). Quantity and confidentiality never
decide. What is left out is in no field, purpose, collection or flow; a
comment above the fields states the rule and lists each asset with its reason,
and each flow of a link that carried one says so.

The model is read as Threagile (Go's yaml.v3) reads it: a string is its text
as written (``owner: NO`` is "NO", ``id: 0123`` is "0123", ``[on]`` is the
id "on"), and the boolean keys (:data:`ASSET_FLAGS`, :data:`LINK_FLAGS`) take
``true``/``false`` or their YAML 1.1 forms (``yes``, ``on`` ...); any other
value there is an error.

Roles (:meth:`_Converter.role`) come from who owns the personal data
(``data_assets[].owner``): an owner of data assets is a controller (a TODO
asks whether several are joint controllers). An organization that owns none:
a recipient, with a TODO, when all its technical assets are external entities
or out of scope (the end users' own browsers, named as the data's ``origin``,
are no party to the processing; external developers' clients); else a
processor, ``processor_for`` the owner of most of the personal data its
systems hold (through collection or flows), with a TODO to confirm and record
the data-processing agreement; else, holding no personal data, a recipient
with a TODO. Where Threagile names no owner of the data it holds (no
``owner`` on the data assets, an organization of assets without owner, and
in boundary mode), the role is a TODO placeholder ``controller``.

Threagile has no data subjects, legal bases or retention: the importer writes
one placeholder subject ``data-subjects`` and TODO comments. The privacy
fields proposed in Threagile PR #138 (``pinametype``, ``dataassettype``,
``consent``, ``thirdpartysharing`` and model-level flags such as
``deidentified``) are used or noted when present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lineage.errors import InputErrors, LineageError, Loc
from lineage.importers import (
    DEFAULT_COUNTRY,
    SPECIAL_CONDITION_HOW,
    Comment,
    Errors,
    Ids,
    Inline,
    Map,
    Note,
    Section,
    YamlMap,
    display,
    header,
    kind_of,
    loc_of,
    located_keys,
    nested,
    normalise_id,
    problem,
    read_yaml,
    render,
    text,
    wrong_kind,
)
from lineage.model.taxonomy import BUILTIN

#: ``confidentiality`` -> tier of a custom category.
TIERS = {"public": 1, "internal": 1, "restricted": 2, "confidential": 3, "strictly-confidential": 4}

#: PR #138 ``pinametype`` -> lineage category; None marks non-personal data.
PINAMETYPES: dict[str, str | None] = {
    "data-asset": None,
    "other-non-pi": None,
    "biometrics": "biometric",
    "browsing-history": "behavioural",
    "business-created-profiles": "behavioural",
    "citizen-immigration-status": "immigration.status",
    "driver-license-info": "gov_id",
    "email-address": "contact.personal",
    "employment-data": "employment_hr",
    "financial-account-credentials": "financial",
    "genetic-data": "genetic",
    "geolocation": "location.precise",
    "ip-address": "device_online_id",
    "location-data": "location.coarse",
    "message-contents": "communications",
    "name": "identity.name",
    "passport-number": "gov_id",
    "purchase-history": "behavioural",
    "racial-ethnic-origin": "ethnic_origin",
    "religious-philosophical-beliefs": "religion_belief",
    "sexual-orientation": "sex_life_orientation",
    "social-security": "gov_id",
    "state-id-info": "gov_id",
    "union-membership": "trade_union",
}
#: PR #138 ``pinametype`` values with no category of their own: the identifier kind they state.
PI_IDENTIFIERS = {
    "other-pi-direct-identifier": "direct",
    "other-pi-quasi-identifier": "quasi",
    "sensitive-personal-information": "direct",
}

#: Words of a data asset's title or id that say it is not personal data: what it is.
NOT_PERSONAL_WORDS = (
    "code",
    "config",
    "configuration",
    "customizing",
    "build",
    "marketing",
    "artifact",
    "artifacts",
    "binaries",
    "documentation",
)
#: Words of a title or id that keep a data asset despite those: it may hold records of people.
PERSONAL_WORDS = (
    "pii",
    "personal",
    "person",
    "people",
    "customer",
    "customers",
    "user",
    "users",
    "employee",
    "employees",
    "patient",
    "patients",
    "account",
    "accounts",
    "contract",
    "contracts",
    "profile",
    "profiles",
    "dump",
    "dumps",
)
#: A description or CIA justification saying the asset holds no personal data.
NO_PERSONAL_DATA = re.compile(
    r"\b(?:no|without|not\s+contain|not\s+include)\s+(?:any\s+)?"
    r"(?:pii|personal(?:ly\s+identifiable)?\s+(?:data|information))\b",
    re.IGNORECASE,
)

#: Keywords (whole words of title, id, description and pinametype, lower case, non-letters
#: as spaces) -> lineage category; the first category with a match wins, so specific
#: and special categories come first.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "biometric",
        (
            "biometric",
            "biometrics",
            "fingerprint",
            "fingerprints",
            "face template",
            "facial recognition",
            "iris",
            "retina",
        ),
    ),
    ("genetic", ("genetic", "dna", "genome")),
    (
        "health",
        ("health", "medical", "disability", "diagnosis", "patient", "medication", "sick leave"),
    ),
    ("ethnic_origin", ("ethnic", "ethnicity", "race", "racial")),
    ("religion_belief", ("religion", "religious", "belief", "beliefs")),
    ("political", ("political", "politics")),
    ("trade_union", ("trade union", "union membership")),
    ("sex_life_orientation", ("sexual", "sex life")),
    ("criminal", ("criminal", "conviction", "convictions", "offence", "offense", "offences")),
    ("immigration.asylum", ("asylum", "refugee")),
    ("immigration.status", ("immigration", "visa", "residence permit", "residency")),
    ("nationality", ("nationality", "citizenship", "country of birth")),
    (
        "gov_id",
        (
            "passport",
            "national id",
            "ssn",
            "social security",
            "driver license",
            "drivers license",
            "driving licence",
            "tax id",
            "state id",
            "government id",
        ),
    ),
    (
        "credentials",
        (
            "credential",
            "credentials",
            "password",
            "passwords",
            "secret",
            "secrets",
            "api key",
            "token",
            "tokens",
        ),
    ),
    (
        "financial",
        (
            "financial",
            "payment",
            "payments",
            "credit card",
            "card number",
            "bank",
            "iban",
            "billing",
            "invoice",
            "invoices",
        ),
    ),
    (
        "device_online_id",
        ("ip address", "ip", "cookie", "cookies", "device id", "session id", "advertising id"),
    ),
    ("location.precise", ("gps", "geolocation", "location", "locations")),
    ("location.coarse", ("city", "region", "postcode", "zip code")),
    ("employment_hr", ("employee", "employees", "employment", "payroll", "salary", "hr")),
    (
        "identity.dob_age",
        ("date of birth", "birth date", "birthdate", "dob", "birthday", "age", "gender"),
    ),
    (
        "contact.business",
        ("work phone", "work email", "tel num work", "phone work", "job title", "business contact"),
    ),
    (
        "contact.personal",
        (
            "email",
            "e mail",
            "phone",
            "telephone",
            "tel",
            "mobile number",
            "address",
            "contact",
            "contacts",
        ),
    ),
    ("identity.name", ("name", "names", "full name", "first name", "last name", "surname")),
    (
        "communications",
        (
            "message",
            "messages",
            "chat",
            "chats",
            "call record",
            "call records",
            "communication",
            "communications",
        ),
    ),
    (
        "behavioural",
        (
            "behaviour",
            "behavior",
            "browsing",
            "purchase history",
            "clickstream",
            "preferences",
            "tracking",
        ),
    ),
    ("education", ("education", "diploma", "diplomas", "grades")),
    ("image_voice", ("photo", "photos", "video", "videos", "voice", "picture", "pictures")),
)

#: ``technology`` -> lineage system type (else ``datastore`` -> database, else application).
TECHNOLOGIES = {
    **dict.fromkeys(
        ("browser", "desktop", "mobile-app", "devops-client", "client-system", "iot-device"),
        "endpoint",
    ),
    **dict.fromkeys(
        (
            "database",
            "identity-store-database",
            "identity-store-ldap",
            "search-index",
            "data-lake",
            "block-storage",
            "vault",
        ),
        "database",
    ),
    **dict.fromkeys(
        ("file-server", "local-file-system", "sourcecode-repository", "artifact-registry"),
        "file_share",
    ),
    **dict.fromkeys(("web-service-rest", "web-service-soap", "gateway", "service-registry"), "api"),
    "mail-server": "mailbox",
    **dict.fromkeys(
        (
            "big-data-platform",
            "report-engine",
            "stream-processing",
            "batch-processing",
            "search-engine",
            "monitoring",
        ),
        "analytics",
    ),
}

#: ``protocol`` -> (channel or None, encrypted: True, False or None when not in transit or unknown).
#: ``web`` is told apart from ``api`` by the ends: web when one end is an endpoint (a client).
PROTOCOLS: dict[str, tuple[str | None, bool | None]] = {
    "http": ("web", False),
    "https": ("web", True),
    "ws": ("web", False),
    "wss": ("web", True),
    "reverse-proxy-web-protocol": ("web", False),
    "reverse-proxy-web-protocol-encrypted": ("web", True),
    "jdbc": ("shared_database", False),
    "jdbc-encrypted": ("shared_database", True),
    "odbc": ("shared_database", False),
    "odbc-encrypted": ("shared_database", True),
    "sql-access-protocol": ("shared_database", False),
    "sql-access-protocol-encrypted": ("shared_database", True),
    "nosql-access-protocol": ("shared_database", False),
    "nosql-access-protocol-encrypted": ("shared_database", True),
    "sftp": ("sftp", True),
    "scp": ("sftp", True),
    "ftp": ("file_export", False),
    "ftps": ("file_export", True),
    "nfs": ("file_export", False),
    "smb": ("file_export", False),
    "smb-encrypted": ("file_export", True),
    "local-file-access": ("file_export", None),
    "smtp": ("email", False),
    "smtp-encrypted": ("email", True),
    "pop3": ("email", False),
    "pop3-encrypted": ("email", True),
    "imap": ("email", False),
    "imap-encrypted": ("email", True),
    "jms": ("queue", False),
    "mqtt": ("queue", False),
    "ldap": ("api", False),
    "ldaps": ("api", True),
    "binary": ("api", False),
    "binary-encrypted": ("api", True),
    "text": ("api", False),
    "text-encrypted": ("api", True),
    "iiop": ("api", False),
    "iiop-encrypted": ("api", True),
    "jrmi": ("api", False),
    "jrmi-encrypted": ("api", True),
    "xmpp": ("api", False),
    "nrpe": ("api", False),
    "ssh": (None, True),
    "ssh-tunnel": (None, True),
    "in-process-library-call": (None, None),
    "in-memory": (None, None),
    "container-spawning": (None, None),
    "interprocess-communication": (None, None),
}

ORGANIZATIONS = ("owner", "boundary")
SUBJECT = "data-subjects"
SKIPPED = (
    "shared_runtimes",
    "individual_risk_categories",
    "risk_tracking",
    "abuse_cases",
    "security_requirements",
    "questions",
)
PR_MODEL_FLAGS = (
    "unlawfulprocessing",
    "deidentified",
    "erasuremodification",
    "piuseraccessmechanism",
)


@dataclass
class _Asset:
    title: str
    id: str
    spec: YamlMap
    processed: list[str] = field(default_factory=list)  # technical assets: data asset ids
    stored: list[str] = field(default_factory=list)
    left_out: dict[str, list[str]] = field(default_factory=dict)  # processes/stores -> not personal


@dataclass
class _Link:
    owner: str  # Threagile id of the declaring asset (the source)
    name: str
    target: str
    spec: YamlMap
    declared_source: str | None
    sent: list[str]  # data asset ids
    received: list[str]
    left_out: list[str] = field(default_factory=list)  # data assets it carries that are not personal


@dataclass
class _Model:
    title: str
    data: dict[str, _Asset]
    tech: dict[str, _Asset]
    links: list[_Link]
    boundary_of: dict[str, str]  # technical asset -> innermost trust boundary id
    boundaries: dict[str, _Asset]
    parent_boundary: dict[str, str]
    doc: dict = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # data asset -> why it is not personal
    repeated: list[str] = field(default_factory=list)  # data assets listed twice: where, kept once


def _words(*parts: Any) -> str:
    """Lower-case words separated by single spaces, padded: ``" date of birth "``."""
    return (
        " "
        + " ".join(re.sub(r"[^a-z]+", " ", " ".join(text(p) for p in parts).lower()).split())
        + " "
    )


def keyword_category(*parts: Any) -> str | None:
    """Return the category whose keywords occur in `parts`, or None.

    Examples
    --------
    >>> keyword_category("date0of0birth"), keyword_category("Accounts", "including credentials")
    ('identity.dob_age', 'credentials')
    >>> keyword_category("Customer Contracts (PDF)") is None
    True
    """
    words = _words(*parts)
    for category, keys in KEYWORDS:
        if any(f" {k} " in words for k in keys):
            return category
    return None


def import_threagile(
    path: str | Path, *, country: str = DEFAULT_COUNTRY, organizations: str = "owner"
) -> dict[str, str]:
    """Convert a Threagile model file into lineage model files.

    Parameters
    ----------
    path : str or Path
        A Threagile model (``threagile.yaml``).
    country : str
        ISO 3166-1 alpha-2 code written, and marked TODO, for every organization.
    organizations : {"owner", "boundary"}
        What makes an organization: each technical asset's ``owner`` (assets
        without one fall back to their trust boundary), or each trust boundary.

    Returns
    -------
    dict[str, str]
        File name -> YAML text: fields.yaml, purposes.yaml, organizations.yaml,
        systems.yaml, flows.yaml.

    Raises
    ------
    InputErrors
        With every error found, each at its file:line:col: YAML syntax,
        duplicate keys, a file that is not a Threagile model, shapes it does not
        understand, duplicate asset ids and references to unknown assets.
    """
    if organizations not in ORGANIZATIONS:
        raise ValueError(f"organizations must be one of {ORGANIZATIONS}")
    root = Path(path)
    where = display(root)
    if root.is_dir():
        raise problem(where, "a Threagile model is one file (threagile.yaml), not a folder "
                             "(for a folder of Fides manifests, use lineage import fides)")
    if not root.exists():
        raise problem(where, "no such file")
    model = _parse(read_yaml(root, as_written=True), where)
    notes = _model_notes(model)
    return _Converter(model, country, organizations).run(header("threagile", root, [root], notes))


# --------------------------------------------------------------------------- parsing


#: Boolean keys of Threagile technical assets and communication links.
ASSET_FLAGS = (
    "internet", "multi_tenant", "redundant", "custom_developed_parts", "out_of_scope",
    "used_as_client_by_human",
)
LINK_FLAGS = ("vpn", "ip_filtered", "readonly")
#: The texts Go's yaml.v3 reads into a bool (YAML 1.2 ``true``/``false``, and YAML 1.1 forms).
BOOLEANS = {
    **dict.fromkeys(("true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
}


#: Keys whose value is one of Threagile's words (lower case), per kind of asset.
CRITICALITIES = ("archive", "operational", "important", "critical", "mission-critical")
ENUMS = {
    "data asset": {
        "confidentiality": tuple(TIERS), "integrity": CRITICALITIES, "availability": CRITICALITIES,
    },
    "technical asset": {
        "type": ("external-entity", "process", "datastore"),
        "encryption": ("none", "transparent", "data-with-symmetric-shared-key",
                       "data-with-asymmetric-shared-key", "data-with-end-user-individual-key"),
        "confidentiality": tuple(TIERS),
    },
}


def _enums(spec: YamlMap, what: str, place: str, errors: Errors) -> None:
    """Record an error at each key of `spec` that is not one of its Threagile words (:data:`ENUMS`)."""
    for key, words in ENUMS.get(what, {}).items():
        value = spec.get(key)
        if value is None or (isinstance(value, str) and value.lower() in words):
            continue
        shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
        errors.add(spec.at(key), f"{place}: {key} must be one of {', '.join(words)}, not {shown}")


def _flags(spec: YamlMap, keys: tuple[str, ...], place: str, errors: Errors) -> None:
    """Replace the text of each boolean key of `spec` by its bool; another value is an error at its place.

    The model is read with scalars as written (strings stay strings, as in
    Threagile); its booleans are read here, as yaml.v3 reads them into Go bools.
    """
    for key in keys:
        value = spec.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value in BOOLEANS:
            spec[key] = BOOLEANS[value]
        else:
            shown = f"'{value}'" if isinstance(value, str) else kind_of(value)
            errors.add(spec.at(key), f"{place}: {key} must be true or false, not {shown}")
            spec[key] = None


def _assets(doc: YamlMap, key: str, what: str, errors: Errors) -> dict[str, _Asset]:
    out: dict[str, _Asset] = {}
    section = nested(doc, key, dict, key, errors)
    for title, spec in section.items():
        if (
            not isinstance(spec, dict)
            or spec.get("id") is None
            or isinstance(spec["id"], dict | list)
        ):
            errors.add(loc_of(spec, section.at(title)), f"{what} '{title}' must be a mapping with an id")
            continue
        aid = str(spec["id"])
        first = out.get(aid)
        if first is not None:
            was = first.spec.at("id")
            errors.add(
                spec.at("id"),
                f"{what} id '{aid}' of '{title}' is already used by '{first.title}' "
                f"(line {was.line}, column {was.column})",
            )
            continue
        _enums(spec, what, f"{what} '{aid}'", errors)
        out[aid] = _Asset(str(title), aid, spec)
    return out


def _links(asset: _Asset, tech: dict, known, errors: Errors) -> list[_Link]:
    """Return the communication links a technical asset declares, with known targets only."""
    place = f"technical asset '{asset.id}'"
    raw = asset.spec.get("communication_links")
    if isinstance(raw, dict):
        items = [(str(name), spec, raw.at(name)) for name, spec in raw.items()]
    elif isinstance(raw, list):  # PR #138 style: a list of links with id, source_id, target_id
        items = []
        for i, spec in enumerate(raw):
            said = (
                (text(spec.get("id")).split(">", 1)[-1], text(spec.get("target_id")))
                if isinstance(spec, dict)
                else ()
            )
            name = next((n for n in said if n), str(i + 1))
            items.append((name, spec, raw.at(i)))
    else:
        if raw is not None:
            errors.add(
                asset.spec.at("communication_links"),
                f"{place}: communication_links must be a mapping of links",
            )
        items = []
    links = []
    for name, spec, loc in items:
        lplace = f"{place}: communication link '{name}'"
        if not isinstance(spec, dict):
            errors.add(loc, f"{lplace} must be a mapping")
            continue
        _flags(spec, LINK_FLAGS, lplace, errors)
        key = "target" if spec.get("target") else "target_id"
        target = text(spec.get(key))
        sent = known(spec, "data_assets_sent", lplace)
        received = known(spec, "data_assets_received", lplace)
        if target not in tech:
            errors.add(spec.at(key), f"{lplace}: target '{target}' is not a technical asset")
            continue
        declared = text(spec.get("source_id")) or None
        links.append(_Link(asset.id, name or target, target, spec, declared, sent, received))
    return links


def _parse(doc: Any, shown: str) -> _Model:
    if not isinstance(doc, dict) or not ("technical_assets" in doc or "data_assets" in doc):
        raise InputErrors([LineageError(
            loc_of(doc, Loc(shown, 0, 0)),
            wrong_kind(doc, "threagile")
            or "not a Threagile model: expected a mapping with data_assets and technical_assets",
        )])
    errors = Errors()
    if doc.get("includes"):
        errors.add(
            doc.at("includes"),
            "Threagile includes are not supported: merge the included files into one model",
        )
    data = _assets(doc, "data_assets", "data asset", errors)
    tech = _assets(doc, "technical_assets", "technical asset", errors)
    boundaries = _assets(doc, "trust_boundaries", "trust boundary", errors)

    repeated: list[str] = []

    def known_data(spec: YamlMap, key: str, place: str) -> list[str]:
        """Return the data assets listed under `key` of `spec`, each once; unknown ones are errors."""
        ids = located_keys(spec, key, f"{place}: {key}", errors)
        first: dict[str, Loc] = {}
        for d, loc in ids:
            if d in first:
                was = first[d]
                repeated.append(
                    f"{loc} {place}: {key} lists '{d}' again (first at line {was.line}, "
                    f"column {was.column})"
                )
            elif d not in data:
                errors.add(
                    loc, f"{place}: {key} names data asset '{d}', which data_assets does not declare"
                )
            first.setdefault(d, loc)
        return [d for d in first if d in data]

    links: list[_Link] = []
    for aid in sorted(tech):
        asset = tech[aid]
        place = f"technical asset '{aid}'"
        _flags(asset.spec, ASSET_FLAGS, place, errors)
        asset.processed, asset.stored = (
            known_data(asset.spec, key, place)
            for key in ("data_assets_processed", "data_assets_stored")
        )
        links += _links(asset, tech, known_data, errors)
    boundary_of: dict[str, str] = {}
    parent: dict[str, str] = {}
    for bid in sorted(boundaries):
        spec = boundaries[bid].spec
        place = f"trust boundary '{bid}'"
        inside = located_keys(
            spec, "technical_assets_inside", f"{place}: technical_assets_inside", errors
        )
        for aid, loc in inside:
            if aid not in tech:
                errors.add(
                    loc, f"{place} names technical asset '{aid}', which technical_assets does not declare"
                )
            boundary_of.setdefault(aid, bid)
        inner = located_keys(
            spec, "trust_boundaries_nested", f"{place}: trust_boundaries_nested", errors
        )
        for child, _ in inner:
            parent.setdefault(child, bid)
    errors.raise_any()
    model = _Model(text(doc.get("title")), data, tech, links, boundary_of, boundaries, parent, doc)
    model.repeated = repeated
    return _leave_out_non_personal(model)


def not_personal(asset: _Asset) -> str | None:
    """Return why Threagile says a data asset is not personal data, or None when it may be.

    See the module docstring for the rule; quantity and confidentiality never
    decide (public data can be personal, secret data need not be).

    Examples
    --------
    >>> not_personal(_Asset("Car Make", "car0make", {"dataassettype": "no-pi"}))
    'PR #138 dataassettype: no-pi'
    >>> not_personal(_Asset("Build Job Config", "build-job-config", {}))
    "its title or id names config: 'Build Job Config'"
    >>> not_personal(_Asset("ERP Logs", "erp-logs", {"description": "Logs should not contain PII."}))
    "its description says 'not contain PII'"
    >>> not_personal(_Asset("Database Customizing and Dumps", "db-dumps", {})) is None
    True
    """
    spec = asset.spec
    kind, pin = text(spec.get("dataassettype")).lower(), text(spec.get("pinametype")).lower()
    if kind in ("pi", "no-pi"):
        return "PR #138 dataassettype: no-pi" if kind == "no-pi" else None
    if pin:
        return f"PR #138 pinametype: {pin}" if pin in PINAMETYPES and not PINAMETYPES[pin] else None
    for key in ("description", "justification_cia_rating"):
        said = NO_PERSONAL_DATA.search(text(spec.get(key)))
        if said:
            return f"its {key} says '{said.group(0)}'"
    words = _words(asset.title, asset.id)
    named = next((w for w in NOT_PERSONAL_WORDS if f" {w} " in words), None)
    if named and not keyword_category(asset.title, asset.id) and not any(
        f" {w} " in words for w in PERSONAL_WORDS
    ):
        return f"its title or id names {named}: '{asset.title or asset.id}'"
    return None


def _leave_out_non_personal(model: _Model) -> _Model:
    """Drop the data assets that are not personal data from the model, remembering them."""
    left_out = {aid: why for aid, a in sorted(model.data.items()) if (why := not_personal(a))}
    data = {aid: a for aid, a in model.data.items() if aid not in left_out}
    for asset in model.tech.values():
        asset.left_out = {
            verb: sorted(d for d in ds if d in left_out)
            for verb, ds in (("processes", asset.processed), ("stores", asset.stored))
        }
        asset.processed = [d for d in asset.processed if d in data]
        asset.stored = [d for d in asset.stored if d in data]
    for link in model.links:
        link.left_out = sorted({d for d in link.sent + link.received if d in left_out})
        link.sent = [d for d in link.sent if d in data]
        link.received = [d for d in link.received if d in data]
    model.data, model.left_out = data, left_out
    return model


def _model_notes(model: _Model) -> list[str]:
    doc = model.doc
    notes = []
    about = [f"title: {model.title}"] if model.title else []
    about.extend(f"{key}: {text(doc[key])}" for key in ("threagile_version", "business_criticality")
                 if text(doc.get(key)))
    if about:
        notes.append("Threagile model " + "; ".join(about) + ".")
    if model.repeated:
        notes.append("Listed twice, kept once: " + "; ".join(model.repeated) + ".")
    flags = [f"{k}: {text(doc[k]).lower()}" for k in PR_MODEL_FLAGS if k in doc]
    if flags:
        notes.append("Privacy flags (Threagile PR #138): " + ", ".join(flags) + ".")
    skipped = [k for k in SKIPPED if doc.get(k)]
    if skipped:
        notes.append(f"Not imported: {', '.join(skipped)}.")
    return notes


# --------------------------------------------------------------------------- converting


def _spread(held: set[str], todo: list[str], onward: dict[str, list[str]]) -> None:
    """Add to `held` every asset reached from `todo` along `onward` (asset -> assets it sends to)."""
    while todo:
        for b in onward.get(todo.pop(), ()):
            if b not in held:
                held.add(b)
                todo.append(b)


class _Converter:
    def __init__(self, model: _Model, country: str, organizations: str):
        self.m = model
        self.country = country
        self.mode = organizations
        self.field_ids = Ids()
        self.system_ids = Ids()
        self.org_ids = Ids()
        self.flow_ids = Ids()
        self.field_ids.reserve(sorted(model.data))
        ends = {
            a
            for lk in model.links
            if lk.owner != lk.target and (lk.sent or lk.received)
            for a in (lk.owner, lk.target)
        }
        #: Technical assets that become systems, sorted: those holding personal data or at the end
        #: of a flow (:meth:`unimported_notes`).
        self.systems = dict.fromkeys(
            sorted(a for a, t in model.tech.items() if t.processed or t.stored or a in ends)
        )
        self.system_ids.reserve(self.systems)
        self.custom: dict[str, Map] = {}
        self.category: dict[str, tuple[str, str]] = {}  # data asset -> (category, how)
        for aid in sorted(model.data):
            self.category[aid] = self.classify(model.data[aid])

    # ------------------------------------------------------------------ fields

    def classify(self, asset: _Asset) -> tuple[str, str]:
        spec = asset.spec
        pin = text(spec.get("pinametype")).lower()
        if PINAMETYPES.get(pin):
            return PINAMETYPES[pin], f"Threagile pinametype: {pin}"
        found = keyword_category(asset.title, asset.id, spec.get("description"), pin)
        if found:
            return found, "by keyword of title, id or description"
        conf = text(spec.get("confidentiality")).lower()
        cid = f"threagile.{self.field_ids.get(asset.id)}"
        self.custom[cid] = Map(
            [
                ("id", cid),
                (
                    Comment(
                        "TODO: no lineage category matches this data asset: check tier, "
                        "identifier and special, or use a built-in category for its field"
                    ),
                    None,
                ),
                (
                    "tier",
                    Note(
                        TIERS.get(conf, 2),
                        f"Threagile confidentiality: {conf}"
                        if conf in TIERS
                        else "TODO: Threagile gives no confidentiality",
                    ),
                ),
                (
                    "identifier",
                    Note(PI_IDENTIFIERS[pin], f"Threagile pinametype: {pin}")
                    if pin in PI_IDENTIFIERS
                    else "none",
                ),
                ("special", "none"),
                (
                    "description",
                    f"Threagile data asset {asset.id}"
                    + (f" ({asset.title})" if asset.title else ""),
                ),
            ]
        )
        return cid, "custom: no category matches"

    def field_notes(self) -> list[str]:
        """Return the notes above the fields: the rule that leaves data assets out, and what it left out."""
        if not self.m.data and not self.m.left_out:
            return []
        notes = [
            "Only personal data become fields. A data asset is left out when Threagile says it "
            "is not personal data: PR #138 dataassettype: no-pi, or a pinametype that is not "
            "personal (" + ", ".join(k for k, v in PINAMETYPES.items() if v is None) + "); "
            "without those, a description or justification_cia_rating saying it holds no PII "
            "or personal data, or a title or id naming what it is ("
            + ", ".join(NOT_PERSONAL_WORDS)
            + ") with no word or category keyword of personal data (customer, user, account, "
            "dump ...). Quantity and confidentiality never decide. Add back a field if it is "
            "personal after all."
        ]
        if self.m.left_out:
            notes.append(
                "Left out: "
                + "; ".join(f"{aid} ({why})" for aid, why in sorted(self.m.left_out.items()))
                + "."
            )
        return notes

    def field_entries(self) -> list[Map]:
        out = []
        for aid in sorted(self.m.data, key=self.field_ids.get):
            asset = self.m.data[aid]
            spec = asset.spec
            fid = self.field_ids.get(aid)
            category, how = self.category[aid]
            entry = Map(
                [
                    ("id", Note(fid, f"Threagile: {aid}") if fid != aid else fid),
                    ("category", Note(category, how)),
                ]
            )
            desc = text(spec.get("description")) or asset.title
            if desc:
                entry.append(("description", desc))
            facts = [
                f"{k}: {text(spec[k])}"
                for k in (
                    "usage",
                    "quantity",
                    "confidentiality",
                    "integrity",
                    "availability",
                    "origin",
                    "owner",
                )
                if text(spec.get(k))
            ]
            if facts:
                entry.append((Comment("Threagile " + ", ".join(facts)), None))
            pr = [
                f"{k}: {text(spec[k]).lower()}"
                for k in ("dataassettype", "consent", "thirdpartysharing")
                if k in spec and text(spec[k])
            ]
            if pr:
                entry.append((Comment("Threagile PR #138 " + ", ".join(pr)), None))
            out.append(entry)
        return out

    # ------------------------------------------------------------------ organizations

    def org_key(self, aid: str) -> tuple[str, str, str]:
        """(source key, display name, wanted id) of the organization of a technical asset."""
        owner = text(self.m.tech[aid].spec.get("owner"))
        if self.mode == "owner" and owner:
            return f"owner:{owner}", owner, owner
        bid = self.m.boundary_of.get(aid)
        if bid:
            return self.boundary_key(bid)
        return "model", self.m.title or "Threagile model", self.m.title or "threagile-model"

    def boundary_key(self, bid: str) -> tuple[str, str, str]:
        return f"boundary:{bid}", self.m.boundaries[bid].title or bid, bid

    @cached_property
    def data_owners(self) -> dict[str, list[str]]:
        """Owner (``data_assets[].owner``) -> the personal data assets it owns; none in boundary mode."""
        out: dict[str, list[str]] = {}
        if self.mode == "owner":
            for aid in sorted(self.m.data):
                owner = text(self.m.data[aid].spec.get("owner"))
                if owner:
                    out.setdefault(owner, []).append(aid)
        return out

    def external(self, aid: str) -> bool:
        """Whether a technical asset is an external entity or out of scope: not run by its owner for the model."""
        spec = self.m.tech[aid].spec
        return text(spec.get("type")).lower() == "external-entity" or spec.get("out_of_scope") is True

    def organizations(self) -> tuple[list[Map], list[str]]:
        """Return the organizations, and the notes above them.

        An organization runs a system or owns personal data assets; one that
        does neither (it ran only technical assets that are not imported, see
        :meth:`unimported_notes`, or it is a trust boundary with none inside)
        is not made: a note lists it.
        """
        members: dict[str, list[str]] = {}
        for aid in self.systems:
            members.setdefault(self.org_key(aid)[0], []).append(aid)
        keys = {self.org_key(aid) for aid in self.systems}
        keys |= {(f"owner:{o}", o, o) for o in self.data_owners}
        candidates = {self.org_key(aid) for aid in self.m.tech}
        if self.mode == "boundary":
            candidates |= {self.boundary_key(b) for b in self.m.boundaries}
        ran: dict[str, list[str]] = {}
        for aid in sorted(self.m.tech):
            ran.setdefault(self.org_key(aid)[0], []).append(aid)
        dropped = [
            f"{name} ({'ran ' + ', '.join(ran[key]) if key in ran else 'no technical asset inside'})"
            for key, name, _ in sorted(candidates - keys)
        ]
        notes = (
            [
                "Not imported, running no system here and owning no personal data asset, "
                "organizations: " + "; ".join(dropped) + "."
            ]
            if dropped
            else []
        )
        self.org_ids.reserve((key, wanted) for key, _, wanted in sorted(keys))  # processor_for names another
        out = []
        for key, name, _ in sorted(keys):
            entry = Map([("id", self.org_ids.get(key)), ("name", name)])
            if key.startswith("boundary:"):
                b = self.m.boundaries[key.split(":", 1)[1]]
                kind = text(b.spec.get("type"))
                entry.append(
                    (
                        "description",
                        f"Threagile trust boundary {b.id}"
                        + (f" ({kind})" if kind else "")
                        + (
                            f": {text(b.spec.get('description'))}"
                            if text(b.spec.get("description"))
                            else ""
                        ),
                    )
                )
            elif key == "model":
                entry.append(
                    ("description", "Technical assets with no owner and no trust boundary")
                )
            else:
                owns = [w for w, has in (("technical", key in members),
                                         ("data", name in self.data_owners)) if has]
                entry.append(("description", f"Owner of {' and '.join(owns)} assets in the Threagile model"))
            entry.extend(self.role(key, members.get(key, [])))
            entry.append(("country", Note(self.country, "TODO: Threagile does not say; assumed")))
            out.append(entry)
        return out, notes

    def role(self, key: str, aids: list[str]) -> list[tuple[Any, Any]]:
        """Return the ``role`` (and ``processor_for``) of an organization, with comments saying why.

        `aids` are the technical assets it runs. See the module docstring for the rule.
        """
        name = key.split(":", 1)[1] if key.startswith("owner:") else None
        held = self.lineage[2]
        holds = sorted({d for a in aids for d in held[a]})
        owned = self.data_owners.get(name)
        if owned:
            why = [f"Threagile: owner of the data assets {', '.join(owned)}"]
            if len(self.data_owners) > 1:
                why.append("TODO: joint_controller if it decides the purposes and means with "
                           + ", ".join(o for o in sorted(self.data_owners) if o != name))
            return [*((Comment(w), None) for w in why),
                    ("role", Note("controller", "Threagile data_assets owner"))]
        if aids and all(self.external(a) for a in aids):
            origin = [d for d in sorted(self.m.data) if text(self.m.data[d].spec.get("origin")) == name]
            said = f" (the data assets {', '.join(origin)} say origin: {name})" if origin else ""
            why = ("TODO: it owns no data asset and its systems are external entities or out of "
                   f"scope{said}: if they are the data subjects' own devices, it is no party to the "
                   "processing (remove it, or keep it as a recipient); else give its role"
                   + ("" if holds else "; its systems hold no personal data here"))
            return [(Comment(why), None), ("role", Note("recipient", "TODO: see above"))]
        others: dict[str, list[str]] = {}
        for d in holds:
            owner = text(self.m.data[d].spec.get("owner"))
            if name is not None and owner and owner != name:
                others.setdefault(owner, []).append(d)
        if others:
            main = min(others, key=lambda o: (-len(others[o]), o))
            also = "".join(f"; also {', '.join(ds)} of {o}" for o, ds in sorted(others.items()) if o != main)
            return [
                (Comment(f"Its systems hold {', '.join(others[main])}, which {main} owns{also}: "
                         f"TODO: confirm it processes them for {main}, and record the data-processing "
                         "agreement (Art. 28(3)): dpa: {signed: true, reference: ..., date: ...}"), None),
                ("role", Note("processor", "TODO: confirm")),
                ("processor_for", self.org_ids.get(f"owner:{main}")),
            ]
        if self.data_owners and name is not None and not holds:
            return [("role", Note("recipient", "TODO: its systems hold no personal data here"))]
        return [("role", Note(
            "controller", "TODO: Threagile does not say (controller, processor, subprocessor, recipient ...)"
        ))]

    # ------------------------------------------------------------------ systems

    def moves(self) -> list[tuple[str, str, list[str]]]:
        """Every (from, to, data assets) a link moves: sent forward, received back."""
        out = []
        for link in self.m.links:
            if link.owner != link.target:
                out.append((link.owner, link.target, link.sent))
                out.append((link.target, link.owner, link.received))
        return out

    def brought(self) -> dict[str, set[str]]:
        """Return the data assets some link brings each technical asset.

        A link brings its ``data_assets_sent`` to its target, and its
        ``data_assets_received`` back to the asset that declares it, except
        what that asset sends on the same link: a client that sends its login
        and gets it back in the response is still where the login enters.
        """
        out: dict[str, set[str]] = {a: set() for a in self.m.tech}
        for link in self.m.links:
            if link.owner != link.target:
                out[link.target].update(link.sent)
                out[link.owner].update(set(link.received) - set(link.sent))
        return out

    @cached_property
    def lineage(self) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
        """Return, per technical asset, the data assets it collects, those it sends unheld, and those it holds.

        An asset collects what it processes or stores when no link brings it
        (:meth:`brought`): an entry point, such as the client where a customer
        types in her data. Holding then spreads from the collectors along the
        links that carry the data. While some asset sends a data asset it does
        not hold, the first such asset (by its link's ends) is taken to collect
        it too (second dict), and holding spreads from there: in a loop where
        nobody is said to hold the data, one asset becomes its origin, not
        every one.

        Each data asset spreads on its own, once along each link that carries
        it: the time is linear in the links' data assets.
        """
        brought = self.brought()
        entry = {
            a: {d for d in t.processed + t.stored if d not in brought[a]}
            for a, t in self.m.tech.items()
        }
        unheld: dict[str, set[str]] = {a: set() for a in self.m.tech}
        holds = {a: set(ds) for a, ds in entry.items()}
        carried: dict[str, list[tuple[str, str]]] = {}  # data asset -> moves carrying it, sorted
        for a, b, assets in sorted(self.moves(), key=lambda m: m[:2]):
            for d in dict.fromkeys(assets):
                carried.setdefault(d, []).append((a, b))
        for d, moves in carried.items():
            onward: dict[str, list[str]] = {}
            for a, b in moves:
                onward.setdefault(a, []).append(b)
            held = {a for a, ds in entry.items() if d in ds}
            _spread(held, list(held), onward)
            for a, _ in moves:
                if a not in held:
                    unheld[a].add(d)
                    held.add(a)
                    _spread(held, [a], onward)
            for a in held:
                holds[a].add(d)
        return entry, unheld, holds

    def usage(self, spec: dict) -> str:
        """Return the purpose id of a data asset's or link's ``usage`` (Threagile's default: business)."""
        return normalise_id(text(spec.get("usage")).lower() or "business")

    def system_type(self, spec: dict) -> tuple[str, str]:
        tech, kind = text(spec.get("technology")).lower(), text(spec.get("type")).lower()
        why = ", ".join(f"{k}: {v}" for k, v in (("type", kind), ("technology", tech)) if v)
        if tech in TECHNOLOGIES:
            return TECHNOLOGIES[tech], f"Threagile {why}"
        return (
            "database" if kind == "datastore" else "application"
        ), f"Threagile {why}" if why else ""

    def system_entries(self) -> list[Map]:
        out = []
        for aid in sorted(self.systems, key=self.system_ids.get):
            asset = self.m.tech[aid]
            spec = asset.spec
            sid = self.system_ids.get(aid)
            entry = Map([("id", Note(sid, f"Threagile: {aid}") if sid != aid else sid)])
            if asset.title:
                entry.append(("name", asset.title))
            if text(spec.get("description")):
                entry.append(("description", text(spec["description"])))
            entry.append(("organization", self.org_ids.get(self.org_key(aid)[0])))
            stype, why = self.system_type(spec)
            entry.append(("type", Note(stype, why) if why else stype))
            internet = spec.get("internet") is True
            entry.append(
                (
                    "exposure",
                    Note(
                        "internet" if internet else "internal",
                        f"Threagile internet: {'true' if internet else 'false'}",
                    ),
                )
            )
            encryption = text(spec.get("encryption")).lower()
            if encryption:
                entry.append(
                    (
                        "security",
                        Note(
                            Inline(encryption_at_rest=encryption != "none"),
                            f"Threagile encryption: {encryption}; TODO: mfa, access_logging",
                        ),
                    )
                )
            else:
                entry.append(
                    (Comment("TODO: security: {encryption_at_rest, mfa, access_logging}"), None)
                )
            entry.append(
                (
                    Comment(
                        "TODO: retention: how long it keeps personal data (ISO 8601, e.g. P2Y)"
                    ),
                    None,
                )
            )
            if spec.get("out_of_scope") is True:
                entry.append(
                    (
                        Comment(
                            "Threagile: out of scope"
                            + (
                                f" ({text(spec['justification_out_of_scope'])})"
                                if text(spec.get("justification_out_of_scope"))
                                else ""
                            )
                        ),
                        None,
                    )
                )
            bid = self.m.boundary_of.get(aid)
            if bid and self.mode == "owner":
                chain, seen = [bid], {bid}
                while (
                    self.m.parent_boundary.get(chain[-1])
                    and self.m.parent_boundary[chain[-1]] not in seen
                ):
                    chain.append(self.m.parent_boundary[chain[-1]])
                    seen.add(chain[-1])
                entry.append((Comment("Threagile trust boundary: " + " inside ".join(chain)), None))
            entry.extend(self.collects(aid))
            out.append(entry)
        return out

    def unimported_notes(self) -> list[str]:
        """Return the note above the systems: the technical assets that are no system, with what they hold.

        A technical asset that processes or stores no personal data and is
        the end of no flow (its links carry none: a source code repository, a
        build server) would be a system in no flow: it is listed here instead.
        """
        idle = []
        for aid in sorted(set(self.m.tech) - set(self.systems)):
            asset = self.m.tech[aid]
            said = asset.left_out
            held = (
                [f"processes and stores {', '.join(said['stores'])}"]
                if said["processes"] == said["stores"] and said["stores"]
                else [f"{verb} {', '.join(ds)}" for verb, ds in said.items() if ds]
            )
            idle.append(f"{aid} ({'; '.join(held) if held else 'no data assets'})")
        if not idle:
            return []
        return [
            "Not imported, holding no personal data (see fields.yaml) and in no flow (see "
            "flows.yaml), technical assets: " + "; ".join(idle) + "."
        ]

    def collects(self, aid: str) -> list[tuple[Any, Any]]:
        """Return the ``collects`` of a technical asset's system, with comments saying why.

        Only where data enter (:attr:`lineage`): what the asset processes or
        stores and no link brings it, and what it sends unheld. What links
        bring it, it holds through flows: a comment names it.
        """
        asset = self.m.tech[aid]
        entry, unheld, _ = self.lineage
        collected = entry[aid] | unheld[aid]
        out: list[tuple[Any, Any]] = []
        said = [(k, [d for d in ds if d in entry[aid]]) for k, ds in
                (("processes", asset.processed), ("stores", asset.stored))]
        why = [f"{k} {', '.join(sorted(ds))}" for k, ds in said if ds]
        if unheld[aid]:
            why.append(f"sends {', '.join(sorted(unheld[aid]))} (from no holder)")
        if why:
            out.append((Comment("collects what no link brings it (where data enter): Threagile says it "
                                + "; ".join(why)), None))
        through = sorted(set(asset.processed + asset.stored) - entry[aid])
        if through:
            out.append((Comment("holds through flows, not collected: " + ", ".join(through)), None))
        by_usage: dict[str, list[str]] = {}
        for d in sorted(collected, key=self.field_ids.get):
            by_usage.setdefault(self.usage(self.m.data[d].spec), []).append(self.field_ids.get(d))
        if by_usage:
            out.append((
                "collects",
                [
                    Map([("subject", SUBJECT), ("purpose", usage), ("fields", fields)])
                    for usage, fields in sorted(by_usage.items())
                ],
            ))
        return out

    # ------------------------------------------------------------------ flows

    def flow_entries(self) -> tuple[list[Map], list[str]]:
        """Return the flows of the communication links, and the notes above them.

        A link that carries no personal data (a code or configuration deploy:
        its data assets were all left out, or it names none) becomes no flow,
        which would ask for a purpose and data subjects in the Art. 30 record:
        a note lists it.
        """
        out, notes, unpersonal = [], [], []
        def sid(aid: str) -> str:
            return self.system_ids.get(aid) if aid in self.systems else aid

        for link in sorted(self.m.links, key=lambda lk: (sid(lk.owner), lk.name)):
            spec = link.spec
            if link.owner == link.target:
                notes.append(
                    f"Not imported: communication link '{link.name}' of {link.owner} "
                    "targets its own asset."
                )
                continue
            if not (link.sent or link.received):
                unpersonal.append(
                    f"'{link.name}' of {link.owner}"
                    + (f" ({', '.join(link.left_out)})" if link.left_out else " (no data assets)")
                )
                continue
            src, dst = self.system_ids.get(link.owner), self.system_ids.get(link.target)
            base = self.flow_ids.get(f"{link.owner}>{link.name}", f"{src}.{link.name}")
            protocol = text(spec.get("protocol")).lower()
            channel, encrypted = PROTOCOLS.get(protocol, (None, None))
            if channel == "web" and not (
                {self.system_type(self.m.tech[a].spec)[0] for a in (link.owner, link.target)}
                & {"endpoint"}
            ):
                channel = "api"
            vpn = spec.get("vpn") is True
            facts = [
                f"{k}: {text(spec[k]).lower()}"
                for k in ("protocol", "authentication", "authorization", "vpn", "readonly")
                if text(spec.get(k))
            ]
            sent, received = link.sent, link.received
            usage = self.usage(spec)
            pairs = []
            if sent:
                pairs.append((base, src, dst, sent, text(spec.get("description"))))
            if received:
                pairs.append(
                    (
                        self.flow_ids.get(f"{link.owner}>{link.name}>response", f"{base}.response"),
                        dst,
                        src,
                        received,
                        f"Response of {link.name}: data_assets_received",
                    )
                )
            for fid, a, b, assets, desc in pairs:
                entry = Map([("id", fid), ("from", a), ("to", b)])
                if desc:
                    entry.append(("description", desc))
                entry.append(
                    (
                        Comment(
                            f"Threagile link '{link.name}' of {link.owner}: " + ", ".join(facts)
                        ),
                        None,
                    )
                )
                if link.left_out and fid == pairs[0][0]:
                    entry.append(
                        (
                            Comment(
                                "Left out of this link's flows, not personal data (see "
                                f"fields.yaml): {', '.join(link.left_out)}"
                            ),
                            None,
                        )
                    )
                if link.declared_source and link.declared_source != link.owner:
                    entry.append(
                        (
                            Comment(
                                f"Threagile source_id says '{link.declared_source}', "
                                "but the link is "
                                f"declared under '{link.owner}', which is taken as its source"
                            ),
                            None,
                        )
                    )
                entry.append(("purpose", Note(usage, f"Threagile usage: {usage}")))
                entry.append(("fields", sorted(self.field_ids.get(d) for d in assets)))
                if channel:
                    entry.append(("channel", channel))
                if vpn:
                    entry.append(("encrypted", Note(True, "Threagile vpn: true")))
                elif encrypted is not None:
                    entry.append(("encrypted", encrypted))
                elif protocol not in PROTOCOLS or not protocol:
                    entry.append(
                        (Comment(f"TODO: channel, encrypted: unknown protocol '{protocol}'"), None)
                    )
                entry.append(
                    (
                        Comment(
                            "TODO: retention: how long the recipient keeps what this flow brings"
                        ),
                        None,
                    )
                )
                out.append(entry)
        if unpersonal:
            notes.append(
                "Not imported, carrying no personal data (see fields.yaml), communication links: "
                + "; ".join(unpersonal) + "."
            )
        return out, notes

    # ------------------------------------------------------------------ purposes and subjects

    def purposes(self) -> list[Map]:
        usages: dict[str, set[str]] = {}
        for aid, asset in self.m.data.items():
            usages.setdefault(self.usage(asset.spec), set()).add(aid)
        for link in self.m.links:
            if link.sent or link.received:
                usages.setdefault(self.usage(link.spec), set())
        out = []
        for usage in sorted(usages):
            assets = sorted(usages[usage])
            entry = Map(
                [
                    ("id", usage),
                    ("name", {"business": "Business", "devops": "DevOps"}.get(usage, usage)),
                    (
                        "description",
                        f"Threagile usage: {usage} (data assets and communication links)",
                    ),
                ]
            )
            consents = sorted(
                {text(self.m.data[a].spec.get("consent")).lower() for a in assets} - {""}
            )
            said = f" (the data assets say consent: {', '.join(consents)})" if consents else ""
            entry.append(
                (Comment(f"TODO: legal_basis (Art. 6(1)): Threagile does not say{said}"), None)
            )
            if any(self.special(a) for a in assets):
                entry.append(
                    (
                        Comment(
                            "TODO: special_condition: this purpose needs special-category data; "
                            f"{SPECIAL_CONDITION_HOW}"
                        ),
                        None,
                    )
                )
            if assets:
                entry.append(
                    (
                        "needs",
                        Note(
                            sorted(self.field_ids.get(a) for a in assets),
                            f"the data assets with usage {usage}: trim to the minimum",
                        ),
                    )
                )
            entry.append(
                (Comment("TODO: max_retention: Threagile does not say; ISO 8601, e.g. P2Y"), None)
            )
            out.append(entry)
        return out

    def special(self, aid: str) -> bool:
        info = BUILTIN.get(self.category[aid][0])
        return bool(info and info.special != "none")

    def subjects(self) -> list[Map]:
        if not self.m.data or not self.systems:
            return []
        return [
            Map(
                [
                    ("id", SUBJECT),
                    ("name", "Data subjects"),
                    (
                        Comment(
                            "TODO: Threagile has no data subjects: split this into the real ones "
                            "(customers, "
                            "employees ...), with vulnerable, children and population"
                        ),
                        None,
                    ),
                ]
            )
        ]

    def run(self, head: list[str]) -> dict[str, str]:
        orgs, org_notes = self.organizations()
        systems = self.system_entries()
        flows, flow_notes = self.flow_entries()
        return {
            "fields.yaml": render(
                head,
                [
                    Section("categories", [self.custom[c] for c in sorted(self.custom)], []),
                    Section("fields", self.field_entries(), self.field_notes()),
                ],
            ),
            "purposes.yaml": render(
                head,
                [
                    Section("subjects", self.subjects(), []),
                    Section("purposes", self.purposes(), []),
                ],
            ),
            "organizations.yaml": render(head, [Section("organizations", orgs, org_notes)]),
            "systems.yaml": render(head, [Section("systems", systems, self.unimported_notes())]),
            "flows.yaml": render(head, [Section("flows", flows, flow_notes)]),
        }
