"""PyYAML's side of reading a topology: compose the text, then build plain values and positions.

Kept apart from ``source`` so that a command whose document comes from the compiled cache
(``azint.topology.cache``) never imports PyYAML. Hostile input (alias bombs, deep nesting, bad
values) ends in a ``TopologyError``.
"""

from __future__ import annotations

from typing import Any

import yaml

from azint.errors import Position, TopologyError

PathKey = tuple[str | int, ...]

try:  # libyaml's C loader is several times faster; fall back to the pure-Python one.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


# Bound once: the builder and the loader ask for them once per node, a hundred thousand times.
_ScalarNode, _MappingNode, _SequenceNode = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode


class _Loader(_BaseLoader):
    """Remembers the tag of each plain scalar text: a topology repeats its keys and kinds
    thousands of times, and resolving a tag by regular expressions is most of the parse."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> Any:
        # As PyYAML resolves an untagged mapping or quoted scalar (no path resolvers here),
        # without its call: a topology has tens of thousands of them.
        if kind is _MappingNode and not self.yaml_path_resolvers:
            return self.DEFAULT_MAPPING_TAG
        if kind is not _ScalarNode or implicit is None or not implicit[0]:
            if kind is _ScalarNode and implicit is not None and not self.yaml_path_resolvers:
                return self.DEFAULT_SCALAR_TAG
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        tag = self._plain_tags.get(value)
        if tag is None:
            tag = self._plain_tags[value] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag

# Values that aliases may add beyond the document's own nodes. Real topologies share a few
# settings this way; a billion-laughs bomb multiplies and is refused before anything is built.
MAX_ALIASED_VALUES = 100_000
MAX_INT_BITS = 128  # wider ints only arrive from hostile input and cannot be printed in messages
MAX_DEPTH = 64


def parse(text: str, name: str, kind: str) -> tuple[Any, dict[PathKey, tuple[int, int]], dict[PathKey, str]]:
    """The plain value of YAML ``text``, the position of each value and the source text of
    each plain scalar YAML 1.1 read as other than a string (see ``source.Document``)."""
    node = _compose(text, name)
    if node is None:
        raise TopologyError(f"the file is empty; {kind} is a YAML mapping", Position(name, 1, 1))
    builder = _Builder(name)
    if "*" in text:  # without an alias no value is shared: nothing can multiply
        builder.refuse_alias_bombs(node)
    root = builder.build(node, ())
    return root, builder.positions, builder.written


def _compose(text: str, name: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        position = Position(name, mark.line + 1, mark.column + 1) if mark else Position(name)
        raise TopologyError(f"YAML syntax: {problem}", position) from exc
    except yaml.reader.ReaderError as exc:
        code = f" (U+{exc.character:04X})" if isinstance(exc.character, int) else ""
        raise TopologyError(f"YAML syntax: {exc.reason}{code}",
                            _offset_position(text, exc.position, name)) from exc
    except yaml.YAMLError as exc:
        raise TopologyError(f"YAML syntax: {_first_line(exc)}", Position(name)) from exc
    except RecursionError as exc:
        raise TopologyError("YAML is nested too deeply", Position(name)) from exc
    finally:
        loader.dispose()
    return node


def _offset_position(text: str, offset: int, name: str) -> Position:
    """libyaml reports reader errors as a byte offset into the UTF-8 text."""
    raw = text.encode("utf-8")[:offset]
    line_start = raw.rfind(b"\n") + 1
    column = len(raw[line_start:].decode("utf-8", errors="replace")) + 1
    return Position(name, raw.count(b"\n") + 1, column)


def _first_line(exc: Exception) -> str:
    """Marked YAML errors append their marks on extra lines; a report holds only the problem."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        return exc.problem
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


STR_TAG = "tag:yaml.org,2002:str"


class _Builder:
    """Turns a composed node graph into plain values, bounded in depth and in size."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.written: dict[PathKey, str] = {}
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        if len(path) > MAX_DEPTH:
            raise TopologyError(f"values nested deeper than {MAX_DEPTH} levels",
                                self._position(node))
        mark = node.start_mark
        self.positions[path] = (mark.line + 1, mark.column + 1)
        if node.tag == STR_TAG and type(node) is _ScalarNode:
            return node.value  # the common case: a string, nothing to construct nor remember
        if isinstance(node, _MappingNode):
            return self._mapping(node, path)
        if isinstance(node, _SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        value = self._scalar(node)
        if not isinstance(value, str) and value is not None and _plain(node):
            self.written[path] = str(node.value)
        return value

    def refuse_alias_bombs(self, root: yaml.Node) -> None:
        """Count the values the aliased graph expands to before building it: a bomb is refused
        at once, not after building its values; a node several aliases share is sized once."""
        cap = _distinct_nodes(root) + MAX_ALIASED_VALUES
        self._measure(root, 0, {}, cap)

    def _measure(self, node: yaml.Node, depth: int, sizes: dict[int, int], cap: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:  # also stops recursive anchors, which compose into cycles
            raise TopologyError(f"values nested deeper than {MAX_DEPTH} levels",
                                self._position(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [value for _, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        total = 1 + sum(self._measure(child, depth + 1, sizes, cap) for child in children)
        if total > cap:
            raise TopologyError(
                f"aliases expand the document to over {cap:,} values (alias bomb?)",
                self._position(node))
        sizes[id(node)] = total
        return total

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise TopologyError("merge keys (<<) are not supported", self._position(key_node))
            key = key_node.value if key_node.tag == STR_TAG and type(key_node) is _ScalarNode \
                else self._key(key_node)
            if key in result:
                raise TopologyError(f"duplicate key '{key}'", self._position(key_node))
            result[key] = self.build(value_node, (*path, key))
        return result

    def _key(self, node: yaml.Node) -> str:
        """A key is a name: taken as written when unquoted YAML 1.1 reads it otherwise (``yes``,
        ``017``)."""
        key = self._scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(key, str):
            return key
        if key is None or not isinstance(node, yaml.ScalarNode) or not _plain(node):
            raise TopologyError("mapping keys must be plain names", self._position(node))
        return str(node.value)

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == STR_TAG and isinstance(node, yaml.ScalarNode):
            return node.value  # the common case, without the constructor's dispatch
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise TopologyError(f"bad value: {_first_line(exc)}", self._position(node)) from exc
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # PyYAML's constructors raise plain exceptions for explicit tags on unfit text
            # (!!int foo, !!timestamp foo, !!bool foo) and for integers too long to convert.
            tag = str(node.tag).rsplit(":", 1)[-1]
            text = str(node.value)
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise TopologyError(f"bad value: {shown!r} is not a valid {tag}",
                                self._position(node)) from exc
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise TopologyError("bad value: number is too large", self._position(node))
        return value

    def _position(self, node: yaml.Node) -> Position:
        return Position(self.name, node.start_mark.line + 1, node.start_mark.column + 1)


def _plain(node: yaml.Node) -> bool:
    """Unquoted: libyaml marks a plain scalar's style '', the pure-Python loader None."""
    return isinstance(node, yaml.ScalarNode) and not node.style


def _distinct_nodes(root: yaml.Node) -> int:
    """How many nodes the document writes (each aliased node once), cycles included."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(value for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen)
