"""SARIF 2.1.0 output, as GitHub code scanning ingests it.

One run; ``tool.driver.rules`` lists every enabled rule (id, name, title,
rationale and documentation, help URI, default level, security severity and
tags). GitHub reads ``security-severity`` only from the rule, never from a
result, and gives it to every alert of the rule. A rule whose findings take
their own severity (MIN001, MIN002 and SEC001 by field tier, RISK001 and
RISK002 critical outside the controller) therefore has none: GitHub then
shows each alert by its own ``level`` (error for critical and high, warning
for medium, note below), which its default check fails on, like
``fail_on: high``; a fixed severity would mislabel the others. Each result
keeps its severity in ``properties.severity``. Each open finding is a result
located at its target's YAML definition, with a stable ``partialFingerprints``
entry derived from the finding's fingerprint (rule, target and fields: never
line numbers), so alerts survive edits. Findings about fields that travelled
through other systems carry ``codeFlows``: one thread flow per distinct path,
one location per hop.

Waived findings are left out by default, because GitHub would ingest them as
open alerts; ``include_waived=True`` emits them with an external suppression
that carries the waiver's reason.

References
----------
.. [1] OASIS, "Static Analysis Results Interchange Format (SARIF) Version 2.1.0", 2020.
.. [2] GitHub Docs, "SARIF support for code scanning" (required properties and limits).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from lineage import __version__
from lineage.findings import SEVERITY_RANK
from lineage.outputs import changed_line, located_message, on_disk, repo_path

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://lineage.dev"
RULES_URI = "https://lineage.dev/rules/"
FINGERPRINT_KEY = "lineage/v1"

#: SARIF ``level`` of each severity (GitHub shows error, warning and note).
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
#: GitHub's ``security-severity`` (a string, 0.1 to 10): over 9.0 critical, 7.0-8.9 high,
#: 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
#: Rule families by id prefix, used as a tag.
FAMILIES = {
    "LIN": "lineage",
    "MIN": "minimisation",
    "RISK": "risk",
    "PROC": "processors",
    "XFER": "transfers",
    "SEC": "security",
    "WAIV": "waivers",
}
#: GitHub rejects a run with more results than this; the most severe are kept.
MAX_RESULTS = 25_000
#: GitHub shows the first 1,000 thread-flow locations of a result (and rejects over 10,000).
MAX_FLOW_LOCATIONS = 1_000


def render(
    analysis,
    include_waived: bool = False,
    category: str | None = None,
    max_results: int = MAX_RESULTS,
) -> str:
    """Render `analysis` as a SARIF 2.1.0 log (JSON text).

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
    include_waived : bool
        Also emit waived findings, each with ``suppressions: [{kind: external,
        justification: reason}]``.
    category : str, optional
        ``automationDetails.id`` category; defaults to ``lineage/<model folder>``
        so that several model folders of one repository do not replace each
        other's alerts.
    max_results : int
        At most this many results; the most severe are kept and the run's
        ``properties.truncated`` says what was cut.

    Returns
    -------
    str
        Deterministic JSON text: the same analysis gives the same bytes.
    """
    return (
        json.dumps(
            document(analysis, include_waived, category, max_results), indent=2, ensure_ascii=False
        )
        + "\n"
    )


def document(
    analysis,
    include_waived: bool = False,
    category: str | None = None,
    max_results: int = MAX_RESULTS,
) -> dict:
    """Return the SARIF log as a dict; see :func:`render`."""
    findings = [f for f in analysis.findings if include_waived or not f.waived]
    kept, cut = _keep_most_severe(findings, max_results)
    rules = _rules(analysis, kept)
    index = {r["id"]: i for i, r in enumerate(rules)}
    flows = _FlowPaths(analysis)
    results = [_result(f, index[f.rule], analysis, flows) for f in kept]
    properties: dict = {"summary": analysis.summary, "failOn": analysis.ruleset.fail_on}
    if analysis.baselined is not None:
        properties["baseline"] = analysis.baselined
    if cut:
        properties["truncated"] = {
            "limit": max_results,
            "omitted": len(cut),
            "omittedBySeverity": _by_severity(cut),
            "note": f"{len(cut)} least severe results left out (at most {max_results} per run); "
            "see the JSON or text report for the full list",
        }
    run = {
        "tool": _tool(rules),
        "automationDetails": {"id": _category(category, analysis)},
        "invocations": [{"executionSuccessful": True}],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": properties,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_errors(errors) -> str:
    """Return a SARIF log with no results whose invocation failed, one notification per input error.

    ``upload-sarif`` accepts it, so a workflow that uploads with ``if: always()``
    does not fail a second time on a missing file.
    """
    notifications = []
    for e in errors:
        if not on_disk(e):  # a git revision or a missing folder: no artifact to point at
            notifications.append({"level": "error", "message": {"text": located_message(e)}})
            continue
        location: dict = {"artifactLocation": {"uri": artifact_uri(e.loc.file)}}
        if e.loc.line:
            location["region"] = {"startLine": e.loc.line, "startColumn": max(1, e.loc.column)}
        notifications.append({"level": "error", "message": {"text": e.message},
                              "locations": [{"physicalLocation": location}]})
    run = {
        "tool": _tool([]),
        "invocations": [{"executionSuccessful": False, "toolExecutionNotifications": notifications}],
        "results": [],
    }
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2,
                      ensure_ascii=False) + "\n"


def _tool(rules: list[dict]) -> dict:
    return {"driver": {"name": "lineage", "fullName": f"lineage {__version__}", "version": __version__,
                       "semanticVersion": __version__, "informationUri": INFORMATION_URI, "rules": rules}}


def help_uri(rule_id: str, ruleset=None) -> str:
    """Return the documentation URL of a rule: the page of the check it runs.

    A custom rule that reuses a built-in check points at that check's page,
    a declarative rule at the page of ``match``; pass `ruleset` to know which.

    Examples
    --------
    >>> help_uri("MIN001")
    'https://lineage.dev/rules/MIN001'
    """
    rule = ruleset.rules.get(rule_id) if ruleset is not None else None
    return RULES_URI + quote(rule.check if rule is not None else rule_id, safe="")


def _check_uri(rule) -> str:
    return RULES_URI + quote(rule.check, safe="")


def artifact_uri(file: str) -> str:
    r"""Return a finding's file as a SARIF artifact URI: relative, with forward slashes.

    Inside a git work tree the path is relative to its root, as code
    scanning resolves it, wherever lineage ran. Elsewhere a leading ``./`` is
    dropped and an absolute path under the current folder becomes relative;
    an absolute path outside it becomes a ``file://`` URI. Characters outside
    RFC 3986's unreserved set are percent-encoded.

    Examples
    --------
    >>> artifact_uri("./flows/systems/my crm.yaml")
    'flows/systems/my%20crm.yaml'
    >>> artifact_uri("flows\\flows.yaml")
    'flows/flows.yaml'
    """
    text = repo_path(file)
    if os.path.isabs(text) or text.startswith("/"):
        rel = os.path.relpath(file)
        if rel.startswith(".."):
            return Path(file).resolve().as_uri()
        text = rel.replace(os.sep, "/")
    while text.startswith("./"):
        text = text[2:]
    return quote(text, safe="/")


def rule_family(rule_id: str, check: str | None = None) -> str:
    """Return the family of a rule (``minimisation`` for MIN001), ``custom`` for match rules.

    Examples
    --------
    >>> rule_family("RISK002"), rule_family("ORG-1", "match")
    ('risk', 'custom')
    """
    if check == "match":
        return "custom"
    prefix = re.match(r"[A-Za-z]*", check or rule_id).group(0).upper()
    return FAMILIES.get(prefix, "custom")


def _keep_most_severe(findings, limit: int):
    """Split `findings` into the `limit` most severe (in report order) and the rest."""
    if len(findings) <= limit:
        return list(findings), []
    ranked = sorted(range(len(findings)), key=lambda i: -SEVERITY_RANK[findings[i].severity])
    keep = set(ranked[:limit])
    return (
        [f for i, f in enumerate(findings) if i in keep],
        [f for i, f in enumerate(findings) if i not in keep],
    )


def _by_severity(findings) -> dict[str, int]:
    counts = {}
    for s in sorted(SEVERITY_RANK, key=SEVERITY_RANK.get, reverse=True):
        n = sum(1 for f in findings if f.severity == s)
        if n:
            counts[s] = n
    return counts


def _category(category: str | None, analysis) -> str:
    """``automationDetails.id``: the category, ending in ``/`` (no run id).

    By default ``lineage/<model folder>``; a partial run (``--check``,
    ``--skip-check``) adds the rules it ran, so that its upload does not
    replace the whole model's alerts (GitHub closes the alerts of a category
    that a later upload of it no longer has).
    """
    if category is None:
        category = "lineage"
        files = [PurePosixPath(repo_path(f)) for f in analysis.model.files]
        if files:
            root = os.path.commonpath([str(p.parent) for p in files]).replace("\\", "/")
            root = re.sub(r"^(\.\./|\./|/)+", "", root + "/").strip("/")
            if root and root != ".":
                category = f"lineage/{root}"
        if analysis.ruleset.selected:
            ran = [rule.id for rule in analysis.ruleset.enabled()]
            category += "/rules-" + ("+".join(ran) if len(ran) <= 6 else
                                     hashlib.sha256(" ".join(ran).encode()).hexdigest()[:8])
    return category if category.endswith("/") else category + "/"


def _rules(analysis, findings) -> list[dict]:
    """Every enabled rule, by id, plus any rule a finding names that is not enabled."""
    ruleset = analysis.ruleset
    ids = {r.id for r in ruleset.enabled()} | {f.rule for f in findings}
    return [_descriptor(ruleset.rules.get(rule_id), rule_id) for rule_id in sorted(ids)]


def rule_help(rule) -> tuple[str, str]:
    """Return a rule's help as (plain text, Markdown): rationale, then its documentation."""
    doc = _doc(rule)
    uri = _check_uri(rule)
    text = "\n\n".join(p for p in (rule.rationale, doc, f"Documentation: {uri}") if p)
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", doc)), default=0))
    parts = [f"**{rule.id} {rule.name}**: {rule.title}"]
    if rule.rationale:
        parts.append(rule.rationale)
    if doc:
        parts.append(f"{fence}text\n{doc}\n{fence}")
    parts.append(f"[Documentation of {rule.check}]({uri})")
    return text, "\n\n".join(parts)


