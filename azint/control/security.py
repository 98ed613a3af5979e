"""Network security groups: which rule decides a packet at a VM's subnet and NIC (rules 8.x).

An NSG holds its own rules (priorities 100-4096) and Azure's default rules (65000-65500); the
first rule in priority order that matches a packet decides. A VM's packets meet up to two NSGs:
inbound the subnet's then the NIC's, outbound the NIC's then the subnet's; both must allow. The
service tag ``VirtualNetwork`` is computed from the subnet's effective routes (its VNet's
ranges, peered VNets' and what its gateway learned, user routes' prefixes), so it follows the
control plane. Only VMs in VNets have NSGs here: gateways and on-premises hosts have none.

``SecurityPolicy`` answers for one control plane; ``effective_rules`` lists what
``az network nic list-effective-nsg`` shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from ipaddress import IPv4Address, IPv4Network, collapse_addresses
from typing import NamedTuple

from azint.control.plane import ControlPlane
from azint.control.vnet import SOURCE_USER, VNetRoutes
from azint.topology import model as m
from azint.topology.frozen import frozen, record
from azint.topology.model import Access, Direction, IpProtocol, SecurityRule

VIRTUAL_NETWORK, INTERNET, AZURE_LOAD_BALANCER = m.SERVICE_TAGS
HOST_ADDRESS = IPv4Network("168.63.129.16/32")  # Azure's host: health probes, DHCP, DNS
PRIVATE_RANGES = tuple(IPv4Network(p) for p in
                       ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))

_ANY, _ALL = m.ANY_ADDRESS, m.ALL_PORTS


def _default(name: str, priority: int, direction: Direction, access: Access,
             source: str = _ANY, destination: str = _ANY) -> SecurityRule:
    return SecurityRule(name, priority, direction, access, IpProtocol.ANY, (source,), _ALL,
                        (destination,), _ALL)


# Azure's default rules, in every NSG, below every rule a user can write.
DEFAULT_RULES = (
    _default("AllowVnetInBound", 65000, Direction.INBOUND, Access.ALLOW, VIRTUAL_NETWORK,
             VIRTUAL_NETWORK),
    _default("AllowAzureLoadBalancerInBound", 65001, Direction.INBOUND, Access.ALLOW,
             AZURE_LOAD_BALANCER),
    _default("DenyAllInBound", 65500, Direction.INBOUND, Access.DENY),
    _default("AllowVnetOutBound", 65000, Direction.OUTBOUND, Access.ALLOW, VIRTUAL_NETWORK,
             VIRTUAL_NETWORK),
    _default("AllowInternetOutBound", 65001, Direction.OUTBOUND, Access.ALLOW,
             destination=INTERNET),
    _default("DenyAllOutBound", 65500, Direction.OUTBOUND, Access.DENY),
)
DEFAULT_PRIORITY = 65000  # Azure's default rules are numbered from here; users' end at 4096

# Next hop types whose prefixes the VirtualNetwork tag holds (rule 8.3).
_TAGGED_HOPS = frozenset({m.NextHopType.VNET_LOCAL, m.NextHopType.VNET_PEERING,
                          m.NextHopType.VNET_GLOBAL_PEERING, m.NextHopType.GATEWAY})
_PROTOCOLS = {"icmp": IpProtocol.ICMP, "tcp": IpProtocol.TCP, "udp": IpProtocol.UDP}
_PORTLESS = frozenset({IpProtocol.ICMP, IpProtocol.ESP, IpProtocol.AH})


class Attachment(NamedTuple):
    """An NSG where it filters a VM: on its ``subnet`` or on its ``nic``."""

    level: str  # "subnet" or "nic"
    where: str  # the subnet's or the VM's name
    group: m.SecurityGroup


class Verdict(NamedTuple):
    """The rule that decided a packet at one NSG."""

    attachment: Attachment
    rule: SecurityRule
    direction: Direction

    @property
    def allowed(self) -> bool:
        return self.rule.access is Access.ALLOW

    def reason(self, endpoint: str) -> str:
        """Why a walk ends here: ``network security group … denies the packet inbound to VM``."""
        way = "inbound to" if self.direction is Direction.INBOUND else "outbound from"
        return f"{self.describe()}, denies the packet {way} {endpoint}"

    def describe(self) -> str:
        """``network security group 'web' (NIC of web-vm), rule 'DenyIcmp' (priority 100)``."""
        level = self.attachment.level
        place = (f"subnet {self.attachment.where}" if level == "subnet"
                 else f"NIC of {self.attachment.where}")
        kind = "default rule" if self.rule.priority >= DEFAULT_PRIORITY else "rule"
        return (f"network security group '{self.attachment.group.name}' ({place}), {kind} "
                f"'{self.rule.name}' (priority {self.rule.priority})")


class _Prefixes:
    """A set of prefixes with an address test of at most 33 set probes."""

    __slots__ = ("_by_length", "prefixes")

    def __init__(self, prefixes: Iterable[IPv4Network]) -> None:
        self.prefixes = tuple(collapse_addresses(set(prefixes)))
        self._by_length: dict[int, set[int]] = {}
        for prefix in self.prefixes:
            self._by_length.setdefault(prefix.prefixlen, set()).add(int(prefix.network_address))

    def __contains__(self, address: IPv4Address) -> bool:
        value = int(address)
        return any((value >> (32 - length) << (32 - length) if length else 0) in keys
                   for length, keys in self._by_length.items())


_PRIVATE = _Prefixes(PRIVATE_RANGES)


@record
class SecurityPolicy:
    """The NSGs of one control plane; ``active`` is false when no VM has any."""

    plane: ControlPlane
    active: bool = False
    _tags: dict[tuple[str, str | None], _Prefixes] = field(default_factory=dict)
    _attached: dict[str, tuple[Attachment, ...]] = field(default_factory=dict)
    _subnet: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # VM -> (VNet, subnet)
    _ordered: dict[tuple[int, Direction], list[SecurityRule]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for vnet in self.plane.topology.vnets.values():
            for endpoint in vnet.endpoints:
                subnet = vnet.subnet_of(endpoint.address)
                self._subnet[endpoint.name] = (vnet.name, subnet.name if subnet else None)
                found = attachments(vnet, endpoint)
                if found:
                    self._attached[endpoint.name] = found
        self.active = bool(self._attached)

    def denial(self, endpoint: str, direction: Direction, src: IPv4Address, dst: IPv4Address,
               protocol: str) -> Verdict | None:
        """The verdict that drops a packet at VM ``endpoint`` (None: every NSG allows it)."""
        for verdict in self.verdicts(endpoint, direction, src, dst, protocol):
            if not verdict.allowed:
                return verdict
        return None

    def verdicts(self, endpoint: str, direction: Direction, src: IPv4Address, dst: IPv4Address,
                 protocol: str) -> list[Verdict]:
        """Each NSG's deciding rule, in the order Azure applies them, up to the first deny."""
        found: list[Verdict] = []
        ordered = self._attached.get(endpoint, ())
        if direction is Direction.OUTBOUND:
            ordered = ordered[::-1]
        for attachment in ordered:
            rule = self.deciding_rule(endpoint, attachment.group, direction, src, dst, protocol)
            found.append(Verdict(attachment, rule, direction))
            if rule.access is Access.DENY:
                break
        return found

    def deciding_rule(self, endpoint: str, group: m.SecurityGroup, direction: Direction,
                      src: IPv4Address, dst: IPv4Address, protocol: str) -> SecurityRule:
        tags = self.virtual_network(endpoint)
        key = (id(group), direction)  # groups live as long as the topology this policy reads
        rules = self._ordered.get(key)
        if rules is None:
            rules = self._ordered[key] = ordered_rules(group, direction)
        for rule in rules:
            if _matches(rule, tags, src, dst, _PROTOCOLS.get(protocol, IpProtocol.ANY)):
                return rule
        raise AssertionError("the default rules match every packet")  # DenyAll* is last

    def virtual_network(self, endpoint: str) -> _Prefixes:
        """The VirtualNetwork tag as the VM's subnet sees it."""
        key = self._subnet[endpoint]
        if key not in self._tags:
            self._tags[key] = _Prefixes(virtual_network_prefixes(self.plane.vnets[key[0]],
                                                                 key[1]))
        return self._tags[key]


