"""Real temporary git repositories for the diff tests, and a CLI runner that checks git state."""

from __future__ import annotations

import hashlib
import os
import subprocess
import textwrap
from pathlib import Path

from helpers import Result, run_cli

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_OPTIONAL_LOCKS": "0",
}

#: A chain a -> b -> c inside the controller, and a -> m at a processor. Base findings:
#: MIN004 system:c (no retention), LIN001 and MIN001 flow:b-to-c (phone, which b does not hold).
MODEL = {
    "flows/catalogue.yaml": """\
        fields:
          - {id: full_name, category: identity.name}
          - {id: email, category: contact.personal}
          - {id: phone, category: contact.personal}
          - {id: nationality, category: nationality}
        subjects:
          - {id: customers, population: 1000}
        purposes:
          - id: service
            legal_basis: contract
            needs: [full_name, email, nationality]
            max_retention: P2Y
          - id: newsletter
            legal_basis: consent
            needs: [email]
            max_retention: P1Y
        organizations:
          - {id: acme, role: controller, country: FR}
          - id: mailer
            role: processor
            processor_for: acme
            country: FR
            dpa: {signed: true, reference: DPA-1, date: 2025-01-01}
            subprocessing: none
        """,
    "flows/systems.yaml": """\
        systems:
          - id: a
            organization: acme
            retention: P1Y
            security: {encryption_at_rest: true, mfa: true, access_logging: true}
            collects:
              - {subject: customers, purpose: service, fields: [full_name, email, phone, nationality]}
          - id: b
            organization: acme
            retention: P1Y
            security: {encryption_at_rest: true, mfa: true, access_logging: true}
          - id: c
            organization: acme
            security: {encryption_at_rest: true, mfa: true, access_logging: true}
          - id: m
            organization: mailer
            retention: P1Y
            exposure: internal
            security: {encryption_at_rest: true, mfa: true, access_logging: true}
        """,
    "flows/flows.yaml": """\
        flows:
          - id: a-to-b
            from: a
            to: b
            purpose: service
            channel: api
            encrypted: true
            retention: P1Y
            fields: [full_name, email]
          - id: b-to-c
            from: b
            to: c
            purpose: service
            channel: api
            encrypted: true
            fields: [full_name, email, phone]
          - id: a-to-m
            from: a
            to: m
            purpose: newsletter
            channel: api
            encrypted: true
            retention: P1Y
            fields: [email]
        """,
}
MODEL = {name: textwrap.dedent(text) for name, text in MODEL.items()}
BASE_FINDINGS = {("MIN004", "system:c"), ("LIN001", "flow:b-to-c"), ("MIN001", "flow:b-to-c")}


class GitRepo:
    """A git work tree in a temporary folder; every command is a real git process."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=self.root,
                              env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def path(self, name: str) -> Path:
        return self.root / name

    def read(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            path = self.path(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")

    def edit(self, name: str, old: str, new: str) -> None:
        text = self.read(name)
        assert old in text, f"{old!r} not in {name}"
        self.path(name).write_text(text.replace(old, new, 1), encoding="utf-8")

    def remove(self, name: str) -> None:
        self.path(name).unlink()

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        if files:
            self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def state(self) -> tuple[str, str, str]:
        """Status, index bytes and HEAD: what a read-only command must leave as it was."""
        index = self.root / ".git" / "index"
        digest = hashlib.sha256(index.read_bytes()).hexdigest() if index.exists() else ""
        status = self.git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all")
        return status, digest, self.git("rev-parse", "HEAD")

    def run(self, *args: str, cwd: Path | None = None) -> Result:
        """Run the CLI in-process from the repository (or `cwd`); assert git state is untouched."""
        before = self.state()
        result = run_cli(*args, cwd=cwd or self.root)
        assert self.state() == before, f"lineage {' '.join(args)} changed the work tree or index"
        assert "Traceback" not in result.stderr, result
        return result


def model_repo(root: Path) -> tuple[GitRepo, str]:
    """A repository whose first commit is :data:`MODEL`; returns it and the commit id."""
    repo = GitRepo(root)
    return repo, repo.commit("model", MODEL)
