"""`ftlint.frozen` (the model's records) behaves as `@dataclass(frozen=True, slots=True)`.

It exists only to make importing the model cheaper, so every observable behaviour is
compared with a twin class built by the real decorator: fields, `__init__` signature,
defaults and factories, post-init, repr, eq, hash, frozen errors, pickling, copy,
`replace`, `asdict`, `__slots__`, `__match_args__` and the dataclass params.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import assert_like_twin, dataclass_twin

from ftlint import frozen, maker, model

RECORDS = sorted(
    (c for c in vars(model).values() if isinstance(c, type) and dataclasses.is_dataclass(c)),
    key=lambda c: c.__name__,
)
#: values that pass the records' own checks (Action.__post_init__)
VALID = {("Action", "tier"): 2, ("Action", "kind"): "env"}


def _twin(cls: type) -> type:
    return dataclass_twin(cls, frozen=True)


def _args(cls: type, salt: str = "") -> dict[str, Any]:
    required = [f for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    out = {}
    for i, f in enumerate(required):
        plain = f.default_factory is dataclasses.MISSING
        out[f.name] = VALID.get((cls.__name__, f.name), f"{f.name}{i}{salt}") if plain else {}
    return out


def _same_behaviour(
    ours: type, twin: type, args: dict[str, Any], other: dict[str, Any], *, importable: bool = True
) -> None:
    first = dataclasses.fields(ours)[0].name if dataclasses.fields(ours) else None
    a, b = assert_like_twin(ours, twin, args, other, VALID.get((ours.__name__, first), "changed"))
    assert ours.__slots__ == twin.__slots__
    try:
        expected: Any = hash(b)
    except TypeError as exc:
        expected = str(exc)
    try:
        got: Any = hash(a)
    except TypeError as exc:
        got = str(exc)
    assert got == expected
    for obj in (a, b):
        for name in [f.name for f in dataclasses.fields(obj)][:1]:
            _refuses_changes(obj, name)
        with pytest.raises((AttributeError, TypeError)):  # 3.11's @dataclass: TypeError
            obj.not_a_field = 1
    if importable:
        back = pickle.loads(pickle.dumps(a))
        assert back == a and type(back) is ours and repr(back) == repr(a)


def _refuses_changes(obj: Any, name: str) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"):
        setattr(obj, name, 1)
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field '{name}'"):
        delattr(obj, name)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_every_model_record_matches_its_dataclass_twin(cls: type) -> None:
    assert not hasattr(cls, "__dict__") or "__dict__" not in cls.__slots__
    _same_behaviour(cls, _twin(cls), _args(cls), _args(cls, salt="-other"))


def test_defaults_factories_and_post_init() -> None:
    with pytest.raises(ValueError, match="tier must be 1-4"):
        model.Action(9, "env", "text")
    run = model.Run("r")
    assert run.metrics == {} and run.metrics is not model.Run("r").metrics  # a fresh dict
    assert run.provenance == model.Provenance()
    assert model.Evidence("p", 3) == model.Evidence(path="p", line=3)


def _pair(body: dict[str, Any]) -> tuple[type, type]:
    annotations = {k: v[0] for k, v in body.items()}
    defaults = {k: v[1] for k, v in body.items() if len(v) > 1}

    def build() -> type:
        return type("Rec", (), {"__annotations__": dict(annotations), **dict(defaults)})

    return frozen(build()), dataclass(frozen=True, slots=True)(build())


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"only": ("int",)},
        {"a": ("int",), "b": ("str", "x"), "c": ("list", field(default_factory=list))},
        {
            "a": ("int",),
            "hidden": ("int", field(default=0, repr=False)),
            "loose": ("int", field(default=0, compare=False)),
            "hashed": ("int", field(default=0, compare=False, hash=True)),
        },
        {"nan": ("float",)},
    ],
    ids=["empty", "one", "defaults", "field-options", "nan"],
)
def test_the_decorator_matches_dataclass(body: dict[str, Any]) -> None:
    ours, twin = _pair(body)
    args = {name: float("nan") if name == "nan" else 7 for name in body if len(body[name]) == 1}
    other = {name: 8 for name in args}
    _same_behaviour(ours, twin, args, other, importable=False)


def test_unsupported_shapes_are_refused() -> None:
    with pytest.raises(TypeError, match="use @dataclass"):
        frozen(type("Bad", (), {"__annotations__": {"x": "ClassVar[int]"}}))
    with pytest.raises(TypeError, match="use @dataclass"):
        frozen(type("Bad", (), {"__annotations__": {"x": "int"}, "x": field(init=False)}))


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"__annotations__": {"x": "list"}, "x": []}, ValueError),  # a shared mutable default
        ({"__annotations__": {"x": "int", "y": "int"}, "x": 1}, TypeError),  # order
        ({"__annotations__": {"x": "int"}, "__slots__": ("x",)}, TypeError),
    ],
    ids=["mutable-default", "default-before-required", "own-slots"],
)
def test_refuses_what_dataclass_refuses(body: dict[str, Any], error: type) -> None:
    with pytest.raises(error) as theirs:
        dataclass(frozen=True, slots=True)(type("Bad", (), dict(body)))
    with pytest.raises(error) as ours:
        frozen(type("Bad", (), dict(body)))
    assert str(ours.value) == str(theirs.value)


def test_sha256_is_hashlibs() -> None:
    import hashlib

    from ftlint import sha256

    for data in (b"", b"abc", bytes(range(256)) * 1000):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert (
        model.fingerprint("R", "run", "p", "a")
        == hashlib.sha256("\x1f".join(("R", "run", "p", "a")).encode()).hexdigest()[:16]
    )


def test_subclasses_inherit_fields_as_with_dataclass() -> None:
    def build(decorate: Any) -> type:
        base = decorate(type("Base", (), {"__annotations__": {"a": "int"}}))
        return decorate(type("Sub", (base,), {"__annotations__": {"b": "str"}, "b": "x"}))

    ours, twin = build(frozen), build(dataclass(frozen=True, slots=True))
    _same_behaviour(ours, twin, {"a": 1}, {"a": 2, "b": "y"}, importable=False)
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass"):
        dataclass(type("Loose", (model.Evidence,), {"__annotations__": {"z": "int"}}))


@dataclass(frozen=True, slots=True)
class _Located(model.Evidence):
    """A subclass made by @dataclass outside ftlint (as a plugin might)."""

    extra: int = 0


def test_pickling_takes_the_short_path_and_subclasses_keep_their_class() -> None:
    evidence = model.Evidence("p", 3)
    assert evidence.__reduce__() == (model.Evidence, ("p", 3, None, None, None))
    action = model.Action(2, "env", "text")  # __post_init__: restored without running it
    assert pickle.loads(pickle.dumps(action)) == action
    sub = _Located("p", 1, extra=5)
    back = pickle.loads(pickle.dumps(sub))
    assert type(back) is _Located and back == sub and back.extra == 5
    assert copy.deepcopy(sub) == sub


def test_a_record_without_a_docstring_documents_its_signature_as_dataclass_does() -> None:
    """The signature text is made when first read (not at import), then kept."""

    @frozen
    class Point3:
        x: int
        label: str = "a"

    @dataclasses.dataclass(frozen=True, slots=True)
    class Twin:
        x: int
        label: str = "a"

    expected = Twin.__doc__.replace("Twin", "Point3")
    assert Point3(1).__doc__ == expected
    assert Point3.__doc__ == expected
    assert Point3.__dict__["__doc__"] == expected  # kept after the first read


# ---------------------------------------------------------------- maker


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_maker_builds_what_the_class_builds(cls: type) -> None:
    """`maker(cls)(*fields)` is `cls(*fields)` in every way the class itself is held to
    (type, repr, eq, hash, frozen, pickling, replace), or `cls` itself when it cannot
    be (a record with a `__post_init__`: nothing would run it)."""
    make = maker(cls)
    if hasattr(cls, "__post_init__"):
        assert make is cls
        return
    assert make is not cls
    names = [f.name for f in dataclasses.fields(cls)]
    values = [f"{name}-{i}" for i, name in enumerate(names)]
    built, made = cls(*values), make(*values)
    assert type(made) is cls
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert [getattr(made, n) for n in names] == values
    for name in names[:1]:
        _refuses_changes(made, name)
    with pytest.raises((AttributeError, TypeError)):
        made.not_a_field = 1
    assert pickle.loads(pickle.dumps(made)) == built
    if names:
        assert dataclasses.replace(made, **{names[0]: "x"}) == dataclasses.replace(
            built, **{names[0]: "x"}
        )


def test_maker_of_the_streamed_records_takes_any_values() -> None:
    """The readers' makers (`hardrows.new_case`, `new_evidence`) give the record the
    constructor gives for values of every type a row holds, in the field order."""
    from ftlint.sources.hardrows import new_case, new_evidence

    for values in ([None] * 5, ["p", 1, "/x", "7", "https://u"], ["p", True, 0.5, b"", {}]):
        assert new_evidence(*values) == model.Evidence(*values)
        assert type(new_evidence(*values)) is model.Evidence
    ev = model.Evidence("p", 3)
    fields = [1, "7", "req", None, {"a": 1.0}, None, {"a": 0.5}, 0.5, None, "out", ev, {"k": 1}]
    case = new_case(*fields)
    assert case == model.HardCase(*fields) and type(case) is model.HardCase
    with pytest.raises(TypeError):
        new_case(*fields[:-1])  # every field, positionally: no defaults


def test_maker_leaves_classes_it_cannot_build_to_themselves() -> None:
    """A subclass of a dataclass (made by @dataclass), a class with a __post_init__ and
    a plain class are built by the class itself."""

    @frozen
    class Base:
        a: int

    @frozen
    class Child(Base):
        b: int = 0

    @frozen
    class Checked:
        a: int

        def __post_init__(self) -> None:
            raise ValueError("checked")

    class Plain:
        pass

    assert maker(Child) is Child and maker(Checked) is Checked and maker(Plain) is Plain
    assert maker(Base)(1) == Base(1)
