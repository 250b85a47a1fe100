"""RISK002 toxic-combination: a system holds, identifiably, every member of a dangerous combination.

Why     Some fields are harmless apart and dangerous together: name + contact +
        nationality + immigration status enables targeting and extortion of migrants
        (the pattern of the leak reported in January 2026 at a subcontractor of the
        French immigration office); name + date of birth + government id enables
        identity theft.
        GDPR Art. 32; WP248 criterion 6 (matching or combining datasets) when the
        members come from several sources; EDPB 01/2025 on pseudonymisation.
Fix     Split the combination: drop a member the system does not need, or hold it
        pseudonymised, generalised or aggregated. When the purposes of its data need
        every member (the controller's system of record), protect it and assess it in
        a DPIA, or split the work across systems; the message says which applies.
Params  forms: forms that count as identifying, default [raw, encrypted, hashed].
        combinations: list of {name, members}; each member is a selector that a held
        field matches by any of `fields` (ids), `categories` (patterns; a category also
        matches its sub-categories), `identifier` (direct | quasi) or `special`
        (art9 | art10). Defaults: (a) name + contact + nationality + immigration status,
        (b) name + date of birth + government id, (c) name or contact + credentials,
        (d) name + financial, (e) any direct identifier + any art9/art10 field.
Fails   trainer_crm holds full_name, email, nationality, residence_permit_type raw
        -> system:trainer_crm [email, full_name, nationality, residence_permit_type]

Severity: high; critical outside the controller. One finding per system and
combination, naming the fields that make it up. Each member needs a field of its
own: a face template (direct identifier and art9) alone is not combination (e).
All members must be about the same people (the subjects the fields were
collected from): a clinician's name next to patients' diagnoses is not (e).
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage.findings import Hit
from lineage.model.entities import FORM_RANK, FORMS, IDENTIFIERS, Entity
from lineage.model.types import Enum, ListOf, Obj, OneOrMany, Text, attr
from lineage.rules.common import (
    CategoryPattern,
    FieldId,
    category_matches,
    critical_outside_controller,
    needs,
    system_purposes,
)

ID, NAME = "RISK002", "toxic-combination"
SEVERITY_NOTE = "critical outside the controller"
severity = critical_outside_controller  # the engine's severity hook


@dataclass(frozen=True, kw_only=True)
class Member(Entity):
    """A selector: a held field matches it by any of these criteria."""

    fields: tuple[str, ...] = attr(ListOf(FieldId()), "Field ids", default=())
    categories: tuple[str, ...] = attr(ListOf(CategoryPattern()), "Category patterns", default=())
    identifier: tuple[str, ...] = attr(OneOrMany(Enum(IDENTIFIERS)), "direct | quasi", default=())
    special: tuple[str, ...] = attr(OneOrMany(Enum(("art9", "art10"))), "art9 | art10", default=())


@dataclass(frozen=True, kw_only=True)
class Combination(Entity):
    """A named combination: every member must be held."""

    name: str = attr(Text(), "Name shown in findings", required=True)
    members: tuple[Member, ...] = attr(ListOf(Obj(Member), unique=False), "Selectors", required=True)


PARAMS = {"forms": ListOf(Enum(FORMS)), "combinations": ListOf(Obj(Combination), unique=False)}


def validate(params) -> list[tuple[tuple[str | int, ...], str]]:
    """Refuse params that leave nothing to match: no form, a combination without members, a member selecting nothing.

    An empty `forms` has no least identifying form to read holdings at; a
    combination without members would be held by every system.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if not params.get("forms", FORMS):
        problems.append((("forms",), "forms: list at least one form that counts as identifying "
                                     "(to turn the rule off, disable it)"))
    for i, combo in enumerate(params.get("combinations", ())):
        if not combo.members:
            problems.append((("combinations", i, "members"),
                             f"combination {combo.name!r} has no members: list what must be held together"))
        for j, member in enumerate(combo.members):
            if not (member.fields or member.categories or member.identifier or member.special):
                problems.append((("combinations", i, "members", j),
                                 f"a member of combination {combo.name!r} selects nothing: "
                                 "give it fields, categories, identifier or special"))
    return problems


def matches(ctx, member: Member, fid: str) -> bool:
    """Whether field `fid` satisfies the selector `member`."""
    info = ctx.model.field_info(fid)
    return (fid in member.fields
            or category_matches(ctx.model.fields[fid].category, member.categories)
            or info.identifier in member.identifier
            or info.special in member.special)


def check(ctx, params):
    """Yield a hit per system and combination fully held in an identifying form, of the same people."""
    from lineage.graph import fields_by_subject  # networkx: not for `validate`

    L = ctx.lineage
    worst = max(FORM_RANK[f] for f in params["forms"])
    combos = [(combo, [L.mask(f for f in ctx.model.fields if matches(ctx, m, f)) for m in combo.members])
              for combo in params["combinations"]]
    needed_by = {pid: L.mask(f for f, rank in needs(p).items() if rank <= worst)
                 for pid, p in ctx.model.purposes.items()}  # what each purpose needs identifiably
    for sid in ctx.model.systems:
        held = L.held[sid][worst]
        if not held:
            continue
        purposes, groups = None, None
        for combo, members in combos:
            if not all(held & m for m in members):  # cheap: not even across all the people it holds data of
                continue
            if groups is None:  # the subjects' lineage in any personal form, as RISK001 reads it: computed once
                groups = sorted({mask & held for mask in fields_by_subject(L, sid, "generalised").values()})
            picked = [[group & m for m in members] for group in groups]
            picked = [parts for parts in picked if all(parts) and _distinct([L.fields_in(p) for p in parts])]
            if not picked:
                continue
            union = [0] * len(members)
            for parts in picked:
                union = [u | p for u, p in zip(union, parts, strict=True)]
            fields = tuple(L.fields_in(_union(union)))
            if purposes is None:
                purposes = system_purposes(ctx, sid)
            yield Hit(f"system:{sid}", fields,
                      f"holds the toxic combination {combo.name} ({', '.join(fields)}) in identifying "
                      f"form: {_fix(L, purposes, needed_by, union)}", key=combo.name, identity=())


def _union(masks: list[int]) -> int:
    """Return the union of bitsets."""
    out = 0
    for m in masks:
        out |= m
    return out


def _fix(L, purposes: set[str], needed_by: dict[str, int], members: list[int]) -> str:
    """Say what to do: drop or pseudonymise the members its purposes do not need, else protect what they do."""
    if not purposes:
        return "no purpose is set for its data (MIN003): set the purposes, then drop the members they do not need"
    needed = 0
    for purpose in purposes:
        needed |= needed_by[purpose]
    spare = [f for m in members if not m & needed for f in L.fields_in(m)]
    if spare:
        return f"drop a member its purposes do not need ({', '.join(spare)}), or pseudonymise it"
    return ("its purposes need every member: protect the system (access control, encryption, logging) "
            "and assess it in a DPIA, or split the work so that no one system holds them all")


def _distinct(candidates: list[list[str]]) -> bool:
    """Whether each member can be matched by a field of its own (a bipartite matching).

    Examples
    --------
    >>> _distinct([["face"], ["face"]]), _distinct([["name", "face"], ["face"]])
    (False, True)
    """
    owner: dict[str, int] = {}

    def assign(member: int, seen: set[str]) -> bool:
        for f in candidates[member]:
            if f not in seen:
                seen.add(f)
                if f not in owner or assign(owner[f], seen):
                    owner[f] = member
                    return True
        return False

    return all(assign(m, set()) for m in range(len(candidates)))
