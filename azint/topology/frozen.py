"""``@frozen``: an immutable record that behaves as ``@dataclass(frozen=True)`` but is defined
several times faster, because no code is generated for it.

``dataclass`` writes and compiles six methods for each frozen class (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``); for the model's two dozen classes
that is most of a command's start-up. Here the fields are collected as ``dataclass`` collects
them (so that ``dataclasses.replace``, ``fields`` and ``asdict`` work as before), without its
checks for what these records never declare, and the methods are shared functions over the
field names. Behaviour is the dataclass's: keyword or positional arguments
with defaults and default factories; equality between instances of the same class only,
comparing the fields with ``compare``; the hash of the tuple of hashed fields (the same value
``dataclass`` computes, so iteration orders stay the same); the same ``repr``; assigning or
deleting a field raises ``FrozenInstanceError``.

``@record`` is the same for a mutable ``@dataclass``: ``__init__`` (fields with ``init=False``
get their default, if any, and ``__post_init__`` runs after), ``__repr__`` and ``__eq__`` as
``dataclass`` writes them, instances unhashable; methods the class defines itself are kept.
"""

from __future__ import annotations

import dataclasses
import operator
import reprlib
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T", bound=type)


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: T) -> T:
    """Make ``cls`` a frozen record of its annotated fields (see the module's docstring)."""
    documented = bool(cls.__doc__)
    if not documented:  # or dataclass parses object.__init__'s text signature: slow
        cls.__doc__ = cls.__name__
    record: type = cls
    fields = _fields(record)
    if not documented:
        record.__doc__ = f"{record.__name__}({', '.join(f.name for f in fields)})"
    if any(not f.init for f in fields) or hasattr(record, "__post_init__"):
        raise TypeError(f"{record.__name__}: @frozen has no init=False fields nor __post_init__")
    key = _getter([f.name for f in fields if f.compare])
    hashed = _getter([f.name for f in fields if (f.compare if f.hash is None else f.hash)])
    methods: dict[str, Callable[..., Any]] = {
        "__init__": _init(record, fields), "__repr__": _repr([f.name for f in fields if f.repr]),
        "__eq__": _eq(key), "__hash__": lambda self: hash(hashed(self)),
        "__setattr__": _setattr, "__delattr__": _delattr}
    for name, method in methods.items():
        setattr(record, name, method)
    return cls


@dataclass_transform(field_specifiers=(dataclasses.field,))
def record(cls: T) -> T:
    """Make ``cls`` a mutable record of its annotated fields (see the module's docstring)."""
    documented = bool(cls.__doc__)
    if not documented:
        cls.__doc__ = cls.__name__
    own = dict(cls.__dict__)  # before dataclass adds its own
    made: type = cls
    fields = _fields(made)
    if not documented:
        made.__doc__ = f"{made.__name__}({', '.join(f.name for f in fields)})"
    methods: dict[str, Any] = {
        "__init__": _init(made, fields, hasattr(made, "__post_init__")),
        "__repr__": reprlib.recursive_repr()(_repr([f.name for f in fields if f.repr])),
        "__eq__": _eq(_getter([f.name for f in fields if f.compare]))}
    for name, method in methods.items():
        if name not in own:
            setattr(made, name, method)
    if "__eq__" not in own and "__hash__" not in own:
        made.__hash__ = None  # type: ignore[assignment]  # as dataclass: eq without frozen
    return cls


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of ``cls``'s own annotations, set on it as ``dataclass`` sets them (so that
    ``fields``, ``replace`` and ``asdict`` work), without the checks that make ``dataclass``
    slow to define a class: these records declare no ``ClassVar``, ``InitVar`` nor
    ``KW_ONLY``, inherit no fields, and hold no mutable default."""
    found: dict[str, dataclasses.Field[Any]] = {}
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        declared = cls.__dict__.get(name, dataclasses.MISSING)
        made = declared if isinstance(declared, dataclasses.Field) \
            else dataclasses.field(default=declared)
        made.name, made.type = name, annotation
        made._field_type = dataclasses._FIELD  # type: ignore[attr-defined,union-attr]
        if isinstance(declared, dataclasses.Field):  # the class keeps the default, or nothing
            if made.default is dataclasses.MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, made.default)
        found[name] = made
    setattr(cls, "__dataclass_fields__", found)  # noqa: B010 - as dataclass does
    setattr(cls, "__match_args__", tuple(f.name for f in found.values() if f.init))  # noqa: B010
    return tuple(found.values())


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of the named attributes (one name or none still make a tuple)."""
    if len(names) > 1:
        return operator.attrgetter(*names)  # C speed: records are hashed in hot loops
    return lambda self: tuple([getattr(self, name) for name in names])


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...],
          post_init: bool = False) -> Callable[..., None]:
    names = tuple(f.name for f in fields if f.init)
    defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
    factories = {f.name: f.default_factory for f in fields
                 if f.default_factory is not dataclasses.MISSING}
    unset = tuple(f.name for f in fields
                  if not f.init and (f.name in defaults or f.name in factories))
    title = f"{cls.__qualname__}.__init__()"
    put = object.__setattr__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{title} takes {len(names) + 1} positional arguments but "
                            f"{len(args) + 1} were given")
        for name, value in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{title} got multiple values for argument '{name}'")
            put(self, name, value)
        for name in names[len(args):]:
            if name in kwargs:
                put(self, name, kwargs.pop(name))
            elif name in defaults:
                put(self, name, defaults[name])
            elif name in factories:
                put(self, name, factories[name]())
            else:
                raise TypeError(f"{title} missing 1 required argument: '{name}'")
        if kwargs:
            raise TypeError(f"{title} got an unexpected keyword argument '{next(iter(kwargs))}'")
        for name in unset:
            put(self, name, defaults[name] if name in defaults else factories[name]())
        if post_init:
            self.__post_init__()

    return __init__


def _repr(names: list[str]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
