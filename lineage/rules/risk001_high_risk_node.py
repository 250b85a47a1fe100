"""RISK001 high-risk-node: a system's exposure score reaches the threshold.

Why     GDPR Art. 32 and 35: security and impact assessment scale with risk. The score
        is a design-time reading of ENISA's breach severity, SE = DPC x EI + CB:
        what a breach of this system would cost its data subjects.
Fix     Hold less (drop fields, pseudonymise, aggregate), move the data inside the
        controller, or add the missing controls (MFA, access logging, encryption),
        then re-run `lineage check --explain`.
Params  threshold: number, default 4.5.
        weights: mapping of the terms below, each a number; an override changes only
        the weights it names (e.g. {internet: 1}), the others keep their defaults.
Fails   a processor's internet CRM holding name, email, nationality and permit type of
        vulnerable people in raw form -> system:ID (critical: outside the controller)
Passes  the controller's internal, fully secured statistics store holding pseudonymised
        ids and aggregated counts.

Terms (all shown by ``lineage check --explain``):

* DPC, data processing context, 1..4: the highest tier among the fields held in a
  personal form, plus ``vulnerable_uplift`` when the system holds data of vulnerable
  subjects or children, capped at 4. Aggregated and anonymised forms do not count:
  statistics over groups single no one out (the other rules still treat aggregated
  data as personal, for retention, contracts and transfers, since the model does not
  say how large the groups are). Pseudonymised and generalised ones count one tier
  lower: a form is that of the field itself, so a token or a band reveals less of
  the value it stands for (ENISA: DPC goes down when the data are milder than their
  category). The identifiers' own form sets EI below.
* EI, ease of identification, 0.25..1: by the form in which a direct
  identifier is held (raw, encrypted or hashed 1, masked 0.75, pseudonymised 0.5,
  since its key is held outside the recipient's organisation, generalised 0.25),
  or 0.5 for one and 0.75 for two or more quasi-identifiers held identifiably, a
  coarse one (tier 1: age band, region) counting half.
* CB, circumstances: ``internet`` or ``partner`` exposure, each missing security
  control (``missing_control``: encryption at rest, MFA, access logging; unset counts
  as missing), ``outside_controller``, ``per_subcontracting_level`` beyond the first
  processor, and ``large_population`` / ``very_large_population`` (100,000 and
  1,000,000 people, or records a year brought by the inbound flows' ``volume`` when
  that is more). Terms that add nothing are shown too, with what they looked at.

References
----------
ENISA, Recommendations for a methodology of the assessment of severity of personal
data breaches (2013). EDPB Guidelines 9/2022. WP248 rev.01 criterion 7.
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage.findings import Hit
from lineage.model import processor_chain
from lineage.model.entities import FORM_RANK, FORMS, LAST_IDENTIFIABLE_FORM, PROCESSOR_ROLES
from lineage.model.types import MapOf, Number
from lineage.rules.common import carries_personal, critical_outside_controller, outside_controller

ID, NAME = "RISK001", "high-risk-node"
SEVERITY_NOTE = "critical outside the controller"
severity = critical_outside_controller  # the engine's severity hook
PARAMS = {"threshold": Number(minimum=0), "weights": MapOf(Number())}
WEIGHTS = (
    "vulnerable_uplift", "internet", "partner", "missing_control", "outside_controller",
    "per_subcontracting_level", "large_population", "very_large_population",
)
EI_DIRECT = {"raw": 1.0, "encrypted": 1.0, "hashed": 1.0, "masked": 0.75, "pseudonymised": 0.5,
             "generalised": 0.25}
IDENTIFIABLE_RANK = FORM_RANK[LAST_IDENTIFIABLE_FORM]
DISCOUNTED_RANK = FORM_RANK["pseudonymised"]


@dataclass(frozen=True)
class Term:
    """One term of a score: its name, value and what it comes from."""

    name: str
    value: float
    why: str


@dataclass(frozen=True)
class Score:
    """A system's exposure score and its terms."""

    system: str
    dpc: float
    ei: float
    cb: float
    terms: tuple[Term, ...]

    @property
    def total(self) -> float:
        """SE = DPC x EI + CB, rounded to 2 decimals."""
        return round(self.dpc * self.ei + self.cb, 2)


