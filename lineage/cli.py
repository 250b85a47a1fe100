"""The ``lineage`` command line: parse arguments, call one stage, write, exit.

Only this module prints or exits. Exit codes: 0 done (or no finding at or
above ``fail_on``), 1 findings at or above it, 2 invalid input or misuse.
Heavy modules (networkx, rich, graphviz and the stages that use them) are
imported inside the commands that need them, so ``--version``, ``--help``
and ``validate`` start fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from lineage import __version__
from lineage.errors import InputErrors, OutputError, forget_inputs, write_output

COMMAND_ORDER = ("validate", "check", "render", "trace", "impact", "diff", "report", "ropa", "rules",
                 "import", "init", "schema")


class _Commands(TyperGroup):
    """List commands in the order a user meets them, not the order they are defined."""

    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: COMMAND_ORDER.index(n) if n in COMMAND_ORDER else len(COMMAND_ORDER))


app = typer.Typer(
    cls=_Commands,
    name="lineage",
    help="Personal-data flow lineage analyzer: what each system really holds, checked before merge.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
)

ModelArg = Annotated[Path, typer.Argument(help="Model folder (or file).", show_default=True)]
FormatText = Annotated[str, typer.Option("--format", "-f", help="text or json.")]
RulesOpt = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option("--rules", help="Rule folder, read instead of ./rules (repeatable).", show_default=False),
]
TodayOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--today", metavar="YYYY-MM-DD", show_default=False,
                 help="Judge waivers as of this date (default: today); pins a committed map or report."),
]


def _dash_is_stdout(output: Path | None) -> Path | None:
    """``-o -`` writes to stdout, as leaving -o out does (the usual convention)."""
    return None if output is not None and str(output) == "-" else output


# lineage check
CheckFormatOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--format", "-f", help="text, json, sarif, junit, markdown or github "
                 "(default: the -o suffix .json .sarif .xml .md, else settings, else text, "
                 "with GitHub annotations on stderr in a GitHub Actions job)."),
]
CheckOutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the report to FILE (- for stdout).", callback=_dash_is_stdout),
]
FailOnOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--fail-on", help="Lowest severity that exits 1 (default: settings, else high)."),
]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Show every term of every system's exposure score.")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Text: list only the findings that fail the check (the summary stays)."),
]
SoftFailOpt = Annotated[bool, typer.Option("--soft-fail", help="Exit 0 whatever is found (2 still means bad input).")]
OutputJsonOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output-json", help="Also write JSON to FILE."),
]
OutputSarifOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output-sarif", help="Also write SARIF to FILE."),
]
SarifCategoryOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--sarif-category", metavar="CATEGORY",
                 help="automationDetails.id of the SARIF report (default: lineage/<model folder>, "
                      "plus the rules run on a partial run)."),
]
OutputJunitOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output-junit", help="Also write JUnit XML to FILE."),
]
OutputMarkdownOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output-markdown", help="Also write Markdown to FILE."),
]
BaselineOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--baseline", help="Report only findings not in this baseline file."),
]
WriteBaselineOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--write-baseline", help="Write the current findings as a baseline file (exit code unchanged)."),
]
OnlyRulesOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--check", metavar="RULES",
                 help="Run only these rules: ids, names or globs (MIN*), comma-separated, repeatable."),
]
SkipRulesOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--skip-check", metavar="RULES",
                 help="Leave these rules out of this run: ids, names or globs, comma-separated, repeatable."),
]
DiffBaseOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--diff-base", help="Git revision: fail only on findings its merge-base with HEAD does not have."),
]

# lineage diff
BaseArg = Annotated[str, typer.Argument(metavar="BASE", help="Git revision (or folder) to compare from.")]
HeadArg = Annotated[
    Optional[str],  # noqa: UP045
    typer.Argument(metavar="[HEAD]", help="Git revision (or folder); default: the working tree.", show_default=False),
]
DiffModelOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--model", show_default=False,
        help="Model folder in each revision (default flows); with two folders, a sub-folder of each "
             "(default: the two folders themselves)."
    ),
]
DiffFormatOpt = Annotated[str, typer.Option("--format", "-f", help="text, json or markdown.")]
DiffOutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the diff to FILE (- for stdout).", callback=_dash_is_stdout),
]
DiffRenderOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--render", help="Also draw the diff as an SVG to FILE."),
]

# lineage ropa
RopaFormatOpt = Annotated[str, typer.Option("--format", "-f", help="markdown or csv.")]
ViewOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--view", help="controller (Art. 30(1)) or processor (Art. 30(2)); default both.", show_default=False
    ),
]
OrganizationOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--organization", help="Only the records of this organization id.", show_default=False),
]
FailOnMissingOpt = Annotated[
    bool,
    typer.Option("--fail-on-missing", help="Exit 1 when an item of the record is MISSING (a CI check of Art. 30)."),
]
RopaOutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the record to FILE (- for stdout).", callback=_dash_is_stdout),
]

# lineage report
HtmlOutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the HTML report to FILE, such as report.html (- for stdout).",
                 callback=_dash_is_stdout),
]

# lineage render
StaleCheckOpt = Annotated[
    bool,
    typer.Option("--check", help="Do not write: exit 1 when the file named by -o differs from a fresh render."),
]
MapOutputOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--output", "-o", help="Write the diagram to FILE; without it (or with -o -), svg, dot and "
                 "mermaid go to stdout.", callback=_dash_is_stdout),
]
MapFormatOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--format", "-f", help="svg, png, dot or mermaid (default: from the -o suffix, else svg)."),
]
FieldOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--field", help="Only the systems holding this field and the flows carrying it."),
]
SystemOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--system", help="Only this system's neighbourhood."),
]
DepthOpt = Annotated[int, typer.Option("--depth", min=0, help="Flows away from --system.")]
GroupOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--group", help="organization: one node per organization."),
]
MinSeverityOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--min-severity", help="Only systems and flows with findings at or above SEV, and the flows between them."
    ),
]

# lineage impact
RecipientsOpt = Annotated[
    str,
    typer.Option("--recipients", help="Who got the data: unknown (ENISA CB 0.5), known (0.25) or none (0)."),
]
MaliciousOpt = Annotated[
    bool,
    typer.Option("--malicious/--not-malicious", help="Malicious intent (ENISA CB + 0.5)."),
]


def _version(value: bool) -> None:
    if value:
        echo(f"lineage {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """Personal-data flow lineage analyzer."""
    forget_inputs()  # a new command: what an earlier one read (in the same process) may be written


def fail(errors: InputErrors, fmt: str = "text", output: Path | None = None,
         files: dict[str, Path] | None = None) -> None:
    """Report input errors (all of them) and exit 2.

    Text goes to stderr, JSON to stdout; ``check`` passes its `output` and
    report `files` too, so that every report CI asked for says why. Written
    to a file, the errors are also on stderr (:func:`_errors_as`).
    """
    from lineage import outputs, progress

    progress.clear()

    for extra_fmt, path in sorted((files or {}).items()):
        _write(outputs.render_errors(extra_fmt, errors.errors), path, _errors_as(fmt, output))
    if _errors_as(fmt, output) != "json":
        for error in errors.errors:
            echo(str(error), err=True)
    if fmt != "text" or output is not None:
        _write(outputs.render_errors(fmt, errors.errors), output, _errors_as(fmt, output))
    raise typer.Exit(2)


def _errors_as(fmt: str | None, output: Path | None) -> str:
    """How :func:`misuse` shows errors: ``json`` (stdout), ``text`` (stderr) or ``json+text``.

    JSON with a JSON report, text on stderr with another; when the JSON
    report goes to a file (``-o report.json``), text on stderr too, so that
    the user still sees why the run failed.
    """
    if fmt != "json":
        return "text"
    return "json" if output is None else "json+text"


def echo(message: str | bytes = "", **options) -> None:
    """``typer.echo``; text for a terminal or stderr is made printable (:func:`lineage.outputs.printable`).

    Stderr is read by people, in terminals and CI logs; stdout piped or
    redirected may be a report for a program, left as it is.
    """
    err = options.get("err", False)
    if isinstance(message, str) and (err or sys.stdout.isatty()):
        from lineage.outputs import printable

        message = printable(message)
    typer.echo(message, **options)


def misuse(message: str, fmt: str = "text") -> None:
    """Report a usage error and exit 2: as ``{"errors": [...]}`` on stdout, text on stderr, or both (`fmt`)."""
    from lineage import progress

    progress.clear()
    if fmt.startswith("json"):
        from lineage.errors import LineageError, Loc
        from lineage.outputs import render_errors

        echo(render_errors("json", [LineageError(Loc("", 0, 0), message)]), nl=False)
    if fmt != "json":
        echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _check_format(fmt: str, allowed) -> None:
    if fmt not in allowed:
        misuse(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")


@app.command()
def validate(model: ModelArg = Path("flows"), rules: RulesOpt = None, fmt: FormatText = "text") -> None:
    """Load and validate the model and the rule files; report every error with file:line:col."""
    from lineage.pipeline import load_inputs
    from lineage.progress import for_terminal

    _check_format(fmt, ("text", "json"))
    try:
        with for_terminal() as progress:
            m, ruleset = load_inputs(model, rules, progress)
    except InputErrors as exc:
        fail(exc, fmt)
    counts = {**_counts(m), "rules": len(ruleset.enabled())}
    if fmt == "json":
        echo(json.dumps({"errors": [], "counts": counts}, indent=2))
    else:
        echo(f"{model}: valid ({', '.join(f'{n} {k[:-1] if n == 1 else k}' for k, n in counts.items())})")


def _counts(m) -> dict[str, int]:
    return {
        "files": len(m.files), "fields": len(m.fields), "subjects": len(m.subjects),
        "purposes": len(m.purposes), "organizations": len(m.organizations),
        "systems": len(m.systems), "flows": len(m.flows), "waivers": len(m.waivers),
    }


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft-07) of model files."""
    from lineage.model.schema import json_schema

    echo(json.dumps(json_schema(), indent=2))


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder to scaffold in.")] = Path("."),
) -> None:
    """Scaffold flows/, rules/ and lineage.schema.json in an empty folder."""
    from lineage.scaffold import ScaffoldError, scaffold

    try:
        written = scaffold(folder)
    except ScaffoldError as exc:
        misuse(str(exc))
    for path in written:
        echo(f"wrote {path}")
    echo(f"next: lineage validate {folder / 'flows'}")


