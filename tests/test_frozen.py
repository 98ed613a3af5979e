"""``@frozen`` records behave as ``@dataclass(frozen=True)`` ones: same construction, errors,
equality, hash values (so sets iterate alike), repr, and dataclasses' replace/fields/asdict."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from azint.topology.frozen import frozen, record


def _pair() -> tuple[type, type]:
    def body() -> dict[str, Any]:
        return {"__annotations__": {"name": "str", "size": "int", "tags": "Mapping[str, int]",
                                    "note": "str | None", "hidden": "int"},
                "size": 3, "tags": dataclasses.field(default_factory=dict), "note": None,
                "hidden": dataclasses.field(default=0, compare=False, repr=False)}

    made: type = frozen(type("Rec", (), body()))
    reference: type = dataclasses.dataclass(frozen=True)(type("Rec", (), body()))
    return made, reference


MADE, REFERENCE = _pair()
CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("a",), {}), (("a", 5), {}), (("a",), {"note": "n", "hidden": 9}),
    ((), {"name": "b", "size": 1}), (("a", 1, {}, "x", 2), {})]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_a_frozen_record_is_a_frozen_dataclass(args: tuple[Any, ...],
                                               kwargs: dict[str, Any]) -> None:
    made, reference = MADE(*args, **kwargs), REFERENCE(*args, **kwargs)
    assert repr(made) == repr(reference)
    assert dataclasses.asdict(made) == dataclasses.asdict(reference)
    assert [f.name for f in dataclasses.fields(made)] == [
        f.name for f in dataclasses.fields(reference)]
    assert made == MADE(*args, **kwargs) and made != reference
    assert made == dataclasses.replace(made, hidden=42)  # not compared
    assert made != dataclasses.replace(made, size=-1)
    assert dataclasses.replace(made, note="z").note == "z"
    # hashable once the dict is a tuple
    assert hash(dataclasses.replace(made, tags=())) == hash(dataclasses.replace(reference, tags=()))
    assert made.__match_args__ == reference.__match_args__


@pytest.mark.parametrize(("args", "kwargs"), [((), {}), (("a", 1, {}, "x", 2, 3), {}),
                                              (("a",), {"name": "b"}), (("a",), {"wrong": 1})])
def test_bad_arguments_fail_as_for_a_dataclass(args: tuple[Any, ...],
                                               kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        REFERENCE(*args, **kwargs)
    with pytest.raises(TypeError):
        MADE(*args, **kwargs)


def test_fields_cannot_be_assigned_nor_deleted() -> None:
    record = MADE("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "b"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del record.name
    assert record.name == "a"


def test_a_factory_gives_each_record_its_own_value() -> None:
    assert MADE("a").tags is not MADE("b").tags


def test_one_field_hashes_as_a_tuple() -> None:
    one: Any = frozen(type("One", (), {"__annotations__": {"x": "int"}}))
    ref: Any = dataclasses.dataclass(frozen=True)(type("One", (), {"__annotations__": {"x": "int"}}))
    assert hash(one(7)) == hash(ref(7)) == hash((7,))


def _mutable_pair() -> tuple[type, type]:
    """A mutable record with a field outside ``__init__`` (given a default, or set by
    ``__post_init__``) and a method of its own, and the ``@dataclass`` it stands for."""
    def post_init(self: Any) -> None:
        self.derived = self.name * 2

    def body() -> dict[str, Any]:
        return {"__annotations__": {"name": "str", "size": "int", "items": "list[int]",
                                    "derived": "str", "seen": "int"},
                "size": 3, "items": dataclasses.field(default_factory=list),
                "derived": dataclasses.field(init=False),
                "seen": dataclasses.field(default=0, init=False, compare=False),
                "__post_init__": post_init, "describe": lambda self: f"{self.name}/{self.size}"}

    made: type = record(type("Mut", (), body()))
    reference: type = dataclasses.dataclass(type("Mut", (), body()))
    return made, reference


@pytest.mark.parametrize(("args", "kwargs"), [(("a",), {}), (("a", 5), {"items": [1]}),
                                              ((), {"name": "b", "size": 1})])
def test_a_mutable_record_is_a_dataclass(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    made_type, reference_type = _mutable_pair()
    made, reference = made_type(*args, **kwargs), reference_type(*args, **kwargs)
    assert repr(made) == repr(reference)
    assert dataclasses.asdict(made) == dataclasses.asdict(reference)
    assert made.describe() == reference.describe() and made.seen == 0
    assert made == made_type(*args, **kwargs) and made != reference
    made.size = 7  # mutable
    assert made.size == 7 and made != made_type(*args, **kwargs)
    assert made_type.__hash__ is None and reference_type.__hash__ is None
    for bad_args, bad_kwargs in [((), {}), (("a", 1, [], 4), {}), (("a",), {"derived": "x"})]:
        for kind in (reference_type, made_type):
            with pytest.raises(TypeError, match=r"Mut\.__init__\(\)"):
                kind(*bad_args, **bad_kwargs)


def test_a_mutable_record_keeps_the_methods_its_class_defines() -> None:
    class Own:
        name: str

        def __repr__(self) -> str:
            return "own"

        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    maker: Any = record(Own)
    made = maker("x")
    assert (repr(made), made == 3, made.name) == ("own", True, "x")
    assert hash(made) == object.__hash__(made)