def _doc(rule) -> str:
    if rule.check == "match":
        return (
            f"Custom rule written in {rule.loc.file} (check: match): it reports every "
            f"{rule.params.get('target', 'target')} that its `where` and `holds`/`carries` "
            "conditions select. See the rule file for what it looks for."
        )
    return rule.doc


def _descriptor(rule, rule_id: str) -> dict:
    """Describe a rule; ``security-severity`` only when every finding of it has the rule's severity."""
    if rule is None:  # a finding from a rule outside the ruleset: describe what we know
        return {
            "id": rule_id,
            "name": rule_id.lower(),
            "shortDescription": {"text": rule_id},
            "fullDescription": {"text": rule_id},
            "help": {"text": rule_id, "markdown": rule_id},
            "helpUri": help_uri(rule_id),
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": _tags(rule_family(rule_id))},
        }
    text, markdown = rule_help(rule)
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale or rule.title},
        "help": {"text": text, "markdown": markdown},
        "helpUri": _check_uri(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": rule.enabled},
        "properties": {
            "tags": _tags(rule_family(rule.id, rule.check)),
            "precision": "high",
            **({} if rule.severity_varies else {"security-severity": SECURITY_SEVERITY[rule.severity]}),
            "severity": rule.severity,
        },
    }


def _tags(family: str) -> list[str]:
    """Return a rule's tags: ``security`` (GitHub's filter for security alerts), ``privacy``, ``gdpr``, its family."""
    return list(dict.fromkeys(["security", "privacy", "gdpr", family]))


