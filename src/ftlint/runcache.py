"""The `ftlint` process entry point, with a result cache for unchanged workspaces.

ftlint runs in pre-commit hooks and CI jobs, mostly on workspaces that have not changed
since the last run. Like ruff's and mypy's caches, `check`, `plan`, `gate` and `runs`
store what a run printed (stdout, stderr, the `--output` file and the exit code) and
replay it when nothing it depended on has changed, without importing the rest of
ftlint: a replay costs a few milliseconds on top of starting Python.

What a run depends on is recorded while it runs, not guessed:
- every file the process opened for reading and every folder it listed (Python's audit
  events `open`, `os.listdir` and `os.scandir`, so plugins' reads count too);
- every folder and file of the workspace tree (a new, removed or renamed file anywhere
  in it is a different workspace; the contents of `.git`, `.venv`, `node_modules` and
  the like only when the run read in them), and the config files looked up from the
  working directory upward (present or absent);
- the source of every module loaded from outside the standard library (ftlint, its
  dependencies, plugins);
- the key: ftlint's version, the Python executable and version, `sys.path`, the working
  directory, the arguments and the environment.
A file is compared by (mode, inode, device, size, mtime, ctime) and a folder by its
sorted listing (as the run first saw it). A run whose inputs were modified less than `RACY_SECONDS` before it
started is not stored (a write in the same clock tick as the read could go unseen, the
"racy clean" problem git solves the same way), nor is a run on a terminal (rich tables
and progress depend on it), an error (exit 2), `--write-suppressions`, output to
something other than a regular file, or a run that read a FIFO or a device.
`FTLINT_CACHE_DEBUG=1` says on stderr why a run was not stored.

Off with `--no-cache` or `FTLINT_NO_CACHE=1`. The cache lives in `$FTLINT_CACHE_DIR`,
else `$XDG_CACHE_HOME/ftlint`, else `~/.cache/ftlint`; it is used only when it is a
folder of the current user that nobody else may write (entries are compressed
`marshal` data, trusted like `__pycache__`). Standard library only, imported lazily:
this module is what a replay costs.
"""

from __future__ import annotations

import os
import sys

from . import CONFIG_NAMES, __version__

TYPE_CHECKING = False  # `typing` alone costs ~6 ms of start-up, more than a replay
if TYPE_CHECKING:
    from typing import Any

FORMAT = 2  # 2: what was printed is stored compressed
CACHED_COMMANDS = frozenset({"check", "plan", "gate", "runs"})
#: set by shells per invocation; never part of what ftlint computes
VOLATILE_ENV = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})
#: config files looked up from the working directory upward (see config.find_config)
CONFIG_CANDIDATES = (*CONFIG_NAMES, "pyproject.toml")
RACY_SECONDS = 2.0
#: a workspace tree larger than this is not cached (validating it would cost too much)
MAX_TREE_ENTRIES = 100_000
MAX_ENTRIES = 256
#: folders whose contents the workspace walk skips unless the run touched them
PRUNED = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
     ".ruff_cache", ".pytest_cache", ".tox", ".nox", ".ipynb_checkpoints"}
)  # fmt: skip
#: the flags that write files ftlint does not replay
UNCACHED_FLAGS = ("--write-suppressions",)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

Sig = tuple[int, int, int, int, int, int] | None


def main(argv: list[str] | None = None) -> int:
    """`ftlint` / `python -m ftlint`: replay a cached result or run and record one."""
    args = list(sys.argv[1:] if argv is None else argv)
    key = cache_key(args)
    if key is None:
        return _run(args)
    folder = cache_dir()
    if folder is None:
        return _run(args)
    entry_path = os.path.join(folder, _entry_name(key))
    code = replay(entry_path, key)
    if code is not None:
        return code
    return _record(args, key, entry_path, folder)


def _run(args: list[str]) -> int:
    from .cli import main as cli_main

    return cli_main(args)


