"""The draft-07 JSON Schema of model files, derived from the entity declarations."""

from __future__ import annotations

from lineage import __version__
from lineage.model.entities import SECTIONS
from lineage.model.types import object_schema

SCHEMA_ID = "https://lineage.dev/schema/model-v1.json"


def json_schema() -> dict:
    """Return the JSON Schema that every model file satisfies.

    Examples
    --------
    >>> s = json_schema()
    >>> s["$schema"], s["properties"]["flows"]["items"]["properties"]["from"]["type"]
    ('http://json-schema.org/draft-07/schema#', 'string')
    """
    properties: dict = {"version": {"type": "integer", "enum": [1], "description": "Format version"}}
    for section, cls in SECTIONS.items():
        properties[section] = {"type": ["array", "null"], "items": object_schema(cls),  # `fields:` is empty
                               "description": f"{section.capitalize()} of the model"}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": f"lineage model file (lineage {__version__})",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
