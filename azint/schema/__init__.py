"""The JSON Schema (draft 2020-12) of the topology format, shipped for editors.

``azint schema`` prints it. Its property names are the loader's keys (``loader.SECTIONS``, one
``$defs`` entry per section, spaces written as underscores); ``tests/test_schema.py`` keeps them
equal and checks every shipped and documented topology against it.
"""

from __future__ import annotations

from importlib import resources

SCHEMA_FILE = "topology.schema.json"


def topology_schema_text() -> str:
    """The schema as JSON text, exactly as shipped."""
    return (resources.files(__name__) / SCHEMA_FILE).read_text(encoding="utf-8")
