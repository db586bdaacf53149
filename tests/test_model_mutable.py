"""`ftlint.mutable` behaves as `@dataclass(slots=True)`, and `ftlint.frozen` builds a
subclass of one of its records (`LazyRun(Run)`) as `@dataclass(frozen=True, slots=True)`
does: every observable behaviour compared with a twin made by the real decorator."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import assert_like_twin, dataclass_twin

import ftlint

#: every class of ftlint made by `mutable` (imported by the modules the CLI loads)
import ftlint.assemble.discover
import ftlint.assemble.records
import ftlint.engine.run
import ftlint.plan.ranking
import ftlint.remote.manifest
import ftlint.rule
import ftlint.rules.format._common
import ftlint.rules.format.parse_error_spike
import ftlint.rules.quality.source_type_concentration
import ftlint.sources.hfjobs.draft
import ftlint.sources.io
import ftlint.sources.outputs
import ftlint.sources.wandb_folder
import ftlint.sources.wandb_log
import ftlint.sources.weave_export
from ftlint import frozen, mutable
from ftlint.assemble.lazy import LazyRun
from ftlint.model import Run

MUTABLE = sorted(
    (c for c in ftlint._MADE if not c.__dataclass_params__.frozen),
    key=lambda c: (c.__module__, c.__qualname__),
)


def _twin(cls: type) -> type:
    return dataclass_twin(cls, frozen=False)


def _args(cls: type, salt: str = "") -> dict[str, Any]:
    return {
        f.name: f"{f.name}{salt}"
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


def _alike(ours: type, twin: type, args: dict[str, Any], other: dict[str, Any]) -> tuple:
    return assert_like_twin(ours, twin, args, other, "x")


@pytest.mark.parametrize("cls", MUTABLE, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_mutable_record_matches_its_dataclass_twin(cls: type) -> None:
    twin = _twin(cls)
    assert cls.__slots__ == twin.__slots__
    a, b = _alike(cls, twin, _args(cls), _args(cls, "-other"))
    for obj in (a, b):
        with pytest.raises(TypeError, match="unhashable"):
            hash(obj)
        name = dataclasses.fields(obj)[0].name
        setattr(obj, name, "changed")  # mutable: fields are set and deleted freely
        assert getattr(obj, name) == "changed"
        delattr(obj, name)
        with pytest.raises(AttributeError):
            getattr(obj, name)
        with pytest.raises(AttributeError):  # slotted: no attribute but the fields
            obj.not_a_field = 1


def test_mutable_defaults_factories_pickling() -> None:
    @mutable
    class Tally:
        name: str
        count: int = 0
        seen: list[int] = field(default_factory=list)

    first, second = Tally("a"), Tally("a")
    assert first.seen == [] and first.seen is not second.seen
    first.count += 2
    first.seen.append(1)
    assert (
        first != second
        and repr(first)
        == "test_mutable_defaults_factories_pickling.<locals>.Tally(name='a', count=2, seen=[1])"
    )
    assert pickle.loads(pickle.dumps(_Picklable("p", 3))) == _Picklable("p", 3)


@mutable
class _Picklable:
    path: str
    line: int = 0


def test_lazy_run_is_built_here_and_matches_dataclass() -> None:
    """`LazyRun(Run)`: the base's fields, then its own (`loader`), frozen, hashable."""
    assert LazyRun in ftlint._MADE and LazyRun.__slots__ == ("loader",)
    namespace = {
        "__annotations__": {"loader": dataclasses.fields(LazyRun)[-1].type},
        "loader": field(default=None, compare=False, repr=False),
        "__doc__": LazyRun.__doc__,
    }
    twin = dataclass(frozen=True, slots=True)(type("LazyRun", (Run,), namespace))
    assert [f.name for f in dataclasses.fields(LazyRun)] == [
        f.name for f in dataclasses.fields(twin)
    ]
    a, b = _alike(LazyRun, twin, {"name": "r"}, {"name": "s"})
    for obj in (a, b):  # a run holds dicts: unhashable, with the same message
        with pytest.raises(TypeError, match="unhashable type: 'dict'"):
            hash(obj)
    assert a == LazyRun("r", loader=len)  # loader: compare=False
    assert isinstance(a, Run) and a != Run("r") and Run("r") != a
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'loader'"):
        a.loader = len  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
        a.name = "x"  # type: ignore[misc]
    back = pickle.loads(pickle.dumps(LazyRun("r", kind="eval")))
    assert type(back) is LazyRun and back == LazyRun("r", kind="eval") and back.kind == "eval"


def test_what_is_not_built_here_goes_to_dataclass() -> None:
    """A field redefined by a subclass, a mutable subclass of a dataclass, a subclass of
    a record made elsewhere: @dataclass builds each (with its own checks)."""

    @frozen
    class Base:
        a: int
        b: str = "x"

    redefined = frozen(type("Sub", (Base,), {"__annotations__": {"b": "str"}, "b": "y"}))
    assert redefined not in ftlint._MADE and redefined(1).b == "y"
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass"):
        mutable(type("Loose", (Base,), {"__annotations__": {"z": "int"}, "z": 0}))
    loose = mutable(type("Loose", (), {"__annotations__": {"a": "int"}}))
    with pytest.raises(TypeError, match="cannot inherit frozen dataclass"):
        frozen(type("Stiff", (loose,), {"__annotations__": {"z": "int"}, "z": 0}))
    elsewhere = dataclass(frozen=True, slots=True)(type("E", (), {"__annotations__": {"a": "int"}}))
    sub = frozen(type("S", (elsewhere,), {"__annotations__": {"z": "int"}, "z": 0}))
    assert sub not in ftlint._MADE and sub(1).z == 0
    with pytest.raises(TypeError, match="non-default argument 'c' follows default argument"):
        frozen(type("Late", (Base,), {"__annotations__": {"c": "int"}}))