def _today(value: str | None):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        misuse(f"--today must be a date YYYY-MM-DD, not {value!r}")


def _severity(value: str | None, option: str, fmt: str = "text") -> str | None:
    from lineage.findings import SEVERITIES

    if value is not None and value.lower() not in SEVERITIES:
        misuse(f"{option} must be one of {', '.join(SEVERITIES)}, not {value!r}", fmt)
    return value.lower() if value else None


def _write(text: str | bytes, output: Path | None, fmt: str = "text") -> None:
    """Print `text`, or write it to `output`; a file that cannot be written is misuse (exit 2)."""
    if output is None:
        echo(text, nl=False)
        return
    try:
        write_output(output, text)
    except OutputError as exc:
        misuse(str(exc), fmt)


@app.command()
def check(
    model: ModelArg = Path("flows"),
    rules: RulesOpt = None,
    fmt: CheckFormatOpt = None,
    output: CheckOutputOpt = None,
    fail_on: FailOnOpt = None,
    soft_fail: SoftFailOpt = False,
    quiet: QuietOpt = False,
    explain: ExplainOpt = False,
    only: OnlyRulesOpt = None,
    skip: SkipRulesOpt = None,
    output_json: OutputJsonOpt = None,
    output_sarif: OutputSarifOpt = None,
    sarif_category: SarifCategoryOpt = None,
    output_junit: OutputJunitOpt = None,
    output_markdown: OutputMarkdownOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    diff_base: DiffBaseOpt = None,
    today: TodayOpt = None,
) -> None:
    """Validate, build the lineage graph, run the rules and report findings (exit 1 on failures)."""
    from lineage import outputs
    from lineage.findings import failing
    from lineage.outputs.text import summary_line
    from lineage.pipeline import analyse, load_inputs
    from lineage.progress import for_terminal

    if fmt is not None:
        _check_format(fmt, tuple(outputs.FORMATS))
    told = _report_format(output)
    if fmt is not None and told is not None and told != fmt:
        misuse(f"-o {output.as_posix()} names a {told} file but --format is {fmt}: make them agree",
               _errors_as(fmt, output))
    fmt = fmt or told
    shown = _errors_as(fmt, output)
    only, skip = _patterns(only, "--check", shown), _patterns(skip, "--skip-check", shown)
    fail_on = _severity(fail_on, "--fail-on", shown)
    if sarif_category is not None and not sarif_category.strip():
        misuse("--sarif-category is blank: name a category (such as lineage/eu), or leave the option out", shown)
    day = _today(today)
    given = {"json": output_json, "sarif": output_sarif, "junit": output_junit, "markdown": output_markdown}
    given = {fmt_: path for fmt_, path in given.items() if path is not None}
    _refuse_shared_files(_check_files(fmt, output, given, write_baseline), baseline, shown)
    try:
        with for_terminal() as progress:
            loaded, ruleset = load_inputs(model, rules, progress)
            unknown = ruleset.select(only, skip)
            if unknown:
                misuse("; ".join(unknown), _errors_as(fmt or ruleset.format, output))
            if ruleset.selected and write_baseline is not None:  # it would drop the other rules' entries
                misuse("--write-baseline writes the findings of every rule: leave out --check and --skip-check",
                       _errors_as(fmt or ruleset.format, output))
            analysis = analyse(loaded, ruleset, day, progress)
        annotate = fmt is None and analysis.ruleset.format is None and output is None and _on_github_actions()
        fmt = fmt or analysis.ruleset.format or "text"
        shown = _errors_as(fmt, output)
        if diff_base is not None:
            from lineage.diff import only_new_findings

            only_new_findings(analysis, diff_base, model, day)
        if baseline is not None:
            from lineage.baseline import apply_baseline

            apply_baseline(analysis, baseline)
    except InputErrors as exc:
        fail(exc, fmt or "text", output, given)
    if fail_on:
        analysis.ruleset.fail_on = fail_on
    _refuse_shared_files(_check_files(fmt, output, given, write_baseline, analysis.ruleset.outputs), baseline, shown)
    if write_baseline is not None:
        from lineage.baseline import baseline_text

        text, count = baseline_text(analysis)
        _write(text, write_baseline, shown)
        echo(f"wrote baseline {write_baseline}: {count} finding{'s' * (count != 1)}", err=True)
    extra_outputs = {fmt_: Path(path) for fmt_, path in analysis.ruleset.outputs.items()}
    extra_outputs.update(given)
    sarif_options = {"category": sarif_category}
    for extra_fmt, path in sorted(extra_outputs.items()):
        _write(outputs.render(extra_fmt, analysis, **(sarif_options if extra_fmt == "sarif" else {})), path, shown)
    blocking = failing(analysis.findings, analysis.ruleset.fail_on)
    options = {"text": {"explain": explain, "quiet": quiet}, "json": {"explain": explain},
               "sarif": sarif_options}.get(fmt, {})
    report = outputs.render(fmt, analysis, **options)
    if fmt == "text" and output is None:
        _echo_text(report)
        if annotate:  # on stderr, so that stdout stays the text format; GitHub reads both, hides these lines
            echo(outputs.render("github", analysis), nl=False, err=True)  # and annotates the pull request
    else:
        _write(report, output, shown)
    echo(summary_line(analysis, len(blocking)), err=True)
    raise typer.Exit(1 if blocking and not soft_fail else 0)