def attachments(vnet: m.VNet, endpoint: m.Endpoint) -> tuple[Attachment, ...]:
    """The NSGs filtering a VM, in inbound order: its subnet's, then its NIC's."""
    found: list[Attachment] = []
    subnet = vnet.subnet_of(endpoint.address)
    subnet_group = vnet.security_groups.get(subnet.security_group or "") if subnet else None
    if subnet is not None and subnet_group is not None:
        found.append(Attachment("subnet", subnet.name, subnet_group))
    nic_group = vnet.security_groups.get(endpoint.security_group or "")
    if nic_group is not None:
        found.append(Attachment("nic", endpoint.name, nic_group))
    return tuple(found)


def ordered_rules(group: m.SecurityGroup, direction: Direction) -> list[SecurityRule]:
    """A group's rules for one direction, its own then Azure's defaults, by priority."""
    rules = [r for r in (*group.rules, *DEFAULT_RULES) if r.direction is direction]
    return sorted(rules, key=lambda r: r.priority)


def virtual_network_prefixes(routes: VNetRoutes, subnet: str | None) -> list[IPv4Network]:
    """What the VirtualNetwork tag holds for a subnet: the prefixes of its effective routes to
    the VNet, its peers and its gateway, and of its user routes (not a default route), and
    Azure's host address."""
    found = [HOST_ADDRESS]
    for row in routes.effective(subnet):
        route = row.route
        tagged = route.next_hop_type in _TAGGED_HOPS or route.source == SOURCE_USER
        if tagged and route.prefix.prefixlen > 0:
            found.append(route.prefix)
    return found


def _matches(rule: SecurityRule, tags: _Prefixes, src: IPv4Address, dst: IPv4Address,
             protocol: IpProtocol) -> bool:
    if rule.protocol is not IpProtocol.ANY and rule.protocol is not protocol:
        return False
    if protocol in _PORTLESS and (rule.source_ports != _ALL or rule.destination_ports != _ALL):
        return False  # a port condition no packet without ports can meet
    return _address_matches(rule.sources, tags, src) and \
        _address_matches(rule.destinations, tags, dst)


