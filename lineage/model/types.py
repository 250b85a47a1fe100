"""Attribute types of the model format: conversion from nodes and JSON Schema.

Each type converts a :mod:`lineage.load` node into a Python value, or raises
:class:`Invalid` with the node's location, and describes itself as a
draft-07 JSON Schema fragment. Entities in :mod:`lineage.model.entities`
declare their attributes with these types, so validation and ``lineage
schema`` read one definition.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from typing import Any

from lineage.errors import LineageError, Loc, did_you_mean
from lineage.load import Mapping, Node, Scalar, Sequence
from lineage.model.places import COUNTRIES

# Patterns match the whole text (re.fullmatch: "$" would let a final newline through), and
# digits are [0-9]: Python's \d also takes other scripts' digits, which JSON Schema's does not.
ID_PATTERN = r"[a-z0-9][a-z0-9_.-]*"
_ID = re.compile(ID_PATTERN)
DURATION_PATTERN = r"P(?=[0-9]|T)([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?"
_DURATION = re.compile(DURATION_PATTERN)
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATE = re.compile(DATE_PATTERN)
_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_OCTAL_LIKE = re.compile(r"[-+]?0[0-9_]+")  # YAML 1.1 octal (YAML 1.2 reads it as decimal)
_OCTAL_OR_HEX = re.compile(r"0o[0-7]+|0x[0-9a-fA-F]+")  # YAML 1.2 forms (PyYAML reads 0o17 as text)
#: A decimal number as written (no hex, no sexagesimal, no ``.inf`` or ``.nan``).
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?")
#: Whole numbers beyond this lose precision in JSON readers (2**53); nothing real is that large.
MAX_INT = 2**53


def whole(pattern: str) -> str:
    r"""Return `pattern` as a JSON Schema pattern that the whole text must match.

    JSON Schema searches a pattern anywhere in the text. ECMA-262's ``$`` is
    the end of the text, but Python's (which the ``jsonschema`` package uses)
    also matches before a final newline: ``(?!\n)`` makes both read it alike.

    Examples
    --------
    >>> p = whole("[a-z]+")
    >>> [bool(re.search(p, text)) for text in ("abc", "abc\n", "x abc")]
    [True, False, False]
    """
    return rf"^(?:{pattern})$(?!\n)"


class Invalid(Exception):
    """One conversion problem at a location; `dangling` when it is a reference to no known entry."""

    def __init__(self, loc: Loc, message: str, dangling: bool = False):
        super().__init__(message)
        self.error = LineageError(loc, message)
        self.dangling = dangling


@dataclasses.dataclass
class Context:
    """What conversion needs to know: the declared ids of each section, and errors so far.

    `incomplete` says that a file of the model could not be read or composed:
    a reference may then name an entry of that file, so :meth:`report` keeps
    dangling references quiet and reports every other problem.
    """

    ids: dict[str, set[str]]
    errors: list[LineageError] = dataclasses.field(default_factory=list)
    incomplete: bool = False

    def report(self, problem: Invalid) -> None:
        """Add the error of `problem`, unless it is a dangling reference in an incomplete model."""
        if not (problem.dangling and self.incomplete):
            self.errors.append(problem.error)


def singular(section: str) -> str:
    """Return the word for one entry of `section`.

    Examples
    --------
    >>> singular("categories"), singular("flows")
    ('category', 'flow')
    """
    return "category" if section == "categories" else section[:-1]


def _scalar(node: Node, expected: str, kinds: tuple[str, ...] = ()) -> Scalar:
    """Return `node` if it is a scalar with a value, and its tag, if any, one of `kinds`."""
    if not isinstance(node, Scalar):
        shape = "a mapping" if isinstance(node, Mapping) else "a list"
        raise Invalid(node.loc, f"expected {expected}, found {shape}")
    if node.kind == "null":
        raise Invalid(node.loc, f"expected {expected}, found nothing")
    if node.tagged and kinds and node.kind not in kinds:
        raise Invalid(node.loc, f"{node.text!r} is tagged !!{node.kind}, not {expected}; remove the tag")
    return node


def _text(node: Node, expected: str, accept=None) -> str:
    """Return the text of a scalar meant as a string; refuse what YAML reads as something else.

    YAML 1.1 booleans, dates, octals and other numbers must be quoted to be
    text. Forms that only YAML 1.2 reads as numbers (``1e3``, ``0o17``) are
    text, as for PyYAML, whose resolver the importers' writer asks too.

    `accept` may say that an otherwise suspicious plain scalar is a valid
    value as written (``NO`` is a country, not a boolean).
    """
    s = _scalar(node, expected, ("str",))
    if not s.plain or s.tagged or (accept and accept(s.text)):
        return s.text
    if s.kind == "bool":
        raise Invalid(s.loc, f"{s.text!r} is a boolean in YAML 1.1, not {expected}; quote it")
    if s.kind == "timestamp":
        raise Invalid(s.loc, f"{s.text!r} is an unquoted date, not {expected}; quote it")
    if s.kind == "int" and _OCTAL_LIKE.fullmatch(s.text):
        raise Invalid(s.loc, f"{s.text!r} is an octal number in YAML 1.1, not {expected}; quote it")
    # other YAML readers (and the JSON Schema) would see a number, and 3.10 as 3.1: the text must be quoted
    if s.kind in ("int", "float"):
        raise Invalid(s.loc, f"{s.text!r} is a number in YAML, not {expected}; quote it")
    return s.text


def _no_separators(s: Scalar) -> None:
    """Refuse ``1_000``: a number in YAML 1.1, but text in YAML 1.2 and to JSON Schema tools."""
    if s.plain and "_" in s.text and s.kind in ("int", "float"):
        raise Invalid(s.loc, f"{s.text!r} is a number only in YAML 1.1 ('_' separators); "
                             f"write {s.text.replace('_', '')}")


class Type:
    """Base of attribute types."""

    def convert(self, node: Node, ctx: Context) -> Any:
        """Convert `node` to the Python value of this type.

        Parameters
        ----------
        node : lineage.load.Node
            The YAML node of the attribute's value.
        ctx : Context
            Declared ids, for references; containers add the problems of
            their items to ``ctx.errors`` and go on.

        Returns
        -------
        Any
            The value; lists become tuples.

        Raises
        ------
        Invalid
            If `node` is not a valid value of this type.
        """
        raise NotImplementedError

    def schema(self) -> dict:
        """Return this type as a draft-07 JSON Schema fragment."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Text(Type):
    """Free text."""

    def convert(self, node, ctx):
        return _text(node, "text")

    def schema(self):
        return {"type": "string"}