def _on_github_actions() -> bool:
    """Whether this runs in a GitHub Actions job, where the default text report comes with annotations."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _check_files(fmt: str | None, output: Path | None, given: dict[str, Path], write_baseline: Path | None,
                 settings: dict[str, str] | None = None) -> list[tuple[str, Path | None, str | None]]:
    """Return each file ``check`` writes: (the option asking for it, the file, its format), settings' included."""
    files = [("-o", output, fmt), ("--write-baseline", write_baseline, "baseline")]
    files += [(f"settings outputs.{kind}", Path(path), kind) for kind, path in (settings or {}).items()
              if kind not in given]
    return files + [(f"--output-{kind}", path, kind) for kind, path in given.items()]


def _refuse_shared_files(files: list[tuple[str, Path | None, str | None]], baseline: Path | None, fmt: str) -> None:
    """Refuse (misuse), before anything is written, two outputs on one file, or an output over the baseline read.

    `files` holds (option, file or None, format) of each output. Two
    outputs of one format on one file are the same report, written twice
    (``-f sarif -o x.sarif`` with ``outputs: {sarif: x.sarif}``); ``--write-baseline``
    alone may name the ``--baseline`` file, which it refreshes. Paths are
    compared resolved, so ``./r.json`` and ``r.json`` are one file.
    """
    seen: dict[Path, tuple[str, str | None]] = {}
    for option, path, kind in files:
        if path is None:
            continue
        if str(path) == "-":
            hint = "" if kind == "baseline" else f"; -f {kind} puts {kind} on stdout"
            misuse(f"{option} needs a file name, not '-': stdout carries the report{hint}", fmt)
        where = path.resolve()
        first, first_kind = seen.setdefault(where, (option, kind))
        if first_kind != kind:
            misuse(f"{first} and {option} both name {path.as_posix()}: give each output a file of its own", fmt)
        if baseline is not None and option != "--write-baseline" and where == baseline.resolve():
            misuse(f"cannot write {path.as_posix()} ({option}): it is an input of this run (the --baseline file); "
                   "choose another output file", fmt)


