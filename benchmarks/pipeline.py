"""Time every stage of the pipeline on synthetic models of growing size.

Prints one row per size: reading, composing (YAML), validating, building the
lineage graph, running all rules (engine, stamping and waivers included), and
the ratio of rules to loading. Issue 3 asks that all rules together take less
time than loading the YAML at 10,000 systems and 100,000 flows.

Usage::

    python benchmarks/pipeline.py [--sizes 100:500,1000:10000,10000:100000] [--subjects N] [--derived N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synth import write_model

from lineage.graph import build
from lineage.load import load_sources, read_folder
from lineage.model import build_model
from lineage.pipeline import load_ruleset
from lineage.rules.engine import run


def measure(folder: Path) -> dict[str, float]:
    """Run each stage once on the model in `folder`; return seconds per stage and counts."""
    clock = time.perf_counter
    t0 = clock()
    sources = read_folder(folder)
    t1 = clock()
    documents = load_sources(sources)
    t2 = clock()
    model = build_model(documents)
    t3 = clock()
    lineage = build(model)
    t4 = clock()
    ruleset = load_ruleset([])
    t5 = clock()
    findings = run(model, lineage, ruleset, dt.date(2026, 11, 28))
    t6 = clock()
    return {"read": t1 - t0, "compose": t2 - t1, "validate": t3 - t2, "graph": t4 - t3,
            "rules": t6 - t5, "mb": sum(len(s.data) for s in sources) / 1e6,
            "flows": len(model.flows), "findings": len(findings)}


def main(argv=None) -> None:
    """Generate each size in a temporary folder, measure it in this process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100:500,1000:10000,10000:100000",
                        help="comma-separated SYSTEMS:FLOWS pairs")
    parser.add_argument("--subjects", type=int, default=2, help="data subjects (their lineage costs per subject)")
    parser.add_argument("--derived", type=int, default=0, help="derived fields")
    args = parser.parse_args(argv)
    print(f"{'systems':>8} {'flows':>8} {'MB':>6} {'read':>6} {'compose':>8} {'validate':>9} "
          f"{'graph':>6} {'rules':>6} {'rules/load':>10} {'findings':>9}")
    for pair in args.sizes.split(","):
        systems, flows = (int(x) for x in pair.split(":"))
        with tempfile.TemporaryDirectory() as tmp:
            write_model(tmp, systems, max(1, flows // systems), subjects=args.subjects, derived=args.derived)
            r = measure(Path(tmp))
        load = r["read"] + r["compose"] + r["validate"]
        print(f"{systems:>8} {r['flows']:>8} {r['mb']:>6.1f} {r['read']:>6.2f} {r['compose']:>8.2f} "
              f"{r['validate']:>9.2f} {r['graph']:>6.2f} {r['rules']:>6.2f} {r['rules'] / load:>10.2f} "
              f"{r['findings']:>9}")


if __name__ == "__main__":
    main()
