"""A small, fast JSON Schema checker for the subset of keywords ftlint's schemas use.

ftlint validates every artifact and the config against the JSON Schemas in `schemas/`.
Importing and compiling `jsonschema` costs more than the rest of a typical lint, so
the happy path asks only this checker "is it valid?"; `jsonschema` is imported solely
to *explain* a document that failed. A test proves both agree on generated documents
for every shipped schema, and `is_valid` refuses schemas with keywords it does not
implement rather than silently accepting them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

ANNOTATIONS = frozenset(
    {"$schema", "$id", "title", "description", "$comment", "default", "examples"}
)
SUPPORTED = frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "required",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "items",
        "enum",
        "const",
        "pattern",
        "minLength",
        "minItems",
        "$ref",
        "$defs",
        "oneOf",
        "anyOf",
        "not",
        "propertyNames",
    }
)

Check = Callable[[Any], bool]


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this checker does not implement."""


#: the Python types of each JSON type (a bool is never a number: `type()` is exact)
_TYPES: dict[str, frozenset[type]] = {
    "object": frozenset({dict}),
    "array": frozenset({list}),
    "string": frozenset({str}),
    "number": frozenset({int, float}),
    "integer": frozenset({int}),
    "boolean": frozenset({bool}),
    "null": frozenset({type(None)}),
}


def _type_check(names: list[str]) -> Check:
    """A predicate for `"type": names`: one set lookup, plus JSON Schema's integral
    float (`2.0` is an integer) when "integer" is allowed and "number" is not."""
    for name in names:
        if name not in _TYPES:
            raise UnsupportedSchema(f"unknown type {name!r}")
    kinds = frozenset().union(*(_TYPES[name] for name in names))
    if "integer" in names and float not in kinds:
        return lambda v: type(v) in kinds or (type(v) is float and v.is_integer())
    return lambda v: type(v) in kinds


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0 but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def compile_schema(
    schema: Mapping[str, Any] | bool, root: Mapping[str, Any] | None = None
) -> Check:
    """Turn a schema into a predicate. Raises UnsupportedSchema for unknown keywords."""
    if schema is True:
        return lambda _v: True
    if schema is False:
        return lambda _v: False
    assert isinstance(schema, Mapping)
    root = root if root is not None else schema
    unknown = set(schema) - SUPPORTED - ANNOTATIONS
    if unknown:
        raise UnsupportedSchema(f"unsupported keyword(s) {sorted(unknown)}")
    checks: list[Check] = []
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise UnsupportedSchema(f"unsupported $ref {ref!r}")
        name = ref[len("#/$defs/") :]
        holder: dict[str, Check] = {}

        def by_ref(v: Any) -> bool:
            if "c" not in holder:
                holder["c"] = compile_schema(root["$defs"][name], root)
            return holder["c"](v)

        checks.append(by_ref)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        checks.append(_type_check(list(types)))
    if "enum" in schema:
        options = list(schema["enum"])
        if all(type(o) is str for o in options):  # the common case: one set lookup
            names = frozenset(options)
            checks.append(lambda v: type(v) is str and v in names)
        else:
            checks.append(lambda v: any(_equal(v, o) for o in options))
    if "const" in schema:
        const = schema["const"]
        checks.append(lambda v: _equal(v, const))
    _numeric(schema, checks)
    if "pattern" in schema:
        rx = re.compile(schema["pattern"])
        checks.append(lambda v: type(v) is not str or rx.search(v) is not None)
    if "minLength" in schema:
        n = schema["minLength"]
        checks.append(lambda v: type(v) is not str or len(v) >= n)
    _object(schema, root, checks)
    _array(schema, root, checks)
    for key, combine in (("oneOf", lambda hits: hits == 1), ("anyOf", lambda hits: hits >= 1)):
        if key in schema:
            subs = [compile_schema(s, root) for s in schema[key]]
            checks.append(lambda v, subs=subs, ok=combine: ok(sum(1 for c in subs if c(v))))
    if "not" in schema:
        negated = compile_schema(schema["not"], root)
        checks.append(lambda v: not negated(v))
    return _all(checks)


def _all(checks: list[Check]) -> Check:
    """Every check holds (without a generator for the common one or two checks)."""
    if not checks:
        return lambda _v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    chain = tuple(checks)

    def every(v: Any) -> bool:
        for check in chain:  # noqa: SIM110 (all() of a generator: ~0.3 us more a call)
            if not check(v):
                return False
        return True

    return every


def _numeric(schema: Mapping[str, Any], checks: list[Check]) -> None:
    num = (int, float)
    if "minimum" in schema:
        lo = schema["minimum"]
        checks.append(lambda v: type(v) not in num or v >= lo)
    if "maximum" in schema:
        hi = schema["maximum"]
        checks.append(lambda v: type(v) not in num or v <= hi)
    if "exclusiveMinimum" in schema:
        xlo = schema["exclusiveMinimum"]
        checks.append(lambda v: type(v) not in num or v > xlo)
    if "exclusiveMaximum" in schema:
        xhi = schema["exclusiveMaximum"]
        checks.append(lambda v: type(v) not in num or v < xhi)


def _object(schema: Mapping[str, Any], root: Mapping[str, Any], checks: list[Check]) -> None:
    props = {k: compile_schema(s, root) for k, s in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    extra_check = compile_schema(extra, root) if extra is not True else None
    names = compile_schema(schema["propertyNames"], root) if "propertyNames" in schema else None
    if not (props or required or extra_check or names):
        return

    def check(v: Any) -> bool:
        if type(v) is not dict:
            return True
        for key in required:
            if key not in v:
                return False
        for key, value in v.items():
            if names is not None and not names(key):
                return False
            sub = props.get(key)
            if sub is not None:
                if not sub(value):
                    return False
            elif extra_check is not None and not extra_check(value):
                return False
        return True

    checks.append(check)


def _array(schema: Mapping[str, Any], root: Mapping[str, Any], checks: list[Check]) -> None:
    if "items" in schema:
        item = compile_schema(schema["items"], root)

        def items(v: Any) -> bool:
            if type(v) is list:
                for x in v:
                    if not item(x):
                        return False
            return True

        checks.append(items)
    if "minItems" in schema:
        n = schema["minItems"]
        checks.append(lambda v: type(v) is not list or len(v) >= n)


_CACHE: dict[str, Check] = {}


def checker(key: str, loader: Callable[[], Mapping[str, Any]]) -> Check:
    """A predicate for the schema `loader()` returns, compiled once per `key`."""
    check = _CACHE.get(key)
    if check is None:
        check = _CACHE[key] = compile_schema(loader())
    return check
