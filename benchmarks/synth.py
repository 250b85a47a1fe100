"""Synthetic lineage models of any size, for benchmarks and scale tests.

:func:`write_model` writes a valid model in the lineage format (SPEC section 2)
into a folder: a field dictionary, subjects and purposes, organizations (a
controller, then processors, subprocessors, recipients and authorities, some
outside the EEA), systems of every type, and flows between them. The output
depends only on the arguments (a seeded generator), so timings compare across
runs and machines.

The models are realistic enough to exercise every stage: most flows stay inside
an organization, the rest go to the next organizations of the chain; some
fields are pseudonymised or aggregated on the way; some systems collect, so
holdings propagate; findings of several rules fire.

Usage as a script::

    python benchmarks/synth.py OUT_FOLDER --systems 500 [--flows-per-system 2] [--fields 24]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

#: Built-in categories the generated fields cycle through (tier and identifier vary).
CATEGORIES = (
    "identity.name",
    "contact.personal",
    "gov_id",
    "nationality",
    "immigration.status",
    "identity.dob_age",
    "location.coarse",
    "education",
    "behavioural",
    "financial",
    "employment_hr",
    "device_online_id",
)
ROLES = ("processor", "processor", "subprocessor", "recipient", "authority")
COUNTRIES = ("FR", "DE", "FR", "NL", "US", "IE", "IN", "FR")
SYSTEM_TYPES = (
    "application",
    "database",
    "saas",
    "file_share",
    "spreadsheet",
    "mailbox",
    "api",
    "analytics",
    "backup",
    "endpoint",
)
EXPOSURES = ("internal", "internal", "partner", "internet")
CHANNELS = ("api", "sftp", "file_export", "queue", "email", "shared_database")
FORMS = ("raw", "raw", "raw", "pseudonymised", "encrypted", "aggregated", "hashed")
PURPOSES = ("casework", "training", "support", "statistics")


def _flow_list(items) -> str:
    return "[" + ", ".join(items) + "]"


def write_model(
    folder: str | Path,
    systems: int,
    flows_per_system: int = 2,
    fields: int = 24,
    systems_per_org: int = 10,
    inside_share: float = 0.7,
    seed: int = 0,
    subjects: int = 2,
    derived: int = 0,
) -> Path:
    """Write a synthetic model into `folder` (created if needed) and return it.

    Parameters
    ----------
    folder : str or Path
        Where the YAML files go (``fields.yaml``, ``parties.yaml``,
        ``systems.yaml``, ``flows.yaml``); existing files of those names are
        replaced.
    systems : int
        Number of systems, ``s0000`` ... (at least 1).
    flows_per_system : int
        Outbound flows per system (about; a system never sends to itself).
    fields : int
        Size of the field dictionary, ``f00`` ...
    systems_per_org : int
        Systems per organization; organization ``o000`` is the controller.
    inside_share : float
        Share of flows that stay inside the sender's organization.
    seed : int
        Seed of the generator: same arguments, same bytes.
    subjects : int
        Data subjects; each organization's systems collect from one of them,
        in turn, and every other one is vulnerable.
    derived : int
        Derived fields ``d00`` ..., each from two fields of the dictionary.

    Returns
    -------
    Path
        `folder`.

    Examples
    --------
    >>> import tempfile
    >>> from lineage.model import load_model
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     m = load_model(write_model(tmp, 30, 2))
    >>> len(m.systems), len(m.flows), len(m.organizations)
    (30, 60, 3)
    """
    if subjects < 1:
        raise ValueError("a synthetic model needs at least one subject")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    n_orgs = max(1, -(-systems // systems_per_org))
    field_ids = [f"f{i:02d}" for i in range(fields)]

    lines = ["# synthetic model (benchmarks/synth.py)", "version: 1", "fields:"]
    for i, fid in enumerate(field_ids):
        lines.append(
            f"  - {{id: {fid}, category: {CATEGORIES[i % len(CATEGORIES)]}, "
            f"description: synthetic field {i}}}"
        )
    for i in range(derived):
        sources = sorted(rng.sample(field_ids, k=min(2, len(field_ids))))
        lines.append(f"  - {{id: d{i:02d}, category: identity.dob_age, derived_from: {_flow_list(sources)}}}")
    subject_ids = ["residents", "applicants"] if subjects == 2 else [f"subject{i:02d}" for i in range(subjects)]
    lines.append("subjects:")
    for i, sid in enumerate(subject_ids):
        lines.append(f"  - {{id: {sid}, vulnerable: {'true' if i % 2 else 'false'}, "
                     f"population: {50000 + 70000 * (i % 2)}}}")
    lines.append("purposes:")
    for k, pid in enumerate(PURPOSES):
        needed = field_ids[k::2][: max(3, fields // 3)]
        needs = [f"{{field: {f}, form: aggregated}}" if pid == "statistics" else f for f in needed]
        lines.append(
            f"  - {{id: {pid}, legal_basis: public_task, max_retention: P{2 + k}Y, "
            f"needs: {_flow_list(needs)}}}"
        )
    (folder / "fields.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    lines = [
        "version: 1",
        "organizations:",
        "  - {id: o000, name: Synthetic controller, role: controller, country: FR}",
    ]
    roles = {0: "controller"}
    for o in range(1, n_orgs):
        role = ROLES[(o - 1) % len(ROLES)]
        roles[o] = role
        country = COUNTRIES[o % len(COUNTRIES)]
        extra = ""
        if role == "processor":
            extra = (
                ", processor_for: o000, subprocessing: specific, "
                "dpa: {signed: true, reference: DPA-" + str(o) + ", date: 2024-01-01}"
            )
        elif role == "subprocessor":
            parent = max(p for p in range(o) if roles[p] in ("processor", "controller"))
            parent_id = f"o{parent:03d}" if roles[parent] == "processor" else "o000"
            extra = f", processor_for: {parent_id}, dpa: {{signed: true}}"
        if country not in ("FR", "DE", "NL", "IE"):
            extra += ", transfer_safeguard: " + ("scc" if o % 2 else "none")
        lines.append(
            f"  - {{id: o{o:03d}, name: Synthetic {role} {o}, role: {role}, "
            f"country: {country}{extra}}}"
        )
    (folder / "parties.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    lines = ["version: 1", "systems:"]
    for s in range(systems):
        org = s // systems_per_org
        lines.append(f"  - id: s{s:04d}")
        lines.append(f"    name: System {s} of o{org:03d}")
        lines.append(f"    organization: o{org:03d}")
        lines.append(f"    type: {SYSTEM_TYPES[s % len(SYSTEM_TYPES)]}")
        lines.append(f"    exposure: {EXPOSURES[s % len(EXPOSURES)]}")
        if s % 7:
            lines.append(f"    retention: P{1 + s % 5}Y")
        secure = "true" if s % 3 else "false"
        lines.append(
            f"    security: {{encryption_at_rest: true, mfa: {secure}, access_logging: {secure}}}"
        )
        if s % systems_per_org == 0:
            collected = rng.sample(field_ids, k=min(len(field_ids), 8))
            lines.append("    collects:")
            lines.append(
                f"      - {{subject: {subject_ids[org % len(subject_ids)]}, "
                f"purpose: casework, fields: {_flow_list(sorted(collected))}}}"
            )
    (folder / "systems.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    lines = ["version: 1", "flows:"]
    for s in range(systems):
        org = s // systems_per_org
        for k in range(flows_per_system):
            if rng.random() < inside_share or n_orgs == 1:
                lo, hi = org * systems_per_org, min(systems, (org + 1) * systems_per_org)
            else:
                nxt = (org + 1 + rng.randrange(2)) % n_orgs
                lo, hi = nxt * systems_per_org, min(systems, (nxt + 1) * systems_per_org)
            target = rng.randrange(lo, hi)
            if target == s:
                target = lo + (s - lo + 1) % (hi - lo) if hi - lo > 1 else (s + 1) % systems
            if target == s:
                continue
            carried = sorted(rng.sample(field_ids, k=rng.randint(1, min(6, len(field_ids)))))
            uses = [
                f if (form := rng.choice(FORMS)) == "raw" else f"{{field: {f}, form: {form}}}"
                for f in carried
            ]
            lines.append(f"  - id: s{s:04d}-to-s{target:04d}-{k}")
            lines.append(f"    from: s{s:04d}")
            lines.append(f"    to: s{target:04d}")
            lines.append(f"    purpose: {rng.choice(PURPOSES)}")
            lines.append(f"    fields: {_flow_list(uses)}")
            lines.append(f"    channel: {rng.choice(CHANNELS)}")
            lines.append(f"    encrypted: {'true' if rng.random() < 0.8 else 'false'}")
            lines.append(f"    volume: {rng.randrange(100, 100000)}")
    (folder / "flows.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def main(argv=None) -> None:
    """Command line: write one synthetic model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--systems", type=int, default=100)
    parser.add_argument("--flows-per-system", type=int, default=2)
    parser.add_argument("--fields", type=int, default=24)
    parser.add_argument("--systems-per-org", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    write_model(
        args.folder,
        args.systems,
        args.flows_per_system,
        args.fields,
        args.systems_per_org,
        seed=args.seed,
    )
    print(f"wrote {args.folder}")


if __name__ == "__main__":
    main()
