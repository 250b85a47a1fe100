"""Shared test helpers: run the CLI, write models, build graphs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lineage.cli import app
from lineage.graph import build
from lineage.model import model_from_text

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:  # shown by pytest when an assertion on the result fails
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """Run ``lineage ARGS`` in-process; exceptions are not swallowed."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return Result(result.exit_code, result.stdout, result.stderr)


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write dedented texts under `root`; return `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def git_commit_all(root: Path, message: str = "model") -> Path:
    """Make `root` a git repository (if it is not one) and commit everything in it."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    git = shutil.which("git")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message]):
        subprocess.run([git, *args], cwd=root, env=env, check=True, capture_output=True)
    return root


def lineage_of(text: str):
    """Validate a one-file model and build its lineage graph."""
    return build(model_from_text(textwrap.dedent(text)))


#: A small valid model: a controller collects, a processor receives.
BASE = """\
fields:
  - {id: full_name, category: identity.name}
  - {id: email, category: contact.personal}
  - {id: nationality, category: nationality}
  - {id: permit_type, category: immigration.status}
  - {id: foreigner_id, category: gov_id}
subjects:
  - {id: migrants, vulnerable: true, population: 1000}
purposes:
  - id: training
    legal_basis: public_task
    needs: [full_name, email, {field: foreigner_id, form: pseudonymised}]
    max_retention: P2Y
  - id: casework
    legal_basis: public_task
    needs: [full_name, email, nationality, permit_type, foreigner_id]
    max_retention: P5Y
organizations:
  - {id: office, role: controller, country: FR}
  - id: trainer
    role: processor
    processor_for: office
    country: FR
    dpa: {signed: true, reference: DPA-1, date: 2025-01-01}
    subprocessing: none
systems:
  - id: cases
    organization: office
    retention: P5Y
    security: {encryption_at_rest: true, mfa: true, access_logging: true}
    collects:
      - {subject: migrants, purpose: casework, fields: [full_name, email, nationality, permit_type, foreigner_id]}
  - id: crm
    organization: trainer
    retention: P1Y
    security: {encryption_at_rest: true, mfa: true, access_logging: true}
flows:
  - id: cases-to-crm
    from: cases
    to: crm
    purpose: training
    channel: sftp
    encrypted: true
    retention: P1Y
    fields: [full_name, email, {field: foreigner_id, form: pseudonymised}]
"""


MERMAID_MODULES = Path(sys.prefix) / "mermaid" / "node_modules"  # installed by `make test` when npm is there
needs_mermaid = pytest.mark.skipif(
    shutil.which("node") is None or not (MERMAID_MODULES / "mermaid").is_dir(),
    reason="the Mermaid parser is not installed (make mermaid, with npm)",
)


def mermaid_failures(charts: dict[str, str], folder: Path) -> list[str]:
    """Parse each chart with the real Mermaid parser (tests/mermaid_parse.mjs); return a line per failure."""
    files = []
    for name, chart in sorted(charts.items()):
        files.append(folder / f"{name}.mmd")
        files[-1].write_text(chart, encoding="utf-8")
    script = Path(__file__).with_name("mermaid_parse.mjs")
    done = subprocess.run(["node", str(script), str(MERMAID_MODULES), *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert len(lines) == len(files), done.stderr
    return [line for line in lines if not line.startswith("ok ")]


def body_rows(text: str) -> list[list[str]]:
    """Render GitHub-flavoured Markdown; return each table body row as its cells' inline HTML."""
    import pytest

    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    rows, inside = [], False
    for token in parser.parse(text):
        inside = (inside or token.type == "tbody_open") and token.type != "tbody_close"
        if inside and token.type == "tr_open":
            rows.append([])
        elif inside and token.type == "inline":
            rows[-1].append(parser.renderInline(token.content))
    return rows


def edited(*edits: tuple[str, str]) -> str:
    """Return :data:`BASE` with each (old, new) edit made; each `old` must occur once."""
    text = BASE
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text