# ---------------------------------------------------------------- the key


def cache_key(args: list[str]) -> bytes | None:
    """The bytes that name a run, or None when this run must not use the cache."""
    import marshal

    if not args or args[0] not in CACHED_COMMANDS:
        return None
    if "--no-cache" in args or os.environ.get("FTLINT_NO_CACHE", "") not in ("", "0"):
        return None
    if any(a == flag or a.startswith(flag + "=") for a in args for flag in UNCACHED_FLAGS):
        return None
    if _isatty(sys.stdout) or _isatty(sys.stderr):
        return None
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k not in VOLATILE_ENV))
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    return marshal.dumps(
        (FORMAT, __version__, sys.version, sys.executable, tuple(sys.path), cwd, tuple(args), env)
    )


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _entry_name(key: bytes) -> str:
    import zlib

    # a 64-bit name; the entry holds the whole key, so a collision is only a miss
    return f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}.run"


def cache_dir() -> str | None:
    """The cache folder (created 0700), or None when it is unusable or not ours alone."""
    folder = os.environ.get("FTLINT_CACHE_DIR")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "ftlint")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.stat(folder)
    except OSError as exc:
        return _explain(f"not used: cannot create {folder}: {exc.strerror}")
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_mode & 0o022:
        # a folder others may write: its entries cannot be trusted
        return _explain(f"not used: {folder} is not a folder only its owner may write")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return _explain(f"not used: {folder} belongs to another user")
    return folder


# ---------------------------------------------------------------- replay


def sig(path: str) -> Sig:
    """What a file is, as far as the cache can tell without reading it."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_mode, st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def listing(path: str) -> tuple[str, ...] | None:
    try:
        return tuple(sorted(os.listdir(path)))
    except (OSError, ValueError):
        return None


def load_entry(path: str, key: bytes) -> dict[str, Any] | None:
    import marshal
    import zlib

    try:
        with open(path, "rb") as handle:
            entry = marshal.loads(zlib.decompress(handle.read()))
    except (OSError, EOFError, ValueError, TypeError, zlib.error):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    return entry


def is_fresh(entry: dict[str, Any]) -> bool:
    """True when every recorded file and folder is as it was."""
    try:
        for path, recorded in entry["files"]:
            if sig(path) != recorded:
                return False
        for path, recorded in entry["dirs"]:
            if listing(path) != recorded:
                return False
    except (KeyError, TypeError, ValueError):
        return False
    return True


def replay(path: str, key: bytes) -> int | None:
    """Print what the recorded run printed and return its exit code, or None (a miss)."""
    entry = load_entry(path, key)
    if entry is None or not is_fresh(entry):
        return None
    try:
        stdout, stderr, output = entry["printed"]
        if not isinstance(stdout, str) or not isinstance(stderr, str):
            return None
    except (KeyError, TypeError, ValueError):
        return None
    if output is not None:
        target, data = output
        if not _write_if_changed(target, data):
            return None
    try:
        sys.stdout.write(stdout)
        sys.stdout.flush()
        sys.stderr.write(stderr)
        sys.stderr.flush()
    except BrokenPipeError:  # `ftlint check | head`: as the CLI does, no traceback
        _silence_stdout()
        return 0
    return int(entry["code"])


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _write_if_changed(target: str, data: bytes) -> bool:
    """Write `data` to `target` atomically unless it already holds exactly that.

    Leaving an identical file alone keeps its folder unchanged (and make-like tools
    quiet). False when the target is no longer a writable regular file (then run)."""
    import stat

    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError:
        return False
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            return False
        if st.st_size == len(data):
            try:
                with open(target, "rb") as handle:
                    if handle.read() == data:
                        return True
            except OSError:
                return False
    from .atomic import write_atomic

    try:
        write_atomic(target, data)
    except OSError:
        return False
    return True


# ---------------------------------------------------------------- record


class _Tee:
    """A text stream that writes through and keeps a copy."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self._inner.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Recorder:
    """The audit hook: paths opened for reading and folders listed, while active."""

    def __init__(self) -> None:
        self.opened: set[str] = set()
        #: each folder's listing as the run first saw it (taken when it lists it)
        self.listed: dict[str, tuple[str, ...] | None] = {}
        self.active = True

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = (*args, None, None)[:3]
            if isinstance(path, int) or path is None:
                return
            if mode is not None:
                if any(c in str(mode) for c in "wax+"):
                    return
            elif isinstance(flags, int) and flags & _WRITE_FLAGS:
                return
            self.opened.add(_abspath(path))
        elif event in ("os.listdir", "os.scandir"):
            path = args[0] if args else None
            if isinstance(path, int):
                return
            folder = _abspath(path if path is not None else ".")
            if folder not in self.listed:
                self.active = False  # our own listing raises the same event
                try:
                    self.listed[folder] = listing(folder)
                finally:
                    self.active = True