def _report_format(output: Path | None) -> str | None:
    """Return the report format an output file's suffix names (``-o lineage.sarif``), if it names one."""
    from lineage.outputs import FILE_SUFFIXES

    return FILE_SUFFIXES.get(output.suffix.lower()) if output is not None else None


def _patterns(values: list[str] | None, option: str, fmt: str | None) -> list[str]:
    """Split repeated, comma-separated option values into patterns; an empty one is misuse."""
    patterns = [p.strip() for value in values or () for p in value.split(",") if p.strip()]
    if values and not patterns:
        misuse(f"{option} needs rule ids, names or globs, not {','.join(values)!r}", fmt or "text")
    return patterns


def _echo_text(report: str) -> None:
    """Write the text report, coloured by severity on a terminal only (never with NO_COLOR set)."""
    import os

    colours = {"CRITICAL": "magenta", "HIGH": "red", "MEDIUM": "yellow", "LOW": "cyan", "INFO": "blue"}
    use_colour = False if os.environ.get("NO_COLOR") else None  # None: click decides by the terminal
    from lineage.outputs import printable

    terminal = sys.stdout.isatty()
    for line in report.splitlines():
        text = printable(line) if terminal else line
        parts = text.split(" ", 2)
        colour = colours.get(parts[1]) if len(parts) > 2 else None
        if colour and "[waived:" not in text:
            text = f"{parts[0]} {typer.style(parts[1], fg=colour, bold=True)} {parts[2]}"
        typer.echo(text, color=use_colour)  # made printable above: the colour codes are ours


