"""Scaffold a new built-in rule: one module, one case file, one catalogue page.

    python scripts/new_rule.py QLT011 answer-too-long quality

writes `src/ftlint/rules/quality/answer_too_long.py` (a working example rule: a
canonical metric above a configurable maximum; edit it), `tests/rules/cases/QLT011.yaml`
(a trigger and a near miss that pass for the example; edit them with the rule) and
`rules/QLT011.md`, and registers the class in `src/ftlint/rules/quality/__init__.py` in
code order. Run `ftlint rules --write-catalogue rules/` after editing the docstring.
`--root DIR` scaffolds into another checkout (or a temporary copy, as the tests do).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = {
    "format": "FMT",
    "quality": "QLT",
    "training": "TRN",
    "provenance": "PRV",
    "ops": "OPS",
    "security": "SEC",
}
CATEGORY = {
    "format": "FORMAT",
    "quality": "QUALITY",
    "training": "TRAINING",
    "provenance": "PROVENANCE",
    "ops": "OPS",
    "security": "SECURITY",
}

MODULE = '''"""{code} {name}: {summary}"""

from __future__ import annotations

from collections.abc import Iterator

from ftlint.model import Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext


class {cls}(Rule):
    """What it does: {summary_lower}

    Why is this bad: say what goes wrong downstream when this is left in a run, with
    the numbers a reviewer would ask for.

    Example: a run whose `metric` is above `max` (see the case file
    tests/rules/cases/{code}.yaml).

    What the planner does: name the exact next-run change (setting, data, prompt or
    decode) and its tier, or that it proposes none.
    """

    code = "{code}"
    name = "{name}"
    category = Category.{category}
    default_severity = Severity.WARNING
    params = {{
        "metric": Param("parse_error_rate", "canonical metric to check"),
        "max": Param(0.05, "largest acceptable value", minimum=0),
    }}

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        metric, limit = ctx.params["metric"], ctx.params["max"]
        value = run.metric(metric)
        if value is None or value <= limit:
            return
        yield ctx.finding(
            run,
            f"{{metric}} {{g(value)}} is above the maximum {{g(limit)}}",
            anchor=metric,
            evidence=[e for e in [run.metric_evidence(metric)] if e is not None],
            measurements={{"value": value, "max": limit}},
        )
'''

CASES = """# {code} {name}: a trigger and a near miss (edit them with the rule).
cases:
  - name: above-maximum
    example: outputs/run-a/final_metrics.json
    files:
      outputs/run-a/final_metrics.json:
        eval: {{json_valid_rate: 0.9, parse_error_rate: 0.1}}
    expect:
      - {{code: {code}, run: run-a, severity: warning, message: "parse_error_rate 0.1 is above the maximum 0.05"}}
  - name: at-maximum
    files:
      outputs/run-a/final_metrics.json:
        eval: {{json_valid_rate: 0.95, parse_error_rate: 0.05}}
    expect: []
"""


def snake(name: str) -> str:
    return name.replace("-", "_")


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def register(init: Path, module: str, cls: str, code: str, package: str) -> None:
    """Import the class in the category's `__init__` and insert it into `ftlint_rules()`
    in code order (the list of `return [...]`)."""
    text = init.read_text(encoding="utf-8")
    ours = f"from {package}."
    lines = text.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.startswith(ours)]
    if not at:
        raise SystemExit(f"{init}: no `{ours}...` imports to add the rule to")
    block = sorted([*(lines[i] for i in at), f"from {package}.{module} import {cls}\n"])
    lines[at[0] : at[-1] + 1] = block
    text = "".join(lines)
    match = re.search(r"return \[\n(?P<body>(?:        \w+,\n)*)    \]", text)
    if match is None:
        raise SystemExit(f"{init}: no `return [...]` list of rule classes to register in")
    names = re.findall(r"        (\w+),\n", match["body"])
    codes = _codes(init.parent)
    names.append(cls)
    codes[cls] = code
    names.sort(key=lambda n: codes.get(n, n))
    body = "".join(f"        {n},\n" for n in names)
    text = text[: match.start("body")] + body + text[match.end("body") :]
    init.write_text(text, encoding="utf-8")


def _codes(package_dir: Path) -> dict[str, str]:
    """Class name -> rule code of every rule module of a package (read, not imported)."""
    out: dict[str, str] = {}
    for path in package_dir.glob("[a-z]*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id == "code"
                    and isinstance(stmt.value, ast.Constant)
                ):
                    out[node.name] = str(stmt.value.value)
    return out


def load_class(path: Path, cls: str) -> type:
    spec = importlib.util.spec_from_file_location(f"_new_rule_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, cls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("code", help="rule code, e.g. QLT011")
    parser.add_argument("name", help="kebab-case rule name, e.g. answer-too-long")
    parser.add_argument("category", choices=sorted(PREFIX))
    parser.add_argument("--summary", default="A canonical metric above a configured maximum.")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to scaffold into")
    args = parser.parse_args(argv)
    code, name, category = args.code, args.name, args.category
    if not re.fullmatch(r"[A-Z]{3}\d{3}", code) or not code.startswith(PREFIX[category]):
        parser.error(f"code must be {PREFIX[category]} + 3 digits for category {category}")
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name):
        parser.error("name must be kebab-case")
    package_dir = args.root / "src" / "ftlint" / "rules" / category
    module_path = package_dir / f"{snake(name)}.py"
    case_path = args.root / "tests" / "rules" / "cases" / f"{code}.yaml"
    page_path = args.root / "rules" / f"{code}.md"
    if code in _codes(package_dir).values():
        parser.error(f"{code} already exists in {package_dir}")
    for path in (module_path, case_path):
        if path.exists():
            parser.error(f"{path} already exists")
    summary = args.summary.strip().rstrip(".") + "."
    module_path.write_text(
        MODULE.format(
            code=code,
            name=name,
            cls=camel(name),
            category=CATEGORY[category],
            summary=summary,
            summary_lower=summary[:1].lower() + summary[1:],
        ),
        encoding="utf-8",
    )
    case_path.parent.mkdir(parents=True, exist_ok=True)
    case_path.write_text(CASES.format(code=code, name=name), encoding="utf-8")
    register(
        package_dir / "__init__.py", snake(name), camel(name), code, f"ftlint.rules.{category}"
    )
    sys.path.insert(0, str(args.root / "src"))
    from ftlint.report.catalogue import rule_page

    rule = load_class(module_path, camel(name))
    page_path.parent.mkdir(parents=True, exist_ok=True)
    page_path.write_text(
        rule_page(rule, example=True, case_dirs=(case_path.parent,)), encoding="utf-8"
    )
    for path in (module_path, case_path, page_path):
        print(f"wrote {path}")
    print(f"registered {camel(name)} in {package_dir / '__init__.py'}")
    print("next: edit the rule and its cases, then `ftlint rules --write-catalogue rules/`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