def _abspath(path: Any) -> str:
    try:
        return os.path.abspath(os.fsdecode(os.fspath(path)))
    except (TypeError, ValueError):
        return ""


def _record(args: list[str], key: bytes, entry_path: str, folder: str) -> int:
    import time

    started_ns = time.time_ns()
    recorder = _Recorder()
    sys.addaudithook(recorder)
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    real_out, real_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        code = _run(args)
    finally:
        recorder.active = False
        sys.stdout, sys.stderr = real_out, real_err
    if code in (0, 1):
        try:
            entry = _entry(
                args, key, recorder, started_ns, "".join(out.parts), "".join(err.parts), folder
            )
            if entry is not None:
                entry["code"] = code
                _store(entry_path, folder, entry)
        except Exception:
            if os.environ.get("FTLINT_DEBUG"):
                raise
    return code


def _entry(
    args: list[str],
    key: bytes,
    recorder: _Recorder,
    started_ns: int,
    stdout: str,
    stderr: str,
    cache_folder: str,
) -> dict[str, Any] | None:
    from .cli import build_parser

    parsed = build_parser().parse_args(args)
    if getattr(parsed, "no_cache", False) or getattr(parsed, "write_suppressions", None):
        # spelled in a way the key check did not see (argparse accepts `--no-c`)
        return _explain("not stored: --no-cache or --write-suppressions")
    output = None
    skip: set[str] = set()
    if getattr(parsed, "output", None) is not None:
        target = os.path.realpath(parsed.output)
        if not _is_regular(target):
            return _explain(f"not stored: --output {target} is not a regular file")
        with open(target, "rb") as handle:
            data = handle.read()
        output = (target, data)
        if target not in recorder.opened:  # ftlint's own output, unless it was also read
            skip.add(target)
    files: dict[str, Sig] = {}
    dirs: dict[str, tuple[str, ...] | None] = {}
    workspace = getattr(parsed, "path", None)
    touched = (*recorder.opened, *recorder.listed)
    own = (os.path.realpath(cache_folder),)  # our own entries are no input
    if workspace is not None and not _walk_tree(
        os.path.abspath(workspace), files, dirs, touched, skip=own
    ):
        return _explain(f"not stored: more than {MAX_TREE_ENTRIES} entries under {workspace}")
    import stat

    for path in recorder.opened:
        if path and path not in skip and not path.endswith((".pyc", ".pyo")):
            seen = files.setdefault(path, sig(path))
            if seen is not None and not (stat.S_ISREG(seen[0]) or stat.S_ISDIR(seen[0])):
                # a FIFO, a device, /dev/stdin: what it gave cannot be checked again
                return _explain(f"not stored: read {path}, which is not a regular file")
    for path, seen in recorder.listed.items():
        if path:
            dirs.setdefault(path, seen)
    for path in _module_sources():
        files.setdefault(path, sig(path))
    for folder in _ancestors(os.getcwd()):
        for name in CONFIG_CANDIDATES:
            path = os.path.join(folder, name)
            files.setdefault(path, sig(path))
    horizon = started_ns - int(RACY_SECONDS * 1e9)
    for path, recorded in files.items():
        if recorded is not None and max(recorded[4], recorded[5]) >= horizon:
            # modified just before or during the run: racy, do not trust
            return _explain(f"not stored: {path} changed less than {RACY_SECONDS:g} s ago")
    # folders are compared by listing, not by time: a file created in the workspace
    # during the run is in the listing and, being new, is racy above
    return {
        "key": key,
        "files": sorted(files.items()),
        "dirs": sorted(dirs.items()),
        "printed": (stdout, stderr, output),
    }


