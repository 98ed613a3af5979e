"""A prefix that hashes as fast as a number: the key of millions of route-table entries.

``ipaddress.IPv4Network`` computes its hash in Python on every dictionary operation (two
``int()`` conversions and a call); a landing zone of 40,000 prefixes looks them up millions of
times while BGP settles and tables are built. ``Prefix`` is an ``IPv4Network`` in every other
respect: equal to, hashed as, ordered and shown like the network it stands for.
"""

from __future__ import annotations

from ipaddress import IPv4Network


class Prefix(IPv4Network):
    """An ``IPv4Network`` whose hash is computed once."""

    __slots__ = ("_hash",)

    def __init__(self, address: str | tuple[int, int], strict: bool = True) -> None:
        super().__init__(address, strict)
        self._hash = super().__hash__()

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"IPv4Network({str(self)!r})"