@app.command()
def diff(
    base: BaseArg,
    head: HeadArg = None,
    model: DiffModelOpt = None,
    rules: RulesOpt = None,
    fmt: DiffFormatOpt = "text",
    output: DiffOutputOpt = None,
    render: DiffRenderOpt = None,
    today: TodayOpt = None,
) -> None:
    """Compare two git revisions (or two folders): flows, fields, holdings, findings, exposure."""
    from lineage import diff as differ
    from lineage.progress import for_terminal

    _check_format(fmt, tuple(differ.FORMATS))
    if render is not None and render.suffix.lower() != ".svg":
        misuse(f"--render draws an SVG: name the file .svg, not {render.as_posix()}")
    _refuse_shared_files([("-o", output, fmt), ("--render", render, "svg")], None, _errors_as(fmt, output))
    day = _today(today)
    try:
        with for_terminal() as progress:
            result = differ.compare(base, head, model, rules, day, progress)
    except InputErrors as exc:
        fail(exc, fmt, output)
    failed = None
    if render is not None:
        from lineage.render.diffmap import RenderError, render_svg

        notes: list[str] = []
        try:
            svg = render_svg(result, notes)
        except RenderError as exc:
            failed = str(exc)
        else:
            for note in notes:
                echo(f"note: {note}", err=True)
            _write(svg, render)
            echo(f"wrote {render}", err=True)
    _write(differ.render(result, fmt), output, _errors_as(fmt, output))
    if failed is not None:  # the diff itself is written all the same
        misuse(failed)


@app.command()
def ropa(
    model: ModelArg = Path("flows"),
    rules: RulesOpt = None,
    fmt: RopaFormatOpt = "markdown",
    view: ViewOpt = None,
    organization: OrganizationOpt = None,
    output: RopaOutputOpt = None,
    fail_on_missing: FailOnMissingOpt = False,
) -> None:
    """Write the record of processing (GDPR Art 30): controller and processor views, Markdown or CSV."""
    from lineage import ropa as art30
    from lineage.errors import unknown_id
    from lineage.pipeline import load_inputs

    _check_format(fmt, ("markdown", "csv"))
    if view is not None and view not in art30.VIEWS:
        misuse(f"--view must be one of {', '.join(art30.VIEWS)}, not {view!r}")
    try:
        m, _ = load_inputs(model, rules)  # the rules are not used, but like every command's they must be valid
    except InputErrors as exc:
        fail(exc)
    if organization is not None and organization not in m.organizations:
        fail(unknown_id("organization", organization, m.organizations, model))
    records = art30.records(m, view, organization)
    _write(art30.render(records, fmt), output)
    gaps = art30.count_gaps(records)
    if fail_on_missing and gaps:
        echo(f"{gaps} item{'s' * (gaps != 1)} of the record MISSING: add what each names to the model", err=True)
        raise typer.Exit(1)