def _location(loc, message: str | None = None) -> dict:
    out = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(loc.file)},
            "region": {"startLine": max(1, loc.line), "startColumn": max(1, loc.column)},
        }
    }
    if message is not None:
        out["message"] = {"text": message}
    return out


def line_hash(fingerprint: str) -> str:
    """Return a ``primaryLocationLineHash`` made from the semantic fingerprint, not from the line's text.

    Examples
    --------
    >>> line_hash("6471848bec75dcf76d4bfc820197ff4d")
    '6471848bec75dcf7:1'
    """
    return f"{fingerprint[:16]}:1"


def _result(finding, rule_index: int, analysis, flows) -> dict:
    item = changed_line(finding, analysis.model)
    result = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.target}: {finding.message}"},
        "locations": [_location(item or finding.loc)],
        "partialFingerprints": {
            FINGERPRINT_KEY: finding.fingerprint,
            "primaryLocationLineHash": line_hash(finding.fingerprint),
        },
        "properties": {
            "severity": finding.severity,
            "target": finding.target,
            "fields": list(finding.fields),
        },
    }
    related = _related(finding, analysis, inside=item is not None)
    if related:
        result["relatedLocations"] = related
    code_flows = flows.code_flows(finding)
    if code_flows:
        result["codeFlows"] = code_flows
    if finding.waived:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": finding.waiver_reason or "waived",
            }
        ]
    return result


