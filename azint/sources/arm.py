"""Azure Resource Manager JSON in the forms engineers get it, read into one resource index.

Forms: ``az … -o json`` (one resource or a list; the CLI lifts ``properties`` to the top and
spells some keys differently, ``peerAsn`` for ``peerASN``: keys are matched case-insensitively),
Azure Resource Graph results (``{"data": […]}`` or a list, with lower-case types), REST ``GET``
bodies (with ``properties``; lists as ``{"value": […]}``) and templates from ``az group export``
(``resources`` named and joined by template expressions, see :mod:`azint.sources.template`).
Child resources appear inline (a VNet's ``subnets``) or on their own (``virtualNetworks/subnets``);
both land in the same index, keyed by lower-cased id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from azint.sources.estate import Origin, SourceError, id_key
from azint.sources.template import Evaluator, ExpressionError, resource_id

Json = Any

# Inline children: (parent type, key in its properties) -> the child's type segment.
_CHILDREN = {
    ("microsoft.network/virtualnetworks", "subnets"): "subnets",
    ("microsoft.network/virtualnetworks", "virtualnetworkpeerings"): "virtualNetworkPeerings",
    ("microsoft.network/routetables", "routes"): "routes",
    ("microsoft.network/expressroutecircuits", "peerings"): "peerings",
    ("microsoft.network/expressroutecircuits/peerings", "connections"): "connections",
    ("microsoft.network/virtualhubs", "ipconfigurations"): "ipConfigurations",
    ("microsoft.network/networksecuritygroups", "securityrules"): "securityRules",
}
_TOP_LEVEL = {"id", "name", "type", "location", "etag", "tags", "properties", "sku", "zones",
              "resourcegroup", "subscriptionid", "tenantid", "kind", "apiversion", "dependson"}


class Resource(NamedTuple):
    """One resource as read, whatever its form."""

    id: str
    type: str  # lower case, taken from the id: every form agrees on that
    type_shown: str  # as the input spells it, for reports
    name: str
    body: dict[str, Json]
    props: dict[str, Json]
    origin: Origin
    props_at: tuple[str, ...]  # JSON keys from the body to props: ("properties",) or ()

    def where(self, *keys: str | int) -> str:
        return self.origin.at(*self.props_at, *keys)

    def get(self, *keys: str) -> Json:
        """A property by its path of keys, matched case-insensitively; ``None`` when absent."""
        value: Json = self.props
        for key in keys:
            value = field(value, key)
        return value

    @property
    def parent(self) -> str:
        return id_key(self.id).rsplit("/", 2)[0]


def field(value: Json, key: str) -> Json:
    """``value[key]`` with the key's case ignored (``peerASN`` in REST, ``peerAsn`` from az)."""
    if not isinstance(value, dict):
        return None
    if key in value:
        return value[key]
    lowered = key.lower()
    return next((v for k, v in value.items() if k.lower() == lowered), None)


def type_of(resource_id: str) -> str:
    """``microsoft.network/virtualnetworks/subnets`` from a subnet's id."""
    parts = id_key(resource_id).split("/providers/")[-1].split("/")
    if len(parts) < 3:
        return ""
    return "/".join([parts[0], *parts[1::2]])


class ResourceIndex:
    """Every resource read, by lower-cased id; children by their parent's id."""

    def __init__(self) -> None:
        self.by_key: dict[str, Resource] = {}
        self._tails: dict[str, list[str]] = {}
        self._kinds: dict[str, list[Resource]] | None = None  # built on first look-up
        self._families: dict[tuple[str, str], list[Resource]] = {}

    def add(self, resource: Resource) -> None:
        key = id_key(resource.id)
        old = self.by_key.get(key)
        if old is not None:  # inline and on its own: one resource, what either says
            resource = old._replace(props={**old.props, **resource.props})
        else:
            self._tails.setdefault(_tail(key), []).append(key)
        self.by_key[key] = resource
        self._kinds = None

    def find(self, resource_id: str) -> Resource | None:
        """By id; an id from a template (placeholder subscription and group) by the rest."""
        key = id_key(resource_id)
        found = self.by_key.get(key)
        if found is None:
            keys = self._tails.get(_tail(key), [])
            found = self.by_key[keys[0]] if len(keys) == 1 else None
        return found

    def of_type(self, kind: str) -> list[Resource]:
        return list(self._sorted().get(kind, ()))

    def children(self, parent: Resource, kind: str) -> list[Resource]:
        self._sorted()
        return list(self._families.get((id_key(parent.id), kind), ()))

    def _sorted(self) -> dict[str, list[Resource]]:
        """Resources by type and by (parent, type), sorted by id: built once, not per look-up."""
        if self._kinds is None:
            self._kinds, self._families = {}, {}
            for key in sorted(self.by_key):
                resource = self.by_key[key]
                self._kinds.setdefault(resource.type, []).append(resource)
                self._families.setdefault((resource.parent, resource.type), []).append(resource)
        return self._kinds


def _tail(key: str) -> str:
    return key.split("/providers/", 1)[-1]


# -- files and forms ------------------------------------------------------------------------------


def json_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and every ``*.json`` under the folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            found.append(path)
    return found


# JSON of a whole estate is far larger than its topology (REST bodies repeat every id): the
# cap is sixteen times the topology's, and reading stops there whatever the file is (a FIFO,
# /dev/zero), so a runaway input is refused instead of filling memory.
MAX_JSON_BYTES = 256 * 1024 * 1024


