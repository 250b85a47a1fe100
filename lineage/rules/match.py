"""match: a declarative rule written in YAML, without Python.

A rule with ``check: match`` selects targets (systems or flows) by their
attributes and by the fields they hold or carry, and reports each match.

Keys    target: system | flow (required).
        where: {dotted.path: value or [values]}; every path must match. Paths start
          at the target: system keys (id, name, type, country, exposure, retention,
          organization, organization.role, organization.country,
          organization.transfer_safeguard, security.mfa ...), flow keys (id, channel,
          encrypted, purpose, purpose.legal_basis, from.exposure, to.organization.role ...).
          Values are compared as written (`none` matches an unset key); a value that a
          closed set (role, type, exposure, country, true/false ...) never holds is an error.
        holds (systems) / carries (flows): {fields: [ids], categories: [patterns],
          min_tier: n, forms: [forms], all: true|false}. A field counts when it is held or
          carried in one of `forms` (default: any), has at least `min_tier`, and is
          listed in `fields` or matches `categories`. With `all: true` every listed id
          and pattern must be matched; otherwise one is enough.
        message: template with {target}, {id}, {fields}, {rule} (the rule's id).
Example  target: system
         where: {organization.role: [subprocessor]}
         holds: {categories: ["immigration.*", nationality], forms: [raw, encrypted, hashed]}
         message: "{target} holds {fields} in identifying form"
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage.findings import Hit
from lineage.model.entities import FORMS, SECTIONS, Entity, Flow, System
from lineage.model.types import (
    Bool,
    Country,
    Enum,
    Int,
    ListOf,
    MapOf,
    Obj,
    OneOrMany,
    Text,
    Type,
    _scalar,
    attr,
    attributes,
)
from lineage.rules.common import CategoryPattern, FieldId, category_matches

ID, NAME = "match", "match"
UNSET = ("none", "null", "")


class Value(Type):
    """A `where` value: any scalar, taken as written (``false``, ``NO``, ``2``).

    What it may be depends on the path; :func:`validate` checks it once the
    path is known.
    """

    def convert(self, node, ctx):
        """Return the scalar's text as written, whatever YAML 1.1 would make of it."""
        return _scalar(node, "a value").text

    def schema(self):
        """Return the schema of any scalar: a string, a number or a boolean."""
        return {"type": ["string", "number", "boolean"]}


@dataclass(frozen=True, kw_only=True)
class FieldFilter(Entity):
    """Which held or carried fields count."""

    fields: tuple[str, ...] = attr(ListOf(FieldId()), "Field ids", default=())
    categories: tuple[str, ...] = attr(ListOf(CategoryPattern()), "Category patterns", default=())
    min_tier: int = attr(Int(1, 4), "Lowest tier that counts", default=1)
    forms: tuple[str, ...] = attr(ListOf(Enum(FORMS)), "Forms that count", default=FORMS)
    all: bool = attr(Bool(), "Every listed id and pattern must match", default=False)


PARAMS = {
    "target": Enum(("system", "flow")),
    "where": MapOf(OneOrMany(Value())),
    "holds": Obj(FieldFilter),
    "carries": Obj(FieldFilter),
    "message": Text(),
}
TOP_LEVEL_PARAMS = tuple(PARAMS)
REQUIRED = ("target",)


def validate(params) -> list[tuple[tuple[str, ...], str]]:
    """Check that the filter fits the target and that every `where` path exists.

    Each problem comes with the keys that lead to it, for its file:line:col.
    """
    problems = []
    if params["target"] == "system" and "carries" in params:
        problems.append((("carries",), "'carries' applies to flows; use 'holds' for systems"))
    if params["target"] == "flow" and "holds" in params:
        problems.append((("holds",), "'holds' applies to systems; use 'carries' for flows"))
    if "message" in params:
        problem = _check_message(params["message"])
        if problem:
            problems.append((("message",), problem))
    start = System if params["target"] == "system" else Flow
    for path, values in params.get("where", {}).items():
        problem, kind = _check_path(start, path)
        if problem is None:
            problem = _check_values(path, kind, values)
        if problem:
            problems.append((("where", path), f"where: {problem}"))
    return problems


#: The names a match rule's message may use, each written ``{name}``.
MESSAGE_NAMES = ("target", "id", "fields", "rule")


def _check_message(template: str) -> str | None:
    """Return why `template` is not a message template (or None): plain ``{name}`` only."""
    import string

    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"message: {exc} (write {{{{ and }}}} for literal braces)"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in MESSAGE_NAMES or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            return (f"message: {shown!r} is not a known placeholder; use "
                    f"{', '.join('{' + n + '}' for n in MESSAGE_NAMES)} (or {{{{ and }}}} for literal braces)")
    return None


