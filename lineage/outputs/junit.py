"""JUnit XML output in Checkov's layout, for GitLab, Jenkins and Azure DevOps test reports.

``testsuites`` > one ``testsuite`` per model file > one ``testcase`` per
finding, named ``[SEVERITY][RULE] name target fields``, with ``classname``
and ``file`` set to the file (relative to the repository root, as in SARIF,
so that CI test reports find it) and ``line`` to the target's line. An open
finding is a ``<failure>`` (message, then a body with file:line:col, the rule
and its documentation URL); a waived one is ``<skipped>`` with the waiver's
reason. Each enabled rule that found nothing is one passing testcase in a
last suite, ``lineage rules``, so a report shows what was checked, not only
what failed (Checkov lists its passed checks the same way).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lineage.outputs import on_disk, repo_path
from lineage.outputs.sarif import help_uri

SUITE_OF_PASSES = "lineage rules"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(analysis, passed: bool = True) -> str:
    """Render `analysis` as JUnit XML.

    Parameters
    ----------
    analysis : lineage.pipeline.Analysis
    passed : bool
        Add one passing testcase per enabled rule that produced no finding.

    Returns
    -------
    str
        An XML document; counts on ``testsuites`` and each ``testsuite``
        (``tests``, ``failures``, ``skipped``, ``errors``) match its testcases.
    """
    root = ET.Element("testsuites", name="lineage")
    by_file: dict[str, list] = {}
    for f in analysis.findings:
        by_file.setdefault(repo_path(f.loc.file), []).append(f)
    for file in sorted(by_file):
        suite = ET.SubElement(root, "testsuite", name=_clean(file))
        for f in by_file[file]:
            _testcase(suite, file, f, analysis.ruleset)
        _count(suite)
    if passed:
        found = {f.rule for f in analysis.findings}
        quiet = [r for r in analysis.ruleset.enabled() if r.id not in found]
        if quiet:
            suite = ET.SubElement(root, "testsuite", name=SUITE_OF_PASSES)
            for rule in quiet:
                ET.SubElement(
                    suite,
                    "testcase",
                    classname=SUITE_OF_PASSES,
                    name=_clean(f"[{rule.severity.upper()}][{rule.id}] {rule.name}"),
                )
            _count(suite)
    _count(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_errors(errors) -> str:
    """Return a ``lineage input`` suite with one ``<error>`` testcase per input error."""
    root = ET.Element("testsuites", name="lineage")
    suite = ET.SubElement(root, "testsuite", name="lineage input")
    for e in errors:
        if on_disk(e):
            file = _clean(repo_path(e.loc.file))
            case = ET.SubElement(suite, "testcase", classname=file, name=_clean(str(e.loc)), file=file,
                                 line=str(e.loc.line))
        else:  # a git revision or a missing folder: no file to name
            case = ET.SubElement(suite, "testcase", classname="lineage input", name=_clean(str(e.loc)))
        ET.SubElement(case, "error", type="invalid-input", message=_clean(e.message)).text = _clean(str(e))
    _count(suite)
    _count(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def testcase_name(finding) -> str:
    """E.g. ``[HIGH][MIN001] excess-field flow:cir-to-trainer nationality``."""
    name = f"[{finding.severity.upper()}][{finding.rule}] {finding.name} {finding.target}"
    return f"{name} {', '.join(finding.fields)}" if finding.fields else name


def _testcase(suite, file: str, finding, ruleset) -> None:
    file = _clean(file)
    case = ET.SubElement(
        suite,
        "testcase",
        classname=file,
        name=_clean(testcase_name(finding)),
        file=file,
        line=str(finding.loc.line),
    )
    rule = ruleset.rules.get(finding.rule)
    title = f" ({rule.title})" if rule is not None else ""
    if finding.waived:
        waiver = finding.waiver
        approved = f", approved by {waiver.approved_by}" if waiver.approved_by else ""
        ET.SubElement(case, "skipped",
                      message=_clean(f"waived until {waiver.expires.isoformat()}{approved}: {waiver.reason}"))
        return
    failure = ET.SubElement(case, "failure", type=finding.rule, message=_clean(finding.message))
    failure.text = _clean(
        "\n".join(
            [
                f"{finding.loc}: {finding.severity.upper()} {finding.rule} {finding.name}{title}",
                f"Target: {finding.target}",
                f"Fields: {', '.join(finding.fields) or '-'}",
                finding.message,
                f"Guideline: {help_uri(finding.rule, ruleset)}",
            ]
        )
    )


def _count(element) -> None:
    """Set tests, failures, errors and skipped from the testcases below `element`."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold, even escaped (ElementTree escapes the rest)."""
    return _INVALID_XML.sub("", text)