def _explain(message: str) -> None:
    """FTLINT_CACHE_DEBUG=1: say why the cache was not used or a run not stored."""
    if os.environ.get("FTLINT_CACHE_DEBUG"):
        sys.stderr.write(f"ftlint: cache: {message}\n")


def _is_regular(path: str) -> bool:
    import stat

    recorded = sig(path)
    return recorded is not None and stat.S_ISREG(recorded[0])


def _walk_tree(
    root: str,
    files: dict[str, Sig],
    dirs: dict[str, Any],
    touched: tuple[str, ...] = (),
    skip: tuple[str, ...] = (),
) -> bool:
    """Record every folder's listing and every file's signature under `root` (no
    symlinks followed; what a run read through one is recorded as opened). False when
    the tree is too large to be worth caching.

    The contents of version-control and tool folders (`PRUNED`: .git changes at every
    `git add`, which would defeat the cache in a pre-commit hook) are left out, unless
    the run opened or listed something in them; the folders themselves stay in their
    parent's listing."""
    count = 0
    for folder, subdirs, names in os.walk(root, followlinks=False):
        if skip and os.path.realpath(folder) in skip:
            subdirs.clear()  # a cache folder inside the workspace: it changes at every store
            continue
        dirs[folder] = tuple(sorted(subdirs + names))
        for name in [d for d in subdirs if d in PRUNED]:
            inside = os.path.join(folder, name) + os.sep
            if not any(p.startswith(inside) or p + os.sep == inside for p in touched):
                subdirs.remove(name)
        count += len(subdirs) + len(names)
        if count > MAX_TREE_ENTRIES:
            return False
        for name in names:
            path = os.path.join(folder, name)
            files[path] = sig(path)
    if root not in dirs:
        dirs[root] = listing(root)
        files[root] = sig(root)  # a file or nothing: its signature says which
    return True


def _module_sources() -> list[str]:
    """Files of the loaded modules that are not part of the standard library."""
    import sysconfig

    stdlib = {
        os.path.realpath(sysconfig.get_paths()[name]) + os.sep for name in ("stdlib", "platstdlib")
    }
    out = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str):
            continue
        real = os.path.realpath(path)
        if any(real.startswith(prefix) for prefix in stdlib) and "site-packages" not in real:
            continue
        out.append(real)
    return out


def _ancestors(path: str) -> list[str]:
    out = [path]
    while True:
        parent = os.path.dirname(out[-1])
        if parent == out[-1]:
            return out
        out.append(parent)


def _store(entry_path: str, folder: str, entry: dict[str, Any]) -> None:
    import marshal
    import zlib

    from .atomic import write_atomic

    # compressed: reports and module lists are repetitive (a 20-run JSON report and its
    # dependencies take ~100 kB instead of ~700 kB), and 256 entries must not fill a disk
    write_atomic(entry_path, zlib.compress(marshal.dumps(entry), 1), mode=0o600)
    _prune(folder)


def _prune(folder: str) -> None:
    """Keep the newest MAX_ENTRIES entries."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".run")]
    except OSError:
        return
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
    import contextlib

    for old in entries[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):  # another ftlint pruned it first
            os.unlink(old.path)