def _check_path(cls, path: str) -> tuple[str | None, Type | None]:
    """Return why a dotted path does not exist on `cls` (or None), and the type it ends at."""
    from lineage.errors import did_you_mean

    kind = None
    for step in path.split("."):
        if cls is None:
            return f"{path!r} goes past a plain value at {step!r}", None
        if cls is Flow and step in ("from", "to"):
            cls, kind = System, None
            continue
        attrs = attributes(cls)
        spec = attrs.get(step)
        if spec is None:
            return f"{path!r}: {cls.__name__.lower()} has no {step!r}{did_you_mean(step, attrs)}", None
        kind = spec.type
        section = getattr(spec.type, "section", None)
        inner = getattr(spec.type, "cls", None)
        cls = SECTIONS[section] if section else inner
    return None, kind


def _check_values(path: str, kind: Type | None, values) -> str | None:
    """Return why a value can never match what `path` holds (a closed set of words), or None."""
    from lineage.errors import did_you_mean

    if isinstance(kind, Enum):
        allowed = kind.values
    elif isinstance(kind, Bool):
        allowed = ("true", "false")
    elif isinstance(kind, Country):
        from lineage.model.places import COUNTRIES

        allowed = tuple(sorted(COUNTRIES))
    else:
        return None
    for value in values:
        if value not in allowed and value not in UNSET:
            shown = ", ".join(allowed) if len(allowed) < 20 else "an ISO 3166-1 alpha-2 code"
            return f"{path!r} is never {value!r}{did_you_mean(value, allowed)} (it is {shown})"
    return None


def check(ctx, params):
    """Yield a hit per target whose attributes and fields match."""
    model = ctx.model
    kind = params["target"]
    targets = model.systems if kind == "system" else model.flows
    wanted = params.get("holds") or params.get("carries")
    template = params.get("message", "{target} matches rule {rule}")
    for tid, entity in targets.items():
        if not all(_matches(_resolve(ctx, entity, path), values) for path, values in params.get("where", {}).items()):
            continue
        fields: tuple[str, ...] = ()
        if wanted is not None:
            present = _present(ctx, kind, entity)
            fields = _select(ctx, wanted, present)
            if not fields:
                continue
        target = f"{kind}:{tid}"
        message = template.format_map(_Values(target=target, id=tid, fields=", ".join(fields)))
        yield Hit(target, fields, message)


class _Values(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _present(ctx, kind, entity) -> dict[str, str]:
    """Fields held (system) or carried (flow) with their form."""
    if kind == "flow":
        return {u.field: u.form for u in entity.fields}
    from lineage.graph import holdings

    return holdings(ctx.lineage, entity.id)


def _select(ctx, wanted: FieldFilter, present: dict[str, str]) -> tuple[str, ...]:
    model = ctx.model
    usable = [f for f, form in present.items()
              if form in wanted.forms and model.field_info(f).tier >= wanted.min_tier]
    listed = [("field", f) for f in wanted.fields] + [("category", c) for c in wanted.categories]
    if not listed:
        return tuple(sorted(usable))
    hits: dict[tuple[str, str], list[str]] = {item: [] for item in listed}
    for f in usable:
        for kind, value in listed:
            if (f == value) if kind == "field" else category_matches(model.fields[f].category, [value]):
                hits[(kind, value)].append(f)
    if wanted.all and not all(hits.values()):
        return ()
    return tuple(sorted({f for found in hits.values() for f in found}))


def _resolve(ctx, entity, path: str):
    """Follow a dotted path from an entity; references lead to the entity they name."""
    model = ctx.model
    value = entity
    for step in path.split("."):
        if value is None:
            return None
        if isinstance(value, Entity):
            if step in ("from", "to") and isinstance(value, Flow):
                value = model.systems[value.source if step == "from" else value.target]
                continue
            if step == "country" and isinstance(value, System):
                value = model.country(value.id)
                continue
            spec = attributes(type(value)).get(step)
            if spec is None:
                return None
            value = getattr(value, spec.name)
            section = getattr(spec.type, "section", None)
            if section and value is not None:
                value = getattr(model, section)[value]
        else:
            return None
    if isinstance(value, Entity):
        return getattr(value, "id", _SET)
    return value


#: What a path ending at a block with no id (``security``, ``dpa``) gives when the block is written.
_SET = object()


def _matches(actual, values) -> bool:
    """Whether `actual` is one of `values`: ``none`` for unset (or empty), any item of a list.

    Examples
    --------
    >>> _matches(None, ["none"]), _matches((), ["none"]), _matches(("h", "art10"), ["art10"])
    (True, True, True)
    >>> _matches(_SET, ["none"]), _matches(False, ["false"]), _matches("FR", ["DE"])
    (False, True, False)
    """
    if isinstance(actual, bool):
        return any(v.lower() == str(actual).lower() for v in values)
    if actual is None or actual == ():
        return any(v in UNSET for v in values)
    if actual is _SET:  # written: only `none` could be asked of it, and it is not unset
        return False
    if isinstance(actual, tuple):
        return any(str(item) in values for item in actual)
    return str(actual) in values
