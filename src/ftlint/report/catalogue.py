"""The rule catalogue: one Markdown page per rule, generated from the rule classes.

With `example=True` a page ends with an Example: the input excerpt and the message of
the rule's first failing declarative case (`tests/rules/cases/<CODE>.yaml`, asserted by
the test suite to be what the rule produces). Pages in SARIF stay without it, so a
report does not depend on whether the case files are at hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ftlint.config.settings import rule_schema
from ftlint.rule import DOC_PARTS, Rule

#: where the built-in rules' cases live in a source checkout
CASE_DIRS: tuple[Path, ...] = (Path(__file__).resolve().parents[3] / "tests" / "rules" / "cases",)
EXCERPT_LINES = 15
EXCERPT_WIDTH = 100


def rule_page(
    cls: type[Rule], *, example: bool = False, case_dirs: Sequence[Path] = CASE_DIRS
) -> str:
    """The catalogue page of one rule (also what `ftlint explain CODE` prints)."""
    parts = cls.doc_parts()
    lines = [
        f"# {cls.code} `{cls.name}`",
        "",
        f"- Category: {cls.category.value}",
        f"- Default severity: {cls.default_severity.value}",
        f"- Scope: {', '.join(cls.scopes())}",
        f"- Enabled by default: {'no (opt-in: select it or configure it)' if cls.opt_in else 'yes'}",
        "",
    ]
    for heading in DOC_PARTS:
        lines += [f"## {heading}", "", parts.get(heading, ""), ""]
    lines += ["## Configuration", ""]
    if cls.params:
        lines += ["| param | default | constraint | meaning |", "| --- | --- | --- | --- |"]
        props = rule_schema(cls)["properties"]
        for key, param in cls.params.items():
            schema = props[key]
            constraint = ", ".join(
                f"{k} {schema[k]}"
                for k in ("minimum", "maximum", "exclusiveMinimum", "enum")
                if k in schema
            )
            lines.append(
                f"| `{key}` | `{_yaml(param.default)}` | {constraint or '-'} "
                f"| {_cell(param.description)} |"
            )
        lines.append("")
    config = ["rules:", f"  {cls.code}:", f"    severity: {cls.default_severity.value}"]
    config += [f"    {k}: {_yaml(p.default)}" for k, p in cls.params.items()]
    lines += ["In `rules.yaml`:", "", "```yaml", *config, "```", ""]
    if example and (shown := example_lines(cls, case_dirs)):
        lines += shown
    return "\n".join(lines)


def example_lines(cls: type[Rule], case_dirs: Sequence[Path] = CASE_DIRS) -> list[str]:
    """The Example section from the rule's first failing case, or [] without one."""
    from ftlint.testing import CaseError, load_cases, render_file

    path = next(
        (d / f"{cls.code}.yaml" for d in case_dirs if (d / f"{cls.code}.yaml").is_file()), None
    )
    if path is None:
        return []
    try:
        cases = load_cases(path, rule=cls.code)
    except CaseError:
        return []
    case = next((c for c in cases if any(e["code"] == cls.code for e in c.expect)), None)
    if case is None or not case.files:
        return []
    rel = case.example if case.example in case.files else next(iter(case.files))
    text = render_file(rel, case.files[rel]).splitlines()
    shown = [ln if len(ln) <= EXCERPT_WIDTH else ln[: EXCERPT_WIDTH - 3] + "..." for ln in text]
    if len(shown) > EXCERPT_LINES:
        shown = [*shown[:EXCERPT_LINES], f"... ({len(text) - EXCERPT_LINES} more lines)"]
    lang = {".json": "json", ".jsonl": "json", ".yaml": "yaml", ".yml": "yaml"}.get(
        Path(rel).suffix, "text"
    )
    out = ["## Example", "", f"`{rel}` (case `{case.name}` in `{path.name}`):", ""]
    out += [f"```{lang}", *shown, "```", ""]
    if case.config:
        out += ["With `rules.yaml`:", "", "```yaml", *case.config.rstrip().splitlines(), "```", ""]
    expected = next(e for e in case.expect if e["code"] == cls.code)
    where = f" ({expected['run']})" if expected.get("run") else ""
    out += [f"{cls.code} says{where}:", "", "```text", expected.get("message", ""), "```", ""]
    return out


def _yaml(value: object) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return json.dumps(value)


def _cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def index_page(classes: Sequence[type[Rule]]) -> str:
    lines = [
        "# Rule catalogue",
        "",
        "Generated from the rules' own metadata by `ftlint rules --write-catalogue rules/`;",
        "a test fails when a page is missing or stale. Codes are stable public API.",
        "",
        "| code | name | category | severity | what it detects |",
        "| --- | --- | --- | --- | --- |",
    ]
    for cls in classes:
        lines.append(
            f"| [{cls.code}]({cls.code}.md) | `{cls.name}` | {cls.category.value} "
            f"| {cls.default_severity.value} | {_cell(cls.summary())} |"
        )
    return "\n".join(lines) + "\n"


def catalogue_files(classes: Sequence[type[Rule]]) -> dict[str, str]:
    files = {f"{cls.code}.md": rule_page(cls, example=True) for cls in classes}
    files["README.md"] = index_page(classes)
    return files


def write_catalogue(classes: Sequence[type[Rule]], directory: Path) -> list[str]:
    """Write every page; remove pages of rules that no longer exist. Returns changed names."""
    directory.mkdir(parents=True, exist_ok=True)
    files = catalogue_files(classes)
    changed = []
    for name, text in files.items():
        path = directory / name
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
            changed.append(name)
    for path in directory.glob("*.md"):
        if path.name not in files:
            path.unlink()
            changed.append(path.name)
    return sorted(changed)
