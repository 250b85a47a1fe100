"""Report formats of ``lineage check``: each module has ``render(analysis) -> str``.

:data:`FORMATS` maps a format name to its module; it also supplies the
CLI's choices. Modules are imported only when used.
"""

from __future__ import annotations

import importlib

FORMATS = {
    "text": "text",
    "json": "json",
    "sarif": "sarif",
    "junit": "junit",
    "markdown": "markdown",
    "github": "github",
}


def render(fmt: str, analysis, **options) -> str:
    """Render `analysis` in format `fmt`."""
    module = importlib.import_module(f"lineage.outputs.{FORMATS[fmt]}")
    return module.render(analysis, **options)
