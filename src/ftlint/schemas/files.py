"""Files shipped inside the ftlint package (the JSON Schemas).

Read from the folder beside this module when the package is a folder on disk (the usual
install: `importlib.resources` and what it imports, zipfile and tempfile among them, cost
~4 ms of every start-up), else as package resources, wherever the package lives (a zip
app, a frozen build).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def shipped_schema(name: str) -> dict[str, Any]:
    """`schemas/<name>.schema.json`, parsed (cached: schemas are read-only)."""
    fname = f"{name}.schema.json"
    try:
        text = (Path(__file__).parent / fname).read_text(encoding="utf-8")
    except OSError:  # not a folder on disk: a zip app or another loader
        from importlib.resources import files

        text = files("ftlint.schemas").joinpath(fname).read_text(encoding="utf-8")
    return json.loads(text)
