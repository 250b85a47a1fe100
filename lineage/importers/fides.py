"""``lineage import fides``: Fides manifests to the lineage model format.

A Fides manifest folder holds resources under top-level keys: ``system``,
``dataset``, ``organization``, ``data_category``, ``data_use``,
``data_subject`` (and ``policy``, ``registry``, ``evaluation``, which say
nothing about flows and are skipped). They become:

=====================================  ==========================================================
Fides                                  lineage
=====================================  ==========================================================
dataset field with personal categories a field ``<dataset>.<collection>.<field>``; its category
                                       from :mod:`lineage.importers.fides_categories` (the most
                                       sensitive one when it has several)
declared category with no dataset      a field named after the category (``user.contact``)
field
data category with no lineage match    a custom category ``fides.<key>`` with a tier
data use                               a purpose; ``needs`` = the fields declared for that use;
                                       legal basis and retention only when the privacy
                                       declarations say (``legal_basis_for_processing``,
                                       ``retention_period`` in days), else a TODO; one per
                                       declaration (a list is an error); a declaration without
                                       one collects for the TODO purpose ``unspecified``
data subject                           a subject (employees, applicants, patients, trainees:
                                       vulnerable; ``children`` when ``user.childrens`` is declared)
organization                           an organization; country from the address of its
                                       controller or DPO (else of its systems' ``legal_address``;
                                       never of its Art. 27 representative, who is in the Union
                                       because it is not); ``security_policy`` kept as a comment
organization contacts                  ``controller`` -> ``contact``, ``data_protection_officer``
                                       -> ``dpo``, ``representative`` -> ``representative``
                                       (Art. 30(1)(a), 37, 27): each one line of text,
                                       ``name: ..., address: ..., email: ..., phone: ...``
system ``legal_name`` naming another   an organization of its own (a vendor) holding the system;
business than its organization         country from the system's ``legal_address``
system ``responsibility``              the role of the system's organization when its systems
                                       agree (Controller, Processor, Sub-Processor), else
                                       controller marked TODO; a vendor that is a Processor is
                                       ``processor_for`` its systems' Fides organization when
                                       that one is a controller
system ``legal_basis_for_transfers``   the ``transfer_safeguard`` of the system's organization
                                       (Adequacy Decision, SCCs, BCRs: :data:`TRANSFER_BASES`);
                                       ``does_international_transfers`` without one: a TODO
system ``legal_address``               the system's ``country`` when it names another country
                                       than its organization's
system ``data_security_practices``     the ``security`` controls the text states
                                       (:func:`security_controls`), the text as a comment
system + privacy declarations          a system that ``collects`` each declaration's fields from
                                       its subjects for its data use
egress / ingress between systems       one flow per pair: the source's fields that fall under the
                                       categories the target declares (or that the egress names),
                                       for the target's matching data use
=====================================  ==========================================================

What Fides does not say (retention, exposure, security controls, channel,
encryption) is left out or set to the format's default, with a TODO comment.
What Fides says that the format cannot hold (a system's ``dpo``,
``privacy_policy``, ``dpa_location`` ...) is kept as a ``Fides key: value``
comment on its organization or system, never dropped silently; so are the
keys of datasets, collections and fields (``retention``, with its ISO 8601
form, ``third_country_transfers``, ``data_qualifier`` ...) on each field they
cover, the keys of a privacy declaration (``third_parties`` ...) on its
collections, and egress or ingress entries naming a dataset or a user on
their system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineage.errors import InputErrors, LineageError, Loc
from lineage.importers import (
    DEFAULT_COUNTRY,
    SPECIAL_CONDITION_HOW,
    Comment,
    Errors,
    Ids,
    Imported,
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
from lineage.importers import fides_categories as fc
from lineage.load import yaml_files
from lineage.model.places import COUNTRIES
from lineage.model.taxonomy import BUILTIN

RESOURCES = ("system", "dataset", "organization", "data_category", "data_use", "data_subject")
SKIPPED = ("policy", "registry", "evaluation", "data_qualifier")

#: Words of a Fides ``system_type`` -> lineage system type (first match; else application).
SYSTEM_TYPES = (
    (("database", "datastore", "data store", "db", "storage"), "database"),
    (("warehouse", "analytics", "bi"), "analytics"),
    (("saas",), "saas"),
    (("api",), "api"),
    (("mail", "email"), "mailbox"),
    (("backup",), "backup"),
    (("file", "share"), "file_share"),
    (("endpoint", "device", "laptop", "mobile"), "endpoint"),
)

#: Country names ending addresses -> ISO 3166-1 alpha-2 (two-letter codes are read as is).
COUNTRY_NAMES = {
    "usa": "US",
    "u.s.a.": "US",
    "united states": "US",
    "united states of america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "france": "FR",
    "germany": "DE",
    "deutschland": "DE",
    "spain": "ES",
    "italy": "IT",
    "netherlands": "NL",
    "the netherlands": "NL",
    "belgium": "BE",
    "ireland": "IE",
    "austria": "AT",
    "portugal": "PT",
    "poland": "PL",
    "sweden": "SE",
    "denmark": "DK",
    "finland": "FI",
    "norway": "NO",
    "switzerland": "CH",
    "luxembourg": "LU",
    "canada": "CA",
    "japan": "JP",
    "india": "IN",
    "australia": "AU",
    "brazil": "BR",
    "china": "CN",
    "singapore": "SG",
}


#: Fides ``legal_basis_for_transfers`` (lower case) -> lineage ``transfer_safeguard``.
TRANSFER_BASES = {
    "adequacy decision": "adequacy",
    "adequacy": "adequacy",
    "sccs": "scc",
    "scc": "scc",
    "standard contractual clauses": "scc",
    "bcrs": "bcr",
    "bcr": "bcr",
    "binding corporate rules": "bcr",
    "derogation": "derogation",
    "derogations": "derogation",
}
#: Fides ``responsibility`` (lower case) -> lineage organization role.
RESPONSIBILITIES = {"controller": "controller", "processor": "processor", "sub-processor": "subprocessor"}
#: Security controls and what a Fides ``data_security_practices`` text says for each.
SECURITY_TERMS = {
    "encryption_at_rest": re.compile(
        r"encrypt\w*\s+(?:\w+\s+){0,3}at\s+rest|at[- ]rest\s+encryption|(?:disk|storage|database)\s+encryption",
        re.IGNORECASE,
    ),
    "mfa": re.compile(r"\bmfa\b|\b2fa\b|multi[- ]?factor|two[- ]factor", re.IGNORECASE),
    "access_logging": re.compile(r"(?:access|audit)\s+(?:log|trail)\w*", re.IGNORECASE),
}
_NEGATION = re.compile(r"\b(?:no|not|without|none|lacks?)\b", re.IGNORECASE)
#: System keys the importer maps or comments on by name; any other key with a value is kept
#: as a ``Fides key: value`` comment.
SYSTEM_KEYS = (
    "fides_key", "name", "description", "organization_fides_key", "system_type", "privacy_declarations",
    "egress", "ingress", "dataset_references", "administrating_department", "responsibility",
    "legal_name", "legal_address", "does_international_transfers", "legal_basis_for_transfers",
    "data_security_practices", "dpo",
)
#: Organization keys the importer maps or comments on by name (the others: as for systems).
ORGANIZATION_KEYS = (
    "fides_key", "name", "description", "controller", "data_protection_officer", "representative",
    "security_policy",
)
#: Fides organization contacts (name, address, email, phone) -> the lineage organization key
#: that holds them as one line of text (Art. 30(1)(a), Art. 37, Art. 27).
CONTACTS = {"controller": "contact", "data_protection_officer": "dpo", "representative": "representative"}
#: Keys of datasets, collections and fields the importer maps; any other is kept on each field.
DATASET_KEYS = ("fides_key", "name", "description", "data_categories", "collections", "fields",
                "organization_fides_key")
#: Privacy-declaration keys the importer maps; any other is kept on its collections.
DECLARATION_KEYS = ("name", "data_use", "data_categories", "data_subjects", "legal_basis_for_processing",
                    "special_category_legal_basis", "retention_period", "dataset_references", "egress",
                    "ingress")
_DURATION = re.compile(r"(\d+)\s*(day|week|month|year)s?", re.IGNORECASE)


def iso_duration(said: str) -> str | None:
    """Return an ISO 8601 duration for a retention said as ``N days|weeks|months|years``, or None.

    Examples
    --------
    >>> iso_duration("90 days"), iso_duration("3 years after last contact"), iso_duration("1 Month")
    ('P90D', 'P3Y', 'P1M')
    >>> iso_duration("until deletion") is None
    True
    """
    match = _DURATION.search(said)
    if not match:
        return None
    return f"P{match[1]}{match[2][0].upper()}" if match[2].lower() != "week" else f"P{int(match[1]) * 7}D"


def _kept_facts(data: dict, known: tuple[str, ...], where: str) -> list[str]:
    """Return a ``Fides <where> key: value`` line per key of `data` not in `known` (retention with its ISO form)."""
    out = []
    for key, value in data.items():
        said = _said(value)
        if key in known or value is False or not said:
            continue
        iso = iso_duration(said) if key == "retention" else None
        tail = f" (ISO 8601: {iso}; TODO: the retention of the systems that keep it)" if iso else ""
        if key == "data_qualifier":
            tail = (" (TODO: if it is only ever held in this form, say so: an aggregated or "
                    "anonymised field is no personal data)")
        if key == "third_country_transfers":
            tail = (f" (TODO: a transfer to {said}: give the organizations there their country "
                    "and transfer_safeguard)")
        out.append(f"Fides{where} {key}: {said}{tail}")
    return out


#: US state, district and territory codes (USPS).
US_STATES = frozenset((
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
))
#: Canadian province and territory codes (Canada Post).
CA_PROVINCES = frozenset(("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"))
_US_ZIP = re.compile(r"(?P<region>[A-Z]{2})?\s*\d{5}(?:-\d{4})?")
_CA_POSTCODE = re.compile(r"(?P<region>[A-Z]{2})?\s*[A-Z]\d[A-Z] ?\d[A-Z]\d")
#: A first address part in the North American order: house number, then street and its suffix.
_NA_STREET = re.compile(
    r"\d+[A-Za-z]?\s+.*\b(?:st|street|ave|avenue|blvd|boulevard|rd|road|dr|drive|ln|lane|way|"
    r"pkwy|parkway|hwy|highway|ct|court|pl|place|sq|square|suite|ste)\.?(?:\s+#?\w+)?",
    re.IGNORECASE,
)


def _region_country(region: str | None) -> str | None:
    """Return US or CA for a US state or Canadian province code (or None: either or neither)."""
    if region is None:
        return None
    us, ca = region in US_STATES, region in CA_PROVINCES
    return "US" if us and not ca else "CA" if ca and not us else None


def country_of(address: str) -> str | None:
    """Return the ISO code of the country that ends a postal address, or None.

    The last comma-separated part decides: a country name, a state or
    province with its ZIP or postal code (``CA 94105``, ``ON K1A 0B6``), or a
    two-letter code. A code that is both a US state or Canadian province and a
    country (CA, DE, IN, GA, MA, PE ...) is the state when the address starts
    with a North American street (``1 Market St``), the country when a postcode
    comes before the city (``10115 Berlin``), and unclear (None) otherwise: see
    :func:`unclear_country`.

    Examples
    --------
    >>> country_of("123 demo street, New York, NY, USA"), country_of("1 Quai, 75001 Paris, FR")
    ('US', 'FR')
    >>> country_of("1 Market St, San Francisco, CA"), country_of("Wilmington, DE 19801")
    ('US', 'US')
    >>> country_of("Hauptstr. 1, 10115 Berlin, DE"), country_of("Toronto, ON M5V 2T6")
    ('DE', 'CA')
    >>> country_of("Wilmington, DE") is None, country_of("Somewhere") is None
    (True, True)
    """
    parts = [p.strip() for p in address.rstrip(". ").split(",")]
    last = parts[-1]
    if last.lower() in COUNTRY_NAMES:
        return COUNTRY_NAMES[last.lower()]
    for shape, country in ((_US_ZIP, "US"), (_CA_POSTCODE, "CA")):
        match = shape.fullmatch(last)
        region = match and (match["region"] or (parts[-2] if len(parts) > 1 else None))
        if region and _region_country(region) == country:
            return country
    if not re.fullmatch(r"[A-Z]{2}", last):
        return None
    region = _region_country(last)
    if last not in COUNTRIES:
        return region
    if last not in US_STATES | CA_PROVINCES:
        return last
    if _NA_STREET.fullmatch(parts[0]):
        return region or "US"
    if any(re.match(r"\d{4,5}\s+[^\d\s]", p) for p in parts[1:-1]):
        return last
    return None


def unclear_country(address: str) -> str | None:
    """Say why the country of `address` is unclear, or None when it is not.

    Examples
    --------
    >>> unclear_country("Wilmington, DE")
    "'DE' may be a US state or a country"
    >>> unclear_country("Somewhere") is None
    True
    """
    last = address.rstrip(". ").rsplit(",", 1)[-1].strip()
    if country_of(address) is None and last in COUNTRIES and last in US_STATES | CA_PROVINCES:
        kind = "US state" if last in US_STATES else "Canadian province"
        return f"'{last}' may be a {kind} or a country"
    return None


def security_controls(practices: str) -> dict[str, bool]:
    """Return the Art. 32 controls a Fides ``data_security_practices`` text states.

    A control counts only when a clause (text between ``.``, ``,`` and ``;``)
    names it; a clause with a negation (no, not, without) says it is absent.
    Controls the text does not name are left out: unknown, not absent.

    Examples
    --------
    >>> security_controls("AES-256 encryption at rest; MFA for admins, no audit logging.")
    {'encryption_at_rest': True, 'mfa': True, 'access_logging': False}
    >>> security_controls("ISO 27001 certified")
    {}
    """
    found: dict[str, bool] = {}
    for clause in re.split(r"[.,;]", practices):
        for control, pattern in SECURITY_TERMS.items():
            if control not in found and pattern.search(clause):
                found[control] = not _NEGATION.search(clause)
    return {control: found[control] for control in SECURITY_TERMS if control in found}


def _said(value: Any) -> str:
    """Write a Fides value as one line of text: mappings as ``key: value``, lists joined.

    Examples
    --------
    >>> _said({"name": "Con Troller", "email": "c@example.org"}), _said(["SCCs", "BCRs"])
    ('name: Con Troller, email: c@example.org', 'SCCs, BCRs')
    """
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_said(v)}" for k, v in value.items() if _said(v))
    if isinstance(value, list):
        return ", ".join(filter(None, (_said(v) for v in value)))
    if isinstance(value, bool):
        return "true" if value else "false"
    return text(value)


def _texts(value: Any) -> list[str]:
    """Return a Fides value given as one text or a list of texts, as a list of texts."""
    items = value if isinstance(value, list) else [value]
    return [t for t in (_said(v) for v in items) if t]


def _other_facts(data: dict, known: tuple[str, ...]) -> list:
    """Return a ``Fides key: value`` comment per key of `data` the importer does not map.

    Defaults that say nothing (``false``, empty) are not written.
    """
    return [
        (Comment(f"Fides {key}: {_said(value)}"), None)
        for key, value in data.items()
        if key not in known and value is not False and _said(value)
    ]


@dataclass
class _Resource:
    key: str
    data: YamlMap


@dataclass
class _Field:
    id: str
    categories: list[str]  # Fides keys, personal only
    chosen: str  # the Fides key that gives the lineage category
    category: str  # lineage category id
    description: str
    origin: str  # "dataset.collection.field" or "category"
    facts: list[str] = field(default_factory=list)  # dataset, collection and field keys not mapped


@dataclass
class _Declaration:
    name: str
    use: str | None
    categories: list[str]
    subjects: list[str]
    data: dict
    refs: list[str]  # its dataset_references, else its system's
    links: list[tuple[str, str, str, Loc]]  # its egress and ingress: (source, target, what, loc)
    fields: list[str] = field(default_factory=list)


def _keys(parent: YamlMap, key: str, what: str, errors: Errors) -> list[str]:
    """Return the Fides keys listed under `key` of `parent` (see :func:`~lineage.importers.located_keys`)."""
    return [k for k, _ in located_keys(parent, key, what, errors)]


def _data_use(decl: YamlMap, what: str, errors: Errors) -> str | None:
    """Return the ``data_use`` of a privacy declaration: one Fides key, or None when absent.

    Fides takes one data use per declaration: a list, and any value that is
    not a key (a mapping, a bool, a number), is an error at its place.
    """
    use = decl.get("data_use")
    if use is None or isinstance(use, str):
        return text(use) or None
    if isinstance(use, list):
        errors.add(decl.at("data_use"), f"{what}: data_use must be one data use, not a list: "
                                        "Fides takes one per privacy declaration; write one declaration per data use")
    else:
        errors.add(decl.at("data_use"), f"{what}: data_use must be a data use key, not {kind_of(use)}")
    return None


def _covers(declared: str, category: str) -> bool:
    """Whether Fides category `declared` includes `category` (itself or a descendant)."""
    return category == declared or category.startswith(declared + ".")


def import_fides(path: str | Path, *, country: str = DEFAULT_COUNTRY) -> dict[str, str]:
    """Convert the Fides manifests under `path` into lineage model files.

    Parameters
    ----------
    path : str or Path
        A folder of Fides manifests (``*.yml``/``*.yaml``, sub-folders included)
        or one manifest file.
    country : str
        ISO 3166-1 alpha-2 code assumed, and marked TODO, where an organization
        has no address naming its country.

    Returns
    -------
    dict[str, str]
        File name -> YAML text: fields.yaml, purposes.yaml, organizations.yaml,
        systems.yaml, flows.yaml.

    Raises
    ------
    InputErrors
        With every error found, each at its file:line:col: YAML syntax,
        duplicate keys, files that are not Fides manifests, shapes it does not
        understand, duplicate fides_keys and references to systems that no
        manifest declares.
    """
    root = Path(path)
    if not root.exists():
        raise problem(display(root), "no such file or folder")
    files, unlisted = ([root], []) if root.is_file() else yaml_files(root)
    if unlisted:
        raise InputErrors([LineageError(Loc(folder.path, 0, 0), folder.problem) for folder in unlisted])
    if not files:
        raise problem(display(root), "no Fides manifests (*.yml, *.yaml) here")
    errors = Errors()
    resources, skipped, unreadable = _read(files, errors)
    if unreadable:  # what the other files name may be in it: report only what is sure
        errors.raise_any()
    if not any(resources.values()):
        errors.raise_any()
        raise problem(
            display(root),
            "no Fides resources (system, dataset, organization, data_use ...) in these files",
        )
    converted = _Converter(resources, country, errors).run(header("fides", root, files, skipped))
    return Imported(converted, source=root if root.is_dir() else None)


def _read(
    files: list[Path], errors: Errors
) -> tuple[dict[str, dict[str, _Resource]], list[str], bool]:
    """Read every manifest: its resources by kind and key, notes on what is skipped.

    Shapes that are wrong and duplicate fides_keys are added to `errors`; the
    last value returned says whether some file could not be read as YAML.
    """
    resources: dict[str, dict[str, _Resource]] = {kind: {} for kind in RESOURCES}
    skipped: dict[str, list[str]] = {}
    unreadable = False
    for path in files:
        try:
            doc = read_yaml(path)
        except InputErrors as exc:
            errors.extend(exc.errors)
            unreadable = True
            continue
        if doc is None:
            continue
        if not isinstance(doc, dict):
            errors.add(
                loc_of(doc, Loc(display(path), 0, 0)),
                "not a Fides manifest: expected a mapping of resource lists "
                f"({', '.join(RESOURCES)})",
            )
            continue
        other = wrong_kind(doc, "fides")
        if other:
            errors.add(doc.loc, other)
            continue
        for kind in doc:
            if kind in SKIPPED:
                for item in nested(doc, kind, list, kind, errors):
                    skipped.setdefault(kind, []).append(
                        text(item.get("fides_key")) if isinstance(item, dict) else "?"
                    )
                continue
            if kind not in RESOURCES:
                errors.add(
                    doc.key_at(kind),
                    f"not a Fides manifest: unknown resource type '{kind}' "
                    f"(expected {', '.join(RESOURCES + SKIPPED)})",
                )
                continue
            items = nested(doc, kind, list, kind, errors)
            for i, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get("fides_key"), str | int):
                    errors.add(items.at(i), f"every {kind} must be a mapping with a fides_key")
                    continue
                key = str(item["fides_key"])
                first = resources[kind].get(key)
                if first is not None:
                    errors.add(
                        item.at("fides_key"),
                        f"duplicate {kind} fides_key '{key}' (first at {first.data.at('fides_key')})",
                    )
                    continue
                resources[kind][key] = _Resource(key, item)
    notes = [
        f"Not imported: {kind} {', '.join(sorted(keys))} (lineage rules express policy)."
        if kind == "policy"
        else f"Not imported: {kind} {', '.join(sorted(keys))}."
        for kind, keys in sorted(skipped.items())
    ]
    return resources, notes, unreadable


class _Converter:
    def __init__(self, resources: dict[str, dict[str, _Resource]], country: str, errors: Errors):
        self.r = resources
        self.country = country
        self.errors = errors  # wrong shapes and references, raised together once the flows are made
        self.org_country: dict[str, str] = {}  # organization id -> its country
        self.parents = {
            k: str(v.data["parent_key"])
            for k, v in resources["data_category"].items()
            if v.data.get("parent_key")
        }
        self.field_ids = Ids()
        self.system_ids = Ids()
        self.org_ids = Ids()
        self.purpose_ids = Ids()
        self.subject_ids = Ids()
        self.fields: dict[str, _Field] = {}
        self.custom: dict[
            str, tuple[fc.Custom, str, bool]
        ] = {}  # id -> (custom, fides key, unknown)
        self.dataset_fields: dict[str, list[str]] = {}  # dataset key -> field ids
        self.not_personal: dict[str, list[str]] = {}  # dataset -> "collection.field" not imported
        self.category_fields: dict[str, str] = {}  # fides category -> field id
        self.by_system: dict[str, list[_Declaration]] = {}  # system -> its privacy declarations
        self.missing_datasets: set[str] = set()
        self.outside: dict[
            str, list[str]
        ] = {}  # system -> dataset fields outside its declared categories

    # ------------------------------------------------------------------ categories

    def tier(self, key: str) -> int:
        """Return the tier a Fides category maps to (0: not personal)."""
        mapped = fc.lookup(key, self.parents)[1]
        if mapped is None:
            return 0
        return BUILTIN[mapped].tier if isinstance(mapped, str) else mapped.tier

    def category(self, key: str) -> str:
        """Return the lineage category of a personal Fides key, declaring a custom one if needed."""
        decided_by, mapped = fc.lookup(key, self.parents)
        if isinstance(mapped, str):
            return mapped
        cid = "fides." + normalise_id(decided_by or key)
        self.custom.setdefault(cid, (mapped, decided_by or key, decided_by is None))
        return cid

    def personal(self, keys: list[str]) -> list[str]:
        return [k for k in keys if fc.lookup(k, self.parents)[1] is not None]

    def make_field(
        self,
        source: str,
        wanted: str,
        categories: list[str],
        description: str,
        origin: str,
        facts: list[str] | None = None,
    ) -> str:
        chosen = min(categories, key=lambda k: (-self.tier(k), k))
        fid = self.field_ids.get(source, wanted)
        self.fields[fid] = _Field(
            fid, categories, chosen, self.category(chosen), description, origin, facts or []
        )
        return fid

    # ------------------------------------------------------------------ datasets

    def datasets(self) -> None:
        for key in sorted(self.r["dataset"]):
            res = self.r["dataset"][key]
            ds = res.data
            out: list[str] = []
            ds_cats = _keys(ds, "data_categories", f"dataset {key}: data_categories", self.errors)
            collections = nested(ds, "collections", list, f"dataset {key}: collections", self.errors)
            for coll in sorted(
                (c for c in collections if isinstance(c, dict)), key=lambda c: text(c.get("name"))
            ):
                cname = text(coll.get("name"))
                where = f"dataset {key}: collection {cname}"
                c_cats = (
                    _keys(coll, "data_categories", f"{where}: data_categories", self.errors)
                    or ds_cats
                )
                facts = _kept_facts(ds, DATASET_KEYS, f" dataset {key}") + _kept_facts(
                    coll, DATASET_KEYS, f" collection {cname}"
                )
                self._fields(key, [cname], coll, c_cats, where, out, facts)
            self.dataset_fields[key] = sorted(out)

    def _fields(
        self,
        ds: str,
        path: list[str],
        parent: YamlMap,
        inherited: list[str],
        where: str,
        out: list[str],
        facts: list[str],
    ) -> None:
        """Make the fields under `parent` (a collection or a field with sub-fields), with the `facts` above them."""
        for f in sorted(
            (
                f
                for f in nested(parent, "fields", list, f"{where}: fields", self.errors)
                if isinstance(f, dict)
            ),
            key=lambda f: text(f.get("name")),
        ):
            name = text(f.get("name"))
            here = [*path, name]
            cats = (
                _keys(f, "data_categories", f"{where}: field {name}: data_categories", self.errors)
                or inherited
            )
            here_facts = facts + _kept_facts(f, DATASET_KEYS, "")
            if f.get("fields"):
                self._fields(ds, here, f, cats, where, out, here_facts)
                continue
            source = ".".join([ds, *here])
            personal = self.personal(cats)
            if not personal:
                self.not_personal.setdefault(ds, []).append(".".join(here))
                continue
            desc = text(f.get("description")) or f"{name} in {ds}.{'.'.join(path)}"
            out.append(self.make_field(source, source, personal, desc, source, here_facts))

    # ------------------------------------------------------------------ systems

    def category_field(self, key: str) -> str:
        if key not in self.category_fields:
            res = self.r["data_category"].get(key)
            name = text(res.data.get("name")) if res else ""
            desc = (
                f"Fides data category {key}"
                + (f" ({name})" if name else "")
                + ", declared without a dataset field"
            )
            self.category_fields[key] = self.make_field(
                f"category:{key}", key, [key], desc, "category"
            )
        return self.category_fields[key]

    def systems(self) -> None:
        for key in sorted(self.r["system"]):
            res = self.r["system"][key]
            sys_refs = _keys(
                res.data, "dataset_references", f"system {key}: dataset_references", self.errors
            )
            decls = self.by_system[key] = [
                self.declaration(key, i, d, sys_refs) for i, d in self.declarations_of(key)
            ]
            declared = [c for d in decls for c in d.categories]
            self.outside[key] = sorted(
                f
                for r in set(sys_refs).union(*(d.refs for d in decls))
                for f in self.dataset_fields.get(r, [])
                if not any(_covers(c, k) for c in declared for k in self.fields[f].categories)
            )

    def declaration(self, key: str, i: int, d: YamlMap, sys_refs: list[str]) -> _Declaration:
        """Read privacy declaration `i` of system `key` once: its keys, links and fields."""
        where = f"system {key}: privacy declaration {i}"
        cats = _keys(d, "data_categories", f"{where}: data_categories", self.errors)
        refs = (
            _keys(d, "dataset_references", f"{where}: dataset_references", self.errors) or sys_refs
        )
        links = [
            (*self.ends(key, other, direction), f"{where}: {direction}", loc)
            for direction in ("egress", "ingress")
            for other, loc in located_keys(d, direction, f"{where}: {direction}", self.errors)
        ]
        decl = _Declaration(
            text(d.get("name")),
            _data_use(d, where, self.errors),
            cats,
            _keys(d, "data_subjects", f"{where}: data_subjects", self.errors),
            d,
            refs,
            links,
        )
        self.missing_datasets.update(r for r in refs if r not in self.dataset_fields)
        available = sorted({f for r in refs for f in self.dataset_fields.get(r, [])})
        chosen: set[str] = set()
        for c in self.personal(cats):
            covered = [
                f for f in available if any(_covers(c, k) for k in self.fields[f].categories)
            ]
            chosen.update(covered or [self.category_field(c)])
        decl.fields = sorted(chosen)
        return decl

    @property
    def declarations(self) -> list[_Declaration]:
        """Every privacy declaration read, system by system (in key order)."""
        return [d for decls in self.by_system.values() for d in decls]

    def declarations_of(self, key: str) -> list[tuple[int, YamlMap]]:
        """Return the privacy declarations of system `key` that are mappings, numbered from 1.

        The others are recorded as errors.
        """
        res = self.r["system"][key]
        decls = nested(
            res.data, "privacy_declarations", list, f"system {key}: privacy_declarations", self.errors
        )
        for i, d in enumerate(decls):
            if not isinstance(d, dict):
                self.errors.add(
                    decls.at(i), f"system {key}: privacy declaration {i + 1} must be a mapping"
                )
        return [(i + 1, d) for i, d in enumerate(decls) if isinstance(d, dict)]

    def held(self, system: str) -> list[str]:
        return sorted({f for d in self.by_system[system] for f in d.fields})

    # ------------------------------------------------------------------ flows

    def edges(self) -> dict[tuple[str, str], list[tuple[list[str] | None, str | None]]]:
        """(from, to) -> what declares the pair: (categories named or None, data use or None).

        System-level egress/ingress give no data use (and categories only when
        the entry lists them); declaration-level ones give the declaration's
        data use and categories.
        """
        edges: dict[tuple[str, str], list] = {}
        systems = self.r["system"]

        def add(
            src: str, dst: str, cats: list[str] | None, use: str | None, where: str, loc: Loc
        ) -> None:
            unknown = [end for end in (src, dst) if end not in systems]
            if unknown:
                self.errors.add(
                    loc, f"{where} names system '{unknown[0]}', which no manifest declares"
                )
            elif src != dst:
                edges.setdefault((src, dst), []).append((cats, use))

        for key in sorted(systems):
            res = systems[key]
            for direction in ("egress", "ingress"):
                entries = nested(res.data, direction, list, f"system {key}: {direction}", self.errors)
                for i, flow in enumerate(entries):
                    where = f"system {key}: {direction} {i + 1}"
                    if isinstance(flow, str):  # a bare key: a system
                        add(*self.ends(key, flow, direction), None, None, where, entries.at(i))
                        continue
                    if not isinstance(flow, dict) or not isinstance(
                        flow.get("fides_key"), str | int
                    ):
                        self.errors.add(entries.at(i), f"{where} must be a mapping with a fides_key")
                        continue
                    if text(flow.get("type") or "system") != "system":
                        continue  # a user or dataset end: collection is in the declarations
                    cats = (
                        _keys(flow, "data_categories", f"{where}: data_categories", self.errors)
                        or None
                    )
                    ends = self.ends(key, text(flow["fides_key"]), direction)
                    add(*ends, cats, None, where, flow.at("fides_key"))
            for d in self.by_system[key]:
                for src, dst, where, loc in d.links:
                    add(src, dst, d.categories or None, d.use, where, loc)
        return edges

    @staticmethod
    def ends(key: str, other: str, direction: str) -> tuple[str, str]:
        """Return (source, target) of an egress or ingress of system `key` naming `other`."""
        return (key, other) if direction == "egress" else (other, key)

    def matches(self, fid: str, categories: list[str]) -> bool:
        """Whether a field falls under, or contains, one of the Fides `categories`."""
        return any(
            _covers(c, k) or _covers(k, c) for c in categories for k in self.fields[fid].categories
        )

    def flows(self) -> list[dict]:
        """One flow per pair and data use: the source's fields that the target declares."""
        out = []
        for (src, dst), specs in sorted(self.edges().items()):
            held = self.held(src)
            target = self.by_system[dst]
            by_use: dict[str | None, set[str]] = {}
            for cats, use in specs:
                if use is not None:  # a privacy declaration says it: its data use and categories
                    by_use.setdefault(use, set()).update(
                        f for f in held if self.matches(f, cats or [])
                    )
                    continue
                for d in target:
                    by_use.setdefault(d.use, set()).update(
                        f
                        for f in held
                        if self.matches(f, d.categories) and (cats is None or self.matches(f, cats))
                    )
                if not target and cats is not None:
                    by_use.setdefault(None, set()).update(f for f in held if self.matches(f, cats))
            by_use = {u: fs for u, fs in by_use.items() if fs}
            flow = {
                "from": src,
                "to": dst,
                "held": held,
                "declared": sorted({c for d in target for c in d.categories}),
            }
            if not by_use:
                out.append({**flow, "purpose": None, "fields": [], "split": False})
            out.extend(
                {
                    **flow,
                    "purpose": use,
                    "fields": sorted(by_use[use]),
                    "split": len(by_use) > 1,
                }
                for use in sorted(by_use, key=lambda u: u or "")
            )
        return out

    # ------------------------------------------------------------------ output

    def run(self, head: list[str]) -> dict[str, str]:
        self.datasets()
        self.systems()
        flows = self.flows()
        self.errors.raise_any()
        orgs = self.organizations()
        purposes = self.purposes(flows)
        subjects = self.subjects()
        system_entries = self.system_entries(orgs)
        flow_entries = self.flow_entries(flows)
        missing = sorted(self.missing_datasets)
        field_notes = []
        for ds, names in sorted(self.not_personal.items()):
            field_notes.append(
                f"Not imported from dataset {ds} (no personal data category: system.* or "
                f"none): {', '.join(sorted(names))}."
            )
        if missing:
            field_notes.append(
                f"TODO: datasets referenced by systems but not found: {', '.join(missing)}; "
                "their systems get one field per declared category instead."
            )
        return {
            "fields.yaml": render(
                head,
                [
                    Section("categories", self.category_entries(), []),
                    Section("fields", self.field_entries(), field_notes),
                ],
            ),
            "purposes.yaml": render(
                head, [Section("subjects", subjects, []), Section("purposes", purposes, [])]
            ),
            "organizations.yaml": render(
                head, [Section("organizations", [e for _, e in orgs.values()], [])]
            ),
            "systems.yaml": render(head, [Section("systems", system_entries, [])]),
            "flows.yaml": render(head, [Section("flows", flow_entries, [])]),
        }

    def category_entries(self) -> list[Map]:
        out = []
        for cid in sorted(self.custom):
            custom, key, unknown = self.custom[cid]
            res = self.r["data_category"].get(key)
            name = text(res.data.get("name")) if res else ""
            desc = f"Fides data category {key}" + (f" ({name})" if name else "")
            entry = Map([("id", cid)])
            if unknown:
                entry.append(
                    (
                        Comment(
                            "TODO: no lineage category matches this Fides category: check tier, "
                            "identifier and special"
                        ),
                        None,
                    )
                )
            entry += [
                ("tier", custom.tier),
                ("identifier", custom.identifier),
                ("special", custom.special),
                ("description", desc),
            ]
            out.append(entry)
        return out

    def field_entries(self) -> list[Map]:
        out = []
        for fid in sorted(self.fields):
            f = self.fields[fid]
            note = f"Fides: {', '.join(f.categories)}"
            if len(f.categories) > 1:
                note += f" (the most sensitive, {f.chosen}, gives the category)"
            entry = Map(
                [
                    (
                        "id",
                        Note(fid, f"Fides: {f.origin}")
                        if f.origin not in (fid, "category")
                        else fid,
                    ),
                    ("category", Note(f.category, note)),
                    ("description", f.description),
                ]
            )
            entry += [(Comment(fact), None) for fact in f.facts]
            out.append(entry)
        return out

    def fides_org(self, system: str) -> str:
        """Return the key of the Fides organization a system belongs to."""
        return text(self.r["system"][system].data.get("organization_fides_key")) or "default_organization"

    def org_key(self, system: str) -> str:
        """Return the key of the organization of a system.

        A system whose ``legal_name`` names another business than its Fides
        organization (a vendor's system) belongs to that business:
        ``legal:<legal_name>``; any other to its Fides organization.
        """
        data = self.r["system"][system].data
        legal = text(data.get("legal_name"))
        res = self.r["organization"].get(self.fides_org(system))
        if legal and legal.casefold() != text(res.data.get("name") if res else "").casefold():
            return f"legal:{legal}"
        return self.fides_org(system)

    def organizations(self) -> dict[str, tuple[str, Map]]:
        """Return organization key -> (id, entry): Fides organizations, then vendors' businesses."""
        members: dict[str, list[str]] = {}
        for key in sorted(self.r["system"]):
            members.setdefault(self.org_key(key), []).append(key)
        keys = set(self.r["organization"]) | set(members)
        out: dict[str, tuple[str, Map]] = {}
        controllers: set[str] = set()  # Fides organizations with role controller
        for key in sorted(keys, key=lambda k: (k.startswith("legal:"), k)):
            systems = members.get(key, [])
            if key.startswith("legal:"):
                served = sorted({self.fides_org(s) for s in systems})
                controller = out[served[0]][0] if len(served) == 1 and served[0] in controllers else None
                out[key] = self.vendor(key, systems, controller)
                continue
            oid = self.org_ids.get(key)
            res = self.r["organization"].get(key)
            data = res.data if res else {}
            entry = Map([("id", Note(oid, f"Fides: {key}") if oid != key else oid)])
            if not res:
                entry.append(
                    (
                        Comment(
                            "TODO: systems name this Fides organization; no manifest declares it"
                        ),
                        None,
                    )
                )
            if text(data.get("name")):
                entry.append(("name", text(data["name"])))
            role, items = self.role(systems, None)
            entry += items
            if role == "controller":
                controllers.add(key)
            addresses = [  # not the representative's: having one means being established outside the Union
                address
                for who in ("controller", "data_protection_officer")
                if isinstance(data.get(who), dict) and (address := text(data[who].get("address")))
            ] + self.legal_addresses(systems)
            entry.append(self.country_item(oid, addresses, "the address"))
            entry += [
                (key, Note(_said(data[who]), f"Fides {who}"))
                for who, key in CONTACTS.items()
                if _said(data.get(who))
            ]
            entry += self.transfers(systems)
            if text(data.get("description")):
                entry.append(("description", text(data["description"])))
            if _said(data.get("security_policy")):
                entry.append(
                    (Comment(f"Fides security_policy: {_said(data['security_policy'])}"), None)
                )
            entry += _other_facts(data, ORGANIZATION_KEYS)
            out[key] = (oid, entry)
        return out

    def vendor(self, key: str, systems: list[str], controller: str | None) -> tuple[str, Map]:
        """Return (id, entry) of the business that `systems` name by their ``legal_name``.

        `controller` is the id of the organization it would be a processor for.
        """
        name = key.split(":", 1)[1]
        oid = self.org_ids.get(key, name)
        entry = Map([("id", oid), ("name", name)])
        entry += self.role(systems, controller)[1]
        entry.append(self.country_item(oid, self.legal_addresses(systems), "the Fides legal_address"))
        entry += self.transfers(systems)
        entry.append(
            (
                "description",
                f"The business named by the Fides legal_name of {', '.join(systems)}",
            )
        )
        return oid, entry

    def role(self, systems: list[str], controller: str | None) -> tuple[str, list]:
        """Return the role of an organization, and its items, from its systems' ``responsibility``.

        With one role said by all that say one: that role, and for a processor
        ``processor_for`` the `controller` whose systems' organization it is,
        when known; else controller, marked TODO.
        """
        said = {s: r for s in systems if (r := _texts(self.r["system"][s].data.get("responsibility")))}
        roles = {RESPONSIBILITIES.get(r.lower()) for rs in said.values() for r in rs}
        facts = "; ".join(f"{s}: {', '.join(rs)}" for s, rs in said.items())
        if len(roles) != 1 or None in roles:
            why = f"Fides responsibility ({facts}) gives no one role" if said else "Fides does not say"
            note = f"TODO: {why}; its organization is usually the controller"
            return "controller", [("role", Note("controller", note))]
        (role,) = roles
        out = [("role", Note(role, f"Fides responsibility of {facts}"))]
        if role == "processor" and controller:
            out.append(("processor_for", Note(controller, "the Fides organization of its systems")))
        elif role != "controller":
            whose = "controller" if role == "processor" else "processor"
            out.append((Comment(f"TODO: processor_for: Fides does not say for which {whose}"), None))
        return role, out

    def country_item(self, oid: str, addresses: list[str], source: str) -> tuple[str, Note]:
        """Return the ``country`` item of `oid`: from the first of `addresses` naming one, else the TODO default.

        The default's TODO names the addresses whose country is unclear
        (``Wilmington, DE``: Delaware or Germany).
        """
        found = next(((code, a) for a in addresses if (code := country_of(a))), None)
        self.org_country[oid] = found[0] if found else self.country
        if found:
            return "country", Note(found[0], f"from {source}: {found[1]}")
        unclear = [f"{a} ({why})" for a in addresses if (why := unclear_country(a))]
        why = f"unclear from {'; '.join(unclear)}" if unclear else "Fides does not say"
        return "country", Note(self.country, f"TODO: {why}; assumed")

    def legal_addresses(self, systems: list[str]) -> list[str]:
        """Return the ``legal_address`` of each of `systems` that has one, in order."""
        return [a for s in systems if (a := text(self.r["system"][s].data.get("legal_address")))]

    def transfers(self, systems: list[str]) -> list:
        """Return the ``transfer_safeguard`` item (or a TODO) from the systems' Fides transfer facts."""
        bases = {
            b for s in systems for b in _texts(self.r["system"][s].data.get("legal_basis_for_transfers"))
        }
        mapped = {TRANSFER_BASES.get(b.lower()) for b in bases} - {None}
        transfers = [
            s for s in systems if self.r["system"][s].data.get("does_international_transfers") is True
        ]
        said = f"Fides legal_basis_for_transfers: {', '.join(sorted(bases))}"
        if len(mapped) == 1:
            return [("transfer_safeguard", Note(mapped.pop(), said))]
        if bases or transfers:
            why = said if bases else f"Fides does_international_transfers of {', '.join(transfers)}"
            return [
                (
                    Comment(f"TODO: transfer_safeguard (adequacy, scc, bcr, derogation): {why}"),
                    None,
                )
            ]
        return []

    def subjects(self) -> list[Map]:
        used = {s for d in self.declarations for s in d.subjects}
        children = {
            s
            for d in self.declarations
            if any(_covers("user.childrens", c) for c in d.categories)
            for s in d.subjects
        }
        out = []
        keys = sorted(used | set(self.r["data_subject"]) | self.placeholder_subjects())
        self.subject_ids.reserve(keys)
        for key in keys:
            sid = self.subject_ids.get(key)
            res = self.r["data_subject"].get(key)
            data = res.data if res else {}
            entry = Map([("id", Note(sid, f"Fides: {key}") if sid != key else sid)])
            if key == "data-subjects":
                entry.append((Comment("TODO: a privacy declaration names no data subjects"), None))
            if text(data.get("name")):
                entry.append(("name", text(data["name"])))
            if text(data.get("description")):
                entry.append(("description", text(data["description"])))
            if key in fc.VULNERABLE_SUBJECTS:
                entry.append(("vulnerable", Note(True, "WP248 criterion 7")))
            if key in children:
                entry.append(("children", Note(True, "declared with user.childrens")))
            entry.append((Comment("TODO: population: how many people, order of magnitude"), None))
            out.append(entry)
        return out

    def placeholder_subjects(self) -> set[str]:
        return (
            {"data-subjects"}
            if any(d.fields and not d.subjects for d in self.declarations)
            else set()
        )

    def purposes(self, flows: list[dict]) -> list[Map]:
        uses: dict[str, list[_Declaration]] = {}
        for d in self.declarations:
            if d.use:
                uses.setdefault(d.use, []).append(d)
        needs: dict[str, set[str]] = {
            u: {f for d in ds for f in d.fields} for u, ds in uses.items()
        }
        for flow in flows:
            if flow["purpose"]:
                needs.setdefault(flow["purpose"], set()).update(flow["fields"])
        if any(d.fields and not d.use for d in self.declarations):
            needs.setdefault("unspecified", set())
        out = []
        keys = sorted(set(needs) | set(self.r["data_use"]))
        self.purpose_ids.reserve(keys)
        for key in keys:
            pid = self.purpose_ids.get(key)
            res = self.r["data_use"].get(key)
            data = res.data if res else {}
            decls = uses.get(key, [])
            entry = Map([("id", Note(pid, f"Fides data use: {key}") if pid != key else pid)])
            if key == "unspecified":
                entry.append((Comment("TODO: a privacy declaration names no data use"), None))
            if text(data.get("name")):
                entry.append(("name", text(data["name"])))
            names = sorted({d.name for d in decls if d.name})
            desc = text(data.get("description")) or "; ".join(names)
            if desc:
                entry.append(("description", desc))
            entry += self.legal_basis(key, decls)
            fields = sorted(needs.get(key, ()))
            special = [f for f in fields if self.special(f)]
            entry += self.special_condition(decls, special)
            if fields:
                entry.append(
                    (
                        "needs",
                        Note(fields, "declared for this data use in Fides: trim to the minimum"),
                    )
                )
            entry += self.retention(decls)
            out.append(entry)
        return out

    def special(self, fid: str) -> bool:
        return self.special_kind(fid) != "none"

    def special_kind(self, fid: str) -> str:
        """Return none, art9 or art10: the special status of a field's category."""
        cat = self.fields[fid].category
        info = BUILTIN.get(cat)
        if info:
            return info.special
        custom = self.custom.get(cat)
        return (custom[0].special or "none") if custom else "none"

    @staticmethod
    def _agreed(decls: list[_Declaration], key: str) -> tuple[set[str], bool]:
        values = {text(d.data.get(key)) for d in decls}
        return {v for v in values if v}, "" in values

    def legal_basis(self, use: str, decls: list[_Declaration]) -> list:
        values, missing = self._agreed(decls, "legal_basis_for_processing")
        mapped = {fc.LEGAL_BASES.get(v.lower()) for v in values}
        if len(values) == 1 and not missing and None not in mapped:
            (value,) = values
            return [("legal_basis", Note(mapped.pop(), f"Fides: {value}"))]
        hint = (
            " (the data use suggests legal_obligation)" if use.endswith("legal_obligation") else ""
        )
        if values:
            hint = f" (Fides says: {', '.join(sorted(values))})"
        return [(Comment(f"TODO: legal_basis (Art. 6(1)): Fides does not say{hint}"), None)]

    def special_condition(self, decls: list[_Declaration], special: list[str]) -> list:
        if not special:
            return []
        values, missing = self._agreed(decls, "special_category_legal_basis")
        letters = {fc.SPECIAL_CONDITIONS.get(v.lower()) for v in values}
        art10 = [f for f in special if self.special_kind(f) == "art10"]
        if len(values) == 1 and not missing and None not in letters:
            (value,) = values
            letter = letters.pop()
            out: list = [("special_condition", Note(letter, f"Art. 9(2); Fides: {value}"))]
            if art10:  # Fides' special_category_legal_basis names Art. 9(2) conditions only
                out.append((Comment(f"TODO: {', '.join(art10)} are Art. 10 data: when an official authority or a "
                                    f"law authorises them, special_condition: [{letter}, art10]"), None))
            return out
        return [
            (
                Comment(
                    f"TODO: special_condition: {', '.join(special)} are special-category data; "
                    f"{SPECIAL_CONDITION_HOW}"
                ),
                None,
            )
        ]

    def retention(self, decls: list[_Declaration]) -> list:
        values, missing = self._agreed(decls, "retention_period")
        if len(values) == 1 and not missing:
            (value,) = values
            if re.fullmatch(r"\d+", value) and int(value) > 0:
                return [
                    (
                        "max_retention",
                        Note(f"P{int(value)}D", f"Fides retention_period: {value} days"),
                    )
                ]
        said = f" (Fides says: {', '.join(sorted(values))})" if values else ""
        return [
            (Comment(f"TODO: max_retention: Fides does not say{said}; ISO 8601, e.g. P2Y"), None)
        ]

    def system_entries(self, orgs: dict[str, tuple[str, Map]]) -> list[Map]:
        out = []
        self.system_ids.reserve(sorted(self.r["system"]))
        for key in sorted(self.r["system"]):
            res = self.r["system"][key]
            data = res.data
            sid = self.system_ids.get(key)
            org_id = orgs[self.org_key(key)][0]
            entry = Map([("id", Note(sid, f"Fides: {key}") if sid != key else sid)])
            if text(data.get("name")):
                entry.append(("name", text(data["name"])))
            if text(data.get("description")):
                entry.append(("description", text(data["description"])))
            entry.append(("organization", org_id))
            entry += self.place(data, self.org_country[org_id])
            stype = text(data.get("system_type"))
            entry.append(
                (
                    "type",
                    Note(self.system_type(stype), f"Fides system_type: {stype}")
                    if stype
                    else self.system_type(stype),
                )
            )
            if _texts(data.get("responsibility")):
                said = ", ".join(_texts(data["responsibility"]))
                entry.append(
                    (Comment(f"Fides responsibility: {said} (the role of {org_id})"), None)
                )
            transfer = [
                f"{k}: {_said(data[k])}"
                for k in ("does_international_transfers", "legal_basis_for_transfers")
                if _said(data.get(k))
            ]
            if transfer:
                entry.append(
                    (
                        Comment(
                            f"Fides {'; '.join(transfer)} (the transfer_safeguard of {org_id})"
                        ),
                        None,
                    )
                )
            if text(data.get("administrating_department")):
                entry.append(
                    (
                        Comment(
                            "Fides administrating_department: "
                            + text(data["administrating_department"])
                        ),
                        None,
                    )
                )
            entry.append(
                (
                    "exposure",
                    Note("internal", "TODO: Fides does not say; internet or partner if so"),
                )
            )
            entry.append(
                (
                    Comment(
                        "TODO: retention: how long it keeps personal data (ISO 8601, e.g. P2Y)"
                    ),
                    None,
                )
            )
            entry += self.security(data)
            if _said(data.get("dpo")):
                entry.append((Comment(f"Fides dpo: {_said(data['dpo'])}"), None))
            entry += _other_facts(data, SYSTEM_KEYS)
            entry += self.other_ends(data)
            if self.outside.get(key):
                entry.append(
                    (
                        Comment(
                            "TODO: its datasets also hold fields outside its declared categories, "
                            "not listed as collected: "
                            + ", ".join(
                                f"{f} ({', '.join(self.fields[f].categories)})"
                                for f in self.outside[key]
                            )
                        ),
                        None,
                    )
                )
            collects = []
            for d in self.by_system[key]:
                if not d.fields:
                    continue
                subjects = d.subjects or ["data-subjects"]
                for s in subjects:
                    item = Map()
                    if d.name:
                        item.append((Comment(d.name), None))
                    item += [(Comment(f), None) for f in _kept_facts(d.data, DECLARATION_KEYS, "")]
                    item += [
                        ("subject", self.subject_ids.get(s)),
                        ("purpose", self.purpose_ids.get(d.use or "unspecified")),
                        ("fields", Note(d.fields, f"Fides: {', '.join(d.categories)}")),
                    ]
                    collects.append(item)
            if collects:
                entry.append(("collects", collects))
            out.append(entry)
        return out

    @staticmethod
    def other_ends(data: dict) -> list:
        """Return a comment per egress or ingress entry of a system naming a dataset or a user, not a system."""
        return [
            (Comment(f"Fides {direction} to {kind} {_said(flow)} (collection and storage are in the "
                     "privacy declarations; TODO: check they say it)"), None)
            for direction in ("egress", "ingress")
            for flow in (data.get(direction) if isinstance(data.get(direction), list) else [])
            if isinstance(flow, dict) and (kind := text(flow.get("type") or "system")) != "system"
        ]

    @staticmethod
    def place(data: dict, org_country: str) -> list:
        """Return the ``country`` of a system from its Fides ``legal_address``, when it adds one.

        The organization's country already holds when the address names the
        same country; an address naming none is kept as a comment.
        """
        address = text(data.get("legal_address"))
        if not address:
            return []
        code = country_of(address)
        if code and code != org_country:
            return [("country", Note(code, f"from the Fides legal_address: {address}"))]
        why = unclear_country(address)
        todo = f" (TODO: country: {why}; the organization's is assumed)" if why else ""
        return [(Comment(f"Fides legal_address: {address}{todo}"), None)]

    @staticmethod
    def security(data: dict) -> list:
        """Return the ``security`` of a system from its Fides ``data_security_practices``.

        The controls the text states are set; the others stay TODO.
        """
        practices = text(data.get("data_security_practices"))
        found = security_controls(practices)
        missing = [c for c in SECURITY_TERMS if c not in found]
        out = []
        if found:
            todo = f"; TODO: {', '.join(missing)}" if missing else ""
            out.append(("security", Note(Inline(found), f"Fides data_security_practices{todo}")))
        else:
            out.append(
                (Comment("TODO: security: {encryption_at_rest, mfa, access_logging}"), None)
            )
        if practices:
            out.append((Comment(f"Fides data_security_practices: {practices}"), None))
        return out

    @staticmethod
    def system_type(value: str) -> str:
        """Map a free-text Fides ``system_type`` to a lineage system type."""
        words = set(re.findall(r"[a-z]+", value.lower()))
        low = value.lower()
        for keys, stype in SYSTEM_TYPES:
            if any((k in words) if " " not in k else (k in low) for k in keys):
                return stype
        return "application"

    def flow_entries(self, flows: list[dict]) -> list[Map]:
        out = []
        ids = Ids()
        for flow in flows:
            src, dst = self.system_ids.get(flow["from"]), self.system_ids.get(flow["to"])
            base = f"{src}-to-{dst}"
            if flow.get("split") and flow["purpose"]:
                base += "." + flow["purpose"]
            entry = Map([("id", ids.get(base)), ("from", src), ("to", dst)])
            if flow["purpose"]:
                entry.append(("purpose", self.purpose_ids.get(flow["purpose"])))
            else:
                entry.append(
                    (Comment("TODO: purpose: Fides does not say for which data use"), None)
                )
            if flow["fields"]:
                entry.append(
                    (
                        "fields",
                        Note(
                            flow["fields"],
                            "what the source holds under the categories the target declares",
                        ),
                    )
                )
            else:
                entry.append(
                    (
                        Comment(
                            f"TODO: fields: the manifests do not say what goes from {flow['from']} "
                            f"to {flow['to']} (source holds: {', '.join(flow['held']) or 'nothing'}"
                            f"; target declares: {', '.join(flow['declared']) or 'nothing'})"
                        ),
                        None,
                    )
                )
            entry.append((Comment("TODO: channel, encrypted, retention: Fides does not say"), None))
            out.append(entry)
        return out
