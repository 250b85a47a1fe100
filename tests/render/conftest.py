"""Fixtures of the render tests: the example's analysis, synthetic models, SVG parsing."""

from __future__ import annotations

import importlib.util
import shutil
import xml.etree.ElementTree as ET

import pytest
from helpers import REPO

from lineage.findings import SEVERITY_RANK
from lineage.pipeline import analyse_folder

SVG = "{http://www.w3.org/2000/svg}"

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz 'dot' is not installed"
)


def _synth():
    spec = importlib.util.spec_from_file_location("synth", REPO / "benchmarks" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


write_model = _synth().write_model


@pytest.fixture(scope="session")
def example():
    """The analysis of the repository's example model (flows/)."""
    return analyse_folder(REPO / "flows")


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """Analyse a synthetic model (benchmarks/synth.py) once per set of arguments."""
    cache = {}

    def make(systems: int, flows_per_system: int = 2, **options):
        key = (systems, flows_per_system, tuple(sorted(options.items())))
        if key not in cache:
            folder = tmp_path_factory.mktemp("synth") / "flows"
            write_model(folder, systems, flows_per_system, **options)
            cache[key] = (folder, analyse_folder(folder))
        return cache[key]

    return make


def groups(svg: bytes | str) -> dict[str, set[str]]:
    """Parse an SVG (it must be well-formed XML) and return each group id with its classes."""
    root = ET.fromstring(svg.encode() if isinstance(svg, str) else svg)
    return {
        g.get("id"): set((g.get("class") or "").split())
        for g in root.iter(f"{SVG}g")
        if g.get("id")
    }


def texts(svg: bytes, group_id: str) -> list[str]:
    """The visible text lines of one SVG group."""
    root = ET.fromstring(svg)
    for g in root.iter(f"{SVG}g"):
        if g.get("id") == group_id:
            return [t.text or "" for t in g.iter(f"{SVG}text")]
    raise KeyError(group_id)


def worst(analysis, target: str) -> str | None:
    """The worst non-waived severity on a target, computed straight from the findings."""
    found = [f.severity for f in analysis.findings if f.target == target and not f.waived]
    return max(found, key=SEVERITY_RANK.__getitem__) if found else None