def _address_matches(entries: tuple[IPv4Network | str, ...], tags: _Prefixes,
                     address: IPv4Address) -> bool:
    return any(address in entry if isinstance(entry, IPv4Network) else
               _tag_holds(entry, tags, address) for entry in entries)


def _tag_holds(tag: str, virtual_network: _Prefixes, address: IPv4Address) -> bool:
    """Whether ``*`` or a service tag covers ``address`` (Internet: public, outside the VNet)."""
    if tag == VIRTUAL_NETWORK:
        return address in virtual_network
    if tag == AZURE_LOAD_BALANCER:
        return address in HOST_ADDRESS
    if tag == INTERNET:
        return address not in virtual_network and address not in _PRIVATE
    return tag == _ANY


# -- what ``azint nsg`` shows --------------------------------------------------------------


@frozen
class EffectiveRule:
    """A row of ``az network nic list-effective-nsg``'s ``effectiveSecurityRules``."""

    name: str  # ``UserRule_NAME``, or Azure's names for its defaults
    priority: int
    direction: Direction
    access: Access
    protocol: str  # ``All`` for any
    sources: tuple[str, ...]
    source_ports: tuple[str, ...]
    destinations: tuple[str, ...]
    destination_ports: tuple[str, ...]
    expanded_sources: tuple[IPv4Network, ...] | None  # a service tag's prefixes
    expanded_destinations: tuple[IPv4Network, ...] | None


@frozen
class EffectiveGroup:
    attachment: Attachment
    rules: tuple[EffectiveRule, ...]


@frozen
class EffectiveView:
    """What ``azint nsg`` shows: the NSGs of a VM (or of a subnet without one) and their rules."""

    vnet: str
    subnet: str | None
    endpoint: m.Endpoint | None
    groups: tuple[EffectiveGroup, ...]


# How the effective list names Azure's default rules.
_EFFECTIVE_NAMES = {"DenyAllInBound": "DefaultInboundDenyAll",
                    "DenyAllOutBound": "DefaultOutboundDenyAll"}


def effective_rules(plane: ControlPlane, vnet: m.VNet, subnet: m.Subnet | None,
                    endpoint: m.Endpoint | None) -> EffectiveView:
    """The NSGs filtering ``endpoint`` (or, without one, the NSG of ``subnet``) with their rules
    in Azure's order, service tags expanded as the subnet sees them."""
    tag = _Prefixes(virtual_network_prefixes(plane.vnets[vnet.name],
                                             subnet.name if subnet else None))
    if endpoint is not None:
        found = attachments(vnet, endpoint)
    elif subnet is not None and subnet.security_group in vnet.security_groups:
        found = (Attachment("subnet", subnet.name,
                            vnet.security_groups[str(subnet.security_group)]),)
    else:
        found = ()
    groups = tuple(EffectiveGroup(a, tuple(_effective(rule, tag) for direction in Direction
                                           for rule in ordered_rules(a.group, direction)))
                   for a in found)
    return EffectiveView(vnet.name, subnet.name if subnet else None, endpoint, groups)


def _effective(rule: SecurityRule, tag: _Prefixes) -> EffectiveRule:
    default = rule.priority >= DEFAULT_PRIORITY
    name = (_EFFECTIVE_NAMES.get(rule.name, f"DefaultRule_{rule.name}") if default
            else f"UserRule_{rule.name}")
    return EffectiveRule(
        name, rule.priority, rule.direction, rule.access,
        "All" if rule.protocol is IpProtocol.ANY else rule.protocol.value,
        tuple(map(str, rule.sources)), tuple(map(_ports, rule.source_ports)),
        tuple(map(str, rule.destinations)), tuple(map(_ports, rule.destination_ports)),
        _expanded(rule.sources, tag), _expanded(rule.destinations, tag))


def _ports(span: tuple[int, int]) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def _expanded(entries: tuple[IPv4Network | str, ...],
              tag: _Prefixes) -> tuple[IPv4Network, ...] | None:
    """A service tag's prefixes (Internet: everything public outside VirtualNetwork)."""
    if entries == (VIRTUAL_NETWORK,):
        return tag.prefixes
    if entries == (AZURE_LOAD_BALANCER,):
        return (HOST_ADDRESS,)
    if entries == (INTERNET,):
        return tuple(_complement((*tag.prefixes, *PRIVATE_RANGES)))
    return None


def _complement(taken: Iterable[IPv4Network]) -> list[IPv4Network]:
    """The prefixes covering every address outside ``taken``."""
    free = [IPv4Network("0.0.0.0/0")]
    for prefix in collapse_addresses(set(taken)):
        next_free: list[IPv4Network] = []
        for block in free:
            if block.overlaps(prefix):
                if not prefix.supernet_of(block):
                    next_free.extend(block.address_exclude(prefix))
            else:
                next_free.append(block)
        free = next_free
    return sorted(free)
