"""``lineage impact SYSTEM``: the blast radius of a confidentiality breach of one system.

:func:`impact` reads a :class:`~lineage.graph.Lineage` and returns an
:class:`Impact`: the fields the system holds and in which form, the data
subjects and the approximate number of people and records concerned, the
systems its data reach through its outbound flows, an ENISA-style severity,
and whether notifying the supervisory authority (Art. 33) and the people
(Art. 34) would likely be due. :func:`format_impact` turns it into text or
JSON. Nothing here prints.

This is a design-time estimate from the model, to support the DPO's breach
assessment, not to replace it: the real circumstances (what was taken, by
whom, whether keys were safe) decide.

Severity
--------
SE = DPC x EI + CB (ENISA 2013). DPC is ENISA's data processing context, not
RISK001's tiers: the highest :func:`enisa_dpc` among the fields held in a
personal form, its base score, or its score raised in context when the data
concern vulnerable people or children, who then also add RISK001's
``vulnerable_uplift`` weight (from the merged pack's RISK001 params), capped
at 4. A field held pseudonymised or generalised counts one lower (at least
1), as in RISK001: a token is not the identity number it stands for. EI is
RISK001's ease of identification from the identifiers held
(:func:`lineage.rules.risk001_high_risk_node.score`). CB is that of the
breach, not RISK001's design-time circumstances: loss of confidentiality
(0.5 unknown recipients, 0.25 known recipients, 0 no evidence of further
processing) plus 0.5 for malicious intent; 0.5 + 0.5 by default. Bands:
below 2 low, below 3 medium, below 4 high, else very high. ENISA's worked
example, names, contact details, nationality and permit type of vulnerable
migrants posted online: DPC 3 + 1, EI 1, CB 1, SE 5, very high; without
the vulnerability, DPC 1 and SE 2, medium.

Notification
------------
* Art. 33 (authority) is likely unless the breach is unlikely to result in a
  risk: here, when no identifiable person is concerned (the system holds
  nothing, holds everything only aggregated or anonymised, or the subjects
  whose data it holds number 0), or when the band is low and neither Art.
  9/10 data nor vulnerable people or children are concerned (EDPB 9/2022).
  Every breach is recorded all the same (Art. 33(5)).
* Art. 34 (people) is likely when the band is high or very high, unless the
  data are unintelligible to whoever took them (Art. 34(3)(a); ENISA judges
  this after the score, so a high band can go with it): no direct
  identifier is held readably (raw, encrypted with the key alongside,
  unkeyed hash or masked; a pseudonymised one's key is held outside) and the
  readable quasi-identifiers weigh less than two, a coarse one (tier 1: age
  band, region) counting half, as in RISK001's EI: date of birth alone, or
  with a region, spares; date of birth, sex and postcode do not.

References
----------
GDPR Arts 33, 34. EDPB Guidelines 9/2022 on personal data breach notification
(v2.0, 2023). ENISA, Recommendations for a methodology of the assessment of
severity of personal data breaches (2013). See shared/domain/gdpr-reference.md,
sections 4 and 7.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass

from lineage.errors import unknown_id
from lineage.graph import ANY, NFORMS, Lineage, build, holdings, subjects_held
from lineage.model import processor_chain
from lineage.model.entities import FORM_RANK, FORMS, LAST_IDENTIFIABLE_FORM, PROCESSOR_ROLES
from lineage.model.taxonomy import ENISA_DPC, parent

#: ENISA CB for loss of confidentiality, by what is known of the recipients.
RECIPIENTS = {"unknown": 0.5, "known": 0.25, "none": 0.0}
MALICIOUS = 0.5
BANDS = ((2.0, "low"), (3.0, "medium"), (4.0, "high"))
#: The rank of the least identifying form in which a field can still be read, or recovered, by whoever
#: holds the data.
READABLE = FORM_RANK["masked"]
IDENTIFIABLE = FORM_RANK[LAST_IDENTIFIABLE_FORM]
NOBODY = "no one (the subjects whose data it holds number 0)"
DISCLAIMER = ("This is an estimate from the model, to support the DPO's breach assessment, not to "
              "replace it: what was taken, by whom, and whether keys stayed safe decide.")


@dataclass
class Impact:
    """Everything ``lineage impact`` reports about one system."""

    system: dict
    fields: list[dict]
    subjects: list[dict]
    people: int
    people_unknown: list[str]
    records: dict
    downstream: list[dict]
    severity: dict
    notification: dict
    note: str = DISCLAIMER


def band(se: float) -> str:
    """Return the ENISA severity band of a score.

    Examples
    --------
    >>> [band(x) for x in (1.99, 2, 3.5, 4, 5.75)]
    ['low', 'medium', 'high', 'very high', 'very high']
    """
    for limit, name in BANDS:
        if se < limit:
            return name
    return "very high"


def enisa_dpc(model, field_id: str) -> tuple[int, int, str]:
    """Return ENISA's data processing context (DPC) of a field: base, raised in context, source.

    Parameters
    ----------
    model : Model
        The validated model.
    field_id : str
        A field of `model`.

    Returns
    -------
    tuple[int, int, str]
        The base score (1..4), the score raised in context (for vulnerable people or
        children), and where they come from: the category, ``(as ANCESTOR)`` for a
        custom category that inherits a built-in one, ``(tier N)`` for a custom
        category with no built-in ancestor (base 1, raised to its tier), or
        ``(tier 4)`` / ``(Art. 9)`` / ``(Art. 10)`` for a field scored 4 for that.

    Notes
    -----
    Built-in categories score as :data:`lineage.model.taxonomy.ENISA_DPC`. Tier 4
    (the field's override or its category's) and Art. 9/10 data score 4, ENISA's
    sensitive context, whatever the category.

    Examples
    --------
    >>> from lineage.model import model_from_text
    >>> m = model_from_text("{categories: [{id: gov_id.passport}, {id: case.note, tier: 2}], fields: ["
    ...                     "{id: a, category: gov_id.passport}, {id: b, category: case.note}, "
    ...                     "{id: c, category: identity.name, tier: 4}]}")
    >>> [enisa_dpc(m, f) for f in "abc"]
    [(1, 3, 'gov_id.passport (as gov_id)'), (1, 2, 'case.note (tier 2)'), (4, 4, 'identity.name (tier 4)')]
    """
    info = model.field_info(field_id)
    category = ancestor = model.fields[field_id].category
    while ancestor is not None and ancestor not in ENISA_DPC:
        ancestor = parent(ancestor)
    if ancestor is None:
        base, raised, source = 1, info.tier, f"{category} (tier {info.tier})"
    else:
        base, raised = ENISA_DPC[ancestor]
        source = category if ancestor == category else f"{category} (as {ancestor})"
    if base < 4 and (info.tier == 4 or info.special != "none"):
        flag = info.special.replace("art", "Art. ") if info.special != "none" else "tier 4"
        return 4, 4, f"{category} ({flag})"
    return base, raised, source


def impact_folder(folder, system_id: str, rules=None, recipients: str = "unknown",
                  malicious: bool = True) -> Impact:
    """Load the model under `folder` and the rule pack (for RISK001's params), then :func:`impact`.

    Raises
    ------
    InputErrors
        With every error of the model and of the rule files, or for an unknown system.
    """
    from lineage.pipeline import load_inputs

    model, ruleset = load_inputs(folder, rules)
    return impact(build(model), system_id, ruleset.rules["RISK001"].params, where=str(folder),
                  recipients=recipients, malicious=malicious)


def impact(L: Lineage, system_id: str, params: dict, where: str = "model", recipients: str = "unknown",
           malicious: bool = True) -> Impact:
    """Estimate the blast radius of a confidentiality breach of `system_id`.

    Parameters
    ----------
    L : Lineage
        A lineage graph made by :func:`lineage.graph.build`.
    system_id : str
        The breached system.
    params : dict
        RISK001's params (``weights`` is read for the vulnerable-subjects uplift).
    where : str
        The model folder, named in the error for an unknown system.
    recipients : {"unknown", "known", "none"}
        What is known of who got the data: ENISA CB 0.5, 0.25 or 0.
    malicious : bool
        Whether the breach was malicious: ENISA CB + 0.5.

    Returns
    -------
    Impact

    Raises
    ------
    InputErrors
        If the model does not declare `system_id`.
    """
    from lineage.rules.engine import RunContext
    from lineage.rules.risk001_high_risk_node import DISCOUNTED_RANK, score

    model = L.model
    if system_id not in model.systems:
        raise unknown_id("system", system_id, model.systems, where)
    system = model.systems[system_id]
    org = model.organizations[system.organization]
    held = holdings(L, system_id)
    fields = []
    for fid, form in held.items():
        info = model.field_info(fid)
        base, raised, source = enisa_dpc(model, fid)
        if DISCOUNTED_RANK <= FORM_RANK[form] <= IDENTIFIABLE:
            base, raised, source = max(1, base - 1), max(1, raised - 1), f"{source} held {form}, one lower"
        fields.append({"field": fid, "form": form, "category": model.fields[fid].category, "tier": info.tier,
                       "identifier": info.identifier, "special": info.special,
                       "readable": FORM_RANK[form] <= READABLE,
                       "dpc": {"base": base, "raised": raised, "source": source}})

    personal = set(subjects_held(L, system_id, LAST_IDENTIFIABLE_FORM))
    subjects, people, people_unknown = [], 0, []
    for sid in subjects_held(L, system_id):
        s = model.subjects[sid]
        subjects.append({"subject": sid, "vulnerable": s.vulnerable, "children": s.children,
                         "population": s.population, "identifiable": sid in personal})
        if sid in personal:
            if s.population is None:
                people_unknown.append(sid)
            else:
                people += s.population

    inbound = []
    for _, _, fid in sorted(L.G.in_edges(system_id, keys=True), key=lambda e: e[2]):
        flow = model.flows[fid]
        inbound.append({"flow": fid, "from": flow.source, "volume": flow.volume})
    volumes = [f["volume"] for f in inbound if f["volume"] is not None]
    records = {"received_per_year": sum(volumes) if volumes or not inbound else None, "inbound": inbound,
               "unknown": [f["flow"] for f in inbound if f["volume"] is None],
               "collected_from": sorted({c.subject for c in system.collects})}

    dpc, dpc_terms = _dpc(fields, _fragile(subjects), params["weights"]["vulnerable_uplift"])
    s = score(RunContext(model, L, None), system_id, params)
    cb_terms = [{"name": "CB confidentiality", "value": RECIPIENTS[recipients],
                 "why": f"{recipients} recipients"}]
    if malicious:
        cb_terms.append({"name": "CB malicious intent", "value": MALICIOUS, "why": "malicious intent"})
    cb = sum(t["value"] for t in cb_terms)
    se = round(dpc * s.ei + cb, 2)
    terms = dpc_terms + [{"name": t.name, "value": t.value, "why": t.why} for t in s.terms if t.name == "EI"]
    if not dpc:
        terms = [{"name": "DPC x EI", "value": 0.0, "why": "no field held in a personal form"}]
    severity = {"dpc": dpc, "ei": s.ei, "cb": cb, "se": se, "band": band(se), "terms": terms + cb_terms}

    imp = Impact(
        system={"id": system_id, "name": system.name, "organization": org.id, "role": org.role,
                "type": system.type, "exposure": system.exposure, "country": model.country(system_id)},
        fields=fields, subjects=subjects, people=people, people_unknown=people_unknown, records=records,
        downstream=_downstream(L, system_id), severity=severity, notification={},
    )
    imp.notification = _notification(L, imp)
    return imp


def _fragile(subjects: list[dict]) -> list[str]:
    """Return the identifiable subjects that are vulnerable people or children."""
    return [s["subject"] for s in subjects if s["identifiable"] and (s["vulnerable"] or s["children"])]


def _dpc(fields: list[dict], fragile: list[str], uplift: float) -> tuple[float, list[dict]]:
    """ENISA's DPC of the fields held in a personal form, and its terms naming the top fields.

    Each field counts its base score, or its raised one when `fragile` names
    vulnerable subjects or children, who then add `uplift` (capped at 4).
    """
    key = "raised" if fragile else "base"
    scored = [f for f in fields if FORM_RANK[f["form"]] <= IDENTIFIABLE]
    if not scored:
        return 0.0, []
    dpc = float(max(f["dpc"][key] for f in scored))
    top: dict[str, list[str]] = {}
    for f in scored:
        if f["dpc"][key] == dpc:
            d = f["dpc"]
            raised = f", raised to {d['raised']}" if fragile and d["raised"] != d["base"] else ""
            top.setdefault(f"{d['source']}: base {d['base']}{raised}", []).append(f["field"])
    held = "; ".join(f"{label} ({', '.join(fids)})" for label, fids in sorted(top.items()))
    if not fragile:
        return dpc, [{"name": "DPC base", "value": dpc, "why": f"highest ENISA context held: {held}"}]
    added = min(4.0, dpc + uplift) - dpc
    capped = " (capped at 4)" if added < uplift else ""
    return dpc + added, [
        {"name": "DPC raised in context", "value": dpc,
         "why": f"highest ENISA context held, raised for vulnerable people or children: {held}"},
        {"name": "DPC vulnerable subjects", "value": added, "why": f"{', '.join(fragile)}{capped}"}]


def _downstream(L: Lineage, system_id: str) -> list[dict]:
    """Systems this system's fields reach through outbound flows, transitively, with the forms.

    A copy of a field goes on through a flow that declares the field in the
    form the copy has or a less identifying one: a flow sending a field more
    identifiably than the copy sends another copy (a system that got a
    pseudonym from this one and sends its own raw value passes on no data of
    this one). `via` lists the flows that bring this system's data into each
    system on a shortest route; `depth` is the number of flows on that route.
    """
    model = L.model
    reach = {system_id: list(L.held[system_id])}
    carrying: dict[str, list[str]] = {}
    queue = deque([system_id])
    while queue:
        u = queue.popleft()
        for _, v, fid in sorted(L.G.out_edges(u, keys=True), key=lambda e: e[2]):
            if v == system_id:
                continue
            new = _passed(L.declared[fid], reach[u])
            if not new[ANY]:
                continue
            if fid not in carrying.get(v, ()):
                carrying.setdefault(v, []).append(fid)
            rv = reach.setdefault(v, [0] * NFORMS)
            if any(new[k] & ~rv[k] for k in range(NFORMS)):
                for k in range(NFORMS):
                    rv[k] |= new[k]
                queue.append(v)
    carrying = {v: sorted(flows) for v, flows in carrying.items()}
    depth = {system_id: 0}
    frontier = [system_id]
    while frontier:
        nxt = sorted({v for v, flows in carrying.items() if v not in depth
                      and any(model.flows[f].source in frontier for f in flows)})
        for v in nxt:
            depth[v] = depth[frontier[0]] + 1
        frontier = nxt
    out = []
    for sid in sorted(carrying, key=lambda s: (depth[s], s)):
        masks = reach[sid]
        forms = {}
        for fid in L.fields_in(masks[ANY]):
            b = L.bit[fid]
            forms[fid] = FORMS[next(k for k in range(NFORMS) if masks[k] >> b & 1)]
        out.append({"system": sid, "organization": model.systems[sid].organization, "depth": depth[sid],
                    "via": [{"flow": f, "from": model.flows[f].source, "channel": model.flows[f].channel}
                            for f in carrying[sid] if depth[model.flows[f].source] == depth[sid] - 1],
                    "fields": forms})
    return out


def _passed(declared: list[int], copies: list[int]) -> list[int]:
    """Return the cumulative masks of the copies a flow passes on.

    Each field the flow declares in form k, if a copy is held at k or more identifiably.
    """
    passed, below, acc = [], 0, 0
    for k in range(NFORMS):
        acc |= declared[k] & ~below & copies[k]  # declared exactly at rank k, and a copy is there to send
        below = declared[k]
        passed.append(acc)
    return passed


def _notification(L: Lineage, imp: Impact) -> dict:
    """Whether Art. 33 and Art. 34 notification would likely be due, each with its reason."""
    model = L.model
    fields = imp.fields
    personal = [f for f in fields if FORM_RANK[f["form"]] <= IDENTIFIABLE]
    readable_direct = [f["field"] for f in fields if f["readable"] and f["identifier"] == "direct"]
    readable_quasi = [f["field"] for f in fields if f["readable"] and f["identifier"] == "quasi" and f["tier"] > 1]
    readable_coarse = [f["field"] for f in fields if f["readable"] and f["identifier"] == "quasi" and f["tier"] == 1]
    special = [f"{f['field']} ({f['special'].replace('art', 'Art. ')})" for f in personal if f["special"] != "none"]
    fragile = _fragile(imp.subjects)
    people = _people(imp)
    sev = imp.severity
    level = f"severity {sev['band']} (SE {sev['se']:g} = DPC {sev['dpc']:g} x EI {sev['ei']:g} + CB {sev['cb']:g})"
    unlikely = ": a breach is unlikely to result in a risk to people (Art. 33(1)); record it anyway (Art. 33(5))"

    if not fields:
        art33 = (False, "it holds no personal data" + unlikely)
    elif not personal:
        art33 = (False, "everything it holds is aggregated or anonymised" + unlikely)
    elif _nobody(imp):
        art33 = (False, "no identifiable person is concerned: the subjects whose data it holds number 0" + unlikely)
    elif sev["band"] == "low" and not special and not fragile:
        art33 = (False, f"{level}, no Art. 9/10 data and no vulnerable people or children" + unlikely)
    else:
        count = f"{len(personal)} field{'s' if len(personal) != 1 else ''}"
        why = [f"it holds personal data ({count} in a personal form) of {people}"]
        if sev["band"] != "low":
            why.append(level)
        if fragile:
            why.append(f"vulnerable people or children ({', '.join(fragile)})")
        if special:
            why.append(f"Art. 9/10 data ({', '.join(special)}): EDPB 9/2022 treats damage as likely")
        art33 = (True, "; ".join(why) + ": a risk cannot be ruled out, so notify the supervisory authority "
                                         "without undue delay and, where feasible, within 72 hours of becoming "
                                         "aware (Art. 33(1)), with what Art. 33(3) lists (nature, categories and "
                                         "numbers, DPO contact, likely consequences, measures)")

    unintelligible = not readable_direct and len(readable_quasi) + len(readable_coarse) / 2 < 2
    if not art33[0]:
        art34 = (False, "no notification to the authority is indicated, so none to the people either")
    elif sev["band"] not in ("high", "very high"):
        art34 = (False, f"{level}: a high risk is not indicated (Art. 34(1))")
    elif unintelligible:
        art34 = (False, _unintelligible(level, personal, readable_quasi))
    else:
        readable = readable_direct + readable_quasi + readable_coarse
        why = [f"{level}", f"identifying data readable ({', '.join(readable)})"]
        if fragile:
            why.append(f"vulnerable people or children ({', '.join(fragile)})")
        art34 = (True, "; ".join(why) + ": a high risk to people is likely, so tell them without undue "
                                        "delay, in clear and plain language, what Art. 33(3)(b) to (d) lists "
                                        "(Art. 34(1), (2)); a public communication replaces this only if "
                                        "telling each would take disproportionate effort (Art. 34(3)(c))")

    chain, controller = processor_chain(model, imp.system["organization"])
    controller = controller or chain[-1]  # a broken chain (PROC003): the last organization reached decides
    out = {"art33": {"likely": art33[0], "reason": art33[1]},
           "art34": {"likely": art34[0], "reason": art34[1]},
           "controller": controller, "processor_chain": chain}
    notes = []
    if len(chain) > 1:
        duty = ("Art. 33(2), passed down by its contract, Art. 28(4)"
                if model.organizations[chain[1]].role in PROCESSOR_ROLES else "Art. 33(2)")
        notes.append(f"{chain[0]} is not the controller: it tells {chain[1]} without undue delay "
                     f"({duty}); {controller} decides and notifies")
    security = model.systems[imp.system["id"]].security
    if personal and security and security.encryption_at_rest:
        notes.append("encryption at rest does not make the data unintelligible to someone using the "
                     "system's own accounts; it counts (Art. 34(3)(a)) only if storage media were taken "
                     "and the key stayed safe")
    out["notes"] = notes
    return out


def _unintelligible(level: str, personal: list[dict], readable_quasi: list[str]) -> str:
    """Why Art. 34(3)(a) spares telling the people although the band is high: what stays unreadable."""
    hidden = [f"{f['field']} {f['form']}" for f in personal if f["identifier"] == "direct"]
    coarse = [f["field"] for f in personal if f["readable"] and f["identifier"] == "quasi" and f["tier"] == 1]
    quasi = readable_quasi + coarse
    why = [f"no direct identifier is readable ({', '.join(hidden)})" if hidden else "no direct identifier is held",
           f"the readable quasi-identifiers ({', '.join(quasi)}) weigh less than two, a coarse one (tier 1) "
           "counting half: too few to single a person out" if quasi else "no quasi-identifier is readable"]
    readable = [f["field"] for f in personal if f["readable"]]
    kept = f"; still readable: {', '.join(readable)}" if readable else ""
    key = ("the pseudonymisation key stayed outside the breached system and "
           if any(f["form"] == "pseudonymised" for f in personal) else "")
    return (f"{level} is the harm if the data were read (ENISA judges unintelligibility after the score, "
            "not in it); but they would be unintelligible to whoever took them, who could not tell whom they "
            f"are about, so Art. 34(3)(a) spares telling the people: {'; '.join(why)}{kept}. This holds only "
            f"if {key}nothing else taken re-identifies them; otherwise tell them")


def _nobody(imp: Impact) -> bool:
    """Whether the subjects whose data the system holds are declared to number 0 people."""
    return not imp.people and not imp.people_unknown and any(s["identifiable"] for s in imp.subjects)


def _people(imp: Impact) -> str:
    """About N people, an unknown number, or nobody identifiable."""
    if _nobody(imp):
        return NOBODY
    if not imp.people and not imp.people_unknown:
        if any(FORM_RANK[f["form"]] <= IDENTIFIABLE for f in imp.fields):
            return "an unknown number of people (the model names no subject these fields were collected from)"
        return "no identifiable people"
    text = f"about {imp.people:,} people" if imp.people else "an unknown number of people"
    if imp.people and imp.people_unknown:
        text += f" plus {', '.join(imp.people_unknown)} (population unknown)"
    return text


def _wrap(items: list[str], indent: str, width: int = 100) -> list[str]:
    """Join `items` with commas into lines of at most `width`, never splitting an item.

    Examples
    --------
    >>> _wrap(["email raw", "full_name raw", "phone raw"], "  ", 30)
    ['  email raw, full_name raw,', '  phone raw']
    """
    lines, line = [], ""
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if line and len(indent) + len(line) + 1 + len(piece) > width:
            lines.append(indent + line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    if line:
        lines.append(indent + line)
    return lines


def as_dict(imp: Impact) -> dict:
    """Return the JSON shape of an impact (stable key order)."""
    return {
        "system": imp.system,
        "fields": imp.fields,
        "special": sorted({f["special"] for f in imp.fields} - {"none"}),
        "subjects": imp.subjects,
        "people": imp.people,
        "people_unknown": imp.people_unknown,
        "records": imp.records,
        "downstream": imp.downstream,
        "severity": imp.severity,
        "notification": imp.notification,
        "note": imp.note,
    }


def format_impact(imp: Impact, fmt: str = "text") -> str:
    """Return the impact as ``text`` or ``json``, ending with a newline."""
    if fmt == "json":
        return json.dumps(as_dict(imp), indent=2, ensure_ascii=False) + "\n"
    sysd = imp.system
    name = f" ({sysd['name']})" if sysd["name"] else ""
    where = f"{sysd['type']}, {sysd['exposure']} exposure, {sysd['country']}"
    lines = [f"impact of a confidentiality breach of {sysd['id']}{name}",
             f"  {where}; run by {sysd['organization']} ({sysd['role']})", ""]

    lines.append(f"fields held ({len(imp.fields)}):")
    if imp.fields:
        width = max(len(f["field"]) for f in imp.fields)
        form_width = max(len(f["form"]) for f in imp.fields)
        for f in imp.fields:
            flag = f"  {f['special'].replace('art', 'Art. ').upper()}" if f["special"] != "none" else ""
            ident = {"direct": ", direct identifier", "quasi": ", quasi-identifier"}.get(f["identifier"], "")
            lines.append(f"  {f['field']:<{width}}  {f['form']:<{form_width}}  "
                         f"{f['category']}, tier {f['tier']}{ident}{flag}")
    else:
        lines.append("  none")

    lines.append("data subjects:")
    for s in imp.subjects:
        traits = [t for t, on in (("vulnerable", s["vulnerable"]), ("children", s["children"])) if on]
        pop = f"{s['population']:,} people" if s["population"] is not None else "population unknown"
        state = "" if s["identifiable"] else ", only aggregated or anonymised data"
        lines.append(f"  {s['subject']}: {pop}{', ' if traits else ''}{', '.join(traits)}{state}")
    if not imp.subjects:
        lines.append("  none")
    rec = imp.records
    source = " (populations of the subjects it holds personal data of)" if imp.people else ""
    lines.append(f"people concerned: {_people(imp)}{source}")
    received = rec["received_per_year"]
    if not rec["inbound"]:
        lines.append("records received through inbound flows: none (no flow comes in)")
    else:
        if received is None:
            total = "unknown (no inbound flow declares its volume)"
        elif rec["unknown"]:
            total = f"at least {received:,} a year ({len(rec['unknown'])} of {len(rec['inbound'])} declare no volume)"
        else:
            total = f"about {received:,} a year"
        lines.append(f"records received through inbound flows: {total}; by flow volume:")
        lines.extend(_wrap([f"{f['flow']} {f['volume']:,}" if f["volume"] is not None else f"{f['flow']} ?"
                            for f in rec["inbound"]], "  "))
    if rec["collected_from"]:
        lines += [f"records collected here directly (from {', '.join(rec['collected_from'])}): not counted by the "
                  "model;", "  the people concerned above come from the subjects' populations"]

    lines.append("")
    if imp.downstream:
        lines += ["downstream: where this system's data also go, through its outbound flows (transitively).",
                  "  These copies are not exposed by this breach as such. They are what an attacker could",
                  "  reach next with the credentials this system uses for automated flows (api, sftp,",
                  "  shared_database, queue), and where the same people's data must be checked and contained:"]
        for d in imp.downstream:
            hops = f"{d['depth']} hop{'s' if d['depth'] > 1 else ''}"
            via = ", ".join(f"{v['flow']} from {v['from']} [{v['channel'] or 'channel ?'}]" for v in d["via"])
            lines.append(f"  {d['system']} ({d['organization']}, {hops}; via {via}):")
            lines.extend(_wrap([f"{f} {form}" for f, form in d["fields"].items()], "    "))
    else:
        lines.append("downstream: none (no outbound flow carries its data)")

    sev = imp.severity
    formula = f"SE = DPC {sev['dpc']:g} x EI {sev['ei']:g} + CB {sev['cb']:g} = {sev['se']:g}"
    lines += ["", f"severity (ENISA, confidentiality breach): {formula} -> {sev['band'].upper()}"]
    lines += [f"  {t['name']}: {t['value']:g} ({t['why']})" for t in sev["terms"]]

    n = imp.notification
    lines.append("")
    for key, label in (("art33", "Art. 33 notify the supervisory authority"), ("art34", "Art. 34 tell the people")):
        lines.append(f"{label}: {'LIKELY' if n[key]['likely'] else 'not likely'}")
        lines.append(f"  {n[key]['reason']}")
    lines.extend(f"note: {note}" for note in n["notes"])
    lines += ["", imp.note]
    return "\n".join(lines) + "\n"
