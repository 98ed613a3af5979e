"""Deterministic per-flow choices: ECMP next hops and probe jitter.

Every router hashes the same fields (source, destination, protocol, and a destination port when
the probe has one) with its own element id and the topology's ``flow_hash_seed`` — like a
load-sharing ID — so a flow always takes the same path, different routers make independent
choices, and nothing depends on the clock or the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address
from typing import NamedTuple, TypeVar

try:  # the BLAKE2 built into CPython: hashlib would also load OpenSSL (2 ms at start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python
    from hashlib import blake2b

from azint.control.ids import Element

T = TypeVar("T")


class Flow(NamedTuple):
    """What a packet's path may depend on (a hot record: a plain tuple)."""

    src: IPv4Address
    dst: IPv4Address
    protocol: str = "icmp"
    # UDP probes (Linux traceroute) change destination port per probe, and so their flow; None
    # (ICMP, and every flow before ports existed) leaves the hash as it always was
    port: int | None = None


def _digest(*parts: object) -> int:
    text = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(blake2b(text, digest_size=8).digest(), "big")


def choose(seed: int, element: Element, flow: Flow, options: Sequence[T]) -> T:
    """The option a flow takes at ``element`` among equal-cost ``options`` (already ordered).

    The element is hashed as printed (``vnet:hub``), so its choices stay put from run to run.
    """
    if len(options) == 1:
        return options[0]
    ported = () if flow.port is None else (flow.port,)
    return options[_digest(seed, element, flow.src, flow.dst, flow.protocol, *ported) % len(options)]


def unit(seed: int, *parts: object) -> float:
    """A deterministic number in [-1, 1) for jitter."""
    return _digest(seed, "jitter", *parts) / 2**63 - 1.0