@app.command()
def report(
    model: ModelArg = Path("flows"),
    rules: RulesOpt = None,
    output: HtmlOutputOpt = None,
    today: TodayOpt = None,
) -> None:
    """Write one self-contained HTML report: map, findings, systems and the Art. 30 record."""
    from lineage import report as html_report
    from lineage.load import display_path
    from lineage.pipeline import analyse_folder
    from lineage.progress import for_terminal

    day = _today(today)
    try:
        with for_terminal() as progress:
            analysis = analyse_folder(model, rules, day, progress)
    except InputErrors as exc:
        fail(exc)
    notes: list[str] = []
    page = html_report.render(analysis, display_path(model), notes)
    for note in notes:
        echo(f"note: {note}", err=True)
    _write(page, output)
    if output is not None:
        echo(f"wrote {output}", err=True)


@app.command()
def render(
    model: ModelArg = Path("flows"),
    output: MapOutputOpt = None,
    fmt: MapFormatOpt = None,
    field: FieldOpt = None,
    system: SystemOpt = None,
    depth: DepthOpt = 1,
    group: GroupOpt = None,
    min_severity: MinSeverityOpt = None,
    rules: RulesOpt = None,
    today: TodayOpt = None,
    check_only: StaleCheckOpt = False,
) -> None:
    """Draw the lineage map (SVG, PNG, DOT or Mermaid): whole, one field, one neighbourhood or by organization.

    Large maps (over 300 systems) are drawn one node per organization (and
    system type, with fewer than three organizations), with a note on stderr.
    SVG and PNG need Graphviz's `dot`; DOT and Mermaid do not. A PNG goes to
    stdout only when stdout is not a terminal.
    """
    import dataclasses

    from lineage.pipeline import analyse_folder
    from lineage.progress import for_terminal
    from lineage.render import dot as graphviz_dot
    from lineage.render.view import UnknownId, ViewError, select, source_links

    fmt = _map_format(fmt, output)
    min_severity = _severity(min_severity, "--min-severity")
    if depth != 1 and system is None:
        misuse("--depth goes with --system")
    if fmt in ("svg", "png") and graphviz_dot.dot_path() is None:
        misuse(f"Graphviz 'dot' was not found on the PATH, it is needed for --format {fmt}: "
               f"{graphviz_dot.INSTALL_HINT}")
    if fmt == "png" and output is None and sys.stdout.isatty():
        misuse("a PNG is binary: write it with -o FILE, or redirect stdout")
    if check_only and output is None:
        misuse("--check compares with the file named by -o")
    with for_terminal() as progress:
        try:
            analysis = analyse_folder(model, rules, _today(today), progress)
        except InputErrors as exc:
            fail(exc)
        try:
            view = select(analysis, field=field, system=system, depth=depth, group=group, min_severity=min_severity)
            # each element links to the line that declares it, relative to where the map is written
            view = dataclasses.replace(view, href=source_links(analysis.model, str(output.parent) if output else "."))
        except UnknownId as exc:
            fail(exc.input_errors(model))
        except ViewError as exc:
            misuse(str(exc))
        progress.step(f"drawing the map ({fmt})")
        if fmt == "mermaid":
            from lineage.render.mermaid import to_mermaid

            text = to_mermaid(view)
            if output is not None and output.suffix.lower() == ".md":
                text = f"```mermaid\n{text}```\n"
            data = text.encode("utf-8")
        else:
            try:
                data = graphviz_dot.render(view, fmt)
            except (graphviz_dot.GraphvizMissing, graphviz_dot.GraphvizFailed) as exc:
                misuse(str(exc))
    for note in view.notes:
        echo(f"note: {note}", err=True)
    if output is None:
        echo(data if fmt == "png" else data.decode("utf-8"), nl=False)
        return
    if check_only:
        _compare_map(output, data)
        return
    _write(data, output)
    echo(f"wrote {output}: {graphviz_dot.describe(view)}", err=True)


