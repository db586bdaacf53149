"""Files shipped inside the ftlint package (the JSON Schemas), read as package resources.

`importlib.resources` reads them wherever the package lives (a folder, a zip app, a
frozen build), so no code here assumes the package is a folder on disk.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def shipped_schema(name: str) -> dict[str, Any]:
    """`schemas/<name>.schema.json`, parsed (cached: schemas are read-only)."""
    resource = files("ftlint.schemas").joinpath(f"{name}.schema.json")
    return json.loads(resource.read_text(encoding="utf-8"))
