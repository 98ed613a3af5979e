"""The intents file: what a network must (and must not) do, read with the position of every value.

Format version 1 (documented in ``docs/intents.md``)::

    azint-intents: 1
    topology: azure-interop.yaml      # optional, relative to this file
    intents:
      - name: location1 reaches the hub over ExpressRoute
        from: location1               # networks, endpoints, addresses, ranges; globs: spoke-*
        to: hub
        expect: reachable             # or unreachable
        both_ways: true               # also TO -> FROM (default: only FROM -> TO)
        via: [er1]                    # the path crosses each of these ...
        avoid: [loc1-vpn]             # ... and none of these
        max_hops: 5
        max_rtt_ms: 10
        when_down: [er1-secondary]    # hold with these elements down
        under: any_single_failure     # ... and whichever one more element fails

Names (``from``/``to`` patterns, ``via``, ``when_down``) are checked against the topology when the
intents are evaluated (``azint.gate.check``), with the position of the value that names them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from azint.errors import AzintError, Position, printable
from azint.topology.source import Document, PathKey, read_document

FORMAT_VERSION = 1
_INTENT_KEYS = ("name", "from", "to", "expect", "both_ways", "via", "avoid", "max_hops",
                "max_rtt_ms", "when_down", "under")


class IntentsError(AzintError):
    """The intents file is malformed or names something the topology does not have."""


class Expect(StrEnum):
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"


class Under(StrEnum):
    AS_GIVEN = "as_given"  # only the elements of when_down fail
    ANY_SINGLE_FAILURE = "any_single_failure"


@dataclass(frozen=True)
class Names:
    """A list of names or patterns from the file, and where each one is written."""

    values: tuple[str, ...]
    positions: tuple[Position, ...]


@dataclass(frozen=True)
class Intent:
    name: str
    position: Position  # the intent's first line: where annotations and reports point
    sources: Names
    targets: Names
    expect: Expect
    both_ways: bool = False
    via: Names = Names((), ())
    avoid: Names = Names((), ())
    max_hops: int | None = None
    max_rtt_ms: float | None = None
    when_down: Names = Names((), ())
    under: Under = Under.AS_GIVEN


@dataclass(frozen=True)
class IntentsFile:
    file: str
    topology: Path | None  # the topology the file names, resolved against the file's folder
    intents: tuple[Intent, ...]


def load_intents(path: Path) -> IntentsFile:
    """Read and check an intents file; the first problem raises ``IntentsError`` at its place."""
    document = read_document(path, kind="an intents file")
    return _Reader(document).file(path)


class _Reader:
    def __init__(self, document: Document) -> None:
        self.document = document

    def fail(self, path: PathKey, message: str) -> IntentsError:
        return IntentsError(message, self.document.where(path))

    def file(self, path: Path) -> IntentsFile:
        root = self.mapping(self.document.root, (), ("azint-intents", "topology", "intents"))
        version = root.get("azint-intents")
        if type(version) is not int or version != FORMAT_VERSION:  # not True, not 1.0
            where = ("azint-intents",) if "azint-intents" in root else ()
            raise self.fail(where, f"an intents file starts with 'azint-intents: {FORMAT_VERSION}'"
                            f"{'' if version is None else f', not {version!r}'}")
        topology = None
        if root.get("topology") is not None:
            topology = path.parent / self.text(root["topology"], ("topology",))
            if not topology.is_file():
                raise self.fail(("topology",), f"no topology file '{topology}'")
        items = root.get("intents")
        if not isinstance(items, list) or not items:
            raise self.fail(("intents",), "expected a list of intents under 'intents'")
        intents = tuple(self.intent(item, ("intents", i)) for i, item in enumerate(items))
        seen: dict[str, Intent] = {}
        for index, intent in enumerate(intents):
            if intent.name in seen:
                raise self.fail(("intents", index, "name"), f"duplicate intent name '{intent.name}' "
                                f"(the intent at line {seen[intent.name].position.line} has it)")
            seen[intent.name] = intent
        return IntentsFile(self.document.file, topology, intents)

    def intent(self, doc: Any, path: PathKey) -> Intent:
        doc = self.mapping(doc, path, _INTENT_KEYS)
        for key in ("from", "to", "expect"):
            if key not in doc:
                raise self.fail(path, f"intent needs '{key}'")
        expect = Expect(self.choice(doc["expect"], (*path, "expect"), tuple(Expect)))
        sources = self.names(doc["from"], (*path, "from"), required=True)
        targets = self.names(doc["to"], (*path, "to"), required=True)
        name = (self.text(doc["name"], (*path, "name")) if "name" in doc else
                f"{' '.join(sources.values)} -> {' '.join(targets.values)} {expect.value}")
        intent = Intent(
            name, self.document.where(path), sources, targets, expect,
            both_ways=self.flag(doc.get("both_ways", False), (*path, "both_ways")),
            via=self.names(doc.get("via", []), (*path, "via")),
            avoid=self.names(doc.get("avoid", []), (*path, "avoid")),
            max_hops=self.limit(doc, "max_hops", path, integer=True),
            max_rtt_ms=self.limit(doc, "max_rtt_ms", path, integer=False),
            when_down=self.names(doc.get("when_down", []), (*path, "when_down")),
            under=Under(self.choice(doc.get("under", Under.AS_GIVEN.value), (*path, "under"),
                                    tuple(Under))))
        conditions = [k for k in ("via", "avoid", "max_hops", "max_rtt_ms") if k in doc]
        if expect is Expect.UNREACHABLE and conditions:
            raise self.fail((*path, conditions[0]),
                            f"'{conditions[0]}' applies to reachable intents only")
        return intent

    # -- typed values ----------------------------------------------------------------------

    def mapping(self, value: Any, path: PathKey, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(value)}")
        for key in value:
            if key not in allowed:
                raise self.fail((*path, key), f"unknown key '{key}'; expected one of "
                                f"{', '.join(allowed)}")
        return value

    def text(self, value: Any, path: PathKey) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected a name, got {_kind(value)}")
        if not value.isprintable():  # it goes into terminals, annotations and JUnit XML
            raise self.fail(path, f"expected a printable name, got '{printable(value)}'")
        return value

    def names(self, value: Any, path: PathKey, required: bool = False) -> Names:
        if required and value == []:
            raise self.fail(path, "expected at least one name, got an empty list")
        items = value if isinstance(value, list) else [value]
        paths = [(*path, i) for i in range(len(items))] if isinstance(value, list) else [path]
        texts = tuple(self.text(item, where) for item, where in zip(items, paths, strict=True))
        return Names(texts, tuple(self.document.where(where) for where in paths))

    def flag(self, value: Any, path: PathKey) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {_kind(value)}")
        return value

    def choice(self, value: Any, path: PathKey, options: tuple[str, ...]) -> str:
        if value not in options:
            raise self.fail(path, f"expected one of {', '.join(options)}, got {value!r}")
        return str(value)

    def limit(self, doc: dict[str, Any], key: str, path: PathKey, integer: bool) -> Any:
        value = doc.get(key)
        if value is None:
            return None
        wanted = int if integer else int | float
        if (isinstance(value, bool) or not isinstance(value, wanted) or not math.isfinite(value)
                or value <= 0):
            kind = "whole number" if integer else "number"
            raise self.fail((*path, key), f"expected a positive {kind}, got {value!r}")
        return value if integer else float(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: f"'{value}'", bool: str(value).lower()}.get(
        type(value), repr(value))