def _related(finding, analysis, inside: bool) -> list[dict]:
    """Return the related locations: a flow's definition and purpose, or the organization running a system."""
    model = analysis.model
    kind, _, ident = finding.target.partition(":")
    out = []
    if inside:  # the result points inside the definition: the definition is related
        out.append((finding.loc, f"{kind} {ident}"))
    if kind == "flow" and ident in model.flows:
        purpose = model.flows[ident].purpose
        if purpose in model.purposes:
            out.append((model.purposes[purpose].loc, f"purpose {purpose}"))
    elif kind == "system" and ident in model.systems:
        org = model.systems[ident].organization
        if org in model.organizations:
            out.append((model.organizations[org].loc, f"organization {org}"))
    return [{"id": i, **_location(loc, text)} for i, (loc, text) in enumerate(out, 1)]


class _FlowPaths:
    """The paths by which a finding's fields reached its target, as SARIF ``codeFlows``."""

    def __init__(self, analysis):
        self.model = analysis.model
        self.L = analysis.lineage
        self._cache: dict[tuple[str, str], list[str]] = {}

    def _path(self, field: str, system: str) -> list[str]:
        key = (field, system)
        if key not in self._cache:
            from lineage.graph import path_to

            L = self.L
            self._cache[key] = path_to(L, field, system) if field in L.bit and system in L.held else []
        return self._cache[key]

    def _form(self, fid: str, field: str) -> str:
        return next((u.form for u in self.model.flows[fid].fields if u.field == field), "raw")

    def code_flows(self, finding) -> list[dict]:
        """One code flow per distinct path (fields grouped); empty when no field travelled."""
        kind, _, ident = finding.target.partition(":")
        groups: dict[tuple, list[str]] = {}
        for field in finding.fields:
            if kind == "system" and ident in self.model.systems:
                path = self._path(field, ident)
                if not path:
                    continue
            elif kind == "flow" and ident in self.model.flows:
                flow = self.model.flows[ident]
                if all(u.field != field for u in flow.fields):
                    continue
                path = [*self._path(field, flow.source), ident]
                if len(path) < 2:
                    continue
            else:
                continue
            hops = tuple((fid, self._form(fid, field)) for fid in path)
            groups.setdefault(hops, []).append(field)
        out, budget = [], MAX_FLOW_LOCATIONS
        for hops, fields in sorted(groups.items(), key=lambda g: (g[1], g[0])):
            locations = [self._hop(fid, form) for fid, form in hops]
            if kind == "system":
                system = self.model.systems[ident]
                locations.append(_location(system.loc, f"held by {ident}"))
            if len(locations) > budget:
                break
            budget -= len(locations)
            systems = [self.model.flows[hops[0][0]].source] + [
                self.model.flows[f].target for f, _ in hops
            ]
            out.append(
                {
                    "message": {
                        "text": f"{', '.join(fields)}: {' -> '.join(systems)} "
                        f"(flow{'s' if len(hops) > 1 else ''} {', '.join(f for f, _ in hops)})"
                    },
                    "threadFlows": [{"locations": [{"location": loc} for loc in locations]}],
                }
            )
        return out

    def _hop(self, fid: str, form: str) -> dict:
        flow = self.model.flows[fid]
        return _location(flow.loc, f"{flow.source} -> {flow.target} ({form}) [flow {fid}]")
