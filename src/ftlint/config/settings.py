"""Find, load and validate the configuration (rules.yaml or [tool.ftlint] in pyproject.toml).

The config is searched from the current directory upward (or given with --config),
never inside the artifact workspace being linted, so linting someone else's artifacts
never runs their plugins. Validation happens in two steps: the file's own shape first
(`load_config`), then, once plugins are loaded and every rule is known, the rule
codes, severities and params (`Config.bind_rules`). Every error is an `FtlintError`
naming the file and line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from ftlint import CONFIG_NAMES, frozen
from ftlint.config.trust import digest
from ftlint.config.yamllines import load_yaml_with_lines, toml_lines
from ftlint.errors import FtlintError, FtlintErrors
from ftlint.model import Severity
from ftlint.model import pointer as make_pointer
from ftlint.rule import Rule
from ftlint.schemas.files import shipped_schema
from ftlint.schemas.minischema import compile_schema

DEFAULT_INPUTS: dict[str, tuple[str, ...]] = {
    "job_records": ("artifacts/hf_jobs/*.jsonl",),
    "final_metrics": ("outputs/*/final_metrics.json",),
    "iter_eval_metrics": ("outputs/*/iter_eval_metrics.jsonl",),
    "hard_cases": ("outputs/*/hard_cases.valid.jsonl",),
    "weave_traces": ("outputs/*/weave_eval_traces.json",),
    "eval_results": ("artifacts/eval/runs/*.json",),
    "wandb_runs": (
        "wandb/run-*",
        "wandb/offline-run-*",
        "outputs/*/wandb/run-*",
        "outputs/*/wandb/offline-run-*",
    ),
    "weave_exports": ("weave/*.json", "weave/*.jsonl", "weave/*.csv"),
}

#: Planner vocabulary -> env variables, following the names in ARTIFACTS.md. One knob
#: may set several variables (the training-time eval and the eval job).
DEFAULT_KNOBS: dict[str, tuple[str, ...]] = {
    "base_model": ("HF_BASE_MODEL_ID",),
    "batch_size": ("HF_FT_BATCH_SIZE",),
    "dataset_version": ("FT_DATASET_VERSION",),
    "detailed_eval_steps": ("HF_FT_DETAILED_EVAL_STEPS",),
    "epochs": ("HF_FT_EPOCHS",),
    "eval_dataset_path": ("EVAL_DATASET_PATH",),
    "eval_steps": ("HF_FT_EVAL_STEPS",),
    "fallback_enabled": ("EVAL_MISTRAL_FALLBACK_ENABLED",),
    "focus_dims": ("FT_FOCUS_DIMS",),
    "grad_accum": ("HF_FT_GRAD_ACCUM",),
    "hard_case_top_k": ("HF_FT_HARD_CASE_TOP_K",),
    "init_adapter": ("HF_FT_INIT_ADAPTER_MODEL_ID",),
    "learning_rate": ("HF_FT_LR",),
    "lora_alpha": ("HF_FT_LORA_ALPHA",),
    "lora_dropout": ("HF_FT_LORA_DROPOUT",),
    "lora_r": ("HF_FT_LORA_R",),
    "max_length": ("HF_FT_MAX_LENGTH",),
    "max_new_tokens": ("HF_FT_GENERATION_MAX_NEW_TOKENS", "EVAL_LOCAL_MAX_NEW_TOKENS"),
    "require_hf_direct": ("EVAL_REQUIRE_HF_DIRECT",),
    "source_type_mix": ("FT_SOURCE_TYPE_MIX",),
    "target_scale": ("HF_FT_TARGET_SCALE", "EVAL_TARGET_SCALE"),
    "warmup_ratio": ("HF_FT_WARMUP_RATIO",),
}

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024


@frozen
class RuleSettings:
    """A rule's effective settings: severity override (if any) and params."""

    severity: Severity | None
    params: Mapping[str, Any]
    explicit: bool = False  # the user configured this rule in the file


