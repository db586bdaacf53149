"""Shipped schemas read the same from the folder on disk and as package resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlint.schemas import files

NAMES = sorted(p.name.split(".")[0] for p in Path(files.__file__).parent.glob("*.schema.json"))


@pytest.mark.parametrize("name", NAMES)
def test_a_schema_reads_the_same_without_the_folder(name: str, monkeypatch) -> None:
    on_disk = files.shipped_schema.__wrapped__(name)
    # as in a zip app: nothing on disk beside the module, so package resources are read
    monkeypatch.setattr(files, "__file__", "/nonexistent/ftlint/schemas/files.py")
    assert files.shipped_schema.__wrapped__(name) == on_disk
    assert isinstance(on_disk, dict) and on_disk


def test_the_folder_read_imports_no_importlib_resources() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from ftlint.schemas.files import shipped_schema; "
        "shipped_schema('config'); print('importlib.resources' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
