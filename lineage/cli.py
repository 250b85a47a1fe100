"""The ``lineage`` command line: parse arguments, call one stage, write, exit.

Only this module prints or exits. Exit codes: 0 done (or no finding at or
above ``fail_on``), 1 findings at or above it, 2 invalid input or misuse.
Heavy modules (networkx, rich, graphviz and the stages that use them) are
imported inside the commands that need them, so ``--version``, ``--help``
and ``validate`` start fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from lineage import __version__
from lineage.errors import InputErrors

app = typer.Typer(
    name="lineage",
    help="Personal-data flow lineage analyzer: what each system really holds, checked before merge.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
)

ModelArg = Annotated[Path, typer.Argument(help="Model folder (or file).", show_default=True)]
FormatText = Annotated[str, typer.Option("--format", "-f", help="text or json.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lineage {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """Personal-data flow lineage analyzer."""


def fail(errors: InputErrors, fmt: str = "text") -> None:
    """Report input errors (all of them) and exit 2."""
    if fmt == "json":
        typer.echo(json.dumps({"errors": [e.as_dict() for e in errors.errors]}, indent=2))
    else:
        for error in errors.errors:
            typer.echo(str(error), err=True)
    raise typer.Exit(2)


def misuse(message: str) -> None:
    """Report a usage error and exit 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _check_format(fmt: str, allowed) -> None:
    if fmt not in allowed:
        misuse(f"--format must be one of {', '.join(allowed)}, not '{fmt}'")


@app.command()
def validate(model: ModelArg = Path("flows"), fmt: FormatText = "text") -> None:
    """Load and validate the model; report every error with file:line:col."""
    from lineage.model import load_model

    _check_format(fmt, ("text", "json"))
    try:
        m = load_model(model)
    except InputErrors as exc:
        fail(exc, fmt)
    if fmt == "json":
        typer.echo(json.dumps({"errors": [], "counts": _counts(m)}, indent=2))
    else:
        counts = ", ".join(f"{n} {k}" for k, n in _counts(m).items())
        typer.echo(f"{model}: valid ({counts})")


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

    typer.echo(json.dumps(json_schema(), indent=2))


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
        typer.echo(f"wrote {path}")
    typer.echo(f"next: lineage validate {folder / 'flows'}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="lineage")


if __name__ == "__main__":
    sys.exit(main())