@frozen
class Config:
    """The loaded configuration. `path` is None when running on defaults."""

    path: Path | None = None
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    baseline: str | None = None
    candidate: str | None = None
    rules_raw: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_INPUTS))
    knobs: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_KNOBS))
    plugin_paths: tuple[Path, ...] = ()
    plugin_disable: tuple[str, ...] = ()
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    suppressions: Path | None = None
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sections: Mapping[str, Any] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)
    rule_settings: Mapping[str, RuleSettings] = field(default_factory=dict)
    #: sha256 of the file's bytes as loaded (what `ftlint trust` records)
    sha256: str | None = None

    @property
    def root(self) -> Path:
        """The directory relative paths in the config are resolved against."""
        return self.path.parent if self.path is not None else Path.cwd()

    def error(self, message: str, at: str = "") -> FtlintError:
        """An error located at a JSON pointer of the config file."""
        return FtlintError(message, self.path, _line_for(self.lines, at))

    @property
    def source_settings(self) -> Mapping[str, Any]:
        """The `sources:` section (e.g. `sources.generic` mappings), validated."""
        return self.sections.get("sources") or {}

    @property
    def metric_aliases(self) -> Mapping[str, str]:
        """rules.yaml `metrics.aliases`: a team's own key -> canonical metric name."""
        return (self.sections.get("metrics") or {}).get("aliases") or {}

    def plugin_section(self, name: str) -> Any:
        """The raw (validated) value of a plugin's own top-level section."""
        return self.sections.get(name)

    def with_knobs(self, extra: Mapping[str, Sequence[str]]) -> Config:
        """Add plugin knobs; knobs named in the file keep the file's mapping."""
        merged = dict(self.knobs)
        for knob, names in extra.items():
            if knob not in self.sections.get("__file_knobs__", ()):
                merged.setdefault(knob, tuple(names))
        return replace(self, knobs=merged)

    def bind_rules(
        self,
        rule_classes: Sequence[type[Rule]],
        plugin_schemas: Mapping[str, Any] | None = None,
        extra_select: Sequence[str] = (),
        extra_ignore: Sequence[str] = (),
    ) -> Config:
        """Validate rules/select/ignore and plugin sections against the known rules.

        Returns a config whose `rule_settings` holds every rule's severity and params.
        """
        errors: list[FtlintError] = []
        known = {cls.code: cls for cls in rule_classes}
        for key in ("select", "ignore"):
            for i, sel in enumerate(getattr(self, key)):
                if not _matches_any(sel, known):
                    errors.append(
                        self.error(f"{key}: {sel!r} matches no known rule code", f"/{key}/{i}")
                    )
        for key, selectors in self.per_path_ignores.items():
            for i, sel in enumerate(selectors):
                if not _matches_any(sel, known):
                    at = make_pointer("per-path-ignores", key, str(i))
                    errors.append(
                        self.error(f"per-path-ignores: {sel!r} matches no known rule", at)
                    )
        for sel in (*extra_select, *extra_ignore):
            if not _matches_any(sel, known):
                errors.append(FtlintError(f"--select/--ignore: {sel!r} matches no known rule"))
        settings: dict[str, RuleSettings] = {}
        for code, cls in sorted(known.items()):
            raw = self.rules_raw.get(code)
            if raw is not None:
                at = make_pointer("rules", code)
                for err in _schema_errors(raw, rule_schema(cls)):
                    where = at + _err_pointer(err)
                    errors.append(self.error(f"rules.{code}: {_describe(err)}", where))
            params = cls.param_defaults()
            severity = None
            if isinstance(raw, Mapping):
                params.update({k: v for k, v in raw.items() if k in cls.params})
                if (
                    isinstance(raw.get("severity"), str)
                    and raw["severity"] in Severity._value2member_map_
                ):
                    severity = Severity(raw["severity"])
            settings[code] = RuleSettings(severity, params, explicit=raw is not None)
        for code in sorted(set(self.rules_raw) - set(known)):
            hint = ", ".join(sorted(known)[:12])
            errors.append(
                self.error(
                    f"rules: unknown rule code {code!r} (known: {hint}, ...)", f"/rules/{code}"
                )
            )
        for name, value in self.sections.items():
            if not isinstance(name, str):  # `?` or `1:` at the top level of the YAML
                errors.append(self.error(f"unknown key {name!r}"))
                continue
            if name.startswith("__"):
                continue
            schema = plugin_schemas.get(name) if plugin_schemas is not None else None
            if schema is None:
                errors.append(self.error(f"unknown key {name!r}", f"/{name}"))
                continue
            for err in _schema_errors(value, schema):
                errors.append(
                    self.error(f"{name}: {_describe(err)}", f"/{name}" + _err_pointer(err))
                )
        _raise(errors)
        return replace(self, rule_settings=settings)