def _map_format(fmt: str | None, output: Path | None) -> str:
    """Return the map format: `fmt`, else told by the output's suffix; a suffix that says otherwise is misuse."""
    suffixes = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".md": "mermaid"}
    told = suffixes.get(output.suffix.lower()) if output is not None else None
    if fmt is not None:
        fmt = fmt.lower()
        _check_format(fmt, ("svg", "png", "dot", "mermaid"))
        if told is not None and told != fmt:
            misuse(f"-o {output.as_posix()} names a {told} file but --format is {fmt}: make them agree")
        return fmt
    if output is not None and told is None:
        misuse(f"cannot tell the format of {output.as_posix()} from its suffix: use .svg, .png, .dot, .gv, "
               ".mmd or .md, or give --format")
    return told or "svg"


def _compare_map(output: Path, data: bytes) -> None:
    """``render --check``: exit 0 when `output` holds `data`, 1 when missing or stale, 2 when unreadable."""
    if output.is_dir():
        misuse(f"cannot compare with {output.as_posix()}: it is a folder")
    if not output.exists():
        echo(f"{output} does not exist: render it without --check and commit it", err=True)
        raise typer.Exit(1)
    try:
        same = output.read_bytes() == data
    except OSError as exc:
        misuse(f"cannot read {output.as_posix()}: {exc.strerror or exc}")
    if not same:
        echo(f"{output} is stale: render it again without --check and commit it", err=True)
        raise typer.Exit(1)
    echo(f"{output} is up to date", err=True)


@app.command("trace")
def trace_command(
    field_id: Annotated[str, typer.Argument(metavar="FIELD", help="Field id, e.g. nationality.")],
    model: ModelArg = Path("flows"),
    rules: RulesOpt = None,
    fmt: FormatText = "text",
) -> None:
    """Every system holding FIELD, in which form, from where, and the paths it takes."""
    from lineage.trace import format_trace, trace_folder

    _check_format(fmt, ("text", "json"))
    try:
        result = trace_folder(model, field_id, rules)
    except InputErrors as exc:
        fail(exc, fmt)
    echo(format_trace(result, fmt), nl=False)


@app.command("impact")
def impact_command(
    system_id: Annotated[str, typer.Argument(metavar="SYSTEM", help="System id, e.g. trainer_crm.")],
    model: ModelArg = Path("flows"),
    rules: RulesOpt = None,
    fmt: FormatText = "text",
    recipients: RecipientsOpt = "unknown",
    malicious: MaliciousOpt = True,
) -> None:
    """Breach blast radius of SYSTEM: data, people, downstream systems, severity, Art. 33/34 (an estimate)."""
    from lineage.impact import RECIPIENTS, format_impact, impact_folder

    _check_format(fmt, ("text", "json"))
    if recipients not in RECIPIENTS:
        misuse(f"--recipients must be one of {', '.join(RECIPIENTS)}, not {recipients!r}")
    try:
        result = impact_folder(model, system_id, rules, recipients=recipients, malicious=malicious)
    except InputErrors as exc:
        fail(exc, fmt)
    echo(format_impact(result, fmt), nl=False)


