"""Which configs may run local plugin code.

A config's `plugins.paths` are imported as Python, so a `rules.yaml` that arrived with
downloaded artifacts must not get to run code (or swap the gates' rules) just because
someone ran `ftlint gate .` inside them. Local plugin code runs only from a config the
user trusts:

- given explicitly with `--config` (or passed in-process as a `Config`);
- found by the upward search *outside* the linted path (the user's project config);
- recorded with `ftlint trust [PATH]` in the user's config directory
  (`$XDG_CONFIG_HOME/ftlint/trusted.json`, else `~/.config/ftlint/trusted.json`) with the
  config's sha256, so an edited config needs trusting again.

Installed entry-point plugins and `-p MODULE` are the user's own choice and always
load. Everything else in an untrusted config (select, gates, inputs, ...) still applies:
it is data, not code, and `gate` says which config its gates came from.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ftlint import frozen, sha256
from ftlint.errors import FtlintError

TRUST_FILE_VERSION = 1


def trust_file() -> Path:
    """Where the user's trust records live (never inside a workspace)."""
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "ftlint" / "trusted.json"


def digest(data: bytes) -> str:
    return sha256(data).hexdigest()


def _records(path: Path) -> dict[str, Any]:
    """The recorded configs; an unreadable or malformed file trusts nothing."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    trusted = doc.get("trusted") if isinstance(doc, dict) else None
    return trusted if isinstance(trusted, dict) else {}


def is_recorded(config_path: Path, sha256: str) -> bool:
    """True when `config_path` was trusted with exactly this content."""
    entry = _records(trust_file()).get(str(config_path.resolve()))
    return isinstance(entry, dict) and entry.get("sha256") == sha256


def record(config_path: Path) -> tuple[Path, str]:
    """Trust `config_path` as it is now. Returns (trust file, sha256)."""
    target = config_path.resolve()
    try:
        sha = digest(target.read_bytes())
    except OSError as exc:
        raise FtlintError(f"cannot read config: {exc.strerror}", config_path) from None
    store = trust_file()
    records = _records(store)
    records[str(target)] = {"sha256": sha, "folder": str(target.parent)}
    text = json.dumps(
        {"version": TRUST_FILE_VERSION, "trusted": dict(sorted(records.items()))}, indent=2
    )
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        tmp = store.with_name(store.name + f".{os.getpid()}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, store)
    except OSError as exc:
        raise FtlintError(f"cannot record trust: {exc.strerror}", store) from None
    return store, sha


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


@frozen
class TrustDecision:
    """Whether a config's local plugin paths may be imported, and why not."""

    trusted: bool
    reason: str = ""


def decide(
    config_path: Path | None, sha256: str | None, *, explicit: bool, workspace: Path | None
) -> TrustDecision:
    """Decide for a config found by the upward search (or given with --config).

    `workspace` is the linted path: a config found inside it came with the artifacts.
    A command that lints no path (`rules`, `explain`) may be run inside downloaded
    artifacts just as well, so there only a recorded trust counts.
    """
    if config_path is None or explicit:
        return TrustDecision(True)
    if workspace is not None and not _inside(config_path.parent, workspace):
        return TrustDecision(True)
    if sha256 is not None and is_recorded(config_path, sha256):
        return TrustDecision(True)
    return TrustDecision(False, "found by the search, inside the linted path, not trusted")


def skipped_message(config_path: Path) -> str:
    """The one stderr line when local plugins were not imported."""
    folder = config_path.resolve().parent
    return (
        f"local plugins of {config_path} were not loaded: the config was found inside the "
        f"linted path (or no path is linted) and is not trusted; its other settings apply. "
        f"If you trust it, run: "
        f"ftlint trust {folder}"
    )


def origin(config_path: Path | None) -> str:
    """Where a run's settings (and gates) came from: the config path, or `defaults`."""
    return str(config_path) if config_path is not None else "defaults"
