"""The one exception type that means "exit 2": usage, config, plugin or input errors."""

from __future__ import annotations

from pathlib import Path


class FtlintError(Exception):
    """An error the user must fix before ftlint can lint: printed as `file:line: message`.

    Raised for bad usage, a bad config, a plugin that fails to load or an unreadable
    workspace. The CLI catches it and exits 2; it never surfaces as a traceback.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.message}"
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class FtlintErrors(FtlintError):
    """Several errors found at once (e.g. every invalid key of a config file)."""

    def __init__(self, errors: list[FtlintError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
