"""ftlint: a rule-engine linter for fine-tuning eval runs."""

from __future__ import annotations

import sys

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
#: @dataclass as of Python 3.13 (`frozen`, `mutable` follow it): it compares records
#: field by field and names the default a non-default field follows
_DATACLASS_313 = sys.version_info >= (3, 13)


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
    """`@dataclass(frozen=True, slots=True)` at a fifth of its import cost.

    The same class (fields, `dataclasses.fields`/`replace`/`asdict`, `__slots__`,
    `__match_args__`, frozen params), `__init__`, repr, eq, hash, `FrozenInstanceError`s
    and pickling; but the class is built once, straight from its annotations, and its
    `__init__` is a shared template's code (`_init`), where @dataclass compiles six
    functions per class and then builds the class a second time to add slots (~330 us
    a record against ~60 here; the start-up of `ftlint check` builds about sixty).
    Supports what a record uses: no InitVar, ClassVar, KW_ONLY or `field(init=False)`
    (those raise here). A subclass of a record made here adds fields after its base's,
    as @dataclass does (`LazyRun(Run)`); a subclass of any other dataclass, or one
    that redefines a field, is made by @dataclass itself.
    `tests/test_model_frozen.py` holds it to @dataclass.
    """
    return _build(cls, frozen=True)


def mutable(cls: type[_T]) -> type[_T]:
    """`@dataclass(slots=True)` (mutable) as `frozen` builds it: for the accumulators
    and results built while loading and linting (a dozen @dataclass classes were ~4 ms
    of every start-up). Equal by fields, unhashable, repr and pickling as @dataclass;
    slotted, so an attribute that is no field is refused.
    `tests/test_model_mutable.py` holds it to @dataclass(slots=True)."""
    return _build(cls, frozen=False)


#: the classes `_build` made: a subclass of one of them is built here too
_MADE: set[type] = set()


def _build(cls: type[_T], *, frozen: bool) -> type[_T]:
    import dataclasses

    inherited: dict[str, Field[Any]] = {}
    for base in cls.__mro__[1:]:
        if dataclasses.is_dataclass(base):
            ours = base in _MADE and base.__dataclass_params__.frozen  # type: ignore[attr-defined]
            if not (frozen and ours and cls.__bases__ == (base,)):
                return dataclasses.dataclass(frozen=frozen, slots=True)(cls)  # as is
            inherited = dict(base.__dataclass_fields__)  # type: ignore[attr-defined]
            break
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} already specifies __slots__")
    notes = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (inspect: ~5 ms to import)
    if any(name in inherited for name in notes):  # a field redefined: as @dataclass does
        return dataclasses.dataclass(frozen=frozen, slots=True)(cls)
    defaulted = [name for name, f in inherited.items() if _has_default(f)]
    own = _fields(cls, notes, defaulted=defaulted[-1] if defaulted else None)
    fields = {**inherited, **own}
    names = tuple(fields)
    namespace = {k: v for k, v in cls.__dict__.items() if k not in own}
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace["__slots__"] = tuple(own)
    namespace["__dataclass_fields__"] = fields
    namespace["__dataclass_params__"] = _params(frozen)
    namespace["__match_args__"] = names
    qualname = cls.__qualname__
    new = type(cls)(cls.__name__, cls.__bases__, namespace)
    new.__qualname__ = qualname
    listed = list(fields.values())
    shown = _getter([f.name for f in listed if f.repr])
    labels = [f"{f.name}=" for f in listed if f.repr]
    key = _getter([f.name for f in listed if f.compare])
    hashed = _getter([f.name for f in listed if (f.compare if f.hash is None else f.hash)])
    from reprlib import recursive_repr  # loaded already (collections imports it)

    def __repr__(self: Any) -> str:
        pairs = ", ".join(k + repr(v) for k, v in zip(labels, shown(self), strict=True))
        return f"{self.__class__.__qualname__}({pairs})"

    if _DATACLASS_313:

        def __eq__(self: Any, other: Any) -> Any:
            """`self.a == other.a and ...`, as @dataclass compares from Python 3.13 on:
            no identity shortcut per field (a record holding NaN is not equal to a copy
            of itself), where a tuple comparison has one."""
            if self is other:
                return True
            if other.__class__ is not self.__class__:
                return NotImplemented
            result: Any = True
            for mine, theirs in zip(key(self), key(other), strict=True):
                result = mine == theirs
                if not result:
                    return result
            return result

    else:

        def __eq__(self: Any, other: Any) -> Any:
            return key(self) == key(other) if other.__class__ is self.__class__ else NotImplemented

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, n) for n in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for n, value in zip(names, state, strict=True):
            object.__setattr__(self, n, value)

    from copyreg import __newobj__  # loaded already (re imports copyreg)

    values = _getter(list(names))
    rebuilt = not hasattr(new, "__post_init__")  # __init__ then only sets the fields

    def __reduce__(self: Any) -> tuple[Any, ...]:
        """Pickled as `cls(*fields)`: the field tuple taken in C and the compiled
        `__init__` on load, instead of __getstate__/__setstate__ loops in Python (the
        findings `--jobs` workers send back: ~2x faster both ways)."""
        if self.__class__ is new:
            if rebuilt:
                return new, values(self)
            return __newobj__, (new,), values(self)  # then __setstate__: no __post_init__
        return _rebuild, (self.__class__, [getattr(self, f.name) for f in _dc_fields(self)])

    methods = [_init(new, listed), recursive_repr()(__repr__), __eq__]
    methods += [__getstate__, __setstate__, __reduce__]
    if frozen:
        methods += _frozen_methods(new, names, hashed)
    for fn in methods:
        fn.__qualname__ = f"{qualname}.{fn.__name__}"
        setattr(new, fn.__name__, fn)
    if not frozen:
        new.__hash__ = None  # type: ignore[assignment]  # (eq, not frozen: as @dataclass)
    if not new.__doc__:  # @dataclass documents the signature: here when first read
        new.__doc__ = _SignatureDoc()
    _MADE.add(new)
    return new


