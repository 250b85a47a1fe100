"""What a diagram shows: the systems and flows of a view, and what is known of each.

:func:`select` turns an :class:`~lineage.pipeline.Analysis` and the options of
``lineage render`` into a :class:`Map`; :mod:`lineage.render.dot` and
:mod:`lineage.render.mermaid` only draw it, so both formats show the same
thing.

Views
-----
overview
    Every system and flow. Above :data:`AUTO_COLLAPSE` systems (or
    :data:`AUTO_COLLAPSE_FLOWS` flows) it is drawn collapsed, with a note.
field (``--field ID``)
    The systems that hold the field and the flows that carry it, with the form
    of the field on every hop and in every holder.
system (``--system ID --depth N``)
    The systems within N flows of one system, either direction
    (:func:`lineage.graph.neighbourhood`), and every flow between them.
findings (``--min-severity SEV``)
    Filters any of the above: the systems and flows with a non-waived finding
    at or above SEV (a finding on an organization counts for each of its
    systems), the systems at both ends of those flows, and every other flow
    of the view between the systems kept, as context.
collapsed (``--group organization``)
    One node per organization of the view; one edge per pair of
    organizations, summarising the flows (count, fields, most identifying
    form, worst finding). A view of fewer than :data:`MIN_ORGANIZATIONS`
    organizations (a single controller's systems, say) would be a node or two:
    it is drawn one node per organization and system type instead, with a note.

Each system carries its RISK001 exposure score and band; each system, flow and
organization the worst severity of its non-waived findings. A map may link
each of them somewhere (:attr:`Map.href`): to the line that declares it
(:func:`source_links`, for a map written to a file) or to a section of the
HTML report.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as _field
from functools import cached_property

from lineage.errors import InputErrors, LineageError, Loc
from lineage.findings import SEVERITY_RANK, Finding
from lineage.model.entities import FORM_RANK, FORMS

#: Above this many systems, the overview (and any view this large) is drawn
#: collapsed, one node per organization: Debian's dot 2.43 lays out 300
#: clustered nodes with labelled edges in about a second, 500 in 10 s
#: (benchmarks/render.py, shared/domain/perf-baselines.md section 3).
AUTO_COLLAPSE = 300
#: The same switch by flows (labelled edges cost most).
AUTO_COLLAPSE_FLOWS = 900
#: Above this many systems or organizations drawn, edge labels are counts only.
SHORT_LABELS = 120
#: An edge lists its fields when it carries at most this many; else "N fields".
LABEL_FIELDS = 4
#: A collapsed view of fewer organizations than this draws one node per
#: organization and system type: one node with a loop tells nothing, two little.
MIN_ORGANIZATIONS = 3

BANDS = ("none", "low", "medium", "high", "very high")
VIEWS = ("overview", "field", "system", "findings")
GROUPS = ("organization",)


class ViewError(ValueError):
    """A view that cannot be drawn: an unknown id, a bad option."""


class UnknownId(ViewError):
    """A ``--field`` or ``--system`` the model does not declare: bad input, like ``trace``'s and ``impact``'s."""

    def input_errors(self, where) -> InputErrors:
        """Return the error as ``trace`` and ``impact`` report it: at the model folder `where`."""
        return InputErrors([LineageError(Loc(str(where), 0, 0), str(self))])


@dataclass(frozen=True)
class Link:
    """Flows between two nodes of the collapsed view (:meth:`Map.group`), summarised."""

    source: str
    target: str
    flows: tuple[str, ...]
    fields: tuple[str, ...]
    form: str | None  # most identifying form carried, None when no field
    worst: str | None  # worst non-waived finding among the flows


@dataclass
class Map:
    """A view of an analysis, ready to draw; see the module docstring."""

    analysis: object
    kind: str
    systems: list[str]
    flows: list[str]
    collapsed: bool = False
    by_type: bool = False  # collapsed: one node per organization and system type
    field: str | None = None
    focus: str | None = None
    depth: int | None = None
    min_severity: str | None = None
    notes: list[str] = _field(default_factory=list)
    scores: dict = _field(default_factory=dict)  # system id -> risk001 Score
    threshold: float = 4.5
    findings: dict[str, list[Finding]] = _field(
        default_factory=dict
    )  # target -> findings, worst first
    href: Callable[[str, str], str | None] | None = None  # (system|flow|organization, id) -> link, or None

    @property
    def model(self):
        """The model drawn."""
        return self.analysis.model

    @property
    def lineage(self):
        """The lineage graph of the model."""
        return self.analysis.lineage

    @property
    def organizations(self) -> list[str]:
        """The organizations of the systems drawn, sorted."""
        return sorted({self.model.systems[s].organization for s in self.systems})

    def worst(self, target: str) -> str | None:
        """Return the worst severity of the non-waived findings on `target` (``kind:id``)."""
        for f in self.findings.get(target, ()):
            if not f.waived:
                return f.severity
        return None

    def score(self, system: str) -> float:
        """Return the exposure score of a system (0 when RISK001 is unknown)."""
        s = self.scores.get(system)
        return s.total if s else 0.0

    def band(self, system: str) -> str:
        """Return the score band of a system: none, low, medium, high or very high."""
        return band(self.score(system), self.threshold)

    def flow_form(self, flow_id: str) -> str | None:
        """Return the form a flow is drawn in.

        In the field view, the form of that field; else the most identifying form carried.
        """
        uses = self.model.flows[flow_id].fields
        if self.field:
            uses = [u for u in uses if u.field == self.field] or uses
        return most_identifying(u.form for u in uses)

    def group(self, system: str) -> str:
        """Return the collapsed-view node of a system drawn: its organization, or ``<organization>/<type>``."""
        return self._groups[system]

    @cached_property
    def _groups(self) -> dict[str, str]:
        systems = self.model.systems
        if self.by_type:
            return {s: f"{systems[s].organization}/{systems[s].type}" for s in self.systems}
        return {s: systems[s].organization for s in self.systems}

    @cached_property
    def members(self) -> dict[str, list[str]]:
        """Each node of the collapsed view (:meth:`group`), sorted, with its systems drawn."""
        out: dict[str, list[str]] = {}
        for s, group in self._groups.items():
            out.setdefault(group, []).append(s)
        return dict(sorted(out.items()))

    def group_worst(self, group: str) -> str | None:
        """Worst finding of a node of the collapsed view: its organization's, its systems'."""
        org = group.split("/")[0]
        return worst_of([self.worst(f"organization:{org}"), *(self.worst(f"system:{s}") for s in self.members[group])])

    def org_worst(self, org: str) -> str | None:
        """Worst finding of an organization and of its systems drawn."""
        if not self.by_type:
            return self.group_worst(org)
        return worst_of(self.group_worst(g) for g in self.members if g.split("/")[0] == org)

    def links(self) -> list[Link]:
        """Return the flows drawn, summarised per pair of nodes of the collapsed view, sorted."""
        return self._links

    @cached_property
    def _links(self) -> list[Link]:
        model, group = self.model, self._groups
        groups: dict[tuple[str, str], list[str]] = {}
        for fid in self.flows:
            flow = model.flows[fid]
            groups.setdefault((group[flow.source], group[flow.target]), []).append(fid)
        out = []
        for (src, dst), fids in sorted(groups.items()):
            uses = [u for fid in fids for u in model.flows[fid].fields]
            out.append(
                Link(
                    src,
                    dst,
                    tuple(fids),
                    tuple(sorted({u.field for u in uses})),
                    most_identifying(u.form for u in uses),
                    worst_of(self.worst(f"flow:{fid}") for fid in fids),
                )
            )
        return out


def band(score: float, threshold: float) -> str:
    """Return the band of an exposure score relative to RISK001's threshold.

    ``very high`` from the threshold (RISK001 fires), ``high`` from two thirds
    of it, ``medium`` from a third, ``low`` below, ``none`` without personal data.

    Examples
    --------
    >>> [band(s, 4.5) for s in (0, 1, 2, 3.5, 4.5)]
    ['none', 'low', 'medium', 'high', 'very high']
    """
    if score <= 0:
        return "none"
    if score >= threshold:
        return "very high"
    if score >= threshold * 2 / 3:
        return "high"
    if score >= threshold / 3:
        return "medium"
    return "low"


def band_limits(threshold: float) -> dict[str, str]:
    """Return the score range of each band, for legends.

    Examples
    --------
    >>> band_limits(4.5)["high"], band_limits(4.5)["very high"]
    ('3 to 4.5', '4.5 or more')
    """
    third, two = round(threshold / 3, 2), round(threshold * 2 / 3, 2)
    return {
        "very high": f"{threshold:g} or more",
        "high": f"{two:g} to {threshold:g}",
        "medium": f"{third:g} to {two:g}",
        "low": f"below {third:g}",
        "none": "no personal data",
    }


def most_identifying(forms) -> str | None:
    """Return the most identifying of `forms`, or None when there is none.

    Examples
    --------
    >>> most_identifying(["aggregated", "pseudonymised"]), most_identifying([])
    ('pseudonymised', None)
    """
    ranks = [FORM_RANK[f] for f in forms]
    return FORMS[min(ranks)] if ranks else None


def worst_of(severities) -> str | None:
    """Return the worst of `severities`, ignoring None.

    Examples
    --------
    >>> worst_of([None, "low", "high", "medium"]), worst_of([None])
    ('high', None)
    """
    present = [s for s in severities if s]
    return max(present, key=SEVERITY_RANK.__getitem__) if present else None


def select(
    analysis,
    field: str | None = None,
    system: str | None = None,
    depth: int = 1,
    group: str | None = None,
    min_severity: str | None = None,
    max_systems: int = AUTO_COLLAPSE,
    max_flows: int = AUTO_COLLAPSE_FLOWS,
) -> Map:
    """Return the :class:`Map` of a view of `analysis`.

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
    field : str, optional
        Show one field's holders and paths.
    system : str, optional
        Show the neighbourhood of one system (not with `field`).
    depth : int
        Flows away from `system` (default 1).
    group : str, optional
        ``"organization"``: the collapsed view.
    min_severity : str, optional
        Keep only what has findings at or above it, and what connects them.
    max_systems, max_flows : int
        Above either, a system-level view is drawn collapsed and a note says so.

    Raises
    ------
    ViewError
        For an unknown field, system or group, or conflicting options; the
        message has a "did you mean" hint.
    """
    _check_options(field, system, group, min_severity, depth)
    findings: dict[str, list[Finding]] = {}
    for f in analysis.findings:
        findings.setdefault(f.target, []).append(f)
    for items in findings.values():
        items.sort(key=lambda f: (f.waived, -SEVERITY_RANK[f.severity], f.rule, f.fields))
    kind, systems, flows = _scope(analysis, field, system, depth)

    m = Map(
        analysis,
        kind,
        [],
        [],
        field=field,
        focus=system,
        depth=depth if system else None,
        min_severity=min_severity,
        findings=findings,
    )
    if min_severity is not None:
        systems, flows = _at_least(m, systems, flows, min_severity)
        if kind == "overview":
            m.kind = "findings"
    m.systems, m.flows = sorted(systems), sorted(flows)

    from lineage.outputs import exposure_scores

    rule, m.scores = exposure_scores(analysis, m.systems)
    if rule is not None:
        m.threshold = float(rule.params["threshold"])

    if group is None and (len(m.systems) > max_systems or len(m.flows) > max_flows):
        what = (
            f"{len(m.systems)} systems" if len(m.systems) > max_systems else f"{len(m.flows)} flows"
        )
        m.notes.append(
            f"{what} are more than a readable, quick map holds (limits: {max_systems} systems, "
            f"{max_flows} flows): drawing one node per organization instead; use --field, --system "
            f"or --min-severity for a detailed view of a part"
        )
        group = "organization"
    if not m.systems:
        m.notes.append("nothing to draw: the view holds no system")
    return collapse(m) if group == "organization" else m


def _check_options(field, system, group, min_severity, depth) -> None:
    """Raise :class:`ViewError` for options that contradict each other or name no choice."""
    from lineage.errors import did_you_mean
    from lineage.findings import SEVERITIES

    if field is not None and system is not None:
        raise ViewError(
            "--field and --system cannot be combined: "
            "draw one field's paths or one system's neighbourhood"
        )
    if group is not None and group not in GROUPS:
        raise ViewError(
            f"--group must be one of {', '.join(GROUPS)}, "
            f"not '{group}'{did_you_mean(group, GROUPS)}"
        )
    if min_severity is not None and min_severity not in SEVERITIES:
        raise ViewError(
            f"--min-severity must be one of {', '.join(SEVERITIES)}, not '{min_severity}'"
        )
    if depth < 0:
        raise ViewError(f"--depth must be 0 or more, not {depth}")


def _scope(analysis, field, system, depth) -> tuple[str, set[str], set[str]]:
    """Return the view's kind and the systems and flows it shows: all, one field's, or a neighbourhood."""
    model, L = analysis.model, analysis.lineage
    if field is not None:
        if field not in model.fields:
            raise UnknownId(f"no field {field!r} in the model{_hint(field, model.fields)}")
        from lineage.graph import holders

        flows = {fid for fid, flow in model.flows.items() if any(u.field == field for u in flow.fields)}
        systems = set(holders(L, field))
        systems |= {model.flows[fid].source for fid in flows} | {model.flows[fid].target for fid in flows}
        return "field", systems, flows
    if system is not None:
        if system not in model.systems:
            raise UnknownId(f"no system {system!r} in the model{_hint(system, model.systems)}")
        from lineage.graph import neighbourhood

        systems = neighbourhood(L, system, depth)
        flows = {fid for fid, flow in model.flows.items() if flow.source in systems and flow.target in systems}
        return "system", systems, flows
    return "overview", set(model.systems), set(model.flows)


def split_by_type(organizations: int, groups: int) -> bool:
    """Whether a collapsed view of `organizations` is drawn per organization and system type (`groups` nodes).

    Examples
    --------
    >>> split_by_type(1, 4), split_by_type(1, 1), split_by_type(5, 12)
    (True, False, False)
    """
    return organizations < MIN_ORGANIZATIONS and groups > organizations


def collapse(m: Map) -> Map:
    """Return `m` drawn collapsed: one node per organization, or per organization and system type.

    The second when the view holds fewer than :data:`MIN_ORGANIZATIONS`
    organizations and splitting them by type gives more nodes; a note in
    ``m.notes`` (shared with the result) says so.
    """
    import dataclasses

    orgs = m.organizations
    types = {(m.model.systems[s].organization, m.model.systems[s].type) for s in m.systems}
    by_type = split_by_type(len(orgs), len(types))
    if by_type:
        m.notes.append(
            f"one node per organization would give {len(orgs)} node{'' if len(orgs) == 1 else 's'}: "
            f"drawing one node per organization and system type instead ({len(types)} nodes)"
        )
    return dataclasses.replace(m, collapsed=True, by_type=by_type)


def _hint(word: str, ids) -> str:
    """Return a "did you mean" hint: the closest id, else up to three ids containing `word`.

    Examples
    --------
    >>> _hint("crm", ["trainer_crm", "cir_platform"]), _hint("cir_platfrom", ["cir_platform"])
    (" (did you mean 'trainer_crm'?)", " (did you mean 'cir_platform'?)")
    """
    from lineage.errors import did_you_mean

    close = did_you_mean(word, ids)
    if close:
        return close
    containing = sorted(i for i in ids if len(word) >= 3 and word.lower() in i)[:3]
    return f" (did you mean {' or '.join(repr(i) for i in containing)}?)" if containing else ""


def _at_least(m: Map, systems: set[str], flows: set[str], threshold: str):
    """Systems and flows with findings at or above `threshold`, their ends, the flows between."""
    rank = SEVERITY_RANK[threshold]
    model = m.model

    def hot(target: str) -> bool:
        sev = m.worst(target)
        return sev is not None and SEVERITY_RANK[sev] >= rank

    hot_flows = {fid for fid in flows if hot(f"flow:{fid}")}
    kept = {
        s
        for s in systems
        if hot(f"system:{s}") or hot(f"organization:{model.systems[s].organization}")
    }
    for fid in hot_flows:
        kept |= {model.flows[fid].source, model.flows[fid].target}
    kept_flows = {
        fid
        for fid in flows
        if fid in hot_flows or (model.flows[fid].source in kept and model.flows[fid].target in kept)
    }
    return kept, kept_flows


def source_links(model, folder: str) -> Callable[[str, str], str]:
    """Return an :attr:`Map.href` linking each system, flow and organization to the line that declares it.

    Links are relative to `folder`, where the drawing is written, and end in
    ``#L<line>``, as code hosts show a line of a file.

    Examples
    --------
    >>> from lineage.model import load_model
    >>> href = source_links(load_model("flows"), "docs")
    >>> href("system", "trainer_crm"), href("flow", "cir-to-stats")
    ('../flows/systems/trainer.yaml#L7', '../flows/flows.yaml#L115')
    """
    entities = {"system": model.systems, "flow": model.flows, "organization": model.organizations}

    def href(kind: str, ident: str) -> str:
        loc = entities[kind][ident].loc
        path = os.path.relpath(loc.file, folder).replace(os.sep, "/")
        return f"{urllib.parse.quote(path)}#L{loc.line}"

    return href