class Details(Text):
    """Free text that says something: blank is an error (leave the key out instead)."""

    def convert(self, node, ctx):
        value = super().convert(node, ctx)
        if not value.strip():
            raise Invalid(node.loc, "blank: write the details, or leave the key out")
        return value

    def schema(self):
        return {"type": "string", "pattern": "\\S"}


@dataclasses.dataclass(frozen=True)
class Id(Type):
    """An id: ``[a-z0-9][a-z0-9_.-]*``."""

    def convert(self, node, ctx):
        value = _text(node, "an id")
        if not _ID.fullmatch(value):
            raise Invalid(node.loc, f"{value!r} is not a valid id (lower-case letters, digits, "
                                    "'_', '.', '-', starting with a letter or digit)")
        return value

    def schema(self):
        return {"type": "string", "pattern": whole(ID_PATTERN)}


@dataclasses.dataclass(frozen=True)
class Ref(Type):
    """The id of an entry of `section`, which must exist."""

    section: str

    def convert(self, node, ctx):
        value = Id().convert(node, ctx)
        known = ctx.ids.get(self.section, set())
        if value not in known:
            raise Invalid(node.loc, f"unknown {singular(self.section)} {value!r}{_suggest(value, known)}",
                          dangling=True)
        return value

    def schema(self):
        return {"type": "string", "pattern": whole(ID_PATTERN),
                "description": f"id of an entry of `{self.section}`"}


def _suggest(value: str, known: set[str]) -> str:
    """Suggest a declared id close to `value`; an invalid one (``CRM``) is named as what to fix, not to copy."""
    invalid = sorted(k for k in known if not _ID.fullmatch(k) and k.lower().replace(" ", "_") == value)
    if invalid:
        return f" ({invalid[0]!r} is declared, but is not a valid id: fix it there)"
    close = did_you_mean(value, {k for k in known if _ID.fullmatch(k)})
    above = value.rpartition(".")[0]
    if above in known and not close:  # a refinement of a known category: say how to declare it
        return f" (to refine {above!r}, declare {value!r} under `categories:`: it takes its tier from {above!r})"
    return close


