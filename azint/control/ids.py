"""Structured identifiers: forwarding elements (and BGP speakers) and BGP sessions.

An element is a kind and the name of what it belongs to (an MSEE also its role); a session key is
a connection name and the peer a path is heard from. Code reads their fields, never their text,
so a user's names may hold ``:`` or ``|``. They print as azint has always shown them
(``ergw:hub``, ``msee:er1:primary``, ``link-1|router:ce1``) and sort by that text, so tables,
tie-breaks between equal paths and ECMP choices are the same as when ids were strings.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What a forwarding element is."""

    VM = "vm"  # a host (VM, NVA or on-premises machine)
    VNET = "vnet"  # delivery inside a VNet, to whatever owns the address
    FABRIC = "fabric"  # a VNet's routing as seen from its gateways (GatewaySubnet table)
    ERGW = "ergw"  # a VNet's ExpressRoute gateway
    VPNGW = "vpngw"  # a VNet's VPN gateway
    MSEE = "msee"  # a circuit's primary or secondary Microsoft edge router
    ROUTER = "router"  # an on-premises router
    APPLIANCE = "appliance"  # a user route's appliance, before the walk finds who owns it
    ROUTE_SERVER = "routeserver"  # a VNet's Azure Route Server (a BGP speaker, not a hop)


class _Id:
    """Equal and hashed by its fields, ordered by its text (which the fields determine)."""

    __slots__ = ("_hash", "_key")
    _key: tuple[str, ...]
    _hash: int  # of ``_key``, kept: ids key the data plane's hottest dictionaries

    def __str__(self) -> str:
        return self._key[0]

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, _Id) and type(other) is type(self)
                                 and self._key == other._key)

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: _Id) -> bool:
        return self._key < other._key

    def __le__(self, other: _Id) -> bool:
        return self._key <= other._key

    def __gt__(self, other: _Id) -> bool:
        return self._key > other._key

    def __ge__(self, other: _Id) -> bool:
        return self._key >= other._key


class Element(_Id):
    """A forwarding element: ``Element(Kind.ERGW, "hub")`` prints ``ergw:hub``.

    Made once per kind, name and role and shared: a dictionary finds an element it holds by
    identity, without comparing fields.
    """

    __slots__ = ("kind", "name", "role")
    kind: Kind
    name: str
    role: str

    def __new__(cls, kind: Kind, name: str = "", role: str = "") -> Element:
        made = _ELEMENTS.get((kind, name, role))
        if made is None:
            made = super().__new__(cls)
            made.kind, made.name, made.role = kind, name, role
            text = f"{kind.value}:{name}" if name else kind.value
            made._key = (f"{text}:{role}" if role else text, kind.value, name, role)
            made._hash = hash(made._key)
            _ELEMENTS[(kind, name, role)] = made
        return made

    def __reduce__(self) -> tuple[type[Element], tuple[Kind, str, str]]:
        return Element, (self.kind, self.name, self.role)  # unpickled as the one element

    def __repr__(self) -> str:
        return f"Element({self._key[0]!r})"


class SessionKey(_Id):
    """The session a path was learned on: connection ``name``, heard from ``peer``, over the
    connection's ``tunnel`` (numbered from 0; only an active-active VPN gateway's connections
    have more than one, and only the others print their number)."""

    __slots__ = ("connection", "peer", "tunnel")

    def __init__(self, connection: str, peer: Element, tunnel: int = 0) -> None:
        self.connection, self.peer, self.tunnel = connection, peer, tunnel
        text = f"{connection}|{peer}#{tunnel}" if tunnel else f"{connection}|{peer}"
        self._key = (text, connection, *peer._key, str(tunnel))
        self._hash = hash(self._key)

    def __repr__(self) -> str:
        return f"SessionKey({self._key[0]!r})"


_ELEMENTS: dict[tuple[Kind, str, str], Element] = {}


def vm(name: str) -> Element:
    return Element(Kind.VM, name)


def vnet(name: str) -> Element:
    return Element(Kind.VNET, name)


def fabric(name: str) -> Element:
    return Element(Kind.FABRIC, name)


def ergw(name: str) -> Element:
    return Element(Kind.ERGW, name)


def vpngw(name: str) -> Element:
    return Element(Kind.VPNGW, name)


def msee(circuit: str, role: str) -> Element:
    return Element(Kind.MSEE, circuit, role)


def router(name: str) -> Element:
    return Element(Kind.ROUTER, name)


def route_server(vnet: str) -> Element:
    return Element(Kind.ROUTE_SERVER, vnet)


APPLIANCE = Element(Kind.APPLIANCE)


def element_label(element: Element) -> str:
    """A forwarding element in words: ``ergw:hub`` -> ``the hub ExpressRoute gateway``."""
    if element.kind is Kind.MSEE:
        return f"the {element.role} MSEE of circuit {element.name}"
    words = {Kind.ERGW: "the {} ExpressRoute gateway", Kind.VPNGW: "the {} VPN gateway",
             Kind.ROUTER: "router {}", Kind.VM: "{}", Kind.VNET: "VNet {}", Kind.FABRIC: "VNet {}",
             Kind.ROUTE_SERVER: "the {} Route Server"}
    return words.get(element.kind, "{}").format(element.name or element.kind.value)