import_app = typer.Typer(
    help="Convert a Fides or Threagile model to this format.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
ImportOutput = Annotated[
    str,  # not Path: an empty -o would become the current folder
    typer.Option("--output", "-o",
                 help="Folder to write the model files to; existing files are never overwritten."),
]
ImportCountry = Annotated[
    str,
    typer.Option("--country",
                 help="ISO 3166-1 alpha-2 code written, marked TODO, where the source names none."),
]


@import_app.command("fides")
def import_fides_cmd(
    path: Annotated[Path, typer.Argument(help="Fides manifest folder (or one manifest file).")],
    output: ImportOutput = "flows-imported",
    country: ImportCountry = "FR",
) -> None:
    """Convert a Fides manifest folder to model files.

    Datasets, systems and their privacy declarations, egress/ingress, the
    organization and taxonomy extensions become fields, purposes, subjects,
    organizations, systems and flows; TODO comments mark what Fides does not say.
    """
    from lineage.importers.fides import import_fides

    _run_import(import_fides, path, output, country=country)


@import_app.command("threagile")
def import_threagile_cmd(
    path: Annotated[Path, typer.Argument(help="Threagile model file (threagile.yaml).")],
    output: ImportOutput = "flows-imported",
    country: ImportCountry = "FR",
    orgs_from: Annotated[
        str,
        typer.Option("--orgs-from",
                     help="What makes an organization: owner (of each asset) or boundary."),
    ] = "owner",
) -> None:
    """Convert a Threagile model file to model files.

    Data assets become fields, technical assets systems, communication links
    flows, owners (or trust boundaries) organizations; TODO comments mark what
    Threagile does not say.
    """
    from lineage.importers.threagile import ORGANIZATIONS, import_threagile

    if orgs_from not in ORGANIZATIONS:
        misuse(f"--orgs-from must be one of {', '.join(ORGANIZATIONS)}, not {orgs_from!r}")
    _run_import(import_threagile, path, output, country=country, organizations=orgs_from)


def _run_import(convert, path: Path, folder: str, **options) -> None:
    """Convert, check the result validates, write it (never overwriting), say what was written."""
    from lineage.importers import OutputExists, check_output, display, write_files
    from lineage.model.places import COUNTRIES

    if not folder.strip():
        misuse("-o needs a folder to write the model files to (a new one: flows-imported, say)")
    output = Path(folder)
    if options["country"] not in COUNTRIES:
        misuse(f"--country must be an ISO 3166-1 alpha-2 code, not {options['country']!r}")
    try:
        files = convert(path, **options)
    except InputErrors as exc:
        fail(exc)
    try:
        check_output(files, output)
    except InputErrors as exc:
        for error in exc.errors:
            echo(str(error), err=True)
        misuse("the converted model does not validate, so nothing was written: this is a bug in "
               "`lineage import`; please report it with the source file")
    try:
        written = write_files(files, output)
    except OutputExists as exc:
        misuse(str(exc))
    for written_path in written:
        echo(f"wrote {display(written_path)}")
    echo(f"next: review the TODO comments, then run lineage validate {display(output)}")


rules_app = typer.Typer(help="The rule catalogue.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None,
    fmt: FormatText = "text",
) -> None:
    """List every rule of the merged pack: id, name, severity, title."""
    from lineage.model.types import plain
    from lineage.pipeline import load_ruleset

    _check_format(fmt, ("text", "json"))
    try:
        ruleset = load_ruleset(rules)
    except InputErrors as exc:
        fail(exc, fmt)
    items = sorted(ruleset.rules.values(), key=lambda r: r.id)
    if fmt == "json":
        doc = [{"id": r.id, "name": r.name, "severity": r.severity, "severity_note": _severity_note(r),
                "title": r.title, "check": r.check,
                "enabled": r.enabled, "rationale": r.rationale, "params": plain(r.params)} for r in items]
        echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for r in items:
        state = "" if r.enabled else "  (disabled)"
        note = _severity_note(r)
        echo(f"{r.id:<10} {r.severity:<9} {r.name:<32} {r.title}{state}{f' [{note}]' if note else ''}")


@rules_app.command("explain")
def rules_explain(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="Rule id or name, e.g. MIN001 or excess-field.")],
    rules: RulesOpt = None,
) -> None:
    """Show a rule's documentation: why, how to fix, params, examples."""
    from lineage.errors import did_you_mean
    from lineage.model.types import plain
    from lineage.pipeline import load_ruleset

    try:
        ruleset = load_ruleset(rules)
    except InputErrors as exc:
        fail(exc)
    by_name = {r.name: r for r in ruleset.rules.values()}
    rule = ruleset.rules.get(rule_id) or ruleset.rules.get(rule_id.upper()) or by_name.get(rule_id.lower())
    if rule is None:
        hint = did_you_mean(rule_id, [*ruleset.rules, *by_name])
        misuse(f"no rule {rule_id!r}{hint}; see `lineage rules list`")
    echo(f"{rule.id} {rule.name} ({rule.severity}{'' if rule.enabled else ', disabled'})")
    echo(rule.title)
    if rule.rationale:
        echo(f"\n{rule.rationale}")
    echo(f"\n{rule.doc}")
    if rule.params:
        echo("\nCurrent params:")
        echo(json.dumps(plain(rule.params), indent=2, ensure_ascii=False))


def _severity_note(rule) -> str:
    """How a rule's severity varies (``by field tier`` ...), unless an override fixed it."""
    return "" if rule.severity_fixed else getattr(rule.module, "SEVERITY_NOTE", "")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="lineage")


if __name__ == "__main__":
    sys.exit(main())