def _matches_any(selector: str, known: Mapping[str, Any]) -> bool:
    return selector == "ALL" or any(code.startswith(selector) for code in known)


def rule_schema(cls: type[Rule]) -> dict[str, Any]:
    """The JSON Schema of one rule's `rules.<CODE>` config block."""
    props: dict[str, Any] = {
        "severity": {"enum": [s.value for s in Severity], "description": "override the severity"}
    }
    props.update({name: param.schema() for name, param in cls.params.items()})
    return {"type": "object", "additionalProperties": False, "properties": props}


def base_schema() -> dict[str, Any]:
    return shipped_schema("config")


def find_config(start: Path) -> Path | None:
    """The nearest config file from `start` upward: rules.yaml, .ftlint.yaml or pyproject."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.exists() and not candidate.is_dir():  # a FIFO is an error, not skipped
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    """True when a pyproject.toml holds [tool.ftlint]. One that mentions ftlint but
    cannot be read or parsed is an error: skipping it would silently lint with the
    wrong settings."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FtlintError(f"cannot read config: {exc.strerror}", path) from None
    if b"ftlint" not in raw:
        return False  # every spelling of [tool.ftlint] names it; most pyprojects don't
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FtlintError(f"config is not UTF-8 (byte {exc.start})", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise FtlintError(f"invalid TOML: {exc}", path) from None
    return isinstance(data.get("tool"), dict) and "ftlint" in data["tool"]


def load_config(path: Path | None, *, search_from: Path | None = None) -> Config:
    """Load and validate the config at `path`, or the nearest one, or the defaults."""
    if path is None:
        path = find_config(search_from or Path.cwd())
        if path is None:
            return Config()
    if not path.exists():
        raise FtlintError("config file not found", path)
    if path.is_dir():
        raise FtlintError("config path is a directory, expected a YAML or TOML file", path)
    raw = _read_regular(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FtlintError(f"config is not UTF-8 (byte {exc.start})", path) from None
    if path.suffix == ".toml":
        import tomllib

        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise FtlintError(f"invalid TOML: {exc}", path) from None
        data = doc.get("tool", {}).get("ftlint", {})
        lines = toml_lines(text, "tool.ftlint")
    else:
        data, lines = load_yaml_with_lines(path, text)
        if data is None:
            data = {}
    if not isinstance(data, dict):
        raise FtlintError("config must be a mapping of keys to values", path, 1)
    return replace(_from_data(path, data, lines), sha256=digest(raw))


#: a config is a few kB; a bigger file is not one (and must not be held in memory)
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def _read_regular(path: Path) -> bytes:
    """The config's bytes; a FIFO, device or oversized file is exit 2, never a hang."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise FtlintError(f"cannot read config: {exc.strerror}", path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FtlintError("config is not a regular file (FIFO, socket or device)", path)
        if info.st_size > MAX_CONFIG_BYTES:
            raise FtlintError(f"config is {info.st_size:,} bytes, too large to be one", path)
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise FtlintError(f"cannot read config: {exc.strerror}", path) from None
    finally:
        os.close(fd)


def _from_data(path: Path, data: dict[str, Any], lines: dict[str, int]) -> Config:
    schema = base_schema()
    known_top = set(schema["properties"])
    core = {k: v for k, v in data.items() if k in known_top}
    sections = {k: v for k, v in data.items() if k not in known_top}
    errors = [
        FtlintError(_describe(err), path, _line_for(lines, _err_pointer(err)))
        for err in _schema_errors(core, schema)
    ]
    rules_raw = core.get("rules") or {}
    if isinstance(rules_raw, dict):
        for code, block in list(rules_raw.items()):
            if block is None:
                rules_raw[code] = {}
            elif not isinstance(block, dict):
                errors.append(
                    FtlintError(
                        f"rules.{code}: expected a mapping of severity/params, got "
                        f"{type(block).__name__}",
                        path,
                        _line_for(lines, make_pointer("rules", code)),
                    )
                )
    _raise(errors)
    inputs = dict(DEFAULT_INPUTS)
    inputs.update({k: tuple(v) for k, v in (core.get("inputs") or {}).items()})
    knobs = dict(DEFAULT_KNOBS)
    file_knobs = core.get("knobs") or {}
    for knob, names in file_knobs.items():
        knobs[knob] = (names,) if isinstance(names, str) else tuple(names)
    plugins = core.get("plugins") or {}
    paths = plugins.get("paths")
    plugin_paths = tuple(path.parent / p for p in (paths if paths is not None else ["plugins"]))
    limits = core.get("limits") or {}
    sections["__file_knobs__"] = tuple(file_knobs)
    return Config(
        path=path,
        select=tuple(core.get("select") or ("ALL",)),
        ignore=tuple(core.get("ignore") or ()),
        baseline=core.get("baseline"),
        candidate=core.get("candidate"),
        rules_raw=rules_raw,
        inputs=inputs,
        knobs=knobs,
        plugin_paths=plugin_paths,
        plugin_disable=tuple(plugins.get("disable") or ()),
        max_line_bytes=limits.get("max-line-bytes", DEFAULT_MAX_LINE_BYTES),
        suppressions=path.parent / core["suppressions"] if core.get("suppressions") else None,
        per_path_ignores={k: tuple(v) for k, v in (core.get("per-path-ignores") or {}).items()},
        sections=sections,
        lines=lines,
    )


def _schema_errors(instance: Any, schema: Mapping[str, Any]) -> Iterable[Any]:
    """jsonschema errors, sorted by path; jsonschema is imported only when there are any."""
    if compile_schema(schema)(instance):
        return []
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    return sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))


def _err_pointer(err: Any) -> str:
    at = make_pointer(*err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        if extra:
            return at + make_pointer(extra[0])
    return at


def _describe(err: Any) -> str:
    where = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        msg = f"unknown key {extra[0]!r}" if extra else err.message
        if allowed:
            msg += f" (allowed: {', '.join(allowed)})"
        return f"{where}: {msg}" if where else msg
    if err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        msg = f"{err.instance!r} out of range (must be {bound[str(err.validator)]} {err.validator_value})"
    elif err.validator == "type":
        msg = f"expected {err.validator_value}, got {type(err.instance).__name__} {err.instance!r}"
    elif err.validator == "not" and isinstance(err.instance, str) and where.startswith("inputs."):
        msg = glob_refusal(err.instance)
    else:
        msg = err.message
    return f"{where}: {msg}" if where else msg


def glob_refusal(pattern: str) -> str:
    """Why the config refuses an `inputs` glob (its schema's `not` says only which
    regex matched)."""
    from ftlint.sources.listing import glob_error

    return f"glob {pattern!r} {glob_error(pattern, parents=False) or 'is refused'}"


def _line_for(lines: Mapping[str, int], at: str) -> int | None:
    """The line of a pointer, or of its nearest ancestor that has one."""
    while True:
        if at in lines:
            return lines[at]
        if not at:
            return None
        at = at.rsplit("/", 1)[0]


def _raise(errors: list[FtlintError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        errors.sort(key=lambda e: (e.path or "", e.line or 0))
        raise FtlintErrors(errors)