def validate(params) -> list[tuple[tuple[str, ...], str]]:
    """Refuse unknown weight names, each located at its key."""
    from lineage.errors import did_you_mean

    unknown = sorted(set(params.get("weights", {})) - set(WEIGHTS))
    return [(("weights", w), f"unknown weight {w!r}{did_you_mean(w, WEIGHTS)} (known: {', '.join(WEIGHTS)})")
            for w in unknown]


def score(ctx, system_id: str, params) -> Score:
    """Return the exposure score of a system with every term explained."""
    return _score(ctx, system_id, params, _held_forms(ctx.lineage, system_id))


def _score(ctx, system_id: str, params, held: dict[str, int]) -> Score:
    if not held:
        nothing = "nothing held in a form more identifying than aggregated"
        return Score(system_id, 0.0, 0.0, 0.0, (Term("DPC base", 0.0, nothing),))
    model = ctx.model
    w = params["weights"]
    dpc, ei, terms = _worst_off(ctx, system_id, held, w)
    subjects = _subjects(ctx, system_id)

    system = model.systems[system_id]
    org = model.organizations[system.organization]
    exposed = system.exposure in ("internet", "partner")
    security = system.security
    missing = [c for c in ("encryption_at_rest", "mfa", "access_logging") if not (security and getattr(security, c))]
    outside = outside_controller(ctx, system_id)
    depth = _chain_depth(model, org.id)
    scale, scale_why = _scale(ctx, system_id, subjects)
    circumstances = [
        (f"exposure {system.exposure}", w[system.exposure] if exposed else 0.0),
        ("no " + ", no ".join(c.replace("_", " ") for c in missing) if missing else "every security control set",
         w["missing_control"] * len(missing)),
        (f"outside the controller ({org.role} {org.id})" if outside else f"inside the controller ({org.id})",
         w["outside_controller"] if outside else 0.0),
        (f"subcontracting level {depth}", w["per_subcontracting_level"] * max(0, depth - 1)),
        (scale_why, w["very_large_population"] if scale >= 1_000_000
         else w["large_population"] if scale >= 100_000 else 0.0),
    ]
    cb = 0.0
    for why, value in circumstances:
        cb += value
        terms.append(Term("CB", value, why))
    return Score(system_id, dpc, ei, round(cb, 2), tuple(terms))


def _scale(ctx, system_id: str, subjects) -> tuple[int, str]:
    """How many people, or records a year when more, the system's data are about (SPEC: subjects, records)."""
    people = sum(s.population or 0 for s in subjects)
    flows = ctx.model.flows
    records = sum(flows[fid].volume or 0 for _, _, fid in ctx.lineage.G.in_edges(system_id, keys=True)
                  if carries_personal(ctx, fid))
    if records > people:
        return records, f"{records:,} records a year (inbound flows' volume)"
    return people, f"{people:,} people" if people else "no population declared"


def _worst_off(ctx, system_id: str, held: dict[str, int], w) -> tuple[float, float, list]:
    """DPC, EI and their terms for the people whose data held here score worst.

    Each subject's fields (:func:`lineage.graph.fields_by_subject`) are scored
    apart: a clerk's name does not make a patient's diagnosis identifying.
    Subjects holding the same fields, equally fragile, are scored once.
    """
    from lineage.graph import fields_by_subject

    L, model = ctx.lineage, ctx.model
    groups = fields_by_subject(L, system_id, LAST_IDENTIFIABLE_FORM)
    named = len(groups) > 1
    best, seen = None, set()
    for subject, mask in groups.items():
        fragile = subject is not None and (model.subjects[subject].vulnerable or model.subjects[subject].children)
        if (mask, fragile) in seen:
            continue
        seen.add((mask, fragile))
        part = {f: r for f, r in held.items() if mask >> L.bit[f] & 1} if named else held
        result = _people_terms(model, part, subject, w, named)
        if best is None or result[0] * result[1] > best[0] * best[1]:
            best = result
    return best


