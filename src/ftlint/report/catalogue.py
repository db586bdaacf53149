"""The rule catalogue: one Markdown page per rule, generated from the rule classes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ftlint.config.settings import rule_schema
from ftlint.rule import DOC_PARTS, Rule


def rule_page(cls: type[Rule]) -> str:
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
    example = ["rules:", f"  {cls.code}:", f"    severity: {cls.default_severity.value}"]
    example += [f"    {k}: {_yaml(p.default)}" for k, p in cls.params.items()]
    lines += ["In `rules.yaml`:", "", "```yaml", *example, "```", ""]
    return "\n".join(lines)


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
    files = {f"{cls.code}.md": rule_page(cls) for cls in classes}
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
