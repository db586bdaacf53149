"""Files shipped inside the ftlint package (the JSON Schemas), read from its folder.

ftlint is installed as a folder (a wheel or an editable install), so a path beside this
module is the file; `importlib.resources` would cost ~6 ms of start-up (zipfile and
tempfile included) for the same bytes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent


@cache
def shipped_schema(name: str) -> dict[str, Any]:
    """`schemas/<name>.schema.json`, parsed (cached: schemas are read-only)."""
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
