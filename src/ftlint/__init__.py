"""ftlint: a rule-engine linter for fine-tuning eval runs."""

from __future__ import annotations

TYPE_CHECKING = False  # `import ftlint` imports nothing (typing is ~4 ms)
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import Field
    from typing import Any, TypeVar

    _T = TypeVar("_T")

__version__ = "0.1.0"
#: config files looked up from the working directory upward, besides a pyproject.toml
#: with a [tool.ftlint] table (`ftlint.config.settings`)
CONFIG_NAMES = ("rules.yaml", ".ftlint.yaml")


class _Factory:
    """The default of a field with a default_factory in `__init__` (shown as @dataclass
    shows its own)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def sha256(data: bytes = b"") -> Any:
    """`hashlib.sha256(data)`, through CPython's own SHA-256 module where it has one (as
    `random` does for sha512): importing hashlib loads OpenSSL, ~2 ms of every start-up,
    for the fingerprints of findings. The same digest either way."""
    global _SHA256
    if _SHA256 is None:
        try:
            from _sha256 import sha256 as _SHA256  # CPython 3.11
        except ImportError:
            try:
                from _sha2 import sha256 as _SHA256  # CPython 3.12+
            except ImportError:
                from hashlib import sha256 as _SHA256
    return _SHA256(data)


_SHA256: Any = None


def frozen(cls: type[_T]) -> type[_T]:
    """`@dataclass(frozen=True, slots=True)` at a third of its import cost.

    The same class (fields, `dataclasses.replace`/`asdict`, `__slots__`,
    `__match_args__`, frozen params), `__init__`, repr, eq, hash, `FrozenInstanceError`s
    and pickling; but only `__init__` is compiled, where @dataclass compiles six functions
    per class (the model's 15 records imported in 9.3 ms, now 4.0). Supports what a record
    uses: no InitVar, ClassVar or KW_ONLY (those raise here); a subclass of a dataclass is
    made by @dataclass itself. `tests/test_model_frozen.py` holds it to @dataclass.
    """
    import dataclasses
    import inspect
    from reprlib import recursive_repr

    notes = " ".join(map(str, inspect.get_annotations(cls).values()))
    if any(word in notes for word in ("InitVar", "ClassVar", "KW_ONLY")):
        raise TypeError(f"@frozen {cls.__name__}: use @dataclass for InitVar, ClassVar, KW_ONLY")
    if any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        return dataclasses.dataclass(frozen=True, slots=True)(cls)  # inherited fields: as is
    undocumented = not cls.__doc__  # @dataclass documents the signature, made below
    if undocumented:
        cls.__doc__ = "-"
    cls = dataclasses.dataclass(slots=True, init=False, repr=False, eq=False)(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in fields)
    shown = _getter([f.name for f in fields if f.repr])
    labels = [f"{f.name}=" for f in fields if f.repr]
    key = _getter([f.name for f in fields if f.compare])
    hashed = _getter([f.name for f in fields if (f.compare if f.hash is None else f.hash)])

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __repr__(self: Any) -> str:
        pairs = ", ".join(k + repr(v) for k, v in zip(labels, shown(self), strict=True))
        return f"{self.__class__.__qualname__}({pairs})"

    def __eq__(self: Any, other: Any) -> Any:
        return key(self) == key(other) if other.__class__ is self.__class__ else NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, n) for n in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for n, value in zip(names, state, strict=True):
            object.__setattr__(self, n, value)

    methods = [_init(cls, fields), __setattr__, __delattr__, recursive_repr()(__repr__)]
    methods += [__eq__, __hash__, __getstate__, __setstate__]
    for fn in methods:
        fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
        setattr(cls, fn.__name__, fn)
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    params.init = params.repr = params.eq = params.frozen = True
    if undocumented:
        cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
    return cls


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The named attributes of an object as a tuple (C-speed `attrgetter`)."""
    from operator import attrgetter

    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _init(cls: type, fields: tuple[Field[Any], ...]) -> Callable[..., None]:
    """`__init__` as @dataclass(frozen=True) writes it: defaults, factories, post-init."""
    from dataclasses import MISSING

    env: dict[str, Any] = {"__set": object.__setattr__, "__FACTORY": _FACTORY}
    params, body = [], []
    for f in fields:
        value = f.name
        if f.default is not MISSING:
            env[f"__d_{f.name}"] = f.default
            params.append(f"{f.name}=__d_{f.name}")
        elif f.default_factory is not MISSING:
            env[f"__f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=__FACTORY")
            value = f"__f_{f.name}() if {f.name} is __FACTORY else {f.name}"
        else:
            params.append(f.name)
        body.append(f"__set(__self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("__self.__post_init__()")
    source = f"def __init__(__self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, env)  # the class's own field names, as @dataclass does
    fn = env["__init__"]
    fn.__annotations__ = {f.name: f.type for f in fields} | {"return": None}
    return fn