@dataclasses.dataclass(frozen=True)
class Target(Type):
    """``kind:id``: an entry of one of `kinds`, which must exist (kind ``flow`` is in ``flows``)."""

    kinds: tuple[str, ...]

    def convert(self, node, ctx):
        value = _text(node, "kind:id")
        kind, _, ident = value.partition(":")
        if kind not in self.kinds or not _ID.fullmatch(ident):
            raise Invalid(node.loc, f"{value!r} is not kind:id with kind {', '.join(self.kinds[:-1])} or "
                                    f"{self.kinds[-1]}")
        known = ctx.ids.get(kind + "s", set())
        if ident not in known:
            raise Invalid(node.loc, f"unknown {kind} {ident!r}{did_you_mean(ident, known)}", dangling=True)
        return value

    def schema(self):
        return {"type": "string", "pattern": whole(f"(?:{'|'.join(self.kinds)}):{ID_PATTERN}")}


@dataclasses.dataclass(frozen=True)
class Enum(Type):
    """One of fixed words."""

    values: tuple[str, ...]

    def convert(self, node, ctx):
        value = _text(node, "one of " + ", ".join(self.values), accept=self.values.__contains__)
        if value not in self.values:
            raise Invalid(node.loc, f"{value!r} is not one of {', '.join(self.values)}"
                                    f"{did_you_mean(value, self.values)}")
        return value

    def schema(self):
        return {"type": "string", "enum": list(self.values)}


#: Codes written for countries that ISO 3166-1 spells otherwise (EU documents write Greece EL).
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


@dataclasses.dataclass(frozen=True)
class Country(Type):
    """An ISO 3166-1 alpha-2 code; ``NO`` is Norway."""

    def convert(self, node, ctx):
        # NO is Norway, not YAML 1.1's false; no is taken as written, for the hint 'NO' below
        value = _text(node, "a country code", accept=lambda text: text.upper() in COUNTRIES)
        if value not in COUNTRIES:
            meant = _COUNTRY_ALIASES.get(value.upper(), value.upper())
            hint = f" (did you mean {meant!r}?)" if meant in COUNTRIES else ""
            raise Invalid(node.loc, f"{value!r} is not an ISO 3166-1 alpha-2 country code{hint}")
        return value

    def schema(self):
        return {"type": "string", "enum": sorted(COUNTRIES)}


@dataclasses.dataclass(frozen=True)
class Bool(Type):
    """``true`` or ``false`` only."""

    def convert(self, node, ctx):
        s = _scalar(node, "true or false", ("bool",))
        if s.plain and s.text in ("true", "True", "TRUE"):
            return True
        if s.plain and s.text in ("false", "False", "FALSE"):
            return False
        if s.plain and s.kind == "bool":
            raise Invalid(s.loc, f"{s.text!r} is a YAML 1.1 boolean; write true or false")
        raise Invalid(s.loc, f"expected true or false, found {s.text!r}")

    def schema(self):
        return {"type": "boolean"}


