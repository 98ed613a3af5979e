"""Build a ``Topology`` from a YAML document, reporting every structural problem with its position.

The format is documented in ``docs/topology.md``; ``topologies/azure-interop.yaml`` is the worked
example. Cross-checks that need the whole model (Azure rules, overlaps) live in ``checks``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from azint.errors import Position
from azint.topology import model as m
from azint.topology import naming
from azint.topology.prefix import Prefix
from azint.topology.problems import InvalidTopology, Problem, Severity
from azint.topology.source import STDIN, STDIN_NAME, Document, PathKey, read_document

T = TypeVar("T")

# YAML 1.1's octal integers: 017 is 15 (compiled on first use, by re: rarely needed)
_OCTAL = r"[-+]?0[0-7_]+"
_NOTATIONS = {"0x": "hexadecimal", "0b": "binary"}  # prefixes YAML 1.1 reads as numbers

DEFAULT_TOPOLOGY = "azure-interop.yaml"
FORMAT_VERSION = 1


class Section(NamedTuple):
    """One kind of mapping in the format: the keys it takes and those it must have."""

    keys: tuple[str, ...]
    required: tuple[str, ...] = ()


# Every mapping of the topology format, by the name docs/topology.md gives it. The loader accepts
# exactly these keys; the docs' key tables and the JSON Schema (azint/schema) are tested against
# this table, so a key added here without docs or schema fails the suite.
SECTIONS: Mapping[str, Section] = MappingProxyType({
    "topology": Section(("azint", "name", "flow_hash_seed", "jitter_ms", "networks",
                         "connections", "names"), ("networks",)),
    "name record": Section(("address", "name"), ("address", "name")),
    "vnet": Section(("name", "kind", "region", "address_space", "subnets", "endpoints",
                     "gateways", "route_tables", "network_security_groups", "branch_to_branch",
                     "hub_routing_preference", "latency_ms", "route_server"),
                    ("name", "kind", "address_space")),
    "subnet": Section(("name", "prefix", "route_table", "network_security_group"),
                      ("name", "prefix")),
    "route table": Section(("name", "routes", "propagate_gateway_routes"), ("name",)),
    "user route": Section(("name", "prefix", "next_hop_type", "next_hop_ip"),
                          ("prefix", "next_hop_type")),
    "gateways": Section(("expressroute", "vpn")),
    "expressroute gateway": Section(("asn", "instances"), ("instances",)),
    "vpn gateway": Section(("asn", "instances", "bgp_peer_address", "public_address",
                            "active_active", "bgp_peer_addresses", "public_addresses"),
                           ("instances",)),
    "endpoint": Section(("name", "address", "os", "gateway", "forwarding",
                         "network_security_group", "asn", "advertise"), ("name", "address")),
    "network security group": Section(("name", "rules"), ("name",)),
    "security rule": Section(("name", "priority", "direction", "access", "protocol", "source",
                              "source_ports", "destination", "destination_ports"),
                             ("name", "priority", "direction", "access")),
    "route server": Section(("addresses", "peers"), ("addresses",)),
    "onprem": Section(("name", "kind", "asn", "routers", "links", "endpoints", "lan_latency_ms"),
                      ("name", "kind", "asn")),
    "router": Section(("name", "interfaces", "static_routes", "redistribute", "bgp",
                       "icmp_unreachables"), ("name",)),
    "router bgp": Section(("advertise", "local_preference", "neighbors", "readvertise",
                           "multipath")),
    "bgp neighbor": Section(("prepend", "med", "accept", "announce")),
    "interface": Section(("name", "address"), ("name", "address")),
    "static route": Section(("prefix", "next_hop", "interface", "discard"), ("prefix",)),
    "site link": Section(("a", "b", "latency_ms"), ("a", "b")),
    "peering": Section(("name", "type", "a", "b", "latency_ms", "state"),
                       ("name", "type", "a", "b")),
    "peering side": Section(("network", "allow_gateway_transit", "use_remote_gateways",
                             "allow_virtual_network_access", "allow_forwarded_traffic"),
                            ("network",)),
    "expressroute": Section(("name", "type", "peering_location", "links", "vnets", "premium",
                             "state", "sku"), ("name", "type", "links")),
    "circuit link": Section(("name", "role", "subnet", "router", "latency_ms", "state"),
                            ("name", "role", "subnet")),
    "circuit vnet": Section(("name", "network", "weight", "latency_ms", "state",
                             "gateway_instances"),
                            ("name", "network")),
    "vpn": Section(("name", "type", "a", "b", "bgp", "latency_ms", "state"),
                   ("name", "type", "a", "b")),
    "vpn end": Section(("network", "router", "interface", "prefixes")),
    "global_reach": Section(("name", "type", "circuits", "state"), ("name", "type", "circuits")),
})


# The usual spelling, a.b.c.d/length with no leading zeros: parsed here in one match, as an
# (integer, length) pair ipaddress takes without parsing the text again (tens of thousands of
# prefixes in a landing zone). Any other spelling goes to ipaddress as text, which decides.
_DOTTED = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\."
                     r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
                     r"/(3[0-2]|[12]?\d)")


def _dotted_split(raw: str) -> tuple[int, int] | None:
    match = _DOTTED.fullmatch(raw)
    if match is None:
        return None
    a, b, c, d, length = (int(part) for part in match.groups())
    return (a << 24) | (b << 16) | (c << 8) | d, length


def default_topology_path() -> Path:
    """The bundled reference topology, wherever the package is installed."""
    return Path(__file__).parents[1] / "topologies" / DEFAULT_TOPOLOGY  # importlib.resources costs 2 ms


def display_name(path: Path | None) -> str:
    """How messages name the file: as the user wrote it, ``<stdin>`` for ``-``, and the bundled
    topology by the absolute path it is installed at (a path the user can open)."""
    if path is None:
        return str(default_topology_path().resolve())
    return STDIN_NAME if path == STDIN else str(path)


def load(path: Path | None = None) -> m.Topology:
    """Read and build a topology; raise ``InvalidTopology`` if it has any error."""
    topology, problems = load_with_problems(path)
    if topology is None or any(p.severity is Severity.ERROR for p in problems):
        raise InvalidTopology(problems)
    return topology


def load_with_problems(path: Path | None = None) -> tuple[m.Topology | None, list[Problem]]:
    """Read and build a topology, returning it (if it could be built) and every problem found."""
    return build_with_problems(read_document(path or default_topology_path(),
                                             display_name(path)))


def load_document(document: Document) -> m.Topology:
    """Build a topology from a parsed document (a file read elsewhere, e.g. from git)."""
    topology, problems = build_with_problems(document)
    if topology is None or any(p.severity is Severity.ERROR for p in problems):
        raise InvalidTopology(problems)
    return topology


def build_with_problems(document: Document) -> tuple[m.Topology | None, list[Problem]]:
    """Build a parsed document into a topology and check it, returning every problem found."""
    from azint.topology.checks import check_topology

    builder = TopologyBuilder(document)
    topology = builder.build()
    problems = list(builder.problems)

    # Positions outlive the build; the document's values and the builder do not (a landing
    # zone's values are tens of megabytes).
    where, paths = replace(document, root=None).where, builder.paths

    def locate(kind: str, name: str, *inner: str | int) -> Position:
        return where((*paths.get((kind, name), ()), *inner))

    if topology is not None:
        topology = replace(topology, locate=locate)
    if topology is not None and not problems:
        problems.extend(check_topology(topology, locate))
    # Errors first, then in the order ``validate`` prints them: a command names the same first
    # error as ``validate``.
    problems.sort(key=lambda p: (p.severity is not Severity.ERROR, p.position.file,
                                 p.position.line or 0, p.position.column or 0, p.message))
    return topology, problems


class _Skip(Exception):
    """A value was unusable; its problem is recorded and its parent is left out."""


class TopologyBuilder:
    """Reads the plain document into model values, recording each problem once."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.problems: list[Problem] = []
        self.paths: dict[tuple[str, str], PathKey] = {}  # (kind, name) -> where it is defined

    # -- reporting -------------------------------------------------------------------------

    def error(self, path: PathKey, message: str) -> None:
        self.problems.append(Problem(self.document.where(path), Severity.ERROR, message))

    def where(self, kind: str, name: str) -> PathKey:
        return self.paths.get((kind, name), ())

    def fail(self, path: PathKey, message: str) -> _Skip:
        self.error(path, message)
        return _Skip()

    # -- typed access ----------------------------------------------------------------------

    def mapping(self, value: Any, path: PathKey, section: str) -> dict[str, Any]:
        """``value`` as a mapping of the format's ``section``: unknown keys reported, required
        keys present (else the value is skipped)."""
        allowed, required = SECTIONS[section]
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(value)}")
        for key in value:
            if key not in allowed:
                import difflib  # a hint for bad input only: not at start-up
                hint = difflib.get_close_matches(key, allowed, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else ""
                self.error((*path, key), f"unknown key '{key}'{extra}")
        missing = [key for key in required if key not in value]
        if missing:
            raise self.fail(path, f"missing required key '{missing[0]}'")
        return value

    def items(self, value: Any, path: PathKey) -> Iterator[tuple[PathKey, Any]]:
        if value is None:
            return
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_kind(value)}")
            return
        for index, item in enumerate(value):
            yield (*path, index), item

    def each(self, value: Any, path: PathKey, build: Callable[[Any, PathKey], T]) -> list[T]:
        built: list[T] = []
        for item_path, item in self.items(value, path):
            try:
                built.append(build(item, item_path))
            except _Skip:
                continue
        return built

    def text(self, value: Any, path: PathKey) -> str:
        """A name (or an address, a prefix): a string, whatever YAML 1.1 made of it unquoted
        (``name: yes`` is "yes", ``name: 017`` is "017", not true or 15)."""
        if not isinstance(value, str):  # only a value YAML did not read as text has its text kept
            value = self.document.written.get(path, value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected a name, got {_kind(value)}")
        return value

    def name(self, value: Any, path: PathKey, what: str, rule: naming.AzureNaming | None = None,
             *, typed: bool = True) -> str:
        """A name that follows Azure's rule for its resource type (``rule``), or for anything
        else is printable; a name users type where an address is also accepted (``typed``)
        must not read as one. A broken rule is an error, but the name is kept so that what
        refers to it does not fail again."""
        name = self.text(value, path)
        if rule is not None:
            problem = naming.azure_name_problem(name, rule)
            if problem is not None:
                self.error(path, f"{what} {name!r} breaks Azure's naming rule for "
                                 f"{rule.resource}: {problem} (allowed: {rule.summary()})")
                return name
        else:
            problem = naming.free_name_problem(name)
            if problem is not None:
                self.error(path, f"{what} {name!r} is not usable: {problem}")
                return name
        if typed and naming.looks_like_address(name):
            self.error(path, f"{what} {name!r} reads as an IPv4 address; commands accept "
                             f"a name or an address in the same place, so it would be ambiguous")
        return name

    def _surprise(self, value: Any, path: PathKey) -> None:
        """Refuse numbers YAML 1.1 reads in a notation nobody means in a topology."""
        written = self.document.written.get(path)
        if written is None:
            return
        if ":" in written:
            raise self.fail(path, f"'{written}' is a base-60 number in YAML 1.1 ({value:g}); "
                                  f"write it in decimal, or quote it if it is text")
        if re.fullmatch(_OCTAL, written):
            raise self.fail(path, f"'{written}' is an octal number in YAML 1.1 ({value}); write "
                                  f"it without the leading zero")
        base = _NOTATIONS.get(written.lstrip("+-")[:2].lower())
        if base is not None:
            raise self.fail(path, f"'{written}' is a {base} number in YAML 1.1 ({value}); "
                                  f"write it in decimal")
        if "_" in written:
            raise self.fail(path, f"'{written}' is read as {value} in YAML 1.1 (its underscores "
                                  f"are ignored); write it without them")

    def _written_kind(self, value: Any, path: PathKey) -> str:
        """The value as the user wrote it (``yes``, not YAML 1.1's true), for messages."""
        return _kind(self.document.written.get(path, value))

    def number(self, value: Any, path: PathKey, low: float, high: float) -> float:
        self._surprise(value, path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, got {self._written_kind(value, path)}")
        if not low <= value <= high:
            raise self.fail(path, f"{value} is out of range ({low:g} to {high:g})")
        return float(value)

    def integer(self, value: Any, path: PathKey, low: int, high: int) -> int:
        self._surprise(value, path)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number, got {self._written_kind(value, path)}")
        if not low <= value <= high:
            raise self.fail(path, f"{value} is out of range ({low} to {high})")
        return value

    def flag(self, value: Any, path: PathKey) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {self._written_kind(value, path)}")
        return value

    def choice(self, value: Any, path: PathKey, options: tuple[str, ...]) -> str:
        value = self.document.written.get(path, value)
        if value not in options:
            raise self.fail(path, f"expected one of {', '.join(options)}, got {value!r}")
        return str(value)

    def address(self, value: Any, path: PathKey) -> IPv4Address:
        try:
            return IPv4Address(self.text(value, path))
        except ValueError:
            raise self.fail(path, f"'{value}' is not an IPv4 address") from None

    def prefix(self, value: Any, path: PathKey) -> IPv4Network:
        raw = self.text(value, path)
        split = _dotted_split(raw)
        try:
            return Prefix(split or raw)  # hashed once: a key of many tables
        except ValueError as exc:
            if "has host bits set" in str(exc):
                fixed = IPv4Network(raw, strict=False)
                raise self.fail(path, f"'{raw}' has host bits set; did you mean {fixed}?") from None
            raise self.fail(path, f"'{raw}' is not an IPv4 prefix") from None

    def interface_address(self, value: Any, path: PathKey) -> IPv4Interface:
        raw = self.text(value, path)
        if "/" not in raw:
            raise self.fail(path, f"'{raw}' needs a prefix length (address/length)")
        try:
            return IPv4Interface(_dotted_split(raw) or raw)
        except ValueError:
            raise self.fail(path, f"'{raw}' is not an IPv4 interface address") from None

    def optional(self, doc: dict[str, Any], key: str, path: PathKey,
                 read: Callable[[Any, PathKey], T], default: T) -> T:
        if key not in doc or doc[key] is None:
            return default
        try:
            return read(doc[key], (*path, key))
        except _Skip:
            return default

    def unique(self, kind: str, name: str, path: PathKey) -> None:
        if (kind, name) in self.paths:
            raise self.fail(path, f"duplicate {kind} name '{name}'")
        # ``path`` points at the name; checks locate parts of the named thing, which is its parent.
        self.paths[(kind, name)] = path[:-1]

    # -- the document ----------------------------------------------------------------------

    def build(self) -> m.Topology | None:
        try:
            return self._topology(self.document.root, ())
        except _Skip:
            return None

    def _topology(self, doc: Any, path: PathKey) -> m.Topology:
        doc = self.mapping(doc, path, "topology")
        version = self.optional(doc, "azint", path, lambda v, p: self.integer(v, p, 0, 10**6),
                                FORMAT_VERSION)
        if version != FORMAT_VERSION:
            self.error((*path, "azint"), f"format version {version} is not supported "
                                         f"(this azint reads version {FORMAT_VERSION})")
        vnets: dict[str, m.VNet] = {}
        sites: dict[str, m.OnPremSite] = {}
        for item_path, item in self.items(doc.get("networks"), (*path, "networks")):
            try:
                network = self._network(item, item_path)
            except _Skip:
                continue
            if isinstance(network, m.VNet):
                vnets[network.name] = network
            else:
                sites[network.name] = network
        peerings: list[m.Peering] = []
        circuits: dict[str, m.Circuit] = {}
        vpns: list[m.VpnConnection] = []
        reach: list[m.GlobalReach] = []
        for item_path, item in self.items(doc.get("connections"), (*path, "connections")):
            try:
                connection = self._connection(item, item_path)
            except _Skip:
                continue
            if isinstance(connection, m.Peering):
                peerings.append(connection)
            elif isinstance(connection, m.Circuit):
                circuits[connection.name] = connection
            elif isinstance(connection, m.VpnConnection):
                vpns.append(connection)
            elif isinstance(connection, m.GlobalReach):
                reach.append(connection)
        names = self.optional(doc, "names", path, self._names, dict[IPv4Address, str]())
        return m.Topology(
            name=self.optional(doc, "name", path, self.text, "topology"),
            vnets=MappingProxyType(vnets),
            sites=MappingProxyType(sites),
            peerings=tuple(peerings),
            circuits=MappingProxyType(circuits),
            vpns=tuple(vpns),
            global_reach=tuple(reach),
            names=MappingProxyType(names),
            flow_hash_seed=self.optional(doc, "flow_hash_seed", path,
                                         lambda v, p: self.integer(v, p, 0, 2**63), 0),
            jitter_ms=self.optional(doc, "jitter_ms", path,
                                    lambda v, p: self.number(v, p, 0, 10_000), 0.3),
            file=self.document.file,
        )

    def _names(self, value: Any, path: PathKey) -> dict[IPv4Address, str]:
        names: dict[IPv4Address, str] = {}
        for item_path, item in self.items(value, path):
            try:
                doc = self.mapping(item, item_path, "name record")
                names[self.address(doc["address"], (*item_path, "address"))] = self.name(
                    doc["name"], (*item_path, "name"), "name record")
            except _Skip:
                continue
        return names

    # -- networks --------------------------------------------------------------------------

    def _network(self, doc: Any, path: PathKey) -> m.VNet | m.OnPremSite:
        raw = doc if isinstance(doc, dict) else {}
        kind = raw.get("kind")
        if kind == "vnet":
            return self._vnet(doc, path)
        if kind == "onprem":
            return self._site(doc, path)
        if not isinstance(doc, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(doc)}")
        if "kind" not in doc:
            raise self.fail(path, "missing required key 'kind' (vnet or onprem)")
        raise self.fail((*path, "kind"), f"network kind must be vnet or onprem, got {kind!r}")

    def _vnet(self, doc: Any, path: PathKey) -> m.VNet:
        doc = self.mapping(doc, path, "vnet")
        name = self.name(doc["name"], (*path, "name"), "VNet name", naming.VIRTUAL_NETWORKS)
        self.unique("network", name, (*path, "name"))
        space = self.each(doc["address_space"], (*path, "address_space"), self.prefix)
        if not space and doc["address_space"]:  # its ranges were all bad, each one reported
            raise _Skip()
        if not space:
            raise self.fail((*path, "address_space"), "a VNet needs at least one address range")
        tables = {t.name: t for t in self.each(doc.get("route_tables"), (*path, "route_tables"),
                                               lambda v, p: self._route_table(v, p, name))}
        groups = {g.name: g for g in self.each(
            doc.get("network_security_groups"), (*path, "network_security_groups"),
            lambda v, p: self._security_group(v, p, name))}
        subnets = self.each(doc.get("subnets"), (*path, "subnets"),
                            lambda v, p: self._subnet(v, p, name, tables, groups))
        gateways = self.optional(doc, "gateways", path, self._gateways, dict[str, object]())
        endpoints = self.each(doc.get("endpoints"), (*path, "endpoints"),
                              lambda v, p: self._endpoint(v, p, name, onprem=False,
                                                          groups=groups))
        return m.VNet(
            name=name,
            region=self.optional(doc, "region", path, self.text, "region1"),
            address_space=tuple(space),
            subnets=tuple(subnets),
            endpoints=tuple(endpoints),
            expressroute_gateway=_typed(gateways.get("expressroute"), m.ExpressRouteGateway),
            vpn_gateway=_typed(gateways.get("vpn"), m.VpnGateway),
            route_tables=MappingProxyType(tables),
            security_groups=MappingProxyType(groups),
            branch_to_branch=self.optional(doc, "branch_to_branch", path, self.flag, False),
            hub_routing_preference=m.HubRoutingPreference(self.optional(
                doc, "hub_routing_preference", path,
                lambda v, p: self.choice(v, p, tuple(m.HubRoutingPreference)),
                m.HubRoutingPreference.EXPRESSROUTE.value)),
            latency_ms=self.optional(doc, "latency_ms", path,
                                     lambda v, p: self.number(v, p, 0, 10_000), 0.3),
            route_server=self.optional(doc, "route_server", path, self._route_server, None),
        )

    def _route_server(self, doc: Any, path: PathKey) -> m.RouteServer:
        doc = self.mapping(doc, path, "route server")
        addresses = tuple(self.each(doc["addresses"], (*path, "addresses"), self.address))
        raw = doc["addresses"]
        if (raw and not addresses) or (isinstance(raw, list) and len(addresses) < len(raw)):
            raise _Skip()  # a bad value, already reported
        if len(addresses) != 2:
            raise self.fail((*path, "addresses"), f"a Route Server has two peer addresses, got "
                                                  f"{len(addresses)}")
        return m.RouteServer(addresses, tuple(self.each(doc.get("peers"), (*path, "peers"),
                                                        self.text)))

    def _subnet(self, doc: Any, path: PathKey, vnet: str, tables: dict[str, m.RouteTableSpec],
                groups: dict[str, m.SecurityGroup]) -> m.Subnet:
        doc = self.mapping(doc, path, "subnet")
        name = self.name(doc["name"], (*path, "name"), "subnet name", naming.SUBNETS, typed=False)
        self.unique("subnet", f"{vnet}/{name}", (*path, "name"))
        table = self.optional(doc, "route_table", path, self.text, None)
        if table is not None and table not in tables:
            self.error((*path, "route_table"), _unknown("route table", table, tables))
            table = None
        return m.Subnet(name, self.prefix(doc["prefix"], (*path, "prefix")), table,
                        self._group_ref(doc, path, groups))

    def _group_ref(self, doc: dict[str, Any], path: PathKey,
                   groups: dict[str, m.SecurityGroup]) -> str | None:
        """The name of one of the VNet's network security groups, if the mapping names one."""
        group = self.optional(doc, "network_security_group", path, self.text, None)
        if group is not None and group not in groups:
            self.error((*path, "network_security_group"),
                       _unknown("network security group", group, groups))
            return None
        return group

    def _security_group(self, doc: Any, path: PathKey, vnet: str) -> m.SecurityGroup:
        doc = self.mapping(doc, path, "network security group")
        name = self.name(doc["name"], (*path, "name"), "network security group name",
                         naming.SECURITY_GROUPS, typed=False)
        self.unique("network security group", f"{vnet}/{name}", (*path, "name"))
        built = self.each(doc.get("rules"), (*path, "rules"),
                          lambda v, p: (p, self._security_rule(v, p)))
        self._distinct_rules(built)
        return m.SecurityGroup(name, tuple(rule for _, rule in built))

    def _distinct_rules(self, built: list[tuple[PathKey, m.SecurityRule]]) -> None:
        """Azure refuses two rules of one group with one name, or one priority and direction."""
        names: set[str] = set()
        slots: set[tuple[int, m.Direction]] = set()
        for at, rule in built:
            if rule.name in names:
                self.error((*at, "name"), f"duplicate security rule name '{rule.name}'")
            if (rule.priority, rule.direction) in slots:
                self.error((*at, "priority"),
                           f"two {rule.direction.value.lower()} rules with priority "
                           f"{rule.priority}: Azure needs a rule's priority unique per direction")
            names.add(rule.name)
            slots.add((rule.priority, rule.direction))

    def _security_rule(self, doc: Any, path: PathKey) -> m.SecurityRule:
        doc = self.mapping(doc, path, "security rule")
        name = self.name(doc["name"], (*path, "name"), "security rule name", naming.SECURITY_RULES,
                         typed=False)
        protocol = self.optional(doc, "protocol", path, lambda v, p: self.choice(
            v, p, (*(x.value for x in m.IpProtocol), "Any")), "*")
        return m.SecurityRule(
            name=name,
            priority=self.integer(doc["priority"], (*path, "priority"), 100, 4096),
            direction=m.Direction(self.choice(doc["direction"], (*path, "direction"),
                                              tuple(m.Direction))),
            access=m.Access(self.choice(doc["access"], (*path, "access"), tuple(m.Access))),
            protocol=m.IpProtocol("*" if protocol == "Any" else protocol),
            sources=self._rule_addresses(doc, "source", path),
            source_ports=self._rule_ports(doc, "source_ports", path),
            destinations=self._rule_addresses(doc, "destination", path),
            destination_ports=self._rule_ports(doc, "destination_ports", path))

    def _rule_addresses(self, doc: dict[str, Any], key: str,
                        path: PathKey) -> tuple[IPv4Network | str, ...]:
        """``*``, a service tag, or prefixes and addresses: one, or a list."""
        if doc.get(key) is None:
            return (m.ANY_ADDRESS,)
        value = doc[key]
        if not isinstance(value, list):
            return (self._rule_address(value, (*path, key)),)
        found = self.each(value, (*path, key), self._rule_address)
        if not found and not value:
            raise self.fail((*path, key), f"a rule's {key} needs at least one prefix")
        if not found:
            raise _Skip()
        words = [f for f in found if isinstance(f, str)]
        if words and len(found) > 1:
            raise self.fail((*path, key), f"'{words[0]}' stands alone: a rule's {key} is "
                                          f"'*', one service tag, or a list of prefixes")
        return tuple(found)

    def _rule_address(self, value: Any, path: PathKey) -> IPv4Network | str:
        raw = self.text(value, path)
        if raw == m.ANY_ADDRESS or raw in m.SERVICE_TAGS:
            return raw
        if "/" not in raw:
            try:
                return IPv4Network(f"{raw}/32")
            except ValueError:
                pass
            if not raw[:1].isdigit():
                import difflib  # a hint for bad input only: not at start-up
                hint = difflib.get_close_matches(raw, m.SERVICE_TAGS, n=1)
                extra = f"; did you mean '{hint[0]}'?" if hint else ""
                raise self.fail(path, f"'{raw}' is not an IPv4 prefix nor a service tag azint "
                                      f"models ({', '.join(m.SERVICE_TAGS)}, or '*'){extra}")
        return self.prefix(raw, path)

    def _rule_ports(self, doc: dict[str, Any], key: str,
                    path: PathKey) -> tuple[tuple[int, int], ...]:
        """``*``, a port, or a range ``LOW-HIGH``: one, or a list."""
        if doc.get(key) is None:
            return m.ALL_PORTS
        value = doc[key]
        if not isinstance(value, list):
            return (self._port_range(value, (*path, key)),)
        found = self.each(value, (*path, key), self._port_range)
        if not found and not value:
            raise self.fail((*path, key), f"a rule's {key} needs at least one port")
        if not found:
            raise _Skip()
        return tuple(found)

    def _port_range(self, value: Any, path: PathKey) -> tuple[int, int]:
        raw = str(self.document.written.get(path, value)).strip()
        if raw == "*":
            return m.ALL_PORTS[0]
        low, dash, high = raw.partition("-")
        if not (low.isdigit() and (not dash or high.isdigit())):
            raise self.fail(path, f"'{raw}' is not a port, a range LOW-HIGH or '*'")
        first, last = int(low), int(high if dash else low)
        if not 0 <= first <= last <= 65535:
            raise self.fail(path, f"'{raw}' is not a port range within 0-65535, low to high")
        return first, last

    def _route_table(self, doc: Any, path: PathKey, vnet: str) -> m.RouteTableSpec:
        doc = self.mapping(doc, path, "route table")
        name = self.name(doc["name"], (*path, "name"), "route table name", naming.ROUTE_TABLES,
                         typed=False)
        self.unique("route table", f"{vnet}/{name}", (*path, "name"))
        routes = self.each(doc.get("routes"), (*path, "routes"), self._user_route)
        return m.RouteTableSpec(
            name, tuple(routes),
            self.optional(doc, "propagate_gateway_routes", path, self.flag, True))

    def _user_route(self, doc: Any, path: PathKey) -> m.UserRoute:
        doc = self.mapping(doc, path, "user route")
        kinds = tuple(t.value for t in m.NextHopType
                      if t not in (m.NextHopType.VNET_PEERING, m.NextHopType.VNET_GLOBAL_PEERING))
        kind = m.NextHopType(self.choice(doc["next_hop_type"], (*path, "next_hop_type"), kinds))
        hop_ip = self.optional(doc, "next_hop_ip", path, self.address, None)
        if kind is m.NextHopType.APPLIANCE and hop_ip is None:
            raise self.fail(path, "a VirtualAppliance route needs next_hop_ip")
        if kind is not m.NextHopType.APPLIANCE and hop_ip is not None:
            self.error((*path, "next_hop_ip"), "only a VirtualAppliance route takes next_hop_ip")
        prefix = self.prefix(doc["prefix"], (*path, "prefix"))
        name = self.optional(doc, "name", path, lambda v, p: self.name(
            v, p, "route name", naming.ROUTES, typed=False), str(prefix))
        return m.UserRoute(name, prefix, kind, hop_ip)

    def _gateways(self, doc: Any, path: PathKey) -> dict[str, Any]:
        doc = self.mapping(doc, path, "gateways")
        found: dict[str, Any] = {}
        if doc.get("expressroute") is not None:
            gp = (*path, "expressroute")
            er = self.mapping(doc["expressroute"], gp, "expressroute gateway")
            found["expressroute"] = m.ExpressRouteGateway(
                self.optional(er, "asn", gp, _asn(self), m.AZURE_GATEWAY_ASN),
                tuple(self._instances(er["instances"], (*gp, "instances"))))
        if doc.get("vpn") is not None:
            gp = (*path, "vpn")
            vpn = self.mapping(doc["vpn"], gp, "vpn gateway")
            found["vpn"] = self._vpn_gateway(vpn, gp)
        return found

    def _vpn_gateway(self, vpn: dict[str, Any], gp: PathKey) -> m.VpnGateway:
        instances = tuple(self._instances(vpn["instances"], (*gp, "instances")))
        gateway = m.VpnGateway(
            self.optional(vpn, "asn", gp, _asn(self), m.AZURE_GATEWAY_ASN), instances,
            self.optional(vpn, "bgp_peer_address", gp, self.address, None),
            self.optional(vpn, "public_address", gp, self.address, None),
            self.optional(vpn, "active_active", gp, self.flag, False))
        if not gateway.active_active:
            for key in ("public_addresses", "bgp_peer_addresses"):
                if key in vpn:
                    self.error((*gp, key), f"{key} is for an active-active gateway (one address "
                                           f"per instance); add active_active: true")
            return gateway
        if len(instances) != 2:
            raise self.fail((*gp, "instances"), f"an active-active VPN gateway has two "
                                                f"instances, got {len(instances)}")
        for key in ("public_address", "bgp_peer_address"):
            if key in vpn:
                self.error((*gp, key), f"an active-active gateway has one {key} per instance: "
                                       f"write {key}es: [FIRST, SECOND]")
        public = self._per_instance(vpn, gp, "public_addresses")
        bgp = self._per_instance(vpn, gp, "bgp_peer_addresses")
        return replace(gateway, public_addresses=public, bgp_peer_addresses=bgp,
                       public_address=public[0] if public else None,
                       bgp_peer_address=bgp[0] if bgp else None)

    def _per_instance(self, doc: dict[str, Any], path: PathKey,
                      key: str) -> tuple[IPv4Address, ...]:
        raw = doc.get(key)
        found = tuple(self.each(raw, (*path, key), self.address))
        if (raw and not found) or (isinstance(raw, list) and len(found) < len(raw)):
            raise _Skip()  # a bad value, already reported
        if key in doc and len(found) != 2:
            raise self.fail((*path, key), f"{key} holds one address per instance: two")
        return found

    def _instances(self, value: Any, path: PathKey) -> list[IPv4Address]:
        found = self.each(value, path, self.address)
        if not found and value:  # every address was bad, each one reported
            raise _Skip()
        if not found:
            raise self.fail(path, "a gateway needs at least one instance address")
        return found

    def _endpoint(self, doc: Any, path: PathKey, network: str, *, onprem: bool,
                  groups: dict[str, m.SecurityGroup] | None = None) -> m.Endpoint:
        doc = self.mapping(doc, path, "endpoint")
        name = self.name(doc["name"], (*path, "name"), "endpoint name" if onprem else "VM name",
                         None if onprem else naming.VIRTUAL_MACHINES)
        self.unique("endpoint", name, (*path, "name"))
        gateway = self.optional(doc, "gateway", path, self.address, None)
        if onprem and gateway is None:
            raise self.fail(path, f"on-premises endpoint '{name}' needs a default 'gateway'")
        if not onprem and gateway is not None:
            self.error((*path, "gateway"), "a VM in a VNet takes no gateway: Azure routes for it")
        if onprem and doc.get("network_security_group") is not None:
            self.error((*path, "network_security_group"), "an on-premises endpoint takes no "
                       "network security group: NSGs filter VMs' NICs and subnets in VNets")
        return m.Endpoint(
            name=name, network=network,
            address=self.address(doc["address"], (*path, "address")),
            os=self.optional(doc, "os", path,
                             lambda v, p: self.choice(v, p, tuple(m.INITIAL_TTL)), "windows"),
            gateway=gateway,
            forwarding=self.optional(doc, "forwarding", path, self.flag, False),
            security_group=self._group_ref(doc, path, groups) if groups is not None else None,
            asn=self.optional(doc, "asn", path, _asn(self), None),
            advertise=tuple(self.each(doc.get("advertise"), (*path, "advertise"), self.prefix)))

    def _site(self, doc: Any, path: PathKey) -> m.OnPremSite:
        doc = self.mapping(doc, path, "onprem")
        name = self.name(doc["name"], (*path, "name"), "site name")
        self.unique("network", name, (*path, "name"))
        routers = self.each(doc.get("routers"), (*path, "routers"),
                            lambda v, p: self._router(v, p, name))
        ports: dict[str, frozenset[str]] = {}  # each router's interfaces: a link end is O(1)
        for router in routers:
            ports.setdefault(router.name, frozenset(i.name for i in router.interfaces))
        links = self.each(doc.get("links"), (*path, "links"),
                          lambda v, p: self._link(v, p, routers, ports))
        return m.OnPremSite(
            name=name,
            asn=self.integer(doc["asn"], (*path, "asn"), 1, 4_294_967_295),
            routers=tuple(routers),
            links=tuple(links),
            endpoints=tuple(self.each(doc.get("endpoints"), (*path, "endpoints"),
                                      lambda v, p: self._endpoint(v, p, name, onprem=True))),
            lan_latency_ms=self.optional(doc, "lan_latency_ms", path,
                                         lambda v, p: self.number(v, p, 0, 10_000), 0.1))

    def _router(self, doc: Any, path: PathKey, site: str) -> m.Router:
        doc = self.mapping(doc, path, "router")
        name = self.name(doc["name"], (*path, "name"), "router name")
        if "/" in name:
            self.error((*path, "name"), f"router name {name!r} holds '/', which site links use "
                                        f"to write ROUTER/INTERFACE")
        self.unique("router", name, (*path, "name"))
        interfaces = self.each(doc.get("interfaces"), (*path, "interfaces"), self._interface)
        bgp = self.optional(doc, "bgp", path, lambda v, p: self.mapping(v, p, "router bgp"),
                            dict[str, Any]())
        bp = (*path, "bgp")
        return m.Router(
            name=name, site=site, interfaces=tuple(interfaces),
            static_routes=tuple(self.each(doc.get("static_routes"), (*path, "static_routes"),
                                          self._static)),
            redistribute=frozenset(self.each(
                doc.get("redistribute"), (*path, "redistribute"),
                lambda v, p: self.choice(v, p, ("connected", "static", "bgp")))),
            advertise=tuple(self.each(bgp.get("advertise"), (*bp, "advertise"), self.prefix)),
            local_preference=MappingProxyType(self.optional(bgp, "local_preference", bp,
                                                            self._preferences, {})),
            neighbors=MappingProxyType(self.optional(bgp, "neighbors", bp, self._neighbors, {})),
            readvertise=self.optional(bgp, "readvertise", bp, self.flag, False),
            multipath=self.optional(bgp, "multipath", bp, self.flag, False),
            icmp_unreachables=self.optional(doc, "icmp_unreachables", path, self.flag, True),
            bgp=doc.get("bgp") is not None)

    def _preferences(self, value: Any, path: PathKey) -> dict[str, int]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping of connection name to preference, "
                                  f"got {_kind(value)}")
        prefs: dict[str, int] = {}
        for key, pref in value.items():
            try:
                prefs[key] = self.integer(pref, (*path, key), 0, 4_294_967_295)
            except _Skip:
                continue
        return prefs

    def _neighbors(self, value: Any, path: PathKey) -> dict[str, m.NeighborPolicy]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping of connection name to policy, "
                                  f"got {_kind(value)}")
        found: dict[str, m.NeighborPolicy] = {}
        for key, doc in value.items():
            try:
                found[key] = self._neighbor(doc, (*path, key))
            except _Skip:
                continue
        return found

    def _neighbor(self, doc: Any, path: PathKey) -> m.NeighborPolicy:
        doc = self.mapping(doc, path, "bgp neighbor")
        return m.NeighborPolicy(
            prepend=self.optional(doc, "prepend", path, lambda v, p: self.integer(v, p, 0, 10), 0),
            med=self.optional(doc, "med", path, lambda v, p: self.integer(v, p, 0, 4_294_967_295),
                              0),
            accept=self._filter(doc, "accept", path),
            announce=self._filter(doc, "announce", path))

    def _filter(self, doc: dict[str, Any], key: str,
                path: PathKey) -> tuple[IPv4Network, ...] | None:
        if key not in doc or doc[key] is None:
            return None
        return tuple(self.each(doc[key], (*path, key), self.prefix))

    def _interface(self, doc: Any, path: PathKey) -> m.RouterInterface:
        doc = self.mapping(doc, path, "interface")
        return m.RouterInterface(self.name(doc["name"], (*path, "name"), "interface name"),
                                 self.interface_address(doc["address"], (*path, "address")))

    def _static(self, doc: Any, path: PathKey) -> m.StaticRoute:
        doc = self.mapping(doc, path, "static route")
        route = m.StaticRoute(
            prefix=self.prefix(doc["prefix"], (*path, "prefix")),
            next_hop=self.optional(doc, "next_hop", path, self.address, None),
            interface=self.optional(doc, "interface", path, self.text, None),
            discard=self.optional(doc, "discard", path, self.flag, False))
        targets = (route.next_hop is not None) + (route.interface is not None) + route.discard
        if targets != 1:
            raise self.fail(path, "a static route takes exactly one of next_hop, interface, "
                                  "discard: true")
        return route

    def _link(self, doc: Any, path: PathKey, routers: list[m.Router],
              ports: Mapping[str, frozenset[str]]) -> m.SiteLink:
        doc = self.mapping(doc, path, "site link")
        ends = [self._link_end(doc[side], (*path, side), routers, ports) for side in ("a", "b")]
        return m.SiteLink(ends[0][0], ends[0][1], ends[1][0], ends[1][1],
                          self.optional(doc, "latency_ms", path,
                                        lambda v, p: self.number(v, p, 0, 10_000), 0.1))

    def _link_end(self, value: Any, path: PathKey, routers: list[m.Router],
                  ports: Mapping[str, frozenset[str]]) -> tuple[str, str]:
        raw = self.text(value, path)
        router_name, _, interface = raw.partition("/")
        names = ports.get(router_name)
        if names is None:
            raise self.fail(path, _unknown("router", router_name, [r.name for r in routers]))
        if interface not in names:
            raise self.fail(path, f"router '{router_name}' has no interface '{interface}'"
                                  f" (write ROUTER/INTERFACE)")
        return router_name, interface

    # -- connections -----------------------------------------------------------------------

    def _connection(self, doc: Any, path: PathKey) -> object:
        raw = doc if isinstance(doc, dict) else {}
        builders: dict[str, Callable[[Any, PathKey], object]] = {
            "peering": self._peering, "expressroute": self._circuit, "vpn": self._vpn,
            "global_reach": self._global_reach}
        kind = raw.get("type")
        if not isinstance(doc, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(doc)}")
        if not isinstance(kind, str) or kind not in builders:  # a list or mapping is unhashable
            where = (*path, "type") if "type" in doc else path
            raise self.fail(where, f"connection type must be one of {', '.join(builders)}, "
                                   f"got {kind!r}")
        return builders[str(kind)](doc, path)

    def _named(self, doc: dict[str, Any], path: PathKey, kind: str,
               rule: naming.AzureNaming | None) -> str:
        name = self.name(doc["name"], (*path, "name"), f"{kind} name", rule, typed=False)
        self.unique("connection", name, (*path, "name"))
        self.paths[(kind, name)] = path
        return name

    def _latency(self, doc: dict[str, Any], path: PathKey, default: float) -> float:
        return self.optional(doc, "latency_ms", path, lambda v, p: self.number(v, p, 0, 10_000),
                             default)

    def _state(self, doc: dict[str, Any], path: PathKey) -> bool:
        return self.optional(doc, "state", path, lambda v, p: self.choice(v, p, ("up", "down")),
                             "up") == "up"

    def _peering(self, doc: Any, path: PathKey) -> m.Peering:
        doc = self.mapping(doc, path, "peering")
        name = self._named(doc, path, "peering", naming.PEERINGS)
        sides = [self._peering_side(doc[s], (*path, s)) for s in ("a", "b")]
        return m.Peering(name, sides[0], sides[1], self._latency(doc, path, 0.7),
                         self._state(doc, path))

    def _peering_side(self, doc: Any, path: PathKey) -> m.PeeringSide:
        doc = self.mapping(doc, path, "peering side")
        return m.PeeringSide(self.text(doc["network"], (*path, "network")),
                             self.optional(doc, "allow_gateway_transit", path, self.flag, False),
                             self.optional(doc, "use_remote_gateways", path, self.flag, False),
                             self.optional(doc, "allow_virtual_network_access", path, self.flag,
                                           True),
                             self.optional(doc, "allow_forwarded_traffic", path, self.flag,
                                           m.FORWARDED_TRAFFIC_DEFAULT))

    def _circuit(self, doc: Any, path: PathKey) -> m.Circuit:
        doc = self.mapping(doc, path, "expressroute")
        name = self._named(doc, path, "circuit", naming.CIRCUITS)
        links = self.each(doc["links"], (*path, "links"), self._circuit_link)
        vnets = self.each(doc.get("vnets"), (*path, "vnets"), self._circuit_connection)
        premium = self.optional(doc, "premium", path, self.flag, False)
        sku = m.CircuitSku(self.optional(
            doc, "sku", path, lambda v, p: self.choice(v, p, tuple(m.CircuitSku)),
            m.CircuitSku.PREMIUM.value if premium else m.CircuitSku.STANDARD.value))
        if premium and sku is not m.CircuitSku.PREMIUM:
            self.error((*path, "sku"), f"premium: true is the Premium SKU, not {sku.value}")
        return m.Circuit(name, self.optional(doc, "peering_location", path, self.text, name),
                         tuple(links), tuple(vnets), sku is m.CircuitSku.PREMIUM,
                         self._state(doc, path), sku)

    def _circuit_link(self, doc: Any, path: PathKey) -> m.CircuitLink:
        doc = self.mapping(doc, path, "circuit link")
        name = self._named(doc, path, "link", None)  # not an Azure resource
        subnet = self.prefix(doc["subnet"], (*path, "subnet"))
        if subnet.prefixlen != 30:
            raise self.fail((*path, "subnet"), f"a circuit link is a /30, got {subnet}")
        return m.CircuitLink(name, self.choice(doc["role"], (*path, "role"),
                                               ("primary", "secondary")),
                             subnet, self.optional(doc, "router", path, self.text, None),
                             self._latency(doc, path, 0.2), self._state(doc, path))

    def _circuit_connection(self, doc: Any, path: PathKey) -> m.CircuitConnection:
        doc = self.mapping(doc, path, "circuit vnet")
        name = self._named(doc, path, "vnet link", naming.CONNECTIONS)
        return m.CircuitConnection(
            name, self.text(doc["network"], (*path, "network")),
            self.optional(doc, "weight", path, lambda v, p: self.integer(v, p, 0, 32000), 0),
            self._latency(doc, path, 1.0), self._state(doc, path),
            tuple(self.each(doc.get("gateway_instances"), (*path, "gateway_instances"),
                            self.address)))

    def _vpn(self, doc: Any, path: PathKey) -> m.VpnConnection:
        doc = self.mapping(doc, path, "vpn")
        name = self._named(doc, path, "vpn", naming.CONNECTIONS)
        a = self._vpn_end(doc["a"], (*path, "a"))
        b = self._vpn_end(doc["b"], (*path, "b"))
        keys = ("a", "b")
        if a.is_onprem and not b.is_onprem:
            a, b = b, a
            keys = ("b", "a")
        # The model's end a is always the VNet: checks locate each end where the file wrote it.
        self.paths[("vpn end a", name)] = (*path, keys[0])
        self.paths[("vpn end b", name)] = (*path, keys[1])
        if a.is_onprem:
            raise self.fail(path, "a VPN connection needs an Azure VNet (its VPN gateway) on "
                                  "at least one end")
        return m.VpnConnection(name, a, b, self.optional(doc, "bgp", path, self.flag, True),
                               self._latency(doc, path, 2.0), self._state(doc, path))

    def _vpn_end(self, doc: Any, path: PathKey) -> m.VpnEnd:
        doc = self.mapping(doc, path, "vpn end")
        end = m.VpnEnd(self.optional(doc, "network", path, self.text, None),
                       self.optional(doc, "router", path, self.text, None),
                       self.optional(doc, "interface", path, self.text, None),
                       tuple(self.each(doc.get("prefixes"), (*path, "prefixes"), self.prefix)))
        if (end.network is None) == (end.router is None):
            raise self.fail(path, "a VPN end is either {network: VNET} or "
                                  "{router: ROUTER, interface: TUNNEL}")
        if end.router is not None and end.interface is None:
            raise self.fail(path, "an on-premises VPN end needs the router's tunnel 'interface'")
        return end

    def _global_reach(self, doc: Any, path: PathKey) -> m.GlobalReach:
        doc = self.mapping(doc, path, "global_reach")
        name = self._named(doc, path, "global reach", naming.CONNECTIONS)
        circuits = self.each(doc["circuits"], (*path, "circuits"), self.text)
        if len(circuits) != 2:
            raise self.fail((*path, "circuits"), "Global Reach joins exactly two circuits")
        return m.GlobalReach(name, (circuits[0], circuits[1]), self._state(doc, path))


def _typed(value: object, kind: type[T]) -> T | None:
    return value if isinstance(value, kind) else None


def _asn(builder: TopologyBuilder) -> Callable[[Any, PathKey], int]:
    return lambda v, p: builder.integer(v, p, 1, 4_294_967_295)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"


def _unknown(kind: str, name: str, known: object) -> str:
    names = [str(k) for k in known]  # type: ignore[attr-defined]
    import difflib  # a hint for bad input only: not at start-up
    hint = difflib.get_close_matches(name, names, n=1)
    return f"unknown {kind} '{name}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