def read_json(path: Path, display: str | None = None) -> Json:
    name = display or str(path)
    try:
        text = _read_bounded(path, name).decode("utf-8-sig")
    except OSError as exc:
        raise SourceError(name, "", f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(name, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(name, "", f"malformed JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    except RecursionError as exc:
        raise SourceError(name, "", "malformed JSON: nested too deeply") from exc


def _read_bounded(path: Path, name: str) -> bytes:
    """At most ``MAX_JSON_BYTES`` of the file; one byte more means it is too large."""
    with path.open("rb") as stream:
        raw = stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise SourceError(name, "", f"input is over {MAX_JSON_BYTES:,} bytes; a JSON input may "
                          f"be at most {MAX_JSON_BYTES:,}")
    return raw


def index_documents(documents: Iterable[tuple[str, Json]]) -> ResourceIndex:
    """Every resource of every (file name, parsed JSON) pair, in one index."""
    index = ResourceIndex()
    for file, document in documents:
        for body, path in _bodies(document, file, "$"):
            _add(index, body, Origin(file, path))
    return index


def _bodies(document: Json, file: str, path: str) -> Iterator[tuple[dict[str, Json], str]]:
    """The resource bodies of one document, whatever its form, with their JSON paths."""
    if isinstance(document, list):
        for i, item in enumerate(document):
            yield from _bodies(item, file, f"{path}[{i}]")
    elif not isinstance(document, dict):
        raise SourceError(file, path, "expected a resource object or a list of them")
    elif isinstance(document.get("resources"), list) and (
            "$schema" in document or "contentVersion" in document):
        yield from _template(document, file, path)
    elif isinstance(document.get("data"), list) and "id" not in document:  # Resource Graph
        yield from _bodies(document["data"], file, f"{path}.data")
    elif isinstance(document.get("value"), list) and "id" not in document:  # REST list
        yield from _bodies(document["value"], file, f"{path}.value")
    elif isinstance(document.get("id"), str):
        yield document, path
    else:
        raise SourceError(file, path, "not an Azure resource (no 'id'), a list, Resource Graph "
                          "result or ARM template")


def _template(document: dict[str, Json], file: str,
              path: str) -> Iterator[tuple[dict[str, Json], str]]:
    parameters = document.get("parameters") or {}
    evaluator = Evaluator(parameters if isinstance(parameters, dict) else {},
                          document.get("variables") or {})
    for i, item in enumerate(document["resources"]):
        yield from _template_resource(evaluator, item, f"{path}.resources[{i}]", file, None)


def _template_resource(evaluator: Evaluator, item: Json, path: str, file: str,
                       parent: tuple[str, str] | None) -> Iterator[tuple[dict[str, Json], str]]:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        raise SourceError(file, path, "a template resource needs a 'type'")
    nested = item.get("resources")
    try:
        body = evaluator.value({k: v for k, v in item.items() if k != "resources"})
    except ExpressionError as exc:
        raise SourceError(file, path, f"template expression: {exc}") from exc
    kind, name = body["type"], str(body.get("name", ""))
    if parent is not None and "/" not in kind:  # a nested child's type and name are relative
        kind, name = f"{parent[0]}/{kind}", f"{parent[1]}/{name}"
    try:
        body["id"] = resource_id(kind, *name.split("/"))
    except ExpressionError as exc:
        raise SourceError(file, f"{path}.name", f"template resource: {exc}") from exc
    body["type"], body["name"] = kind, name.rsplit("/", 1)[-1]
    yield body, path
    for i, child in enumerate(nested if isinstance(nested, list) else []):
        yield from _template_resource(evaluator, child, f"{path}.resources[{i}]", file, (kind, name))


def _add(index: ResourceIndex, body: dict[str, Json], origin: Origin) -> None:
    resource_id = body.get("id")
    if not isinstance(resource_id, str) or not type_of(resource_id):
        raise SourceError(origin.file, origin.at("id"), "not an Azure resource id")
    properties = body.get("properties")
    props_at: tuple[str, ...]
    if isinstance(properties, dict):
        props, props_at = properties, ("properties",)
    else:  # az CLI: the properties are the body's own keys
        props = {k: v for k, v in body.items() if k.lower() not in _TOP_LEVEL}
        props_at = ()
    kind = type_of(resource_id)
    shown = body.get("type") if isinstance(body.get("type"), str) else kind
    name = body.get("name") if isinstance(body.get("name"), str) else resource_id.rsplit("/", 1)[-1]
    resource = Resource(resource_id, kind, str(shown), str(name), body, props, origin, props_at)
    index.add(resource)
    for key, value in props.items():
        segment = _CHILDREN.get((kind, key.lower()))
        if segment is None or not isinstance(value, list):
            continue
        for i, child in enumerate(value):
            if not isinstance(child, dict):
                raise SourceError(origin.file, resource.where(key, i), "expected an object")
            child_name = child.get("name")
            if not isinstance(child.get("id"), str):
                if not isinstance(child_name, str):
                    raise SourceError(origin.file, resource.where(key, i), "a child resource "
                                      "needs an 'id' or a 'name'")
                child = {**child, "id": f"{resource_id}/{segment}/{child_name}"}
            _add(index, child, Origin(origin.file, resource.where(key, i)))
