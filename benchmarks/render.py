"""Time ``lineage render`` on synthetic models of increasing size (a script, not a test).

For each size, a model is written by :mod:`synth` (about two flows per system,
ten systems per organization by default), analysed once, then drawn:

* ``overview``: the default map. It switches to one node per organization above
  :data:`lineage.render.view.AUTO_COLLAPSE` systems, or when the layout would
  be too dense for dot (:data:`lineage.render.dot.LAYOUT_BUDGET`);
* ``collapsed``: ``--group organization``;
* ``full`` (with ``--full``): the system-level map whatever its size and
  density, to show what the switches avoid (can take minutes).

Columns: the layout cost estimate, seconds to analyse (load, lineage, rules),
to build the view and its DOT text, to run ``dot -Tsvg`` and ``dot -Tpng``
(wall clock; the PNG is capped at :data:`lineage.render.dot.PNG_PIXELS` a
side), and to write Mermaid; what was drawn, and the size of the SVG.

Usage::

    python benchmarks/render.py [--sizes 50,100,200,300,500,1000] [--flows-per-system 2]
                                [--systems-per-org 10] [--full]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import write_model


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def measure(systems: int, flows_per_system: int, systems_per_org: int, full: bool) -> list[dict]:
    """Return one row of figures per view drawn for a model of `systems` systems."""
    from lineage.pipeline import analyse_folder
    from lineage.render import dot
    from lineage.render.mermaid import to_mermaid
    from lineage.render.view import select

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_model(
            Path(tmp) / "flows", systems, flows_per_system, systems_per_org=systems_per_org
        )
        analysis, t_analyse = _timed(analyse_folder, folder)
        views = [("overview", {}), ("collapsed", {"group": "organization"})]
        if full:
            views.append(("full", {"max_systems": 10**9, "max_flows": 10**9}))
        budget = dot.LAYOUT_BUDGET
        for name, options in views:
            dot.LAYOUT_BUDGET = 10**9 if name == "full" else budget
            try:
                m, t_select = _timed(select, analysis, **options)
                cost = dot.layout_cost(*dot._graph_of(m))
                drawn, t_fit = _timed(dot.fit, m)
                source, t_dot_text = _timed(dot.to_dot, drawn)
                svg, t_layout = _timed(dot.run_dot, source, "svg", 3600)
                _, t_png = _timed(dot.run_dot, source, "png", 3600)
                _, t_mermaid = _timed(to_mermaid, select(analysis, **options))
            finally:
                dot.LAYOUT_BUDGET = budget
            rows.append(
                {
                    "systems": systems,
                    "flows": len(analysis.model.flows),
                    "view": name,
                    "drawn": _drawn(drawn),
                    "nodes": len(drawn.members) if drawn.collapsed else len(drawn.systems),
                    "edges": len(drawn.links()) if drawn.collapsed else len(drawn.flows),
                    "cost": cost,
                    "analyse s": t_analyse,
                    "view+DOT s": t_select + t_fit + t_dot_text,
                    "dot -Tsvg s": t_layout,
                    "dot -Tpng s": t_png,
                    "mermaid s": t_mermaid,
                    "SVG kB": len(svg) / 1024,
                }
            )
    return rows


def _drawn(m) -> str:
    if m.by_type:
        return "organization x type"
    return "organizations" if m.collapsed else "systems"


def main(argv=None) -> None:
    """Print a Markdown table of render timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200,300,500,1000")
    parser.add_argument("--flows-per-system", type=int, default=2)
    parser.add_argument("--systems-per-org", type=int, default=10)
    parser.add_argument(
        "--full", action="store_true", help="also draw the system-level map whatever its size"
    )
    args = parser.parse_args(argv)
    columns = (
        "systems",
        "flows",
        "view",
        "drawn",
        "nodes",
        "edges",
        "cost",
        "analyse s",
        "view+DOT s",
        "dot -Tsvg s",
        "dot -Tpng s",
        "mermaid s",
        "SVG kB",
    )
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for size in (int(s) for s in args.sizes.split(",")):
        for row in measure(size, args.flows_per_system, args.systems_per_org, args.full):
            cells = (f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c]) for c in columns)
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