def _frozen_methods(new: type, names: tuple[str, ...], hashed: Any) -> list[Any]:
    """The methods a frozen record adds: assignments refused, hashed by its fields."""
    from dataclasses import FrozenInstanceError as refused

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is new or name in names:
            raise refused(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is new or name in names:
            raise refused(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    return [__setattr__, __delattr__, __hash__]


def maker(cls: type[_T]) -> Callable[..., _T]:
    """A function that builds a `@frozen` record from all its fields, positionally (no
    defaults, no keywords): what `cls(*fields)` builds, equal, of type `cls`, frozen,
    at about half the cost. For the per-row paths (each streamed hard case builds a
    `HardCase` and its `Evidence`: ~1.05 -> ~0.55 us a row).

    How: a frozen record's `__init__` sets each slot through its descriptor (a call per
    field), because the record's own `__setattr__` refuses. The function made here
    builds a twin of the class (the same `__slots__`, so the same memory layout and no
    `__setattr__` of its own: each field is one plain store), then sets the object's
    `__class__` to `cls`, which CPython allows between classes of the same layout. The
    twin never escapes the function. Only for a record made by `frozen` itself (not a
    subclass of a dataclass) and without a `__post_init__` (nothing would run it):
    anything else gets `cls` itself. `tests/test_model_frozen.py` holds it to `cls`."""
    names = cls.__dict__.get("__slots__")
    fields = cls.__dict__.get("__dataclass_fields__")
    if (
        not isinstance(names, tuple)
        or fields is None
        or tuple(fields) != names
        or hasattr(cls, "__post_init__")
        or cls.__bases__ != (object,)
    ):
        return cls
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": names})
    args = ", ".join(f"_{i}" for i in range(len(names)))  # (a field named like a local)
    body = "".join(f"    o.{name} = _{i}\n" for i, name in enumerate(names))
    source = f"def make({args}):\n    o = _new(_twin)\n{body}    o.__class__ = _cls\n    return o\n"
    env: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    exec(source, env)  # (a source per record: the stores name the class's own slots)
    fn = env["make"]
    try:
        fn(*names)  # the layouts agree (else CPython refuses the `__class__`)
    except TypeError:
        return cls
    fn.__qualname__ = f"maker({cls.__qualname__})"
    return fn  # type: ignore[no-any-return]


class _SignatureDoc:
    """The `__doc__` @dataclass gives a class without one (`Name(field: type, ...)`),
    made when first read: `inspect.signature` cost ~40 us a record at import, for a
    text only `help()` shows."""

    def __get__(self, obj: Any, owner: type) -> str:
        import inspect

        doc = owner.__name__ + str(inspect.signature(owner)).replace(" -> None", "")
        if owner.__dict__.get("__doc__") is self:
            owner.__doc__ = doc
        return doc


def _fields(cls: type, notes: dict[str, Any], *, defaulted: str | None) -> dict[str, Field[Any]]:
    """The class's own fields as @dataclass makes them (`dataclasses.Field`s, in order);
    `defaulted`: the last inherited field with a default (then every one of these must
    have one)."""
    import dataclasses

    out: dict[str, Field[Any]] = {}
    for name, note in notes.items():
        text = note if isinstance(note, str) else repr(note)
        if any(word in text for word in ("InitVar", "ClassVar", "KW_ONLY")):
            raise TypeError(
                f"@frozen {cls.__name__}: use @dataclass for InitVar, ClassVar, KW_ONLY"
            )
        value = cls.__dict__.get(name, dataclasses.MISSING)
        f = value if isinstance(value, dataclasses.Field) else dataclasses.field(default=value)
        if not f.init or f.kw_only is True:
            raise TypeError(f"@frozen {cls.__name__}: use @dataclass for init=False, kw_only")
        f.name, f.type, f.kw_only = name, note, False
        f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
        if f.default.__class__.__hash__ is None:  # as @dataclass refuses a list default
            raise ValueError(
                f"mutable default {type(f.default)} for field {name} is not allowed: "
                "use default_factory"
            )
        if _has_default(f):
            defaulted = name
        elif defaulted is not None:  # (Python 3.13 names the default it follows)
            after = f" {defaulted!r}" if _DATACLASS_313 else ""
            raise TypeError(f"non-default argument {name!r} follows default argument{after}")
        out[name] = f
    return out


def _has_default(f: Field[Any]) -> bool:
    import dataclasses

    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _params(frozen: bool) -> Any:
    """The `__dataclass_params__` of a slotted dataclass, frozen or not (one of each,
    shared: nothing writes them). Made directly: building a throwaway dataclass to
    take its params cost ~0.4 ms; the fields added in Python 3.12 are given there."""
    params = _PARAMS.get(frozen)
    if params is None:
        from dataclasses import _DataclassParams  # type: ignore[attr-defined]

        common = {"init": True, "repr": True, "eq": True, "order": False, "unsafe_hash": False}
        try:  # Python 3.12+
            params = _DataclassParams(
                **common,
                frozen=frozen,
                match_args=True,
                kw_only=False,
                slots=True,
                weakref_slot=False,
            )
        except TypeError:  # 3.11
            params = _DataclassParams(**common, frozen=frozen)
        _PARAMS[frozen] = params
    return params


_PARAMS: dict[bool, Any] = {}


def _rebuild(cls: type, state: list[Any]) -> Any:
    """Unpickle a subclass of a record made elsewhere (by @dataclass): its fields set as
    they were, nothing run."""
    obj = object.__new__(cls)
    for f, value in zip(_dc_fields(cls), state, strict=True):
        object.__setattr__(obj, f.name, value)
    return obj


def _dc_fields(obj: Any) -> tuple[Field[Any], ...]:
    from dataclasses import fields

    return fields(obj)


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The named attributes of an object as a tuple (C-speed `attrgetter`)."""
    from operator import attrgetter

    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _init(cls: type, fields: list[Field[Any]]) -> Callable[..., None]:
    """`__init__` as @dataclass(frozen=True) writes it: defaults, factories, post-init
    (`cls` has a slot per field: each is set through its slot's descriptor).

    Its code is a shared template's (`_template`: one per shape, the same bytecode for
    every record of that many fields with factories at the same places), renamed to
    the fields (`co_varnames`: the signature, keywords and `inspect` see the names)
    and bound to the record's own slot setters, defaults and factories: compiling a
    source per record was ~100 us of each of the ~40 records `ftlint check` builds."""
    from dataclasses import MISSING

    env: dict[str, Any] = {"__FACTORY": _FACTORY}
    defaults: list[Any] = []
    factories: list[bool] = []
    for i, f in enumerate(fields):
        factory = f.default is MISSING and f.default_factory is not MISSING
        if factory:
            env[f"__f{i}"] = f.default_factory
            defaults.append(_FACTORY)
        elif f.default is not MISSING:
            defaults.append(f.default)
        factories.append(factory)
        # the field's own slot descriptor, called directly: what object.__setattr__ finds
        # for the name after a type lookup (~20% of the call)
        env[f"__s{i}"] = _slot(cls, f.name).__set__
    shape = (tuple(factories), hasattr(cls, "__post_init__"))
    code = _TEMPLATES.get(shape)
    if code is None:
        code = _TEMPLATES[shape] = _template(*shape)
    code = code.replace(co_varnames=("__self", *(f.name for f in fields)))
    from types import FunctionType

    fn = FunctionType(code, env, "__init__", tuple(defaults) or None)
    fn.__annotations__ = {f.name: f.type for f in fields} | {"return": None}
    return fn


def _slot(cls: type, name: str) -> Any:
    """The slot descriptor of field `name`: the class's own, or its base's."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise AttributeError(name)


#: `_template`'s code by (factory fields, post-init)
_TEMPLATES: dict[tuple[tuple[bool, ...], bool], Any] = {}


def _template(factories: tuple[bool, ...], post_init: bool) -> Any:
    """The code of an `__init__` of `len(factories)` fields named `_p0`, `_p1`, ...: each
    set by the slot setter `__s<i>` of its env, a factory field (`__f<i>`) called when
    its argument is the `__FACTORY` sentinel, then `__post_init__` if asked."""
    body = []
    for i, factory in enumerate(factories):
        value = f"__f{i}() if _p{i} is __FACTORY else _p{i}" if factory else f"_p{i}"
        body.append(f"__s{i}(__self, {value})")
    if post_init:
        body.append("__self.__post_init__()")
    params = "".join(f", _p{i}" for i in range(len(factories)))
    source = f"def __init__(__self{params}):\n    " + "\n    ".join(body or ["pass"])
    env: dict[str, Any] = {}
    exec(source, env)  # field numbers only: no name from the record's source
    return env["__init__"].__code__