def _people_terms(model, held: dict[str, int], subject: str | None, w, named: bool) -> tuple[float, float, list]:
    """DPC, EI and their terms for the data held about one subject (the score takes the worst-off people)."""
    tiers = {}
    for fid, rank in held.items():
        tier = model.field_info(fid).tier
        tiers[fid] = max(1, tier - 1) if rank >= DISCOUNTED_RANK else tier
    top = max(tiers, key=lambda f: (tiers[f], f))
    dpc = float(tiers[top])
    tier = model.field_info(top).tier
    counted = f"tier {tier}" if tiers[top] == tier else \
        f"tier {tier}, held {FORMS[held[top]]}: counts {tiers[top]}"
    of = f" of {subject}" if named and subject else ""
    terms = [Term("DPC base", dpc, f"highest tier held{of}: {top} ({counted})")]
    fragile = subject is not None and (model.subjects[subject].vulnerable or model.subjects[subject].children)
    uplift = min(4.0, dpc + w["vulnerable_uplift"]) - dpc if fragile else 0.0
    capped = " (capped at 4)" if fragile and uplift < w["vulnerable_uplift"] else ""
    terms.append(Term("DPC vulnerable subjects", uplift,
                      f"{subject}{capped}" if fragile else "no vulnerable subjects or children"))
    ei, ei_why = _ease_of_identification(model, held)
    terms.append(Term("EI", ei, ei_why))
    return dpc + uplift, ei, terms


def check(ctx, params):
    """Yield a hit per system whose score reaches the threshold."""
    for sid in ctx.model.systems:
        held = _held_forms(ctx.lineage, sid)
        s = _score(ctx, sid, params, held)
        if s.total >= params["threshold"]:
            top = "; ".join(f"{t.why}" for t in s.terms if t.value and t.name != "EI")
            yield Hit(f"system:{sid}", tuple(held),
                      f"exposure score {s.total:g} reaches {params['threshold']:g} "
                      f"(DPC {s.dpc:g} x EI {s.ei:g} + CB {s.cb:g}: {top}): hold less, pseudonymise, "
                      f"or add controls; see `lineage check --explain`", identity=())


def _held_forms(L, system_id) -> dict[str, int]:
    """Fields held in a personal form (up to generalised), with the rank held."""
    out = {}
    masks = L.held[system_id]
    for rank in range(IDENTIFIABLE_RANK + 1):
        new = masks[rank] & ~(masks[rank - 1] if rank else 0)
        for fid in L.fields_in(new):
            out[fid] = rank
    return dict(sorted(out.items()))


def _subjects(ctx, system_id):
    """Subjects whose collected fields the system holds in a personal form."""
    from lineage.graph import subjects_held

    return [ctx.model.subjects[s] for s in subjects_held(ctx.lineage, system_id, LAST_IDENTIFIABLE_FORM)]


def _ease_of_identification(model, held) -> tuple[float, str]:
    best, why = 0.25, "no identifier held identifiably"
    quasi, coarse = [], []
    for fid, rank in held.items():
        info = model.field_info(fid)
        form = FORMS[rank]
        if info.identifier == "direct" and EI_DIRECT[form] > best:
            best, why = EI_DIRECT[form], f"direct identifier {fid} held {form}"
        elif info.identifier == "quasi" and rank < DISCOUNTED_RANK:
            (coarse if info.tier == 1 else quasi).append(fid)
    weight = len(quasi) + len(coarse) / 2  # a coarse one (age band, region) singles out far fewer people
    q = 0.75 if weight >= 2 else 0.5 if weight >= 1 else 0.0
    if q > best:
        best, why = q, "quasi-identifiers " + ", ".join(quasi + coarse)
        if coarse:
            why += f" ({', '.join(coarse)}: tier 1, coarse, each counts half)"
    return best, why


def _chain_depth(model, org_id) -> int:
    """1 for a processor of a controller, 2 for its subprocessor ...; 0 for a controller."""
    chain, _ = processor_chain(model, org_id)
    return sum(model.organizations[o].role in PROCESSOR_ROLES for o in chain)