@dataclasses.dataclass(frozen=True)
class Int(Type):
    """A decimal integer within bounds."""

    minimum: int | None = None
    maximum: int | None = None

    def convert(self, node, ctx):
        s = _scalar(node, "a whole number", ("int",))
        if s.plain and _OCTAL_LIKE.fullmatch(s.text):
            raise Invalid(s.loc, f"{s.text!r} is an octal number in YAML 1.1; write it without the leading 0")
        if s.plain and _OCTAL_OR_HEX.fullmatch(s.text):
            raise Invalid(s.loc, f"{s.text!r} is written in base {8 if s.text[1] == 'o' else 16}; "
                                 "write the number in decimal")
        _no_separators(s)
        if not (s.plain and _INT.fullmatch(s.text)):
            raise Invalid(s.loc, f"expected a whole number, found {s.text!r}")
        if len(s.text) > 20:  # before int(): thousands of digits are slow or refused by Python
            raise Invalid(s.loc, f"'{s.text[:20]}...' is too large (at most {MAX_INT})")
        value = int(s.text)
        if abs(value) > MAX_INT:
            raise Invalid(s.loc, f"{value} is too large (at most {MAX_INT})")
        if self.minimum is not None and value < self.minimum:
            raise Invalid(s.loc, f"{value} is below the minimum {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise Invalid(s.loc, f"{value} is above the maximum {self.maximum}")
        return value

    def schema(self):
        return {"type": "integer",
                "minimum": -MAX_INT if self.minimum is None else self.minimum,
                "maximum": MAX_INT if self.maximum is None else self.maximum}


@dataclasses.dataclass(frozen=True)
class Number(Type):
    """A decimal number (integer or not) within bounds."""

    minimum: float | None = None

    def convert(self, node, ctx):
        s = _scalar(node, "a number", ("int", "float"))
        _no_separators(s)
        if not s.plain or s.kind not in ("int", "float") or _OCTAL_LIKE.fullmatch(s.text) \
                or not _DECIMAL.fullmatch(s.text) or len(s.text) > 40:
            raise Invalid(s.loc, f"expected a number, found {s.text!r}")
        value = float(s.text)
        if not math.isfinite(value) or abs(value) > MAX_INT:
            raise Invalid(s.loc, f"{s.text} is too large (at most {MAX_INT})")
        if self.minimum is not None and value < self.minimum:
            raise Invalid(s.loc, f"{s.text} is below the minimum {self.minimum:g}")
        return value

    def schema(self):
        return {"type": "number", "minimum": -MAX_INT if self.minimum is None else self.minimum,
                "maximum": MAX_INT}


@dataclasses.dataclass(frozen=True)
class MapOf(Type):
    """A mapping from free keys to values of one type."""

    value: Type
    key: Type = dataclasses.field(default_factory=lambda: Text())

    def convert(self, node, ctx):
        if not isinstance(node, Mapping):
            raise Invalid(node.loc, "expected a mapping")
        out = {}
        for key_node, value_node in node.items:
            try:
                out[self.key.convert(key_node, ctx)] = self.value.convert(value_node, ctx)
            except Invalid as exc:  # noqa: PERF203
                ctx.report(exc)
        return out

    def schema(self):
        return {"type": "object", "additionalProperties": self.value.schema()}


@dataclasses.dataclass(frozen=True)
class OneOrMany(Type):
    """A single value or a list of them; always converted to a tuple.

    `unique` refuses a value listed twice. `alone` is a value that says
    "none of the others" (``none``): it is never listed with them, and an
    empty list is refused (write `alone`, or leave the key out).

    Examples
    --------
    >>> kinds = OneOrMany(Enum(("none", "a", "b")), unique=True, alone="none")
    >>> kinds.schema()["oneOf"][1]["not"]
    {'contains': {'const': 'none'}, 'minItems': 2}
    """

    item: Type
    unique: bool = False
    alone: str | None = None

    def convert(self, node, ctx):
        if not isinstance(node, Sequence):
            return (self.item.convert(node, ctx),)
        values = ListOf(self.item, unique=self.unique).convert(node, ctx)
        if self.alone is not None:
            if not node.items:
                raise Invalid(node.loc, f"an empty list; write {self.alone}, or leave the key out")
            if self.alone in values and len(values) > 1:
                at = next(c.loc for c in node.items if isinstance(c, Scalar) and c.text == self.alone)
                raise Invalid(at, f"{self.alone!r} is listed with other values; remove it, or list it alone")
        return values

    def schema(self):
        many: dict = {"type": "array", "items": self.item.schema()}
        if self.unique:
            many["uniqueItems"] = True
        if self.alone is not None:
            many["minItems"] = 1
            many["not"] = {"contains": {"const": self.alone}, "minItems": 2}
        return {"oneOf": [self.item.schema(), many]}


@dataclasses.dataclass(frozen=True)
class Pattern(Type):
    """Text that a regular expression matches as a whole."""

    pattern: str
    what: str

    def convert(self, node, ctx):
        value = _text(node, self.what)
        if not re.fullmatch(self.pattern, value):
            raise Invalid(node.loc, f"{value!r} is not {self.what}")
        return value

    def schema(self):
        return {"type": "string", "pattern": whole(self.pattern)}


@dataclasses.dataclass(frozen=True)
class Date(Type):
    """A calendar date ``YYYY-MM-DD`` (quoted or not)."""

    def convert(self, node, ctx):
        s = _scalar(node, "a date (YYYY-MM-DD)", ("str",))
        if not _DATE.fullmatch(s.text):
            raise Invalid(s.loc, f"{s.text!r} is not a date in the form YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(s.text)
        except ValueError:
            raise Invalid(s.loc, f"{s.text!r} is not a real calendar date") from None

    def schema(self):
        return {"type": "string", "format": "date", "pattern": whole(DATE_PATTERN)}


@dataclasses.dataclass(frozen=True)
class Duration(Type):
    """An ISO 8601 duration such as ``P30D``, ``P6M`` or ``P5Y``."""

    def convert(self, node, ctx):
        value = _text(node, "an ISO 8601 duration")
        if not _DURATION.fullmatch(value):
            raise Invalid(node.loc, f"{value!r} is not an ISO 8601 duration (such as P30D, P6M, P5Y)")
        return value

    def schema(self):
        return {"type": "string", "pattern": whole(DURATION_PATTERN)}


def duration_days(text: str) -> float:
    """Return an ISO 8601 duration in days (a year is 365.25 days, a month a twelfth of it).

    A month is exactly a twelfth of a year, so the same length written in other
    units compares equal (``P24M`` is ``P2Y``).

    Examples
    --------
    >>> duration_days("P1Y") > duration_days("P11M") > duration_days("P30D")
    True
    >>> duration_days("P24M") == duration_days("P2Y"), duration_days("P60M") == duration_days("P5Y")
    (True, True)
    """
    parts = _DURATION.fullmatch(text).group(1, 2, 3, 4, 6, 7, 8)  # Y M W D, then H M S, each with its letter
    y, mo, w, d, h, mi, s = (int(g[:-1]) if g else 0 for g in parts)
    return (y * 12 + mo) * 365.25 / 12 + w * 7 + d + (h * 3600 + mi * 60 + s) / 86400


@dataclasses.dataclass(frozen=True)
class ListOf(Type):
    """A list of items of one type; duplicates are refused when `unique`."""

    item: Type
    unique: bool = True

    def convert(self, node, ctx):
        if isinstance(node, Scalar) and node.kind == "null":
            return ()
        if not isinstance(node, Sequence):
            raise Invalid(node.loc, "expected a list")
        out, seen = [], {}
        for child in node.items:
            try:
                value = self.item.convert(child, ctx)
            except Invalid as exc:
                ctx.report(exc)
                continue
            if value is None:  # an entry whose own errors are already reported
                continue
            key = getattr(value, "key", value)
            if self.unique and key in seen:
                ctx.errors.append(LineageError(child.loc, f"{key!r} is listed twice (first at line {seen[key].line})"))
                continue
            seen[key] = child.loc
            out.append(value)
        return tuple(out)

    def schema(self):
        return {"type": "array", "items": self.item.schema()}


@dataclasses.dataclass(frozen=True)
class Obj(Type):
    """A mapping converted into the entity dataclass `cls`; see :func:`build`."""

    cls: type

    def convert(self, node, ctx):
        return build(self.cls, node, ctx)

    def schema(self):
        return object_schema(self.cls)


@dataclasses.dataclass(frozen=True)
class Shorthand(Type):
    """Either a bare id standing for ``{key: id}``, or the full mapping of `cls`."""

    cls: type
    key: str

    def convert(self, node, ctx):
        if isinstance(node, Mapping):
            return build(self.cls, node, ctx)
        spec = attributes(self.cls)[self.key]
        value = spec.type.convert(node, ctx)
        return self.cls(**{spec.name: value, "loc": node.loc, "key_locs": {}})

    def schema(self):
        key_schema = attributes(self.cls)[self.key].type.schema()
        return {"oneOf": [key_schema, object_schema(self.cls)]}


@dataclasses.dataclass(frozen=True)
class Attr:
    """How one YAML key maps to one dataclass field."""

    key: str
    name: str
    type: Type
    required: bool
    doc: str


def attr(type_: Type, doc: str, *, required: bool = False, default: Any = None, key: str | None = None):
    """Declare an entity attribute: its type, its documentation and whether it is required."""
    meta = {"type": type_, "doc": doc, "required": required, "key": key}
    if isinstance(default, tuple | list | dict):
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


_ATTRS: dict[type, dict[str, Attr]] = {}


def attributes(cls: type) -> dict[str, Attr]:
    """Return the attributes of an entity class by YAML key, in declaration order."""
    found = _ATTRS.get(cls)
    if found is None:
        found = {}
        for f in dataclasses.fields(cls):
            if "type" in f.metadata:
                key = f.metadata["key"] or f.name
                found[key] = Attr(key, f.name, f.metadata["type"], f.metadata["required"], f.metadata["doc"])
        _ATTRS[cls] = found
    return found


def plain(value, sort_lists: bool = False):
    """Return `value` as JSON-ready data: dicts, lists, strings, numbers, booleans and None.

    Parameters
    ----------
    value : object
        An entity, a mapping, a list or tuple, a date or a plain value, nested
        in any way.
    sort_lists : bool
        Whether to sort every list (by its items' JSON text), so that two
        values that differ only in order compare equal.

    Returns
    -------
    object
        An entity becomes a dict of its set attributes by YAML key (None and
        empty tuples left out), a mapping a dict, a tuple or list a list, a
        date its ISO 8601 text; anything else is returned as it is.

    See Also
    --------
    attributes : the attributes of an entity class.

    Examples
    --------
    >>> plain({"since": dt.date(2024, 1, 31), "kinds": ("tel", "email")}, sort_lists=True)
    {'since': '2024-01-31', 'kinds': ['email', 'tel']}
    >>> from lineage.model.entities import Dpa
    >>> plain(Dpa(loc=Loc("flows/organizations.yaml"), signed=True, date=dt.date(2024, 5, 2)))
    {'signed': True, 'date': '2024-05-02'}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {a.key: plain(v, sort_lists) for a in attributes(type(value)).values()
                if (v := getattr(value, a.name)) is not None and v != ()}
    if isinstance(value, dict):
        return {k: plain(v, sort_lists) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [plain(v, sort_lists) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if sort_lists else items
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def build(cls: type, node: Node, ctx: Context):
    """Convert a mapping node into `cls`, adding every problem to ``ctx.errors``.

    Returns None when a required attribute is missing or invalid, so that a
    broken entry does not produce further errors downstream.
    """
    if not isinstance(node, Mapping):
        ctx.errors.append(LineageError(node.loc, f"expected a mapping of {cls.__name__.lower()} attributes"))
        return None
    attrs = attributes(cls)
    values: dict[str, Any] = {}
    complete = True
    for key_node, value_node in node.items:
        spec = attrs.get(key_node.text)
        if spec is None:
            ctx.errors.append(LineageError(key_node.loc, f"unknown key {key_node.text!r}"
                                                         f"{did_you_mean(key_node.text, attrs)}"))
            continue
        if isinstance(value_node, Scalar) and value_node.kind == "null":
            ctx.errors.append(LineageError(key_node.loc, f"{key_node.text!r} has no value; write one or "
                                                         "leave the key out"))
            complete = complete and not spec.required
            continue
        try:
            values[spec.name] = spec.type.convert(value_node, ctx)
        except Invalid as exc:
            ctx.report(exc)
            complete = complete and not spec.required
    key_locs = {k.text: k.loc for k, _ in node.items}
    for spec in attrs.values():
        if spec.required and spec.key not in key_locs:
            ctx.errors.append(LineageError(node.loc, f"missing required key '{spec.key}'"))
            complete = False
    if not complete:
        return None
    return cls(**values, loc=node.loc, key_locs=key_locs)


def object_schema(cls: type) -> dict:
    """Return the draft-07 schema of an entity class."""
    attrs = attributes(cls)
    props = {}
    for spec in attrs.values():
        props[spec.key] = {**spec.type.schema(), "description": spec.doc}
    out: dict = {"type": "object", "additionalProperties": False, "properties": props}
    required = [s.key for s in attrs.values() if s.required]
    if required:
        out["required"] = required
    if cls.__doc__:
        out["description"] = cls.__doc__.strip().splitlines()[0]
    return out
